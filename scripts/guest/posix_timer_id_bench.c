// SPDX-License-Identifier: GPL-2.0
/*
 * The harness's benchmark of POSIX timer ID handling (scripts/bench, scripts/profile): the
 * rows of the cover letter's tables, timed in instructions under QEMU's instruction
 * counting. It was 12/13 of the series up to v4; v5 puts 'perf bench timer' in the kernel
 * instead (scripts/perf-bench), and keeps this one here, where it can stay precise about
 * what it measures. Built by scripts/initramfs with the applied tree's posix_timer_util.h.
 *
 * It reports numbers and never
 * judges them: the exit status only says whether every timer got the ID
 * it must have and every call succeeded.
 *
 * Each run of a row is a fresh child process, so that every run starts
 * with an empty ID space. Per value of a row it prints one line:
 *
 *   bench: NAME runs=N unit=ns|B median=M min=A max=B
 *
 * or "bench: NAME unsupported" when the kernel or the system lacks what
 * the row needs; other "bench:" lines are notes (the setup, and why the
 * memory rows are skipped).
 *
 * Rows (W workers: the number of online CPUs unless -w says otherwise;
 * P processes: 1000 unless -p says otherwise):
 *   create_20k, create_50k, create_100k
 *			one process creates N timers (create_N), then calls
 *			timer_getoverrun() on each of them in ascending order
 *			(getoverrun_N) and in a random order (getoverrun_rand_N)
 *   threads_create	W threads of one process create 20000 timers each
 *			(threads_create), then call timer_getoverrun() on
 *			each of their timers in ascending order
 *			(threads_getoverrun) and in a random order
 *			(threads_getoverrun_rand)
 *   procs_create	the same with W processes (procs_create,
 *			procs_getoverrun, procs_getoverrun_rand)
 *   threads_churn	W threads of one process create and delete a timer
 *			100000 times each
 *   procs_churn	the same with W processes
 *   many_procs		P processes with 4 timers each, all running at once:
 *			they create their timers (many_procs_create), call
 *			timer_getoverrun() 250 times on each
 *			(many_procs_getoverrun), then delete and create them
 *			again 25 times (many_procs_churn). The case of a
 *			global ID hash and lock against per process IDs.
 *   restore_prctl	restore the IDs 1000000 and 2000000 in restore mode
 *			(PR_TIMER_CREATE_RESTORE_IDS): the time of the two
 *			timer_create() calls, the mode switched on once,
 *			averaged over 1000 rounds (each deletes the two
 *			timers again, untimed)
 *   restore_loop	restore the same IDs by creating and deleting timers
 *			until each comes up, as checkpoint/restore tools do
 *			without the prctl
 *   plain_create	the time of two timer_create() calls without restore
 *			mode, averaged like restore_prctl, for reference
 *   cost_syscall	the time of getppid(), the system call which does
 *			least: what every value of the cost rows includes
 *   cost_low		the cost of each operation at IDs from 16: the mean
 *			time of a timer_create() and timer_delete() pair, one
 *			after the other, over 2000 pairs (cost_low_pair);
 *			then 2000 timers are created (cost_low_create), looked
 *			up by timer_gettime() (cost_low_gettime) and
 *			timer_getoverrun() (cost_low_getoverrun) in ascending
 *			order and deleted (cost_low_delete), the mean time
 *			per call of each
 *   cost_1e6		the same at IDs from 1000000, reached in restore
 *			mode or, without it, by the create/delete loop
 *   cost_2e30		the same at IDs from 2^30, which needs restore mode
 *			(the loop would take 2^30 rounds). Under QEMU with
 *			-icount shift=0 the times of these rows are numbers
 *			of instructions.
 *   neighbour_0, neighbour_20k, neighbour_60k
 *			a victim process creates 8 timers, then an unrelated
 *			process creates none, 20000 or 60000 and holds them,
 *			while the victim calls timer_gettime() on its timers in
 *			turn (neighbour_N_gettime) and creates and deletes a
 *			timer (neighbour_N_pair), 2000 times each: the mean
 *			time per call. What one process pays for the timers of
 *			another, with a global ID hash or none.
 *   neighbour_60k_after
 *			the same, but the victim creates its 8 timers after
 *			the neighbour created its 60000
 *   mem_dense		memory for 2048 timers with the IDs 0..2047, taken
 *			from memory.stat of a cgroup v2 memory controller
 *			group of the process that creates them: the growth
 *			of its reclaimable slab, which is the xarray nodes of
 *			the ID index (mem_dense, and per timer:
 *			mem_dense_per_timer), and of all its slab, which adds
 *			the timers themselves (mem_dense_slab_per_timer)
 *   mem_sparse		the same for 2048 timers with IDs 512 apart, placed
 *			in restore mode or, without it, by the create/delete
 *			loop
 *   mem_limit		the same for timers at the IDs i << 19, each with
 *			nodes of its own on three levels, created in restore
 *			mode by a process with RLIMIT_SIGPENDING 4096 in a
 *			user namespace of its own until timer_create() fails
 *			or 4096 timers exist: the growth of all its slab
 *			(mem_limit), per unit of the limit
 *			(mem_limit_per_unit) and of its reclaimable slab
 *			(mem_limit_nodes). A note gives the number of timers.
 *
 * Times are wall clock (CLOCK_MONOTONIC). Every timed row first creates
 * and deletes a few timers, untimed, so that no first call of a fresh
 * process is timed. The rows with several workers run their phases
 * between barriers; a phase lasts from the moment the first worker leaves
 * the barrier before it to the moment the last one is done with it (the
 * workers take the times themselves).
 *
 * The memory rows need cgroup v2 with the memory controller. The
 * benchmark uses the cgroup2 mount it finds, or mounts cgroup2 in a mount
 * namespace of its own; it enables the memory controller in the root
 * group if it is not, and disables it again at the end. It makes a group
 * per run below the root group, moves the process that creates the
 * timers into it, and removes it after the run. The counters of
 * memory.stat are flushed every two seconds and batched per CPU: the
 * benchmark drains the batches by allocating from another group on every
 * CPU and reads the counters every 2.2 seconds until they stay the same.
 * Without cgroup v2 or its memory controller, a note says why and the
 * memory rows are unsupported.
 *
 * The timers count against RLIMIT_SIGPENDING, which the benchmark raises
 * to unlimited (it runs as root in the test guest).
 *
 * Usage: posix_timer_id_bench [-r RUNS] [-l SLOW_RUNS] [-w WORKERS]
 *			       [-p PROCS] [ROW...]
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "posix_timer_util.h"

#define MAX_RUNS	100
#define MAX_VALUES	5
#define MAX_WORKERS	65536

#define WARMUP		16	/* untimed rounds before the timed ones */
#define ROUNDS		1000	/* timed rounds of restore_prctl, plain_create */
#define FEW_TIMERS	4	/* per process of many_procs */
#define FEW_LOOKUPS	250
#define FEW_CHURN	25
#define MEM_TIMERS	2048
/* mem_limit: RLIMIT_SIGPENDING, and the IDs i << 19 */
#define MEM_LIMIT	4096
#define MEM_LIMIT_SPACING	524288	/* 2^19 */
#define COST_TIMERS	2000	/* alive during the cost rows' lookups */
#define VICTIM_TIMERS	8	/* of the neighbour rows' victim */
#define SHUFFLE_SEED	0x9e3779b9u

