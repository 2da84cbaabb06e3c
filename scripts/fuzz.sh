#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer targets of tests/fuzz and runs each for a while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]       (default: 30 s, every target)
#
# Builds in build-fuzz/ (or $FUZZ_BUILD_DIR) with clang, ASan+UBSan and
# -Dfuzz=true, then runs each target for SECONDS over its seed corpus
# (tests/fuzz/corpus/TARGET, read only) plus a working corpus that keeps what
# it finds (tests/fuzz/corpus-out/TARGET, not committed), with the target's
# dictionary.  Prints the executions of each target.  Exits non-zero when a
# target crashed (or leaked, or hit undefined behaviour): the input is saved
# as build-fuzz/crashes/TARGET-crash-HASH; reproduce it with
#   build-fuzz/tests/fuzz/TARGET FILE
# and, once fixed, copy it into tests/fuzz/corpus/TARGET/ as a regression seed
# (the normal test suite replays every seed: replay_TARGET).
#
# Needs Debian's clang and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes); JOBS=N runs N workers per target (default 1); FUZZ_SEED=N fixes
# libFuzzer's random seed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_PER_TARGET=${1:-30}
shift || true
ALL_TARGETS=(fuzz_capture fuzz_track fuzz_decode_frame fuzz_tcp_options fuzz_mptcp_option fuzz_cache fuzz_csv_load
             fuzz_config)
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL_TARGETS[@]}")
JOBS=${JOBS:-1}

if ! [[ $SECONDS_PER_TARGET =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
fi
for tool in clang meson ninja; do
    command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool is missing (apt-get install clang libclang-rt-14-dev meson ninja-build)" >&2; exit 2; }
done

# ---- build (output shown only when it fails)
quiet() {
    local out
    out=$("$@" 2>&1) || { printf '%s\n' "$out" | tail -30 >&2; echo "fuzz.sh: build failed: $*" >&2; exit 2; }
}
if [[ ! -f $BUILD/build.ninja ]]; then
    CC=clang quiet meson setup "$BUILD" "$ROOT" -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized
else
    quiet meson configure "$BUILD" -Dfuzz=true
fi
# a target whose code is not in the tree (tests/fuzz/meson.build) is skipped
quiet ninja -C "$BUILD" build.ninja
known=$(ninja -C "$BUILD" -t targets all 2>/dev/null | sed -n 's|^tests/fuzz/\(fuzz_[a-z_]*\):.*|\1|p')
BUILT=()
for t in "${TARGETS[@]}"; do
    if grep -qx "$t" <<<"$known"; then BUILT+=("$t"); else echo "fuzz.sh: no target $t in this tree: skipped" >&2; fi
done
[[ ${#BUILT[@]} -gt 0 ]] || exit 2
TARGETS=("${BUILT[@]}")
quiet ninja -C "$BUILD" "${TARGETS[@]/#/tests/fuzz/}"

# ---- run
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
mkdir -p "$BUILD/crashes" "$BUILD/logs"
status=0
total=0
for t in "${TARGETS[@]}"; do
    exe=$BUILD/tests/fuzz/$t
    seeds=$ROOT/tests/fuzz/corpus/$t
    work=$ROOT/tests/fuzz/corpus-out/$t
    mkdir -p "$seeds" "$work"
    dict=$ROOT/tests/fuzz/$t.dict
    [[ -f $dict ]] || dict=$ROOT/tests/fuzz/mptcp.dict
    log=$BUILD/logs/$t.log
    args=(-max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192
          -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t-" -dict="$dict")
    # FUZZ_SEED=N makes a run repeatable (CI uses it)
    [[ -z ${FUZZ_SEED:-} ]] || args+=(-seed="$FUZZ_SEED")
    if [[ $JOBS -gt 1 ]]; then
        args+=(-fork="$JOBS" -ignore_crashes=0)
    fi
    rc=0
    "$exe" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [[ -n $execs ]] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    [[ -n $execs ]] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    execs=${execs:-0}
    total=$((total + execs))
    if [[ $rc -ne 0 ]]; then
        status=1
        crash=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //')
        printf '%-20s %12s execs  CRASH (exit %d): %s\n' "$t" "$execs" "$rc" "${crash:-see $log}"
        grep -m3 -E 'ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer|ERROR: libFuzzer' "$log" | sed 's/^/    /' || true
    else
        printf '%-20s %12s execs  ok (%s s, corpus %s files)\n' "$t" "$execs" "$SECONDS_PER_TARGET" \
            "$(find "$work" -type f | wc -l)"
    fi
done
printf '%-20s %12s execs\n' total "$total"
exit $status
