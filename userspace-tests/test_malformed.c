// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed frames: frames crafted with an AF_PACKET socket on one end of a
 * veth pair reach a twin node on the other end. Every malformed one is
 * dropped, counted under its reason, and never reaches the socket bound to
 * its port (nor, if it failed validation, a raw socket); a well-formed
 * crafted frame is delivered (so the crafting itself is known to be right).
 *
 * semantics.md and design.md: "Every received frame is validated ...
 * anything malformed is dropped and counted by reason."
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>

#include "frame.h"
#include "harness.h"

#define NODE_B		2
#define PORT_B		7000
#define NODE_A		1
#define PORT_A		1234

struct frame {
	struct ethhdr eth;
	struct twinhdr hdr;
	unsigned char payload[64];
} __attribute__((packed));

static void frame_csum(struct frame *f, size_t payload_len)
{
	twin_frame_csum(&f->hdr, f->payload, payload_len);
}

struct rig {
	const char *a, *b;
	int pkt;		/* AF_PACKET in a, on veth-a */
	int sock;		/* twin DGRAM in b, bound to NODE_B:PORT_B */
	int raw;		/* twin SOCK_RAW in b, protocol 0: every type */
	struct sockaddr_ll to;
	struct frame tmpl;	/* a valid frame, payload "hello" */
};

static void rig_up(struct rig *r)
{
	unsigned char mac_a[ETH_ALEN], mac_b[ETH_ALEN];

	r->a = ns_new("a");
	r->b = ns_new("b");
	RUN_NS(r->a, "ip link add veth-a type veth peer name veth-b netns %s", r->b);
	RUN_NS(r->a, "ip link set veth-a up");
	RUN_NS(r->b, "ip link set veth-b up");
	RUN_NS(r->b, "twinctl addr add %u dev veth-b", NODE_B);
	twin_mac_of(r->a, "veth-a", mac_a);
	twin_mac_of(r->b, "veth-b", mac_b);

	ns_enter(r->b);
	r->sock = twin_bound(TWIN_NODE_ANY, PORT_B);
	r->raw = socket(twin_family(), SOCK_RAW, 0);
	ASSERT_OK(r->raw);
	ns_enter(r->a);
	r->pkt = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_OK(r->pkt);
	memset(&r->to, 0, sizeof(r->to));
	r->to.sll_family = AF_PACKET;
	r->to.sll_ifindex = if_nametoindex("veth-a");
	r->to.sll_halen = ETH_ALEN;
	memcpy(r->to.sll_addr, mac_b, ETH_ALEN);
	ASSERT_NE(r->to.sll_ifindex, 0);
	ns_enter(NULL);

	memset(&r->tmpl, 0, sizeof(r->tmpl));
	memcpy(r->tmpl.eth.h_dest, mac_b, ETH_ALEN);
	memcpy(r->tmpl.eth.h_source, mac_a, ETH_ALEN);
	r->tmpl.eth.h_proto = htons(TWIN_ETH_P);
	r->tmpl.hdr.version = TWIN_VERSION;
	r->tmpl.hdr.type = TWIN_T_DGRAM;
	r->tmpl.hdr.doff = TWIN_DOFF_MIN;
	r->tmpl.hdr.len = htons(5);
	r->tmpl.hdr.dst_node = htonl(NODE_B);
	r->tmpl.hdr.src_node = htonl(NODE_A);
	r->tmpl.hdr.dst_port = htonl(PORT_B);
	r->tmpl.hdr.src_port = htonl(PORT_A);
	memcpy(r->tmpl.payload, "hello", 5);
	frame_csum(&r->tmpl, 5);
}

static void inject(struct rig *r, const struct frame *f, size_t len)
{
	ASSERT_EQ(sendto(r->pkt, f, len, 0, (struct sockaddr *)&r->to,
			 sizeof(r->to)), (ssize_t)len);
}

/*
 * Whether raw sockets see a frame dropped for this reason: not if it
 * failed validation (semantics.md, "Raw sockets": only frames passing
 * version, header, length, checksum, type and option checks are copied).
 */
static bool raw_sees(int stat)
{
	return stat != TWIN_STAT_DROP_SHORT && stat != TWIN_STAT_DROP_VERSION &&
	       stat != TWIN_STAT_DROP_LENGTH && stat != TWIN_STAT_DROP_CSUM &&
	       stat != TWIN_STAT_DROP_TYPE && stat != TWIN_STAT_DROP_HEADER &&
	       stat != TWIN_STAT_DROP_OPTION;
}

