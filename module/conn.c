// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_STREAM and SOCK_SEQPACKET: the socket calls (connect, listen,
 * accept, shutdown, release, poll, ioctl, options) and the state changes
 * every connection goes through. States are the TCP_* values, with TCP's
 * meaning; the transitions are TCP's without simultaneous open.
 *
 * A listener creates a full child socket for each SYN (as AF_UNIX and
 * vsock do, not TCP's request socks) and keeps it on its accept list from
 * the first frame on, so that closing the listener finds every child; when
 * its SYN queue is full it answers with SYN cookies instead and makes the
 * child from the ACK (syncookie.c). The list holds the child's first
 * reference; accept() hands it to the new file. A child holds its
 * listener until accept() or its end.
 */
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/sockios.h>
#include <asm/ioctls.h>
#include <net/sock.h>

#include "conn.h"
#include "mem.h"
#include "msg.h"
#include "route.h"
#include "sock.h"

void twin_conn_init(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	c->ooo_root = RB_ROOT;
	c->last_oow_ack = jiffies - HZ;
	c->last_challenge_ack = jiffies - HZ;
	spin_lock_init(&c->accept_lock);
	INIT_LIST_HEAD(&c->accept_list);
	INIT_LIST_HEAD(&c->accept_node);
	c->conn_node.pprev = NULL;	/* unhashed */
	c->rto = twin_conn_rto_initial(sk);
	c->ssthresh = S32_MAX;
	c->rcv_ratio = 128;	/* until frames are measured: half */
	c->keepidle = TWIN_KEEPIDLE_DEFAULT;
	c->keepintvl = TWIN_KEEPINTVL_DEFAULT;
	c->keepcnt = TWIN_KEEPCNT_DEFAULT;
	twin_conn_buf_init(sk);
	c->sndbuf = sk->sk_sndbuf;
	sk->sk_backlog_rcv = twin_conn_backlog_rcv;
	/*
	 * Freed after a grace period: frames look connections up under RCU
	 * (table.c), a timer handler may still be returning into this module
	 * after dropping the last reference, and module exit waits with
	 * rcu_barrier(). Set here too for children, which sock.c never sees.
	 */
	sock_set_flag(sk, SOCK_RCU_FREE);
	twin_conn_timers_init(sk);
}

void twin_conn_set_state(struct sock *sk, int state)
{
	struct twin_conn *c = twin_conn(sk);

	/*
	 * An orphan counts until its data and FIN are through: TIME_WAIT
	 * holds a port, not data (TCP counts it apart too).
	 */
	if ((state == TCP_TIME_WAIT || state == TCP_CLOSE) &&
	    c->orphan_counted) {
		c->orphan_counted = 0;
		twin_mem_orphan_dec();
	}
	/* Pairs with twin_conn_poll(): lockless readers see what led here. */
	smp_store_release(&sk->sk_state, state);
}

unsigned long twin_conn_user_timeout(const struct sock *sk)
{
	u32 ms = READ_ONCE(twin_conn(sk)->user_timeout);

	return msecs_to_jiffies(ms ?: TWIN_USER_TIMEOUT_DEFAULT);
}

/* Take @cc off @parent's accept list and its count; under accept_lock. */
static void twin_conn_unlink_child(struct sock *parent, struct twin_conn *cc)
{
	list_del_init(&cc->accept_node);
	if (cc->syn_queued) {
		cc->syn_queued = 0;
		WRITE_ONCE(twin_conn(parent)->syn_recv,
			   twin_conn(parent)->syn_recv - 1);
	} else {
		sk_acceptq_removed(parent);
	}
}

/* Take @child off @parent's accept list. True if this call did. */
static bool twin_conn_unqueue(struct sock *parent, struct sock *child)
{
	struct twin_conn *pc = twin_conn(parent);
	struct twin_conn *cc = twin_conn(child);
	bool queued;

	spin_lock_bh(&pc->accept_lock);
	queued = !list_empty(&cc->accept_node);
	if (queued)
		twin_conn_unlink_child(parent, cc);
	spin_unlock_bh(&pc->accept_lock);
	return queued;
}

/*
 * The connection is over: unhash it, stop its timers and drop what it
 * still queues. An orphan (closed by its user, or a child nobody will
 * accept) leaves the socket table too and dies with its last reference.
 * Caller holds the socket lock and a reference.
 */
void twin_conn_done(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	int old = sk->sk_state;

	twin_conn_set_state(sk, TCP_CLOSE);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sock_set_flag(sk, SOCK_DONE);
	twin_conn_timers_stop(sk);
	twin_table_conn_remove(sk);
	__skb_queue_purge(&sk->sk_write_queue);
	c->send_head = NULL;
	twin_conn_ooo_purge(sk);

	/* A child that never completed its handshake is nobody's. */
	if (old == TCP_SYN_RECV && c->parent &&
	    twin_conn_unqueue(c->parent, sk)) {
		sock_set_flag(sk, SOCK_DEAD);
		sock_put(sk);
	}
	if (sock_flag(sk, SOCK_DEAD)) {
		twin_table_remove(sk);
		__skb_queue_purge(&sk->sk_receive_queue);
		c->rcv_bytes = 0;
		c->rcv_records = 0;
	} else {
		sk->sk_state_change(sk);
	}
}

/* End the connection with @err for its user (ECONNRESET, ETIMEDOUT, ...). */
void twin_conn_reset(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err, err);
	twin_conn_done(sk);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
}

