// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of POSIX timer ID handling. It reports times and never judges
 * them: the exit status only says whether every timer got the ID it must
 * have.
 *
 * Each run of a row is a fresh child process, so that every run starts
 * with an empty ID space. Per row it prints one line:
 *
 *   bench: ROW runs=N median_ns=M min_ns=A max_ns=B
 *
 * or "bench: ROW unsupported" when the kernel lacks what the row needs.
 *
 * Rows:
 *   restore_prctl	restore the IDs 1000000 and 2000000 in restore mode
 *			(PR_TIMER_CREATE_RESTORE_IDS): the two timer_create()
 *			calls, without switching the mode on and off
 *   restore_loop	restore the same IDs by creating and deleting timers
 *			until each comes up, as checkpoint/restore tools do
 *			without the prctl
 *   plain_create	two timer_create() calls of a fresh process, for
 *			reference
 *
 * Usage: posix_timer_id_bench [-r RUNS] [-l LOOP_RUNS] [ROW...]
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "posix_timer_util.h"

#define MAX_RUNS	100

static const int restore_ids[] = { 1000000, 2000000 };

/* Result of one run, written by the child into shared memory */
struct run_result {
	uint64_t ns;
	bool ok;
	bool unsupported;
};

/* Create a SIGEV_NONE timer, with @id as the ID location */
static int create_none(int *id)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	return sys_timer_create(CLOCK_MONOTONIC, &sev, id);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void restore_prctl(struct run_result *res)
{
	int i, id[2];
	uint64_t t0;

	if (prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON, 0, 0, 0)) {
		res->unsupported = true;
		return;
	}
	t0 = now_ns();
	for (i = 0; i < 2; i++) {
		id[i] = restore_ids[i];
		if (create_none(&id[i]))
			return;
	}
	res->ns = now_ns() - t0;
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

static void restore_loop(struct run_result *res)
{
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < 2; i++)
		if (!create_by_loop(restore_ids[i]))
			return;
	res->ns = now_ns() - t0;
	res->ok = true;
}

static void plain_create(struct run_result *res)
{
	uint64_t t0;
	int id[2];

	t0 = now_ns();
	if (create_none(&id[0]) || create_none(&id[1]))
		return;
	res->ns = now_ns() - t0;
	res->ok = id[0] == 0 && id[1] == 1;
}

struct row {
	const char *name;
	void (*fn)(struct run_result *res);
	bool slow;		/* runs -l times instead of -r times */
};

static const struct row rows[] = {
	{ .name = "restore_prctl",	.fn = restore_prctl },
	{ .name = "restore_loop",	.fn = restore_loop,	.slow = true },
	{ .name = "plain_create",	.fn = plain_create },
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
		row->fn(res);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Run @row @runs times and print its line. Returns false on a wrong ID. */
static bool bench_row(const struct row *row, int runs, struct run_result *res)
{
	uint64_t ns[MAX_RUNS];
	int i;

	for (i = 0; i < runs; i++) {
		if (run_once(row, res) || (!res->ok && !res->unsupported)) {
			printf("bench: %s FAILED: run %d did not get the expected IDs\n",
			       row->name, i + 1);
			return false;
		}
		if (res->unsupported) {
			printf("bench: %s unsupported\n", row->name);
			return true;
		}
		ns[i] = res->ns;
	}
	qsort(ns, runs, sizeof(ns[0]), cmp_u64);
	printf("bench: %s runs=%d median_ns=%llu min_ns=%llu max_ns=%llu\n",
	       row->name, runs,
	       (unsigned long long)(runs % 2 ? ns[runs / 2] :
				    (ns[runs / 2 - 1] + ns[runs / 2]) / 2),
	       (unsigned long long)ns[0], (unsigned long long)ns[runs - 1]);
	return true;
}

static int parse_runs(const char *arg)
{
	int n = atoi(arg);

	if (n < 1 || n > MAX_RUNS) {
		fprintf(stderr, "runs must be 1..%d\n", MAX_RUNS);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	int opt, runs = 7, loop_runs = 3, i, j, failed = 0;
	struct run_result *res;

	while ((opt = getopt(argc, argv, "r:l:")) != -1) {
		switch (opt) {
		case 'r':
			runs = parse_runs(optarg);
			break;
		case 'l':
			loop_runs = parse_runs(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-r RUNS] [-l LOOP_RUNS] [ROW...]\n",
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

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("mmap");
		return 1;
	}

	for (i = 0; i < (int)ARRAY_SIZE(rows); i++) {
		const struct row *row = &rows[i];
		bool selected = optind == argc;

		for (j = optind; j < argc; j++)
			selected |= !strcmp(argv[j], row->name);
		if (selected && !bench_row(row, row->slow ? loop_runs : runs, res))
			failed++;
	}
	return failed ? 1 : 0;
}
