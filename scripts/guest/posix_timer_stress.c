// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized stress of the POSIX timer system calls, run in the guest by scripts/stress.
 *
 *   posix_timer_stress [-s SEED] [-d SECONDS] [-p PROCS] [-t THREADS]
 *
 * The driver keeps PROCS worker processes alive for SECONDS. Each worker lives for a random
 * while with 1..THREADS threads and a restore mode policy: 'off' (restore mode never on),
 * 'on' (on from the start, never switched) or 'toggle' (one more thread switches it on and
 * off all along). The threads create timers on every clock with every notify type, with valid,
 * taken, random, invalid and TIMER_ANY_ID IDs and with bad pointers; they arm, query and
 * delete them, query and delete IDs they do not own, drain the timer signals, fork children
 * which check that they start without timers, put timers on the CPU clock of children which
 * exit at once, aim SIGEV_THREAD_ID at threads which exit at once, and exit with timers
 * armed. A worker ends by
 * deleting its timers, by exiting with its timers armed, or by exec()ing itself while its
 * threads still run.
 *
 * Invariants, checked as it goes (a broken one prints 'VIOLATION:' and fails the run):
 *  - every call returns success or an errno the ABI documents for that input;
 *  - an ID is never handed out twice in a process; with restore mode pinned on, the wanted ID;
 *    with it pinned off, a thread's IDs grow (the sequential allocation of old kernels);
 *  - a thread's own timers are reachable until it deletes them, then they are gone;
 *  - IDs which are never allocated, and negative ones, are EINVAL for every call;
 *  - a timer on the CPU clock of a reaped child is disarmed and cannot be armed (ESRCH);
 *  - a forked child and an exec()ed image start without timers and with restore mode off;
 *  - when the threads are done, /proc/self/timers lists exactly the live timers.
 * At the end, with every worker gone: the posix_timers_cache and sigqueue slabs are back to
 * their starting object counts (boot with slub_debug=F,posix_timers_cache,sigqueue for exact
 * counts), and a kmemleak scan reports nothing.
 *
 * The operations follow from the seed (each worker and thread has its own generator); the
 * interleaving of the threads does not. The output ends with the calls issued per kind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/prctl.h>

#include "guest_util.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* Wanted IDs are below SMALL_IDS or in the last HIGH_IDS before INT_MAX. */
#define SMALL_IDS	(1 << 20)
#define HIGH_IDS	4096
/* Never allocated: the counter cannot get there in a run, and restores do not ask for it. */
#define DEAD_LO		(1 << 29)
#define DEAD_HI		(1 << 30)
#define MAX_OWN		32
#define MAX_ORPHANS	(64 * MAX_OWN)

enum { C_CREATE, C_CREATE_ERR, C_SETTIME, C_GETTIME, C_GETOVERRUN, C_DELETE, C_FOREIGN,
       C_PRCTL, C_BADPTR, C_SIGNAL, C_FORK, C_CHILD_CLOCK, C_DYING_TARGET, C_EXEC, C_THREAD_EXIT, C_WORKER, C_NR };
static const char *const cname[C_NR] = {
	"create", "create_failed", "settime", "gettime", "getoverrun", "delete", "foreign_id",
	"prctl", "bad_pointer", "signal", "fork", "child_clock", "dying_target", "exec", "thread_exit_armed", "workers",
};

/* Shared by the driver and the workers (MAP_SHARED): counters and the violation count. */
struct shared {
	unsigned long count[C_NR];
	unsigned long violations;
};
static struct shared *sh;

static unsigned int master_seed;
static int worker_nr = -1;
static const int sigs[] = { SIGUSR1, SIGUSR2, SIGALRM, 34, 35, 40, 50, 64 };
#define NSIGS ((int)(sizeof(sigs) / sizeof(sigs[0])))

static void count(int c)
{
	__atomic_fetch_add(&sh->count[c], 1, __ATOMIC_RELAXED);
}

static void violation(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "VIOLATION: seed %u worker %d tid %ld: ", master_seed,
		     worker_nr, (long)syscall(SYS_gettid));
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", buf);
	__atomic_fetch_add(&sh->violations, 1, __ATOMIC_RELAXED);
}

/* xorshift64*, one per thread */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static int pick(uint64_t *s, int n)
{
	return rnd(s) % n;
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t s = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);

	rnd(&s);
	return s ? s : 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sys_timer_create(clockid_t clock, struct sigevent *sev, int *id)
{
	return syscall(SYS_timer_create, clock, sev, id);
}

/* -errno or the result */
static long sys(long ret)
{
	return ret < 0 ? -errno : ret;
}

