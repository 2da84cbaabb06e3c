#!/usr/bin/env python3
"""make_corpus.py - (re)builds the seed corpora of the fuzz targets in
tests/fuzz/corpus/<target>/ from the project's real captures, plus crafted
MPTCP options.  Only the standard library: the pcap/pcapng reading is the
minimum needed here.  The committed corpus was made with

    tests/fuzz/make_corpus.py [--shared DIR] [--out DIR]

(default: <source>/../shared/captures and tests/fuzz/corpus).  Seeds of
fuzz_cache and fuzz_csv_load need the built programs (see README.md:
FUZZ_CACHE_SEED=CAPTURE:OUT replay_fuzz_cache, mptcpexporter).

Each seed is kept under 4 KB: captures are cut to their first ~30 packets (or
the first packets carrying interesting MPTCP options) with a 96-byte snap
length.
"""
import argparse
import hashlib
import os
import struct
import sys

MAX_SEED = 4000
PER_SOURCE = 10  # distinct option layouts taken from each capture
SNAP = 96

DLT_NULL, DLT_EN10MB, DLT_RAW, DLT_SLL, DLT_SLL2 = 0, 1, 101, 113, 276
DLT_PPP, DLT_LOOP = 9, 108
# index of each DLT in fuzz_decode_frame.c's table (low 4 bits of byte 0)
DECODE_DLT_INDEX = {DLT_EN10MB: 0, DLT_SLL: 1, DLT_SLL2: 2, DLT_PPP: 3, 12: 5, DLT_RAW: 7,
                    228: 8, 229: 9, DLT_NULL: 10, DLT_LOOP: 11}


# ---------------------------------------------------------------- reading

class Capture:
    def __init__(self, dlt, frames, ng_blocks=None):
        self.dlt = dlt
        self.frames = frames          # list of (ts_sec, ts_usec, wirelen, data)
        self.ng_blocks = ng_blocks    # pcapng: (header blocks, packet blocks)


