// SPDX-License-Identifier: GPL-2.0
/*
 * Which locks a real-time task waits on in timer_create() and timer_delete(), and who holds
 * them, on a PREEMPT_RT kernel: run in the guest by scripts/rt-contention.
 *
 *   posix_timer_rt [-d SECONDS] [-n TIMERS] [-t THREADS] [-i MICROSECONDS]
 *
 * Two unrelated processes, which share nothing but the kernel:
 *  - the neighbour, SCHED_OTHER: holds TIMERS timers (default 4096) and churns more with
 *    THREADS threads (default 2), each creating and deleting a timer in a loop;
 *  - the victim, single-threaded, SCHED_FIFO 50 on CPU 0: creates a timer, deletes it and
 *    sleeps MICROSECONDS (default 100), for SECONDS (default 30). It times both calls.
 *
 * On PREEMPT_RT a spinlock_t is a sleeping lock with priority inheritance: when the victim
 * finds one taken, lock:contention_begin fires in its context (flag LCB_F_RT), and before it
 * sleeps it boosts the lock's owner, which sched:sched_pi_setprio reports, also in its
 * context, with the owner's name; lock:contention_end closes the wait. The events are traced
 * for the victim only, contention_begin with its kernel stack, and for rtmutex based locks
 * only: a raw spinlock which the boost itself takes (the owner's pi_lock, a runqueue lock)
 * cannot open a wait of its own and take the boost. A boost between a wait's begin and end
 * is that wait's. Each wait is classified by
 *  - its owner: the neighbour ('rt-neighbour'), the victim itself, another task (a kernel
 *    thread, or this program's parent) by name, or unknown (no boost followed: the owner ran
 *    at the victim's priority or above already, or the lock is a raw spinlock);
 *  - its lock, from the stack: 'slab' when the stack goes through the slab allocator (with
 *    the cache the caller allocates or frees: k_itimer, sigqueue or xarray_node), else the
 *    first function outside the locking code (the lock's caller), with the system call.
 *    The victim is single-threaded and arms no timer, so a lock of its own timers or of its
 *    own signal_struct cannot be held by another task: a wait in the timer code on a lock the
 *    neighbour holds is on a lock the two processes share, the ID store's or the slab's.
 *
 * Output: lines 'rt: ...' (scripts/rt-contention sums them over boots):
 *   rt: victim pairs=N create_max_us=X delete_max_us=Y create_over_100us=A delete_over_100us=B
 *   rt: neighbour pairs=N threads=T timers=M
 *   rt: trace events=N overrun=O
 *   rt: wait owner=OWNER lock=LOCK syscall=CALL count=N stack=F1<F2<... (the first such
 *       wait's stack, from the lock's caller on)
 * Fails (exit 1) when a call fails or the trace cannot be set up; skips (exit 4) on a kernel
 * without PREEMPT_RT (uname -v) or without tracefs's events. A benchmark: it reports, it never judges a
 * number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#define TRACEFS		"/sys/kernel/tracing"
#define KSFT_SKIP	4
#define MAX_KEYS	128
#define MAX_FRAMES	48
#define LCB_F_RT	(1 << 3)	/* include/trace/events/lock.h: an rtmutex based lock */

struct shared {
	volatile int stop;
	int failed;
	unsigned long neighbour_pairs;
	unsigned long victim_pairs;
	unsigned long max_ns[2], over_100us[2];	/* [0] create, [1] delete */
};

static struct shared *sh;
static int neighbour_threads = 2, neighbour_timers = 4096, interval_us = 100, seconds = 30;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("rt: FAIL: ", stdout);
	vprintf(fmt, ap);
	printf(" (%s)\n", strerror(errno));
	va_end(ap);
	fflush(stdout);
	if (sh)
		sh->failed = 1;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int timer_new(int *id)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	return syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, id);
}

static int timer_del(int id)
{
	return syscall(SYS_timer_delete, id);
}

