// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving half of a connection: finding the socket a frame belongs
 * to, processing it under the socket lock (directly in softirq, or from
 * the backlog when the user owns the socket), acknowledgments and
 * congestion control, in-order delivery through the reorder queue, and
 * recvmsg() for both types.
 */
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <net/sock.h>

#include "bearer.h"
#include "compat.h"
#include "conn.h"
#include "msg.h"
#include "neigh.h"
#include "sock.h"

/*
 * Whether the receive buffer takes another frame. One that continues the
 * stream inside the window this end advertised (@promised) may take it
 * to twice SO_RCVBUF: data offered a window is taken, as TCP takes
 * in-window data, even when its truesize is more than the window's
 * payload/truesize estimate (twin_conn_rcv_wnd()) allowed for; dropped,
 * it would cost the sender a timeout on a window it was given.
 */
static bool twin_conn_rmem_ok(const struct sock *sk, bool promised)
{
	unsigned int limit = READ_ONCE(sk->sk_rcvbuf);

	/* A reader waiting for the rest of a record must get it. */
	if (sk->sk_type == SOCK_SEQPACKET && !twin_conn(sk)->rcv_records)
		limit += 4 * TWIN_SEQPACKET_MAX;
	if (promised)
		limit *= 2;
	return atomic_read(&sk->sk_rmem_alloc) < limit;
}

/* A frame refused because protocol memory is exhausted. */
static void twin_conn_mem_drop(struct sock *sk)
{
	atomic_inc(&sk->sk_drops);
	twin_stats_add(twin_net(sock_net(sk))->stats, TWIN_STAT_DROP_MEMORY, 1);
}

/*
 * Charge @skb to the receive buffer and to protocol memory (net.twin.mem,
 * the socket's memory cgroup): false when that is exhausted.
 */
static bool twin_conn_rmem_charge(struct sock *sk, struct sk_buff *skb)
{
	if (!sk_rmem_schedule(sk, skb, skb->truesize))
		return false;
	skb_set_owner_r(skb, sk);
	return true;
}

bool twin_conn_readable(const struct sock *sk)
{
	const struct twin_conn *c = twin_conn(sk);

	if (sk->sk_type == SOCK_SEQPACKET)
		return READ_ONCE(c->rcv_records);
	return READ_ONCE(c->rcv_bytes) &&
	       READ_ONCE(c->rcv_bytes) >= sock_rcvlowat(sk, 0, INT_MAX);
}

/*
 * RFC 6298 2.3: the RTO from the smoothed RTT and its variation, at least
 * net.twin.rto_min_ms (200 ms, as TCP's tcp_rto_min_us).
 */
static void twin_conn_rto_from_rtt(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	c->rto = clamp_t(unsigned long,
			 usecs_to_jiffies(c->srtt_us + 4 * c->rttvar_us),
			 twin_conn_rto_min(sk), TWIN_RTO_MAX);
}