/*
 * A child's handshake completed: from its listener's SYN queue to its
 * accept queue, unless the listener already let it go. The accept queue
 * may so pass the backlog by what the SYN queue held (at most the backlog
 * again), as no answer from the client can be refused here.
 */
static void twin_conn_child_ready(struct sock *parent, struct twin_conn *cc)
{
	struct twin_conn *pc = twin_conn(parent);

	spin_lock_bh(&pc->accept_lock);
	if (cc->syn_queued) {
		cc->syn_queued = 0;
		WRITE_ONCE(pc->syn_recv, pc->syn_recv - 1);
		sk_acceptq_added(parent);
	}
	spin_unlock_bh(&pc->accept_lock);
}

void twin_conn_established(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	twin_conn_set_state(sk, TCP_ESTABLISHED);
	c->retrans_start = 0;
	c->backoff = 0;
	c->last_rcv = jiffies;
	twin_conn_buf_established(sk);
	if (sock_flag(sk, SOCK_KEEPOPEN))
		twin_conn_keepalive_arm(sk);
	if (c->parent) {
		twin_conn_child_ready(c->parent, c);
		c->parent->sk_data_ready(c->parent);
	} else {
		sk->sk_state_change(sk);
	}
}

/*
 * Address @node left the namespace (twinctl addr del, its device went
 * away): no frame of its connections can be sent or received any more,
 * so they end now with ENETDOWN instead of timing out. Under RTNL, which
 * comes before lock_sock() and makes this the only user of gone_node.
 * One walk of the table collects them, held: a walk per connection was
 * quadratic under RTNL.
 */
void twin_conn_node_gone(struct twin_net *tn, u32 node)
{
	struct twin_conn *c, *tmp;
	struct sock *sk;
	unsigned int i;
	LIST_HEAD(gone);

	ASSERT_RTNL();
	spin_lock_bh(&tn->sk_lock);
	for (i = 0; i < ARRAY_SIZE(tn->socks); i++) {
		sk_for_each(sk, &tn->socks[i]) {
			if (!twin_sk_is_conn(sk) || twin_sk(sk)->node != node ||
			    hlist_nulls_unhashed(&twin_conn(sk)->conn_node))
				continue;
			sock_hold(sk);
			list_add_tail(&twin_conn(sk)->gone_node, &gone);
		}
	}
	spin_unlock_bh(&tn->sk_lock);

	list_for_each_entry_safe(c, tmp, &gone, gone_node) {
		sk = twin_conn_sk(c);
		list_del(&c->gone_node);
		lock_sock(sk);
		/* It may have ended and connected again from another node. */
		if (!hlist_nulls_unhashed(&c->conn_node) &&
		    twin_sk(sk)->node == node)
			twin_conn_reset(sk, ENETDOWN);
		release_sock(sk);
		sock_put(sk);
	}
}

void twin_conn_destruct(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	skb_queue_purge(&sk->sk_receive_queue);
	twin_conn_ooo_purge(sk);
	twin_mem_sock_destruct(sk);
	if (c->orphan_counted)
		twin_mem_orphan_dec();
	if (c->parent)
		sock_put(c->parent);
}

/* The lookups' choice of local node, local port and peer for a child. */
static void twin_conn_child_addr(struct sock *child, struct sock *listener,
				 const struct sk_buff *skb)
{
	const struct twinhdr *hdr = twin_hdr(skb);
	struct twin_sock *t = twin_sk(child);

	t->node = ntohl(hdr->dst_node);
	t->port = twin_sk(listener)->port;
	t->peer_node = ntohl(hdr->src_node);
	t->peer_port = ntohl(hdr->src_port);
}

