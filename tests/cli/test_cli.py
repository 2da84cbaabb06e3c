#!/usr/bin/env python3
"""test_cli.py - end-to-end tests of the mptcpanalyzer interpreter (TAP output).

    test_cli.py MPTCPANALYZER SOURCE_ROOT [MPTCPEXPORTER]

Runs every command in argument mode, batch mode and piped mode, checks the
values they print (connection, subflow and byte counts from the captures'
READMEs, JSON documents, exit codes and error messages), drives the
interactive interpreter through a real pseudo-terminal (completion, help,
history across two runs) and renders the man pages.  Captures come from
SOURCE_ROOT/../shared/captures and SOURCE_ROOT/examples; tests needing a
missing one are skipped."""
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
EXPORTER = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
SHARED = os.path.join(ROOT, '..', 'shared', 'captures')
V0 = os.path.join(SHARED, 'v0')
V1 = os.path.join(SHARED, 'v1')
CLIENT2 = os.path.join(V0, 'client_2.pcap')
EXAMPLES = os.path.join(ROOT, 'examples')

TMP = tempfile.mkdtemp(prefix='mptcpa-cli-')
ENV = dict(os.environ)
for k in ('XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME'):
    ENV[k] = os.path.join(TMP, k.lower())
ENV['NO_COLOR'] = '1'
ENV['LC_ALL'] = 'C'

n_tests = 0
n_failed = 0


def report(ok, name, detail=''):
    global n_tests, n_failed
    n_tests += 1
    if not ok:
        n_failed += 1
    print(('ok' if ok else 'not ok'), n_tests, '-', name)
    if not ok and detail:
        for line in str(detail).splitlines()[:20]:
            print('#', line)
    sys.stdout.flush()


def skip(name, why):
    global n_tests
    n_tests += 1
    print('ok', n_tests, '-', name, '# SKIP', why)


def run(*args, stdin=None, env=None, timeout=120):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True,
                       env=env or ENV, timeout=timeout, cwd=TMP)
    return p.returncode, p.stdout, p.stderr


def run_json(*args):
    rc, out, err = run(*args)
    try:
        return rc, json.loads(out), err
    except ValueError as e:
        return rc, None, '%s\n%s\n%s' % (e, out[:500], err)


def check(name, cond, detail=''):
    report(bool(cond), name, detail)


def have(path):
    return os.path.exists(path)


# ------------------------------------------------------------ readme facts

def readme_v1_table():
    """rows of the v1 README table: file -> (tcp streams, mptcp conns, subflows)"""
    rows = {}
    path = os.path.join(V1, 'README.md')
    if not have(path):
        return rows
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) > 6 and re.match(r'^[\w.-]+\.pcap(ng)?$', cells[0]) and cells[4].isdigit():
            rows[cells[0]] = (int(cells[4]), int(cells[5]), int(cells[6]))
    return rows


def v1_log_peers(scenario):
    """client peer lines of a v1 log: (client port, token)"""
    peers = []
    path = os.path.join(V1, 'logs', scenario + '.log')
    if have(path):
        for line in open(path):
            m = re.search(r'client \d+ mptcp \S+:(\d+) tx=\d+ rx=\d+.*token=([0-9a-f]+)', line)
            if m:
                peers.append((int(m.group(1)), m.group(2)))
    return peers


# ------------------------------------------------------------------- tests

