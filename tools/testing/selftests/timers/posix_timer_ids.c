// SPDX-License-Identifier: GPL-2.0
/*
 * User visible ABI of POSIX timer ID allocation:
 *
 *  - timer IDs are per process (signal_struct) and handed out sequentially
 *    starting at 0,
 *  - a deleted ID is not handed out again right away,
 *  - a timer_create() which fails with EFAULT writing the ID back consumes
 *    the ID all the same,
 *  - the signals of a timer carry its ID in si_timerid,
 *  - fork() starts a new, empty ID space; exec, also from a thread which
 *    is not the leader, drops all timers and their pending signals but
 *    keeps the ID counter,
 *  - all threads of a process share one ID space,
 *  - /proc/$PID/timers lists exactly the live timers.
 *
 * All timer syscalls are invoked directly: the kernel timer ID is a plain
 * int, while the C library's timer_t is an opaque handle which does not
 * have to be the kernel ID.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "posix_timer_util.h"

#define PROC_TIMERS	"/proc/self/timers"
#define EXEC_CHECK_ARG	"--exec-check"

#define NR_THREADS		4
#define TIMERS_PER_THREAD	128
#ifndef NR_MANY_TIMERS
#define NR_MANY_TIMERS		100000
#endif
/* Fewer would not span several xarray nodes */
#define MIN_MANY_TIMERS		1024

/* Failed checks of CHILD_EXPECT() */
static int child_failures;

/* Create a SIGEV_NONE timer on @clock. Returns its ID or -errno. */
static int create_timer(clockid_t clock)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int id;

	if (sys_timer_create(clock, &sev, &id))
		return -errno;
	return id;
}

/* 0 if @id is a live timer of the calling process, else timer_gettime's errno */
static int timer_gettime_err(int id)
{
	struct itimerspec val;

	return sys_timer_gettime(id, &val) ? errno : 0;
}

/*
 * Fork a child which creates one timer, reports the ID through a pipe and
 * stays alive until the write end of @release is closed everywhere.
 * Returns the child's pid or -1.
 */
static pid_t spawn_id_reporter(int release[2], int *id)
{
	int report[2];
	pid_t pid;
	char c;

	if (pipe(report))
		return -1;

	pid = fork();
	if (pid == 0) {
		int child_id = create_timer(CLOCK_MONOTONIC);

		close(release[1]);
		close(report[0]);
		if (write(report[1], &child_id, sizeof(child_id)) != sizeof(child_id))
			_exit(1);
		/* Keep the timer alive while the siblings are created */
		_exit(read(release[0], &c, 1) == 0 ? 0 : 1);
	}

	close(report[1]);
	if (pid > 0 && read(report[0], id, sizeof(*id)) != sizeof(*id))
		pid = -1;
	close(report[0]);
	return pid;
}

TEST(ids_sequential_from_zero)
{
	static const clockid_t clocks[] = {
		CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
	};
	int i;

	/* The ID space is per process, not per clock */
	for (i = 0; i < 32; i++)
		ASSERT_EQ(create_timer(clocks[i % ARRAY_SIZE(clocks)]), i);
	for (i = 0; i < 32; i++)
		EXPECT_TRUE(timer_exists(i));
	EXPECT_EQ(timer_gettime_err(32), EINVAL);
}

TEST(no_immediate_reuse)
{
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(create_timer(CLOCK_MONOTONIC), i);

	ASSERT_EQ(sys_timer_delete(1), 0);
	EXPECT_EQ(timer_gettime_err(1), EINVAL);
	EXPECT_EQ(sys_timer_delete(1), -1);
	EXPECT_EQ(errno, EINVAL);

	/* The freed ID 1 is not handed out again */
	ASSERT_EQ(create_timer(CLOCK_MONOTONIC), 3);
	EXPECT_EQ(timer_gettime_err(1), EINVAL);
	EXPECT_TRUE(timer_exists(0));
	EXPECT_TRUE(timer_exists(2));
	EXPECT_TRUE(timer_exists(3));

	/* Not even when no timer is left */
	for (i = 0; i < 4; i++)
		if (i != 1)
			ASSERT_EQ(sys_timer_delete(i), 0);
	ASSERT_EQ(create_timer(CLOCK_MONOTONIC), 4);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(timer_gettime_err(i), EINVAL);
}

