// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_RAW: whole frames, for tools and tests, as AF_PACKET is for
 * Ethernet and IPPROTO_RAW for IP. A raw socket receives a copy of every
 * valid frame that arrives on a device of its namespace (before the frame
 * is demultiplexed, so ordinary delivery is untouched), filtered by frame
 * type (its protocol) and device; it sends a frame the user built, header
 * and all, checked only as far as routing needs.
 */
#include <linux/capability.h>
#include <linux/netdevice.h>
#include <net/sock.h>

#include "bearer.h"
#include "dgram.h"
#include "msg.h"
#include "raw.h"
#include "route.h"
#include "sock.h"

/*
 * Before a raw socket exists: protocol 0 for every frame type, else one
 * TWIN_T_* value; CAP_NET_RAW over the namespace, as for AF_PACKET.
 */
int twin_raw_create_check(struct net *net, int protocol, int kern)
{
	if (protocol < 0 || protocol > U8_MAX)
		return -EPROTONOSUPPORT;
	if (!kern && !ns_capable(net->user_ns, CAP_NET_RAW))
		return -EPERM;
	return 0;
}

/* The socket hears frames from now on; the list is read under RCU. */
void twin_raw_hash(struct sock *sk)
{
	struct twin_net *tn = twin_net(sock_net(sk));

	twin_sk(sk)->port = sk->sk_protocol;
	spin_lock_bh(&tn->sk_lock);
	hlist_add_head_rcu(&twin_sk(sk)->raw_node, &tn->raw_socks);
	spin_unlock_bh(&tn->sk_lock);
}

void twin_raw_unhash(struct sock *sk)
{
	struct twin_net *tn = twin_net(sock_net(sk));

	spin_lock_bh(&tn->sk_lock);
	hlist_del_init_rcu(&twin_sk(sk)->raw_node);
	spin_unlock_bh(&tn->sk_lock);
}

/* A clone of @skb, its header private, with its CRC filled in; or NULL. */
static struct sk_buff *twin_raw_completed(struct sk_buff *skb)
{
	struct sk_buff *full = skb_clone(skb, GFP_ATOMIC);

	if (full && twin_csum_complete(full, 0)) {
		kfree_skb(full);
		return NULL;
	}
	return full;
}

/*
 * A frame that passed validation arrived on @b: a copy, header included,
 * to every raw socket that wants its type and device. Called from the
 * receive path, under RCU. @skb itself is left alone. A raw socket reads
 * frames as they are on a wire: one whose CRC the sender left undone
 * (twin_hdr_csum_partial()) is completed first, on a clone with a private
 * header.
 */
void twin_raw_rcv(struct twin_bearer *b, struct sk_buff *skb)
{
	int ifindex = b->dev->ifindex, type = twin_hdr(skb)->type;
	unsigned int hlen = twin_hdr_len(twin_hdr(skb));
	bool undone = twin_csum_undone(skb, 0);
	struct sk_buff *copy, *src, *full = NULL;
	struct twin_sock *t;
	struct sock *sk;

	hlist_for_each_entry_rcu(t, &b->tn->raw_socks, raw_node) {
		sk = &t->sk;
		if (sk->sk_protocol && sk->sk_protocol != type)
			continue;
		if (!twin_sk_bound_dev_ok(sk, ifindex))
			continue;
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		if (undone && !full)
			full = twin_raw_completed(skb);
		src = undone ? full : skb;
		copy = src ? skb_clone(src, GFP_ATOMIC) : NULL;
		if (!copy) {
			atomic_inc(&sk->sk_drops);
		} else if (!twin_sk_filter(sk, copy, hlen) ||
			   twin_sock_queue_rcv(sk, copy) < 0) {
			/* Both count in sk_drops already. */
			kfree_skb(copy);
		}
		sock_put(sk);
	}
	consume_skb(full);
}

/*
 * Only a device can be bound: a raw socket has no node or port of its
 * own. It may be bound again, as a packet socket may.
 */
