"""tshark_model.py - a model of tshark 4.0.17's TCP and MPTCP analysis, used by
the differential test (tshark_diff.py) to tell tshark's bugs from ours.

The model replays what `tshark -2` computes for tcp.stream, tcp.seq, tcp.ack,
tcp.window_size, mptcp.stream, mptcp.expected_token, mptcp.rawdsn64,
mptcp.dsn, mptcp.ack, mptcp.related_mapping, mptcp.reinjection_of and
mptcp.reinjected_in.  Its input is the raw columns of the reference TSV
(addresses, ports, flags, raw seq/ack, tcp.len, raw MPTCP option fields) plus
three raw columns that the reference lacks and that mptcpexporter provides
(tcp.window_size_value, tcp.options.wscale.shift, tcp.options.mptcp.dss.flags).

Switches turn off one tshark bug each, or apply one of our deliberate rules
instead of tshark's; each switch is named in SWITCHES.  With no switch on, the
model reproduces the reference TSVs exactly (a disagreement is a model gap).
With a switch on, it shows what tshark would print without that bug, so the
differential test can say "ours == tshark-without-bug-X".

Written for mptcpanalyzer (GPL-3.0-or-later) from a reading of the behaviour of
Wireshark 4.0.17 (epan/dissectors/packet-tcp.c, wsutil/wmem/wmem_interval_tree.c
and wmem_tree.c, GPL-2.0-or-later); no Wireshark code is copied.  The rules it
follows, the bugs and a sample packet for each are in TSHARK-BUGS.md.
"""
import hashlib
import ipaddress

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1
HI32 = M64 ^ M32

TH_SYN, TH_ACK = 0x02, 0x10

# tcp_flow_t.static_flags: SAW_SYN and SAW_SYNACK include BASE_SEQ_SET
BASE_SEQ_SET, SAW_SYN, SAW_SYNACK = 0x01, 0x03, 0x05
# mptcp_meta_flow_t.static_flags: HAS_KEY (0x03) includes HAS_BASE_DSN_MSB (0x01)
HAS_BASE_DSN_MSB, HAS_KEY, HAS_TOKEN = 0x01, 0x03, 0x04

# DSS flags byte as exported by mptcpexporter
DSS_A, DSS_a, DSS_M, DSS_m = 0x01, 0x02, 0x04, 0x08

# Every switch: name -> what it changes.  tshark_known.py gives each one its
# kind name and the reason.
SWITCHES = {
    'swap': 'MP_JOIN SYN meta swap done once per subflow, not again in pass 2',
    'widen': 'DSS 32->64 widening keyed on the DSN-is-8-bytes flag (m), not on a',
    'tree': 'interval lookups that never miss (no stale max_edge pruning)',
    'replace': 'DSN->packet store keeps every packet but same-subflow copies (first wins)',
    'optionless': 'packets without MPTCP option get mptcp.stream, and a DSN if they carry data',
    'nosyn': 'DSN shown in directions whose first captured packet was not a SYN',
    'infinite': 'infinite mappings kept; after one, the last mapping goes on past its end',
    'late': 'packets registered for reinjection lookups once every mapping is known',
}

FIELDS = ('tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.window_size', 'mptcp.stream',
          'mptcp.expected_token', 'mptcp.rawdsn64', 'mptcp.dsn', 'mptcp.ack',
          'mptcp.related_mapping', 'mptcp.reinjection_of', 'mptcp.reinjected_in')


class ModelError(Exception):
    """A state that makes tshark assert (DISSECTOR_ASSERT): never seen here."""


# ---------------------------------------------------------------------------
# Interval tree: wmem_itree on a red-black wmem_tree, keyed by `low` only.
# Quirks kept on purpose: inserting an existing low replaces the data and keeps
# the node's old range; max_edge is refreshed only on the inserted node (and
# its ancestors while it changes) and on the children of a node rotated down,
# so it can be too small and a search then prunes a subtree holding a match.
# find() returns matches in reverse pre-order (tshark prepends).
# exact=True keeps max_edge right instead (switch 'tree'): same tree, same
# order, no missed match.

class _Node:
    __slots__ = ('low', 'high', 'max_edge', 'data', 'left', 'right', 'parent', 'red')

    def __init__(self, low, high, data, parent, red):
        self.low = low
        self.high = high
        self.max_edge = 0
        self.data = data
        self.left = self.right = None
        self.parent = parent
        self.red = red


