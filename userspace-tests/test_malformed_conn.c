// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed and hostile frames against connection sockets. Node A (ns a,
 * veth-a) holds a connected STREAM or SEQPACKET socket to node B (ns b,
 * veth-b), where a listener also waits on the same port. Frames are
 * crafted in ns a, with AF_PACKET on veth-a (any bytes at all) or with a
 * twin SOCK_RAW socket (the frames its send path accepts), and aimed at
 * the connection's 4-tuple and at the listener: truncated, oversized,
 * wrong version, bad checksum, bad length, mutated, every frame type, and
 * well-formed frames whose content is wrong for the connection (sequence
 * numbers outside the window, acks for data never sent, resets with the
 * wrong sequence number, SYN on an established connection, flag mixes).
 *
 * Each test makes one connection and runs several rounds on it (AF_PACKET
 * first, then the same through the raw socket where that makes sense).
 * After every round: nothing reached a socket (no accept, nothing
 * readable: the stream holds exactly what the peer sent), the namespace
 * counters moved under the expected reason, TWIN_INFO still says
 * ESTABLISHED on both ends, and a checked transfer both ways works over
 * the same connection.
 *
 * The sequence numbers of the live connection are learned by sniffing the
 * B->A frames on veth-a after a small exchange; two control tests show
 * that a frame built from them is accepted (in-window data is read, an
 * exact reset resets), so the negative tests are not passing by accident.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "frame.h"
#include "genl.h"
#include "harness.h"

#define NODE_A		1
#define NODE_B		2
#define LPORT		7000	/* B's listener and B's end of the connection */
#define FREE_PORT	4242	/* nobody on A uses it */
#define XFER		(32 * 1024)
#define REC		4096	/* SEQPACKET record size of the transfers */
#define TW_ESTABLISHED	1	/* TCP_ESTABLISHED */
#define ETH_HLEN_	((int)sizeof(struct ethhdr))

enum via { VIA_PACKET, VIA_RAW };

struct wire {
	struct ethhdr eth;
	struct twinhdr hdr;
	unsigned char payload[4096];
} __attribute__((packed));

struct rig {
	const char *a, *b;
	int type, ftype;	/* SOCK_STREAM/TWIN_T_STREAM or SEQPACKET */
	enum via via;
	int pkt;		/* AF_PACKET in a on veth-a: inject, sniff */
	int raw;		/* twin SOCK_RAW in a, or -1 */
	struct sockaddr_ll to;
	unsigned char mac_a[ETH_ALEN], mac_b[ETH_ALEN];
	int lst;		/* B: listener on ANY:LPORT, non-blocking */
	int ca, cb;		/* the connection: A's end, B's end */
	uint32_t port_a;
	/* B's sequence space, learned from B->A frames */
	uint32_t b_snd_nxt, b_rcv_nxt, b_wnd;
	uint64_t off_ab, off_ba;	/* pattern offsets of the two streams */
};

static const char *via_name(enum via v)
{
	return v == VIA_RAW ? "raw" : "packet";
}

/* ------------------------------------------------------------ data */

static unsigned char pat(uint64_t off, unsigned int seed)
{
	uint32_t x = (uint32_t)off * 2654435761u + seed * 0x9e3779b9u;

	return (unsigned char)((x >> 24) ^ (uint32_t)(off >> 20));
}

static void pat_fill(unsigned char *p, uint64_t off, size_t len,
		     unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(off + i, seed);
}

static void pat_check(const unsigned char *p, uint64_t off, size_t len,
		      unsigned int seed, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pat(off + i, seed))
			harness_fail(__FILE__, __LINE__,
				     "%s: expected the peer's byte 0x%02x at "
				     "stream offset %llu, got 0x%02x", what,
				     pat(off + i, seed),
				     (unsigned long long)(off + i), p[i]);
}

static int info_of(int fd, struct twin_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, SOL_TWIN, TWIN_INFO, ti, &len);
}

static void dump_info(int fd, const char *who)
{
	struct twin_info ti;

	if (fd < 0 || info_of(fd, &ti) < 0)
		return;
	diag("%s: state %u rto %u ms cwnd %u snd_wnd %u rcv_wnd %u unacked %u "
	     "notsent %u retrans %u timeouts %u sent %llu acked %llu received "
	     "%llu frames out %llu in %llu", who, ti.state, ti.rto_ms, ti.cwnd,
	     ti.snd_wnd, ti.rcv_wnd, ti.unacked, ti.notsent, ti.retransmits,
	     ti.timeouts, (unsigned long long)ti.bytes_sent,
	     (unsigned long long)ti.bytes_acked,
	     (unsigned long long)ti.bytes_received,
	     (unsigned long long)ti.frames_out,
	     (unsigned long long)ti.frames_in);
}

static void send_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		ASSERT_GT(n, 0);
		p += n;
		len -= n;
	}
}

/* n bytes of stream @seed from one end to the other, checked. */
static void xfer_dir(struct rig *r, int from, int to, uint64_t *off,
		     unsigned int seed, size_t n, const char *what)
{
	static unsigned char out[XFER], in[XFER + REC];
	size_t got = 0;

	ASSERT_LE(n, sizeof(out));
	pat_fill(out, *off, n, seed);
	if (r->type == SOCK_STREAM) {
		send_all(from, out, n);
		while (got < n) {
			ssize_t k = recv(to, in + got, n - got, 0);

			if (k <= 0) {
				diag("%s: recv after %zu of %zu bytes: %zd %s",
				     what, got, n, k, k < 0 ? strerror(errno) : "EOF");
				dump_info(r->ca, "A");
				dump_info(r->cb, "B");
			}
			ASSERT_GT(k, 0);
			got += k;
		}
	} else {
		for (size_t o = 0; o < n; o += REC) {
			size_t l = n - o < REC ? n - o : REC;

			ASSERT_EQ(send(from, out + o, l, MSG_NOSIGNAL), (ssize_t)l);
		}
		for (size_t o = 0; o < n; o += REC) {
			size_t l = n - o < REC ? n - o : REC;
			ssize_t k = recv(to, in + o, REC + 1, 0);

			if (k != (ssize_t)l) {
				diag("%s: record at %zu: %zd of %zu bytes %s", what,
				     o, k, l, k < 0 ? strerror(errno) : "");
				dump_info(r->ca, "A");
				dump_info(r->cb, "B");
			}
			ASSERT_EQ(k, (ssize_t)l);
		}
	}
	pat_check(in, *off, n, seed, what);
	*off += n;
}

static void xfer(struct rig *r, size_t n)
{
	xfer_dir(r, r->ca, r->cb, &r->off_ab, 1, n, "A->B");
	xfer_dir(r, r->cb, r->ca, &r->off_ba, 2, n, "B->A");
}

/* Both ends have nothing in flight or queued to send. */
static void quiet(struct rig *r)
{
	double end = now_s() + 3.0 * mult();
	struct twin_info a, b;

	do {
		ASSERT_OK(info_of(r->ca, &a));
		ASSERT_OK(info_of(r->cb, &b));
		if (!a.unacked && !a.notsent && !b.unacked && !b.notsent) {
			sleep_ms(30);
			return;
		}
		sleep_ms(10);
	} while (now_s() < end);
	dump_info(r->ca, "A");
	dump_info(r->cb, "B");
	harness_fail(__FILE__, __LINE__, "connection did not settle");
}

/* ------------------------------------------------------------ the rig */

