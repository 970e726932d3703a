// SPDX-License-Identifier: GPL-2.0
/*
 * A connection whose peer is this program (peer.h): the peer, node 2,
 * chooses what no live peer lets a test choose: its initial sequence
 * number (2^32 - 700: its data wraps around), duplicate acknowledgments
 * on demand, its window, how late it acknowledges, and a FIN sent again
 * during TIME_WAIT.
 *
 * semantics.md, "Reliability", "ioctl and options" and "Closing" of
 * "Connection sockets". Times are lower bounds (a loaded machine only delays) or
 * bounds scaled by TWIN_TIMEOUT_MULT.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <net/if.h>

#include "conn_util.h"
#include "frame.h"
#include "peer.h"

/* Wait up to 2 s (x mult) for A's TWIN_INFO to count n unacked; assert it. */
static struct twin_info expect_unacked(int fd, uint32_t n)
{
	double end = now_s() + 2.0 * mult();
	struct twin_info ti = info_of(fd);

	while (ti.unacked != n && now_s() < end) {
		sleep_ms(10);
		ti = info_of(fd);
	}
	ASSERT_EQ(ti.unacked, n);
	return ti;
}

/* Sequence numbers one SEQPACKET record of n bytes takes (its end: one). */
static uint32_t rec_seq(const struct peer *p, uint32_t n)
{
	return n + (p->type == SOCK_SEQPACKET);
}

/*
 * The peer starts at 2^32 - 700: its second 500-byte chunk crosses the
 * wrap, its third lies past it. Sent out of order (the third before the
 * second), they are held across the wrap and delivered in order; A's
 * acknowledgments wrap with them.
 */
#define CHUNK 500
BOTH_T(seq_wraps_around, 30)
{
	static unsigned char data[3 * CHUNK], back[100], buf[3 * CHUNK];
	uint32_t iss = 0xffffffffU - 700, s0, l = 0;
	uint16_t fl = TWIN_F_ACK;
	struct twin_info ti;
	struct peer p;
	struct got g;
	int i, inq = -1;

	peer_up(&p, type, 4);
	peer_connect(&p, iss);
	s0 = p.snd_nxt;
	l = rec_seq(&p, CHUNK);
	diag("the peer's data: sequence %u to %u", s0, s0 + 3 * l);
	ASSERT_TRUE(s0 + l + l < s0);	/* the second chunk ends past 2^32 */
	ASSERT_TRUE(s0 + l > s0);	/* and begins before it */
	if (type == SOCK_SEQPACKET)
		fl |= TWIN_F_EOR;
	fill_pattern(data, sizeof(data), 11);

	peer_send(&p, fl, p.a_iss + 1, data, CHUNK);
	expect_ack(&p, s0 + l, &g, "first chunk");
	/* The third, ahead of the hole: held, the ack stays. */
	p.snd_nxt = s0 + 2 * l;
	peer_send(&p, fl, p.a_iss + 1, data + 2 * CHUNK, CHUNK);
	expect_ack(&p, s0 + l, &g, "third chunk, a duplicate ack");
	ASSERT_OK(ioctl(p.srv, SIOCINQ, &inq));
	ASSERT_EQ(inq, CHUNK);	/* only the first is readable */
	/* The second fills the hole across the wrap. */
	p.snd_nxt = s0 + l;
	peer_send(&p, fl, p.a_iss + 1, data + CHUNK, CHUNK);
	expect_ack(&p, s0 + 3 * l, &g, "the hole filled");
	ASSERT_LT(g.ack, s0);	/* wrapped */
	p.snd_nxt = s0 + 3 * l;

	if (type == SOCK_STREAM) {
		recv_exact(p.srv, data, sizeof(data));
	} else {
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(recv(p.srv, buf, sizeof(buf), 0), CHUNK);
			ASSERT_EQ(memcmp(buf, data + i * CHUNK, CHUNK), 0);
		}
	}
	ti = info_of(p.srv);
	ASSERT_EQ(ti.bytes_received, sizeof(data));

	/* And back: A's data, acknowledged by the peer. */
	fill_pattern(back, sizeof(back), 12);
	ASSERT_EQ(send(p.srv, back, sizeof(back), 0), (ssize_t)sizeof(back));
	ASSERT_TRUE(next_data(&p, WAIT_MS, &g));
	ASSERT_EQ(g.seq, p.a_iss + 1);
	ASSERT_EQ(g.ack, p.snd_nxt);
	ASSERT_EQ(g.len, sizeof(back));
	ASSERT_EQ(memcmp(g.data, back, sizeof(back)), 0);
	peer_send(&p, TWIN_F_ACK, p.a_iss + 1 + rec_seq(&p, sizeof(back)),
		  NULL, 0);
	expect_unacked(p.srv, 0);
}

/* SIOCOUTQ (not yet acknowledged) and SIOCOUTQNSD (not yet sent) of fd. */
static void expect_outq(int fd, int outq, int notsent)
{
	int v = -1;

	ASSERT_OK(ioctl(fd, SIOCOUTQ, &v));
	ASSERT_EQ(v, outq);
	ASSERT_OK(ioctl(fd, SIOCOUTQNSD, &v));
	ASSERT_EQ(v, notsent);
}

