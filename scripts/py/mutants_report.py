"""Which mutations each selftest TEST failed under (scripts/mutants).

    mutants_report.py LOGDIR SOURCE.c...

LOGDIR holds tap-mut-N.log, the TAP of the boot with pt_mutant=N. The TESTs
are those the SOURCE files define (TEST, TEST_F, TEST_F_TIMEOUT). Prints one
line per TEST with the mutations it failed under, then the mutations that
failed no TEST, and the boots in which a program did not report (a crash or
a hang). Exits 1 if mutation 0 (none) failed a TEST or a program did not
report in its boot, or if a TEST failed under no mutation.
"""
import glob
import os
import re
import sys

TEST = re.compile(r"^TEST(?:_F)?(?:_TIMEOUT)?\((\w+)(?:, (\w+))?")
PROG = re.compile(r"^# selftests: timers: (\S+)")
SUB = re.compile(r"^#\s+(ok|not ok) \d+ (\S+)")
TOP = re.compile(r"^(ok|not ok) \d+ selftests: timers: (\S+)")


def main(logdir, sources):
    fails = {}
    for src in sources:
        prog = os.path.basename(src)[:-2]
        with open(src) as f:
            for line in f:
                m = TEST.match(line)
                if m:
                    name = f"{m.group(1)}.{m.group(2)}" if m.group(2) else f"global.{m.group(1)}"
                    fails[f"{prog}:{name}"] = []
    rc = 0
    boots = {}
    for path in glob.glob(os.path.join(logdir, "tap-mut-*.log")):
        m = re.search(r"tap-mut-(\d+)\.log$", path)
        if m:
            boots[int(m.group(1))] = path
    if 0 not in boots:
        print("no boot without mutation (tap-mut-0.log)")
        rc = 1
    useless = []
    for n in sorted(boots):
        prog, reported, failed = None, set(), 0
        with open(boots[n], errors="replace") as f:
            for line in f:
                line = line.rstrip("\r\n")
                m = TOP.match(line)
                if m:
                    reported.add(m.group(2))
                    continue
                m = PROG.match(line)
                if m:
                    prog = m.group(1)
                    continue
                m = SUB.match(line)
                if m and prog and m.group(1) == "not ok":
                    fails.setdefault(f"{prog}:{m.group(2)}", []).append(n)
                    failed += 1
        missing = {os.path.basename(s)[:-2] for s in sources} - reported
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
