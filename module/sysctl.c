// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace tunables under /proc/sys/net/twin/, as net.ipv4.neigh.*:
 * each namespace gets its own copy of the table pointing at its own
 * struct twin_net.
 */
#include <linux/slab.h>
#include <linux/sysctl.h>

#include "compat.h"
#include "sysctl.h"

static unsigned int twin_sysctl_min_ms = 100;
static unsigned int twin_sysctl_max_ms = 3600 * 1000;
static unsigned int twin_sysctl_max_retrans_ms = 60 * 1000;
static unsigned int twin_sysctl_max_time_wait_ms = 60 * 1000;
/* A few jiffies at most HZ; the RTO's own maximum. */
static unsigned int twin_sysctl_min_rto_ms = 10;
static unsigned int twin_sysctl_max_rto_ms = 10 * 1000;
static unsigned int twin_sysctl_min_neigh = 16;
static unsigned int twin_sysctl_max_neigh = 65536;
static unsigned int twin_sysctl_max_syncookies = 2;
static unsigned int twin_sysctl_max_solicit_rate = 100000;
/* The backoff a connection counts its timeouts in stops at 16. */
static unsigned int twin_sysctl_max_orphan_retries = 16;

static const struct ctl_table twin_sysctl_template[] = {
	{
		.procname = "neigh_reachable_ms",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = &twin_sysctl_min_ms,
		.extra2 = &twin_sysctl_max_ms,
	},
	{
		.procname = "neigh_gc_ms",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = &twin_sysctl_min_ms,
		.extra2 = &twin_sysctl_max_ms,
	},
	{
		/* Between solicitations: discovery takes 3 of these. */
		.procname = "neigh_retrans_ms",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = &twin_sysctl_min_ms,
		.extra2 = &twin_sysctl_max_retrans_ms,
	},
	{
		/* A closed connection's TIME_WAIT, read when it starts. */
		.procname = "time_wait_ms",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = &twin_sysctl_min_ms,
		.extra2 = &twin_sysctl_max_time_wait_ms,
	},
	{
		/*
		 * The RTO's floor, read when an RTO is computed: a long one
		 * keeps a slow peer from spurious retransmissions.
		 */
		.procname = "rto_min_ms",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = &twin_sysctl_min_rto_ms,
		.extra2 = &twin_sysctl_max_rto_ms,
	},
	{
		/*
		 * Entries the neighbour cache may hold: what any sender to
		 * unknown nodes, or any forged frame needing an answer, can
		 * make it allocate (neigh.c).
		 */
		.procname = "neigh_max",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = &twin_sysctl_min_neigh,
		.extra2 = &twin_sysctl_max_neigh,
	},
	{
		/*
		 * As tcp_syncookies: 0 never, 1 when a listener's SYN queue
		 * is full, 2 always (syncookie.c).
		 */
		.procname = "syncookies",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = &twin_sysctl_max_syncookies,
	},
	{
		/*
		 * As tcp_orphan_retries: the timeouts and zero-window probes
		 * of a closed connection before it gives its data up
		 * (conn_timer.c).
		 */
		.procname = "orphan_retries",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = &twin_sysctl_max_orphan_retries,
	},
	{
		/*
		 * Solicitations the namespace sends a second, at most: what
		 * a sender to ever new nodes makes every device broadcast
		 * (neigh.c).
		 */
		.procname = "neigh_solicit_rate",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = SYSCTL_ONE,
		.extra2 = &twin_sysctl_max_solicit_rate,
	},
	{
		/*
		 * As tcp_sack: whether new connections offer selective
		 * acknowledgment in their SYN and accept it in the peer's.
		 */
		.procname = "sack",
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = SYSCTL_ONE,
	},
	{ }	/* 6.1 ends the table here; newer kernels take its size */
};

#define TWIN_SYSCTL_ENTRIES (ARRAY_SIZE(twin_sysctl_template) - 1)

int twin_sysctl_init_net(struct net *net)
{
	struct twin_net *tn = twin_net(net);
	struct ctl_table *table;

	tn->neigh_reachable_ms = TWIN_NEIGH_REACHABLE_MS;
	tn->neigh_gc_ms = TWIN_NEIGH_GC_MS;
	tn->neigh_retrans_ms = TWIN_NEIGH_RETRANS_MS;
	tn->time_wait_ms = TWIN_TIME_WAIT_MS;
	tn->rto_min_ms = TWIN_RTO_MIN_MS;
	tn->neigh_max = TWIN_NEIGH_MAX;
	tn->syncookies = TWIN_SYNCOOKIES;
	tn->orphan_retries = TWIN_ORPHAN_RETRIES;
	tn->neigh_solicit_rate = TWIN_NEIGH_SOLICIT_RATE;
	tn->sack = 1;
	table = kmemdup(twin_sysctl_template, sizeof(twin_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[0].data = &tn->neigh_reachable_ms;
	table[1].data = &tn->neigh_gc_ms;
	table[2].data = &tn->neigh_retrans_ms;
	table[3].data = &tn->time_wait_ms;
	table[4].data = &tn->rto_min_ms;
	table[5].data = &tn->neigh_max;
	/*
	 * A namespace's root (a container's) may lower its cache's bound,
	 * not raise it past the initial namespace's, as ARP's gc_thresh*
	 * are the initial namespace's alone: many namespaces each holding
	 * neigh_max entries would otherwise be a machine's worth. So with
	 * the rate of solicitations: many namespaces each sending at their
	 * own rate would flood a segment.
	 */
	if (!net_eq(net, &init_net)) {
		table[5].extra2 = &twin_net(&init_net)->neigh_max;
		table[8].extra2 = &twin_net(&init_net)->neigh_solicit_rate;
	}
	table[6].data = &tn->syncookies;
	table[7].data = &tn->orphan_retries;
	table[8].data = &tn->neigh_solicit_rate;
	table[9].data = &tn->sack;
	tn->sysctl = twin_register_net_sysctl(net, "net/twin", table,
					      TWIN_SYSCTL_ENTRIES);
	if (!tn->sysctl) {
		kfree(table);
		return -ENOMEM;
	}
	tn->sysctl_table = table;
	return 0;
}

void twin_sysctl_exit_net(struct net *net)
{
	struct twin_net *tn = twin_net(net);

	unregister_net_sysctl_table(tn->sysctl);
	kfree(tn->sysctl_table);
}
