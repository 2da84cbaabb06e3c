"""Kinds of disagreement with tshark 4.0 where tshark is wrong.

Each kind has a name, the reason, and a test that recognises it.  The
differential test counts them per capture and field; anything not recognised
here is a failure.  Sample packets for each kind: tests/diff/TSHARK-BUGS.md.
"""


class Context:
    def __init__(self, ref, ours):
        self.ref = ref
        self.ours = ours


KINDS = [
]


def classify(ctx, field, frame, ref_row, our_row, want, got):
    for name, test in KINDS:
        if test(ctx, field, frame, ref_row, our_row, want, got):
            return name
    return None
