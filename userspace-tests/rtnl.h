/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal rtnetlink client for the harness: create, bring up and delete
 * network devices by name in the namespace a socket was opened in, without
 * forking ip(8) for every test.
 */
#ifndef TWIN_RTNL_H
#define TWIN_RTNL_H

#include <stddef.h>

/*
 * A NETLINK_ROUTE socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK, in the
 * caller's network namespace; -1 (errno set) on failure.
 */
int rtnl_open(void);

/*
 * Each returns 0 or -errno and copies the kernel's extended-ACK message,
 * if any, to extack.
 */
/* RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL: device name of kind (ip link add). */
int rtnl_link_add(int fd, const char *name, const char *kind,
		  char *extack, size_t extack_len);
/*
 * RTM_NEWLINK setting IFF_UP on device name, and its MTU unless mtu is 0
 * (ip link set NAME [mtu MTU] up).
 */
int rtnl_link_up(int fd, const char *name, unsigned int mtu, char *extack,
		 size_t extack_len);
/* RTM_DELLINK of device name (ip link del NAME). */
int rtnl_link_del(int fd, const char *name, char *extack, size_t extack_len);

#endif
