#!/usr/bin/python3
"""Unit tests of scripts/verdict, scripts/py/verdict.py and scripts/py/tables.py.

    python3 scripts/py/verdict_test.py [-v] [TEST...]

Each test runs the command line as bash runs it, in-process, on fixture logs of
testdata/SCENARIO/ (made up, or cut from real boots: real/, kunit-*/) and the test list
testdata/tests.list, where 'ids' is the series' test; the real scripts/kernels names the
variants. The verdict's cases are those scripts/harness-checks had, with the same
expectations: the exit status and a line of the output.
"""
import contextlib
import importlib.machinery
import importlib.util
import io
import re
import tempfile
import unittest
from pathlib import Path

import tables
import verdict

HERE = Path(__file__).resolve().parent
DATA = HERE / "testdata"
SCRIPTS = HERE.parent
LIST = DATA / "tests.list"
KUNIT_TOOL = SCRIPTS.parent / "build/linux/tools/testing/kunit"
HAS_KUNIT_TOOL = (KUNIT_TOOL / "kunit_parser.py").exists()

# The timers selftests Makefile of the applied tree.
SERIES = "posix_timer_ids posix_timer_contention posix_timer_restore_ids"
KSELFTESTS = ("posix_timers nanosleep nsleep-lat set-timer-lat mqueue-lat inconsistency-check "
              f"raw_skew threadtest rtcpie {SERIES}")