static void twin_conn_rtt_sample(struct sock *sk, u64 sent_us)
{
	struct twin_conn *c = twin_conn(sk);
	u32 r = max_t(u64, ktime_to_us(ktime_get()) - sent_us, 1);
	u32 delta;

	if (!c->srtt_us) {
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else {
		delta = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;
		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	twin_conn_rto_from_rtt(sk);
}

/*
 * Free the frames @ack covers, and the acknowledged front of a frame it
 * covers in part (a super-frame cut on its way is acknowledged frame by
 * frame). Returns the payload bytes acknowledged. The RTT is sampled
 * from the newest of them, and only when none was sent twice: an ack
 * that fills a hole also covers frames that waited in the peer's reorder
 * queue, and their age is not a round trip (Karn, and
 * tcp_clean_rtx_queue()'s FLAG_RETRANS_DATA_ACKED).
 */
static u32 twin_conn_clean_acked(struct sock *sk, u32 ack)
{
	struct twin_conn *c = twin_conn(sk);
	bool retransmitted = false;
	struct sk_buff *skb;
	u64 sample = 0;
	u32 bytes = 0;

	while ((skb = skb_peek(&sk->sk_write_queue))) {
		struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
		bool part = twin_after(cb->end_seq, ack);

		if (part && (!twin_after(ack, cb->seq) || (cb->flags & TWIN_F_SYN)))
			break;
		if (cb->retransmitted)
			retransmitted = true;
		else if (cb->sent_us)
			sample = cb->sent_us;
		if (part) {
			bytes += ack - cb->seq;
			/* Failing, it is tried again before a resend. */
			twin_conn_trim_acked(sk, skb, ack);
			break;
		}
		if (skb == c->send_head)
			c->send_head = NULL;
		if (cb->sacked)
			c->sacked_out -= min(c->sacked_out, cb->end_seq - cb->seq);
		bytes += skb->len;
		__skb_unlink(skb, &sk->sk_write_queue);
		kfree_skb(skb);
	}
	if (sample && !retransmitted)
		twin_conn_rtt_sample(sk, sample);
	/* After a go-back the peer may acknowledge past snd_nxt. */
	if (twin_before(c->snd_nxt, ack)) {
		c->snd_nxt = ack;
		c->send_head = skb_peek(&sk->sk_write_queue);
	}
	return bytes;
}

/* Our FIN is acknowledged when everything we queued is. */
static void twin_conn_fin_acked(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (c->snd_una != c->write_seq)
		return;
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		twin_conn_set_state(sk, TCP_FIN_WAIT2);
		if (sock_flag(sk, SOCK_DEAD))
			twin_conn_state_timer_arm(sk, TWIN_FIN_WAIT2);
		sk->sk_state_change(sk);
		break;
	case TCP_CLOSING:
		twin_conn_set_state(sk, TCP_TIME_WAIT);
		twin_conn_time_wait_arm(sk);
		break;
	case TCP_LAST_ACK:
		twin_conn_done(sk);
		break;
	}
}

/*
 * Slow start, then one frame per window. The window only grows while the
 * sender used at least half of it, as tcp_is_cwnd_limited(): an
 * application- or receiver-limited sender learns nothing about the path.
 */
static void twin_conn_cwnd_grow(struct twin_conn *c, u32 acked,
				u32 in_flight)
{
	if (2 * in_flight < c->cwnd)
		return;
	if (c->cwnd < c->ssthresh)
		c->cwnd += acked;
	else
		c->cwnd += max_t(u32, (u64)c->mss * acked / c->cwnd, 1);
	c->cwnd = min_t(u32, c->cwnd, S32_MAX);
}

/*
 * Fast retransmit: the window halves and the first hole goes again (with
 * SACK every hole, as the pipe allows). With SACK the window is not
 * inflated: the pipe leaves out what the peer holds (twin_conn_room()).
 */
static void twin_conn_recovery_start(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	u32 in_flight = c->snd_nxt - c->snd_una;
	struct sk_buff *skb;

	c->ssthresh = max(in_flight / 2, 2 * c->mss);
	c->cwnd = c->ssthresh;
	c->in_recovery = 1;
	c->recover = c->snd_nxt;
	c->fast_retransmits++;
	if (!c->sack_ok) {
		c->cwnd += TWIN_DUPACK_THRESH * c->mss;
		twin_conn_retransmit_head(sk);
		return;
	}
	skb_queue_walk(&sk->sk_write_queue, skb)
		TWIN_CONN_CB(skb)->rec_sent = 0;
	twin_conn_sack_recover(sk);
}

/*
 * Enough is sacked above snd_una that a frame there is lost (RFC 6675's
 * IsLost() for the first hole: more than DupThresh - 1 frames' worth).
 * Duplicate ACKs alone undercount where the peer merges a burst of
 * frames into one (GRO) and acknowledges it once.
 */
static bool twin_conn_sack_says_lost(const struct twin_conn *c)
{
	return c->sacked_out > (TWIN_DUPACK_THRESH - 1) * c->mss;
}

static void twin_conn_dupack(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (c->dupacks < U8_MAX)
		c->dupacks++;
	if (c->in_recovery) {
		if (c->sack_ok)
			twin_conn_sack_recover(sk);
		else if (c->dupacks >= TWIN_DUPACK_THRESH)
			/* Each duplicate means a frame left the network. */
			c->cwnd += c->mss;
		return;
	}
	if (c->dupacks == TWIN_DUPACK_THRESH || twin_conn_sack_says_lost(c))
		twin_conn_recovery_start(sk);
}

/*
 * F-RTO, step 2b: the rest of the flight is not sent again for now; two
 * frames of new data go instead, if there are any and window @wnd from
 * @ack (the ack's own) takes the first. False: none can go.
 */
static bool twin_conn_frto_new_data(struct sock *sk, u32 ack, u32 wnd)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb = c->send_head;

	if (!skb)
		return false;
	/* The go-back left send_head inside the flight: walk from there. */
	skb_queue_walk_from(&sk->sk_write_queue, skb) {
		if (twin_before(TWIN_CONN_CB(skb)->seq, c->frto_recover))
			continue;
		if (twin_before(ack + wnd, c->frto_recover +
				min_t(u32, skb->len, c->mss)))
			return false;
		c->snd_nxt = c->frto_recover;
		c->send_head = skb;
		c->cwnd = c->frto_recover - ack + 2 * c->mss;
		return true;
	}
	return false;
}

/*
 * F-RTO ends with the flight sent again, from a window of @frames frames:
 * a frame was lost (step 3a: 3), or the new data could not go (2).
 */
static void twin_conn_frto_go_back(struct sock *sk, u32 frames)
{
	struct twin_conn *c = twin_conn(sk);

	c->frto = 0;
	c->cwnd = frames * c->mss;
	twin_conn_go_back(sk);
}

/*
 * F-RTO's new data did not go after all (twin_conn_push() found no room
 * in the window or memory): the recovery goes on as after any timeout,
 * as RFC 5682 2b says when no new data can be sent.
 */
static void twin_conn_frto_check_sent(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (c->frto != 2 || c->snd_nxt != c->frto_recover)
		return;
	twin_conn_frto_go_back(sk, 2);
	twin_conn_push(sk);
}

/*
 * F-RTO (RFC 5682, the variant without SACK): was the timeout spurious?
 * The first ack after it that covers the frame sent again but not the
 * whole flight makes new data go instead of the rest of the flight (step
 * 2b). If the next ack covers more, frames that were never sent again
 * arrived: they were late, not lost, and the window is given back as it
 * was before the timeout (3b; all of it, as Linux's undo, not RFC 4015's
 * more careful response), where a sender without timestamps would have
 * halved it for nothing. A duplicate instead says a frame was lost
 * (step 3a, in twin_conn_ack()). An ack of the whole flight at once may as well
 * be a hole filled as late frames: the recovery goes on as after any
 * timeout (2a), as after a first ack that is a duplicate. True: @ack set
 * the window.
 */
static bool twin_conn_frto_ack(struct sock *sk, u32 ack, u32 wnd)
{
	struct twin_conn *c = twin_conn(sk);

	switch (c->frto) {
	case 1:
		if (twin_before(ack, c->frto_recover) &&
		    twin_conn_frto_new_data(sk, ack, wnd)) {
			c->frto = 2;
			return true;
		}
		c->frto = 0;
		return false;
	case 2:
		c->frto = 0;
		c->cwnd = max(c->cwnd, c->undo_cwnd);
		c->ssthresh = max(c->ssthresh, c->undo_ssthresh);
		return true;
	}
	return false;
}

/*
 * New data acknowledged: the peer's neighbour entry is right. At most a
 * few times a second, as the confirmation takes the neighbour lock.
 */
