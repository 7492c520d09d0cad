// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX timer IDs under contention. It checks correctness, not speed.
 *
 * Threads of one process, and several processes at once, create, arm,
 * query and delete timers concurrently while another thread reads
 * /proc/self/timers, and some threads exit with their timers still live.
 * Each thread works on timers of its own, and all threads also work on a
 * set of shared timers whose IDs they pick at random: lookups
 * (timer_gettime(), timer_settime(), timer_getoverrun()) race with the
 * deletion of the same ID, and deletions with each other. Checked:
 *
 *  - every call on a thread's own timers succeeds; the number of live
 *    timers stays far below RLIMIT_SIGPENDING, so not even EAGAIN is
 *    expected,
 *  - the IDs one thread gets from timer_create() strictly increase: the
 *    process hands them out in order, and the counter cannot wrap at
 *    INT_MAX within the run,
 *  - no ID is handed out while a timer with it is live,
 *  - a lookup of a shared ID succeeds or fails with EINVAL, and fails only
 *    when a deletion of that ID succeeded,
 *  - of the concurrent deletions of one ID exactly one succeeds, the
 *    others fail with EINVAL,
 *  - a timer is reachable from its creation until it is deleted, also
 *    after the thread which created it exited, and unreachable afterwards,
 *  - every snapshot of /proc/self/timers is well formed, and at the end it
 *    lists exactly the live timers. A kernel which lists the timers in ID
 *    order continues a read at the next ID, so a snapshot never lists a
 *    timer twice; that is checked too. A kernel which lists them newest
 *    first continues at a position in its list, which creations and
 *    deletions shift: a timer can show up twice there.
 *
 * Another process reads /proc/$PID/timers of a target process with
 * hundreds of timers while the target exits, or while a thread of the
 * target which is not the leader calls exec(): every snapshot is well
 * formed and lists only timers of the target as they were created.
 *
 * Threads create and delete timers which all look alike while the main
 * thread reads /proc/self/timers: a timer can be in the ID space before
 * timer_create() has set it up, and every entry listed must be such a
 * timer, whole, never one which was read half set up, nor one whose
 * creation failed after it got its ID.
 *
 * The operations are chosen with rand_r(). The seed is printed at the
 * start; POSIX_TIMER_SEED=<seed> in the environment runs the same
 * sequence of operations again (the interleaving of the threads differs
 * from run to run).
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
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "posix_timer_util.h"

#define NR_THREADS	8
#define NR_PROCS	3
#define PROC_THREADS	4
#define MAX_LIVE	32	/* own timers per thread */
#define NR_SHARED	32	/* shared timers per process */
#define RUN_MS		3000
#define NR_BUCKETS	1024	/* of the set of live IDs */

/*
 * Timers of the process which reads /proc/$PID/timers, and of the target
 * before and after exec(). TARGET_TIMERS spans several read() calls.
 */
#define TARGET_TIMERS	256
#define EXEC_TIMERS	16
#define EXEC_TARGET_ARG	"--exec-target"

/* A thread holds its own timers plus one new shared timer at most */
#define TIMERS_PER_SCENARIO(threads)	((threads) * (MAX_LIVE + 1) + NR_SHARED)
#define THREADS_TIMERS	TIMERS_PER_SCENARIO(NR_THREADS)
#define PROCS_TIMERS	(NR_PROCS * TIMERS_PER_SCENARIO(PROC_THREADS))
#define TARGET_TOTAL	(TARGET_TIMERS + EXEC_TIMERS)
#define MIN_TIMERS	TARGET_TOTAL	/* the smallest of the three */

/* Timers left in one scenario; see proc_reader_fn() for snapshots */
#define MAX_PROC	THREADS_TIMERS	/* NR_THREADS > PROC_THREADS */
#define MAX_SNAPSHOT	65536

static unsigned int seed;

static const clockid_t clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
	CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
};

/*
 * Whether RLIMIT_SIGPENDING leaves room for twice @timers: each timer
 * preallocates a signal queue entry, and the scenarios stay far from the
 * limit to not fail with EAGAIN.
 */
static bool sigpending_room_for(int timers)
{
	return sigpending_room() >= 2L * timers;
}

struct live_bucket {
	pthread_mutex_t lock;
	int nr, size;
	int *ids;
};

struct live_timer {
	int id;
};

struct worker {
	struct scenario *sc;
	pthread_t thread;
	unsigned int seed;
	bool leave_live;		/* exit with the own timers live */
	int last_id;			/* last ID timer_create() returned */
	int nr_live;
	struct live_timer live[MAX_LIVE];
	unsigned long ops;
};

