// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of POSIX timer ID handling. It reports numbers and never
 * judges them: the exit status only says whether every timer got the ID
 * it must have and every call succeeded.
 *
 * Each run of a row is a fresh child process, so that every run starts
 * with an empty ID space. Per value of a row it prints one line:
 *
 *   bench: NAME runs=N unit=ns|B median=M min=A max=B
 *
 * or "bench: NAME unsupported" when the kernel lacks what the row needs.
 *
 * Rows (W workers: the number of online CPUs unless -w says otherwise):
 *   create_20k, create_50k, create_100k
 *			one process creates N timers (create_N), then calls
 *			timer_getoverrun() on each of them (getoverrun_N)
 *   threads_create	W threads of one process create 20000 timers each
 *			(threads_create), then call timer_getoverrun() on
 *			each of their timers (threads_getoverrun)
 *   procs_create	the same with W processes (procs_create,
 *			procs_getoverrun)
 *   threads_churn	W threads of one process create and delete a timer
 *			100000 times each
 *   procs_churn	the same with W processes
 *   restore_prctl	restore the IDs 1000000 and 2000000 in restore mode
 *			(PR_TIMER_CREATE_RESTORE_IDS): the two timer_create()
 *			calls, without switching the mode on and off
 *   restore_loop	restore the same IDs by creating and deleting timers
 *			until each comes up, as checkpoint/restore tools do
 *			without the prctl
 *   plain_create	two timer_create() calls of a fresh process, for
 *			reference
 *   mem_dense		memory of the ID index for 2048 timers with the IDs
 *			0..2047: the growth of the radix_tree_node slab cache
 *			(xarray nodes) in bytes, in all (mem_dense) and per
 *			timer (mem_dense_per_timer). Needs /proc/slabinfo.
 *   mem_sparse		the same for 2048 timers with IDs 512 apart, placed
 *			in restore mode or, without it, by the create/delete
 *			loop
 *
 * Times are wall clock (CLOCK_MONOTONIC). The rows with several workers
 * start them together on a barrier and measure from the start to the
 * moment the last one is done.
 *
 * The timers count against RLIMIT_SIGPENDING, which the benchmark raises
 * to unlimited (it runs as root in the test guest).
 *
 * Usage: posix_timer_id_bench [-r RUNS] [-l SLOW_RUNS] [-w WORKERS] [ROW...]
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "posix_timer_util.h"

#define MAX_RUNS	100
#define MAX_VALUES	2
#define MAX_WORKERS	64

static const int restore_ids[] = { 1000000, 2000000 };

/* Result of one run, written by the child into shared memory */
struct run_result {
	int64_t val[MAX_VALUES];
	bool ok;
	bool unsupported;
	char why[128];
};

struct row {
	const char *name;
	void (*fn)(const struct row *row, struct run_result *res);
	int arg;
	bool slow;			/* runs -l times instead of -r times */
	const char *unit;		/* "ns" or "B" */
	const char *values[MAX_VALUES];	/* names of the values */
};

/* Shared by the workers of a row and its main process */
struct workers {
	pthread_barrier_t start, created, done;
	int nr, per_worker;
	void (*fn)(struct workers *w);
	int failed;
	char why[128];
};

static int nr_workers;

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

static int getoverrun_timers(const int *ids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (sys_timer_getoverrun(ids[i]) != 0)
			break;
	return i;
}

static void create_n(const struct row *row, struct run_result *res)
{
	int n = row->arg, *ids = calloc(n, sizeof(*ids));
	int64_t t0, t1, t2;

	if (!ids)
		return;
	t0 = now_ns();
	if (create_timers(ids, n) != n) {
		fail(res->why, sizeof(res->why), "timer_create", n);
		return;
	}
	t1 = now_ns();
	if (getoverrun_timers(ids, n) != n) {
		fail(res->why, sizeof(res->why), "timer_getoverrun", n);
		return;
	}
	t2 = now_ns();
	res->val[0] = t1 - t0;
	res->val[1] = t2 - t1;
	res->ok = true;
}

/* Workers: the three barriers are passed whatever happens, to not hang */
static void worker_failed(struct workers *w, const char *what, int nr)
{
	if (!__atomic_exchange_n(&w->failed, 1, __ATOMIC_SEQ_CST))
		fail(w->why, sizeof(w->why), what, nr);
}

