// SPDX-License-Identifier: GPL-2.0
/*
 * timer: benchmarks of the kernel's POSIX timer ID store, the part of
 * timer_create(), timer_delete() and every timer_*() call that turns a
 * timer ID into a timer.
 *
 *   create     workers create N timers each, then delete them: the rate of
 *              creates and of deletes
 *   churn      workers create and delete one timer in a loop, each holding
 *              N timers meanwhile
 *   lookup     workers call timer_gettime() or timer_getoverrun() on each of
 *              their N timers in turn
 *   neighbour  what the timer calls of a process cost while an unrelated
 *              process holds many timers: with a store shared by all
 *              processes, the cost grows with what others hold
 *   memory     the slab memory of N timers, with dense or sparse IDs, read
 *              from the memory controller of perf's own cgroup
 *
 * The workers are threads of one process, or processes with -P. The timers
 * are SIGEV_NONE timers on CLOCK_MONOTONIC, created and used through the
 * system calls directly, so that the numbers are the kernel's. Each timer
 * counts against the per-user RLIMIT_SIGPENDING: the soft limit is raised
 * to the hard one, and a benchmark that needs more fails and says so.
 */

#include <errno.h>
#include <err.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/time64.h>
#include <linux/zalloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <perf/cpumap.h>

#include "../util/cpumap.h"
#include "../util/stat.h"
#include <subcmd/parse-options.h>
#include "bench.h"

#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS		77
#define PR_TIMER_CREATE_RESTORE_IDS_OFF		0
#define PR_TIMER_CREATE_RESTORE_IDS_ON		1
#endif

/* 32-bit architectures without the time32 system calls have only this one */
#if !defined(SYS_timer_gettime) && defined(SYS_timer_gettime64)
#define SYS_timer_gettime SYS_timer_gettime64
#endif

#define MAX_WORKERS	4096

struct timer_params {
	unsigned int nthreads;
	unsigned int ntimers;
	unsigned int runtime;
	unsigned int nneighbour;
	unsigned int nloops;
	unsigned int stride;
	bool processes;
	bool getoverrun;
	bool after;
	bool silent;
};

static struct timer_params params;

/*
 * One worker, in memory shared with the worker processes of -P. The
 * counters are written by their worker only, and read after it is gone.
 */
struct worker {
	pthread_t	thread;
	pid_t		pid;
	bool		reaped;
	int		err;		/* errno of the call that failed */
	const char	*what;		/* the call that failed */
	u64		ops;		/* churn: pairs, lookup: calls */
	u64		creates, create_ns;
	u64		deletes, delete_ns;
} __aligned(64);

struct shared {
	unsigned int	ready;		/* workers at the start line */
	int		go;
	int		done;
	struct worker	workers[];
};

static struct shared *shared;
static size_t shared_size;

static const char * const bench_timer_create_usage[] = {
	"perf bench timer create <options>",
	NULL
};

static const char * const bench_timer_churn_usage[] = {
	"perf bench timer churn <options>",
	NULL
};

static const char * const bench_timer_lookup_usage[] = {
	"perf bench timer lookup <options>",
	NULL
};

static const char * const bench_timer_neighbour_usage[] = {
	"perf bench timer neighbour <options>",
	NULL
};

static const char * const bench_timer_memory_usage[] = {
	"perf bench timer memory <options>",
	NULL
};

/* The options of every suite */
static const struct option common_options[] = {
	OPT_BOOLEAN('s', "silent", &params.silent, "Silent mode: do not display data/details"),
	OPT_END()
};

/* The options of the suites whose workers run for a time */
static const struct option worker_options[] = {
	OPT_UINTEGER('t', "threads", &params.nthreads,
		     "Specify amount of workers (default: online CPUs)"),
	OPT_BOOLEAN('P', "processes", &params.processes,
		    "Make the workers processes instead of threads"),
	OPT_UINTEGER('r', "runtime", &params.runtime, "Specify runtime (in seconds)"),
	OPT_PARENT(common_options)
};

static const struct option create_options[] = {
	OPT_UINTEGER('n', "timers", &params.ntimers, "Specify amount of timers per worker"),
	OPT_PARENT(worker_options)
};