#define WHY_LEN		256	/* of an explanation */
#define MNT_LEN		128	/* of the cgroup2 mount point */
#define CG_LEN		192	/* of the path of a group */

static const int restore_ids[] = { 1000000, 2000000 };

/* Result of one run, written by the child into shared memory */
struct run_result {
	int64_t val[MAX_VALUES];
	bool ok;
	bool unsupported;
	char why[WHY_LEN];
};

struct row {
	const char *name;
	void (*fn)(const struct row *row, struct run_result *res);
	int arg;
	bool slow;			/* runs -l times instead of -r times */
	const char *unit;		/* "ns" or "B" */
	const char *values[MAX_VALUES];	/* names of the values */
};

struct worker;

/* When a worker started and ended a timed phase */
struct span {
	int64_t start, end;
};

/*
 * Shared by the workers of a row and its main process. A worker goes
 * through the barriers of all phases whatever happens, so that nobody
 * waits forever. Each worker notes when it leaves a barrier and when it is
 * done with the phase that follows, in @span[worker * MAX_VALUES + phase].
 */
struct workers {
	pthread_barrier_t barrier[MAX_VALUES + 1];
	int nr_barriers, per_worker;
	void (*fn)(struct worker *me);
	int failed;
	char why[WHY_LEN];
	struct span span[];
};

/* One worker: its index and how many barriers it went through */
struct worker {
	struct workers *w;
	int idx, passed;
};

static int nr_workers, nr_procs = 1000;

static void fail(char *why, size_t len, const char *what, int nr)
{
	snprintf(why, len, "%s failed after %d timers: %s", what, nr, strerror(errno));
}

/* Create a SIGEV_NONE timer, with @id as the ID location */
static int create_none(int *id)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	return sys_timer_create(CLOCK_MONOTONIC, &sev, id);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * The first calls of a fresh process pay for faults and cold caches:
 * create and delete a few timers before anything is timed.
 */
static void warm_up(void)
{
	int i, id;

	now_ns();
	for (i = 0; i < WARMUP; i++)
		if (!create_none(&id))
			sys_timer_delete(id);
}

/* A random order of 0..@n-1, the same in every run and on every kernel */
static int *random_order(int n)
{
	uint32_t x = SHUFFLE_SEED;
	int *order = malloc(n * sizeof(*order));
	int i, j, t;

	if (!order)
		return NULL;
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		j = x % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	return order;
}

/*
 * Create @n timers, return the number created. Their IDs must be unique,
 * which the getoverrun pass checks: timer_getoverrun() of each must
 * succeed, and timer_delete() of all of them at exit would not find a
 * duplicate twice.
 */
static int create_timers(int *ids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (create_none(&ids[i]))
			break;
	return i;
}

/* timer_getoverrun() on @ids in @order (NULL: ascending), return the number done */
static int getoverrun_timers(const int *ids, const int *order, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (sys_timer_getoverrun(ids[order ? order[i] : i]) != 0)
			break;
	return i;
}

static void create_n(const struct row *row, struct run_result *res)
{
	int n = row->arg, *ids = calloc(n, sizeof(*ids)), *order = random_order(n), done;
	int64_t t0, t1, t2, t3;

	if (!ids || !order) {
		snprintf(res->why, sizeof(res->why), "out of memory");
		return;
	}
	warm_up();
	t0 = now_ns();
	done = create_timers(ids, n);
	if (done != n) {
		fail(res->why, sizeof(res->why), "timer_create", done);
		return;
	}
	t1 = now_ns();
	if (getoverrun_timers(ids, NULL, n) != n) {
		fail(res->why, sizeof(res->why), "timer_getoverrun", n);
		return;
	}
	t2 = now_ns();
	if (getoverrun_timers(ids, order, n) != n) {
		fail(res->why, sizeof(res->why), "timer_getoverrun (random order)", n);
		return;
	}
	t3 = now_ns();
	res->val[0] = t1 - t0;
	res->val[1] = t2 - t1;
	res->val[2] = t3 - t2;
	res->ok = true;
}

static void worker_failed(struct worker *me, const char *what, int nr)
{
	if (!__atomic_exchange_n(&me->w->failed, 1, __ATOMIC_SEQ_CST))
		fail(me->w->why, sizeof(me->w->why), what, nr);
}

/*
 * The next barrier: the end of a timed phase, the start of the next one.
 * The times are taken by the workers, not by the main process, which
 * would be one more process to schedule when there are more workers than
 * CPUs, and might take the time late.
 */
static void barrier(struct worker *me)
{
	struct span *span = &me->w->span[me->idx * MAX_VALUES];

	if (me->passed > 0)
		span[me->passed - 1].end = now_ns();
	pthread_barrier_wait(&me->w->barrier[me->passed++]);
	if (me->passed < me->w->nr_barriers)
		span[me->passed - 1].start = now_ns();
}

