#!/usr/bin/env python3
"""test_exporter.py - mptcpexporter in one pass or two, and its quoting (TAP).

    test_exporter.py MPTCPEXPORTER SOURCE_ROOT

A row's reinjected_in lists the later packets that repeat it.  Into a file,
the exporter writes rows a window after they settle and reads the capture
once; a packet repeating a row already written makes it empty the file and
write it again from a second pass.  To stdout it always reads twice (the
first pass finds the repeats).  MPTCPANALYZER_EXPORT_PASSES=2 forces the
two passes; MPTCPANALYZER_STREAM_FROM=1000 writes all but the first 1000
bytes with O_DIRECT (export/direct_out.h), emptied and written again too,
and all of them when the capture is at least that long (an export expected
large).  On these captures every way must write the same bytes, whatever
the window (a hostile capture can make what a row shows depend on when it is
written: fuzz_capture compares the packets of both ways); -v must say which
way it went; and the repeats must be the capture's: the reinjected_in lists
must be exactly the reinjection_of links turned around, and the lossy
example's known values.

With any delimiter, even one that numbers, times or addresses are made of,
Python's csv module must read back the values of the comma export: the
writer quotes exactly the values that need it."""
import csv
import glob
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile

from tap import Tap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'robust'))
import hostile  # noqa: E402

EXPORTER = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
SHARED = os.path.join(ROOT, '..', 'shared', 'captures')
LOSSY = os.path.join(ROOT, 'examples', 'lossy-client.pcap')
TMP = tempfile.mkdtemp(prefix='mptcpa-exporter-')

T = Tap()
report = T.report
LAST = {}  # os.stat of the last file export() wrote


def export(cap, args, passes=None, to_stdout=False, stream_from=None, ring=True):
    """(bytes written, stderr) or (None, stderr); ring=False: the packet
    window moved down in memory instead of kept in a ring"""
    env = dict(os.environ)
    env.pop('MPTCPANALYZER_EXPORT_PASSES', None)
    env.pop('MPTCPANALYZER_STREAM_FROM', None)
    env.pop('MPTCPANALYZER_VRING', None)
    if not ring:
        env['MPTCPANALYZER_VRING'] = '0'
    if passes:
        env['MPTCPANALYZER_EXPORT_PASSES'] = str(passes)
    if stream_from is not None:
        env['MPTCPANALYZER_STREAM_FROM'] = str(stream_from)
    out = os.path.join(TMP, 'out.csv')
    if os.path.exists(out):
        os.unlink(out)
    cmd = [EXPORTER, '-v', cap, '-o', '-' if to_stdout else out] + args
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        return None, r.stderr.decode()
    if to_stdout:
        return r.stdout, r.stderr.decode()
    LAST['stat'] = os.stat(out)
    with open(out, 'rb') as f:
        return f.read(), r.stderr.decode()


def passes_said(err):
    m = re.search(r'exported in [0-9.]+ s, (\d) pass', err)
    return int(m.group(1)) if m else None


def rows_of(data):
    return list(csv.DictReader(io.StringIO(data.decode())))


def links_agree(rows):
    """reinjected_in is reinjection_of turned around, and some link exists"""
    later, earlier = set(), set()
    for r in rows:
        for o in filter(None, r['reinjection_of'].split(',')):
            earlier.add((int(o), int(r['packetid'])))
        for q in filter(None, r['reinjected_in'].split(',')):
            later.add((int(r['packetid']), int(q)))
    return later == earlier, len(later)


def check_capture(cap):
    name = os.path.relpath(cap, os.path.join(ROOT, '..'))
    for window in (None, '300', '2'):
        args = ['-w', window] if window else []
        label = '%s -w %s' % (name, window or 'default')
        one, err1 = export(cap, args)
        two, err2 = export(cap, args, passes=2)
        std, _ = export(cap, args, to_stdout=True)
        report(one is not None and one == two,
               '%s: the file written in one pass when it can (%s) is the two passes\' one (%d bytes)'
               % (label, passes_said(err1), len(two or b'')), err1 + err2)
        report(std is not None and std == two, '%s: stdout gets the same bytes' % label)
        direct, err3 = export(cap, args, stream_from=1000)
        report(direct is not None and direct == one and passes_said(err3) == passes_said(err1),
               '%s: past 1000 bytes written with O_DIRECT, the same bytes (%s)'
               % (label, passes_said(err3)), err3)
        report(passes_said(err2) == 2, '%s: MPTCPANALYZER_EXPORT_PASSES=2 reads twice' % label, err2)
        moved, err4 = export(cap, args, ring=False)
        report(moved is not None and moved == one,
               '%s: the window in a ring or moved down in memory, the same bytes' % label, err4)
        if window is None and one is not None:
            agree, n = links_agree(rows_of(one))
            report(agree, '%s: reinjected_in is reinjection_of turned around (%d links)' % (label, n))


