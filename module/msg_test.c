// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the wire header: the checksum is CRC-32C as documented in
 * uapi/linux/twin.h, and validation rejects every malformed frame under
 * the right reason. Built only into kernels with CONFIG_KUNIT=y (the debug
 * kernel); the suite runs when twin.ko is loaded.
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/skbuff.h>

#include "msg.h"

#define PAYLOAD "twin frames carry a CRC-32C"

static struct sk_buff *twin_test_frame(struct kunit *test, unsigned int pad)
{
	struct twin_addr4 a = {
		.src_node = 7, .src_port = 5000, .dst_node = 9, .dst_port = 6000,
	};
	struct sk_buff *skb;

	skb = alloc_skb(TWIN_HLEN + sizeof(PAYLOAD) + pad, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, TWIN_HLEN);
	skb_put_data(skb, PAYLOAD, sizeof(PAYLOAD));
	twin_build_hdr(skb, TWIN_T_DGRAM, 0, &a);
	twin_hdr_set_csum(skb);
	if (pad)
		skb_put_zero(skb, pad);	/* as Ethernet pads short frames */
	return skb;
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

static struct kunit_case twin_msg_cases[] = {
	KUNIT_CASE(twin_test_crc32c_vector),
	KUNIT_CASE(twin_test_valid),
	KUNIT_CASE(twin_test_padding_trimmed),
	KUNIT_CASE(twin_test_short),
	KUNIT_CASE(twin_test_version),
	KUNIT_CASE(twin_test_length),
	KUNIT_CASE(twin_test_type),
	KUNIT_CASE(twin_test_every_bit_flip),
	KUNIT_CASE(twin_test_csum),
	{}
};

static struct kunit_suite twin_msg_suite = {
	.name = "twin_msg",
	.test_cases = twin_msg_cases,
};

kunit_test_suite(twin_msg_suite);
