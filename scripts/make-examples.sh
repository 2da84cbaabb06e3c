#!/usr/bin/env bash
# make-examples.sh - regenerate the small, real MPTCP v1 captures in examples/.
#
#   scripts/make-examples.sh [--seed N] [OUTDIR]        (default OUTDIR: examples)
#   scripts/make-examples.sh [--seed N] --big MB [FILE]  (default FILE: bench/data/big-<MB>MB.pcap)
#
# Runs the kernel's own MPTCP stack between three throw-away network namespaces
# (client, router, server) and records the traffic with tcpdump. Needs root and
# a kernel with MPTCP; installs missing Debian packages itself (as root).
# The captures are committed, so nobody has to run this to use them.
#
#   client  c1 198.18.1.2 ---- r1 198.18.1.1  router  rs 198.19.0.1 ---- s0 server
#           c2 198.18.2.2 ---- r2 198.18.2.1                              198.19.0.2
#                                                                      (+198.19.1.2)
# Router: upload rate per path (htb on rs, classified by client source address),
# the same rate towards the client (tbf on r1/r2); queues hold ~50 ms (no added
# delay: the queues make the RTT). tcpdump (snaplen 128) runs on c1 and c2
# (merged into NAME-client.pcap) and on s0 (NAME-server.pcap). Static neighbour
# entries and IPv6 off: the captures hold only the test's TCP packets.
# --seed N picks the payload bytes and where the periodic losses fall.
# --big MB: one benchmark capture instead (not committed): 8 parallel MPTCP
# connections of 3 subflows each (c1, c2, and c1 to the ADD_ADDR address) upload
# until the server-side capture (snaplen 96) reaches MB megabytes (10^6 bytes);
# about 9500 packets per MB. FILE.log gets the peers' lines and tcpdump counters.
set -euo pipefail

SEED=1 BIG=
usage() { sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }
while [[ ${1:-} == -* ]]; do
    case $1 in
        --seed) [[ ${2:-} =~ ^[0-9]+$ ]] || usage 2; SEED=$2; shift 2 ;;
        --big) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage 2; BIG=$2; shift 2 ;;
        -h|--help) usage ;;
        *) usage 2 ;;
    esac