/*
 * Send a frame and wait until counter @stat in b has grown by one; the
 * socket on the port gets nothing, nor does the raw socket if the frame
 * failed validation.
 */
static void expect_dropped(struct rig *r, const struct frame *f, size_t len,
			   int stat, const char *what)
{
	uint64_t before = twin_stat(r->b, stat), delivered;
	unsigned char junk[256];

	while (recv(r->raw, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
		;
	delivered = twin_stat(r->b, TWIN_STAT_DELIVERED);
	inject(r, f, len);
	twin_stat_wait(r->b, stat, before + 1, 5000 * mult());
	diag("%s: counter %d %llu -> %llu", what, stat,
	     (unsigned long long)before,
	     (unsigned long long)twin_stat(r->b, stat));
	ASSERT_EQ(twin_stat(r->b, stat), before + 1);
	ASSERT_EQ(twin_stat(r->b, TWIN_STAT_DELIVERED), delivered);
	twin_expect_silence(r->sock, 100, what);
	if (!raw_sees(stat))
		twin_expect_silence(r->raw, 100, what);
}

static size_t full_len(size_t payload)
{
	return sizeof(struct ethhdr) + sizeof(struct twinhdr) + payload;
}

TEST_TIMEOUT(wellformed_is_delivered, 30)
{
	struct sockaddr_twin from;
	struct rig r;
	char buf[64];

	rig_up(&r);
	inject(&r, &r.tmpl, full_len(5));
	ASSERT_EQ(twin_recv_wait(r.sock, buf, sizeof(buf), 0, &from, 3000), 5);
	ASSERT_MEMEQ(buf, "hello", 5);
	ASSERT_EQ(from.stw_node, NODE_A);
	ASSERT_EQ(from.stw_port, PORT_A);
	ASSERT_EQ(twin_stat(r.b, TWIN_STAT_DELIVERED), 1);
	/* The raw socket heard it, header included. */
	ASSERT_EQ(twin_recv_wait(r.raw, buf, sizeof(buf), 0, NULL, 3000),
		  (ssize_t)(sizeof(struct twinhdr) + 5));
	ASSERT_MEMEQ(buf + sizeof(struct twinhdr), "hello", 5);
}

TEST_TIMEOUT(truncated_header, 30)
{
	struct rig r;

	rig_up(&r);
	expect_dropped(&r, &r.tmpl, sizeof(struct ethhdr) + 20,
		       TWIN_STAT_DROP_SHORT, "20 of 40 header bytes");
}

TEST_TIMEOUT(wrong_version, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.version = TWIN_VERSION + 1;
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_VERSION, "version 3");
}

/*
 * A well-formed frame of the old format, version 1 (no doff, a 16-bit
 * reserved field, the CRC big-endian in the header's last 4 bytes), is
 * dropped and counted as a version mismatch.
 */
TEST_TIMEOUT(version_1_frame, 30)
{
	struct rig r;
	struct frame f;
	unsigned char *h = (unsigned char *)&f.hdr;
	uint32_t crc;
	__be32 be;

	rig_up(&r);
	f = r.tmpl;
	memset(&f.hdr, 0, sizeof(f.hdr));
	h[0] = 1;				/* version */
	h[1] = TWIN_T_DGRAM;			/* type, flags 0 */
	h[4] = 0;				/* len, big-endian */
	h[5] = 5;
	be = htonl(NODE_B);			/* dst_node at 8 */
	memcpy(h + 8, &be, 4);
	be = htonl(NODE_A);			/* src_node at 12 */
	memcpy(h + 12, &be, 4);
	be = htonl(PORT_B);			/* dst_port at 16 */
	memcpy(h + 16, &be, 4);
	be = htonl(PORT_A);			/* src_port at 20 */
	memcpy(h + 20, &be, 4);
	crc = twin_crc32c(~0U, h, sizeof(f.hdr));	/* csum at 36 is 0 */
	crc = ~twin_crc32c(crc, f.payload, 5);
	be = htonl(crc);
	memcpy(h + 36, &be, 4);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_VERSION,
		       "a version 1 frame");
}

/* doff below the 40-byte header; non-zero reserved bits; unknown flags. */
TEST_TIMEOUT(header_fields, 30)
{
	static const uint16_t flags[] = { 0x0020, 0x0400, 0x8000 };
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.doff = TWIN_DOFF_MIN - 1;
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_HEADER, "doff 9");
	f = r.tmpl;
	f.hdr.reserved = 0x80;
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_HEADER,
		       "reserved 0x80");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		f = r.tmpl;
		f.hdr.flags = htons(flags[i]);
		frame_csum(&f, 5);
		expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_HEADER,
			       "an unknown flag");
	}
}

