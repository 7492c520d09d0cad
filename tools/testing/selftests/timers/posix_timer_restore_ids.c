// SPDX-License-Identifier: GPL-2.0
/*
 * PR_TIMER_CREATE_RESTORE_IDS: in restore mode timer_create() creates the
 * timer with the ID user space passes in the timer ID location.
 *
 *  - the prctl: OFF, ON, GET and -EINVAL for anything else,
 *  - the mode is per process: shared by threads, off in a fork() child,
 *    switched off by exec(),
 *  - exact IDs 0..INT_MAX, -EBUSY (also for a half created timer),
 *    TIMER_ANY_ID, -EINVAL, -EFAULT,
 *  - the rule for TIMER_ANY_ID: exact IDs first never collide, and an
 *    automatic ID which took a saved one makes its restore fail cleanly,
 *  - the next automatic ID follows the last restored one, -EBUSY leaves
 *    it alone, the search for a free ID after a wrap around,
 *  - a deleted ID is free at once,
 *  - failed requests leave no timer, ID or sigqueue behind,
 *  - the nodes of IDs far apart are charged to RLIMIT_SIGPENDING, with
 *    EAGAIN past it, and given back on deletion,
 *  - races of exact requests with each other, with automatic allocation,
 *    with the prctl and with timer_delete(),
 *  - a checkpoint/restore round trip through /proc/$PID/timers.
 *
 * Each test is skipped on kernels without the prctl, and the tests which
 * read /proc/$PID/timers (fixture restore_proc) without that file
 * (CONFIG_CHECKPOINT_RESTORE=n). The timer syscalls are invoked directly:
 * the kernel timer ID is an int, the C library's timer_t is an opaque
 * handle.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include "../kselftest_harness.h"
#include "posix_timer_util.h"

/* For user space headers older than the kernel: the values are ABI */
#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS	77
#endif
#ifndef PR_TIMER_CREATE_RESTORE_IDS_OFF
#define PR_TIMER_CREATE_RESTORE_IDS_OFF	0
#define PR_TIMER_CREATE_RESTORE_IDS_ON	1
#define PR_TIMER_CREATE_RESTORE_IDS_GET	2
#endif
#ifndef TIMER_ANY_ID
#define TIMER_ANY_ID	INT_MIN
#endif

#define EXEC_CHECK_ARG	"--exec-check"
#define MAX_TIMERS	64

/*
 * What a test needs of RLIMIT_SIGPENDING: the timers it holds at once and,
 * on kernels which charge the xarray nodes of IDs far apart to the limit,
 * those nodes. Every test gets ROOM_FEW; the tests which hold more say so.
 * With less room a test skips, where its timers would fail with EAGAIN.
 */
#define ROOM_FEW	64

/* Failed CHILD_EXPECT() checks of a forked or exec'ed child */
static int child_failures;

/* CPU clock of thread @tid, see make_thread_cpuclock() */
#define THREAD_CPUCLOCK_SCHED(tid)	((~(clockid_t)(tid) << 3) | 4 | 2)

static int restore_mode(unsigned long ctrl)
{
	return prctl(PR_TIMER_CREATE_RESTORE_IDS, ctrl, 0, 0, 0);
}

/*
 * Create a SIGEV_NONE timer on CLOCK_MONOTONIC, passing @want in the ID
 * location. Returns the ID the kernel wrote back, or -errno.
 */
static int create_id(int want)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int id = want;

	if (sys_timer_create(CLOCK_MONOTONIC, &sev, &id))
		return -errno;
	return id;
}

/*
 * Create a timer with an automatically allocated ID: outside of restore
 * mode, which is switched back on afterwards. Unlike TIMER_ANY_ID this
 * works on kernels which have the prctl without TIMER_ANY_ID.
 */
static int create_auto(void)
{
	int id;

	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF))
		return -errno;
	id = create_id(-1);
	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON))
		return -errno;
	return id;
}

/* True if /proc/self/timers lists exactly the @nr IDs in @ids, ascending */
static bool proc_timers_are(const int *ids, int nr)
{
	struct proc_timer t[MAX_TIMERS];
	int i, n = parse_proc_timers(getpid(), t, MAX_TIMERS);

	if (n != nr)
		return false;
	for (i = 0; i < n; i++)
		if (t[i].id != ids[i])
			return false;
	return true;
}

#define NO_RESTORE_IDS	"PR_TIMER_CREATE_RESTORE_IDS not supported"

TEST(prctl_takes_off_on_get_and_nothing_else)
{
	static const unsigned long bad_ctrl[] = { 3, 4, 0x100, ~0UL };
	int i, arg, ret = restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET);
	unsigned long ctrl;

	if (ret < 0 && errno == EINVAL)
		SKIP(return, NO_RESTORE_IDS);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON), 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET), 1);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON), 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET), 1);

	for (i = 0; i < ARRAY_SIZE(bad_ctrl); i++) {
		EXPECT_EQ(restore_mode(bad_ctrl[i]), -1);
		EXPECT_EQ(errno, EINVAL) TH_LOG("arg2 %#lx", bad_ctrl[i]);
	}

	/* Nonzero arg3..arg5 are rejected for every ctrl and change nothing */
	for (ctrl = PR_TIMER_CREATE_RESTORE_IDS_OFF;
	     ctrl <= PR_TIMER_CREATE_RESTORE_IDS_GET; ctrl++) {
		for (arg = 0; arg < 3; arg++) {
			unsigned long a[3] = {};

			a[arg] = 1;
			EXPECT_EQ(prctl(PR_TIMER_CREATE_RESTORE_IDS, ctrl,
					a[0], a[1], a[2]), -1);
			EXPECT_EQ(errno, EINVAL) TH_LOG("ctrl %lu arg%d", ctrl, arg + 3);
		}
	}
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET), 1);

	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF), 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET), 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF), 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET), 0);
}

/*
 * Every test of the fixtures starts in a fresh process with the mode on.
 * Those of restore_proc also read /proc/$PID/timers.
 */
FIXTURE(restore) {};

FIXTURE_SETUP(restore)
{
	long room = sigpending_room();

	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET) < 0 && errno == EINVAL)
		SKIP(return, NO_RESTORE_IDS);
	if (room < ROOM_FEW)
		SKIP(return, NO_ROOM, room, ROOM_FEW);
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON), 0);
}

FIXTURE_TEARDOWN(restore) {}

FIXTURE(restore_proc) {};

FIXTURE_SETUP(restore_proc)
{
	long room = sigpending_room();

	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET) < 0 && errno == EINVAL)
		SKIP(return, NO_RESTORE_IDS);
	if (access("/proc/self/timers", R_OK))
		SKIP(return, "no /proc/$PID/timers (CONFIG_CHECKPOINT_RESTORE)");
	if (room < ROOM_FEW)
		SKIP(return, NO_ROOM, room, ROOM_FEW);
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON), 0);
}

FIXTURE_TEARDOWN(restore_proc) {}

TEST_F(restore_proc, exact_ids_are_created_in_any_order)
{
	static const int ids[] = { 0, 5, 1000, 1000000, INT_MAX - 1, INT_MAX };
	int i, order[] = { 3, 5, 0, 2, 4, 1 };

	/* In any order */
	for (i = 0; i < ARRAY_SIZE(order); i++)
		ASSERT_EQ(create_id(ids[order[i]]), ids[order[i]]);

	i = 0;
	while (i < ARRAY_SIZE(ids) && timer_exists(ids[i]))
		i++;
	EXPECT_EQ(i, ARRAY_SIZE(ids)) TH_LOG("no timer %d", ids[i]);
	EXPECT_FALSE(timer_exists(1));
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));

	/* A deleted ID can be restored again */
	ASSERT_EQ(sys_timer_delete(1000), 0);
	EXPECT_FALSE(timer_exists(1000));
	EXPECT_EQ(create_id(1000), 1000);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
}