/*
 * The IDs of the worker: live, and how often each was handed out (the generation), so that a
 * thread which finds a timer under an ID it deleted can tell whether somebody else got the ID.
 */
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *live_small;		/* [SMALL_IDS], then HIGH_IDS entries before INT_MAX */
static uint32_t *gen_small;
static int orphans[MAX_ORPHANS], n_orphans;

static long id_slot(int id)
{
	if (id >= 0 && id < SMALL_IDS)
		return id;
	if (id > INT_MAX - HIGH_IDS)
		return SMALL_IDS + (INT_MAX - id);
	return -1;
}

static void id_add(int id)
{
	long s = id_slot(id);

	if (s < 0) {
		violation("ID %d out of every range the program uses", id);
		return;
	}
	pthread_mutex_lock(&id_lock);
	if (live_small[s])
		violation("ID %d handed out while a timer with it is live", id);
	live_small[s] = 1;
	gen_small[s]++;
	pthread_mutex_unlock(&id_lock);
}

static uint32_t id_del(int id)
{
	long s = id_slot(id);
	uint32_t g;

	if (s < 0)		/* reported by id_add() */
		return 0;
	pthread_mutex_lock(&id_lock);
	live_small[s] = 0;
	g = gen_small[s];
	pthread_mutex_unlock(&id_lock);
	return g;
}

static uint32_t id_gen(int id)
{
	uint32_t g;

	if (id_slot(id) < 0)
		return 0;
	pthread_mutex_lock(&id_lock);
	g = gen_small[id_slot(id)];
	pthread_mutex_unlock(&id_lock);
	return g;
}

enum policy { MODE_OFF, MODE_ON, MODE_TOGGLE };
static enum policy policy;
static int have_restore;		/* the kernel has PR_TIMER_CREATE_RESTORE_IDS */
static volatile int stop_threads;
static void *ro_page;			/* read-only: the ID can be read, not written */

struct thread {
	pthread_t pt;
	uint64_t seed;
	int own[MAX_OWN], n_own;
	int last_auto;			/* the last automatic ID, for MODE_OFF */
	int exit_early;
};

static const clockid_t good_clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI,
	CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
};

/* CPUCLOCK_SCHED of process or thread @pid, as MAKE_{PROCESS,THREAD}_CPUCLOCK() make it */
#define CPUCLOCK(pid, thread) ((clockid_t)((~(unsigned int)(pid) << 3) | ((thread) ? 4 : 0) | 2))
#define NO_PID 0x0ffffff0	/* above PID_MAX_LIMIT, fits the 29 bits of a CPU clock */

static void check_errno(const char *what, long ret, const int *ok, int n)
{
	int i;

	if (ret >= 0 && n < 0) {
		violation("%s succeeded", what);
		return;
	}
	if (ret >= 0)
		return;
	n = n < 0 ? -n : n;
	for (i = 0; i < n; i++)
		if (-ret == ok[i])
			return;
	violation("%s: unexpected error %ld (%s)", what, -ret, strerror(-ret));
}

#define EXPECT_ERR(what, ret, ...)					\
	do {								\
		const int __ok[] = { __VA_ARGS__ };			\
		check_errno(what, ret, __ok, sizeof(__ok) / sizeof(int));	\
	} while (0)

/* The same for a call which must fail */
#define EXPECT_FAIL(what, ret, ...)					\
	do {								\
		const int __ok[] = { __VA_ARGS__ };			\
		check_errno(what, ret, __ok, -(int)(sizeof(__ok) / sizeof(int)));	\
	} while (0)

static void fill_sigevent(struct thread *t, struct sigevent *sev)
{
	memset(sev, 0, sizeof(*sev));
	switch (pick(&t->seed, 4)) {
	case 0:
		sev->sigev_notify = SIGEV_NONE;
		break;
	case 1:
		sev->sigev_notify = SIGEV_SIGNAL | SIGEV_THREAD_ID;
		sev->sigev_notify_thread_id = syscall(SYS_gettid);
		sev->sigev_signo = sigs[pick(&t->seed, NSIGS)];
		break;
	default:
		sev->sigev_notify = SIGEV_SIGNAL;
		sev->sigev_signo = sigs[pick(&t->seed, NSIGS)];
		break;
	}
	sev->sigev_value.sival_ptr = (void *)(uintptr_t)rnd(&t->seed);
}

