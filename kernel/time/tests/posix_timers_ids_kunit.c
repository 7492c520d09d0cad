// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the POSIX timer ID allocator of kernel/time/posix-timers.c
 *
 * The suite runs posix_timer_add() and posix_timer_erase_and_put() on an
 * ID space which it owns: the xarray and ID counter of a signal_struct it
 * allocates, so that it can set the counter to any value. Covered:
 * sequential IDs, the wrap around after INT_MAX and the search for a free
 * ID after it, required IDs (restore mode), that a deleted ID is not
 * handed out again before the wrap around, that erasing every timer
 * leaves no xarray nodes behind, and what the nodes of spread IDs charge
 * to RLIMIT_SIGPENDING, also past a limit which the suite lowers for the
 * test thread.
 *
 * Not covered: exit_itimers() and the system calls, which need a real task
 * with timers on real clocks; the timers selftests cover those. -EAGAIN,
 * when all IDs are taken, would need 2^31 timers; when a node cannot be
 * allocated, it needs fault injection (failslab) around a single call.
 *
 * The timers come from alloc_posix_timer(), each with its sigqueue charged to
 * RLIMIT_SIGPENDING of the test thread's user: a case takes up to
 * 3 * NODE_SLOTS + 1 at once. The thread of each case switches to a user
 * of its own, IDS_UID, so that the count it checks is the suite's alone,
 * unlike root's, which every process of root shares. That holds as long
 * as no process runs as IDS_UID, and the suite does not run twice at once
 * (from debugfs).
 */

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/limits.h>
#include <linux/posix-timers.h>
#include <linux/prctl.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "../posix-timers.h"

/* The slots of an xarray node: 64, or 16 with CONFIG_BASE_SMALL */
#define NODE_SLOTS	((int)XA_CHUNK_SIZE)
/* The levels of a tree for the IDs 0..INT_MAX: 6, or 8 */
#define LEVELS		DIV_ROUND_UP(31, XA_CHUNK_SHIFT)
/* The user of the test threads: a uid which no process is expected to have */
#define IDS_UID		KUIDT_INIT(0x7ffffffeU)

/**
 * struct ids_ctx - The state of one test case
 * @sig:	Owner of the ID space; only its timer ID fields are used
 * @loose:	Timer allocated but not (yet) in the ID space, or NULL
 * @ucounts:	The test thread's user, IDS_UID, also for the exit, which
 *		runs in another thread
 * @before:	Its RLIMIT_SIGPENDING count before the case
 */
struct ids_ctx {
	struct signal_struct sig;
	struct k_itimer *loose;
	struct ucounts *ucounts;
	long before;
};

/* The case's part of the RLIMIT_SIGPENDING count: its timers and nodes */
static long sigpending(struct kunit *test)
{
	struct ids_ctx *ctx = test->priv;

	return get_rlimit_value(ctx->ucounts, UCOUNT_RLIMIT_SIGPENDING) - ctx->before;
}

static struct signal_struct *test_sig(struct kunit *test)
{
	return &((struct ids_ctx *)test->priv)->sig;
}

/* Allocate a timer, which the suite's exit stores and frees on failure */
static struct k_itimer *alloc_timer(struct kunit *test)
{
	struct ids_ctx *ctx = test->priv;
	struct k_itimer *tmr = alloc_posix_timer();

	KUNIT_ASSERT_NOT_NULL(test, tmr);
	ctx->loose = tmr;
	return tmr;
}

/*
 * Set @tmr::it_id to where @tmr is in the ID space of @sig and return
 * true, or return false if it is not there. Lets the exit erase a timer
 * which posix_timer_add() stored at another ID than it returned, or under
 * a wrong it_id, without a warning about a corrupted ID space.
 */
static bool find_timer(struct signal_struct *sig, struct k_itimer *tmr)
{
	unsigned long index;
	void *entry;

	xa_for_each(&sig->posix_timer_ids, index, entry) {
		if (entry == tmr) {
			tmr->it_id = index;
			return true;
		}
	}
	return false;
}

/* Check that posix_timer_add() stored @tmr at @id and set its it_id */
static void check_stored(struct kunit *test, struct k_itimer *tmr, int id)
{
	struct ids_ctx *ctx = test->priv;
	int it_id = tmr->it_id;

	if (it_id != id || xa_load(&ctx->sig.posix_timer_ids, id) != tmr) {
		KUNIT_EXPECT_EQ(test, it_id, id);
		if (!find_timer(&ctx->sig, tmr))
			KUNIT_FAIL_AND_ABORT(test, "timer %d not in the ID space", id);
	}
	ctx->loose = NULL;
	KUNIT_ASSERT_PTR_EQ(test, xa_load(&ctx->sig.posix_timer_ids, id), tmr);
}