static void twin_conn_child_inherit(struct sock *child, struct sock *sk)
{
	child->sk_type = sk->sk_type;
	child->sk_protocol = sk->sk_protocol;
	child->sk_sndbuf = READ_ONCE(sk->sk_sndbuf);
	child->sk_rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	child->sk_userlocks = sk->sk_userlocks;
	child->sk_rcvtimeo = READ_ONCE(sk->sk_rcvtimeo);
	child->sk_sndtimeo = READ_ONCE(sk->sk_sndtimeo);
	child->sk_rcvlowat = READ_ONCE(sk->sk_rcvlowat);
	child->sk_lingertime = READ_ONCE(sk->sk_lingertime);
	child->sk_mark = READ_ONCE(sk->sk_mark);
	child->sk_priority = READ_ONCE(sk->sk_priority);
	child->sk_bound_dev_if = READ_ONCE(sk->sk_bound_dev_if);
	if (sock_flag(sk, SOCK_KEEPOPEN))
		sock_set_flag(child, SOCK_KEEPOPEN);
	if (sock_flag(sk, SOCK_LINGER))
		sock_set_flag(child, SOCK_LINGER);
	twin_conn(child)->user_timeout = twin_conn(sk)->user_timeout;
	twin_conn(child)->keepidle = twin_conn(sk)->keepidle;
	twin_conn(child)->keepintvl = twin_conn(sk)->keepintvl;
	twin_conn(child)->keepcnt = twin_conn(sk)->keepcnt;
}

/*
 * A child of listener @sk for the client of @skb, whose initial sequence
 * number is @irs and who takes frames of @peer_mss; in no table yet.
 */
static struct sock *twin_conn_child_new(struct sock *sk,
					const struct sk_buff *skb, u32 irs,
					u32 peer_mss)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct twin_route rt;
	struct twin_conn *c;
	struct sock *child;
	long timeo = 0;

	child = sk_alloc(sock_net(sk), sk->sk_family, GFP_ATOMIC, sk->sk_prot,
			 0);
	if (!child)
		return NULL;
	sock_init_data(NULL, child);
	twin_conn_child_inherit(child, sk);
	child->sk_destruct = twin_conn_destruct;
	twin_mem_child_init(child, sk);
	twin_conn_init(child);
	twin_conn_child_addr(child, sk, skb);
	c = twin_conn(child);
	c->mtu_gen = atomic_read(&twin_net(sock_net(sk))->mtu_gen);
	if (twin_route_lookup(sock_net(sk), twin_sk(child)->node,
			      twin_sk(child)->peer_node, child->sk_bound_dev_if,
			      &timeo, &rt)) {
		sk_free(child);
		return NULL;
	}
	c->peer_mss = peer_mss;
	c->mss = twin_conn_mss_of(c->peer_mss, rt.mtu);
	c->cwnd = TWIN_INIT_CWND * c->mss;
	/* A SYN cookie's child has no SYN (and sent no SACK_PERM). */
	c->sack_ok = cb->sack_perm && READ_ONCE(twin_net(sock_net(sk))->sack);
	c->irs = irs;
	c->rcv_nxt = irs + 1;
	c->rcv_edge = c->rcv_nxt;
	twin_conn_set_snd_wnd(c, cb->wnd);
	c->last_rcv = jiffies;
	c->retrans_start = jiffies;
	sock_hold(sk);
	c->parent = sk;
	return child;
}

/*
 * Make @child (locked) a connection and queue it on listener @sk's accept
 * list, in its SYN queue or its accept queue. False if another connection
 * holds its ports: the caller frees it.
 */
static bool twin_conn_child_add(struct sock *sk, struct sock *child,
				bool syn_queued)
{
	struct twin_conn *lc = twin_conn(sk), *c = twin_conn(child);

	if (twin_table_conn_add(child))
		return false;
	twin_table_add(child);
	spin_lock(&lc->accept_lock);
	list_add_tail(&c->accept_node, &lc->accept_list);
	c->syn_queued = syn_queued;
	if (syn_queued)
		WRITE_ONCE(lc->syn_recv, lc->syn_recv + 1);
	else
		sk_acceptq_added(sk);
	spin_unlock(&lc->accept_lock);
	return true;
}

/*
 * A SYN reached listener @sk (locked, BH off). A full accept queue drops
 * it, as TCP's does, and the client retries. A full SYN queue (or
 * net.twin.syncookies 2) answers with a SYN cookie and keeps nothing
 * (net.twin.syncookies 0: drops it). Otherwise the child is made, hashed,
 * queued, and answers SYN|ACK. Nothing either when memory is short.
 */