/*
 * RFC 5681 with NewReno, as semantics.md says: a fresh connection sends
 * its initial window of 10 frames; three duplicate acknowledgments resend
 * the first at once (long before the RTO), halve the flight into ssthresh
 * and inflate cwnd by the three frames that left the network; the ack
 * that ends the recovery leaves cwnd at ssthresh (multiplicative
 * decrease: 5 frames go out); a window of acks in congestion avoidance
 * adds one frame (additive increase: 6); a timeout leaves one frame
 * (cwnd 1 MSS, ssthresh half the flight). net.twin.rto_min_ms at 3 s
 * keeps the timer out of the way until the test waits for it. Stream
 * only: the congestion control is the engine's, the same for both types.
 */
STREAM_T(fast_retransmit_and_aimd, 60)
{
	static char buf[20 * 1500];
	struct twin_info ti;
	uint32_t mss, d0;
	struct peer p;
	struct got g;
	int i;

	peer_up(&p, type, 4);
	ns_enter(p.a);
	twin_sysctl_set("rto_min_ms", 3000);
	ns_enter(NULL);
	peer_connect(&p, 1000);
	ti = info_of(p.srv);
	mss = ti.mss;
	d0 = p.a_iss + 1;
	ASSERT_EQ(ti.cwnd, 10 * mss);
	ASSERT_GE(ti.rto_ms, 3000);
	ASSERT_LE(20 * mss, sizeof(buf));
	fill_pattern(buf, 20 * mss, 13);
	ASSERT_EQ(send(p.srv, buf, 20 * mss, 0), (ssize_t)(20 * mss));

	/* The initial window, and nothing more. */
	peer_expect_frames(&p, d0, mss, 10);
	ti = info_of(p.srv);
	ASSERT_EQ(ti.unacked, 10 * mss);
	ASSERT_EQ(ti.notsent, 10 * mss);
	expect_outq(p.srv, 20 * mss, 10 * mss);

	/* Three duplicate acks: the first frame again, at once. */
	for (i = 0; i < 3; i++)
		peer_send(&p, TWIN_F_ACK, d0, NULL, 0);
	ASSERT_TRUE(next_data(&p, 1000, &g));
	ASSERT_EQ(g.seq, d0);
	ti = info_of(p.srv);
	diag("after 3 duplicate acks: cwnd %u ssthresh %u (mss %u), "
	     "fast retransmits %u, timeouts %u", ti.cwnd, ti.ssthresh, mss,
	     ti.fast_retransmits, ti.timeouts);
	ASSERT_EQ(ti.fast_retransmits, 1);
	ASSERT_EQ(ti.timeouts, 0);
	ASSERT_EQ(ti.ssthresh, 5 * mss);
	ASSERT_EQ(ti.cwnd, 8 * mss);

	/* The whole flight acknowledged: out of recovery at ssthresh. */
	peer_send(&p, TWIN_F_ACK, d0 + 10 * mss, NULL, 0);
	peer_expect_frames(&p, d0 + 10 * mss, mss, 5);
	ti = info_of(p.srv);
	ASSERT_EQ(ti.cwnd, 5 * mss);
	ASSERT_EQ(ti.unacked, 5 * mss);
	ASSERT_EQ(ti.notsent, 5 * mss);

	/* One window acknowledged in congestion avoidance: one frame more. */
	peer_send(&p, TWIN_F_ACK, d0 + 15 * mss, NULL, 0);
	peer_expect_frames(&p, d0 + 15 * mss, mss, 5);
	ti = info_of(p.srv);
	ASSERT_EQ(ti.cwnd, 6 * mss);
	ASSERT_EQ(ti.timeouts, 0);

	/* Silence: the timer resends one frame. */
	ti = peer_wait_timeouts(p.srv, 1, 10000);
	diag("after a timeout: cwnd %u ssthresh %u rto %u ms", ti.cwnd,
	     ti.ssthresh, ti.rto_ms);
	ASSERT_EQ(ti.timeouts, 1);
	ASSERT_EQ(ti.cwnd, mss);
	ASSERT_EQ(ti.ssthresh, 5 * mss / 2);
	ASSERT_TRUE(next_data(&p, WAIT_MS, &g));
	ASSERT_EQ(g.seq, d0 + 15 * mss);
	ASSERT_FALSE(next_data(&p, 500, &g));	/* one frame only */
	ASSERT_EQ(info_of(p.srv).timeouts, 1);
}

/*
 * Ten frames out, the timer expired and resent the first (RTO floor 3 s,
 * so that the next expiry, 6 s later, stays out of the test's way); then
 * the peer acknowledges the first four frames, late. F-RTO (RFC 5682)
 * sends two frames of new data instead of the rest of the flight, and no
 * more (TWIN_INFO: what is not sent yet): the acks that follow tell
 * whether the flight was lost or only late. Returns TWIN_INFO from
 * before the data was sent; *mss and *d0 are the connection's MSS and
 * first data sequence number.
 */
