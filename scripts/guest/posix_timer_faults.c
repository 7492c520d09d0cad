// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection into timer_create(), run in the guest by scripts/stress on the kernels with
 * fault injection (the debug variant), as root, after posix_timer_stress.
 *
 *   posix_timer_faults
 *
 * Scenarios: an automatic ID which needs no xarray node (ID 0 of a process without timers)
 * and automatic IDs which need new nodes (a process holding 0..63 creates 64, one holding
 * 0..4095 creates 4096); in restore mode (PR_TIMER_CREATE_RESTORE_IDS) exact sparse IDs
 * (1 << 20 and 12345678 in a process holding 0..2, INT_MAX in a process without timers);
 * and the prctl itself, which allocates nothing.
 *
 * Two kinds of faults, each fault point in an attempt of its own:
 *  - single failures: /proc/thread-self/fail-nth fails the n-th slab allocation of the call,
 *    for n = 1, 2, ... until the call succeeds without reaching it. The page allocator is kept
 *    out (fail_page_alloc/min-order): it only ever sees SLUB's first, high-order try for a
 *    new slab, which falls back to a smaller order, and KASAN's stack depot, which makes the
 *    fault points depend on the slabs' state;
 *  - pairs of failures in the xarray nodes (failslab with cache-filter on radix_tree_node,
 *    task-filter on the creating thread, times=2): the node allocation under the xarray lock
 *    (GFP_NOWAIT) fails and so does the GFP_KERNEL retry of xas_nomem(), which fail-nth alone
 *    cannot reach. space = k * object_size + 1 lets the first k node allocations pass, for
 *    k = 0, 1, ... until the call succeeds with no fault consumed.
 * Both need failslab's ignore-gfp-wait off: should_failslab() returns before it counts an
 * allocation which may reclaim otherwise, also for fail-nth.
 *
 * Each attempt runs in a forked child, which afterwards exits or exec()s (alternately; the new
 * image checks that it starts without timers and exits). A call which failed under a fault
 * runs twice: once the child exits (or exec()s) right after it, so that whatever the failure
 * left in the xarray is still there when the process goes away; once the child first
 * checks the ID counter by creating timers again, which fills the xarray where the failed
 * call would have stored its timer.
 *
 * Checked (a broken check prints 'VIOLATION:' and the program exits 1):
 *  - the call fails only when a fault was consumed, and then with EAGAIN;
 *  - the timers of the process (/proc/self/timers, or timer_gettime() on the IDs involved)
 *    are the same as before a failed call, plus the new one after a successful call, which
 *    has the wanted ID;
 *  - the ID counter: after a failed automatic create, the next automatic create gets the ID
 *    the failed one would have had; a failed restore mode create moves no counter (the next
 *    TIMER_ANY_ID gets the old counter) and leaves the wanted ID free; after a successful
 *    create the next automatic ID is the first free one after the new timer's;
 *  - the prctl succeeds under fail-nth and leaves the fault unconsumed;
 *  - once an attempt's process is gone, the posix_timers_cache and sigqueue slabs are back
 *    to their starting object counts (exact with slub_debug=F,posix_timers_cache,sigqueue);
 *  - the TAINT_WARN bit of /proc/sys/kernel/tainted stays clear (free_signal_struct() warns
 *    when a process goes away with a non-empty xarray); scripts/verdict also fails on any
 *    WARN on the console;
 *  - a kmemleak scan at the end reports nothing.
 * Every knob it touches is put back at the end. The program is deterministic: no options.
 * Exits 4 (skip) when not root or without fault injection; without the prctl only the
 * automatic-ID scenarios run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/prctl.h>

#include "guest_util.h"


#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc/"
#define NODES		"/sys/kernel/slab/radix_tree_node/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAKE_IT_FAIL	"/proc/thread-self/make-it-fail"
#define TAINT_WARN	(1UL << 9)
#define ARRAY_SIZE(a)	((int)(sizeof(a) / sizeof((a)[0])))
#define __noreturn	__attribute__((noreturn))
/* Far more fault points than a timer_create() has: the loops stop there */
#define MAX_POINTS	64
#define MAX_IDS		4200

