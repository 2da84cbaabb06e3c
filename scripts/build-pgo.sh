#!/usr/bin/env bash
# build-pgo.sh - builds the fastest mptcpanalyzer: -O3, link-time and
# profile-guided optimisation, the profile taken from the project's examples.
#
#   scripts/build-pgo.sh [--ref DIR] [BUILD]      (default: build-pgo)
#
# Three steps, as CPython's --enable-optimizations does them:
#   1. an instrumented build (meson -Db_pgo=generate) of the two programs and
#      the bench drivers;
#   2. a training run: every capture of examples/ loaded (-r: decoded and
#      cached), listed and summed up, loaded again from its cache, and exported
#      (CSV, TSV, JSON lines, SQLite); each client/server pair mapped onto
#      each other (summary_extended, qualify_reinjections, print_owds); a
#      crafted capture with a big capture's long numbers loaded and exported
#      (tests/robust/hostile.py long);
#   3. the same build again, optimised by that profile (-Db_pgo=use).
# It then checks that the optimised programs print and export exactly what the
# instrumented ones did, on every example: an optimisation must not change a
# byte.  --ref DIR: and what DIR's programs do (a normal build, e.g. build/
# after scripts/test.sh; .ci/run does this).  Warnings do not stop it
# (-Dwerror=false): -O3 with a profile inlines library code (xxhash.h) that
# GCC then warns about; the normal build (-Werror) checks our code.  The build
# is for users who load big captures and for the benchmark; the test suite
# runs on the normal build.  bench/README.md says what it gains.
# BUILD and DIR are relative to the current folder.
set -Eeuo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REF=
if [[ ${1:-} == --ref ]]; then
    [[ $# -ge 2 ]] || { echo "usage: scripts/build-pgo.sh [--ref DIR] [BUILD]" >&2; exit 2; }
    REF=$(cd "$2" && pwd); shift 2
fi
BUILD=${1:-$TOP/build-pgo}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
cd "$TOP"
TARGETS=(mptcpanalyzer mptcpexporter bench/pcap_loop bench/load_mem)

# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_ensure

say() { printf 'build-pgo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
trap 'say "failed: $BASH_COMMAND (line $LINENO)"' ERR

shopt -s nullglob
EXAMPLES=("$TOP"/examples/*.pcap)
((${#EXAMPLES[@]})) || die "no captures in examples/ to train on (scripts/make-examples.sh makes them)"

TMP=$(mktemp -d /tmp/mptcpa-pgo.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# no user configuration, a cache of its own
export XDG_CONFIG_HOME=$TMP/config XDG_CACHE_HOME=$TMP/cache
mkdir -p "$XDG_CONFIG_HOME"

# workload OUTDIR [PROGRAMS]: runs the training commands with the programs of
# PROGRAMS (default $BUILD), their output kept in OUTDIR
workload() {
    local out=$1 BUILD=${2:-$BUILD} c name
    mkdir -p "$out"
    rm -rf "$XDG_CACHE_HOME"
    for c in "${EXAMPLES[@]}"; do
        name=$(basename "$c" .pcap)
        "$BUILD/mptcpanalyzer" -r -l "$c" list_tcp_connections list_mptcp_connections \
            'list_subflows 0' 'mptcp_summary 0' 'tcp_summary 0' 'list_reinjections 0' \
            >"$out/$name.r.txt"
        "$BUILD/mptcpanalyzer" -l "$c" list_mptcp_connections 'list_subflows 0 --json' \
            >"$out/$name.cached.txt"
        "$BUILD/mptcpexporter" "$c" -o "$out/$name.csv" >/dev/null
        "$BUILD/mptcpexporter" "$c" -o "$out/$name.tsv" >/dev/null
        "$BUILD/mptcpexporter" "$c" -o "$out/$name.jsonl" >/dev/null
        "$BUILD/mptcpexporter" "$c" -o "$out/$name.sqlite" >/dev/null
        sqlite3 "$out/$name.sqlite" .dump >"$out/$name.sql"
        rm "$out/$name.sqlite"
        "$BUILD/bench/load_mem" "$c" | grep -v -e '^seconds=' -e '^rss' -e '^peak' >"$out/$name.load_mem"
        "$BUILD/bench/pcap_loop" "$c" >"$out/$name.pcap_loop"
    done
    # a big capture's long numbers (frame numbers past 10^4, sequence numbers
    # past 10^8): trained on the examples alone, their paths were laid out
    # and optimised as cold code (a quarter of the 4.9M export's formatting)
    "$BUILD/mptcpanalyzer" -r -l "$LONG" list_mptcp_connections 'mptcp_summary 0' >"$out/long.r.txt"
    "$BUILD/mptcpexporter" "$LONG" -o "$out/long.csv" >/dev/null
    "$BUILD/bench/load_mem" "$LONG" | grep -v -e '^seconds=' -e '^rss' -e '^peak' >"$out/long.load_mem"
    # the two sides of a connection: mapped, one-way delays
    for c in "$TOP"/examples/*-client.pcap; do
        local server=${c%-client.pcap}-server.pcap
        [[ -f $server ]] || continue
        name=$(basename "$c" -client.pcap)
        "$BUILD/mptcpanalyzer" "summary_extended $c 0 $server 0" \
            "qualify_reinjections $c 0 $server 0" "print_owds $c 0 $server 0" >"$out/$name.twocap.txt"
    done
}

# 20,000 segments of 64 KB on two subflows: 40,000 frames, 4 MB
LONG=$TMP/long.pcap
python3 "$TOP/tests/robust/hostile.py" long 20000 "$LONG"

say "1/3: instrumented build in $BUILD"
# from scratch: no profile of another tree's code
if [[ -e $BUILD ]]; then
    [[ -d $BUILD/meson-private ]] || die "$BUILD exists and is not a meson build folder"
    rm -rf "$BUILD"
fi
meson setup "$BUILD" "$TOP" --buildtype=release -Db_lto=true -Db_pgo=generate -Dwerror=false >/dev/null
ninja -C "$BUILD" "${TARGETS[@]}" >/dev/null

say "2/3: training on ${#EXAMPLES[@]} captures of examples/ and a long crafted one"
workload "$TMP/generate"

say "3/3: optimised build"
meson configure "$BUILD" -Db_pgo=use >/dev/null
ninja -C "$BUILD" "${TARGETS[@]}" >/dev/null

workload "$TMP/use"
# same DIR1 DIR2 WHAT: the outputs are the same, or the script stops
same() {
    diff -rq "$1" "$2" >"$TMP/diff" && return 0
    die "the optimised build's output differs from $3's: $(head -3 "$TMP/diff" | tr '\n' ' ')"
}
same "$TMP/generate" "$TMP/use" "the instrumented build"
if [[ -n $REF ]]; then
    ninja -C "$REF" "${TARGETS[@]}" >/dev/null
    workload "$TMP/ref" "$REF"
    same "$TMP/ref" "$TMP/use" "$REF"
    say "the same output as $REF"
fi
say "done: $BUILD/mptcpanalyzer and $BUILD/mptcpexporter (the same output on every example)"
