// SPDX-License-Identifier: GPL-2.0
/*
 * Selective acknowledgment (RFC 2018) against a peer that is this program
 * (peer.h), which chooses what it offers in its SYN, which frames it
 * "lost" and which SACK blocks its ACKs carry:
 * - both SYNs must offer TWIN_OPT_SACK_PERM, and net.twin.sack 0 turns
 *   it off;
 * - as a receiver, A's ACKs say what its reorder queue holds, the block
 *   of the frame that made the ACK first;
 * - as a sender, A sends again exactly the holes below the highest
 *   sacked frame (RFC 6675), all in one recovery, and never what the
 *   peer holds; one ACK that sacks more than two frames starts the
 *   recovery (a receiver that merges frames acknowledges a burst once);
 * - blocks outside what was sent, and blocks on a connection that did
 *   not agree to SACK, change nothing.
 *
 * semantics.md, "Reliability"; wire.md, "Options". rto_min_ms is 3 s
 * where a test must see what happens before any timeout.
 */
#include <arpa/inet.h>

#include "conn_util.h"
#include "frame.h"
#include "peer.h"

/* The peer's ACK of @ack with the SACK blocks of @blk ([start, end)). */
static void sack_ack(struct peer *p, uint32_t ack, unsigned int n,
		     const uint32_t blk[][2])
{
	unsigned int i;

	ASSERT_LE(n, PEER_SACK_MAX);
	p->nsack = n;
	for (i = 0; i < n; i++) {
		p->sack_blk[i][0] = blk[i][0];
		p->sack_blk[i][1] = blk[i][1];
	}
	peer_send(p, TWIN_F_ACK, ack, NULL, 0);
	p->nsack = 0;
}

/* The next frame from A that acknowledges anything. */
static void next_ack(struct peer *p, struct got *g, const char *what)
{
	do {
		if (!peer_next(p, WAIT_MS, g))
			harness_fail(__FILE__, __LINE__, "no ack (%s)", what);
	} while (!(g->flags & TWIN_F_ACK));
}

/* A's ACK of a frame: ack, and exactly the n blocks of @blk, in order. */
static void expect_sack(struct peer *p, uint32_t ack, unsigned int n,
			const uint32_t blk[][2], const char *what)
{
	struct got g;
	unsigned int i;

	next_ack(p, &g, what);
	if (g.ack != ack || g.nsack != n)
		harness_fail(__FILE__, __LINE__, "%s: ack %u with %u blocks, "
			     "not %u with %u", what, g.ack, g.nsack, ack, n);
	for (i = 0; i < n; i++)
		if (g.sack_blk[i][0] != blk[i][0] ||
		    g.sack_blk[i][1] != blk[i][1])
			harness_fail(__FILE__, __LINE__, "%s: block %u is "
				     "[%u, %u), not [%u, %u)", what, i,
				     g.sack_blk[i][0], g.sack_blk[i][1],
				     blk[i][0], blk[i][1]);
}

/* The peer sends bytes [from, to) of @buf, at d0 + from. */
static void peer_bytes(struct peer *p, uint32_t d0, const char *buf,
		       uint32_t from, uint32_t to)
{
	peer_xmit(p, p->ftype, TWIN_F_ACK, d0 + from, p->a_iss + 1,
		  buf + from, to - from);
}

/*
 * The next data frame from A: at @seq, one MSS, the bytes of @buf there
 * (A's data starts at @d0).
 */
static void expect_data(struct peer *p, uint32_t seq, uint32_t mss,
			const char *buf, uint32_t d0, const char *what)
{
	struct got g;

	if (!next_data(p, WAIT_MS, &g))
		harness_fail(__FILE__, __LINE__, "%s: no frame", what);
	if (g.seq != seq || g.len != mss)
		harness_fail(__FILE__, __LINE__, "%s: frame at %u (+%u), "
			     "%u bytes; not at %u (+%u), %u", what, g.seq,
			     g.seq - d0, g.len, seq, seq - d0, mss);
	ASSERT_MEMEQ(g.data, buf + (seq - d0), mss);
}

/*
 * A, with @frames frames queued (at least 10) and rto_min_ms @rto_ms,
 * has sent its first 10.
 */