TEST_F(restore_proc, taken_ids_fail_with_ebusy)
{
	struct itimerspec armed = { .it_value.tv_sec = 100 }, val;
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	const int ids[] = { 0, 42 };
	int id;

	ASSERT_EQ(create_id(42), 42);
	ASSERT_EQ(sys_timer_settime(42, 0, &armed, NULL), 0);
	/* Automatically allocated IDs are busy as well */
	ASSERT_EQ(create_auto(), 43);
	ASSERT_EQ(sys_timer_delete(43), 0);
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF), 0);
	ASSERT_EQ(create_id(0), 44);
	ASSERT_EQ(sys_timer_delete(44), 0);
	ASSERT_EQ(create_id(-5), 45);
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON), 0);
	ASSERT_EQ(create_id(0), 0);

	EXPECT_EQ(create_id(42), -EBUSY);
	EXPECT_EQ(create_id(45), -EBUSY);
	EXPECT_EQ(create_id(0), -EBUSY);

	/* On a different clock, too: the ID space is per process */
	id = 42;
	EXPECT_EQ(sys_timer_create(CLOCK_REALTIME, &sev, &id), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(id, 42);

	/* The timer which holds the ID is untouched */
	ASSERT_EQ(sys_timer_gettime(42, &val), 0);
	EXPECT_GT(val.it_value.tv_sec, 0);
	ASSERT_EQ(sys_timer_delete(45), 0);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
}

struct half_created {
	int *id;
	int ret;
};

static void *create_half(void *arg)
{
	struct half_created *hc = arg;
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	hc->ret = sys_timer_create(CLOCK_MONOTONIC, &sev, hc->id) ? -errno : 0;
	return NULL;
}

/*
 * A timer which is being created holds its ID. A thread creates a timer
 * outside of restore mode and has the ID written to a missing page which
 * is registered with userfaultfd: it stops there with the ID allocated and
 * the timer not yet valid, until the fault is resolved.
 */
TEST_F(restore_proc, half_created_timer_is_busy)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_copy copy = {};
	const int ids[] = { 0, 1 };
	long psz = getpagesize();
	struct half_created hc;
	struct pollfd pfd = { .events = POLLIN };
	struct uffd_msg msg;
	pthread_t thread;
	char *src, *page;
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "no userfaultfd for kernel faults: %s", strerror(errno));
	pfd.fd = uffd;
	ASSERT_EQ(ioctl(uffd, UFFDIO_API, &api), 0);
	src = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(src != MAP_FAILED);
	memset(src, 0xff, psz);
	page = src + psz;
	reg.range.start = (unsigned long)page;
	reg.range.len = psz;
	ASSERT_EQ(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);

	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF), 0);
	hc.id = (int *)page;
	ASSERT_EQ(pthread_create(&thread, NULL, create_half, &hc), 0);
	ASSERT_EQ(poll(&pfd, 1, 10000), 1) TH_LOG("no fault on the ID location");
	ASSERT_EQ(read(uffd, &msg, sizeof(msg)), sizeof(msg));
	ASSERT_EQ(msg.event, UFFD_EVENT_PAGEFAULT);

	/* ID 0 is allocated, the timer is not valid yet */
	EXPECT_FALSE(timer_exists(0));
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON), 0);
	EXPECT_EQ(create_id(0), -EBUSY);
	EXPECT_EQ(create_id(1), 1);

	copy.dst = reg.range.start;
	copy.src = (unsigned long)src;
	copy.len = psz;
	ASSERT_EQ(ioctl(uffd, UFFDIO_COPY, &copy), 0);
	ASSERT_EQ(pthread_join(thread, NULL), 0);
	EXPECT_EQ(hc.ret, 0);
	EXPECT_EQ(*hc.id, 0);
	EXPECT_TRUE(timer_exists(0));
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
	close(uffd);
}

TEST_F(restore_proc, any_id_allocates_as_outside_of_restore_mode)
{
	static const int ids[] = { 0, 1, 2, 3, 1000, 1001, 1002, 1003, INT_MAX };
	int id = create_id(TIMER_ANY_ID);

	if (id == -EINVAL)
		SKIP(return, "TIMER_ANY_ID not supported");

	/* The kernel picks the IDs as outside of restore mode */
	ASSERT_EQ(id, 0);
	ASSERT_EQ(create_id(TIMER_ANY_ID), 1);
	ASSERT_EQ(create_id(TIMER_ANY_ID), 2);
	ASSERT_EQ(sys_timer_delete(1), 0);
	EXPECT_EQ(create_id(TIMER_ANY_ID), 3);
	EXPECT_FALSE(timer_exists(1));

	/* It continues after a restored ID and skips busy IDs */
	ASSERT_EQ(create_id(1002), 1002);
	ASSERT_EQ(create_id(1000), 1000);
	EXPECT_EQ(create_id(TIMER_ANY_ID), 1001);
	EXPECT_EQ(create_id(TIMER_ANY_ID), 1003);

	/* And wraps around after INT_MAX, to the first free ID */
	ASSERT_EQ(create_id(INT_MAX), INT_MAX);
	EXPECT_EQ(create_id(TIMER_ANY_ID), 1);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
}

/*
 * The rule for TIMER_ANY_ID in restore mode: restore every saved ID exactly
 * before creating any timer with TIMER_ANY_ID. The automatic allocation
 * skips taken IDs, so it cannot then hand out a saved ID, and no exact
 * restore can find its ID taken, whatever the saved IDs and the order of
 * their restore. Each case restores a set of saved IDs, most of them
 * where the counter of a fresh process starts, in ascending order (as
 * CRIU restores them), in descending order or shuffled, in a child
 * process of its own. Then it creates RULE_ANY timers with TIMER_ANY_ID,
 * which must get the IDs the documentation promises: the first free ones
 * after the ID restored last, wrapping around after INT_MAX.
 */
#define RULE_CASES	24
#define RULE_IDS	12
#define RULE_ANY	8