def load_cli():
    loader = importlib.machinery.SourceFileLoader("verdict_cli", str(SCRIPTS / "verdict"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


CLI = load_cli()


def cli(*args):
    """(exit status, stdout and stderr) of scripts/verdict ARGS."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            rc = CLI.main([str(a) for a in args])
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue()


def expand(*more):
    return cli("expand", "--table", SCRIPTS / "tests", "--series", SERIES,
               "--kselftests", KSELFTESTS, "--gen-files", "", *more)


class Case(unittest.TestCase):
    def expect(self, want, pattern, result):
        """@result, cli()'s, is @want ('pass' or 'fail') and has a line matching @pattern."""
        rc, out = result
        self.assertEqual("fail" if rc else "pass", want, out)
        self.assertRegex(out, re.compile(pattern, re.M))

    def judge(self, scenario, *runs, options=()):
        return cli(*options, "--tests", LIST, "--kunit-tool", KUNIT_TOOL, DATA / scenario, *runs)


class JudgeTest(Case):
    """The cases of scripts/harness-checks."""

    def test_clean_logs_pass(self):
        self.expect("pass", r"^1 passed, 0 failed, 1 skipped", self.judge("clean", "patched"))

    def test_a_kernel_warn_is_a_splat(self):
        self.expect("fail", r"kernel splat: .*WARNING: CPU: 1",
                    self.judge("warn", "base", "patched"))

    def test_test_output_is_not_a_kernel_splat(self):
        self.expect("pass", r"^1 passed, 0 failed", self.judge("test-output", "patched"))

    def test_any_kcsan_report_is_a_splat_without_a_scope(self):
        self.expect("fail", r"splat: .*wq_worker_tick", self.judge("kcsan-two", "patched"))

    def test_a_kcsan_report_in_the_scope_is_a_splat(self):
        self.expect("fail", r"splat: .*KCSAN: data-race in xa_load",
                    self.judge("kcsan-two", "patched",
                               options=("--kcsan-scope", r"\bxas?_\w+\+0x")))

    def test_a_kcsan_report_with_a_frame_in_the_scope_is_a_splat(self):
        self.expect("fail", r"splat: .*data-race in a\+0x1", self.judge(
            "kcsan-frame", "patched", options=("--kcsan-scope", r"\bposix_timer_add\+0x")))

    def test_a_kcsan_report_outside_the_scope_is_a_note(self):
        self.expect("pass",
                    r"NOTE: patched: KCSAN report outside the code under test: .*wq_worker_tick",
                    self.judge("kcsan-outside", "patched",
                               options=("--kcsan-scope", r"\bposix_timer_add\+0x")))

    def test_the_frames_an_interrupt_interrupted_are_not_the_races(self):
        self.expect("pass", r"NOTE: patched: KCSAN report outside", self.judge(
            "kcsan-interrupted", "patched", options=("--kcsan-scope", r"\bposix_timer_add\+0x")))

    def test_a_panic_without_the_end_marker_fails(self):
        rc, out = self.judge("panic", "patched")
        self.expect("fail", r"did not reach the end", (rc, out))
        self.assertRegex(out, r"kernel splat: .*Kernel panic")

    def test_a_plan_the_results_disagree_with_fails(self):
        self.expect("fail", r"TAP plan 3 but 2 results", self.judge("plan", "patched"))

    def test_pass_on_base_fail_on_ours_is_a_regression(self):
        self.expect("fail", r"a is a regression", self.judge("regression-fail", "base", "patched"))

    def test_pass_on_base_skip_on_ours_is_a_regression(self):
        self.expect("fail", r"a is a regression: skip here, pass on base",
                    self.judge("regression-skip", "base", "patched"))

    def test_failing_on_base_too_is_reported_not_a_regression(self):
        self.expect("pass", r"fails on patched and on base too",
                    self.judge("known-failure", "base", "patched"))

    def test_a_regression_that_passes_when_run_again_is_flaky(self):
        self.expect("pass", r"a is flaky, not a regression", self.judge("flaky", "base", "patched"))

    def test_a_regression_that_fails_when_run_again_stays_one(self):
        self.expect("fail", r"a is a regression", self.judge("retry-fails", "base", "patched"))

    def test_a_retry_that_did_not_finish_fails_and_the_regression_stays(self):
        rc, out = self.judge("retry-unfinished", "base", "patched")
        self.expect("fail", r"^FAIL: patched-retry: the guest did not reach the end", (rc, out))
        self.assertRegex(out, r"(?m)^FAIL: patched: a is a regression")

    def test_a_subtest_passing_on_base_and_failing_on_ours_is_a_regression(self):
        self.expect("fail", r"subtests passing on base fail or are missing here: x",
                    self.judge("subtest-regression", "base", "patched"))

    def test_a_test_of_the_series_must_not_fail_on_base(self):
        self.expect("fail", r"ids failed: a test of the series", self.judge("own-fails", "base"))

    def test_a_test_of_the_series_must_not_skip_on_a_kernel_with_the_series(self):
        self.expect("fail", r"patched: ids skipped: a test of the series",
                    self.judge("own-skips", "patched"))

    def test_a_test_asked_for_that_did_not_run_fails(self):
        self.expect("fail", r"^FAIL: patched: ids was asked for and did not run",
                    self.judge("asked", "patched"))


class JudgeRulesTest(Case):
    """The rules the table and the boot records brought."""

    def test_a_test_of_the_series_may_skip_on_a_kernel_without_the_series(self):
        self.expect("pass", r"^1 passed, 0 failed, 1 skipped", self.judge("own-skips", "base"))

    def test_a_test_of_the_series_failing_is_no_regression_to_run_again(self):
        self.expect("fail", r"patched: ids failed: a test of the series",
                    self.judge("own-regression", "base", "patched"))
        self.assertEqual(cli("retry", "--tests", LIST, DATA / "own-regression", "base", "patched"),
                         (0, ""))

    def test_without_a_boot_record_nothing_is_asked_for(self):
        # clean/ has no result for ids, a test of the series, and no boot record.
        self.expect("pass", r"verdict: PASS", self.judge("clean", "base", "patched"))

    def test_the_boot_record_is_shown(self):
        self.expect("fail", r"^  boot: variant=patched accel=tcg kernel=",
                    self.judge("asked", "patched"))

    def test_the_baseline_is_the_run_of_the_baseline_variant(self):
        self.expect("fail",
                    r"^FAIL: stress-debug: a is a regression: fail here, pass on stress-base",
                    self.judge("by-table", "stress-base", "stress-debug"))

    def test_the_baseline_of_a_criu_run_is_criu_base(self):
        self.expect("fail", r"^FAIL: criu-patched: b is a regression: fail here, pass on criu-base",
                    self.judge("by-table", "criu-base", "criu-patched", "stress-base"))

    def test_a_failure_without_a_baseline_run_fails(self):
        self.expect("fail", r"kcsan: a failed \(no baseline run to compare with\)",
                    self.judge("by-table", "kcsan"))

    def test_the_job_record_is_printed_first(self):
        rc, out = self.judge("clean", "patched", options=("--record", DATA / "job-record.txt"))
        self.assertTrue(out.startswith("record: harness=0123abc\nrecord: series=sha256:42\n"), out)

    def test_the_real_logs_of_a_run_pass_with_their_known_failures(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, out = expand()
            Path(tmp, "tests.list").write_text(out)
            result = cli("--tests", Path(tmp, "tests.list"), "--kunit-tool", KUNIT_TOOL,
                         DATA / "real", "base", "patched", "debug")
        self.expect("pass", r"^30 passed, 0 failed, 0 skipped", result)
        self.assertRegex(result[1], r"known failures, failing on the baseline too: 3;")


@unittest.skipUnless(HAS_KUNIT_TOOL, f"no {KUNIT_TOOL}")
class KUnitTest(Case):
    """KTAP on the console, cut from a real boot of debug, read by the kernel's parser."""

    def test_a_kunit_suite_which_passed_counts_as_passed(self):
        result = self.judge("kunit-pass", "debug", options=("--kunit", "debug=posix_timers_ids"))
        self.expect("pass", r"^2 passed, 0 failed", result)
        self.assertRegex(result[1], r"kunit: posix_timers_ids: pass, 3 cases")

    def test_a_failed_kunit_case_fails_the_verdict(self):
        self.expect("fail",
                    r"KUnit suite posix_timers_ids failed: counter_wraps_to_zero_after_int_max",
                    self.judge("kunit-fail", "debug"))

    def test_a_kunit_suite_without_its_result_did_not_finish(self):
        self.expect("fail", r"suite posix_timers_ids did not finish",
                    self.judge("kunit-unfinished", "debug"))

    def test_a_kunit_suite_asked_for_must_have_run(self):
        self.expect("fail", r"patched: KUnit suite posix_timers_ids did not run",
                    self.judge("clean", "patched", options=("--kunit", "patched=posix_timers_ids")))

    def test_a_kunit_line_of_the_test_list_asks_for_its_suite(self):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "tests.list").write_text(LIST.read_text() + "kunit\tids\tpatched\n")
            result = cli("--tests", Path(tmp, "tests.list"), "--kunit-tool", KUNIT_TOOL,
                         DATA / "clean", "patched")
        self.expect("fail", r"patched: KUnit suite ids did not run", result)

    def test_a_boot_test_whose_checks_all_passed_counts_as_passed(self):
        result = self.judge("xarray-pass", "xarray")
        self.expect("pass", r"^2 passed, 0 failed", result)
        self.assertRegex(result[1], r"boot test: XArray: 159586013 of 159586013 checks passed")

    def test_a_boot_test_with_a_failed_check_fails_the_verdict(self):
        self.expect("fail", r"xarray: boot test XArray: 1 of 159586013 checks failed",
                    self.judge("xarray-fail", "xarray"))

    def test_a_boot_test_of_the_kernel_s_fragments_must_print_its_result(self):
        self.expect("fail", r"xarray: boot test XArray \(xarray.config\) did not print",
                    self.judge("xarray-missing", "xarray"))

    def test_the_kselftests_tap_on_the_console_is_not_kunit(self):
        # kunit-late: a suite which ran after the kselftests printed their TAP.
        rc, out = self.judge("kunit-late", "base")
        self.expect("pass", r"^2 passed, 0 failed", (rc, out))
        self.assertEqual(re.findall(r"kunit: .*", out), ["kunit: posix_timers_ids: pass, 3 cases"])

    def test_the_kunit_parser_prints_nothing(self):
        rc, out = self.judge("kunit-pass", "debug")
        self.assertNotRegex(out, r"=====|\[PASSED\]|Testing complete")

    def test_ktap_without_the_kunit_tool_is_an_error(self):
        rc, out = cli("--tests", LIST, "--kunit-tool", DATA / "nowhere",
                      DATA / "kunit-pass", "debug")
        self.assertEqual(rc, 2)
        self.assertIn("kunit_parser.py", out)


class RetryTest(Case):
    def test_retry_lists_the_regressions_of_each_run(self):
        self.assertEqual(cli("retry", "--tests", LIST, DATA / "retry-fails", "base", "patched"),
                         (0, "patched patched a\n"))

    def test_retry_names_the_variant_of_a_run_from_its_boot_record(self):
        self.assertEqual(cli("retry", "--tests", LIST, DATA / "by-table", "stress-base",
                             "stress-debug", "criu-base", "criu-patched"),
                         (0, "stress-debug debug a\ncriu-patched criu-patched b\n"))


class PlanTest(Case):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.list = Path(cls.tmp.name, "tests.list")
        cls.list.write_text(expand()[1])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def plan(self, *args, tests=None):
        rc, out = cli("plan", "--tests", tests or self.list, *args)
        self.assertEqual(rc, 0, out)
        return out.splitlines()

    def test_plan_runs_the_tests_whose_where_names_the_job_or_the_variant(self):
        self.assertEqual(self.plan("--job", "run", "--variant", "patched"),
                         ["posix_timers"] + [f"{t}{s}" for t in SERIES.split()
                                             for s in ("", "_32", "_t64")])
        self.assertEqual(self.plan("--job", "stress", "--variant", "kcsan"), ["posix_timer_stress"])
        self.assertEqual(self.plan("--job", "stress", "--variant", "debug"),
                         ["posix_timer_stress", "posix_timer_faults"])

    def test_plan_gives_each_test_its_args_on_the_variant(self):
        debug = self.plan("--job", "run", "--variant", "debug")
        self.assertIn("posix_timer_ids_32 -F many_timers", debug)
        self.assertIn("posix_timer_ids", debug)
        self.assertNotIn("posix_timer_ids_32 -F many_timers",
                         self.plan("--job", "run", "--variant", "base"))
        self.assertEqual(self.plan("--job", "criu", "--variant", "criu-patched"),
                         ["criu_42 high"])

    def test_plan_only_runs_those_named_in_that_order_with_their_args(self):
        self.assertEqual(self.plan("--job", "run", "--variant", "debug", "--only",
                                   "posix_timer_ids_t64,nanosleep,rtcpie"),
                         ["posix_timer_ids_t64 -F many_timers", "nanosleep", "rtcpie"])

    def test_plan_only_with_an_unknown_test_is_an_error(self):
        rc, out = cli("plan", "--tests", self.list, "--job", "run", "--variant", "debug",
                      "--only", "posix_timers,nosuch")
        self.assertEqual(rc, 2)
        self.assertIn("nosuch", out)

    def test_plan_of_an_unknown_variant_is_an_error(self):
        rc, out = cli("plan", "--tests", self.list, "--job", "run", "--variant", "nosuch")
        self.assertEqual(rc, 2)
        self.assertIn("unknown variant nosuch", out)

    def test_plan_all_adds_the_jobs_other_tests_and_those_of_all(self):
        patched = self.plan("--job", "run", "--variant", "patched", "--all")
        self.assertEqual(patched[:3], ["posix_timers", "nanosleep", "set-timer-lat"])
        self.assertEqual(patched[-6:], ["nsleep-lat", "mqueue-lat", "inconsistency-check",
                                        "raw_skew", "threadtest", "rtcpie"])
        self.assertNotIn("posix_timer_stress", patched)
        self.assertNotIn("posix_timer_id_bench", patched)

    def test_plan_after_keeps_own_not_passed_and_not_run_tests(self):
        self.assertEqual(self.plan("--job", "run", "--variant", "base", "--after",
                                   DATA / "after", "patched", "debug", tests=LIST),
                         ["b", "c", "d", "ids"])

    def test_plan_after_no_run_keeps_everything(self):
        self.assertEqual(self.plan("--job", "run", "--variant", "base", "--after", DATA / "after",
                                   tests=LIST), ["a", "b", "c", "d", "ids"])


class ExpandTest(Case):
    def lines(self):
        rc, out = expand()
        self.assertEqual(rc, 0, out)
        return out.splitlines()

    def test_the_series_tests_expand_to_their_builds(self):
        lines = self.lines()
        self.assertIn("test\tposix_timer_ids_32\tkselftest:posix_timer_ids\t32\town\trun", lines)
        names = [line.split("\t")[1] for line in lines if line.startswith("test\tposix_timer_ids")]
        self.assertEqual(names, ["posix_timer_ids", "posix_timer_ids_32", "posix_timer_ids_t64"])

    def test_the_tables_other_tests_keep_their_source(self):
        self.assertIn("test\tposix_timer_stress\tguest:posix_timer_stress\t64\town\tstress",
                      self.lines())

    def test_a_kselftest_the_table_does_not_name_runs_with_all(self):
        self.assertIn("test\trtcpie\tkselftest:rtcpie\t64\t-\tall", self.lines())

    def test_gen_files_the_table_does_not_name_are_left_out(self):
        rc, out = cli("expand", "--table", SCRIPTS / "tests", "--series", SERIES, "--kselftests",
                      f"{KSELFTESTS} helper", "--gen-files", "helper")
        self.assertNotIn("helper", out)
        self.assertIn("test\tposix_timer_id_bench\tguest:posix_timer_id_bench\t64\town\tbench",
                      out)

    def test_a_kselftest_of_the_table_the_makefile_lacks_is_an_error(self):
        rc, out = cli("expand", "--table", SCRIPTS / "tests", "--series", SERIES,
                      "--kselftests", KSELFTESTS.replace("nanosleep ", ""))
        self.assertEqual(rc, 2)
        self.assertIn("nanosleep", out)

    def test_kunit_lines_are_copied(self):
        self.assertIn("kunit\tposix_timers_ids\tdebug", self.lines())

    def test_list_prints_the_tests_of_a_source(self):
        rc, out = cli("list", "--tests", LIST, "--source", "kselftest")
        self.assertEqual(rc, 0, out)
        self.assertIn("ids kselftest ids 64", out.splitlines())

    def test_args_lines_are_copied(self):
        self.assertIn("args\tposix_timer_ids_32\tdebug\t-F\tmany_timers", self.lines())
        self.assertIn("args\tcriu_42\t*\thigh", self.lines())

    def test_the_test_list_parses_to_what_the_table_says(self):
        tests = tables.parse_tests("\n".join(self.lines()))
        by_name = {t.name: t for t in tests.tests()}
        self.assertEqual(by_name["posix_timer_contention_t64"],
                         tables.Test("posix_timer_contention_t64", "kselftest",
                                     "posix_timer_contention", "t64", True, ("run",)))
        self.assertEqual(tests.args_for("criu_42", "criu-base"), ["high"])
        self.assertIn("criu_42", tests.own())
        self.assertNotIn("posix_timers", tests.own())


class TablesTest(Case):
    def test_the_real_kernels_table_parses(self):
        kernels = tables.read_kernels(SCRIPTS / "kernels")
        self.assertEqual(kernels.baseline("debug"), "base")
        self.assertEqual(kernels.baseline("criu-patched"), "criu-base")
        self.assertIsNone(kernels.baseline("kcsan"))
        self.assertFalse(kernels.has_series("base"))
        self.assertFalse(kernels.has_series("bench-base"))
        self.assertTrue(kernels.has_series("bisect"))
        self.assertEqual(kernels.kernel("debug").fragments, ("kernel", "debug"))

    def test_the_real_kernels_table_has_one_base_whose_variants_have_plain_names(self):
        kernels = tables.read_kernels(SCRIPTS / "kernels")
        self.assertEqual(list(kernels.bases), ["7.3"])
        self.assertEqual(kernels.on_base("debug", "7.3"), "debug")

    def test_a_second_base_names_its_variants_by_its_suffix(self):
        kernels = tables.parse_kernels("base\t7.3\t-\nbase\t7.4\t-7.4\n"
                                       "tree\tbase\tl\tdeb:x\tstrict\n"
                                       "tree\tseries\ta\tseries:base:p\tstrict\n"
                                       "tree\tbase-7.4\tl4\tdeb:y\tstrict\n"
                                       "tree\tseries-7.4\ta4\tseries:base-7.4:p\tstrict\n")
        self.assertEqual((kernels.on_base("debug", "7.3"), kernels.on_base("debug", "7.4")),
                         ("debug", "debug-7.4"))

    def test_a_base_without_its_series_tree_is_an_error(self):
        with self.assertRaisesRegex(tables.TableError, "base 7.3 has no tree series-7.3"):
            tables.parse_kernels("base\t7.4\t-\nbase\t7.3\t-7.3\n"
                                 "tree\tbase\tl\tdeb:x\tstrict\n"
                                 "tree\tseries\ta\tseries:base:p\tstrict\n"
                                 "tree\tbase-7.3\tl3\tdeb:y\tstrict\n")

    def test_a_base_named_twice_is_an_error(self):
        with self.assertRaisesRegex(tables.TableError, "k:2: base 7.4 twice"):
            tables.parse_kernels("base\t7.4\t-\nbase\t7.4\t-x\n", "k")

    def test_two_bases_without_a_suffix_are_an_error(self):
        with self.assertRaisesRegex(tables.TableError, "exactly one base must have no suffix"):
            tables.parse_kernels("base\t7.4\t-\nbase\t7.3\t-\n")

    def test_the_real_tests_table_parses(self):
        table = tables.read_tests(SCRIPTS / "tests")
        self.assertIsInstance(table.entries[3], tables.Series)
        self.assertEqual(table.entries[3].builds, ("64", "32", "t64"))
        self.assertEqual(table.args_for("posix_timer_ids_t64", "debug"), ["-F", "many_timers"])

    def test_the_unexpanded_table_is_no_test_list(self):
        with self.assertRaisesRegex(tables.TableError, "not expanded"):
            tables.read_tests(SCRIPTS / "tests").tests()

    def test_a_variants_args_come_before_those_of_every_variant(self):
        tests = tables.parse_tests("args\tt\t*\tall\nargs\tt\tdebug\tdebug\n")
        self.assertEqual((tests.args_for("t", "debug"), tests.args_for("t", "base")),
                         (["debug"], ["all"]))

    def test_a_record_with_missing_fields_is_an_error(self):
        with self.assertRaisesRegex(tables.TableError, r"^k:2: 5 fields expected"):
            tables.parse_kernels("tree\tbase\tlinux\tdeb:linux-source-7.4\tstrict\n"
                                 "kernel\tbase\tbase\tkernel\n", "k")

    def test_an_unknown_baseline_is_an_error(self):
        with self.assertRaisesRegex(tables.TableError, "unknown baseline nosuch"):
            tables.parse_kernels("tree\tbase\tlinux\tdeb:x\tstrict\n"
                                 "kernel\tbase\tbase\tk\tnosuch\n")

    def test_an_unknown_build_is_an_error(self):
        with self.assertRaisesRegex(tables.TableError, "unknown build"):
            tables.parse_tests("test\tt\tkselftest\t64,x32\t-\tall\n")


class CommandLineTest(Case):
    def test_finished_tells_whether_the_end_marker_is_there(self):
        self.assertEqual(cli("finished", DATA / "clean/tap-patched.log"), (0, ""))
        self.assertEqual(cli("finished", DATA / "panic/tap-patched.log"), (1, ""))
        self.assertEqual(cli("finished", DATA / "nowhere.log"), (1, ""))

    def test_end_marker_prints_the_marker(self):
        self.assertEqual(cli("end-marker"), (0, verdict.END + "\n"))

    def test_judge_is_the_default_subcommand(self):
        self.assertEqual(cli("judge", "--tests", LIST, DATA / "clean", "patched"),
                         cli("--tests", LIST, DATA / "clean", "patched"))

    def test_help_names_the_subcommands(self):
        rc, out = cli("-h")
        self.assertEqual(rc, 0)
        for command in ("expand", "plan", "retry", "judge", "finished", "end-marker"):
            self.assertIn(command, out)

    def test_a_missing_test_list_is_an_error(self):
        rc, out = cli("--tests", DATA / "nowhere.list", DATA / "clean", "patched")
        self.assertEqual(rc, 2)
        self.assertIn("run scripts/initramfs", out)


if __name__ == "__main__":
    unittest.main()
