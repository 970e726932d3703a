/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol half of a twin socket. struct socket (VFS side, one
 * proto_ops table per type) points at this struct sock (protocol side,
 * one struct proto with its own slab).
 */
#ifndef _TWIN_SOCK_H
#define _TWIN_SOCK_H

#include <net/sock.h>
#include <linux/twin.h>

#include "compat.h"
#include "conn.h"
#include "netns.h"

struct twin_sock {
	struct sock sk;		/* first: sk_alloc() allocates the whole */
	u32 node;		/* bound node, TWIN_NODE_ANY for any */
	u32 port;		/* bound port, 0 while unbound */
	u32 peer_node;		/* connected peer */
	u32 peer_port;
	struct hlist_node raw_node;	/* SOCK_RAW: twin_net.raw_socks */
	struct twin_conn conn;	/* SOCK_STREAM and SOCK_SEQPACKET only */
};

static inline struct twin_sock *twin_sk(const struct sock *sk)
{
	return (struct twin_sock *)sk;
}

static inline struct twin_conn *twin_conn(const struct sock *sk)
{
	return &twin_sk(sk)->conn;
}

static inline struct sock *twin_conn_sk(struct twin_conn *c)
{
	return &container_of(c, struct twin_sock, conn)->sk;
}

static inline bool twin_sk_is_conn(const struct sock *sk)
{
	return sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET;
}

/* A socket bound to a device hears only frames that came in on it. */
static inline bool twin_sk_bound_dev_ok(const struct sock *sk, int ifindex)
{
	int bound = READ_ONCE(sk->sk_bound_dev_if);

	return !bound || bound == ifindex;
}

extern int twin_family;
extern struct proto twin_proto;

int twin_sockaddr_get(const void *uaddr, int len,
		      const struct sockaddr_twin **out);
int twin_sockaddr_put(struct sockaddr *uaddr, u32 node, u32 port,
		      int ifindex);
int twin_dev_check(struct net *net, int ifindex);

int twin_sock_queue_rcv(struct sock *sk, struct sk_buff *skb);
int twin_sock_create(struct net *net, struct socket *sock, int protocol,
		     int kern);
int twin_sock_release(struct socket *sock);
int twin_sock_bind(struct socket *sock, struct twin_sockaddr_arg *uaddr,
		   int len);
int twin_sock_autobind(struct sock *sk);
bool twin_sk_filter(struct sock *sk, struct sk_buff *skb, unsigned int cap);
int twin_sock_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
int twin_sock_shutdown(struct socket *sock, int how);

/* What /proc/net/twin and the netlink socket dump show. */
struct twin_sock_info {
	int type;
	u8 state;
	u32 node, port, peer_node, peer_port;
	u32 rqueue, wqueue, drops;
	int ifindex;
	u64 ino;
};

void twin_sock_get_info(struct sock *sk, struct twin_sock_info *info);

/* The per-namespace socket table (table.c). */
void twin_table_add(struct sock *sk);
void twin_table_remove(struct sock *sk);
int twin_table_bind(struct sock *sk, u32 node, u32 port);
struct sock *twin_table_lookup(struct twin_net *tn, int type, u32 node,
			       u32 port);
int twin_table_conn_add(struct sock *sk);
void twin_table_conn_remove(struct sock *sk);
struct sock *twin_table_conn_lookup(struct twin_net *tn, int type, u32 node,
				    u32 port, u32 peer_node, u32 peer_port);
struct sock *twin_table_seek(struct twin_net *tn, struct twin_dump_cursor *cur);
int twin_table_get_info(struct twin_net *tn, struct twin_dump_cursor *cur,
			struct twin_sock_info *info);
void twin_table_dev_gone(struct twin_net *tn, int ifindex);

#endif /* _TWIN_SOCK_H */
