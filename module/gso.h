/* SPDX-License-Identifier: GPL-2.0 */
/* Super-frames: connection frames of many MSS, cut on the way out. */
#ifndef _TWIN_GSO_H
#define _TWIN_GSO_H

#include <linux/netdevice.h>

struct sk_buff *twin_gso_segment(struct sk_buff *skb,
				 netdev_features_t features);
unsigned int twin_gso_max_frame(const struct net_device *dev);
void twin_gso_init(void);
void twin_gso_exit(void);

#endif /* _TWIN_GSO_H */