def test_basics():
    rc, out, err = run('--version')
    check('--version prints the version', rc == 0 and re.match(r'^mptcpanalyzer \d+\.\d+\.\d+\n$', out), out + err)
    rc, out, err = run('--help')
    check('--help lists the global options', rc == 0 and all(
        o in out for o in ('--load', '--config', '--cachedir', '--regen', '--debug', '--batch', '--keep-going', '--version')), out)
    rc, out, err = run('help')
    names = ['load_pcap', 'list_tcp_connections', 'list_mptcp_connections', 'list_subflows', 'tcp_summary',
             'mptcp_summary', 'list_reinjections', 'tocsv', 'list_available_plots', 'plot', 'clean_cache',
             'checkhealth', 'quit', 'exit', 'help']
    check('help lists every command with a summary',
          rc == 0 and all(re.search(r'^  %s\s+.*\w' % n, out, re.M) for n in names), out)
    rc, out2, err = run('?')
    check('? is help', rc == 0 and out2 == out)
    rc, out, err = run('help list_subflows')
    check('help CMD shows usage, aliases and options from the option table',
          rc == 0 and 'usage: list_subflows MPTCP_STREAM' in out and 'aliases: ls' in out and '--all' in out and '--json' in out, out)
    rc, out, err = run('help lsit_tcp')
    check('help of an unknown command suggests one', rc != 0 and "did you mean 'list_tcp_connections'" in err, err)
    rc, out, err = run('lsit_tcp')
    check('unknown command: non-zero with did-you-mean',
          rc != 0 and "unknown command 'lsit_tcp' (did you mean 'list_tcp_connections'?)" in err, err)
    rc, out, err = run('zzzzzzzzzz')
    check('unknown command without a close name', rc != 0 and "unknown command 'zzzzzzzzzz'" in err and 'did you mean' not in err, err)
    rc, out, err = run('list_tcp_connections')
    check('a capture command without a capture: clear message', rc != 0 and 'no capture loaded' in err, err)
    rc, out, err = run('-l', os.path.join(TMP, 'missing.pcap'), 'lt')
    check('missing capture: non-zero, one line on stderr',
          rc != 0 and len(err.strip().splitlines()) == 1 and 'missing.pcap' in err, err)
    rc, out, err = run('load_pcap ' + os.path.join(TMP, 'missing.pcap'))
    check('load_pcap of a missing file: non-zero, one line on stderr', rc != 0 and len(err.strip().splitlines()) == 1, err)
    notcap = os.path.join(TMP, 'notcap.pcap')
    with open(notcap, 'wb') as f:
        f.write(b'\0' * 64)
    rc, out, err = run('load_pcap ' + notcap)
    check('load_pcap of a non-capture: non-zero, one line', rc != 0 and len(err.strip().splitlines()) == 1, err)
    rc, out, err = run('--bogus')
    check('unknown global option: non-zero', rc != 0 and 'bogus' in err, err)
    rc, out, err = run('checkhealth --json')
    doc = json.loads(out) if rc == 0 else {}
    check('checkhealth --json: versions of the libraries',
          all(k in doc for k in ('libpcap', 'glib', 'json-glib', 'sqlite3', 'readline', 'gnuplot'))
          and 'libpcap' in doc['libpcap']['value'] and re.match(r'\d+\.\d+', doc['sqlite3']['value']), out + err)


LAZY_LIBS = ('libjson-glib', 'libgio', 'libsqlite3', 'libreadline')


def loaded_libs(*args, binary=None):
    """the lazily opened libraries (src/util/lazylib.h) the dynamic loader
    mapped while running the command"""
    env = dict(ENV, LD_DEBUG='files')
    p = subprocess.run([binary or BIN, *args], capture_output=True, text=True, env=env, timeout=120, cwd=TMP)
    files = re.findall(r'file=(\S+)', p.stderr)
    return p.returncode, sorted({lib for lib in LAZY_LIBS for f in files if f.startswith(lib)})


def test_lazy_libraries():
    cap = os.path.join(EXAMPLES, 'lossy-client.pcap')
    if not have(cap):
        skip('optional libraries opened on first use', 'no ' + cap)
        return
    rc, libs = loaded_libs('--version')
    check('--version: no optional library loaded', rc == 0 and libs == [], libs)
    rc, libs = loaded_libs('-l', cap, 'list_mptcp_connections', 'mptcp_summary 0', 'list_reinjections 0')
    check('text commands on a capture: no optional library loaded', rc == 0 and libs == [], libs)
    rc, libs = loaded_libs('-l', cap, 'list_mptcp_connections --json')
    check('--json: json-glib (and GIO with it) loaded, not SQLite or readline',
          rc == 0 and libs == ['libgio', 'libjson-glib'], libs)
    rc, libs = loaded_libs('checkhealth')
    check('checkhealth: opens all four to tell', rc == 0 and libs == sorted(LAZY_LIBS), libs)
    if EXPORTER:
        out = os.path.join(TMP, 'lazy.csv')
        rc, libs = loaded_libs(cap, '-o', out, binary=EXPORTER)
        check('mptcpexporter to CSV: no optional library loaded', rc == 0 and libs == [], libs)
        rc, libs = loaded_libs(cap, '-o', os.path.join(TMP, 'lazy.sqlite'), binary=EXPORTER)
        check('mptcpexporter to SQLite: SQLite loaded', rc == 0 and libs == ['libsqlite3'], libs)