/*
 * Outside of restore mode timer_create() only writes the ID location. If
 * that fails, the timer is gone, but the ID counter has moved past its ID:
 * see Documentation/userspace-api/posix-timer-ids.rst.
 */
TEST(efault_writing_the_id_back_consumes_the_id)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct proc_timer t[4];
	long page = sysconf(_SC_PAGESIZE);
	int *readonly;

	readonly = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(readonly != MAP_FAILED);

	ASSERT_EQ(create_timer(CLOCK_MONOTONIC), 0);
	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &sev, readonly), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &sev, NULL), -1);
	EXPECT_EQ(errno, EFAULT);

	/* No timer is left behind ... */
	EXPECT_EQ(timer_gettime_err(1), EINVAL);
	EXPECT_EQ(timer_gettime_err(2), EINVAL);
	if (!access(PROC_TIMERS, R_OK)) {
		EXPECT_EQ(parse_proc_timers(getpid(), t, ARRAY_SIZE(t)), 1);
		EXPECT_EQ(t[0].id, 0);
	}
	/* ... but the IDs 1 and 2 were handed out */
	EXPECT_EQ(create_timer(CLOCK_MONOTONIC), 3);
	EXPECT_TRUE(timer_exists(0));
	munmap(readonly, page);
}

/* Wait up to 10 s for one of @set, -1 on timeout */
static int wait_signal(const sigset_t *set, siginfo_t *info)
{
	struct timespec tmo = { .tv_sec = 10 };

	return sigtimedwait(set, info, &tmo);
}

TEST(signal_carries_the_timer_id)
{
	struct itimerspec soon = { .it_value.tv_nsec = 1000000 };
	struct sigevent sev_signal = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGRTMIN,
		.sigev_value.sival_ptr = &sev_signal,
	};
	struct sigevent sev_tid = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGRTMIN + 1,
		.sigev_value.sival_int = 77,
	};
	int ids[3], i, sig;
	siginfo_t info;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	sigaddset(&set, SIGALRM);
	ASSERT_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);

	/* Make the IDs differ from the order of creation */
	for (i = 0; i < 5; i++)
		ASSERT_EQ(create_timer(CLOCK_MONOTONIC), i);
	ASSERT_EQ(sys_timer_delete(3), 0);

	sev_tid.sigev_notify_thread_id = syscall(__NR_gettid);
	ASSERT_EQ(sys_timer_create(CLOCK_MONOTONIC, &sev_signal, &ids[0]), 0);
	ASSERT_EQ(sys_timer_create(CLOCK_REALTIME, &sev_tid, &ids[1]), 0);
	/* The default sigevent: SIGALRM with the ID as value */
	ASSERT_EQ(sys_timer_create(CLOCK_BOOTTIME, NULL, &ids[2]), 0);
	EXPECT_EQ(ids[0], 5);
	EXPECT_EQ(ids[1], 6);
	EXPECT_EQ(ids[2], 7);

	/* One at a time, so that each signal belongs to a known timer */
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ASSERT_EQ(sys_timer_settime(ids[i], 0, &soon, NULL), 0);
		sig = wait_signal(&set, &info);
		ASSERT_NE(sig, -1) TH_LOG("no signal from timer %d", ids[i]);
		EXPECT_EQ(info.si_code, SI_TIMER);
		EXPECT_EQ(info.si_timerid, ids[i]);
		EXPECT_EQ(info.si_overrun, 0);
		switch (i) {
		case 0:
			EXPECT_EQ(sig, SIGRTMIN);
			EXPECT_EQ((uintptr_t)info.si_value.sival_ptr, (uintptr_t)&sev_signal);
			break;
		case 1:
			EXPECT_EQ(sig, SIGRTMIN + 1);
			EXPECT_EQ(info.si_value.sival_int, 77);
			break;
		default:
			EXPECT_EQ(sig, SIGALRM);
			EXPECT_EQ(info.si_value.sival_int, ids[i]);
			break;
		}
	}
}