struct scenario {
	const char *name;
	int hold;		/* the process holds automatic IDs 0..hold-1 */
	bool restore;		/* restore mode, create @want; else an automatic ID */
	int want;
};

static const struct scenario scenarios[] = {
	{ "automatic ID 0, no timers", 0, false, 0 },
	{ "automatic ID 64, holding 0..63", 64, false, 0 },
	{ "automatic ID 4096, holding 0..4095", 4096, false, 0 },
	{ "restore mode ID 1<<20, holding 0..2", 3, true, 1 << 20 },
	{ "restore mode ID 12345678, holding 0..2", 3, true, 12345678 },
	{ "restore mode ID INT_MAX, no timers", 0, true, INT_MAX },
};

enum mode { SINGLE, PAIR, PRCTL };
static const char *const mode_name[] = { "fail-nth", "node pairs", "prctl" };

/* Shared with the children */
struct shared {
	unsigned long violations;
	char outcome;		/* of the last attempt, see attempt() */
};

static struct shared *sh;

static pid_t main_pid;
static int attempts, have_restore, counts_exact, node_size;
static double t_start;
static const char *cur_what = "setup";
static bool taint_reported;
static unsigned long taint_start;

static void violation(const char *fmt, ...)
{
	va_list ap;

	printf("# VIOLATION: %s: ", cur_what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	__atomic_fetch_add(&sh->violations, 1, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9 - t_start;
}

static int sys_timer_create(int *id)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 42;
	return syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, id);
}

