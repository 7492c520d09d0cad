// SPDX-License-Identifier: GPL-2.0
/*
 * Run a program under a seccomp filter that makes one system call fail, as on a kernel
 * without the feature (scripts/selftests-host):
 *   deny timer_create PROGRAM [ARGS...]   timer_create() fails with ENOSYS
 *                                         (CONFIG_POSIX_TIMERS=n)
 *   deny restore-prctl PROGRAM [ARGS...]  prctl(PR_TIMER_CREATE_RESTORE_IDS, ...) fails with
 *                                         EINVAL (a kernel before 6.15); other prctl()s work
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PR_TIMER_CREATE_RESTORE_IDS_OPTION	77

int main(int argc, char **argv)
{
	struct sock_filter timer_create[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_timer_create, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter restore_prctl[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_TIMER_CREATE_RESTORE_IDS_OPTION, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog;

	if (argc < 3) {
		fprintf(stderr, "usage: %s timer_create|restore-prctl PROGRAM [ARGS...]\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "timer_create")) {
		prog.filter = timer_create;
		prog.len = sizeof(timer_create) / sizeof(timer_create[0]);
	} else if (!strcmp(argv[1], "restore-prctl")) {
		prog.filter = restore_prctl;
		prog.len = sizeof(restore_prctl) / sizeof(restore_prctl[0]);
	} else {
		fprintf(stderr, "%s: no filter '%s'\n", argv[0], argv[1]);
		return 2;
	}
	/* The architecture is the host's: the programs are built for it, 64-bit */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 2;
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 2;
}