static const struct option churn_options[] = {
	OPT_UINTEGER('n', "timers", &params.ntimers,
		     "Specify amount of timers each worker holds meanwhile"),
	OPT_PARENT(worker_options)
};

static const struct option lookup_options[] = {
	OPT_UINTEGER('n', "timers", &params.ntimers, "Specify amount of timers per worker"),
	OPT_BOOLEAN('o', "getoverrun", &params.getoverrun,
		    "Look up with timer_getoverrun() instead of timer_gettime()"),
	OPT_PARENT(worker_options)
};

static const struct option neighbour_options[] = {
	OPT_UINTEGER('n', "timers", &params.ntimers, "Specify amount of timers of the process"),
	OPT_UINTEGER('N', "neighbour", &params.nneighbour,
		     "Specify amount of timers of the unrelated process"),
	OPT_UINTEGER('l', "loop", &params.nloops, "Specify amount of calls per run"),
	OPT_BOOLEAN('o', "getoverrun", &params.getoverrun,
		    "Look up with timer_getoverrun() instead of timer_gettime()"),
	OPT_BOOLEAN('a', "after", &params.after,
		    "Create the process's timers after the neighbour's"),
	OPT_PARENT(common_options)
};

static const struct option memory_options[] = {
	OPT_UINTEGER('n', "timers", &params.ntimers, "Specify amount of timers"),
	OPT_UINTEGER('d', "distance", &params.stride,
		     "Specify distance between IDs (above 1: restore mode)"),
	OPT_PARENT(common_options)
};

/* Create a SIGEV_NONE timer; in restore mode *id is the ID asked for */
static int timer_new(int *id)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	return syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, id);
}

static int timer_del(int id)
{
	return syscall(SYS_timer_delete, id);
}

static int timer_lookup(int id)
{
	/* Large enough for the itimerspec of every ABI, __kernel_itimerspec too */
	long long its[4];

	if (params.getoverrun)
		return syscall(SYS_timer_getoverrun, id) < 0 ? -1 : 0;
	return syscall(SYS_timer_gettime, id, &its);
}

static const char *lookup_name(void)
{
	return params.getoverrun ? "timer_getoverrun()" : "timer_gettime()";
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static bool format_default(void)
{
	return bench_format == BENCH_FORMAT_DEFAULT;
}

/* Each timer takes a unit of RLIMIT_SIGPENDING: allow what the hard limit allows */
static unsigned long long raise_sigpending_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_SIGPENDING, &rl))
		return RLIM_INFINITY;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_SIGPENDING, &rl))
			getrlimit(RLIMIT_SIGPENDING, &rl);
	}
	return rl.rlim_cur;
}

static void sigpending_hint(int error)
{
	struct rlimit rl;

	if (error == EAGAIN && !getrlimit(RLIMIT_SIGPENDING, &rl))
		fprintf(stderr, "EAGAIN: RLIMIT_SIGPENDING (ulimit -i %llu, per user) reached?\n",
			(unsigned long long)rl.rlim_cur);
}

/* Record what failed and stop the others */
static void worker_fail(struct worker *w, const char *what)
{
	w->err = errno;
	w->what = what;
	WRITE_ONCE(shared->done, 1);
}

static void toggle_done(int sig __maybe_unused, siginfo_t *info __maybe_unused,
			void *uc __maybe_unused)
{
	if (shared)
		WRITE_ONCE(shared->done, 1);
}

/* Delete @n timers; the time it took is added to @w's deletes */
static void delete_timers(struct worker *w, int *ids, unsigned int n)
{
	u64 start = now_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (timer_del(ids[i])) {
			worker_fail(w, "timer_delete");
			return;
		}
	}
	w->delete_ns += now_ns() - start;
	w->deletes += n;
}

/* Create @n timers, or fewer on a failure; returns how many */
static unsigned int create_timers(struct worker *w, int *ids, unsigned int n)
{
	u64 start = now_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (timer_new(&ids[i])) {
			worker_fail(w, "timer_create");
			return i;
		}
	}
	w->create_ns += now_ns() - start;
	w->creates += n;
	return n;
}

static void start_line(void)
{
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_SEQ_CST);
	while (!READ_ONCE(shared->go))
		usleep(100);
}