static void rig_up(struct rig *r, int type, enum via via)
{
	socklen_t alen;
	int fl;

	double t0 = now_s();

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->ftype = type == SOCK_STREAM ? TWIN_T_STREAM : TWIN_T_SEQPACKET;
	r->via = via;
	r->a = ns_new("a");
	r->b = ns_new("b");
	RUN_NS(r->a, "ip link add veth-a type veth peer name veth-b netns %s", r->b);
	RUN_NS(r->a, "ip link set veth-a up");
	RUN_NS(r->b, "ip link set veth-b up");
	RUN_NS(r->a, "twinctl addr add %u dev veth-a", NODE_A);
	RUN_NS(r->b, "twinctl addr add %u dev veth-b", NODE_B);
	twin_mac_of(r->a, "veth-a", r->mac_a);
	twin_mac_of(r->b, "veth-b", r->mac_b);

	ns_enter(r->a);
	r->raw = socket(twin_family(), SOCK_RAW, 0);
	if (r->raw < 0 && via == VIA_RAW) {
		int e = errno;

		ns_enter(NULL);
		SKIP("socket(AF_TWIN, SOCK_RAW, 0): %s", strerror(e));
	}
	ns_enter(NULL);
	r->pkt = twin_packet_socket(r->a, "veth-a", r->mac_b, &r->to);

	r->lst = ns_socket(r->b, type);
	ASSERT_OK(twin_bind(r->lst, TWIN_NODE_ANY, LPORT));
	ASSERT_OK(listen(r->lst, 8));
	twin_set_timeo(r->lst, SO_RCVTIMEO, 5000 * mult());
	r->ca = ns_socket(r->a, type);
	twin_set_timeo(r->ca, SO_SNDTIMEO, 5000 * mult());
	ASSERT_OK(twin_connect(r->ca, NODE_B, LPORT));
	alen = 0;
	r->cb = accept(r->lst, NULL, &alen);
	ASSERT_OK(r->cb);
	fl = fcntl(r->lst, F_GETFL);
	ASSERT_OK(fcntl(r->lst, F_SETFL, fl | O_NONBLOCK));
	twin_set_timeo(r->ca, SO_RCVTIMEO, 3000 * mult());
	twin_set_timeo(r->cb, SO_RCVTIMEO, 3000 * mult());
	twin_set_timeo(r->cb, SO_SNDTIMEO, 5000 * mult());
	r->port_a = twin_name(r->ca).stw_port;
	ASSERT_EQ(twin_name(r->cb).stw_port, LPORT);
	diag("rig up in %.2f s", now_s() - t0);
}