static uint32_t rule_random(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static bool id_in(const int *ids, int nr, int id)
{
	int i;

	for (i = 0; i < nr; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static int cmp_int_descending(const void *a, const void *b)
{
	return cmp_int(b, a);
}

static int restore_by_the_rule(int nr)
{
	int ids[RULE_IDS + RULE_ANY], i, j, tmp, got;
	struct proc_timer t[RULE_IDS + RULE_ANY + 1];
	uint32_t x = 0x9e3779b9u * (nr + 1);
	int64_t next;

	/*
	 * Saved IDs: three in four where TIMER_ANY_ID starts, the rest
	 * anywhere; in every other case one of them so close to INT_MAX that
	 * the timers of the tool wrap around to the low saved IDs.
	 */
	for (i = 0; i < RULE_IDS; ) {
		int id = i % 4 == 3 ? (int)(rule_random(&x) & INT_MAX) :
				      (int)(rule_random(&x) % (2 * RULE_IDS));

		if (i == RULE_IDS - 1 && nr % 2)
			id = INT_MAX - (int)(rule_random(&x) % (RULE_ANY / 2));
		if (!id_in(ids, i, id))
			ids[i++] = id;
	}
	/* The order of the restore: ascending, descending or shuffled */
	switch (nr % 3) {
	case 0:
		qsort(ids, RULE_IDS, sizeof(ids[0]), cmp_int);
		break;
	case 1:
		qsort(ids, RULE_IDS, sizeof(ids[0]), cmp_int_descending);
		break;
	default:
		for (i = 1; i < RULE_IDS; i++) {
			j = rule_random(&x) % (i + 1);
			tmp = ids[i];
			ids[i] = ids[j];
			ids[j] = tmp;
		}
		break;
	}

	/* The mode is off in the fork() child which runs this */
	CHILD_EXPECT(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0);
	for (i = 0; i < RULE_IDS; i++)
		CHILD_EXPECT(create_id(ids[i]) == ids[i]);

	/* The counter is after the ID restored last; taken IDs are skipped */
	next = (int64_t)ids[RULE_IDS - 1] + 1;
	for (i = RULE_IDS; i < RULE_IDS + RULE_ANY; i++) {
		int64_t want = next;

		while (want <= INT_MAX && id_in(ids, i, want))
			want++;
		if (want > INT_MAX)
			for (want = 0; id_in(ids, i, want); want++)
				;
		got = create_id(TIMER_ANY_ID);
		CHILD_EXPECT(got == want);
		ids[i] = want;
		next = want + 1;
	}
	for (i = 0; i < RULE_IDS + RULE_ANY; i++)
		CHILD_EXPECT(timer_exists(ids[i]));
	CHILD_EXPECT(parse_proc_timers(getpid(), t, ARRAY_SIZE(t)) == RULE_IDS + RULE_ANY);
	return child_failures ? 1 : 0;
}

TEST_F(restore_proc, exact_ids_restored_before_any_id_never_collide)
{
	int id = create_id(TIMER_ANY_ID), nr, failed = 0;

	if (id == -EINVAL)
		SKIP(return, "TIMER_ANY_ID not supported");
	ASSERT_GE(id, 0);
	ASSERT_EQ(sys_timer_delete(id), 0);

	for (nr = 0; nr < RULE_CASES; nr++) {
		if (run_in_child(restore_by_the_rule, nr)) {
			TH_LOG("case %d failed", nr);
			failed++;
		}
	}
	EXPECT_EQ(failed, 0);
}

/*
 * Against the rule: a timer created with TIMER_ANY_ID before the saved IDs
 * are restored can take one of them. Its exact restore then fails with
 * EBUSY and leaves nothing behind: no timer, and the counter where the
 * restore before it left it.
 */
TEST_F(restore_proc, any_id_before_exact_ids_makes_their_restore_fail_with_ebusy)
{
	const int ids[] = { 0, 5, 6 }, restored[] = { 0, 1, 5, 6 };
	int id = create_id(TIMER_ANY_ID);

	if (id == -EINVAL)
		SKIP(return, "TIMER_ANY_ID not supported");

	/* A fresh process: TIMER_ANY_ID hands out 0, which is also saved */
	ASSERT_EQ(id, 0);
	ASSERT_EQ(create_id(5), 5);
	EXPECT_EQ(create_id(0), -EBUSY);
	EXPECT_TRUE(proc_timers_are(ids, 2));
	/* The counter is still after 5, not after the refused 0 */
	EXPECT_EQ(create_id(TIMER_ANY_ID), 6);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));

	/* Once the tool's timer is gone, the saved ID can be restored */
	ASSERT_EQ(sys_timer_delete(0), 0);
	EXPECT_EQ(create_id(0), 0);
	/* and the counter follows it back, as after any restore */
	EXPECT_EQ(create_id(TIMER_ANY_ID), 1);
	EXPECT_TRUE(proc_timers_are(restored, ARRAY_SIZE(restored)));
}

TEST_F(restore_proc, next_id_follows_restored_id)
{
	static const int ids[] = { 0, 1, 2, 10, 11, 12, 1000, 1001, 1002, INT_MAX };

	ASSERT_EQ(create_auto(), 0);
	ASSERT_EQ(create_auto(), 1);
	ASSERT_EQ(create_id(1000), 1000);
	EXPECT_EQ(create_auto(), 1001);

	/* Also outside of restore mode, where the ID location is not read */
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF), 0);
	EXPECT_EQ(create_id(-5), 1002);
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON), 0);

	/* A lower ID moves the counter back */
	ASSERT_EQ(create_id(10), 10);
	EXPECT_EQ(create_auto(), 11);

	/* The ID the counter points to can be restored, and is no timer */
	EXPECT_FALSE(timer_exists(12));
	EXPECT_EQ(create_id(12), 12);
	EXPECT_FALSE(timer_exists(13));

	/* After INT_MAX the counter wraps to the first free ID */
	ASSERT_EQ(create_id(INT_MAX), INT_MAX);
	EXPECT_EQ(create_auto(), 2);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
}

/* The wrap around of automatic IDs after INT_MAX, reached with one restore */
TEST_F(restore_proc, auto_ids_wrap_after_int_max)
{
	static const int ids[] = { 0, 1, 3, INT_MAX - 1, INT_MAX };

	ASSERT_EQ(create_id(1), 1);
	ASSERT_EQ(create_id(INT_MAX - 1), INT_MAX - 1);
	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF), 0);

	EXPECT_EQ(create_id(0), INT_MAX);
	EXPECT_EQ(create_id(0), 0);
	/* 1 is busy */
	EXPECT_EQ(create_id(0), 2);
	ASSERT_EQ(sys_timer_delete(2), 0);
	EXPECT_EQ(create_id(0), 3);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
}

/*
 * A request which fails with EBUSY does not move the counter, neither back
 * to after a lower ID nor forward to after a higher one.
 */
TEST_F(restore, ebusy_leaves_the_counter_alone)
{
	ASSERT_EQ(create_id(100), 100);
	ASSERT_EQ(create_id(200), 200);
	EXPECT_EQ(create_id(100), -EBUSY);
	EXPECT_EQ(create_id(200), -EBUSY);
	EXPECT_EQ(create_auto(), 201);

	ASSERT_EQ(create_id(50), 50);
	EXPECT_EQ(create_id(201), -EBUSY);
	EXPECT_EQ(create_id(200), -EBUSY);
	EXPECT_EQ(create_auto(), 51);
}

/* errno of a failed syscall, 0 for a successful one */
static int errno_of(int ret)
{
	return ret < 0 ? errno : 0;
}

/*
 * A deleted timer is gone for lookups and its ID is free at once: for an
 * exact request, after the automatic allocation next to it and after a
 * restore elsewhere, also when two timers were deleted in a row.
 */
