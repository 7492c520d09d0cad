/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the POSIX timer ID selftests.
 *
 * The timer syscalls are invoked directly: the kernel timer ID is an int,
 * the C library's timer_t is an opaque handle which does not have to be
 * the kernel ID.
 */
#ifndef __SELFTESTS_TIMERS_POSIX_TIMER_UTIL_H
#define __SELFTESTS_TIMERS_POSIX_TIMER_UTIL_H

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/prctl.h>
#include <linux/time_types.h>

#include "../kselftest.h"

/* glibc (at least up to 2.36) names the member only _sigev_un._tid */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/*
 * timer_settime() and timer_gettime() with the kernel's 64-bit time layout,
 * whatever the C library's struct itimerspec is: the time64 syscalls on
 * 32-bit ABIs (which rv32 only has), the plain ones on 64-bit ABIs.
 */
#ifdef __NR_timer_settime64
#define NR_TIMER_SETTIME	__NR_timer_settime64
#define NR_TIMER_GETTIME	__NR_timer_gettime64
#else
#define NR_TIMER_SETTIME	__NR_timer_settime
#define NR_TIMER_GETTIME	__NR_timer_gettime
#endif

static inline int sys_timer_create(clockid_t clock, struct sigevent *sev, int *id)
{
	return syscall(__NR_timer_create, clock, sev, id);
}

static inline void to_kernel_its(struct __kernel_itimerspec *k, const struct itimerspec *u)
{
	k->it_interval.tv_sec = u->it_interval.tv_sec;
	k->it_interval.tv_nsec = u->it_interval.tv_nsec;
	k->it_value.tv_sec = u->it_value.tv_sec;
	k->it_value.tv_nsec = u->it_value.tv_nsec;
}

static inline void from_kernel_its(struct itimerspec *u, const struct __kernel_itimerspec *k)
{
	u->it_interval.tv_sec = k->it_interval.tv_sec;
	u->it_interval.tv_nsec = k->it_interval.tv_nsec;
	u->it_value.tv_sec = k->it_value.tv_sec;
	u->it_value.tv_nsec = k->it_value.tv_nsec;
}

static inline int sys_timer_settime(int id, int flags, const struct itimerspec *val,
				    struct itimerspec *old)
{
	struct __kernel_itimerspec kval, kold;
	int ret;

	to_kernel_its(&kval, val);
	ret = syscall(NR_TIMER_SETTIME, id, flags, &kval, old ? &kold : NULL);
	if (!ret && old)
		from_kernel_its(old, &kold);
	return ret;
}

static inline int sys_timer_gettime(int id, struct itimerspec *val)
{
	struct __kernel_itimerspec kval;
	int ret;

	ret = syscall(NR_TIMER_GETTIME, id, &kval);
	if (!ret)
		from_kernel_its(val, &kval);
	return ret;
}

static inline int sys_timer_getoverrun(int id)
{
	return syscall(__NR_timer_getoverrun, id);
}

static inline int sys_timer_delete(int id)
{
	return syscall(__NR_timer_delete, id);
}

/*
 * Exit with KSFT_SKIP when the process cannot create a timer at all:
 * ENOSYS without CONFIG_POSIX_TIMERS, ENOSYS or EPERM under a seccomp
 * filter, EAGAIN when RLIMIT_SIGPENDING leaves no room. EINVAL or EFAULT
 * for this valid request would be a bug, which the tests then report.
 * The probe's timer is deleted again; the tests run in child processes,
 * whose IDs start at 0.
 */
static inline void skip_without_posix_timers(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int id;

	if (!sys_timer_create(CLOCK_MONOTONIC, &sev, &id)) {
		sys_timer_delete(id);
		return;
	}
	if (errno != EINVAL && errno != EFAULT)
		ksft_exit_skip("timer_create() fails: %s\n", strerror(errno));
}

/* Whether the process has a timer with this ID */
static inline bool timer_exists(int id)
{
	struct itimerspec val;

	return !sys_timer_gettime(id, &val);
}

/* Entry of /proc/$PID/timers, see show_timer() in fs/proc/base.c */
struct proc_timer {
	int id;
	int signo;
	unsigned long long value;	/* sigev_value.sival_ptr, printed with %px */
	char notify[8];			/* "signal", "none" or "thread" */
	char target[4];			/* "pid" or "tid" */
	int target_nr;
	int clock;
};

static inline int cmp_proc_timer(const void *a, const void *b)
{
	int x = ((const struct proc_timer *)a)->id;
	int y = ((const struct proc_timer *)b)->id;

	return (x > y) - (x < y);
}

/*
 * Parse the rest of the /proc/$PID/timers stream @f into @t, sorted by ID
 * whatever the order of the file: older kernels list the newest timer
 * first. Returns the number of entries, or -1 with errno set: the error of
 * read(), EBADMSG if the file is malformed, E2BIG if it has more than @max
 * entries.
 */
static inline int parse_proc_timers_file(FILE *f, struct proc_timer *t, int max)
{
	int n, ret, err = 0;

	for (n = 0; ; n++) {
		struct proc_timer cur = {};

		errno = 0;
		ret = fscanf(f, "ID: %d signal: %d/%llx notify: %7[a-z]/%3[a-z].%d ClockID: %d ",
			     &cur.id, &cur.signo, &cur.value, cur.notify,
			     cur.target, &cur.target_nr, &cur.clock);
		if (ret == EOF) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
		if (ret != 7 || n >= max) {
			err = ret != 7 ? EBADMSG : E2BIG;
			break;
		}
		t[n] = cur;
	}
	if (err) {
		errno = err;
		return -1;
	}
	if (n > 0)
		qsort(t, n, sizeof(*t), cmp_proc_timer);
	return n;
}

/* Parse /proc/@pid/timers, see parse_proc_timers_file(); -1 also if it cannot be opened */
static inline int parse_proc_timers(pid_t pid, struct proc_timer *t, int max)
{
	char path[64];
	int n, err;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = parse_proc_timers_file(f, t, max);
	err = errno;
	fclose(f);
	errno = err;
	return n;
}

static inline int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The skip of a test for which sigpending_room() is below what it needs */
#define NO_ROOM	"RLIMIT_SIGPENDING leaves room for %ld signals, fewer than %d"

/*
 * How many more signals the user may queue under RLIMIT_SIGPENDING, at most
 * LONG_MAX. Every timer preallocates a signal queue entry which counts. SigQ
 * in /proc/self/status is the number the user has queued and preallocated.
 */
static inline long sigpending_room(void)
{
	unsigned long queued = 0;
	struct rlimit rl;
	char line[128];
	FILE *f;

	if (getrlimit(RLIMIT_SIGPENDING, &rl))
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX)
		return LONG_MAX;
	f = fopen("/proc/self/status", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "SigQ: %lu/", &queued) == 1)
				break;
		fclose(f);
	}
	return queued < rl.rlim_cur ? (long)(rl.rlim_cur - queued) : 0;
}

/*
 * Checks in forked or exec'ed helper processes, which report through their
 * exit status instead of the harness. CHILD_EXPECT() counts the failed
 * checks in child_failures, an int which the file using it defines.
 */
static inline bool child_check(bool ok, int line, const char *what)
{
	if (!ok)
		ksft_print_msg("line %d: check failed: %s\n", line, what);
	return ok;
}

#define CHILD_EXPECT(cond) (child_failures += !child_check(cond, __LINE__, #cond))

/* Run @fn in a child process. Returns its exit status or -1. */
static inline int run_in_child(int (*fn)(int), int arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif /* __SELFTESTS_TIMERS_POSIX_TIMER_UTIL_H */
