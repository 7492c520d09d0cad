// SPDX-License-Identifier: GPL-2.0
/*
 * The process CRIU dumps and restores in scripts/criu-e2e (guest side: scripts/guest/criu-e2e).
 *
 *   criu_victim sparse|high
 *
 * sparse: 10 timers from the kernel's own allocation, 4 of them deleted again: IDs 0, 2, 3, 6,
 *         7 and 9, the gaps a restorer has to reproduce.
 * high:   the IDs 3, 1000000 and 2000000, with PR_TIMER_CREATE_RESTORE_IDS where the kernel has
 *         it, else by creating and deleting timers until the kernel hands each out.
 * The timers differ in clock, notify type, signal and value; some are periodic (100 ms), one is
 * armed for an hour, one is disarmed. The program records /proc/self/timers, prints "ready"
 * and waits for signals. SIGUSR1, sent after the restore, makes it check that /proc/self/timers
 * is what it was, that the hour timer still runs, the disarmed one does not, and that every
 * periodic timer with a signal fires again, with its ID and value in the siginfo. It prints
 * "criu_victim: PASS" or "criu_victim: FAIL: ..." lines and exits 0 or 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/prctl.h>

#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS	77
#endif
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define MAX 16

struct tmr {
	int id, clock, notify, signo, value, armed;	/* armed: 0 no, 1 one hour, 2 periodic */
	long fired;
};

static struct tmr t[MAX];
static int n, failed;
static char before[8192];

static void fail(const char *fmt, int a, long b)
{
	printf("criu_victim: FAIL: ");
	printf(fmt, a, b);
	printf("\n");
	failed = 1;
}

static int create(int clock, int notify, int signo, int want, int prctl_ok)
{
	struct sigevent sev = {
		.sigev_notify = notify,
		.sigev_signo = signo,
	};
	int id = want;

	if (notify & SIGEV_THREAD_ID)
		sev.sigev_notify_thread_id = syscall(SYS_gettid);
	/* The value tells the timer's signals apart from the others' */
	sev.sigev_value.sival_int = 1000 + n;
	if (want >= 0 && !prctl_ok) {
		/* what restorers without kernel support do */
		for (;;) {
			if (syscall(SYS_timer_create, clock, &sev, &id))
				return -1;
			if (id >= want)
				break;
			syscall(SYS_timer_delete, id);
		}
		if (id != want)
			return -1;
	} else if (syscall(SYS_timer_create, clock, &sev, &id)) {
		return -1;
	}
	t[n] = (struct tmr){ .id = id, .clock = clock, .notify = notify, .signo = signo,
			     .value = sev.sigev_value.sival_int };
	return n++;
}

static void arm(int i, int how)
{
	struct itimerspec its = {};

	if (how == 1)
		its.it_value.tv_sec = 3600;
	if (how == 2)
		its.it_value.tv_nsec = its.it_interval.tv_nsec = 100000000;
	t[i].armed = how;
	if (syscall(SYS_timer_settime, t[i].id, 0, &its, NULL))
		fail("timer_settime(%d): %ld", t[i].id, errno);
}

static void read_proc(char *buf, size_t len)
{
	int fd = open("/proc/self/timers", O_RDONLY);
	ssize_t r, off = 0;

	while (fd >= 0 && (r = read(fd, buf + off, len - 1 - off)) > 0)
		off += r;
	buf[off] = 0;
	if (fd >= 0)
		close(fd);
}

static const int clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };

