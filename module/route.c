// SPDX-License-Identifier: GPL-2.0
/*
 * Output routing. twin has no routing table: a destination is a local node,
 * a neighbour found by discovery, or everyone (broadcast). The lookup only
 * returns values (no pointers) so the caller may sleep between looking up
 * and sending; the output step looks the bearer up again under RCU.
 */
#include <linux/etherdevice.h>

#include "bearer.h"
#include "gso.h"
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

/*
 * A socket bound to device @oif leaves by it alone: the device must carry
 * a twin address, a bound node must be that address, and the route's MTU
 * and local node are the device's. Caller holds RCU.
 */
static int twin_route_oif(struct net *net, struct twin_net *tn, int oif,
			  u32 src_node, struct twin_route *rt)
{
	struct twin_bearer *b = twin_bearer_by_ifindex(tn, oif);

	if (!b)
		return dev_get_by_index_rcu(net, oif) ? -EADDRNOTAVAIL : -ENODEV;
	if (src_node != TWIN_NODE_ANY && src_node != b->node)
		return -EADDRNOTAVAIL;
	rt->mtu = b->dev->mtu;
	rt->local_node = b->node;
	return 0;
}

/* Where a neighbour was learned must agree with the binding. */
static bool twin_route_oif_ok(const struct twin_route *rt, int ifindex)
{
	return !rt->oif || rt->oif == ifindex;
}

int twin_route_lookup(struct net *net, u32 src_node, u32 dst_node, int oif,
		      long *timeo, struct twin_route *rt)
{
	struct twin_net *tn = twin_net(net);
	struct twin_bearer *b;
	int ifindex, err;

	rt->src_node = src_node;
	rt->dst_node = dst_node;
	rt->local_node = src_node;
	rt->oif = oif;
	rt->gso_max = 0;
	rt->keep_csum = false;

	rcu_read_lock();
	/* The address the socket was bound to may have been removed since. */
	if (src_node != TWIN_NODE_ANY && !twin_bearer_by_node(tn, src_node)) {
		rcu_read_unlock();
		return -EADDRNOTAVAIL;
	}
	rt->mtu = twin_min_mtu(tn);
	if (oif) {
		err = twin_route_oif(net, tn, oif, src_node, rt);
		if (err) {
			rcu_read_unlock();
			return err;
		}
	} else if (!rt->mtu) {
		rcu_read_unlock();
		return -ENETUNREACH;
	}
	if (dst_node == TWIN_NODE_BROADCAST) {
		rcu_read_unlock();
		rt->kind = TWIN_ROUTE_BROADCAST;
		return 0;
	}
	b = twin_bearer_by_node(tn, dst_node);
	if (b) {
		if (!twin_route_oif_ok(rt, b->dev->ifindex)) {
			rcu_read_unlock();
			return -ENETUNREACH;
		}
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
		 * Checked against the smallest MTU, as the bearer is unknown
		 * (or the bound one's); a connection takes the first device's
		 * node meanwhile.
		 */
		rt->kind = TWIN_ROUTE_PENDING;
		if (src_node == TWIN_NODE_ANY && !oif) {
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
	if (!twin_route_oif_ok(rt, ifindex))
		return -ENETUNREACH;

	rcu_read_lock();
	b = twin_bearer_by_ifindex(tn, ifindex);
	if (!b) {
		rcu_read_unlock();
		return -EHOSTUNREACH;
	}
	rt->kind = TWIN_ROUTE_UNICAST;
	rt->mtu = b->dev->mtu;
	/* Only here: a local or broadcast frame is never cut (gso.c). */
	rt->gso_max = twin_gso_max_frame(b->dev);
	if (src_node == TWIN_NODE_ANY)
		rt->local_node = b->node;
	rcu_read_unlock();
	return 0;
}

/*
 * A copy per bearer (or for the bound one only): each one gets its own
 * source node and checksum.
 */
static int twin_route_broadcast(struct twin_net *tn, struct sk_buff *skb,
				int oif)
{
	struct twin_bearer *b;
	struct sk_buff *copy;
	int sent = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(b, &tn->bearers, list) {
		if (oif && b->dev->ifindex != oif)
			continue;
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

	TWIN_OUT_CB(skb)->oif = rt->oif;
	TWIN_OUT_CB(skb)->keep_csum = rt->keep_csum;
	switch (rt->kind) {
	case TWIN_ROUTE_BROADCAST:
		return twin_route_broadcast(tn, skb, rt->oif);
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