/* Forked child; the parent holds the timers 0 .. @nr_parent - 1 */
static int fork_child_checks(int nr_parent)
{
	int i;

	/* Timers are not inherited */
	for (i = 0; i < nr_parent; i++)
		CHILD_EXPECT(timer_gettime_err(i) == EINVAL);

	/* Own ID space starting at 0 */
	for (i = 0; i < nr_parent + 2; i++)
		CHILD_EXPECT(create_timer(CLOCK_MONOTONIC) == i);

	CHILD_EXPECT(timer_exists(0));
	CHILD_EXPECT(timer_gettime_err(nr_parent + 2) == EINVAL);
	return child_failures ? 1 : 0;
}

TEST(fork_child_has_own_id_space)
{
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(create_timer(CLOCK_MONOTONIC), i);

	ASSERT_EQ(run_in_child(fork_child_checks, 3), 0);

	/* The child neither advanced our counter nor deleted our timers */
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(timer_exists(i));
	EXPECT_EQ(create_timer(CLOCK_MONOTONIC), 3);
}

TEST(fork_siblings_start_at_zero)
{
	int release[2], ids[2], status, i;
	pid_t pids[2];

	ASSERT_EQ(create_timer(CLOCK_MONOTONIC), 0);
	ASSERT_EQ(pipe(release), 0);

	/* Both children hold their timer at the same time */
	for (i = 0; i < 2; i++) {
		pids[i] = spawn_id_reporter(release, &ids[i]);
		ASSERT_GT(pids[i], 0);
	}
	close(release[1]);

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(ids[i], 0) TH_LOG("child %d got ID %d", i, ids[i]);
		ASSERT_EQ(waitpid(pids[i], &status, 0), pids[i]);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(release[0]);

	EXPECT_TRUE(timer_exists(0));
	EXPECT_EQ(create_timer(CLOCK_MONOTONIC), 1);
}

struct thread_arg {
	pthread_barrier_t *barrier;
	int *ids;
};

static void *create_timers_thread(void *data)
{
	struct thread_arg *arg = data;
	int i;

	pthread_barrier_wait(arg->barrier);
	for (i = 0; i < TIMERS_PER_THREAD; i++)
		arg->ids[i] = create_timer(CLOCK_MONOTONIC);
	return NULL;
}

TEST(threads_share_id_space)
{
	static int ids[NR_THREADS * TIMERS_PER_THREAD];
	struct thread_arg args[NR_THREADS];
	pthread_t threads[NR_THREADS];
	pthread_barrier_t barrier;
	long room = sigpending_room();
	int i;

	if (room <= (long)ARRAY_SIZE(ids))
		SKIP(return, NO_ROOM, room, (int)ARRAY_SIZE(ids) + 1);
	ASSERT_EQ(pthread_barrier_init(&barrier, NULL, NR_THREADS), 0);
	for (i = 0; i < NR_THREADS; i++) {
		args[i].barrier = &barrier;
		args[i].ids = &ids[i * TIMERS_PER_THREAD];
		ASSERT_EQ(pthread_create(&threads[i], NULL,
					 create_timers_thread, &args[i]), 0);
	}
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(pthread_join(threads[i], NULL), 0);
	pthread_barrier_destroy(&barrier);

	/* Distinct IDs which form exactly 0 .. N*M-1 */
	qsort(ids, ARRAY_SIZE(ids), sizeof(ids[0]), cmp_int);
	/* Other processes of the user can take the room measured above */
	if (ids[0] == -EAGAIN)
		SKIP(return, "RLIMIT_SIGPENDING ran out (EAGAIN)");
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ASSERT_EQ(ids[i], i);
		EXPECT_TRUE(timer_exists(i));
	}
	EXPECT_EQ(create_timer(CLOCK_MONOTONIC), ARRAY_SIZE(ids));
}

/* The signals of the timers of the exec tests */
static void exec_timer_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGRTMIN);
	sigaddset(set, SIGRTMIN + 1);
	sigaddset(set, SIGRTMIN + 2);
}

/*
 * Runs in the image exec'ed by exec_child() and exec_thread_child(): the
 * old image held timers with IDs below @nr_before.
 */