/* The number in an open proc/debugfs/sysfs file, or -1 */
static long get_num(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

static int put_num(int fd, long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld", v);

	return pwrite(fd, buf, n, 0) == n ? 0 : -1;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static long read_long(const char *path)
{
	char buf[64];

	return read_file(path, buf, sizeof(buf)) ? -1 : strtol(buf, NULL, 0);
}

/* The knobs the program sets, with their values from before, put back at the end */
static struct knob {
	const char *path;
	char saved[32];
	bool have;
} knobs[] = {
	{ .path = FAILSLAB "probability" },	/* first: off before the rest changes */
	{ .path = FAILSLAB "times" },
	{ .path = FAILSLAB "space" },
	{ .path = FAILSLAB "interval" },
	{ .path = FAILSLAB "verbose" },
	{ .path = FAILSLAB "task-filter" },
	{ .path = FAILSLAB "cache-filter" },
	{ .path = FAILSLAB "ignore-gfp-wait" },
	{ .path = NODES "failslab" },
	{ .path = PAGE_ALLOC "min-order" },	/* optional: CONFIG_FAIL_PAGE_ALLOC */
};

static void save_knobs(void)
{
	for (int i = 0; i < ARRAY_SIZE(knobs); i++)
		knobs[i].have = !read_file(knobs[i].path, knobs[i].saved,
					   sizeof(knobs[i].saved));
}

/* Async-signal-safe: also run from the SIGTERM handler */
static void restore_knobs(void)
{
	if (getpid() != main_pid)
		return;
	write_file(FAILSLAB "probability", "0");
	for (int i = ARRAY_SIZE(knobs) - 1; i >= 0; i--)
		if (knobs[i].have)
			write_file(knobs[i].path, knobs[i].saved);
}

static void on_signal(int sig)
{
	restore_knobs();
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool set_knob(const char *path, const char *val)
{
	if (!write_file(path, val))
		return true;
	violation("cannot write %s to %s: %s", val, path, strerror(errno));
	return false;
}

static bool set_knob_num(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return set_knob(path, buf);
}

/*
 * The IDs of the process's timers, sorted: from /proc/self/timers, or else the IDs of
 * @s which timer_gettime() finds (those of the held timers, the wanted one and its
 * successors). Returns the number, or -1.
 */
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int timer_ids(const struct scenario *s, int *ids, int max)
{
	int n = proc_timer_ids(ids, max);

	if (n < 0 && access("/proc/self/timers", F_OK)) {
		/* No /proc/PID/timers (CONFIG_CHECKPOINT_RESTORE): probe the IDs in question */
		int cand[] = { s->hold, s->hold + 1, s->want, (s->want + 1) & INT_MAX };
		struct itimerspec its;

		n = 0;
		for (int id = 0; id < s->hold && n < max; id++)
			if (!syscall(SYS_timer_gettime, id, &its))
				ids[n++] = id;
		for (int i = 0; i < 4 && n < max; i++) {
			bool dup = cand[i] < s->hold;

			for (int j = 0; j < i; j++)
				dup |= cand[j] == cand[i];
			if (!dup && !syscall(SYS_timer_gettime, cand[i], &its))
				ids[n++] = cand[i];
		}
	}
	if (n > 0)
		qsort(ids, n, sizeof(int), cmp_int);
	return n;
}

/* The timers are @before plus @extra (-1: none) */
static void check_timers(const struct scenario *s, const int *before, int nb, int extra,
			 const char *when)
{
	static int now[MAX_IDS], want[MAX_IDS];
	int n = timer_ids(s, now, MAX_IDS), nw = nb;

	memcpy(want, before, nb * sizeof(int));
	if (extra >= 0)
		want[nw++] = extra;
	qsort(want, nw, sizeof(int), cmp_int);
	if (n != nw)
		violation("%s: the process has %d timers, expected %d", when, n, nw);
	else if (memcmp(now, want, n * sizeof(int)))
		violation("%s: the process has other timers than expected", when);
}

/* Create an automatic timer (or TIMER_ANY_ID in restore mode): it must get @expect */
static bool create_expect(int expect, const char *what)
{
	int id = TIMER_ANY_ID;

	if (sys_timer_create(&id)) {
		violation("%s: timer_create failed: %s", what, strerror(errno));
		return false;
	}
	if (id != expect) {
		violation("%s: got ID %d, expected %d", what, id, expect);
		return false;
	}
	return true;
}

/* The first automatic ID after @id, with 0..@hold-1 and @id taken */
static int next_auto(int id, int hold)
{
	int next = (id + 1) & INT_MAX;

	while (next < hold || next == id)
		next++;
	return next;
}

/* The ending of an attempt's child: exit, or exec() an image which exits */
static __noreturn void child_end(bool do_exec)
{
	fflush(NULL);
	if (do_exec) {
		execl("/proc/self/exe", "posix_timer_faults", "--exec-check", (char *)NULL);
		violation("exec: %s", strerror(errno));
	}
	_exit(0);
}

static __noreturn void child_prctl(bool do_exec)
{
	static const struct { int arg, ret; const char *name; } calls[] = {
		{ PR_TIMER_CREATE_RESTORE_IDS_ON, 0, "ON" },
		{ PR_TIMER_CREATE_RESTORE_IDS_GET, 1, "GET" },
		{ PR_TIMER_CREATE_RESTORE_IDS_OFF, 0, "OFF" },
		{ PR_TIMER_CREATE_RESTORE_IDS_GET, 0, "GET" },
	};
	int nth = open(FAIL_NTH, O_RDWR);

	sh->outcome = '.';
	for (int i = 0; i < ARRAY_SIZE(calls); i++) {
		long ret, left;
		int err;

		if (put_num(nth, 1)) {
			violation("cannot arm fail-nth: %s", strerror(errno));
			sh->outcome = '!';
			child_end(false);
		}
		ret = prctl(PR_TIMER_CREATE_RESTORE_IDS, calls[i].arg, 0, 0, 0);
		err = errno;
		left = get_num(nth);
		put_num(nth, 0);
		if (ret != calls[i].ret)
			violation("prctl(%s) under fail-nth: %ld (%s), expected %d", calls[i].name,
				  ret, ret < 0 ? strerror(err) : "", calls[i].ret);
		if (left != 1) {
			violation("prctl(%s) consumed the fault of fail-nth (%ld left)",
				  calls[i].name, left);
			sh->outcome = 'A';
		}
	}
	child_end(do_exec);
}

/*
 * One attempt: a child which holds the scenario's timers, creates one more with fault
 * point @p armed (the p-th allocation fails, or node allocations after the first p fail
 * twice), checks what the call left, and exits or exec()s. With @retry, after a failed call
 * the child also creates timers again to check the ID counter.
 */
static __noreturn void child_create(const struct scenario *s, enum mode m, int p,
				    bool retry, bool do_exec)
{
	static int before[MAX_IDS];
	int nth = open(FAIL_NTH, O_RDWR), mif = open(MAKE_IT_FAIL, O_RDWR);
	int id, nb, expect = s->restore ? s->want : s->hold, ret, err, armed;
	long left, consumed;

	sh->outcome = '!';
	if (nth < 0 || mif < 0) {
		violation("cannot open the fault injection files: %s", strerror(errno));
		child_end(false);
	}
	for (int i = 0; i < s->hold; i++)
		if (!create_expect(i, "holding the timers"))
			child_end(false);
	if (s->restore && prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON,
				0, 0, 0)) {
		violation("prctl(restore mode on): %s", strerror(errno));
		child_end(false);
	}
	nb = timer_ids(s, before, MAX_IDS);
	if (nb != s->hold) {
		violation("the process holds %d timers, expected %d", nb, s->hold);
		child_end(false);
	}

	id = s->restore ? s->want : TIMER_ANY_ID;
	armed = m == SINGLE ? put_num(nth, p) : put_num(mif, 1);
	ret = sys_timer_create(&id);
	err = errno;
	if (m == SINGLE) {
		left = get_num(nth);
		put_num(nth, 0);
		consumed = left == 0;
	} else {
		/* debugfs files cannot pread(): opened once the thread cannot fail */
		put_num(mif, 0);
		left = read_long(FAILSLAB "times");
		consumed = 2 - left;
	}
	if (armed || left < 0) {
		violation("cannot arm or read back the fault: %s", strerror(errno));
		child_end(false);
	}

	if (ret == 0) {
		sh->outcome = consumed ? 'A' : '.';
		if (id != expect)
			violation("timer_create succeeded with ID %d, expected %d", id, expect);
		check_timers(s, before, nb, id, "after the call");
		create_expect(next_auto(id, s->hold), "the next automatic ID");
		child_end(do_exec);
	}
	if (!consumed) {
		violation("timer_create failed with %s without a fault", strerror(err));
		child_end(false);
	}
	sh->outcome = 'E';
	if (err != EAGAIN)
		violation("timer_create failed with %s, expected EAGAIN", strerror(err));
	check_timers(s, before, nb, -1, "after the failed call");
	if (!retry)
		child_end(do_exec);
	/* No ID was allocated: the counter is where it was, the wanted ID is free */
	if (create_expect(s->hold, s->restore ? "TIMER_ANY_ID after the failed call" :
			  "the automatic ID after the failed call") && s->restore) {
		id = s->want;
		if (sys_timer_create(&id) || id != s->want)
			violation("the wanted ID after the failed call: %s, ID %d",
				  strerror(errno), id);
	}
	child_end(do_exec);
}

/* The object counts of the two caches, after shrinking them (which empties KASAN's quarantine) */
static long count_start[2];

static bool tainted_warn(void)
{
	return (unsigned long)read_long("/proc/sys/kernel/tainted") & TAINT_WARN;
}

/* A new WARN since the start: polls for @ms milliseconds */
static void check_taint(int ms)
{
	if (taint_reported || (taint_start & TAINT_WARN))
		return;
	for (int t = 0; ; t += 50) {
		if (tainted_warn()) {
			taint_reported = true;
			violation("TAINT_WARN set, first seen now (see the console)");
			return;
		}
		if (t >= ms)
			return;
		usleep(50000);
	}
}

/* Once the child is gone: the timers and signal queue entries are all freed again */
static void check_counts(void)
{
	long n[2] = { -1, -1 };

	if (!counts_exact)
		return;
	/*
	 * The child's timers went to kfree_rcu(): hand them to RCU now rather than when the
	 * monitor work runs, five seconds later. RCU frees them after a grace period: up to 30 s.
	 */
	kfree_rcu_flush_now();
	for (int t = 0; t < 30000; t += 20) {
		n[0] = slab_objects(timer_caches[0]);
		n[1] = slab_objects(timer_caches[1]);
		if (n[0] == count_start[0] && n[1] == count_start[1])
			return;
		usleep(20000);
	}
	violation("slab objects not back after 30 s: %s %ld (start %ld), %s %ld (start %ld)",
		  timer_caches[0], n[0], count_start[0], timer_caches[1], n[1], count_start[1]);
}

/*
 * Run one attempt in a child and check what it left behind. Returns the outcome: 'E' the
 * call failed with the fault consumed, 'A' the fault was consumed and the call succeeded
 * anyway (a retry absorbed it), '.' the call succeeded without reaching the fault, '!' the
 * attempt went wrong (reported).
 */
static char attempt(const struct scenario *s, enum mode m, int p, bool retry)
{
	bool do_exec = attempts++ % 2;
	int status;
	pid_t pid;

	if (m == PAIR && (!set_knob_num(FAILSLAB "space", (long)p * node_size + 1) ||
			  !set_knob(FAILSLAB "times", "2")))
		return '!';
	sh->outcome = '!';
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		violation("fork: %s", strerror(errno));
		return '!';
	}
	if (pid == 0) {
		if (m == PRCTL)
			child_prctl(do_exec);
		child_create(s, m, p, retry, do_exec);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		violation("the child (%s) ended with status %#x", do_exec ? "exec()ed" : "exited",
			  status);
		sh->outcome = '!';
	}
	if (m == PAIR)
		set_knob(FAILSLAB "times", "0");
	check_counts();
	/* A WARN from free_signal_struct() comes after an RCU grace period */
	check_taint(sh->outcome == 'E' && !retry ? 1000 : 0);
	return sh->outcome;
}

static void run_scenario(const struct scenario *s, enum mode m)
{
	char what[160], outcomes[MAX_POINTS + 1] = "";
	int first = m == SINGLE ? 1 : 0, p, failed = 0, absorbed = 0;
	double t0 = now();
	char o = '!';

	for (p = first; p < first + MAX_POINTS; p++) {
		snprintf(what, sizeof(what), "%s: %s: %s %d", mode_name[m], s->name,
			 m == SINGLE ? "fail-nth" : "node allocations passing", p);
		cur_what = what;
		o = attempt(s, m, p, false);
		if (o == 'E') {
			char again;

			snprintf(what + strlen(what), sizeof(what) - strlen(what),
				 ", then the counter");
			again = attempt(s, m, p, true);
			if (again != 'E' && again != '!')
				printf("# note: %s: the call did not fail the second time (%c)\n",
				       what, again);
		}
		if (o != 'E' && o != 'A')
			break;
		outcomes[p - first] = o;
		outcomes[p - first + 1] = 0;
		failed += o == 'E';
		absorbed += o == 'A';
	}
	if (o == 'E' || o == 'A') {
		cur_what = s->name;
		violation("%s: still failing after %d fault points", mode_name[m], MAX_POINTS);
	}
	printf("# %s: %s: %d fault points (%d failed with EAGAIN, %d absorbed): %s%s (%.0f s)\n",
	       mode_name[m], s->name, failed + absorbed, failed, absorbed,
	       outcomes[0] ? outcomes : "-",
	       o == '.' ? ", then success" : ", then the attempt went wrong", now() - t0);
}

static void check_kmemleak(void)
{
	double t0 = now();
	int leaks;

	cur_what = "kmemleak";
	leaks = kmemleak_leaks("# kmemleak: ", 60);
	if (leaks < 0) {
		printf("# kmemleak: not available\n");
		sleep(5);	/* still give a late WARN its time */
	} else if (leaks) {
		violation("%d unreferenced objects", leaks);
	} else {
		printf("# kmemleak: no unreferenced objects (%.0f s)\n", now() - t0);
	}
}

static int exec_check(void)
{
	static const struct scenario none = { "exec", 0, false, 0 };
	int ids[1];

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	cur_what = "after exec()";
	if (timer_ids(&none, ids, 1) != 0)
		violation("timers survived exec()");
	if (prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET, 0, 0, 0) > 0)
		violation("restore mode survived exec()");
	return sh->violations ? 1 : 0;
}

