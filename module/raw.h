/* SPDX-License-Identifier: GPL-2.0 */
/* SOCK_RAW: whole twin frames in and out. */
#ifndef _TWIN_RAW_H
#define _TWIN_RAW_H

#include <linux/net.h>
#include <linux/skbuff.h>

struct twin_bearer;

extern const struct proto_ops twin_raw_ops;

int twin_raw_create_check(struct net *net, int protocol, int kern);
void twin_raw_hash(struct sock *sk);
void twin_raw_unhash(struct sock *sk);
void twin_raw_rcv(struct twin_bearer *b, struct sk_buff *skb);

#endif /* _TWIN_RAW_H */
