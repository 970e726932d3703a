// SPDX-License-Identifier: GPL-2.0
/*
 * The sending half of a connection: sendmsg() cuts the user's bytes into
 * frames on sk_write_queue, of one MSS or, to a device that takes them,
 * super-frames of many (gso.c), where they stay until acknowledged;
 * twin_conn_push() transmits clones of them as far as the peer's window
 * and the congestion window allow. Control frames (ACK, RST) are built on
 * the spot and never queued.
 *
 * A queued frame's linear part is headroom only; its payload sits in page
 * fragments (twin_conn_copy_frags()). Frames and fragments are charged to
 * sk_wmem_alloc, so the send buffer bounds queued plus unacknowledged
 * data, and freeing acknowledged frames wakes writers through
 * sk_write_space.
 */
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <net/sock.h>

#include "bearer.h"
#include "compat.h"
#include "conn.h"
#include "msg.h"
#include "route.h"
#include "sock.h"

#define TWIN_CONN_HEADROOM	(LL_MAX_HEADER + TWIN_HLEN + TWIN_OPTS_MAX)
/* An ACK may carry SACK blocks. */
#define TWIN_CONN_CTL_HEADROOM	(LL_MAX_HEADER + TWIN_HLEN + TWIN_OPTS_ACK_MAX)

static u8 twin_conn_frame_type(const struct sock *sk)
{
	return sk->sk_type == SOCK_STREAM ? TWIN_T_STREAM : TWIN_T_SEQPACKET;
}

/*
 * The window to advertise: the room left in the receive buffer, scaled by
 * the payload/truesize ratio of the frames received so far (as TCP's
 * scaling_ratio), so that a sender filling the window does not overrun
 * the buffer. A SEQPACKET reader that has no whole record yet cannot
 * drain anything, so room for the rest of the largest record is always
 * offered.
 */
u32 twin_conn_rcv_wnd(const struct sock *sk)
{
	const struct twin_conn *c = twin_conn(sk);
	int room = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 wnd = room > 0 ? ((u64)room * c->rcv_ratio) >> 8 : 0;

	if (sk->sk_type == SOCK_SEQPACKET && !c->rcv_records)
		wnd = max_t(u32, wnd, TWIN_SEQPACKET_MAX + 1 -
			    min_t(u32, c->rcv_bytes, TWIN_SEQPACKET_MAX));
	return wnd;
}

bool twin_conn_sndbuf_free(const struct sock *sk)
{
	return sk_wmem_alloc_get(sk) < READ_ONCE(sk->sk_sndbuf);
}

/* Where the connection's frames go now, with no wait for discovery. */
static int twin_conn_route(struct sock *sk, struct twin_route *rt)
{
	const struct twin_sock *t = twin_sk(sk);
	long timeo = 0;

	return twin_route_lookup(sock_net(sk), t->node, t->peer_node,
				 READ_ONCE(sk->sk_bound_dev_if), &timeo, rt);
}

/*
 * Fill the header of @skb (payload at skb->data) and send it to the peer
 * by @rt. Every frame but a client's first SYN acknowledges, so sending
 * any frame also settles a pending ACK. Consumes @skb.
 */
static int twin_conn_output_rt(struct sock *sk, struct sk_buff *skb, u32 seq,
			       u16 flags, const struct twin_route *rt)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_sock *t = twin_sk(sk);
	struct twin_addr4 a = {
		.src_node = t->node, .src_port = t->port,
		.dst_node = t->peer_node, .dst_port = t->peer_port,
	};
	unsigned int optlen = 0;
	struct twinhdr *hdr;
	u32 wnd;

	if (sk->sk_state != TCP_SYN_SENT)
		flags |= TWIN_F_ACK;
	/*
	 * A SYN says how large a frame this end takes (its device's MTU)
	 * and whether it reads SACK blocks; an ACK with nothing else in it
	 * says what the reorder queue holds. Frames with data go without:
	 * their MSS leaves no room for options.
	 */
	if (flags & TWIN_F_SYN) {
		if (c->sack_ok)
			optlen += twin_push_opt_sack_perm(skb);
		twin_push_opt_mss(skb, twin_mss_of_mtu(rt->mtu));
		optlen += TWIN_OPT_MSS_LEN;
	} else if (c->sack_ok && c->nsack && !skb->len &&
		   !(flags & ~TWIN_F_ACK) &&
		   skb_headroom(skb) >= TWIN_CONN_CTL_HEADROOM) {
		optlen = twin_push_opt_sack(skb, c->sack, c->nsack);
	}
	twin_build_hdr(skb, twin_conn_frame_type(sk), flags, &a, optlen);
	hdr = twin_hdr(skb);
	hdr->seq = htonl(seq);
	if (flags & TWIN_F_ACK) {
		wnd = twin_conn_rcv_wnd(sk);
		/*
		 * The right edge never moves left (RFC 9293 3.8.6.2.2, as
		 * tcp_select_window()): frames past a hole, charged to the
		 * buffer in the reorder queue, shrink the free space, and an
		 * edge pulled back to rcv_nxt would leave the lost frame
		 * outside the window: its sender could only probe, forever.
		 */
		if (twin_after(c->rcv_edge, c->rcv_nxt + wnd))
			wnd = c->rcv_edge - c->rcv_nxt;
		hdr->ack = htonl(c->rcv_nxt);
		hdr->window = htonl(wnd);
		c->rcv_adv = c->rcv_nxt + wnd;
		if (twin_after(c->rcv_adv, c->rcv_edge))
			c->rcv_edge = c->rcv_adv;
		if (c->ack_pending) {
			c->ack_pending = 0;
			sk_stop_timer(sk, &c->delack_timer);
		}
	}
	/*
	 * Where the payload starts: the per-frame header length that
	 * qdiscs, tbf and act_police size a super-frame's cuts by.
	 */
	if (skb_is_gso(skb))
		skb_set_transport_header(skb, twin_hdr_len(hdr));
	c->frames_out += twin_skb_frames(skb);
	return twin_route_output(sock_net(sk), skb, rt);
}

