#!/usr/bin/env python3
"""hostile.py - writes hostile captures (classic pcap, Ethernet, IPv4/TCP) for
the robustness tests, and holds the helpers those tests share (TAP output,
running a program with a timeout and measuring its peak RSS).

    hostile.py KIND COUNT OUT.pcap [--seed N]

KIND: syns (COUNT SYN-only connections, distinct addresses and ports),
synflood (COUNT SYNs on one 4-tuple with random ISNs), options (COUNT packets
whose 40 bytes of options are random MPTCP-ish garbage), dsn (an MPTCP
connection of two subflows whose COUNT data packets carry random DSNs),
small (a real-looking MPTCP v1 exchange of COUNT data packets), prune and
prune-odd-clock (gen_prune: data sent again 40 s after it was acked), long
(COUNT segments of 64,000 bytes on two subflows: a big capture's numbers).
Payloads are never captured (snap length style): only headers are written.
"""
import hashlib
import os
import random
import signal
import struct
import subprocess
import sys

SNAP_HDR = struct.Struct('<IIII')
TCPF_FIN, TCPF_SYN, TCPF_RST, TCPF_PSH, TCPF_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


# ---------------------------------------------------------------- pcap writing

class PcapWriter:
    """classic pcap, microseconds, Ethernet; frames written with their wire length"""

    def __init__(self, path):
        self.f = open(path, 'wb', buffering=1 << 20)
        self.f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.t = 1_700_000_000_000_000  # µs
        self.frames = 0  # written so far: the last one's number

    def write(self, frame, wirelen=None, dt_us=10):
        self.frames += 1
        self.t += dt_us
        self.f.write(SNAP_HDR.pack(self.t // 1_000_000, self.t % 1_000_000, len(frame),
                                   wirelen if wirelen is not None else len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()


ETH = bytes.fromhex('020000000002' '020000000001' '0800')


def ip4(a):
    return bytes(a) if not isinstance(a, int) else struct.pack('>I', a)


def tcp_frame(src, dst, sport, dport, seq, ack, flags, opts=b'', payload=0, win=65535):
    """Ethernet + IPv4 + TCP header (options padded to 4 bytes); the payload is
    counted in the IP length but not captured.  Returns (frame, wire length)."""
    if len(opts) % 4:
        opts += b'\x00' * (4 - len(opts) % 4)
    doff = 20 + len(opts)
    total = 20 + doff + payload
    iph = struct.pack('>BBHHHBBH4s4s', 0x45, 0, total & 0xffff, 1, 0x4000, 64, 6, 0, ip4(src), ip4(dst))
    tcph = struct.pack('>HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                       (doff // 4) << 4, flags, win, 0, 0) + opts
    frame = ETH + iph + tcph
    return frame, len(frame) + payload


# ---------------------------------------------------------------- MPTCP options

def mpc(version, flags_byte, *keys, data_len=None):
    body = bytes([flags_byte]) + b''.join(struct.pack('>Q', k) for k in keys)
    if data_len is not None:
        body += struct.pack('>H', data_len)
    return bytes([30, 3 + len(body), version]) + body


def dss(ack=None, dsn=None, ssn=0, length=0, dsn64=True, ack64=True):
    flags, body = 0, b''
    if ack is not None:
        flags |= 0x01 | (0x02 if ack64 else 0)
        body += struct.pack('>Q', ack) if ack64 else struct.pack('>I', ack & 0xffffffff)
    if dsn is not None:
        flags |= 0x04 | (0x08 if dsn64 else 0)
        body += (struct.pack('>Q', dsn) if dsn64 else struct.pack('>I', dsn & 0xffffffff))
        body += struct.pack('>IH', ssn & 0xffffffff, length)
    return bytes([30, 4 + len(body), 0x20, flags]) + body


def join_syn(token, nonce, addr_id=1):
    return bytes([30, 12, 0x10, addr_id]) + struct.pack('>II', token, nonce)


# ---------------------------------------------------------------- generators

CLIENT, SERVER = (198, 18, 1, 2), (198, 19, 0, 2)
CLIENT2 = (198, 18, 2, 2)
KEY_C, KEY_S = 0x1122334455667788, 0x99aabbccddeeff00


def key_token(key):
    """a key's token: the first 32 bits of SHA-256 of the key (what a join asks for)"""
    return struct.unpack('>I', hashlib.sha256(struct.pack('>Q', key)).digest()[:4])[0]


def key_idsn(key):
    """a key's IDSN: the last 64 bits of SHA-256 of the key (MPTCP v1)"""
    return struct.unpack('>Q', hashlib.sha256(struct.pack('>Q', key)).digest()[-8:])[0]


def gen_syns(w, n, rng):
    """n SYN-only connections: distinct source address/port pairs"""
    base = 0x0a000000
    for i in range(n):
        frame, wire = tcp_frame(base + (i >> 14), SERVER, 1024 + (i & 0x3fff), 80,
                                rng.getrandbits(32), 0, TCPF_SYN)
        w.write(frame, wire, dt_us=1)


def gen_synflood(w, n, rng):
    """n SYNs on one 4-tuple, each with a new random ISN (each starts a stream)"""
    for _ in range(n):
        frame, wire = tcp_frame(CLIENT, SERVER, 40000, 80, rng.getrandbits(32), 0, TCPF_SYN)
        w.write(frame, wire, dt_us=1)


def handshake(w, src, dst, sport, dport, isn_c=1000, isn_s=5000):
    """MPTCP v1 three-way handshake; returns the next client and server seq"""
    w.write(*tcp_frame(src, dst, sport, dport, isn_c, 0, TCPF_SYN, mpc(1, 0x81)))
    w.write(*tcp_frame(dst, src, dport, sport, isn_s, isn_c + 1, TCPF_SYN | TCPF_ACK, mpc(1, 0x81, KEY_S)))
    w.write(*tcp_frame(src, dst, sport, dport, isn_c + 1, isn_s + 1, TCPF_ACK, mpc(1, 0x81, KEY_C, KEY_S)))
    return isn_c + 1, isn_s + 1


def random_options(rng):
    """40 bytes of option area: mostly kind 30 with absurd subtypes and lengths"""
    out = bytearray()
    while len(out) < 40:
        r = rng.random()
        if r < 0.6:
            length = rng.choice([0, 1, 2, 3, 4, 5, 12, 20, 24, 30, 39, 40, 41, 200, 255, rng.randrange(256)])
            body = bytes(rng.getrandbits(8) for _ in range(max(0, min(length, 40) - 3)))
            out += bytes([30, length & 0xff, rng.getrandbits(8)]) + body
        elif r < 0.8:
            out += bytes([rng.choice([1, 2, 3, 4, 5, 8, 19, 29, 34, 253, 254]), rng.randrange(256)])
        else:
            out += bytes([1])
    return bytes(out[:40])


def gen_options(w, n, rng):
    """an MPTCP connection (so options are acted on), then n packets whose whole
    option area is random; every 16th on a connection of its own"""
    c_seq, s_seq = handshake(w, CLIENT, SERVER, 40000, 5201)
    for i in range(n):
        sport = 40000 if i % 16 else 41000 + i % 20000
        flags = rng.choice([TCPF_ACK, TCPF_ACK | TCPF_PSH, TCPF_SYN, TCPF_SYN | TCPF_ACK, TCPF_RST, TCPF_FIN | TCPF_ACK])
        frame, wire = tcp_frame(CLIENT, SERVER, sport, 5201, c_seq, s_seq, flags, random_options(rng),
                                payload=rng.choice([0, 0, 100, 1400]))
        w.write(frame, wire, dt_us=5)
        c_seq += 1400


def gen_dsn(w, n, rng):
    """two subflows of one MPTCP connection; every data packet maps its bytes
    to a random DSN (64-bit most of the time, 32-bit otherwise)"""
    c1, s1 = handshake(w, CLIENT, SERVER, 40000, 5201)
    # the join asks for the server's token: the first 32 bits of SHA-256 of its key
    token = key_token(KEY_S)
    w.write(*tcp_frame(CLIENT2, SERVER, 40001, 5201, 7000, 0, TCPF_SYN, join_syn(token, 1)))
    w.write(*tcp_frame(SERVER, CLIENT2, 5201, 40001, 9000, 7001, TCPF_SYN | TCPF_ACK,
                       bytes([30, 16, 0x10, 0]) + bytes(12)))
    w.write(*tcp_frame(CLIENT2, SERVER, 40001, 5201, 7001, 9001, TCPF_ACK, bytes([30, 24, 0x10, 0]) + bytes(20)))
    seq = {0: c1, 1: 7001}
    ssn = {0: 1, 1: 1}
    for i in range(n):
        sf = i & 1
        src, sport, ack = (CLIENT, 40000, s1) if sf == 0 else (CLIENT2, 40001, 9001)
        dsn64 = rng.random() < 0.8
        opt = dss(ack=rng.getrandbits(64), dsn=rng.getrandbits(64), ssn=ssn[sf], length=1000, dsn64=dsn64)
        frame, wire = tcp_frame(src, SERVER, sport, 5201, seq[sf], ack, TCPF_ACK, opt, payload=1000)
        w.write(frame, wire, dt_us=3)
        seq[sf] += 1000
        ssn[sf] += 1000


def gen_small(w, n, rng):
    """a plain MPTCP v1 upload: handshake, n data packets with in-order DSNs, acks"""
    c, s = handshake(w, CLIENT, SERVER, 40000, 5201)
    dsn = 0x1000
    for i in range(n):
        w.write(*tcp_frame(CLIENT, SERVER, 40000, 5201, c, s, TCPF_ACK | TCPF_PSH,
                           dss(ack=1, dsn=dsn, ssn=c - 1000, length=1000), payload=1000), dt_us=50)
        c += 1000
        dsn += 1000
        w.write(*tcp_frame(SERVER, CLIENT, 5201, 40000, s, c, TCPF_ACK, dss(ack=dsn)), dt_us=50)


def join(w, token):
    """MP_JOIN of a second subflow (CLIENT2:40001); returns its next seq"""
    w.write(*tcp_frame(CLIENT2, SERVER, 40001, 5201, 7000, 0, TCPF_SYN, join_syn(token, 1)))
    w.write(*tcp_frame(SERVER, CLIENT2, 5201, 40001, 9000, 7001, TCPF_SYN | TCPF_ACK,
                       bytes([30, 16, 0x10, 0]) + bytes(12)))
    w.write(*tcp_frame(CLIENT2, SERVER, 40001, 5201, 7001, 9001, TCPF_ACK, bytes([30, 24, 0x10, 0]) + bytes(20)))
    return 7001


def gen_prune(w, n, rng, odd_clock=False):
    """Pruning: the first subflow sends n data packets (each acked at the
    data level), 40 s pass, it sends n more, then the second subflow sends
    again the DSNs of the first packet (acked 40 s before: forgotten, not a
    reinjection) and of the last (a reinjection).  odd_clock: a packet of
    another connection dated 1000 s ahead among the first ones (time stamps
    out of order)."""
    c, s = handshake(w, CLIENT, SERVER, 40000, 5201)
    token = key_token(KEY_S)
    c2 = join(w, token)
    dsn0 = dsn = 0x1000

    def send(gap_us=200):
        nonlocal c, dsn
        w.write(*tcp_frame(CLIENT, SERVER, 40000, 5201, c, s, TCPF_ACK | TCPF_PSH,
                           dss(ack=1, dsn=dsn, ssn=c - 1000, length=1000), payload=1000), dt_us=gap_us)
        c += 1000
        dsn += 1000
        w.write(*tcp_frame(SERVER, CLIENT, 5201, 40000, s, c, TCPF_ACK, dss(ack=dsn)), dt_us=200)

    for i in range(n):
        send()
        if odd_clock and i == 3:
            w.write(*tcp_frame(CLIENT2, SERVER, 40999, 80, 1, 0, TCPF_SYN), dt_us=1_000_000_000)
            w.t -= 1_000_000_000  # the next packets follow the ones before
    send(gap_us=40_000_000)
    for _ in range(n - 1):
        send()
    for old in (dsn0, dsn - 1000):
        w.write(*tcp_frame(CLIENT2, SERVER, 40001, 5201, c2, 9001, TCPF_ACK | TCPF_PSH,
                           dss(ack=1, dsn=old, ssn=c2 - 7000, length=1000), payload=1000), dt_us=200)
        c2 += 1000


def gen_late(w, n, rng):
    """Sent ranges recorded out of order: the first subflow sends n packets at
    every other DSN slot, then 300 more filling the empty slots of the first
    300 (each far behind the last range: they wait apart and are merged in,
    256 at a time), then the second subflow sends again the DSNs of six of
    them: merged (slots 1, 21, 201, 401), still apart (slot 581), and sent in
    order (slot 3000), and one DSN never sent.  Returns the reinjections,
    [(frame, frame it repeats)]."""
    c, s = handshake(w, CLIENT, SERVER, 40000, 5201)
    token = key_token(KEY_S)
    c2 = join(w, token)
    base, frame_of = 0x1000, {}

    def send(slot):
        nonlocal c
        w.write(*tcp_frame(CLIENT, SERVER, 40000, 5201, c, s, TCPF_ACK | TCPF_PSH,
                           dss(ack=1, dsn=base + slot * 1000, ssn=c - 1000, length=1000), payload=1000),
                dt_us=200)
        frame_of[slot] = w.frames
        c += 1000

    for k in range(n):
        send(2 * k)
    for k in range(300):
        send(2 * k + 1)
    want = []
    for slot in (1, 21, 201, 401, 581, 3000, 2 * n + 1):
        w.write(*tcp_frame(CLIENT2, SERVER, 40001, 5201, c2, 9001, TCPF_ACK | TCPF_PSH,
                           dss(ack=1, dsn=base + slot * 1000, ssn=c2 - 7000, length=1000), payload=1000),
                dt_us=200)
        c2 += 1000
        if slot in frame_of:
            want.append((w.frames, frame_of[slot]))
    return want


def gen_long(w, n, rng):
    """A long MPTCP v1 upload on two subflows, with a big capture's long
    numbers: n data segments of 64,000 bytes (as a capture on the sender,
    before segmentation offload, shows them), so that the relative sequence
    numbers pass 10^8 and the frame numbers 10^4; 64-bit DSNs and data ACKs;
    TCP timestamps of 10 digits; each segment acked at both levels, and every
    500th sent again on the other subflow (a reinjection).  What
    scripts/build-pgo.sh trains the export's number paths on."""
    c, s = handshake(w, CLIENT, SERVER, 40000, 5201)
    token = key_token(KEY_S)
    c2 = join(w, token)
    flows = [(CLIENT, 40000, 1000, s), (CLIENT2, 40001, 7000, 9001)]  # address, port, ISN, ack
    seq = [c, c2]
    # the data start right after each side's IDSN: relative DSNs from 1, as a
    # real connection's
    dsn, dack = (key_idsn(KEY_C) + 1) % 2**64, (key_idsn(KEY_S) + 1) % 2**64
    ts, seg = 3_000_000_000, 64000

    def ts_opt(val, ecr):
        return b'\x01\x01\x08\x0a' + struct.pack('>II', val & 0xffffffff, ecr & 0xffffffff)

    def send(sf, d, dt_us):
        src, sport, isn, ack = flows[sf]
        opts = ts_opt(ts, ts - 7) + dss(ack=dack, dsn=d, ssn=seq[sf] - isn, length=seg)
        w.write(*tcp_frame(src, SERVER, sport, 5201, seq[sf], ack, TCPF_ACK | TCPF_PSH, opts, payload=seg),
                dt_us=dt_us)
        seq[sf] += seg
        w.write(*tcp_frame(SERVER, src, 5201, sport, ack, seq[sf], TCPF_ACK,
                           ts_opt(ts + 3, ts) + dss(ack=(d + seg) % 2**64)), dt_us=20)

    for i in range(n):
        sf = 0 if rng.random() < 0.6 else 1
        send(sf, dsn, rng.randrange(30, 90))
        if i % 500 == 499:
            send(1 - sf, dsn, 40)
        dsn = (dsn + seg) % 2**64
        ts += 1


KINDS = {'syns': gen_syns, 'synflood': gen_synflood, 'options': gen_options, 'dsn': gen_dsn,
         'small': gen_small, 'prune': gen_prune, 'long': gen_long,
         'prune-odd-clock': lambda w, n, rng: gen_prune(w, n, rng, odd_clock=True)}


def generate(kind, count, path, seed=1):
    w = PcapWriter(path)
    KINDS[kind](w, count, random.Random(seed))
    w.close()


# ---------------------------------------------------------------- test helpers

class Tap:
    """TAP output: ok / not ok lines, then the plan"""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {name}", flush=True)
        if not cond:
            self.failed += 1
            for line in str(diag or '').splitlines()[:20]:
                print(f'# {line}', flush=True)
        return cond

    def known_bug(self, cond, name, diag, bug, is_that_bug):
        """A check that a reported bug still fails: while the failure is exactly
        that bug's (is_that_bug), it is a SKIP naming the bug (scripts/test.sh
        counts a TAP TODO as a failure); any other failure fails; once the bug
        is fixed the check passes."""
        if cond or not is_that_bug:
            return self.ok(cond, name, diag)
        self.skip(name, f'known bug, reported: {bug}')
        self.note(str(diag))
        return False

    def skip(self, name, why):
        self.n += 1
        print(f'ok {self.n} - {name} # SKIP {why}', flush=True)

    def note(self, text):
        for line in text.splitlines():
            print(f'# {line}', flush=True)

    def done(self):
        print(f'1..{self.n}', flush=True)
        sys.exit(1 if self.failed else 0)


class Result:
    def __init__(self, status, signal_, stdout, stderr, maxrss_kb, timed_out, seconds, cpu):
        self.status = status        # exit status, None when killed by a signal
        self.signal = signal_       # signal number or None
        self.stdout = stdout
        self.stderr = stderr
        self.maxrss_kb = maxrss_kb
        self.timed_out = timed_out
        self.seconds = seconds      # wall clock
        self.cpu = cpu              # user + system seconds

    def describe(self):
        how = f'signal {self.signal}' if self.signal else f'status {self.status}'
        if self.timed_out:
            how = 'timed out (killed)'
        return f'{how}; stderr: {self.stderr.strip()[:500]!r}'


SANITIZER_MARKS = ('AddressSanitizer', 'LeakSanitizer', 'runtime error:', 'UndefinedBehaviorSanitizer')


# A small process forks and execs the program and reports its rusage: a
# program forked straight from this (big) Python process would inherit
# Python's resident set in its peak RSS (Linux keeps the high-water mark across
# exec).  Prints "status signal maxrss_kb cpu_seconds" to the file argv[1].
RUSAGE_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, st, ru = os.wait4(pid, 0)
sig = os.WTERMSIG(st) if os.WIFSIGNALED(st) else -1
code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -1
with open(sys.argv[1], 'w') as f:
    f.write(f'{code} {sig} {ru.ru_maxrss} {ru.ru_utime + ru.ru_stime}')
"""


def run(cmd, timeout=10.0, stdout_path=os.devnull, env=None, preexec_fn=None, keep_stdout=False,
        measure=False):
    """Runs cmd with a timeout; returns a Result, with its peak RSS and CPU
    time when `measure` (through RUSAGE_WRAPPER: a Python start more)."""
    import tempfile
    import time
    err = tempfile.TemporaryFile()
    out = tempfile.TemporaryFile() if keep_stdout else open(stdout_path, 'wb')
    report = None
    if measure:
        fd, report = tempfile.mkstemp(prefix='rusage-')
        os.close(fd)
        cmd = [sys.executable, '-S', '-c', RUSAGE_WRAPPER, report] + list(cmd)
    start = time.monotonic()
    p = subprocess.Popen(cmd,
                         stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                         preexec_fn=preexec_fn, start_new_session=True)
    try:
        p.wait(timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        timed_out = True
    seconds = time.monotonic() - start
    err.seek(0)
    stderr = err.read().decode('utf-8', 'replace')
    stdout = b''
    if keep_stdout:
        out.seek(0)
        stdout = out.read()
    out.close()
    err.close()
    if not measure:
        st = p.returncode
        return Result(st if st >= 0 else None, -st if st < 0 else None, stdout, stderr, 0,
                      timed_out, seconds, 0.0)
    with open(report) as f:
        fields = f.read().split()
    os.unlink(report)
    if len(fields) != 4:  # the wrapper itself was killed (timeout)
        return Result(None, signal.SIGKILL, stdout, stderr, 0, timed_out, seconds, 0.0)
    code, sig, maxrss, cpu = int(fields[0]), int(fields[1]), int(fields[2]), float(fields[3])
    return Result(code if code >= 0 else None, sig if sig >= 0 else None, stdout, stderr,
                  maxrss, timed_out, seconds, cpu)


def behaved(r):
    """status 0, or 1 with a message; never a signal, a hang or a sanitizer report"""
    if r.timed_out or r.signal is not None or r.status not in (0, 1):
        return False
    if any(m in r.stderr for m in SANITIZER_MARKS):
        return False
    return r.status == 0 or bool(r.stderr.strip())


def sanitizer_env():
    """sanitizer reports must end the run as a signal, not as exit status 1"""
    env = dict(os.environ)
    env.setdefault('ASAN_OPTIONS', 'abort_on_error=1:detect_leaks=1')
    env.setdefault('UBSAN_OPTIONS', 'halt_on_error=1:abort_on_error=1:print_stacktrace=1')
    env['XDG_CONFIG_HOME'] = env.get('MPTCPA_TEST_XDG', '/nonexistent')
    return env


if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('kind', choices=sorted(KINDS))
    ap.add_argument('count', type=int)
    ap.add_argument('out')
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    generate(a.kind, a.count, a.out, a.seed)
