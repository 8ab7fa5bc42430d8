/* tools/qemu/insnprof.c: a QEMU TCG plugin (API v1, QEMU 7.2) that counts the
 * guest instructions executed per translation block and prints them at exit
 * as "start-address instructions" lines; scripts/profile.sh folds them into
 * functions with the binary's symbol table. Instruction counts, unlike TCG
 * wall time, repeat exactly, so a profile shows where a token's work goes
 * (and how much of it runs outside parallel jobs). Counters are per block and
 * racy under MTTCG: profile with one thread. Debian's QEMU ships no
 * qemu-plugin.h, so the few declarations used are written out here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op, void *, uint64_t);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb, void *);
void qemu_plugin_outs(const char *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One record per translation (a block translated twice has two). */
struct tb_rec {
    uint64_t       vaddr, n_insns, execs;
    struct tb_rec *next;
};
static struct tb_rec *recs;

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    struct tb_rec *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->vaddr = qemu_plugin_tb_vaddr(tb);
    r->n_insns = qemu_plugin_tb_n_insns(tb);
    r->next = recs;   /* translation is serialized by QEMU */
    recs = r;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &r->execs, 1);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id; (void)p;
    char buf[64];
    for (struct tb_rec *r = recs; r; r = r->next) {
        if (!r->execs)
            continue;
        snprintf(buf, sizeof buf, "tb %llu %llu\n", (unsigned long long)r->vaddr,
                 (unsigned long long)(r->execs * r->n_insns));
        qemu_plugin_outs(buf);
    }
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv)
{
    (void)info; (void)argc; (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