/* Create a timer with the ID @req_id, or any with TIMER_ANY_ID */
static struct k_itimer *create_timer(struct kunit *test, timer_t req_id)
{
	struct k_itimer *tmr = alloc_timer(test);
	int id = posix_timer_add(test_sig(test), tmr, req_id);

	KUNIT_ASSERT_GE(test, id, 0);
	check_stored(test, tmr, id);
	return tmr;
}

/* Create @n timers into @timers, with the IDs 0 to @n - 1 */
static void create_timers(struct kunit *test, struct k_itimer **timers, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		timers[i] = create_timer(test, TIMER_ANY_ID);
		KUNIT_ASSERT_EQ(test, timers[i]->it_id, i);
	}
}

/* Erase and free every timer of an ID space, as exit_itimers() does */
static void free_all_timers(struct signal_struct *sig)
{
	struct k_itimer *tmr;
	unsigned long id;

	xa_for_each(&sig->posix_timer_ids, id, tmr)
		posix_timer_erase_and_put(sig, tmr);
}

/*
 * Make IDS_UID the user of the case's thread, which init runs in too, the
 * way set_user() does, keeping the thread's capabilities: nothing under
 * test checks them. The sigqueues of its timers and the charge for their
 * nodes go to that user. The thread ends with the case, and its
 * credentials with it.
 */
static int switch_user(void)
{
	struct cred *cred = prepare_creds();
	struct user_struct *user;
	int ret;

	if (!cred)
		return -ENOMEM;
	cred->uid = IDS_UID;
	cred->euid = IDS_UID;
	cred->suid = IDS_UID;
	cred->fsuid = IDS_UID;
	/* The user counts the thread in RLIMIT_NPROC until it exits */
	user = alloc_uid(IDS_UID);
	if (!user) {
		abort_creds(cred);
		return -ENOMEM;
	}
	free_uid(cred->user);
	cred->user = user;
	ret = set_cred_ucounts(cred);
	if (ret) {
		abort_creds(cred);
		return ret;
	}
	commit_creds(cred);
	return 0;
}

static int ids_init(struct kunit *test)
{
	struct ids_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = switch_user();
	if (ret)
		return ret;
	ctx->ucounts = get_ucounts(current_ucounts());
	if (!ctx->ucounts)
		return -EOVERFLOW;
	ctx->before = get_rlimit_value(ctx->ucounts, UCOUNT_RLIMIT_SIGPENDING);
	/* As copy_signal() initializes it */
	xa_init_flags(&ctx->sig.posix_timer_ids, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	test->priv = ctx;
	return 0;
}

static void ids_exit(struct kunit *test)
{
	struct ids_ctx *ctx = test->priv;

	if (!ctx)
		return;
	/* Not if a failing posix_timer_add() stored it anyway */
	if (ctx->loose && !find_timer(&ctx->sig, ctx->loose))
		posixtimer_free_timer(ctx->loose);
	free_all_timers(&ctx->sig);
	xa_destroy(&ctx->sig.posix_timer_ids);
	/* Erasing every timer took back every charge, as in exit_itimers() */
	KUNIT_EXPECT_EQ(test, ctx->sig.posix_timer_count, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->sig.posix_timer_blocks, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->sig.posix_timer_charged, 0UL);
	KUNIT_EXPECT_NULL(test, ctx->sig.posix_timer_ucounts);
	KUNIT_EXPECT_EQ(test, sigpending(test), 0);
	put_ucounts(ctx->ucounts);
}

static void add_hands_out_sequential_ids_from_zero(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 0);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 1);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 2);
	KUNIT_EXPECT_EQ(test, test_sig(test)->next_posix_timer_id, 3U);
}

static void add_wraps_to_zero_after_int_max(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);

	sig->next_posix_timer_id = INT_MAX;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, INT_MAX);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 0);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 1U);
}

static void add_skips_free_ids_below_the_counter(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *below = NULL, *above = NULL, *tmr;
	int i;

	for (i = 0; i < 3 * NODE_SLOTS; i++) {
		tmr = create_timer(test, TIMER_ANY_ID);
		KUNIT_ASSERT_EQ(test, tmr->it_id, i);
		if (i == 2)
			below = tmr;
		else if (i == 2 * NODE_SLOTS + 7)
			above = tmr;
	}
	posix_timer_erase_and_put(sig, below);
	posix_timer_erase_and_put(sig, above);
	/* From a taken ID, past a full leaf, never back below the counter */
	sig->next_posix_timer_id = 5;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 2 * NODE_SLOTS + 7);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 3 * NODE_SLOTS);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 3U * NODE_SLOTS + 1);
}

