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
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/prctl.h>

#include "../kselftest.h"

/* For headers older than the kernel under test */
#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS		77
#define PR_TIMER_CREATE_RESTORE_IDS_OFF		0
#define PR_TIMER_CREATE_RESTORE_IDS_ON		1
#define PR_TIMER_CREATE_RESTORE_IDS_GET		2
#endif
#ifndef TIMER_ANY_ID
#define TIMER_ANY_ID				INT_MIN
#endif

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static inline int sys_timer_create(clockid_t clock, struct sigevent *sev, int *id)
{
	return syscall(SYS_timer_create, clock, sev, id);
}

static inline int sys_timer_settime(int id, int flags, const struct itimerspec *val,
				    struct itimerspec *old)
{
	return syscall(SYS_timer_settime, id, flags, val, old);
}

static inline int sys_timer_gettime(int id, struct itimerspec *val)
{
	return syscall(SYS_timer_gettime, id, val);
}

static inline int sys_timer_getoverrun(int id)
{
	return syscall(SYS_timer_getoverrun, id);
}

static inline int sys_timer_delete(int id)
{
	return syscall(SYS_timer_delete, id);
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
 * Parse /proc/@pid/timers into @t, sorted by ID whatever the order of the
 * file: older kernels list the newest timer first. Returns the number of
 * entries, or -1 if the file cannot be read, is malformed or has more than
 * @max entries.
 */
static inline int parse_proc_timers(pid_t pid, struct proc_timer *t, int max)
{
	char path[64];
	FILE *f;
	int n, ret;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;

	for (n = 0; ; n++) {
		struct proc_timer cur = {};

		ret = fscanf(f, "ID: %d signal: %d/%llx notify: %7[a-z]/%3[a-z].%d ClockID: %d ",
			     &cur.id, &cur.signo, &cur.value, cur.notify,
			     cur.target, &cur.target_nr, &cur.clock);
		if (ret == EOF)
			break;
		if (ret != 7 || n >= max) {
			n = -1;
			break;
		}
		t[n] = cur;
	}
	fclose(f);
	if (n > 0)
		qsort(t, n, sizeof(*t), cmp_proc_timer);
	return n;
}

/*
 * Checks in forked or exec'ed helper processes, which report through their
 * exit status instead of the harness.
 */
static int child_failures;

static inline void child_expect(bool ok, int line, const char *what)
{
	if (ok)
		return;
	ksft_print_msg("line %d: check failed: %s\n", line, what);
	child_failures++;
}

#define CHILD_EXPECT(cond) child_expect(cond, __LINE__, #cond)

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