def test_client2():
    if not have(CLIENT2):
        for n in range(18):
            skip('client_2.pcap test %d' % n, 'shared captures absent')
        return
    rc, out, err = run('-l', CLIENT2, 'list_tcp_connections')
    lines = out.splitlines()
    check('lt: 16 tcp connections', rc == 0 and lines[0] == '16 tcp connection(s)'
          and len([l for l in lines if l.startswith('tcp.stream ')]) == 16, out + err)
    m = re.search(r'^tcp\.stream 0: 10\.0\.0\.1:59482 -> 10\.0\.0\.2:5201 .*mptcp\.stream 0$', out, re.M)
    check('lt: stream 0 line with direction and MPTCP marker', m, out)
    rc, out, err = run('-l', CLIENT2, 'lm')
    check('lm: 4 mptcp connections of 4 subflows', rc == 0 and out.startswith('4 mptcp connection(s)\n')
          and len(re.findall(r' 4 subflow\(s\)', out)) == 4, out + err)
    rc, out, err = run('-l', CLIENT2, 'ls 0')
    sub = re.findall(r'^  >tcp\.stream (\d+): (\S+) -> (\S+) \(mptcpdest: Server\)$', out, re.M)
    check('ls 0: mptcp.stream 0 = tcp.streams 0,1,2,6', rc == 0 and out.startswith('mptcp.stream 0 has 4 subflow(s):\n')
          and [int(s[0]) for s in sub] == [0, 1, 2, 6], out + err)
    check('ls 0: exact first subflow line',
          '  >tcp.stream 0: 10.0.0.1:59482 -> 10.0.0.2:5201 (mptcpdest: Server)\n' in out, out)
    rc, out, err = run('-l', CLIENT2, 'ls 0 --all')
    check('ls 0 --all: version, state and bytes', rc == 0 and re.search(r'tcp\.stream 2: .* v0 .*closed\s+bytes\s+302 / 306', out), out)
    rc, doc, err = run_json('-l', CLIENT2, 'ls 0 --json')
    check('ls 0 --json', rc == 0 and doc and doc['count'] == 4 and [s['tcpstream'] for s in doc['subflows']] == [0, 1, 2, 6]
          and all(s['mptcpdest'] == 'Server' for s in doc['subflows']), err)
    rc, doc, err = run_json('-l', CLIENT2, 'lm --json')
    check('lm --json: 4 connections x 4 subflows, v0, tokens',
          rc == 0 and doc and doc['count'] == 4 and all(len(c['subflows']) == 4 for c in doc['connections'])
          and doc['connections'][0]['subflows'] == [0, 1, 2, 6] and doc['connections'][0]['version'] == 0
          and re.match(r'^0x[0-9a-f]{8}$', doc['connections'][0]['tokens']['client']), err)
    rc, lt, err = run_json('-l', CLIENT2, 'lt --json')
    check('lt --json: 16 streams, all MPTCP subflows', rc == 0 and lt and lt['count'] == 16
          and sorted(c['tcpstream'] for c in lt['connections'] if c['mptcpstream'] == 0) == [0, 1, 2, 6], err)
    rc, doc, err = run_json('-l', CLIENT2, 'mptcp_summary 0 --json')
    dirs = {d['mptcpdest']: d for d in doc['directions']} if doc else {}
    check('mptcp_summary 0: 456 bytes towards the server, 308 towards the client',
          rc == 0 and dirs and dirs['Server']['application_bytes'] == 456 and dirs['Client']['application_bytes'] == 308, err)
    check('mptcp_summary 0: subflow shares add up',
          dirs and all(sum(s['bytes'] for s in d['subflows']) == d['bytes'] for d in dirs.values())
          and abs(sum(s['percent'] for s in dirs['Server']['subflows']) - 100) < 0.01, doc)
    rc, out, err = run('-l', CLIENT2, 'mptcp_summary 0')
    check('mptcp_summary 0 text: exact byte counts per direction',
          rc == 0 and re.search(r'towards Server .*\n  application bytes\s+456 \(456 B\)', out)
          and re.search(r'towards Client .*\n  application bytes\s+308 \(308 B\)', out) and 'events' in out, out + err)
    rc, doc, err = run_json('-l', CLIENT2, 'mptcp_summary 0 --dest Client --json')
    check('mptcp_summary --dest Client: one direction',
          rc == 0 and doc and [d['mptcpdest'] for d in doc['directions']] == ['Client'], err)
    rc, doc, err = run_json('-l', CLIENT2, 'tcp_summary 2 --json')
    c2 = [c for c in lt['connections'] if c['tcpstream'] == 2][0] if lt else None
    check('tcp_summary 2 --json agrees with lt',
          rc == 0 and doc and c2 and doc['directions'][0]['packets'] == c2['forward']['packets']
          and doc['directions'][1]['bytes'] == c2['backward']['bytes'] and doc['directions'][0]['bytes'] == 302, err)
    rc, out, err = run('-l', CLIENT2, 'ls 9')
    check('bad mptcp stream: non-zero, valid range', rc != 0 and 'valid: 0-3' in err and len(err.splitlines()) == 1, err)
    rc, out, err = run('-l', CLIENT2, 'tcp_summary 99')
    check('bad tcp stream: non-zero, valid range', rc != 0 and 'valid: 0-15' in err, err)
    rc, doc, err = run_json('-l', CLIENT2, 'lr 1 --json')
    subs = {3, 4, 5, 7}
    check('lr 1 --json: reinjections on the connection\'s subflows, with originals',
          rc == 0 and doc and doc['count'] == len(doc['reinjections']) and doc['count'] > 0
          and all(r['tcpstream'] in subs and r['repeats'] and all(o['tcpstream'] in subs and o['frame'] < r['frame'] for o in r['repeats'])
                  for r in doc['reinjections']), err)
    rc, summ, err = run_json('-l', CLIENT2, 'lr 1 --summary --json')
    check('lr 1 --summary: per-subflow counts add up',
          rc == 0 and summ and doc and summ['count'] == doc['count']
          and sum(s['reinjections'] for s in summ['subflows']) == summ['count']
          and sum(s['bytes'] for s in summ['subflows']) == sum(r['bytes'] for r in doc['reinjections']), err)
    rc, out, err = run('-l', CLIENT2, 'lr 1')
    check('lr 1 text', rc == 0 and re.match(r'mptcp\.stream 1: \d+ reinjection\(s\)\n  frame \d+ +tcp\.stream \d', out), out + err)
    out_csv = os.path.join(TMP, 'c2.csv')
    rc, out, err = run('-l', CLIENT2, 'tocsv %s --fields packetid,tcpstream,mptcpstream' % out_csv)
    rows = open(out_csv).read().splitlines() if have(out_csv) else []
    npk = sum(c['forward']['packets'] + c['backward']['packets'] for c in lt['connections']) if lt else -1
    check('tocsv: header and one row per TCP packet', rc == 0 and rows and rows[0] == 'packetid,tcpstream,mptcpstream'
          and len(rows) == npk + 1, '%s %s %s' % (len(rows), npk, err))
    rc, out, err = run('-l', CLIENT2, 'tocsv - --fields nosuchfield')
    check('tocsv with an unknown field fails', rc != 0 and 'nosuchfield' in err, err)