def _own_max_edge(node):
    m = node.high
    if node.left is not None and node.left.max_edge > m:
        m = node.left.max_edge
    if node.right is not None and node.right.max_edge > m:
        m = node.right.max_edge
    return m


def _update_max_edge(node):
    while node is not None:
        m = node.high
        if node.left is not None and node.left.max_edge > m:
            m = node.left.max_edge
        if node.right is not None and node.right.max_edge > m:
            m = node.right.max_edge
        if node.max_edge == m:
            return
        node.max_edge = m
        node = node.parent


class IntervalTree:
    __slots__ = ('root', 'exact', 'multi')

    def __init__(self, exact=False, multi=False):
        self.root = None
        self.exact = exact      # max_edge kept right (switch 'tree')
        self.multi = multi      # same low: keep every (high, data) (switch 'replace')

    def _after_rotation(self, node):
        if self.exact:          # node went down: its subtree and its parent's changed
            node.max_edge = _own_max_edge(node)
            node.parent.max_edge = _own_max_edge(node.parent)
            return
        if node.left is not None:
            _update_max_edge(node.left)
        if node.right is not None:
            _update_max_edge(node.right)

    def _rotate_left(self, node):
        up = node.right
        if node.parent is None:
            self.root = up
        elif node.parent.left is node:
            node.parent.left = up
        else:
            node.parent.right = up
        up.parent = node.parent
        node.parent = up
        node.right = up.left
        if node.right is not None:
            node.right.parent = node
        up.left = node
        self._after_rotation(node)

    def _rotate_right(self, node):
        up = node.left
        if node.parent is None:
            self.root = up
        elif node.parent.left is node:
            node.parent.left = up
        else:
            node.parent.right = up
        up.parent = node.parent
        node.parent = up
        node.left = up.right
        if node.left is not None:
            node.left.parent = node
        up.right = node
        self._after_rotation(node)

    def _rebalance(self, node):
        """Red-black insert fix-up (wmem_tree.c's rb_insert_case1..5)."""
        while True:
            parent = node.parent
            if parent is None:
                node.red = False
                return
            if not parent.red:
                return
            grand = parent.parent
            uncle = None if grand is None else (grand.right if parent is grand.left else grand.left)
            if uncle is not None and uncle.red:
                parent.red = uncle.red = False
                grand.red = True
                node = grand
                continue
            if grand is None:
                return
            if node is parent.right and parent is grand.left:
                self._rotate_left(parent)
                node = node.left
            elif node is parent.left and parent is grand.right:
                self._rotate_right(parent)
                node = node.right
            parent = node.parent
            grand = parent.parent
            parent.red = False
            grand.red = True
            if node is parent.left and parent is grand.left:
                self._rotate_right(grand)
            else:
                self._rotate_left(grand)
            return

    def insert(self, low, high, data):
        item = [(high, data)] if self.multi else data
        node = self.root
        if node is None:
            self.root = node = _Node(low, high, item, None, False)
            _update_max_edge(node)
            return
        while True:
            if low == node.low:
                if self.multi:
                    node.data.append((high, data))
                    node.high = max(node.high, high)
                else:
                    node.data = data        # tshark: new data, old range
                _update_max_edge(node)
                return
            nxt = node.left if low < node.low else node.right
            if nxt is None:
                new = _Node(low, high, item, node, True)
                if low < node.low:
                    node.left = new
                else:
                    node.right = new
                break
            node = nxt
        if self.exact:
            _update_max_edge(new)
        self._rebalance(new)
        _update_max_edge(new)

    def find(self, low, high):
        """Data of every node overlapping [low, high], in tshark's order."""
        out = []
        self._walk(self.root, low, high, out)
        out.reverse()
        if self.multi:
            return [d for lst in out for (h, d) in lst if low <= h]
        return out

    def _walk(self, node, low, high, out):
        # tshark walks every right subtree; skipping those whose lows are all
        # above `high` finds the same matches, in the same order, faster
        while node is not None:
            if low > node.max_edge:
                return
            if node.low <= high and low <= node.high:
                out.append(node.data)
            self._walk(node.left, low, high, out)
            if node.low > high:
                return
            node = node.right


# ---------------------------------------------------------------------------
# Packets