static void create_worker(struct worker *w, int *ids)
{
	unsigned int n;

	start_line();
	while (!READ_ONCE(shared->done)) {
		n = create_timers(w, ids, params.ntimers);
		delete_timers(w, ids, n);
		if (n < params.ntimers)
			break;
	}
}

static void churn_worker(struct worker *w, int *ids)
{
	unsigned int n = create_timers(w, ids, params.ntimers);
	u64 ops = 0;
	int id;

	start_line();
	while (n == params.ntimers && !READ_ONCE(shared->done)) {
		if (timer_new(&id)) {
			worker_fail(w, "timer_create");
			break;
		}
		if (timer_del(id)) {
			worker_fail(w, "timer_delete");
			break;
		}
		ops++;
	}
	w->ops = ops;
	delete_timers(w, ids, n);
}

static void lookup_worker(struct worker *w, int *ids)
{
	unsigned int i, n = create_timers(w, ids, params.ntimers);
	u64 ops = 0;

	start_line();
	while (n == params.ntimers && !READ_ONCE(shared->done)) {
		for (i = 0; i < n; i++) {
			if (timer_lookup(ids[i])) {
				worker_fail(w, lookup_name());
				goto out;
			}
		}
		ops += n;
	}
out:
	w->ops = ops;
	delete_timers(w, ids, n);
}

static void (*worker_fn)(struct worker *w, int *ids);

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int *ids = calloc(params.ntimers ?: 1, sizeof(*ids));

	if (!ids) {
		worker_fail(w, "calloc");
		start_line();
		return NULL;
	}
	worker_fn(w, ids);
	free(ids);
	return NULL;
}

/* A worker process: it ends with perf, even when perf is killed */
static void worker_process(struct worker *w, pid_t parent, size_t cpusize, cpu_set_t *cpuset)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	sched_setaffinity(0, cpusize, cpuset);
	worker_main(w);
	_exit(0);
}

/* Reap the worker processes which are gone: any of them before the start is a failure */
static void reap_early_exits(unsigned int started)
{
	unsigned int i;
	int status;

	for (i = 0; i < started; i++) {
		struct worker *w = &shared->workers[i];

		if (w->reaped || waitpid(w->pid, &status, WNOHANG) != w->pid)
			continue;
		w->reaped = true;
		if (!w->what) {
			errno = ECHILD;
			worker_fail(w, "exit before the start");
		}
	}
}

/*
 * Start the workers on the online CPUs in turn, run them for the runtime
 * and collect them. Returns the number of workers that failed.
 */