static int twin_conn_output(struct sock *sk, struct sk_buff *skb, u32 seq,
			    u16 flags)
{
	struct twin_route rt;
	int err;

	err = twin_conn_route(sk, &rt);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	return twin_conn_output_rt(sk, skb, seq, flags, &rt);
}

/* A frame without payload: ACK, RST, probes. */
static int twin_conn_send_ctl(struct sock *sk, u32 seq, u16 flags)
{
	struct sk_buff *skb;

	skb = alloc_skb(TWIN_CONN_CTL_HEADROOM, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, TWIN_CONN_CTL_HEADROOM);
	return twin_conn_output(sk, skb, seq, flags);
}

void twin_conn_send_ack(struct sock *sk)
{
	twin_conn_send_ctl(sk, twin_conn(sk)->snd_nxt, 0);
}

/*
 * The answer to a frame that makes no sense here (outside the window, an
 * ack for data never sent): at most two a second, as TCP's
 * tcp_invalid_ratelimit, so that two ends that disagree, or a forger,
 * cannot make the connection ping-pong ACKs.
 */
void twin_conn_send_ack_limited(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (time_before(jiffies, c->last_oow_ack + HZ / 2))
		return;
	c->last_oow_ack = jiffies;
	twin_conn_send_ack(sk);
}

/*
 * RFC 5961's challenge ACK, to a reset, SYN or acknowledgment that a blind
 * attacker may have forged: a peer that really sent it answers with an
 * exact reset. At most two a second too, but on a limit of its own: the
 * answers to out-of-window data (a sender filling a small window makes
 * many) must not silence the one ACK that lets a real reset through.
 */
void twin_conn_send_challenge_ack(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (time_before(jiffies, c->last_challenge_ack + HZ / 2))
		return;
	c->last_challenge_ack = jiffies;
	twin_conn_send_ack(sk);
}

/* An already acknowledged sequence number makes the peer answer. */
void twin_conn_send_probe(struct sock *sk)
{
	twin_conn_send_ctl(sk, twin_conn(sk)->snd_una - 1, 0);
}

/*
 * At snd_max, not snd_nxt: after a go-back the peer may have more than
 * snd_nxt, and a reset below its rcv_nxt is ignored. At snd_max it is
 * exact, or in the window and answered by a challenge ACK that this
 * closed end answers with an exact reset (RFC 5961 3.2).
 */
void twin_conn_send_rst(struct sock *sk)
{
	twin_conn_send_ctl(sk, twin_conn(sk)->snd_max, TWIN_F_RST);
}

/* The addresses of an answer to a frame with header @in: its ends swapped. */
static struct twin_addr4 twin_reply_addr(const struct twinhdr *in)
{
	return (struct twin_addr4){
		.src_node = ntohl(in->dst_node), .src_port = ntohl(in->dst_port),
		.dst_node = ntohl(in->src_node), .dst_port = ntohl(in->src_port),
	};
}

/*
 * Answer a frame no connection wants with a reset, as TCP does: the
 * reset carries the sequence number the sender expects. @skb's payload is
 * at skb->data, its parsed header in its cb; never a reset for a reset.
 */
void twin_conn_reply_rst(struct net *net, const struct sk_buff *skb)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	const struct twinhdr *in = twin_hdr(skb);
	struct twin_addr4 a = twin_reply_addr(in);
	struct twinhdr *hdr;
	struct twin_route rt;
	struct sk_buff *out;
	long timeo = 0;

	if (cb->flags & TWIN_F_RST)
		return;
	if (twin_route_lookup(net, a.src_node, a.dst_node, 0, &timeo, &rt))
		return;
	out = alloc_skb(TWIN_CONN_HEADROOM, GFP_ATOMIC);
	if (!out)
		return;
	skb_reserve(out, TWIN_CONN_HEADROOM);
	if (cb->flags & TWIN_F_ACK) {
		twin_build_hdr(out, in->type, TWIN_F_RST, &a, 0);
		twin_hdr(out)->seq = htonl(cb->ack);
	} else {
		twin_build_hdr(out, in->type, TWIN_F_RST | TWIN_F_ACK, &a, 0);
		hdr = twin_hdr(out);
		hdr->ack = htonl(cb->end_seq);
	}
	twin_route_output(net, out, &rt);
}

/*
 * A device's MTU changed in the namespace since the MSS was worked out:
 * work it out again from the route, so that frames too large for the new
 * MTU are cut down (twin_conn_fit()) instead of being dropped at the
 * device on every retransmission until the connection times out. A
 * route that does not resolve now is tried again on the next push.
 */
static void twin_conn_mss_check(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_route rt;
	u32 gen;

	gen = atomic_read(&twin_net(sock_net(sk))->mtu_gen);
	if (likely(gen == c->mtu_gen) || twin_conn_route(sk, &rt))
		return;
	c->mtu_gen = gen;
	c->mss = twin_conn_mss_of(c->peer_mss, rt.mtu);
}

/*
 * How much payload a frame may carry by @rt: many MSS where the device
 * takes super-frames (gso.c), as TCP's tcp_xmit_size_goal(); one MSS to
 * a local node. Never more than the fragment slots of one frame hold in
 * single pages, so a record's frame never runs out of them.
 */
static u32 twin_conn_size_goal(const struct twin_conn *c,
			       const struct twin_route *rt)
{
	u32 goal;

	if (rt->gso_max <= TWIN_HLEN + 2 * c->mss)
		return c->mss;
	goal = min_t(u32, rt->gso_max - TWIN_HLEN,
		     (MAX_SKB_FRAGS - 1) * PAGE_SIZE);
	return goal - goal % c->mss;
}

