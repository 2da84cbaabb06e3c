#!/usr/bin/env bash
# deps.sh - checks that the Debian packages needed to build, test and fuzz
# mptcpanalyzer are installed; as root it installs the missing ones.
#
#   scripts/deps.sh          check (and as root install); exit 1 when something
#                            is missing and we are not root
#   source scripts/deps.sh   defines deps_ensure for the other scripts
set -euo pipefail

DEPS_BUILD=(meson ninja-build pkg-config gcc libpcap-dev libglib2.0-dev libjson-glib-dev
            libsqlite3-dev libreadline-dev libxxhash-dev)
# clang and its sanitizer/libFuzzer runtime (Debian 12's default clang is 14)
DEPS_RUN=(gnuplot-nox python3 sqlite3 tmux clang libclang-rt-14-dev)

# prints the packages of "$@" that dpkg does not know as installed
deps_missing() {
    local p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            printf '%s\n' "$p"
        fi
    done
}

# installs (root) or names (others) the missing packages; non-zero when they stay missing
deps_ensure() {
    local missing
    mapfile -t missing < <(deps_missing "${DEPS_BUILD[@]}" "${DEPS_RUN[@]}")
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    local install=(apt-get install -y --no-install-recommends "${missing[@]}")
    if [[ $(id -u) -eq 0 ]]; then
        echo "deps: installing ${missing[*]}" >&2
        apt-get update
        DEBIAN_FRONTEND=noninteractive "${install[@]}"
        return 0
    fi
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them as root with:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive ${install[*]}" >&2
    return 1
}

# run directly (not sourced)
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    deps_ensure
    echo "deps: all $((${#DEPS_BUILD[@]} + ${#DEPS_RUN[@]})) packages present"
fi