static void twin_conn_confirm_neigh(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (time_before(jiffies, c->neigh_confirmed + HZ / 4))
		return;
	c->neigh_confirmed = jiffies;
	twin_neigh_confirm(twin_net(sock_net(sk)), twin_sk(sk)->peer_node);
}

/* The acknowledgment and window of a frame. False: drop the frame. */
static bool twin_conn_ack(struct sock *sk, const struct sk_buff *skb)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct twin_conn *c = twin_conn(sk);
	bool pure = cb->seq == cb->end_seq;
	u32 acked, in_flight;

	if (twin_before(cb->ack, c->snd_una)) {
		/*
		 * Old: says nothing new. Older than any window the peer
		 * could have acked from (RFC 5961 5.2): a blind injection,
		 * dropped with its data, and a challenge ACK.
		 */
		if (twin_before(cb->ack, c->snd_una - c->max_snd_wnd)) {
			twin_conn_send_challenge_ack(sk);
			return false;
		}
		return true;
	}
	if (twin_after(cb->ack, c->snd_max)) {
		twin_conn_send_ack_limited(sk);
		return false;
	}
	if (twin_after(cb->ack, c->snd_una)) {
		acked = cb->ack - c->snd_una;
		in_flight = c->snd_nxt - c->snd_una;
		c->bytes_acked += twin_conn_clean_acked(sk, cb->ack);
		c->snd_una = cb->ack;
		twin_conn_sndbuf_restore(sk);
		/*
		 * New data acknowledged: the path works again, so the timer's
		 * backoff ends, as in BSD's tcp_input() (t_rxtshift = 0). An
		 * ack of retransmitted frames gives no RTT sample (Karn), and
		 * after a go-back every frame in flight is one: without this
		 * the doubled RTO stayed until data never sent before was
		 * acknowledged, each further loss costing up to 10 s.
		 */
		if (c->backoff && c->srtt_us)
			twin_conn_rto_from_rtt(sk);
		c->backoff = 0;
		c->probes_out = 0;
		c->retrans_start = 0;
		c->dupacks = 0;
		twin_conn_sack_mark(sk, skb);
		twin_conn_confirm_neigh(sk);
		if (twin_conn_frto_ack(sk, cb->ack, cb->wnd)) {
			/* F-RTO set the window. */
		} else if (c->in_recovery) {
			if (!twin_before(cb->ack, c->recover)) {
				c->in_recovery = 0;
				c->cwnd = c->ssthresh;
				c->sack_lost = 0;
			} else if (c->sack_ok) {
				twin_conn_sack_recover(sk);
			} else {
				/* NewReno: a partial ack means the next hole. */
				twin_conn_retransmit_head(sk);
			}
		} else if (!c->frto && twin_conn_sack_says_lost(c)) {
			twin_conn_recovery_start(sk);
		} else {
			twin_conn_cwnd_grow(c, acked, in_flight);
			twin_conn_sndbuf_expand(sk);
		}
		twin_conn_set_snd_wnd(c, cb->wnd);
		if (c->snd_nxt == c->snd_una && !c->send_head)
			sk_stop_timer(sk, &c->rto_timer);
		else
			twin_conn_rto_arm(sk);
		twin_conn_fin_acked(sk);
		return sk->sk_state != TCP_CLOSE;
	}
	twin_conn_sack_mark(sk, skb);
	if (pure && cb->wnd == c->snd_wnd && c->snd_nxt != c->snd_una) {
		if (c->frto == 2) {
			/* After F-RTO's new data: a frame was lost (3a). */
			twin_conn_frto_go_back(sk, 3);
		} else {
			/* F-RTO's first ack a duplicate: step 2a. */
			c->frto = 0;
			twin_conn_dupack(sk);
		}
	} else if (c->sack_ok && c->snd_nxt != c->snd_una && !c->frto) {
		/* Not a duplicate (the window moved), but it may sack more. */
		if (c->in_recovery)
			twin_conn_sack_recover(sk);
		else if (twin_conn_sack_says_lost(c))
			twin_conn_recovery_start(sk);
	}
	twin_conn_set_snd_wnd(c, cb->wnd);
	return true;
}

/* The peer's FIN, in order: no more data will come. */
static void twin_conn_fin(struct sock *sk)
{
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		twin_conn_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		twin_conn_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		twin_conn_set_state(sk, TCP_TIME_WAIT);
		twin_conn_time_wait_arm(sk);
		break;
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
	}
}

/* Deliver an in-order frame; consumes @skb. */
static void twin_conn_deliver(struct sock *sk, struct sk_buff *skb)
{
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct twin_conn *c = twin_conn(sk);
	bool eor = sk->sk_type == SOCK_SEQPACKET && (cb->flags & TWIN_F_EOR);
	bool fin = cb->flags & TWIN_F_FIN;
	struct sk_buff *tail;
	bool stolen;
	int delta;

	c->rcv_nxt = cb->end_seq;
	c->bytes_received += skb->len;
	cb->rd_off = 0;
	if (skb->len >= c->mss / 2 && skb->truesize)
		c->rcv_ratio = clamp_t(u32, (3 * c->rcv_ratio +
				       ((u64)skb->len << 8) / skb->truesize) / 4,
				       16, 256);
	if (!skb->len && !eor) {
		kfree_skb(skb);
	} else {
		c->rcv_bytes += skb->len;
		if (eor)
			c->rcv_records++;
		tail = skb_peek_tail(&sk->sk_receive_queue);
		/* Small stream frames share one buffer: less truesize. */
		if (sk->sk_type == SOCK_STREAM && tail &&
		    skb_try_coalesce(tail, skb, &stolen, &delta)) {
			atomic_add(delta, &sk->sk_rmem_alloc);
			sk_mem_charge(sk, delta);
			kfree_skb_partial(skb, stolen);
		} else {
			__skb_queue_tail(&sk->sk_receive_queue, skb);
		}
	}
	if (fin)
		twin_conn_fin(sk);
}