/* The payload a new frame is filled to. */
static u32 twin_conn_frame_goal(const struct twin_conn *c)
{
	return max(c->mss, c->size_goal);
}

/*
 * A queued frame is charged to sk_wmem_alloc (SO_SNDBUF), and, as TCP's,
 * to sk_wmem_queued and to protocol memory (net.twin.mem and the memory
 * cgroup) through sk_forward_alloc. A frame that must exist whatever
 * memory is left (a SYN, a FIN, the tail of a cut frame) goes uncharged
 * to protocol memory when that is exhausted, as TCP forces its own
 * (sk_forced_mem_schedule(), which a module cannot reach): its
 * destructor tells which it is.
 */
static void twin_conn_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	sock_wfree(skb);
}

static bool twin_conn_charged(const struct sk_buff *skb)
{
	return skb->destructor == twin_conn_wfree;
}

/* Take @size bytes of protocol memory for the write queue, if it has them. */
static bool twin_conn_wmem_take(struct sock *sk, int size)
{
	if (!sk_wmem_schedule(sk, size))
		return false;
	sk_wmem_queued_add(sk, size);
	sk_mem_charge(sk, size);
	return true;
}

/* Charge @size bytes more of @skb's truesize; false without memory. */
static bool twin_conn_charge(struct sock *sk, struct sk_buff *skb, int size)
{
	return !twin_conn_charged(skb) || twin_conn_wmem_take(sk, size);
}

/* @size bytes of @skb's truesize are gone (acknowledged, or moved). */
static void twin_conn_uncharge(struct sock *sk, struct sk_buff *skb, int size)
{
	if (!twin_conn_charged(skb))
		return;
	sk_wmem_queued_add(sk, -size);
	sk_mem_uncharge(sk, size);
}

/*
 * A frame for the write queue. @must: it is made even when protocol
 * memory is exhausted (then uncharged to it); otherwise NULL with
 * *@err -ENOMEM then, -ENOBUFS when the allocation itself failed.
 */
static struct sk_buff *twin_conn_alloc_frame(struct sock *sk,
					     unsigned int size, gfp_t gfp,
					     bool must, int *err)
{
	struct sk_buff *skb;

	skb = sock_wmalloc(sk, TWIN_CONN_HEADROOM + size, 1, gfp);
	if (!skb) {
		*err = -ENOBUFS;
		return NULL;
	}
	if (twin_conn_wmem_take(sk, skb->truesize)) {
		skb->destructor = twin_conn_wfree;
	} else if (!must) {
		kfree_skb(skb);
		*err = -ENOMEM;
		return NULL;
	}
	skb_reserve(skb, TWIN_CONN_HEADROOM);
	/*
	 * Only the clones sent get headers (twin_conn_xmit()); the queued
	 * frame keeps its payload alone. Released, as TCP's skb_entail()
	 * does, a clone may write its headroom (header, then Ethernet's in
	 * skb_cow_head()) without copying the frame first.
	 */
	__skb_header_release(skb);
	return skb;
}

/* A frame that must exist: NULL only when no memory could be had. */
static struct sk_buff *twin_conn_alloc(struct sock *sk, unsigned int size,
				       gfp_t gfp)
{
	int err;

	return twin_conn_alloc_frame(sk, size, gfp, true, &err);
}

/*
 * Make queued frame @skb carry at most @max payload bytes: a larger one
 * is cut there, as TCP's tcp_fragment(); the tail becomes a frame of its
 * own right after it and takes the FIN or end of record. A frame sent
 * before stays marked so (no RTT sample from either part). Clones of it
 * may still be on their way, sharing its fragments: it gets a head of
 * its own first.
 */
static int twin_conn_fit(struct sock *sk, struct sk_buff *skb,
			 unsigned int max)
{
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb), *ncb;
	unsigned int nlin;
	struct sk_buff *n;

	if (skb->len <= max)
		return 0;
	nlin = skb_headlen(skb) > max ? skb_headlen(skb) - max : 0;
	if (skb_unclone(skb, GFP_ATOMIC))
		return -ENOBUFS;
	/* A new head is not released: release it, or every clone copies. */
	__skb_header_release(skb);
	n = twin_conn_alloc(sk, nlin, GFP_ATOMIC);
	if (!n)
		return -ENOBUFS;
	skb_split(skb, n, max);
	/* The tail of an uncharged frame is uncharged too. */
	if (!twin_conn_charged(skb)) {
		twin_conn_uncharge(sk, n, n->truesize);
		n->destructor = sock_wfree;
	}
	/*
	 * The fragments that moved take their share of the charge along;
	 * to an uncharged tail, protocol memory gets it back.
	 */
	n->truesize += n->data_len;
	skb->truesize -= n->data_len;
	if (!twin_conn_charged(n))
		twin_conn_uncharge(sk, skb, n->data_len);
	ncb = TWIN_CONN_CB(n);
	*ncb = *cb;
	ncb->seq = cb->seq + max;
	cb->end_seq = ncb->seq;
	cb->flags &= ~(TWIN_F_FIN | TWIN_F_EOR);
	__skb_queue_after(&sk->sk_write_queue, skb, n);
	return 0;
}

/*
 * The peer acknowledged queued frame @skb up to @ack, not to its end: a
 * super-frame cut on its way is acknowledged frame by frame. Drop the
 * acknowledged bytes, as tcp_trim_head(), so that a resend starts at
 * snd_una: a SEQPACKET receiver takes no frame that overlaps what it
 * has. Returns 0, or -ENOMEM with the frame left as it was.
 */
