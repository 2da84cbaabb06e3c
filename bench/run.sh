#!/usr/bin/env bash
# run.sh - the performance benchmark (not part of the test suite).
#
#   bench/run.sh [-B BUILD] [-n RUNS] [--tshark-runs N] [--tshark-max-mb MB] [--rss-curve] [--make] [CAPTURE...]
#
# For each CAPTURE (default: bench/data/big-53MB.pcap and bench/data/big-530MB.pcap,
# about 0.5M and 5M packets of real MPTCP v1 traffic) it times, RUNS times
# each (default 5), and reports the median:
#   (a) pcap_loop: a bare libpcap loop that reads every packet (the floor)
#   (b) mptcpanalyzer -d 1 -r -l CAPTURE list_mptcp_connections (decode, no cache;
#       -d 1: the medians of its load and cache-write times are printed too)
#   (c) the same without -r, the cache filled by a first run  (warm cache)
#   (d) mptcpexporter CAPTURE -o out.csv                     (streaming export)
#   (e) tshark with MPTCP analysis on, exporting the original tool's fields
#       (--tshark-runs times, default 1; skipped above --tshark-max-mb, default 100)
# plus load_mem (capture_load() alone): what the loaded tables cost per packet.
# Columns: wall time (median), CPU time user+sys (median), packets/s and MB/s
# (from the wall time), peak RSS (largest of the runs).  Each capture is read
# once before the runs: every case reads it from the page cache.  The runs of
# (a) to (d) are interleaved (a b c d, a b c d, ...): a virtual machine's
# speed drifts over seconds, and the ratios are then of runs made under the
# same conditions, not of one block of runs against a later one; the ratios
# are printed of the medians and round by round.
# --rss-curve: also mptcpexporter's peak RSS on the first 20%, 40%, ... 100%
# of each capture's packets (cuts made with tcpdump -c), to show that its
# memory stops growing with the number of packets.
# -B BUILD: the build timed (default build/); scripts/build-pgo.sh makes the
# fastest (build-pgo/: -O3, link-time and profile-guided optimisation; after a
# change to the code, run it again: this script would rebuild it with the old profile).
# --make: make the missing default captures with scripts/make-examples.sh --big
# (root, kernel MPTCP; about 10 s and 90 s).  The machine: see the header lines.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$HERE")
BUILD=$TOP/build RUNS=5 TSHARK_RUNS=1 TSHARK_MAX_MB=100 MAKE=0 RSS_CURVE=0
usage() { sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }
while [[ ${1:-} == -* ]]; do
    case $1 in
        -B) BUILD=$(cd "$2" && pwd); shift 2 ;;
        -n) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage 2; RUNS=$2; shift 2 ;;
        --tshark-runs) [[ ${2:-} =~ ^[0-9]+$ ]] || usage 2; TSHARK_RUNS=$2; shift 2 ;;
        --tshark-max-mb) [[ ${2:-} =~ ^[0-9]+$ ]] || usage 2; TSHARK_MAX_MB=$2; shift 2 ;;
        --make) MAKE=1; shift ;;
        --rss-curve) RSS_CURVE=1; shift ;;
        -h|--help) usage ;;
        *) usage 2 ;;
    esac