TEST_F(restore, deleted_id_can_be_restored_at_once)
{
	struct itimerspec val = { .it_value.tv_sec = 100 };

	/* The newest timer deleted */
	ASSERT_EQ(create_auto(), 0);
	ASSERT_EQ(sys_timer_delete(0), 0);
	EXPECT_FALSE(timer_exists(0));
	EXPECT_EQ(errno_of(sys_timer_settime(0, 0, &val, NULL)), EINVAL);
	EXPECT_EQ(errno_of(sys_timer_getoverrun(0)), EINVAL);
	EXPECT_EQ(errno_of(sys_timer_delete(0)), EINVAL);
	EXPECT_EQ(create_id(0), 0);
	EXPECT_TRUE(timer_exists(0));
	EXPECT_EQ(create_auto(), 1);

	/* Two deleted in a row, restored in the other order */
	ASSERT_EQ(create_auto(), 2);
	ASSERT_EQ(sys_timer_delete(1), 0);
	ASSERT_EQ(sys_timer_delete(2), 0);
	EXPECT_FALSE(timer_exists(1));
	EXPECT_FALSE(timer_exists(2));
	EXPECT_EQ(create_id(2), 2);
	EXPECT_EQ(create_id(1), 1);
	/* The counter is at 2, taken: the search finds 3 */
	EXPECT_EQ(create_auto(), 3);

	/* The automatic allocation next to a deleted timer */
	ASSERT_EQ(sys_timer_delete(3), 0);
	EXPECT_EQ(create_auto(), 4);
	EXPECT_FALSE(timer_exists(3));
	EXPECT_EQ(create_id(3), 3);

	/* A restore elsewhere */
	ASSERT_EQ(sys_timer_delete(4), 0);
	EXPECT_EQ(create_id(100), 100);
	EXPECT_FALSE(timer_exists(4));
	EXPECT_EQ(create_id(4), 4);
	EXPECT_TRUE(timer_exists(0));
	EXPECT_TRUE(timer_exists(1));
	EXPECT_TRUE(timer_exists(2));
	EXPECT_TRUE(timer_exists(100));
}

/* Deleted timers are not listed, the newest nor an older one */
TEST_F(restore_proc, deleted_timers_are_not_listed)
{
	const int ids[] = { 2 };

	ASSERT_EQ(create_auto(), 0);
	ASSERT_EQ(sys_timer_delete(0), 0);
	EXPECT_TRUE(proc_timers_are(NULL, 0));

	ASSERT_EQ(create_auto(), 1);
	ASSERT_EQ(create_auto(), 2);
	ASSERT_EQ(sys_timer_delete(1), 0);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
	ASSERT_EQ(sys_timer_delete(2), 0);
	EXPECT_TRUE(proc_timers_are(NULL, 0));
}

/*
 * When the next automatic ID is taken after a wrap around, the search for
 * a free ID skips leaves of the xarray which are full (64 IDs each, 16
 * with CONFIG_BASE_SMALL), continues at 0 after INT_MAX, and, when it
 * starts in the middle of a leaf which is free only below the start, goes
 * on in the next leaf.
 */
TEST_F(restore, search_after_wrap_skips_full_leaves)
{
	/* 134 timers, and the nodes of the two near INT_MAX */
	const int need = 160;
	long room;
	int i;

	room = sigpending_room();
	if (room < need)
		SKIP(return, NO_ROOM, room, need);
	for (i = 0; i < 128; i++)
		ASSERT_EQ(create_id(i), i);
	ASSERT_EQ(create_id(INT_MAX), INT_MAX);
	/* The counter wrapped to 0, 0..127 are busy */
	EXPECT_EQ(create_auto(), 128);

	/* From 64, in the middle of 0..127 */
	ASSERT_EQ(sys_timer_delete(63), 0);
	ASSERT_EQ(create_id(63), 63);
	EXPECT_EQ(create_auto(), 129);

	/* From INT_MAX, busy, around to 0 and across the full leaves */
	ASSERT_EQ(create_id(INT_MAX - 1), INT_MAX - 1);
	EXPECT_EQ(create_auto(), 130);
	EXPECT_TRUE(timer_exists(INT_MAX));
	EXPECT_TRUE(timer_exists(INT_MAX - 1));

	/* From 100, in a leaf (64..127, or 96..111) whose only free ID is 97 */
	ASSERT_EQ(sys_timer_delete(97), 0);
	ASSERT_EQ(sys_timer_delete(99), 0);
	ASSERT_EQ(create_id(99), 99);
	EXPECT_EQ(create_auto(), 131);
	EXPECT_FALSE(timer_exists(97));
}

TEST_F(restore_proc, negative_ids_fail_with_einval)
{
	static const int bad[] = { -1, -2, -1000000, INT_MIN + 1 };
	int i, ret, failed = 0;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = create_id(bad[i]);
		if (ret != -EINVAL) {
			TH_LOG("ID %d: %d, not -EINVAL", bad[i], ret);
			failed++;
		}
	}
	EXPECT_EQ(failed, 0);

	/* Nothing was created and the counter did not move */
	EXPECT_TRUE(proc_timers_are(NULL, 0));
	EXPECT_EQ(create_auto(), 0);
}

/* Map a page read-only at *@p, holding @id at its start */
static bool readonly_id(int id, int **p)
{
	*p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*p == MAP_FAILED)
		return false;
	**p = id;
	return !mprotect(*p, getpagesize(), PROT_READ);
}

TEST_F(restore_proc, unreadable_or_unwritable_id_fails_with_efault)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	const int ids[] = { 0, 7, 8 };
	int *unmapped, *ro;

	unmapped = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(unmapped != MAP_FAILED);
	ASSERT_EQ(munmap(unmapped, getpagesize()), 0);

	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &sev, NULL), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &sev, unmapped), -1);
	EXPECT_EQ(errno, EFAULT);
	/* Nothing was allocated, the counter did not move */
	EXPECT_EQ(create_auto(), 0);

	/* Readable, so ID 7 is requested, but the ID cannot be written back */
	ASSERT_TRUE(readonly_id(7, &ro));
	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &sev, ro), -1);
	EXPECT_EQ(errno, EFAULT);
	munmap(ro, getpagesize());

	/*
	 * Neither the timer nor its ID were left behind. ID 7 was allocated,
	 * so the counter moved after it.
	 */
	EXPECT_FALSE(timer_exists(7));
	EXPECT_EQ(create_auto(), 8);
	EXPECT_EQ(create_id(7), 7);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
}

/*
 * Restore requests which fail after the ID was allocated: invalid
 * sigevents, and the CPU clock of a thread of another process, which the
 * clock's timer_create() callback rejects. The parent is such a process,
 * and alive while the test runs.
 */
TEST_F(restore_proc, late_errors_leave_nothing)
{
	struct sigevent bad_notify = { .sigev_notify = 12345 };
	struct sigevent bad_signo = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0 };
	struct sigevent bad_tid = { .sigev_notify = SIGEV_THREAD_ID,
				    .sigev_signo = SIGUSR1 };
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	const int ids[] = { 77, 78 };
	int id;

	bad_tid.sigev_notify_thread_id = getppid();

	id = 77;
	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &bad_notify, &id), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &bad_signo, &id), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(sys_timer_create(CLOCK_MONOTONIC, &bad_tid, &id), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(sys_timer_create(THREAD_CPUCLOCK_SCHED(getppid()), &none, &id), -1);
	EXPECT_EQ(errno, EINVAL);

	/* ID 77 was allocated each time and released again */
	EXPECT_TRUE(proc_timers_are(NULL, 0));
	EXPECT_FALSE(timer_exists(77));
	EXPECT_EQ(create_auto(), 78);
	EXPECT_EQ(create_id(77), 77);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
}

/*
 * Number of SIGEV_NONE timers which can be created before timer_create()
 * fails with EAGAIN, up to @max. They are deleted again.
 */
static int timer_capacity(int max)
{
	static int ids[1024];
	int n, i;

	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF))
		return -1;
	for (n = 0; n < max && n < ARRAY_SIZE(ids); n++) {
		ids[n] = create_id(0);
		if (ids[n] < 0)
			break;
	}
	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON))
		return -1;
	if (n < max && ids[n] != -EAGAIN)
		return -1;
	for (i = 0; i < n; i++)
		if (sys_timer_delete(ids[i]))
			return -1;
	return n;
}

