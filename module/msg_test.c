// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the wire header: the checksum is CRC-32C as documented in
 * uapi/linux/twin.h and docs/wire.md, options are parsed as documented,
 * and validation rejects every malformed frame under the right reason.
 * Built only into kernels with CONFIG_KUNIT=y (the debug kernel); the
 * suite runs when twin.ko is loaded.
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/skbuff.h>

#include "compat.h"
#include "msg.h"

#define PAYLOAD "twin frames carry a CRC-32C"

static const struct twin_addr4 twin_test_addr = {
	.src_node = 7, .src_port = 5000, .dst_node = 9, .dst_port = 6000,
};

/* A frame with @optlen bytes of options @opts (a multiple of 4). */
static struct sk_buff *twin_test_frame_opts(struct kunit *test, u8 type,
					    const u8 *opts,
					    unsigned int optlen,
					    unsigned int pad)
{
	unsigned int room = TWIN_HLEN + optlen;
	struct sk_buff *skb;

	skb = alloc_skb(room + sizeof(PAYLOAD) + pad, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, room);
	skb_put_data(skb, PAYLOAD, sizeof(PAYLOAD));
	memcpy(skb_push(skb, optlen), opts, optlen);
	twin_build_hdr(skb, type, 0, &twin_test_addr, optlen);
	twin_hdr_set_csum(skb);
	if (pad)
		skb_put_zero(skb, pad);	/* as Ethernet pads short frames */
	return skb;
}

static struct sk_buff *twin_test_frame(struct kunit *test, unsigned int pad)
{
	return twin_test_frame_opts(test, TWIN_T_DGRAM, NULL, 0, pad);
}

static struct twinhdr *hdr_of(struct sk_buff *skb)
{
	return (struct twinhdr *)skb->data;
}

/* The standard CRC-32C check value, so userspace tools agree with us. */
static void twin_test_crc32c_vector(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ~crc32c(~0U, "123456789", 9), 0xe3069283U);
}

static void twin_test_valid(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 0);

	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len, TWIN_HLEN + sizeof(PAYLOAD));
	KUNIT_EXPECT_EQ(test, ntohl(hdr_of(skb)->src_node), 7U);
	KUNIT_EXPECT_EQ(test, ntohl(hdr_of(skb)->dst_port), 6000U);
	kfree_skb(skb);
}

static void twin_test_padding_trimmed(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 17);

	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len, TWIN_HLEN + sizeof(PAYLOAD));
	kfree_skb(skb);
}

static void twin_test_short(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 0);

	skb_trim(skb, TWIN_HLEN - 1);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_SHORT);
	kfree_skb(skb);
}

static void twin_test_version(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 0);

	hdr_of(skb)->version = TWIN_VERSION + 1;
	twin_hdr_set_csum(skb);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_VERSION);
	kfree_skb(skb);
}

/*
 * A well-formed version 1 frame (the format before docs/wire.md: no doff,
 * a reserved 16-bit field, the CRC big-endian in the last four bytes of
 * the header) is dropped as a version mismatch.
 */
static void twin_test_version1(struct kunit *test)
{
	struct sk_buff *skb;
	u8 *f;

	skb = alloc_skb(40 + sizeof(PAYLOAD), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	f = skb_put_zero(skb, 40);
	f[0] = 1;				/* version */
	f[1] = TWIN_T_DGRAM;			/* type */
	put_unaligned_be16(sizeof(PAYLOAD), f + 4);	/* len */
	put_unaligned_be32(9, f + 8);		/* dst_node */
	put_unaligned_be32(7, f + 12);		/* src_node */
	put_unaligned_be32(6000, f + 16);	/* dst_port */
	put_unaligned_be32(5000, f + 20);	/* src_port */
	skb_put_data(skb, PAYLOAD, sizeof(PAYLOAD));
	put_unaligned_be32(~crc32c(~0U, skb->data, skb->len), f + 36);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_VERSION);
	kfree_skb(skb);
}

/*
 * The CRC is where and how skb_crc32c_csum_help() would put it for a
 * frame with csum_start at the header: little-endian at offset 8, the
 * complement of CRC-32C over the frame with those four bytes zero.
 */
