/* SPDX-License-Identifier: GPL-2.0 */
/* The receive path: every twin frame from any bearer enters here. */
#ifndef _TWIN_INPUT_H
#define _TWIN_INPUT_H

#include <linux/netdevice.h>

int twin_rcv(struct sk_buff *skb, struct net_device *dev,
	     struct packet_type *pt, struct net_device *orig_dev);

#endif /* _TWIN_INPUT_H */
