// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of super-frames (gso.c): a super-frame is cut into frames
 * of gso_size payload bytes, each a valid wire frame of its own (sequence
 * number, length, flags, CRC), with the bytes in order and nothing lost;
 * anything but a connection's super-frame is refused without being
 * freed. Built only into kernels with CONFIG_KUNIT=y (the debug kernel).
 */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>

#include "compat.h"
#include "gso.h"
#include "msg.h"

#define GSO_MSS		1000
#define GSO_SEQ		0xfffffc00U	/* the cuts cross 2^32 */

static const struct twin_addr4 gso_addr = {
	.src_node = 7, .src_port = 5000, .dst_node = 9, .dst_port = 6000,
};

static u8 gso_byte(unsigned int i)
{
	return (i * 7 + i / 251) & 0xff;
}

/*
 * A super-frame of @n payload bytes as a connection sends it: Ethernet
 * and twin header in the linear part, payload in page fragments, CRC
 * left undone, data at the twin header as the kernel's GSO step has it.
 */
static struct sk_buff *gso_frame(struct kunit *test, u8 type, u16 flags,
				 unsigned int n)
{
	unsigned int room = ETH_HLEN + TWIN_HLEN, i, off = 0, chunk;
	struct sk_buff *skb;
	struct page *page;
	struct ethhdr *eth;
	int f = 0;

	skb = alloc_skb(room, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, room);
	while (off < n) {
		/* Uneven fragments, so cuts fall inside them. */
		chunk = min3(n - off, 1500U + 333 * f, (unsigned int)PAGE_SIZE);
		page = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, page);
		for (i = 0; i < chunk; i++)
			((u8 *)page_address(page))[i] = gso_byte(off + i);
		skb_fill_page_desc(skb, f++, page, 0, chunk);
		skb->len += chunk;
		skb->data_len += chunk;
		skb->truesize += chunk;
		off += chunk;
	}
	twin_build_hdr(skb, type, flags, &gso_addr, 0);
	twin_hdr(skb)->seq = htonl(GSO_SEQ);
	twin_hdr_csum_partial(skb, 0);
	eth = skb_push(skb, ETH_HLEN);
	eth_zero_addr(eth->h_dest);
	eth_zero_addr(eth->h_source);
	eth->h_proto = htons(TWIN_ETH_P);
	skb_reset_mac_header(skb);
	skb_reset_mac_len(skb);
	__skb_pull(skb, ETH_HLEN);
	skb->protocol = htons(TWIN_ETH_P);
	skb_shinfo(skb)->gso_size = GSO_MSS;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(n, GSO_MSS);
	skb_shinfo(skb)->gso_type = SKB_GSO_SCTP;
	return skb;
}

/*
 * Cut a super-frame of @n bytes with @features and check every frame:
 * a wire frame whose CRC is checked, not trusted, carrying the next
 * @GSO_MSS bytes; @last flags only on the last.
 */
static void gso_check_cut(struct kunit *test, u8 type, u16 flags, u16 last,
			  unsigned int n, netdev_features_t features)
{
	struct sk_buff *skb = gso_frame(test, type, flags | last, n);
	struct sk_buff *segs, *seg, *next, *end, *tail = NULL;
	unsigned int off = 0, i, count = 0, plen;
	const struct twinhdr *h;
	u8 byte;

	segs = twin_gso_segment(skb, features);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(segs));
	end = segs->prev;
	skb_list_walk_safe(segs, seg, next) {
		tail = seg;
		count++;
		KUNIT_EXPECT_EQ(test, skb_network_offset(seg), ETH_HLEN);
		KUNIT_EXPECT_TRUE(test, seg->ip_summed == CHECKSUM_NONE);
		__skb_pull(seg, ETH_HLEN);
		KUNIT_EXPECT_EQ(test, twin_validate(seg), 0);
		h = twin_hdr(seg);
		plen = min_t(unsigned int, n - off, GSO_MSS);
		KUNIT_EXPECT_EQ(test, ntohs(h->len), plen);
		KUNIT_EXPECT_EQ(test, seg->len, TWIN_HLEN + plen);
		KUNIT_EXPECT_EQ(test, ntohl(h->seq), GSO_SEQ + off);
		KUNIT_EXPECT_EQ(test, ntohs(h->flags),
				next ? flags : flags | last);
		KUNIT_EXPECT_EQ(test, h->type, type);
		KUNIT_EXPECT_EQ(test, ntohl(h->src_port), gso_addr.src_port);
		for (i = 0; i < plen; i++) {
			KUNIT_ASSERT_EQ(test, skb_copy_bits(seg, TWIN_HLEN + i,
							    &byte, 1), 0);
			if (byte != gso_byte(off + i)) {
				KUNIT_FAIL(test, "byte %u is %#x, not %#x",
					   off + i, byte, gso_byte(off + i));
				break;
			}
		}
		off += plen;
		kfree_skb(seg);
	}
	KUNIT_EXPECT_EQ(test, off, n);
	KUNIT_EXPECT_EQ(test, count, DIV_ROUND_UP(n, GSO_MSS));
	/* The device's transmit path finds the last frame there. */
	KUNIT_EXPECT_PTR_EQ(test, end, tail);
	kfree_skb(skb);
}