static void twin_test_csum_layout(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 0);
	u8 copy[TWIN_HLEN + sizeof(PAYLOAD)];

	KUNIT_ASSERT_EQ(test, skb->len, sizeof(copy));
	memcpy(copy, skb->data, sizeof(copy));
	memset(copy + 8, 0, 4);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(skb->data + 8),
			~crc32c(~0U, copy, sizeof(copy)));
	kfree_skb(skb);
}

/* doff below the fixed header, reserved bits and unknown flags. */
static void twin_test_header(struct kunit *test)
{
	static const u16 bad_flags[] = { 0x0020, 0x8000, TWIN_F_ALL + 1 };
	struct sk_buff *skb;
	int i;

	skb = twin_test_frame(test, 0);
	hdr_of(skb)->doff = TWIN_DOFF_MIN - 1;
	twin_hdr_set_csum(skb);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_HEADER);
	kfree_skb(skb);

	skb = twin_test_frame(test, 0);
	hdr_of(skb)->reserved = 0x01;
	twin_hdr_set_csum(skb);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_HEADER);
	kfree_skb(skb);

	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		skb = twin_test_frame(test, 0);
		hdr_of(skb)->flags = htons(bad_flags[i]);
		twin_hdr_set_csum(skb);
		KUNIT_EXPECT_EQ_MSG(test, twin_validate(skb),
				    TWIN_STAT_DROP_HEADER, "flags %#x",
				    bad_flags[i]);
		kfree_skb(skb);
	}
}

/* doff claiming more header than the frame has. */
static void twin_test_doff_overrun(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 0);

	hdr_of(skb)->doff = (TWIN_HLEN + sizeof(PAYLOAD) + 4) / 4;
	twin_hdr_set_csum(skb);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_LENGTH);
	kfree_skb(skb);
}

/* The DGRAM "ping" of docs/wire.md, as captured: valid, same CRC. */
static void twin_test_wire_md_example(struct kunit *test)
{
	static const u8 ping[] = {
		0x02, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x04,
		0xce, 0xcc, 0xa0, 0x5a, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07,
		0xce, 0x0a, 0x0d, 0x47, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x70, 0x69, 0x6e, 0x67,
	};
	struct sk_buff *skb = alloc_skb(sizeof(ping), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, ping, sizeof(ping));
	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, twin_skb_csum(skb, 0, skb->len), 0x5aa0ccceU);
	twin_hdr_set_csum(skb);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, ping, sizeof(ping)), 0);
	kfree_skb(skb);
}

/* Options that are valid: the MSS is read, padding and unknowns skipped. */
static void twin_test_opts_valid(struct kunit *test)
{
	static const u8 mss[] = { TWIN_OPT_MSS, 4, 0x05, 0xb4 };
	static const u8 padded[] = {
		TWIN_OPT_NOP, TWIN_OPT_NOP, TWIN_OPT_MSS, 4, 0x23, 0x28,
		0x7f, 2, TWIN_OPT_END, 0, 0, 0,
	};
	static const u8 unknown[] = { 0x7f, 4, 0xff, 0xff };
	struct twin_opts opts;
	struct sk_buff *skb;

	skb = twin_test_frame_opts(test, TWIN_T_STREAM, mss, sizeof(mss), 9);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len, TWIN_HLEN + 4 + sizeof(PAYLOAD));
	KUNIT_EXPECT_EQ(test, twin_hdr_len(hdr_of(skb)), TWIN_HLEN + 4);
	KUNIT_EXPECT_EQ(test, ntohs(hdr_of(skb)->len), sizeof(PAYLOAD));
	KUNIT_EXPECT_EQ(test, twin_parse_opts(hdr_of(skb), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
	kfree_skb(skb);

	skb = twin_test_frame_opts(test, TWIN_T_STREAM, padded,
				   sizeof(padded), 0);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, twin_parse_opts(hdr_of(skb), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 9000);
	kfree_skb(skb);

	skb = twin_test_frame_opts(test, TWIN_T_DGRAM, unknown,
				   sizeof(unknown), 0);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, twin_parse_opts(hdr_of(skb), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
	kfree_skb(skb);
}

/* Options that drop the frame, each under TWIN_STAT_DROP_OPTION. */
static void twin_test_opts_bad(struct kunit *test)
{
	static const u8 bad[][4] = {
		{ 0x80 | 0x7f, 4, 0, 0 },	/* unknown and mandatory */
		{ 0x80 | 10, 2, 0, 0 },		/* the same, short */
		{ TWIN_OPT_MSS, 4, 0, 0 },	/* MSS 0 */
		{ TWIN_OPT_MSS, 3, 0x05, 0 },	/* MSS of the wrong length */
		{ 0x7f, 1, 0, 0 },		/* length below 2 */
		{ 0x7f, 0, 0, 0 },		/* length 0 */
		{ 0x7f, 5, 0, 0 },		/* overruns the header */
		{ TWIN_OPT_NOP, TWIN_OPT_NOP, TWIN_OPT_NOP, 0x7f }, /* cut */
	};
	struct sk_buff *skb;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		skb = twin_test_frame_opts(test, TWIN_T_STREAM, bad[i], 4, 0);
		KUNIT_EXPECT_EQ_MSG(test, twin_validate(skb),
				    TWIN_STAT_DROP_OPTION, "option %d", i);
		kfree_skb(skb);
	}
}

static void twin_test_length(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 0);

	hdr_of(skb)->len = htons(sizeof(PAYLOAD) + 1);
	twin_hdr_set_csum(skb);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_LENGTH);
	kfree_skb(skb);
}

