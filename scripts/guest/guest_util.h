/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the harness's guest programs (posix_timer_stress, posix_timer_faults) share: the IDs
 * /proc/self/timers lists, the object counts of the slab caches a POSIX timer allocates
 * from, and kmemleak.
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Read /proc/self/timers into ids[] (up to max), with raw syscalls only: safe after fork(). */
static inline int proc_timer_ids(int *ids, int max)
{
	static __thread char buf[1 << 16];
	int fd, n = 0, len = 0, r;
	char *p, *nl;

	fd = open("/proc/self/timers", O_RDONLY);
	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += r;
		buf[len] = 0;
		/* An entry is several lines; the one with its ID starts with "ID: " */
		for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
			if (strncmp(p, "ID: ", 4))
				continue;
			if (n >= max) {
				close(fd);
				return -1;
			}
			ids[n++] = atoi(p + 4);
		}
		len -= p - buf;
		memmove(buf, p, len);
	}
	close(fd);
	return r < 0 ? -1 : n;
}

/* The caches of a timer and its sigqueue: exact object counts with slub_debug=F for them */
static const char *const timer_caches[] = { "posix_timers_cache", "sigqueue" };

/*
 * Timers are freed with kfree_rcu(), which hands its batches to RCU when they are full or
 * when its monitor work runs, up to five seconds later; its shrinker does it at once, and
 * writing 2 to vm.drop_caches runs the shrinkers. That sysctl takes 1 to 4 only: 6 (2 | 4)
 * fails with EINVAL and frees nothing, so the "quiet" bit 4 is written once on its own.
 * A failed write is reported once: the counts still come back, five seconds later.
 */
static inline void kfree_rcu_flush_now(void)
{
	static int quiet, reported;
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY), ok;

	if (!quiet && fd >= 0)
		quiet = write(fd, "4", 1) == 1;
	ok = fd >= 0 && pwrite(fd, "2", 1, 0) == 1;
	if (!ok && !reported++)
		fprintf(stderr, "kfree_rcu_flush: cannot write 2 to /proc/sys/vm/drop_caches: %s\n",
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The same, at most every half second: a flush takes a while on a debug kernel */
static inline void kfree_rcu_flush(void)
{
	static struct timespec last;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last.tv_sec && (now.tv_sec - last.tv_sec) * 1000000000L +
	    now.tv_nsec - last.tv_nsec < 500000000L)
		return;
	last = now;
	kfree_rcu_flush_now();
}

/*
 * The objects of a slab cache after shrinking it, which also empties KASAN's quarantine;
 * -1 when not available (no SLUB_DEBUG or sysfs).
 */
static inline long slab_objects(const char *cache)
{
	char path[128];
	long n = -1;
	FILE *f;

	kfree_rcu_flush();
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", cache);
	f = fopen(path, "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/objects", cache);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * slab_objects() once nothing is being freed anymore: the same count three times in a row, a
 * second apart. What kfree_rcu() still held when the program started (the timers of the
 * KUnit suite at boot, for instance) is freed within that. -1 when not available.
 */
static inline long slab_objects_settled(const char *cache)
{
	long prev, n = slab_objects(cache);
	int same = 0;

	for (int i = 0; i < 20 && same < 2; i++) {
		sleep(1);
		prev = n;
		n = slab_objects(cache);
		same = n == prev ? same + 1 : 0;
	}
	return n;
}

/* A command to kmemleak ("scan", "clear"): 0, or -1 without kmemleak */
static inline int kmemleak_cmd(const char *cmd)
{
	int fd = open("/sys/kernel/debug/kmemleak", O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * Scan for leaks and return the number of unreferenced objects kmemleak reports, printing
 * up to @max_lines lines of its report, each after @prefix; -1 without kmemleak. Objects
 * younger than 5 s are not reported, so it waits 6 s, and a second scan confirms.
 */
static inline int kmemleak_leaks(const char *prefix, int max_lines)
{
	char line[256];
	int leaks = 0, lines = 0;
	FILE *f;

	if (kmemleak_cmd("scan"))
		return -1;
	sleep(6);
	kmemleak_cmd("scan");
	kmemleak_cmd("scan");
	f = fopen("/sys/kernel/debug/kmemleak", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "unreferenced object"))
			leaks++;
		if (leaks && lines++ < max_lines)
			printf("%s%s", prefix, line);
	}
	if (f)
		fclose(f);
	return leaks;
}

#endif /* GUEST_UTIL_H */