def test_modes():
    if not have(CLIENT2):
        for n in range(9):
            skip('mode test %d' % n, 'shared captures absent')
        return
    rc, out, err = run('-l', CLIENT2, 'bogus', 'lm')
    check('argument mode stops at the first failure', rc != 0 and 'mptcp connection' not in out, out + err)
    rc, out, err = run('--keep-going', '-l', CLIENT2, 'bogus', 'lm')
    check('--keep-going runs the rest, still non-zero', rc != 0 and out.startswith('4 mptcp connection(s)'), out + err)
    rc, out, err = run('load_pcap ' + CLIENT2, 'lm', 'quit', 'lt')
    check('quit stops argument mode', rc == 0 and re.search(r'^4 mptcp connection', out, re.M)
          and not re.search(r'^16 tcp connection', out, re.M), out + err)
    batch = os.path.join(TMP, 'cmds.txt')
    with open(batch, 'w') as f:
        f.write('# a comment\n\nload_pcap %s\n  lm\n\n# another\nls 0 --json\n' % CLIENT2)
    rc, out, err = run('--batch', batch)
    check('--batch: comments and blank lines skipped, commands run',
          rc == 0 and '4 mptcp connection(s)' in out and '"count" : 4' in out, out + err)
    rc, out2, err = run(batch)
    check('a text file as the only argument is a batch file', rc == 0 and out2 == out, out2 + err)
    with open(batch, 'w') as f:
        f.write('load_pcap %s\nls 9\nlm\n' % CLIENT2)
    rc, out, err = run('--batch', batch)
    check('batch stops at the first failed command', rc != 0 and not re.search(r'^4 mptcp connection', out, re.M)
          and 'cmds.txt:2:' in err, out + err)
    rc, out, err = run('--keep-going', '--batch', batch)
    check('batch --keep-going', rc != 0 and '4 mptcp connection(s)' in out, out + err)
    rc, out, err = run('-l', CLIENT2, stdin='lm\nls 0\n')
    check('commands piped on stdin', rc == 0 and '4 mptcp connection(s)' in out and 'mptcp.stream 0 has 4 subflow(s):' in out, out + err)
    rc, out, err = run(CLIENT2, stdin='lm\n')
    check('a capture as the only argument is loaded first', rc == 0 and '4 mptcp connection(s)' in out, out + err)