void twin_conn_child(struct sock *sk, const struct sk_buff *skb)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	unsigned int cookies = READ_ONCE(twin_net(sock_net(sk))->syncookies);
	struct sock *child;

	if (sk_acceptq_is_full(sk))
		return;
	if (cookies == 2 || READ_ONCE(twin_conn(sk)->syn_recv) >=
	    READ_ONCE(sk->sk_max_ack_backlog)) {
		if (cookies)
			twin_conn_send_cookie(sk, skb);
		return;
	}
	child = twin_conn_child_new(sk, skb, cb->seq, twin_peer_mss(cb->mss));
	if (!child)
		return;
	bh_lock_sock_nested(child);
	if (!twin_conn_child_add(sk, child, true)) {
		bh_unlock_sock(child);
		sk_free(child);
		return;
	}
	/* Ours until the unlock: a failed SYN|ACK drops all the others. */
	sock_hold(child);
	twin_conn_set_state(child, TCP_SYN_RECV);
	if (twin_conn_send_syn(child))
		twin_conn_done(child);
	bh_unlock_sock(child);
	sock_put(child);
}

/*
 * An ACK reached listener @sk (locked, BH off): if it returns a SYN cookie
 * of ours, the connection is made as its SYN|ACK said, established, and
 * returned held in *childp for the ACK to be its first frame.
 * -ENOENT: not a cookie (the caller resets it); -ENOBUFS: a good one that
 * finds the accept queue full or memory short (dropped: the client's
 * retransmission comes back to it, as TCP's).
 */
int twin_conn_cookie_child(struct sock *sk, const struct sk_buff *skb,
			   struct sock **childp)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct twin_net *tn = twin_net(sock_net(sk));
	struct twin_conn *c;
	struct sock *child;
	u32 mss;

	if (!twin_conn_cookies_recent(sk))
		return -ENOENT;
	mss = twin_syncookie_check(skb);
	if (!mss) {
		twin_stats_add(tn->stats, TWIN_STAT_SYNCOOKIES_FAILED, 1);
		return -ENOENT;
	}
	if (sk_acceptq_is_full(sk))
		return -ENOBUFS;
	child = twin_conn_child_new(sk, skb, cb->seq - 1, mss);
	if (!child)
		return -ENOBUFS;
	c = twin_conn(child);
	c->iss = cb->ack - 1;
	c->snd_una = cb->ack;
	c->snd_nxt = cb->ack;
	c->snd_max = cb->ack;
	c->write_seq = cb->ack;
	c->rcv_adv = c->rcv_nxt + twin_conn_rcv_wnd(child);
	c->rcv_edge = c->rcv_adv;
	bh_lock_sock_nested(child);
	if (!twin_conn_child_add(sk, child, false)) {
		bh_unlock_sock(child);
		sk_free(child);
		return -ENOBUFS;
	}
	sock_hold(child);
	twin_conn_established(child);
	bh_unlock_sock(child);
	twin_stats_add(tn->stats, TWIN_STAT_SYNCOOKIES_RECV, 1);
	*childp = child;
	return 0;
}

/*
 * Could an ACK at listener @sk return a SYN cookie of ours? Not when none
 * went out for as long as one holds (tcp_synq_no_recent_overflow()): an
 * ACK is then a guess, not an answer, and is not even checked.
 */
bool twin_conn_cookies_recent(const struct sock *sk)
{
	unsigned int mode = READ_ONCE(twin_net(sock_net(sk))->syncookies);

	return mode == 2 ||
	       (mode == 1 &&
		time_before_eq(jiffies,
			       READ_ONCE(twin_conn(sk)->last_overflow) +
			       TWIN_SYNCOOKIE_VALID));
}

/*
 * The socket is bound to TWIN_NODE_ANY and to no device, and the connect()
 * blocks: wait (up to *timeo, which is charged) for discovery to tell which
 * device reaches the peer, so that the connection takes that device's
 * node. Whatever ends the wait (discovery done or failed, the timeout, a
 * signal), the connection then starts as a non-blocking one does: a peer
 * still unknown gets the first device's node and a SYN that waits for
 * discovery, and a signal interrupts the connect() with the handshake
 * under way, as before.
 */
static void twin_conn_discover(struct sock *sk, u32 peer, long *timeo)
{
	struct twin_route rt;

	if (twin_sk(sk)->node != TWIN_NODE_ANY ||
	    READ_ONCE(sk->sk_bound_dev_if) || !*timeo)
		return;
	twin_route_lookup(sock_net(sk), TWIN_NODE_ANY, peer, 0, timeo, &rt);
}

