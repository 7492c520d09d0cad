"""Judge the logs of booted kernels: every judging rule of the harness is here.

A run is one boot, named NAME: LOGDIR/tap-NAME.log (the TAP the guest printed on its TAP
port: tests, and the subtests each test printed), LOGDIR/console-NAME.log (kernel messages
and test output) and LOGDIR/boot-NAME.txt (the boot record scripts/boot writes: key=value
lines, among them 'variant' and 'tests', the names asked for). Without a boot record the
variant is NAME and what was asked for is unknown.

Per run: the TAP must reach the end marker and agree with its plan, every test asked for
must have a result, and the console must have no kernel splat. Then each run is compared
with its baseline run, the run among those judged whose variant is its variant's BASELINE
in scripts/kernels:
  - a test that passes on the baseline and fails on the run is a regression;
  - a test that fails on the baseline too is a known failure, unless a subtest that passes
    on the baseline fails (or is missing) on the run, which is a regression again;
  - a test that passes on the baseline and skips on the run is a regression too;
  - a regression whose test, run again in a fresh boot (run NAME-retry, see retry_tests()),
    is as good as on the baseline is reported as flaky and does not fail the verdict.
A test of the series (OWN in the test list) must not fail on any kernel, and may skip only on
a kernel without the series (a tree whose SOURCE is deb:).
KUnit suites which ran at boot print their KTAP on the console, parsed by the kernel's own
kunit_parser.py: every suite found there must pass, and each suite asked for on a variant
must have run on it.
With a KCSAN scope, a KCSAN data race report counts as a splat only when one of its lines (the
title, the stack frames, but not those of a context an interrupt interrupted) matches it, the
code under test; the others, races the kernel has without it, are listed as notes.
The last line is 'N passed, N failed, N skipped'; known failures are counted on the line
before it.
"""
import inspect
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

END = "HARNESS: END OF TESTS"
# Only kernel messages count: they carry the [seconds.micros] stamp of PRINTK_TIME, which test
# output does not (raw_skew prints "WARNING: ADJ_OFFSET in progress").
STAMP = re.compile(r"^\[ *\d+\.\d+\] ?")
SPLATS = re.compile(
    r"\[ *\d+\.\d+\] .*("
    r"BUG:|WARNING:|Oops|KASAN:|UBSAN:|kernel BUG at|Unable to handle kernel"
    r"|possible circular locking|suspicious RCU usage"
    r"|rcu: INFO: .*detected stall|self-detected stall|kmemleak:.*suspected memory leak"
    r"|ODEBUG:|list_add corruption|list_del corruption|list corruption"
    r"|Kernel panic|general protection fault|INFO: task .* blocked for more than)")
RESULT = re.compile(r"^(ok|not ok) (\d+) selftests: \S+: (\S+)(.*)$")
SUBRESULT = re.compile(r"^# (ok|not ok) \d+ (.*?)( # .*)?$")
START = re.compile(r"^# selftests: \S+: (\S+)$")
# {fragment: name}: a kernel built with scripts/config/FRAGMENT.config runs the boot test
# NAME, a test module built in, and every boot of it must print its summary line
# (lib/test_xarray.c: "XArray: %u of %u tests passed").
BOOT_TESTS = {"xarray": "XArray"}
BOOT_TEST = re.compile(r"\b(" + "|".join(map(re.escape, BOOT_TESTS.values()))
                       + r"): (\d+) of (\d+) tests passed")
PLAN = re.compile(r"^1\.\.(\d+)$")

KCSAN = re.compile(r"\[ *\d+\.\d+\] BUG: KCSAN: ")
KCSAN_END = re.compile(r"\[ *\d+\.\d+\] =+$")
# In a KCSAN stack, the frames below an interrupt entry are the interrupted context, which
# takes no part in the race; a new access ("read to", "write to", "race at") starts a stack.
IRQ_ENTRY = re.compile(r"\basm_(sysvec_\w+|common_interrupt|exc_\w+)\+0x")
ACCESS = re.compile(r"\] (race at|(read|write)\b.* to 0x)")


def status(word, directive):
    if word == "not ok":
        return "fail"
    return "skip" if directive and "SKIP" in directive else "pass"


def finished(text):
    return any(line.startswith(END) for line in text.splitlines())


