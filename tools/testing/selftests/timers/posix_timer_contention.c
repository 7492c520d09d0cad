// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX timer IDs under contention: threads of one process, and several
 * processes at once, create, arm, query and delete timers concurrently
 * while another thread reads /proc/self/timers, and some threads exit
 * with their timers still live.
 *
 * It checks correctness, not speed:
 *
 *  - every call succeeds; the number of live timers stays far below
 *    RLIMIT_SIGPENDING, so not even EAGAIN is expected,
 *  - an ID is handed out once per process: IDs are allocated in order,
 *    so no ID comes back before the counter wraps at INT_MAX,
 *  - a timer is reachable (timer_gettime() succeeds) from its creation
 *    until it is deleted, also after the thread which created it exited,
 *    and unreachable (EINVAL) afterwards,
 *  - every snapshot of /proc/self/timers is well formed, and at the end
 *    it lists exactly the live timers. A kernel which lists the timers in
 *    ID order continues a read at the next ID, so a snapshot never lists
 *    a timer twice; that is checked too. A kernel which lists them newest
 *    first continues at a position in its list, which creations and
 *    deletions shift: a timer can show up twice there.
 *
 * Each scenario runs for a fixed time, not a fixed number of operations,
 * so that it stays short on slow (emulated, debug) kernels.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include "../kselftest_harness.h"
#include "posix_timer_util.h"

#define NR_THREADS	8
#define NR_PROCS	3
#define PROC_THREADS	4
#define MAX_LIVE	32			/* per thread */
#define RUN_MS		3000
#define MAX_IDS		(4 * 1024 * 1024)	/* IDs checked for reuse */
#define MAX_PROC	(NR_THREADS * MAX_LIVE)	/* /proc/self/timers entries */
/*
 * A read of /proc/self/timers takes several read() calls. Timers created
 * meanwhile at IDs past the position of the read are listed too, so one
 * snapshot can hold more entries than are live at any time.
 */
#define MAX_SNAPSHOT	65536

static const clockid_t clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
	CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
};

struct live_timer {
	int id;
	bool armed;
};

struct worker {
	struct scenario *sc;
	pthread_t thread;
	unsigned int seed;
	bool leave_live;		/* exit with the live timers */
	int nr_live;
	struct live_timer live[MAX_LIVE];
	unsigned long ops;
};

struct scenario {
	int nr_threads;
	unsigned char *used;		/* per ID: handed out once */
	bool stop;			/* __atomic */
	bool proc_by_id;		/* /proc/self/timers in ID order */
	pthread_mutex_t lock;
	int failures;
	char first_failure[256];
	unsigned long proc_reads;
};

