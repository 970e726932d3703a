/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state. An out-of-tree module cannot add fields to
 * struct net, so everything lives behind net_generic().
 */
#ifndef _TWIN_NETNS_H
#define _TWIN_NETNS_H

#include <linux/list.h>
#include <linux/list_nulls.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/twin.h>

#define TWIN_SOCK_HASH_BITS	10
#define TWIN_BIND_HASH_BITS	8
#define TWIN_CONN_HASH_BITS	10
/* The neighbour table grows with its cache, as the kernel's does. */
#define TWIN_NEIGH_HASH_BITS_MIN	8
#define TWIN_NEIGH_HASH_BITS_MAX	16

/*
 * Where a dump is in a hash: a chain and an index in it. A dump so walks
 * each chain once in all instead of the table once per entry (as
 * neigh_dump_table() and inet_diag keep their place); an entry added or
 * removed meanwhile may be missed or seen twice, as in any netlink dump.
 */
struct twin_dump_cursor {
	unsigned long bucket, pos;
};

struct twin_stats {
	u64 v[__TWIN_STAT_MAX];
};

struct twin_net {
	struct net *net;

	/* Devices with a twin address: written under RTNL, read under RCU. */
	struct list_head bearers;

	/*
	 * Sockets: every socket is in @socks (for /proc, dumps and walks of
	 * all), spread over chains so that a dump can keep its place by chain
	 * and index (struct twin_dump_cursor); bound ones are also in
	 * @bind_hash, keyed by type and port. @socks is written and read
	 * under @sk_lock; @bind_hash is written under it and read under RCU
	 * (table.c).
	 */
	spinlock_t sk_lock;
	struct hlist_head socks[1 << TWIN_SOCK_HASH_BITS];
	struct hlist_head bind_hash[1 << TWIN_BIND_HASH_BITS];
	/*
	 * Connections, keyed by type, local port and peer (conn_node). Each
	 * chain ends in its own nulls value: a connection can move to
	 * another chain (connect() again after a failed one).
	 */
	struct hlist_nulls_head conn_hash[1 << TWIN_CONN_HASH_BITS];

	/*
	 * Neighbour cache: node to device and MAC. Keyed with a secret, so
	 * that nobody can choose nodes that share a chain; @neigh_entries
	 * is kept at most neigh_max (under @neigh_lock). The table has
	 * 1 << @neigh_hash_bits chains and @neigh_grow doubles it (or
	 * more) once the cache holds more entries than chains; both change
	 * under @neigh_lock, which every walk holds.
	 */
	spinlock_t neigh_lock;
	struct hlist_head *neigh_hash;
	unsigned int neigh_hash_bits;
	struct work_struct neigh_grow;
	u32 neigh_hash_seed;
	unsigned int neigh_entries;
	u32 neigh_gen;			/* bumped by each entry added or gone */
	wait_queue_head_t neigh_wait;
	struct mem_cgroup *neigh_memcg;	/* charged for the cache */
	/* Solicitations' token bucket, in HZ per solicitation (neigh_lock). */
	u64 solicit_credit;
	unsigned long solicit_stamp;
	/*
	 * Bumped when the MTU of a device with a twin address changes:
	 * connections then work their MSS out again (twin_conn_mss_check()).
	 */
	atomic_t mtu_gen;
	/* Raw sockets, RCU; written under sk_lock. */
	struct hlist_head raw_socks;
	/* sysctl net.twin.*, milliseconds. */
	unsigned int neigh_reachable_ms;
	unsigned int neigh_gc_ms;
	unsigned int neigh_retrans_ms;
	unsigned int time_wait_ms;
	unsigned int rto_min_ms;
	unsigned int neigh_max;		/* entries, not ms */
	unsigned int neigh_solicit_rate;	/* a second, not ms */
	unsigned int syncookies;	/* 0, 1 or 2, as tcp_syncookies */
	unsigned int orphan_retries;	/* as tcp_orphan_retries */
	unsigned int sack;		/* 0 or 1, as tcp_sack */
	struct ctl_table_header *sysctl;
	struct ctl_table *sysctl_table;

	struct twin_stats __percpu *stats;
};

extern unsigned int twin_net_id;

static inline struct twin_net *twin_net(const struct net *net)
{
	return net_generic(net, twin_net_id);
}

static inline void twin_stats_add(struct twin_stats __percpu *stats,
				  enum twin_stat idx, u64 n)
{
	this_cpu_add(stats->v[idx], n);
}

void twin_stats_sum(struct twin_stats __percpu *stats, struct twin_stats *out);

#endif /* _TWIN_NETNS_H */
