"""tap.py - TAP output for the Python test scripts of tests/cli: one line per
check, the detail of a failure as comments, the plan at the end."""
import sys


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def report(self, ok, name, detail=''):
        self.n += 1
        if not ok:
            self.failed += 1
        print(('ok' if ok else 'not ok'), self.n, '-', name)
        if not ok and detail:
            print('#', str(detail)[:500])
        sys.stdout.flush()

    def skip(self, name, why):
        self.n += 1
        print('ok', self.n, '-', name, '# SKIP', why)

    def done(self):
        """prints the plan; the exit status"""
        print('1..%d' % self.n)
        return 1 if self.failed else 0