static int exec_check(int nr_before)
{
	struct proc_timer t[1];
	sigset_t pending;
	int i;

	for (i = 0; i < nr_before; i++)
		CHILD_EXPECT(timer_gettime_err(i) == EINVAL);

	if (!access(PROC_TIMERS, R_OK))
		CHILD_EXPECT(parse_proc_timers(getpid(), t, ARRAY_SIZE(t)) == 0);

	/* exec() flushes the pending signals of the timers (blocked still) */
	CHILD_EXPECT(!sigpending(&pending));
	for (i = SIGRTMIN; i <= SIGRTMIN + 2; i++)
		CHILD_EXPECT(!sigismember(&pending, i));

	/*
	 * exit_itimers() deletes the timers, but the ID counter lives in
	 * signal_struct, which survives exec: the next ID follows the last
	 * one handed out before exec.
	 */
	CHILD_EXPECT(create_timer(CLOCK_MONOTONIC) == nr_before);
	return child_failures ? 1 : 0;
}

static void exec_check_image(int nr)
{
	static char arg[16];
	static char * const argv[] = { "posix_timer_ids", EXEC_CHECK_ARG, arg, NULL };

	snprintf(arg, sizeof(arg), "%d", nr);
	execv("/proc/self/exe", argv);
	ksft_print_msg("execv: %s\n", strerror(errno));
}

static int exec_child(int nr)
{
	int i;

	if (access("/proc/self/exe", X_OK))
		return KSFT_SKIP;

	for (i = 0; i < nr; i++)
		if (create_timer(CLOCK_MONOTONIC) != i)
			return 1;
	/* Only the counter matters, not the highest live ID */
	if (sys_timer_delete(nr - 1))
		return 1;

	exec_check_image(nr);
	return 1;
}

TEST(exec_drops_timers)
{
	int ret = run_in_child(exec_child, 5);

	if (ret == KSFT_SKIP)
		SKIP(return, "/proc/self/exe not available");
	ASSERT_EQ(ret, 0);
}

struct exec_thread {
	pthread_barrier_t barrier;
	pid_t leader, tid;
	int nr;
};

/*
 * Create the exec test's timer with ID @id, armed to expire every
 * millisecond: one to the process, one to the leader, one to the thread
 * which calls exec(), and one without signal in turn. 0 or -1.
 */
static int create_exec_timer(int id, const struct exec_thread *et)
{
	struct itimerspec periodic = {
		.it_value.tv_nsec = 1000000,
		.it_interval.tv_nsec = 1000000,
	};
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGRTMIN + id % 4,
	};
	int got;

	switch (id % 4) {
	case 0:
		sev.sigev_notify = SIGEV_SIGNAL;
		break;
	case 1:
		sev.sigev_notify_thread_id = et->leader;
		break;
	case 2:
		sev.sigev_notify_thread_id = et->tid;
		break;
	default:
		sev.sigev_notify = SIGEV_NONE;
		break;
	}
	if (sys_timer_create(CLOCK_MONOTONIC, &sev, &got) || got != id)
		return -1;
	return sys_timer_settime(id, 0, &periodic, NULL);
}

/* Creates the upper half of the timers, then calls exec() */
static void *exec_thread_fn(void *data)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	struct exec_thread *et = data;
	sigset_t pending;
	int i;

	et->tid = syscall(__NR_gettid);
	pthread_barrier_wait(&et->barrier);
	pthread_barrier_wait(&et->barrier);
	for (i = et->nr / 2; i < et->nr; i++)
		if (create_exec_timer(i, et))
			_exit(1);

	/*
	 * Exec with signals pending for the process and for this thread, if
	 * they come within a second (the leader's own are not visible here)
	 */
	for (i = 0; i < 1000; i++) {
		sigpending(&pending);
		if (sigismember(&pending, SIGRTMIN) && sigismember(&pending, SIGRTMIN + 2))
			break;
		nanosleep(&ms, NULL);
	}
	exec_check_image(et->nr);
	_exit(1);
}