/* Phases: create, getoverrun ascending, getoverrun random */
static void create_worker(struct worker *me)
{
	int n = me->w->per_worker, *ids = calloc(n, sizeof(*ids)), *order = random_order(n);
	int done;

	warm_up();
	if (!ids || !order) {
		worker_failed(me, "calloc", 0);
		return;
	}
	barrier(me);
	done = create_timers(ids, n);
	if (done != n) {
		worker_failed(me, "timer_create", done);
		return;
	}
	barrier(me);
	if (getoverrun_timers(ids, NULL, n) != n) {
		worker_failed(me, "timer_getoverrun", n);
		return;
	}
	barrier(me);
	if (getoverrun_timers(ids, order, n) != n)
		worker_failed(me, "timer_getoverrun (random order)", n);
	/* The timers are deleted by the exit of the process, not timed */
}

/* One phase: create and delete a timer again and again */
static void churn_worker(struct worker *me)
{
	int i, id;

	warm_up();
	barrier(me);
	for (i = 0; i < me->w->per_worker; i++) {
		if (create_none(&id)) {
			worker_failed(me, "timer_create", i);
			return;
		}
		if (sys_timer_delete(id)) {
			worker_failed(me, "timer_delete", i);
			return;
		}
	}
}

/* Phases: create a few timers, look them up, delete and create them again */
static void few_worker(struct worker *me)
{
	int ids[FEW_TIMERS], i, r, done;

	warm_up();
	barrier(me);
	done = create_timers(ids, FEW_TIMERS);
	if (done != FEW_TIMERS) {
		worker_failed(me, "timer_create", done);
		return;
	}
	barrier(me);
	for (r = 0; r < FEW_LOOKUPS; r++) {
		if (getoverrun_timers(ids, NULL, FEW_TIMERS) != FEW_TIMERS) {
			worker_failed(me, "timer_getoverrun", FEW_TIMERS);
			return;
		}
	}
	barrier(me);
	for (r = 0; r < FEW_CHURN; r++) {
		for (i = 0; i < FEW_TIMERS; i++) {
			if (sys_timer_delete(ids[i]) || create_none(&ids[i])) {
				worker_failed(me, "timer_delete/timer_create", FEW_TIMERS);
				return;
			}
		}
	}
}

/*
 * A worker: its phases, then the barriers it did not reach. The last
 * barrier keeps the timers of all workers until all are done.
 */
static void *worker_main(void *arg)
{
	struct worker *me = arg;

	me->w->fn(me);
	while (me->passed < me->w->nr_barriers)
		barrier(me);
	return NULL;
}

/*
 * Run @fn in @nr threads of this process (@procs false) or in as many
 * child processes. The values of @row are the phases between the
 * barriers, each from the moment the first worker leaves a barrier to the
 * moment the last one is done. If a worker cannot be started or a worker
 * process dies, the others are killed (threads end with this process) and
 * the run fails.
 */
