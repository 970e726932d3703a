// SPDX-License-Identifier: GPL-2.0
/* A connection whose peer is the test program: see peer.h. */
#include <arpa/inet.h>
#include <net/if.h>

#include "conn_util.h"
#include "frame.h"
#include "peer.h"

#define ETH_HLEN_	((int)sizeof(struct ethhdr))

struct wire {
	struct ethhdr eth;
	struct twinhdr hdr;
	unsigned char payload[2048];
} __attribute__((packed));

void peer_up(struct peer *p, int type, int backlog)
{
	memset(p, 0, sizeof(*p));
	p->type = type;
	p->wnd = PEER_WND;
	p->node = NODE_PEER;
	p->port = PPORT;
	p->mss = 9000 - TWIN_HLEN;	/* more than A's: A's own rules */
	p->ftype = type == SOCK_STREAM ? TWIN_T_STREAM : TWIN_T_SEQPACKET;
	p->a = ns_new("a");
	p->b = ns_new("b");
	RUN_NS(p->a, "ip link add veth-a type veth peer name veth-b netns %s",
	       p->b);
	RUN_NS(p->a, "ip link set veth-a up");
	RUN_NS(p->b, "ip link set veth-b up");
	RUN_NS(p->a, "twinctl addr add %u dev veth-a", NODE_A);
	/*
	 * The peer is a wire: A's super-frames are cut into wire frames
	 * before they reach it (gso.c), as a NIC would need them, and every
	 * cut is checked here as any frame is.
	 */
	RUN_NS(p->a, "ethtool -K veth-a tx-sctp-segmentation off");
	twin_mac_of(p->a, "veth-a", p->mac_a);
	twin_mac_of(p->b, "veth-b", p->mac_b);

	p->pkt = twin_packet_socket(p->b, "veth-b", p->mac_a, &p->to);

	p->lis = ns_socket(p->a, type);
	ASSERT_OK(twin_bind(p->lis, TWIN_NODE_ANY, LPORT));
	ASSERT_OK(listen(p->lis, backlog));
	twin_set_timeo(p->lis, SO_RCVTIMEO, WAIT_MS * mult());
}

/*
 * The options of a frame of type ftype: the MSS and SACK_PERM on SYNs as
 * the peer offers them, and its SACK blocks on an ACK without payload,
 * each with the padding twin itself uses. Returns their length.
 */
static size_t peer_opts(const struct peer *p, int ftype, uint16_t flags,
			size_t plen, unsigned char *o)
{
	size_t n = 0;
	unsigned int i;

	if (ftype != p->ftype)
		return 0;
	if (flags & TWIN_F_SYN) {
		if (p->mss) {
			o[n++] = TWIN_OPT_MSS;
			o[n++] = TWIN_OPT_MSS_LEN;
			o[n++] = p->mss >> 8;
			o[n++] = p->mss & 0xff;
		}
		if (p->sack) {
			o[n++] = TWIN_OPT_NOP;
			o[n++] = TWIN_OPT_NOP;
			o[n++] = TWIN_OPT_SACK_PERM;
			o[n++] = TWIN_OPT_SACK_PERM_LEN;
		}
		return n;
	}
	if (!p->nsack || plen || flags != TWIN_F_ACK)
		return 0;
	o[n++] = TWIN_OPT_NOP;
	o[n++] = TWIN_OPT_NOP;
	o[n++] = TWIN_OPT_SACK;
	o[n++] = TWIN_OPT_SACK_LEN(p->nsack);
	for (i = 0; i < p->nsack; i++) {
		uint32_t be[2] = { htonl(p->sack_blk[i][0]),
				   htonl(p->sack_blk[i][1]) };

		memcpy(o + n, be, sizeof(be));
		n += sizeof(be);
	}
	return n;
}

void peer_xmit(struct peer *p, int ftype, uint16_t flags, uint32_t seq,
		      uint32_t ack, const void *payload, size_t plen)
{
	static struct wire w;
	bool conn = ftype == p->ftype;
	size_t optlen, len;

	memset(&w, 0, sizeof(w));
	optlen = peer_opts(p, ftype, flags, plen, w.payload);
	len = ETH_HLEN_ + TWIN_HLEN + optlen + plen;
	ASSERT_LE(optlen + plen, sizeof(w.payload));
	memcpy(w.eth.h_dest, p->mac_a, ETH_ALEN);
	memcpy(w.eth.h_source, p->mac_b, ETH_ALEN);
	w.eth.h_proto = htons(TWIN_ETH_P);
	w.hdr.version = TWIN_VERSION;
	w.hdr.type = ftype;
	w.hdr.doff = (TWIN_HLEN + optlen) / 4;
	w.hdr.flags = htons(flags);
	w.hdr.len = htons(plen);
	w.hdr.dst_node = htonl(NODE_A);
	w.hdr.src_node = htonl(p->node);
	w.hdr.dst_port = htonl(conn ? LPORT : 0);
	w.hdr.src_port = htonl(conn ? p->port : 0);
	w.hdr.seq = htonl(seq);
	w.hdr.ack = htonl(ack);
	w.hdr.window = htonl(conn ? p->wnd : 0);
	if (plen)
		memcpy(w.payload + optlen, payload, plen);
	twin_frame_csum(&w.hdr, w.payload + optlen, plen);
	ASSERT_EQ(sendto(p->pkt, &w, len, 0, (struct sockaddr *)&p->to,
			 sizeof(p->to)), (ssize_t)len);
}

