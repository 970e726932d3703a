// SPDX-License-Identifier: GPL-2.0
/*
 * Output routing. twin has no routing table: a destination is a local node,
 * a neighbour found by discovery, or everyone (broadcast). The lookup only
 * returns values (no pointers) so the caller may sleep between looking up
 * and sending; the output step looks the bearer up again under RCU.
 */
#include <linux/etherdevice.h>

#include "bearer.h"
#include "msg.h"
#include "neigh.h"
#include "route.h"

/* The smallest MTU of all bearers, or 0 when there are none. */
static unsigned int twin_min_mtu(struct twin_net *tn)
{
	unsigned int mtu = 0;
	struct twin_bearer *b;

	list_for_each_entry_rcu(b, &tn->bearers, list)
		if (!mtu || b->dev->mtu < mtu)
			mtu = b->dev->mtu;
	return mtu;
}

int twin_route_lookup(struct net *net, u32 src_node, u32 dst_node,
		      long *timeo, struct twin_route *rt)
{
	struct twin_net *tn = twin_net(net);
	struct twin_bearer *b;
	int ifindex, err;

	rt->src_node = src_node;
	rt->dst_node = dst_node;
	rt->local_node = src_node;

	rcu_read_lock();
	rt->mtu = twin_min_mtu(tn);
	if (!rt->mtu) {
		rcu_read_unlock();
		return -ENETUNREACH;
	}
	/* The address the socket was bound to may have been removed since. */
	if (src_node != TWIN_NODE_ANY && !twin_bearer_by_node(tn, src_node)) {
		rcu_read_unlock();
		return -EADDRNOTAVAIL;
	}
	if (dst_node == TWIN_NODE_BROADCAST) {
		rcu_read_unlock();
		rt->kind = TWIN_ROUTE_BROADCAST;
		return 0;
	}
	b = twin_bearer_by_node(tn, dst_node);
	if (b) {
		rt->kind = TWIN_ROUTE_LOCAL;
		rt->mtu = b->dev->mtu;
		if (src_node == TWIN_NODE_ANY) {
			rt->src_node = dst_node;
			rt->local_node = dst_node;
		}
		rcu_read_unlock();
		return 0;
	}
	rcu_read_unlock();

	err = twin_neigh_resolve(tn, dst_node, timeo, &ifindex);
	if (err == -EINPROGRESS) {
		/*
		 * Checked against the smallest MTU, as the bearer is unknown;
		 * a connection takes the first device's node meanwhile.
		 */
		rt->kind = TWIN_ROUTE_PENDING;
		if (src_node == TWIN_NODE_ANY) {
			rcu_read_lock();
			b = list_first_or_null_rcu(&tn->bearers,
						   struct twin_bearer, list);
			if (b)
				rt->local_node = b->node;
			rcu_read_unlock();
		}
		return 0;
	}
	if (err)
		return err;

	rcu_read_lock();
	b = twin_bearer_by_ifindex(tn, ifindex);
	if (!b) {
		rcu_read_unlock();
		return -EHOSTUNREACH;
	}
	rt->kind = TWIN_ROUTE_UNICAST;
	rt->mtu = b->dev->mtu;
	if (src_node == TWIN_NODE_ANY)
		rt->local_node = b->node;
	rcu_read_unlock();
	return 0;
}

/* A copy per bearer: each one gets its own source node and checksum. */
static int twin_route_broadcast(struct twin_net *tn, struct sk_buff *skb)
{
	struct twin_bearer *b;
	struct sk_buff *copy;
	int sent = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(b, &tn->bearers, list) {
		copy = skb_copy(skb, GFP_ATOMIC);
		if (!copy) {
			twin_count(b, tn, TWIN_STAT_DROP_NOMEM, 1);
			continue;
		}
		if (!twin_bearer_send(b, copy, b->dev->broadcast))
			sent++;
	}
	rcu_read_unlock();
	consume_skb(skb);
	return sent ? 0 : -ENETDOWN;
}

/* Send a frame whose twin header is at skb->data. Consumes @skb. */
int twin_route_output(struct net *net, struct sk_buff *skb,
		      const struct twin_route *rt)
{
	struct twin_net *tn = twin_net(net);
	struct twin_bearer *b;
	int err;

	switch (rt->kind) {
	case TWIN_ROUTE_BROADCAST:
		return twin_route_broadcast(tn, skb);
	case TWIN_ROUTE_LOCAL:
		rcu_read_lock();
		b = twin_bearer_by_node(tn, rt->dst_node);
		if (b) {
			err = twin_bearer_send(b, skb, NULL);
		} else {
			kfree_skb(skb);
			err = -EHOSTUNREACH;
		}
		rcu_read_unlock();
		return err;
	default:
		return twin_neigh_output(tn, skb, rt->dst_node);
	}
}
