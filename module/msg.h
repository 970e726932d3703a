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

/* Room an skb needs in front of the twin header. */
#define TWIN_LL_RESERVE(dev)	LL_RESERVED_SPACE(dev)

static inline struct twinhdr *twin_hdr(const struct sk_buff *skb)
{
	return (struct twinhdr *)skb_network_header(skb);
}

u32 twin_csum(const struct twinhdr *hdr, const void *payload, unsigned int len);
void twin_build_hdr(struct sk_buff *skb, u8 type, u16 flags,
		    const struct twin_addr4 *a);
void twin_hdr_set_csum(struct sk_buff *skb);
int twin_validate(struct sk_buff *skb);

#endif /* _TWIN_MSG_H */