def kcsan_frames(report):
    """The lines of a KCSAN @report which name the racing code."""
    keep, interrupted = [], False
    for line in report:
        if ACCESS.search(line):
            interrupted = False
        elif IRQ_ENTRY.search(line):
            interrupted = True
        if not interrupted:
            keep.append(line)
    return keep


def splats(text, kcsan_scope):
    """The splat lines of console @text, and the KCSAN reports left out of @kcsan_scope."""
    found, outside = [], []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not SPLATS.search(line):
            continue
        if kcsan_scope and KCSAN.search(line):
            report = [line]
            for more in lines[i + 1:i + 80]:
                if KCSAN_END.search(more) or KCSAN.search(more):
                    break
                report.append(more)
            if not any(kcsan_scope.search(r) for r in kcsan_frames(report)):
                outside.append(line.strip())
                continue
        found.append(line.strip())
    return found, outside


class KUnit:
    """The kernel's KTAP parser (tools/testing/kunit/kunit_parser.py of a tree), imported
    from @tool_dir when a console first has KTAP, its printing silenced.

    It is given the kernel messages only, without their time stamps: the console also
    carries the kselftests' TAP, which it would take for KUnit's. It parses the first KTAP
    block (the suites built in, which run at boot), kernel messages interleaved."""
    STATUS = {"SUCCESS": "pass", "FAILURE": "fail", "SKIPPED": "skip"}

    def __init__(self, tool_dir):
        self.tool_dir, self.parser, self.printer = Path(tool_dir), None, None

    def load(self):
        if self.parser is None:
            if not (self.tool_dir / "kunit_parser.py").exists():
                raise FileNotFoundError(f"a console has KTAP, but there is no "
                                        f"{self.tool_dir}/kunit_parser.py (--kunit-tool)")
            sys.path.insert(0, str(self.tool_dir))
            import kunit_parser
            import kunit_printer
            # A silent printer. Up to 6.12 the parser prints to its module's stdout, a
            # Printer around a file; since 6.13 it takes one, Printer(print=False).
            if "print" in inspect.signature(kunit_printer.Printer).parameters:
                self.printer = kunit_printer.Printer(print=False)
            else:
                self.printer = kunit_printer.Printer(io.StringIO())
            kunit_parser.stdout = self.printer
            self.parser = kunit_parser
        return self.parser

    def parse(self, lines):
        parser = self.load()
        if "printer" in inspect.signature(parser.parse_run_tests).parameters:
            return parser.parse_run_tests(lines, self.printer)
        return parser.parse_run_tests(lines)

    def suites(self, text):
        """{suite: (status, {case: status})}; a suite's status is None when its result
        line is missing (crash, hang)."""
        lines = [STAMP.sub("", line) for line in text.splitlines() if STAMP.match(line)]
        if not any("KTAP version" in line for line in lines):
            return {}
        main = self.parse(lines)
        return {s.name: (self.STATUS.get(s.status.name),
                         {c.name: self.STATUS.get(c.status.name) for c in s.subtests})
                for s in main.subtests}


def boot_record(path):
    """The key=value lines of a boot record, or None without one."""
    if not path.exists():
        return None
    return dict(line.partition("=")[::2] for line in path.read_text().splitlines()
                if "=" in line)


@dataclass
class Run:
    """What the logs of the run @name in @logdir say."""
    name: str
    logs: list
    variant: str
    record: dict | None
    results: dict = field(default_factory=dict)
    subtests: dict = field(default_factory=dict)
    tap: list = field(default_factory=list)
    plan: int | None = None
    finished: bool = False
    splats: list = field(default_factory=list)
    kcsan_outside: list = field(default_factory=list)
    kunit: dict = field(default_factory=dict)
    boot_tests: dict = field(default_factory=dict)

    @property
    def asked(self):
        """The tests the boot record asked for, or None without a record."""
        return self.record.get("tests", "").split() if self.record is not None else None


def read_text(path):
    return path.read_text(errors="replace") if path.exists() else ""


def read_run(logdir, name, kcsan_scope=None, kunit=None):
    tap, console = logdir / f"tap-{name}.log", logdir / f"console-{name}.log"
    record = boot_record(logdir / f"boot-{name}.txt")
    run = Run(name, [tap, console], (record or {}).get("variant", name), record)
    text = read_text(console)
    run.splats, run.kcsan_outside = splats(text, kcsan_scope)
    run.kunit = kunit.suites(text) if kunit else {}
    run.boot_tests = {m.group(1): (int(m.group(2)), int(m.group(3)))
                      for m in BOOT_TEST.finditer(text)}
    read_tap(run, read_text(tap))
    return run


