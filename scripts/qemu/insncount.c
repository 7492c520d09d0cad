// SPDX-License-Identifier: GPL-2.0
/*
 * insncount: a QEMU TCG plugin (plugin API version 1, QEMU 7.2) that counts
 * the guest instructions executed per translation block and, when QEMU
 * exits, writes one line per block that ran:
 *
 *	VADDR INSNS EXECUTIONS
 *
 * VADDR is where the block starts, INSNS how many instructions it has.
 * Blocks end at branches and calls, so a block lies within one function:
 * INSNS * EXECUTIONS, summed by the function of VADDR, is the number of
 * instructions executed in that function. Under -icount shift=0 that is the
 * time the guest sees. The counters are inline adds, not atomic: run one
 * vCPU. Used by scripts/profile.
 *
 *	qemu-system-x86_64 ... -plugin insncount.so,out=FILE
 *
 * The few declarations of QEMU's plugin API this needs are repeated here
 * (include/qemu/qemu-plugin.h of QEMU 7.2), so that it builds without
 * QEMU's source.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;	/* not looked into */
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/*
 * One counter per (start, length) of a block: a block translated again, or
 * cut shorter under -icount, lands on its own counter, never on another's.
 * Open addressing; the table doubles when half full. Counters are never
 * moved (the inline adds point at them), only the table of pointers is.
 */
struct block {
	uint64_t vaddr, insns, execs;
};

static struct block **table;
static size_t table_size, nr_blocks;
static char *out_path;

static size_t slot_of(uint64_t vaddr, uint64_t insns, size_t size)
{
	uint64_t h = (vaddr ^ (insns << 48)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (size - 1);
}

static struct block **find_slot(struct block **t, size_t size, uint64_t vaddr, uint64_t insns)
{
	size_t i = slot_of(vaddr, insns, size);

	while (t[i] && (t[i]->vaddr != vaddr || t[i]->insns != insns))
		i = (i + 1) & (size - 1);
	return &t[i];
}

static void grow(void)
{
	size_t i, size = table_size * 2;
	struct block **t = calloc(size, sizeof(*t));

	if (!t) {
		perror("insncount");
		abort();
	}
	for (i = 0; i < table_size; i++)
		if (table[i])
			*find_slot(t, size, table[i]->vaddr, table[i]->insns) = table[i];
	free(table);
	table = t;
	table_size = size;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb), insns = qemu_plugin_tb_n_insns(tb);
	struct block **slot = find_slot(table, table_size, vaddr, insns);

	if (!*slot) {
		*slot = calloc(1, sizeof(**slot));
		if (!*slot) {
			perror("insncount");
			abort();
		}
		(*slot)->vaddr = vaddr;
		(*slot)->insns = insns;
		if (++nr_blocks * 2 > table_size)
			grow();
		slot = find_slot(table, table_size, vaddr, insns);
	}
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &(*slot)->execs, 1);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");
	size_t i;

	if (!f) {
		perror(out_path);
		return;
	}
	for (i = 0; i < table_size; i++)
		if (table[i] && table[i]->execs)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				table[i]->vaddr, table[i]->insns, table[i]->execs);
	fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
	if (!out_path) {
		fprintf(stderr, "insncount: out=FILE is needed\n");
		return -1;
	}
	table_size = 1 << 16;
	table = calloc(table_size, sizeof(*table));
	if (!table)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