static int twin_conn_start(struct sock *sk, const struct sockaddr_twin *sa,
			   long *wait)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_sock *t = twin_sk(sk);
	unsigned long start = jiffies;
	struct twin_route rt;
	long timeo = 0;
	int err;

	/* As IPv6's scope id: the peer's device binds the socket to it. */
	if (sa->stw_ifindex) {
		if (!twin_sk_bound_dev_ok(sk, sa->stw_ifindex))
			return -EINVAL;
		err = twin_dev_check(sock_net(sk), sa->stw_ifindex);
		if (err)
			return err;
		WRITE_ONCE(sk->sk_bound_dev_if, sa->stw_ifindex);
	}
	err = twin_sock_autobind(sk);
	if (err)
		return err;
	twin_conn_discover(sk, sa->stw_node, wait);
	/* Read before the lookup: a change after it is then seen. */
	c->mtu_gen = atomic_read(&twin_net(sock_net(sk))->mtu_gen);
	err = twin_route_lookup(sock_net(sk), t->node, sa->stw_node,
				READ_ONCE(sk->sk_bound_dev_if), &timeo, &rt);
	if (err)
		return err;
	if (rt.local_node == TWIN_NODE_ANY)
		return -ENETUNREACH;
	/* Lockless lookups may still read them (table.c). */
	WRITE_ONCE(t->node, rt.local_node);
	WRITE_ONCE(t->peer_node, sa->stw_node);
	WRITE_ONCE(t->peer_port, sa->stw_port);
	err = twin_table_conn_add(sk);
	if (err)
		return err;

	WRITE_ONCE(sk->sk_err, 0);
	sk->sk_shutdown = 0;
	sock_reset_flag(sk, SOCK_DONE);
	/* The peer's SYN|ACK may lower it (twin_conn_syn_sent_rcv()). */
	c->peer_mss = U16_MAX;
	c->mss = twin_mss_of_mtu(rt.mtu);
	c->cwnd = TWIN_INIT_CWND * c->mss;
	c->ssthresh = S32_MAX;
	c->snd_wnd = c->mss;
	c->max_snd_wnd = 0;
	c->rto = twin_conn_rto_initial(sk);
	c->backoff = 0;
	/* Nothing of an earlier connection of this socket's carries over. */
	c->srtt_us = 0;
	c->rttvar_us = 0;
	c->in_recovery = 0;
	c->dupacks = 0;
	c->frto = 0;
	/* The peer's SYN|ACK must offer it too (twin_conn_syn_sent_rcv()). */
	c->sack_ok = READ_ONCE(twin_net(sock_net(sk))->sack);
	c->sacked_out = 0;
	c->sack_lost = 0;
	c->nsack = 0;
	c->rcv_rtt_us = 0;
	c->rcv_rtt_start_us = 0;
	/* The user timeout counts from connect(), discovery included. */
	c->retrans_start = start;
	twin_conn_set_state(sk, TCP_SYN_SENT);
	err = twin_conn_send_syn(sk);
	if (err)
		twin_conn_done(sk);
	return err;
}

static int twin_conn_wait_connect(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while (sk->sk_state == TCP_SYN_SENT) {
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		if (!*timeo) {
			err = -EINPROGRESS;
			break;
		}
		sk_wait_event(sk, timeo, sk->sk_state != TCP_SYN_SENT, &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/* As inet_stream_connect(), including its answers to repeated calls. */
static int twin_conn_connect(struct socket *sock,
			     struct twin_sockaddr_arg *uaddr, int len,
			     int flags)
{
	const struct sockaddr_twin *sa;
	struct sock *sk = sock->sk;
	int err, ret;
	long timeo;

	err = twin_sockaddr_get(uaddr, len, &sa);
	if (err)
		return err;
	if (sa->stw_node == TWIN_NODE_ANY || sa->stw_port == TWIN_PORT_ANY)
		return -EINVAL;
	if (sa->stw_node == TWIN_NODE_BROADCAST)
		return -ENETUNREACH;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	switch (sock->state) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	default:
		if (sk->sk_state != TCP_CLOSE) {
			err = sk->sk_state == TCP_LISTEN ? -EINVAL : -EISCONN;
			goto out;
		}
		err = twin_conn_start(sk, sa, &timeo);
		if (err)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	if (sk->sk_state == TCP_SYN_SENT) {
		if (!timeo)
			goto out;
		ret = twin_conn_wait_connect(sk, &timeo);
		if (ret == -EINPROGRESS)
			goto out;	/* EINPROGRESS or EALREADY, as TCP */
		if (ret) {
			err = ret;
			goto out;
		}
	}
	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk) ?: -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

static int twin_conn_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = 0;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED ||
	    (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)) {
		err = -EINVAL;
		goto out;
	}
	err = twin_sock_autobind(sk);
	if (err)
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state != TCP_LISTEN) {
		sk->sk_shutdown = 0;
		twin_conn_set_state(sk, TCP_LISTEN);
	}
out:
	release_sock(sk);
	return err;
}

