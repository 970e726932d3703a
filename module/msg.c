// SPDX-License-Identifier: GPL-2.0
/*
 * The twin wire header, version 2 (docs/wire.md). Every frame carries a
 * CRC32C over header, options and payload: Ethernet's FCS protects one
 * hop, and a twin frame may cross software switches, netem and bridges
 * that would not notice corruption. The CRC sits and is stored as SCTP's
 * is, so that the kernel's CRC32C offload path can compute it later.
 */
#include <linux/crc32c.h>
#include <linux/skbuff.h>

#include "compat.h"
#include "msg.h"

#define TWIN_CSUM_OFF	offsetof(struct twinhdr, csum)

/*
 * The CRC32C of a linear frame (header first) of @len bytes, the csum
 * field counting as zero: the value to store with cpu_to_le32().
 */
u32 twin_csum(const void *frame, unsigned int len)
{
	static const u8 zero[sizeof_field(struct twinhdr, csum)];
	const u8 *p = frame;
	u32 crc;

	crc = crc32c(~0U, p, TWIN_CSUM_OFF);
	crc = crc32c(crc, zero, sizeof(zero));
	crc = crc32c(crc, p + TWIN_CSUM_OFF + sizeof(zero),
		     len - TWIN_CSUM_OFF - sizeof(zero));
	return ~crc;
}

/* Push an MSS option (one 4-byte word) in front of the payload. */
void twin_push_opt_mss(struct sk_buff *skb, u16 mss)
{
	u8 *opt = skb_push(skb, TWIN_OPT_MSS_LEN);

	opt[0] = TWIN_OPT_MSS;
	opt[1] = TWIN_OPT_MSS_LEN;
	put_unaligned_be16(mss, opt + 2);
}

/*
 * Push and fill the header in front of the @optlen bytes of options (a
 * multiple of 4) and the payload already in @skb.
 */
void twin_build_hdr(struct sk_buff *skb, u8 type, u16 flags,
		    const struct twin_addr4 *a, unsigned int optlen)
{
	unsigned int len = skb->len - optlen;
	struct twinhdr *hdr;

	hdr = skb_push(skb, sizeof(*hdr));
	skb_reset_network_header(skb);
	memset(hdr, 0, sizeof(*hdr));
	hdr->version = TWIN_VERSION;
	hdr->type = type;
	hdr->doff = (sizeof(*hdr) + optlen) / 4;
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

	hdr->csum = cpu_to_le32(twin_csum(skb->data, skb->len));
}

/*
 * Walk the options of a header whose doff is already checked. Returns 0
 * or TWIN_STAT_DROP_OPTION for an option that overruns the header, has a
 * length its kind does not allow, or is unknown and mandatory.
 */
int twin_parse_opts(const struct twinhdr *hdr, struct twin_opts *opts)
{
	const u8 *p = (const u8 *)(hdr + 1);
	const u8 *end = (const u8 *)hdr + twin_hdr_len(hdr);
	u8 kind, len;

	memset(opts, 0, sizeof(*opts));
	while (p < end) {
		kind = p[0];
		if (kind == TWIN_OPT_END)
			break;
		if (kind == TWIN_OPT_NOP) {
			p++;
			continue;
		}
		if (end - p < 2)
			return TWIN_STAT_DROP_OPTION;
		len = p[1];
		if (len < 2 || len > end - p)
			return TWIN_STAT_DROP_OPTION;
		switch (kind) {
		case TWIN_OPT_MSS:
			if (len != TWIN_OPT_MSS_LEN)
				return TWIN_STAT_DROP_OPTION;
			opts->mss = get_unaligned_be16(p + 2);
			/* A sender cut into empty frames would never end. */
			if (!opts->mss)
				return TWIN_STAT_DROP_OPTION;
			break;
		default:
			if (kind & TWIN_OPT_MANDATORY)
				return TWIN_STAT_DROP_OPTION;
		}
		p += len;
	}
	return 0;
}

/*
 * Check a received frame whose header starts at skb->data. Returns 0 or
 * the enum twin_stat drop reason. On success the frame is linear, trimmed
 * to header, options and payload (Ethernet pads short frames), and the
 * header is at skb->data.
 */
int twin_validate(struct sk_buff *skb)
{
	const struct twinhdr *hdr;
	struct twin_opts opts;
	unsigned int hlen, len;

	if (!pskb_may_pull(skb, sizeof(*hdr)))
		return TWIN_STAT_DROP_SHORT;
	skb_reset_network_header(skb);
	hdr = (const struct twinhdr *)skb->data;
	if (hdr->version != TWIN_VERSION)
		return TWIN_STAT_DROP_VERSION;
	hlen = twin_hdr_len(hdr);
	if (hlen < sizeof(*hdr))
		return TWIN_STAT_DROP_HEADER;
	len = hlen + ntohs(hdr->len);
	if (skb->len < len)
		return TWIN_STAT_DROP_LENGTH;
	if (pskb_trim_rcsum(skb, len))
		return TWIN_STAT_DROP_NOMEM;
	/* One linear pass keeps the CRC simple; frames are at most an MTU. */
	if (skb_linearize(skb))
		return TWIN_STAT_DROP_NOMEM;
	hdr = (const struct twinhdr *)skb->data;
	if (le32_to_cpu(hdr->csum) != twin_csum(skb->data, len))
		return TWIN_STAT_DROP_CSUM;
	if (hdr->reserved || ntohs(hdr->flags) & ~TWIN_F_ALL)
		return TWIN_STAT_DROP_HEADER;
	if (hdr->type == 0 || hdr->type > TWIN_T_MAX)
		return TWIN_STAT_DROP_TYPE;
	return twin_parse_opts(hdr, &opts);
}