def test_config_cache():
    cfgdir = os.path.join(TMP, 'cfg')
    os.makedirs(cfgdir, exist_ok=True)
    good = os.path.join(cfgdir, 'good.ini')
    with open(good, 'w') as f:
        f.write('[mptcpanalyzer]\ncache = %s\nhistory_size = 10\ncolor = never\ndelimiter = ;\nfrobnicate = 1\n'
                % os.path.join(TMP, 'mycache'))
    rc, out, err = run('-c', good, 'checkhealth')
    check('config: unknown key is a warning, cache folder taken', rc == 0 and "unknown key 'frobnicate'" in err
          and os.path.join(TMP, 'mycache') in out, out + err)
    bad = os.path.join(cfgdir, 'bad.ini')
    with open(bad, 'w') as f:
        f.write('[mptcpanalyzer]\nhistory_size = lots\n')
    rc, out, err = run('-c', bad, 'checkhealth')
    check('config: bad value is an error', rc != 0 and 'history_size' in err, err)
    with open(bad, 'w') as f:
        f.write('[mptcpanalyzer]\ncolor = sometimes\n')
    rc, out, err = run('-c', bad, 'checkhealth')
    check('config: bad colour mode is an error', rc != 0 and 'color' in err, err)
    rc, out, err = run('-c', os.path.join(cfgdir, 'none.ini'), 'checkhealth')
    check('config: a missing --config file is an error', rc != 0, err)
    xdg = os.path.join(ENV['XDG_CONFIG_HOME'], 'mptcpanalyzer')
    os.makedirs(xdg, exist_ok=True)
    with open(os.path.join(xdg, 'config'), 'w') as f:
        f.write('[mptcpanalyzer]\nplot_format = svg\n')
    rc, doc, err = run_json('checkhealth --json')
    check('config read from XDG_CONFIG_HOME', rc == 0 and doc and doc['config']['value'].endswith('mptcpanalyzer/config'), err)
    os.unlink(os.path.join(xdg, 'config'))
    if not have(CLIENT2):
        skip('cache is written', 'shared captures absent')
        skip('clean_cache empties it', 'shared captures absent')
        return
    cache = os.path.join(TMP, 'cachetest')
    rc, out, err = run('--cachedir', cache, '-l', CLIENT2, 'lm')
    files = os.listdir(cache) if os.path.isdir(cache) else []
    rc2, out2, err2 = run('--cachedir', cache, '-l', CLIENT2, 'lm')
    rc3, out3, err3 = run('--cachedir', cache, '--regen', '-l', CLIENT2, 'lm')
    check('cache written on load, same answer from the cache and with --regen',
          rc == 0 and len(files) == 1 and out2 == out and out3 == out, '%s %s' % (files, err + err2 + err3))
    rc, out, err = run('--cachedir', cache, 'clean_cache')
    check('clean_cache empties the cache folder', rc == 0 and os.listdir(cache) == [] and 'removed 1 file(s)' in out, out + err)


