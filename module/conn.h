/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection engine shared by SOCK_STREAM and SOCK_SEQPACKET: one byte
 * sequence space per direction with cumulative acknowledgments, a
 * retransmission queue, a reorder queue, receiver flow control and AIMD
 * congestion control. The two types differ only in record boundaries: a
 * SEQPACKET record ends with a frame flagged EOR, and that end counts as
 * one sequence number so that even an empty record is acknowledged.
 *
 * Split like WireGuard's send/receive/timers: conn.c (socket calls and
 * state changes), conn_send.c (sendmsg, transmit, retransmit),
 * conn_recv.c (frame processing, recvmsg), conn_timer.c (timers), and
 * conn_buf.c (buffer auto-tuning).
 */
#ifndef _TWIN_CONN_H
#define _TWIN_CONN_H

#include <linux/list_nulls.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "msg.h"
#include "netns.h"

struct twin_bearer;

/* Timing, in jiffies unless the name says otherwise. */
#define TWIN_RTO_MAX		(10 * HZ)
#define TWIN_RTO_INIT		(HZ / 4)	/* before any RTT sample */
#define TWIN_DELACK		(HZ / 25)	/* 40 ms, as TCP's minimum */
#define TWIN_FIN_WAIT2		(10 * HZ)	/* orphans waiting for a FIN */
#define TWIN_OWNED_RETRY	(HZ / 50)	/* a timer found the socket owned */
#define TWIN_INIT_CWND		10		/* frames, as RFC 6928 */
#define TWIN_DUPACK_THRESH	3

/* Per-frame state of a queued frame, in skb->cb. */
struct twin_conn_cb {
	u32 seq;		/* first sequence number */
	u32 end_seq;		/* seq + payload + SYN + FIN + EOR */
	u16 flags;		/* TWIN_F_* */
	u8 retransmitted:1;	/* sent more than once: no RTT sample (Karn) */
	u8 sacked:1;		/* queued frames: the peer holds it (SACK) */
	u8 rec_sent:1;		/* queued frames: sent again in this recovery */
	u8 sack_perm:1;		/* received SYNs: SACK_PERM was there */
	u16 mss;		/* received SYNs: the peer's MSS option, 0: none */
	u32 ack, wnd;		/* received frames: acknowledgment, window */
	u32 rd_off;		/* received frames: bytes already read */
	u64 sent_us;		/* queued frames: last transmission, 0: never */
};

#define TWIN_CONN_CB(skb) ((struct twin_conn_cb *)((skb)->cb))

/* The largest payload of a frame through a device of @mtu. */
static inline u16 twin_mss_of_mtu(unsigned int mtu)
{
	return min_t(unsigned int, mtu - TWIN_HLEN, U16_MAX);
}

/* The MSS of a connection through a device of @mtu: never the peer's. */
static inline u32 twin_conn_mss_of(u32 peer_mss, unsigned int mtu)
{
	return min_t(u32, twin_mss_of_mtu(mtu), peer_mss);
}

/*
 * The smallest MSS a peer's SYN can ask for, as TCP's TCP_MIN_SND_MSS:
 * frames of a few bytes each would let a peer make the sender cut its
 * queue into as many buffers as bytes (a SACK block, a small window).
 */
#define TWIN_MSS_MIN	48

/*
 * What the MSS option @opt of the peer's SYN says it takes, as TCP reads
 * it, at least TWIN_MSS_MIN; a SYN without one gets RFC 9293's default.
 */
static inline u32 twin_peer_mss(u16 opt)
{
	return opt ? max_t(u32, opt, TWIN_MSS_MIN) : TWIN_MSS_DEFAULT;
}

/* Sequence arithmetic modulo 2^32, as TCP's before()/after(). */
static inline bool twin_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

#define twin_after(a, b) twin_before(b, a)

/* net.twin.rto_min_ms of the socket's namespace, in jiffies. */
static inline unsigned long twin_conn_rto_min(const struct sock *sk)
{
	return msecs_to_jiffies(READ_ONCE(twin_net(sock_net(sk))->rto_min_ms));
}

/* The RTO before any RTT sample: never below the namespace's minimum. */
static inline unsigned long twin_conn_rto_initial(const struct sock *sk)
{
	return max_t(unsigned long, TWIN_RTO_INIT, twin_conn_rto_min(sk));
}