struct scenario {
	bool stop;			/* __atomic */
	bool have_proc;			/* /proc/self/timers exists */
	bool proc_by_id;		/* it lists the timers in ID order */
	int shared[NR_SHARED];		/* __atomic: ID of a shared timer or -1 */
	int deleting[NR_SHARED];	/* __atomic: timer_delete() calls in flight */
	struct live_bucket live[NR_BUCKETS];
	pthread_mutex_t lock;
	int failures;
	char first_failure[256];
	unsigned long proc_reads;
	unsigned long shared_einval;	/* lookups which lost to a deletion */
	unsigned long double_deletes;	/* deletions which lost to a deletion */
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
	/* Stop early, the first failure is the interesting one */
	__atomic_store_n(&sc->stop, true, __ATOMIC_RELAXED);
}

static bool stopped(struct scenario *sc)
{
	return __atomic_load_n(&sc->stop, __ATOMIC_RELAXED);
}

/* Record @id as live; it must not be live already */
static void live_add(struct scenario *sc, int id)
{
	struct live_bucket *b = &sc->live[id % NR_BUCKETS];
	bool dup = false, added = false;
	int i, *ids;

	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->nr; i++)
		dup |= b->ids[i] == id;
	if (!dup && b->nr == b->size) {
		ids = realloc(b->ids, (b->size * 2 + 4) * sizeof(*ids));
		if (ids) {
			b->ids = ids;
			b->size = b->size * 2 + 4;
		}
	}
	if (!dup && b->nr < b->size) {
		b->ids[b->nr++] = id;
		added = true;
	}
	pthread_mutex_unlock(&b->lock);

	if (dup)
		failure(sc, "timer_create() returned ID %d, which is live", id);
	else if (!added)
		failure(sc, "out of memory");
}

static void live_del(struct scenario *sc, int id)
{
	struct live_bucket *b = &sc->live[id % NR_BUCKETS];
	int i;

	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->nr; i++) {
		if (b->ids[i] == id) {
			b->ids[i] = b->ids[--b->nr];
			break;
		}
	}
	pthread_mutex_unlock(&b->lock);
}

/* Create a timer of random kind. Returns its ID or -1. */
static int create_one(struct worker *w)
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
		sev.sigev_notify_thread_id = syscall(__NR_gettid);
		break;
	}
	sev.sigev_value.sival_int = w->nr_live;

	if (sys_timer_create(clock, &sev, &id)) {
		failure(sc, "timer_create(clock %d, notify %d): %s", clock,
			sev.sigev_notify, strerror(errno));
		return -1;
	}
	if (id <= w->last_id) {
		failure(sc, "timer_create() returned ID %d after ID %d in the same thread",
			id, w->last_id);
		return -1;
	}
	w->last_id = id;
	live_add(sc, id);
	return id;
}

static void random_its(struct worker *w, struct itimerspec *its)
{
	memset(its, 0, sizeof(*its));
	switch (rand_r(&w->seed) % 3) {
	case 0:		/* disarm */
		break;
	case 1:		/* far in the future */
		its->it_value.tv_sec = 3600;
		break;
	default:	/* periodic, 1 ms: expires and queues signals all along */
		its->it_value.tv_nsec = 1000000;
		its->it_interval.tv_nsec = 1000000;
		break;
	}
}