static void run_workers(const struct row *row, struct run_result *res,
			void (*fn)(struct worker *me), bool procs, int nr)
{
	size_t size = sizeof(struct workers) + sizeof(struct span) * MAX_VALUES * nr;
	int i, k, err = 0, started, status = 0;
	pthread_barrierattr_t attr;
	pthread_t *threads = NULL;
	struct worker *me = NULL;
	pid_t *pids = NULL, parent = getpid();
	struct workers *w;
	struct span *span;

	w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (procs) {
		pids = calloc(nr, sizeof(*pids));
	} else {
		threads = calloc(nr, sizeof(*threads));
		me = calloc(nr, sizeof(*me));
	}
	if (w == MAP_FAILED || (!pids && (!threads || !me))) {
		snprintf(res->why, sizeof(res->why), "out of memory for %d workers", nr);
		return;
	}
	w->per_worker = row->arg;
	w->fn = fn;
	for (w->nr_barriers = 1; w->nr_barriers <= MAX_VALUES; w->nr_barriers++)
		if (!row->values[w->nr_barriers - 1])
			break;
	pthread_barrierattr_init(&attr);
	pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	for (i = 0; i < w->nr_barriers; i++) {
		err = pthread_barrier_init(&w->barrier[i], &attr, nr);
		if (err) {
			snprintf(res->why, sizeof(res->why), "pthread_barrier_init: %s",
				 strerror(err));
			return;
		}
	}

	for (started = 0; started < nr; started++) {
		if (procs) {
			struct worker self = { .w = w, .idx = started };
			pid_t pid = fork();

			if (pid < 0) {
				err = errno;
				break;
			}
			if (!pid) {
				/* Do not outlive the run */
				if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
					_exit(1);
				worker_main(&self);
				_exit(0);
			}
			pids[started] = pid;
		} else {
			me[started] = (struct worker){ .w = w, .idx = started };
			err = pthread_create(&threads[started], NULL, worker_main, &me[started]);
			if (err)
				break;
		}
	}
	if (started < nr) {
		snprintf(res->why, sizeof(res->why), "cannot start worker %d of %d: %s",
			 started + 1, nr, strerror(err));
		for (i = 0; i < started && procs; i++)
			kill(pids[i], SIGKILL);
		for (i = 0; i < started && procs; i++)
			waitpid(pids[i], NULL, 0);
		_exit(1);
	}

	for (i = 0; i < nr; i++) {
		if (!procs) {
			pthread_join(threads[i], NULL);
			continue;
		}
		/*
		 * A worker that dies leaves the others on a barrier: end the
		 * run, and PR_SET_PDEATHSIG ends them.
		 */
		if (waitpid(-1, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			snprintf(res->why, sizeof(res->why), "a worker %s %d",
				 WIFSIGNALED(status) ? "was killed by signal" : "exited with",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			_exit(1);
		}
	}
	if (w->failed) {
		memcpy(res->why, w->why, sizeof(res->why));
		return;
	}
	for (k = 0; k < w->nr_barriers - 1; k++) {
		int64_t start = INT64_MAX, end = INT64_MIN;

		for (i = 0; i < nr; i++) {
			span = &w->span[i * MAX_VALUES + k];
			if (span->start < start)
				start = span->start;
			if (span->end > end)
				end = span->end;
		}
		res->val[k] = end - start;
	}
	res->ok = true;
}

static void threads_create(const struct row *row, struct run_result *res)
{
	run_workers(row, res, create_worker, false, nr_workers);
}

static void procs_create(const struct row *row, struct run_result *res)
{
	run_workers(row, res, create_worker, true, nr_workers);
}

static void threads_churn(const struct row *row, struct run_result *res)
{
	run_workers(row, res, churn_worker, false, nr_workers);
}

static void procs_churn(const struct row *row, struct run_result *res)
{
	run_workers(row, res, churn_worker, true, nr_workers);
}

static void many_procs(const struct row *row, struct run_result *res)
{
	run_workers(row, res, few_worker, true, nr_procs);
}

static bool restore_mode(void)
{
	return !prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON, 0, 0, 0);
}

/*
 * Rounds of creating two timers, timed, and deleting them, untimed: in
 * restore mode with the IDs @want, or without it. The first WARMUP rounds
 * are not timed. Returns the mean time of a timed round, -1 on a failure.
 */
static int64_t create_rounds(const int *want, struct run_result *res)
{
	int i, k, id[2], next = 0;
	int64_t t0, t1, sum = 0;

	for (i = -WARMUP; i < ROUNDS; i++) {
		for (k = 0; k < 2; k++)
			id[k] = want ? want[k] : 0;
		t0 = now_ns();
		if (create_none(&id[0]) || create_none(&id[1])) {
			fail(res->why, sizeof(res->why), "timer_create", i + WARMUP);
			return -1;
		}
		t1 = now_ns();
		/* Without restore mode the IDs follow each other from 0 */
		for (k = 0; k < 2; k++) {
			if (id[k] != (want ? want[k] : next + k)) {
				snprintf(res->why, sizeof(res->why),
					 "round %d: ID %d, expected %d", i + WARMUP, id[k],
					 want ? want[k] : next + k);
				return -1;
			}
		}
		next += 2;
		if (sys_timer_delete(id[0]) || sys_timer_delete(id[1])) {
			fail(res->why, sizeof(res->why), "timer_delete", i + WARMUP);
			return -1;
		}
		if (i >= 0)
			sum += t1 - t0;
	}
	return sum / ROUNDS;
}

static void restore_prctl(const struct row *row __attribute__((unused)), struct run_result *res)
{
	if (!restore_mode()) {
		res->unsupported = true;
		return;
	}
	res->val[0] = create_rounds(restore_ids, res);
	res->ok = res->val[0] >= 0;
}

static void plain_create(const struct row *row __attribute__((unused)), struct run_result *res)
{
	res->val[0] = create_rounds(NULL, res);
	res->ok = res->val[0] >= 0;
}

/*
 * Create and delete timers until @want comes up and keep that one. Returns
 * false when the kernel does not hand out the IDs one after the other.
 */
static bool create_by_loop(int want)
{
	int id, expect = -1;

	for (;;) {
		if (create_none(&id))
			return false;
		if (expect >= 0 && id != expect)
			return false;
		if (id == want)
			return true;
		if (id > want || sys_timer_delete(id))
			return false;
		expect = id + 1;
	}
}

static void restore_loop(const struct row *row __attribute__((unused)), struct run_result *res)
{
	int64_t t0;
	int i;

	warm_up();
	t0 = now_ns();
	for (i = 0; i < 2; i++)
		if (!create_by_loop(restore_ids[i]))
			return;
	res->val[0] = now_ns() - t0;
	res->ok = true;
}

/* The time of one getppid(), averaged over COST_TIMERS calls */
static void cost_syscall(const struct row *row __attribute__((unused)), struct run_result *res)
{
	int64_t t0;
	int i;

	warm_up();
	t0 = now_ns();
	for (i = 0; i < COST_TIMERS; i++)
		syscall(SYS_getppid);
	res->val[0] = (now_ns() - t0) / COST_TIMERS;
	res->ok = true;
}

/*
 * Move the ID counter to @first: the next timer gets that ID. In restore
 * mode, by creating and deleting a timer with the ID before it; without,
 * by the create/delete loop, unless that takes too long.
 */
static bool cost_start(int first, struct run_result *res)
{
	int id = first - 1;

	if (first <= WARMUP)
		return true;
	if (restore_mode()) {
		if (create_none(&id) || id != first - 1 ||
		    prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_OFF, 0, 0, 0)) {
			fail(res->why, sizeof(res->why), "timer_create in restore mode", 0);
			return false;
		}
	} else if (first > restore_ids[0]) {
		res->unsupported = true;
		return false;
	} else if (!create_by_loop(first - 1)) {
		snprintf(res->why, sizeof(res->why), "the create/delete loop to ID %d failed",
			 first - 1);
		return false;
	}
	if (sys_timer_delete(id)) {
		fail(res->why, sizeof(res->why), "timer_delete", 0);
		return false;
	}
	return true;
}

/*
 * The mean time per call of each operation, at IDs from row->arg on:
 * create+delete pairs, then COST_TIMERS creates, lookups and deletes. Each
 * new timer must get the ID after the one before.
 */
static void cost_ops(const struct row *row, struct run_result *res)
{
	int i, id, expect = row->arg > WARMUP ? row->arg : WARMUP, *ids;
	struct itimerspec its;
	int64_t t[6];

	ids = calloc(COST_TIMERS, sizeof(*ids));
	if (!ids) {
		snprintf(res->why, sizeof(res->why), "out of memory");
		return;
	}
	warm_up();
	if (!cost_start(row->arg, res))
		return;
	t[0] = now_ns();
	for (i = 0; i < COST_TIMERS; i++, expect++) {
		if (create_none(&id) || id != expect || sys_timer_delete(id)) {
			fail(res->why, sizeof(res->why), "create+delete pair", i);
			return;
		}
	}
	t[1] = now_ns();
	for (i = 0; i < COST_TIMERS; i++, expect++) {
		if (create_none(&ids[i]) || ids[i] != expect) {
			fail(res->why, sizeof(res->why), "timer_create", i);
			return;
		}
	}
	t[2] = now_ns();
	for (i = 0; i < COST_TIMERS; i++) {
		if (sys_timer_gettime(ids[i], &its)) {
			fail(res->why, sizeof(res->why), "timer_gettime", i);
			return;
		}
	}
	t[3] = now_ns();
	if (getoverrun_timers(ids, NULL, COST_TIMERS) != COST_TIMERS) {
		fail(res->why, sizeof(res->why), "timer_getoverrun", COST_TIMERS);
		return;
	}
	t[4] = now_ns();
	for (i = 0; i < COST_TIMERS; i++) {
		if (sys_timer_delete(ids[i])) {
			fail(res->why, sizeof(res->why), "timer_delete", i);
			return;
		}
	}
	t[5] = now_ns();
	for (i = 0; i < 5; i++)
		res->val[i] = (t[i + 1] - t[i]) / COST_TIMERS;
	res->ok = true;
}