static int run_workers(void (*fn)(struct worker *w, int *ids))
{
	struct perf_cpu_map *cpus = perf_cpu_map__new_online_cpus();
	int nrcpus = cpu__max_cpu().cpu, failed = 0, status;
	size_t cpusize = CPU_ALLOC_SIZE(nrcpus);
	cpu_set_t *cpuset = CPU_ALLOC(nrcpus);
	unsigned int i, started = 0;
	pid_t parent = getpid();
	struct sigaction act;
	struct worker *w;

	if (!cpus)
		err(EXIT_FAILURE, "perf_cpu_map__new_online_cpus");
	if (!cpuset)
		err(EXIT_FAILURE, "CPU_ALLOC");
	shared_size = sizeof(*shared) + params.nthreads * sizeof(struct worker);
	shared = mmap(NULL, shared_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		err(EXIT_FAILURE, "mmap");
	memset(&act, 0, sizeof(act));
	sigfillset(&act.sa_mask);
	act.sa_flags = SA_SIGINFO;
	act.sa_sigaction = toggle_done;
	sigaction(SIGINT, &act, NULL);

	worker_fn = fn;
	for (i = 0; i < params.nthreads; i++) {
		w = &shared->workers[i];
		CPU_ZERO_S(cpusize, cpuset);
		CPU_SET_S(perf_cpu_map__cpu(cpus, i % perf_cpu_map__nr(cpus)).cpu,
			  cpusize, cpuset);
		if (params.processes) {
			/* Only the parent writes the PID: the memory is shared */
			pid_t pid = fork();

			if (pid < 0) {
				worker_fail(w, "fork");
				break;
			}
			if (!pid)
				worker_process(w, parent, cpusize, cpuset);
			w->pid = pid;
		} else {
			pthread_attr_t attr;
			int ret;

			pthread_attr_init(&attr);
			ret = pthread_attr_setaffinity_np(&attr, cpusize, cpuset);
			if (!ret)
				ret = pthread_create(&w->thread, &attr, worker_main, w);
			pthread_attr_destroy(&attr);
			if (ret) {
				errno = ret;
				worker_fail(w, "pthread_create");
				break;
			}
		}
		started++;
	}
	CPU_FREE(cpuset);
	perf_cpu_map__put(cpus);

	while (__atomic_load_n(&shared->ready, __ATOMIC_SEQ_CST) < started &&
	       !READ_ONCE(shared->done)) {
		usleep(1000);
		if (params.processes)
			reap_early_exits(started);
	}
	gettimeofday(&bench__start, NULL);
	WRITE_ONCE(shared->go, 1);
	for (i = 0; i < params.runtime * 10 && !READ_ONCE(shared->done); i++)
		usleep(100000);
	WRITE_ONCE(shared->done, 1);
	gettimeofday(&bench__end, NULL);
	timersub(&bench__end, &bench__start, &bench__runtime);

	for (i = 0; i < started; i++) {
		w = &shared->workers[i];
		if (params.processes) {
			if (w->reaped)
				continue;
			if (waitpid(w->pid, &status, 0) != w->pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status)) {
				errno = ECHILD;
				if (!w->what)
					worker_fail(w, "exit");
			}
		} else if (pthread_join(w->thread, NULL)) {
			errno = ESRCH;
			worker_fail(w, "pthread_join");
		}
	}
	for (i = 0; i < params.nthreads; i++) {
		w = &shared->workers[i];
		if (!w->what)
			continue;
		fprintf(stderr, "worker %u: %s: %s\n", i, w->what, strerror(w->err));
		sigpending_hint(w->err);
		failed++;
	}
	return failed;
}

static int setup(int argc, const char **argv, const struct option *options,
		 const char * const *usage, unsigned int ntimers)
{
	struct perf_cpu_map *cpus;

	params = (struct timer_params){ .ntimers = ntimers, .runtime = 5,
					.nneighbour = 20000, .nloops = 100000,
					.stride = 1 };
	argc = parse_options(argc, argv, options, usage, 0);
	if (argc) {
		usage_with_options(usage, options);
		exit(EXIT_FAILURE);
	}
	if (!params.nthreads) {
		cpus = perf_cpu_map__new_online_cpus();
		params.nthreads = cpus ? perf_cpu_map__nr(cpus) : 1;
		perf_cpu_map__put(cpus);
	}
	if (params.nthreads > MAX_WORKERS) {
		fprintf(stderr, "at most %d workers\n", MAX_WORKERS);
		return -1;
	}
	return 0;
}

/*
 * Check the units of RLIMIT_SIGPENDING a run takes against the limit: -1
 * if it needs more, after a note that says so. The limit is per user, so
 * what other processes of the user hold counts too: a run within it can
 * still fail with EAGAIN, which sigpending_hint() explains. With
 * CAP_SYS_RESOURCE the process's own limit is lifted instead: a kernel may
 * charge more than a unit per timer (index nodes for sparse IDs), so what
 * a run needs is not known exactly.
 */
static int check_limit(unsigned long long need)
{
	unsigned long long limit = raise_sigpending_limit();
	struct rlimit rl = { .rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY };

	if (limit == RLIM_INFINITY || need <= limit ||
	    !setrlimit(RLIMIT_SIGPENDING, &rl))
		return 0;
	printf("Not supported: %llu timers, but RLIMIT_SIGPENDING (ulimit -i) is %llu\n",
	       need, limit);
	return -1;
}

static double secs(u64 ns)
{
	return ns / (double)NSEC_PER_SEC;
}