/*
 * A frame that starts below rcv_nxt and ends past it: keep its new bytes
 * only. Only a byte stream can be trimmed, not a record or a SYN.
 */
static bool twin_conn_trim_front(struct sock *sk, struct sk_buff *skb)
{
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	u32 rcv_nxt = twin_conn(sk)->rcv_nxt;

	if (sk->sk_type != SOCK_STREAM || (cb->flags & TWIN_F_SYN) ||
	    !pskb_pull(skb, rcv_nxt - cb->seq))
		return false;
	cb->seq = rcv_nxt;
	return true;
}

/* Drop what the reorder queue holds (skb_rbtree_purge() is not exported). */
void twin_conn_ooo_purge(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&c->ooo_root))) {
		rb_erase(&skb->rbnode, &c->ooo_root);
		kfree_skb(skb);
	}
	/* Reneged: the sender's timer sends it all again (go-back). */
	c->nsack = 0;
}

/*
 * [@start, @end) went into the reorder queue: it joins the blocks it
 * touches, and the block it is in goes first (RFC 2018: the block of the
 * frame that made the ACK); a block that no longer fits falls off, as
 * TCP's (the sender learns of it again when the holes below it fill).
 * Blocks never touch each other, so one pass merges all it joins.
 */
static void twin_conn_sack_add(struct twin_conn *c, u32 start, u32 end)
{
	struct twin_sack_block keep[TWIN_SACK_BLOCKS];
	unsigned int i, n = 0;

	for (i = 0; i < c->nsack; i++) {
		const struct twin_sack_block *b = &c->sack[i];

		if (twin_after(start, b->end) || twin_after(b->start, end)) {
			keep[n++] = *b;
			continue;
		}
		if (twin_before(b->start, start))
			start = b->start;
		if (twin_after(b->end, end))
			end = b->end;
	}
	n = min_t(unsigned int, n, TWIN_SACK_BLOCKS - 1);
	c->sack[0].start = start;
	c->sack[0].end = end;
	memcpy(&c->sack[1], keep, n * sizeof(*keep));
	c->nsack = n + 1;
}

/* rcv_nxt moved: what it passed is acknowledged, not selectively. */
static void twin_conn_sack_advance(struct twin_conn *c)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->nsack; i++) {
		struct twin_sack_block b = c->sack[i];

		if (!twin_after(b.end, c->rcv_nxt))
			continue;
		if (twin_before(b.start, c->rcv_nxt))
			b.start = c->rcv_nxt;
		c->sack[n++] = b;
	}
	c->nsack = n;
}

/*
 * Move what the reorder queue holds at rcv_nxt to the receive queue: a
 * frame that the one just delivered overlaps gives its new bytes.
 */
static void twin_conn_ooo_drain(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&c->ooo_root))) {
		struct twin_conn_cb *cb = TWIN_CONN_CB(skb);

		if (twin_after(cb->seq, c->rcv_nxt))
			break;
		rb_erase(&skb->rbnode, &c->ooo_root);
		if (!twin_after(cb->end_seq, c->rcv_nxt)) {
			kfree_skb(skb);	/* covered already */
			continue;
		}
		if (cb->seq != c->rcv_nxt) {
			/*
			 * A pull may give the frame a new head, which an
			 * owned skb would not count: charge it again after.
			 */
			skb_orphan(skb);
			if (!twin_conn_trim_front(sk, skb)) {
				kfree_skb(skb);
				continue;
			}
			/*
			 * Charged a moment ago: charged again even past
			 * net.twin.mem, not dropped as the hole fills.
			 */
			skb_set_owner_r(skb, sk);
		}
		twin_conn_deliver(sk, skb);
	}
}

/*
 * Hold a frame that arrived ahead of a hole. A frame that one held covers
 * is dropped; held frames that it covers go (tcp_data_queue_ofo()), so
 * that no held frame lies inside another (partial overlaps stay, as in
 * TCP's).
 */
static void twin_conn_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct twin_conn *c = twin_conn(sk);
	u32 seq = TWIN_CONN_CB(skb)->seq;
	u32 end_seq = TWIN_CONN_CB(skb)->end_seq;
	struct rb_node **p = &c->ooo_root.rb_node, *parent = NULL;
	struct sk_buff *held, *next;

	while (*p) {
		struct twin_conn_cb *hcb;

		parent = *p;
		held = rb_to_skb(parent);
		hcb = TWIN_CONN_CB(held);
		if (twin_before(seq, hcb->seq)) {
			p = &parent->rb_left;
			continue;
		}
		if (!twin_after(end_seq, hcb->end_seq)) {
			kfree_skb(skb);	/* nothing new */
			return;
		}
		if (seq == hcb->seq) {
			/* It holds all that @held did and more. */
			rb_replace_node(&held->rbnode, &skb->rbnode,
					&c->ooo_root);
			kfree_skb(held);
			goto drop_covered;
		}
		p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &c->ooo_root);

drop_covered:
	twin_conn_sack_add(c, seq, end_seq);
	while ((next = skb_rb_next(skb)) &&
	       !twin_after(TWIN_CONN_CB(next)->end_seq, end_seq)) {
		rb_erase(&next->rbnode, &c->ooo_root);
		kfree_skb(next);
	}
}

