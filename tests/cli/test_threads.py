#!/usr/bin/env python3
"""test_threads.py - the results do not depend on the number of threads (TAP).

    test_threads.py MPTCPEXPORTER MPTCPANALYZER SOURCE_ROOT

Loading reads and decodes on one thread while another tracks, and the
exporter formats chunks of rows on several threads; MPTCPANALYZER_THREADS=1
does everything on one.  Each capture (the project's examples, and the
../shared ones when present) is exported as CSV, JSON lines and with a small
window with 1, 2 and 5 threads, and the outputs must be byte-identical; the
row count must be the capture's TCP packet count (the analyzer's count over
TCP connections).  The analyzer's JSON outputs must not change either.
A subset of the fields without reinjected_in is exported in one pass instead
of two: its values must be the full export's columns.  The formatting
threads (mptcpa-format) run 10 nice levels below the others.
Classic pcap files are read by the project's own record walker
(capture/pcap_walk.h); every such capture exports the same bytes with
MPTCPANALYZER_PCAP_WALK=0, which leaves them all to libpcap."""
import csv
import glob
import io
import json
import os
import subprocess
import sys
import tempfile
import time

from tap import Tap

EXPORTER = os.path.abspath(sys.argv[1])
ANALYZER = os.path.abspath(sys.argv[2])
ROOT = os.path.abspath(sys.argv[3])
SHARED = os.path.join(ROOT, '..', 'shared', 'captures')
TMP = tempfile.mkdtemp(prefix='mptcpa-threads-')

T = Tap()
report = T.report


def env_for(threads):
    env = dict(os.environ)
    env['MPTCPANALYZER_THREADS'] = str(threads)
    for k in ('XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME'):
        env[k] = os.path.join(TMP, k.lower())
    env['LC_ALL'] = 'C'
    return env