int twin_conn_trim_acked(struct sock *sk, struct sk_buff *skb, u32 ack)
{
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	unsigned int len = min(ack - cb->seq, skb->len), head, eat, size;
	struct skb_shared_info *si;
	int i, k = 0;

	if (skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	__skb_header_release(skb);
	head = min(len, skb_headlen(skb));
	__skb_pull(skb, head);
	eat = len - head;
	si = skb_shinfo(skb);
	for (i = 0; i < si->nr_frags; i++) {
		size = skb_frag_size(&si->frags[i]);
		if (size <= eat) {
			skb_frag_unref(skb, i);
			eat -= size;
			continue;
		}
		si->frags[k] = si->frags[i];
		if (eat) {
			skb_frag_off_add(&si->frags[k], eat);
			skb_frag_size_sub(&si->frags[k], eat);
			eat = 0;
		}
		k++;
	}
	si->nr_frags = k;
	skb->len -= len - head;
	skb->data_len -= len - head;
	/* Fragment bytes were charged one for one (twin_conn_copy_frags()). */
	twin_conn_uncharge(sk, skb, len - head);
	skb->truesize -= len - head;
	WARN_ON_ONCE(refcount_sub_and_test(len - head, &sk->sk_wmem_alloc));
	if (cb->sacked) {
		struct twin_conn *c = twin_conn(sk);

		c->sacked_out -= min(c->sacked_out, ack - cb->seq);
	}
	cb->seq = ack;
	sk->sk_write_space(sk);
	return 0;
}

/*
 * A frame of more than one MSS leaves as a super-frame (gso.c): the
 * fields are written for every frame, as a copy inherits stale ones.
 * Only a frame no clone of which is on its way writes them (see
 * twin_conn_xmit()), so no frame in flight sees them change.
 */
static void twin_conn_set_gso(struct sk_buff *skb, unsigned int mss)
{
	struct skb_shared_info *si = skb_shinfo(skb);

	if (skb->len > mss) {
		si->gso_size = mss;
		si->gso_segs = DIV_ROUND_UP(skb->len, mss);
		si->gso_type = SKB_GSO_SCTP;
	} else {
		si->gso_size = 0;
		si->gso_segs = 0;
		si->gso_type = 0;
	}
}

/*
 * Make queued frame @skb start at snd_una and carry at most @max bytes,
 * before it is sent again or for the first time: an ack may have covered
 * its front, and a frame may be larger than what may go now.
 */
static int twin_conn_shape(struct sock *sk, struct sk_buff *skb,
			   unsigned int max)
{
	u32 una = twin_conn(sk)->snd_una;

	if (twin_before(TWIN_CONN_CB(skb)->seq, una) &&
	    twin_conn_trim_acked(sk, skb, una))
		return -ENOMEM;
	return twin_conn_fit(sk, skb, max);
}

/*
 * Transmit a clone of queued frame @skb by @rt; NULL: the peer has no
 * route now, and the frame counts as sent (the timer retransmits it).
 */
static int twin_conn_xmit(struct sock *sk, struct sk_buff *skb,
			  const struct twin_route *rt)
{
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb);
	struct sk_buff *out;

	/*
	 * The header goes into the headroom the clones share; an earlier
	 * clone still queued somewhere below needs a private copy instead.
	 */
	if (skb_cloned(skb))
		out = pskb_copy(skb, GFP_ATOMIC);
	else
		out = skb_clone(skb, GFP_ATOMIC);
	if (!out)
		return -ENOBUFS;
	if (!rt) {
		kfree_skb(out);
		return 0;
	}
	twin_conn_set_gso(out, twin_conn(sk)->mss);
	twin_conn_output_rt(sk, out, cb->seq, cb->flags, rt);
	return 0;
}

/*
 * The queued frame after @skb, or NULL. A walk that may cut frames
 * (twin_conn_fit() puts the tail right after @skb) steps with this, and
 * so visits the tail next; skb_queue_walk_safe() would skip it.
 */
static struct sk_buff *twin_conn_next(struct sock *sk, struct sk_buff *skb)
{
	return skb_queue_is_last(&sk->sk_write_queue, skb) ?
	       NULL : skb_queue_next(&sk->sk_write_queue, skb);
}

/*
 * What may be sent now: the congestion window less the pipe (bytes in
 * flight that the peer neither holds by SACK nor lost, RFC 6675), and
 * the peer's window less everything past snd_una, which its buffer
 * holds whether sacked or not.
 */
static u32 twin_conn_cwnd_room(const struct twin_conn *c)
{
	u32 in_flight = c->snd_nxt - c->snd_una;
	u32 pipe = in_flight - min(in_flight, c->sacked_out + c->sack_lost);

	return c->cwnd > pipe ? c->cwnd - pipe : 0;
}

static u32 twin_conn_room(const struct twin_conn *c)
{
	u32 in_flight = c->snd_nxt - c->snd_una;

	return min(twin_conn_cwnd_room(c),
		   c->snd_wnd > in_flight ? c->snd_wnd - in_flight : 0);
}

/*
 * The most payload the next frame may carry with @room left in the
 * windows: a super-frame no larger than that, in whole MSS (as TCP's
 * tcp_mss_split_point()); never less than one MSS.
 */
static u32 twin_conn_send_max(const struct twin_conn *c, u32 room)
{
	room = min(room, twin_conn_frame_goal(c));
	return max(c->mss, room - room % c->mss);
}

/*
 * Send queued frames as the windows allow. With nothing in flight one
 * frame may go even past a small window, so the connection never stalls
 * on a window smaller than a frame; a zero window is probed by the timer.
 */