/* Payload, EOR and FIN of a frame in a synchronized state. */
static void twin_conn_data(struct sock *sk, struct sk_buff *skb)
{
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct twin_conn *c = twin_conn(sk);
	/* A super-frame counts as the frames it stands for (gso.c). */
	unsigned int frames = twin_skb_frames(skb);
	bool filled, in_order, promised;

	if (!twin_after(cb->end_seq, c->rcv_nxt)) {
		/* A duplicate: our ACK was lost, or this is a probe. */
		kfree_skb(skb);
		twin_conn_send_ack(sk);
		return;
	}
	/* Beyond every window we offered: a forgery or a broken peer. */
	if (twin_after(cb->seq, c->rcv_edge)) {
		kfree_skb(skb);
		twin_conn_send_ack_limited(sk);
		return;
	}
	in_order = !twin_after(cb->seq, c->rcv_nxt);
	promised = in_order && twin_before(c->rcv_nxt, c->rcv_adv);
	if (in_order && !twin_conn_rmem_ok(sk, promised)) {
		/*
		 * In-order data first: what waits beyond a hole can be sent
		 * again (tcp_prune_ofo_queue), a stalled stream cannot.
		 */
		twin_conn_ooo_purge(sk);
	}
	if (!twin_conn_rmem_ok(sk, promised)) {
		atomic_inc(&sk->sk_drops);
		kfree_skb(skb);
		twin_conn_send_ack(sk);
		return;
	}
	if (twin_before(cb->seq, c->rcv_nxt) && !twin_conn_trim_front(sk, skb)) {
		kfree_skb(skb);
		twin_conn_send_ack(sk);
		return;
	}
	if (!twin_conn_rmem_charge(sk, skb)) {
		/* As above: the memory held beyond a hole goes first. */
		if (in_order)
			twin_conn_ooo_purge(sk);
		if (in_order && sk->sk_type == SOCK_SEQPACKET &&
		    !c->rcv_records) {
			/*
			 * A reader with no whole record cannot free what the
			 * part it has holds: taken past net.twin.mem (within
			 * twin_conn_rmem_ok()'s bound), or every such reader
			 * would wait for memory that only it could free.
			 */
			skb_set_owner_r(skb, sk);
		} else if (!in_order || !twin_conn_rmem_charge(sk, skb)) {
			kfree_skb(skb);
			twin_conn_mem_drop(sk);
			twin_conn_send_ack(sk);
			return;
		}
	}
	if (twin_after(cb->seq, c->rcv_nxt)) {
		twin_conn_ooo_insert(sk, skb);
		twin_conn_send_ack(sk);	/* the duplicate ack the sender needs */
		return;
	}
	filled = !RB_EMPTY_ROOT(&c->ooo_root);
	twin_conn_deliver(sk, skb);
	twin_conn_ooo_drain(sk);
	if (c->nsack)
		twin_conn_sack_advance(c);
	twin_conn_rcv_rtt_measure(c);

	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	c->ack_pending += frames;
	if (filled || (sk->sk_shutdown & RCV_SHUTDOWN) || c->ack_pending >= 2)
		twin_conn_send_ack(sk);
	else
		twin_conn_delack_arm(sk);
}

static void twin_conn_do_rcv(struct sock *sk, struct sk_buff *skb);

/* The connection @skb (header parsed) belongs to, held; NULL if none. */
static struct sock *twin_conn_frame_conn(struct net *net,
					 const struct sk_buff *skb)
{
	const struct twinhdr *hdr = twin_hdr(skb);

	return twin_table_conn_lookup(twin_net(net),
				      hdr->type == TWIN_T_STREAM ?
				      SOCK_STREAM : SOCK_SEQPACKET,
				      ntohl(hdr->dst_node), ntohl(hdr->dst_port),
				      ntohl(hdr->src_node),
				      ntohl(hdr->src_port));
}

/*
 * A frame for @sk, whose spinlock is held: processed now, or after its
 * user releases it. False if that backlog is full: the caller frees
 * @skb; otherwise it is consumed.
 *
 * The backlog holds what TCP's does (tcp_add_backlog()): twice the
 * receive buffer, half the send buffer and 64 KiB. Its length is reset
 * only once __release_sock() has processed all of it, so the frames it
 * moves to the receive queue count twice until then, and both may reach
 * the receive buffer in normal use. The send buffer is no measure of it:
 * a reader's grows with its receive buffer (conn_buf.c), its send buffer
 * does not.
 */
static bool twin_conn_deliver_frame(struct sock *sk, struct sk_buff *skb)
{
	u64 limit;

	if (!sock_owned_by_user(sk)) {
		twin_conn_do_rcv(sk, skb);
		return true;
	}
	limit = ((u64)READ_ONCE(sk->sk_rcvbuf) << 1) +
		((u32)READ_ONCE(sk->sk_sndbuf) >> 1) + SZ_64K;
	return !sk_add_backlog(sk, skb, min_t(u64, limit, UINT_MAX));
}

/* A frame that reached listener @sk is @child's (held): its reference goes. */
static void twin_conn_pass_frame(struct sock *child, struct sk_buff *skb)
{
	bh_lock_sock_nested(child);
	if (!twin_conn_deliver_frame(child, skb))
		kfree_skb(skb);
	bh_unlock_sock(child);
	sock_put(child);
}

static void twin_conn_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	u16 flags = cb->flags & (TWIN_F_SYN | TWIN_F_ACK | TWIN_F_RST |
				 TWIN_F_FIN);
	struct sock *child;
	int err;

	/*
	 * A connection made since the frame was looked up (from a SYN
	 * cookie, while it waited in our backlog behind the ACK that made
	 * it): the frame is its, not ours to check or reset.
	 */
	if (!(flags & TWIN_F_SYN)) {
		child = twin_conn_frame_conn(sock_net(sk), skb);
		if (child) {
			twin_conn_pass_frame(child, skb);
			return;
		}
	}
	/* As TCP in LISTEN: a SYN|FIN is nonsense and gets no answer. */
	if (flags == TWIN_F_SYN) {
		twin_conn_child(sk, skb);
	} else if ((flags & ~TWIN_F_FIN) == TWIN_F_ACK) {
		/* The end of a handshake we answered with a SYN cookie? */
		err = twin_conn_cookie_child(sk, skb, &child);
		if (!err) {
			/*
			 * Its first frame, with what data it brings (frames
			 * that follow may come first: they wait as reordered).
			 */
			twin_conn_pass_frame(child, skb);
			return;
		}
		if (err == -ENOENT)
			twin_conn_reply_rst(sock_net(sk), skb);
	} else if (flags != (TWIN_F_SYN | TWIN_F_FIN)) {
		twin_conn_reply_rst(sock_net(sk), skb);
	}
	kfree_skb(skb);
}