static void arm(struct thread *t, int id)
{
	struct itimerspec its = {};
	long ret;

	switch (pick(&t->seed, 4)) {
	case 0:
		break;				/* disarm */
	case 1:
		its.it_value.tv_sec = 3600;
		break;
	case 2:
		its.it_value.tv_nsec = 1000000;
		its.it_interval.tv_nsec = 1000000 * (1 + pick(&t->seed, 10));
		break;
	default:
		its.it_value.tv_nsec = 1;	/* absolute, in the past: fires at once */
		ret = sys(syscall(SYS_timer_settime, id, TIMER_ABSTIME, &its, NULL));
		count(C_SETTIME);
		if (ret)
			violation("timer_settime(own %d, abs): %ld", id, ret);
		return;
	}
	ret = sys(syscall(SYS_timer_settime, id, 0, &its, NULL));
	count(C_SETTIME);
	if (ret)
		violation("timer_settime(own %d): %ld", id, ret);
}

static int restore_get(void)
{
	return prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET, 0, 0, 0);
}

/* One timer_create() with a random wanted ID; checks the outcome and records the timer. */
static void op_create(struct thread *t)
{
	int req, id, kind = pick(&t->seed, 10), clock;
	struct sigevent sev;
	long ret;

	clock = good_clocks[pick(&t->seed, 6)];
	fill_sigevent(t, &sev);
	switch (kind) {
	case 0:
	case 1:
	case 2:
		req = TIMER_ANY_ID;
		break;
	case 3:
	case 4:		/* the counter follows, and must stay below SMALL_IDS */
		req = pick(&t->seed, SMALL_IDS / 2);
		break;
	case 5:
		req = INT_MAX - pick(&t->seed, HIGH_IDS);
		break;
	case 6:			/* one of our own, taken */
		req = t->n_own ? t->own[pick(&t->seed, t->n_own)] : 0;
		break;
	case 7:			/* invalid in restore mode */
		req = -1 - pick(&t->seed, 1000);
		break;
	default:		/* whatever is there, as the C library leaves it */
		req = (int)rnd(&t->seed);
		if (id_slot(req) < 0 && req != TIMER_ANY_ID)
			req &= SMALL_IDS / 2 - 1;
		break;
	}
	id = req;
	ret = sys(sys_timer_create(clock, pick(&t->seed, 8) ? &sev : NULL, &id));
	count(ret ? C_CREATE_ERR : C_CREATE);
	if (ret) {
		/*
		 * EBUSY only for a wanted ID, EINVAL only for an invalid one, and neither
		 * with restore mode pinned off.
		 */
		if (ret == -EBUSY && req >= 0 && policy != MODE_OFF)
			return;
		if (ret == -EINVAL && req < 0 && req != TIMER_ANY_ID && policy != MODE_OFF)
			return;
		if (ret != -EAGAIN && ret != -ENOMEM)
			violation("timer_create(clock %d, wanted %d): %ld", clock, req, ret);
		return;
	}
	if (id < 0) {
		violation("timer_create returned ID %d", id);
		return;
	}
	if (policy == MODE_ON && req >= 0 && id != req)
		violation("restore mode on: wanted ID %d, got %d", req, id);
	if (policy == MODE_ON && req < 0 && req != TIMER_ANY_ID)
		violation("restore mode on: invalid ID %d gave %d", req, id);
	if (policy == MODE_OFF) {
		if (id <= t->last_auto)
			violation("restore mode off: ID %d after %d", id, t->last_auto);
		t->last_auto = id;
	}
	id_add(id);
	if (t->n_own == MAX_OWN) {	/* give one up: delete the oldest */
		int old = t->own[0];

		id_del(old);
		ret = sys(syscall(SYS_timer_delete, old));
		count(C_DELETE);
		if (ret)
			violation("timer_delete(own %d): %ld", old, ret);
		memmove(t->own, t->own + 1, --t->n_own * sizeof(int));
	}
	t->own[t->n_own++] = id;
	arm(t, id);
}