void twin_conn_push(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_route rt, *rtp = &rt;
	struct twin_conn_cb *cb;
	struct sk_buff *skb;
	u32 in_flight, room, max;

	twin_conn_mss_check(sk);
	/*
	 * One route for the whole burst. It also sets the frame size, kept
	 * while the route is pending or gone: frames cut to one MSS then
	 * would stay so.
	 */
	if (c->send_head) {
		if (twin_conn_route(sk, &rt))
			rtp = NULL;
		else if (rt.kind != TWIN_ROUTE_PENDING)
			c->size_goal = twin_conn_size_goal(c, &rt);
	}
	while ((skb = c->send_head)) {
		cb = TWIN_CONN_CB(skb);
		in_flight = c->snd_nxt - c->snd_una;
		room = twin_conn_room(c);
		max = twin_conn_send_max(c, room);
		if (!(cb->flags & TWIN_F_SYN)) {
			if (!in_flight && !c->snd_wnd)
				break;
			if (in_flight && min(cb->end_seq - cb->seq, max) > room)
				break;
		}
		if (twin_conn_shape(sk, skb, max))
			break;
		if (twin_conn_xmit(sk, skb, rtp))
			break;
		if (cb->sent_us) {
			cb->retransmitted = 1;
			c->retransmits++;
		} else {
			c->bytes_sent += skb->len;
		}
		cb->sent_us = ktime_to_us(ktime_get());
		c->snd_nxt = cb->end_seq;
		if (twin_after(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		c->send_head = twin_conn_next(sk, skb);
	}
	if ((c->snd_nxt != c->snd_una || c->send_head) &&
	    !timer_pending(&c->rto_timer))
		twin_conn_rto_arm(sk);
}

/*
 * Go back: everything unacknowledged is sent again, in order, from the
 * next twin_conn_push() on (a timeout, or F-RTO finding a frame lost).
 */
void twin_conn_go_back(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb;

	c->snd_nxt = c->snd_una;
	c->send_head = skb_peek(&sk->sk_write_queue);
	/*
	 * What the peer said it holds goes too, as after a timeout it may
	 * have dropped it (its reorder queue is the first thing memory
	 * pressure frees): everything is sent again.
	 */
	c->sack_lost = 0;
	c->sacked_out = 0;
	if (!c->sack_ok)
		return;
	skb_queue_walk(&sk->sk_write_queue, skb)
		TWIN_CONN_CB(skb)->sacked = 0;
}

/* A frame below the highest one the peer holds, and not held: lost. */
static bool twin_conn_sack_hole(const struct twin_conn *c,
				const struct twin_conn_cb *cb)
{
	return !cb->sacked && c->sacked_out &&
	       twin_before(cb->seq, c->high_sacked);
}

/*
 * Fast recovery with SACK (RFC 6675, simplified for a segment that does
 * not reorder: every hole below the highest sacked frame is lost, not
 * only those with three sacked frames above). Each hole is sent again
 * once in the recovery, as far as the pipe leaves room in the congestion
 * window; new data follows from twin_conn_push(). A hole whose resend is
 * lost as well waits for the timer, as in RFC 6675.
 */
static void twin_conn_sack_send(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_route rt, *rtp = &rt;
	struct twin_conn_cb *cb;
	struct sk_buff *skb;
	u32 lost = 0, room, max;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		cb = TWIN_CONN_CB(skb);
		if (skb == c->send_head)
			break;
		if (twin_conn_sack_hole(c, cb) && !cb->rec_sent)
			lost += cb->end_seq -
				(twin_before(cb->seq, c->snd_una) ?
				 c->snd_una : cb->seq);
	}
	c->sack_lost = lost;
	if (!lost)
		return;
	twin_conn_mss_check(sk);
	if (twin_conn_route(sk, &rt))
		rtp = NULL;
	for (skb = skb_peek(&sk->sk_write_queue); skb && skb != c->send_head;
	     skb = twin_conn_next(sk, skb)) {
		cb = TWIN_CONN_CB(skb);
		if (!twin_conn_sack_hole(c, cb) || cb->rec_sent)
			continue;
		/* Inside the peer's window already: the pipe alone limits. */
		room = twin_conn_cwnd_room(c);
		if (room < min_t(u32, cb->end_seq - cb->seq, c->mss))
			break;
		max = twin_conn_send_max(c, room);
		if (twin_conn_shape(sk, skb, max))
			break;
		if (twin_conn_xmit(sk, skb, rtp))
			break;
		cb->rec_sent = 1;
		cb->retransmitted = 1;
		cb->sent_us = ktime_to_us(ktime_get());
		c->retransmits++;
		c->sack_lost -= min(c->sack_lost, cb->end_seq - cb->seq);
	}
}

/*
 * One step of a recovery with SACK: the holes the blocks show, as the
 * pipe allows (twin_conn_sack_send()); then the first frame, unless the
 * peer holds it or it went already in this recovery: three duplicates
 * that sacked nothing (the blocks lost, or fallen off the peer's list),
 * or a partial ACK, say it is lost whatever the blocks say, as they do
 * in NewReno.
 */
void twin_conn_sack_recover(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_conn_cb *cb;
	struct sk_buff *skb;
	bool hole;

	twin_conn_sack_send(sk);
	skb = skb_peek(&sk->sk_write_queue);
	if (!skb || skb == c->send_head)
		return;
	cb = TWIN_CONN_CB(skb);
	if (cb->sacked || cb->rec_sent)
		return;
	hole = twin_conn_sack_hole(c, cb);
	if (!twin_conn_retransmit_head(sk))
		return;
	/* It may have been cut to one MSS: the head is what went. */
	cb = TWIN_CONN_CB(skb_peek(&sk->sk_write_queue));
	cb->rec_sent = 1;
	if (hole)
		c->sack_lost -= min(c->sack_lost, cb->end_seq - cb->seq);
}

/*
 * Retransmit the oldest unacknowledged MSS (fast retransmit, NewReno):
 * what the duplicate acknowledgments say is missing, not the rest of a
 * super-frame the peer may hold.
 */
bool twin_conn_retransmit_head(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct twin_route rt;

	if (!skb || skb == c->send_head)
		return false;
	twin_conn_mss_check(sk);
	if (twin_conn_shape(sk, skb, c->mss))
		return false;
	if (twin_conn_xmit(sk, skb, twin_conn_route(sk, &rt) ? NULL : &rt))
		return false;
	TWIN_CONN_CB(skb)->retransmitted = 1;
	TWIN_CONN_CB(skb)->sent_us = ktime_to_us(ktime_get());
	c->retransmits++;
	return true;
}

/* A cut for a SACK block would take the queue past its bound. */
static bool twin_sack_no_cut(const struct sock *sk)
{
	/* sk_wmem_alloc: a cut past net.twin.mem is uncharged, not free. */
	return sk_wmem_alloc_get(sk) >> 1 > READ_ONCE(sk->sk_sndbuf) + SZ_128K;
}

/*
 * Mark the queued frames that the SACK blocks of ACK @ack say the peer
 * holds, cutting a frame where a block begins or ends inside it: at a
 * whole MSS from its start, where the frame was cut on its way, so that
 * a peer cannot make us cut the queue into ever smaller frames (an MSS is
 * at least TWIN_MSS_MIN); and not at all when the queue and what is on
 * its way already take twice the send buffer and 128 KiB more, as
 * tcp_fragment() refuses. Blocks outside what was sent since
 * snd_una are ignored, as tcp_is_sackblock_valid() does: they are old,
 * or forged.
 */
void twin_conn_sack_mark(struct sock *sk, const struct sk_buff *ack)
{
	const struct twinhdr *hdr = twin_hdr(ack);
	struct twin_conn *c = twin_conn(sk);
	struct twin_opts opts;
	unsigned int i, cut;

	if (!c->sack_ok || twin_hdr_len(hdr) == TWIN_HLEN ||
	    twin_parse_opts(hdr, &opts))
		return;
	for (i = 0; i < opts.nsack; i++) {
		u32 start = opts.sack[i].start, end = opts.sack[i].end;
		struct sk_buff *skb;

		if (!twin_after(end, start) || !twin_after(end, c->snd_una) ||
		    twin_after(end, c->snd_nxt))
			continue;
		for (skb = skb_peek(&sk->sk_write_queue);
		     skb && skb != c->send_head; skb = twin_conn_next(sk, skb)) {
			struct twin_conn_cb *cb = TWIN_CONN_CB(skb);

			if (!twin_after(cb->end_seq, start) || cb->sacked)
				continue;
			if (!twin_before(cb->seq, end))
				break;
			/* The front stays out; the rest is the next frame. */
			if (twin_before(cb->seq, start)) {
				cut = roundup(start - cb->seq, c->mss);
				if (cut >= skb->len)
					continue;	/* not one whole frame */
				if (twin_sack_no_cut(sk) ||
				    twin_conn_fit(sk, skb, cut))
					break;
				continue;
			}
			if (twin_after(cb->end_seq, end)) {
				cut = rounddown(end - cb->seq, c->mss);
				/* Also a FIN or end of record past the block. */
				if (!cut || twin_sack_no_cut(sk) ||
				    twin_conn_fit(sk, skb, cut) ||
				    twin_after(cb->end_seq, end))
					break;
			}
			cb->sacked = 1;
			if (!c->sacked_out ||
			    twin_after(cb->end_seq, c->high_sacked))
				c->high_sacked = cb->end_seq;
			c->sacked_out += cb->end_seq - cb->seq;
		}
	}
}

static void twin_conn_queue(struct sock *sk, struct sk_buff *skb, u32 len,
			    u16 flags)
{
	struct twin_conn *c = twin_conn(sk);
	struct twin_conn_cb *cb = TWIN_CONN_CB(skb);

	memset(cb, 0, sizeof(*cb));
	cb->seq = c->write_seq;
	cb->flags = flags;
	cb->end_seq = cb->seq + len;
	if (flags & (TWIN_F_SYN | TWIN_F_FIN))
		cb->end_seq++;
	if ((flags & TWIN_F_EOR) && sk->sk_type == SOCK_SEQPACKET)
		cb->end_seq++;
	c->write_seq = cb->end_seq;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!c->send_head)
		c->send_head = skb;
}

