// SPDX-License-Identifier: GPL-2.0
/*
 * Proof that the sanitizer lane can see: a test-only build (make module
 * TWIN_PROOF=1, never a normal build) plants one bug of a kind the debug
 * kernel must report, chosen by the "proof" module parameter at load:
 *
 *   proof=uaf      a read after kfree()           -> KASAN
 *   proof=leak     a kmalloc() nobody frees        -> kmemleak
 *   proof=lockdep  two locks taken in both orders  -> lockdep
 *   proof=hang     insmod sleeps uninterruptibly   -> hung task, panic
 *
 * scripts/proof loads each and expects the run to fail with that report.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "proof.h"

static char *proof = "";
module_param(proof, charp, 0444);
MODULE_PARM_DESC(proof, "test-only: plant a bug (uaf, leak, lockdep, hang)");

static DEFINE_MUTEX(twin_proof_a);
static DEFINE_MUTEX(twin_proof_b);

static noinline void twin_proof_uaf(void)
{
	char *p = kmalloc(32, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_info("twin: proof: read after free: %d\n", READ_ONCE(p[3]));
}

static noinline void twin_proof_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	/* Forget the only reference: kmemleak finds no pointer to it. */
	pr_info("twin: proof: leaked %s\n", p ? "128 bytes" : "nothing");
}

/* Never deadlocks (one thread), but the order graph has a cycle. */
static noinline void twin_proof_lockdep(void)
{
	mutex_lock(&twin_proof_a);
	mutex_lock(&twin_proof_b);
	mutex_unlock(&twin_proof_b);
	mutex_unlock(&twin_proof_a);

	mutex_lock(&twin_proof_b);
	mutex_lock(&twin_proof_a);
	mutex_unlock(&twin_proof_a);
	mutex_unlock(&twin_proof_b);
	pr_info("twin: proof: took a->b then b->a\n");
}

/* A task stuck in D state, as a deadlock would leave it: the test VMs
 * boot with hung_task_panic, so the hung-task detector must end the run.
 */
static noinline void twin_proof_hang(void)
{
	pr_info("twin: proof: sleeping uninterruptibly for 10 minutes\n");
	schedule_timeout_uninterruptible(600 * HZ);
}

void twin_proof_run(void)
{
	if (!strcmp(proof, "uaf"))
		twin_proof_uaf();
	else if (!strcmp(proof, "leak"))
		twin_proof_leak();
	else if (!strcmp(proof, "lockdep"))
		twin_proof_lockdep();
	else if (!strcmp(proof, "hang"))
		twin_proof_hang();
}
