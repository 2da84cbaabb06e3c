#!/usr/bin/env python3
"""test_damaged.py - damaged captures never crash the programs (TAP).

    test_damaged.py SOURCE_ROOT EXPORTER [ANALYZER]

A small real capture (the first 60 packets of examples/basic-client.pcap, or
a generated MPTCP exchange when the examples are absent) and the same packets
as pcapng are cut at every offset of their first 200 bytes and at every 7th
byte after, and 300 copies get random byte changes (fixed seed).  Each file
goes through mptcpexporter (and `mptcpanalyzer -l FILE list_tcp_connections`
when given): every run must end with status 0, or 1 with a message on stderr,
within 10 s, with no signal and no sanitizer report.  A cut file must still
export the packets before the cut, with a warning when the cut falls inside a
record: the test checks the exact packet numbers written.
"""
import os
import random
import shutil
import struct
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

N_PACKETS = 60
FLIPS = 300


def small_capture(root, tmp):
    """(pcap bytes, [(record end offset)...]) of the small real capture"""
    src = os.path.join(root, 'examples', 'basic-client.pcap')
    if not os.path.exists(src):
        src = os.path.join(tmp, 'generated.pcap')
        hostile.generate('small', N_PACKETS, src)
    raw = open(src, 'rb').read()
    off, ends = 24, []
    while len(ends) < N_PACKETS and off + 16 <= len(raw):
        incl = struct.unpack('<I', raw[off + 8:off + 12])[0]
        off += 16 + incl
        ends.append(off)
    return raw[:off], ends


def to_pcapng(pcap):
    """the same packets as pcapng: section header, one interface, EPBs"""
    def block(btype, body):
        body += b'\0' * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack('<II', btype, n) + body + struct.pack('<I', n)
    dlt = struct.unpack('<I', pcap[20:24])[0]
    out = [block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack('<HHI', dlt, 0, 0))]
    off, ends = 24, []
    size = len(out[0]) + len(out[1])
    while off + 16 <= len(pcap):
        sec, usec, incl, orig = struct.unpack('<IIII', pcap[off:off + 16])
        ts = sec * 1000000 + usec
        b = block(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff, incl, orig) + pcap[off + 16:off + 16 + incl])
        out.append(b)
        size += len(b)
        ends.append(size)
        off += 16 + incl
    return b''.join(out), ends, len(out[0]) + len(out[1])


def expected_cut(cut, ends, header):
    """(status, complete records, warning expected) for a file cut at `cut`"""
    k = sum(1 for e in ends if e <= cut)
    if cut < header:
        return 1, 0, False
    boundary = cut == header or cut in ends
    if boundary:
        return (1 if k == 0 else 0), k, False
    return 0, k, True


def exporter_rows(r):
    lines = r.stdout.decode('utf-8', 'replace').splitlines()
    return [int(x) for x in lines[1:] if x.strip().isdigit()], lines[:1]


def check_cut(exporter, path, cut, ends, header, kind):
    status, k, warn = expected_cut(cut, ends, header)
    r = hostile.run([exporter, '-f', 'packetid', path], keep_stdout=True, env=hostile.sanitizer_env())
    problems = []
    if not hostile.behaved(r):
        problems.append('misbehaved: ' + r.describe())
    elif r.status != status:
        problems.append(f'status {r.status}, expected {status}: {r.stderr.strip()[:300]}')
    elif status == 0:
        rows, head = exporter_rows(r)
        if head != ['packetid'] or rows != list(range(1, k + 1)):
            problems.append(f'rows {rows[:3]}..{rows[-3:]} ({len(rows)}), expected 1..{k}')
        has_warning = 'warning' in r.stderr and f'after frame {k} ' in r.stderr
        if warn != has_warning:
            problems.append(f'warning expected: {warn}; stderr: {r.stderr.strip()[:300]!r}')
    return f'{kind} cut at {cut}', problems


