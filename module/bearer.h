/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bearer is an Ethernet device with a twin node address: twin frames are
 * sent and received on it under TWIN_ETH_P. One address per device.
 */
#ifndef _TWIN_BEARER_H
#define _TWIN_BEARER_H

#include <linux/netdevice.h>
#include <linux/rcupdate.h>

#include "netns.h"

struct twin_bearer {
	struct list_head list;		/* twin_net.bearers, RCU */
	struct twin_net *tn;
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct packet_type pt;
	u32 node;
	bool no_carrier;		/* announced without carrier, RTNL */
	struct twin_stats __percpu *stats;
	struct rcu_head rcu;
};

int twin_bearer_add(struct net *net, struct net_device *dev, u32 node,
		    struct netlink_ext_ack *extack);
void twin_bearer_del(struct twin_bearer *b);
void twin_bearer_del_all(struct twin_net *tn);

struct twin_bearer *twin_bearer_by_node(struct twin_net *tn, u32 node);
struct twin_bearer *twin_bearer_by_dev(struct twin_net *tn,
				       const struct net_device *dev);
struct twin_bearer *twin_bearer_by_ifindex(struct twin_net *tn, int ifindex);

static inline bool twin_node_is_local(struct twin_net *tn, u32 node)
{
	bool local;

	rcu_read_lock();
	local = twin_bearer_by_node(tn, node);
	rcu_read_unlock();
	return local;
}

static inline void twin_count(struct twin_bearer *b, struct twin_net *tn,
			      enum twin_stat idx, u64 n)
{
	if (b)
		twin_stats_add(b->stats, idx, n);
	twin_stats_add(tn->stats, idx, n);
}

/* Down, or up without carrier: nothing leaves it (semantics.md). */
static inline bool twin_bearer_up(const struct twin_bearer *b)
{
	return netif_running(b->dev) && netif_carrier_ok(b->dev);
}

int twin_bearer_xmit(struct twin_bearer *b, struct sk_buff *skb,
		     const u8 *dst_mac);
int twin_bearer_loop(struct twin_bearer *b, struct sk_buff *skb);
int twin_bearer_send(struct twin_bearer *b, struct sk_buff *skb,
		     const u8 *dst_mac);

int twin_bearer_init(void);
void twin_bearer_exit(void);

#endif /* _TWIN_BEARER_H */
