#!/usr/bin/env python3
"""TAP wrapper around tshark_diff.py: one test per capture and field group.

For every <source_root>/../shared/captures/**/X.tshark.tsv it runs
tshark_diff.py twice, with --fields tcp and --fields mptcp, so that TCP
agreement is tracked on its own.  Each run is one `ok`/`not ok` line; what
tshark_diff.py printed (the agreement per field) follows as TAP comments.
Skips (TAP `# SKIP`) when ../shared is absent.

usage: run_diff_tap.py EXPORTER SOURCE_ROOT
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DIFF = os.path.join(HERE, 'tshark_diff.py')
GROUPS = ('tcp', 'mptcp')
TIMEOUT = 300  # seconds per capture and group


def find_references(source_root):
    """the captures folder and its *.tshark.tsv files, sorted (None if absent)"""
    captures = os.path.normpath(os.path.join(source_root, '..', 'shared', 'captures'))
    if not os.path.isdir(captures):
        return captures, None
    tsvs = glob.glob(os.path.join(captures, '**', '*.tshark.tsv'), recursive=True)
    return captures, sorted(tsvs)


def comment(text):
    for line in text.splitlines():
        print('# ' + line if line.strip() else '#')


def run_one(exporter, tsv, group):
    """(passed, output) of one tshark_diff.py run"""
    cmd = [sys.executable, DIFF, exporter, tsv, '--fields', group]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, f'timed out after {TIMEOUT} s: {" ".join(cmd)}'
    return p.returncode == 0, p.stdout + p.stderr


def main():
    if len(sys.argv) != 3:
        print('usage: run_diff_tap.py EXPORTER SOURCE_ROOT', file=sys.stderr)
        return 2
    exporter, source_root = sys.argv[1], sys.argv[2]
    captures, tsvs = find_references(source_root)
    if tsvs is None or not tsvs:
        why = 'not found' if tsvs is None else 'holds no *.tshark.tsv'
        print('1..1')
        print(f'ok 1 # SKIP tshark references {why}: {captures}')
        return 0
    if not os.access(exporter, os.X_OK):
        print('1..1')
        print(f'not ok 1 - exporter not executable: {exporter}')
        return 1
    print(f'1..{len(tsvs) * len(GROUPS)}')
    n = 0
    for tsv in tsvs:
        name = os.path.relpath(tsv[:-len('.tshark.tsv')], captures)
        for group in GROUPS:
            n += 1
            passed, out = run_one(exporter, tsv, group)
            print(f'{"ok" if passed else "not ok"} {n} - {name} --fields {group}')
            comment(out)
            sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