def run_all(jobs, pool):
    return list(pool.map(lambda j: j(), jobs))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, exporter = sys.argv[1], sys.argv[2]
    analyzer = sys.argv[3] if len(sys.argv) > 3 else None
    tap = hostile.Tap()
    tmp = tempfile.mkdtemp(prefix='mptcpa-damaged-')
    try:
        pcap, pcap_ends = small_capture(root, tmp)
        ng, ng_ends, ng_header = to_pcapng(pcap)
        pool = ThreadPoolExecutor(max_workers=2)

        # the intact files export every packet, without a warning
        for name, data in (('pcap', pcap), ('pcapng', ng)):
            path = os.path.join(tmp, 'whole.' + name)
            open(path, 'wb').write(data)
            r = hostile.run([exporter, '-f', 'packetid', path], keep_stdout=True, env=hostile.sanitizer_env())
            rows, _ = exporter_rows(r)
            tap.ok(r.status == 0 and rows == list(range(1, N_PACKETS + 1)) and not r.stderr.strip(),
                   f'intact {name}: {N_PACKETS} packets, no warning', r.describe())

        # cut files: every offset of the first 200 bytes, every 7th after
        for name, data, ends, header in (('pcap', pcap, pcap_ends, 24), ('pcapng', ng, ng_ends, ng_header)):
            cuts = sorted(set(range(0, min(200, len(data)))) | set(range(200, len(data), 7)))

            def job(cut, name=name, data=data, ends=ends, header=header):
                path = os.path.join(tmp, f'cut-{name}-{cut}')
                with open(path, 'wb') as f:
                    f.write(data[:cut])
                res = check_cut(exporter, path, cut, ends, header, name)
                os.unlink(path)
                return res
            results = run_all([lambda c=c: job(c) for c in cuts], pool)
            bad = [(n, p) for n, p in results if p]
            tap.ok(not bad, f'{name} cut at {len(cuts)} offsets: status, rows before the cut, warning',
                   '\n'.join(f'{n}: {"; ".join(p)}' for n, p in bad[:10]))

        # random byte changes, fixed seed
        rng = random.Random(20240601)
        variants = []
        for i in range(FLIPS):
            base = pcap if i % 3 else ng
            b = bytearray(base)
            for _ in range(rng.choice([1, 1, 2, 4, 8, 32])):
                pos = rng.randrange(len(b)) if rng.random() < 0.9 else rng.randrange(min(64, len(b)))
                b[pos] = rng.getrandbits(8)
            variants.append(bytes(b))

        def flip_job(i):
            path = os.path.join(tmp, f'flip-{i}.pcap')
            with open(path, 'wb') as f:
                f.write(variants[i])
            out = []
            r = hostile.run([exporter, path], env=hostile.sanitizer_env())
            if not hostile.behaved(r):
                out.append(f'flip {i} mptcpexporter: {r.describe()}')
            if analyzer:
                cache = os.path.join(tmp, f'cache-{i}')
                for attempt in ('load', 'from cache') if i < 30 else ('load',):
                    r = hostile.run([analyzer, '--cachedir', cache, '-l', path, 'list_tcp_connections'],
                                    env=hostile.sanitizer_env())
                    if not hostile.behaved(r):
                        out.append(f'flip {i} mptcpanalyzer ({attempt}): {r.describe()}')
                shutil.rmtree(cache, ignore_errors=True)
            os.unlink(path)
            return out
        failures = [f for fs in run_all([lambda i=i: flip_job(i) for i in range(FLIPS)], pool) for f in fs]
        tap.ok(not failures, f'{FLIPS} captures with random byte changes: status 0 or 1 with a message, no signal, no hang',
               '\n'.join(failures[:10]))
        if not analyzer:
            tap.skip('mptcpanalyzer on damaged captures', 'mptcpanalyzer not built')

        # mptcpanalyzer on cut files, a sample of offsets
        if analyzer:
            def an_job(cut):
                path = os.path.join(tmp, f'an-cut-{cut}.pcap')
                with open(path, 'wb') as f:
                    f.write(pcap[:cut])
                r = hostile.run([analyzer, '--cachedir', os.path.join(tmp, 'an-cache'), '-l', path,
                                 'list_tcp_connections'], env=hostile.sanitizer_env())
                os.unlink(path)
                return None if hostile.behaved(r) else f'cut {cut}: {r.describe()}'
            cuts = list(range(0, 60)) + list(range(60, len(pcap), 97))
            bad = [b for b in run_all([lambda c=c: an_job(c) for c in cuts], pool) if b]
            tap.ok(not bad, f'mptcpanalyzer list_tcp_connections on {len(cuts)} cut captures', '\n'.join(bad[:10]))
            # a cut inside a record: the connections before it, and a warning
            cut = pcap_ends[N_PACKETS // 2] - 5
            path = os.path.join(tmp, 'an-cut.pcap')
            with open(path, 'wb') as f:
                f.write(pcap[:cut])
            r = hostile.run([analyzer, '--cachedir', os.path.join(tmp, 'an-cache'), '-l', path,
                             'list_tcp_connections'], env=hostile.sanitizer_env(), keep_stdout=True)
            tap.ok(r.status == 0 and f'after frame {N_PACKETS // 2} ' in r.stderr and b'tcp.stream 0' in r.stdout,
                   'mptcpanalyzer on a cut capture: warning naming the last frame, connections listed',
                   r.describe() + ' stdout: ' + r.stdout.decode()[:200])
        pool.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.done()


if __name__ == '__main__':
    main()