/* Calls with invalid clocks, sigevents and pointers: each has its errno and leaves nothing. */
static void op_bad_create(struct thread *t)
{
	struct sigevent sev;
	int id = TIMER_ANY_ID;
	long ret;

	fill_sigevent(t, &sev);
	count(C_BADPTR);
	switch (pick(&t->seed, 8)) {
	case 0:
		ret = sys(sys_timer_create(CLOCK_MONOTONIC, (void *)16, &id));
		EXPECT_FAIL("timer_create(bad sigevent pointer)", ret, EFAULT);
		break;
	case 1:
		ret = sys(sys_timer_create(CLOCK_MONOTONIC, &sev, (void *)16));
		EXPECT_FAIL("timer_create(bad ID pointer)", ret, EFAULT);
		break;
	case 2:		/* readable, not writable: restore mode reads the ID, the write fails */
		*(volatile int *)ro_page;
		ret = sys(sys_timer_create(CLOCK_MONOTONIC, &sev, ro_page));
		if (ret != -EFAULT && !(ret == -EBUSY && policy != MODE_OFF))
			violation("timer_create(read-only ID): %ld", ret);
		break;
	case 3:
		ret = sys(sys_timer_create(CPUCLOCK(NO_PID, 0), &sev, &id));
		EXPECT_FAIL("timer_create(no such process)", ret, EINVAL);
		break;
	case 4:
		ret = sys(sys_timer_create(CPUCLOCK(1, 1), &sev, &id));
		EXPECT_FAIL("timer_create(thread of another process)", ret, EINVAL);
		break;
	case 5:
		ret = sys(sys_timer_create(pick(&t->seed, 2) ? CLOCK_MONOTONIC_RAW : 64, &sev, &id));
		EXPECT_FAIL("timer_create(clock without timers)", ret, EINVAL, EOPNOTSUPP);
		break;
	case 6:
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = pick(&t->seed, 2) ? 0 : 65;
		ret = sys(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
		EXPECT_FAIL("timer_create(bad signal)", ret, EINVAL);
		break;
	default:
		sev.sigev_notify = SIGEV_SIGNAL | SIGEV_THREAD_ID;
		sev.sigev_signo = SIGUSR1;
		sev.sigev_notify_thread_id = 1;		/* init: another process */
		ret = sys(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
		EXPECT_FAIL("timer_create(thread of another process)", ret, EINVAL);
		break;
	}
	if (ret == 0 && id >= 0)	/* reported: do not leave it behind untracked */
		syscall(SYS_timer_delete, id);
}

static void op_own(struct thread *t)
{
	struct itimerspec its;
	int i, id;
	long ret;

	if (!t->n_own)
		return;
	i = pick(&t->seed, t->n_own);
	id = t->own[i];
	switch (pick(&t->seed, 8)) {
	case 0:
	case 1:
		arm(t, id);
		break;
	case 2:
		ret = sys(syscall(SYS_timer_gettime, id, &its));
		count(C_GETTIME);
		if (ret)
			violation("timer_gettime(own %d): %ld", id, ret);
		break;
	case 3:
		ret = sys(syscall(SYS_timer_getoverrun, id));
		count(C_GETOVERRUN);
		if (ret < 0)
			violation("timer_getoverrun(own %d): %ld", id, ret);
		break;
	case 4:
		count(C_BADPTR);
		ret = sys(syscall(SYS_timer_gettime, id, (void *)16));
		EXPECT_FAIL("timer_gettime(bad pointer)", ret, EFAULT);
		ret = sys(syscall(SYS_timer_settime, id, 0, (void *)16, NULL));
		EXPECT_FAIL("timer_settime(bad pointer)", ret, EFAULT);
		memset(&its, 0, sizeof(its));
		its.it_value.tv_nsec = 1000000000;
		ret = sys(syscall(SYS_timer_settime, id, 0, &its, NULL));
		EXPECT_FAIL("timer_settime(bad time)", ret, EINVAL);
		break;
	default: {
		uint32_t gen;

		gen = id_del(id);
		ret = sys(syscall(SYS_timer_delete, id));
		count(C_DELETE);
		if (ret)
			violation("timer_delete(own %d): %ld", id, ret);
		t->own[i] = t->own[--t->n_own];
		if (pick(&t->seed, 2))
			break;
		/* Gone, unless another thread got the ID since. */
		ret = sys(syscall(SYS_timer_gettime, id, &its));
		count(C_GETTIME);
		if (ret == 0) {
			double end = now() + 10;

			while (id_gen(id) == gen && now() < end)
				sched_yield();
			if (id_gen(id) == gen)
				violation("deleted timer %d still there", id);
		} else if (ret != -EINVAL) {
			violation("timer_gettime(deleted %d): %ld", id, ret);
		}
		break;
	}
	}
}

enum call { CALL_GETTIME, CALL_GETOVERRUN, CALL_SETTIME, CALL_DELETE };

/* One call on @id; timer_settime() disarms whatever timer is there. -errno or the result. */
static long call_on(enum call call, int id)
{
	struct itimerspec its = {};

	switch (call) {
	case CALL_GETTIME:
		return sys(syscall(SYS_timer_gettime, id, &its));
	case CALL_GETOVERRUN:
		return sys(syscall(SYS_timer_getoverrun, id));
	case CALL_SETTIME:
		return sys(syscall(SYS_timer_settime, id, 0, &its, NULL));
	default:
		return sys(syscall(SYS_timer_delete, id));
	}
}

/* IDs which this thread does not own: only queries, except on IDs never allocated. */
static void op_foreign(struct thread *t)
{
	enum call call;
	int id;
	long ret;

	count(C_FOREIGN);
	if (pick(&t->seed, 2)) {
		id = pick(&t->seed, 4) ? pick(&t->seed, 256) : pick(&t->seed, SMALL_IDS);
		call = pick(&t->seed, 3);	/* no CALL_DELETE */
		ret = call_on(call, id);
		switch (call) {
		case CALL_SETTIME:
			/*
			 * ESRCH: the CPU clock of a CLOCK_THREAD_CPUTIME_ID timer whose
			 * thread has exited since is gone (posix_cpu_timer_set()).
			 */
			EXPECT_ERR("timer_settime() on a random ID", ret, EINVAL, ESRCH);
			break;
		case CALL_GETOVERRUN:
			/*
			 * -1, which the C library turns into EPERM, from a periodic
			 * CLOCK_THREAD_CPUTIME_ID timer whose signal was dequeued after
			 * its thread exited: posix_cpu_timer_rearm() returns early
			 * without a task and posixtimer_rearm() copies the it_overrun
			 * of -1 into it_overrun_last. Not the series: 6.12 has the same
			 * code, and a 6.18 kernel does it too.
			 */
			EXPECT_ERR("timer_getoverrun() on a random ID", ret, EINVAL, EPERM);
			break;
		default:
			EXPECT_ERR("timer_gettime() on a random ID", ret, EINVAL);
			break;
		}
		return;
	}
	id = pick(&t->seed, 2) ? DEAD_LO + pick(&t->seed, DEAD_HI - DEAD_LO) :
				 -1 - pick(&t->seed, 1 << 20);
	ret = call_on(pick(&t->seed, 4), id);
	if (ret != -EINVAL)
		violation("a call on ID %d, never allocated: %ld", id, ret);
}

static void drain_signals(void)
{
	struct timespec zero = {};
	sigset_t set;
	siginfo_t si;
	int i;

	sigemptyset(&set);
	for (i = 0; i < NSIGS; i++)
		sigaddset(&set, sigs[i]);
	for (i = 0; i < 64; i++) {
		if (sigtimedwait(&set, &si, &zero) < 0)
			break;
		count(C_SIGNAL);
		if (si.si_code == SI_TIMER && si.si_timerid < 0)
			violation("signal of timer %d", si.si_timerid);
	}
}

/* fork(), a failure reported as a violation: returns the child's PID, 0 in the child, or -1 */
static pid_t fork_child(void)
{
	pid_t pid = fork();

	if (pid < 0)
		violation("fork: %d", errno);
	return pid;
}

/* The child of fork(): no timers, restore mode off, the first automatic ID is 0. */
static void op_fork(struct thread *t)
{
	int status, ids[4];
	pid_t pid;

	count(C_FORK);
	pid = fork_child();
	if (pid < 0)
		return;
	if (pid == 0) {
		int bad = 0, id = 12345;

		bad |= proc_timer_ids(ids, 4) != 0;
		bad |= have_restore && restore_get() != 0;
		bad |= sys_timer_create(CLOCK_MONOTONIC, NULL, &id) != 0 || id != 0;
		/* exit with the timer armed */
		if (!bad && pick(&t->seed, 2)) {
			struct itimerspec its = { .it_value.tv_nsec = 1000 };

			syscall(SYS_timer_settime, id, 0, &its, NULL);
		}
		_exit(bad);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		violation("forked child: timers, restore mode or first ID wrong (status %#x)",
			  status);
}

/*
 * A timer on the CPU clock of a child which exits at once: created while the child lives or
 * is a zombie, it works until the child is reaped, then timer_settime() fails with ESRCH,
 * timer_gettime() reads it disarmed and timer_delete() frees it. Created after the reap, it
 * fails with EINVAL (unless the PID went to another process meanwhile).
 */
static void op_child_clock(struct thread *t)
{
	struct itimerspec its = { .it_value.tv_sec = 3600 };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int status, id = TIMER_ANY_ID, early = pick(&t->seed, 4) != 0;
	pid_t pid;
	long ret;

	count(C_CHILD_CLOCK);
	pid = fork_child();
	if (pid < 0)
		return;
	if (pid == 0)
		_exit(0);
	if (!early && waitpid(pid, &status, 0) != pid)
		violation("waitpid: %d", errno);
	ret = sys(sys_timer_create(CPUCLOCK(pid, 0), &sev, &id));
	count(C_CREATE);
	if (ret == 0) {
		id_add(id);
		if (early) {
			ret = sys(syscall(SYS_timer_settime, id, 0, &its, NULL));
			count(C_SETTIME);
			EXPECT_ERR("timer_settime(clock of an exiting child)", ret, ESRCH);
		}
	} else {
		count(C_CREATE_ERR);
		if (early)
			violation("timer_create(clock of a child not reaped yet): %ld", ret);
		else if (ret != -EINVAL)
			violation("timer_create(clock of a reaped child): %ld", ret);
	}
	if (early && waitpid(pid, &status, 0) != pid)
		violation("waitpid: %d", errno);
	if (ret)
		return;
	if (early) {
		ret = sys(syscall(SYS_timer_settime, id, 0, &its, NULL));
		count(C_SETTIME);
		if (ret != -ESRCH)
			violation("timer_settime(clock of a reaped child): %ld", ret);
		memset(&its, 0xff, sizeof(its));
		ret = sys(syscall(SYS_timer_gettime, id, &its));
		count(C_GETTIME);
		if (ret || its.it_value.tv_sec || its.it_value.tv_nsec)
			violation("timer_gettime(clock of a reaped child): %ld, %lld.%09ld", ret,
				  (long long)its.it_value.tv_sec, its.it_value.tv_nsec);
	}
	id_del(id);
	ret = sys(syscall(SYS_timer_delete, id));
	count(C_DELETE);
	if (ret)
		violation("timer_delete(clock of a child): %ld", ret);
}

static void *short_thread(void *arg)
{
	__atomic_store_n((pid_t *)arg, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	return NULL;
}

/*
 * SIGEV_THREAD_ID aimed at a thread which exits meanwhile: timer_create() succeeds while the
 * thread is there and fails with EINVAL once it is gone (or its TID went to a thread of
 * another process). A timer created in time fires at a dead thread and is deleted; nothing
 * may stay behind (the slab counts at the end).
 */
static void op_dying_target(struct thread *t)
{
	struct itimerspec its = { .it_value.tv_nsec = 1000 };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL | SIGEV_THREAD_ID };
	int id = TIMER_ANY_ID, joined = 0;
	pthread_t pt;
	pid_t tid = 0;
	long ret;

	count(C_DYING_TARGET);
	if (pthread_create(&pt, NULL, short_thread, &tid))
		return;
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		sched_yield();
	sev.sigev_notify_thread_id = tid;
	sev.sigev_signo = sigs[pick(&t->seed, NSIGS)];
	if (pick(&t->seed, 4) == 0)
		joined = !pthread_join(pt, NULL);
	ret = sys(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
	count(ret ? C_CREATE_ERR : C_CREATE);
	if (!joined)
		pthread_join(pt, NULL);
	if (ret) {
		EXPECT_ERR("timer_create(SIGEV_THREAD_ID of an exiting thread)", ret,
			   EINVAL, EAGAIN, ENOMEM);
		return;
	}
	id_add(id);
	ret = sys(syscall(SYS_timer_settime, id, 0, &its, NULL));
	count(C_SETTIME);
	if (ret)
		violation("timer_settime(SIGEV_THREAD_ID of an exited thread): %ld", ret);
	if (pick(&t->seed, 2))
		usleep(pick(&t->seed, 1000));
	id_del(id);
	ret = sys(syscall(SYS_timer_delete, id));
	count(C_DELETE);
	if (ret)
		violation("timer_delete(SIGEV_THREAD_ID of an exited thread): %ld", ret);
}

static void op_prctl(struct thread *t)
{
	long ret;

	count(C_PRCTL);
	switch (pick(&t->seed, 4)) {
	case 0:
		ret = sys(prctl(PR_TIMER_CREATE_RESTORE_IDS, 3 + pick(&t->seed, 100), 0, 0, 0));
		break;
	case 1:
		ret = sys(prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET,
				1 + pick(&t->seed, 10), 0, 0));
		break;
	default:
		ret = restore_get();
		if (policy != MODE_TOGGLE && ret != (policy == MODE_ON))
			violation("restore mode %ld, pinned %s", ret,
				  policy == MODE_ON ? "on" : "off");
		return;
	}
	if (ret != -EINVAL)
		violation("prctl with invalid arguments: %ld", ret);
}

static void *toggler(void *arg)
{
	struct thread *t = arg;

	while (!stop_threads) {
		int on = pick(&t->seed, 2);

		count(C_PRCTL);
		if (prctl(PR_TIMER_CREATE_RESTORE_IDS, on, 0, 0, 0))
			violation("prctl(restore mode %d): %d", on, errno);
		if (pick(&t->seed, 4) == 0)
			op_prctl(t);
		usleep(pick(&t->seed, 2000));
	}
	return NULL;
}

static void *worker_thread(void *arg)
{
	struct thread *t = arg;
	int ops = 0;

	t->last_auto = -1;
	while (!stop_threads) {
		int r = pick(&t->seed, 100);

		if (r < 35)
			op_create(t);
		else if (r < 60)
			op_own(t);
		else if (r < 72)
			op_foreign(t);
		else if (r < 80)
			op_bad_create(t);
		else if (r < 88)
			drain_signals();
		else if (r < 96)
			have_restore ? op_prctl(t) : drain_signals();
		else if (r < 97 && pick(&t->seed, 8) == 0)
			op_fork(t);
		else if (r < 98 && pick(&t->seed, 8) == 0)
			op_child_clock(t);
		else if (r < 99 && pick(&t->seed, 4) == 0)
			op_dying_target(t);
		else
			sched_yield();
		if (t->exit_early && ++ops > 200) {
			/* exit with the timers armed; the process keeps them */
			count(C_THREAD_EXIT);
			pthread_mutex_lock(&id_lock);
			for (int i = 0; i < t->n_own && n_orphans < MAX_ORPHANS; i++)
				orphans[n_orphans++] = t->own[i];
			pthread_mutex_unlock(&id_lock);
			t->n_own = 0;
			break;
		}
	}
	return NULL;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* With every thread joined: /proc/self/timers must list exactly the live timers. */
static void check_proc(struct thread *th, int nth)
{
	static int live[MAX_ORPHANS + 64 * MAX_OWN], seen[MAX_ORPHANS + 64 * MAX_OWN];
	int n = 0, m, i, j;

	for (i = 0; i < nth; i++)
		for (j = 0; j < th[i].n_own; j++)
			live[n++] = th[i].own[j];
	for (i = 0; i < n_orphans; i++)
		live[n++] = orphans[i];
	m = proc_timer_ids(seen, sizeof(seen) / sizeof(seen[0]));
	if (m < 0) {
		violation("/proc/self/timers unreadable or too long");
		return;
	}
	qsort(live, n, sizeof(int), cmp_int);
	qsort(seen, m, sizeof(int), cmp_int);
	if (m != n || memcmp(live, seen, n * sizeof(int)))
		violation("/proc/self/timers lists %d timers, %d are live", m, n);
	for (i = 0; i < n; i++) {
		struct itimerspec its;

		if (syscall(SYS_timer_gettime, live[i], &its))
			violation("live timer %d unreachable: %d", live[i], errno);
	}
}

static int worker(int nr, int max_threads)
{
	uint64_t seed = mix(master_seed, nr);
	int nth = 1 + pick(&seed, max_threads), i, end = pick(&seed, 8);
	struct thread *th = calloc(nth + 1, sizeof(*th));
	double life = 0.2 + pick(&seed, 2800) / 1000.0;

	worker_nr = nr;
	count(C_WORKER);
	live_small = calloc(SMALL_IDS + HIGH_IDS, 1);
	gen_small = calloc(SMALL_IDS + HIGH_IDS, sizeof(*gen_small));
	ro_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!th || !live_small || !gen_small || ro_page == MAP_FAILED)
		return 2;
	*(int *)ro_page = pick(&seed, 2) ? TIMER_ANY_ID : pick(&seed, 64);
	mprotect(ro_page, 4096, PROT_READ);
	policy = have_restore ? pick(&seed, 3) : MODE_OFF;
	if (policy == MODE_ON && prctl(PR_TIMER_CREATE_RESTORE_IDS, 1, 0, 0, 0))
		violation("prctl(restore mode on): %d", errno);

	for (i = 0; i <= nth; i++) {
		th[i].seed = mix(seed, i);
		th[i].exit_early = i > 0 && i < nth && pick(&seed, 4) == 0;
	}
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i].pt, NULL, worker_thread, &th[i]))
			return 2;
	if (policy == MODE_TOGGLE && pthread_create(&th[nth].pt, NULL, toggler, &th[nth]))
		return 2;
	usleep(life * 1e6);

	if (end == 0) {
		/* exec() while the threads run: the new image starts without timers */
		char *argv[] = { "/proc/self/exe", "--exec-check", NULL };

		count(C_EXEC);
		fflush(NULL);
		execv(argv[0], argv);
		violation("exec: %d", errno);
	}
	stop_threads = 1;
	for (i = 0; i < nth; i++)
		pthread_join(th[i].pt, NULL);
	if (policy == MODE_TOGGLE)
		pthread_join(th[nth].pt, NULL);
	check_proc(th, nth);
	if (end < 4) {
		/* exit with the timers armed */
		return 0;
	}
	for (i = 0; i < nth; i++)
		for (int j = 0; j < th[i].n_own; j++)
			if (syscall(SYS_timer_delete, th[i].own[j]))
				violation("timer_delete(own %d): %d", th[i].own[j], errno);
	for (i = 0; i < n_orphans; i++)
		if (syscall(SYS_timer_delete, orphans[i]))
			violation("timer_delete(orphan %d): %d", orphans[i], errno);
	if (proc_timer_ids((int[1]){}, 1) != 0)
		violation("timers left after deleting them all");
	return 0;
}