static void twin_test_type(struct kunit *test)
{
	static const u8 bad[] = { 0, TWIN_T_MAX + 1, 0xff };
	struct sk_buff *skb;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		skb = twin_test_frame(test, 0);
		hdr_of(skb)->type = bad[i];
		twin_hdr_set_csum(skb);
		KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_TYPE);
		kfree_skb(skb);
	}
}

/* CRC-32C catches every single-bit error: flip each bit in turn. */
static void twin_test_every_bit_flip(struct kunit *test)
{
	unsigned int bit, nbits = (TWIN_HLEN + sizeof(PAYLOAD)) * 8;
	struct sk_buff *skb;

	for (bit = 0; bit < nbits; bit++) {
		skb = twin_test_frame(test, 0);
		skb->data[bit / 8] ^= 1 << (bit % 8);
		KUNIT_EXPECT_NE_MSG(test, twin_validate(skb), 0, "bit %u", bit);
		kfree_skb(skb);
	}
}

/* A payload flip is a checksum drop, not any other reason. */
static void twin_test_csum(struct kunit *test)
{
	struct sk_buff *skb = twin_test_frame(test, 0);

	skb->data[TWIN_HLEN + 3] ^= 0x40;
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_CSUM);
	kfree_skb(skb);
}

/*
 * A frame of @n payload bytes (a counting pattern) in a page fragment
 * behind a linear header, checksummed; the same frame linear in @flat.
 */
static struct sk_buff *twin_test_frag_frame(struct kunit *test,
					    unsigned int n,
					    struct sk_buff **flat)
{
	struct sk_buff *skb, *lin;
	struct page *page;
	unsigned int i;
	u8 *p;

	skb = alloc_skb(TWIN_HLEN, GFP_KERNEL);
	lin = alloc_skb(TWIN_HLEN + n, GFP_KERNEL);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, lin);
	KUNIT_ASSERT_NOT_NULL(test, page);
	p = page_address(page);
	for (i = 0; i < n; i++)
		p[i] = i;
	skb_reserve(skb, TWIN_HLEN);
	skb_fill_page_desc(skb, 0, page, 0, n);
	skb->len += n;
	skb->data_len += n;
	skb->truesize += PAGE_SIZE;
	twin_build_hdr(skb, TWIN_T_DGRAM, 0, &twin_test_addr, 0);
	twin_hdr_set_csum(skb);

	skb_reserve(lin, TWIN_HLEN);
	skb_put_data(lin, p, n);
	twin_build_hdr(lin, TWIN_T_DGRAM, 0, &twin_test_addr, 0);
	twin_hdr_set_csum(lin);
	*flat = lin;
	return skb;
}

/*
 * A payload in fragments is checksummed and checked where it lies: the
 * same CRC as the linear frame, no linearizing, a flip in a fragment
 * caught.
 */