/*
 * Every timer preallocates a sigqueue entry charged to RLIMIT_SIGPENDING.
 * Failing restore requests in a loop must not leak any: with a small limit
 * the number of timers which can be created is the same before and after.
 * A single leaked entry shows, so 200 rounds of failures are plenty (and
 * stay well within the harness timeout on a debug kernel under emulation).
 * A user namespace gives this process its own sigpending count.
 */
TEST_F(restore_proc, failed_requests_leak_nothing)
{
	static const int ids[] = { 1, 2, 3, 1000 };
	struct sigevent bad_notify = { .sigev_notify = 12345 };
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	struct rlimit rl = { .rlim_cur = 32, .rlim_max = RLIM_INFINITY };
	int before, after, i, j, id, *ro;

	/* Other processes of the user would change the count */
	if (unshare(CLONE_NEWUSER))
		SKIP(return, "no user namespace: %s", strerror(errno));
	ASSERT_EQ(getrlimit(RLIMIT_SIGPENDING, &rl), 0);
	rl.rlim_cur = 32;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
		rl.rlim_cur = rl.rlim_max;
	ASSERT_EQ(setrlimit(RLIMIT_SIGPENDING, &rl), 0);

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		ASSERT_EQ(create_id(ids[i]), ids[i]);

	before = timer_capacity(1000);
	ASSERT_GT(before, 0);

	ASSERT_TRUE(readonly_id(500, &ro));
	for (i = 0; i < 200; i++) {
		for (j = 0; j < ARRAY_SIZE(ids); j++)
			ASSERT_EQ(create_id(ids[j]), -EBUSY);
		ASSERT_EQ(create_id(-7), -EINVAL);
		ASSERT_EQ(sys_timer_create(CLOCK_MONOTONIC, &none, NULL), -1);
		ASSERT_EQ(errno, EFAULT);
		ASSERT_EQ(sys_timer_create(CLOCK_MONOTONIC, &none, ro), -1);
		ASSERT_EQ(errno, EFAULT);
		id = 600;
		ASSERT_EQ(sys_timer_create(CLOCK_MONOTONIC, &bad_notify, &id), -1);
		ASSERT_EQ(errno, EINVAL);
		ASSERT_EQ(sys_timer_create(THREAD_CPUCLOCK_SCHED(getppid()), &none, &id), -1);
		ASSERT_EQ(errno, EINVAL);
	}
	munmap(ro, getpagesize());

	after = timer_capacity(1000);
	EXPECT_EQ(after, before);
	EXPECT_TRUE(proc_timers_are(ids, ARRAY_SIZE(ids)));
	/* Also not a half created timer, which is not listed */
	EXPECT_EQ(create_id(500), 500);
	EXPECT_EQ(create_id(600), 600);
}

/*
 * Timers far apart need xarray nodes of their own, which the kernel charges
 * to RLIMIT_SIGPENDING beyond what dense IDs need: IDs 2^19 apart need
 * three nodes or more each which no other timer shares, four units of the
 * limit or more with the timer, so with a limit of 64 timer_create()
 * fails with EAGAIN long before 64 timers. Deleting them gives all units
 * back: dense IDs, which are not charged for nodes, then fit 64 timers
 * again.
 */
TEST_F(restore_proc, spread_ids_are_charged_to_rlimit_sigpending)
{
	struct rlimit rl;
	int id, n, i;

	/*
	 * No call tells whether the kernel charges nodes. TIMER_ANY_ID in
	 * restore mode came in the same series, and marks such a kernel.
	 */
	id = create_id(TIMER_ANY_ID);
	if (id == -EINVAL)
		SKIP(return, "TIMER_ANY_ID not supported");
	ASSERT_EQ(id, 0);
	ASSERT_EQ(sys_timer_delete(0), 0);

	/* Other processes of the user would change the count */
	if (unshare(CLONE_NEWUSER))
		SKIP(return, "no user namespace: %s", strerror(errno));
	ASSERT_EQ(getrlimit(RLIMIT_SIGPENDING, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < MAX_TIMERS)
		SKIP(return, "RLIMIT_SIGPENDING below %d", MAX_TIMERS);
	rl.rlim_cur = MAX_TIMERS;
	ASSERT_EQ(setrlimit(RLIMIT_SIGPENDING, &rl), 0);

	for (n = 0; n < MAX_TIMERS; n++) {
		id = create_id(n << 19);
		if (id != n << 19)
			break;
	}
	EXPECT_EQ(id, -EAGAIN);
	/*
	 * Each such timer takes four units or more (16 timers take 61 with
	 * nodes of 64 slots, 12 take 60 with 16), so far fewer fit than
	 * dense ones, but some do. The exact arithmetic is the KUnit suite's.
	 */
	EXPECT_LT(n, MAX_TIMERS / 2);
	EXPECT_GE(n, MAX_TIMERS / 8);
	TH_LOG("%d timers 2^19 apart under RLIMIT_SIGPENDING %d", n, MAX_TIMERS);

	for (i = 0; i < n; i++)
		ASSERT_EQ(sys_timer_delete(i << 19), 0);
	for (n = 0; n < MAX_TIMERS; n++) {
		id = create_id(n);
		if (id != n)
			break;
	}
	EXPECT_EQ(n, MAX_TIMERS);
	EXPECT_EQ(create_id(MAX_TIMERS), -EAGAIN);
}

static void *thread_get_mode(void *arg)
{
	return (void *)(long)restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET);
}

static void *thread_restore_300(void *arg)
{
	return (void *)(long)create_id(300);
}

static void *thread_mode_off(void *arg)
{
	return (void *)(long)restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF);
}

static long in_thread(void *(*fn)(void *))
{
	pthread_t thread;
	void *ret;

	if (pthread_create(&thread, NULL, fn, NULL) || pthread_join(thread, &ret))
		return -1000;
	return (long)ret;
}

TEST_F(restore, threads_share_mode)
{
	EXPECT_EQ(in_thread(thread_get_mode), 1);
	EXPECT_EQ(in_thread(thread_restore_300), 300);
	EXPECT_TRUE(timer_exists(300));
	EXPECT_EQ(create_id(300), -EBUSY);

	EXPECT_EQ(in_thread(thread_mode_off), 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET), 0);
	EXPECT_EQ(in_thread(thread_restore_300), 301);
}

/*
 * Races. The threads of a race run a function in rounds, started and
 * ended by the test's thread, which may act itself in between. The
 * outcome of a race is not known in advance: the tests check invariants
 * which hold for every interleaving, never which side won.
 */
#define RACE_THREADS	4
#define RACE_CREATES	32

struct race;

struct racer {
	struct race *race;
	int nr;
};

struct race {
	pthread_barrier_t start;
	pthread_barrier_t done;
	void (*fn)(struct race *race, int nr);
	int nr;
	bool stop;
	int want;			/* the ID at stake in the round */
	int finished;			/* threads done with the round */
	int ret[RACE_THREADS][RACE_CREATES];
	struct racer racer[RACE_THREADS];
	pthread_t thread[RACE_THREADS];
};

static void *racer_thread(void *arg)
{
	struct racer *r = arg;
	struct race *race = r->race;

	for (;;) {
		pthread_barrier_wait(&race->start);
		if (race->stop)
			return NULL;
		race->fn(race, r->nr);
		__atomic_add_fetch(&race->finished, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&race->done);
	}
}