static void arm_one(struct worker *w, struct live_timer *t)
{
	struct itimerspec its;

	random_its(w, &its);
	if (sys_timer_settime(t->id, 0, &its, NULL))
		failure(w->sc, "timer_settime(%d): %s", t->id, strerror(errno));
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

/* Delete an own timer. It leaves the list of live timers also on failure. */
static void delete_one(struct worker *w, int idx)
{
	struct live_timer *t = &w->live[idx];
	struct itimerspec its;
	int id = t->id;

	*t = w->live[--w->nr_live];
	if (sys_timer_delete(id)) {
		failure(w->sc, "timer_delete(%d): %s", id, strerror(errno));
		return;
	}
	live_del(w->sc, id);
	if (!sys_timer_gettime(id, &its) || errno != EINVAL)
		failure(w->sc, "timer %d reachable after timer_delete()", id);
}

/*
 * A call on shared timer @id in slot @s failed with @err. EINVAL is fine if
 * a deletion of @id succeeded: the successful deletion empties the slot
 * before it counts itself out of sc->deleting[@s]. If no deletion is in
 * flight and the slot still has @id, none succeeded.
 */
static void check_shared_error(struct scenario *sc, int s, int id, int err, const char *call)
{
	struct itimerspec its;

	if (err != EINVAL) {
		failure(sc, "%s(%d) of a shared timer: %s", call, id, strerror(err));
		return;
	}
	if (!__atomic_load_n(&sc->deleting[s], __ATOMIC_SEQ_CST) &&
	    __atomic_load_n(&sc->shared[s], __ATOMIC_SEQ_CST) == id) {
		failure(sc, "%s(%d) of a live shared timer: EINVAL", call, id);
		return;
	}
	/* The ID never comes back */
	if (!sys_timer_gettime(id, &its))
		failure(sc, "timer %d reachable after %s() failed with EINVAL", id, call);
}

/* Deletions of shared timers race with each other and with lookups */
static void delete_shared(struct worker *w, int s, int id)
{
	struct scenario *sc = w->sc;
	int expected = id, ret, err;

	__atomic_add_fetch(&sc->deleting[s], 1, __ATOMIC_SEQ_CST);
	ret = sys_timer_delete(id);
	err = errno;
	if (!ret) {
		live_del(sc, id);
		/* IDs do not come back, so the slot has @id until emptied here */
		if (!__atomic_compare_exchange_n(&sc->shared[s], &expected, -1, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			failure(sc, "two timer_delete(%d) succeeded", id);
	}
	__atomic_sub_fetch(&sc->deleting[s], 1, __ATOMIC_SEQ_CST);

	if (ret) {
		check_shared_error(sc, s, id, err, "timer_delete");
		__atomic_add_fetch(&sc->double_deletes, 1, __ATOMIC_RELAXED);
	}
}

static void shared_op(struct worker *w)
{
	struct scenario *sc = w->sc;
	int s = rand_r(&w->seed) % NR_SHARED;
	int id = __atomic_load_n(&sc->shared[s], __ATOMIC_SEQ_CST);
	int expected = -1, ret = 0;
	const char *call = NULL;
	struct itimerspec its;

	if (id < 0) {
		id = create_one(w);
		if (id < 0)
			return;
		if (__atomic_compare_exchange_n(&sc->shared[s], &expected, id, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
		/* Another thread filled the slot: not published, delete it */
		if (sys_timer_delete(id))
			failure(sc, "timer_delete(%d): %s", id, strerror(errno));
		else
			live_del(sc, id);
		return;
	}

	switch (rand_r(&w->seed) % 4) {
	case 0:
		call = "timer_gettime";
		ret = sys_timer_gettime(id, &its);
		break;
	case 1:
		call = "timer_settime";
		random_its(w, &its);
		ret = sys_timer_settime(id, 0, &its, NULL);
		break;
	case 2:
		call = "timer_getoverrun";
		ret = sys_timer_getoverrun(id) < 0 ? -1 : 0;
		break;
	default:
		delete_shared(w, s, id);
		return;
	}
	if (ret) {
		check_shared_error(sc, s, id, errno, call);
		__atomic_add_fetch(&sc->shared_einval, 1, __ATOMIC_RELAXED);
	}
}

/*
 * Dequeue the pending timer signals. The signal of a deleted timer stays
 * pending, charged to RLIMIT_SIGPENDING, until it is dequeued; dequeuing
 * the signal of a periodic timer looks the timer up by its ID to rearm it.
 */
static void drain_signals(struct worker *w)
{
	struct timespec zero = {};
	siginfo_t info;
	sigset_t set;
	int i;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	for (i = 0; i < 2 * MAX_LIVE; i++) {
		if (sigtimedwait(&set, &info, &zero) < 0) {
			if (errno != EAGAIN)
				failure(w->sc, "sigtimedwait: %s", strerror(errno));
			break;
		}
		if (info.si_code != SI_TIMER) {
			failure(w->sc, "signal %d with si_code %d", info.si_signo, info.si_code);
			break;
		}
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	int op, idx;

	while (!stopped(w->sc)) {
		w->ops++;
		op = rand_r(&w->seed) % 13;
		if (op == 12) {
			drain_signals(w);
			continue;
		}
		if (op >= 7) {
			shared_op(w);
			continue;
		}
		if (!w->nr_live || (op < 3 && w->nr_live < MAX_LIVE)) {
			idx = create_one(w);
			if (idx >= 0)
				w->live[w->nr_live++].id = idx;
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

/* Snapshots of /proc/self/timers must parse and, in ID order, have unique IDs */
static void *proc_reader_fn(void *arg)
{
	/*
	 * A read of /proc/self/timers takes several read() calls. Timers
	 * created meanwhile at IDs past the position of the read are listed
	 * too, so one snapshot can hold more entries than are live at once.
	 */
	static struct proc_timer t[MAX_SNAPSHOT];
	struct scenario *sc = arg;
	int n, i;

	while (!stopped(sc)) {
		n = parse_proc_timers(getpid(), t, MAX_SNAPSHOT);
		if (n < 0) {
			failure(sc, "/proc/self/timers: %s", strerror(errno));
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
	int id[2], first, ret = -1;
	char line[128];
	FILE *f;

	if (sys_timer_create(CLOCK_MONOTONIC, &sev, &id[0]))
		return -1;
	if (sys_timer_create(CLOCK_MONOTONIC, &sev, &id[1]))
		goto out;
	f = fopen("/proc/self/timers", "r");
	if (f) {
		if (fgets(line, sizeof(line), f) && sscanf(line, "ID: %d", &first) == 1)
			ret = first == id[0];
		fclose(f);
	}
	sys_timer_delete(id[1]);
out:
	sys_timer_delete(id[0]);
	return ret;
}

/*
 * Run @nr_threads workers and a /proc/self/timers reader for RUN_MS. The
 * odd workers exit with their timers live; afterwards those and the shared
 * timers must be reachable and exactly what /proc/self/timers lists, and
 * after deleting them nothing is left. Returns the number of failures,
 * with the first one in @why.
 */
static int run_scenario(int nr_threads, unsigned int seed, char *why, size_t len)
{
	static struct proc_timer proc[MAX_PROC];
	struct timespec run = { RUN_MS / 1000, (RUN_MS % 1000) * 1000000L };
	int left[MAX_PROC], nr_left = 0, i, j, n, err;
	unsigned long ops = 0;
	struct scenario *sc;
	bool have_reader = false;
	struct worker *w;
	pthread_t reader;
	sigset_t set;

	sc = calloc(1, sizeof(*sc));
	w = calloc(nr_threads, sizeof(*w));
	if (!sc || !w) {
		snprintf(why, len, "out of memory");
		free(sc);
		free(w);
		return 1;
	}
	pthread_mutex_init(&sc->lock, NULL);
	for (i = 0; i < NR_BUCKETS; i++)
		pthread_mutex_init(&sc->live[i].lock, NULL);
	for (i = 0; i < NR_SHARED; i++)
		sc->shared[i] = -1;
	sc->have_proc = !access("/proc/self/timers", R_OK);
	if (sc->have_proc) {
		i = proc_timers_by_id();
		if (i < 0)
			failure(sc, "cannot tell the order of /proc/self/timers");
		sc->proc_by_id = i > 0;
	}

	/* The periodic timers' signals stay pending */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (i = 0; i < nr_threads; i++) {
		w[i].sc = sc;
		w[i].seed = seed + i;
		w[i].leave_live = i & 1;
		w[i].last_id = -1;
		err = pthread_create(&w[i].thread, NULL, worker_fn, &w[i]);
		if (err) {
			failure(sc, "pthread_create: %s", strerror(err));
			nr_threads = i;
			break;
		}
	}
	if (sc->have_proc) {
		err = pthread_create(&reader, NULL, proc_reader_fn, sc);
		if (err)
			failure(sc, "pthread_create: %s", strerror(err));
		have_reader = !err;
	}
	if (!stopped(sc))
		nanosleep(&run, NULL);
	__atomic_store_n(&sc->stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < nr_threads; i++)
		pthread_join(w[i].thread, NULL);
	if (have_reader)
		pthread_join(reader, NULL);

	for (i = 0; i < nr_threads; i++) {
		ops += w[i].ops;
		for (j = 0; j < w[i].nr_live; j++)
			left[nr_left++] = w[i].live[j].id;
	}
	for (i = 0; i < NR_SHARED; i++) {
		if (sc->shared[i] >= 0)
			left[nr_left++] = sc->shared[i];
	}
	for (i = 0; i < nr_left; i++) {
		struct itimerspec its;

		if (sys_timer_gettime(left[i], &its))
			failure(sc, "timer %d left live unreachable: %s", left[i],
				strerror(errno));
	}
	if (!ops)
		failure(sc, "no operation done in %d ms", RUN_MS);

	/* /proc/self/timers lists exactly the timers left behind */
	qsort(left, nr_left, sizeof(left[0]), cmp_int);
	n = sc->have_proc ? parse_proc_timers(getpid(), proc, MAX_PROC) : nr_left;
	if (n != nr_left)
		failure(sc, "/proc/self/timers has %d entries, %d timers are live", n, nr_left);
	for (i = 0; sc->have_proc && i < n && i < nr_left; i++) {
		if (proc[i].id != left[i]) {
			failure(sc, "/proc/self/timers lists ID %d, the live timer is %d",
				proc[i].id, left[i]);
			break;
		}
	}

	for (i = 0; i < nr_left; i++) {
		if (sys_timer_delete(left[i]))
			failure(sc, "timer_delete(%d): %s", left[i], strerror(errno));
	}
	n = sc->have_proc ? parse_proc_timers(getpid(), proc, MAX_PROC) : 0;
	if (n != 0)
		failure(sc, "/proc/self/timers has %d entries after deleting all", n);

	ksft_print_msg("%d threads: %lu ops, %lu /proc reads, lost races: lookup %lu delete %lu\n",
		       nr_threads, ops, sc->proc_reads, sc->shared_einval, sc->double_deletes);
	n = sc->failures;
	if (n)
		snprintf(why, len, "%s", sc->first_failure);
	for (i = 0; i < NR_BUCKETS; i++)
		free(sc->live[i].ids);
	free(w);
	free(sc);
	return n;
}

TEST(threads_create_look_up_and_delete_concurrently)
{
	char why[256] = "";
	int failures;

	if (!sigpending_room_for(THREADS_TIMERS))
		SKIP(return, "RLIMIT_SIGPENDING leaves room for fewer than %d signals",
		     2 * THREADS_TIMERS);
	TH_LOG("seed %u", seed);
	failures = run_scenario(NR_THREADS, seed, why, sizeof(why));
	EXPECT_EQ(0, failures) TH_LOG("%d failures, the first: %s", failures, why);
}

TEST(processes_create_look_up_and_delete_concurrently)
{
	pid_t pids[NR_PROCS];
	int i, status;

	if (!sigpending_room_for(PROCS_TIMERS))
		SKIP(return, "RLIMIT_SIGPENDING leaves room for fewer than %d signals",
		     2 * PROCS_TIMERS);
	TH_LOG("seed %u", seed);
	for (i = 0; i < NR_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			char why[256] = "";
			int failures;

			failures = run_scenario(PROC_THREADS, seed + 1000 * (i + 1), why,
						sizeof(why));
			if (failures)
				ksft_print_msg("process %d: %d failures, the first: %s\n",
					       i, failures, why);
			_exit(failures ? 1 : 0);
		}
	}
	for (i = 0; i < NR_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("process %d failed (status 0x%x)", i, status);
	}
}

/*
 * The timers of the target of /proc/$PID/timers: the one with ID @id is
 * described by a formula, before exec() and after it.
 */
static void target_sigevent(int id, bool exec_image, pid_t leader, pid_t helper,
			    struct sigevent *sev, clockid_t *clock)
{
	memset(sev, 0, sizeof(*sev));
	*clock = clocks[id % 3];
	sev->sigev_signo = SIGRTMIN + id % 4;
	if (exec_image) {
		sev->sigev_notify = SIGEV_SIGNAL;
		sev->sigev_value.sival_ptr = (void *)(uintptr_t)(0x50000 + id);
		return;
	}
	sev->sigev_value.sival_ptr = (void *)(uintptr_t)(0x10000 + id);
	switch (id % 4) {
	case 0:
		sev->sigev_notify = SIGEV_SIGNAL;
		break;
	case 1:
		sev->sigev_notify = SIGEV_NONE;
		break;
	case 2:
		sev->sigev_notify = SIGEV_THREAD_ID;
		sev->sigev_notify_thread_id = leader;
		break;
	default:
		sev->sigev_notify = SIGEV_THREAD_ID;
		sev->sigev_notify_thread_id = helper;
		break;
	}
}

/* Whether /proc/$PID/timers entry @t of @pid is as created, "" if so */
static const char *check_target_entry(const struct proc_timer *t, pid_t pid, pid_t helper,
				      bool exec)
{
	bool exec_image = t->id >= TARGET_TIMERS;
	struct sigevent sev;
	clockid_t clock;
	bool tid;

	if (t->id < 0 || t->id >= (exec ? TARGET_TOTAL : TARGET_TIMERS))
		return "unknown ID";
	target_sigevent(t->id, exec_image, pid, helper, &sev, &clock);
	tid = sev.sigev_notify & SIGEV_THREAD_ID;
	if (t->signo != sev.sigev_signo)
		return "signal";
	if (t->value != (uintptr_t)sev.sigev_value.sival_ptr)
		return "value";
	if (strcmp(t->notify, (sev.sigev_notify & ~SIGEV_THREAD_ID) == SIGEV_NONE ?
		   "none" : "signal"))
		return "notify";
	if (strcmp(t->target, tid ? "tid" : "pid"))
		return "target";
	if (t->target_nr != (tid ? sev.sigev_notify_thread_id : pid))
		return "target PID";
	if (t->clock != clock)
		return "clock";
	return "";
}

static int create_target_timers(int first, int nr, bool exec_image, pid_t helper)
{
	struct itimerspec periodic = {
		.it_value.tv_nsec = 1000000,
		.it_interval.tv_nsec = 1000000,
	};
	int i, id, failures = 0;
	struct sigevent sev;
	clockid_t clock;

	for (i = first; i < first + nr; i++) {
		target_sigevent(i, exec_image, getpid(), helper, &sev, &clock);
		if (sys_timer_create(clock, &sev, &id) || id != i) {
			ksft_print_msg("target: timer_create(): %s, ID %d, expected %d\n",
				       strerror(errno), id, i);
			return 1;
		}
		/* Signals pending at exit and exec */
		if (!(i % 8) && sys_timer_settime(id, 0, &periodic, NULL))
			failures++;
	}
	return failures;
}

/* The image the target's helper thread exec()s: more timers, then exit */
static int exec_target(void)
{
	return create_target_timers(TARGET_TIMERS, EXEC_TIMERS, true, 0);
}

struct target {
	bool exec;
	int go;			/* read end of a pipe */
	pid_t helper;
	pthread_barrier_t started;
};

/* Waits for the reader, then exits or exec()s, the leader still running */
static void *target_helper_fn(void *arg)
{
	static char * const argv[] = { "posix_timer_contention", EXEC_TARGET_ARG, NULL };
	struct target *tg = arg;
	char c;

	tg->helper = syscall(__NR_gettid);
	pthread_barrier_wait(&tg->started);
	if (read(tg->go, &c, 1) != 1)
		_exit(1);
	if (!tg->exec)
		_exit(0);
	execv("/proc/self/exe", argv);
	ksft_print_msg("execv: %s\n", strerror(errno));
	_exit(1);
}

/* Creates its timers, reports the helper's thread ID on @ready, then waits */
static int target_fn(bool exec, int ready, int go)
{
	struct target tg = { .exec = exec, .go = go };
	pthread_t helper;
	sigset_t set;
	int i;

	sigemptyset(&set);
	for (i = 0; i < 4; i++)
		sigaddset(&set, SIGRTMIN + i);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (pthread_barrier_init(&tg.started, NULL, 2) ||
	    pthread_create(&helper, NULL, target_helper_fn, &tg))
		return 1;
	pthread_barrier_wait(&tg.started);
	if (create_target_timers(0, TARGET_TIMERS, false, tg.helper))
		return 1;
	if (write(ready, &tg.helper, sizeof(tg.helper)) != sizeof(tg.helper))
		return 1;
	for (;;)
		pause();
}

/* Check a snapshot of the target's /proc/$PID/timers, @n entries or -1 */
static void check_snapshot(struct __test_metadata *_metadata, const struct proc_timer *t,
			   int n, pid_t pid, pid_t helper, bool exec, bool proc_by_id)
{
	const char *bad;
	int i;

	/* Fails only once the target is gone */
	if (n < 0)
		EXPECT_TRUE(errno == ESRCH || errno == ENOENT)
			TH_LOG("/proc/%d/timers: %s", pid, strerror(errno));
	for (i = 0; i < n; i++) {
		bad = check_target_entry(&t[i], pid, helper, exec);
		EXPECT_STREQ("", bad) TH_LOG("ID %d: %s differs", t[i].id, bad);
		if (proc_by_id && i)
			EXPECT_NE(t[i].id, t[i - 1].id) TH_LOG("ID %d twice", t[i].id);
	}
}

/*
 * Fork a target, read its /proc/$PID/timers while it exits or exec()s until
 * it is gone, and reap it. @snapshots counts the reads by their outcome:
 * empty, with timers, failed.
 */
static void read_while_target_goes(struct __test_metadata *_metadata, bool exec,
				   bool proc_by_id, unsigned long snapshots[3])
{
	static struct proc_timer t[TARGET_TOTAL];
	int ready[2], go[2], n, err, status;
	struct timespec start, now;
	char path[64];
	pid_t pid, helper;
	FILE *f;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		close(go[1]);
		_exit(target_fn(exec, ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(sizeof(helper), read(ready[0], &helper, sizeof(helper)))
		TH_LOG("the target failed to set up");
	close(ready[0]);

	/* Let the target go while a read of all its timers is under way */
	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	f = fopen(path, "r");
	ASSERT_TRUE(!!f) TH_LOG("%s: %s", path, strerror(errno));
	setvbuf(f, NULL, _IOFBF, 512);
	ungetc(fgetc(f), f);
	ASSERT_EQ(1, write(go[1], "", 1));
	close(go[1]);
	n = parse_proc_timers_file(f, t, ARRAY_SIZE(t));
	err = errno;
	fclose(f);
	errno = err;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		check_snapshot(_metadata, t, n, pid, helper, exec, proc_by_id);
		snapshots[n < 0 ? 2 : !!n]++;
		if (_metadata->exit_code == KSFT_FAIL)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
				TH_LOG("target failed (status 0x%x)", status);
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 10) {
			EXPECT_TRUE(false) TH_LOG("target %d still there after 10 s", pid);
			break;
		}
		n = parse_proc_timers(pid, t, ARRAY_SIZE(t));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static void read_while_targets_go(struct __test_metadata *_metadata, bool exec)
{
	struct timespec start, now;
	unsigned long snapshots[3] = {}, rounds = 0;
	int by_id;

	by_id = proc_timers_by_id();
	ASSERT_LE(0, by_id);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		read_while_target_goes(_metadata, exec, by_id, snapshots);
		ASSERT_NE(KSFT_FAIL, _metadata->exit_code);
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 +
		 (now.tv_nsec - start.tv_nsec) / 1000000 < RUN_MS);
	TH_LOG("%lu targets, snapshots: %lu empty, %lu with timers, %lu failed",
	       rounds, snapshots[0], snapshots[1], snapshots[2]);
}

TEST(proc_timers_read_while_the_target_exits)
{
	if (access("/proc/self/timers", R_OK))
		SKIP(return, "no /proc/self/timers (CONFIG_CHECKPOINT_RESTORE=n)");
	if (!sigpending_room_for(TARGET_TOTAL))
		SKIP(return, "RLIMIT_SIGPENDING leaves room for fewer than %d signals",
		     2 * TARGET_TOTAL);
	read_while_targets_go(_metadata, false);
}

TEST(proc_timers_read_while_a_thread_of_the_target_execs)
{
	if (access("/proc/self/timers", R_OK))
		SKIP(return, "no /proc/self/timers (CONFIG_CHECKPOINT_RESTORE=n)");
	if (access("/proc/self/exe", X_OK))
		SKIP(return, "no /proc/self/exe");
	if (!sigpending_room_for(TARGET_TOTAL))
		SKIP(return, "RLIMIT_SIGPENDING leaves room for fewer than %d signals",
		     2 * TARGET_TOTAL);
	read_while_targets_go(_metadata, true);
}

/*
 * A timer can be in the ID space before timer_create() has set it up: a
 * reader of /proc/self/timers must skip it until it is valid, and must not
 * print what it read of it before. Threads create and delete timers which
 * all look alike while the main thread reads the file: every entry must be
 * such a timer, whole. Between those, the threads start creations which
 * fail after the ID was taken: on the CPU clock of a thread which is gone,
 * and with an ID pointer which cannot be written. Such a timer is never
 * valid, and must never be listed. Half of the threads use their own CPU
 * clock, whose timers get a lock class of their own when they are set up.
 */
#define AS_CREATED_THREADS	4
#define AS_CREATED_VALUE	0x5a5a5a00ULL	/* + the clock ID */
#define NEVER_VALID_VALUE	0x0badULL
/* The CPU clock of thread @tid (CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_SCHED) */
#define THREAD_CPUCLOCK(tid)	((clockid_t)(~(unsigned int)(tid) << 3) | 4 | 2)

struct as_created {
	int stop;		/* __atomic */
	int started;		/* __atomic: threads, every other one on its CPU clock */
	pid_t gone_tid;		/* a thread which exited and was joined */
	int *unwritable_id;	/* a read-only page */
};

static void *create_and_delete_fn(void *arg)
{
	struct as_created *ac = arg;
	clockid_t clock;
	struct sigevent sev = {
		.sigev_notify = SIGEV_NONE,
		.sigev_signo = SIGUSR1,
	};
	struct sigevent never = {
		.sigev_notify = SIGEV_NONE,
		.sigev_signo = SIGUSR1,
		.sigev_value.sival_ptr = (void *)(uintptr_t)NEVER_VALID_VALUE,
	};
	long failures = 0, n = 0;
	int id;

	clock = __atomic_fetch_add(&ac->started, 1, __ATOMIC_RELAXED) & 1 ?
		CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
	sev.sigev_value.sival_ptr = (void *)(uintptr_t)(AS_CREATED_VALUE + clock);
	while (!__atomic_load_n(&ac->stop, __ATOMIC_RELAXED)) {
		if (sys_timer_create(clock, &sev, &id) || sys_timer_delete(id))
			failures++;
		if (n++ & 1) {
			if (!sys_timer_create(THREAD_CPUCLOCK(ac->gone_tid), &never, &id) ||
			    errno != EINVAL)
				failures++;
		} else {
			if (!sys_timer_create(clock, &never, ac->unwritable_id) || errno != EFAULT)
				failures++;
		}
	}
	return (void *)failures;
}

/*
 * Whether a timer listed with @value has the clock it was created on. The
 * kernel lists CLOCK_THREAD_CPUTIME_ID as the CPU clock of thread 0, the
 * calling thread.
 */
static bool as_created_clock(unsigned long long value, int clock)
{
	if (value == AS_CREATED_VALUE + CLOCK_MONOTONIC)
		return clock == CLOCK_MONOTONIC;
	if (value == AS_CREATED_VALUE + CLOCK_THREAD_CPUTIME_ID)
		return clock == CLOCK_THREAD_CPUTIME_ID || clock == THREAD_CPUCLOCK(0);
	return false;
}

static void *gettid_fn(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

TEST(proc_timers_lists_timers_only_as_created)
{
	static struct proc_timer t[MAX_SNAPSHOT];
	pthread_t threads[AS_CREATED_THREADS];
	unsigned long reads = 0, entries = 0;
	struct as_created ac = {};
	struct timespec start, now;
	void *failures;
	int i, n = 0;

	if (access("/proc/self/timers", R_OK))
		SKIP(return, "no /proc/self/timers (CONFIG_CHECKPOINT_RESTORE=n)");
	if (!sigpending_room_for(2 * AS_CREATED_THREADS))
		SKIP(return, "RLIMIT_SIGPENDING leaves room for fewer than %d signals",
		     4 * AS_CREATED_THREADS);
	ASSERT_EQ(0, pthread_create(&threads[0], NULL, gettid_fn, &ac.gone_tid));
	ASSERT_EQ(0, pthread_join(threads[0], NULL));
	ac.unwritable_id = mmap(NULL, getpagesize(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	ASSERT_TRUE(ac.unwritable_id != MAP_FAILED);
	for (i = 0; i < AS_CREATED_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, create_and_delete_fn, &ac));
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		n = parse_proc_timers(getpid(), t, MAX_SNAPSHOT);
		if (n < 0)
			break;
		for (i = 0; i < n; i++) {
			EXPECT_TRUE(t[i].signo == SIGUSR1 && !strcmp(t[i].notify, "none") &&
				    !strcmp(t[i].target, "pid") && t[i].target_nr == getpid() &&
				    as_created_clock(t[i].value, t[i].clock))
				TH_LOG("ID %d listed as signal %d/%llx notify %s/%s.%d clock %d",
				       t[i].id, t[i].signo, t[i].value, t[i].notify, t[i].target,
				       t[i].target_nr, t[i].clock);
		}
		entries += n;
		reads++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (_metadata->exit_code == KSFT_PASS &&
		 (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 <
		 RUN_MS);
	__atomic_store_n(&ac.stop, 1, __ATOMIC_RELAXED);
	EXPECT_LE(0, n) TH_LOG("/proc/self/timers: %s", strerror(errno));
	for (i = 0; i < AS_CREATED_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], &failures));
		EXPECT_EQ(0, (long)failures)
			TH_LOG("thread %d: %ld calls did not return as expected", i,
			       (long)failures);
	}
	munmap(ac.unwritable_id, getpagesize());
	TH_LOG("%lu reads, %lu entries", reads, entries);
}

int main(int argc, char **argv)
{
	const char *env = getenv("POSIX_TIMER_SEED");

	if (argc == 2 && !strcmp(argv[1], EXEC_TARGET_ARG))
		return exec_target();

	seed = env ? strtoul(env, NULL, 0) : time(NULL) ^ getpid();
	ksft_print_msg("seed %u, POSIX_TIMER_SEED=%u repeats the operations\n", seed, seed);

	skip_without_posix_timers();
	/* The harness passes a run in which every test skipped */
	if (!sigpending_room_for(MIN_TIMERS))
		ksft_exit_skip("RLIMIT_SIGPENDING leaves room for fewer than %d signals\n",
			       2 * MIN_TIMERS);
	return test_harness_run(argc, argv);
}