int main(int argc, char **argv)
{
	int i, high = argc > 1 && !strcmp(argv[1], "high"), prctl_ok = 0;
	struct timespec wait = { 2, 0 };
	sigset_t set;
	siginfo_t si;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (i = 0; i < 6; i++)
		sigaddset(&set, SIGRTMIN + i);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (high) {
		static const int ids[] = { 3, 1000000, 2000000 };

		prctl_ok = !prctl(PR_TIMER_CREATE_RESTORE_IDS, 1, 0, 0, 0);
		for (i = 0; i < 3; i++)
			if (create(clocks[i], SIGEV_SIGNAL, SIGRTMIN + i, ids[i], prctl_ok) < 0)
				fail("creating timer %d: %ld", ids[i], errno);
		if (prctl_ok)
			prctl(PR_TIMER_CREATE_RESTORE_IDS, 0, 0, 0, 0);
		arm(0, 2);
		arm(1, 2);
		arm(2, 1);
	} else {
		static const int gone[] = { 1, 4, 5, 8 };
		int notify;

		for (i = 0; i < 10; i++) {
			notify = i % 5 == 1 ? SIGEV_NONE :
				 i % 5 == 2 ? SIGEV_SIGNAL | SIGEV_THREAD_ID : SIGEV_SIGNAL;
			if (create(clocks[i % 3], notify, SIGRTMIN + i % 6, -1, 0) < 0)
				fail("timer_create #%d: %ld", i, errno);
		}
		for (i = 3; i >= 0; i--) {
			syscall(SYS_timer_delete, t[gone[i]].id);
			memmove(&t[gone[i]], &t[gone[i] + 1], (--n - gone[i]) * sizeof(t[0]));
		}
		for (i = 0; i < n; i++)
			arm(i, i == 0 ? 0 : i == 1 ? 1 : 2);
	}
	read_proc(before, sizeof(before));
	printf("criu_victim: timers (%s):", prctl_ok ? "restore mode" : "create/delete");
	for (i = 0; i < n; i++)
		printf(" %d", t[i].id);
	printf("\nready\n");

	/* Until SIGUSR1: take the timer signals as they come */
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo == SIGUSR1)
			break;
	}
	printf("criu_victim: checking\n");
	{
		static char after[8192];

		read_proc(after, sizeof(after));
		if (strcmp(before, after)) {
			printf("criu_victim: FAIL: /proc/self/timers differs\n--- before\n%s--- after\n%s",
			       before, after);
			failed = 1;
		}
	}
	for (i = 0; i < n; i++) {
		struct itimerspec its;

		if (syscall(SYS_timer_gettime, t[i].id, &its)) {
			fail("timer_gettime(%d): %ld", t[i].id, errno);
			continue;
		}
		if (t[i].armed == 0 && (its.it_value.tv_sec || its.it_value.tv_nsec))
			fail("timer %d is armed, was not: %ld s", t[i].id, its.it_value.tv_sec);
		if (t[i].armed == 1 && (its.it_value.tv_sec < 3000 || its.it_interval.tv_sec))
			fail("timer %d: %ld s left of an hour", t[i].id, its.it_value.tv_sec);
		if (t[i].armed == 2 && its.it_interval.tv_nsec != 100000000)
			fail("timer %d: interval %ld ns, was 100 ms", t[i].id, its.it_interval.tv_nsec);
	}
	/* Every periodic timer with a signal fires within 2 s, with its ID and value */
	{
		struct timespec end, now;

		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += 2;
		do {
			if (sigtimedwait(&set, &si, &wait) < 0 || si.si_code != SI_TIMER)
				continue;
			for (i = 0; i < n; i++)
				if (t[i].id == si.si_timerid)
					break;
			if (i == n) {
				fail("signal of timer %d, which is not ours (value %ld)", si.si_timerid,
				     si.si_value.sival_int);
				continue;
			}
			if (si.si_value.sival_int != t[i].value || si.si_signo != t[i].signo)
				fail("timer %d: signal with value %ld", t[i].id, si.si_value.sival_int);
			t[i].fired++;
		} while (clock_gettime(CLOCK_MONOTONIC, &now) == 0 && now.tv_sec < end.tv_sec);
	}
	for (i = 0; i < n; i++)
		if (t[i].armed == 2 && t[i].notify != SIGEV_NONE && !t[i].fired)
			fail("periodic timer %d fired %ld times after the restore", t[i].id, t[i].fired);
	printf("criu_victim: %s\n", failed ? "FAIL" : "PASS");
	return failed;
}