struct twin_conn {
	/* Sending. */
	u32 iss;		/* our initial sequence number */
	u32 snd_una;		/* oldest unacknowledged */
	u32 snd_nxt;		/* next to send */
	u32 snd_max;		/* highest sequence number sent + 1 */
	u32 write_seq;		/* end of the data queued by the user */
	u32 snd_wnd;		/* the peer's window, from snd_una */
	u32 max_snd_wnd;	/* the largest it has been (RFC 5961 5.2) */
	u32 mss;		/* payload per frame: peer_mss or less */
	u32 peer_mss;		/* the largest payload the peer takes */
	u32 size_goal;		/* payload of a new frame: mss or a super-frame's */
	u32 mtu_gen;		/* twin_net.mtu_gen when mss was worked out */
	u32 cwnd, ssthresh;	/* bytes */
	u32 recover;		/* snd_nxt when fast recovery began */
	/*
	 * Selective acknowledgment (RFC 2018), when both SYNs offered it:
	 * queued frames the peer holds are marked (sacked), and recovery
	 * sends the holes below the highest of them (twin_conn_sack_send()).
	 */
	u32 sacked_out;		/* bytes marked sacked */
	u32 high_sacked;	/* end of the highest, while sacked_out */
	u32 sack_lost;		/* in recovery: lost bytes not yet sent again */
	u8 sack_ok;
	u8 in_recovery;
	u8 dupacks;
	u8 backoff;
	u8 keepalive_probes;
	u8 probes_out;		/* zero-window probes since data was acked */
	u8 orphan_counted;	/* closed by its user, counted in mem.c */
	u8 frto;		/* F-RTO's step after a timeout, 0: none */
	u32 frto_recover;	/* snd_max when the timer expired */
	u32 undo_cwnd, undo_ssthresh;	/* before it, for a spurious one */
	u32 sndbuf;		/* SO_SNDBUF before memory pressure cut it */
	struct sk_buff *send_head;	/* first unsent skb of sk_write_queue */
	u32 srtt_us, rttvar_us;
	unsigned long rto;
	unsigned long retrans_start;	/* jiffies: first unanswered resend */
	unsigned long last_rcv;		/* jiffies: last frame from the peer */
	unsigned long neigh_confirmed;	/* jiffies: last twin_neigh_confirm() */

	/* Receiving. */
	u32 irs;		/* the peer's initial sequence number */
	u32 rcv_nxt;
	u32 rcv_adv;		/* right edge of the window last advertised */
	u32 rcv_edge;		/* the furthest right edge ever advertised */
	unsigned long last_oow_ack;	/* jiffies: last rate-limited ACK */
	unsigned long last_challenge_ack;	/* jiffies: RFC 5961's */
	u32 ack_pending;	/* in-order frames not yet acknowledged */
	u32 rcv_records;	/* SEQPACKET: complete records queued */
	u32 rcv_bytes;		/* payload bytes in sk_receive_queue */
	u32 rcv_ratio;		/* payload/truesize of full frames, x256 */
	/* Receive buffer auto-tuning (conn_buf.c). */
	u32 rcv_rtt_us;		/* the receiver's round trip, 0: unknown */
	u32 rcv_rtt_seq;	/* its running measurement ends here */
	u64 rcv_rtt_start_us;	/* and began then, 0: none running */
	u32 rcvq_space;		/* most bytes read in one round trip */
	u32 rcvq_copied;	/* bytes read since rcvq_time_us */
	u64 rcvq_time_us;	/* start of this round trip's count */
	/*
	 * Frames that arrived ahead of a hole, by seq, no frame inside another:
	 * an rbtree, as TCP's out_of_order_queue, so that frames sent in an
	 * order chosen to be slow cost a logarithm each, not a list's walk.
	 */
	struct rb_root ooo_root;
	/*
	 * What the reorder queue holds, as the blocks a SACK option says
	 * (tcp_sack_new_ofo_skb()): the one last added to first.
	 */
	struct twin_sack_block sack[TWIN_SACK_BLOCKS];
	u8 nsack;

	/* Options. */
	u32 user_timeout;	/* ms, 0: TWIN_USER_TIMEOUT_DEFAULT */
	u32 keepidle, keepintvl, keepcnt;

	/* Timers. */
	struct timer_list rto_timer;	/* retransmit, zero-window probe */
	struct timer_list delack_timer;
	struct timer_list state_timer;	/* keepalive, FIN_WAIT2, TIME_WAIT */

	/*
	 * Listener side: children, until accept() takes them. A listener's
	 * sk_ack_backlog counts those past their handshake (its accept
	 * queue), syn_recv those still in it (its SYN queue), as TCP counts
	 * request socks apart; a child's syn_queued says which it is in.
	 * All three under accept_lock.
	 */
	spinlock_t accept_lock;
	struct list_head accept_list;	/* a listener's children */
	struct list_head accept_node;	/* a child's place in that list */
	struct sock *parent;		/* a child's listener, held */
	u32 syn_recv;
	u8 syn_queued;
	unsigned long last_overflow;	/* jiffies: last SYN cookie sent */