static void drain_pkt(struct rig *r)
{
	static unsigned char buf[9000];

	while (recv(r->pkt, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/*
 * Learn B's sequence numbers: a one-byte exchange, then the last B->A
 * frames seen on veth-a give B's snd_nxt (their end), rcv_nxt (their ack)
 * and advertised window.
 */
static void learn(struct rig *r)
{
	static unsigned char buf[9000];
	struct sockaddr_ll from;
	socklen_t flen;
	bool seen = false;
	ssize_t n;

	drain_pkt(r);
	xfer(r, 1);
	quiet(r);
	for (;;) {
		const struct twinhdr *h = (const void *)(buf + ETH_HLEN_);
		uint32_t end;
		uint16_t fl;

		flen = sizeof(from);
		n = recvfrom(r->pkt, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			break;
		if (n < ETH_HLEN_ + TWIN_HLEN ||
		    from.sll_pkttype == PACKET_OUTGOING || h->type != r->ftype ||
		    ntohl(h->src_node) != NODE_B || ntohl(h->src_port) != LPORT ||
		    ntohl(h->dst_node) != NODE_A ||
		    ntohl(h->dst_port) != r->port_a)
			continue;
		fl = ntohs(h->flags);
		end = ntohl(h->seq) + ntohs(h->len) + !!(fl & TWIN_F_SYN) +
		      !!(fl & TWIN_F_FIN) +
		      (r->ftype == TWIN_T_SEQPACKET && (fl & TWIN_F_EOR));
		if (!seen || (int32_t)(end - r->b_snd_nxt) > 0)
			r->b_snd_nxt = end;
		if (fl & TWIN_F_ACK) {
			r->b_rcv_nxt = ntohl(h->ack);
			r->b_wnd = ntohl(h->window);
		}
		seen = true;
	}
	ASSERT_TRUE(seen);
	diag("%s %s: learned B's snd_nxt %u rcv_nxt %u window %u",
	     r->type == SOCK_STREAM ? "stream" : "seqpacket", via_name(r->via),
	     r->b_snd_nxt, r->b_rcv_nxt, r->b_wnd);
}

static struct rig *rig_new(int type, enum via via)
{
	static struct rig r;

	rig_up(&r, type, via);
	return &r;
}

/* ------------------------------------------------------------ frames */

/* A frame from A:sport to B:LPORT of the rig's type; returns its size. */
static size_t frame(struct rig *r, struct wire *w, uint32_t sport,
		    uint16_t flags, uint32_t seq, uint32_t ack,
		    const void *payload, size_t plen)
{
	memset(w, 0, sizeof(*w));
	memcpy(w->eth.h_dest, r->mac_b, ETH_ALEN);
	memcpy(w->eth.h_source, r->mac_a, ETH_ALEN);
	w->eth.h_proto = htons(TWIN_ETH_P);
	w->hdr.version = TWIN_VERSION;
	w->hdr.type = r->ftype;
	w->hdr.doff = TWIN_DOFF_MIN;
	w->hdr.flags = htons(flags);
	w->hdr.len = htons(plen);
	w->hdr.dst_node = htonl(NODE_B);
	w->hdr.src_node = htonl(NODE_A);
	w->hdr.dst_port = htonl(LPORT);
	w->hdr.src_port = htonl(sport);
	w->hdr.seq = htonl(seq);
	w->hdr.ack = htonl(ack);
	w->hdr.window = htonl(64 * 1024);
	if (plen)
		memcpy(w->payload, payload, plen);
	twin_frame_csum(&w->hdr, w->payload, plen);
	return ETH_HLEN_ + TWIN_HLEN + plen;
}

/* A frame on the connection's 4-tuple. */
static size_t conn_frame(struct rig *r, struct wire *w, uint16_t flags,
			 uint32_t seq, uint32_t ack, const void *payload,
			 size_t plen)
{
	return frame(r, w, r->port_a, flags, seq, ack, payload, plen);
}

/* The frame that would be the peer's next data: accepted if sent as is. */
static size_t next_data(struct rig *r, struct wire *w, const char *text)
{
	return conn_frame(r, w, TWIN_F_ACK |
			  (r->type == SOCK_SEQPACKET ? TWIN_F_EOR : 0),
			  r->b_rcv_nxt, r->b_snd_nxt, text, strlen(text));
}

/* Options (doff) in front of the payload, in bytes. */
static size_t optlen(const struct wire *w)
{
	return w->hdr.doff > TWIN_DOFF_MIN ? w->hdr.doff * 4u - TWIN_HLEN : 0;
}

/* Recompute the checksum after editing a frame (len from the header). */
static void refresh(struct wire *w)
{
	twin_frame_csum(&w->hdr, w->payload + optlen(w), ntohs(w->hdr.len));
}

/*
 * Put the 4-byte option @opt in front of the payload of frame @w of @len
 * bytes; returns the new length.
 */
static size_t add_option(struct wire *w, size_t len, const uint8_t opt[4])
{
	size_t plen = ntohs(w->hdr.len), o = optlen(w);

	memmove(w->payload + o + 4, w->payload + o, plen);
	memcpy(w->payload + o, opt, 4);
	w->hdr.doff++;
	refresh(w);
	return len + 4;
}

static void inject_via(struct rig *r, const struct wire *w, size_t len,
		       enum via via)
{
	if (via == VIA_RAW) {
		ASSERT_GE(len, (size_t)ETH_HLEN_);
		ASSERT_EQ(send(r->raw, &w->hdr, len - ETH_HLEN_, 0),
			  (ssize_t)(len - ETH_HLEN_));
	} else {
		ssize_t n = sendto(r->pkt, w, len, 0, (struct sockaddr *)&r->to,
				   sizeof(r->to));

		if (n != (ssize_t)len)
			harness_fail(__FILE__, __LINE__, "AF_PACKET sendto of %zu "
				     "bytes: %zd %s", len, n,
				     n < 0 ? strerror(errno) : "");
	}
}

static void inject(struct rig *r, const struct wire *w, size_t len)
{
	inject_via(r, w, len, r->via);
}

/* ------------------------------------------------------------ counters */

struct snap {
	uint64_t s[TWIN_STAT_MAX + 1];
};

static void snap(struct rig *r, struct snap *s)
{
	int err;

	ns_enter(r->b);
	err = twin_stats_read(s->s, TWIN_STAT_MAX + 1);
	ns_enter(NULL);
	if (err)
		harness_fail(__FILE__, __LINE__, "TWIN_CMD_STATS_GET: %s",
			     strerror(-err));
}

static const int tracked[] = {
	TWIN_STAT_DELIVERED, TWIN_STAT_DROP_SHORT, TWIN_STAT_DROP_VERSION,
	TWIN_STAT_DROP_LENGTH, TWIN_STAT_DROP_CSUM, TWIN_STAT_DROP_TYPE,
	TWIN_STAT_DROP_ADDR, TWIN_STAT_DROP_NO_SOCKET, TWIN_STAT_DROP_RCVBUF,
	TWIN_STAT_DROP_HEADER, TWIN_STAT_DROP_OPTION, TWIN_STAT_DROP_FILTER,
};

static const char *stat_name(int s)
{
	static const char *const n[] = {
		[TWIN_STAT_DELIVERED] = "delivered",
		[TWIN_STAT_DROP_SHORT] = "drop_short",
		[TWIN_STAT_DROP_VERSION] = "drop_version",
		[TWIN_STAT_DROP_LENGTH] = "drop_length",
		[TWIN_STAT_DROP_CSUM] = "drop_csum",
		[TWIN_STAT_DROP_TYPE] = "drop_type",
		[TWIN_STAT_DROP_ADDR] = "drop_addr",
		[TWIN_STAT_DROP_NO_SOCKET] = "drop_no_socket",
		[TWIN_STAT_DROP_RCVBUF] = "drop_rcvbuf",
		[TWIN_STAT_RX_FRAMES] = "rx_frames",
		[TWIN_STAT_DROP_HEADER] = "drop_header",
		[TWIN_STAT_DROP_OPTION] = "drop_option",
		[TWIN_STAT_DROP_FILTER] = "drop_filter",
	};

	return s >= 0 && s < (int)(sizeof(n) / sizeof(n[0])) && n[s] ? n[s] : "?";
}

/*
 * Wait until counter @stat grew by @n since @before (at most a second),
 * then require exactly that, and no other tracked counter moved.
 */
static void expect_counted(struct rig *r, const struct snap *before, int stat,
			   uint64_t n, const char *what)
{
	double end = now_s() + 1.0 * mult();
	struct snap after;

	do {
		snap(r, &after);
		if (after.s[stat] >= before->s[stat] + n)
			break;
		sleep_ms(5);
	} while (now_s() < end);
	sleep_ms(10);
	snap(r, &after);
	for (size_t i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++) {
		int s = tracked[i];
		uint64_t want = before->s[s] + (s == stat ? n : 0);

		if (after.s[s] != want)
			harness_fail(__FILE__, __LINE__,
				     "%s: expected %s +%llu, got %+lld (expected "
				     "reason %s)", what, stat_name(s),
				     (unsigned long long)(s == stat ? n : 0),
				     (long long)(after.s[s] - before->s[s]),
				     stat_name(stat));
	}
}

/* Inject one frame and require it counted under @stat alone. */
static void expect_one(struct rig *r, const struct wire *w, size_t len,
		       int stat, const char *what)
{
	struct snap before;

	snap(r, &before);
	inject(r, w, len);
	expect_counted(r, &before, stat, 1, what);
}

/* Frames that reach the connection: counted as delivered, and B saw them. */
static void expect_to_conn(struct rig *r, const struct wire *w, size_t len,
			   const char *what)
{
	struct twin_info t0, t1;

	ASSERT_OK(info_of(r->cb, &t0));
	expect_one(r, w, len, TWIN_STAT_DELIVERED, what);
	ASSERT_OK(info_of(r->cb, &t1));
	if (t1.frames_in != t0.frames_in + 1)
		harness_fail(__FILE__, __LINE__, "%s: expected B's frames_in "
			     "+1, got %+lld", what,
			     (long long)(t1.frames_in - t0.frames_in));
}

/* ------------------------------------------------------------ checks */

static void expect_nothing_readable(int fd, const char *who)
{
	char c;

	errno = 0;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);

	if (n != -1 || errno != EAGAIN)
		harness_fail(__FILE__, __LINE__, "%s: expected nothing readable "
			     "(EAGAIN), got %zd %s", who, n,
			     n < 0 ? strerror(errno) : "bytes");
}

static void expect_no_accept(struct rig *r)
{
	int fd = accept(r->lst, NULL, NULL);

	if (fd >= 0) {
		struct sockaddr_twin p = twin_peer_name(fd);

		harness_fail(__FILE__, __LINE__, "expected no connection to "
			     "accept, got one from %u:%u", p.stw_node,
			     p.stw_port);
	}
	ASSERT_EQ(errno, EAGAIN);
}

static void expect_established(int fd, const char *who)
{
	struct twin_info ti;

	ASSERT_OK(info_of(fd, &ti));
	if (ti.state != TW_ESTABLISHED)
		harness_fail(__FILE__, __LINE__, "%s: expected state "
			     "ESTABLISHED (1), got %u", who, ti.state);
}

/* No socket got anything, and the connection carries data both ways. */
static void check_intact(struct rig *r, const char *round)
{
	diag("round %s: checking the connection", round);
	sleep_ms(50);
	expect_nothing_readable(r->cb, "B");
	expect_nothing_readable(r->ca, "A");
	expect_no_accept(r);
	expect_established(r->ca, "A");
	expect_established(r->cb, "B");
	xfer(r, XFER);
	expect_nothing_readable(r->cb, "B after the transfer");
	expect_nothing_readable(r->ca, "A after the transfer");
	expect_established(r->ca, "A");
	expect_established(r->cb, "B");
}

/* ------------------------------------------------------------ rounds */

/* Shorter than the header, at the connection and at the listener. */
static void truncated(struct rig *r)
{
	static const size_t cut[] = { 0, 1, 20, TWIN_HLEN - 1 };
	struct wire w;
	size_t i;

	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		next_data(r, &w, "truncated");
		expect_one(r, &w, ETH_HLEN_ + cut[i], TWIN_STAT_DROP_SHORT,
			   "connection frame cut short");
		frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
		expect_one(r, &w, ETH_HLEN_ + cut[i], TWIN_STAT_DROP_SHORT,
			   "SYN cut short");
	}
}

static void wrong_version(struct rig *r)
{
	static const uint8_t ver[] = { 0, 1, TWIN_VERSION + 1, 0x81, 255 };
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(ver) / sizeof(ver[0]); i++) {
		len = next_data(r, &w, "wrong version");
		w.hdr.version = ver[i];
		refresh(&w);
		expect_one(r, &w, len, TWIN_STAT_DROP_VERSION, "data, version");
		len = frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
		w.hdr.version = ver[i];
		refresh(&w);
		expect_one(r, &w, len, TWIN_STAT_DROP_VERSION, "SYN, version");
	}
}

/*
 * Header fields version 2 does not allow (doff below the header, reserved
 * bits, unknown flags) and options it must not skip (unknown mandatory
 * ones, malformed ones), at the connection and at the listener.
 */
static void header_and_options(struct rig *r)
{
	static const uint16_t flags[] = { 0x0020, 0x0100, 0x8000 };
	static const uint8_t opts[][4] = {
		{ 0x80 | 0x33, 4, 1, 2 },	/* unknown, mandatory */
		{ 0x7f, 8, 0, 0 },		/* past the header's end */
		{ 0x7f, 1, 0, 0 },		/* length below 2 */
		{ TWIN_OPT_MSS, 4, 0, 0 },	/* MSS 0 */
		{ TWIN_OPT_MSS, 2, 0, 0 },	/* MSS without a value */
		{ TWIN_OPT_SACK_PERM, 4, 0, 0 },	/* SACK_PERM with one */
		{ TWIN_OPT_SACK, 4, 0, 0 },	/* SACK without a whole block */
	};
	struct wire w;
	size_t i, len;

	len = next_data(r, &w, "doff 9");
	w.hdr.doff = TWIN_DOFF_MIN - 1;
	refresh(&w);
	expect_one(r, &w, len, TWIN_STAT_DROP_HEADER, "data, doff 9");
	len = next_data(r, &w, "reserved");
	w.hdr.reserved = 1;
	refresh(&w);
	expect_one(r, &w, len, TWIN_STAT_DROP_HEADER, "data, reserved bit");
	len = frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
	w.hdr.reserved = 0x40;
	refresh(&w);
	expect_one(r, &w, len, TWIN_STAT_DROP_HEADER, "SYN, reserved bit");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		len = next_data(r, &w, "unknown flag");
		w.hdr.flags |= htons(flags[i]);
		refresh(&w);
		expect_one(r, &w, len, TWIN_STAT_DROP_HEADER, "data, flag");
		len = frame(r, &w, FREE_PORT, TWIN_F_SYN | flags[i], 1000, 0,
			    NULL, 0);
		expect_one(r, &w, len, TWIN_STAT_DROP_HEADER, "SYN, flag");
	}
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		len = next_data(r, &w, "bad option");
		len = add_option(&w, len, opts[i]);
		expect_one(r, &w, len, TWIN_STAT_DROP_OPTION, "data, option");
		len = frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
		len = add_option(&w, len, opts[i]);
		expect_one(r, &w, len, TWIN_STAT_DROP_OPTION, "SYN, option");
	}
	expect_no_accept(r);
}