static void failure(struct scenario *sc, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&sc->lock);
	if (!sc->failures++) {
		va_start(ap, fmt);
		vsnprintf(sc->first_failure, sizeof(sc->first_failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&sc->lock);
}

static void create_one(struct worker *w)
{
	struct scenario *sc = w->sc;
	struct sigevent sev = {};
	clockid_t clock;
	int id;

	clock = clocks[rand_r(&w->seed) % ARRAY_SIZE(clocks)];
	switch (rand_r(&w->seed) % 3) {
	case 0:
		sev.sigev_notify = SIGEV_NONE;
		break;
	case 1:
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIGRTMIN;
		break;
	default:
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = SIGRTMIN + 1;
		sev.sigev_notify_thread_id = syscall(SYS_gettid);
		break;
	}
	sev.sigev_value.sival_int = w->nr_live;

	if (sys_timer_create(clock, &sev, &id)) {
		failure(sc, "timer_create(clock %d, notify %d): %s", clock,
			sev.sigev_notify, strerror(errno));
		return;
	}
	if (id < 0 || id >= MAX_IDS) {
		failure(sc, "timer_create() returned ID %d, beyond the %d creates checked",
			id, MAX_IDS);
		return;
	}
	if (__atomic_exchange_n(&sc->used[id], 1, __ATOMIC_RELAXED)) {
		failure(sc, "ID %d handed out twice", id);
		return;
	}
	w->live[w->nr_live++] = (struct live_timer){ .id = id };
}

static void arm_one(struct worker *w, struct live_timer *t)
{
	struct itimerspec its = {};

	switch (rand_r(&w->seed) % 3) {
	case 0:		/* disarm */
		break;
	case 1:		/* far in the future */
		its.it_value.tv_sec = 3600;
		break;
	default:	/* periodic, 1 ms: expires and queues signals all along */
		its.it_value.tv_nsec = 1000000;
		its.it_interval.tv_nsec = 1000000;
		break;
	}
	if (sys_timer_settime(t->id, 0, &its, NULL)) {
		failure(w->sc, "timer_settime(%d): %s", t->id, strerror(errno));
		return;
	}
	t->armed = its.it_value.tv_sec || its.it_value.tv_nsec;
}

static void query_one(struct worker *w, struct live_timer *t)
{
	struct itimerspec its;

	if (sys_timer_gettime(t->id, &its)) {
		failure(w->sc, "timer_gettime(%d) of a live timer: %s", t->id, strerror(errno));
		return;
	}
	if (sys_timer_getoverrun(t->id) < 0)
		failure(w->sc, "timer_getoverrun(%d) of a live timer: %s", t->id,
			strerror(errno));
}

static void delete_one(struct worker *w, int idx)
{
	struct live_timer *t = &w->live[idx];
	struct itimerspec its;

	if (sys_timer_delete(t->id)) {
		failure(w->sc, "timer_delete(%d): %s", t->id, strerror(errno));
		return;
	}
	if (!sys_timer_gettime(t->id, &its) || errno != EINVAL)
		failure(w->sc, "timer %d reachable after timer_delete()", t->id);
	*t = w->live[--w->nr_live];
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	int op, idx;

	while (!__atomic_load_n(&w->sc->stop, __ATOMIC_RELAXED)) {
		w->ops++;
		op = rand_r(&w->seed) % 8;
		if (!w->nr_live || (op < 3 && w->nr_live < MAX_LIVE)) {
			create_one(w);
			continue;
		}
		idx = rand_r(&w->seed) % w->nr_live;
		if (op < 5)
			query_one(w, &w->live[idx]);
		else if (op < 6)
			arm_one(w, &w->live[idx]);
		else
			delete_one(w, idx);
	}
	if (!w->leave_live) {
		while (w->nr_live)
			delete_one(w, 0);
	}
	return NULL;
}

/* Snapshots of /proc/self/timers must parse and have unique IDs */
static void *proc_reader_fn(void *arg)
{
	struct scenario *sc = arg;
	static struct proc_timer t[MAX_SNAPSHOT];
	int n, i;

	while (!__atomic_load_n(&sc->stop, __ATOMIC_RELAXED)) {
		n = parse_proc_timers(getpid(), t, MAX_SNAPSHOT);
		if (n < 0) {
			failure(sc, "/proc/self/timers: malformed or more than %d entries",
				MAX_SNAPSHOT);
			break;
		}
		for (i = 1; sc->proc_by_id && i < n; i++) {
			if (t[i].id == t[i - 1].id)
				failure(sc, "/proc/self/timers lists ID %d twice", t[i].id);
		}
		sc->proc_reads++;
	}
	return NULL;
}

/*
 * Whether /proc/self/timers lists the timers in ascending ID order, from
 * two timers created one after the other. -1 on error.
 */
static int proc_timers_by_id(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int id[2], first = -1, ret = -1;
	char line[128];
	FILE *f;

	if (sys_timer_create(CLOCK_MONOTONIC, &sev, &id[0]))
		return -1;
	if (sys_timer_create(CLOCK_MONOTONIC, &sev, &id[1]))
		goto out;
	f = fopen("/proc/self/timers", "r");
	if (f) {
		while (first < 0 && fgets(line, sizeof(line), f))
			sscanf(line, "ID: %d", &first);
		fclose(f);
	}
	if (first >= 0)
		ret = first == id[0];
	sys_timer_delete(id[1]);
out:
	sys_timer_delete(id[0]);
	return ret;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * Run @nr_threads workers and a /proc/self/timers reader for RUN_MS. The
 * odd workers exit with their timers live; afterwards all of those must
 * be reachable and exactly what /proc/self/timers lists, and after
 * deleting them nothing is left. Returns the number of failures, with the
 * first one in @why.
 */
static int run_scenario(int nr_threads, unsigned int seed, char *why, size_t len,
			unsigned long *ops)
{
	static struct proc_timer proc[MAX_PROC];
	struct timespec run = { RUN_MS / 1000, (RUN_MS % 1000) * 1000000L };
	int left[MAX_PROC], nr_left = 0, i, j, n;
	struct scenario sc = {};
	struct worker *w;
	pthread_t reader;
	sigset_t set;

	sc.nr_threads = nr_threads;
	pthread_mutex_init(&sc.lock, NULL);
	i = proc_timers_by_id();
	if (i < 0) {
		snprintf(why, len, "cannot tell the order of /proc/self/timers");
		return 1;
	}
	sc.proc_by_id = i;
	sc.used = calloc(MAX_IDS, 1);
	w = calloc(nr_threads, sizeof(*w));
	if (!sc.used || !w) {
		snprintf(why, len, "out of memory");
		return 1;
	}

	/* The periodic timers' signals stay pending */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (i = 0; i < nr_threads; i++) {
		w[i].sc = &sc;
		w[i].seed = seed + i;
		w[i].leave_live = i & 1;
		if (pthread_create(&w[i].thread, NULL, worker_fn, &w[i])) {
			snprintf(why, len, "pthread_create: %s", strerror(errno));
			__atomic_store_n(&sc.stop, true, __ATOMIC_RELAXED);
			nr_threads = i;
			break;
		}
	}
	if (pthread_create(&reader, NULL, proc_reader_fn, &sc))
		failure(&sc, "pthread_create: %s", strerror(errno));
	else
		nanosleep(&run, NULL);
	__atomic_store_n(&sc.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < nr_threads; i++)
		pthread_join(w[i].thread, NULL);
	pthread_join(reader, NULL);

	*ops = 0;
	for (i = 0; i < nr_threads; i++) {
		*ops += w[i].ops;
		for (j = 0; j < w[i].nr_live; j++) {
			struct itimerspec its;

			left[nr_left++] = w[i].live[j].id;
			if (sys_timer_gettime(w[i].live[j].id, &its))
				failure(&sc, "timer %d of an exited thread unreachable: %s",
					w[i].live[j].id, strerror(errno));
		}
	}
	if (!*ops)
		failure(&sc, "no operation done in %d ms", RUN_MS);
	if (!sc.proc_reads)
		failure(&sc, "/proc/self/timers never read");

	/* /proc/self/timers lists exactly the timers left behind */
	qsort(left, nr_left, sizeof(left[0]), cmp_int);
	n = parse_proc_timers(getpid(), proc, MAX_PROC);
	if (n != nr_left)
		failure(&sc, "/proc/self/timers has %d entries, %d timers are live", n, nr_left);
	for (i = 0; i < n && i < nr_left; i++) {
		if (proc[i].id != left[i]) {
			failure(&sc, "/proc/self/timers lists ID %d, the live timer is %d",
				proc[i].id, left[i]);
			break;
		}
	}

	for (i = 0; i < nr_left; i++) {
		if (sys_timer_delete(left[i]))
			failure(&sc, "timer_delete(%d): %s", left[i], strerror(errno));
	}
	n = parse_proc_timers(getpid(), proc, MAX_PROC);
	if (n != 0)
		failure(&sc, "/proc/self/timers has %d entries after deleting all", n);

	if (sc.failures)
		snprintf(why, len, "%s", sc.first_failure);
	free(w);
	free(sc.used);
	return sc.failures;
}

/*
 * Keep the number of live timers far below the limit of pending signals.
 * /proc/$PID/timers needs CONFIG_CHECKPOINT_RESTORE.
 */
static void check_sigpending(struct __test_metadata *_metadata, int timers)
{
	struct rlimit rl;

	if (access("/proc/self/timers", R_OK))
		SKIP(return, "no /proc/self/timers (CONFIG_CHECKPOINT_RESTORE)");
	ASSERT_EQ(0, getrlimit(RLIMIT_SIGPENDING, &rl));
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * (rlim_t)timers)
		SKIP(return, "RLIMIT_SIGPENDING %lu is below %d", (unsigned long)rl.rlim_cur,
		     2 * timers);
}

TEST(threads)
{
	unsigned long ops;
	char why[256] = "";
	int failures;

	check_sigpending(_metadata, NR_THREADS * MAX_LIVE);
	ops = 0;
	failures = run_scenario(NR_THREADS, getpid(), why, sizeof(why), &ops);
	TH_LOG("%d threads: %lu operations in %d ms", NR_THREADS, ops, RUN_MS);
	EXPECT_EQ(0, failures) TH_LOG("%d failures, the first: %s", failures, why);
}

TEST(processes)
{
	pid_t pids[NR_PROCS];
	int i, status;

	check_sigpending(_metadata, NR_PROCS * PROC_THREADS * MAX_LIVE);
	for (i = 0; i < NR_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			unsigned long ops;
			char why[256] = "";
			int failures;

			failures = run_scenario(PROC_THREADS, getpid(), why, sizeof(why), &ops);
			if (failures)
				ksft_print_msg("process %d: %d failures, the first: %s\n",
					       i, failures, why);
			else
				ksft_print_msg("process %d: %d threads, %lu operations\n",
					       i, PROC_THREADS, ops);
			_exit(failures ? 1 : 0);
		}
	}
	for (i = 0; i < NR_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("process %d failed (status 0x%x)", i, status);
	}
}

TEST_HARNESS_MAIN