/* tracefs: write @fmt to TRACEFS/@file */
static int tracefs_write(const char *file, const char *fmt, ...)
{
	char path[256], buf[256];
	va_list ap;
	int fd, len, ret;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

static void *churn(void *arg)
{
	unsigned long n = 0;
	int id;

	(void)arg;
	while (!sh->stop) {
		if (timer_new(&id) || timer_del(id)) {
			fail("neighbour: timer_create/timer_delete");
			break;
		}
		n++;
	}
	__atomic_fetch_add(&sh->neighbour_pairs, n, __ATOMIC_RELAXED);
	return NULL;
}

static int neighbour(int ready)
{
	pthread_t th[64];
	int i, id;

	prctl(PR_SET_NAME, "rt-neighbour");
	for (i = 0; i < neighbour_timers; i++) {
		if (timer_new(&id)) {
			fail("neighbour: timer %d of %d", i, neighbour_timers);
			return 1;
		}
	}
	for (i = 0; i < neighbour_threads; i++) {
		if (pthread_create(&th[i], NULL, churn, NULL)) {
			fail("neighbour: pthread_create");
			return 1;
		}
	}
	if (write(ready, "n", 1) != 1)
		return 1;
	for (i = 0; i < neighbour_threads; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static void victim_record(int call, long long ns)
{
	if (ns > (long long)sh->max_ns[call])
		sh->max_ns[call] = ns;
	if (ns > 100000)
		sh->over_100us[call]++;
}

static int victim(int go)
{
	struct sched_param sp = { .sched_priority = 50 };
	struct timespec nap = { 0, interval_us * 1000L };
	long long end, t0, t1, t2;
	cpu_set_t cpus;
	char c;
	int id;

	prctl(PR_SET_NAME, "rt-victim");
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp) || mlockall(MCL_CURRENT | MCL_FUTURE)) {
		fail("victim: CPU 0, SCHED_FIFO 50, mlockall");
		return 1;
	}
	if (read(go, &c, 1) != 1)
		return 1;
	end = now_ns() + seconds * 1000000000LL;
	while ((t0 = now_ns()) < end) {
		if (timer_new(&id)) {
			fail("victim: timer_create");
			return 1;
		}
		t1 = now_ns();
		if (timer_del(id)) {
			fail("victim: timer_delete");
			return 1;
		}
		t2 = now_ns();
		victim_record(0, t1 - t0);
		victim_record(1, t2 - t1);
		sh->victim_pairs++;
		clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL);
	}
	return 0;
}

/* The classification of the waits, as the header says */
struct key {
	char owner[32], lock[64], call[32];
	char stack[320];	/* of its first wait, from the lock's caller on */
	unsigned long count;
};
static struct key keys[MAX_KEYS];
static int nkeys;

struct wait {
	int open, has_stack;
	char owner[32];
	char frames[MAX_FRAMES][64];
	int nframes;
};