static struct twin_info frto_start(struct peer *p, int type, uint32_t *mss,
				    uint32_t *d0)
{
	static char buf[20 * 1500];
	struct twin_info before, ti;
	struct got g;

	peer_up(p, type, 4);
	ns_enter(p->a);
	twin_sysctl_set("rto_min_ms", 3000);
	ns_enter(NULL);
	peer_connect(p, 1000);
	before = info_of(p->srv);
	*mss = before.mss;
	*d0 = p->a_iss + 1;
	ASSERT_EQ(before.cwnd, 10 * *mss);
	ASSERT_LE(20 * *mss, sizeof(buf));
	fill_pattern(buf, 20 * *mss, 17);
	ASSERT_EQ(send(p->srv, buf, 20 * *mss, 0), (ssize_t)(20 * *mss));
	peer_expect_frames(p, *d0, *mss, 10);

	ti = peer_wait_timeouts(p->srv, 1, 10000);
	ASSERT_EQ(ti.timeouts, 1);
	ASSERT_TRUE(next_data(p, WAIT_MS, &g));
	ASSERT_EQ(g.seq, *d0);

	peer_send(p, TWIN_F_ACK, *d0 + 4 * *mss, NULL, 0);
	peer_expect_frames(p, *d0 + 10 * *mss, *mss, 2);
	ti = info_of(p->srv);
	ASSERT_EQ(ti.notsent, 8 * *mss);
	ASSERT_EQ(ti.unacked, 8 * *mss);
	return before;
}

/*
 * F-RTO, a spurious timeout: after the two frames of new data, an ack
 * covers frames that were never sent again (the rest of the first
 * flight), so they were late, not lost: the window is what it was before
 * the timeout (10 frames, no ssthresh), not one frame and half the
 * flight, and the data goes on from where the new frames ended. Before
 * F-RTO the sender resent the whole flight from one frame up.
 */
STREAM_T(spurious_timeout_undone, 60)
{
	struct twin_info before, ti;
	uint32_t mss, d0;
	struct peer p;

	before = frto_start(&p, type, &mss, &d0);
	peer_send(&p, TWIN_F_ACK, d0 + 10 * mss, NULL, 0);
	/* A window of 10 frames with 2 out: all 8 left go at once. */
	peer_expect_frames(&p, d0 + 12 * mss, mss, 8);
	ti = info_of(p.srv);
	diag("after a late ack: cwnd %u ssthresh %u (mss %u), retransmits %u, "
	     "timeouts %u", ti.cwnd, ti.ssthresh, mss, ti.retransmits,
	     ti.timeouts);
	ASSERT_EQ(ti.cwnd, 10 * mss);
	ASSERT_EQ(ti.ssthresh, before.ssthresh);
	ASSERT_EQ(ti.retransmits, 1);
	ASSERT_EQ(ti.timeouts, 1);
}

/*
 * F-RTO, a real loss: after the two frames of new data, a duplicate ack:
 * the frame after the first four was lost. The rest of the flight goes
 * again, in order from it, with a window of three frames and ssthresh at
 * half the flight the timer found.
 */
STREAM_T(timeout_then_duplicate_resends_flight, 60)
{
	struct twin_info ti;
	uint32_t mss, d0;
	struct peer p;

	frto_start(&p, type, &mss, &d0);
	peer_send(&p, TWIN_F_ACK, d0 + 4 * mss, NULL, 0);
	peer_expect_frames(&p, d0 + 4 * mss, mss, 3);
	ti = info_of(p.srv);
	diag("after a duplicate ack: cwnd %u ssthresh %u (mss %u)", ti.cwnd,
	     ti.ssthresh, mss);
	ASSERT_EQ(ti.cwnd, 3 * mss);
	ASSERT_EQ(ti.ssthresh, 5 * mss);
	ASSERT_EQ(ti.timeouts, 1);
}

/* The state /proc/net/twin shows for A's end, or "" when it is gone. */
static const char *a_state(struct peer *p)
{
	static char st[32];

	ns_enter(p->a);
	if (!proc_state_of_port(type_name(p->type), LPORT, st, sizeof(st)))
		st[0] = 0;
	ns_enter(NULL);
	return st;
}

/*
 * A closes first, the peer answers with its FIN: A waits in TIME_WAIT
 * (4 s here) and acknowledges the FIN. Sent again halfway, the FIN is
 * acknowledged again and TIME_WAIT starts over: it ends no sooner than
 * 4 s after the second FIN, 2 s past when the first would have ended it.
 */