/* Shared fragments (a device with SG) and copies (one without). */
static void twin_test_gso_stream(struct kunit *test)
{
	gso_check_cut(test, TWIN_T_STREAM, TWIN_F_ACK, 0, 10 * GSO_MSS,
		      NETIF_F_SG);
	gso_check_cut(test, TWIN_T_STREAM, TWIN_F_ACK, 0, 7 * GSO_MSS + 1,
		      0);
}

/* FIN and end of record take the last byte's frame, no other. */
static void twin_test_gso_last_flags(struct kunit *test)
{
	gso_check_cut(test, TWIN_T_STREAM, TWIN_F_ACK, TWIN_F_FIN,
		      3 * GSO_MSS + 17, NETIF_F_SG);
	gso_check_cut(test, TWIN_T_SEQPACKET, TWIN_F_ACK, TWIN_F_EOR,
		      5 * GSO_MSS, NETIF_F_SG);
	gso_check_cut(test, TWIN_T_SEQPACKET, TWIN_F_ACK,
		      TWIN_F_EOR | TWIN_F_FIN, 2 * GSO_MSS + 1, 0);
}

/*
 * What no connection sends is refused, and left for the kernel to free:
 * another GSO type, a foreign version or type, a SYN or RST, a length
 * that disagrees with the buffer, no gso_size.
 */
static void twin_test_gso_refused(struct kunit *test)
{
	struct sk_buff *skb, *segs;
	unsigned int i;

	for (i = 0; i < 7; i++) {
		skb = gso_frame(test, TWIN_T_STREAM, TWIN_F_ACK, 3 * GSO_MSS);
		switch (i) {
		case 0:
			skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
			break;
		case 1:
			twin_hdr(skb)->version = TWIN_VERSION + 1;
			break;
		case 2:
			twin_hdr(skb)->type = TWIN_T_DGRAM;
			break;
		case 3:
			twin_hdr(skb)->flags = htons(TWIN_F_ACK | TWIN_F_SYN);
			break;
		case 4:
			twin_hdr(skb)->flags = htons(TWIN_F_RST);
			break;
		case 5:
			twin_hdr(skb)->len = htons(3 * GSO_MSS - 1);
			break;
		case 6:
			skb_shinfo(skb)->gso_size = 0;
			break;
		}
		segs = twin_gso_segment(skb, NETIF_F_SG);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(segs), "case %u", i);
		if (!IS_ERR_OR_NULL(segs))
			kfree_skb_list(segs);
		kfree_skb(skb);
	}
}

/*
 * The largest super-frame a device takes: 64 KiB less the Ethernet header
 * and one byte (a frame as long as the limit is cut by the kernel,
 * gso_features_check()); the same with generic segmentation off, where
 * TCP sends its large segments too; none where the device would take
 * them whole but without scatter-gather.
 */
static void twin_test_gso_max_frame(struct kunit *test)
{
	struct net_device *dev = alloc_etherdev(0);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	/* As register_netdevice() turns it on. */
	dev->features |= NETIF_F_GSO;
	KUNIT_EXPECT_EQ(test, twin_gso_max_frame(dev), 65536 - ETH_HLEN - 1);
	dev->features &= ~NETIF_F_GSO;
	KUNIT_EXPECT_EQ(test, twin_gso_max_frame(dev), 65536 - ETH_HLEN - 1);
	/* Super-frames whole but not in fragments: each would be linearized. */
	dev->features |= NETIF_F_GSO_SCTP;
	KUNIT_EXPECT_EQ(test, twin_gso_max_frame(dev), 0);
	dev->features |= NETIF_F_SG;
	KUNIT_EXPECT_EQ(test, twin_gso_max_frame(dev), 65536 - ETH_HLEN - 1);
	free_netdev(dev);
}

static struct kunit_case twin_gso_cases[] = {
	KUNIT_CASE(twin_test_gso_stream),
	KUNIT_CASE(twin_test_gso_last_flags),
	KUNIT_CASE(twin_test_gso_refused),
	KUNIT_CASE(twin_test_gso_max_frame),
	{}
};

static struct kunit_suite twin_gso_suite = {
	.name = "twin_gso",
	.test_cases = twin_gso_cases,
};

kunit_test_suite(twin_gso_suite);