done
CAPS=("$@")
((${#CAPS[@]})) || CAPS=("$HERE/data/big-53MB.pcap" "$HERE/data/big-530MB.pcap")

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

# ---------------------------------------------------------------- captures, programs
for c in "${CAPS[@]}"; do
    [[ -f $c ]] && continue
    mb=$(basename "$c" | sed -n 's/^big-\([0-9]*\)MB\.pcap$/\1/p')
    ((MAKE)) && [[ -n $mb ]] || die "$c is missing (default captures: run with --make, as root)"
    (cd "$TOP" && scripts/make-examples.sh --big "$mb" "$c")
done
ninja -C "$BUILD" mptcpanalyzer mptcpexporter bench/pcap_loop bench/load_mem >/dev/null ||
    die "cannot build in $BUILD (meson setup $BUILD $TOP first)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is needed (Debian package: time)"
TMP=$(mktemp -d /tmp/mptcpa-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# the analyzer reads no user configuration and keeps its cache here
export XDG_CONFIG_HOME=$TMP/config XDG_CACHE_HOME=$TMP/cache
mkdir -p "$XDG_CONFIG_HOME"

# ---------------------------------------------------------------- timing
# median: of the numbers on standard input, one per line
median() {
    sort -g | awk '{v[NR]=$1} END{if (NR) print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'
}

# run_once CASE CMD...: runs CMD once (stdout to $TMP/out, stderr appended to
# $TMP/errs.CASE) and adds its wall and CPU times and peak RSS to CASE's
declare -A WALLS CPUS RSSES
run_once() {
    local k=$1 t0 t1 u s m
    shift
    t0=$(date +%s%N)
    /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" ||
        die "failed: $* ($(tail -n 3 "$TMP/err"))"
    t1=$(date +%s%N)
    cat "$TMP/err" >>"$TMP/errs.$k"
    read -r u s m < <(tail -n 1 "$TMP/time")
    WALLS[$k]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", (b - a) / 1e9}') "
    CPUS[$k]+="$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}') "
    ((m > ${RSSES[$k]:-0})) && RSSES[$k]=$m
    return 0
}

# stats CASE: sets WALL and CPU (medians, seconds) and RSS (largest peak, KiB)
stats() {
    WALL=$(printf '%s\n' ${WALLS[$1]} | median)
    CPU=$(printf '%s\n' ${CPUS[$1]} | median)
    RSS=${RSSES[$1]}
}

# measure N CASE CMD...: CMD N times in a row (stats CASE done)
measure() {
    local n=$1 k=$2 i
    shift 2
    for ((i = 0; i < n; i++)); do run_once "$k" "$@"; done
    stats "$k"
}

# row NAME: one line of the results table from WALL, CPU, RSS
row() {
    awk -v n="$1" -v w="$WALL" -v c="$CPU" -v r="$RSS" -v p="$PKTS" -v b="$BYTES" -v k="$2" 'BEGIN{
        printf "| %-44s | %5s | %8.3f | %6.2f | %7.2f | %7.1f | %8.1f |\n",
               n, k, w, c, p / w / 1e6, b / w / 1e6, r / 1024 }'
}

tshark_fields=(
  frame.number frame.time_epoch frame.time_relative
  ip.src ip.dst ipv6.src ipv6.dst
  tcp.stream tcp.srcport tcp.dstport tcp.flags tcp.seq tcp.seq_raw tcp.ack tcp.ack_raw tcp.len
  tcp.window_size tcp.options.timestamp.tsval tcp.options.timestamp.tsecr
  tcp.analysis.retransmission
  mptcp.stream mptcp.expected_token
  tcp.options.mptcp.subtype tcp.options.mptcp.version
  tcp.options.mptcp.sendkey tcp.options.mptcp.recvkey tcp.options.mptcp.recvtok
  tcp.options.mptcp.datafin.flag tcp.options.mptcp.rawdataseqno tcp.options.mptcp.rawdataack
  tcp.options.mptcp.subflowseqno tcp.options.mptcp.datalvllen tcp.options.mptcp.addrid
  tcp.options.mptcp.backup.flag
  mptcp.rawdsn64 mptcp.dsn mptcp.ack mptcp.related_mapping mptcp.reinjection_of mptcp.reinjected_in
)
# tshark_cmd CAPTURE: TSHARK, tshark with the options and fields of the original
# tool (as in tshark-reference.sh in ../shared/tools), output on stdout
tshark_cmd() {
    local f
    TSHARK=(env WIRESHARK_CONFIG_DIR="$TMP/wireshark" tshark -r "$1" -n
        -o tcp.analyze_sequence_numbers:TRUE -o tcp.relative_sequence_numbers:TRUE
        -o mptcp.analyze_mptcp:TRUE -o mptcp.analyze_mappings:TRUE
        -o mptcp.relative_sequence_numbers:TRUE -o mptcp.intersubflows_retransmission:TRUE
        -2 -R tcp -T fields -E header=y -E separator=/t -E occurrence=a -E 'aggregator=,')
    for f in "${tshark_fields[@]}"; do TSHARK+=(-e "$f"); done
}

# ---------------------------------------------------------------- machine
echo "# mptcpanalyzer benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $(nproc) CPUs: $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/{print $2}') GiB RAM, kernel $(uname -r)"
echo "# build: $BUILD ($(meson introspect "$BUILD" --buildoptions 2>/dev/null | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(", ".join([o["buildtype"]] + (["LTO"] if o.get("b_lto") else []) +
                (["PGO"] if o.get("b_pgo") == "use" else [])))' 2>/dev/null || echo '?'))"
echo "# runs per case: $RUNS (median); tshark: $TSHARK_RUNS; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- cases
for CAP in "${CAPS[@]}"; do
    cat "$CAP" >/dev/null   # into the page cache
    read -r PKTS _ < <("$BUILD/bench/pcap_loop" "$CAP")
    BYTES=$(stat -c %s "$CAP")
    echo
    echo "## $(basename "$CAP"): $PKTS packets, $(awk -v b="$BYTES" 'BEGIN{printf "%.1f", b / 1e6}') MB"
    echo
    echo "| case                                         | runs  | wall s   | CPU s  | Mpkt/s  | MB/s    | RSS MiB  |"
    echo "| -------------------------------------------- | ----- | -------- | ------ | ------- | ------- | -------- |"
    WALLS=() CPUS=() RSSES=()
    rm -f "$TMP"/errs.*
    "$BUILD/mptcpanalyzer" -l "$CAP" list_mptcp_connections >/dev/null 2>&1   # fills the cache
    cached=$("$BUILD/mptcpanalyzer" -d 1 -l "$CAP" list_mptcp_connections 2>&1 >/dev/null | grep -c 'cache: loaded' || true)
    for ((i = 0; i < RUNS; i++)); do
        run_once a "$BUILD/bench/pcap_loop" "$CAP"
        run_once b "$BUILD/mptcpanalyzer" -d 1 -r -l "$CAP" list_mptcp_connections
        run_once c "$BUILD/mptcpanalyzer" -l "$CAP" list_mptcp_connections   # the cache (b) wrote
        run_once d "$BUILD/mptcpexporter" "$CAP" -o "$TMP/out.csv"
    done
    stats a; A=$WALL; row "(a) libpcap loop (floor)" "$RUNS"
    stats b; B=$WALL; row "(b) mptcpanalyzer -r list_mptcp_connections" "$RUNS"
    # what -d 1 printed, once per run: "loaded CAP in X s, cache written in Y s"
    phase() { sed -n "s/.*loaded .* in \([0-9.]*\) s, cache written in \([0-9.]*\) s\$/\\$1/p" "$TMP/errs.b" | median; }
    B_LOAD=$(phase 1) B_CACHE=$(phase 2)
    stats c; C=$WALL; row "(c) ... warm cache$( ((cached)) || echo ' (CACHE NOT USED)')" "$RUNS"
    stats d; D=$WALL; D_RSS=$RSS; row "(d) mptcpexporter -o out.csv" "$RUNS"
    E=
    if ((TSHARK_RUNS)) && command -v tshark >/dev/null && ((BYTES <= TSHARK_MAX_MB * 1000000)); then
        tshark_cmd "$CAP"
        measure "$TSHARK_RUNS" e "${TSHARK[@]}"
        E=$WALL; row "(e) tshark, MPTCP analysis, the tool's fields" "$TSHARK_RUNS"
    fi
    "$BUILD/bench/load_mem" "$CAP" >"$TMP/mem"
    get() { sed -n "s/^$1=//p" "$TMP/mem"; }
    echo
    awk -v a="$A" -v b="$B" -v c="$C" -v d="$D" -v e="$E" -v p="$PKTS" 'BEGIN{
        printf "ratios: (b)/(a) = %.2f (target <= 2), (d)/(a) = %.2f (target <= 4)", b / a, d / a
        if (e != "") printf ", (e)/(b) = %.0f (target >= 200)", e / b
        printf "; (c) = %.3f s (target < 0.1 s per 500k packets: %.3f s)\n", c, 0.1 * p / 500000 }'
    # the same ratios round by round: the runs of one round are under the same
    # conditions, and the VM changes speed between rounds
    awk -v a="${WALLS[a]}" -v b="${WALLS[b]}" -v d="${WALLS[d]}" 'BEGIN{
        n = split(a, A, " "); split(b, B, " "); split(d, D, " ")
        for (i = 1; i <= n; i++) { rb[i] = B[i] / A[i]; rd[i] = D[i] / A[i]; kb += rb[i] <= 2; kd += rd[i] <= 4 }
        printf "per round: (b)/(a)"; for (i = 1; i <= n; i++) printf " %.2f", rb[i]
        printf " (at most 2 in %d of %d); (d)/(a)", kb, n; for (i = 1; i <= n; i++) printf " %.2f", rd[i]
        printf " (at most 4 in %d of %d)\n", kd, n }'
    echo "loaded tables: sizeof(struct pkt) $(get sizeof_pkt) + $(get options_per_packet) options x $(get sizeof_mptcp_option) B + side tables = $(get table_bytes_per_packet) B/packet;" \
         "RSS after capture_load - before: $(get rss_bytes_per_packet) B/packet (peak $(get peak_bytes_per_packet)); target <= 64;" \
         "capture_load alone: $(get seconds) s"
    echo "mptcpexporter peak RSS: $(awk -v r="$D_RSS" 'BEGIN{printf "%.1f", r / 1024}') MiB"
    [[ -n $B_LOAD && -n $B_CACHE ]] &&
        awk -v w="$B" -v l="$B_LOAD" -v c="$B_CACHE" 'BEGIN{printf "(b), medians over its runs: loading %.3f s, writing the cache %.3f s, the rest (start-up, command, exit) about %.3f s\n", l, c, w - l - c }'
    if ((RSS_CURVE)); then
        command -v tcpdump >/dev/null || die "--rss-curve needs tcpdump"
        echo
        echo "mptcpexporter peak RSS on the first packets of the capture:"
        echo
        echo "| packets | capture s | RSS MiB |"
        echo "| ---: | ---: | ---: |"
        for pct in 20 40 60 80 100; do
            n=$((PKTS * pct / 100))
            tcpdump -r "$CAP" -c "$n" -w "$TMP/cut.pcap" 2>/dev/null
            dur=$("$BUILD/mptcpanalyzer" -l "$TMP/cut.pcap" 'list_tcp_connections --json' 2>/dev/null |
                  python3 -c 'import json,sys; c=json.load(sys.stdin)["connections"]; print("%.1f" % max(x["start"] + x["duration"] for x in c))')
            measure 1 "curve$pct" "$BUILD/mptcpexporter" "$TMP/cut.pcap" -o "$TMP/out.csv"
            awk -v n="$n" -v d="$dur" -v r="$RSS" 'BEGIN{printf "| %d | %s | %.1f |\n", n, d, r / 1024}'
        done
        rm -f "$TMP/cut.pcap"
    fi
done