static void twin_test_fragments(struct kunit *test)
{
	struct sk_buff *lin, *skb = twin_test_frag_frame(test, 1000, &lin);
	struct skb_shared_info *shinfo = skb_shinfo(skb);
	u8 *p;

	KUNIT_EXPECT_EQ(test, hdr_of(skb)->csum, hdr_of(lin)->csum);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_TRUE(test, skb_is_nonlinear(skb));
	KUNIT_EXPECT_EQ(test, skb->len, TWIN_HLEN + 1000);
	p = skb_frag_address(&shinfo->frags[0]);
	p[999] ^= 0x01;
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_CSUM);
	kfree_skb(skb);
	kfree_skb(lin);
}

/*
 * A frame whose checksum was left to the device is taken as it is while
 * it stays in memory, and completed to the value software computes.
 */
static void twin_test_csum_partial(struct kunit *test)
{
	struct sk_buff *lin, *skb = twin_test_frag_frame(test, 300, &lin);
	__le32 want = hdr_of(skb)->csum;

	twin_hdr_csum_partial(skb, 0);
	KUNIT_EXPECT_EQ(test, hdr_of(skb)->csum, 0);
	KUNIT_EXPECT_TRUE(test, skb->ip_summed == CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, twin_csum_complete(skb, 0), 0);
	KUNIT_EXPECT_TRUE(test, skb->ip_summed == CHECKSUM_NONE);
	KUNIT_EXPECT_EQ(test, hdr_of(skb)->csum, want);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
	/* Completed, it is checked again like any frame from a wire. */
	hdr_of(skb)->csum ^= cpu_to_le32(1);
	KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_CSUM);
	kfree_skb(skb);
	kfree_skb(lin);
}

/*
 * CHECKSUM_PARTIAL for somebody else's checksum (its start is not the
 * twin header, or its offset not the CRC's): the CRC is checked, and
 * completing leaves the frame alone.
 */
static void twin_test_csum_partial_foreign(struct kunit *test)
{
	struct sk_buff *lin, *skb = twin_test_frag_frame(test, 300, &lin);
	static const struct {
		int start, offset;
	} foreign[] = { { -14, 8 }, { TWIN_HLEN, 8 }, { 0, 6 } };
	__le32 good = hdr_of(skb)->csum;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(foreign); i++) {
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_headroom(skb) + foreign[i].start;
		skb->csum_offset = foreign[i].offset;
		hdr_of(skb)->csum = good;
		KUNIT_EXPECT_FALSE(test, twin_csum_undone(skb, 0));
		KUNIT_EXPECT_EQ(test, twin_validate(skb), 0);
		KUNIT_EXPECT_EQ(test, twin_csum_complete(skb, 0), 0);
		KUNIT_EXPECT_TRUE(test, skb->ip_summed == CHECKSUM_PARTIAL);
		KUNIT_EXPECT_EQ(test, hdr_of(skb)->csum, good);
		hdr_of(skb)->csum ^= cpu_to_le32(1);
		KUNIT_EXPECT_EQ(test, twin_validate(skb), TWIN_STAT_DROP_CSUM);
	}
	kfree_skb(skb);
	kfree_skb(lin);
}

static struct kunit_case twin_msg_cases[] = {
	KUNIT_CASE(twin_test_crc32c_vector),
	KUNIT_CASE(twin_test_valid),
	KUNIT_CASE(twin_test_padding_trimmed),
	KUNIT_CASE(twin_test_short),
	KUNIT_CASE(twin_test_version),
	KUNIT_CASE(twin_test_version1),
	KUNIT_CASE(twin_test_csum_layout),
	KUNIT_CASE(twin_test_wire_md_example),
	KUNIT_CASE(twin_test_header),
	KUNIT_CASE(twin_test_doff_overrun),
	KUNIT_CASE(twin_test_opts_valid),
	KUNIT_CASE(twin_test_opts_bad),
	KUNIT_CASE(twin_test_length),
	KUNIT_CASE(twin_test_type),
	KUNIT_CASE(twin_test_every_bit_flip),
	KUNIT_CASE(twin_test_csum),
	KUNIT_CASE(twin_test_fragments),
	KUNIT_CASE(twin_test_csum_partial),
	KUNIT_CASE(twin_test_csum_partial_foreign),
	{}
};

static struct kunit_suite twin_msg_suite = {
	.name = "twin_msg",
	.test_cases = twin_msg_cases,
};

kunit_test_suite(twin_msg_suite);
