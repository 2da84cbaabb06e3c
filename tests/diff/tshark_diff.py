#!/usr/bin/env python3
"""Differential test against tshark: compares mptcpexporter's view of a
capture with tshark 4.0's (the X.tshark.tsv beside each capture in ../shared).

Fields are compared row by row (frame number).  A disagreement is either of a
known kind (a tshark bug, or a rule where we deliberately differ), found by
running a model of tshark with that bug or rule switched (tshark_known.py,
tshark_model.py), and counted; or a failure.  Prints the agreement per capture
and field, the kinds, and the first failures; exit 1 on any unexplained
disagreement (and on a model gap: the model not reproducing tshark).

usage: tshark_diff.py EXPORTER CAPTURE.tsv... [--fields tcp|mptcp|all] [--show N] [--jobs N]
"""
import csv
import os
import subprocess
import sys
from collections import Counter, defaultdict
from multiprocessing import Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_known  # noqa: E402
import tshark_model  # noqa: E402

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
# raw values the reference lacks, which the model of tshark needs
RAW_FIELDS = ['tcp.window_size_value', 'tcp.options.wscale.shift', 'tcp.options.mptcp.dss.flags']


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
                          '--fields', ','.join(OUR_FIELDS + RAW_FIELDS), capture, '-o', '-'],
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
    return {r['frame.number']: r for r in rows}, len(rows) == len(tcp_ref)


def model_packets(ref_rows, ours):
    """The model's input: the reference rows (ICMP-quoted ones too: tshark
    dissected them) with our raw window, window scale and DSS flags."""
    packets = []
    for r in ref_rows:
        raw = None
        if not is_icmp_quote(r):
            o = ours[r['frame.number']]
            dss = o['tcp.options.mptcp.dss.flags']
            raw = (int(o['tcp.window_size_value']), tshark_model.ints(o['tcp.options.wscale.shift']),
                   int(dss, 16) if dss else None)
        packets.append(tshark_model.make_packet(r, raw))
    return packets


def load_ref(tsv):
    with open(tsv, newline='') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def compare(exporter, tsv, fields, show):
    """Compares one capture; returns (report lines, unexplained count,
    Counter of kinds)."""
    capture = tsv[:-len('.tshark.tsv')]
    ref_rows = load_ref(tsv)
    ours, paired = load_ours(exporter, capture, ref_rows)
    icmp = [r['frame.number'] for r in ref_rows if is_icmp_quote(r)]
    ref = {r['frame.number']: r for r in ref_rows if not is_icmp_quote(r)}
    name = os.path.relpath(capture, os.path.dirname(os.path.dirname(capture)))
    stats = defaultdict(Counter)   # field -> Counter(agree, known:<kind>, fail)
    fails = []
    missing = [f for f in ref if f not in ours]
    extra = [f for f in ours if f not in ref]
    # without a row of ours for every TCP row the model has no input: no kinds
    model = tshark_known.Classifier(model_packets(ref_rows, ours)) if paired and not missing else None
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
            modelled = model is not None and field in tshark_known.MODEL_FIELDS
            if modelled and model.model_gap(field, int(frame), want):
                stats[field]['fail'] += 1
                fails.append((field, frame, want, got, 'model gap: model=%r' % model.value((), field, int(frame))))
            elif want == got:
                stats[field]['agree'] += 1
            elif modelled and (kind := model.classify(field, int(frame), want, got)):
                stats[field]['known:' + kind] += 1
            else:
                fixed = (' model with every switch=%r' % model.value(tshark_model.SWITCHES, field, int(frame))
                         if modelled else '')
                stats[field]['fail'] += 1
                fails.append((field, frame, want, got, fixed))
    total_fail = sum(c['fail'] for c in stats.values()) + len(missing) + len(extra)
    out = [f'{name}: {len(ref)} rows, {len(icmp)} ICMP-quoted (skipped), {len(missing)} missing, {len(extra)} extra, '
           f'{total_fail} unexplained disagreements']
    kinds = Counter()
    for field in fields:
        c = stats[field]
        n = sum(c.values())
        known = {k[6:]: v for k, v in sorted(c.items()) if k.startswith('known:')}
        kinds.update(known)
        if c['fail'] or known:
            out.append(f'  {field}: {c["agree"]}/{n} agree' +
                       (f', known tshark issues {known}' if known else '') +
                       (f', {c["fail"]} FAIL' if c['fail'] else ''))
    byfield = defaultdict(list)
    for f in fails:
        byfield[f[0]].append(f)
    for field, lst in byfield.items():
        for (_, frame, want, got, note) in lst[:show]:
            out.append(f'    {field} frame {frame}: tshark={want!r} ours={got!r}' + (f' ({note.strip()})' if note else ''))
    return out, total_fail, kinds


def compare_job(args):
    return compare(*args)


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
    jobs = os.cpu_count() or 1
    if '--jobs' in args:
        i = args.index('--jobs')
        jobs = int(args[i + 1])
        del args[i:i + 2]
    exporter, tsvs = args[0], args[1:]
    bad = 0
    totals = Counter()
    work = [(exporter, tsv, fields, show) for tsv in tsvs]
    if jobs > 1 and len(work) > 1:
        pool = Pool(min(jobs, len(work)))
        results = pool.imap(compare_job, work)
    else:
        pool, results = None, map(compare_job, work)
    for out, fail, kinds in results:
        print('\n'.join(out), flush=True)
        bad += fail > 0
        totals.update(kinds)
    if pool is not None:
        pool.close()
        pool.join()
    if totals:
        print('known kinds, all captures: ' +
              ', '.join(f'{k} {v}' for k, v in sorted(totals.items())))
    print(f'tshark differential: {len(tsvs) - bad} captures agree, {bad} disagree')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