def read_tap(run, text):
    current = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith(END):
            run.finished = True
        m = START.match(line)
        if m:
            current = m.group(1)
            run.subtests[current] = {}
            continue
        m = SUBRESULT.match(line)
        if m and current:
            run.subtests[current][m.group(2)] = status(m.group(1), m.group(3))
            continue
        m = PLAN.match(line)
        if m:
            run.plan = int(m.group(1))
            run.tap.append(line)
        m = RESULT.match(line)
        if m:
            run.results[m.group(3)] = status(m.group(1), m.group(4))
            run.tap.append(line)
            current = None


def read_runs(logdir, names, kcsan_scope=None, kunit=None):
    """The runs @names, and the retry run of each that has one: ({name: Run}, {name: Run})."""
    runs = {n: read_run(logdir, n, kcsan_scope, kunit) for n in names}
    retries = {n: read_run(logdir, f"{n}-retry", kcsan_scope, kunit) for n in names
               if (logdir / f"tap-{n}-retry.log").exists()}
    return runs, retries


def baselines(runs, kernels):
    """{name: its baseline Run} of the @runs which have one among them."""
    by_variant = {}
    for run in runs.values():
        by_variant.setdefault(run.variant, run)
    return {n: by_variant[kernels.baseline(r.variant)] for n, r in runs.items()
            if kernels.baseline(r.variant) in by_variant}


def regression(base, run, test):
    """Why @test on @run is a regression against @base, or None."""
    if base is None or test not in base.results:
        return None
    st, was = run.results.get(test), base.results[test]
    if was == "pass" and st in ("fail", "skip"):
        return f"{st} here, pass on {base.name}"
    if was == "fail" and st == "fail":
        lost = [n for n, s in base.subtests.get(test, {}).items()
                if s == "pass" and run.subtests.get(test, {}).get(n) != "pass"]
        if lost:
            return (f"subtests passing on {base.name} fail or are missing here: "
                    f"{', '.join(lost)}")
    return None


def retry_tests(runs, kernels, own):
    """[(run, [test])]: the regressions of each run against its baseline, but the tests of
    the series (@own), which must pass whatever the baseline does: the tests to run again."""
    base = baselines(runs, kernels)
    found = []
    for name, run in runs.items():
        tests = [t for t in sorted(run.results)
                 if name in base and t not in own and regression(base[name], run, t)]
        if tests:
            found.append((run, tests))
    return found


def needed_after(tests, runs, own):
    """Of @tests, those a baseline booted after @runs has to run for the verdict to compare:
    the series' own (@own), and those which did not pass on a run which ran or was asked for
    them (no result after a crash), or ran on none of them."""
    def needed(test):
        seen = [r.results.get(test) for r in runs
                if test in r.results or test in (r.asked or ())]
        return test in own or not seen or any(st != "pass" for st in seen)
    return [t for t in tests if needed(t.name)]


@dataclass
class Verdict:
    bad: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: dict.fromkeys(
        ("pass", "fail", "skip", "known", "flaky"), 0))

    def fail(self, message):
        self.bad.append(message)
        self.counts["fail"] += 1


def check_boot(v, run):
    """The run's own soundness: end marker, plan, tests asked for, splats."""
    print(f"== {run.name}: {', '.join(str(p) for p in run.logs)}")
    if run.record:
        print("  boot:", " ".join(f"{k}={x}" for k, x in run.record.items()
                                   if k in ("variant", "kernel", "accel", "qemu_exit")))
    for line in run.tap:
        print(f"  {line}")
    broken = [f"{run.name}: kernel splat: {s}" for s in run.splats]
    if not run.finished:
        broken.append(f"{run.name}: the guest did not reach the end of the tests "
                      "(crash, hang or timeout)")
    if run.plan != len(run.results):
        broken.append(f"{run.name}: TAP plan {run.plan} but {len(run.results)} results")
    v.bad.extend(broken)
    v.counts["fail"] += bool(broken)
    v.notes.extend(f"{run.name}: KCSAN report outside the code under test: {s}"
                   for s in run.kcsan_outside)
    # Without a boot record, what was asked for is unknown: nothing to check.
    for test in run.asked or ():
        if test not in run.results:
            v.fail(f"{run.name}: {test} was asked for and did not run")