#define TW_MS 4000
BOTH_T(time_wait_answers_fin, 40)
{
	uint32_t fin, pfin;
	double t_tw, t_again, t_gone, end;
	struct peer p;
	struct got g;

	peer_up(&p, type, 4);
	ns_enter(p.a);
	twin_sysctl_set("time_wait_ms", TW_MS);
	ns_enter(NULL);
	peer_connect(&p, 5000);
	ASSERT_OK(close(p.lis));
	ASSERT_OK(close(p.srv));
	do {
		if (!peer_next(&p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "no FIN from A");
	} while (!(g.flags & TWIN_F_FIN));
	ASSERT_EQ(g.len, 0);
	fin = g.seq;
	ASSERT_EQ(fin, p.a_iss + 1);
	/* The peer acknowledges A's FIN (one sequence number) and sends its own. */
	peer_send(&p, TWIN_F_ACK, fin + 1, NULL, 0);
	pfin = p.snd_nxt;
	peer_send(&p, TWIN_F_FIN | TWIN_F_ACK, fin + 1, NULL, 0);
	expect_ack(&p, pfin + 1, &g, "the peer's FIN");
	t_tw = now_s();
	ASSERT_STREQ(a_state(&p), "TIME_WAIT");

	while (now_s() < t_tw + TW_MS / 2000.0)
		sleep_ms(20);
	ASSERT_STREQ(a_state(&p), "TIME_WAIT");
	t_again = now_s();
	peer_send(&p, TWIN_F_FIN | TWIN_F_ACK, fin + 1, NULL, 0);
	expect_ack(&p, pfin + 1, &g, "the same FIN again");
	ASSERT_EQ(g.seq, fin + 1);

	end = t_again + TW_MS / 1000.0 + 5 * mult();
	while (a_state(&p)[0] && now_s() < end)
		sleep_ms(20);
	t_gone = now_s();
	ASSERT_STREQ(a_state(&p), "");
	diag("TIME_WAIT began %.2f s before the second FIN, ended %.2f s "
	     "after it", t_again - t_tw, t_gone - t_again);
	ASSERT_GE(t_gone, t_again + TW_MS / 1000.0 - 0.05);
}

/* A's next frame that is not a (retransmitted) SYN; fails if none. */
static void next_not_syn(struct peer *p, struct got *g)
{
	do {
		if (!peer_next(p, WAIT_MS, g))
			harness_fail(__FILE__, __LINE__, "no frame from A");
	} while (g->flags == TWIN_F_SYN);
}

/*
 * A's connect() finds the peer still holding a connection on the same
 * ports (A restarted on a fixed port): the peer answers A's SYN with an ACK
 * of its old sequence space. A resets that with <SEQ=SEG.ACK>, no ACK (RFC
 * 793, SYN-SENT), which clears a real peer's stale end, and keeps waiting
 * in SYN_SENT: a reset with a wrong ack gets no answer and does not end
 * it; the peer's proper SYN|ACK then completes the handshake.
 */
BOTH_T(syn_sent_resets_half_open_peer, 30)
{
	const uint32_t stale_seq = 7777, stale_ack = 0x5000;
	uint32_t iss;
	struct got g;
	struct peer p;
	int fd, i;

	peer_up(&p, type, 4);
	ASSERT_OK(close(p.lis));	/* A's end of the 4-tuple is LPORT */
	peer_xmit(&p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	fd = ns_socket(p.a, type);
	set_nonblock(fd);
	ASSERT_OK(twin_bind(fd, NODE_A, LPORT));
	ASSERT_EQ(twin_connect(fd, NODE_PEER, PPORT), -1);
	ASSERT_EQ(errno, EINPROGRESS);
	ASSERT_TRUE(peer_next(&p, WAIT_MS, &g));
	ASSERT_EQ(g.flags, TWIN_F_SYN);
	iss = g.seq;

	/*
	 * Twice: the first time alone, the second after a reset with the
	 * wrong ack, which A must neither answer nor obey (the answer to
	 * the ACK behind it shows that A has seen it).
	 */
	p.rst_ok = true;
	for (i = 0; i < 2; i++) {
		if (i)
			peer_xmit(&p, p.ftype, TWIN_F_RST | TWIN_F_ACK,
				  stale_seq, stale_ack, NULL, 0);
		peer_xmit(&p, p.ftype, TWIN_F_ACK, stale_seq, stale_ack + i,
			  NULL, 0);
		next_not_syn(&p, &g);
		ASSERT_EQ(g.flags, TWIN_F_RST);
		ASSERT_EQ(g.seq, stale_ack + i);
		ASSERT_EQ(g.len, 0);
		ASSERT_EQ(info_of(fd).state, 2);	/* SYN_SENT */
		ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_ERROR), 0);
	}

	p.snd_nxt = 9000;
	peer_send(&p, TWIN_F_SYN | TWIN_F_ACK, iss + 1, NULL, 0);
	p.snd_nxt++;
	ASSERT_TRUE(wait_ev(fd, POLLOUT, WAIT_MS) & POLLOUT);
	ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_ERROR), 0);
	ASSERT_EQ(info_of(fd).state, 1);	/* ESTABLISHED */
	next_not_syn(&p, &g);
	ASSERT_EQ(g.flags, TWIN_F_ACK);
	ASSERT_EQ(g.ack, 9001);
}

/*
 * A peer whose SYN offers an MSS below A's own gets frames of that size:
 * 1500 bytes go out as 600, 600 and 300 (docs/wire.md, "Options").
 */