static void out_of(struct peer *p, int type, bool sack, char *buf,
		   uint32_t *mss, uint32_t *d0, int frames, int rto_ms)
{
	struct twin_info ti;

	peer_up(p, type, 4);
	ns_enter(p->a);
	twin_sysctl_set("rto_min_ms", rto_ms);
	ns_enter(NULL);
	p->sack = sack;
	peer_connect(p, 1000);
	ASSERT_EQ(p->a_sack, sack);
	ti = info_of(p->srv);
	*mss = ti.mss;
	*d0 = p->a_iss + 1;
	ASSERT_EQ(ti.cwnd, 10 * *mss);
	fill_pattern(buf, frames * *mss, 31);
	ASSERT_EQ(send(p->srv, buf, frames * *mss, 0),
		  (ssize_t)(frames * *mss));
	peer_expect_frames(p, *d0, *mss, 10);
}

/* out_of() 20 frames, the timer 3 s away. */
static void ten_out(struct peer *p, int type, bool sack, char *buf,
		    uint32_t *mss, uint32_t *d0)
{
	out_of(p, type, sack, buf, mss, d0, 20, 3000);
}

/* No data frame from A for 500 ms. */
static void expect_quiet(struct peer *p, const char *what)
{
	struct got g;

	if (next_data(p, 500, &g))
		harness_fail(__FILE__, __LINE__, "%s: A sent %u bytes at %u",
			     what, g.len, g.seq);
}

/* A's TWIN_INFO counts @fast recoveries, @resent frames sent again. */
static void expect_resends(const struct peer *p, unsigned int fast,
			   unsigned int resent)
{
	struct twin_info ti = info_of(p->srv);

	diag("cwnd %u ssthresh %u (mss %u), fast retransmits %u, "
	     "retransmits %u, timeouts %u", ti.cwnd, ti.ssthresh, ti.mss,
	     ti.fast_retransmits, ti.retransmits, ti.timeouts);
	ASSERT_EQ(ti.fast_retransmits, fast);
	ASSERT_EQ(ti.retransmits, resent);
	ASSERT_EQ(ti.timeouts, 0);
}

/*
 * SACK only where both SYNs offer it: A's SYN|ACK offers it back to a
 * SYN that did, not to one that did not, and not at all with net.twin.sack
 * 0; and only then do A's duplicate ACKs carry blocks.
 */
BOTH_T(sack_offered_as_asked, 40)
{
	static const uint32_t none[1][2];
	static char buf[200];
	uint32_t d0, blk[1][2];
	struct peer p;

	fill_pattern(buf, sizeof(buf), 3);
	peer_up(&p, type, 4);
	p.sack = true;
	peer_connect(&p, 1000);
	ASSERT_TRUE(p.a_sack);
	d0 = p.snd_nxt;
	peer_bytes(&p, d0, buf, 100, 200);
	blk[0][0] = d0 + 100;
	blk[0][1] = d0 + 200;
	expect_sack(&p, d0, 1, blk, "a frame past a hole, SACK agreed");

	p.port = PPORT + 1;
	p.sack = false;
	peer_connect(&p, 2000);
	ASSERT_FALSE(p.a_sack);
	d0 = p.snd_nxt;
	peer_bytes(&p, d0, buf, 100, 200);
	expect_sack(&p, d0, 0, none, "a frame past a hole, SACK not offered");

	ns_enter(p.a);
	twin_sysctl_set("sack", 0);
	ns_enter(NULL);
	p.port = PPORT + 2;
	p.sack = true;
	peer_connect(&p, 3000);
	ASSERT_FALSE(p.a_sack);
	d0 = p.snd_nxt;
	peer_bytes(&p, d0, buf, 100, 200);
	expect_sack(&p, d0, 0, none, "a frame past a hole, net.twin.sack 0");
}

/* Whether TWIN_INFO of fd says the handshake agreed to SACK. */
static bool sack_agreed(int fd)
{
	return info_of(fd).options & TWIN_INFO_OPT_SACK;
}

/*
 * Two twin ends agree to SACK by default, both as client and as server
 * (TWIN_INFO); net.twin.sack 0 at either end, the other's offer goes
 * unanswered and neither uses it.
 */
BOTH_T(sack_agreed_between_twin_ends, 30)
{
	const char *a, *b;
	struct conn c;

	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 0);
	ASSERT_TRUE(sack_agreed(c.cli));
	ASSERT_TRUE(sack_agreed(c.srv));
	exchange(&c);

	ns_enter(b);
	twin_sysctl_set("sack", 0);
	ns_enter(NULL);
	c = remote_pair(type, a, b, PORT + 1, 0);
	ASSERT_FALSE(sack_agreed(c.cli));
	ASSERT_FALSE(sack_agreed(c.srv));
	exchange(&c);

	ns_enter(b);
	twin_sysctl_set("sack", 1);
	ns_enter(a);
	twin_sysctl_set("sack", 0);
	ns_enter(NULL);
	c = remote_pair(type, a, b, PORT + 2, 0);
	ASSERT_FALSE(sack_agreed(c.cli));
	ASSERT_FALSE(sack_agreed(c.srv));
	exchange(&c);
}