#ifdef TWIN_TEST_HOOKS
/*
 * Test kernels only (built with KUnit, see Kbuild): a fixed initial
 * sequence number for every new connection, so that a test can carry a
 * connection's own data across 2^32. 0: random, as always elsewhere.
 */
static unsigned int test_iss;
module_param(test_iss, uint, 0644);
MODULE_PARM_DESC(test_iss, "test-only: initial sequence number (0: random)");

static u32 twin_conn_iss(void)
{
	return READ_ONCE(test_iss) ?: get_random_u32();
}
#else
static u32 twin_conn_iss(void)
{
	return get_random_u32();
}
#endif

/*
 * The SYN|ACK that answers @syn at listener @sk with a SYN cookie: what a
 * child's would say (our MSS, the window a child would offer), sent from
 * no socket and never again (syncookie.c).
 */
void twin_conn_send_cookie(struct sock *sk, const struct sk_buff *syn)
{
	const struct twin_conn_cb *cb = TWIN_CONN_CB(syn);
	const struct twinhdr *in = twin_hdr(syn);
	struct twin_net *tn = twin_net(sock_net(sk));
	struct twin_addr4 a = twin_reply_addr(in);
	struct twinhdr *hdr;
	struct twin_route rt;
	struct sk_buff *out;
	long timeo = 0;
	u32 cookie, mss;

	cookie = twin_syncookie_make(syn, twin_peer_mss(cb->mss), &mss);
	if (!mss)
		return;
	if (twin_route_lookup(tn->net, a.src_node, a.dst_node,
			      READ_ONCE(sk->sk_bound_dev_if), &timeo, &rt))
		return;
	out = alloc_skb(TWIN_CONN_HEADROOM, GFP_ATOMIC);
	if (!out)
		return;
	skb_reserve(out, TWIN_CONN_HEADROOM);
	twin_push_opt_mss(out, twin_mss_of_mtu(rt.mtu));
	twin_build_hdr(out, in->type, TWIN_F_SYN | TWIN_F_ACK, &a,
		       TWIN_OPT_MSS_LEN);
	hdr = twin_hdr(out);
	hdr->seq = htonl(cookie);
	hdr->ack = htonl(cb->seq + 1);
	hdr->window = htonl(twin_conn_rcv_wnd(sk));
	/* Once a tick at most: a flood would bounce the listener's line. */
	if (time_after(jiffies, READ_ONCE(twin_conn(sk)->last_overflow)))
		WRITE_ONCE(twin_conn(sk)->last_overflow, jiffies);
	twin_stats_add(tn->stats, TWIN_STAT_SYNCOOKIES_SENT, 1);
	twin_route_output(tn->net, out, &rt);
}