static void twin_conn_syn_sent_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct twin_conn *c = twin_conn(sk);

	if (!(cb->flags & TWIN_F_ACK))
		goto drop;	/* no simultaneous open */
	if (cb->ack != c->iss + 1) {
		/*
		 * RFC 793, SYN-SENT: an ACK of what we never sent comes from a
		 * half-open connection the peer still holds (we restarted on
		 * this port): reset it with <SEQ=SEG.ACK>, so that our next
		 * SYN finds a peer ready for it. A reset is never answered.
		 */
		twin_conn_reply_rst(sock_net(sk), skb);
		goto drop;
	}
	if (cb->flags & TWIN_F_RST) {
		twin_conn_reset(sk, ECONNREFUSED);
		goto drop;
	}
	if (!(cb->flags & TWIN_F_SYN))
		goto drop;
	c->irs = cb->seq;
	c->rcv_nxt = cb->seq + 1;
	c->rcv_edge = c->rcv_nxt;
	c->peer_mss = twin_peer_mss(cb->mss);
	c->mss = min(c->mss, c->peer_mss);
	c->cwnd = TWIN_INIT_CWND * c->mss;
	/* Both SYNs must offer it. */
	c->sack_ok = c->sack_ok && cb->sack_perm;
	twin_conn_clean_acked(sk, cb->ack);
	c->snd_una = cb->ack;
	twin_conn_set_snd_wnd(c, cb->wnd);
	sk_stop_timer(sk, &c->rto_timer);
	twin_conn_established(sk);
	twin_conn_send_ack(sk);
	twin_conn_push(sk);
drop:
	kfree_skb(skb);
}

/*
 * RFC 5961 3.2: only a reset at exactly rcv_nxt ends the connection. One
 * elsewhere in the window gets a challenge ACK (rate-limited), which a
 * peer that did reset answers with a reset at the acked number; a blind
 * attacker must so guess one number in 2^32, not one window in 2^32.
 */
static bool twin_conn_rst_ok(struct sock *sk, u32 seq)
{
	const struct twin_conn *c = twin_conn(sk);
	u32 span = max_t(u32, c->rcv_adv - c->rcv_nxt, 1) +
		   2 * TWIN_SEQPACKET_MAX;

	if (seq == c->rcv_nxt)
		return true;
	if (twin_after(seq, c->rcv_nxt) && seq - c->rcv_nxt < span)
		twin_conn_send_challenge_ack(sk);
	return false;
}

/* SYN_RECV and every state after it. */
static void twin_conn_synced_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct twin_conn *c = twin_conn(sk);

	if (cb->flags & TWIN_F_RST) {
		if (!twin_conn_rst_ok(sk, cb->seq))
			goto drop;
		if (sk->sk_state == TCP_TIME_WAIT || sk->sk_state == TCP_SYN_RECV)
			twin_conn_done(sk);
		else
			twin_conn_reset(sk, sk->sk_state == TCP_CLOSE_WAIT ?
					EPIPE : ECONNRESET);
		goto drop;
	}
	if (cb->flags & TWIN_F_SYN) {
		/* Our SYN|ACK or ACK was lost: say it again. */
		if (sk->sk_state == TCP_SYN_RECV && cb->seq == c->irs)
			twin_conn_retransmit_head(sk);
		else
			twin_conn_send_challenge_ack(sk);
		goto drop;
	}
	if (!(cb->flags & TWIN_F_ACK))
		goto drop;
	if (sk->sk_state == TCP_SYN_RECV) {
		if (cb->ack != c->iss + 1) {
			/*
			 * Not an answer to our SYN|ACK (RFC 9293 3.10.7.4,
			 * tcp_check_req()): <SEQ=SEG.ACK><RST>, which ends
			 * whatever the peer holds for it (a SYN cookie's
			 * connection, an old incarnation); ours goes on.
			 */
			twin_conn_reply_rst(sock_net(sk), skb);
			goto drop;
		}
		twin_conn_clean_acked(sk, cb->ack);
		c->snd_una = cb->ack;
		twin_conn_set_snd_wnd(c, cb->wnd);
		sk_stop_timer(sk, &c->rto_timer);
		twin_conn_established(sk);
	}
	if (!twin_conn_ack(sk, skb))
		goto drop;
	/* The ack may have opened the windows. */
	twin_conn_push(sk);
	twin_conn_frto_check_sent(sk);

	if (cb->seq == cb->end_seq) {
		/* No payload: a probe sits below rcv_nxt and wants an ACK. */
		if (twin_before(cb->seq, c->rcv_nxt))
			twin_conn_send_ack_limited(sk);
		goto drop;
	}
	if (sk->sk_shutdown & RCV_SHUTDOWN && sock_flag(sk, SOCK_DONE) &&
	    !twin_after(cb->end_seq, c->rcv_nxt)) {
		/* A retransmitted FIN or data after the peer's FIN. */
		if (sk->sk_state == TCP_TIME_WAIT)
			twin_conn_time_wait_arm(sk);
		twin_conn_send_ack(sk);
		goto drop;
	}
	if (sock_flag(sk, SOCK_DEAD) && skb->len &&
	    twin_after(cb->end_seq, c->rcv_nxt)) {
		/* New data for a socket nobody reads: as TCP, reset. */
		twin_conn_send_rst(sk);
		twin_conn_done(sk);
		goto drop;
	}
	twin_conn_data(sk, skb);
	return;