/* A connection frame from the peer at its snd_nxt, acknowledging ack. */
void peer_send(struct peer *p, uint16_t flags, uint32_t ack,
		      const void *payload, size_t plen)
{
	peer_xmit(p, p->ftype, flags, p->snd_nxt, ack, payload, plen);
}

/*
 * The options of a frame from A, exactly as twin sends them (docs/wire.md):
 * a SYN has its MSS, then SACK_PERM after two NOPs if it offers SACK; an
 * ACK without payload may have SACK blocks after two NOPs; no other frame
 * has any.
 */
static void got_opts(struct got *g, const unsigned char *o, size_t optlen)
{
	unsigned int i;
	uint32_t be;

	g->mss = 0;
	g->sack_perm = false;
	g->nsack = 0;
	if (g->flags & TWIN_F_SYN) {
		ASSERT_TRUE(optlen == 4 || optlen == 8);
		ASSERT_EQ(o[0], TWIN_OPT_MSS);
		ASSERT_EQ(o[1], TWIN_OPT_MSS_LEN);
		g->mss = o[2] << 8 | o[3];
		if (optlen == 8) {
			ASSERT_EQ(o[4], TWIN_OPT_NOP);
			ASSERT_EQ(o[5], TWIN_OPT_NOP);
			ASSERT_EQ(o[6], TWIN_OPT_SACK_PERM);
			ASSERT_EQ(o[7], TWIN_OPT_SACK_PERM_LEN);
			g->sack_perm = true;
		}
		return;
	}
	if (!optlen)
		return;
	ASSERT_EQ(g->len, 0);
	ASSERT_EQ(g->flags & ~TWIN_F_ACK, 0);
	ASSERT_EQ(o[0], TWIN_OPT_NOP);
	ASSERT_EQ(o[1], TWIN_OPT_NOP);
	ASSERT_EQ(o[2], TWIN_OPT_SACK);
	ASSERT_EQ(o[3] + 2, optlen);
	ASSERT_EQ((optlen - 4) % 8, 0);
	g->nsack = (optlen - 4) / 8;
	ASSERT_TRUE(g->nsack >= 1 && g->nsack <= PEER_SACK_MAX);
	for (i = 0; i < g->nsack; i++) {
		memcpy(&be, o + 4 + 8 * i, 4);
		g->sack_blk[i][0] = ntohl(be);
		memcpy(&be, o + 8 + 8 * i, 4);
		g->sack_blk[i][1] = ntohl(be);
	}
}

/*
 * The next frame of the connection from A within ms (x mult); false if
 * none came. Other frames (A's advertisement) are skipped, A's
 * solicitations for the peer answered; A's checksum is checked.
 */
bool peer_next(struct peer *p, int ms, struct got *g)
{
	static struct wire w;
	double end = now_s() + ms * mult() / 1000.0;
	struct sockaddr_ll from;
	size_t optlen;
	socklen_t flen;
	ssize_t n;
	int left;

	for (;;) {
		left = (int)((end - now_s()) * 1000);
		if (left <= 0 || !(wait_ev(p->pkt, POLLIN, left) & POLLIN))
			return false;
		flen = sizeof(from);
		n = recvfrom(p->pkt, &w, sizeof(w), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0 && errno == EAGAIN)
			continue;
		ASSERT_GE(n, ETH_HLEN_ + TWIN_HLEN);
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		/*
		 * A's entry for the peer, made by the peer's solicitation,
		 * is only a claim (STALE): A re-confirms it when it sends,
		 * and a peer that never answered would see its entry fail
		 * after 3 solicitations, and A's frames wait for discovery.
		 * Answer, as any node does.
		 */
		if (w.hdr.type == TWIN_T_SOLICIT &&
		    ntohl(w.hdr.src_node) == NODE_A &&
		    ntohl(w.hdr.dst_node) == p->node) {
			peer_xmit(p, TWIN_T_ADVERT, 0, 0, 0, NULL, 0);
			continue;
		}
		if (w.hdr.type != p->ftype ||
		    ntohl(w.hdr.src_node) != NODE_A ||
		    ntohl(w.hdr.dst_node) != p->node ||
		    ntohl(w.hdr.src_port) != LPORT ||
		    ntohl(w.hdr.dst_port) != p->port)
			continue;
		g->flags = ntohs(w.hdr.flags);
		g->len = ntohs(w.hdr.len);
		g->seq = ntohl(w.hdr.seq);
		g->ack = ntohl(w.hdr.ack);
		g->wnd = ntohl(w.hdr.window);
		ASSERT_GE(w.hdr.doff, TWIN_DOFF_MIN);
		optlen = w.hdr.doff * 4 - TWIN_HLEN;
		ASSERT_EQ(n, ETH_HLEN_ + TWIN_HLEN + optlen + g->len);
		ASSERT_LE(g->len, sizeof(g->data));
		ASSERT_EQ(w.hdr.csum, twin_frame_csum_of(&w.hdr,
							 w.payload + optlen,
							 g->len));
		memcpy(g->data, w.payload + optlen, g->len);
		got_opts(g, w.payload, optlen);
		if ((g->flags & TWIN_F_RST) && !p->rst_ok)
			harness_fail(__FILE__, __LINE__, "A reset the "
				     "connection (seq %u ack %u)", g->seq,
				     g->ack);
		return true;
	}
}

