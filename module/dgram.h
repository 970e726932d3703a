/* SPDX-License-Identifier: GPL-2.0 */
/* SOCK_DGRAM: unreliable, unordered datagrams to a node and port. */
#ifndef _TWIN_DGRAM_H
#define _TWIN_DGRAM_H

#include <linux/net.h>
#include <linux/skbuff.h>

struct twin_bearer;

extern const struct proto_ops twin_dgram_ops;

void twin_dgram_rcv(struct twin_bearer *b, struct sk_buff *skb);
int twin_dgram_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
		       int flags);
int twin_dgram_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);

#endif /* _TWIN_DGRAM_H */
