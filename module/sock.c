// SPDX-License-Identifier: GPL-2.0
/*
 * What all twin socket types share: create(), release(), bind(),
 * getname(), shutdown(), and the one struct proto they are allocated from.
 * Each type has its own proto_ops table (dgram.c, conn.c, raw.c); an
 * operation a type does not support is sock_no_*().
 */
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>

#include "bearer.h"
#include "dgram.h"
#include "mem.h"
#include "raw.h"
#include "sock.h"

/*
 * Level SOL_TWIN: the connection options; datagram sockets have none.
 * SOL_SOCKET is handled by the core.
 */
static int twin_setsockopt(struct sock *sk, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	if (level != SOL_TWIN || !twin_sk_is_conn(sk))
		return -ENOPROTOOPT;
	return twin_conn_setsockopt(sk, optname, optval, optlen);
}

static int twin_getsockopt(struct sock *sk, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	if (level != SOL_TWIN || !twin_sk_is_conn(sk))
		return -ENOPROTOOPT;
	return twin_conn_getsockopt(sk, optname, optval, optlen);
}

struct proto twin_proto = {
	.name = "TWIN",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct twin_sock),
	.setsockopt = twin_setsockopt,
	.getsockopt = twin_getsockopt,
	.keepalive = twin_conn_keepalive,
	.backlog_rcv = twin_conn_backlog_rcv,
};

/*
 * Validate a user's sockaddr: long enough, our family, reserved bytes
 * zero. Anything else is EINVAL so that a future field cannot be silently
 * ignored by an old kernel.
 */
int twin_sockaddr_get(const void *uaddr, int len,
		      const struct sockaddr_twin **out)
{
	const struct sockaddr_twin *sa = uaddr;

	if (!uaddr || len < (int)sizeof(*sa))
		return -EINVAL;
	if (sa->stw_family != twin_family)
		return -EINVAL;
	if (sa->stw_reserved || sa->stw_ifindex < 0)
		return -EINVAL;
	*out = sa;
	return 0;
}

int twin_sockaddr_put(struct sockaddr *uaddr, u32 node, u32 port,
		      int ifindex)
{
	struct sockaddr_twin *sa = (struct sockaddr_twin *)uaddr;

	memset(sa, 0, sizeof(*sa));
	sa->stw_family = twin_family;
	sa->stw_node = node;
	sa->stw_port = port;
	sa->stw_ifindex = ifindex;
	return sizeof(*sa);
}

/*
 * A device a socket may be bound to: 0 for none, else one of the
 * namespace's devices (ENODEV) that carries a twin address (EADDRNOTAVAIL).
 */
int twin_dev_check(struct net *net, int ifindex)
{
	int err = 0;

	if (!ifindex)
		return 0;
	rcu_read_lock();
	if (!dev_get_by_index_rcu(net, ifindex))
		err = -ENODEV;
	else if (!twin_bearer_by_ifindex(twin_net(net), ifindex))
		err = -EADDRNOTAVAIL;
	rcu_read_unlock();
	return err;
}

static void twin_sock_rfree(struct sk_buff *skb)
{
	atomic_sub(skb->truesize, &skb->sk->sk_rmem_alloc);
}

/*
 * Queue a datagram or raw frame on @sk, as __sock_queue_rcv_skb() but not
 * charged to twin's protocol memory: bounded by SO_RCVBUF, as AF_UNIX and
 * raw IP bound theirs. Charging needs sk_forward_alloc under one lock on
 * both ends, and recvmsg() frees datagrams under none (UDP has a scheme
 * of its own for that, udp_rmem_release()). Connections, which hold the
 * most and the longest, are charged (conn_recv.c). Returns 0, or -ENOMEM
 * when the buffer is full.
 */
int twin_sock_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	unsigned long flags;

	if (atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf)) {
		atomic_inc(&sk->sk_drops);
		return -ENOMEM;
	}
	/* As __sock_queue_rcv_skb(): no device reference waits queued. */
	skb->dev = NULL;
	skb_dst_force(skb);
	skb_orphan(skb);
	skb->sk = sk;
	skb->destructor = twin_sock_rfree;
	atomic_add(skb->truesize, &sk->sk_rmem_alloc);
	sock_skb_set_dropcount(sk, skb);
	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	return 0;
}

static void twin_sk_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
	twin_mem_sock_destruct(sk);
}