def ints(s):
    return [int(x) for x in s.split(',')] if s else []


def _addr(s):
    # ICMP errors quote a header: the innermost (last) address is the TCP one
    return ipaddress.ip_address(s.split(',')[-1]).packed


class Packet:
    __slots__ = ('num', 'family', 'src', 'dst', 'sport', 'dport', 'flags', 'seq', 'ack',
                 'seglen', 'win', 'wscale', 'quoted', 'opts')


class Option:
    """One MPTCP option: subtype, optlen (as tshark would see it) and fields."""
    __slots__ = ('subtype', 'optlen', 'version', 'key', 'recvkey', 'token', 'dlen',
                 'A', 'a', 'M', 'm', 'rawack', 'dsn', 'ssn')

    def __init__(self, subtype):
        self.subtype = subtype
        self.optlen = 0


def make_packet(ref, raw):
    """ref: a reference TSV row (dict); raw: (window_size_value, [wscale shift],
    dss flags byte or None), from our exporter; None for an ICMP-quoted row."""
    p = Packet()
    p.num = int(ref['frame.number'])
    v4 = bool(ref['ip.src'])
    src = ref['ip.src'] if v4 else ref['ipv6.src']
    p.family = 4 if v4 else 6
    p.src = _addr(src)
    p.dst = _addr(ref['ip.dst'] if v4 else ref['ipv6.dst'])
    p.quoted = ',' in src
    p.sport = int(ref['tcp.srcport'])
    p.dport = int(ref['tcp.dstport'])
    p.flags = int(ref['tcp.flags'], 16)
    # a quoted header shows the raw seq in tcp.seq and has no seq_raw, no tcp.len
    p.seq = int(ref['tcp.seq'] if p.quoted else ref['tcp.seq_raw'])
    p.ack = int(ref['tcp.ack_raw'])
    p.seglen = 0 if p.quoted else int(ref['tcp.len'])
    if raw is None:     # quoted header: no scaling anyway, no WS option seen
        p.win, p.wscale, dss = int(ref['tcp.window_size'] or 0), [], None
    else:
        p.win, p.wscale, dss = raw
    p.opts = _options(ref, p.flags, dss)
    return p


def _options(ref, tcpflags, dss):
    subs = ints(ref['tcp.options.mptcp.subtype'])
    if not subs:
        return ()
    f = {k: ints(ref['tcp.options.mptcp.' + k]) for k in
         ('version', 'sendkey', 'recvkey', 'recvtok', 'rawdataseqno', 'rawdataack',
          'subflowseqno', 'datalvllen')}
    opts = []
    for i, st in enumerate(subs):
        o = Option(st)
        if st == 0:                                   # MP_CAPABLE
            o.version = f['version'].pop(0)
            if f['sendkey']:
                o.key = f['sendkey'].pop(0)
                o.optlen = 12
                # a recvkey belongs to a later MP_FASTCLOSE when that one owns the only value
                if f['recvkey'] and not (7 in subs[i + 1:] and len(f['recvkey']) == 1):
                    o.recvkey = f['recvkey'].pop(0)
                    o.optlen = 20
                    if f['datalvllen'] and 2 not in subs:
                        o.dlen = f['datalvllen'].pop(0)
                        o.optlen = 22
            else:
                o.optlen = 4
        elif st == 1:                                 # MP_JOIN
            sa = tcpflags & (TH_SYN | TH_ACK)
            o.optlen = 12 if sa == TH_SYN else 16 if sa == TH_SYN | TH_ACK else 24
            if o.optlen == 12:
                o.token = f['recvtok'].pop(0)
        elif st == 2:                                 # DSS
            if dss is None:     # quoted header: infer from what the reference shows
                dss = ((DSS_A if f['rawdataack'] else 0) | (DSS_M if f['rawdataseqno'] else 0) |
                       (DSS_a if f['rawdataack'] and f['rawdataack'][0] > M32 else 0) |
                       (DSS_m if f['rawdataseqno'] and f['rawdataseqno'][0] > M32 else 0))
            o.A, o.a = bool(dss & DSS_A), bool(dss & DSS_a)
            o.M, o.m = bool(dss & DSS_M), bool(dss & DSS_m)
            if o.A:
                o.rawack = f['rawdataack'].pop(0)
            if o.M:
                o.dsn = f['rawdataseqno'].pop(0)
                o.ssn = f['subflowseqno'].pop(0)
                o.dlen = f['datalvllen'].pop(0)
        elif st == 6:                                 # MP_FAIL: its DSN is in rawdataseqno
            if f['rawdataseqno']:
                f['rawdataseqno'].pop(0)
        elif st == 7:                                 # MP_FASTCLOSE: its key is in recvkey
            if f['recvkey']:
                f['recvkey'].pop(0)
        opts.append(o)
    return opts