static void print_rate(const char *what, struct stats *stats, bool first)
{
	double avg = avg_stats(stats);

	if (!format_default()) {
		printf("%s%.0f", first ? "" : " ", avg);
		return;
	}
	printf("%sAveraged %.0f %s/sec (+- %.2f%%), total secs = %d\n",
	       params.silent || !first ? "" : "\n", avg, what,
	       rel_stddev_stats(stddev_stats(stats), avg), (int)bench__runtime.tv_sec);
}

static const char *workers_name(void)
{
	return params.processes ? "processes" : "threads";
}

int bench_timer_create(int argc, const char **argv)
{
	struct stats create_stats, delete_stats;
	unsigned int i;
	int failed;

	if (setup(argc, argv, create_options, bench_timer_create_usage, 1000))
		return -1;
	if (!params.ntimers) {
		fprintf(stderr, "timers must be above 0\n");
		return -1;
	}
	if (check_limit((unsigned long long)params.nthreads * params.ntimers))
		return 0;
	if (format_default())
		printf("Run summary [PID %d]: %u %s, %u timers each, for %u secs.\n\n",
		       getpid(), params.nthreads, workers_name(), params.ntimers, params.runtime);
	failed = run_workers(create_worker);

	init_stats(&create_stats);
	init_stats(&delete_stats);
	for (i = 0; i < params.nthreads; i++) {
		struct worker *w = &shared->workers[i];
		double c = w->create_ns ? w->creates / secs(w->create_ns) : 0;
		double d = w->delete_ns ? w->deletes / secs(w->delete_ns) : 0;

		update_stats(&create_stats, c);
		update_stats(&delete_stats, d);
		if (format_default() && !params.silent)
			printf("[%s %3u] %llu creates [ %.0f/sec ], %llu deletes [ %.0f/sec ]\n",
			       workers_name(), i, (unsigned long long)w->creates, c,
			       (unsigned long long)w->deletes, d);
	}
	print_rate("creates", &create_stats, true);
	print_rate("deletes", &delete_stats, false);
	if (!format_default())
		printf("\n");
	munmap(shared, shared_size);
	shared = NULL;
	return failed ? -1 : 0;
}

/* churn and lookup: ops/sec of each worker, as futex-hash reports them */
static int report_ops(int failed, const char *what)
{
	struct stats stats;
	unsigned int i;
	double t = bench__runtime.tv_sec + bench__runtime.tv_usec / (double)USEC_PER_SEC;

	init_stats(&stats);
	for (i = 0; i < params.nthreads; i++) {
		struct worker *w = &shared->workers[i];
		double rate = t > 0 ? w->ops / t : 0;

		update_stats(&stats, rate);
		if (format_default() && !params.silent)
			printf("[%s %3u] %llu %s [ %.0f/sec ]\n", workers_name(), i,
			       (unsigned long long)w->ops, what, rate);
	}
	print_rate(what, &stats, true);
	if (!format_default())
		printf("\n");
	munmap(shared, shared_size);
	shared = NULL;
	return failed ? -1 : 0;
}

int bench_timer_churn(int argc, const char **argv)
{
	if (setup(argc, argv, churn_options, bench_timer_churn_usage, 0))
		return -1;
	if (check_limit((unsigned long long)params.nthreads * (params.ntimers + 1)))
		return 0;
	if (format_default())
		printf("Run summary [PID %d]: %u %s, holding %u timers each, for %u secs.\n\n",
		       getpid(), params.nthreads, workers_name(), params.ntimers, params.runtime);
	return report_ops(run_workers(churn_worker), "pairs");
}

int bench_timer_lookup(int argc, const char **argv)
{
	if (setup(argc, argv, lookup_options, bench_timer_lookup_usage, 1000))
		return -1;
	if (!params.ntimers) {
		fprintf(stderr, "timers must be above 0\n");
		return -1;
	}
	if (check_limit((unsigned long long)params.nthreads * params.ntimers))
		return 0;
	if (format_default())
		printf("Run summary [PID %d]: %u %s, each calling %s on %u timers for %u secs.\n\n",
		       getpid(), params.nthreads, workers_name(), lookup_name(),
		       params.ntimers, params.runtime);
	return report_ops(run_workers(lookup_worker), "calls");
}

/*
 * The neighbour: a process of its own which creates @params.nneighbour
 * timers, writes a byte to @ready and holds them until @hold is closed,
 * or perf is gone. Returns its PID, or -1.
 */
