/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output routing: where a frame to a node goes (a local socket, a bearer
 * and neighbour, or every bearer for broadcast) and how large it may be.
 */
#ifndef _TWIN_ROUTE_H
#define _TWIN_ROUTE_H

#include <linux/skbuff.h>

#include "netns.h"

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

int twin_route_lookup(struct net *net, u32 src_node, u32 dst_node, int oif,
		      long *timeo, struct twin_route *rt);
int twin_route_output(struct net *net, struct sk_buff *skb,
		      const struct twin_route *rt);

#endif /* _TWIN_ROUTE_H */