# ---------------------------------------------------------------------------
# Analysis state

def key_crypto(version, key):
    """(token, IDSN) of a key: SHA-1 (v0) or SHA-256 (v1) of the 8 bytes."""
    if version == 0:
        d = hashlib.sha1(key.to_bytes(8, 'big')).digest()
    elif version == 1:
        d = hashlib.sha256(key.to_bytes(8, 'big')).digest()
    else:
        return 0, 0
    return int.from_bytes(d[:4], 'big'), int.from_bytes(d[-8:], 'big')


class Meta:
    """One direction of an MPTCP connection (mptcp_meta_flow_t)."""
    __slots__ = ('flags', 'token', 'key', 'version', 'base_dsn')

    def __init__(self):
        self.flags = self.token = self.key = self.version = self.base_dsn = 0


class Connection:
    """An MPTCP connection (mptcp_analysis)."""
    __slots__ = ('stream', 'subflows', 'meta', 'infinite')

    def __init__(self, stream):
        self.stream = stream
        self.subflows = []              # most recently attached first
        self.meta = (Meta(), Meta())
        self.infinite = False           # saw an infinite mapping (switch 'infinite')


class Subflow:
    """MPTCP state of one direction of a TCP stream (mptcp_subflow)."""
    __slots__ = ('meta', 'mappings', 'packets', 'originals', 'by_ssn')

    def __init__(self, exact, multi):
        self.meta = None
        self.mappings = IntervalTree(exact)             # ssn2dsn_mappings
        self.packets = IntervalTree(exact, multi)       # dsn2packet_map
        self.originals = IntervalTree(True, True)       # switch 'replace': (low, high) of originals
        self.by_ssn = {}        # switch 'infinite': ssn -> last mapping carried with it


class Flow:
    __slots__ = ('base_seq', 'sflags', 'win_scale', 'sub')

    def __init__(self):
        self.base_seq = 0
        self.sflags = 0
        self.win_scale = -1
        self.sub = None


class Conversation:
    """A TCP stream (tcp_analysis); fwd/rev follow the packet being dissected."""
    __slots__ = ('stream', 'flow1', 'flow2', 'conn', 'fwd', 'rev')

    def __init__(self, stream):
        self.stream = stream
        self.flow1, self.flow2 = Flow(), Flow()
        self.conn = None
        self.fwd = self.rev = None


class Mapping:
    __slots__ = ('rawdsn', 'extended', 'frame', 'low', 'high')

    def __init__(self, rawdsn, extended, frame, low, high):
        self.rawdsn, self.extended, self.frame, self.low, self.high = rawdsn, extended, frame, low, high


def convert_dsn(dsn, meta, widen, relative):
    """mptcp_convert_dsn: None where tshark shows nothing."""
    if (widen or relative) and not meta.flags & HAS_BASE_DSN_MSB:
        return None
    if widen:
        dsn = (meta.base_dsn & HI32) | dsn      # an OR, not an addition
    if relative:
        dsn = (dsn - meta.base_dsn) & M64
    return dsn


# ---------------------------------------------------------------------------
# The two passes