static void add_search_wraps_around_to_zero(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	int i;

	create_timer(test, INT_MAX - 1);
	create_timer(test, INT_MAX);
	for (i = 0; i < NODE_SLOTS; i++)
		create_timer(test, i);
	sig->next_posix_timer_id = INT_MAX - 1;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, NODE_SLOTS);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, NODE_SLOTS + 1U);
}

static void add_taken_required_id_fails_and_changes_nothing(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *taken = create_timer(test, 7);
	struct k_itimer *tmr;
	unsigned long id;
	void *entry;
	int ret;

	sig->next_posix_timer_id = 20;
	tmr = alloc_timer(test);
	ret = posix_timer_add(sig, tmr, 7);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	if (ret >= 0)
		check_stored(test, tmr, ret);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 20U);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&sig->posix_timer_ids, 7), taken);
	xa_for_each(&sig->posix_timer_ids, id, entry)
		KUNIT_EXPECT_PTR_NE(test, entry, tmr);
}

static void add_required_id_moves_the_counter_also_backwards(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);

	sig->next_posix_timer_id = 100;
	KUNIT_EXPECT_EQ(test, create_timer(test, 5)->it_id, 5);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 6U);
}

static void add_required_int_max_wraps_the_counter_to_zero(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);

	sig->next_posix_timer_id = 10;
	create_timer(test, INT_MAX);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, (u32)INT_MAX + 1);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 0);
}

static void add_keeps_an_erased_id_until_the_wrap(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *timers[3];

	create_timers(test, timers, ARRAY_SIZE(timers));
	posix_timer_erase_and_put(sig, timers[1]);
	KUNIT_EXPECT_NULL(test, xa_load(&sig->posix_timer_ids, 1));
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 3);
}

static void add_required_takes_an_erased_id_at_once(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *timers[3];

	create_timers(test, timers, ARRAY_SIZE(timers));
	posix_timer_erase_and_put(sig, timers[0]);
	KUNIT_EXPECT_EQ(test, create_timer(test, 0)->it_id, 0);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 1U);
}

static void add_after_a_wrap_reuses_an_erased_id(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *timers[10];

	create_timers(test, timers, ARRAY_SIZE(timers));
	posix_timer_erase_and_put(sig, timers[5]);
	/* Past INT_MAX: the search wraps around to 0 */
	sig->next_posix_timer_id = (u32)INT_MAX + 1;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 5);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 6U);
}

static void erase_of_every_timer_frees_every_node(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	unsigned long id, count = 0;
	struct k_itimer *tmr;
	void *entry;
	int i;

	/* A deep tree, and creations and deletions across three leaf nodes */
	create_timer(test, INT_MAX);
	for (i = 0; i < 2 * NODE_SLOTS + 2; i++) {
		tmr = create_timer(test, TIMER_ANY_ID);
		KUNIT_ASSERT_EQ(test, tmr->it_id, i);
		posix_timer_erase_and_put(sig, tmr);
	}
	xa_for_each(&sig->posix_timer_ids, id, entry)
		count++;
	KUNIT_EXPECT_EQ(test, count, 1UL);

	free_all_timers(sig);
	/* xa_empty() checks the head only: false while a node is linked in */
	KUNIT_EXPECT_TRUE(test, xa_empty(&sig->posix_timer_ids));
}

/*
 * Check the blocks of the ID space and the units charged for them, also in
 * the RLIMIT_SIGPENDING count of the user: a unit per timer and @charged
 */
static void check_charge(struct kunit *test, unsigned long blocks, unsigned long charged)
{
	struct signal_struct *sig = test_sig(test);

	KUNIT_EXPECT_EQ(test, sig->posix_timer_blocks, blocks);
	KUNIT_EXPECT_EQ(test, sig->posix_timer_charged, charged);
	KUNIT_EXPECT_EQ(test, sigpending(test), (long)(sig->posix_timer_count + charged));
}

static void charge_of_dense_ids_is_zero(struct kunit *test)
{
	const int nr = 3 * NODE_SLOTS + 1;
	struct k_itimer **timers = kunit_kcalloc(test, nr, sizeof(*timers), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, timers);
	create_timers(test, timers, nr);
	/* Four leaves under one node: fewer than two per NODE_SLOTS timers */
	check_charge(test, LEVELS + 3, 0);
}

