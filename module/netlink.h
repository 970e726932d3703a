/* SPDX-License-Identifier: GPL-2.0 */
/* The "twin" generic netlink family that twinctl speaks. */
#ifndef _TWIN_NETLINK_H
#define _TWIN_NETLINK_H

int twin_netlink_init(void);
void twin_netlink_exit(void);

#endif /* _TWIN_NETLINK_H */
