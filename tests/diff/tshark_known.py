"""Kinds of disagreement with tshark 4.0 where tshark is wrong.

Each kind has a name, the reason, and a test that recognises it.  The
differential test counts them per capture and field; anything not recognised
here is a failure.  Sample packets for each kind: tests/diff/TSHARK-BUGS.md.
"""


class Context:
    def __init__(self, ref, ours):
        self.ref = ref
        self.ours = ours


def no_mptcp_option(ctx, field, frame, r, o, want, got):
    """tshark runs its MPTCP analysis only on packets that carry an MPTCP
    option, so a subflow's plain packets (RSTs answering data in flight, ...)
    get no mptcp.stream.  They belong to the subflow's connection all the same;
    we tag every packet of a subflow."""
    return field == 'mptcp.stream' and want == '' and got != '' and not r['tcp.options.mptcp.subtype']


KINDS = [
    ('no-mptcp-option', no_mptcp_option),
]


def classify(ctx, field, frame, ref_row, our_row, want, got):
    for name, test in KINDS:
        if test(ctx, field, frame, ref_row, our_row, want, got):
            return name
    return None