/* Start @nr threads running @fn in each round. Returns 0 or an error. */
static int race_init(struct race *race, int nr, void (*fn)(struct race *, int))
{
	int i, ret;

	memset(race, 0, sizeof(*race));
	race->fn = fn;
	ret = pthread_barrier_init(&race->start, NULL, nr + 1);
	if (ret)
		return ret;
	ret = pthread_barrier_init(&race->done, NULL, nr + 1);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		race->racer[i].race = race;
		race->racer[i].nr = i;
		ret = pthread_create(&race->thread[i], NULL, racer_thread,
				     &race->racer[i]);
		if (ret)
			return ret;
		race->nr++;
	}
	return 0;
}

static void race_begin(struct race *race)
{
	__atomic_store_n(&race->finished, 0, __ATOMIC_RELAXED);
	pthread_barrier_wait(&race->start);
}

static bool race_finished(struct race *race)
{
	return __atomic_load_n(&race->finished, __ATOMIC_ACQUIRE) == race->nr;
}

static void race_end(struct race *race)
{
	pthread_barrier_wait(&race->done);
}

static void race_exit(struct race *race)
{
	int i;

	race->stop = true;
	pthread_barrier_wait(&race->start);
	for (i = 0; i < race->nr; i++)
		pthread_join(race->thread[i], NULL);
}

static bool sorted_contains(const int *ids, int nr, int id)
{
	return bsearch(&id, ids, nr, sizeof(*ids), cmp_int);
}

static void race_request_want(struct race *race, int nr)
{
	race->ret[nr][0] = create_id(race->want);
}

/*
 * Threads which request the same free ID at the same time: exactly one
 * gets it, the others fail with EBUSY. The IDs are far apart, so most
 * requests allocate xarray nodes, which happens with the lock dropped:
 * the retry must find the ID taken by a thread which was faster.
 */
TEST_F(restore, one_of_threads_requesting_the_same_id_gets_it)
{
	struct race race;
	int i, round;

	ASSERT_EQ(race_init(&race, RACE_THREADS, race_request_want), 0);
	for (round = 0; round < 100; round++) {
		int won = 0, busy = 0;

		race.want = round * 4099;
		race_begin(&race);
		race_end(&race);
		for (i = 0; i < RACE_THREADS; i++) {
			if (race.ret[i][0] == race.want)
				won++;
			else if (race.ret[i][0] == -EBUSY)
				busy++;
		}
		ASSERT_EQ(won, 1) TH_LOG("ID %d", race.want);
		ASSERT_EQ(busy, RACE_THREADS - 1) TH_LOG("ID %d", race.want);
		ASSERT_EQ(sys_timer_delete(race.want), 0);
	}
	race_exit(&race);
}

static void race_create_any(struct race *race, int nr)
{
	int i;

	for (i = 0; i < RACE_CREATES; i++)
		race->ret[nr][i] = create_id(TIMER_ANY_ID);
}

/*
 * An exact request races automatic allocations (TIMER_ANY_ID) of other
 * threads which pass the wanted ID. Whoever comes first gets it: the exact
 * request either gets the ID or fails with EBUSY because an automatic
 * allocation got it. No ID is handed out twice, and once the exact request
 * has the ID, the automatic ones do not get it.
 */
TEST_F(restore, exact_request_races_automatic_allocation)
{
	int ids[RACE_THREADS * RACE_CREATES + 1];
	int i, j, n, round, base, exact, holders;
	/* 97 timers a round, and the nodes of a round's IDs */
	const int need = 128;
	struct race race;
	long room;

	room = sigpending_room();
	if (room < need)
		SKIP(return, NO_ROOM, room, need);
	i = create_id(TIMER_ANY_ID);
	if (i == -EINVAL)
		SKIP(return, "TIMER_ANY_ID not supported");
	ASSERT_EQ(i, 0);
	ASSERT_EQ(sys_timer_delete(0), 0);

	ASSERT_EQ(race_init(&race, RACE_THREADS - 1, race_create_any), 0);
	for (round = 0; round < 24; round++) {
		/* The automatic IDs start at base, fresh IDs */
		base = 1 + round * 1024;
		ASSERT_EQ(create_id(base - 1), base - 1);
		ASSERT_EQ(sys_timer_delete(base - 1), 0);
		/* Sometimes the automatic ones come first, sometimes not */
		race.want = base + (round * 7) % RACE_CREATES;

		race_begin(&race);
		exact = create_id(race.want);
		race_end(&race);

		ASSERT_TRUE(exact == race.want || exact == -EBUSY) TH_LOG("got %d", exact);
		n = 0;
		if (exact >= 0)
			ids[n++] = exact;
		for (i = 0; i < race.nr; i++) {
			for (j = 0; j < RACE_CREATES; j++) {
				ASSERT_GE(race.ret[i][j], 0);
				ids[n++] = race.ret[i][j];
			}
		}
		qsort(ids, n, sizeof(*ids), cmp_int);
		holders = 0;
		for (i = 0; i < n; i++) {
			if (i)
				ASSERT_NE(ids[i - 1], ids[i]);
			holders += ids[i] == race.want;
			ASSERT_EQ(sys_timer_delete(ids[i]), 0) TH_LOG("ID %d", ids[i]);
		}
		/* EBUSY means an automatic allocation got the ID */
		ASSERT_EQ(holders, 1) TH_LOG("ID %d, exact request %d", race.want, exact);
	}
	race_exit(&race);
}

/* The ID thread @nr requests in its @i-th timer_create() */
static int toggle_want(int nr, int i)
{
	return (nr + 1) * 100000 + 2 * i;
}

static void race_create_wanted(struct race *race, int nr)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int i, id;

	for (i = 0; i < RACE_CREATES; i++) {
		id = toggle_want(nr, i);
		if (sys_timer_create(CLOCK_MONOTONIC, &sev, &id))
			id = -errno;
		race->ret[nr][i] = id;
		/* Let the mode switch in between, also with few CPUs */
		sched_yield();
	}
}

/*
 * The mode is switched on and off while other threads create timers with
 * a wanted ID in the ID location. Each timer_create() sees the mode on,
 * and creates the wanted ID or fails with EBUSY, or off, and allocates an
 * ID. An automatic ID can take an ID which is wanted later, so EBUSY is
 * fine if another timer holds the wanted ID. No ID is handed out twice,
 * and no other error occurs.
 */
TEST_F(restore, mode_switches_while_threads_create)
{
	int ids[RACE_THREADS * RACE_CREATES];
	unsigned long mode = PR_TIMER_CREATE_RESTORE_IDS_ON;
	int i, j, n = 0, failed = 0, busy_free = 0;
	/* 128 timers, in four ranges of IDs with nodes of their own */
	const int need = 160;
	struct race race;
	long room;

	room = sigpending_room();
	if (room < need)
		SKIP(return, NO_ROOM, room, need);
	ASSERT_EQ(race_init(&race, RACE_THREADS, race_create_wanted), 0);
	race_begin(&race);
	while (!race_finished(&race)) {
		mode = mode == PR_TIMER_CREATE_RESTORE_IDS_ON ?
		       PR_TIMER_CREATE_RESTORE_IDS_OFF : PR_TIMER_CREATE_RESTORE_IDS_ON;
		if (restore_mode(mode))
			failed++;
	}
	race_end(&race);
	race_exit(&race);
	EXPECT_EQ(failed, 0);

	for (i = 0; i < RACE_THREADS; i++) {
		for (j = 0; j < RACE_CREATES; j++) {
			int ret = race.ret[i][j];

			ASSERT_TRUE(ret >= 0 || ret == -EBUSY) TH_LOG("got %d", ret);
			if (ret >= 0)
				ids[n++] = ret;
		}
	}
	qsort(ids, n, sizeof(*ids), cmp_int);
	for (i = 0; i < n; i++) {
		if (i)
			ASSERT_NE(ids[i - 1], ids[i]);
		EXPECT_TRUE(timer_exists(ids[i])) TH_LOG("ID %d", ids[i]);
	}
	/* EBUSY only for an ID which another timer holds */
	for (i = 0; i < RACE_THREADS; i++) {
		for (j = 0; j < RACE_CREATES; j++) {
			if (race.ret[i][j] == -EBUSY &&
			    !sorted_contains(ids, n, toggle_want(i, j))) {
				TH_LOG("EBUSY for free ID %d", toggle_want(i, j));
				busy_free++;
			}
		}
	}
	EXPECT_EQ(busy_free, 0);
}