/* Close *@fd if it is open, and mark it closed */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Fork a helper process for @row which runs @fn with its ends of the pipes
 * @go and @done, and which dies with its parent; @fn does not return. The
 * parent keeps go[1] and done[0], the other ends are -1. Returns the
 * helper's pid, or -1 with @res->why set and no pipe left open.
 */
static pid_t fork_helper(const struct row *row, struct run_result *res, int go[2],
			 int done[2], void (*fn)(const struct row *row, int go, int done))
{
	pid_t parent = getpid(), pid = -1;

	go[0] = -1;
	go[1] = -1;
	done[0] = -1;
	done[1] = -1;
	if (pipe(go) || pipe(done)) {
		snprintf(res->why, sizeof(res->why), "pipe: %s", strerror(errno));
	} else {
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			snprintf(res->why, sizeof(res->why), "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		close(go[1]);
		close(done[0]);
		fn(row, go[0], done[1]);
	}
	close_fd(&go[0]);
	close_fd(&done[1]);
	if (pid < 0) {
		close_fd(&go[1]);
		close_fd(&done[0]);
	}
	return pid;
}

/*
 * The neighbour of the neighbour_* rows: create @row->arg timers, report
 * how many on @done, then hold them, blocked, until @go is closed.
 */
static void neighbour_timers(const struct row *row, int go, int done)
{
	int n = row->arg, *ids = n ? calloc(n, sizeof(*ids)) : NULL;
	char c;

	n = n && !ids ? -1 : create_timers(ids, n);
	if (write(done, &n, sizeof(n)) != sizeof(n))
		_exit(1);
	while (read(go, &c, 1) > 0)
		;
	_exit(0);
}

/*
 * A victim process with VICTIM_TIMERS timers while an unrelated process
 * holds @row->arg timers: the mean time of a timer_gettime() of the
 * victim's timers, in turn, and of a timer_create() and timer_delete()
 * pair, over COST_TIMERS calls each. The victim creates its timers before
 * the neighbour starts, or with @victim_last after the neighbour
 * created its timers; the neighbour is forked in either case, also when
 * it creates none. With a global ID hash the neighbour's timers share the
 * victim's buckets, and a bucket's newest timers come first in its
 * chain; with an ID space per process they share nothing.
 */
static void neighbour_cost(const struct row *row, struct run_result *res, bool victim_last)
{
	int ids[VICTIM_TIMERS], go[2], done[2], i, id, n = -1, status;
	struct itimerspec its;
	pid_t pid;
	int64_t t[3];

	warm_up();
	if (!victim_last && create_timers(ids, VICTIM_TIMERS) != VICTIM_TIMERS) {
		fail(res->why, sizeof(res->why), "timer_create", 0);
		return;
	}
	pid = fork_helper(row, res, go, done, neighbour_timers);
	if (pid < 0)
		return;
	if (read(done[0], &n, sizeof(n)) != sizeof(n) || n != row->arg) {
		snprintf(res->why, sizeof(res->why),
			 "the neighbour created %d of %d timers", n, row->arg);
		goto out;
	}
	if (victim_last && create_timers(ids, VICTIM_TIMERS) != VICTIM_TIMERS) {
		fail(res->why, sizeof(res->why), "timer_create", 0);
		goto out;
	}
	t[0] = now_ns();
	for (i = 0; i < COST_TIMERS; i++) {
		if (sys_timer_gettime(ids[i % VICTIM_TIMERS], &its)) {
			fail(res->why, sizeof(res->why), "timer_gettime", i);
			goto out;
		}
	}
	t[1] = now_ns();
	for (i = 0; i < COST_TIMERS; i++) {
		if (create_none(&id) || sys_timer_delete(id)) {
			fail(res->why, sizeof(res->why), "create+delete pair", i);
			goto out;
		}
	}
	t[2] = now_ns();
	res->val[0] = (t[1] - t[0]) / COST_TIMERS;
	res->val[1] = (t[2] - t[1]) / COST_TIMERS;
	res->ok = true;
out:
	close(go[1]);
	close(done[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		res->ok = false;
}

/* The victim's timers first */
static void neighbour_row(const struct row *row, struct run_result *res)
{
	neighbour_cost(row, res, false);
}

/* The victim's timers after the neighbour's */
static void neighbour_after_row(const struct row *row, struct run_result *res)
{
	neighbour_cost(row, res, true);
}

/* The cgroup v2 setup of the memory rows, made once by main() */
static struct {
	bool ok;
	char why[WHY_LEN];
	char mnt[MNT_LEN];	/* where cgroup2 is mounted */
	char drain[CG_LEN];	/* a group to drain the per CPU batches from */
	bool mounted;		/* by us, in a mount namespace of our own */
	bool enabled;		/* the memory controller, by us */
	cpu_set_t *cpus;	/* the CPUs to drain */
	size_t cpus_size;
	int nr_cpus;
} memcg;

static int read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < size - 1 && (got = read(fd, buf + len, size - 1 - len)) > 0)
		len += got;
	close(fd);
	buf[len] = '\0';
	return len;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != len)
		ret = -1;
	if (close(fd))
		ret = -1;
	return ret;
}

/* Whether the word @word is in the space separated list @list */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ') &&
		    (!p[len] || p[len] == ' ' || p[len] == '\n'))
			return true;
	return false;
}

