/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output routing: where a frame to a node goes (a local socket, a bearer
 * and neighbour, or every bearer for broadcast) and how large it may be.
 */
#ifndef _TWIN_ROUTE_H
#define _TWIN_ROUTE_H

#include <linux/if_ether.h>
#include <linux/skbuff.h>

#include "netns.h"

struct twin_bearer;

enum twin_route_kind {
	TWIN_ROUTE_LOCAL,
	TWIN_ROUTE_UNICAST,
	TWIN_ROUTE_PENDING,	/* discovery still running */
	TWIN_ROUTE_BROADCAST,
};

struct twin_route {
	enum twin_route_kind kind;
	u32 src_node;		/* TWIN_NODE_ANY: the bearer's, at send time */
	u32 dst_node;
	u32 local_node;		/* the node of the device it leaves by */
	int oif;		/* the only device it may leave by, 0: any */
	unsigned int mtu;
	unsigned int gso_max;	/* largest super-frame, header included; 0: none */
	bool keep_csum;		/* raw frames: the user's checksum stands */
	/*
	 * Where a local or REACHABLE unicast route leaves: used with no
	 * lookup of bearer or neighbour while twin_net.route_gen is still
	 * @gen (twin_route_bearer()). NULL: look them up at output.
	 */
	struct twin_bearer *bearer;
	u8 mac[ETH_ALEN];
	u64 gen;
};

/*
 * What travels with an outgoing frame from twin_route_output() on: a frame
 * that waits for discovery must still leave by the device its socket is
 * bound to. Nothing else uses the cb of a frame being sent.
 */
struct twin_out_cb {
	int oif;
	bool keep_csum;
};

#define TWIN_OUT_CB(skb) ((struct twin_out_cb *)((skb)->cb))

/*
 * Something a route depends on changed in @tn: a device with a twin
 * address came, went or changed, or a neighbour entry did. Routes looked
 * up before are looked up again. The change must be visible before the
 * new generation is (twin_route_gen() reads in the other order), and a
 * bearer's removal bumps it before the bearer's RCU grace period begins.
 * Any neighbour event in the namespace makes every connection look its
 * route up once more: a forger on the segment can cost them that, no
 * more.
 */
static inline void twin_route_changed(struct twin_net *tn)
{
	/* Pairs with twin_route_gen()'s smp_rmb(). */
	smp_mb__before_atomic();
	atomic64_inc(&tn->route_gen);
}

static inline u64 twin_route_gen(struct twin_net *tn)
{
	u64 gen = atomic64_read(&tn->route_gen);

	/* Pairs with twin_route_changed()'s smp_mb__before_atomic(). */
	smp_rmb();
	return gen;
}

int twin_route_lookup(struct net *net, u32 src_node, u32 dst_node, int oif,
		      long *timeo, struct twin_route *rt);
int twin_route_output(struct net *net, struct sk_buff *skb,
		      const struct twin_route *rt);
struct twin_bearer *twin_route_bearer(struct twin_net *tn,
				      const struct twin_route *rt);

#endif /* _TWIN_ROUTE_H */