/* Frames that would be accepted, but for their checksum. */
static void bad_csum(struct rig *r)
{
	static const uint32_t flip[] = { 1, 0x80000000u, 0xffffffffu, 0x00010000u };
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
		len = next_data(r, &w, "bad checksum");
		w.hdr.csum ^= htonl(flip[i]);
		expect_one(r, &w, len, TWIN_STAT_DROP_CSUM, "data, bad csum");
		len = frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
		w.hdr.csum ^= htonl(flip[i]);
		expect_one(r, &w, len, TWIN_STAT_DROP_CSUM, "SYN, bad csum");
		len = conn_frame(r, &w, TWIN_F_RST, r->b_rcv_nxt, 0, NULL, 0);
		w.hdr.csum ^= htonl(flip[i]);
		expect_one(r, &w, len, TWIN_STAT_DROP_CSUM, "RST, bad csum");
	}
}

/* len larger than the bytes that follow the header. */
static void bad_length(struct rig *r)
{
	static const uint16_t extra[] = { 1, 100, 1460, 0 /* 0xffff */ };
	const char *text = "bad length";
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		uint16_t l = extra[i] ? strlen(text) + extra[i] : 0xffff;

		len = next_data(r, &w, text);
		w.hdr.len = htons(l);
		/* over the bytes there are: only len is wrong */
		twin_frame_csum(&w.hdr, w.payload, strlen(text));
		expect_one(r, &w, len, TWIN_STAT_DROP_LENGTH, "data, long len");
		len = frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
		w.hdr.len = htons(l);
		twin_frame_csum(&w.hdr, w.payload, 0);
		expect_one(r, &w, len, TWIN_STAT_DROP_LENGTH, "SYN, long len");
	}
	/* Shorter than the bytes: trimmed, and the checksum over all fails. */
	len = next_data(r, &w, text);
	w.hdr.len = htons(3);
	expect_one(r, &w, len, TWIN_STAT_DROP_CSUM, "data, len short of it");
}

/*
 * Larger than the receiving device's MTU: veth-a's MTU is raised for the
 * injection, and veth-b (MTU 1500) refuses the frame: no twin frame
 * arrives at B, and veth counts the drop.
 */
static uint64_t veth_drops(const char *ns, const char *dev, bool tx)
{
	char buf[8192], *line;
	unsigned long long v[16];

	ns_enter(ns);
	ASSERT_GT(read_file("/proc/net/dev", buf, sizeof(buf)), 0);
	ns_enter(NULL);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':'), *name = line;

		if (!colon)
			continue;
		*colon = 0;
		while (*name == ' ')
			name++;
		if (strcmp(name, dev))
			continue;
		ASSERT_EQ(sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu "
				 "%llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
				 &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
				 &v[10], &v[11]), 12);
		return tx ? v[11] : v[3];
	}
	harness_fail(__FILE__, __LINE__, "no %s in /proc/net/dev", dev);
}

static void oversized(struct rig *r)
{
	static unsigned char junk[3000];
	uint64_t drops;
	struct snap before, after;
	struct wire w;
	size_t len;
	ssize_t n;

		memset(junk, 0x5a, sizeof(junk));
	quiet(r);
	RUN_NS(r->a, "ip link set veth-a mtu 4000");
	drops = veth_drops(r->a, "veth-a", true) +
		veth_drops(r->b, "veth-b", false);
	snap(r, &before);
	/* Harmless if it did arrive: old data, below B's rcv_nxt. */
	len = conn_frame(r, &w, TWIN_F_ACK, r->b_rcv_nxt - 100000, r->b_snd_nxt,
			 junk, sizeof(junk));
	/* veth_xmit() refuses it at once: NET_XMIT_DROP, so ENOBUFS here */
	n = sendto(r->pkt, &w, len, 0, (struct sockaddr *)&r->to, sizeof(r->to));
	if (n != (ssize_t)len && !(n == -1 && errno == ENOBUFS))
		harness_fail(__FILE__, __LINE__, "AF_PACKET sendto of %zu bytes: "
			     "%zd %s", len, n, n < 0 ? strerror(errno) : "");
	diag("sendto of the oversized frame: %zd %s", n,
	     n < 0 ? strerror(errno) : "");
	sleep_ms(200);
	snap(r, &after);
	RUN_NS(r->a, "ip link set veth-a mtu 1500");
	ASSERT_EQ(after.s[TWIN_STAT_RX_FRAMES], before.s[TWIN_STAT_RX_FRAMES]);
	ASSERT_GT(veth_drops(r->a, "veth-a", true) +
		  veth_drops(r->b, "veth-b", false), drops);
	if (r->raw >= 0) {
		/* The raw socket refuses more than the device's MTU. */
		ASSERT_ERRNO(send(r->raw, &w.hdr, len - ETH_HLEN_, 0), EMSGSIZE);
	}
}