BOTH_T(mss_lowered_by_the_peers_syn, 30)
{
	static char buf[1500];
	uint32_t d0;
	struct peer p;
	struct got g;
	int i;

	peer_up(&p, type, 4);
	p.mss = 600;
	peer_connect(&p, 1000);
	ASSERT_EQ(info_of(p.srv).mss, 600);
	fill_pattern(buf, sizeof(buf), 15);
	ASSERT_EQ(send(p.srv, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	d0 = p.a_iss + 1;
	for (i = 0; i < 3; i++) {
		if (!next_data(&p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "frame %d of 3", i);
		ASSERT_EQ(g.seq, d0 + i * 600);
		ASSERT_EQ(g.len, i < 2 ? 600 : 300);
		ASSERT_EQ(memcmp(g.data, buf + i * 600, g.len), 0);
	}
	peer_send(&p, TWIN_F_ACK, d0 + rec_seq(&p, sizeof(buf)), NULL, 0);
	expect_unacked(p.srv, 0);
}

/*
 * A SYN whose MSS option says 1 byte: A sends 48 (TCP's floor), so that
 * a peer cannot make it cut its data into one buffer per byte.
 */
STREAM_T(mss_floor_48, 30)
{
	static char buf[100];
	uint32_t d0;
	struct peer p;

	peer_up(&p, type, 4);
	p.mss = 1;
	peer_connect(&p, 1000);
	ASSERT_EQ(info_of(p.srv).mss, 48);
	fill_pattern(buf, sizeof(buf), 19);
	ASSERT_EQ(send(p.srv, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	d0 = p.a_iss + 1;
	peer_expect_frames(&p, d0, 48, 2);
}

/* A SYN without an MSS option: the peer is taken to want 536 bytes. */
STREAM_T(mss_default_without_option, 30)
{
	struct peer p;

	peer_up(&p, type, 4);
	p.mss = 0;
	peer_connect(&p, 1000);
	ASSERT_EQ(info_of(p.srv).mss, TWIN_MSS_DEFAULT);
}

/*
 * The peer's window bounds what is in flight, in whole frames: with room
 * for 3 frames and a little, 3 go out of 10 queued (SIOCOUTQ counts the
 * 10, SIOCOUTQNSD the 7 not sent); an ack of one lets one more go. A
 * window smaller than a frame lets one frame pass when nothing is in
 * flight (the connection cannot stall on it), and no second; a zero
 * window none. rto_min_ms at 3 s keeps retransmissions and window probes
 * out of the observation.
 */
STREAM_T(window_bounds_flight, 40)
{
	static char buf[10 * 1500];
	struct twin_info ti;
	uint32_t mss, d0;
	struct peer p;
	struct got g;

	peer_up(&p, type, 4);
	ns_enter(p.a);
	twin_sysctl_set("rto_min_ms", 3000);
	ns_enter(NULL);
	p.wnd = 3 * 1460 + 100;
	peer_connect(&p, 77);
	ti = info_of(p.srv);
	mss = ti.mss;
	ASSERT_EQ(mss, 1460);
	ASSERT_EQ(ti.snd_wnd, p.wnd);
	d0 = p.a_iss + 1;
	fill_pattern(buf, 10 * mss, 14);
	ASSERT_EQ(send(p.srv, buf, 10 * mss, 0), (ssize_t)(10 * mss));

	peer_expect_frames(&p, d0, mss, 3);
	ASSERT_FALSE(next_data(&p, 300, &g));
	ASSERT_EQ(info_of(p.srv).unacked, 3 * mss);
	expect_outq(p.srv, 10 * mss, 7 * mss);

	peer_send(&p, TWIN_F_ACK, d0 + mss, NULL, 0);
	peer_expect_frames(&p, d0 + 3 * mss, mss, 1);
	ASSERT_FALSE(next_data(&p, 300, &g));
	ASSERT_EQ(info_of(p.srv).unacked, 3 * mss);

	/* All acknowledged, a window of 500 bytes: one frame, whole. */
	p.wnd = 500;
	peer_send(&p, TWIN_F_ACK, d0 + 4 * mss, NULL, 0);
	peer_expect_frames(&p, d0 + 4 * mss, mss, 1);
	ASSERT_FALSE(next_data(&p, 300, &g));
	ASSERT_EQ(info_of(p.srv).unacked, mss);

	/* A zero window: nothing. */
	p.wnd = 0;
	peer_send(&p, TWIN_F_ACK, d0 + 5 * mss, NULL, 0);
	ASSERT_FALSE(next_data(&p, 300, &g));
	ti = info_of(p.srv);
	ASSERT_EQ(ti.unacked, 0);
	ASSERT_EQ(ti.notsent, 5 * mss);
	ASSERT_EQ(ti.timeouts, 0);
}

/*
 * RFC 6298 2.3: the RTO is srtt + 4 rttvar (at least rto_min_ms), from
 * samples the peer makes long by acknowledging 300 ms late. rto_min_ms is
 * 1 s through the handshake, so the SYN|ACK waits out the late ack
 * without a retransmission (which would give no sample), then 10 ms, so
 * that the formula, not the floor, gives the RTO.
 */
STREAM_T(rto_from_rtt, 40)
{
	struct twin_info ti;
	struct peer p;
	struct got g;
	uint32_t x;
	int i;

	peer_up(&p, type, 4);
	ns_enter(p.a);
	twin_sysctl_set("rto_min_ms", 1000);
	ns_enter(NULL);
	peer_connect_late(&p, 4242, 300);
	ns_enter(p.a);
	twin_sysctl_set("rto_min_ms", 10);
	ns_enter(NULL);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(send(p.srv, "rtt", 3, 0), 3);
		ASSERT_TRUE(next_data(&p, WAIT_MS, &g));
		sleep_ms(300);
		peer_send(&p, TWIN_F_ACK, g.seq + g.len, NULL, 0);
		expect_unacked(p.srv, 0);
	}
	ti = info_of(p.srv);
	x = (ti.rtt_us + 4 * ti.rttvar_us) / 1000;
	diag("srtt %u us, rttvar %u us: rto %u ms (srtt + 4 rttvar: %u ms), "
	     "%u retransmissions", ti.rtt_us, ti.rttvar_us, ti.rto_ms, x,
	     ti.retransmits);
	ASSERT_GE(ti.rtt_us, 300000);
	ASSERT_GE(ti.rto_ms, x);
	ASSERT_LE(ti.rto_ms, x + 5);	/* rounded up to a jiffy */
}

/*
 * A SEQPACKET record in two frames: while only the first has arrived
 * (and been acknowledged), poll() reports no EPOLLIN and a read finds
 * nothing; the frame that ends the record makes it readable, whole.
 */
static void half_record(int type)
{
	static unsigned char data[800], buf[1000];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct peer p;
	struct got g;
	uint32_t s0;

	peer_up(&p, type, 4);
	peer_connect(&p, 31337);
	s0 = p.snd_nxt;
	fill_pattern(data, sizeof(data), 15);
	peer_send(&p, TWIN_F_ACK, p.a_iss + 1, data, 500);
	expect_ack(&p, s0 + 500, &g, "the record's first frame");
	ASSERT_FALSE(revents(p.srv, POLLIN | POLLRDNORM) &
		     (POLLIN | POLLRDNORM));
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);

	p.snd_nxt = s0 + 500;
	peer_send(&p, TWIN_F_ACK | TWIN_F_EOR, p.a_iss + 1, data + 500, 300);
	expect_ack(&p, s0 + 500 + rec_seq(&p, 300), &g, "the record's end");
	ASSERT_EQ(wait_ev(p.srv, POLLIN | POLLRDNORM, WAIT_MS * mult()) &
		  (POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
	ASSERT_EQ(recvmsg(p.srv, &mh, MSG_DONTWAIT), (ssize_t)sizeof(data));
	ASSERT_TRUE(mh.msg_flags & MSG_EOR);
	ASSERT_EQ(memcmp(buf, data, sizeof(data)), 0);
}

TEST_TIMEOUT(seqpacket_poll_waits_for_whole_record, 30)
{
	conn_test_begin();
	half_record(SOCK_SEQPACKET);
}

/*
 * EPOLLOUT and EPOLLWRNORM are reported exactly while the send buffer's
 * memory is under half of SO_SNDBUF (sock_writeable(), as TCP's
 * sk_stream_is_writeable() in spirit): a sender that filled its buffer
 * against a peer that acknowledges nothing is not writable; the peer then
 * acknowledges one frame at a time, and after each, poll() agrees with
 * the rule, until the sender is writable again. rto_min_ms at 3 s keeps
 * retransmissions out of the observation.
 */
STREAM_T(epollout_below_half_sndbuf, 40)
{
	static char buf[1460];
	int sndbuf, outq, blocked = 0, i;
	uint32_t d0, sent = 0, m1, m2;
	bool writable = false;
	struct peer p;
	struct got g;
	double end;
	short r;

	peer_up(&p, type, 4);
	ns_enter(p.a);
	twin_sysctl_set("rto_min_ms", 3000);
	ns_enter(NULL);
	peer_connect(&p, 5);
	twin_set_int(p.srv, SOL_SOCKET, SO_SNDBUF, 32768);
	sndbuf = twin_get_int(p.srv, SOL_SOCKET, SO_SNDBUF);
	d0 = p.a_iss + 1;
	set_nonblock(p.srv);
	while (send(p.srv, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf))
		sent += sizeof(buf);
	ASSERT_EQ(errno, EAGAIN);
	diag("SO_SNDBUF %d: %u bytes queued, wmem %u", sndbuf, sent,
	     twin_meminfo(p.srv, SK_MEMINFO_WMEM_ALLOC));
	ASSERT_FALSE(revents(p.srv, POLLOUT) & POLLOUT);

	for (i = 0; i < 500 && !writable; i++) {
		if (!next_data(&p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "no more data after "
				     "%u bytes acknowledged", g.seq - d0);
		peer_send(&p, TWIN_F_ACK, g.seq + g.len, NULL, 0);
		/* Until A has taken the ack in. */
		end = now_s() + WAIT_MS * mult() / 1000.0;
		do {
			ASSERT_OK(ioctl(p.srv, SIOCOUTQ, &outq));
		} while ((uint32_t)outq != sent - (g.seq + g.len - d0) &&
			 now_s() < end);
		ASSERT_EQ((uint32_t)outq, sent - (g.seq + g.len - d0));
		m1 = twin_meminfo(p.srv, SK_MEMINFO_WMEM_ALLOC);
		r = revents(p.srv, POLLOUT | POLLWRNORM);
		m2 = twin_meminfo(p.srv, SK_MEMINFO_WMEM_ALLOC);
		if (m1 != m2)
			continue;	/* a clone was freed meanwhile */
		ASSERT_EQ(!!(r & POLLOUT), m1 < (uint32_t)sndbuf / 2);
		ASSERT_EQ(!!(r & POLLWRNORM), !!(r & POLLOUT));
		if (r & POLLOUT)
			writable = true;
		else
			blocked++;
	}
	diag("writable again after %d acks (%d not writable), wmem %u",
	     i, blocked, twin_meminfo(p.srv, SK_MEMINFO_WMEM_ALLOC));
	ASSERT_TRUE(writable);
	ASSERT_GT(blocked, 0);
}

#define TEST_ISS "/sys/module/twin/parameters/test_iss"

/* At the test's exit, failed or not: random again for the tests after. */
static void test_iss_clear(void)
{
	FILE *f = fopen(TEST_ISS, "w");

	if (f) {
		fprintf(f, "0\n");
		fclose(f);
	}
}

static void test_iss_set(uint32_t v)
{
	FILE *f = fopen(TEST_ISS, "w");

	ASSERT_TRUE(f != NULL);
	ASSERT_GT(fprintf(f, "%u\n", v), 0);
	ASSERT_OK(fclose(f));
}

/* Sequence order: a at or after b. */
static bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/*
 * The right edge of A's window never moves left (RFC 9293 3.8.6.2.2).
 * Frames past a hole wait in A's reorder queue, charged to its receive
 * buffer, so the free space shrinks as they come; an edge that followed
 * it back to rcv_nxt left the lost frame outside the window, and its
 * sender could only probe a zero window: two VMs stalled so, the reader
 * waiting on an empty queue. The peer skips its first frame and sends
 * the ones after it up to A's edge (A acknowledges each at once, queued
 * or dropped): no ack may pull the edge back. Then the missing frame is
 * taken and acknowledged. Stream only: the window is the engine's.
 */
STREAM_T(window_edge_never_recedes, 30)
{
	static char buf[1000];
	uint32_t d0, seq, edge = 0, e;
	struct peer p;
	struct got g;
	int sent = 0;

	peer_up(&p, type, 4);
	peer_connect(&p, 3000);
	d0 = p.snd_nxt;
	fill_pattern(buf, sizeof(buf), 21);
	for (seq = d0 + sizeof(buf); sent < 1000; seq += sizeof(buf)) {
		if (edge && !seq_ge(edge, seq + sizeof(buf)))
			break;
		peer_xmit(&p, p.ftype, TWIN_F_ACK, seq, p.a_iss + 1, buf,
			  sizeof(buf));
		sent++;
		do {
			if (!peer_next(&p, WAIT_MS, &g))
				harness_fail(__FILE__, __LINE__,
					     "no ack for frame %d", sent);
		} while (!(g.flags & TWIN_F_ACK));
		ASSERT_EQ(g.ack, d0);
		e = g.ack + g.wnd;
		if (edge && !seq_ge(e, edge))
			harness_fail(__FILE__, __LINE__, "frame %d (%u bytes "
				     "past the hole): A's edge moved back from "
				     "%u to %u (window %u)", sent,
				     seq + (uint32_t)sizeof(buf) - d0, edge - d0,
				     e - d0, g.wnd);
		if (!edge || seq_ge(e, edge))
			edge = e;
	}
	diag("%d frames past the hole, up to A's edge %u bytes past d0; "
	     "A's last window %u, its free space now %u", sent, edge - d0,
	     g.wnd, info_of(p.srv).rcv_wnd);
	ASSERT_GT(sent, 10);

	/* The missing frame fits, is taken, and is what A reads first. */
	peer_xmit(&p, p.ftype, TWIN_F_ACK, d0, p.a_iss + 1, buf, sizeof(buf));
	do {
		if (!peer_next(&p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "the missing frame "
				     "was not acknowledged");
	} while (!(g.flags & TWIN_F_ACK) || g.ack == d0);
	ASSERT_TRUE(seq_ge(g.ack, d0 + sizeof(buf)));
	{
		char got[sizeof(buf)];

		ASSERT_EQ(recv(p.srv, got, sizeof(got), MSG_WAITALL),
			  (ssize_t)sizeof(got));
		ASSERT_EQ(memcmp(got, buf, sizeof(got)), 0);
	}
}

/*
 * A frame held behind a hole that the hole's frame overlaps keeps its new
 * bytes: the peer sends bytes 100-299 first (held), then 0-149. A takes
 * 0-299 and acknowledges all of it at once, instead of dropping the held
 * frame for starting below rcv_nxt and waiting for 150-299 again.
 */
STREAM_T(overlap_past_hole_kept, 30)
{
	static char buf[300], got[sizeof(buf)];
	uint32_t d0;
	struct peer p;
	struct got g;

	peer_up(&p, type, 4);
	peer_connect(&p, 3000);
	d0 = p.snd_nxt;
	fill_pattern(buf, sizeof(buf), 23);
	peer_xmit(&p, p.ftype, TWIN_F_ACK, d0 + 100, p.a_iss + 1, buf + 100,
		  200);
	do {
		if (!peer_next(&p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "no duplicate ack");
	} while (!(g.flags & TWIN_F_ACK));
	ASSERT_EQ(g.ack, d0);
	peer_xmit(&p, p.ftype, TWIN_F_ACK, d0, p.a_iss + 1, buf, 150);
	do {
		if (!peer_next(&p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "the hole was not "
				     "acknowledged");
	} while (!(g.flags & TWIN_F_ACK) || g.ack == d0);
	if (g.ack != d0 + sizeof(buf))
		harness_fail(__FILE__, __LINE__, "A acknowledged %u bytes, "
			     "not %zu: the held frame's new bytes were lost",
			     g.ack - d0, sizeof(buf));
	ASSERT_EQ(recv(p.srv, got, sizeof(got), MSG_WAITALL),
		  (ssize_t)sizeof(got));
	ASSERT_EQ(memcmp(got, buf, sizeof(got)), 0);
}

/* Send bytes [from, to) of buf at d0 + from; wait for A's ack of it. */
static void held_frame(struct peer *p, uint32_t d0, const char *buf,
		       int from, int to)
{
	struct got g;

	peer_xmit(p, p->ftype, TWIN_F_ACK, d0 + from, p->a_iss + 1,
		  buf + from, to - from);
	do {
		if (!peer_next(p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "no ack of %d-%d",
				     from, to);
	} while (!(g.flags & TWIN_F_ACK));
	ASSERT_EQ(g.ack, d0);	/* the hole at 0 is still open */
}

/*
 * Frames held behind a hole never hold a byte twice: one inside a held
 * frame is dropped, one that starts with a held frame and goes further
 * replaces it, one that covers held frames takes their place. What the
 * buffer is charged shows it; every byte arrives once when the hole
 * fills.
 */
STREAM_T(held_frames_never_overlap_whole, 30)
{
	static char buf[460], got[sizeof(buf)];
	uint32_t d0, r1, r4;
	struct peer p;

	peer_up(&p, type, 4);
	peer_connect(&p, 3000);
	d0 = p.snd_nxt;
	fill_pattern(buf, sizeof(buf), 29);
	held_frame(&p, d0, buf, 200, 300);
	r1 = twin_meminfo(p.srv, SK_MEMINFO_RMEM_ALLOC);
	held_frame(&p, d0, buf, 220, 260);	/* inside: dropped */
	ASSERT_EQ(twin_meminfo(p.srv, SK_MEMINFO_RMEM_ALLOC), r1);
	held_frame(&p, d0, buf, 200, 350);	/* replaces 200-300 */
	held_frame(&p, d0, buf, 400, 450);
	r4 = twin_meminfo(p.srv, SK_MEMINFO_RMEM_ALLOC);
	held_frame(&p, d0, buf, 150, 460);	/* takes both their places */
	ASSERT_LT(twin_meminfo(p.srv, SK_MEMINFO_RMEM_ALLOC), r4);
	peer_xmit(&p, p.ftype, TWIN_F_ACK, d0, p.a_iss + 1, buf, 150);
	ASSERT_EQ(recv(p.srv, got, sizeof(got), MSG_WAITALL),
		  (ssize_t)sizeof(got));
	ASSERT_EQ(memcmp(got, buf, sizeof(got)), 0);
	ASSERT_EQ(twin_meminfo(p.srv, SK_MEMINFO_RMEM_ALLOC), 0);
}

/*
 * The sending side of the wrap: A's initial sequence number is 2^32 - 3000
 * (the test_iss hook of test kernels; the Debian lanes skip this test),
 * so the third of its five 1460-byte frames crosses 2^32. The frames go
 * out in order, an ack past two of them counts, three duplicate acks
 * resend the frame across the wrap, and the ack of all of them, a small
 * number now, leaves nothing in flight; data after the wrap follows.
 * Stream only: the sequence space is the engine's, the same for both.
 */
STREAM_T(own_seq_wraps_around, 40)
{
	static char buf[5 * 1460], more[1000];
	uint32_t iss = 0xffffffffU - 3000, mss, d0;
	struct twin_info ti;
	struct peer p;
	struct got g;
	int i;

	if (access(TEST_ISS, W_OK))
		SKIP("no twin.test_iss: not a test kernel (built without "
		     "CONFIG_KUNIT)");
	peer_up(&p, type, 4);
	ns_enter(p.a);
	twin_sysctl_set("rto_min_ms", 3000);
	ns_enter(NULL);
	atexit(test_iss_clear);
	test_iss_set(iss);
	peer_connect(&p, 500);
	test_iss_set(0);
	ASSERT_EQ(p.a_iss, iss);
	mss = info_of(p.srv).mss;
	ASSERT_EQ(mss, 1460);
	d0 = p.a_iss + 1;
	ASSERT_TRUE(d0 + 2 * mss > d0);		/* the third frame begins */
	ASSERT_TRUE(d0 + 3 * mss < d0);		/* before 2^32, ends past it */
	diag("A's data: sequence %u to %u", d0, d0 + 5 * mss);

	fill_pattern(buf, sizeof(buf), 16);
	ASSERT_EQ(send(p.srv, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	for (i = 0; i < 5; i++) {
		if (!next_data(&p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "frame %d never came",
				     i + 1);
		ASSERT_EQ(g.seq, d0 + i * mss);
		ASSERT_EQ(g.len, mss);
		ASSERT_EQ(memcmp(g.data, buf + i * mss, mss), 0);
	}

	peer_send(&p, TWIN_F_ACK, d0 + 2 * mss, NULL, 0);
	expect_unacked(p.srv, 3 * mss);

	for (i = 0; i < 3; i++)
		peer_send(&p, TWIN_F_ACK, d0 + 2 * mss, NULL, 0);
	ASSERT_TRUE(next_data(&p, 1000, &g));
	ASSERT_EQ(g.seq, d0 + 2 * mss);
	ASSERT_EQ(g.len, mss);
	ASSERT_EQ(memcmp(g.data, buf + 2 * mss, mss), 0);
	ASSERT_EQ(info_of(p.srv).fast_retransmits, 1);

	peer_send(&p, TWIN_F_ACK, d0 + 5 * mss, NULL, 0);
	ti = expect_unacked(p.srv, 0);
	ASSERT_EQ(ti.notsent, 0);
	ASSERT_EQ(ti.timeouts, 0);

	fill_pattern(more, sizeof(more), 17);
	ASSERT_EQ(send(p.srv, more, sizeof(more), 0), (ssize_t)sizeof(more));
	ASSERT_TRUE(next_data(&p, WAIT_MS, &g));
	ASSERT_EQ(g.seq, d0 + 5 * mss);
	ASSERT_EQ(g.len, sizeof(more));
	ASSERT_EQ(memcmp(g.data, more, sizeof(more)), 0);
	peer_send(&p, TWIN_F_ACK, d0 + 5 * mss + sizeof(more), NULL, 0);
	expect_unacked(p.srv, 0);
	ASSERT_EQ(info_of(p.srv).bytes_acked, sizeof(buf) + sizeof(more));
}