/* A child past its handshake, or NULL. The list's reference goes along. */
static struct sock *twin_conn_dequeue(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk), *cc;
	struct sock *child = NULL;

	spin_lock_bh(&c->accept_lock);
	list_for_each_entry(cc, &c->accept_list, accept_node) {
		if (!cc->syn_queued) {
			twin_conn_unlink_child(sk, cc);
			child = twin_conn_sk(cc);
			break;
		}
	}
	spin_unlock_bh(&c->accept_lock);
	return child;
}

static bool twin_conn_acceptable(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk), *cc;
	bool ready = false;

	spin_lock_bh(&c->accept_lock);
	list_for_each_entry(cc, &c->accept_list, accept_node) {
		if (!cc->syn_queued) {
			ready = true;
			break;
		}
	}
	spin_unlock_bh(&c->accept_lock);
	return ready;
}

static int twin_conn_accept(TWIN_ACCEPT_PARAMS)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int fl = twin_accept_flags();
	struct sock *sk = sock->sk;
	struct sock *child = NULL;
	long timeo;
	int err = 0;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, fl & O_NONBLOCK);
	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		if (sk->sk_state != TCP_LISTEN) {
			err = -EINVAL;
			break;
		}
		child = twin_conn_dequeue(sk);
		if (child)
			break;
		if (!timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			break;
		}
		sk_wait_event(sk, &timeo, twin_conn_acceptable(sk) ||
			      sk->sk_state != TCP_LISTEN, &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	if (child) {
		lock_sock_nested(child, SINGLE_DEPTH_NESTING);
		sock_graft(child, newsock);
		newsock->state = SS_CONNECTED;
		twin_conn(child)->parent = NULL;
		release_sock(child);
		/* The child's hold on its listener; the caller has another. */
		sock_put(sk);
	}
	release_sock(sk);
	return err;
}

/* The first child on @sk's accept list, taken off it with its reference. */
static struct sock *twin_conn_dequeue_any(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk), *cc;
	struct sock *child = NULL;

	spin_lock_bh(&c->accept_lock);
	cc = list_first_entry_or_null(&c->accept_list, struct twin_conn,
				      accept_node);
	if (cc) {
		twin_conn_unlink_child(sk, cc);
		child = twin_conn_sk(cc);
	}
	spin_unlock_bh(&c->accept_lock);
	return child;
}

/*
 * Stop listening: every child not yet accepted is reset. Children are taken
 * off the list one at a time under the lock, as vsock_dequeue_accept() does:
 * a child still in its handshake can end meanwhile (its RTO, an RST, its
 * node gone) and unlink itself in twin_conn_done(), which must find it
 * either on the list, and take it off, or off it, and leave it to us.
 */
static void twin_conn_stop_listen(struct sock *sk)
{
	struct sock *child;

	twin_conn_set_state(sk, TCP_CLOSE);
	while ((child = twin_conn_dequeue_any(sk))) {
		lock_sock_nested(child, SINGLE_DEPTH_NESTING);
		sock_set_flag(child, SOCK_DEAD);
		if (child->sk_state != TCP_CLOSE) {
			twin_conn_send_rst(child);
			twin_conn_done(child);
		} else {
			twin_table_remove(child);
			__skb_queue_purge(&child->sk_receive_queue);
		}
		release_sock(child);
		sock_put(child);
	}
	sk->sk_state_change(sk);
}

static bool twin_conn_has_unread(struct sock *sk)
{
	return twin_conn(sk)->rcv_bytes || twin_conn(sk)->rcv_records ||
	       !skb_queue_empty(&sk->sk_receive_queue);
}