static int twin_raw_bind(struct socket *sock, struct twin_sockaddr_arg *uaddr,
			 int len)
{
	const struct sockaddr_twin *sa;
	struct sock *sk = sock->sk;
	int err;

	err = twin_sockaddr_get(uaddr, len, &sa);
	if (err)
		return err;
	if (sa->stw_node || sa->stw_port)
		return -EINVAL;
	err = twin_dev_check(sock_net(sk), sa->stw_ifindex);
	if (err)
		return err;
	WRITE_ONCE(sk->sk_bound_dev_if, sa->stw_ifindex);
	return 0;
}

/* The header the user wrote, checked as far as routing it needs. */
static int twin_raw_check(struct sock *sk, const struct twinhdr *hdr,
			  size_t len)
{
	if (hdr->version != TWIN_VERSION || !hdr->type || !hdr->dst_node ||
	    hdr->doff < TWIN_DOFF_MIN || twin_hdr_len(hdr) > len ||
	    ntohs(hdr->len) != len - twin_hdr_len(hdr))
		return -EINVAL;
	if (ntohl(hdr->dst_node) == TWIN_NODE_BROADCAST &&
	    !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;
	return 0;
}

static int twin_raw_sendmsg(struct socket *sock, struct msghdr *msg,
			    size_t len)
{
	DECLARE_SOCKADDR(const struct sockaddr_twin *, sa, msg->msg_name);
	struct sock *sk = sock->sk;
	struct twin_route rt;
	struct sk_buff *skb;
	struct twinhdr hdr;
	int oif, err;
	long timeo;

	if (msg->msg_flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_CONFIRM |
			       MSG_CMSG_COMPAT))
		return -EOPNOTSUPP;
	oif = READ_ONCE(sk->sk_bound_dev_if);
	if (sa) {
		err = twin_sockaddr_get(msg->msg_name, msg->msg_namelen, &sa);
		if (err)
			return err;
		if (sa->stw_node || sa->stw_port)
			return -EINVAL;
		if (sa->stw_ifindex)
			oif = sa->stw_ifindex;
	}
	if (len < TWIN_HLEN)
		return -EINVAL;
	if (len > TWIN_HLEN_MAX + U16_MAX)
		return -EMSGSIZE;
	if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
		return -EPIPE;
	if (memcpy_from_msg(&hdr, msg, TWIN_HLEN))
		return -EFAULT;
	err = twin_raw_check(sk, &hdr, len);
	if (err)
		return err;

	/* The header's source may be any node: route as if unbound. */
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	err = twin_route_lookup(sock_net(sk), TWIN_NODE_ANY,
				ntohl(hdr.dst_node), oif, &timeo, &rt);
	if (err)
		return err;
	if (len > rt.mtu)
		return -EMSGSIZE;

	skb = sock_alloc_send_skb(sk, LL_MAX_HEADER + len,
				  msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	skb_put_data(skb, &hdr, TWIN_HLEN);
	err = memcpy_from_msg(skb_put(skb, len - TWIN_HLEN), msg,
			      len - TWIN_HLEN);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	/* A checksum the user wrote goes out as written, good or bad. */
	rt.keep_csum = hdr.csum != 0;
	err = twin_route_output(sock_net(sk), skb, &rt);
	return err ? err : len;
}

const struct proto_ops twin_raw_ops = {
	.family = PF_TWIN,
	.owner = THIS_MODULE,
	.release = twin_sock_release,
	.bind = twin_raw_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = twin_sock_getname,
	.poll = datagram_poll,
	.ioctl = twin_dgram_ioctl,
	.listen = sock_no_listen,
	.shutdown = twin_sock_shutdown,
	.setsockopt = sock_common_setsockopt,
	.getsockopt = sock_common_getsockopt,
	.sendmsg = twin_raw_sendmsg,
	.recvmsg = twin_dgram_recvmsg,
	.mmap = sock_no_mmap,
};
