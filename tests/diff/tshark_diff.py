#!/usr/bin/env python3
"""Differential test against tshark: compares mptcpexporter's view of a
capture with tshark 4.0's (the X.tshark.tsv beside each capture in ../shared).

Fields are compared row by row (frame number).  A disagreement is either a
known tshark bug (classified in tshark_known.py, with the reason, and counted)
or a failure.  Prints the agreement per capture and field; exit 1 on any
unexplained disagreement.

usage: tshark_diff.py EXPORTER CAPTURE.tsv... [--fields tcp|mptcp|all] [--show N]
"""
import csv
import os
import subprocess
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_known  # noqa: E402

csv.field_size_limit(1 << 24)

# tshark field -> our column (exported with --tshark-names uses the tshark name)
TCP_FIELDS = ['tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq', 'tcp.seq_raw',
              'tcp.ack', 'tcp.ack_raw', 'tcp.len', 'tcp.window_size',
              'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr', 'ip']
MPTCP_FIELDS = ['mptcp.stream', 'mptcp.expected_token', 'tcp.options.mptcp.subtype',
                'tcp.options.mptcp.version', 'tcp.options.mptcp.sendkey', 'tcp.options.mptcp.recvkey',
                'tcp.options.mptcp.recvtok', 'tcp.options.mptcp.addrid',
                'tcp.options.mptcp.datafin.flag', 'tcp.options.mptcp.rawdataseqno',
                'tcp.options.mptcp.rawdataack', 'tcp.options.mptcp.subflowseqno',
                'tcp.options.mptcp.datalvllen', 'mptcp.rawdsn64', 'mptcp.dsn', 'mptcp.ack',
                'mptcp.related_mapping', 'mptcp.reinjection_of', 'mptcp.reinjected_in']

OUR_FIELDS = ['frame.number', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq',
              'tcp.seq_raw', 'tcp.ack', 'tcp.ack_raw', 'tcp.len', 'tcp.window_size',
              'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr', '_ws.col.src',
              '_ws.col.dst'] + MPTCP_FIELDS + ['mptcpdest', 'tcpdest']


def norm(field, v):
    if v is None:
        return ''
    v = v.strip()
    if field in ('mptcp.reinjection_of', 'mptcp.reinjected_in', 'mptcp.related_mapping'):
        return ','.join(sorted(set(x for x in v.split(',') if x), key=int))
    return v


def is_icmp_quote(r):
    """tshark's `-R tcp` also matches ICMP errors quoting a TCP header (two
    ip.src values); they are not packets of the stream and we skip them."""
    return ',' in (r['ip.src'] or r['ipv6.src'])


def load_ours(exporter, capture, ref_rows):
    out = subprocess.run([exporter, '--tshark-names', '--format', 'tsv',
                          '--fields', ','.join(OUR_FIELDS), capture, '-o', '-'],
                         check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(out.splitlines(), delimiter='\t'))
    # The reference was made with `tshark -2 -R tcp`: a read filter in two-pass
    # mode drops the other frames before numbering, so its frame.number is the
    # packet's rank among the matching packets.  We number every frame of the
    # capture (as tshark does without -R): pair our rows with the reference's
    # TCP rows in order and translate our frame numbers to theirs.
    tcp_ref = [r['frame.number'] for r in ref_rows if not is_icmp_quote(r)]
    rank = {r['frame.number']: (tcp_ref[i] if i < len(tcp_ref) else 'x' + r['frame.number'])
            for i, r in enumerate(rows)}
    for r in rows:
        r['frame.number'] = rank[r['frame.number']]
        for f in ('mptcp.related_mapping', 'mptcp.reinjection_of', 'mptcp.reinjected_in'):
            if r.get(f):
                r[f] = ','.join(rank[x] for x in r[f].split(','))
    return {r['frame.number']: r for r in rows}


def load_ref(tsv):
    with open(tsv, newline='') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def compare(exporter, tsv, fields, show):
    capture = tsv[:-len('.tshark.tsv')]
    ref_rows = load_ref(tsv)
    ours = load_ours(exporter, capture, ref_rows)
    icmp = [r['frame.number'] for r in ref_rows if is_icmp_quote(r)]
    ref = {r['frame.number']: r for r in ref_rows if not is_icmp_quote(r)}
    name = os.path.relpath(capture, os.path.dirname(os.path.dirname(capture)))
    stats = defaultdict(Counter)   # field -> Counter(agree, known:<kind>, fail)
    fails = []
    missing = [f for f in ref if f not in ours]
    extra = [f for f in ours if f not in ref]
    ctx = tshark_known.Context(ref, ours)
    for frame, r in ref.items():
        o = ours.get(frame)
        if o is None:
            continue
        for field in fields:
            if field == 'ip':
                want = r['ip.src'] or r['ipv6.src'], r['ip.dst'] or r['ipv6.dst']
                got = o['_ws.col.src'], o['_ws.col.dst']
            else:
                want, got = norm(field, r.get(field)), norm(field, o.get(field))
            if want == got:
                stats[field]['agree'] += 1
                continue
            kind = tshark_known.classify(ctx, field, frame, r, o, want, got)
            if kind:
                stats[field]['known:' + kind] += 1
            else:
                stats[field]['fail'] += 1
                fails.append((field, frame, want, got))
    total_fail = sum(c['fail'] for c in stats.values()) + len(missing) + len(extra)
    print(f'{name}: {len(ref)} rows, {len(icmp)} ICMP-quoted (skipped), {len(missing)} missing, {len(extra)} extra, '
          f'{total_fail} unexplained disagreements')
    for field in fields:
        c = stats[field]
        n = sum(c.values())
        known = {k[6:]: v for k, v in c.items() if k.startswith('known:')}
        if c['fail'] or known:
            print(f'  {field}: {c["agree"]}/{n} agree' +
                  (f', known tshark issues {known}' if known else '') +
                  (f', {c["fail"]} FAIL' if c['fail'] else ''))
    byfield = defaultdict(list)
    for f in fails:
        byfield[f[0]].append(f)
    for field, lst in byfield.items():
        for (_, frame, want, got) in lst[:show]:
            print(f'    {field} frame {frame}: tshark={want!r} ours={got!r}')
    return total_fail


def main():
    args = sys.argv[1:]
    show = 3
    fields = TCP_FIELDS + MPTCP_FIELDS
    if '--show' in args:
        i = args.index('--show')
        show = int(args[i + 1])
        del args[i:i + 2]
    if '--fields' in args:
        i = args.index('--fields')
        which = args[i + 1]
        del args[i:i + 2]
        fields = {'tcp': TCP_FIELDS, 'mptcp': MPTCP_FIELDS}.get(which) or which.split(',')
    exporter, tsvs = args[0], args[1:]
    bad = 0
    for tsv in tsvs:
        if compare(exporter, tsv, fields, show):
            bad += 1
    print(f'tshark differential: {len(tsvs) - bad} captures agree, {bad} disagree')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