static pid_t start_neighbour(int *hold)
{
	int ready[2], go[2], id;
	pid_t pid, parent = getpid();
	unsigned int i;
	char c = 0;

	if (pipe(ready))
		return -1;
	if (pipe(go)) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	pid = fork();
	if (!pid) {
		close(ready[0]);
		close(go[1]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		for (i = 0; i < params.nneighbour; i++) {
			if (timer_new(&id)) {
				int saved_errno = errno;

				warn("neighbour: timer_create");
				sigpending_hint(saved_errno);
				_exit(1);
			}
		}
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	if (pid < 0)
		close(go[1]);
	else
		*hold = go[1];
	return pid;
}

int bench_timer_neighbour(int argc, const char **argv)
{
	struct stats lookup_stats, pair_stats;
	int *ids, hold = -1, id, status, ret = -1;
	unsigned int run, i, made = 0;
	double lookup_ns, pair_ns;
	pid_t pid = -1;
	u64 start;

	if (setup(argc, argv, neighbour_options, bench_timer_neighbour_usage, 8))
		return -1;
	if (!params.ntimers || !params.nloops) {
		fprintf(stderr, "timers and loop must be above 0\n");
		return -1;
	}
	if (check_limit((unsigned long long)params.nneighbour + params.ntimers + 1))
		return 0;
	ids = calloc(params.ntimers, sizeof(*ids));
	if (!ids)
		err(EXIT_FAILURE, "calloc");
	if (format_default())
		printf("Run summary [PID %d]: %u timers made %s %u others, %u runs of %u calls\n\n",
		       getpid(), params.ntimers, params.after ? "after" : "before",
		       params.nneighbour, bench_repeat, params.nloops);

	if (params.after) {
		pid = start_neighbour(&hold);
		if (pid < 0)
			goto out;
	}
	for (made = 0; made < params.ntimers; made++) {
		if (timer_new(&ids[made])) {
			int saved_errno = errno;

			warn("timer_create");
			sigpending_hint(saved_errno);
			goto out;
		}
	}
	if (!params.after) {
		pid = start_neighbour(&hold);
		if (pid < 0)
			goto out;
	}

	init_stats(&lookup_stats);
	init_stats(&pair_stats);
	gettimeofday(&bench__start, NULL);
	for (run = 0; run < bench_repeat; run++) {
		start = now_ns();
		for (i = 0; i < params.nloops; i++) {
			if (timer_lookup(ids[i % params.ntimers])) {
				warn("%s", lookup_name());
				goto out;
			}
		}
		lookup_ns = (now_ns() - start) / (double)params.nloops;
		update_stats(&lookup_stats, lookup_ns);

		start = now_ns();
		for (i = 0; i < params.nloops; i++) {
			if (timer_new(&id) || timer_del(id)) {
				warn("timer_create/timer_delete");
				goto out;
			}
		}
		pair_ns = (now_ns() - start) / (double)params.nloops;
		update_stats(&pair_stats, pair_ns);
		if (format_default() && !params.silent)
			printf("[Run %2u]: %s %.1f ns/call, create and delete %.1f ns/pair\n",
			       run + 1, lookup_name(), lookup_ns, pair_ns);
	}
	gettimeofday(&bench__end, NULL);
	timersub(&bench__end, &bench__start, &bench__runtime);
	ret = 0;

	if (!format_default()) {
		printf("%.1f %.1f\n", avg_stats(&lookup_stats), avg_stats(&pair_stats));
	} else {
		printf("%s%-30s %.1f ns/call (+- %.2f%%)\n",
		       params.silent ? "" : "\n", lookup_name(), avg_stats(&lookup_stats),
		       rel_stddev_stats(stddev_stats(&lookup_stats), avg_stats(&lookup_stats)));
		printf("%-30s %.1f ns/pair (+- %.2f%%)\n",
		       "timer_create()+timer_delete()", avg_stats(&pair_stats),
		       rel_stddev_stats(stddev_stats(&pair_stats), avg_stats(&pair_stats)));
	}
out:
	if (pid > 0) {
		close(hold);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "the neighbour process failed\n");
			ret = -1;
		}
	} else if (pid < 0 && made == params.ntimers) {
		fprintf(stderr, "the neighbour process failed\n");
	}
	for (i = 0; i < made; i++)
		timer_del(ids[i]);
	free(ids);
	return ret;
}

