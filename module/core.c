// SPDX-License-Identifier: GPL-2.0
/*
 * twin: the AF_TWIN address family. Module init and exit, and the
 * per-namespace state.
 *
 * Init order follows the in-tree families: per-namespace state, the
 * struct proto, device attachment, the link kind, generic netlink, and
 * sock_register() last, so no socket can be created before everything it
 * may touch exists. Exit runs in reverse.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "bearer.h"
#include "dgram.h"
#include "gso.h"
#include "mem.h"
#include "neigh.h"
#include "netlink.h"
#include "proc.h"
#include "proof.h"
#include "sock.h"
#include "sysctl.h"
#include "vdev.h"

int twin_family = AF_TWIN;
module_param_named(family, twin_family, int, 0444);
MODULE_PARM_DESC(family, "address family number (default 19, the unused AF_ECONET slot)");

unsigned int twin_net_id __read_mostly;

void twin_stats_sum(struct twin_stats __percpu *stats, struct twin_stats *out)
{
	int cpu, i;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct twin_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < ARRAY_SIZE(out->v); i++)
			out->v[i] += READ_ONCE(s->v[i]);
	}
}

static int __net_init twin_net_init(struct net *net)
{
	struct twin_net *tn = twin_net(net);
	unsigned int i;
	int err;

	tn->net = net;
	INIT_LIST_HEAD(&tn->bearers);
	spin_lock_init(&tn->sk_lock);
	for (i = 0; i < ARRAY_SIZE(tn->socks); i++)
		INIT_HLIST_HEAD(&tn->socks[i]);
	for (i = 0; i < ARRAY_SIZE(tn->conn_hash); i++)
		INIT_HLIST_NULLS_HEAD(&tn->conn_hash[i], i);
	INIT_HLIST_HEAD(&tn->raw_socks);
	err = twin_neigh_init_net(tn);
	if (err)
		return err;
	tn->stats = alloc_percpu(struct twin_stats);
	if (!tn->stats) {
		err = -ENOMEM;
		goto err_neigh;
	}
	err = twin_sysctl_init_net(net);
	if (err)
		goto err_stats;
	err = twin_proc_init_net(net);
	if (err)
		goto err_sysctl;
	return 0;

err_sysctl:
	twin_sysctl_exit_net(net);
err_stats:
	free_percpu(tn->stats);
err_neigh:
	twin_neigh_exit_net(tn);
	return err;
}

static void __net_exit twin_net_exit(struct net *net)
{
	struct twin_net *tn = twin_net(net);
	unsigned int i;

	twin_proc_exit_net(net);
	/* Devices left before us (NETDEV_UNREGISTER); this is belt and braces. */
	rtnl_lock();
	twin_bearer_del_all(tn);
	rtnl_unlock();
	twin_neigh_flush(tn, 0);
	/*
	 * A neighbour timer that collected its own entry is gone from the
	 * hash but may still be finishing (freeing it); it runs in softirq,
	 * so a grace period sees it out before tn or the module goes.
	 */
	synchronize_rcu();
	twin_neigh_exit_net(tn);
	for (i = 0; i < ARRAY_SIZE(tn->socks); i++)
		WARN_ON_ONCE(!hlist_empty(&tn->socks[i]));
	twin_sysctl_exit_net(net);
	free_percpu(tn->stats);
}

static struct pernet_operations twin_net_ops = {
	.init = twin_net_init,
	.exit = twin_net_exit,
	.id = &twin_net_id,
	.size = sizeof(struct twin_net),
};

static struct net_proto_family twin_family_ops = {
	.create = twin_sock_create,
	.owner = THIS_MODULE,
};

static int __init twin_init(void)
{
	int err;

	if (twin_family <= 0 || twin_family >= AF_MAX) {
		pr_err("twin: family=%d is outside 1..%d\n", twin_family, AF_MAX - 1);
		return -EINVAL;
	}
	twin_family_ops.family = twin_family;

	err = register_pernet_subsys(&twin_net_ops);
	if (err)
		return err;
	err = twin_mem_init();
	if (err)
		goto err_pernet;
	twin_mem_proto_init(&twin_proto);
	err = proto_register(&twin_proto, 1);
	if (err)
		goto err_mem;
	twin_gso_init();
	err = twin_bearer_init();
	if (err)
		goto err_gso;
	err = twin_vdev_init();
	if (err)
		goto err_bearer;
	err = twin_netlink_init();
	if (err)
		goto err_vdev;
	err = sock_register(&twin_family_ops);
	if (err == -EEXIST) {
		pr_err("twin: address family %d is already registered; load with family=N for a free slot\n",
		       twin_family);
		/*
		 * EEXIST from finit_module() tells kmod "already loaded", so
		 * newer kernels turn it into EBUSY themselves; do so on all.
		 */
		err = -EBUSY;
	}
	if (err)
		goto err_netlink;
	pr_info("twin: AF_TWIN registered as address family %d\n", twin_family);
	twin_proof_run();
	return 0;

err_netlink:
	twin_netlink_exit();
err_vdev:
	twin_vdev_exit();
err_bearer:
	twin_bearer_exit();
err_gso:
	twin_gso_exit();
	proto_unregister(&twin_proto);
err_mem:
	twin_mem_exit();
err_pernet:
	unregister_pernet_subsys(&twin_net_ops);
	return err;
}

static void __exit twin_exit(void)
{
	sock_unregister(twin_family);
	twin_netlink_exit();
	twin_vdev_exit();
	twin_bearer_exit();
	twin_gso_exit();
	proto_unregister(&twin_proto);
	unregister_pernet_subsys(&twin_net_ops);
	rcu_barrier();
	twin_mem_exit();
}

module_init(twin_init);
module_exit(twin_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("twin developers");
MODULE_DESCRIPTION("AF_TWIN: a teaching address family with its own virtual device");
MODULE_ALIAS_GENL_FAMILY(TWIN_GENL_NAME);
MODULE_ALIAS_NETPROTO(PF_TWIN);