def tripled_capture(src, dst):
    """src (a pcap file) three times over, each copy 60 s after the one before:
    more packets than a packet table first has room for (4,096), so that the
    table is reserved, and can become a mapping of the cache file"""
    data = open(src, 'rb').read()
    head, body = data[:24], data[24:]
    little = head[:4] == b'\xd4\xc3\xb2\xa1'
    fmt = '<IIII' if little else '>IIII'
    with open(dst, 'wb') as f:
        f.write(head)
        for copy in range(3):
            at = 0
            while at + 16 <= len(body):
                sec, frac, incl, orig = struct.unpack_from(fmt, body, at)
                f.write(struct.pack(fmt, sec + 60 * copy, frac, incl, orig))
                f.write(body[at + 16:at + 16 + incl])
                at += 16 + incl


def test_rows_in_file():
    """A cache rewritten in place takes the load's rows straight into the file
    (table/pkt_rows.h; MPTCPANALYZER_ROWS_IN_FILE=1 maps any table that is
    reserved): the same answers, and the same file, as with the rows copied."""
    cap = os.path.join(TMP, 'lossy3.pcap')
    tripled_capture(os.path.join(EXAMPLES, 'lossy-client.pcap'), cap)
    cache = os.path.join(TMP, 'rowsinfile')
    cmd = 'list_reinjections 0 --summary'
    files = {}
    outs, wrong = [], []
    for mode in ('0', '1'):
        env = dict(ENV, MPTCPANALYZER_ROWS_IN_FILE=mode)
        shutil.rmtree(cache, ignore_errors=True)
        for step, regen in enumerate((['--regen'], ['--regen'], [])):  # new file, in place, from the cache
            rc, out, err = run('--cachedir', cache, '-d', '1', *regen, '-l', cap, cmd, env=env)
            outs.append((rc, out))
            if bool(regen) != ('cache written' in err):
                wrong.append(('cache written?', mode, step, err))
            if ('packet rows written into' in err) != (mode == '1' and step == 1):  # in place, asked for
                wrong.append(('rows in the file?', mode, step, err))
        names = os.listdir(cache)
        files[mode] = open(os.path.join(cache, names[0]), 'rb').read() if len(names) == 1 else names
    check('rows in the cache file: the same answers (decoded, rewritten in place, from the cache)',
          not wrong and all(o == outs[0] for o in outs) and outs[0][0] == 0 and
          '336 reinjection(s), 459496 bytes' in outs[0][1], (wrong, outs))
    check('rows in the cache file: the same file as with the rows copied',
          isinstance(files['1'], bytes) and files['1'] == files['0'] and len(files['0']) > 6960 * 64,
          [len(f) for f in files.values()])


def test_plots():
    rc, doc, err = run_json('list_available_plots --json')
    if rc != 0:
        check('plot module absent: list_available_plots fails cleanly', 'not available' in err, err)
        return
    names = [p['name'] for p in doc['plots']]
    check('list_available_plots --json', doc['count'] == len(names) > 0, doc)
    rc, out, err = run('list_available_plots')
    check('list_available_plots text lists every type', rc == 0 and all(re.search(r'^  %s ' % n, out, re.M) for n in names), out)
    if not have(CLIENT2):
        skip('plot renders a PNG', 'shared captures absent')
        return
    rc, out, err = run('-l', CLIENT2, 'plot nosuchplot 0')
    check('plot of an unknown type fails with a message', rc != 0 and 'nosuchplot' in err, err)
    if not shutil.which('gnuplot') or 'dsn' not in names:
        skip('plot renders a PNG', 'gnuplot or the dsn plot absent')
        return
    png = os.path.join(TMP, 'dsn.png')
    rc, out, err = run('-l', CLIENT2, 'plot dsn 0 -o %s --title "my title"' % png, timeout=120)
    head = open(png, 'rb').read(8) if have(png) else b''
    check('plot dsn 0 -o FILE writes a PNG', rc == 0 and head == b'\x89PNG\r\n\x1a\n', out + err)