/*
 * The memory.stat of the cgroup perf runs in, or NULL with the reason in
 * @why. The cgroup is the one of /proc/self/cgroup's cgroup v2 line, below
 * the cgroup2 mount of the whole hierarchy or, in a container whose mount
 * is of its cgroup namespace's root, below that.
 */
static char *own_memory_stat(char *why, size_t len)
{
	char line[4096], root[PATH_MAX], mnt[PATH_MAX] = "", any[PATH_MAX] = "";
	char *cg = NULL, *path = NULL;
	FILE *f = fopen("/proc/self/cgroup", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			cg = strdup(line + 3);
			break;
		}
	}
	if (f)
		fclose(f);
	if (!cg) {
		snprintf(why, len, "no cgroup v2 hierarchy in /proc/self/cgroup");
		return NULL;
	}
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		/* fields 4 and 5: the root of the mount and where it is mounted */
		if (!strstr(line, " - cgroup2 ") ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		if (!strcmp(root, "/"))
			break;
		if (!any[0])
			strcpy(any, mnt);
		mnt[0] = 0;
	}
	if (f)
		fclose(f);
	if (!mnt[0])
		strcpy(mnt, any);
	if (mnt[0] && asprintf(&path, "%s%s/memory.stat", mnt, strcmp(cg, "/") ? cg : "") < 0)
		path = NULL;
	if (!path || access(path, R_OK)) {
		snprintf(why, len, "no memory.stat in cgroup %s (no memory controller?)", cg);
		zfree(&path);
	}
	free(cg);
	return path;
}

/* slab_reclaimable and slab_unreclaimable of @path */
static int read_slab(const char *path, s64 slab[2])
{
	char key[64];
	long long val;
	int found = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		warn("%s", path);
		return -1;
	}
	while (fscanf(f, "%63s %lld", key, &val) == 2) {
		if (!strcmp(key, "slab_reclaimable")) {
			slab[0] = val;
			found |= 1;
		} else if (!strcmp(key, "slab_unreclaimable")) {
			slab[1] = val;
			found |= 2;
		}
	}
	fclose(f);
	if (found != 3)
		warnx("%s: no slab_reclaimable and slab_unreclaimable", path);
	return found == 3 ? 0 : -1;
}

/*
 * The counters of memory.stat reach it in batches: per CPU, and by a
 * flush which runs about every 2 seconds (deferrable, so later on an idle
 * CPU). Read them until two readings 2.2 seconds apart agree, for at most
 * a minute.
 */
static int read_slab_settled(const char *path, s64 slab[2])
{
	s64 last[2] = { -1, -1 };
	int i;

	for (i = 0; i < 30; i++) {
		usleep(2200000);
		if (read_slab(path, slab))
			return -1;
		if (slab[0] == last[0] && slab[1] == last[1])
			return 0;
		last[0] = slab[0];
		last[1] = slab[1];
	}
	warnx("%s does not settle", path);
	return -1;
}

/*
 * The process that holds the timers of a run, on one CPU, so that its
 * charges batch on that CPU only: it creates them when a byte arrives on
 * @go, writes 0 or the errno of the failure to @done (EOPNOTSUPP: no
 * restore mode; EPROTO: a timer got an ID other than the one asked for)
 * and exits when @go is closed.
 */
static void memory_timers(int go, int done, pid_t parent)
{
	unsigned int i;
	int id, cpu, ret = 0;
	cpu_set_t one;
	char c;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	if (read(go, &c, 1) != 1)
		_exit(1);
	if (params.stride > 1 &&
	    prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON, 0, 0, 0))
		ret = errno == EINVAL ? EOPNOTSUPP : errno;
	for (i = 0; !ret && i < params.ntimers; i++) {
		id = i * params.stride;
		if (timer_new(&id))
			ret = errno;
		else if (params.stride > 1 && id != (int)(i * params.stride))
			ret = EPROTO;
	}
	if (write(done, &ret, sizeof(ret)) != sizeof(ret))
		_exit(1);
	while (read(go, &c, 1) > 0)
		;
	_exit(0);
}