/* Unknown types, and the known ones where they do not belong. */
static void frame_types(struct rig *r)
{
	static const uint8_t unknown[] = { 0, TWIN_T_MAX + 1, 7, 128, 255 };
	int other = r->ftype == TWIN_T_STREAM ? TWIN_T_SEQPACKET : TWIN_T_STREAM;
	struct snap before;
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		/* type 0 is refused by the raw send path: AF_PACKET */
		enum via v = unknown[i] ? r->via : VIA_PACKET;

		len = next_data(r, &w, "unknown type");
		w.hdr.type = unknown[i];
		refresh(&w);
		snap(r, &before);
		inject_via(r, &w, len, v);
		expect_counted(r, &before, TWIN_STAT_DROP_TYPE, 1, "data, type");
		len = frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
		w.hdr.type = unknown[i];
		refresh(&w);
		snap(r, &before);
		inject_via(r, &w, len, v);
		expect_counted(r, &before, TWIN_STAT_DROP_TYPE, 1, "SYN, type");
	}
	/* A datagram to the connection's port: no datagram socket there. */
	len = next_data(r, &w, "a datagram");
	w.hdr.type = TWIN_T_DGRAM;
	w.hdr.flags = 0;
	w.hdr.seq = w.hdr.ack = w.hdr.window = 0;
	refresh(&w);
	expect_one(r, &w, len, TWIN_STAT_DROP_NO_SOCKET, "DGRAM to LPORT");
	/* The other connection type on the same 4-tuple and to the listener. */
	len = next_data(r, &w, "other type");
	w.hdr.type = other;
	refresh(&w);
	expect_one(r, &w, len, TWIN_STAT_DROP_NO_SOCKET, "other conn type");
	len = frame(r, &w, FREE_PORT, TWIN_F_SYN, 1000, 0, NULL, 0);
	w.hdr.type = other;
	refresh(&w);
	expect_one(r, &w, len, TWIN_STAT_DROP_NO_SOCKET, "other type SYN");
	/* Neighbour frames with connection content: no socket sees them. */
	for (i = TWIN_T_SOLICIT; i <= TWIN_T_ADVERT; i++) {
		len = next_data(r, &w, "neighbour");
		w.hdr.type = i;
		refresh(&w);
		snap(r, &before);
		inject(r, &w, len);
		sleep_ms(50);
		expect_counted(r, &before, TWIN_STAT_DELIVERED, 0,
			       i == TWIN_T_SOLICIT ? "SOLICIT" : "ADVERT");
	}
}

/* xorshift32: a fixed sequence, so a failure repeats. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Bit flips, byte bursts and cuts of frames that would be accepted: at
 * most 32 corrupted bits in one burst or 3 flipped bits, which CRC32C
 * always detects at these lengths. Every one is dropped, none delivered.
 */
static void mutated(struct rig *r)
{
	uint64_t dropped = 0;
	struct snap before, after;
	uint32_t seed = 0x1234567u + r->type;
	const int rounds = 300;
	struct wire w;
	size_t len;
	int i;

	snap(r, &before);
	for (i = 0; i < rounds; i++) {
		unsigned char *p = (unsigned char *)&w.hdr;
		size_t tl;

		if (i % 3)
			len = next_data(r, &w, "mutated frame, 32 bytes long.");
		else
			len = frame(r, &w, FREE_PORT, TWIN_F_SYN, rnd(&seed), 0,
				    NULL, 0);
		tl = len - ETH_HLEN_;
		switch (rnd(&seed) % 4) {
		case 0:	/* 1 to 3 bit flips */
		case 1:
			for (int k = rnd(&seed) % 3; k >= 0; k--) {
				uint32_t bit = rnd(&seed) % (tl * 8);

				p[bit / 8] ^= 1u << (bit % 8);
			}
			break;
		case 2: {	/* a burst of up to 4 bytes of garbage */
			size_t at = rnd(&seed) % tl, n = 1 + rnd(&seed) % 4;

			for (size_t k = at; k < at + n && k < tl; k++)
				p[k] ^= 1 + rnd(&seed) % 255;
			break;
		}
		default:	/* cut anywhere */
			len = ETH_HLEN_ + rnd(&seed) % tl;
		}
		inject(r, &w, len);
	}
	/* Every one counted under a drop reason, none delivered. */
	for (int t = 0; t < 100; t++) {
		snap(r, &after);
		dropped = 0;
		for (int s = TWIN_STAT_DROP_SHORT; s <= TWIN_STAT_DROP_TYPE; s++)
			dropped += after.s[s] - before.s[s];
		/* a flip in doff, flags or an option may be caught first */
		for (int s = TWIN_STAT_DROP_HEADER; s <= TWIN_STAT_DROP_OPTION; s++)
			dropped += after.s[s] - before.s[s];
		if (dropped >= (uint64_t)rounds)
			break;
		sleep_ms(20);
	}
	diag("short %llu version %llu length %llu csum %llu type %llu "
	     "header %llu option %llu",
	     (unsigned long long)(after.s[TWIN_STAT_DROP_SHORT] - before.s[TWIN_STAT_DROP_SHORT]),
	     (unsigned long long)(after.s[TWIN_STAT_DROP_VERSION] - before.s[TWIN_STAT_DROP_VERSION]),
	     (unsigned long long)(after.s[TWIN_STAT_DROP_LENGTH] - before.s[TWIN_STAT_DROP_LENGTH]),
	     (unsigned long long)(after.s[TWIN_STAT_DROP_CSUM] - before.s[TWIN_STAT_DROP_CSUM]),
	     (unsigned long long)(after.s[TWIN_STAT_DROP_TYPE] - before.s[TWIN_STAT_DROP_TYPE]),
	     (unsigned long long)(after.s[TWIN_STAT_DROP_HEADER] - before.s[TWIN_STAT_DROP_HEADER]),
	     (unsigned long long)(after.s[TWIN_STAT_DROP_OPTION] - before.s[TWIN_STAT_DROP_OPTION]));
	ASSERT_EQ(dropped, (uint64_t)rounds);
	ASSERT_EQ(after.s[TWIN_STAT_DELIVERED], before.s[TWIN_STAT_DELIVERED]);
	ASSERT_GT(after.s[TWIN_STAT_DROP_CSUM], before.s[TWIN_STAT_DROP_CSUM]);
}

/*
 * Mutated frames with a correct checksum: random flags, ack, window and
 * payload, at sequence numbers behind B's rcv_nxt (old data, old resets):
 * each reaches the connection and none changes it.
 */
static void mutated_valid(struct rig *r)
{
	uint32_t seed = 0xfeedu + r->type;
	const int rounds = 200;
	struct snap before;
	struct wire w;
	size_t len;
	int i;

	snap(r, &before);
	for (i = 0; i < rounds; i++) {
		unsigned char body[64];
		size_t plen = rnd(&seed) % sizeof(body);

		for (size_t k = 0; k < plen; k++)
			body[k] = rnd(&seed);
		len = conn_frame(r, &w, rnd(&seed) & 0x1f,
				 r->b_rcv_nxt - 200000 - rnd(&seed) % 0x10000000,
				 rnd(&seed), body, plen);
		w.hdr.window = htonl(rnd(&seed));
		if (r->via == VIA_RAW)
			w.hdr.csum = 0;	/* the kernel fills it */
		else
			refresh(&w);
		inject(r, &w, len);
	}
	expect_counted(r, &before, TWIN_STAT_DELIVERED, rounds, "valid mutants");
}

/* Data far ahead of and far behind the window. */
static void seq_outside_window(struct rig *r)
{
	static const int32_t delta[] = {
		0x40000000, 0x01000000, -0x10000, -0x40000000, -1000,
	};
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		len = next_data(r, &w, "outside the window");
		w.hdr.seq = htonl(r->b_rcv_nxt + delta[i]);
		refresh(&w);
		expect_to_conn(r, &w, len, "data outside the window");
		expect_nothing_readable(r->cb, "B");
	}
}