drop:
	kfree_skb(skb);
}

/* One frame for @sk, whose lock is held with BH off. Consumes @skb. */
static void twin_conn_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct twin_conn *c = twin_conn(sk);

	c->frames_in += twin_skb_frames(skb);
	c->last_rcv = jiffies;
	c->keepalive_probes = 0;
	switch (sk->sk_state) {
	case TCP_LISTEN:
		twin_conn_listen_rcv(sk, skb);
		break;
	case TCP_SYN_SENT:
		twin_conn_syn_sent_rcv(sk, skb);
		break;
	case TCP_CLOSE:
		/*
		 * Closed but still found (a frame that waited in the backlog
		 * while close() ran): answered as no socket would be (RFC
		 * 793, CLOSED), so that the challenge ACK to the reset just
		 * sent gets the exact reset it asks for.
		 */
		twin_conn_reply_rst(sock_net(sk), skb);
		kfree_skb(skb);
		break;
	default:
		twin_conn_synced_rcv(sk, skb);
	}
}

int twin_conn_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	/* __release_sock() runs this with BH on; the timers need it off. */
	local_bh_disable();
	twin_conn_do_rcv(sk, skb);
	local_bh_enable();
	return 0;
}

static void twin_conn_parse(struct sk_buff *skb)
{
	const struct twinhdr *hdr = twin_hdr(skb);
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	u16 flags = ntohs(hdr->flags);
	struct twin_opts opts;

	memset(cb, 0, sizeof(*cb));
	/*
	 * Options of SYNs; twin_validate() checked them. An ACK's SACK
	 * blocks are read where they are used (twin_conn_sack_mark()).
	 */
	if ((flags & TWIN_F_SYN) && !twin_parse_opts(hdr, &opts)) {
		cb->mss = opts.mss;
		cb->sack_perm = opts.sack_perm;
	}
	cb->flags = flags;
	cb->seq = ntohl(hdr->seq);
	cb->ack = ntohl(hdr->ack);
	cb->wnd = ntohl(hdr->window);
	cb->end_seq = cb->seq + ntohs(hdr->len);
	if (flags & TWIN_F_SYN)
		cb->end_seq++;
	if (flags & TWIN_F_FIN)
		cb->end_seq++;
	if ((flags & TWIN_F_EOR) && hdr->type == TWIN_T_SEQPACKET)
		cb->end_seq++;
}

/*
 * A validated STREAM or SEQPACKET frame arrived on @b: find its
 * connection (or a listener for a SYN or an ACK) and process it. Consumes
 * @skb.
 */
void twin_conn_rcv(struct twin_bearer *b, struct sk_buff *skb)
{
	const struct twinhdr *hdr = twin_hdr(skb);
	int type = hdr->type == TWIN_T_STREAM ? SOCK_STREAM : SOCK_SEQPACKET;
	u32 dst = ntohl(hdr->dst_node), dport = ntohl(hdr->dst_port);
	u32 src = ntohl(hdr->src_node), sport = ntohl(hdr->src_port);
	struct twin_net *tn = b->tn;
	unsigned int hlen;
	struct sock *sk;
	int reason;

	if (dst == TWIN_NODE_BROADCAST || !twin_bearer_by_node(tn, dst)) {
		reason = TWIN_STAT_DROP_ADDR;
		goto drop;
	}
	twin_conn_parse(skb);
	hlen = twin_hdr_len(hdr);

	sk = twin_table_conn_lookup(tn, type, dst, dport, src, sport);
	/*
	 * A SYN, or an ACK that may return a SYN cookie it sent lately: the
	 * listener's. Other ACKs never touch it (the reset below), so that a
	 * flood of them cannot crowd SYNs out of its lock and backlog.
	 */
	if (!sk && ((TWIN_CONN_CB(skb)->flags & TWIN_F_SYN) ||
		    (TWIN_CONN_CB(skb)->flags & (TWIN_F_ACK | TWIN_F_RST)) ==
		    TWIN_F_ACK)) {
		sk = twin_table_lookup(tn, type, dst, dport);
		if (sk && (READ_ONCE(sk->sk_state) != TCP_LISTEN ||
			   (!(TWIN_CONN_CB(skb)->flags & TWIN_F_SYN) &&
			    !twin_conn_cookies_recent(sk)))) {
			sock_put(sk);
			sk = NULL;
		}
	}
	if (sk && !twin_sk_bound_dev_ok(sk, b->dev->ifindex)) {
		sock_put(sk);
		sk = NULL;
	}
	if (!sk) {
		skb_pull(skb, hlen);
		twin_conn_reply_rst(tn->net, skb);
		reason = TWIN_STAT_DROP_NO_SOCKET;
		goto drop;
	}
	/*
	 * Before the frame touches the connection, as tcp_filter(). Whole
	 * frames only: a cut one would no longer match its sequence space.
	 */
	if (!twin_sk_filter(sk, skb, skb->len)) {
		sock_put(sk);
		reason = TWIN_STAT_DROP_FILTER;
		goto drop;
	}
	skb_pull(skb, hlen);

	twin_count(b, tn, TWIN_STAT_DELIVERED, 1);
	bh_lock_sock(sk);
	if (!twin_conn_deliver_frame(sk, skb)) {
		bh_unlock_sock(sk);
		sock_put(sk);
		reason = TWIN_STAT_DROP_RCVBUF;
		goto drop;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return;

drop:
	twin_count(b, tn, reason, 1);
	kfree_skb(skb);
}

/*
 * The reader made room: tell the peer when the window grew enough to
 * matter (two frames, or a quarter of the buffer if that is smaller), so
 * a sender stopped by a full window does not wait for its probe timer.
 */
void twin_conn_rcv_space(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	u32 edge, grow;

	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	edge = c->rcv_nxt + twin_conn_rcv_wnd(sk);
	if (!twin_after(edge, c->rcv_adv))
		return;
	grow = edge - c->rcv_adv;
	if (grow >= min_t(u32, 2 * c->mss, READ_ONCE(sk->sk_rcvbuf) / 4))
		twin_conn_send_ack(sk);
}

/* Something a blocked reader waits for happened. */
static bool twin_conn_rcv_event(struct sock *sk, u32 seen_bytes,
				u32 seen_records)
{
	const struct twin_conn *c = twin_conn(sk);

	return READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
	       READ_ONCE(sk->sk_state) == TCP_CLOSE ||
	       c->rcv_bytes != seen_bytes || c->rcv_records != seen_records;
}

/*
 * Wait for data, or say why there will be none: 0 to look again, or the
 * errno (0 bytes for EOF is -ENODATA here) to end the read with.
 */
static int twin_conn_wait_data(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct twin_conn *c = twin_conn(sk);
	u32 bytes = c->rcv_bytes, records = c->rcv_records;

	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		return -ENODATA;
	if (sk->sk_state == TCP_CLOSE)
		return sock_flag(sk, SOCK_DONE) ? -ENODATA : -ENOTCONN;
	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;
	if (!*timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(*timeo);

	twin_conn_rcv_space(sk);
	add_wait_queue(sk_sleep(sk), &wait);
	sk_wait_event(sk, timeo, twin_conn_rcv_event(sk, bytes, records),
		      &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	return 0;
}

/* Copy up to @len stream bytes; @peek leaves them queued. */
static int twin_conn_copy_stream(struct sock *sk, struct msghdr *msg,
				 size_t len, bool peek)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb, *tmp;
	size_t copied = 0;
	u32 n, off;

	skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
		struct twin_conn_cb *cb = TWIN_CONN_CB(skb);

		if (copied >= len)
			break;
		off = cb->rd_off;
		n = min_t(size_t, skb->len - off, len - copied);
		if (skb_copy_datagram_msg(skb, off, msg, n))
			return copied ? copied : -EFAULT;
		copied += n;
		if (peek)
			continue;
		cb->rd_off += n;
		c->rcv_bytes -= n;
		if (cb->rd_off == skb->len) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			consume_skb(skb);
		}
	}
	return copied;
}