/* One run: the growth of @path's slab counters per timer, in @per_timer[] */
static int memory_run(const char *path, double per_timer[2])
{
	int go[2], done[2], ret = -1, status;
	s64 before[2], after[2];
	pid_t pid, parent = getpid();
	char c = 0;

	if (pipe(go))
		return -1;
	if (pipe(done)) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	pid = fork();
	if (!pid) {
		close(go[1]);
		close(done[0]);
		memory_timers(go[0], done[1], parent);
	}
	close(go[0]);
	close(done[1]);
	if (pid < 0 || read_slab_settled(path, before))
		goto out;
	if (write(go[1], &c, 1) != 1 || read(done[0], &ret, sizeof(ret)) != sizeof(ret)) {
		ret = -1;
		goto out;
	}
	if (ret == EOPNOTSUPP) {
		printf("Not supported: -d needs restore mode (PR_TIMER_CREATE_RESTORE_IDS)\n");
		goto out;
	}
	if (ret) {
		fprintf(stderr, "timer_create: %s\n",
			ret == EPROTO ? "a timer got another ID than asked for" : strerror(ret));
		sigpending_hint(ret);
		ret = -1;
		goto out;
	}
	if (read_slab_settled(path, after)) {
		ret = -1;
		goto out;
	}
	per_timer[0] = (after[0] + after[1] - before[0] - before[1]) / (double)params.ntimers;
	per_timer[1] = (after[0] - before[0]) / (double)params.ntimers;
out:
	close(go[1]);
	close(done[0]);
	if (pid > 0 && (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			WEXITSTATUS(status)))
		ret = -1;
	return ret;
}

int bench_timer_memory(int argc, const char **argv)
{
	struct stats slab_stats, nodes_stats;
	char why[PATH_MAX + 128];
	double per_timer[2] = { 0, 0 };
	unsigned int run;
	char *path;
	int ret = 0;

	if (setup(argc, argv, memory_options, bench_timer_memory_usage, 2048))
		return -1;
	if (!params.ntimers || !params.stride ||
	    (u64)(params.ntimers - 1) * params.stride > INT_MAX) {
		fprintf(stderr, "the IDs must be within 0..INT_MAX\n");
		return -1;
	}
	if (check_limit(params.ntimers))
		return 0;
	path = own_memory_stat(why, sizeof(why));
	if (!path) {
		printf("Not supported: %s\n", why);
		return 0;
	}
	if (format_default())
		printf("Run summary [PID %d]: %u timers %u IDs apart, %u runs: %s\n\n",
		       getpid(), params.ntimers, params.stride, bench_repeat, path);

	init_stats(&slab_stats);
	init_stats(&nodes_stats);
	gettimeofday(&bench__start, NULL);
	for (run = 0; run < bench_repeat; run++) {
		ret = memory_run(path, per_timer);
		if (ret)
			break;
		update_stats(&slab_stats, per_timer[0]);
		update_stats(&nodes_stats, per_timer[1]);
		if (format_default() && !params.silent)
			printf("[Run %2u]: slab %.1f bytes per timer, of which reclaimable %.1f\n",
			       run + 1, per_timer[0], per_timer[1]);
	}
	gettimeofday(&bench__end, NULL);
	timersub(&bench__end, &bench__start, &bench__runtime);
	free(path);
	if (ret)
		return ret > 0 ? 0 : -1;

	if (!format_default()) {
		printf("%.1f %.1f\n", avg_stats(&slab_stats), avg_stats(&nodes_stats));
		return 0;
	}
	printf("%sSlab per timer:             %.1f bytes (+- %.2f%%)\n",
	       params.silent ? "" : "\n", avg_stats(&slab_stats),
	       rel_stddev_stats(stddev_stats(&slab_stats), avg_stats(&slab_stats)));
	printf("Reclaimable slab per timer: %.1f bytes (+- %.2f%%)\n",
	       avg_stats(&nodes_stats),
	       rel_stddev_stats(stddev_stats(&nodes_stats), avg_stats(&nodes_stats)));
	return 0;
}