	struct hlist_nulls_node conn_node;	/* twin_net.conn_hash */
	struct list_head gone_node;	/* twin_conn_node_gone()'s, RTNL */

	/* Counters for TWIN_INFO. */
	u32 retransmits, fast_retransmits, timeouts;
	u64 bytes_sent, bytes_acked, bytes_received;
	u64 frames_out, frames_in;
};

/* The peer's window, as its frames advertise it. */
static inline void twin_conn_set_snd_wnd(struct twin_conn *c, u32 wnd)
{
	c->snd_wnd = wnd;
	c->max_snd_wnd = max(c->max_snd_wnd, wnd);
}

bool twin_conn_orphan_oom(struct sock *sk, int more);

extern const struct proto_ops twin_stream_ops;
extern const struct proto_ops twin_seqpacket_ops;

/* conn.c */
void twin_conn_init(struct sock *sk);
void twin_conn_set_state(struct sock *sk, int state);
void twin_conn_done(struct sock *sk);
void twin_conn_reset(struct sock *sk, int err);
void twin_conn_established(struct sock *sk);
void twin_conn_destruct(struct sock *sk);
void twin_conn_node_gone(struct twin_net *tn, u32 node);
void twin_conn_ooo_purge(struct sock *sk);
int twin_conn_cookie_child(struct sock *sk, const struct sk_buff *skb,
			   struct sock **childp);
bool twin_conn_cookies_recent(const struct sock *sk);

/* syncookie.c: a cookie holds for two periods of 64 s. */
#define TWIN_SYNCOOKIE_VALID	(2 * 64 * HZ)
u32 twin_syncookie_make(const struct sk_buff *syn, u32 peer_mss, u32 *mss);
u32 twin_syncookie_check(const struct sk_buff *ack);
int twin_conn_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			 unsigned int optlen);
int twin_conn_getsockopt(struct sock *sk, int optname, char __user *optval,
			 int __user *optlen);
void twin_conn_keepalive(struct sock *sk, int valbool);
unsigned long twin_conn_user_timeout(const struct sock *sk);
void twin_conn_child(struct sock *listener, const struct sk_buff *skb);

/* conn_send.c */
int twin_conn_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
int twin_conn_send_syn(struct sock *sk);
void twin_conn_send_cookie(struct sock *sk, const struct sk_buff *syn);
int twin_conn_trim_acked(struct sock *sk, struct sk_buff *skb, u32 ack);
void twin_conn_push(struct sock *sk);
void twin_conn_go_back(struct sock *sk);
void twin_conn_send_ack(struct sock *sk);
void twin_conn_send_ack_limited(struct sock *sk);
void twin_conn_send_challenge_ack(struct sock *sk);
void twin_conn_send_probe(struct sock *sk);
void twin_conn_send_fin(struct sock *sk);
void twin_conn_send_rst(struct sock *sk);
bool twin_conn_retransmit_head(struct sock *sk);
void twin_conn_sack_recover(struct sock *sk);
void twin_conn_sack_mark(struct sock *sk, const struct sk_buff *ack);
void twin_conn_reply_rst(struct net *net, const struct sk_buff *skb);
u32 twin_conn_rcv_wnd(const struct sock *sk);
bool twin_conn_sndbuf_free(const struct sock *sk);

/* conn_recv.c */
void twin_conn_rcv(struct twin_bearer *b, struct sk_buff *skb);
int twin_conn_backlog_rcv(struct sock *sk, struct sk_buff *skb);
int twin_conn_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		      int flags);
bool twin_conn_readable(const struct sock *sk);
void twin_conn_rcv_space(struct sock *sk);

/* conn_buf.c */
void twin_conn_buf_init(struct sock *sk);
void twin_conn_buf_established(struct sock *sk);
void twin_conn_rcv_rtt_measure(struct twin_conn *c);
void twin_conn_rcvbuf_tune(struct sock *sk, u32 copied);
void twin_conn_sndbuf_expand(struct sock *sk);
void twin_conn_sndbuf_restore(struct sock *sk);

/* conn_timer.c */
void twin_conn_timers_init(struct sock *sk);
void twin_conn_timers_stop(struct sock *sk);
void twin_conn_rto_arm(struct sock *sk);
void twin_conn_delack_arm(struct sock *sk);
void twin_conn_keepalive_arm(struct sock *sk);
void twin_conn_state_timer_arm(struct sock *sk, unsigned long delay);
void twin_conn_time_wait_arm(struct sock *sk);

#endif /* _TWIN_CONN_H */
