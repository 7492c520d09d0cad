// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the POSIX timer ID allocator of kernel/time/posix-timers.c
 *
 * The suite runs posix_timer_add(), posix_timer_retire() and
 * posix_timer_erase_and_put() on an ID space which it owns: the xarray,
 * ID counter and retired timer of a signal_struct it allocates, so that
 * it can set the counter to any value. Covered: sequential IDs, the wrap
 * around after INT_MAX and the search for a free ID after it, required IDs
 * (restore mode), the retirement of deleted timers and that erasing every
 * timer leaves no xarray nodes behind.
 *
 * Not covered: exit_itimers() and the system calls, which need a real task
 * with timers on real clocks; the timers selftests cover those. -EAGAIN,
 * when all IDs are taken, would need 2^31 timers.
 *
 * The timers come from alloc_posix_timer(), each with its sigqueue charged to
 * RLIMIT_SIGPENDING of the test thread: a case takes up to 193 at once.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/posix-timers.h>
#include <linux/prctl.h>
#include <linux/sched/signal.h>
#include <linux/xarray.h>

#include "posix-timers.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

/**
 * struct ids_ctx - The state of one test case
 * @sig:	Owner of the ID space; only its timer ID fields are used
 * @loose:	Timer allocated but not (yet) in the ID space, or NULL
 */
struct ids_ctx {
	struct signal_struct sig;
	struct k_itimer *loose;
};

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
 * Do what do_timer_create() does after posix_timer_add() returned @id. If
 * the timer is not there, it_id is set to where it is, so that the exit
 * frees it without a warning about a corrupted ID space.
 */
static void take_id(struct kunit *test, struct k_itimer *tmr, int id)
{
	struct ids_ctx *ctx = test->priv;
	unsigned long index;
	void *entry;

	tmr->it_id = id;
	ctx->loose = NULL;
	if (xa_load(&ctx->sig.posix_timer_ids, id) != tmr) {
		ctx->loose = tmr;
		xa_for_each(&ctx->sig.posix_timer_ids, index, entry) {
			if (entry == tmr) {
				tmr->it_id = index;
				ctx->loose = NULL;
			}
		}
	}
	KUNIT_ASSERT_PTR_EQ(test, xa_load(&ctx->sig.posix_timer_ids, id), tmr);
}

/* Create a timer with the ID @req_id, or any with TIMER_ANY_ID */
static struct k_itimer *create_timer(struct kunit *test, timer_t req_id)
{
	struct k_itimer *tmr = alloc_timer(test);
	int id = posix_timer_add(test_sig(test), tmr, req_id);

	KUNIT_ASSERT_GE(test, id, 0);
	take_id(test, tmr, id);
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

/**
 * free_all_timers() - Erase and free every timer of an ID space
 * @sig:	The ID space
 *
 * Retires each timer as timer_delete() does, which parks the first one if
 * none is parked and erases the others at once, then erases the parked one
 * as exit_itimers() does. Returns with the xarray without entries.
 */
static void free_all_timers(struct signal_struct *sig)
{
	struct k_itimer *tmr;
	unsigned long id;

	xa_for_each(&sig->posix_timer_ids, id, tmr) {
		if (tmr != READ_ONCE(sig->posix_timer_retired))
			posix_timer_retire(sig, tmr);
	}
	tmr = xchg(&sig->posix_timer_retired, NULL);
	if (tmr)
		posix_timer_erase_and_put(sig, tmr);
}

static int ids_init(struct kunit *test)
{
	struct ids_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	xa_init_flags(&ctx->sig.posix_timer_ids, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	test->priv = ctx;
	return 0;
}

static void ids_exit(struct kunit *test)
{
	struct ids_ctx *ctx = test->priv;

	if (!ctx)
		return;
	if (ctx->loose)
		posixtimer_free_timer(ctx->loose);
	free_all_timers(&ctx->sig);
	xa_destroy(&ctx->sig.posix_timer_ids);
}

static void ids_follow_each_other_from_zero(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 0);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 1);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 2);
	KUNIT_EXPECT_EQ(test, test_sig(test)->next_posix_timer_id, 3U);
}

static void counter_wraps_to_zero_after_int_max(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);

	sig->next_posix_timer_id = INT_MAX;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, INT_MAX);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 0U);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 0);
}

static void search_after_a_wrap_skips_full_leaf_nodes(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	int i;

	/* Three full leaf nodes of XA_CHUNK_SIZE (64) slots */
	for (i = 0; i < 3 * 64; i++)
		KUNIT_ASSERT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, i);
	sig->next_posix_timer_id = 5;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 3 * 64);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 3U * 64 + 1);
}

static void search_wraps_around_to_zero(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	int i;

	create_timer(test, INT_MAX - 1);
	create_timer(test, INT_MAX);
	for (i = 0; i < 64; i++)
		create_timer(test, i);
	sig->next_posix_timer_id = INT_MAX - 1;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 64);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 65U);
}

static void taken_required_id_fails_and_changes_nothing(struct kunit *test)
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
		take_id(test, tmr, ret);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 20U);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&sig->posix_timer_ids, 7), taken);
	xa_for_each(&sig->posix_timer_ids, id, entry)
		KUNIT_EXPECT_PTR_NE(test, entry, tmr);
}

static void required_id_moves_the_counter_also_backwards(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);

	sig->next_posix_timer_id = 100;
	KUNIT_EXPECT_EQ(test, create_timer(test, 5)->it_id, 5);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 6U);
}