def check_blocks(label):
    """the blocks allocated ahead of the writes (ext4, XFS) are given back:
    the file holds no more than its bytes and a block"""
    st = LAST.get('stat')
    held = st.st_blocks * 512 if st else None
    report(st is not None and held <= st.st_size + 65536,
           '%s: %s bytes on disk for %s bytes written' % (label, held, st.st_size if st else None))


def check_lossy():
    """values of the project's lossy example (examples/README.md)"""
    one, err = export(LOSSY, [])
    report(passes_said(err) == 1, 'lossy-client: the default window needs one pass', err)
    check_blocks('lossy-client')
    rows = rows_of(one) if one else []
    by_frame = {r['packetid']: r for r in rows}
    report(by_frame.get('689', {}).get('reinjected_in') == '1161',
           'lossy-client: frame 689 is repeated by frame 1161', by_frame.get('689'))
    n = sum(1 for r in rows if r['reinjected_in'])
    report(n == 67, 'lossy-client: 67 packets are repeated later (%d)' % n)
    sub, err = export(LOSSY, ['-f', 'packetid,reinjected_in'])
    got = [(r['packetid'], r['reinjected_in']) for r in rows_of(sub)] if sub else None
    report(got == [(r['packetid'], r['reinjected_in']) for r in rows] and passes_said(err) == 1,
           'lossy-client -f packetid,reinjected_in: the full export\'s columns, one pass', err)
    late, err = export(LOSSY, ['-w', '300'])
    report(passes_said(err) == 2 and 'frame 1161 repeats frame 689' in err,
           'lossy-client -w 300: frame 1161 repeats frame 689 after it was written: two passes', err)
    check_blocks('lossy-client -w 300 (emptied and written again)')
    row = {r['packetid']: r for r in rows_of(late)}.get('689', {}) if late else {}
    report(row.get('reinjected_in') == '1161', 'lossy-client -w 300: the second pass writes it in row 689', row)


def quoted(value, delimiter):
    """the writer's rule: quotes around a value holding any of these bytes"""
    if any(c in value for c in (delimiter, '"', ',', '\n')):
        return '"' + value.replace('"', '""') + '"'
    return value


def check_delimiters():
    """lists hold commas, addresses dots (and colons in IPv6), times dots"""
    caps = [LOSSY] + [c for c in (os.path.join(SHARED, 'v1', 'ipv6-client.pcap'),) if os.path.exists(c)]
    for cap in caps:
        ref, err = export(cap, [])
        want = list(csv.reader(io.StringIO(ref.decode()))) if ref else None
        for d in (';', '\t', ' ', '0', '.', ':', 'x', 'S', '|', 'v'):
            out, err = export(cap, ['-d', d])
            got = list(csv.reader(io.StringIO(out.decode()), delimiter=d)) if out else None
            report(want and got == want, '%s -d %r: read back with that delimiter, the comma export\'s values'
                   % (os.path.basename(cap), d), err)
            exact = ''.join(d.join(quoted(v, d) for v in row) + '\n' for row in want or [])
            report(out is not None and out.decode() == exact,
                   '%s -d %r: exactly the values holding the delimiter, a quote, a comma or a line end quoted'
                   % (os.path.basename(cap), d))
    for d in ('"', '\n', ';;', ''):
        out, err = export(LOSSY, ['-d', d])
        report(out is None and err.count('\n') == 1 and 'other than a quote or a line end' in err,
               '-d %r is refused with one line' % d, err)