/* SO_LINGER with a timeout: wait for the FIN to be acknowledged. */
static void twin_conn_linger(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	const int closing = TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK;

	add_wait_queue(sk_sleep(sk), &wait);
	while (((1 << sk->sk_state) & closing) && timeo &&
	       !signal_pending(current))
		sk_wait_event(sk, &timeo, !((1 << sk->sk_state) & closing),
			      &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
}

/*
 * An orphan gives way (tcp_check_oom()): when there are more than
 * net.twin.max_orphans with it, or twin memory is past net.twin.mem's
 * high mark while it holds more than the least of send buffers.
 */
bool twin_conn_orphan_oom(struct sock *sk, int more)
{
	return twin_mem_too_many_orphans(more) ||
	       (sk->sk_wmem_queued > SOCK_MIN_SNDBUF && twin_mem_exhausted(sk));
}

/*
 * The user closed @sk with data or a FIN still to deliver: it lives on
 * as an orphan, counted, unless it is one too many (then it is reset,
 * as tcp_close() does, and says so once in a while).
 */
static void twin_conn_orphan(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (twin_conn_orphan_oom(sk, 1)) {
		net_info_ratelimited("twin: too many orphaned connections or too little memory; resetting\n");
		twin_stats_add(twin_net(sock_net(sk))->stats,
			       TWIN_STAT_ORPHANS_ABORTED, 1);
		twin_conn_send_rst(sk);
		twin_conn_done(sk);
		return;
	}
	c->orphan_counted = 1;
	twin_mem_orphan_inc();
}

static int twin_conn_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	bool abort;

	if (!sk)
		return 0;
	lock_sock(sk);
	abort = twin_conn_has_unread(sk) ||
		(sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime);
	switch (sk->sk_state) {
	case TCP_LISTEN:
		twin_conn_stop_listen(sk);
		break;
	case TCP_SYN_SENT:
		twin_conn_done(sk);
		break;
	case TCP_CLOSE:
	case TCP_TIME_WAIT:
		break;
	default:
		if (abort) {
			twin_conn_send_rst(sk);
			twin_conn_done(sk);
		} else if (sk->sk_state == TCP_ESTABLISHED ||
			   sk->sk_state == TCP_CLOSE_WAIT) {
			twin_conn_send_fin(sk);
		}
	}
	if (sock_flag(sk, SOCK_LINGER) && sk->sk_lingertime)
		twin_conn_linger(sk, sk->sk_lingertime);

	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sock_orphan(sk);
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_TIME_WAIT)
		twin_conn_orphan(sk);
	switch (sk->sk_state) {
	case TCP_CLOSE:
		twin_table_remove(sk);
		__skb_queue_purge(&sk->sk_receive_queue);
		break;
	case TCP_FIN_WAIT2:
		twin_conn_state_timer_arm(sk, TWIN_FIN_WAIT2);
		break;
	}
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int twin_conn_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/* SHUT_RD, SHUT_WR, SHUT_RDWR are 0, 1, 2; the mask bits are +1. */
	how++;
	if (how <= 0 || how > SHUTDOWN_MASK)
		return -EINVAL;
	lock_sock(sk);
	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		break;
	case TCP_LISTEN:
		if (how & RCV_SHUTDOWN)
			twin_conn_stop_listen(sk);
		break;
	case TCP_SYN_SENT:
		WRITE_ONCE(sk->sk_err, ECONNRESET);
		twin_conn_done(sk);
		break;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if ((how & SEND_SHUTDOWN) &&
		    (sk->sk_state == TCP_ESTABLISHED ||
		     sk->sk_state == TCP_CLOSE_WAIT))
			twin_conn_send_fin(sk);
		sk->sk_state_change(sk);
	}
	release_sock(sk);
	return err;
}

static __poll_t twin_conn_poll(struct file *file, struct socket *sock,
			       poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);
	/* Pairs with twin_conn_set_state(). */
	state = smp_load_acquire(&sk->sk_state);
	if (state == TCP_LISTEN)
		return twin_conn_acceptable(sk) ? EPOLLIN | EPOLLRDNORM : 0;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (twin_conn_readable(sk))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (shutdown & SEND_SHUTDOWN) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else if (sock_writeable(sk)) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* Recheck after setting NOSPACE, as tcp_poll(). */
			smp_mb__after_atomic();
			if (sock_writeable(sk))
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

/* Bytes queued from @skb on, for SIOCOUTQ and SIOCOUTQNSD. */
static int twin_conn_queued(struct sock *sk, struct sk_buff *from)
{
	struct sk_buff *skb = from;
	int n = 0;

	if (!skb)
		return 0;
	skb_queue_walk_from(&sk->sk_write_queue, skb)
		n += skb->len;
	return n;
}

static int twin_conn_ioctl(struct socket *sock, unsigned int cmd,
			   unsigned long arg)
{
	struct sock *sk = sock->sk;
	int amount;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		release_sock(sk);
		return cmd == SIOCINQ || cmd == SIOCOUTQ ||
		       cmd == SIOCOUTQNSD ? -EINVAL : -ENOIOCTLCMD;
	}
	switch (cmd) {
	case SIOCINQ:
		amount = twin_conn(sk)->rcv_bytes;
		break;
	case SIOCOUTQ:
		amount = twin_conn_queued(sk, skb_peek(&sk->sk_write_queue));
		break;
	case SIOCOUTQNSD:
		amount = twin_conn_queued(sk, twin_conn(sk)->send_head);
		break;
	default:
		release_sock(sk);
		return -ENOIOCTLCMD;
	}
	release_sock(sk);
	return put_user(amount, (int __user *)arg);
}