static int skip(const char *why)
{
	printf("# SKIP: %s\n", why);
	return 4;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct stat st;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--exec-check"))
		return exec_check();
	if (argc > 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	main_pid = getpid();
	t_start = now();
	if (geteuid())
		return skip("not root");
	if (access(FAIL_NTH, W_OK))
		return skip("no " FAIL_NTH " (CONFIG_FAULT_INJECTION)");
	if (stat(FAILSLAB, &st))
		return skip("no " FAILSLAB " (CONFIG_FAILSLAB, debugfs)");
	node_size = read_long(NODES "object_size");
	if (node_size <= 0 || access(NODES "failslab", W_OK))
		return skip("no " NODES "{object_size,failslab} (SLUB sysfs)");
	errno = 0;
	have_restore = prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET,
			     0, 0, 0) >= 0;
	/* 4097 timers, each with a signal queue entry */
	setrlimit(RLIMIT_SIGPENDING, &rl);

	counts_exact = 1;
	for (i = 0; i < 2; i++) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/sanity_checks", timer_caches[i]);
		counts_exact &= read_long(path) == 1;
		count_start[i] = slab_objects_settled(timer_caches[i]);
	}
	taint_start = read_long("/proc/sys/kernel/tainted");
	printf("# posix_timer_faults: xarray nodes of %d bytes; restore mode %s\n", node_size,
	       have_restore ? "available" : "not available (EINVAL): its scenarios do not run");
	if (counts_exact)
		printf("# slab objects at the start: %s %ld, %s %ld\n", timer_caches[0],
		       count_start[0], timer_caches[1], count_start[1]);
	else
		printf("# slab objects not checked: exact only with slub_debug=F,%s,%s\n",
		       timer_caches[0], timer_caches[1]);
	if (taint_start & TAINT_WARN)
		printf("# TAINT_WARN already set at the start (an earlier WARN): not checked\n");
	/* Only leaks from now on: a scan reports those from before, which "clear" then hides */
	if (!kmemleak_cmd("scan") && !kmemleak_cmd("clear"))
		printf("# kmemleak: earlier leaks cleared (%.0f s)\n", now());

	save_knobs();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	atexit(restore_knobs);
	/*
	 * Single failures by fail-nth, of every slab allocation; the page allocator stays out
	 * (min-order above any order).
	 */
	if (!set_knob(FAILSLAB "probability", "0") || !set_knob(FAILSLAB "times", "0") ||
	    !set_knob(FAILSLAB "space", "0") || !set_knob(FAILSLAB "interval", "1") ||
	    !set_knob(FAILSLAB "verbose", "0") || !set_knob(FAILSLAB "task-filter", "Y") ||
	    !set_knob(FAILSLAB "cache-filter", "N") ||
	    !set_knob(FAILSLAB "ignore-gfp-wait", "N") || !set_knob(NODES "failslab", "0") ||
	    (knobs[ARRAY_SIZE(knobs) - 1].have && !set_knob(PAGE_ALLOC "min-order", "64")))
		return 1;
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (have_restore || !scenarios[i].restore)
			run_scenario(&scenarios[i], SINGLE);
	if (have_restore) {
		static const struct scenario prctl_scn = { "PR_TIMER_CREATE_RESTORE_IDS", 0, 0, 0 };
		char o;

		cur_what = "fail-nth: the prctl";
		o = attempt(&prctl_scn, PRCTL, 1, false);
		printf("# fail-nth: prctl(PR_TIMER_CREATE_RESTORE_IDS) ON, GET, OFF: %s\n",
		       o == '.' ? "no allocation" : "went wrong");
	}

	/* Pairs of failures of the xarray nodes, for the creating thread only */
	if (!set_knob(NODES "failslab", "1") || !set_knob(FAILSLAB "cache-filter", "Y") ||
	    !set_knob(FAILSLAB "probability", "100"))
		return 1;
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (have_restore || !scenarios[i].restore)
			run_scenario(&scenarios[i], PAIR);
	restore_knobs();

	check_kmemleak();
	cur_what = "the end";
	check_taint(0);
	printf("# posix_timer_faults: %d attempts in %.0f s, %lu violations\n", attempts, now(),
	       sh->violations);
	return sh->violations ? 1 : 0;
}