static int lock_internal(const char *f)
{
	static const char *const prefixes[] = {
		"rt_spin", "rtlock_", "rt_mutex", "__rt_mutex", "rwbase_", "rt_read", "rt_write",
		"_raw_", "raw_spin", "do_raw", "mutex_", "__mutex", "down", "__down", "lock_",
		"local_lock", "task_blocks_on", "trace_", "__trace", "event_", "ftrace",
		"stack_trace", "__ftrace",
	};
	unsigned int i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

static int any_frame(struct wait *w, const char *const *subs)
{
	int i;

	for (i = 0; i < w->nframes; i++)
		for (const char *const *s = subs; *s; s++)
			if (strstr(w->frames[i], *s))
				return 1;
	return 0;
}

static void wait_done(struct wait *w)
{
	static const char *const slab[] = { "slab", "kmem_cache", "kmalloc", "kfree", "sheaf",
					     "barn", NULL };
	static const char *const xa[] = { "xas_", "xa_", "radix_tree", NULL };
	static const char *const sigq[] = { "sigqueue", NULL };
	/* A timer's sigqueue is part of it: the timer code allocates the k_itimer only */
	static const char *const timer[] = { "posix_timer", "k_itimer", "do_timer_create", NULL };
	char lock[64] = "?", call[32] = "-";
	int i;

	if (!w->open)
		return;
	w->open = 0;
	for (i = 0; i < w->nframes; i++) {
		const char *f = w->frames[i];

		const char *sys = !strncmp(f, "__x64_sys_", 10) ? f + 10 :
				  !strncmp(f, "__do_sys_", 9) ? f + 9 : NULL;

		if (sys) {
			snprintf(call, sizeof(call), "%s", sys);
			break;
		}
	}
	if (any_frame(w, slab)) {
		snprintf(lock, sizeof(lock), "slab(%s)", any_frame(w, xa) ? "xarray_node" :
			 any_frame(w, sigq) ? "sigqueue" : any_frame(w, timer) ? "k_itimer" : "?");
	} else {
		for (i = 0; i < w->nframes; i++) {
			if (!lock_internal(w->frames[i])) {
				snprintf(lock, sizeof(lock), "%s", w->frames[i]);
				break;
			}
		}
	}
	for (i = 0; i < nkeys; i++)
		if (!strcmp(keys[i].owner, w->owner) && !strcmp(keys[i].lock, lock) &&
		    !strcmp(keys[i].call, call))
			break;
	if (i == MAX_KEYS)
		return;
	if (i == nkeys) {
		struct key *k = &keys[i];
		int j, len = 0;

		snprintf(k->owner, sizeof(k->owner), "%s", w->owner);
		snprintf(k->lock, sizeof(k->lock), "%s", lock);
		snprintf(k->call, sizeof(k->call), "%s", call);
		for (j = 0; j < w->nframes && lock_internal(w->frames[j]); j++)
			;
		for (; j < w->nframes && len < (int)sizeof(k->stack) - 1; j++)
			len += snprintf(k->stack + len, sizeof(k->stack) - len, "%s%s",
					len ? "<" : "", w->frames[j]);
		nkeys++;
	}
	keys[i].count++;
}

/*
 * The trace: 'TASK-PID [CPU] FLAGS TIME: contention_begin: ...', then the trigger's
 * 'TASK-PID ...: <stack trace>' and ' => FUNCTION' lines, then 'sched_pi_setprio:
 * comm=OWNER pid=...' when the victim boosted the owner.
 */
static int read_trace(unsigned long *events)
{
	static struct wait w;
	char line[512], *p;
	FILE *f;

	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#')
			continue;
		if (!strncmp(line, " => ", 4)) {
			if (w.open && w.has_stack && w.nframes < MAX_FRAMES) {
				p = line + 4;
				p[strcspn(p, "+ ")] = 0;
				snprintf(w.frames[w.nframes++], sizeof(w.frames[0]), "%.63s", p);
			}
		} else if (strstr(line, ": contention_end: ")) {
			wait_done(&w);
		} else if (strstr(line, ": contention_begin: ")) {
			wait_done(&w);
			memset(&w, 0, sizeof(w));
			w.open = 1;
			strcpy(w.owner, "unknown");
			(*events)++;
		} else if (strstr(line, ": <stack trace>")) {
			if (w.open && !w.has_stack && !w.nframes)
				w.has_stack = 1;
		} else if ((p = strstr(line, ": sched_pi_setprio: comm="))) {
			if (w.open && !strcmp(w.owner, "unknown")) {
				p += strlen(": sched_pi_setprio: comm=");
				p[strcspn(p, " ")] = 0;
				if (!strcmp(p, "rt-neighbour"))
					strcpy(w.owner, "neighbour");
				else if (!strcmp(p, "rt-victim"))
					strcpy(w.owner, "victim");
				else
					snprintf(w.owner, sizeof(w.owner), "other:%.20s", p);
			}
		}
	}
	wait_done(&w);
	fclose(f);
	return 0;
}

static unsigned long trace_overrun(void)
{
	unsigned long total = 0, n;
	char path[128], line[128];
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), TRACEFS "/per_cpu/cpu%d/stats", cpu);
		f = fopen(path, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "overrun: %lu", &n) == 1)
				total += n;
		fclose(f);
	}
	return total;
}

