#!/usr/bin/env python3
"""test_twocap_cli.py - end-to-end tests of the two-capture commands (TAP).

    test_twocap_cli.py MPTCPANALYZER SOURCE_ROOT

map_tcp_connection / map_mptcp_connection against a truth read from the
tshark tables beside the shared captures (same SYN: 4-tuple and raw ISN),
print_owds (JSON, CSV file, text), summary_extended and qualify_reinjections
values, the cache, bad input, and the owd / mptcp_gput plots.  Captures come
from SOURCE_ROOT/../shared/captures and SOURCE_ROOT/examples; tests needing a
missing one are skipped."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
SHARED = os.path.join(ROOT, '..', 'shared', 'captures')
V0 = os.path.join(SHARED, 'v0')
V1 = os.path.join(SHARED, 'v1')
CLIENT2, SERVER2 = os.path.join(V0, 'client_2.pcap'), os.path.join(V0, 'server_2.pcap')
EXAMPLES = os.path.join(ROOT, 'examples')

TMP = tempfile.mkdtemp(prefix='mptcpa-twocap-')
ENV = dict(os.environ)
for k in ('XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME'):
    ENV[k] = os.path.join(TMP, k.lower())
ENV['NO_COLOR'] = '1'
ENV['LC_ALL'] = 'C'

n_tests = 0


def report(ok, name, detail=''):
    global n_tests
    n_tests += 1
    print(('ok' if ok else 'not ok'), n_tests, '-', name)
    if not ok and detail:
        for line in str(detail).splitlines()[:20]:
            print('#', line)
    sys.stdout.flush()


def skip(name, why):
    global n_tests
    n_tests += 1
    print('ok', n_tests, '-', name, '# SKIP', why)


def run(*args, timeout=300):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=ENV, timeout=timeout, cwd=TMP)
    return p.returncode, p.stdout, p.stderr


def run_json(line):
    rc, out, err = run(line)
    try:
        return rc, json.loads(out), err
    except ValueError as e:
        return rc, None, '%s\n%s\n%s' % (e, out[:500], err)


def v1(name):
    return os.path.join(V1, name)


# ------------------------------------------------------------ truth from tshark

def syn_table(capture):
    """tshark's dissection: (src, dst, sport, dport, raw ISN) of every SYN
    (without ACK) -> (tcp.stream, mptcp.stream)"""
    syns = {}
    with open(capture + '.tshark.tsv') as f:
        for r in csv.DictReader(f, delimiter='\t'):
            if r['tcp.flags'] != '0x0002':
                continue
            key = (r['ip.src'] or r['ipv6.src'], r['ip.dst'] or r['ipv6.dst'], r['tcp.srcport'], r['tcp.dstport'],
                   r['tcp.seq_raw'])
            syns.setdefault(key, (int(r['tcp.stream']), r['mptcp.stream']))
    return syns


def truth_streams(c1, c2):
    """tcp.stream of c1 -> tcp.stream of c2 that carries the same SYN"""
    s1, s2 = syn_table(c1), syn_table(c2)
    return {v[0]: s2[k][0] for k, v in s1.items() if k in s2}


# ------------------------------------------------------------------- tests

def test_registered():
    rc, out, err = run('help')
    names = ['map_tcp_connection', 'map_mptcp_connection', 'print_owds', 'summary_extended', 'qualify_reinjections']
    report(rc == 0 and all(('  ' + n) in out for n in names), 'help lists the five two-capture commands', out)
    rc, out, err = run('help print_owds')
    report(rc == 0 and 'print_owds CAP1 S1 CAP2 S2' in out and '--raw-clock' in out and '--csv' in out,
           'help print_owds shows its usage and options', out + err)


def test_mapping():
    if not os.path.exists(SERVER2 + '.tshark.tsv'):
        skip('map_mptcp_connection client_2 -> server_2', 'shared captures absent')
        return
    truth = truth_streams(CLIENT2, SERVER2)
    ok_conns = ok_sf = absent = 0
    details = []
    for m in range(4):
        rc, doc, err = run_json('map_mptcp_connection %s %s %d --json' % (CLIENT2, SERVER2, m))
        if rc != 0 or doc is None:
            details.append(err)
            continue
        first = doc['subflows'][0]
        for p in doc['subflows']:
            want = truth.get(p['tcpstream1'])
            if p['tcpstream1'] is None:
                continue
            if want is None:
                absent += p['tcpstream2'] is None
            elif p['tcpstream2'] == want:
                ok_sf += 1
            else:
                details.append('mptcp.stream %d: tcp.stream %s -> %s, want %s' % (m, p['tcpstream1'], p['tcpstream2'], want))
        best = doc['candidates'][0] if doc['candidates'] else {}
        # the server connection holding the server twin of the initial subflow
        want_conn = server_conn_of(truth.get(first['tcpstream1']))
        if best.get('mptcpstream') == want_conn and 'keys' in best.get('evidence', ''):
            ok_conns += 1
        else:
            details.append('mptcp.stream %d: best %s, want %s' % (m, best, want_conn))
    report(ok_conns == 4, 'map_mptcp_connection ranks the right server connection first for all 4', details)
    report(ok_sf == 15 and absent == 1, 'the 15 subflows seen at the server map to their twins, the lost one to none',
           ['mapped %d absent %d' % (ok_sf, absent)] + details)
    rc, doc, err = run_json('map_tcp_connection %s %s 1 --json' % (CLIENT2, SERVER2))
    cands = [c['tcpstream'] for c in doc['candidates']] if doc else []
    report(rc == 0 and cands[:1] == [truth[1]] and 2 in cands,
           'map_tcp_connection: the stream with the same SYN first, the split-off piece after it', cands)
    rc, out, err = run('map_mptcp_connection %s %s 0' % (CLIENT2, SERVER2))
    report(rc == 0 and 'mptcp.stream 0 score' in out and '1 -> 5 (+2)' in out,
           'map_mptcp_connection text: candidates and subflow mapping', out + err)


_server_conns = {}


def server_conn_of(stream):
    """mptcp.stream of server_2's tcp.stream `stream`, from tshark's table"""
    if not _server_conns:
        with open(SERVER2 + '.tshark.tsv') as f:
            for r in csv.DictReader(f, delimiter='\t'):
                if r['mptcp.stream'] != '':
                    _server_conns.setdefault(int(r['tcp.stream']), int(r['mptcp.stream']))
    return _server_conns.get(stream)


def test_owds():
    if not os.path.exists(SERVER2):
        skip('print_owds client_2 / server_2', 'shared captures absent')
        return
    pairs = [(0, 0), (1, 2), (2, 3), (3, 4)]
    for m1, m2 in pairs:
        rc, doc, err = run_json('print_owds %s %d %s %d --json' % (CLIENT2, m1, SERVER2, m2))
        if rc != 0 or doc is None:
            report(False, 'print_owds mptcp.stream %d --json' % m1, err)
            continue
        subs = [s for s in doc['subflows'] if s['owd_count']]
        report(doc['corrected'] and abs(doc['clock_offset']) < 1e-3 and doc['sender_side'] == {'Server': 1, 'Client': 2}
               and subs and all(0 <= s['owd_min'] <= s['owd_median'] <= s['owd_max'] < 1 for s in subs),
               'print_owds mptcp.stream %d: offset %.6f s, delays non-negative and below 1 s' % (m1, doc['clock_offset']),
               json.dumps(doc)[:1500])
    out_csv = os.path.join(TMP, 'owd.csv')
    rc, doc, err = run_json('print_owds %s 1 %s 2 --json --csv %s' % (CLIENT2, SERVER2, out_csv))
    rows = list(csv.DictReader(open(out_csv))) if os.path.exists(out_csv) else []
    total = sum(s['owd_count'] for s in doc['subflows']) if doc else -1
    report(rc == 0 and len(rows) == total > 0 and all(float(r['owd']) >= 0 for r in rows)
           and all(r['sender_capture'] == ('1' if r['mptcpdest'] == 'Server' else '2') for r in rows),
           'print_owds --csv FILE: one row per delay (%d), none negative, sender side by direction' % len(rows), err)
    rc, out, err = run('print_owds %s 1 %s 2 --csv -' % (CLIENT2, SERVER2))
    lines = out.splitlines()
    report(rc == 0 and lines[0].startswith('mptcpdest,tcpstream1') and len(lines) == total + 1,
           'print_owds --csv - writes the CSV on stdout only', out[:300] + err)
    rc, out, err = run('print_owds %s 1 %s 2' % (CLIENT2, SERVER2))
    report(rc == 0 and 'clock offset: server_2.pcap - client_2.pcap' in out and 'delays corrected' in out
           and '7 -> -' in out, 'print_owds text: offset line and per subflow table', out + err)
    rc, out, err = run('print_owds %s 0 %s 0 --raw-clock' % (CLIENT2, SERVER2))
    report(rc == 0 and 'delays are raw (--raw-clock)' in out, 'print_owds --raw-clock says so', out + err)
    rc, doc, err = run_json('print_owds %s 0 %s 0 --tcp --json' % (os.path.join(V0, 'client_1_tcp_only.pcap'),
                                                                  os.path.join(V0, 'server_1_tcp_only.pcap')))
    report(rc == 0 and doc and len(doc['subflows']) == 2 and doc['subflows'][0]['owd_count'] > 0,
           'print_owds --tcp on plain TCP captures', err)


def test_summary_and_reinjections():
    lc, ls = v1('lossy-client.pcap'), v1('lossy-server.pcap')
    if not os.path.exists(ls):
        skip('summary_extended / qualify_reinjections on v1 captures', 'shared captures absent')
        return
    rc, doc, err = run_json('summary_extended %s 0 %s 0 --json' % (lc, ls))
    subs = doc['subflows'] if doc else []
    lost = sum(s['lost_packets'] for s in subs)
    lost_data = sum(s['lost_data_packets'] for s in subs)
    reinj = sum(s['reinjections'] for s in subs)
    qual = sum(s['reinjections_useful'] + s['reinjections_redundant'] + s['reinjections_failed'] for s in subs)
    report(rc == 0 and len(subs) == 6 and lost == 73 and lost_data == 30 and reinj == qual > 0,
           'summary_extended lossy: 73 packets lost (30 with data), reinjections all qualified (%d)' % reinj, err)
    rc, doc, err = run_json('qualify_reinjections %s 0 %s 0 --json' % (lc, ls))
    report(rc == 0 and doc['count'] == reinj and doc['useful'] + doc['redundant'] + doc['failed'] == doc['count']
           and len(doc['reinjections']) == doc['count'],
           'qualify_reinjections lossy: %s useful, %s redundant, %s failed' % (
               doc and doc['useful'], doc and doc['redundant'], doc and doc['failed']), err)
    rc, fdoc, err = run_json('qualify_reinjections %s 0 %s 0 --json --failed' % (lc, ls))
    report(rc == 0 and len(fdoc['reinjections']) == doc['failed'] and all(r['verdict'] == 'failed' and r['arrived'] is None
                                                                       for r in fdoc['reinjections']),
           'qualify_reinjections --failed lists only the failed ones', err)
    rc, doc, err = run_json('qualify_reinjections %s 0 %s 0 --json' % (v1('failover-client.pcap'), v1('failover-server.pcap')))
    report(rc == 0 and doc['count'] == 5 and doc['useful'] == 5
           and all(r['original_arrived'] is None and r['arrived'] > r['sent'] for r in doc['reinjections']),
           'qualify_reinjections failover: the 5 reinjections replace lost originals (useful)', err)
    rc, doc, err = run_json('summary_extended %s 0 %s 0 --json' % (v1('basic-client.pcap'), v1('basic-server.pcap')))
    report(rc == 0 and all(s['lost_packets'] == 0 and s['only_at_receiver'] == 0 for s in doc['subflows'])
           and sum(s['goodput_bytes'] for s in doc['subflows'] if s['mptcpdest'] == 'Server') == 2317676 + 1113180,
           'summary_extended basic: nothing lost, every uploaded byte received once', err)


def test_examples():
    ex_c, ex_s = os.path.join(EXAMPLES, 'lossy-client.pcap'), os.path.join(EXAMPLES, 'lossy-server.pcap')
    if not os.path.exists(ex_s):
        skip('qualify_reinjections examples/lossy', 'examples absent')
        return
    rc, doc, err = run_json('qualify_reinjections %s 0 %s 0 --json' % (ex_c, ex_s))
    report(rc == 0 and doc['count'] > 0 and doc['useful'] + doc['redundant'] + doc['failed'] == doc['count'],
           'qualify_reinjections examples/lossy: counts add up (%s)' % (doc and doc['count']), err)
    rc, doc, err = run_json('summary_extended %s 0 %s 0 --json' % (ex_c, ex_s))
    subs = doc['subflows'] if doc else []
    report(rc == 0 and sum(s['lost_data_packets'] for s in subs) > 0 and all(s['only_at_receiver'] == 0 for s in subs),
           'summary_extended examples/lossy: losses found, nothing seen at the receiver only', err)


def test_bad_input():
    missing = os.path.join(TMP, 'missing.pcap')
    rc, out, err = run('print_owds %s 0 %s 0' % (missing, missing))
    report(rc != 0 and len(err.strip().splitlines()) == 1 and 'no such file' in err, 'missing capture: one message', err)
    if not os.path.exists(SERVER2):
        skip('bad stream ids', 'shared captures absent')
        return
    rc, out, err = run('print_owds %s 7 %s 0' % (CLIENT2, SERVER2))
    report(rc != 0 and 'no mptcp.stream \'7\' in client_2.pcap (valid: 0-3)' in err, 'unknown stream id: valid range', err)
    rc, out, err = run('print_owds %s 1 %s 0' % (CLIENT2, SERVER2))
    report(rc != 0 and 'best candidate: mptcp.stream 2' in err, 'a connection that is not the same: names the best one', err)
    rc, out, err = run('summary_extended %s 0 %s 0' % (os.path.join(V0, 'client_1_tcp_only.pcap'),
                                                     os.path.join(V0, 'server_1_tcp_only.pcap')))
    report(rc != 0 and '--tcp' in err, 'MPTCP ids on plain TCP captures: hints at --tcp', err)
    rc, out, err = run('print_owds %s 0 %s 0 --csv %s' % (CLIENT2, SERVER2, os.path.join(TMP, 'no', 'dir.csv')))
    report(rc != 0 and 'cannot write' in err and not os.path.exists(os.path.join(TMP, 'no')), 'unwritable --csv: message', err)


def test_cache():
    if not os.path.exists(SERVER2):
        skip('second run through the cache', 'shared captures absent')
        return
    line = 'summary_extended %s 1 %s 2 --json' % (CLIENT2, SERVER2)
    rc1, out1, err1 = run(line)
    cache = os.path.join(TMP, 'xdg_cache_home')
    files = [f for _, _, fs in os.walk(cache) for f in fs]
    rc2, out2, err2 = run(line)
    report(rc1 == rc2 == 0 and out1 == out2 and len(files) >= 2,
           'both captures cached (%d cache files); a second run prints the same' % len(files), err1 + err2)


def test_plots():
    if not os.path.exists(v1('lossy-server.pcap')):
        skip('plot owd / mptcp_gput', 'shared captures absent')
        return
    rc, doc, err = run_json('list_available_plots --json')
    plots = {p['name']: p for p in doc['plots']} if doc else {}
    report('owd' in plots and 'mptcp_gput' in plots and plots['owd']['captures'] == 2,
           'owd and mptcp_gput are registered plot types taking two captures', plots.keys())
    if not shutil.which('gnuplot'):
        skip('plot owd renders', 'gnuplot absent')
        return
    lc, ls = v1('lossy-client.pcap'), v1('lossy-server.pcap')
    png, script = os.path.join(TMP, 'owd.png'), os.path.join(TMP, 'owd.gp')
    rc, out, err = run('-l', lc, 'plot owd %s 0 0 -o %s --script %s' % (ls, png, script))
    head = open(png, 'rb').read(8) if os.path.exists(png) else b''
    text = open(script).read() if os.path.exists(script) else ''
    report(rc == 0 and head == b'\x89PNG\r\n\x1a\n' and text.count('<< EOD') == 6,
           'plot owd CAP2 S1 S2 (CAP1 loaded): a PNG, 3 subflows x 2 directions', out + err)
    png2 = os.path.join(TMP, 'owd4.png')
    rc, out, err = run('-l', lc, 'plot owd %s 0 %s 0 --dest Server -o %s' % (lc, ls, png2))
    report(rc == 0 and os.path.exists(png2), 'plot owd CAP1 S1 CAP2 S2 --dest Server', out + err)
    svg = os.path.join(TMP, 'gput.svg')
    rc, out, err = run('-l', lc, 'plot mptcp_gput %s 0 0 --window 0.5 -o %s' % (ls, svg))
    report(rc == 0 and os.path.exists(svg) and '<svg' in open(svg).read(), 'plot mptcp_gput writes an SVG', out + err)
    rc, out, err = run('-l', lc, 'plot mptcp_gput %s 0 0 --window 0' % ls)
    report(rc != 0 and '--window' in err, 'plot mptcp_gput --window 0 is refused', err)


def main():
    try:
        test_registered()
        test_mapping()
        test_owds()
        test_summary_and_reinjections()
        test_examples()
        test_bad_input()
        test_cache()
        test_plots()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print('1..%d' % n_tests)
    return 0


if __name__ == '__main__':
    sys.exit(main())