/* The template with 4 bytes of options in front of its payload. */
static void with_option(struct frame *f, const struct rig *r,
			const unsigned char opt[4])
{
	*f = r->tmpl;
	memcpy(f->payload, opt, 4);
	memcpy(f->payload + 4, "hello", 5);
	f->hdr.doff = TWIN_DOFF_MIN + 1;
	twin_frame_csum(&f->hdr, f->payload + 4, 5);
}

TEST_TIMEOUT(unknown_options, 30)
{
	static const unsigned char skipped[4] = { 0x7f, 4, 0xde, 0xad };
	static const unsigned char mandatory[4] = { 0xff, 4, 0xde, 0xad };
	static const unsigned char overrun[4] = { 0x7f, 6, 0, 0 };
	static const unsigned char mss0[4] = { TWIN_OPT_MSS, 4, 0, 0 };
	struct sockaddr_twin from;
	struct frame f;
	struct rig r;
	char buf[64];

	rig_up(&r);
	/* Not mandatory: skipped, and the payload after it delivered. */
	with_option(&f, &r, skipped);
	inject(&r, &f, full_len(4 + 5));
	ASSERT_EQ(twin_recv_wait(r.sock, buf, sizeof(buf), 0, &from, 3000), 5);
	ASSERT_MEMEQ(buf, "hello", 5);
	ASSERT_EQ(from.stw_node, NODE_A);
	with_option(&f, &r, mandatory);
	expect_dropped(&r, &f, full_len(4 + 5), TWIN_STAT_DROP_OPTION,
		       "unknown mandatory option");
	with_option(&f, &r, overrun);
	expect_dropped(&r, &f, full_len(4 + 5), TWIN_STAT_DROP_OPTION,
		       "option past the header");
	with_option(&f, &r, mss0);
	expect_dropped(&r, &f, full_len(4 + 5), TWIN_STAT_DROP_OPTION, "MSS 0");
}

TEST_TIMEOUT(length_beyond_frame, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.len = htons(60);	/* only 5 bytes follow */
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_LENGTH, "len 60 of 5");
}

TEST_TIMEOUT(corrupted_payload, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.payload[2] ^= 0x20;	/* after the checksum was computed */
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_CSUM, "flipped bit");
}

TEST_TIMEOUT(corrupted_header, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.src_port ^= htonl(1);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_CSUM, "header bit");
}

TEST_TIMEOUT(unknown_type, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.type = 200;
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_TYPE, "type 200");
}

TEST_TIMEOUT(source_node_any, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.src_node = htonl(TWIN_NODE_ANY);
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_ADDR, "source node 0");
}

TEST_TIMEOUT(source_node_broadcast, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.src_node = htonl(TWIN_NODE_BROADCAST);
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_ADDR,
		       "source node broadcast");
}

TEST_TIMEOUT(destination_not_local, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.dst_node = htonl(NODE_B + 1);
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_ADDR, "node 3 not here");
}

TEST_TIMEOUT(no_socket_on_port, 30)
{
	struct rig r;
	struct frame f;

	rig_up(&r);
	f = r.tmpl;
	f.hdr.dst_port = htonl(PORT_B + 1);
	frame_csum(&f, 5);
	expect_dropped(&r, &f, full_len(5), TWIN_STAT_DROP_NO_SOCKET, "port 7001");
}

/* After a burst of garbage the node still works. */
TEST_TIMEOUT(garbage_then_valid, 60)
{
	struct sockaddr_twin from;
	struct frame f;
	struct rig r;
	char buf[64];
	int i;

	rig_up(&r);
	for (i = 0; i < 200; i++) {
		f = r.tmpl;
		for (size_t k = 0; k < sizeof(f.hdr); k++)
			((unsigned char *)&f.hdr)[k] ^= (unsigned char)(i * 31 + k * 7);
		inject(&r, &f, sizeof(struct ethhdr) + (i % (int)sizeof(f.hdr)) +
		       (i % 3) * 5);
	}
	inject(&r, &r.tmpl, full_len(5));
	ASSERT_EQ(twin_recv_wait(r.sock, buf, sizeof(buf), 0, &from, 3000), 5);
	ASSERT_MEMEQ(buf, "hello", 5);
	twin_expect_silence(r.sock, 200, "only the valid frame");
	ASSERT_EQ(twin_stat(r.b, TWIN_STAT_DELIVERED), 1);
}
