#!/usr/bin/env python3
"""test_plugins.py - end-to-end tests of the plugin ABI (TAP output).

    test_plugins.py MPTCPANALYZER SOURCE_ROOT IN_TREE_EXAMPLE.so TEST_PLUGIN.so...

1. Installs the project's header and mptcpanalyzer-plugin.pc into a temporary
   prefix (a separate meson build folder, `meson install --tags devel`), then
   builds plugins/example OUT OF TREE against it, with meson and with a plain
   `cc $(pkg-config --cflags --libs mptcpanalyzer-plugin)`.
2. Loads that build through MPTCPANALYZER_PLUGIN_PATH and checks rtt_stats'
   values on examples/basic-client.pcap against RTTs computed here from the
   pcap itself, its JSON, its plot (PNG), and the completion of its name and
   of its stream argument in the interactive interpreter (a pseudo-terminal).
3. Misbehaving plugins (tests/plugin/*.c): wrong API version, no entry point,
   failing initialisation, missing symbol, clashing names, failing command and
   plot: each gets a clear message, list_plugins tells why, the tool goes on.
4. The search path: config plugin_path, $XDG_DATA_HOME/mptcpanalyzer/plugins,
   never the current folder."""
import glob
import json
import os
import pty
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
IN_TREE = os.path.abspath(sys.argv[3])
TEST_PLUGINS = {os.path.basename(p)[:-3]: os.path.abspath(p) for p in sys.argv[4:]}
BASIC = os.path.join(ROOT, 'examples', 'basic-client.pcap')

TMP = tempfile.mkdtemp(prefix='mptcpa-plugins-')
ENV = dict(os.environ)
for k in ('XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME'):
    ENV[k] = os.path.join(TMP, k.lower())
ENV.pop('MPTCPANALYZER_PLUGIN_PATH', None)
ENV['NO_COLOR'] = '1'
ENV['LC_ALL'] = 'C'

n_tests = 0


def report(ok, name, detail=''):
    global n_tests
    n_tests += 1
    print(('ok' if ok else 'not ok'), n_tests, '-', name)
    if not ok and detail:
        for line in str(detail).splitlines()[:25]:
            print('#', line)
    sys.stdout.flush()


def check(name, cond, detail=''):
    report(bool(cond), name, detail)


def skip(name, why):
    global n_tests
    n_tests += 1
    print('ok', n_tests, '-', name, '# SKIP', why)


def run(*args, env=None, cwd=None, stdin=None, timeout=120):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True,
                       env=env or ENV, cwd=cwd or TMP, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def with_path(*dirs, **extra):
    env = dict(ENV, MPTCPANALYZER_PLUGIN_PATH=':'.join(dirs))
    env.update(extra)
    return env


def plugin_dir(name, files):
    """a fresh folder holding copies of `files`"""
    d = os.path.join(TMP, name)
    os.makedirs(d, exist_ok=True)
    for f in files:
        shutil.copy(f, d)
    return d