def check_kunit(v, run):
    for suite, (st, cases) in run.kunit.items():
        failing = sorted(c for c, cs in cases.items() if cs == "fail")
        print(f"  kunit: {suite}: {st or 'no result'}, {len(cases)} cases"
              f"{', failing: ' + ', '.join(failing) if failing else ''}")
        if st in ("pass", "skip"):
            v.counts[st] += 1
        else:
            v.fail(f"{run.name}: KUnit suite {suite} "
                   f"{'failed' if st == 'fail' else 'did not finish'}"
                   f"{': ' + ', '.join(failing) if failing else ''}")


def check_kunit_asked(v, runs, asked):
    """Each suite of @asked ({variant: [suite]}) ran on every run of its variant."""
    for run in runs.values():
        for suite in asked.get(run.variant, ()):
            if suite not in run.kunit:
                v.fail(f"{run.name}: KUnit suite {suite} did not run")


def check_boot_tests(v, run, kernels):
    """The boot tests @run printed pass, and those its kernel's fragments build in ran."""
    for name, (passed, total) in run.boot_tests.items():
        print(f"  boot test: {name}: {passed} of {total} checks passed")
        if passed == total:
            v.counts["pass"] += 1
        else:
            v.fail(f"{run.name}: boot test {name}: {total - passed} of {total} checks failed")
    k = kernels.kernels.get(run.variant)
    for frag in k.fragments if k else ():
        name = BOOT_TESTS.get(frag)
        if name and name not in run.boot_tests:
            v.fail(f"{run.name}: boot test {name} ({frag}.config) did not print its result")


def check_test(v, run, test, base, retry, own, with_series):
    """@test's result on @run, against its baseline run @base (or None)."""
    st, name = run.results[test], run.name
    failing = sorted(n for n, s in run.subtests.get(test, {}).items() if s == "fail")
    what = f"{test} ({', '.join(failing)})" if failing else test
    why = regression(base, run, test)
    if test in own and st == "fail":
        v.fail(f"{name}: {what} failed: a test of the series must not fail on any kernel")
    elif test in own and st == "skip" and with_series:
        v.fail(f"{name}: {what} skipped: a test of the series must pass on every kernel "
               "with the series")
    elif why and retry and retry.finished and retry.results.get(test, "skip") != "skip" \
            and not regression(base, retry, test):
        v.notes.append(f"{name}: {what} is flaky, not a regression: {why}, but as good as "
                       f"on {base.name} when run again in a fresh boot")
        v.counts["flaky"] += 1
    elif why:
        v.fail(f"{name}: {what} is a regression: {why}")
    elif st != "fail":
        v.counts[st] += 1
    elif not with_series:
        v.notes.append(f"{what} fails on {name} (the unpatched kernel)")
        v.counts["known"] += 1
    elif base is None:
        v.fail(f"{name}: {what} failed (no baseline run to compare with)")
    elif test not in base.results:
        v.fail(f"{name}: {what} failed (and did not run on {base.name} to compare with)")
    else:
        v.notes.append(f"{what} fails on {name} and on {base.name} too "
                       "(not caused by the series)")
        v.counts["known"] += 1


def judge(runs, retries, kernels, own, kunit_asked, record=()):
    """Print the verdict on @runs (and their @retries); 0 when it passes, 1 when not.
    @own: the tests of the series; @kunit_asked: {variant: [suite]}; @record: the job
    record's lines."""
    for line in record:
        print(f"record: {line}")
    v = Verdict()
    for run in list(runs.values()) + list(retries.values()):
        check_boot(v, run)
        check_kunit(v, run)
        check_boot_tests(v, run, kernels)
    check_kunit_asked(v, runs, kunit_asked)
    base = baselines(runs, kernels)
    for name, run in runs.items():
        for test in sorted(run.results):
            check_test(v, run, test, base.get(name), retries.get(name), own,
                       kernels.has_series(run.variant))
    for n in v.notes:
        print(f"NOTE: {n}")
    for b in v.bad:
        print(f"FAIL: {b}")
    c = v.counts
    print(f"verdict: {'FAIL' if v.bad else 'PASS'} ({', '.join(runs)}); known failures, "
          f"failing on the baseline too: {c['known']}; flaky, passed when run again: "
          f"{c['flaky']}")
    print(f"{c['pass']} passed, {c['fail']} failed, {c['skip']} skipped")
    return 1 if v.bad else 0