def test_readme_facts():
    rows = readme_v1_table()
    if not rows:
        skip('v1 README facts', 'shared captures absent')
    for name, (ntcp, nmptcp, nsub) in sorted(rows.items()):
        path = os.path.join(V1, name)
        rc, out, err = run('-l', path, 'lt --json', 'lm --json')
        docs = []
        dec = json.JSONDecoder()
        i = 0
        try:
            while i < len(out):
                while i < len(out) and out[i].isspace():
                    i += 1
                if i < len(out):
                    d, i = dec.raw_decode(out, i)
                    docs.append(d)
        except ValueError as e:
            err += str(e)
        got = (docs[0]['count'], docs[1]['count'], sum(len(c['subflows']) for c in docs[1]['connections'])) if len(docs) == 2 else None
        check('%s: %d TCP streams, %d MPTCP connections, %d subflows' % (name, ntcp, nmptcp, nsub),
              rc == 0 and got == (ntcp, nmptcp, nsub), '%s %s' % (got, err))
    # tokens from the v1 logs: the client's own token is the client token
    for scen in ('basic', 'lossy', 'fastclose'):
        peers = v1_log_peers(scen)
        path = os.path.join(V1, scen + '-client.pcap')
        if not peers or not have(path):
            skip('%s tokens' % scen, 'log or capture absent')
            continue
        rc, doc, err = run_json('-l', path, 'lm --json')
        bypo = {c['client']['port']: c['tokens']['client'] for c in doc['connections']} if doc else {}
        check('%s-client.pcap: client tokens as in logs/%s.log' % (scen, scen),
              all(bypo.get(p) == '0x' + t for p, t in peers), '%s %s' % (peers, bypo))
    for name, (nt, nm, ns) in (('iperf-mptcp-0-0.pcap', (4, 1, 4)), ('client_1_tcp_only.pcap', (4, 0, 0))):
        path = os.path.join(V0, name)
        if not have(path):
            skip(name, 'absent')
            continue
        rc, out, err = run('-l', path, 'lt', 'lm')
        check('v0 %s: %d TCP streams, %d MPTCP connections' % (name, nt, nm),
              rc == 0 and ('%d tcp connection(s)' % nt) in out and ('%d mptcp connection(s)' % nm) in out, out + err)
    # the project's examples: application bytes are exact (examples/README.md)
    for name, up, down, nsub in (('basic-client.pcap', 1500000, 1000, 2), ('basic-server.pcap', 1500000, 1000, 2),
                                 ('lossy-client.pcap', 1200000, 400000, 3), ('lossy-server.pcap', 1200000, 400000, 3)):
        path = os.path.join(EXAMPLES, name)
        if not have(path):
            skip('examples/%s' % name, 'absent')
            continue
        rc, doc, err = run_json('-l', path, 'mptcp_summary 0 --json')
        dirs = {d['mptcpdest']: d for d in doc['directions']} if doc else {}
        got = (dirs['Server']['application_bytes'], dirs['Client']['application_bytes'],
               len(dirs['Server']['subflows'])) if dirs else None
        check('examples/%s: %d application bytes up, %d down, %d subflows' % (name, up, down, nsub),
              rc == 0 and got == (up, down, nsub), '%s %s' % (got, err))


# --------------------------------------------------------------- terminal

