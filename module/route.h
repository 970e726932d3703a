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
	unsigned int mtu;
};

int twin_route_lookup(struct net *net, u32 src_node, u32 dst_node,
		      long *timeo, struct twin_route *rt);
int twin_route_output(struct net *net, struct sk_buff *skb,
		      const struct twin_route *rt);

#endif /* _TWIN_ROUTE_H */