def export(cap, threads, args, walk=True):
    out = os.path.join(TMP, 'out-%d' % threads)
    env = env_for(threads)
    if not walk:
        env['MPTCPANALYZER_PCAP_WALK'] = '0'
    r = subprocess.run([EXPORTER, cap, '-o', out] + args, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        return None
    with open(out, 'rb') as f:
        return f.read()


def analyzer_json(cap, threads, command):
    r = subprocess.run([ANALYZER, '-r', '-l', cap, command + ' --json'], env=env_for(threads),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.stdout if r.returncode == 0 else None


def tcp_packets(cap):
    """TCP packets of the capture: the sum over its TCP connections"""
    try:
        doc = json.loads(analyzer_json(cap, 1, 'list_tcp_connections'))
    except (TypeError, ValueError):
        return None
    return sum(c['forward']['packets'] + c['backward']['packets'] for c in doc['connections'])


def columns_of(csv_bytes, names):
    """the named columns of a CSV, as lists of values"""
    rows = list(csv.reader(io.StringIO(csv_bytes.decode())))
    idx = [rows[0].index(n) for n in names]
    return [[row[i] for i in idx] for row in rows]


def check_subset(cap, name, full):
    """one pass (no reinjected_in) and two passes give the same values"""
    for fields in (['packetid', 'tcpstream', 'dsn', 'dack', 'reinjection_of', 'dss_dsn'],
                   ['reinjected_in', 'packetid', 'mptcpstream']):
        out = export(cap, 2, ['-f', ','.join(fields)])
        got = None if out is None else columns_of(out, fields)
        report(got is not None and got == columns_of(full, fields),
               '%s: -f %s gives the full export\'s columns' % (name, ','.join(fields)))


def check_capture(cap):
    name = os.path.relpath(cap, os.path.join(ROOT, '..'))
    for label, args in (('csv', []), ('jsonl', ['-F', 'jsonl']), ('window 300', ['-w', '300'])):
        ref = export(cap, 1, args)
        if ref is None:
            report(False, '%s %s: exported with 1 thread' % (name, label))
            continue
        for threads in (2, 5):
            out = export(cap, threads, args)
            report(out == ref, '%s %s: %d threads write the same %d bytes as 1' %
                   (name, label, threads, len(ref)),
                   'sizes %s vs %d' % (None if out is None else len(out), len(ref)))
        if label == 'csv':
            check_subset(cap, name, ref)
            want = tcp_packets(cap)
            rows = ref.count(b'\n') - 1
            report(want is not None and rows == want,
                   '%s: %s rows, one per TCP packet (%s)' % (name, rows, want))
    for command in ('list_tcp_connections', 'list_subflows 0', 'mptcp_summary 0', 'list_reinjections 0'):
        ref = analyzer_json(cap, 1, command)
        out = analyzer_json(cap, 2, command)
        report(ref is not None and ref == out,
               '%s: mptcpanalyzer %s is the same with 1 and 2 threads' % (name, command))


def check_walk(caps):
    """the walker and libpcap read the same frames: the same export"""
    for cap in caps:
        name = os.path.relpath(cap, os.path.join(ROOT, '..'))
        ref = export(cap, 2, [], walk=False)
        out = export(cap, 2, [])
        report(ref is not None and out == ref,
               '%s: the same %s bytes with libpcap alone' % (name, None if ref is None else len(ref)))


def thread_nice(pid):
    """{thread name: [nice values]} of a running process; its first thread
    is 'main' (a sanitizer's threads take the program's name too)"""
    out = {}
    for task in glob.glob('/proc/%d/task/*' % pid):
        try:
            with open(os.path.join(task, 'comm')) as f:
                comm = f.read().strip()
            if os.path.basename(task) == str(pid):
                comm = 'main'
            with open(os.path.join(task, 'stat')) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        out.setdefault(comm, []).append(int(fields[16]))  # field 19: nice
    return out


def check_priorities(cap):
    """The exporter writes into a FIFO nobody reads yet: it stops once the
    pipe is full, with its threads alive, which /proc then shows."""
    fifo = os.path.join(TMP, 'fifo')
    os.mkfifo(fifo)
    rd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    p = subprocess.Popen([EXPORTER, cap, '-o', fifo], env=env_for(3),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = {}
    for _ in range(500):
        seen = thread_nice(p.pid)
        if len(seen.get('mptcpa-format', [])) == 2:
            break
        time.sleep(0.01)
    base = os.getpriority(os.PRIO_PROCESS, 0)
    os.set_blocking(rd, True)
    while os.read(rd, 1 << 16):
        pass
    os.close(rd)
    p.wait()
    os.unlink(fifo)
    report(seen.get('mptcpa-format') == [min(base + 10, 19)] * 2,
           'MPTCPANALYZER_THREADS=3: two formatting threads at nice %d' % min(base + 10, 19),
           'threads: %s' % seen)
    report(seen.get('main') == [base], 'the main thread stays at nice %d' % base,
           'threads: %s' % seen)
    report(p.returncode == 0, 'the export into the FIFO ends well')


def main():
    caps = sorted(glob.glob(os.path.join(ROOT, 'examples', '*.pcap')))
    shared = [os.path.join(SHARED, 'v0', 'client_2.pcap'), os.path.join(SHARED, 'v1', 'failover-client.pcap'),
              os.path.join(SHARED, 'v1', 'basic-client-ifaces.pcapng')]
    missing = [c for c in shared if not os.path.exists(c)]
    caps += [c for c in shared if os.path.exists(c)]
    check_priorities(caps[0])
    for c in caps:
        check_capture(c)
    check_walk(sorted(glob.glob(os.path.join(ROOT, 'examples', '*.pcap')) +
                      glob.glob(os.path.join(SHARED, 'v*', '*.pcap'))))
    for c in missing:
        T.skip(os.path.basename(c), '../shared is not there')
    return T.done()


if __name__ == '__main__':
    sys.exit(main())