static void race_delete_want(struct race *race, int nr)
{
	race->ret[nr][0] = errno_of(sys_timer_delete(race->want));
}

/*
 * A thread deletes the timer with ID X while the test requests X in a
 * loop. A timer which is being deleted holds its ID until it is removed
 * from the xarray, so the requests fail with EBUSY until then and succeed
 * afterwards, at the latest in the first request after timer_delete()
 * returned.
 *
 * Whether a request hits the window in which the timer is being deleted
 * (invalid for lookups, still in the xarray) depends on timing which user
 * space does not control; the test cannot prove that EBUSY is returned in
 * that window rather than before it. What it checks in every round: no
 * errno but EBUSY, timer_delete() succeeds, the timer at X afterwards is
 * the new one (not armed, unlike the deleted one) and the only one: X is
 * free after deleting it once.
 */
TEST_F(restore, restore_races_delete_of_the_same_id)
{
	struct itimerspec armed = { .it_value.tv_sec = 100 };
	int round, ret, deleted;
	struct race race;

	ASSERT_EQ(race_init(&race, 1, race_delete_want), 0);
	race.want = 4242;
	for (round = 0; round < 200; round++) {
		struct itimerspec val = {};

		ASSERT_EQ(create_id(race.want), race.want);
		ASSERT_EQ(sys_timer_settime(race.want, 0, &armed, NULL), 0);

		race_begin(&race);
		do {
			deleted = race_finished(&race);
			ret = create_id(race.want);
		} while (ret == -EBUSY && !deleted);
		race_end(&race);

		ASSERT_EQ(ret, race.want) TH_LOG("timer_delete() returned: %d", deleted);
		ASSERT_EQ(race.ret[0][0], 0);
		ASSERT_EQ(sys_timer_gettime(race.want, &val), 0);
		EXPECT_EQ(val.it_value.tv_sec, 0);
		EXPECT_EQ(val.it_value.tv_nsec, 0);
		ASSERT_EQ(sys_timer_delete(race.want), 0);
		ASSERT_FALSE(timer_exists(race.want));
	}
	race_exit(&race);
}

static int fork_child_checks(int unused)
{
	CHILD_EXPECT(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET) == 0);
	/* Not in restore mode: the garbage in the ID location is not read */
	CHILD_EXPECT(create_id(-5) == 0);
	CHILD_EXPECT(create_id(1000) == 1);
	return child_failures ? 1 : 0;
}

TEST_F(restore, fork_child_starts_with_mode_off)
{
	ASSERT_EQ(create_id(1000), 1000);
	ASSERT_EQ(run_in_child(fork_child_checks, 0), 0);
	EXPECT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET), 1);
	EXPECT_EQ(create_auto(), 1001);
}

/* Runs in the image exec'ed by exec_child() */
static int exec_check(void)
{
	CHILD_EXPECT(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET) == 0);
	CHILD_EXPECT(create_id(-5) >= 0);
	return child_failures ? 1 : 0;
}

static int exec_child(int unused)
{
	static char * const argv[] = { "posix_timer_restore_ids", EXEC_CHECK_ARG, NULL };

	if (access("/proc/self/exe", X_OK))
		return KSFT_SKIP;
	/* The mode is off in the fork() child which runs this */
	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON))
		return 1;
	execv("/proc/self/exe", argv);
	ksft_print_msg("execv: %s\n", strerror(errno));
	return 1;
}

TEST_F(restore, exec_switches_mode_off)
{
	int ret = run_in_child(exec_child, 0);

	if (ret == KSFT_SKIP)
		SKIP(return, "/proc/self/exe not available");
	ASSERT_EQ(ret, 0);
}

/*
 * Checkpoint/restore round trip: a child ("checkpointed") builds timers
 * with sparse IDs, several clocks and notify types. The test reads its
 * /proc/$PID/timers, another child ("restored") recreates the timers from
 * that in restore mode, and its /proc/$PID/timers must match. Then the
 * restored timers are armed and their signals must carry the restored
 * IDs.
 */
struct cr_timer {
	int id;
	clockid_t clock;
	int notify;
	int sig;		/* offset to SIGRTMIN, -1: SIGALRM */
	unsigned long value;
	bool default_sigevent;	/* timer_create(..., NULL, ...) */
};

static const struct cr_timer cr_timers[] = {
	{ 1,	 CLOCK_REALTIME,	   SIGEV_SIGNAL,    0, 0x1111 },
	{ 5,	 CLOCK_MONOTONIC,	   SIGEV_SIGNAL,    1, 0xdead },
	{ 6,	 CLOCK_MONOTONIC,	   SIGEV_NONE,	    0, 0 },
	{ 17,	 CLOCK_BOOTTIME,	   SIGEV_THREAD_ID, 2, 0x1717 },
	{ 100,	 CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL,    3, 0x100 },
	{ 101,	 CLOCK_THREAD_CPUTIME_ID,  SIGEV_SIGNAL,    4, 0x101 },
	{ 1000,	 CLOCK_TAI,		   SIGEV_THREAD,    5, 0xbeef },
	{ 2047,	 CLOCK_MONOTONIC,	   SIGEV_SIGNAL,   -1, 2047, true },
	{ 1000000, CLOCK_REALTIME,	   SIGEV_SIGNAL,    6, 0xabcdef },
};

static int cr_signo(int sig)
{
	return sig < 0 ? SIGALRM : SIGRTMIN + sig;
}

static int create_cr_timer(const struct cr_timer *t, int *id)
{
	struct sigevent sev = {
		.sigev_notify = t->notify,
		.sigev_signo = cr_signo(t->sig),
		.sigev_value.sival_ptr = (void *)t->value,
	};

	if (t->notify == SIGEV_THREAD_ID)
		sev.sigev_notify_thread_id = gettid();
	return sys_timer_create(t->clock, t->default_sigevent ? NULL : &sev, id);
}

/*
 * Build cr_timers[] the way a program does, IDs handed out sequentially,
 * report on @ready and stay alive until @release is closed.
 */
static int checkpointed(int ready, int release)
{
	int i, next = 0, id;
	char c = 0;

	for (i = 0; i < ARRAY_SIZE(cr_timers); i++) {
		const struct cr_timer *t = &cr_timers[i];

		/* Far away IDs would take too long to reach, restore those */
		if (t->id > 10000) {
			CHILD_EXPECT(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0);
			id = t->id;
			CHILD_EXPECT(!create_cr_timer(t, &id));
			CHILD_EXPECT(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF) == 0);
			continue;
		}
		for (; next < t->id; next++) {
			id = create_id(0);
			CHILD_EXPECT(id == next);
			CHILD_EXPECT(!sys_timer_delete(id));
		}
		CHILD_EXPECT(!create_cr_timer(t, &id));
		CHILD_EXPECT(id == t->id);
		next++;
	}
	if (child_failures || write(ready, &c, 1) != 1)
		return 1;
	return read(release, &c, 1) == 0 ? 0 : 1;
}