/*
 * A's reorder queue as its SACK blocks say it: a block grows with the
 * frames that touch it, the block of the frame just received comes
 * first, a filled hole merges blocks away or acknowledges them, and the
 * last hole filled leaves no block. Every byte is read once, in order.
 */
STREAM_T(receiver_sack_blocks, 30)
{
	static char buf[500], got[sizeof(buf)];
	uint32_t d0, b[2][2];
	struct peer p;

	fill_pattern(buf, sizeof(buf), 5);
	peer_up(&p, type, 4);
	p.sack = true;
	peer_connect(&p, 4000);
	d0 = p.snd_nxt;

	peer_bytes(&p, d0, buf, 100, 200);
	b[0][0] = d0 + 100;
	b[0][1] = d0 + 200;
	expect_sack(&p, d0, 1, b, "100-199");
	peer_bytes(&p, d0, buf, 200, 300);
	b[0][1] = d0 + 300;
	expect_sack(&p, d0, 1, b, "200-299 joins it");
	peer_bytes(&p, d0, buf, 400, 500);
	b[0][0] = d0 + 400;
	b[0][1] = d0 + 500;
	b[1][0] = d0 + 100;
	b[1][1] = d0 + 300;
	expect_sack(&p, d0, 2, b, "400-499: a block of its own, first");
	peer_bytes(&p, d0, buf, 0, 100);
	expect_sack(&p, d0 + 300, 1, b, "0-99 fills the first hole");
	peer_bytes(&p, d0, buf, 300, 400);
	expect_sack(&p, d0 + 500, 0, b, "300-399 fills the last");
	ASSERT_EQ(recv(p.srv, got, sizeof(got), MSG_WAITALL),
		  (ssize_t)sizeof(got));
	ASSERT_MEMEQ(got, buf, sizeof(got));
}

/*
 * Frames 1 and 4 of the first 10 lost: one ACK of frame 0 that sacks
 * frames 2-3 and 5-9 (7 frames held: more than 2) starts the recovery,
 * and A sends frames 1 and 4 again at once, each once, with their own
 * bytes, and nothing the peer holds; then new data as the window (half
 * the flight, 4.5 frames, less the two in flight) allows. NewReno would
 * have sent frame 1 alone, and frame 4 only a round trip later. The ACK
 * of all of it ends the recovery at half the flight. For SEQPACKET the
 * 20 frames are one record, cut where the blocks end.
 */
BOTH_T(sack_resends_holes_only, 60)
{
	static char buf[20 * 1500];
	uint32_t mss, d0, blk[2][2];
	struct peer p;

	ten_out(&p, type, true, buf, &mss, &d0);
	blk[0][0] = d0 + 5 * mss;
	blk[0][1] = d0 + 10 * mss;
	blk[1][0] = d0 + 2 * mss;
	blk[1][1] = d0 + 4 * mss;
	sack_ack(&p, d0 + mss, 2, blk);
	expect_data(&p, d0 + mss, mss, buf, d0, "the first hole");
	expect_data(&p, d0 + 4 * mss, mss, buf, d0, "the second hole");
	expect_data(&p, d0 + 10 * mss, mss, buf, d0, "new data");
	expect_data(&p, d0 + 11 * mss, mss, buf, d0, "new data");
	expect_quiet(&p, "the window is full");
	expect_resends(&p, 1, 2);
	ASSERT_EQ(info_of(p.srv).ssthresh, 9 * mss / 2);

	/* All of it held: out of recovery at ssthresh, 4 whole frames. */
	sack_ack(&p, d0 + 12 * mss, 0, blk);
	peer_expect_frames(&p, d0 + 12 * mss, mss, 4);
	expect_quiet(&p, "after the recovery");
	expect_resends(&p, 1, 2);
	ASSERT_EQ(info_of(p.srv).cwnd, 9 * mss / 2);
}

/*
 * Frame 0 lost: a single duplicate ACK that sacks frames 1-9 is enough,
 * where three are needed without SACK: frame 0 goes again at once, and
 * then 4 frames of new data (a window of 5, one in flight).
 */