/* The leader creates the lower half of the timers; exec() ends it */
static int exec_thread_child(int nr)
{
	struct exec_thread et = { .leader = getpid(), .nr = nr };
	sigset_t timer_sigs;
	pthread_t thread;
	int i;

	if (access("/proc/self/exe", X_OK))
		return KSFT_SKIP;

	exec_timer_signals(&timer_sigs);
	if (sigprocmask(SIG_BLOCK, &timer_sigs, NULL) ||
	    pthread_barrier_init(&et.barrier, NULL, 2) ||
	    pthread_create(&thread, NULL, exec_thread_fn, &et))
		return 1;
	pthread_barrier_wait(&et.barrier);
	for (i = 0; i < nr / 2; i++)
		if (create_exec_timer(i, &et))
			return 1;
	pthread_barrier_wait(&et.barrier);
	for (;;)
		pause();
}

TEST(exec_from_a_thread_drops_timers_and_their_signals)
{
	int ret = run_in_child(exec_thread_child, 16);

	if (ret == KSFT_SKIP)
		SKIP(return, "/proc/self/exe not available");
	ASSERT_EQ(ret, 0);
}

/*
 * Each timer preallocates a sigqueue entry, which is charged to the per
 * user RLIMIT_SIGPENDING: raise the soft limit as far as allowed.
 */
static void raise_sigpending_limit(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (!setrlimit(RLIMIT_SIGPENDING, &rl) || getrlimit(RLIMIT_SIGPENDING, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_SIGPENDING, &rl);
}

static void expect_armed(struct __test_metadata *_metadata, int id,
			 time_t value, time_t interval)
{
	struct itimerspec val;

	ASSERT_EQ(sys_timer_gettime(id, &val), 0);
	EXPECT_GT(val.it_value.tv_sec * 1000000000LL + val.it_value.tv_nsec,
		  (value - 60) * 1000000000LL);
	EXPECT_LE(val.it_value.tv_sec, value);
	EXPECT_EQ(val.it_interval.tv_sec, interval);
	EXPECT_EQ(val.it_interval.tv_nsec, 0);
}

/*
 * NR_MANY_TIMERS timers, or as many as RLIMIT_SIGPENDING allows with
 * room for other pending signals of the user. The fixture also gives the
 * test a longer timeout: NR_MANY_TIMERS timers take more than the default
 * 30 seconds on a debug kernel (lockdep, KASAN) in an emulator.
 */
FIXTURE(many_timers) {
	int nr;
};

FIXTURE_SETUP(many_timers)
{
	long room;

	raise_sigpending_limit();
	room = sigpending_room();
	self->nr = room / 8 * 7 < NR_MANY_TIMERS ? room / 8 * 7 : NR_MANY_TIMERS;
	if (self->nr < MIN_MANY_TIMERS)
		SKIP(return, NO_ROOM, room, MIN_MANY_TIMERS * 8 / 7);
	if (self->nr < NR_MANY_TIMERS)
		TH_LOG("RLIMIT_SIGPENDING leaves room for %d timers of %d",
		       self->nr, NR_MANY_TIMERS);
}

FIXTURE_TEARDOWN(many_timers) {}

TEST_F_TIMEOUT(many_timers, all_reachable, 300)
{
	const int nr = self->nr, armed[] = { 0, nr / 2, nr - 1 };
	struct itimerspec val;
	int i, id, err;

	for (i = 0; i < nr; i++) {
		id = create_timer(CLOCK_MONOTONIC);
		ASSERT_EQ(id, i) TH_LOG("timer_create: %s", strerror(-id));
	}

	/* Every ID is reachable and the timers are disarmed */
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(sys_timer_gettime(i, &val), 0) TH_LOG("ID %d", i);
		ASSERT_EQ(val.it_value.tv_sec | val.it_value.tv_nsec, 0);
		ASSERT_EQ(sys_timer_getoverrun(i), 0) TH_LOG("ID %d", i);
	}

	/* Arming a timer affects that timer only */
	for (i = 0; i < ARRAY_SIZE(armed); i++) {
		struct itimerspec set = {
			.it_value.tv_sec = 1000 + i,
			.it_interval.tv_sec = 10 + i,
		};

		ASSERT_EQ(sys_timer_settime(armed[i], 0, &set, NULL), 0);
	}
	for (i = 0; i < ARRAY_SIZE(armed); i++) {
		id = armed[i] ? armed[i] - 1 : 1;
		expect_armed(_metadata, armed[i], 1000 + i, 10 + i);
		ASSERT_EQ(sys_timer_gettime(id, &val), 0);
		EXPECT_EQ(val.it_value.tv_sec | val.it_value.tv_nsec, 0);
	}

	/* Up to the first failure, which the checks name */
	err = 0;
	for (i = 0; i < nr && !err; i++)
		err = sys_timer_delete(i) ? errno : 0;
	ASSERT_EQ(err, 0) TH_LOG("timer_delete(%d): %s", i - 1, strerror(err));
	err = EINVAL;
	for (i = 0; i < nr && err == EINVAL; i++)
		err = timer_gettime_err(i);
	ASSERT_EQ(err, EINVAL) TH_LOG("timer_gettime(%d): %s", i - 1, strerror(err));
}

