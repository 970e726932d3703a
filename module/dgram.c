// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_DGRAM. A datagram is one frame: no fragmentation, so a payload
 * larger than the path MTU less the header is EMSGSIZE, as for UDP with
 * IP_PMTUDISC_DO. Receiving is the generic datagram machinery of
 * net/core/datagram.c; the twin header stays in the skb's headroom so
 * recvmsg() can report the sender.
 */
#include <linux/poll.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <net/sock.h>

#include "bearer.h"
#include "dgram.h"
#include "msg.h"
#include "route.h"
#include "sock.h"

static int twin_dest_check(struct sock *sk, const struct sockaddr_twin *sa)
{
	if (sa->stw_node == TWIN_NODE_ANY || sa->stw_port == TWIN_PORT_ANY)
		return -EINVAL;
	/* A device in the destination must agree with the binding. */
	if (!twin_sk_bound_dev_ok(sk, sa->stw_ifindex) && sa->stw_ifindex)
		return -EINVAL;
	if (sa->stw_node == TWIN_NODE_BROADCAST && !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;
	return 0;
}

static int twin_dgram_connect(struct socket *sock,
			      struct twin_sockaddr_arg *uaddr, int len,
			      int flags)
{
	const struct sockaddr *any = (const struct sockaddr *)uaddr;
	const struct sockaddr_twin *sa;
	struct sock *sk = sock->sk;
	struct twin_sock *t = twin_sk(sk);
	int err;

	if (len >= (int)sizeof(sa_family_t) && any->sa_family == AF_UNSPEC) {
		lock_sock(sk);
		sk->sk_state = TCP_CLOSE;
		sock->state = SS_UNCONNECTED;
		t->peer_node = 0;
		t->peer_port = 0;
		release_sock(sk);
		return 0;
	}
	err = twin_sockaddr_get(uaddr, len, &sa);
	if (err)
		return err;
	err = twin_dest_check(sk, sa);
	if (!err)
		err = twin_dev_check(sock_net(sk), sa->stw_ifindex);
	if (err)
		return err;

	lock_sock(sk);
	err = twin_sock_autobind(sk);
	/* As IPv6's scope id: the peer's device binds the socket to it. */
	if (!err && sa->stw_ifindex)
		WRITE_ONCE(sk->sk_bound_dev_if, sa->stw_ifindex);
	if (!err) {
		t->peer_node = sa->stw_node;
		t->peer_port = sa->stw_port;
		sk->sk_state = TCP_ESTABLISHED;
		sock->state = SS_CONNECTED;
	}
	release_sock(sk);
	return err;
}

static int twin_dgram_sendmsg(struct socket *sock, struct msghdr *msg,
			      size_t len)
{
	DECLARE_SOCKADDR(const struct sockaddr_twin *, sa, msg->msg_name);
	struct twin_addr4 a = { 0 };
	struct sock *sk = sock->sk;
	struct twin_sock *t = twin_sk(sk);
	struct twin_route rt;
	struct sk_buff *skb;
	int oif, err;
	long timeo;

	if (msg->msg_flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_CONFIRM |
			       MSG_CMSG_COMPAT))
		return -EOPNOTSUPP;
	oif = READ_ONCE(sk->sk_bound_dev_if);
	if (sa) {
		err = twin_sockaddr_get(msg->msg_name, msg->msg_namelen, &sa);
		if (!err)
			err = twin_dest_check(sk, sa);
		if (err)
			return err;
		/* A reply to recvfrom()'s address leaves where it came in. */
		if (sa->stw_ifindex)
			oif = sa->stw_ifindex;
	}

	lock_sock(sk);
	if (sk->sk_shutdown & SEND_SHUTDOWN) {
		err = -EPIPE;
	} else if (!sa && sk->sk_state != TCP_ESTABLISHED) {
		err = -EDESTADDRREQ;
	} else {
		err = twin_sock_autobind(sk);
		a.src_node = t->node;
		a.src_port = t->port;
		a.dst_node = sa ? sa->stw_node : t->peer_node;
		a.dst_port = sa ? sa->stw_port : t->peer_port;
	}
	release_sock(sk);
	if (err)
		return err;

	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	err = twin_route_lookup(sock_net(sk), a.src_node, a.dst_node, oif,
				&timeo, &rt);
	if (err)
		return err;
	if (rt.mtu <= TWIN_HLEN || len > rt.mtu - TWIN_HLEN)
		return -EMSGSIZE;

	skb = sock_alloc_send_skb(sk, LL_MAX_HEADER + TWIN_HLEN + len,
				  msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	skb_reserve(skb, LL_MAX_HEADER + TWIN_HLEN);
	err = memcpy_from_msg(skb_put(skb, len), msg, len);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	a.src_node = rt.src_node;
	twin_build_hdr(skb, TWIN_T_DGRAM, 0, &a, 0);
	err = twin_route_output(sock_net(sk), skb, &rt);
	return err ? err : len;
}

/*
 * One frame per call, for DGRAM (payload) and RAW (whole frame) alike: the
 * header stays reachable through the network header either way.
 */
int twin_dgram_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
		       int flags)
{
	struct sock *sk = sock->sk;
	const struct twinhdr *hdr;
	struct sk_buff *skb;
	size_t copied;
	int err;

	if (flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC | MSG_WAITALL |
		      MSG_NOSIGNAL | MSG_CMSG_COMPAT | MSG_CMSG_CLOEXEC))
		return -EOPNOTSUPP;

	skb = skb_recv_datagram(sk, flags, &err);
	/*
	 * Shut for reading and empty: end of file, also without waiting, as
	 * unix_dgram_recvmsg(): poll() says readable, so EAGAIN would spin a
	 * non-blocking reader.
	 */
	if (!skb && err == -EAGAIN && READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
		return 0;
	if (!skb)
		return err;

	copied = skb->len;
	if (copied > size) {
		copied = size;
		msg->msg_flags |= MSG_TRUNC;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err)
		goto out;

	hdr = twin_hdr(skb);
	if (msg->msg_name)
		msg->msg_namelen = twin_sockaddr_put(msg->msg_name,
						     ntohl(hdr->src_node),
						     ntohl(hdr->src_port),
						     skb->skb_iif);
	sock_recv_cmsgs(msg, sk, skb);
	err = (flags & MSG_TRUNC) ? skb->len : copied;
out:
	skb_free_datagram(sk, skb);
	return err;
}