done
(($# <= 1)) || usage 2
OUT=${1:-examples} OUTARG=${1:-examples}

say() { printf '[make-examples] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ---------------------------------------------------------------- packages
declare -A PKG=([ip]=iproute2 [tc]=iproute2 [tcpdump]=tcpdump [nft]=nftables
    [ethtool]=ethtool [python3]=python3 [mergecap]=wireshark-common
    [capinfos]=wireshark-common [tshark]=tshark)
missing=()
for c in "${!PKG[@]}"; do
    command -v "$c" >/dev/null || missing+=("${PKG[$c]}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')
if ((${#missing[@]})); then
    cmd="apt-get install -y --no-install-recommends ${missing[*]}"
    [[ $EUID == 0 ]] || die "missing packages; as root run: apt-get update && $cmd"
    say "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $cmd >/dev/null
fi
[[ $EUID == 0 ]] || die "must run as root (network namespaces)"
[[ $(cat /proc/sys/net/mptcp/enabled 2>/dev/null) == 1 ]] || die "kernel MPTCP is not enabled"

# ---------------------------------------------------------------- scratch, cleanup
C=mpex$$-cli R=mpex$$-rtr S=mpex$$-srv
TMP=$(mktemp -d /tmp/make-examples.XXXXXX)
BG=()
teardown() {
    local p
    for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${BG[@]}"; do wait "$p" 2>/dev/null || true; done
    BG=()
    for p in $C $R $S; do ip netns del "$p" 2>/dev/null || true; done
}
trap 'teardown; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- traffic peer
# server: accept one MPTCP connection, read until EOF, send REPLY bytes, close.
# client: connect, send UPLOAD bytes, shutdown(SHUT_WR), read until EOF, close.
# Both print the byte counts and MPTCP_INFO (token is the socket's own token),
# read after the peer's DATA_FIN, just before close(); the server also at the
# client's DATA_FIN (its subflows are still open then). Congestion control: cubic.
cat >"$TMP/peer.py" <<'EOF'
import os, random, signal, socket, struct, sys, time
IPPROTO_MPTCP, SOL_MPTCP, MPTCP_INFO = 262, 284, 1
signal.alarm(int(os.environ.get('PEER_ALARM', '90')))

def info(s):
    try:
        b = s.getsockopt(SOL_MPTCP, MPTCP_INFO, 96).ljust(96, b'\0')
    except OSError as e:
        return 'mptcp_info=none(%s)' % e.strerror
    u32 = lambda o: struct.unpack_from('<I', b, o)[0]
    u64 = lambda o: struct.unpack_from('<Q', b, o)[0]
    return ('token=%08x extra_subflows=%d subflows_total=%d add_addr_signal=%d add_addr_accepted=%d '
            'retransmits=%d bytes_retrans=%d bytes_sent=%d bytes_received=%d'
            % (u32(12), b[0], b[80], b[1], b[2], u32(44), u64(48), u64(56), u64(64)))

def mptcp_socket():
    # cubic on every machine (a namespace's default may be bbr); root may pick it per socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'cubic')
    except OSError as e:
        print('warning: TCP_CONGESTION cubic: %s' % e.strerror, flush=True)
    return s

def drain(s):
    n, buf = 0, bytearray(65536)
    while (k := s.recv_into(buf)):
        n += k
    return n

def pump(s, n, seed, stop=None):
    # stop: a file whose appearance ends the upload early (--big)
    block = random.Random(seed).randbytes(65536)
    left, k = n, 0
    while left:
        left -= s.send(block[:min(left, len(block))])
        k += 1
        if stop and k % 16 == 0 and os.path.exists(stop):
            break
    return n - left

role, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if role == 'server':
    reply, seed, ready = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    ls = mptcp_socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port)); ls.listen(1)
    open(ready, 'w').close()
    s, peer = ls.accept()
    s.settimeout(60)
    rx = drain(s)
    at_eof = info(s)
    tx = pump(s, reply, seed + 1)
    s.shutdown(socket.SHUT_WR)
    drain(s)
    line = ('server peer=%s:%d rx=%d tx=%d %s\nserver (MPTCP_INFO at client DATA_FIN) %s'
            % (peer[0], peer[1], rx, tx, info(s), at_eof))
    s.close()
else:
    upload, seed = int(sys.argv[4]), int(sys.argv[5])
    stop = sys.argv[6] if len(sys.argv) > 6 else None
    s = mptcp_socket()
    s.settimeout(60)
    t0 = time.time()
    s.connect((addr, port))
    local = s.getsockname()
    tx = pump(s, upload, seed, stop)
    s.shutdown(socket.SHUT_WR)
    rx = drain(s)
    dt = time.time() - t0
    time.sleep(0.5)   # let late duplicates (reinjections) arrive before the subflows close
    line = 'client local=%s:%d tx=%d rx=%d time=%.2fs %s' % (local[0], local[1], tx, rx, dt, info(s))
    s.close()
print(line, flush=True)
EOF

# ---------------------------------------------------------------- topology
neigh() {  # neigh NS IF ADDR PEER_NS PEER_IF : permanent entry for ADDR on IF
    local mac; mac=$(ip -n "$4" -br link show "$5" | awk '{print $3}')
    ip -n "$1" neigh replace "$3" lladdr "$mac" dev "$2" nud permanent
}

# topology RATE1 RATE2 (mbit)
topology() {
    local r1=$1 r2=$2 ns k r q
    for ns in $C $R $S; do
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 net.mptcp.enabled=1
        ip -n "$ns" link set lo up
    done
    ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
    ip link add c1 netns $C type veth peer name r1 netns $R
    ip link add c2 netns $C type veth peer name r2 netns $R
    ip link add s0 netns $S type veth peer name rs netns $R
    ip -n $C addr add 198.18.1.2/24 dev c1; ip -n $R addr add 198.18.1.1/24 dev r1
    ip -n $C addr add 198.18.2.2/24 dev c2; ip -n $R addr add 198.18.2.1/24 dev r2
    ip -n $S addr add 198.19.0.2/24 dev s0; ip -n $R addr add 198.19.0.1/24 dev rs
    ip -n $S addr add 198.19.1.2/24 dev s0; ip -n $R addr add 198.19.1.1/24 dev rs
    for k in "$C c1" "$C c2" "$R r1" "$R r2" "$R rs" "$S s0"; do
        set -- $k
        ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
        ip -n "$1" link set "$2" up
    done
    neigh $C c1 198.18.1.1 $R r1; neigh $R r1 198.18.1.2 $C c1
    neigh $C c2 198.18.2.1 $R r2; neigh $R r2 198.18.2.2 $C c2
    neigh $S s0 198.19.0.1 $R rs; neigh $R rs 198.19.0.2 $S s0; neigh $R rs 198.19.1.2 $S s0
    # client: path 1 by default, path 2 for traffic sourced from c2's address
    ip -n $C route add 198.19.0.0/16 via 198.18.1.1 dev c1
    ip -n $C rule add from 198.18.2.2 lookup 102
    ip -n $C route add 198.19.0.0/16 via 198.18.2.1 dev c2 table 102
    ip -n $S route add 198.18.0.0/15 via 198.19.0.1 dev s0
    # upload: one htb class per path on the server link; queue ~50 ms
    tc -n $R qdisc add dev rs root handle 1: htb
    for k in 1 2; do
        r=$((k == 1 ? r1 : r2)); q=$((r * 1000000 / 8 / 20))
        tc -n $R class add dev rs parent 1: classid 1:$k htb rate ${r}mbit ceil ${r}mbit quantum 3028
        tc -n $R qdisc add dev rs parent 1:$k bfifo limit $q
        tc -n $R filter add dev rs parent 1: protocol ip prio 1 u32 \
            match ip src 198.18.$k.0/24 flowid 1:$k
        # download/ACK direction: the same rate
        tc -n $R qdisc add dev r$k root tbf rate ${r}mbit burst 15k limit $q
    done
    ip -n $C mptcp limits set subflow 3 add_addr_accepted 1
    ip -n $S mptcp limits set subflow 3 add_addr_accepted 0
    ip -n $C mptcp endpoint add 198.18.2.2 dev c2 subflow
}

# ---------------------------------------------------------------- capture
SNAP=128 TCPDUMP_OPTS=(-U --immediate-mode)
capture() {  # capture NS IF FILE
    ip netns exec "$1" tcpdump -n -i "$2" -s $SNAP "${TCPDUMP_OPTS[@]}" -w "$3" 2>"$3.err" &
    BG+=($!)
    for _ in $(seq 100); do grep -q 'listening on' "$3.err" 2>/dev/null && return; sleep 0.05; done
    die "tcpdump on $2 did not start"
}

# scenario NAME UPLOAD REPLY RATE1 RATE2 LOSS SIGNAL(0/1) DESCRIPTION
#   LOSS: 0, or PERIOD:BURST:AT:LEN = on path 2, in each direction, drop BURST
#   packets in a row out of every PERIOD, and drop everything for LEN seconds
#   once AT packets went up path 2 (an outage: the subflow times out, MPTCP
#   reinjects its data on the other subflows)
scenario() {
    local name=$1 up=$2 reply=$3 r1=$4 r2=$5 loss=$6 signal=$7 desc=$8 log pid outage= at len
    log=$OUT/logs/$name.log
    say "scenario $name: $desc"
    topology "$r1" "$r2"
    ((signal)) && ip -n $S mptcp endpoint add 198.19.1.2 dev s0 signal
    if [[ $loss != 0 ]]; then
        # deterministic (counter-based, not random); the seed moves the periodic window
        local per bu a b
        IFS=: read -r per bu at len <<<"$loss"
        a=$((SEED * 37 % (per - bu))) b=$(((SEED * 37 + per / 2) % (per - bu)))
        ip netns exec $R nft -f - <<EOF
table ip mpex {
    counter r2up {}
    chain drops {
        type filter hook forward priority 0; policy accept;
        iifname "r2" counter name "r2up"
        iifname "r2" numgen inc mod $per $a-$((a + bu - 1)) counter drop
        oifname "r2" numgen inc mod $per $b-$((b + bu - 1)) counter drop
    }
    chain outage { type filter hook forward priority 1; policy accept; }
}
EOF
    fi
    {
        echo "# scenario $name (seed $SEED): $desc"
        echo "# kernel $(uname -r); upload=$up bytes, reply=$reply bytes, rates ${r1}/${r2} mbit"
        echo "## client: ip mptcp limits / endpoints"; ip -n $C mptcp limits; ip -n $C mptcp endpoint
        echo "## server: ip mptcp limits / endpoints"; ip -n $S mptcp limits; ip -n $S mptcp endpoint
    } >"$log"
    mkdir -p "$TMP/$name"
    capture $C c1 "$TMP/$name/c1.pcap"
    capture $C c2 "$TMP/$name/c2.pcap"
    capture $S s0 "$TMP/$name/s0.pcap"
    ip netns exec $S python3 "$TMP/peer.py" server 0.0.0.0 5201 "$reply" "$SEED" "$TMP/ready" \
        >"$TMP/server.out" 2>&1 &
    pid=$!; BG+=($pid)
    for _ in $(seq 100); do [[ -e $TMP/ready ]] && break; sleep 0.05; done
    [[ -e $TMP/ready ]] || { cat "$TMP/server.out" >&2; die "server did not start"; }
    if [[ $loss != 0 ]]; then
        (   # the outage, in the background
            for _ in $(seq 3000); do
                (($(ip netns exec $R nft list counter ip mpex r2up | awk '$1 == "packets" {print $2}') >= at)) && break
                sleep 0.01
            done
            ip netns exec $R nft add rule ip mpex outage iifname r2 counter drop
            ip netns exec $R nft add rule ip mpex outage oifname r2 counter drop
            sleep "$len"
            ip netns exec $R nft list chain ip mpex outage | grep counter | sed 's/^\s*/outage: /' >"$TMP/outage"
            ip netns exec $R nft flush chain ip mpex outage
        ) &
        outage=$!
        BG+=($outage)
    fi
    ip netns exec $C python3 "$TMP/peer.py" client 198.19.0.2 5201 "$up" "$SEED" \
        >"$TMP/client.out" 2>&1 || { cat "$TMP/client.out" >&2; die "client failed"; }
    wait "$pid" || { cat "$TMP/server.out" >&2; die "server failed"; }
    [[ -z $outage ]] || wait "$outage" || true
    sleep 1    # last ACKs
    {
        echo "## peers"
        cat "$TMP/client.out" "$TMP/server.out"
        [[ $loss == 0 ]] || { echo "## nft drops"; ip netns exec $R nft list chain ip mpex drops | grep counter
                              cat "$TMP/outage"; }
        echo "## tc (router)"; tc -n $R -s qdisc show | grep -E '^qdisc|Sent|dropped'
    } >>"$log"
    teardown
    rm -f "$TMP/ready"
    echo "## tcpdump" >>"$log"
    for f in "$TMP/$name"/*.pcap; do
        echo "$(basename "$f"): $(grep -h captured "$f.err")" >>"$log"
    done
    mergecap -F pcap -s 128 -w "$OUT/$name-client.pcap" "$TMP/$name/c1.pcap" "$TMP/$name/c2.pcap"
    cp "$TMP/$name/s0.pcap" "$OUT/$name-server.pcap"
    chmod 644 "$OUT/$name-client.pcap" "$OUT/$name-server.pcap"
    sed -n '/^## peers/,/^## nft\|^## tc/p' "$log" | sed '1d;$d' >&2
}

# ---------------------------------------------------------------- facts for README
cat >"$TMP/facts.py" <<'EOF'
import collections, hashlib, subprocess, sys
def tshark(f, fields, flt=None):
    cmd = ['tshark', '-r', f, '-o', 'mptcp.analyze_mappings:TRUE',
           '-o', 'mptcp.intersubflows_retransmission:TRUE', '-T', 'fields', '-E', 'separator=|']
    if flt: cmd += ['-Y', flt]
    for x in fields: cmd += ['-e', x]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [l.split('|') for l in out.splitlines()]
def token(key):
    return hashlib.sha256(int(key, 0).to_bytes(8, 'big')).hexdigest()[:8]
for f in sys.argv[1:]:
    rows = tshark(f, ['tcp.stream', 'mptcp.stream', 'tcp.len', 'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport'])
    subs = collections.defaultdict(set)
    data = collections.Counter()
    ends = {}
    for st, ms, ln, *e in rows:
        if not st: continue
        if ms: subs[ms].add(st)
        ends.setdefault(st, e)
        data[(st, e == ends[st])] += int(ln or 0)
    n = lambda flt: len(tshark(f, ['frame.number'], flt))
    print('file: %s' % f.rsplit('/', 1)[-1])
    print('packets: %d (not TCP: %d)' % (len(rows), sum(1 for r in rows if not r[0])))
    print('tcp streams: %d' % len({r[0] for r in rows if r[0]}))
    print('mptcp connections: %d' % len(subs))
    for ms, st in sorted(subs.items()):
        print('mptcp.stream %s: %d subflows (tcp.stream %s)' % (ms, len(st), ', '.join(sorted(st, key=int))))
    for st in sorted(ends, key=int):
        a, ap, b, bp = ends[st]
        print('  tcp.stream %s %s:%s -> %s:%s: payload %d bytes, reverse %d bytes'
              % (st, a, ap, b, bp, data[(st, True)], data[(st, False)]))
    for k in tshark(f, ['tcp.options.mptcp.sendkey', 'tcp.options.mptcp.recvkey'],
                    'tcp.options.mptcp.subtype == 0 && tcp.options.mptcp.recvkey'):
        print('keys (MP_CAPABLE third ACK): client %s token %s, server %s token %s'
              % (k[0], token(k[0]), k[1], token(k[1])))
        break
    up, down = 'ip.src == 198.18.0.0/16', 'ip.src == 198.19.0.0/16'
    print('MP_JOIN SYNs: %d, ADD_ADDR: %d, TCP FIN: %d, RST: %d' % (
        n('tcp.options.mptcp.subtype == 1 && tcp.flags.syn == 1 && tcp.flags.ack == 0'),
        n('tcp.options.mptcp.subtype == 3'), n('tcp.flags.fin == 1'), n('tcp.flags.reset == 1')))
    print('packets with DATA_FIN: client->server %d, server->client %d' % (
        n('tcp.options.mptcp.datafin.flag == 1 && ' + up),
        n('tcp.options.mptcp.datafin.flag == 1 && ' + down)))
    print('tcp retransmissions: %d, mptcp reinjections: %d' % (
        n('tcp.analysis.retransmission || tcp.analysis.fast_retransmission'), n('mptcp.reinjection_of')))
    print()
EOF

readme() {
    local r=$OUT/README.md
    cat >"$r" <<EOF
# Example captures

Real Multipath TCP v1 (RFC 8684) traffic from the Linux kernel's own MPTCP
stack (kernel $(uname -r)), made by \`scripts/make-examples.sh\` between three
network namespaces on one machine (client, router, server; addresses in
198.18.0.0/15 only). Every file is a classic pcap, link type Ethernet,
snap length 128 (headers and options only, payload cut), IPv4/TCP packets only.
No need to rerun the script: the files are committed.

Made with (as root, from the top of the repository):

    scripts/make-examples.sh --seed $SEED $OUTARG

Topology: client links c1 (198.18.1.2) and c2 (198.18.2.2) to a router, router
to server s0 (198.19.0.2, also 198.19.1.2). The router shapes each path:
path 1 (c1) 20 mbit, path 2 (c2) 10 mbit, in both directions (htb/tbf);
queues hold ~50 ms and there is no added delay. The client's MPTCP endpoint
198.18.2.2 (dev c2) is a \`subflow\` endpoint, so the client joins a second
subflow over c2.
\`NAME-client.pcap\` merges (mergecap) the captures of c1 and c2;
\`NAME-server.pcap\` is the capture of the server link s0: the same connection
seen from both ends. The traffic generator is a small python3 peer embedded in
the script (sockets with IPPROTO_MPTCP): the client connects to
198.19.0.2:5201, sends UPLOAD bytes, shuts down its sending side (DATA_FIN),
and reads until EOF; the server reads until EOF, sends REPLY bytes and closes.
Both sockets use cubic congestion control (set per socket).

| file | scenario |
| --- | --- |
| basic-client.pcap, basic-server.pcap | one MPTCP connection, 2 subflows (c1 and c2), upload 1500000 bytes, reply 1000 bytes, clean close |
| lossy-client.pcap, lossy-server.pcap | one MPTCP connection, 3 subflows: c1 and c2 as in basic, plus one from c1 to 198.19.1.2 after the server's ADD_ADDR (\`signal\` endpoint); on path 2 the router drops, in each direction, 2 packets in a row out of every 100 (nftables \`numgen inc\` counters, not random) and, once 100 packets went up path 2, everything for 0.3 s (an outage), hence TCP retransmissions and MPTCP reinjections; upload 1200000 bytes, reply (download) 400000 bytes |
| logs/NAME.log | what the peers reported (bytes sent/received, MPTCP_INFO), the MPTCP limits/endpoints, router qdisc and nft drop counters, tcpdump counters |

Application bytes each way are exact and fixed: the peers' tx/rx below and in
logs/ (time: from connect to the server's EOF). The other numbers in the peer
lines are MPTCP_INFO counters as the kernel reported them; \`token\` is
mptcpi_token, the socket's own token (the first 32 bits of SHA-256 of its own
key; the client's MP_JOIN SYNs carry the server's token). Keys, timings,
packet counts and retransmissions differ from run to run; the numbers below
are those of the committed files. TCP "payload" counts are seen on the wire
(including retransmissions); tcp.stream / mptcp.stream are tshark's
numbering; ADD_ADDR counts the announcement and its echo.

Checks used: \`tcpdump -r FILE\`, \`tshark -r FILE -Y mptcp\`,
\`tshark -r FILE -q -z conv,tcp\`; the facts below were computed with
$(tshark --version 2>/dev/null | head -1 | cut -d' ' -f1-3) (mptcp.analyze_mappings and
mptcp.intersubflows_retransmission on, for the reinjections).

EOF
    local s
    for s in basic lossy; do
        [[ -e $OUT/$s-client.pcap ]] || continue
        {
            echo "## $s"
            echo
            echo "Peers (logs/$s.log):"
            echo
            sed -n '/^## peers/,/^## nft\|^## tc/p' "$OUT/logs/$s.log" | sed '1d;$d' | sed 's/^/    /'
            echo
            python3 "$TMP/facts.py" "$OUT/$s-client.pcap" "$OUT/$s-server.pcap" | sed 's/^\(.\)/    \1/'
            echo "Sizes: $(cd "$OUT" && stat -c '%n %s bytes' $s-client.pcap $s-server.pcap | paste -sd ';' | sed 's/;/, /')."

            echo
        } >>"$r"
    done
}

# ---------------------------------------------------------------- benchmark capture
# big MB FILE: 8 parallel connections (ports 5201-5208), 3 subflows each, upload
# until the server capture reaches MB megabytes; then every client stops
# (DATA_FIN), the servers reply 1000 bytes and close. Paths at 400 and 200 mbit
# (the veth pairs and tcpdump keep up on 2 cores; a faster path drops packets in
# tcpdump). Server-side capture only, snaplen 96, 64 MiB tcpdump buffer.
big() {
    local mb=$1 file=$2 dir=$TMP/big k cap log size clients=() servers=()
    mkdir -p "$(dirname "$file")" "$dir"
    file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
    log=$file.log cap=$dir/s0.pcap
    say "big: 8 connections x 3 subflows, until the server capture holds $mb MB"
    topology 400 200
    ip -n $S mptcp endpoint add 198.19.1.2 dev s0 signal
    SNAP=96 TCPDUMP_OPTS=(-B 65536)
    capture $S s0 "$cap"
    export PEER_ALARM=$((120 + mb))
    for k in 1 2 3 4 5 6 7 8; do
        ip netns exec $S python3 "$TMP/peer.py" server 0.0.0.0 $((5200 + k)) 1000 "$((SEED + k))" \
            "$dir/ready$k" >"$dir/server$k.out" 2>&1 &
        servers+=($!); BG+=($!)
    done
    for k in 1 2 3 4 5 6 7 8; do
        for _ in $(seq 100); do [[ -e $dir/ready$k ]] && break; sleep 0.05; done
        [[ -e $dir/ready$k ]] || { cat "$dir/server$k.out" >&2; die "server $k did not start"; }
    done
    for k in 1 2 3 4 5 6 7 8; do
        ip netns exec $C python3 "$TMP/peer.py" client 198.19.0.2 $((5200 + k)) $((1 << 50)) \
            "$((SEED + k))" "$dir/stop" >"$dir/client$k.out" 2>&1 &
        clients+=($!); BG+=($!)
    done
    while kill -0 "${clients[0]}" 2>/dev/null; do
        size=$(stat -c %s "$cap")
        ((size < mb * 1000000)) || { touch "$dir/stop"; break; }
        sleep 0.05
    done
    for k in "${clients[@]}"; do wait "$k" || die "a client failed: $(cat "$dir"/client*.out)"; done
    for k in "${servers[@]}"; do wait "$k" || die "a server failed: $(cat "$dir"/server*.out)"; done
    sleep 1    # last ACKs
    {
        echo "# big capture (seed $SEED): 8 connections x 3 subflows, target $mb MB, kernel $(uname -r)"
        echo "## peers"; cat "$dir"/client*.out "$dir"/server*.out
        echo "## tc (router)"; tc -n $R -s qdisc show | grep -E '^qdisc|Sent|dropped'
    } >"$log"
    teardown
    echo "## tcpdump: $(grep -h 'captured\|received\|dropped' "$cap.err" | paste -sd ' ')" >>"$log"
    cp "$cap" "$file"
    chmod 644 "$file"
    say "$file: $(capinfos -c -M "$file" | awk -F': *' '/Number of packets/{print $2}') packets, $(stat -c %s "$file") bytes"
    grep '^## tcpdump' "$log" >&2
}

# ---------------------------------------------------------------- main
if [[ -n $BIG ]]; then
    big "$BIG" "${1:-bench/data/big-${BIG}MB.pcap}"
    exit 0
fi
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
scenario basic 1500000 1000 20 10 0 0 "2 subflows, upload 1500000 B, reply 1000 B"
scenario lossy 1200000 400000 20 10 100:2:100:0.3 1 \
    "3 subflows (ADD_ADDR), path 2: 2 % loss + 0.3 s outage after 100 packets, upload 1200000 B, download 400000 B"
readme
ls -l "$OUT" "$OUT/logs" >&2