def resident_pages(path):
    """pages of the file in the page cache (fincore, util-linux); None: unknown"""
    try:
        r = subprocess.run(['fincore', '-n', '-o', 'PAGES', path], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        return int(r.stdout.split()[0]) if r.returncode == 0 else None
    except (OSError, ValueError, IndexError):
        return None


def check_direct_expected():
    """A capture at least MPTCPANALYZER_STREAM_FROM bytes long is expected to
    make an export at least that long: the export goes around the page cache
    from its first row, not from that many bytes on.  On ext4 and XFS (which
    take O_DIRECT) the pages left in the page cache show it; the bytes are the
    default export's either way.  A crafted capture of 12,000 packets' headers
    (1.08 MB) makes 2.4 MB of CSV, written in several pieces."""
    fs = subprocess.run(['stat', '-f', '-c', '%T', TMP], stdout=subprocess.PIPE).stdout.decode().strip()
    cap = os.path.join(TMP, 'small.pcap')
    hostile.generate('small', 6000, cap)
    if fs not in ('ext2/ext3', 'xfs') or resident_pages(cap) is None:
        T.skip('export expected large: O_DIRECT from the first row', 'not ext4 or XFS, or no fincore')
        return
    size = os.path.getsize(cap)
    default, _ = export(cap, [])
    out = os.path.join(TMP, 'direct.csv')
    for from_, direct in ((size, True), (size + 1, False)):
        env = dict(os.environ, MPTCPANALYZER_STREAM_FROM=str(from_))
        r = subprocess.run([EXPORTER, cap, '-o', out], env=env, stderr=subprocess.PIPE)
        pages = resident_pages(out)
        with open(out, 'rb') as f:
            data = f.read()
        # the header's block at most; or the pieces before the one that
        # crossed the threshold, and nothing past it
        ok = pages is not None and (pages <= 1 if direct else 1 < pages <= from_ // 4096 + 1)
        report(r.returncode == 0 and ok and data == default and len(data) > 2 * from_,
               'a %d-byte capture, MPTCPANALYZER_STREAM_FROM=%d: %s (%s pages of %d bytes cached)'
               % (size, from_, 'O_DIRECT from the first row' if direct else 'the page cache up to it',
                  pages, len(data)), r.stderr.decode())


def check_long():
    """A big capture's long numbers (hostile.py long, which build-pgo.sh
    trains on): 4,000 segments of 64,000 bytes on two subflows, every 500th
    sent again on the other.  Each segment's relative DSN is 1 + 64,000 k,
    its TCP timestamp 3,000,000,000 + k; each subflow's relative sequence
    numbers go up by 64,000 from 1 (past 10^8 on the busier one); the 8
    repeats are the reinjections."""
    n, seg = 4000, 64000
    cap = os.path.join(TMP, 'long.pcap')
    hostile.generate('long', n, cap)
    data, err = export(cap, [])
    rows = rows_of(data) if data else []
    sent = [r for r in rows if r['tcplen'] == str(seg)]
    report(len(rows) == 3 + 3 + 2 * (n + n // 500) and len(sent) == n + n // 500,
           'long: %d rows, %d of them segments' % (len(rows), len(sent)), err)
    dsns = [int(r['dsn']) for r in sent]
    want = sorted([1 + seg * k for k in range(n)] + [1 + seg * k for k in range(499, n, 500)])
    report(sorted(dsns) == want, 'long: the relative DSNs are 1 + 64,000 k, the repeats twice (last %s)'
           % (max(dsns) if dsns else None))
    tsval = {int(r['tcptsval']) - int(r['dsn']) // seg for r in sent}
    report(tsval == {3_000_000_000}, 'long: TCP timestamps 3,000,000,000 + k', str(sorted(tsval)[:3]))
    ok, top = True, 0
    for stream in ('0', '1'):
        seqs = [int(r['tcpseq']) for r in sent if r['tcpstream'] == stream]
        ok = ok and seqs == [1 + seg * i for i in range(len(seqs))]
        top = max([top] + seqs)
    report(ok and top > 10**8, 'long: each subflow\'s sequence numbers go up by 64,000 from 1 (up to %d)' % top)
    reinj = [r for r in sent if r['reinjection_of']]
    report(len(reinj) == n // 500 and all(r['dsn'] == rows[int(r['reinjection_of']) - 1]['dsn'] for r in reinj),
           'long: %d reinjections, each of the segment with its DSN' % len(reinj))


def main():
    caps = sorted(glob.glob(os.path.join(ROOT, 'examples', '*.pcap')))
    shared = [os.path.join(SHARED, 'v0', 'client_2.pcap'), os.path.join(SHARED, 'v1', 'failover-client.pcap'),
              os.path.join(SHARED, 'v1', 'lossy-server.pcap'), os.path.join(SHARED, 'v1', 'backup-client.pcap')]
    caps += [c for c in shared if os.path.exists(c)]
    for c in caps:
        check_capture(c)
    check_lossy()
    check_direct_expected()
    check_long()
    check_delimiters()
    for c in shared:
        if not os.path.exists(c):
            T.skip(os.path.basename(c), '../shared is not there')
    shutil.rmtree(TMP, ignore_errors=True)
    return T.done()


if __name__ == '__main__':
    sys.exit(main())