/* The SYN (client) or SYN|ACK (child): queued, so it is retransmitted. */
int twin_conn_send_syn(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb;

	skb = twin_conn_alloc(sk, 0, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	c->iss = twin_conn_iss();
	c->snd_una = c->iss;
	c->snd_nxt = c->iss;
	c->snd_max = c->iss;
	c->write_seq = c->iss;
	twin_conn_queue(sk, skb, 0, TWIN_F_SYN);
	twin_conn_push(sk);
	return 0;
}

/*
 * Queue our FIN after the data: ESTABLISHED becomes FIN_WAIT1, CLOSE_WAIT
 * becomes LAST_ACK. Without memory for the frame the connection is reset
 * rather than left without an end.
 */
void twin_conn_send_fin(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	twin_conn_set_state(sk, sk->sk_state == TCP_CLOSE_WAIT ?
			    TCP_LAST_ACK : TCP_FIN_WAIT1);
	if (skb && c->send_head && !TWIN_CONN_CB(skb)->sent_us) {
		/* The last frame is not sent yet: it carries the FIN. */
		TWIN_CONN_CB(skb)->flags |= TWIN_F_FIN;
		TWIN_CONN_CB(skb)->end_seq++;
		c->write_seq++;
	} else {
		skb = twin_conn_alloc(sk, 0, sk->sk_allocation);
		if (!skb) {
			twin_conn_send_rst(sk);
			twin_conn_reset(sk, ENOBUFS);
			return;
		}
		twin_conn_queue(sk, skb, 0, TWIN_F_FIN);
	}
	twin_conn_push(sk);
}

/*
 * May a sender go on: 0, -EAGAIN while the handshake is still running, or
 * the errno to report. A pending error (sk_err) is the caller's to take.
 */
static int twin_conn_send_state(const struct sock *sk)
{
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		return 0;
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		return -EAGAIN;
	case TCP_CLOSE:
		return sock_flag(sk, SOCK_DONE) ? -EPIPE : -ENOTCONN;
	default:
		return -EPIPE;
	}
}

static bool twin_conn_may_send(const struct sock *sk)
{
	int state = twin_conn_send_state(sk);

	return READ_ONCE(sk->sk_err) ||
	       (state != -EAGAIN && (state || twin_conn_sndbuf_free(sk)));
}

/*
 * Wait until the connection is up and the send buffer has room. Returns
 * 0, or the errno the caller reports. @partial: part of the write is
 * queued already, so the call will return that count and a pending error
 * stays for the next call to report (as sk_stream_error()), not lost.
 */
static int twin_conn_wait_send(struct sock *sk, long *timeo, bool partial)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err;

	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		if (sk->sk_err) {
			err = partial ? -READ_ONCE(sk->sk_err) : sock_error(sk);
			break;
		}
		err = twin_conn_send_state(sk);
		if (!err && twin_conn_sndbuf_free(sk))
			break;
		if (err && err != -EAGAIN)
			break;
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		if (!err) {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		}
		sk_wait_event(sk, timeo, twin_conn_may_send(sk), &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/*
 * Protocol memory is exhausted (net.twin.mem, or the memory cgroup's
 * limit), and no frame of this socket's need be acknowledged to free
 * some: wait a moment, then try again, as sk_stream_wait_memory() does
 * with its vm_wait. Returns 0, or the errno to report.
 */
static int twin_conn_wait_memory(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long vm_wait, left;

	if (!*timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(*timeo);
	vm_wait = min_t(long, *timeo, get_random_u32_below(HZ / 5) + 2);
	left = vm_wait;
	add_wait_queue(sk_sleep(sk), &wait);
	sk_wait_event(sk, &left, READ_ONCE(sk->sk_err) ||
		      (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN), &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	if (*timeo != MAX_SCHEDULE_TIMEOUT)
		*timeo -= vm_wait - left;
	return 0;
}

/*
 * Copy up to @n bytes of the user's data into queued frame @skb as page
 * fragments, as TCP's tcp_sendmsg_locked() does: no large linear buffer
 * (a 64 KiB frame would need an order-5 allocation), and a truesize close
 * to the payload, so that the peer's window, scaled by payload/truesize,
 * stays large. The bytes are charged as the frame was. Copies less when
 * the frame has no fragment slot left; returns 0 or -errno (-ENOMEM: no
 * protocol memory), the bytes copied before an error staying in the
 * frame.
 */
static int twin_conn_copy_frags(struct sock *sk, struct sk_buff *skb,
				struct msghdr *msg, unsigned int n)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	unsigned int copy;
	bool merge;
	int i;

	while (n) {
		/* Not sk_page_frag_refill(): it would shrink SO_SNDBUF. */
		if (!skb_page_frag_refill(32U, pfrag, sk->sk_allocation))
			return -ENOBUFS;
		i = skb_shinfo(skb)->nr_frags;
		merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
		if (!merge && i >= MAX_SKB_FRAGS)
			return 0;
		copy = min(n, pfrag->size - pfrag->offset);
		if (!twin_conn_charge(sk, skb, copy))
			return -ENOMEM;
		if (!copy_from_iter_full(page_address(pfrag->page) +
					 pfrag->offset, copy, &msg->msg_iter)) {
			twin_conn_uncharge(sk, skb, copy);
			return -EFAULT;
		}
		if (merge) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
		} else {
			skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset,
					   copy);
			get_page(pfrag->page);
		}
		pfrag->offset += copy;
		skb->len += copy;
		skb->data_len += copy;
		skb->truesize += copy;
		refcount_add(copy, &sk->sk_wmem_alloc);
		n -= copy;
	}
	return 0;
}