def read_pcap(raw):
    magic = raw[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return None
    nsec = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    dlt = struct.unpack(e + 'I', raw[20:24])[0] & 0x0fffffff
    off, frames = 24, []
    while off + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', raw[off:off + 16])
        data = raw[off + 16:off + 16 + incl]
        if len(data) < incl:
            break
        frames.append((sec, frac // 1000 if nsec else frac, orig, data))
        off += 16 + incl
    return Capture(dlt, frames)


def read_pcapng(raw):
    if raw[:4] != b'\x0a\x0d\x0d\x0a':
        return None
    e = '<' if raw[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
    off, head, packets, dlt, frames = 0, [], [], None, []
    while off + 12 <= len(raw):
        btype, blen = struct.unpack(e + 'II', raw[off:off + 8])
        if blen < 12 or off + blen > len(raw):
            break
        block = raw[off:off + blen]
        if btype == 1 and dlt is None:
            dlt = struct.unpack(e + 'H', block[8:10])[0]
        if btype == 6:
            _, _, hi, lo, incl, orig = struct.unpack(e + 'IIIIII', block[8:32])
            packets.append(block)
            ts = (hi << 32 | lo)
            frames.append((ts // 1000000, ts % 1000000, orig, block[28:28 + incl]))
        elif not packets:
            head.append(block)
        off += blen
    return Capture(dlt, frames, (head, packets))


def read_capture(path):
    with open(path, 'rb') as f:
        raw = f.read()
    return read_pcap(raw) or read_pcapng(raw)


# ---------------------------------------------------------------- writing

def pcap_bytes(dlt, frames, snap=SNAP, endian='<', nsec=False):
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    out = [struct.pack(endian + 'IHHiIII', magic, 2, 4, 0, 0, 65535, dlt)]
    for sec, usec, orig, data in frames:
        data = data[:snap]
        frac = usec * 1000 if nsec else usec
        out.append(struct.pack(endian + 'IIII', sec, frac, len(data), max(orig, len(data))) + data)
    return b''.join(out)


def fit(make, items, limit=MAX_SEED):
    """the longest prefix of items whose encoding stays under limit"""
    n = len(items)
    while n > 0 and len(make(items[:n])) > limit:
        n -= 1
    return make(items[:n]) if n else None


# ---------------------------------------------------------------- dissecting

def ip_offset(dlt, frame):
    if dlt == DLT_EN10MB:
        off, etype = 12, frame[12:14]
        while etype in (b'\x81\x00', b'\x88\xa8'):
            off += 4
            etype = frame[off:off + 2]
        return off + 2 if etype in (b'\x08\x00', b'\x86\xdd') else None
    if dlt == DLT_SLL:
        return 16
    if dlt == DLT_SLL2:
        return 20
    if dlt in (DLT_RAW, 12, 14, 228, 229):
        return 0
    if dlt in (DLT_NULL, DLT_LOOP):
        return 4
    return None


def tcp_header(ip):
    """(tcp header bytes incl. options, flags) or None"""
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        tcp = ip[ihl:]
    elif ip[0] >> 4 == 6 and len(ip) >= 40 and ip[6] == 6:
        tcp = ip[40:]
    else:
        return None
    if len(tcp) < 20:
        return None
    doff = (tcp[12] >> 4) * 4
    return tcp[:doff], tcp[13]


def tcp_options(hdr):
    """list of (kind, bytes) of the option area"""
    opts, area, off = [], hdr[20:], 0
    while off < len(area):
        kind = area[off]
        if kind == 0:
            break
        if kind == 1:
            off += 1
            continue
        if off + 1 >= len(area) or area[off + 1] < 2:
            break
        n = area[off + 1]
        opts.append((kind, area[off:off + n]))
        off += n
    return opts


def mptcp_subtypes(dlt, frame):
    off = ip_offset(dlt, frame)
    th = tcp_header(frame[off:]) if off is not None else None
    if not th:
        return set()
    return {o[2] >> 4 for k, o in tcp_options(th[0]) if k == 30 and len(o) > 2}


# ---------------------------------------------------------------- seeds

class Corpus:
    def __init__(self, out):
        self.out = out
        self.seen = set()

    def add(self, target, name, data):
        if data is None or len(data) > MAX_SEED:
            return
        digest = hashlib.sha1(data).hexdigest()[:12]
        if (target, digest) in self.seen:
            return
        self.seen.add((target, digest))
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f'{name}-{digest}'), 'wb') as f:
            f.write(data)


def track_records(dlt, frames):
    out = []
    for sec, usec, orig, data in frames:
        off = ip_offset(dlt, data)
        if off is None:
            continue
        ip = data[off:off + SNAP]
        out.append(struct.pack('>BH', 1, len(ip)) + ip)
    return b''.join(out)


def interesting(cap):
    """frames with options other than plain DSS, plus the first data ones"""
    keep = []
    dss = 0
    for fr in cap.frames:
        subs = mptcp_subtypes(cap.dlt, fr[3])
        if subs - {2}:
            keep.append(fr)
        elif 2 in subs and dss < 4:
            dss += 1
            keep.append(fr)
    return keep


def pcapng_seed(cap, n):
    head, packets = cap.ng_blocks
    out = b''.join(head)
    for b in packets[:n]:
        if len(out) + len(b) > MAX_SEED:
            break
        out += b
    return out


def capture_seeds(corpus, name, cap):
    if cap.ng_blocks:
        corpus.add('fuzz_capture', name + '-head', pcapng_seed(cap, 30))
    else:
        head = cap.frames[:30]
        corpus.add('fuzz_capture', name + '-head', fit(lambda f: pcap_bytes(cap.dlt, f), head))
        corpus.add('fuzz_capture', name + '-mptcp',
                   fit(lambda f: pcap_bytes(cap.dlt, f), interesting(cap)[:30]))
    corpus.add('fuzz_track', name + '-head', fit(lambda f: track_records(cap.dlt, f), cap.frames[:40]))
    corpus.add('fuzz_track', name + '-mptcp', fit(lambda f: track_records(cap.dlt, f), interesting(cap)[:40]))


def wrap_link(dlt, ip):
    v6 = ip[0] >> 4 == 6
    if dlt == DLT_EN10MB:
        return b'\x02\0\0\0\0\x01\x02\0\0\0\0\x02' + (b'\x86\xdd' if v6 else b'\x08\x00') + ip
    if dlt == DLT_SLL:
        return struct.pack('>HHH8sH', 0, 1, 6, b'\x02\0\0\0\0\x01\0\0', 0x86dd if v6 else 0x0800) + ip
    if dlt == DLT_SLL2:
        return struct.pack('>HHIHBB8s', 0x86dd if v6 else 0x0800, 0, 2, 1, 0, 6, b'\x02\0\0\0\0\x01\0\0') + ip
    if dlt == DLT_PPP:
        return b'\xff\x03' + (b'\x00\x57' if v6 else b'\x00\x21') + ip
    if dlt == DLT_NULL:
        return struct.pack('<I', 10 if v6 else 2) + ip
    if dlt == DLT_LOOP:
        return struct.pack('>I', 10 if v6 else 2) + ip
    return ip


def frame_seeds(corpus, name, cap):
    """single frames for the decoders, options for the option decoders"""
    kinds = {}
    for sec, usec, orig, data in cap.frames:
        off = ip_offset(cap.dlt, data)
        th = tcp_header(data[off:]) if off is not None else None
        if not th:
            continue
        hdr, flags = th
        opts = tcp_options(hdr)
        key = tuple(sorted((k, o[2] >> 4 if k == 30 and len(o) > 2 else 0, len(o)) for k, o in opts)) + (flags & 0x17,)
        if key in kinds:
            continue
        kinds[key] = True
        if len(kinds) > PER_SOURCE:
            break
        ip = data[off:off + SNAP]
        dlts = list(DECODE_DLT_INDEX)
        dlt = dlts[len(kinds) % len(dlts)]
        if dlt in (228, 12) and ip[0] >> 4 == 6:
            dlt = 229
        corpus.add('fuzz_decode_frame', name, bytes([DECODE_DLT_INDEX[dlt]]) + wrap_link(dlt, ip))
        corpus.add('fuzz_tcp_options', name, bytes([flags]) + hdr[20:])
        for k, o in opts:
            if k == 30:
                corpus.add('fuzz_mptcp_option', name, bytes([flags]) + o)


# crafted MPTCP options: (tcp flags, option bytes)
SYN, SYNACK, ACK = 0x02, 0x12, 0x10
KEY_A = bytes.fromhex('c6332267c77bb5d2')
KEY_B = bytes.fromhex('0123456789abcdef')


def opt(subtype_byte, body):
    return bytes([30, 3 + len(body), subtype_byte]) + body


CRAFTED = [
    (SYN, opt(0x00, b'\x81' + KEY_A)),                    # MP_CAPABLE v0 SYN
    (ACK, opt(0x00, b'\x81' + KEY_A + KEY_B)),            # v0 third ACK
    (SYN, opt(0x01, b'\x81')),                            # v1 SYN, no key
    (SYNACK, opt(0x01, b'\x81' + KEY_B)),                 # v1 SYN/ACK
    (ACK, opt(0x01, b'\x81' + KEY_A + KEY_B)),            # v1 ACK
    (ACK | 0x08, opt(0x01, b'\x81' + KEY_A + KEY_B + b'\x05\xa0')),          # + data length
    (ACK | 0x08, opt(0x01, b'\xa1' + KEY_A + KEY_B + b'\x05\xa0\xbe\xef')),  # + checksum
    (SYN, opt(0x11, b'\x02' + b'\x11\x22\x33\x44' + b'\xaa\xbb\xcc\xdd')),  # MP_JOIN SYN B=1
    (SYNACK, opt(0x10, b'\x02' + KEY_A + b'\xaa\xbb\xcc\xdd')),             # SYN/ACK
    (ACK, opt(0x10, b'\x00' + bytes(range(20)))),                           # ACK
    (ACK, opt(0x20, b'\x01' + b'\x00\x00\x10\x00')),                         # DSS A
    (ACK, opt(0x20, b'\x03' + KEY_A)),                                       # DSS A a
    (ACK, opt(0x20, b'\x04' + b'\x00\x00\x00\x01' + b'\x00\x00\x00\x01' + b'\x05\xa0')),  # M
    (ACK, opt(0x20, b'\x0c' + KEY_A + b'\x00\x00\x00\x01' + b'\x05\xa0')),               # M m
    (ACK, opt(0x20, b'\x1f' + KEY_B + KEY_A + b'\x00\x00\x00\x01' + b'\x00\x00')),       # all, infinite
    (ACK, opt(0x20, b'\x05' + b'\x00\x00\x10\x00' * 3 + b'\x05\xa0\x12\x34')),          # + checksum
    (ACK, opt(0x30, b'\x01' + bytes([198, 19, 2, 1]))),                      # ADD_ADDR v1 v4
    (ACK, opt(0x30, b'\x01' + bytes([198, 19, 2, 1]) + b'\x14\xb4')),       # + port
    (ACK, opt(0x30, b'\x01' + bytes([198, 19, 2, 1]) + KEY_A)),             # + HMAC
    (ACK, opt(0x30, b'\x02' + bytes([198, 19, 2, 1]) + b'\x14\xb4' + KEY_A)),
    (ACK, opt(0x31, b'\x01' + bytes([198, 19, 2, 1]))),                      # echo
    (ACK, opt(0x30, b'\x03' + bytes(range(16)) + KEY_B)),                   # v6 + HMAC
    (ACK, opt(0x30, b'\x03' + bytes(range(16)) + b'\x14\xb4' + KEY_B)),
    (ACK, opt(0x34, b'\x01' + bytes([10, 0, 0, 1]))),                        # v0 IPv4
    (ACK, opt(0x34, b'\x01' + bytes([10, 0, 0, 1]) + b'\x00\x50')),
    (ACK, opt(0x36, b'\x01' + bytes(range(16)))),                           # v0 IPv6
    (ACK, opt(0x36, b'\x01' + bytes(range(16)) + b'\x00\x50')),
    (ACK, opt(0x40, b'\x02')),                                               # REMOVE_ADDR
    (ACK, opt(0x40, bytes(range(1, 38)))),                                   # 37 ids
    (ACK, opt(0x51, b'')),                                                   # MP_PRIO
    (ACK, opt(0x50, b'\x02')),                                               # v0 with id
    (ACK | 0x04, opt(0x60, b'\x00' + KEY_A)),                                # MP_FAIL
    (ACK | 0x04, opt(0x70, b'\x00' + KEY_B)),                                # MP_FASTCLOSE
    (ACK | 0x04, opt(0x81, b'\x03')),                                        # MP_TCPRST
    (ACK, opt(0xf0, b'\x00\x01\x02')),                                       # experimental
    (ACK, bytes([30, 2])),                                                   # too short
    (ACK, bytes([30, 40, 0x20, 0x01]) + bytes(36)),                         # absurd length
]


def crafted_seeds(corpus):
    for i, (flags, o) in enumerate(CRAFTED):
        corpus.add('fuzz_mptcp_option', f'crafted{i:02d}', bytes([flags]) + o)
    # whole option areas: MSS/SACK-perm/TS/NOP/WS + MP_CAPABLE, a full 40-byte area
    syn_area = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10]) + bytes(8) + bytes([1, 3, 3, 7]) + CRAFTED[0][1]
    corpus.add('fuzz_tcp_options', 'crafted-syn', bytes([SYN]) + syn_area)
    data_area = bytes([1, 1, 5, 10]) + bytes(8) + bytes([8, 10]) + bytes(8) + CRAFTED[13][1][:16]
    corpus.add('fuzz_tcp_options', 'crafted-full', bytes([ACK]) + data_area[:40])
    corpus.add('fuzz_tcp_options', 'crafted-sack4', bytes([ACK, 1, 1, 5, 34]) + bytes(32) + bytes([0, 0]))
    for i, (flags, o) in enumerate(CRAFTED[::4]):
        corpus.add('fuzz_tcp_options', f'crafted-mptcp{i}', bytes([flags]) + o + bytes([1, 1, 0]))


def reader_variants(corpus, cap):
    """the same packets as big-endian and nanosecond pcap files"""
    frames = cap.frames[:12]
    corpus.add('fuzz_capture', 'variant-be', fit(lambda f: pcap_bytes(cap.dlt, f, endian='>'), frames))
    corpus.add('fuzz_capture', 'variant-ns', fit(lambda f: pcap_bytes(cap.dlt, f, nsec=True), frames))
    corpus.add('fuzz_capture', 'variant-cut', pcap_bytes(cap.dlt, frames)[:-7])
    corpus.add('fuzz_capture', 'variant-raw', fit(
        lambda f: pcap_bytes(DLT_RAW, [(s, u, o, d[ip_offset(cap.dlt, d):]) for s, u, o, d in f]), frames))
    for dlt in (DLT_SLL2, DLT_NULL, DLT_LOOP, DLT_PPP):
        wrapped = [(s, u, o, wrap_link(dlt, d[ip_offset(cap.dlt, d):])) for s, u, o, d in frames]
        corpus.add('fuzz_capture', f'variant-dlt{dlt}', fit(lambda f, dlt=dlt: pcap_bytes(dlt, f), wrapped))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--shared', default=os.path.join(root, '..', 'shared', 'captures'))
    ap.add_argument('--out', default=os.path.join(here, 'corpus'))
    a = ap.parse_args()
    corpus = Corpus(a.out)
    sources = []
    for sub in ('v1', 'v0'):
        d = os.path.join(a.shared, sub)
        if os.path.isdir(d):
            sources += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(('.pcap', '.pcapng'))]
    ex = os.path.join(root, 'examples')
    if os.path.isdir(ex):
        sources += [os.path.join(ex, f) for f in sorted(os.listdir(ex)) if f.endswith('.pcap')]
    if not sources:
        sys.exit('make_corpus.py: no capture found (--shared DIR)')
    first = None
    for path in sources:
        cap = read_capture(path)
        if not cap or not cap.frames:
            continue
        name = os.path.basename(os.path.dirname(path)) + '-' + os.path.basename(path).split('.')[0]
        if path.endswith('.pcapng'):
            name += '-ng'
        capture_seeds(corpus, name, cap)
        frame_seeds(corpus, name, cap)
        if first is None and cap.dlt == DLT_EN10MB and not cap.ng_blocks:
            first = cap
    if first:
        reader_variants(corpus, first)
    crafted_seeds(corpus)
    total = 0
    for target in sorted(os.listdir(a.out)):
        files = os.listdir(os.path.join(a.out, target))
        size = sum(os.path.getsize(os.path.join(a.out, target, f)) for f in files)
        total += size
        print(f'{target}: {len(files)} seeds, {size} bytes')
    print(f'total {total} bytes')


if __name__ == '__main__':
    main()
