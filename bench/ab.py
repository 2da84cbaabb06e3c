#!/usr/bin/env python3
"""ab.py - is one build's load faster than another's?  (not part of the test suite)

    bench/ab.py [-n ROUNDS] [-c CAPTURE] BUILD_A BUILD_B [BUILD...]
    bench/ab.py [-n ROUNDS] --cmd 'COMMAND A' 'COMMAND B' [...]

Runs each build's bench/load_mem on CAPTURE (default bench/data/big-53MB.pcap)
ROUNDS times (default 60), one run of each build per round, the order rotated
from round to round, and compares the load times load_mem prints (seconds=,
capture_load() alone, no process start-up).  With --cmd, the commands are timed
whole (wall time) instead.

On a shared virtual machine the same build's load time drifts by 10 to 50%
over seconds, far more than most changes are worth: a block of runs of A then a
block of B measures the drift.  Within a round the builds run under the same
conditions, so the difference of each round is compared: the script prints,
for each build after the first, the median of the per-round differences and
a 90% bootstrap interval of that median.  An interval that excludes 0 is a
difference; one that straddles 0 is not one (of that size, in that many
rounds).

Back to back, each run gets the memory the last one freed, still backed by
the host.  This VM hands memory idle for about 2 s back to the host (free page
reporting), and memory that has to be backed again is slow: a 0.5M-packet
`mptcpanalyzer -r` takes 0.08 s after another run and 0.16 s after 3 s idle.
--pause SECONDS measures that case, which is a user's first run.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_load_mem(build, capture):
    """(load seconds, CPU seconds of the process)"""
    p = subprocess.Popen([os.path.join(build, 'bench', 'load_mem'), capture],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f'ab.py: {build}/bench/load_mem {capture} failed (status {status})')
    line = next((l for l in out.splitlines() if l.startswith('seconds=')), None)
    if line is None:
        sys.exit(f'ab.py: {build}/bench/load_mem printed no seconds=')
    return float(line.split('=', 1)[1]), usage.ru_utime + usage.ru_stime


def run_command(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f'ab.py: {cmd!r} failed (status {status})')
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def median_interval(diffs, rng, resamples=1000):
    meds = sorted(statistics.median(rng.choices(diffs, k=len(diffs))) for _ in range(resamples))
    return meds[resamples * 5 // 100], meds[resamples * 95 // 100]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-n', type=int, default=60, metavar='ROUNDS', help='rounds (default 60)')
    ap.add_argument('-c', default=os.path.join(TOP, 'bench', 'data', 'big-53MB.pcap'), metavar='CAPTURE',
                    help='capture (default bench/data/big-53MB.pcap)')
    ap.add_argument('--cmd', action='store_true', help='the arguments are commands, timed whole')
    ap.add_argument('--pause', type=float, default=0, metavar='SECONDS',
                    help='idle this long before each run (memory freed by the last run then goes cold)')
    ap.add_argument('what', nargs='+', help='builds (or commands with --cmd)')
    a = ap.parse_args()
    if len(a.what) < 2 or a.n < 2:
        ap.error('two builds (or commands) at least, and two rounds')
    if not a.cmd:
        for b in a.what:
            if not os.access(os.path.join(b, 'bench', 'load_mem'), os.X_OK):
                ap.error(f'{b}/bench/load_mem missing: ninja -C {b} bench/load_mem')
        if not os.path.exists(a.c):
            ap.error(f'{a.c}: no such capture')
    k = len(a.what)
    wall = [[] for _ in range(k)]
    cpu = [[] for _ in range(k)]
    for r in range(a.n):
        for i in [(r + j) % k for j in range(k)]:
            if a.pause:
                time.sleep(a.pause)
            w, c = run_command(a.what[i]) if a.cmd else run_load_mem(a.what[i], a.c)
            wall[i].append(w)
            cpu[i].append(c)
    rng = random.Random(1)
    what = 'wall s' if a.cmd else 'load s'
    print(f'{a.n} rounds; {what}: median, first quartile, min; CPU s: median')
    for i in range(k):
        w = sorted(wall[i])
        line = (f'{i}: {statistics.median(w):.4f} {w[len(w) // 4]:.4f} {w[0]:.4f}'
                f'  CPU {statistics.median(cpu[i]):.4f}')
        if i:
            d = [y - x for x, y in zip(wall[0], wall[i])]
            lo, hi = median_interval(d, rng)
            line += f'  vs 0: {statistics.median(d):+.4f} [{lo:+.4f}, {hi:+.4f}]'
        print(f'{line}  {a.what[i]}')


if __name__ == '__main__':
    main()