/* The next frame from A that acknowledges exactly ack. */
void expect_ack(struct peer *p, uint32_t ack, struct got *g,
		       const char *what)
{
	for (;;) {
		if (!peer_next(p, WAIT_MS, g))
			harness_fail(__FILE__, __LINE__, "no ack %u (%s)", ack,
				     what);
		if ((g->flags & TWIN_F_ACK) && g->ack == ack)
			return;
	}
}

/* The next frame from A with payload; false if none within ms (x mult). */
bool next_data(struct peer *p, int ms, struct got *g)
{
	while (peer_next(p, ms, g))
		if (g->len)
			return true;
	return false;
}

/*
 * Node 1 learns the peer from its solicitation; then the handshake with
 * the peer's initial sequence number iss. Checks that SYN takes one
 * sequence number each way.
 */
void peer_connect(struct peer *p, uint32_t iss)
{
	struct sockaddr_twin pn;
	socklen_t alen = 0;
	struct got g;

	peer_xmit(p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	p->snd_nxt = iss;
	peer_send(p, TWIN_F_SYN, 0, NULL, 0);
	do {
		if (!peer_next(p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "no SYN|ACK");
	} while (!(g.flags & TWIN_F_SYN));
	ASSERT_EQ(g.flags, TWIN_F_SYN | TWIN_F_ACK);
	ASSERT_EQ(g.ack, iss + 1);
	ASSERT_EQ(g.len, 0);
	ASSERT_EQ(g.mss, 1500 - TWIN_HLEN);	/* A's own, whatever ours */
	p->a_iss = g.seq;
	p->a_sack = g.sack_perm;
	p->snd_nxt = iss + 1;
	if (p->ack_delay_ms)
		sleep_ms(p->ack_delay_ms);
	peer_send(p, TWIN_F_ACK, p->a_iss + 1, NULL, 0);
	p->srv = accept(p->lis, NULL, &alen);
	ASSERT_OK(p->srv);
	pn = twin_peer_name(p->srv);
	ASSERT_EQ(pn.stw_node, p->node);
	ASSERT_EQ(pn.stw_port, p->port);
	twin_set_timeo(p->srv, SO_RCVTIMEO, WAIT_MS * mult());
	twin_set_timeo(p->srv, SO_SNDTIMEO, WAIT_MS * mult());
}

/* peer_connect(), the handshake's last ACK sent ms late. */
void peer_connect_late(struct peer *p, uint32_t iss, int ms)
{
	p->ack_delay_ms = ms;
	peer_connect(p, iss);
	p->ack_delay_ms = 0;
}


/* Wait up to ms (x mult) for TWIN_INFO of fd to count n timeouts. */
struct twin_info peer_wait_timeouts(int fd, unsigned int n, int ms)
{
	double end = now_s() + ms * mult() / 1000.0;
	struct twin_info ti = info_of(fd);

	while (ti.timeouts < n && now_s() < end) {
		sleep_ms(20);
		ti = info_of(fd);
	}
	return ti;
}

/* Collect n data frames from A, in order from seq; no retransmission. */
void peer_expect_frames(struct peer *p, uint32_t seq, uint32_t mss, int n)
{
	struct got g;
	int i;

	for (i = 0; i < n; i++) {
		if (!next_data(p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "frame %d of %d never "
				     "came", i + 1, n);
		ASSERT_EQ(g.seq, seq + i * mss);
		ASSERT_EQ(g.len, mss);
	}
}