int twin_sock_create(struct net *net, struct socket *sock, int protocol,
		     int kern)
{
	const struct proto_ops *ops;
	struct sock *sk;

	switch (sock->type) {
	case SOCK_DGRAM:
		ops = &twin_dgram_ops;
		break;
	case SOCK_STREAM:
		ops = &twin_stream_ops;
		break;
	case SOCK_SEQPACKET:
		ops = &twin_seqpacket_ops;
		break;
	case SOCK_RAW:
		ops = &twin_raw_ops;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	if (sock->type == SOCK_RAW) {
		int err = twin_raw_create_check(net, protocol, kern);

		if (err)
			return err;
	} else if (protocol) {
		return -EPROTONOSUPPORT;
	}

	sk = sk_alloc(net, twin_family, GFP_KERNEL, &twin_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	sk->sk_protocol = protocol;
	sk->sk_destruct = twin_sk_destruct;
	/* Frames look sockets up under RCU (table.c, raw.c). */
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_state = TCP_CLOSE;
	if (twin_sk_is_conn(sk)) {
		sk->sk_destruct = twin_conn_destruct;
		twin_conn_init(sk);
	}
	twin_mem_sock_init(sk);
	twin_table_add(sk);
	if (sk->sk_type == SOCK_RAW)
		twin_raw_hash(sk);
	return 0;
}

int twin_sock_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	lock_sock(sk);
	sock_orphan(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	sk->sk_state = TCP_CLOSE;
	release_sock(sk);
	if (sk->sk_type == SOCK_RAW)
		twin_raw_unhash(sk);
	twin_table_remove(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int twin_bind_check(struct sock *sk, u32 node, u32 port, int ifindex)
{
	struct net *net = sock_net(sk);
	struct twin_bearer *b;
	int err;

	if (node == TWIN_NODE_BROADCAST)
		return -EADDRNOTAVAIL;
	if (node != TWIN_NODE_ANY && !twin_node_is_local(twin_net(net), node))
		return -EADDRNOTAVAIL;
	err = twin_dev_check(net, ifindex);
	if (err)
		return err;
	if (ifindex && node != TWIN_NODE_ANY) {
		/* The node must be the address of that very device. */
		rcu_read_lock();
		b = twin_bearer_by_ifindex(twin_net(net), ifindex);
		if (!b || b->node != node)
			err = -EADDRNOTAVAIL;
		rcu_read_unlock();
		if (err)
			return err;
	}
	if (port != TWIN_PORT_ANY && port < TWIN_PORT_RESERVED &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	return 0;
}

int twin_sock_bind(struct socket *sock, struct twin_sockaddr_arg *uaddr,
		   int len)
{
	const struct sockaddr_twin *sa;
	struct sock *sk = sock->sk;
	int err;

	err = twin_sockaddr_get(uaddr, len, &sa);
	if (err)
		return err;
	err = twin_bind_check(sk, sa->stw_node, sa->stw_port, sa->stw_ifindex);
	if (err)
		return err;

	lock_sock(sk);
	if (twin_sk(sk)->port)
		err = -EINVAL;
	else
		err = twin_table_bind(sk, sa->stw_node, sa->stw_port);
	/* As SO_BINDTODEVICE; an ifindex of 0 leaves that binding alone. */
	if (!err && sa->stw_ifindex)
		WRITE_ONCE(sk->sk_bound_dev_if, sa->stw_ifindex);
	release_sock(sk);
	return err;
}

/*
 * Run @sk's socket filter (SO_ATTACH_FILTER, SO_ATTACH_BPF; also cgroup
 * ingress programs and LSM hooks, as every socket family's receive path)
 * on a frame whose twin header is at skb->data: offset 0 of a classic BPF
 * program is the header of docs/wire.md. The filter may cut the frame to
 * no fewer than @cap bytes. False if it refused the frame, which then
 * counts in sk_drops.
 */
bool twin_sk_filter(struct sock *sk, struct sk_buff *skb, unsigned int cap)
{
	if (!sk_filter_trim_cap(sk, skb, cap))
		return true;
	atomic_inc(&sk->sk_drops);
	return false;
}

/* Give an unbound socket an ephemeral port. Caller holds lock_sock(sk). */
int twin_sock_autobind(struct sock *sk)
{
	if (twin_sk(sk)->port)
		return 0;
	return twin_table_bind(sk, TWIN_NODE_ANY, TWIN_PORT_ANY);
}

/*
 * A datagram socket has a peer while connected; a connection from the
 * handshake's end until it is closed, half-closed states included, as TCP.
 */
static bool twin_sock_has_peer(const struct sock *sk)
{
	if (!twin_sk_is_conn(sk))
		return sk->sk_state == TCP_ESTABLISHED;
	return !((1 << sk->sk_state) &
		 (TCPF_CLOSE | TCPF_SYN_SENT | TCPF_LISTEN));
}

int twin_sock_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sock *sk = sock->sk;
	struct twin_sock *t = twin_sk(sk);
	int len;

	lock_sock(sk);
	if (peer) {
		if (!twin_sock_has_peer(sk)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		len = twin_sockaddr_put(uaddr, t->peer_node, t->peer_port, 0);
	} else {
		len = twin_sockaddr_put(uaddr, t->node, t->port,
					READ_ONCE(sk->sk_bound_dev_if));
	}
	release_sock(sk);
	return len;
}

int twin_sock_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;

	/* SHUT_RD, SHUT_WR, SHUT_RDWR are 0, 1, 2; the mask bits are +1. */
	how++;
	if (how <= 0 || how > SHUTDOWN_MASK)
		return -EINVAL;
	lock_sock(sk);
	sk->sk_shutdown |= how;
	sk->sk_state_change(sk);
	release_sock(sk);
	return 0;
}

void twin_sock_get_info(struct sock *sk, struct twin_sock_info *info)
{
	struct twin_sock *t = twin_sk(sk);

	info->type = sk->sk_type;
	info->state = sk->sk_state;
	info->node = t->node;
	info->port = t->port;
	info->peer_node = t->peer_node;
	info->peer_port = t->peer_port;
	if (twin_sk_is_conn(sk)) {
		/* As TCP in /proc/net/tcp: unread and unacknowledged bytes. */
		info->rqueue = READ_ONCE(t->conn.rcv_bytes);
		info->wqueue = READ_ONCE(t->conn.write_seq) -
			       READ_ONCE(t->conn.snd_una);
	} else {
		info->rqueue = sk_rmem_alloc_get(sk);
		info->wqueue = sk_wmem_alloc_get(sk);
	}
	info->drops = atomic_read(&sk->sk_drops);
	info->ifindex = READ_ONCE(sk->sk_bound_dev_if);
	info->ino = sock_i_ino(sk);
}
