#!/usr/bin/env python3
"""test_prune.py - reinjections across a long pause: the MPTCP tracker forgets
the data sent and acked more than 30 s before (PRUNE_AGE_NS), so that its
memory follows the data in flight.

Crafted captures (tests/robust/hostile.py, gen_prune): a first subflow sends
3000 data packets, each acked at the data level, 40 s pass, it sends 3000
more, then a second subflow sends the DSNs of the very first packet again
(forgotten: no reinjection) and those of the last one (a reinjection).  Both
ways of tracking must say exactly that: the analyzer's load (its sent ranges
find their packets' times in the rows, summed up by blocks) and the exporter's
stream (the times kept in the ranges).  The second capture puts a packet dated
1000 s ahead among the first ones: the block holding it cannot answer for its
rows, which must then be read one by one.  A third (gen_late) records ranges
far behind the last one, which wait apart and are merged into the sorted list
by the batch: the repeats of merged, waiting and in-order ranges are found.

    test_prune.py MPTCPANALYZER MPTCPEXPORTER SOURCE_ROOT"""
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile

from tap import Tap

ANALYZER = os.path.abspath(sys.argv[1])
EXPORTER = os.path.abspath(sys.argv[2])
ROOT = os.path.abspath(sys.argv[3])
sys.path.insert(0, os.path.join(ROOT, 'tests', 'robust'))
import hostile  # noqa: E402

TMP = tempfile.mkdtemp(prefix='mptcpa-prune-')
T = Tap()


def frames_in(path):
    """the number of frames of a classic pcap file"""
    n = 0
    with open(path, 'rb') as f:
        f.read(24)
        while True:
            hdr = f.read(16)
            if len(hdr) < 16:
                return n
            f.seek(int.from_bytes(hdr[8:12], 'little'), 1)
            n += 1


def analyzer_reinjections(cap):
    """[(frame, frame it repeats)] from list_reinjections 0"""
    r = subprocess.run([ANALYZER, '--cachedir', os.path.join(TMP, 'cache'), '-r', '-l', cap,
                        'list_reinjections 0'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = r.stdout.decode()
    pairs = [(int(a), int(b)) for a, b in re.findall(r'frame (\d+) .*repeats frame (\d+)', out)]
    head = re.search(r'(\d+) reinjection\(s\)', out)
    return r.returncode, int(head.group(1)) if head else None, pairs, r.stderr.decode()


def exporter_reinjections(cap):
    """[(packetid, reinjection_of)] of the rows that repeat another"""
    out = os.path.join(TMP, 'out.csv')
    r = subprocess.run([EXPORTER, cap, '-o', out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        return r.returncode, [], r.stderr.decode()
    with open(out, newline='') as f:
        rows = [(int(row['packetid']), row['reinjection_of']) for row in csv.DictReader(f)
                if row['reinjection_of']]
    return 0, rows, ''


def check(kind):
    cap = os.path.join(TMP, kind + '.pcap')
    hostile.generate(kind, 3000, cap)
    last = frames_in(cap)
    # ..., the last data packet of the first subflow, its ack, the old DSNs
    # sent again (forgotten), the last packet's DSNs sent again
    want = [(last, last - 3)]
    rc, count, pairs, err = analyzer_reinjections(cap)
    T.report(rc == 0 and count == 1 and pairs == want,
             '%s: the analyzer finds one reinjection, frame %d of frame %d (found %s: %s)'
             % (kind, last, last - 3, count, pairs), err)
    rc, rows, err = exporter_reinjections(cap)
    T.report(rc == 0 and rows == [(last, str(last - 3))],
             '%s: the exporter\'s reinjection_of says the same (%s)' % (kind, rows), err)


def check_late():
    cap = os.path.join(TMP, 'late.pcap')
    w = hostile.PcapWriter(cap)
    want = hostile.gen_late(w, 3000, None)
    w.close()
    rc, count, pairs, err = analyzer_reinjections(cap)
    T.report(rc == 0 and count == len(want) == 6 and sorted(pairs) == sorted(want),
             'late ranges: the analyzer finds the %d repeats %s (found %s: %s)' % (len(want), want, count, pairs),
             err)
    rc, rows, err = exporter_reinjections(cap)
    T.report(rc == 0 and rows == [(a, str(b)) for a, b in want],
             'late ranges: the exporter\'s reinjection_of says the same (%s)' % rows, err)


try:
    check('prune')
    check('prune-odd-clock')
    check_late()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(T.done())