static void create_worker(struct workers *w)
{
	int n = w->per_worker, *ids = calloc(n, sizeof(*ids)), done;

	pthread_barrier_wait(&w->start);
	done = ids ? create_timers(ids, n) : 0;
	if (done != n)
		worker_failed(w, "timer_create", done);
	pthread_barrier_wait(&w->created);
	if (done == n && getoverrun_timers(ids, n) != n)
		worker_failed(w, "timer_getoverrun", n);
	pthread_barrier_wait(&w->done);
	/* The timers are deleted by the exit of the process, not timed */
}

static void churn_worker(struct workers *w)
{
	int i, id;

	pthread_barrier_wait(&w->start);
	for (i = 0; i < w->per_worker; i++) {
		if (create_none(&id)) {
			worker_failed(w, "timer_create", i);
			break;
		}
		if (sys_timer_delete(id)) {
			worker_failed(w, "timer_delete", i);
			break;
		}
	}
	pthread_barrier_wait(&w->created);
	pthread_barrier_wait(&w->done);
}

static void *worker_thread(void *arg)
{
	struct workers *w = arg;

	w->fn(w);
	return NULL;
}

/*
 * Run @fn in nr_workers threads of this process (@procs false) or in as
 * many child processes, and time the phases from this process.
 */
static void run_workers(const struct row *row, struct run_result *res,
			void (*fn)(struct workers *w), bool procs)
{
	pthread_t threads[MAX_WORKERS];
	pthread_barrierattr_t attr;
	int64_t t0, t1, t2;
	struct workers *w;
	int i, started;

	w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w == MAP_FAILED)
		return;
	w->nr = nr_workers;
	w->per_worker = row->arg;
	w->fn = fn;
	pthread_barrierattr_init(&attr);
	pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&w->start, &attr, w->nr + 1);
	pthread_barrier_init(&w->created, &attr, w->nr + 1);
	pthread_barrier_init(&w->done, &attr, w->nr + 1);

	for (started = 0; started < w->nr; started++) {
		if (procs) {
			pid_t pid = fork();

			if (pid < 0)
				break;
			if (!pid) {
				fn(w);
				_exit(0);
			}
		} else if (pthread_create(&threads[started], NULL, worker_thread, w)) {
			break;
		}
	}
	if (started < w->nr) {
		/* Cannot start the rest: give up, the child's exit kills them */
		snprintf(res->why, sizeof(res->why), "cannot start worker %d", started);
		_exit(1);
	}

	pthread_barrier_wait(&w->start);
	t0 = now_ns();
	pthread_barrier_wait(&w->created);
	t1 = now_ns();
	pthread_barrier_wait(&w->done);
	t2 = now_ns();

	for (i = 0; i < w->nr; i++) {
		if (procs)
			wait(NULL);
		else
			pthread_join(threads[i], NULL);
	}
	if (w->failed) {
		memcpy(res->why, w->why, sizeof(res->why));
		return;
	}
	res->val[0] = t1 - t0;
	res->val[1] = t2 - t1;
	res->ok = true;
}

static void threads_create(const struct row *row, struct run_result *res)
{
	run_workers(row, res, create_worker, false);
}

static void procs_create(const struct row *row, struct run_result *res)
{
	run_workers(row, res, create_worker, true);
}

static void threads_churn(const struct row *row, struct run_result *res)
{
	run_workers(row, res, churn_worker, false);
}

static void procs_churn(const struct row *row, struct run_result *res)
{
	run_workers(row, res, churn_worker, true);
}

static bool restore_mode(void)
{
	return !prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON, 0, 0, 0);
}

static void restore_prctl(const struct row *row, struct run_result *res)
{
	int i, id[2];
	int64_t t0;

	if (!restore_mode()) {
		res->unsupported = true;
		return;
	}
	t0 = now_ns();
	for (i = 0; i < 2; i++) {
		id[i] = restore_ids[i];
		if (create_none(&id[i]))
			return;
	}
	res->val[0] = now_ns() - t0;
	res->ok = id[0] == restore_ids[0] && id[1] == restore_ids[1];
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

static void restore_loop(const struct row *row, struct run_result *res)
{
	int64_t t0 = now_ns();
	int i;

	for (i = 0; i < 2; i++)
		if (!create_by_loop(restore_ids[i]))
			return;
	res->val[0] = now_ns() - t0;
	res->ok = true;
}

static void plain_create(const struct row *row, struct run_result *res)
{
	int64_t t0;
	int id[2];

	t0 = now_ns();
	if (create_none(&id[0]) || create_none(&id[1]))
		return;
	res->val[0] = now_ns() - t0;
	res->ok = id[0] == 0 && id[1] == 1;
}

/*
 * Bytes in use in the slab cache @name: active objects times object size,
 * after emptying the per CPU slabs into the node lists (shrink) so that
 * the count of active objects is exact. -1 if the kernel does not tell.
 */
static int64_t slab_bytes(const char *name)
{
	char line[512], path[128];
	long active, total, size;
	int64_t bytes = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", name);
	f = fopen(path, "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char cache[64];

		if (sscanf(line, "%63s %ld %ld %ld", cache, &active, &total, &size) == 4 &&
		    !strcmp(cache, name)) {
			bytes = (int64_t)active * size;
			break;
		}
	}
	fclose(f);
	return bytes;
}

/*
 * slab_bytes() once nothing is freed anymore: xarray nodes are freed by
 * RCU, also those of the processes of earlier runs and rows. -1 if the
 * count does not settle within 10 seconds.
 */
static int64_t slab_bytes_settled(const char *name)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int64_t last = slab_bytes(name), now;
	int i;

	for (i = 0; i < 100; i++) {
		nanosleep(&pause, NULL);
		now = slab_bytes(name);
		if (now == last)
			return now;
		last = now;
	}
	return -1;
}