/* Data at exactly rcv_nxt, with an ack for data B never sent. */
static void ack_never_sent(struct rig *r)
{
	static const int32_t delta[] = { 1, 1000, 0x100000, 0x3fffffff };
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		len = next_data(r, &w, "acks the future");
		w.hdr.ack = htonl(r->b_snd_nxt + delta[i]);
		refresh(&w);
		expect_to_conn(r, &w, len, "ack beyond snd_nxt");
		expect_nothing_readable(r->cb, "B");
		/* and a pure ack of it */
		len = conn_frame(r, &w, TWIN_F_ACK, r->b_rcv_nxt,
				 r->b_snd_nxt + delta[i], NULL, 0);
		expect_to_conn(r, &w, len, "pure ack beyond snd_nxt");
	}
}

/* Resets whose sequence number is not one B can accept. */
static void rst_wrong_seq(struct rig *r)
{
	static const int32_t delta[] = {
		-1, -2, -0x100000, 0x10000000, 0x40000000, -0x40000000,
	};
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		len = conn_frame(r, &w, TWIN_F_RST, r->b_rcv_nxt + delta[i], 0,
				 NULL, 0);
		expect_to_conn(r, &w, len, "RST");
		expect_established(r->cb, "B after RST");
		len = conn_frame(r, &w, TWIN_F_RST | TWIN_F_ACK,
				 r->b_rcv_nxt + delta[i], r->b_snd_nxt, NULL, 0);
		expect_to_conn(r, &w, len, "RST|ACK");
		expect_established(r->cb, "B after RST|ACK");
	}
}

/*
 * B's pure ACKs of exactly ack seen on veth-a since the last drain_pkt():
 * its challenge ACKs. Waits up to ms (x mult) for the first when want_one.
 */
static int challenge_acks(struct rig *r, uint32_t ack, bool want_one, int ms)
{
	static unsigned char buf[9000];
	const struct twinhdr *h = (const void *)(buf + ETH_HLEN_);
	double end = now_s() + ms * mult() / 1000.0;
	struct sockaddr_ll from;
	socklen_t flen;
	int n = 0;
	ssize_t k;

	for (;;) {
		flen = sizeof(from);
		k = recvfrom(r->pkt, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (k < 0) {
			if (n || !want_one || now_s() >= end)
				return n;
			sleep_ms(5);
			continue;
		}
		if (k >= ETH_HLEN_ + TWIN_HLEN &&
		    from.sll_pkttype != PACKET_OUTGOING &&
		    h->type == r->ftype && ntohl(h->src_node) == NODE_B &&
		    ntohl(h->dst_port) == r->port_a && !h->len &&
		    ntohs(h->flags) == TWIN_F_ACK && ntohl(h->ack) == ack)
			n++;
	}
}

/*
 * Resets inside B's window but not at its rcv_nxt (RFC 5961 3.2): B stays
 * up and answers with a challenge ACK of rcv_nxt, at most one per 500 ms.
 * The round first waits out the limit, which earlier rounds may have used.
 */
static void rst_in_window_challenged(struct rig *r)
{
	const int32_t delta[] = { 1, 2, 1000, (int32_t)r->b_wnd - 1 };
	double t0;
	struct wire w;
	size_t i, len;
	int n;

	sleep_ms(600);
	drain_pkt(r);
	t0 = now_s();
	for (i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		len = conn_frame(r, &w, TWIN_F_RST, r->b_rcv_nxt + delta[i], 0,
				 NULL, 0);
		expect_to_conn(r, &w, len, "RST in the window");
		expect_established(r->cb, "B after an inexact RST");
	}
	n = challenge_acks(r, r->b_rcv_nxt, true, 1000);
	diag("%d challenge ACKs for %zu resets in %.2f s", n, i,
	     now_s() - t0);
	ASSERT_GE(n, 1);
	ASSERT_LE(n, 1 + (int)((now_s() - t0) / 0.5) + 1);
}

/*
 * A blind attacker's sweep: 4096 resets spread over everything from just
 * past B's rcv_nxt to beyond its window (where the old rule, any reset in
 * the window, reset at the first try). None resets; the challenge ACKs
 * they cause stay rate-limited.
 */
static void rst_sweep_cannot_reset(struct rig *r)
{
	const uint32_t tries = 4096, range = r->b_wnd + 0x40000;
	struct snap before;
	struct wire w;
	uint32_t i;
	size_t len;
	double t0;
	int n;

	sleep_ms(600);
	drain_pkt(r);
	snap(r, &before);
	t0 = now_s();
	for (i = 0; i < tries; i++) {
		len = conn_frame(r, &w, i & 1 ? TWIN_F_RST | TWIN_F_ACK :
				 TWIN_F_RST, r->b_rcv_nxt + 1 +
				 (uint32_t)((uint64_t)range * i / tries),
				 r->b_snd_nxt, NULL, 0);
		inject(r, &w, len);
	}
	expect_counted(r, &before, TWIN_STAT_DELIVERED, tries, "the sweep");
	expect_established(r->cb, "B after the sweep");
	n = challenge_acks(r, r->b_rcv_nxt, true, 1000);
	diag("%d challenge ACKs for %u resets in %.2f s", n, tries,
	     now_s() - t0);
	ASSERT_GE(n, 1);
	ASSERT_LE(n, 1 + (int)((now_s() - t0) / 0.5) + 1);
}

/*
 * Data at rcv_nxt acknowledging something older than any window B's peer
 * could acknowledge from (RFC 5961 5.2): not the peer, so dropped with its
 * data; B answers with a challenge ACK.
 */
static void ack_too_old(struct rig *r)
{
	static const uint32_t back[] = { 0x40000000, 0x7ffffff0 };
	struct wire w;
	size_t i, len;

	sleep_ms(600);
	drain_pkt(r);
	for (i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
		len = next_data(r, &w, "acks the distant past");
		w.hdr.ack = htonl(r->b_snd_nxt - back[i]);
		refresh(&w);
		expect_to_conn(r, &w, len, "data with an ack too old");
		expect_nothing_readable(r->cb, "B");
	}
	ASSERT_GE(challenge_acks(r, r->b_rcv_nxt, true, 1000), 1);
}

/* SYN, SYN|ACK, SYN with data, SYN|FIN on the established connection. */
static void syn_established(struct rig *r)
{
	static const uint16_t fl[] = {
		TWIN_F_SYN, TWIN_F_SYN | TWIN_F_ACK, TWIN_F_SYN | TWIN_F_FIN,
		TWIN_F_SYN | TWIN_F_ACK | TWIN_F_FIN, TWIN_F_SYN | TWIN_F_EOR,
	};
	struct wire w;
	size_t i, len;

	sleep_ms(600);	/* the challenge ACK's rate limit (500 ms) */
	drain_pkt(r);
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		len = conn_frame(r, &w, fl[i], r->b_rcv_nxt, r->b_snd_nxt, NULL, 0);
		expect_to_conn(r, &w, len, "SYN, no data");
		len = conn_frame(r, &w, fl[i], r->b_rcv_nxt, r->b_snd_nxt,
				 "syn with data", 13);
		expect_to_conn(r, &w, len, "SYN with data");
		len = conn_frame(r, &w, fl[i], r->b_rcv_nxt - 1, r->b_snd_nxt,
				 "syn with data", 13);
		expect_to_conn(r, &w, len, "SYN with data, seq - 1");
		expect_nothing_readable(r->cb, "B");
		expect_established(r->cb, "B");
	}
	/* RFC 5961 4.2: a challenge ACK, rate-limited. */
	ASSERT_GE(challenge_acks(r, r->b_rcv_nxt, true, 1000), 1);
}