static void retired_timer_keeps_its_slot_until_the_next_create(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *old = create_timer(test, TIMER_ANY_ID);
	int old_id = old->it_id;

	posix_timer_retire(sig, old);
	KUNIT_EXPECT_PTR_EQ(test, sig->posix_timer_retired, old);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&sig->posix_timer_ids, old_id), old);

	/* @old is freed by RCU now: compare the pointer, do not follow it */
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, old_id + 1);
	KUNIT_EXPECT_NULL(test, xa_load(&sig->posix_timer_ids, old_id));
	KUNIT_EXPECT_NULL(test, sig->posix_timer_retired);
}

static void at_most_one_timer_is_retired(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *first = create_timer(test, TIMER_ANY_ID);
	struct k_itimer *second = create_timer(test, TIMER_ANY_ID);
	int first_id = first->it_id, second_id = second->it_id;

	posix_timer_retire(sig, first);
	posix_timer_retire(sig, second);
	KUNIT_EXPECT_PTR_EQ(test, sig->posix_timer_retired, first);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&sig->posix_timer_ids, first_id), first);
	KUNIT_EXPECT_NULL(test, xa_load(&sig->posix_timer_ids, second_id));
}

static void retired_timer_id_can_be_required_at_once(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *first = create_timer(test, TIMER_ANY_ID);

	create_timer(test, TIMER_ANY_ID);
	create_timer(test, TIMER_ANY_ID);
	posix_timer_retire(sig, first);
	KUNIT_EXPECT_EQ(test, create_timer(test, 0)->it_id, 0);
	KUNIT_EXPECT_NULL(test, sig->posix_timer_retired);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 1U);
}

static void search_after_a_wrap_finds_a_retired_id_free(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *timers[10];

	create_timers(test, timers, ARRAY_SIZE(timers));
	posix_timer_retire(sig, timers[5]);
	sig->next_posix_timer_id = 0;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 5);
	KUNIT_EXPECT_NULL(test, sig->posix_timer_retired);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 6U);
}

static void retired_timer_away_from_the_next_id_is_erased(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *timers[5];

	create_timers(test, timers, ARRAY_SIZE(timers));
	posix_timer_retire(sig, timers[2]);
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 5);
	KUNIT_EXPECT_NULL(test, xa_load(&sig->posix_timer_ids, 2));
	KUNIT_EXPECT_NULL(test, sig->posix_timer_retired);
}

static void automatic_id_can_take_the_retired_timer_slot(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *timers[5];

	create_timers(test, timers, ARRAY_SIZE(timers));
	posix_timer_retire(sig, timers[2]);
	/* As after a wrap around: the counter points at the retired timer */
	sig->next_posix_timer_id = 2;
	KUNIT_EXPECT_EQ(test, create_timer(test, TIMER_ANY_ID)->it_id, 2);
	KUNIT_EXPECT_NULL(test, sig->posix_timer_retired);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 3U);
}

static void taken_required_id_still_erases_the_retired_timer(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	struct k_itimer *timers[5], *tmr;
	int ret;

	create_timers(test, timers, ARRAY_SIZE(timers));
	posix_timer_retire(sig, timers[1]);
	tmr = alloc_timer(test);
	ret = posix_timer_add(sig, tmr, 3);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	if (ret >= 0)
		take_id(test, tmr, ret);
	KUNIT_EXPECT_EQ(test, sig->next_posix_timer_id, 5U);
	KUNIT_EXPECT_NULL(test, sig->posix_timer_retired);
	KUNIT_EXPECT_NULL(test, xa_load(&sig->posix_timer_ids, 1));
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&sig->posix_timer_ids, 3), timers[3]);
}

static void emptied_id_space_owns_no_nodes(struct kunit *test)
{
	struct signal_struct *sig = test_sig(test);
	unsigned long id, count = 0;
	struct k_itimer *tmr;
	void *entry;
	int i;

	/* A deep tree, and creations and deletions across two leaf nodes */
	create_timer(test, INT_MAX);
	for (i = 0; i < 130; i++) {
		tmr = create_timer(test, TIMER_ANY_ID);
		KUNIT_ASSERT_EQ(test, tmr->it_id, i);
		posix_timer_retire(sig, tmr);
	}
	xa_for_each(&sig->posix_timer_ids, id, entry)
		count++;
	KUNIT_EXPECT_EQ(test, count, 2UL);

	free_all_timers(sig);
	/* xa_empty() checks the head only: false while a node is linked in */
	KUNIT_EXPECT_TRUE(test, xa_empty(&sig->posix_timer_ids));
}

static struct kunit_case ids_cases[] = {
	KUNIT_CASE(ids_follow_each_other_from_zero),
	KUNIT_CASE(counter_wraps_to_zero_after_int_max),
	KUNIT_CASE(search_after_a_wrap_skips_full_leaf_nodes),
	KUNIT_CASE(search_wraps_around_to_zero),
	KUNIT_CASE(taken_required_id_fails_and_changes_nothing),
	KUNIT_CASE(required_id_moves_the_counter_also_backwards),
	KUNIT_CASE(retired_timer_keeps_its_slot_until_the_next_create),
	KUNIT_CASE(at_most_one_timer_is_retired),
	KUNIT_CASE(retired_timer_id_can_be_required_at_once),
	KUNIT_CASE(search_after_a_wrap_finds_a_retired_id_free),
	KUNIT_CASE(retired_timer_away_from_the_next_id_is_erased),
	KUNIT_CASE(automatic_id_can_take_the_retired_timer_slot),
	KUNIT_CASE(taken_required_id_still_erases_the_retired_timer),
	KUNIT_CASE(emptied_id_space_owns_no_nodes),
	{}
};

static struct kunit_suite ids_suite = {
	.name = "posix_timers_ids",
	.init = ids_init,
	.exit = ids_exit,
	.test_cases = ids_cases,
};

kunit_test_suite(ids_suite);

MODULE_DESCRIPTION("KUnit tests for the POSIX timer ID allocator");
MODULE_LICENSE("GPL");