/*
 * Create a timer on @clock with @sev (NULL for the defaults) and fill in
 * how PROC_TIMERS is expected to show it. Returns the ID or -errno.
 */
static int create_listed_timer(struct proc_timer *exp, clockid_t clock,
			       struct sigevent *sev, pid_t target_nr)
{
	static const char * const notify[] = {
		[SIGEV_SIGNAL] = "signal",
		[SIGEV_NONE] = "none",
		[SIGEV_THREAD] = "thread",
	};
	union sigval value = {};
	int id;

	if (sys_timer_create(clock, sev, &id))
		return -errno;

	memset(exp, 0, sizeof(*exp));
	exp->id = id;
	exp->clock = clock;
	exp->target_nr = target_nr;
	if (sev) {
		exp->signo = sev->sigev_signo;
		value = sev->sigev_value;
		snprintf(exp->notify, sizeof(exp->notify), "%s",
			 notify[sev->sigev_notify & ~SIGEV_THREAD_ID]);
		snprintf(exp->target, sizeof(exp->target), "%s",
			 sev->sigev_notify & SIGEV_THREAD_ID ? "tid" : "pid");
	} else {
		/* SIGEV_SIGNAL with SIGALRM to the process, value is the ID */
		exp->signo = SIGALRM;
		value.sival_int = id;
		snprintf(exp->notify, sizeof(exp->notify), "signal");
		snprintf(exp->target, sizeof(exp->target), "pid");
	}
	exp->value = (uintptr_t)value.sival_ptr;
	return id;
}

static bool proc_timer_equal(const struct proc_timer *a,
			     const struct proc_timer *b)
{
	return a->id == b->id && a->signo == b->signo &&
	       a->value == b->value && !strcmp(a->notify, b->notify) &&
	       !strcmp(a->target, b->target) &&
	       a->target_nr == b->target_nr && a->clock == b->clock;
}

static const char *format_proc_timer(const struct proc_timer *t, char *buf,
				     size_t len)
{
	snprintf(buf, len, "ID: %d signal: %d/%llx notify: %s/%s.%d ClockID: %d",
		 t->id, t->signo, t->value, t->notify, t->target, t->target_nr,
		 t->clock);
	return buf;
}

struct idle_thread {
	pthread_barrier_t started;
	pid_t tid;
	int release;
};

/* Provides a thread ID which differs from the PID until released */
static void *idle_thread_fn(void *data)
{
	struct idle_thread *it = data;
	char c;

	it->tid = syscall(SYS_gettid);
	pthread_barrier_wait(&it->started);
	if (read(it->release, &c, 1) < 0)
		return (void *)1;
	return NULL;
}

