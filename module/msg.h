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

/* What the options of a frame said; zero for an option not present. */
struct twin_opts {
	u16 mss;
};

/* Room an skb needs in front of the twin header. */
#define TWIN_LL_RESERVE(dev)	LL_RESERVED_SPACE(dev)

/* The options twin itself sends (an MSS on SYNs), rounded to 4 bytes. */
#define TWIN_OPTS_MAX		4

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
void twin_build_hdr(struct sk_buff *skb, u8 type, u16 flags,
		    const struct twin_addr4 *a, unsigned int optlen);
void twin_hdr_set_csum(struct sk_buff *skb);
void twin_hdr_csum_partial(struct sk_buff *skb, int off);
bool twin_csum_undone(const struct sk_buff *skb, int off);
int twin_csum_complete(struct sk_buff *skb, int off);
int twin_parse_opts(const struct twinhdr *hdr, struct twin_opts *opts);
int twin_validate(struct sk_buff *skb);

#endif /* _TWIN_MSG_H */