/* Find a mount of the whole cgroup2 hierarchy in /proc/self/mountinfo */
static bool find_cgroup2(char *mnt, size_t size)
{
	char line[4096], root[1024], point[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (!strstr(line, " - cgroup2 ") ||
		    sscanf(line, "%*d %*d %*s %1023s %1023s", root, point) != 2)
			continue;
		if (!strcmp(root, "/") && strlen(point) < size) {
			snprintf(mnt, size, "%s", point);
			found = true;
		}
	}
	fclose(f);
	return found;
}

#define memcg_unavailable(fmt, ...) \
	snprintf(memcg.why, sizeof(memcg.why), fmt, ##__VA_ARGS__)

static void memcg_setup(void)
{
	char path[CG_LEN], list[512];
	int i, nr_conf;

	if (!find_cgroup2(memcg.mnt, sizeof(memcg.mnt))) {
		snprintf(memcg.mnt, sizeof(memcg.mnt), "/tmp/posix_timer_id_bench.XXXXXX");
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
			memcg_unavailable("no cgroup2 mount, and no mount namespace: %s",
					  strerror(errno));
			return;
		}
		if (!mkdtemp(memcg.mnt)) {
			memcg_unavailable("no cgroup2 mount, and no directory for one: %s",
					  strerror(errno));
			return;
		}
		if (mount("cgroup2", memcg.mnt, "cgroup2", 0, NULL)) {
			memcg_unavailable("cannot mount cgroup2: %s", strerror(errno));
			rmdir(memcg.mnt);
			return;
		}
		memcg.mounted = true;
		printf("bench: memcg: mounted cgroup2 at %s, in a mount namespace of its own\n",
		       memcg.mnt);
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", memcg.mnt);
	if (read_text(path, list, sizeof(list)) < 0) {
		memcg_unavailable("cannot read %s: %s", path, strerror(errno));
		return;
	}
	if (!has_word(list, "memory")) {
		list[strcspn(list, "\n")] = '\0';
		memcg_unavailable("cgroup2 at %s has no memory controller (controllers: %.60s)",
				  memcg.mnt, list[0] ? list : "none");
		return;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", memcg.mnt);
	if (read_text(path, list, sizeof(list)) < 0 ||
	    (!has_word(list, "memory") && write_text(path, "+memory"))) {
		memcg_unavailable("cannot enable the memory controller in %s: %s", path,
				  strerror(errno));
		return;
	}
	memcg.enabled = !has_word(list, "memory");

	snprintf(memcg.drain, sizeof(memcg.drain), "%s/posix_timer_id_bench.%d.drain",
		 memcg.mnt, getpid());
	if (mkdir(memcg.drain, 0755)) {
		memcg_unavailable("cannot make %s: %s", memcg.drain, strerror(errno));
		memcg.drain[0] = '\0';
		return;
	}

	nr_conf = sysconf(_SC_NPROCESSORS_CONF);
	if (nr_conf < 1)
		nr_conf = 1;
	memcg.nr_cpus = nr_conf;
	memcg.cpus = CPU_ALLOC(nr_conf);
	memcg.cpus_size = CPU_ALLOC_SIZE(nr_conf);
	if (!memcg.cpus || sched_getaffinity(0, memcg.cpus_size, memcg.cpus)) {
		memcg_unavailable("cannot get the CPUs to run on: %s", strerror(errno));
		return;
	}
	for (i = 0; i < nr_conf; i++)
		if (CPU_ISSET_S(i, memcg.cpus_size, memcg.cpus))
			break;
	memcg.ok = i < nr_conf;
	if (!memcg.ok)
		memcg_unavailable("no CPU to run on");
}

static void memcg_cleanup(void)
{
	char path[CG_LEN];

	if (memcg.drain[0])
		rmdir(memcg.drain);
	if (memcg.enabled) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", memcg.mnt);
		write_text(path, "-memory");
	}
	if (memcg.mounted && !umount(memcg.mnt))
		rmdir(memcg.mnt);
}

/* Move the calling process (@pid 0) or @pid into the group @cg */
static int cgroup_move(const char *cg, pid_t pid)
{
	char path[CG_LEN + 16], text[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(text, sizeof(text), "%d", pid);
	return write_text(path, text);
}

/* slab_reclaimable and slab_unreclaimable of memory.stat of @cg */
static int memcg_slab(const char *cg, int64_t slab[2])
{
	static const char * const keys[] = { "\nslab_reclaimable ", "\nslab_unreclaimable " };
	char path[CG_LEN + 16], text[16384] = "\n";
	const char *p;
	int k;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	if (read_text(path, text + 1, sizeof(text) - 1) < 0)
		return -1;
	for (k = 0; k < 2; k++) {
		p = strstr(text, keys[k]);
		if (!p)
			return -1;
		slab[k] = strtoll(p + strlen(keys[k]), NULL, 10);
	}
	return 0;
}

/*
 * A slab object a group allocates or frees is counted in a batch of the
 * CPU until the batch holds a page or another group allocates there. Have
 * a process of another group allocate a timer on every CPU.
 */
static void memcg_drain(void)
{
	cpu_set_t *one = CPU_ALLOC(memcg.nr_cpus);
	int i, id;
	pid_t pid;

	if (!one)
		return;
	pid = fork();
	if (pid == 0) {
		if (cgroup_move(memcg.drain, 0))
			_exit(1);
		for (i = 0; i < memcg.nr_cpus; i++) {
			if (!CPU_ISSET_S(i, memcg.cpus_size, memcg.cpus))
				continue;
			CPU_ZERO_S(memcg.cpus_size, one);
			CPU_SET_S(i, memcg.cpus_size, one);
			if (!sched_setaffinity(0, memcg.cpus_size, one) && !create_none(&id))
				sys_timer_delete(id);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	CPU_FREE(one);
}

/*
 * memcg_slab() once the counters stay the same: drained batches, and a
 * periodic flush (every 2 s) between two readings. -1 if they do not
 * settle within a minute.
 */
static int memcg_slab_settled(const char *cg, int64_t slab[2])
{
	struct timespec pause = { 2, 200 * 1000 * 1000 };
	int64_t last[2] = { -1, -1 };
	int i;

	for (i = 0; i < 30; i++) {
		memcg_drain();
		nanosleep(&pause, NULL);
		if (memcg_slab(cg, slab))
			return -1;
		if (slab[0] == last[0] && slab[1] == last[1])
			return 0;
		last[0] = slab[0];
		last[1] = slab[1];
	}
	return -1;
}

/*
 * The process that creates the timers of a memory row, in a group of its
 * own: it waits for a byte on @go, creates them, reports with a byte on
 * @done (1: all created, else @res->why says why) and waits for @go to
 * close.
 */
/*
 * The process of the mem_ rows, in its group: on the first byte on @go it
 * creates the timers of @row, writes their number to @done, or -1 on a
 * failure, and exits when @go is closed.
 */
static void mem_timers(const struct row *row, int go, int done)
{
	int i, id, n = -1, spacing = row->arg;
	bool restore = false;
	char c = 0;

	if (read(go, &c, 1) != 1)
		_exit(1);
	if (spacing == MEM_LIMIT_SPACING) {
		struct rlimit rl = { MEM_LIMIT, MEM_LIMIT };

		/* A count of its own, which no other process of the user changes */
		if (unshare(CLONE_NEWUSER) || setrlimit(RLIMIT_SIGPENDING, &rl) ||
		    !restore_mode())
			goto out;
		for (n = 0; n < MEM_LIMIT; n++) {
			id = n * spacing;
			if (create_none(&id))
				break;
			if (id != n * spacing)
				goto fail;
		}
		if (n < MEM_LIMIT && errno != EAGAIN)
			n = -1;
		goto out;
	}
	if (spacing > 1)
		restore = restore_mode();
	for (i = 0; i < MEM_TIMERS; i++) {
		id = i * spacing;
		if (restore ? create_none(&id) || id != i * spacing : !create_by_loop(id))
			goto fail;
	}
	n = MEM_TIMERS;
	goto out;
fail:
	n = -1;
out:
	if (write(done, &n, sizeof(n)) != sizeof(n))
		_exit(1);
	while (read(go, &c, 1) > 0)
		;
	_exit(0);
}

/* Timers with IDs @row->arg apart: growth of the slab of their group */
static void mem_index(const struct row *row, struct run_result *res)
{
	int go[2], done[2], i, status, n = 0;
	int64_t before[2], after[2];
	char cg[CG_LEN], c = 0;
	pid_t pid;

	if (!memcg.ok) {
		res->unsupported = true;
		return;
	}
	snprintf(cg, sizeof(cg), "%s/posix_timer_id_bench.%d", memcg.mnt, getpid());
	if (mkdir(cg, 0755)) {
		snprintf(res->why, sizeof(res->why), "cannot make %s: %s", cg, strerror(errno));
		return;
	}
	pid = fork_helper(row, res, go, done, mem_timers);
	if (pid < 0)
		goto out;
	if (cgroup_move(cg, pid)) {
		snprintf(res->why, sizeof(res->why), "cannot move into %s: %s", cg,
			 strerror(errno));
	} else if (memcg_slab(cg, before)) {
		snprintf(res->why, sizeof(res->why), "cannot read %s/memory.stat", cg);
	} else if (write(go[1], &c, 1) != 1 || read(done[0], &n, sizeof(n)) != sizeof(n) ||
		   n <= 0) {
		snprintf(res->why, sizeof(res->why), "the timer process failed");
	} else if (memcg_slab_settled(cg, after)) {
		snprintf(res->why, sizeof(res->why), "memory.stat of %s does not settle", cg);
	} else if (row->arg == MEM_LIMIT_SPACING) {
		res->val[0] = after[0] + after[1] - before[0] - before[1];
		res->val[1] = res->val[0] / MEM_LIMIT;
		res->val[2] = after[0] - before[0];
		res->ok = true;
		printf("bench: note: %s: %d timers at IDs %d apart under RLIMIT_SIGPENDING %d\n",
		       row->name, n, MEM_LIMIT_SPACING, MEM_LIMIT);
		/* The row runs in a child, which leaves by _exit() */
		fflush(stdout);
	} else {
		res->val[0] = after[0] - before[0];
		res->val[1] = res->val[0] / MEM_TIMERS;
		res->val[2] = (after[0] + after[1] - before[0] - before[1]) / MEM_TIMERS;
		res->ok = true;
	}
	close(go[1]);
	close(done[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		res->ok = false;
out:
	/* The group is busy until the exit of its last process is complete */
	for (i = 0; i < 100 && rmdir(cg) && errno == EBUSY; i++)
		usleep(10000);
}

static const struct row rows[] = {
	{ "create_20k",	create_n, 20000, false, "ns",
	  { "create_20k", "getoverrun_20k", "getoverrun_rand_20k" } },
	{ "create_50k",	create_n, 50000, false, "ns",
	  { "create_50k", "getoverrun_50k", "getoverrun_rand_50k" } },
	{ "create_100k", create_n, 100000, true, "ns",
	  { "create_100k", "getoverrun_100k", "getoverrun_rand_100k" } },
	{ "threads_create", threads_create, 20000, false, "ns",
	  { "threads_create", "threads_getoverrun", "threads_getoverrun_rand" } },
	{ "procs_create", procs_create, 20000, false, "ns",
	  { "procs_create", "procs_getoverrun", "procs_getoverrun_rand" } },
	{ "threads_churn", threads_churn, 100000, true, "ns", { "threads_churn" } },
	{ "procs_churn", procs_churn, 100000, true, "ns", { "procs_churn" } },
	{ "many_procs", many_procs, 0, true, "ns",
	  { "many_procs_create", "many_procs_getoverrun", "many_procs_churn" } },
	{ "restore_prctl", restore_prctl, 0, false, "ns", { "restore_prctl" } },
	{ "restore_loop", restore_loop, 0, true, "ns", { "restore_loop" } },
	{ "plain_create", plain_create, 0, false, "ns", { "plain_create" } },
	{ "cost_syscall", cost_syscall, 0, false, "ns", { "cost_syscall" } },
	{ "cost_low", cost_ops, 0, false, "ns",
	  { "cost_low_pair", "cost_low_create", "cost_low_gettime", "cost_low_getoverrun",
	    "cost_low_delete" } },
	{ "cost_1e6", cost_ops, 1000000, false, "ns",
	  { "cost_1e6_pair", "cost_1e6_create", "cost_1e6_gettime", "cost_1e6_getoverrun",
	    "cost_1e6_delete" } },
	{ "cost_2e30", cost_ops, 1 << 30, false, "ns",
	  { "cost_2e30_pair", "cost_2e30_create", "cost_2e30_gettime",
	    "cost_2e30_getoverrun", "cost_2e30_delete" } },
	{ "neighbour_0", neighbour_row, 0, false, "ns",
	  { "neighbour_0_gettime", "neighbour_0_pair" } },
	{ "neighbour_20k", neighbour_row, 20000, false, "ns",
	  { "neighbour_20k_gettime", "neighbour_20k_pair" } },
	{ "neighbour_60k", neighbour_row, 60000, false, "ns",
	  { "neighbour_60k_gettime", "neighbour_60k_pair" } },
	{ "neighbour_60k_after", neighbour_after_row, 60000, false, "ns",
	  { "neighbour_60k_after_gettime", "neighbour_60k_after_pair" } },
	{ "mem_dense", mem_index, 1, true, "B",
	  { "mem_dense", "mem_dense_per_timer", "mem_dense_slab_per_timer" } },
	{ "mem_limit", mem_index, MEM_LIMIT_SPACING, true, "B",
	  { "mem_limit", "mem_limit_per_unit", "mem_limit_nodes" } },
	{ "mem_sparse", mem_index, 512, true, "B",
	  { "mem_sparse", "mem_sparse_per_timer", "mem_sparse_slab_per_timer" } },
};

/* One run of @row in a fresh child process */
static int run_once(const struct row *row, struct run_result *res)
{
	int status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		row->fn(row, res);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

static int cmp_s64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Run @row @runs times and print its lines. Returns false on a failure. */
static bool bench_row(const struct row *row, int runs, struct run_result *res)
{
	int64_t v[MAX_VALUES][MAX_RUNS];
	int i, k;

	for (i = 0; i < runs; i++) {
		if (run_once(row, res) || (!res->ok && !res->unsupported)) {
			printf("bench: %s FAILED: run %d: %s\n", row->name, i + 1,
			       res->why[0] ? res->why : "a timer did not get the expected ID");
			return false;
		}
		if (res->unsupported) {
			for (k = 0; k < MAX_VALUES && row->values[k]; k++)
				printf("bench: %s unsupported\n", row->values[k]);
			return true;
		}
		for (k = 0; k < MAX_VALUES; k++)
			v[k][i] = res->val[k];
	}
	for (k = 0; k < MAX_VALUES && row->values[k]; k++) {
		int64_t *s = v[k];

		qsort(s, runs, sizeof(s[0]), cmp_s64);
		printf("bench: %s runs=%d unit=%s median=%lld min=%lld max=%lld\n",
		       row->values[k], runs, row->unit,
		       (long long)(runs % 2 ? s[runs / 2] : (s[runs / 2 - 1] + s[runs / 2]) / 2),
		       (long long)s[0], (long long)s[runs - 1]);
	}
	fflush(stdout);
	return true;
}

static int parse_int(const char *arg, int max, const char *what)
{
	int n = atoi(arg);

	if (n < 1 || n > max) {
		fprintf(stderr, "%s must be 1..%d\n", what, max);
		exit(2);
	}
	return n;
}

static bool selected(const struct row *row, int argc, char **argv)
{
	int j;

	for (j = optind; j < argc; j++)
		if (!strcmp(argv[j], row->name))
			return true;
	return optind == argc;
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int opt, runs = 5, slow_runs = 3, i, j, failed = 0;
	struct run_result *res;
	long cpus;

	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nr_workers = cpus < 1 ? 1 : cpus;
	while ((opt = getopt(argc, argv, "r:l:w:p:")) != -1) {
		switch (opt) {
		case 'r':
			runs = parse_int(optarg, MAX_RUNS, "runs");
			break;
		case 'l':
			slow_runs = parse_int(optarg, MAX_RUNS, "runs");
			break;
		case 'w':
			nr_workers = parse_int(optarg, MAX_WORKERS, "workers");
			break;
		case 'p':
			nr_procs = parse_int(optarg, MAX_WORKERS, "processes");
			break;
		default:
			fprintf(stderr,
				"usage: %s [-r RUNS] [-l SLOW_RUNS] [-w WORKERS] [-p PROCS] [ROW...]\n",
				argv[0]);
			return 2;
		}
	}

	for (j = optind; j < argc; j++) {
		for (i = 0; i < (int)ARRAY_SIZE(rows); i++)
			if (!strcmp(argv[j], rows[i].name))
				break;
		if (i == (int)ARRAY_SIZE(rows)) {
			fprintf(stderr, "no row %s\n", argv[j]);
			return 2;
		}
	}

	if (setrlimit(RLIMIT_SIGPENDING, &unlimited))
		printf("bench: cannot lift RLIMIT_SIGPENDING: %s\n", strerror(errno));

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("mmap");
		return 1;
	}

	printf("bench: workers=%d procs=%d runs=%d slow_runs=%d online_cpus=%ld\n",
	       nr_workers, nr_procs, runs, slow_runs, cpus);
	if (cpus != nr_workers)
		printf("bench: note: %d workers on %ld online CPUs\n", nr_workers, cpus);
	for (i = 0; i < (int)ARRAY_SIZE(rows); i++) {
		if (rows[i].fn == mem_index && selected(&rows[i], argc, argv)) {
			memcg_setup();
			if (memcg.ok)
				printf("bench: memcg: groups below %s\n", memcg.mnt);
			else
				printf("bench: memcg unavailable: %s; %s\n", memcg.why,
				       "the memory rows are skipped");
			break;
		}
	}
	for (i = 0; i < (int)ARRAY_SIZE(rows); i++) {
		const struct row *row = &rows[i];

		if (selected(row, argc, argv) &&
		    !bench_row(row, row->slow ? slow_runs : runs, res))
			failed++;
	}
	memcg_cleanup();
	return failed ? 1 : 0;
}