/* Frames at rcv_nxt without ACK: data, FIN, records: all ignored. */
static void flags_without_ack(struct rig *r)
{
	static const uint16_t fl[] = {
		0, TWIN_F_FIN, TWIN_F_EOR, TWIN_F_FIN | TWIN_F_EOR,
	};
	struct wire w;
	size_t i, len;

	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		len = conn_frame(r, &w, fl[i], r->b_rcv_nxt, r->b_snd_nxt,
				 "no ack flag", 11);
		expect_to_conn(r, &w, len, "data without ACK");
		len = conn_frame(r, &w, fl[i], r->b_rcv_nxt, r->b_snd_nxt, NULL, 0);
		expect_to_conn(r, &w, len, "empty without ACK");
		expect_nothing_readable(r->cb, "B");
		expect_established(r->cb, "B");
	}
}

/*
 * A zero window in an ack that acknowledges nothing new: B's sender
 * stops, and the real peer's next ack reopens it.
 */
static void zero_window(struct rig *r)
{
	double t0;
	struct wire w;
	size_t len;

	len = conn_frame(r, &w, TWIN_F_ACK, r->b_rcv_nxt, r->b_snd_nxt, NULL, 0);
	w.hdr.window = 0;
	refresh(&w);
	expect_to_conn(r, &w, len, "zero window");
	t0 = now_s();
	check_intact(r, "zero window");
	diag("transfers after the zero window took %.3f s", now_s() - t0);
}

/*
 * Many data frames far beyond the advertised window (16 MiB ahead, where
 * the stream of this test never gets): TCP drops such segments
 * (tcp_sequence()) and prunes its out-of-order queue under memory
 * pressure, so they cannot fill the receive buffer. The connection must
 * still carry its data afterwards.
 */
static void ooo_flood(struct rig *r)
{
	static unsigned char junk[1024];
	const int n = 400;
	struct wire w;
	size_t len;
	int i;

	memset(junk, 0xee, sizeof(junk));
	for (i = 0; i < n; i++) {
		len = conn_frame(r, &w, TWIN_F_ACK, r->b_rcv_nxt + 0x01000000 +
				 i * sizeof(junk), r->b_snd_nxt, junk,
				 sizeof(junk));
		inject(r, &w, len);
	}
	sleep_ms(200);
	dump_info(r->cb, "B after the flood");
}

/*
 * Frames at the listener's port from a port with no connection. The
 * listener sent no SYN cookie: an ACK is not its to check (reset as
 * no socket's).
 */
static void listener_frames(struct rig *r)
{
	static const struct {
		uint16_t flags;
		bool data;
		int stat;
	} fr[] = {
		{ TWIN_F_ACK, false, TWIN_STAT_DROP_NO_SOCKET },
		{ TWIN_F_ACK, true, TWIN_STAT_DROP_NO_SOCKET },
		{ TWIN_F_RST, false, TWIN_STAT_DROP_NO_SOCKET },
		{ TWIN_F_RST | TWIN_F_ACK, false, TWIN_STAT_DROP_NO_SOCKET },
		{ TWIN_F_FIN | TWIN_F_ACK, false, TWIN_STAT_DROP_NO_SOCKET },
		{ 0, true, TWIN_STAT_DROP_NO_SOCKET },
		{ TWIN_F_EOR, true, TWIN_STAT_DROP_NO_SOCKET },
		{ TWIN_F_SYN | TWIN_F_ACK, false, TWIN_STAT_DELIVERED },
		{ TWIN_F_SYN | TWIN_F_RST, false, TWIN_STAT_DELIVERED },
		{ TWIN_F_SYN | TWIN_F_ACK | TWIN_F_RST, false, TWIN_STAT_DELIVERED },
	};
	struct wire w;
	size_t i, len;
	char what[64];
	int c2, s2;

	for (i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		len = frame(r, &w, FREE_PORT, fr[i].flags, 5000 + i, 77,
			    fr[i].data ? "to the listener" : NULL,
			    fr[i].data ? 15 : 0);
		snprintf(what, sizeof(what), "frame %zu (flags %#x) at the "
			 "listener", i, fr[i].flags);
		expect_one(r, &w, len, fr[i].stat, what);
		expect_no_accept(r);
	}
	sleep_ms(300);
	expect_no_accept(r);
	/* The listener still takes a real connection. */
	c2 = ns_socket(r->a, r->type);
	twin_set_timeo(c2, SO_SNDTIMEO, 5000 * mult());
	ASSERT_OK(twin_connect(c2, NODE_B, LPORT));
	for (i = 0; i < 200; i++) {
		s2 = accept(r->lst, NULL, NULL);
		if (s2 >= 0 || errno != EAGAIN)
			break;
		sleep_ms(10);
	}
	ASSERT_OK(s2);
	ASSERT_EQ(twin_peer_name(s2).stw_port, twin_name(c2).stw_port);
	ASSERT_EQ(send(c2, "x", 1, 0), 1);
	twin_set_timeo(s2, SO_RCVTIMEO, 5000 * mult());
	{
		char c;

		ASSERT_EQ(recv(s2, &c, 1, 0), 1);
		ASSERT_EQ(c, 'x');
	}
	close(c2);
	close(s2);
}

/*
 * SYN|FIN and SYN with data from a port nobody on A uses: Linux's TCP
 * drops SYN|FIN in LISTEN; whatever twin does, A answers the SYN|ACK with
 * a reset, and no connection may be handed to accept().
 */
static void listener_syn_odd(struct rig *r)
{
	static const uint16_t fl[] = {
		TWIN_F_SYN | TWIN_F_FIN, TWIN_F_SYN | TWIN_F_EOR, TWIN_F_SYN,
	};
	struct pollfd p = { .fd = -1, .events = POLLIN };
	struct snap before, after;
	struct wire w;
	size_t i, len;

	p.fd = r->lst;
	snap(r, &before);
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		len = frame(r, &w, FREE_PORT + i, fl[i], 9000 + i, 0,
			    "syn payload", 11);
		inject(r, &w, len);
	}
	/* A's resets to B's SYN|ACKs, if any, are delivered too. */
	ASSERT_EQ(poll(&p, 1, 500 * mult()), 0);
	expect_no_accept(r);
	snap(r, &after);
	diag("odd SYNs: B delivered %+lld frames (SYN|ACKs answered by resets)",
	     (long long)(after.s[TWIN_STAT_DELIVERED] - before.s[TWIN_STAT_DELIVERED]));
	ASSERT_GE(after.s[TWIN_STAT_DELIVERED], before.s[TWIN_STAT_DELIVERED] + 3);
	for (i = TWIN_STAT_DROP_SHORT; i <= TWIN_STAT_DROP_RCVBUF; i++)
		ASSERT_EQ(after.s[i], before.s[i]);
	for (i = TWIN_STAT_DROP_HEADER; i <= TWIN_STAT_DROP_OPTION; i++)
		ASSERT_EQ(after.s[i], before.s[i]);
}

/* The raw send path refuses what it cannot route (semantics.md). */
static void raw_refuses(struct rig *r)
{
	struct wire w;
	size_t len;

	len = next_data(r, &w, "refused") - ETH_HLEN_;
	ASSERT_ERRNO(send(r->raw, &w.hdr, TWIN_HLEN - 1, 0), EINVAL);
	w.hdr.version = TWIN_VERSION + 1;
	ASSERT_ERRNO(send(r->raw, &w.hdr, len, 0), EINVAL);
	w.hdr.version = 1;
	ASSERT_ERRNO(send(r->raw, &w.hdr, len, 0), EINVAL);
	next_data(r, &w, "refused");
	w.hdr.doff = TWIN_DOFF_MIN - 1;
	ASSERT_ERRNO(send(r->raw, &w.hdr, len, 0), EINVAL);
	next_data(r, &w, "refused");
	w.hdr.len = htons(len - TWIN_HLEN + 1);
	ASSERT_ERRNO(send(r->raw, &w.hdr, len, 0), EINVAL);
	w.hdr.len = htons(len - TWIN_HLEN - 1);
	ASSERT_ERRNO(send(r->raw, &w.hdr, len, 0), EINVAL);
	next_data(r, &w, "refused");
	w.hdr.type = 0;
	ASSERT_ERRNO(send(r->raw, &w.hdr, len, 0), EINVAL);
	next_data(r, &w, "refused");
	w.hdr.dst_node = 0;
	ASSERT_ERRNO(send(r->raw, &w.hdr, len, 0), EINVAL);
}