class Model:
    def __init__(self, packets, switches=()):
        unknown = set(switches) - set(SWITCHES)
        if unknown:
            raise ValueError('unknown switch ' + ', '.join(sorted(unknown)))
        self.sw = frozenset(switches)
        self.pkts = packets
        self.exact = 'tree' in self.sw
        self.multi = 'replace' in self.sw
        self.infinite = 'infinite' in self.sw
        self.n_tcp = 0
        self.n_mptcp = 0
        self.convs = {}                 # unordered 4-tuple -> [(setup frame, Conversation)]
        self.tokens = {}
        self.pending = []               # switch 'late': data packets to register after pass 1
        self.registered = {}            # switch 'replace': frame -> is an original

    def run(self):
        """Pass-2 values: one dict field -> int or list of ints per packet."""
        for p in self.pkts:
            self._dissect_packet(p, {}, False)
        if 'late' in self.sw:
            self._register_late()
        out = []
        for p in self.pkts:
            o = {}
            self._dissect_packet(p, o, True)
            out.append(o)
        return out

    def _dissect_packet(self, p, o, visited):
        try:
            self._dissect(p, o, visited)
        except ModelError as e:     # tshark: the packet's dissection stops there
            o['_error'] = str(e)

    # --- TCP ---------------------------------------------------------------
    def _conversation(self, p, visited):
        a, b = (p.src, p.sport), (p.dst, p.dport)
        key = (p.family, a, b) if a < b else (p.family, b, a)
        lst = self.convs.setdefault(key, [])
        conv = None
        for setup, c in reversed(lst):          # the latest set up at or before this frame
            if setup <= p.num:
                conv = c
                break
        if conv is None:
            conv = self._new_conversation(lst, p)
        self._orient(conv, p)
        # a pure SYN with another ISN on a direction already based starts a new stream
        if (not visited and p.flags & (TH_SYN | TH_ACK) == TH_SYN and
                conv.fwd.sflags & BASE_SEQ_SET and p.seq != conv.fwd.base_seq):
            conv = self._new_conversation(lst, p)
            self._orient(conv, p)
        return conv

    def _new_conversation(self, lst, p):
        conv = Conversation(self.n_tcp)
        self.n_tcp += 1
        lst.append((p.num, conv))
        return conv

    @staticmethod
    def _orient(conv, p):
        if p.src != p.dst:
            forward = p.src > p.dst
        else:
            forward = p.sport > p.dport
        conv.fwd, conv.rev = (conv.flow1, conv.flow2) if forward else (conv.flow2, conv.flow1)

    def _dissect(self, p, o, visited):
        conv = self._conversation(p, visited)
        fwd, rev = conv.fwd, conv.rev
        flags = p.flags
        o['tcp.stream'] = conv.stream
        if flags & (TH_SYN | TH_ACK) == TH_SYN | TH_ACK:
            # a SYN/ACK with another ISN rebases its direction
            if fwd.sflags & BASE_SEQ_SET and p.seq != fwd.base_seq:
                fwd.base_seq = p.seq
        if p.quoted:
            seq = p.seq
            o['tcp.seq'], o['tcp.ack'], o['tcp.window_size'] = p.seq, p.ack, p.win
        else:
            if not visited:
                self._set_bases(p, fwd, rev)
            seq = (p.seq - fwd.base_seq) & M32
            o['tcp.seq'] = seq
            o['tcp.ack'] = (p.ack - rev.base_seq) & M32 if flags & TH_ACK else p.ack
            win = p.win
            if not flags & TH_SYN and fwd.win_scale >= 0:
                win <<= fwd.win_scale
            o['tcp.window_size'] = win
        if not visited:
            self._window_scaling(p, fwd, rev)
        if p.opts:
            self._mptcp_options(p, o, conv, seq, visited)
        if conv.conn is not None and (p.opts or 'optionless' in self.sw):
            o['mptcp.stream'] = conv.conn.stream
            if p.opts or p.seglen:
                self._dsn_lookup(p, o, conv, seq, visited)

    @staticmethod
    def _set_bases(p, fwd, rev):
        if not fwd.sflags & BASE_SEQ_SET:
            if p.flags & TH_SYN:
                fwd.base_seq = p.seq
                fwd.sflags |= SAW_SYNACK if p.flags & TH_ACK else SAW_SYN
            else:
                fwd.base_seq = (p.seq - 1) & M32
            fwd.sflags |= BASE_SEQ_SET
        if not rev.sflags & BASE_SEQ_SET and p.flags & TH_ACK:
            rev.base_seq = (p.ack - 1) & M32
            rev.sflags |= BASE_SEQ_SET

    @staticmethod
    def _window_scaling(p, fwd, rev):
        for ws in p.wscale:
            fwd.win_scale = min(ws, 14)
        if p.flags & TH_SYN:
            if fwd.win_scale == -1:
                fwd.win_scale = rev.win_scale = -2
            elif p.flags & TH_ACK and rev.win_scale == -2:
                fwd.win_scale = -2

    # --- MPTCP connections and metas ---------------------------------------
    def _alloc(self, conv):
        if conv.conn is not None:
            raise ModelError('second MPTCP analysis on a TCP stream')
        c = Connection(self.n_mptcp)
        self.n_mptcp += 1
        conv.conn = c
        conv.fwd.sub.meta = c.meta[0]
        conv.rev.sub.meta = c.meta[1]
        return c

    @staticmethod
    def _attach(c, conv):
        if all(x is not conv for x in c.subflows):
            c.subflows.insert(0, conv)
        conv.conn = c

    def _meta_from_token(self, conv, flow, token):
        c = conv.conn
        if flow.sub.meta is not None and flow.sub.meta.flags & HAS_TOKEN:
            return c
        known = self.tokens.get(token)
        if known is not None:
            c = known
            self._attach(c, conv)
        else:
            if c is None:
                c = self._alloc(conv)
                self._attach(c, conv)
            elif c.meta[0].flags & HAS_TOKEN:
                flow.sub.meta = c.meta[1]
            elif c.meta[1].flags & HAS_TOKEN:
                flow.sub.meta = c.meta[0]
            else:
                raise ModelError('no meta with a token')
            flow.sub.meta.token = token
            flow.sub.meta.flags |= HAS_TOKEN
            self.tokens[token] = c
        i = 0 if flow.sub.meta is c.meta[0] else 1
        if flow is not conv.fwd:
            i ^= 1
        conv.fwd.sub.meta = c.meta[i]
        conv.rev.sub.meta = c.meta[i ^ 1]
        return c

    def _from_key(self, conv, flow, version, key):
        if flow.sub.meta is not None and flow.sub.meta.flags & HAS_KEY:
            return
        token, idsn = key_crypto(version, key)
        self._meta_from_token(conv, flow, token)
        m = flow.sub.meta
        m.version, m.key, m.base_dsn = version, key, idsn
        m.flags |= HAS_KEY

    def _add_mapping(self, conv, p, length, dsn, extended, ssn):
        sub = conv.fwd.sub
        if self.infinite:       # our rule: every mapping, infinite ones too (high None)
            high = (ssn + length - 1) & M32 if length else None
            sub.by_ssn[ssn] = Mapping(dsn, extended, p.num, ssn, high)
            if not length:
                conv.conn.infinite = True
        if length:              # tshark: a zero length (infinite) mapping is not stored
            high = (ssn + length - 1) & M32
            sub.mappings.insert(ssn, high, Mapping(dsn, extended, p.num, ssn, high))

    def _mptcp_options(self, p, o, conv, seq, visited):
        fwd, rev = conv.fwd, conv.rev
        for op in p.opts:
            if fwd.sub is None:
                fwd.sub = Subflow(self.exact, self.multi)
            if rev.sub is None:
                rev.sub = Subflow(self.exact, self.multi)
            st = op.subtype
            if conv.conn is None and st > 1:
                self._alloc(conv)
            if st == 0 and op.optlen >= 12:
                self._from_key(conv, fwd, op.version, op.key)
                o.setdefault('mptcp.expected_token', []).append(fwd.sub.meta.token)
                if op.optlen >= 20 and not (rev.sub.meta is not None and rev.sub.meta.flags & HAS_KEY):
                    self._from_key(conv, rev, op.version, op.recvkey)
                if op.optlen >= 22 and not visited:
                    self._add_mapping(conv, p, op.dlen, (fwd.sub.meta.base_dsn + 1) & M64, True, seq)
            elif st == 1:
                if op.optlen != 12:
                    if conv.conn is None:
                        self._alloc(conv)
                    continue
                c = self._meta_from_token(conv, rev, op.token)
                if 'swap' in self.sw:
                    # the SYN's receiver owns the token: its meta is the rev one
                    j = 0 if c.meta[0].flags & HAS_TOKEN and c.meta[0].token == op.token else 1
                    rev.sub.meta, fwd.sub.meta = c.meta[j], c.meta[j ^ 1]
                elif fwd.sub.meta.version == 1:
                    # tshark: swaps on every dissection of the SYN, so again in pass 2
                    fwd.sub.meta, rev.sub.meta = rev.sub.meta, fwd.sub.meta
            elif st == 2:
                if op.A:
                    r = convert_dsn(op.rawack, rev.sub.meta, not op.a, True)
                    if r is not None:
                        o.setdefault('mptcp.ack', []).append(r)
                if op.M:
                    if op.m:
                        fwd.sub.meta.flags |= HAS_BASE_DSN_MSB
                    # tshark: "extended" comes from the data-ACK-is-8-bytes flag
                    extended = op.m if 'widen' in self.sw else op.a
                    if not visited:
                        self._add_mapping(conv, p, op.dlen, op.dsn, extended, op.ssn)

    # --- DSN of a packet and reinjections ----------------------------------
    def _dsn_lookup(self, p, o, conv, relseq, visited):
        fwd = conv.fwd
        if not fwd.sflags & (SAW_SYN | SAW_SYNACK) & ~BASE_SEQ_SET and 'nosyn' not in self.sw:
            return
        meta = fwd.sub.meta
        raw64 = self._raw_dsn(p, conv, fwd.sub, meta, relseq, o)
        if not visited and p.seglen and 'late' in self.sw:
            self.pending.append((p, conv, fwd.sub, meta, relseq))
        if raw64 is None:
            return
        o['mptcp.rawdsn64'] = raw64
        dsn = convert_dsn(raw64, meta, False, True)
        if dsn is not None:
            o['mptcp.dsn'] = dsn
        if not p.seglen:
            return
        end = (raw64 + p.seglen - 1) & M64
        if not visited and 'late' not in self.sw:
            self._register(fwd.sub, raw64, end, p.num)
        # our rule (switch 'replace'): a same-subflow copy is nobody's original
        original = self.registered.get(p.num, True)
        for other in conv.conn.subflows:
            sf = other.flow1.sub if other.flow1.sub.meta is meta else other.flow2.sub
            if sf is fwd.sub:
                continue
            for frame, _, _, first in sf.packets.find(raw64, end):
                if frame < p.num:
                    if first:
                        o.setdefault('mptcp.reinjection_of', []).append(frame)
                elif original:
                    o.setdefault('mptcp.reinjected_in', []).append(frame)

    def _raw_dsn(self, p, conv, sub, meta, relseq, o):
        """The packet's 64-bit DSN (mptcp.rawdsn64), or None."""
        seglen = p.seglen
        widen = False
        if p.flags & TH_SYN:
            raw = meta.base_dsn
        elif relseq == 1 and seglen == 0:
            raw = (meta.base_dsn + 1) & M64
        else:
            high = (relseq + seglen - 1) & M32 if seglen else relseq
            found = sub.mappings.find(relseq, high)
            if not found and conv.conn.infinite:
                found = self._fallback_mapping(sub, relseq)
            if not found:
                return None
            mp = found[0]
            if seglen and o is not None:
                o['mptcp.related_mapping'] = [m.frame for m in found]
            if not mp.low <= relseq <= (M32 if mp.high is None or conv.conn.infinite else mp.high):
                raise ModelError('sequence number outside its mapping')
            widen = not mp.extended
            raw = (mp.rawdsn + relseq - mp.low) & M64
        return convert_dsn(raw, meta, widen, False)

    def _register_late(self):
        """Switch 'late': the DSN->packet stores filled after pass 1, in frame
        order, once every mapping is known."""
        for p, conv, sub, meta, relseq in self.pending:
            raw64 = self._raw_dsn(p, conv, sub, meta, relseq, None)
            if raw64 is not None:
                self._register(sub, raw64, (raw64 + p.seglen - 1) & M64, p.num)

    def _register(self, sub, low, high, frame):
        """Records a data packet's DSN range in its subflow direction's store.
        With 'replace' (our rule) a packet whose range an earlier packet of the
        same subflow direction covered is a retransmission: stored, but marked
        as nobody's original."""
        first = True
        if self.multi:
            first = not any(lo <= low and high <= hi for lo, hi in sub.originals.find(low, high))
            if first:
                sub.originals.insert(low, high, (low, high))
            self.registered[frame] = first
        sub.packets.insert(low, high, (frame, low, high, first))

    @staticmethod
    def _fallback_mapping(sub, relseq):
        """Our rule after an infinite mapping: the mapping with the highest
        start at or before relseq goes on past its end (fallback to TCP)."""
        best = None
        for ssn, mp in sub.by_ssn.items():
            if ssn <= relseq and (best is None or ssn > best.low):
                best = mp
        return [best] if best is not None else []
