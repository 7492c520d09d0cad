"""Which mutations each selftest TEST failed under (scripts/mutants).

    mutants_report.py LOGDIR SOURCE.c...

LOGDIR holds tap-mut-N.log, the TAP of the boot with pt_mutant=N. The TESTs
are those the SOURCE files define (TEST, TEST_F, TEST_F_TIMEOUT); the TAP
is read with the verdict's parser (verdict.read_run). Prints one line per
TEST with the mutations it failed under, then the mutations that failed no
TEST, and the boots in which a program did not report (a crash or a hang). Exits 1 if mutation 0 (none) failed a TEST or a program did not
report in its boot, or if a TEST failed under no mutation.
"""
import glob
import os
import re
import sys
from pathlib import Path

import verdict

TEST = re.compile(r"^TEST(?:_F)?(?:_TIMEOUT)?\((\w+)(?:, (\w+))?")


def main(logdir, sources):
    progs = [os.path.basename(src)[:-2] for src in sources]
    fails = {}
    for prog, src in zip(progs, sources):
        with open(src) as f:
            for line in f:
                m = TEST.match(line)
                if m:
                    name = f"{m.group(1)}.{m.group(2)}" if m.group(2) else f"global.{m.group(1)}"
                    fails[f"{prog}:{name}"] = []
    rc = 0
    boots = sorted(int(m.group(1)) for m in
                   (re.search(r"tap-mut-(\d+)\.log$", p)
                    for p in glob.glob(os.path.join(logdir, "tap-mut-*.log"))) if m)
    if 0 not in boots:
        print("no boot without mutation (tap-mut-0.log)")
        rc = 1
    useless = []
    for n in boots:
        # The TAP as the verdict reads it: {program: {TEST: pass, fail or skip}}
        run = verdict.read_run(Path(logdir), f"mut-{n}")
        failed = [f"{prog}:{test}" for prog, subs in run.subtests.items()
                  for test, st in subs.items() if st == "fail"]
        for t in failed:
            fails.setdefault(t, []).append(n)
        missing = set(progs) - set(run.results)
        if missing:
            print(f"mutation {n}: no result from {' '.join(sorted(missing))} (crash or hang)")
            rc = 1 if n == 0 else rc
        if n == 0 and failed:
            print("mutation 0 (none) failed TESTs: the table means nothing")
            rc = 1
        if n and not failed:
            useless.append(n)
    width = max(len(t) for t in fails)
    for t, ms in fails.items():
        ms = [m for m in ms if m]
        print(f"{t:<{width}}  {' '.join(map(str, ms)) if ms else 'NONE'}")
        if not ms:
            rc = 1
    if useless:
        print(f"mutations which failed no TEST: {' '.join(map(str, useless))}")
    return rc


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