class Pty:
    """mptcpanalyzer on a pseudo-terminal"""

    def __init__(self, args, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(TMP)
            os.execve(BIN, [BIN, *args], env)
        self.buf = ''

    def read(self, secs=1.0, until=None):
        end = time.time() + secs
        out = ''
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    d = os.read(self.fd, 65536)
                except OSError:
                    break
                if not d:
                    break
                out += d.decode(errors='replace')
                if until and re.search(until, out):
                    break
        self.buf += out
        return out

    def send(self, s, until=None, secs=5.0):
        os.write(self.fd, s.encode())
        return self.read(secs, until)

    def close(self):
        try:
            os.write(self.fd, b'\x04')
        except OSError:
            pass
        end = time.time() + 10
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            self.read(0.1)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        return -9


def test_interactive():
    if not have(CLIENT2):
        for n in range(14):
            skip('interactive test %d' % n, 'shared captures absent')
        return
    env = dict(ENV, TERM='dumb', INPUTRC='/dev/null', XDG_DATA_HOME=os.path.join(TMP, 'ptydata'))
    t = Pty([CLIENT2], env)
    out = t.read(20, until=r'\)> $')
    check('interactive: the prompt names the loaded capture', 'mptcpanalyzer(client_2.pcap)> ' in out, out)
    out = t.send('list_tcp_c\t', until='connections ')
    check('tab completes a command name', 'list_tcp_connections ' in out, repr(out))
    out = t.send('\r', until=r'\)> $')
    check('the completed command runs', '16 tcp connection(s)' in out, out)
    out = t.send('tcp_summary 1\t\t', until=r'15')
    check('tab lists tcp stream ids', re.search(r'1\s+10\s+11\s+12\s+13\s+14\s+15', out), repr(out))
    t.send('\x15')  # clear the line
    out = t.send('ls \t\t', until=r'3')
    check('tab lists mptcp stream ids', re.search(r'0\s+1\s+2\s+3\s', out), repr(out))
    t.send('\x15')
    out = t.send('mptcp_summary 0 --de\t', until='dest ')
    check('tab completes an option of the command', '--dest ' in out, repr(out))
    out = t.send('Cl\t', until='Client ')
    check('tab completes an option value', 'Client ' in out, repr(out))
    t.send('\x15')
    out = t.send('tocsv x.csv --fields tcpstr\t', until='tcpstream')
    check('tab completes field names', 'tcpstream' in out, repr(out))
    t.send('\x15')
    open(os.path.join(TMP, 'completeme_xyz.pcap'), 'w').close()
    out = t.send('load_pcap complete\t', until='xyz')
    check('tab completes file names', 'completeme_xyz.pcap' in out, repr(out))
    t.send('\x15')
    out = t.send('help\r', until=r'\)> $')
    check('help in the interpreter', 'list_subflows' in out and 'mptcp_summary' in out, out)
    t.send('lm\r', until=r'\)> $')
    rc = t.close()
    check('Ctrl-D leaves with status 0', rc == 0, rc)
    hist = os.path.join(env['XDG_DATA_HOME'], 'mptcpanalyzer', 'history')
    lines = open(hist).read().splitlines() if have(hist) else []
    check('history file written', lines[-2:] == ['help', 'lm'], lines)
    t = Pty([CLIENT2], env)
    t.read(20, until=r'\)> $')
    out = t.send('\x1b[A', until='lm')
    out += t.send('\r', until=r'\)> $')
    check('history persists across runs (up arrow recalls lm)', '4 mptcp connection(s)' in out, repr(out))
    t.send('quit\r')
    check('quit leaves with status 0', t.close() == 0)


# ---------------------------------------------------------------- man pages

def test_man():
    for prog, binary in (('mptcpanalyzer', BIN), ('mptcpexporter', EXPORTER)):
        page = os.path.join(ROOT, 'man', prog + '.1')
        if not have(page):
            check('man page %s.1 exists' % prog, False)
            continue
        if shutil.which('man'):
            p = subprocess.run(['man', '-l', page], capture_output=True, text=True,
                               env=dict(ENV, MANPAGER='cat', PAGER='cat', MANWIDTH='80'))
            check('man -l %s.1 renders' % prog, p.returncode == 0 and 'SYNOPSIS' in p.stdout
                  and 'DESCRIPTION' in p.stdout, p.stderr)
        else:
            skip('man -l %s.1' % prog, 'man not installed')
        if shutil.which('groff'):
            p = subprocess.run(['groff', '-man', '-ww', '-z', page], capture_output=True, text=True)
            check('groff -man -ww: %s.1 without warnings' % prog, p.returncode == 0 and not p.stderr.strip(), p.stderr)
        text = open(page).read().replace('\\-', '-')
        if binary and have(binary):
            helptext = subprocess.run([binary, '--help'], capture_output=True, text=True).stdout
            opts = sorted(set(re.findall(r'--[a-z][a-z-]+', helptext)) - {'--help', '--help-all'})
            missing = [o for o in opts if o not in text]
            check('%s.1 documents every --help option' % prog, opts and not missing, missing)
        else:
            skip('%s.1 options' % prog, 'binary not given')
    text = open(os.path.join(ROOT, 'man', 'mptcpanalyzer.1')).read().replace('\\-', '-')
    rc, out, err = run('help')
    names = re.findall(r'^  (\w+)', out, re.M)
    missing = [n for n in names if n not in text]
    check('mptcpanalyzer.1 documents every command', names and not missing, missing)


def main():
    try:
        test_basics()
        test_lazy_libraries()
        test_client2()
        test_modes()
        test_config_cache()
        test_rows_in_file()
        test_plots()
        test_readme_facts()
        test_interactive()
        test_man()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print('1..%d' % n_tests)
    return 0


if __name__ == '__main__':
    sys.exit(main())