/*
 * The frame a stream write may add to: the last queued one while it is
 * unsent, carries no SYN or FIN, is not full and is charged (copies into
 * it are charged as they come).
 */
static struct sk_buff *twin_conn_open_tail(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	const struct twin_conn_cb *cb;

	if (!skb || !c->send_head || !twin_conn_charged(skb))
		return NULL;
	cb = TWIN_CONN_CB(skb);
	if (cb->sent_us || (cb->flags & (TWIN_F_SYN | TWIN_F_FIN)) ||
	    skb->len >= twin_conn_frame_goal(c))
		return NULL;
	return skb;
}

/*
 * How many bytes a stream write adds to a frame that holds @old: up to
 * the frame size, and past SO_SNDBUF by no more than one MSS, as when
 * every frame was one MSS.
 */
static u32 twin_conn_copy_goal(const struct sock *sk, u32 old)
{
	const struct twin_conn *c = twin_conn(sk);
	int room = READ_ONCE(sk->sk_sndbuf) - sk_wmem_alloc_get(sk);

	return min_t(u32, twin_conn_frame_goal(c) - old,
		     max_t(int, room, c->mss));
}

/*
 * Stream bytes go into the open tail frame first, then into new frames
 * (twin_conn_copy_goal()). Bytes copied before a fault are sent and
 * counted, as TCP's.
 */
static int twin_conn_send_stream(struct sock *sk, struct msghdr *msg,
				 size_t len, long *timeo)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff *skb;
	unsigned int old, n;
	size_t copied = 0;
	int err = 0;

	while (copied < len) {
		err = twin_conn_wait_send(sk, timeo, copied > 0);
		if (err)
			break;
		skb = twin_conn_open_tail(sk);
		if (skb) {
			old = skb->len;
			err = twin_conn_copy_frags(sk, skb, msg,
						   min_t(size_t, len - copied,
							 twin_conn_copy_goal(sk, old)));
			n = skb->len - old;
			TWIN_CONN_CB(skb)->end_seq += n;
			c->write_seq += n;
			if (err || n)
				goto done;
		}
		n = 0;
		skb = twin_conn_alloc_frame(sk, 0, sk->sk_allocation, false,
					    &err);
		if (!skb)
			goto done;
		err = twin_conn_copy_frags(sk, skb, msg,
					   min_t(size_t, len - copied,
						 twin_conn_copy_goal(sk, 0)));
		n = skb->len;
		if (n)
			twin_conn_queue(sk, skb, n, 0);
		else
			kfree_skb(skb);
done:
		copied += n;
		twin_conn_push(sk);
		if (err == -ENOMEM)
			err = twin_conn_wait_memory(sk, timeo);
		if (err)
			break;
	}
	return copied ? copied : err;
}

/*
 * A record is queued whole or not at all: its frames are allocated first
 * (past the send buffer if need be, once the buffer has any room, so a
 * record larger than SO_SNDBUF still goes), then queued together.
 */
static int twin_conn_queue_record(struct sock *sk, struct msghdr *msg,
				  size_t len)
{
	struct twin_conn *c = twin_conn(sk);
	struct sk_buff_head frames;
	struct sk_buff *skb;
	size_t off = 0;
	int n, err;

	__skb_queue_head_init(&frames);
	do {
		n = min_t(size_t, len - off, twin_conn_frame_goal(c));
		skb = twin_conn_alloc_frame(sk, 0, sk->sk_allocation, false,
					    &err);
		if (!skb)
			goto fail;
		__skb_queue_tail(&frames, skb);
		err = twin_conn_copy_frags(sk, skb, msg, n);
		if (!err && skb->len != n)
			err = -ENOBUFS;	/* out of fragment slots */
		if (err)
			goto fail;
		off += n;
	} while (off < len);

	while ((skb = __skb_dequeue(&frames)))
		twin_conn_queue(sk, skb, skb->len,
				skb_queue_empty(&frames) ? TWIN_F_EOR : 0);
	twin_conn_push(sk);
	return len;
fail:
	__skb_queue_purge(&frames);
	return err;
}

static int twin_conn_send_record(struct sock *sk, struct msghdr *msg,
				 size_t len, long *timeo)
{
	size_t start = iov_iter_count(&msg->msg_iter);
	int err;

	for (;;) {
		err = twin_conn_wait_send(sk, timeo, false);
		if (err)
			return err;
		err = twin_conn_queue_record(sk, msg, len);
		if (err != -ENOMEM)
			return err;
		/* The whole record again, once memory may be had. */
		iov_iter_revert(&msg->msg_iter,
				start - iov_iter_count(&msg->msg_iter));
		err = twin_conn_wait_memory(sk, timeo);
		if (err)
			return err;
	}
}

int twin_conn_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->sk_type == SOCK_SEQPACKET && len > TWIN_SEQPACKET_MAX)
		return -EMSGSIZE;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	if (sk->sk_type == SOCK_SEQPACKET)
		err = twin_conn_send_record(sk, msg, len, &timeo);
	else
		err = twin_conn_send_stream(sk, msg, len, &timeo);
	release_sock(sk);
	if (err == -EPIPE && !(msg->msg_flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}