static int twin_conn_recv_stream(struct sock *sk, struct msghdr *msg,
				 size_t len, int flags, long *timeo)
{
	struct twin_conn *c = twin_conn(sk);
	bool peek = flags & MSG_PEEK;
	size_t copied = 0;
	int target, n, err;

	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	for (;;) {
		if (!peek || c->rcv_bytes >= target) {
			n = twin_conn_copy_stream(sk, msg, len - copied, peek);
			if (n < 0)
				return n;
			copied += n;
			if (copied >= target || (peek && copied))
				break;
		}
		if (copied && (sk->sk_err || !*timeo ||
			       (sk->sk_shutdown & RCV_SHUTDOWN) ||
			       signal_pending(current)))
			break;
		err = twin_conn_wait_data(sk, timeo);
		if (err == -ENODATA && peek && c->rcv_bytes) {
			copied = twin_conn_copy_stream(sk, msg, len, true);
			break;
		}
		if (err == -ENODATA)
			break;
		if (err && !copied)
			return err;
		if (err)
			break;
	}
	if (!peek)
		twin_conn_rcvbuf_tune(sk, copied);
	twin_conn_rcv_space(sk);
	return copied;
}

/*
 * One whole record: truncated to @len, the rest discarded. The record is
 * copied before any of it is consumed, so a fault leaves it queued whole.
 */
static int twin_conn_recv_record(struct sock *sk, struct msghdr *msg,
				 size_t len, int flags, long *timeo)
{
	struct twin_conn *c = twin_conn(sk);
	size_t copied = 0, total = 0;
	struct sk_buff *skb, *tmp;
	bool end;
	int err;
	u32 n;

	while (!c->rcv_records) {
		err = twin_conn_wait_data(sk, timeo);
		if (err == -ENODATA)
			return 0;
		if (err)
			return err;
	}
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		n = min_t(size_t, skb->len, len - copied);
		if (n && skb_copy_datagram_msg(skb, 0, msg, n))
			return -EFAULT;
		copied += n;
		total += skb->len;
		if (TWIN_CONN_CB(skb)->flags & TWIN_F_EOR)
			break;
	}
	if (!(flags & MSG_PEEK)) {
		skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
			end = TWIN_CONN_CB(skb)->flags & TWIN_F_EOR;
			c->rcv_bytes -= skb->len;
			__skb_unlink(skb, &sk->sk_receive_queue);
			consume_skb(skb);
			if (end)
				break;
		}
		c->rcv_records--;
		twin_conn_rcvbuf_tune(sk, total);
	}
	msg->msg_flags |= MSG_EOR;
	if (total > copied)
		msg->msg_flags |= MSG_TRUNC;
	twin_conn_rcv_space(sk);
	return (flags & MSG_TRUNC) ? total : copied;
}

int twin_conn_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		      int flags)
{
	struct sock *sk = sock->sk;
	struct twin_sock *t = twin_sk(sk);
	long timeo;
	int ret;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;		/* nothing is ever queued there */

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		release_sock(sk);
		return -ENOTCONN;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	if (sk->sk_type == SOCK_SEQPACKET)
		ret = twin_conn_recv_record(sk, msg, len, flags, &timeo);
	else
		ret = twin_conn_recv_stream(sk, msg, len, flags, &timeo);
	if (ret >= 0 && msg->msg_name)
		msg->msg_namelen = twin_sockaddr_put(msg->msg_name,
						     t->peer_node,
						     t->peer_port, 0);
	release_sock(sk);
	return ret;
}