/* ------------------------------------------------------------ controls */

/* A frame built from the learned numbers is accepted: the rig is right. */
static void inject_readable(struct rig *r, const char *text)
{
	struct pollfd p = { .fd = r->cb, .events = POLLIN };
	struct twin_info t0, t1;
	char buf[64];
	struct wire w;
	size_t len;

	ASSERT_OK(info_of(r->cb, &t0));
	len = next_data(r, &w, text);
	inject(r, &w, len);
	ASSERT_EQ(poll(&p, 1, 2000 * mult()), 1);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(recv(r->cb, buf, sizeof(buf), MSG_DONTWAIT),
		  (ssize_t)strlen(text));
	ASSERT_STREQ(buf, text);
	ASSERT_OK(info_of(r->cb, &t1));
	ASSERT_EQ(t1.bytes_received, t0.bytes_received + strlen(text));
}

/*
 * Controls: frames built from the learned numbers are accepted, so the
 * tests above pass on merit. In-window data from AF_PACKET and from the
 * raw socket is read by B, then an exact reset resets. Injected data
 * desynchronizes the two ends, so this is the last thing on a rig.
 */
static void controls(struct rig *r)
{
	struct pollfd p = { .fd = r->cb, .events = POLLIN };
	uint32_t eor = r->type == SOCK_SEQPACKET;
	struct wire w;
	char c;
	size_t len;

	learn(r);
	inject_readable(r, "injected!");
	r->b_rcv_nxt += 9 + eor;
	if (r->raw >= 0) {
		r->via = VIA_RAW;
		inject_readable(r, "raw too");
		r->b_rcv_nxt += 7 + eor;
	}
	len = conn_frame(r, &w, TWIN_F_RST, r->b_rcv_nxt, 0, NULL, 0);
	inject_via(r, &w, len, VIA_PACKET);
	p.events = POLLERR;
	ASSERT_EQ(poll(&p, 1, 2000 * mult()), 1);
	ASSERT_ERRNO(recv(r->cb, &c, 1, MSG_DONTWAIT), ECONNRESET);
}

/*
 * After in-window data from a third party (accepted, as TCP accepts it),
 * the two ends disagree: A gets acks for data it never sent and answers
 * each with an ACK; B answers each of those (below its rcv_nxt) with an
 * ACK again. TCP rate-limits such answers (RFC 5961 section 7,
 * net.ipv4.tcp_invalid_ratelimit: at most one per 500 ms by default), so
 * the two ends do not exchange acks forever at wire speed.
 */
static void desync_no_ack_storm(struct rig *r)
{
	struct snap before, after;
	struct wire w;
	size_t len;
	uint64_t n;

	learn(r);
	inject_readable(r, "desync");
	sleep_ms(300);
	snap(r, &before);
	sleep_ms(1000);
	snap(r, &after);
	n = after.s[TWIN_STAT_RX_FRAMES] - before.s[TWIN_STAT_RX_FRAMES];
	diag("B received %llu frames in the second after the desync",
	     (unsigned long long)n);
	dump_info(r->ca, "A");
	dump_info(r->cb, "B");
	/* End it either way: an exact reset at B, then A's frames get one. */
	len = conn_frame(r, &w, TWIN_F_RST, r->b_rcv_nxt + 6 +
			 (r->type == SOCK_SEQPACKET), 0, NULL, 0);
	inject_via(r, &w, len, VIA_PACKET);
	ASSERT_LT(n, 50);
}

/* ------------------------------------------------------------ tests */

/*
 * One connection per test, several rounds on it: learn the sequence
 * numbers, inject, then check that nothing arrived and the connection
 * still carries data both ways.
 */
static void run_round(struct rig *r, void (*fn)(struct rig *),
		      const char *name)
{
	double t0 = now_s(), t1, t2;

	diag("round %s (%s, %s)", name,
	     r->type == SOCK_STREAM ? "stream" : "seqpacket", via_name(r->via));
	learn(r);
	t1 = now_s();
	fn(r);
	t2 = now_s();
	check_intact(r, name);
	diag("round %s: learn %.2f s, frames %.2f s, check %.2f s", name,
	     t1 - t0, t2 - t1, now_s() - t2);
}

#define ROUND(r, fn) run_round((r), fn, #fn)

/* The raw socket's rounds, when it exists. */
static bool use_raw(struct rig *r)
{
	if (r->raw < 0) {
		diag("no twin SOCK_RAW here: raw-socket rounds not run");
		return false;
	}
	r->via = VIA_RAW;
	return true;
}

/*
 * Broken frames at the connection and at the listener: from AF_PACKET,
 * then what the raw socket sends as given (checksums, types, mutants).
 */
static void malformed(int type)
{
	struct rig *r = rig_new(type, VIA_PACKET);

	ROUND(r, truncated);
	ROUND(r, wrong_version);
	ROUND(r, header_and_options);
	ROUND(r, bad_csum);
	ROUND(r, bad_length);
	ROUND(r, oversized);
	ROUND(r, frame_types);
	ROUND(r, mutated);
	ROUND(r, mutated_valid);
	if (!use_raw(r))
		return;
	ROUND(r, raw_refuses);
	ROUND(r, bad_csum);
	ROUND(r, frame_types);
	ROUND(r, mutated_valid);
}

/* Valid frames whose content is wrong for the connection. */
static void hostile(int type)
{
	struct rig *r = rig_new(type, VIA_PACKET);

	for (;;) {
		ROUND(r, seq_outside_window);
		ROUND(r, ack_never_sent);
		ROUND(r, rst_wrong_seq);
		ROUND(r, rst_in_window_challenged);
		ROUND(r, rst_sweep_cannot_reset);
		ROUND(r, ack_too_old);
		ROUND(r, syn_established);
		ROUND(r, flags_without_ack);
		ROUND(r, zero_window);
		if (r->via == VIA_RAW || !use_raw(r))
			break;
	}
}

static void listener(int type)
{
	struct rig *r = rig_new(type, VIA_PACKET);

	for (;;) {
		ROUND(r, listener_frames);
		ROUND(r, listener_syn_odd);
		if (r->via == VIA_RAW || !use_raw(r))
			break;
	}
}

static void flood_beyond_window(int type)
{
	ROUND(rig_new(type, VIA_PACKET), ooo_flood);
}

static void ack_storm_after_desync(int type)
{
	desync_no_ack_storm(rig_new(type, VIA_PACKET));
}

static void control(int type)
{
	controls(rig_new(type, VIA_PACKET));
}

#define BOTH(name, timeout)						\
	TEST_TIMEOUT(name##_stream, timeout)				\
	{ name(SOCK_STREAM); }						\
	TEST_TIMEOUT(name##_seqpacket, timeout)				\
	{ name(SOCK_SEQPACKET); }

BOTH(malformed, 120)
BOTH(hostile, 120)
BOTH(listener, 60)
BOTH(flood_beyond_window, 60)
BOTH(ack_storm_after_desync, 60)
BOTH(control, 60)
