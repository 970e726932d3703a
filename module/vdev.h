/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The twin virtual device (link kind "twin"). Devices that share a segment
 * number form one virtual Ethernet switch, across network namespaces.
 */
#ifndef _TWIN_VDEV_H
#define _TWIN_VDEV_H

#include <linux/netdevice.h>

bool twin_vdev_is(const struct net_device *dev);
u32 twin_vdev_segment(const struct net_device *dev);
int twin_vdev_create(struct net *net, const char *name, u32 segment,
		     struct netlink_ext_ack *extack);

int twin_vdev_init(void);
void twin_vdev_exit(void);

#endif /* _TWIN_VDEV_H */