int twin_dgram_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	int amount = 0;

	switch (cmd) {
	case SIOCOUTQ:
		amount = sk_wmem_alloc_get(sk);
		break;
	case SIOCINQ:
		/* As UDP: the size of the next datagram, not the queue. */
		spin_lock_bh(&sk->sk_receive_queue.lock);
		skb = skb_peek(&sk->sk_receive_queue);
		if (skb)
			amount = skb->len;
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(amount, (int __user *)arg);
}

/*
 * A validated DGRAM frame arrived on @b: hand it to the socket bound to its
 * port, or drop and count it. Consumes @skb.
 */
void twin_dgram_rcv(struct twin_bearer *b, struct sk_buff *skb)
{
	const struct twinhdr *hdr = twin_hdr(skb);
	u32 dst = ntohl(hdr->dst_node), src = ntohl(hdr->src_node);
	u32 sport = ntohl(hdr->src_port);
	struct twin_net *tn = b->tn;
	struct twin_sock *t;
	unsigned int hlen;
	struct sock *sk;
	int reason;

	if (dst == TWIN_NODE_BROADCAST) {
		dst = b->node;
	} else if (!twin_bearer_by_node(tn, dst)) {
		reason = TWIN_STAT_DROP_ADDR;
		goto drop;
	}

	sk = twin_table_lookup(tn, SOCK_DGRAM, dst, ntohl(hdr->dst_port));
	if (!sk) {
		reason = TWIN_STAT_DROP_NO_SOCKET;
		goto drop;
	}
	t = twin_sk(sk);
	/* A connected socket hears only its peer; a bound one its device. */
	if ((sk->sk_state == TCP_ESTABLISHED &&
	     (t->peer_node != src || t->peer_port != sport)) ||
	    !twin_sk_bound_dev_ok(sk, b->dev->ifindex)) {
		sock_put(sk);
		reason = TWIN_STAT_DROP_NO_SOCKET;
		goto drop;
	}

	/* The filter may cut the payload, as UDP's cuts a datagram. */
	hlen = twin_hdr_len(hdr);
	if (!twin_sk_filter(sk, skb, hlen)) {
		sock_put(sk);
		reason = TWIN_STAT_DROP_FILTER;
		goto drop;
	}
	skb_pull(skb, hlen);
	if (twin_sock_queue_rcv(sk, skb) < 0) {
		sock_put(sk);
		reason = TWIN_STAT_DROP_RCVBUF;
		goto drop;
	}
	twin_count(b, tn, TWIN_STAT_DELIVERED, 1);
	sock_put(sk);
	return;

drop:
	twin_count(b, tn, reason, 1);
	kfree_skb(skb);
}

/*
 * .family is informational (the core reads sk_family, set from the module
 * parameter); it shows the default slot.
 */
const struct proto_ops twin_dgram_ops = {
	.family = PF_TWIN,
	.owner = THIS_MODULE,
	.release = twin_sock_release,
	.bind = twin_sock_bind,
	.connect = twin_dgram_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = twin_sock_getname,
	.poll = datagram_poll,
	.ioctl = twin_dgram_ioctl,
	.listen = sock_no_listen,
	.shutdown = twin_sock_shutdown,
	.setsockopt = sock_common_setsockopt,
	.getsockopt = sock_common_getsockopt,
	.sendmsg = twin_dgram_sendmsg,
	.recvmsg = twin_dgram_recvmsg,
	.mmap = sock_no_mmap,
};