static void charge_of_spread_ids_is_a_unit_per_node(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *far;

	/* A tree of one timer is free, in whichever level it ends */
	create_timer(test, 0);
	check_charge(test, LEVELS, 0);
	create_timer(test, 1);
	check_charge(test, LEVELS, 0);
	/* The next leaf: a unit, as three timers get no free leaf */
	create_timer(test, NODE_SLOTS);
	check_charge(test, LEVELS + 1, 1);
	/* A leaf and a node above it of its own */
	far = create_timer(test, NODE_SLOTS * NODE_SLOTS);
	check_charge(test, LEVELS + 3, 3);

	posix_timer_erase_and_put(sig, far);
	check_charge(test, LEVELS + 1, 1);
	free_all_timers(sig);
	check_charge(test, 0, 0);
	KUNIT_EXPECT_EQ(test, sig->posix_timer_count, 0UL);
}

static void charge_past_the_limit_fails_and_leaves_nothing(struct kunit *test)
{
	struct rlimit *rlim = &current->signal->rlim[RLIMIT_SIGPENDING];
	struct signal_struct *sig = test_sig(test);
	unsigned long cur = rlim->rlim_cur;
	struct ids_ctx *ctx = test->priv;
	struct k_itimer *tmr;
	u32 next;

	/*
	 * Room for three timers and two units for nodes. The test runs in
	 * a kthread, a process of its own: nobody else reads its limits,
	 * which do_prlimit() writes under task_lock() of the group leader.
	 */
	task_lock(current->group_leader);
	rlim->rlim_cur = get_rlimit_value(ctx->ucounts, UCOUNT_RLIMIT_SIGPENDING) + 5;
	task_unlock(current->group_leader);
	create_timer(test, 0);
	/* A leaf and a node above it of its own: two units */
	create_timer(test, NODE_SLOTS * NODE_SLOTS);
	check_charge(test, LEVELS + 2, 2);

	/* Two more would be needed: refused, for a required ID */
	tmr = alloc_timer(test);
	next = sig->next_posix_timer_id;
	KUNIT_EXPECT_EQ(test, posix_timer_add(sig, tmr, 2 * NODE_SLOTS * NODE_SLOTS), -EAGAIN);
	KUNIT_EXPECT_NULL(test, xa_load(&sig->posix_timer_ids, 2 * NODE_SLOTS * NODE_SLOTS));
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, next);
	/* And for the counter, which then points to the refused ID */
	sig->next_posix_timer_id = 3 * NODE_SLOTS * NODE_SLOTS;
	KUNIT_EXPECT_EQ(test, posix_timer_add(sig, tmr, TIMER_ANY_ID), -EAGAIN);
	KUNIT_EXPECT_NULL(test, xa_load(&sig->posix_timer_ids, 3 * NODE_SLOTS * NODE_SLOTS));
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 3U * NODE_SLOTS * NODE_SLOTS);
	task_lock(current->group_leader);
	rlim->rlim_cur = cur;
	task_unlock(current->group_leader);

	KUNIT_EXPECT_EQ(test, sig->posix_timer_count, 2UL);
	KUNIT_EXPECT_EQ(test, sig->posix_timer_blocks, LEVELS + 2UL);
	KUNIT_EXPECT_EQ(test, sig->posix_timer_charged, 2UL);
	/* Two timers, two units for nodes, and the refused timer's sigqueue */
	KUNIT_EXPECT_EQ(test, sigpending(test), 5);
}

static struct kunit_case ids_cases[] = {
	KUNIT_CASE(add_hands_out_sequential_ids_from_zero),
	KUNIT_CASE(add_wraps_to_zero_after_int_max),
	KUNIT_CASE(add_skips_free_ids_below_the_counter),
	KUNIT_CASE(add_search_wraps_around_to_zero),
	KUNIT_CASE(add_taken_required_id_fails_and_changes_nothing),
	KUNIT_CASE(add_required_id_moves_the_counter_also_backwards),
	KUNIT_CASE(add_required_int_max_wraps_the_counter_to_zero),
	KUNIT_CASE(add_keeps_an_erased_id_until_the_wrap),
	KUNIT_CASE(add_required_takes_an_erased_id_at_once),
	KUNIT_CASE(add_after_a_wrap_reuses_an_erased_id),
	KUNIT_CASE(erase_of_every_timer_frees_every_node),
	KUNIT_CASE(charge_of_dense_ids_is_zero),
	KUNIT_CASE(charge_of_spread_ids_is_a_unit_per_node),
	KUNIT_CASE(charge_past_the_limit_fails_and_leaves_nothing),
	{}
};

static struct kunit_suite ids_suite = {
	.name = "posix_timers_ids",
	.init = ids_init,
	.exit = ids_exit,
	.test_cases = ids_cases,
};

kunit_test_suite(ids_suite);
