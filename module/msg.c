// SPDX-License-Identifier: GPL-2.0
/*
 * The twin wire header. Every frame carries a CRC32C over header and
 * payload: Ethernet's FCS protects one hop, and a twin frame may cross
 * software switches, netem and bridges that would not notice corruption.
 */
#include <linux/crc32c.h>
#include <linux/skbuff.h>

#include "msg.h"

/* The checksum field itself counts as zero. */
u32 twin_csum(const struct twinhdr *hdr, const void *payload, unsigned int len)
{
	static const u8 zero[sizeof(hdr->csum)];
	u32 crc;

	crc = crc32c(~0U, hdr, offsetof(struct twinhdr, csum));
	crc = crc32c(crc, zero, sizeof(zero));
	crc = crc32c(crc, payload, len);
	return ~crc;
}

/* Push and fill the header in front of the payload already in @skb. */
void twin_build_hdr(struct sk_buff *skb, u8 type, u16 flags,
		    const struct twin_addr4 *a)
{
	unsigned int len = skb->len;
	struct twinhdr *hdr;

	hdr = skb_push(skb, sizeof(*hdr));
	skb_reset_network_header(skb);
	memset(hdr, 0, sizeof(*hdr));
	hdr->version = TWIN_VERSION;
	hdr->type = type;
	hdr->flags = htons(flags);
	hdr->len = htons(len);
	hdr->src_node = htonl(a->src_node);
	hdr->src_port = htonl(a->src_port);
	hdr->dst_node = htonl(a->dst_node);
	hdr->dst_port = htonl(a->dst_port);
}

/* Fill the checksum of a linear frame whose header sits at skb->data. */
void twin_hdr_set_csum(struct sk_buff *skb)
{
	struct twinhdr *hdr = (struct twinhdr *)skb->data;

	hdr->csum = 0;
	hdr->csum = htonl(twin_csum(hdr, skb->data + sizeof(*hdr),
				    skb->len - sizeof(*hdr)));
}

/*
 * Check a received frame whose header starts at skb->data. Returns 0 or
 * the enum twin_stat drop reason. On success the frame is linear, trimmed
 * to header plus payload (Ethernet pads short frames), and the header is
 * at skb->data.
 */
int twin_validate(struct sk_buff *skb)
{
	const struct twinhdr *hdr;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*hdr)))
		return TWIN_STAT_DROP_SHORT;
	skb_reset_network_header(skb);
	hdr = (const struct twinhdr *)skb->data;
	if (hdr->version != TWIN_VERSION)
		return TWIN_STAT_DROP_VERSION;
	len = ntohs(hdr->len);
	if (skb->len < sizeof(*hdr) + len)
		return TWIN_STAT_DROP_LENGTH;
	if (pskb_trim_rcsum(skb, sizeof(*hdr) + len))
		return TWIN_STAT_DROP_NOMEM;
	/* One linear pass keeps the CRC simple; frames are at most an MTU. */
	if (skb_linearize(skb))
		return TWIN_STAT_DROP_NOMEM;
	hdr = (const struct twinhdr *)skb->data;
	if (ntohl(hdr->csum) != twin_csum(hdr, skb->data + sizeof(*hdr), len))
		return TWIN_STAT_DROP_CSUM;
	if (hdr->type == 0 || hdr->type > TWIN_T_MAX)
		return TWIN_STAT_DROP_TYPE;
	return 0;
}
