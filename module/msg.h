/* SPDX-License-Identifier: GPL-2.0 */
/* Wire header: building, checksumming and validating twin frames. */
#ifndef _TWIN_MSG_H
#define _TWIN_MSG_H

#include <linux/skbuff.h>
#include <linux/twin.h>

/* Addressing of one frame, in host byte order. */
struct twin_addr4 {
	u32 src_node, src_port;
	u32 dst_node, dst_port;
};

/* Selective acknowledgment blocks a frame carries, at most (as TCP's 4). */
#define TWIN_SACK_BLOCKS	4

/* Bytes [start, end) of the sequence space, held by the receiver. */
struct twin_sack_block {
	u32 start, end;
};

/* What the options of a frame said; zero for an option not present. */
struct twin_opts {
	u16 mss;
	u8 sack_perm;
	u8 nsack;	/* blocks in @sack: the first TWIN_SACK_BLOCKS sent */
	struct twin_sack_block sack[TWIN_SACK_BLOCKS];
};

/* Room an skb needs in front of the twin header. */
#define TWIN_LL_RESERVE(dev)	LL_RESERVED_SPACE(dev)

/*
 * The options twin itself sends on a frame it queues (MSS and SACK_PERM
 * on SYNs), and on an ACK (its SACK blocks), in 4-byte words.
 */
#define TWIN_OPTS_MAX		8
#define TWIN_OPTS_ACK_MAX	(2 + TWIN_OPT_SACK_LEN(TWIN_SACK_BLOCKS))

static inline struct twinhdr *twin_hdr(const struct sk_buff *skb)
{
	return (struct twinhdr *)skb_network_header(skb);
}

/* Header plus options: where the payload starts. */
static inline unsigned int twin_hdr_len(const struct twinhdr *hdr)
{
	return hdr->doff * 4;
}

/* Wire frames @skb stands for: a super-frame (gso.c) counts its cuts. */
static inline unsigned int twin_skb_frames(const struct sk_buff *skb)
{
	return skb_is_gso(skb) ? max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1;
}

u32 twin_skb_csum(struct sk_buff *skb, unsigned int offset, unsigned int len);
u32 twin_csum_split(const void *hdr, struct sk_buff *skb, unsigned int offset,
		    unsigned int len);
void twin_push_opt_mss(struct sk_buff *skb, u16 mss);
unsigned int twin_push_opt_sack_perm(struct sk_buff *skb);
unsigned int twin_push_opt_sack(struct sk_buff *skb,
				const struct twin_sack_block *blocks,
				unsigned int n);
void twin_build_hdr(struct sk_buff *skb, u8 type, u16 flags,
		    const struct twin_addr4 *a, unsigned int optlen);
void twin_hdr_set_csum(struct sk_buff *skb);
void twin_hdr_csum_partial(struct sk_buff *skb, int off);
bool twin_csum_undone(const struct sk_buff *skb, int off);
int twin_csum_complete(struct sk_buff *skb, int off);
int twin_parse_opts(const struct twinhdr *hdr, struct twin_opts *opts);
int twin_validate(struct sk_buff *skb);

#endif /* _TWIN_MSG_H */