void twin_conn_keepalive(struct sock *sk, int valbool)
{
	if (!twin_sk_is_conn(sk))
		return;
	if (valbool && (sk->sk_state == TCP_ESTABLISHED ||
			sk->sk_state == TCP_CLOSE_WAIT))
		twin_conn_keepalive_arm(sk);
	else if (!valbool && (sk->sk_state == TCP_ESTABLISHED ||
			      sk->sk_state == TCP_CLOSE_WAIT))
		sk_stop_timer(sk, &twin_conn(sk)->state_timer);
}

static void twin_conn_get_info(struct sock *sk, struct twin_info *info)
{
	struct twin_conn *c = twin_conn(sk);

	memset(info, 0, sizeof(*info));
	info->state = sk->sk_state;
	info->backoff = c->backoff;
	/* A client's offer is not an agreement until the SYN|ACK says so. */
	if (c->sack_ok && sk->sk_state != TCP_SYN_SENT)
		info->options |= TWIN_INFO_OPT_SACK;
	info->mss = c->mss;
	info->rtt_us = c->srtt_us;
	info->rttvar_us = c->rttvar_us;
	info->rto_ms = jiffies_to_msecs(c->rto);
	info->cwnd = c->cwnd;
	info->ssthresh = c->ssthresh;
	info->snd_wnd = c->snd_wnd;
	info->rcv_wnd = twin_conn_rcv_wnd(sk);
	info->unacked = c->snd_nxt - c->snd_una;
	info->notsent = twin_conn_queued(sk, c->send_head);
	info->retransmits = c->retransmits;
	info->fast_retransmits = c->fast_retransmits;
	info->timeouts = c->timeouts;
	info->bytes_sent = c->bytes_sent;
	info->bytes_acked = c->bytes_acked;
	info->bytes_received = c->bytes_received;
	info->frames_out = c->frames_out;
	info->frames_in = c->frames_in;
}

int twin_conn_getsockopt(struct sock *sk, int optname, char __user *optval,
			 int __user *optlen)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_info info;
	int len, val;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	lock_sock(sk);
	switch (optname) {
	case TWIN_INFO:
		twin_conn_get_info(sk, &info);
		release_sock(sk);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	case TWIN_USER_TIMEOUT:
		val = c->user_timeout;
		break;
	case TWIN_KEEPIDLE:
		val = c->keepidle;
		break;
	case TWIN_KEEPINTVL:
		val = c->keepintvl;
		break;
	case TWIN_KEEPCNT:
		val = c->keepcnt;
		break;
	default:
		release_sock(sk);
		return -ENOPROTOOPT;
	}
	release_sock(sk);
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

int twin_conn_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			 unsigned int optlen)
{
	struct twin_conn *c = twin_conn(sk);
	int val, err = 0;

	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case TWIN_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			WRITE_ONCE(c->user_timeout, val);
		break;
	case TWIN_KEEPIDLE:
	case TWIN_KEEPINTVL:
		if (val < 1 || val > 32767) {
			err = -EINVAL;
			break;
		}
		if (optname == TWIN_KEEPIDLE)
			c->keepidle = val;
		else
			c->keepintvl = val;
		if (sock_flag(sk, SOCK_KEEPOPEN))
			twin_conn_keepalive(sk, 1);
		break;
	case TWIN_KEEPCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			c->keepcnt = val;
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

#define TWIN_CONN_OPS(name_)						\
const struct proto_ops name_ = {					\
	.family = PF_TWIN,						\
	.owner = THIS_MODULE,						\
	.release = twin_conn_release,					\
	.bind = twin_sock_bind,						\
	.connect = twin_conn_connect,					\
	.socketpair = sock_no_socketpair,				\
	.accept = twin_conn_accept,					\
	.getname = twin_sock_getname,					\
	.poll = twin_conn_poll,						\
	.ioctl = twin_conn_ioctl,					\
	.listen = twin_conn_listen,					\
	.shutdown = twin_conn_shutdown,					\
	.setsockopt = sock_common_setsockopt,				\
	.getsockopt = sock_common_getsockopt,				\
	.sendmsg = twin_conn_sendmsg,					\
	.recvmsg = twin_conn_recvmsg,					\
	.mmap = sock_no_mmap,						\
}

/* Two tables with the same calls: user space sees two socket types. */
TWIN_CONN_OPS(twin_stream_ops);
TWIN_CONN_OPS(twin_seqpacket_ops);