#define MEM_TIMERS	2048

/* 2048 timers with IDs @row->arg apart: growth of the xarray node cache */
static void mem_index(const struct row *row, struct run_result *res)
{
	int i, id, spacing = row->arg;
	int64_t before, after;
	bool restore;

	if (slab_bytes("radix_tree_node") < 0) {
		res->unsupported = true;
		return;
	}
	before = slab_bytes_settled("radix_tree_node");
	restore = spacing > 1 && restore_mode();
	for (i = 0; i < MEM_TIMERS; i++) {
		id = i * spacing;
		if (restore) {
			if (create_none(&id) || id != i * spacing)
				return;
		} else if (!create_by_loop(id)) {
			return;
		}
	}
	after = slab_bytes_settled("radix_tree_node");
	if (before < 0 || after < 0) {
		snprintf(res->why, sizeof(res->why), "radix_tree_node count does not settle");
		return;
	}
	res->val[0] = after - before;
	res->val[1] = (after - before) / MEM_TIMERS;
	res->ok = true;
}

static const struct row rows[] = {
	{ "create_20k",	create_n, 20000, false, "ns", { "create_20k", "getoverrun_20k" } },
	{ "create_50k",	create_n, 50000, false, "ns", { "create_50k", "getoverrun_50k" } },
	{ "create_100k", create_n, 100000, true, "ns", { "create_100k", "getoverrun_100k" } },
	{ "threads_create", threads_create, 20000, false, "ns",
	  { "threads_create", "threads_getoverrun" } },
	{ "procs_create", procs_create, 20000, false, "ns",
	  { "procs_create", "procs_getoverrun" } },
	{ "threads_churn", threads_churn, 100000, true, "ns", { "threads_churn" } },
	{ "procs_churn", procs_churn, 100000, true, "ns", { "procs_churn" } },
	{ "restore_prctl", restore_prctl, 0, false, "ns", { "restore_prctl" } },
	{ "restore_loop", restore_loop, 0, true, "ns", { "restore_loop" } },
	{ "plain_create", plain_create, 0, false, "ns", { "plain_create" } },
	{ "mem_dense", mem_index, 1, true, "B", { "mem_dense", "mem_dense_per_timer" } },
	{ "mem_sparse", mem_index, 512, true, "B", { "mem_sparse", "mem_sparse_per_timer" } },
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

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int opt, runs = 5, slow_runs = 3, i, j, failed = 0;
	struct run_result *res;

	nr_workers = sysconf(_SC_NPROCESSORS_ONLN);
	while ((opt = getopt(argc, argv, "r:l:w:")) != -1) {
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
		default:
			fprintf(stderr,
				"usage: %s [-r RUNS] [-l SLOW_RUNS] [-w WORKERS] [ROW...]\n",
				argv[0]);
			return 2;
		}
	}
	if (nr_workers < 1 || nr_workers > MAX_WORKERS)
		nr_workers = 1;

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

	printf("bench: workers=%d runs=%d slow_runs=%d\n", nr_workers, runs, slow_runs);
	for (i = 0; i < (int)ARRAY_SIZE(rows); i++) {
		const struct row *row = &rows[i];
		bool selected = optind == argc;

		for (j = optind; j < argc; j++)
			selected |= !strcmp(argv[j], row->name);
		if (selected && !bench_row(row, row->slow ? slow_runs : runs, res))
			failed++;
	}
	return failed ? 1 : 0;
}
