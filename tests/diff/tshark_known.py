"""tshark_known.py - which disagreements with tshark 4.0 are explained, and why.

A disagreement (tshark's value != ours) on a field that tshark_model.py models
is classified by running the model:

1. with no switch (tshark as it is): the model must give tshark's value, or
   the test cannot judge the row: it is a model gap, reported as a failure;
2. with one switch on: if the model then gives OUR value, the row is of that
   switch's kind (tshark bug, or one of our deliberate rules); when several
   single switches each give our value, the kind is "kind-a/kind-b" (tshark's
   value needs both bugs: fixing either one gives ours);
3. otherwise with every switch on: if the model then gives our value, the
   switches are removed one at a time while it still does, and the row gets
   the remaining combination ("kind-a+kind-b");
4. anything else is unexplained: a failure.

Every kind below is a switch of the model (tshark_model.SWITCHES), with the
reason in its docstring.  `culprit` says who deviates from the correct value:
'tshark' for tshark bugs, 'ours' for rules where we deliberately differ from
tshark.  Sample packets for each kind: tests/diff/TSHARK-BUGS.md.
"""
import tshark_model as tm


class Kind:
    name = ''
    switch = ''
    culprit = ''


class JoinMetaSwap(Kind):
    """tshark swaps the two direction metas of a v1 subflow on every
    dissection of its MP_JOIN SYN: pass 1 gets it right, pass 2 (-2) swaps
    back, so every packet of a joined subflow uses the other direction's key:
    wrong rawdsn64 (its high bits), dsn and mptcp.ack, and reinjections looked
    up in the wrong direction's packets (tshark finds almost none in v1)."""
    name = 'join-meta-swap'
    switch = 'swap'
    culprit = 'tshark'


class WidenFlag(Kind):
    """tshark decides whether a DSS mapping's DSN needs widening to 64 bits
    from the data-ACK-is-8-bytes flag (a) instead of the DSN-is-8-bytes flag
    (m), and widens by OR-ing the IDSN's high 32 bits.  With the right IDSN
    this changes nothing in these captures; with the swapped one (see
    join-meta-swap) it garbles the DSN's high bits."""
    name = 'widen-flag'
    switch = 'widen'
    culprit = 'tshark'


class IntervalTreeStale(Kind):
    """tshark's interval tree (wmem_itree) refreshes a node's max_edge only on
    the inserted node and on the children of a node rotated down, so it can
    be too small and a search skips a subtree that holds a match: a packet
    gets no DSN and "No mapping available" though a mapping covers it (even
    its own), or a reinjection is not found."""
    name = 'itree-stale'
    switch = 'tree'
    culprit = 'tshark'


class ReinjectionCopies(Kind):
    """tshark keys its DSN->packet tree by the first DSN only: a later packet
    of the same subflow starting at the same DSN replaces the earlier one
    (keeping the earlier one's range), so a reinjection is linked to the LAST
    such copy.  We link a packet to every earlier packet of another subflow
    that sent part of its range, except to a copy: a packet whose range an
    earlier packet of its own subflow direction covered (a subflow
    retransmission; the first copy stands for it).  reinjected_in is the
    reverse relation: a copy has none."""
    name = 'reinj-copies'
    switch = 'replace'
    culprit = 'ours'


class NoMptcpOption(Kind):
    """tshark runs its MPTCP analysis only on packets that carry an MPTCP
    option: a subflow's plain packets (RSTs, data after a fallback to TCP)
    get no mptcp.stream, DSN or reinjection.  They belong to the subflow's
    connection all the same: we give every packet of a subflow its
    mptcp.stream, and a data packet its DSN."""
    name = 'no-mptcp-option'
    switch = 'optionless'
    culprit = 'ours'


class NoSynDsn(Kind):
    """tshark shows rawdsn64/dsn only in subflow directions whose first
    captured packet was a SYN or SYN/ACK.  We compute them whenever the
    mapping and the keys allow (a SYN/ACK answering a SYN that was sent
    twice, directions first seen in mid-stream)."""
    name = 'no-syn-dsn'
    switch = 'nosyn'
    culprit = 'ours'


class InfiniteMapping(Kind):
    """tshark does not store a mapping of data-level length 0, the infinite
    mapping of a fallback to TCP (RFC 8684 3.7), so the data after it has no
    DSN.  We keep it (it maps every later subflow byte) and, once the
    connection has fallen back, let the last mapping of a direction go on
    past its end."""
    name = 'infinite-mapping'
    switch = 'infinite'
    culprit = 'ours'


class LateMapping(Kind):
    """tshark records a data packet's DSN range for reinjection lookups in
    pass 1 only, when the packet's DSS mapping may not be known yet (Linux
    v0 sends a mapping on the last segment it covers, after the others).
    Such a packet shows a DSN in pass 2 but is never found as the original of
    a reinjection.  We record every data packet once its mapping is known."""
    name = 'late-mapping'
    switch = 'late'
    culprit = 'tshark'


KINDS = [JoinMetaSwap, WidenFlag, IntervalTreeStale, LateMapping, ReinjectionCopies, NoMptcpOption,
         NoSynDsn, InfiniteMapping]
KIND_OF_SWITCH = {k.switch: k for k in KINDS}
assert set(KIND_OF_SWITCH) == set(tm.SWITCHES), 'every model switch needs a kind'

MODEL_FIELDS = frozenset(tm.FIELDS)
LIST_FIELDS = ('mptcp.reinjection_of', 'mptcp.reinjected_in', 'mptcp.related_mapping')


def model_value(field, v):
    """A model value as the differential test compares it (see norm())."""
    if v is None:
        return ''
    if isinstance(v, list):
        if field in LIST_FIELDS:
            v = sorted(set(v))
        return ','.join(str(x) for x in v)
    return str(v)


def kind_name(switches):
    return '+'.join(KIND_OF_SWITCH[s].name for s in tm.SWITCHES if s in switches)


class Classifier:
    """Classifies the disagreements of one capture; runs the model lazily,
    once per set of switches."""

    def __init__(self, packets):
        self.packets = packets
        self.runs = {}

    def value(self, switches, field, frame):
        switches = frozenset(switches)
        run = self.runs.get(switches)
        if run is None:
            out = tm.Model(self.packets, switches).run()
            run = self.runs[switches] = {p.num: o for p, o in zip(self.packets, out)}
        return model_value(field, run[frame].get(field))

    def model_gap(self, field, frame, want):
        """True when the model without switches does not give tshark's value."""
        return self.value((), field, frame) != want

    def classify(self, field, frame, want, got):
        """The kind name explaining tshark=want / ours=got, or None."""
        if field not in MODEL_FIELDS or self.model_gap(field, frame, want):
            return None
        either = [s for s in tm.SWITCHES if self.value((s,), field, frame) == got]
        if either:      # several: the value needs all those bugs, fixing any one gives ours
            return '/'.join(kind_name((s,)) for s in either)
        found = set(tm.SWITCHES)
        if self.value(found, field, frame) != got:
            return None
        for s in tm.SWITCHES:
            if self.value(found - {s}, field, frame) == got:
                found.discard(s)
        return kind_name(found)