/* The image a worker exec()ed: no timers, restore mode off. */
static int exec_check(void)
{
	int ids[1], bad = 0;

	if (proc_timer_ids(ids, 1) != 0) {
		fprintf(stderr, "VIOLATION: timers survived exec()\n");
		bad = 1;
	}
	if (prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET, 0, 0, 0) > 0) {
		fprintf(stderr, "VIOLATION: restore mode survived exec()\n");
		bad = 1;
	}
	return bad;
}

/* Nothing left behind: slab objects back to the start, kmemleak quiet. */
static void check_leaks(const long *start)
{
	int i, leaks;

	for (i = 0; i < 2; i++) {
		long n = -1;
		/* RCU frees the timers after a grace period, KASAN's quarantine holds them */
		for (int tries = 0; tries < 60; tries++) {
			n = slab_objects(timer_caches[i]);
			if (n == start[i])
				break;
			usleep(500000);
		}
		if (start[i] < 0)
			printf("stress: %s: object count not available (no SLUB_DEBUG or sysfs)\n",
			       timer_caches[i]);
		else if (n != start[i])
			violation("%s: %ld objects at the start, %ld at the end", timer_caches[i],
				  start[i], n);
		else
			printf("stress: %s: %ld objects at the start and at the end\n", timer_caches[i], n);
	}
	leaks = kmemleak_leaks("kmemleak: ", 60);
	if (leaks < 0)
		printf("stress: kmemleak not available\n");
	else if (leaks)
		violation("kmemleak: %d unreferenced objects", leaks);
	else
		printf("stress: kmemleak: no unreferenced objects\n");
}