STREAM_T(one_duplicate_with_sack_enough, 60)
{
	static char buf[20 * 1500];
	uint32_t mss, d0, blk[1][2];
	struct peer p;

	ten_out(&p, type, true, buf, &mss, &d0);
	blk[0][0] = d0 + mss;
	blk[0][1] = d0 + 10 * mss;
	sack_ack(&p, d0, 1, blk);
	expect_data(&p, d0, mss, buf, d0, "the hole");
	peer_expect_frames(&p, d0 + 10 * mss, mss, 4);
	expect_quiet(&p, "the window is full");
	expect_resends(&p, 1, 1);
}

/*
 * Frames 1 and 9 of 10 lost, and nothing more to send: the ACK of frame
 * 0 sacks 2-8, and frame 1 goes again. Its ACK, of frames 1-8, is
 * partial and sacks nothing (nothing past frame 9 was sent): frame 9 is
 * lost too and goes at once, as NewReno would send it, not when the
 * timer (10 s here) expires.
 */
STREAM_T(partial_ack_resends_next_hole, 60)
{
	static char buf[10 * 1500];
	uint32_t mss, d0, blk[1][2];
	struct peer p;

	out_of(&p, type, true, buf, &mss, &d0, 10, 10000);
	blk[0][0] = d0 + 2 * mss;
	blk[0][1] = d0 + 9 * mss;
	sack_ack(&p, d0 + mss, 1, blk);
	expect_data(&p, d0 + mss, mss, buf, d0, "the first hole");
	sack_ack(&p, d0 + 9 * mss, 0, blk);
	expect_data(&p, d0 + 9 * mss, mss, buf, d0, "after the partial ACK");
	expect_resends(&p, 1, 2);
}

/*
 * Blocks that say nothing about what is in flight: past what was sent,
 * wholly below what is acknowledged, ending before they start. The ACK
 * of frame 0 they ride on is an ACK like any other: slow start sends 2
 * frames of new data, and nothing is sent again.
 */
STREAM_T(sack_blocks_outside_flight_ignored, 60)
{
	static char buf[20 * 1500];
	uint32_t mss, d0, blk[3][2];
	struct peer p;

	ten_out(&p, type, true, buf, &mss, &d0);
	blk[0][0] = d0 + 12 * mss;
	blk[0][1] = d0 + 15 * mss;
	blk[1][0] = d0 - 5 * mss;
	blk[1][1] = d0;
	blk[2][0] = d0 + 9 * mss;
	blk[2][1] = d0 + 3 * mss;
	sack_ack(&p, d0 + mss, 3, blk);
	peer_expect_frames(&p, d0 + 10 * mss, mss, 2);
	expect_quiet(&p, "the window is full");
	expect_resends(&p, 0, 0);
}

/*
 * A peer whose SYN did not offer SACK sends blocks anyway: A reads none
 * of them. One duplicate ACK is one duplicate: nothing is sent again.
 */
STREAM_T(sack_not_agreed_ignored, 60)
{
	static char buf[20 * 1500];
	uint32_t mss, d0, blk[1][2];
	struct peer p;

	ten_out(&p, type, false, buf, &mss, &d0);
	blk[0][0] = d0 + mss;
	blk[0][1] = d0 + 10 * mss;
	sack_ack(&p, d0, 1, blk);
	expect_quiet(&p, "one duplicate ACK");
	expect_resends(&p, 0, 0);
}

/*
 * A connection made from a SYN cookie (net.twin.syncookies 2: always)
 * has no SACK: the cookie has no room to remember the offer, so the
 * SYN|ACK does not offer it back, and A's duplicate ACKs carry no blocks.
 */
STREAM_T(sack_not_after_syncookie, 30)
{
	static const uint32_t none[1][2];
	static char buf[200];
	struct peer p;
	uint32_t d0;

	fill_pattern(buf, sizeof(buf), 7);
	peer_up(&p, type, 4);
	ns_enter(p.a);
	twin_sysctl_set("syncookies", 2);
	ns_enter(NULL);
	p.sack = true;
	peer_connect(&p, 5000);
	ASSERT_FALSE(p.a_sack);
	d0 = p.snd_nxt;
	peer_bytes(&p, d0, buf, 100, 200);
	expect_sack(&p, d0, 0, none, "a frame past a hole, cookie connection");
}

/* net.twin.sack: default 1, 0 to 1, per namespace. */
TEST(sack_sysctl)
{
	twin_sysctl_check_range("sack", 1, 0, 1);
}
