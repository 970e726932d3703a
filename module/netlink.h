/* SPDX-License-Identifier: GPL-2.0 */
/* The "twin" generic netlink family that twinctl speaks. */
#ifndef _TWIN_NETLINK_H
#define _TWIN_NETLINK_H

#include "neigh.h"
#include "netns.h"

/* The family's multicast groups, in the order they are registered. */
enum {
	TWIN_NL_GRP_NEIGH,
};

int twin_netlink_init(void);
void twin_netlink_exit(void);
void twin_nl_neigh_notify(struct twin_net *tn, const struct twin_neigh_info *n,
			  u8 cmd);

#endif /* _TWIN_NETLINK_H */