int main(int argc, char **argv)
{
	int procs = 4, threads = 6, opt, running = 0, spawned = 0, i;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	double seconds = 120, t0, end;
	long start[2];
	sigset_t set;

	if (argc > 1 && !strcmp(argv[1], "--exec-check"))
		return exec_check();
	master_seed = time(NULL) ^ getpid();
	while ((opt = getopt(argc, argv, "s:d:p:t:")) != -1) {
		switch (opt) {
		case 's':
			master_seed = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'p':
			procs = atoi(optarg);
			break;
		case 't':
			threads = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-d SECONDS] [-p PROCS] [-t THREADS]\n",
				argv[0]);
			return 2;
		}
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	setrlimit(RLIMIT_SIGPENDING, &rl);
	/* The timer signals stay pending until a thread drains them */
	sigemptyset(&set);
	for (i = 0; i < NSIGS; i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	errno = 0;
	have_restore = restore_get() >= 0;
	printf("stress: seed %u, %.0f s, %d processes x 1..%d threads, restore mode %s\n",
	       master_seed, seconds, procs, threads,
	       have_restore ? "available" : "not available (EINVAL): not used");
	fflush(stdout);
	for (i = 0; i < 2; i++)
		start[i] = slab_objects_settled(timer_caches[i]);
	kmemleak_cmd("clear");

	t0 = now();
	end = t0 + seconds;
	while (running || now() < end) {
		int status;
		pid_t pid;

		while (running < procs && now() < end) {
			fflush(NULL);
			pid = fork_child();
			if (pid < 0)
				break;
			if (pid == 0)
				_exit(worker(spawned, threads));
			running++;
			spawned++;
		}
		pid = wait(&status);
		if (pid < 0)
			break;
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			violation("worker pid %d: status %#x", pid, status);
	}
	printf("stress: %d workers in %.1f s\n", spawned, now() - t0);
	check_leaks(start);
	printf("stress: calls:");
	for (i = 0; i < C_NR; i++)
		printf(" %s=%lu", cname[i], sh->count[i]);
	printf("\nstress: seed %u: %lu violations\n", master_seed, sh->violations);
	return sh->violations ? 1 : 0;
}