def json_doc(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


# ------------------------------------------------------ out-of-tree build

def sh(cmd, env=None, cwd=None, timeout=120):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def out_of_tree():
    """the folder of the example plugin built against an installed header, or None"""
    tools = [t for t in ('meson', 'ninja', 'pkg-config', 'cc') if not shutil.which(t)]
    if tools:
        for n in range(7):
            skip('out-of-tree build %d' % n, 'missing ' + ', '.join(tools))
        return None
    prefix = os.path.join(TMP, 'prefix')
    core = os.path.join(TMP, 'build-core')
    start = time.time()
    rc, out = sh(['meson', 'setup', core, ROOT, '--prefix=' + prefix])
    if rc == 0:
        # devel: the header and the .pc file only, nothing to compile
        rc, out2 = sh(['meson', 'install', '-C', core, '--no-rebuild', '--tags', 'devel'])
        out += out2
    check('meson install --tags devel of the project into a temporary prefix', rc == 0, out[-3000:])
    header = os.path.join(prefix, 'include', 'mptcpanalyzer', 'plugin.h')
    pcs = glob.glob(os.path.join(prefix, '**', 'mptcpanalyzer-plugin.pc'), recursive=True)
    check('the header and mptcpanalyzer-plugin.pc are installed', os.path.isfile(header) and pcs,
          '\n'.join(glob.glob(prefix + '/**', recursive=True)))
    if not pcs:
        return None
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
    rc, flags = sh(['pkg-config', '--cflags', '--libs', 'mptcpanalyzer-plugin'], env=env)
    _, api = sh(['pkg-config', '--variable=api_version', 'mptcpanalyzer-plugin'], env=env)
    check('pkg-config --cflags names the installed include folder, api_version=1',
          rc == 0 and '-I' + os.path.join(prefix, 'include') in flags and api.strip() == '1', flags + api)
    build = os.path.join(TMP, 'build-example')
    rc, out = sh(['meson', 'setup', build, os.path.join(ROOT, 'plugins', 'example')], env=env)
    if rc == 0:
        rc, out2 = sh(['ninja', '-C', build], env=env)
        out += out2
    so = os.path.join(build, 'rtt_stats.so')
    check('plugins/example builds out of tree with meson against the installed .pc',
          rc == 0 and os.path.isfile(so), out[-3000:])
    # the plain compiler way of CONTRIBUTING.md, strict C99 to keep the header portable
    ccdir = os.path.join(TMP, 'build-cc')
    os.makedirs(ccdir)
    src = [os.path.join(ROOT, 'plugins', 'example', f) for f in ('rtt.c', 'rtt_plugin.c')]
    rc, out = sh(['cc', '-std=c99', '-pedantic', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC',
                  '-fvisibility=hidden', '-o', os.path.join(ccdir, 'rtt_stats.so'), *src,
                  *flags.split(), '-lm'], env=env)
    check('plugins/example builds with cc $(pkg-config --cflags --libs mptcpanalyzer-plugin)', rc == 0, out)
    rc, out = sh(['nm', '-D', '--defined-only', so]) if shutil.which('nm') else (0, 'T mpa_plugin_init')
    exported = re.findall(r' T (\S+)', out)
    check('the plugin exports its entry point only', exported == ['mpa_plugin_init'], out)
    elapsed = time.time() - start
    check('out-of-tree build under 60 s (%.1f s)' % elapsed, elapsed < 60)
    return build if os.path.isfile(so) else None


# ------------------------------------------------------ RTTs computed from the pcap

def pcap_packets(path, full=False):
    """(time_ns, src, sport, dst, dport, flags, tsval, tsecr) of the TCP/IPv4
    packets of an Ethernet pcap; tsval None without the timestamps option;
    full: also (frame, seq, ack, tcplen)"""
    data = open(path, 'rb').read()
    magic = data[:4]
    order = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    off = 24
    frame_no = 0
    while off + 16 <= len(data):
        frame_no += 1
        sec, frac, incl, _ = struct.unpack(order + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec * 10**9 + (frac if nano else frac * 1000)
        if len(frame) < 34 or frame[12:14] != b'\x08\x00' or frame[23] != 6:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:]
        sport, dport = struct.unpack('>HH', tcp[:4])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        opts, i, ts = tcp[20:doff], 0, (None, None)
        while i < len(opts):
            kind = opts[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= len(opts) or opts[i + 1] < 2:
                break
            if kind == 8 and opts[i + 1] == 10 and i + 10 <= len(opts):
                ts = struct.unpack('>II', opts[i + 2:i + 10])
            i += opts[i + 1]
        src = '%d.%d.%d.%d' % tuple(ip[12:16])
        dst = '%d.%d.%d.%d' % tuple(ip[16:20])
        if full:
            seq, ack = struct.unpack('>II', tcp[4:12])
            tcplen = struct.unpack('>H', ip[2:4])[0] - ihl - doff
            yield t, src, sport, dst, dport, flags, ts[0], ts[1], frame_no, seq, ack, tcplen
        else:
            yield t, src, sport, dst, dport, flags, ts[0], ts[1]


def serial_after(a, b):
    return 0 < ((a - b) & 0xffffffff) < 0x80000000


def expected_rtts(path):
    """{(sender 'ip:port', receiver 'ip:port'): [rtt ms...]}: for each tsval its
    first sighting, closed by the first packet of the other way echoing it"""
    first = {}      # (sender, receiver) -> {tsval: time}
    last_ts = {}    # (sender, receiver) -> last tsval noted
    last_echo = {}  # (sender, receiver) -> last tsval echoed
    samples = {}
    for t, src, sp, dst, dp, flags, tsval, tsecr in pcap_packets(path):
        if tsval is None:
            continue
        me, peer = '%s:%d' % (src, sp), '%s:%d' % (dst, dp)
        own = (me, peer)
        if own not in last_ts or serial_after(tsval, last_ts[own]):
            first.setdefault(own, {})[tsval] = t
            last_ts[own] = tsval
        other = (peer, me)
        if flags & 0x10 and tsecr and (other not in last_echo or serial_after(tsecr, last_echo[other])):
            sent = first.get(other, {}).get(tsecr)
            if sent is not None:
                samples.setdefault(other, []).append((t - sent) / 1e6)
                last_echo[other] = tsecr
    return samples


# ------------------------------------------------------ the example plugin

def test_example(pdir):
    env = with_path(pdir)
    rc, out, err = run('list_plugins --json', env=env)
    doc = json_doc(out)
    plug = doc and [p for p in doc['plugins'] if p['name'] == 'rtt_stats']
    check('list_plugins: rtt_stats loaded from MPTCPANALYZER_PLUGIN_PATH with its command and plot',
          rc == 0 and plug and plug[0]['loaded'] and plug[0]['commands'] == ['rtt_stats']
          and plug[0]['plots'] == ['rtt'] and plug[0]['error'] is None
          and doc['search_path'][0] == {'folder': pdir, 'from': 'MPTCPANALYZER_PLUGIN_PATH', 'exists': True},
          out + err)
    rc, out, err = run('help', env=env)
    check('help lists the plugin command', rc == 0 and re.search(r'^  rtt_stats .*RTT', out, re.M), out)
    rc, out, err = run('list_available_plots', env=env)
    check('list_available_plots lists the plugin plot type', rc == 0 and re.search(r'^  rtt ', out, re.M), out)
    if not os.path.isfile(BASIC):
        for n in range(9):
            skip('rtt_stats on basic-client.pcap %d' % n, 'examples/basic-client.pcap absent')
        return
    rc, out, err = run('-l', BASIC, 'rtt_stats 0 --json', env=env)
    doc = json_doc(out)
    check('rtt_stats --json: valid JSON, exit 0', rc == 0 and doc, out[:2000] + err)
    if not doc:
        return
    sfs = doc['subflows']
    check('rtt_stats: 2 subflows, tcp.stream 0 and 1, unit ms',
          [s['tcpstream'] for s in sfs] == [0, 1] and doc['mptcpstream'] == 0 and doc['unit'] == 'ms', doc)
    check('rtt_stats: RTT count > 0 on every subflow and direction, count = sum of directions',
          all(s['count'] > 0 and s['count'] == sum(d['count'] for d in s['directions'])
              and all(d['count'] > 0 for d in s['directions']) for s in sfs), sfs)
    check('rtt_stats: 0 < min <= median <= max and min <= mean <= max',
          all(0 < d['min'] <= d['median'] <= d['max'] and d['min'] <= d['mean'] <= d['max']
              for s in sfs for d in s['directions']), sfs)
    # the values, against RTTs computed here from the pcap bytes
    exp = expected_rtts(BASIC)
    bad = []
    for s in sfs:
        for d in s['directions']:
            key = (s['client'], s['server']) if d['towards'] == 'Server' else (s['server'], s['client'])
            v = exp.get(key, [])
            want = (len(v), min(v), statistics.median(v), max(v), statistics.fmean(v)) if v else (0,)
            got = (d['count'], d['min'], d['median'], d['max'], d['mean'])
            if len(v) != d['count'] or any(abs(a - b) > 1e-6 for a, b in zip(want[1:], got[1:])):
                bad.append((key, want, got))
    check('rtt_stats: count, min, median, max, mean equal the RTTs computed from the pcap', not bad and exp, bad)
    towards = {d['towards']: d for d in sfs[0]['directions']}
    check('rtt_stats: the client-side capture sees a longer RTT towards the Server than towards the Client',
          towards['Server']['median'] > 10 * towards['Client']['median'], towards)
    rc, out, err = run('-l', BASIC, 'rtt_stats 0', env=env)
    check('rtt_stats text output: one block per subflow with its samples',
          rc == 0 and 'sf0 tcp.stream 0: 198.18.1.2:47670 -> 198.19.0.2:5201' in out
          and re.search(r'towards Server\s+%d samples' % sfs[0]['directions'][0]['count'], out), out)
    rc, out, err = run('-l', BASIC, 'rtt_stats 5', env=env)
    check('rtt_stats on an unknown stream: message with the valid range, exit 1',
          rc == 1 and 'rtt_stats: no mptcp.stream 5 (valid: 0-0)' in err and not out, err)
    rc, out, err = run('rtt_stats 0', env=env)
    check('rtt_stats without a capture: refused by the host', rc == 1 and 'no capture loaded' in err, err)
    if not shutil.which('gnuplot'):
        skip('plot rtt renders a PNG', 'gnuplot absent')
    else:
        png = os.path.join(TMP, 'rtt.png')
        rc, out, err = run('-l', BASIC, 'plot rtt 0 -o %s' % png, env=env)
        data = open(png, 'rb').read() if os.path.isfile(png) else b''
        check('plot rtt renders a PNG (magic, > 2 KB)',
              rc == 0 and data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) > 2048, err + ' size %d' % len(data))
    rc, out, err = run('-l', BASIC, 'plot rtt 3', env=env)
    check('plot rtt on an unknown stream: the plugin\'s message', rc == 1 and 'rtt: no mptcp.stream 3 (valid: 0-0)' in err, err)


# ------------------------------------------------------ the interpreter on a terminal

class Pty:
    """mptcpanalyzer on a pseudo-terminal"""

    def __init__(self, args, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(TMP)
            os.execve(BIN, [BIN, *args], env)

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


def test_interactive(pdir):
    if not os.path.isfile(BASIC):
        for n in range(6):
            skip('interactive %d' % n, 'examples/basic-client.pcap absent')
        return
    env = dict(with_path(pdir), TERM='dumb', INPUTRC='/dev/null')
    t = Pty([BASIC], env)
    out = t.read(20, until=r'\)> $')
    check('interactive: prompt with the plugin loaded', 'mptcpanalyzer(basic-client.pcap)> ' in out, out)
    out = t.send('rtt_st\t', until='rtt_stats ')
    check('tab completes the plugin command name', 'rtt_stats ' in out, repr(out))
    out = t.send('\t', until='0 ')
    check('tab completes its MPTCP stream argument', '0 ' in out, repr(out))
    out = t.send('\r', until=r'\)> $')
    check('the completed plugin command runs', 'mptcp.stream 0: RTT from TCP timestamps' in out, out)
    out = t.send('plot rt\t', until='rtt ')
    check('tab completes the plugin plot type', 'rtt ' in out, repr(out))
    t.send('\x15')
    out = t.send('lm\r', until=r'\)> $')
    rc = t.close()
    check('the session goes on and ends with status 0', '1 mptcp connection(s)' in out and rc == 0, (out, rc))


# ------------------------------------------------------ misbehaving plugins

def test_bad_plugins(good):
    files = [TEST_PLUGINS[n] for n in ('bad_version', 'no_entry', 'init_fail', 'missing_symbol',
                                       'failing', 'clash')] + [os.path.join(good, 'rtt_stats.so')]
    pdir = plugin_dir('mixed', files)
    env = with_path(pdir)
    rc, out, err = run('list_plugins --json', env=env)
    doc = json_doc(out)
    check('bad plugins: list_plugins still works, exit 0', rc == 0 and doc, out + err)
    if not doc:
        return
    by = {p['name']: p for p in doc['plugins']}
    check('bad plugins: 7 tried in name order, 3 loaded',
          [p['name'] for p in doc['plugins']] == sorted(by) and len(by) == 7
          and sorted(n for n, p in by.items() if p['loaded']) == ['clash', 'failing', 'rtt_stats'], doc)
    msg = 'plugin bad_version (%s/bad_version.so) not loaded: built for plugin API version 99, ' \
          'this mptcpanalyzer' % pdir
    check('wrong API version: refused, naming both versions',
          msg in err and 'provides version 1' in err
          and by['bad_version']['error'].startswith('built for plugin API version 99')
          and by['bad_version']['commands'] == [], err)
    check('no entry point: refused with the reason',
          'plugin no_entry (%s/no_entry.so) not loaded: no entry point mpa_plugin_init()' % pdir in err
          and 'no entry point' in by['no_entry']['error'], err)
    check('failing initialisation: refused with the plugin\'s reason',
          'plugin init_fail (%s/init_fail.so) not loaded: its initialisation failed: the frobnicator '
          'device is missing' % pdir in err, err)
    check('missing symbol: refused at load time (no lazy binding), naming the symbol',
          'plugin missing_symbol' in err and 'mpa_function_from_the_future' in by['missing_symbol']['error'], err)
    check('name clashes: refused, the message names the plugin and the command',
          "plugin clash (%s/clash.so): command 'list_tcp_connections' refused: a command "
          "'list_tcp_connections' already exists" % pdir in err
          and "command 'my_list' refused: the name 'lm' is already taken by command "
              "'list_mptcp_connections'" in err
          and "plot type 'dsn' refused" in err
          and by['clash']['commands'] == ['clash_ok'] and len(by['clash']['refused']) == 3, err)
    rc, out, err = run('list_plugins', env=env)
    check('list_plugins text: what loaded and what failed, why',
          rc == 0 and '3 plugin(s) loaded, 4 not loaded' in out
          and re.search(r'bad_version: NOT LOADED .*\n\s+built for plugin API version 99', out)
          and 'refused: command \'list_tcp_connections\' refused' in out, out)
    for cmd in ('bad_cmd', 'init_fail_cmd', 'future_cmd', 'my_list'):
        rc, out, err = run(cmd, env=env)
        check('%s of a refused plugin is not registered' % cmd,
              rc == 1 and "unknown command '%s'" % cmd in err, err)
    if not os.path.isfile(BASIC):
        for n in range(6):
            skip('failing commands %d' % n, 'examples/basic-client.pcap absent')
        return
    rc, out, err = run('-k', '-l', BASIC, 'fail_cmd', 'lm', 'clash_ok word --echo', 'list_tcp_connections',
                       'rtt_stats 0', env=env)
    check('a failing plugin command: its message, exit 1, the next commands run',
          rc == 1 and 'mptcpanalyzer: fail_cmd: deliberate failure (packets: ' in err
          and '1 mptcp connection(s)' in out and 'mptcp.stream 0: RTT' in out, (rc, out, err))
    check('the plugin command of a half-refused plugin works; the built-in kept its name',
          'clash_ok: 1 argument(s), 2 tcp stream(s), 1 mptcp connection(s)' in out and 'echo: word' in out
          and '2 tcp connection(s)' in out and 'PLUGIN VERSION' not in out, out)
    rc, out, err = run('-k', '-l', BASIC, 'fail_silent', 'lm', env=env)
    check('a command failing without a message: the host names the plugin and the code',
          rc == 1 and 'mptcpanalyzer: fail_silent: failed (plugin failing returned 3)' in err
          and '"never"' not in out and '1 mptcp connection(s)' in out, (out, err))
    rc, out, err = run('-k', '-l', BASIC, 'plot fail_plot -o x.png', 'lm', env=env)
    check('a failing plugin plot: its message, no file, the next command runs',
          rc == 1 and 'fail_plot: deliberate plot failure' in err and '1 mptcp connection(s)' in out
          and not os.path.exists(os.path.join(TMP, 'x.png')), (out, err))
    rc, out, err = run('-k', '-l', BASIC, '--batch', '-', env=env, stdin='fail_cmd\nlm\nfail_silent\nls 0\n')
    check('batch mode: failing plugin commands, the others run, exit 1',
          rc == 1 and '1 mptcp connection(s)' in out and 'has 2 subflow(s)' in out
          and err.count('fail_') >= 2, (rc, out, err))
    rc, out, err = run('-l', BASIC, 'fail_cmd', 'lm', env=env)
    check('without --keep-going the failure stops the run like a built-in\'s', rc == 1 and 'mptcp connection' not in out,
          (out, err))


# ------------------------------------------------------ the accessors' values

def read_csv(path):
    import csv
    with open(path) as f:
        return list(csv.DictReader(f))


def test_accessors():
    """probe_dump (tests/plugin/probe.c) prints what every accessor returns"""
    cap = os.path.join(ROOT, 'examples', 'lossy-client.pcap')
    if not os.path.isfile(cap):
        for n in range(9):
            skip('accessors %d' % n, 'examples/lossy-client.pcap absent')
        return
    env = with_path(plugin_dir('probe', [TEST_PLUGINS['probe']]))
    rc, out, err = run('-l', cap, 'pd --packets', env=env)
    doc = json_doc(out)
    check('probe_dump (alias pd, option --packets): one JSON document', rc == 0 and doc, out[:500] + err)
    if not doc:
        return
    check('out-of-range rows and ids give the neutral values; NaN and null print null; open objects are closed',
          doc['out_of_range_ok'] is True and doc['nan'] is None and doc['nothing'] is None
          and doc['left_open'] == {} and doc['host_version'] and doc['path'] == cap, doc['out_of_range_ok'])
    pk, tcp = doc['packets'], doc['tcp']
    wire = list(pcap_packets(cap, full=True))
    bad = []
    for row, (w, p) in enumerate(zip(wire, pk)):
        t, src, sp, dst, dp, flags, tsval, tsecr, frame, seq, ack, tcplen = w
        c = tcp[p[2]]
        ends = (c['end0'], c['end1']) if p[3] == 0 else (c['end1'], c['end0'])
        want = [frame, t, ('%s:%d' % (src, sp), '%s:%d' % (dst, dp)), tcplen, seq, ack, flags,
                tsval or 0, tsecr or 0, tsval is not None]
        got = [p[0], p[1], ends, p[5], p[6], p[7], p[8] & 0xff, p[10], p[11], bool(p[9] & 1)]
        if want != got:
            bad.append((row, want, got))
    check('packets: frame, time, stream and direction (its endpoints), tcplen, seq, ack, flags, tsval, '
          'tsecr equal the pcap bytes (%d packets)' % len(pk), len(pk) == len(wire) > 2000 and not bad, bad[:5])
    csvf = os.path.join(TMP, 'probe.csv')
    rc, out, err = run('-l', cap, 'tocsv %s --fields packetid,tcpstream,mptcpdest,dsnraw64,dack' % csvf)
    rows = read_csv(csvf) if rc == 0 else []
    bad = []
    for p, r in zip(pk, rows):
        dest = {'Server': 0, 'Client': 1}.get(r['mptcpdest'], -1)
        dsn = None if p[12] is None else int(p[12])
        if (int(r['packetid']), int(r['tcpstream']), dest) != (p[0], p[2], p[4]) \
                or (dsn is not None and dsn != int(r['dsnraw64'])) or (p[13] is None) != (r['dack'] == ''):
            bad.append((r, p))
    check('packets: MPTCP destination, 64-bit DSN (exact, strings above INT64_MAX) and data ACK presence '
          'equal the export\'s columns', rows and len(rows) == len(pk) and not bad
          and any(isinstance(p[12], str) for p in pk) and any(p[9] & 2 for p in pk), bad[:5])
    marks = {}
    for p in pk:
        for bit, name in ((8, 'retrans'), (16, 'reinjection'), (32, 'reinjected')):
            marks[name] = marks.get(name, 0) + bool(p[9] & bit)
    rc, out, err = run('-l', cap, 'list_reinjections 0 --json')
    reinj = json_doc(out)
    n_reinj = reinj and (reinj.get('count') if 'count' in reinj else len(reinj.get('reinjections', [])))
    check('marks: the lossy capture has retransmissions, and as many reinjection marks as list_reinjections',
          marks['retrans'] > 0 and marks['reinjection'] > 0 and marks['reinjected'] > 0
          and (not n_reinj or n_reinj == marks['reinjection']), (marks, n_reinj))
    rc, out, err = run('-l', cap, 'list_tcp_connections --json')
    lt = json_doc(out)
    want = [('%s:%d' % (c['src']['address'], c['src']['port']), '%s:%d' % (c['dst']['address'], c['dst']['port']),
             c['forward']['bytes'], c['backward']['bytes'], c['mptcpstream']) for c in lt['connections']]
    got = [(c['end0'], c['end1'], c['bytes0'], c['bytes1'], c['mptcp']) for c in tcp]
    first_frames = {}
    for p in pk:
        first_frames.setdefault(p[2], p[0])
    check('tcp: endpoints, bytes each way and mptcp.stream equal list_tcp_connections; first/last packet rows',
          want == got and len(tcp) == 3
          and all(pk[c['first']][0] == first_frames[s] and pk[c['last']][2] == s for s, c in enumerate(tcp))
          and all(c['client'] == 0 for c in tcp), (want, got))
    rc, out, err = run('-l', cap, 'list_mptcp_connections --json', 'mptcp_summary 0 --json')
    docs = [json_doc(x) for x in re.split(r'(?<=\n})\n(?={)', out)]
    lm, summ = (docs + [None, None])[:2]
    m = doc['mptcp'][0]
    app = {d['mptcpdest']: d['application_bytes'] for d in summ['directions']} if summ else {}
    check('mptcp: version, subflows, application bytes each way equal list_mptcp_connections / mptcp_summary',
          lm and summ and len(doc['mptcp']) == 1 and m['version'] == lm['connections'][0]['version']
          and m['subflows'] == lm['connections'][0]['subflows'] == [0, 1, 2]
          and (m['to_server'], m['to_client']) == (app['Server'], app['Client']) == (1200000, 400000), (m, app))
    want = [(e['type'], e['frame'], e['tcpstream'], round(e['time'], 6)) for e in summ['events']] if summ else []
    got = [(e['type'], e['frame'], e['stream'], round((e['time_ns'] - doc['start_ns']) / 1e9, 6))
           for e in doc['events'] if e['mptcp'] == 0]
    values = [(e['type'], e['value']) for e in doc['events']]
    check('events: type, frame, tcp.stream and time equal mptcp_summary\'s; ADD_ADDR value = address id, '
          'DATA_FIN value = direction', want == got and len(got) == 4
          and values == [('ADD_ADDR', 1), ('ADD_ADDR', 1), ('DATA_FIN', 0), ('DATA_FIN', 1)], (want, got, values))


# ------------------------------------------------------ search path

def test_search_path(good):
    so = os.path.join(good, 'rtt_stats.so')
    cwd = plugin_dir('cwd', [so])
    rc, out, err = run('list_plugins --json', 'rtt_stats 0', cwd=cwd)
    doc = json_doc(out)
    check('never from the current folder by default',
          doc and doc['count'] == 0 and "unknown command 'rtt_stats'" in err
          and [d['from'] for d in doc['search_path']] == ['XDG_DATA_HOME'], out + err)
    rc, out, err = run('list_plugins --json', cwd=cwd, env=with_path('', ':', ' : '))
    doc = json_doc(out)
    check('empty MPTCPANALYZER_PLUGIN_PATH entries do not mean the current folder',
          doc and doc['count'] == 0, out + err)
    xdg = os.path.join(TMP, 'xdgdata')
    plugin_dir(os.path.join('xdgdata', 'mptcpanalyzer', 'plugins'), [so])
    rc, out, err = run('list_plugins --json', env=dict(ENV, XDG_DATA_HOME=xdg))
    doc = json_doc(out)
    check('$XDG_DATA_HOME/mptcpanalyzer/plugins is searched',
          doc and doc['count'] == 1 and doc['plugins'][0]['loaded']
          and doc['search_path'][-1] == {'folder': os.path.join(xdg, 'mptcpanalyzer', 'plugins'),
                                         'from': 'XDG_DATA_HOME', 'exists': True}, out + err)
    a = plugin_dir('conf-a', [so])
    b = plugin_dir('env-b', [so])
    conf = os.path.join(TMP, 'plugins.conf')
    with open(conf, 'w') as f:
        f.write('[mptcpanalyzer]\nplugin_path = %s:/nonexistent/plugins\n' % a)
    rc, out, err = run('-c', conf, 'list_plugins --json', env=with_path(b))
    doc = json_doc(out)
    check('config plugin_path first, then MPTCPANALYZER_PLUGIN_PATH; a second plugin of the same name is skipped',
          doc and [(d['folder'], d['from']) for d in doc['search_path'][:3]] ==
          [(a, 'plugin_path'), ('/nonexistent/plugins', 'plugin_path'), (b, 'MPTCPANALYZER_PLUGIN_PATH')]
          and [p['loaded'] for p in doc['plugins']] == [True, False]
          and doc['plugins'][0]['path'] == os.path.join(a, 'rtt_stats.so')
          and 'already loaded from ' + os.path.join(a, 'rtt_stats.so') in doc['plugins'][1]['error']
          and 'not loaded' not in err, out + err)


def main():
    print('# temporary folder', TMP)
    built = out_of_tree()
    good = built
    if not good:
        good = plugin_dir('in-tree', [IN_TREE])
        print('# the out-of-tree build failed or was skipped: using the in-tree plugin')
    for group in (lambda: test_example(good), lambda: test_interactive(good),
                  lambda: test_bad_plugins(good), test_accessors, lambda: test_search_path(good)):
        try:
            group()
        except Exception:  # a wrong value must fail a test, not end the script without a plan
            import traceback
            report(False, 'test group raised an exception', traceback.format_exc())
    print('1..%d' % n_tests)
    shutil.rmtree(TMP, ignore_errors=True)


if __name__ == '__main__':
    main()
