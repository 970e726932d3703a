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

/* Push an MSS option (one 4-byte word) in front of the payload. */
void twin_push_opt_mss(struct sk_buff *skb, u16 mss)
{
	u8 *opt = skb_push(skb, TWIN_OPT_MSS_LEN);

	opt[0] = TWIN_OPT_MSS;
	opt[1] = TWIN_OPT_MSS_LEN;
	put_unaligned_be16(mss, opt + 2);
}

/*
 * Push a SACK_PERM option with two NOPs before it (one 4-byte word).
 * Returns the bytes pushed.
 */
unsigned int twin_push_opt_sack_perm(struct sk_buff *skb)
{
	u8 *opt = skb_push(skb, 4);

	opt[0] = TWIN_OPT_NOP;
	opt[1] = TWIN_OPT_NOP;
	opt[2] = TWIN_OPT_SACK_PERM;
	opt[3] = TWIN_OPT_SACK_PERM_LEN;
	return 4;
}

/*
 * Push a SACK option of @n blocks (1 to TWIN_SACK_BLOCKS) with two NOPs
 * before it, so that it fills whole 4-byte words. Returns the bytes
 * pushed.
 */
unsigned int twin_push_opt_sack(struct sk_buff *skb,
				const struct twin_sack_block *blocks,
				unsigned int n)
{
	unsigned int len = 2 + TWIN_OPT_SACK_LEN(n), i;
	u8 *opt = skb_push(skb, len);

	opt[0] = TWIN_OPT_NOP;
	opt[1] = TWIN_OPT_NOP;
	opt[2] = TWIN_OPT_SACK;
	opt[3] = TWIN_OPT_SACK_LEN(n);
	for (i = 0; i < n; i++) {
		put_unaligned_be32(blocks[i].start, opt + 4 + 8 * i);
		put_unaligned_be32(blocks[i].end, opt + 8 + 8 * i);
	}
	return len;
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

/*
 * The CRC32C of the frame of @len bytes at @offset in @skb, the csum field
 * counting as zero. The bytes before that field must be in the linear
 * part; the rest may be in fragments.
 */
u32 twin_skb_csum(struct sk_buff *skb, unsigned int offset, unsigned int len)
{
	return twin_csum_split(skb->data + offset, skb, offset, len);
}

/*
 * The same, with the frame's first bytes (up to the csum field) read at
 * @hdr: where GRO found them (skb_gro_header()), which may be a page.
 */
u32 twin_csum_split(const void *hdr, struct sk_buff *skb, unsigned int offset,
		    unsigned int len)
{
	static const u8 zero[sizeof_field(struct twinhdr, csum)];
	unsigned int from = offset + TWIN_CSUM_OFF + sizeof(zero);
	unsigned int rest = len - TWIN_CSUM_OFF - sizeof(zero);
	unsigned int done = 0, n;
	struct skb_seq_state st;
	const u8 *p;
	u32 crc;

	crc = crc32c(~0U, hdr, TWIN_CSUM_OFF);
	crc = crc32c(crc, zero, sizeof(zero));
	skb_prepare_seq_read(skb, from, from + rest, &st);
	while ((n = skb_seq_read(done, &p, &st))) {
		/* A block may run past the end asked for: stop there. */
		n = min(n, rest - done);
		crc = crc32c(crc, p, n);
		done += n;
	}
	return ~crc;
}

/* Fill the checksum of a frame whose header sits at skb->data. */
void twin_hdr_set_csum(struct sk_buff *skb)
{
	struct twinhdr *hdr = (struct twinhdr *)skb->data;

	hdr->csum = cpu_to_le32(twin_skb_csum(skb, 0, skb->len));
}

/*
 * Leave the checksum of the frame at @off from skb->data to the device
 * it leaves by, as a TCP segment leaves its checksum to veth (GRO marks
 * frames it checked so too: gro.c): the twin device never computes it,
 * so a frame that only crosses memory is never checksummed. The receiver
 * does not check it (twin_validate()); whoever takes such a frame out of
 * memory calls twin_csum_complete() first. The csum field stays zero
 * until then, which is what a capture shows.
 */
void twin_hdr_csum_partial(struct sk_buff *skb, int off)
{
	struct twinhdr *hdr = (struct twinhdr *)(skb->data + off);

	hdr->csum = 0;
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_headroom(skb) + off;
	skb->csum_offset = TWIN_CSUM_OFF;
}

/*
 * Whether @skb carries a twin frame at @off from skb->data whose CRC was
 * left undone (twin_hdr_csum_partial()). Any other CHECKSUM_PARTIAL is
 * somebody else's checksum (an outer UDP header of a tunnel, a packet
 * socket's virtio header): its csum_start says nothing about ours.
 */
bool twin_csum_undone(const struct sk_buff *skb, int off)
{
	return skb->ip_summed == CHECKSUM_PARTIAL &&
	       skb->csum_offset == TWIN_CSUM_OFF &&
	       skb_checksum_start_offset(skb) == off;
}

/*
 * Compute the CRC of the twin frame at @off from skb->data if it was left
 * undone; other frames are left alone. The frame may be a clone: its
 * header is made private first. Returns 0 or -ENOMEM (also for a frame
 * too short to hold a header).
 */
int twin_csum_complete(struct sk_buff *skb, int off)
{
	struct twinhdr *hdr;

	if (!twin_csum_undone(skb, off))
		return 0;
	if (skb_ensure_writable(skb, off + sizeof(*hdr)))
		return -ENOMEM;
	hdr = (struct twinhdr *)(skb->data + off);
	hdr->csum = cpu_to_le32(twin_skb_csum(skb, off, skb->len - off));
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

/*
 * The blocks of SACK option @p (@len bytes, a whole number of blocks):
 * the first TWIN_SACK_BLOCKS, as a later sender may send more. Whether
 * they make sense is the connection's to judge (twin_conn_sack()).
 */
static void twin_parse_sack(const u8 *p, u8 len, struct twin_opts *opts)
{
	unsigned int n = min_t(unsigned int, (len - 2) / 8, TWIN_SACK_BLOCKS);
	unsigned int i;

	for (i = 0; i < n; i++) {
		opts->sack[i].start = get_unaligned_be32(p + 2 + 8 * i);
		opts->sack[i].end = get_unaligned_be32(p + 6 + 8 * i);
	}
	opts->nsack = n;
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
		case TWIN_OPT_SACK_PERM:
			if (len != TWIN_OPT_SACK_PERM_LEN)
				return TWIN_STAT_DROP_OPTION;
			opts->sack_perm = 1;
			break;
		case TWIN_OPT_SACK:
			if (len < TWIN_OPT_SACK_LEN(1) || (len - 2) % 8)
				return TWIN_STAT_DROP_OPTION;
			twin_parse_sack(p, len, opts);
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
 * the enum twin_stat drop reason. On success the frame is trimmed to
 * header, options and payload (Ethernet pads short frames), header and
 * options are linear at skb->data, and the payload may be in fragments.
 * A frame whose CRC was left undone never left memory (twin_csum_undone()):
 * its CRC is not checked, as TCP's checksum over veth is not.
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
	if (pskb_trim_rcsum(skb, len) || !pskb_may_pull(skb, hlen))
		return TWIN_STAT_DROP_NOMEM;
	hdr = (const struct twinhdr *)skb->data;
	if (!twin_csum_undone(skb, 0) &&
	    le32_to_cpu(hdr->csum) != twin_skb_csum(skb, 0, len))
		return TWIN_STAT_DROP_CSUM;
	if (hdr->reserved || ntohs(hdr->flags) & ~TWIN_F_ALL)
		return TWIN_STAT_DROP_HEADER;
	if (hdr->type == 0 || hdr->type > TWIN_T_MAX)
		return TWIN_STAT_DROP_TYPE;
	return twin_parse_opts(hdr, &opts);
}