TEST(proc_timers_lists_live_timers)
{
	struct proc_timer exp[5], got[16], gone;
	char buf[2][128];
	struct sigevent sev_signal = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGUSR1,
		.sigev_value.sival_ptr = &exp[0],
	};
	struct sigevent sev_none = {
		.sigev_notify = SIGEV_NONE,
		.sigev_signo = SIGUSR2,
		.sigev_value.sival_ptr = &exp[1],
	};
	struct sigevent sev_thread = {
		.sigev_notify = SIGEV_THREAD,
		.sigev_signo = SIGRTMIN,
		.sigev_value.sival_int = 42,
	};
	struct sigevent sev_tid = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGRTMIN + 1,
		.sigev_value.sival_ptr = &exp[2],
	};
	struct idle_thread it;
	pthread_t thread;
	int release[2], n, i, j;
	pid_t pid = getpid();

	if (access(PROC_TIMERS, R_OK))
		SKIP(return, PROC_TIMERS " not available (CONFIG_CHECKPOINT_RESTORE=n?)");

	ASSERT_EQ(pipe(release), 0);
	it.release = release[0];
	ASSERT_EQ(pthread_barrier_init(&it.started, NULL, 2), 0);
	ASSERT_EQ(pthread_create(&thread, NULL, idle_thread_fn, &it), 0);
	pthread_barrier_wait(&it.started);
	ASSERT_NE(it.tid, pid);
	sev_tid.sigev_notify_thread_id = it.tid;

	ASSERT_EQ(create_listed_timer(&exp[0], CLOCK_REALTIME, &sev_signal, pid), 0);
	ASSERT_EQ(create_listed_timer(&gone, CLOCK_REALTIME, NULL, pid), 1);
	ASSERT_EQ(create_listed_timer(&exp[1], CLOCK_MONOTONIC, &sev_none, pid), 2);
	ASSERT_EQ(create_listed_timer(&exp[2], CLOCK_BOOTTIME, &sev_tid, it.tid), 3);
	ASSERT_EQ(create_listed_timer(&exp[3], CLOCK_MONOTONIC, &sev_thread, pid), 4);
	ASSERT_EQ(create_listed_timer(&exp[4], CLOCK_BOOTTIME, NULL, pid), 5);
	ASSERT_EQ(sys_timer_delete(gone.id), 0);

	n = parse_proc_timers(getpid(), got, ARRAY_SIZE(got));
	ASSERT_EQ(n, ARRAY_SIZE(exp));

	/* Compare as sets, the order of the entries is not part of the ABI */
	for (i = 0; i < ARRAY_SIZE(exp); i++) {
		for (j = 0; j < n; j++)
			if (got[j].id == exp[i].id)
				break;
		ASSERT_LT(j, n) TH_LOG("ID %d not listed", exp[i].id);
		EXPECT_TRUE(proc_timer_equal(&got[j], &exp[i]))
			TH_LOG("got '%s', expected '%s'",
			       format_proc_timer(&got[j], buf[0], sizeof(buf[0])),
			       format_proc_timer(&exp[i], buf[1], sizeof(buf[1])));
	}

	close(release[1]);
	ASSERT_EQ(pthread_join(thread, NULL), 0);
	pthread_barrier_destroy(&it.started);
	close(release[0]);
}

static void expect_invalid_id(struct __test_metadata *_metadata, int id)
{
	struct itimerspec val = { .it_value.tv_sec = 100 };

	errno = 0;
	EXPECT_EQ(sys_timer_gettime(id, &val), -1);
	EXPECT_EQ(errno, EINVAL) TH_LOG("timer_gettime(%d)", id);

	errno = 0;
	EXPECT_EQ(sys_timer_settime(id, 0, &val, NULL), -1);
	EXPECT_EQ(errno, EINVAL) TH_LOG("timer_settime(%d)", id);

	errno = 0;
	EXPECT_EQ(sys_timer_getoverrun(id), -1);
	EXPECT_EQ(errno, EINVAL) TH_LOG("timer_getoverrun(%d)", id);

	errno = 0;
	EXPECT_EQ(sys_timer_delete(id), -1);
	EXPECT_EQ(errno, EINVAL) TH_LOG("timer_delete(%d)", id);
}

TEST(bad_ids_rejected)
{
	/* 1 is deleted, 3 is the next ID, 1000 is never created */
	static const int bad[] = { -1, INT_MIN, INT_MAX, 1, 3, 1000 };
	struct itimerspec val;
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(create_timer(CLOCK_MONOTONIC), i);
	ASSERT_EQ(sys_timer_delete(1), 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		expect_invalid_id(_metadata, bad[i]);

	/* The live timers are untouched and no ID was consumed */
	for (i = 0; i < 3; i += 2) {
		ASSERT_EQ(sys_timer_gettime(i, &val), 0);
		EXPECT_EQ(val.it_value.tv_sec | val.it_value.tv_nsec, 0);
	}
	EXPECT_EQ(create_timer(CLOCK_MONOTONIC), 3);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], EXEC_CHECK_ARG))
		return exec_check(atoi(argv[2]));

	skip_without_posix_timers();
	return test_harness_run(argc, argv);
}
