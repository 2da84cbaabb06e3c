#!/usr/bin/env bash
# test.sh - builds mptcpanalyzer and runs the whole test suite.
#
#   scripts/test.sh [--asan | --tsan] [--builddir DIR]
#
# Checks the Debian packages (scripts/deps.sh), configures the build folder
# when needed (build/, or build-asan/ with --asan: AddressSanitizer and
# UBSan), builds, runs `meson test`, and counts TAP subtests from the
# folder's meson-logs/testlog.json.  --tsan (build-tsan/, ThreadSanitizer)
# builds the two programs and runs only the `threads` suite: the code that
# runs on several threads.  The last line printed is always
# "N passed, N failed" (", N skipped" when some were skipped); the exit status
# is non-zero when anything failed, the build included.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }

ASAN=0 TSAN=0
BUILDDIR=
while (($#)); do
    case $1 in
        --asan) ASAN=1; shift ;;
        --tsan) TSAN=1; shift ;;
        --builddir) [[ $# -ge 2 ]] || usage 2; BUILDDIR=$2; shift 2 ;;
        -h|--help) usage ;;
        *) echo "test.sh: unknown argument: $1" >&2; usage 2 ;;
    esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_ensure

SETUP_OPTS=()
TARGETS=() SUITES=()
if ((TSAN)); then
    BUILDDIR=${BUILDDIR:-build-tsan}
    SETUP_OPTS=(-Db_sanitize=thread -Db_lundef=false)
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
    TARGETS=(mptcpexporter mptcpanalyzer)
    SUITES=(threads)
elif ((ASAN)); then
    BUILDDIR=${BUILDDIR:-build-asan}
    SETUP_OPTS=(-Db_sanitize=address,undefined -Db_lundef=false)
    # GLib keeps type-system and quark memory for the whole process
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
    BUILDDIR=${BUILDDIR:-build}
fi

# a build problem is one failure, and the summary line still comes last
build_failed() {
    echo "test.sh: $1 failed" >&2
    echo "0 passed, 1 failed"
    exit 1
}

if [[ ! -f $BUILDDIR/build.ninja ]]; then
    meson setup "$BUILDDIR" "${SETUP_OPTS[@]}" || build_failed "meson setup $BUILDDIR"
elif ((${#SETUP_OPTS[@]})); then
    meson configure "$BUILDDIR" "${SETUP_OPTS[@]}" || build_failed "meson configure $BUILDDIR"
fi
ninja -C "$BUILDDIR" "${TARGETS[@]}" || build_failed "ninja -C $BUILDDIR"

LOG=$BUILDDIR/meson-logs/testlog.json
rm -f "$LOG"
set +e
if ((${#SUITES[@]})); then
    meson test -C "$BUILDDIR" --no-rebuild --print-errorlogs --num-processes 2 "${SUITES[@]}"
else
    meson test -C "$BUILDDIR" --print-errorlogs --num-processes 2
fi
MESON_RC=$?
set -e

# Counts TAP lines per test (a test without TAP lines counts once, by its
# result; a TAP test that died without a "not ok" line counts one failure).
python3 - "$LOG" "$MESON_RC" <<'PY'
import json, re, sys

path, meson_rc = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
try:
    lines = open(path, encoding='utf-8', errors='replace').read().splitlines()
except OSError:
    lines = []
for line in lines:
    if not line.strip():
        continue
    entry = json.loads(line)
    result = entry.get('result', '')
    out = entry.get('stdout') or ''
    ok = bad = skip = 0
    for l in out.splitlines():
        if re.match(r'not ok\b', l):
            bad += 1
        elif re.match(r'ok\b', l):
            if re.search(r'#\s*skip', l, re.I):
                skip += 1
            else:
                ok += 1
    if ok + bad + skip == 0:
        if result in ('OK', 'EXPECTEDFAIL'):
            ok = 1
        elif result == 'SKIP':
            skip = 1
        else:
            bad = 1
    elif bad == 0 and result not in ('OK', 'SKIP', 'EXPECTEDFAIL'):
        bad = 1   # crashed or timed out after its last "ok"
    if bad:
        print(f'FAILED: {entry.get("name")} ({result})', file=sys.stderr)
    passed += ok
    failed += bad
    skipped += skip
if not lines and meson_rc != 0:
    failed += 1
summary = f'{passed} passed, {failed} failed'
if skipped:
    summary += f', {skipped} skipped'
sys.stderr.flush()
print(summary)
sys.exit(1 if failed else 0)
PY
