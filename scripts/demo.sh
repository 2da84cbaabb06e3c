#!/usr/bin/env bash
# demo.sh - builds mptcpanalyzer and shows it at work on an example capture.
#
#   scripts/demo.sh
#
# Checks the Debian packages (scripts/deps.sh), configures build/ if needed,
# builds, lists the MPTCP connections and the subflows of connection 0 of
# examples/basic-client.pcap, and writes one plot (DSN over time) to
# build/demo-dsn.png once the plot command is there.  Works from any folder.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_ensure

[[ -f build/build.ninja ]] || meson setup build
ninja -C build

CAPTURE=examples/basic-client.pcap
if [[ ! -f $CAPTURE ]]; then
    echo "demo: $CAPTURE is missing (scripts/make-examples.sh makes it)" >&2
    exit 1
fi

if [[ ! -x build/mptcpanalyzer ]]; then
    echo "== build/mptcpanalyzer is not built yet; the exporter's first rows instead"
    { build/mptcpexporter "$CAPTURE" -o - || true; } | head
    exit 0
fi

echo "== build/mptcpanalyzer -l $CAPTURE list_mptcp_connections \"list_subflows 0\""
build/mptcpanalyzer -l "$CAPTURE" list_mptcp_connections "list_subflows 0"

if build/mptcpanalyzer list_available_plots >/dev/null 2>&1; then
    PLOT=build/demo-dsn.png
    echo "== build/mptcpanalyzer -l $CAPTURE \"plot dsn 0 -o $PLOT\""
    build/mptcpanalyzer -l "$CAPTURE" "plot dsn 0 -o $PLOT"
    echo "demo: plot written to $PWD/$PLOT"
else
    echo "demo: no plot command yet (build/mptcpanalyzer list_available_plots fails); skipping the plot"
fi