static const char *notify_name(int notify)
{
	switch (notify & ~SIGEV_THREAD_ID) {
	case SIGEV_SIGNAL:	return "signal";
	case SIGEV_NONE:	return "none";
	case SIGEV_THREAD:	return "thread";
	}
	return "?";
}

/* Restore one /proc/$PID/timers entry, as a checkpoint/restore tool does */
static int restore_proc_timer(const struct proc_timer *p)
{
	struct sigevent sev = {
		.sigev_signo = p->signo,
		.sigev_value.sival_ptr = (void *)(uintptr_t)p->value,
	};
	int id = p->id;

	if (!strcmp(p->notify, "none"))
		sev.sigev_notify = SIGEV_NONE;
	else if (!strcmp(p->notify, "thread"))
		sev.sigev_notify = SIGEV_THREAD;
	else
		sev.sigev_notify = SIGEV_SIGNAL;
	if (!strcmp(p->target, "tid")) {
		sev.sigev_notify |= SIGEV_THREAD_ID;
		sev.sigev_notify_thread_id = gettid();
	}
	if (sys_timer_create(p->clock, &sev, &id))
		return -errno;
	return id;
}

/* Use a millisecond of CPU time, for the CPU time clocks */
static void burn_cpu(void)
{
	struct timespec start, now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000000000L +
		 now.tv_nsec - start.tv_nsec < 1000000);
}

/* Arm the restored timers which deliver a signal and check the signals */
static void check_restored_signals(void)
{
	struct itimerspec soon = { .it_value.tv_nsec = 1000000 };
	struct timespec start, now, tmo = { .tv_nsec = 10000000 };
	int i, nr = 0, got = 0;
	bool seen[ARRAY_SIZE(cr_timers)] = {};
	sigset_t set;

	sigemptyset(&set);
	for (i = 0; i < ARRAY_SIZE(cr_timers); i++)
		sigaddset(&set, cr_signo(cr_timers[i].sig));
	CHILD_EXPECT(!sigprocmask(SIG_BLOCK, &set, NULL));

	for (i = 0; i < ARRAY_SIZE(cr_timers); i++) {
		if (cr_timers[i].notify == SIGEV_NONE)
			continue;
		CHILD_EXPECT(!sys_timer_settime(cr_timers[i].id, 0, &soon, NULL));
		nr++;
	}

	/* The CPU time clocks need CPU time to expire */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < nr) {
		siginfo_t info;
		int sig;

		burn_cpu();
		sig = sigtimedwait(&set, &info, &tmo);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (sig < 0) {
			if (now.tv_sec - start.tv_sec > 20)
				break;
			continue;
		}
		CHILD_EXPECT(info.si_code == SI_TIMER);
		for (i = 0; i < ARRAY_SIZE(cr_timers); i++) {
			const struct cr_timer *t = &cr_timers[i];

			if (t->id != info.si_timerid)
				continue;
			CHILD_EXPECT(!seen[i]);
			CHILD_EXPECT(sig == cr_signo(t->sig));
			/* The default sigevent has the ID in sival_int */
			if (t->default_sigevent)
				CHILD_EXPECT(info.si_value.sival_int == t->id);
			else
				CHILD_EXPECT((unsigned long)info.si_value.sival_ptr == t->value);
			seen[i] = true;
			got++;
			break;
		}
		if (i == ARRAY_SIZE(cr_timers)) {
			ksft_print_msg("signal %d for unknown timer ID %d\n",
				       sig, info.si_timerid);
			child_failures++;
		}
	}
	CHILD_EXPECT(got == nr);
}

/* Recreate the timers from @img, then wait for @go and check the signals */
static int restored(const struct proc_timer *img, int nr, int ready, int go)
{
	char c = 0;
	int i;

	CHILD_EXPECT(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0);
	for (i = 0; i < nr; i++)
		CHILD_EXPECT(restore_proc_timer(&img[i]) == img[i].id);
	CHILD_EXPECT(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF) == 0);
	if (child_failures || write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 1;
	check_restored_signals();
	return child_failures ? 1 : 0;
}

static void expect_same_timers(struct __test_metadata *_metadata,
			       const struct proc_timer *a, pid_t a_pid,
			       const struct proc_timer *b, pid_t b_pid, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		EXPECT_EQ(a[i].id, b[i].id);
		EXPECT_EQ(a[i].signo, b[i].signo) TH_LOG("ID %d", a[i].id);
		EXPECT_EQ(a[i].value, b[i].value) TH_LOG("ID %d", a[i].id);
		EXPECT_STREQ(a[i].notify, b[i].notify) TH_LOG("ID %d", a[i].id);
		EXPECT_STREQ(a[i].target, b[i].target) TH_LOG("ID %d", a[i].id);
		EXPECT_EQ(a[i].clock, b[i].clock) TH_LOG("ID %d", a[i].id);
		/* Both targets are the process or its main thread */
		EXPECT_EQ(a[i].target_nr, a_pid) TH_LOG("ID %d", a[i].id);
		EXPECT_EQ(b[i].target_nr, b_pid) TH_LOG("ID %d", b[i].id);
	}
}

TEST_F(restore_proc, checkpoint_restore_round_trip_keeps_timers)
{
	struct proc_timer img[MAX_TIMERS], back[MAX_TIMERS];
	int release[2], ready[2], go[2], status, nr, i;
	pid_t cpt, rst;
	char c;

	ASSERT_EQ(restore_mode(PR_TIMER_CREATE_RESTORE_IDS_OFF), 0);

	/* Checkpoint */
	ASSERT_EQ(pipe(release), 0);
	ASSERT_EQ(pipe(ready), 0);
	cpt = fork();
	ASSERT_GE(cpt, 0);
	if (cpt == 0) {
		close(release[1]);
		close(ready[0]);
		_exit(checkpointed(ready[1], release[0]));
	}
	close(release[0]);
	close(ready[1]);
	EXPECT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);

	nr = parse_proc_timers(cpt, img, MAX_TIMERS);
	close(release[1]);
	ASSERT_EQ(waitpid(cpt, &status, 0), cpt);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(nr, ARRAY_SIZE(cr_timers));
	for (i = 0; i < nr; i++) {
		EXPECT_EQ(img[i].id, cr_timers[i].id);
		EXPECT_STREQ(img[i].notify, notify_name(cr_timers[i].notify));
	}

	/* Restore in a fresh process */
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
	fflush(stdout);
	rst = fork();
	ASSERT_GE(rst, 0);
	if (rst == 0) {
		close(ready[0]);
		close(go[1]);
		_exit(restored(img, nr, ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) == 1) {
		EXPECT_EQ(parse_proc_timers(rst, back, MAX_TIMERS), nr);
		expect_same_timers(_metadata, img, cpt, back, rst, nr);
		EXPECT_EQ(write(go[1], &c, 1), 1);
	}
	close(go[1]);
	close(ready[0]);
	ASSERT_EQ(waitpid(rst, &status, 0), rst);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], EXEC_CHECK_ARG))
		return exec_check();

	skip_without_posix_timers();
	/* Kernels before 6.15 do not know the option */
	if (restore_mode(PR_TIMER_CREATE_RESTORE_IDS_GET) < 0 && errno == EINVAL)
		ksft_exit_skip(NO_RESTORE_IDS "\n");
	return test_harness_run(argc, argv);
}