static int trace_setup(pid_t pid)
{
	static const char *const off[] = {
		"events/lock/contention_begin/enable", "events/lock/contention_end/enable",
		"events/sched/sched_pi_setprio/enable", "tracing_on",
	};
	unsigned int i;

	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (tracefs_write(off[i], "0"))
			return -1;
	return tracefs_write("trace", "") ||
	       tracefs_write("buffer_size_kb", "8192") ||
	       tracefs_write("events/lock/contention_begin/filter",
			     "common_pid == %d && flags & %d", pid, LCB_F_RT) ||
	       tracefs_write("events/lock/contention_begin/trigger",
			     "stacktrace if common_pid == %d && flags & %d", pid, LCB_F_RT) ||
	       tracefs_write("events/lock/contention_end/filter", "common_pid == %d", pid) ||
	       tracefs_write("events/sched/sched_pi_setprio/filter", "common_pid == %d", pid) ||
	       tracefs_write("events/lock/contention_begin/enable", "1") ||
	       tracefs_write("events/lock/contention_end/enable", "1") ||
	       tracefs_write("events/sched/sched_pi_setprio/enable", "1");
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned long events = 0;
	struct utsname uts;
	int go[2], ready[2], opt, status, i, rc = 0;
	pid_t nb, vi;
	char c;

	while ((opt = getopt(argc, argv, "d:n:t:i:")) != -1) {
		switch (opt) {
		case 'd': seconds = atoi(optarg); break;
		case 'n': neighbour_timers = atoi(optarg); break;
		case 't': neighbour_threads = atoi(optarg); break;
		case 'i': interval_us = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-d SECONDS] [-n TIMERS] [-t THREADS] [-i MICROSECONDS]\n",
				argv[0]);
			return 2;
		}
	}
	if (seconds < 1 || neighbour_timers < 0 || neighbour_threads < 1 ||
	    neighbour_threads > 64 || interval_us < 0) {
		fprintf(stderr, "%s: bad argument\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The kernel's version string names its preemption model */
	if (uname(&uts) || !strstr(uts.version, "PREEMPT_RT")) {
		printf("rt: SKIP: not a PREEMPT_RT kernel (uname -v: %s)\n", uts.version);
		return KSFT_SKIP;
	}
	if (access(TRACEFS "/events", F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events/lock/contention_begin", F_OK) ||
	    access(TRACEFS "/events/sched/sched_pi_setprio", F_OK)) {
		printf("rt: SKIP: no tracefs events lock:contention_begin and sched:sched_pi_setprio\n");
		return KSFT_SKIP;
	}
	/* The neighbour's timers and the churn: within the limit whatever the guest's memory */
	if (setrlimit(RLIMIT_SIGPENDING, &unlimited)) {
		fail("setrlimit(RLIMIT_SIGPENDING)");
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pipe(go) || pipe(ready)) {
		fail("mmap/pipe");
		return 1;
	}

	vi = fork();
	if (vi == 0) {
		close(go[1]);
		_exit(victim(go[0]));
	}
	nb = fork();
	if (nb == 0) {
		close(go[1]);
		_exit(neighbour(ready[1]));
	}
	if (vi < 0 || nb < 0) {
		fail("fork");
		return 1;
	}
	if (read(ready[0], &c, 1) != 1) {
		fail("neighbour did not start");
		sh->stop = 1;
		rc = 1;
	}
	if (!rc && trace_setup(vi)) {
		fail("setting up the trace in " TRACEFS);
		rc = 1;
	}
	if (!rc && tracefs_write("tracing_on", "1")) {
		fail("tracing_on");
		rc = 1;
	}
	/* The victim starts on a byte, and ends on end of file */
	if (!rc && write(go[1], "g", 1) != 1) {
		fail("starting the victim");
		rc = 1;
	}
	close(go[1]);
	if (waitpid(vi, &status, 0) != vi || !WIFEXITED(status) || WEXITSTATUS(status))
		rc = 1;
	tracefs_write("tracing_on", "0");
	sh->stop = 1;
	if (waitpid(nb, &status, 0) != nb || !WIFEXITED(status) || WEXITSTATUS(status))
		rc = 1;
	if (rc || sh->failed)
		return 1;

	if (read_trace(&events)) {
		fail("reading " TRACEFS "/trace");
		return 1;
	}
	printf("rt: victim pairs=%lu create_max_us=%lu delete_max_us=%lu create_over_100us=%lu delete_over_100us=%lu\n",
	       sh->victim_pairs, sh->max_ns[0] / 1000, sh->max_ns[1] / 1000,
	       sh->over_100us[0], sh->over_100us[1]);
	printf("rt: neighbour pairs=%lu threads=%d timers=%d\n", sh->neighbour_pairs,
	       neighbour_threads, neighbour_timers);
	printf("rt: trace events=%lu overrun=%lu\n", events, trace_overrun());
	for (i = 0; i < nkeys; i++)
		printf("rt: wait owner=%s lock=%s syscall=%s count=%lu stack=%s\n", keys[i].owner,
		       keys[i].lock, keys[i].call, keys[i].count, keys[i].stack);
	return 0;
}
