// SPDX-License-Identifier: GPL-2.0
/*
 * Receive path. Nothing from the wire is trusted: the frame is validated
 * (length, version, checksum, type, addresses) before any socket sees it,
 * and every frame that is dropped is counted under its reason. Raw sockets
 * get their copy once the frame is known to be well formed.
 */
#include <linux/netdevice.h>

#include "bearer.h"
#include "conn.h"
#include "dgram.h"
#include "input.h"
#include "msg.h"
#include "neigh.h"
#include "raw.h"

int twin_rcv(struct sk_buff *skb, struct net_device *dev,
	     struct packet_type *pt, struct net_device *orig_dev)
{
	struct twin_bearer *b = pt->af_packet_priv;
	struct twin_net *tn = b->tn;
	const struct twinhdr *hdr;
	int reason;
	u32 src;

	if (skb->pkt_type == PACKET_OTHERHOST ||
	    skb->pkt_type == PACKET_LOOPBACK) {
		consume_skb(skb);
		return NET_RX_SUCCESS;
	}
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb) {
		twin_count(b, tn, TWIN_STAT_DROP_NOMEM, 1);
		return NET_RX_DROP;
	}
	twin_count(b, tn, TWIN_STAT_RX_FRAMES, twin_skb_frames(skb));
	twin_count(b, tn, TWIN_STAT_RX_BYTES, skb->len);

	reason = twin_validate(skb);
	if (reason)
		goto drop;
	twin_raw_rcv(b, skb);
	hdr = twin_hdr(skb);
	src = ntohl(hdr->src_node);
	if (src == TWIN_NODE_ANY || src == TWIN_NODE_BROADCAST) {
		reason = TWIN_STAT_DROP_ADDR;
		goto drop;
	}

	switch (hdr->type) {
	case TWIN_T_SOLICIT:
	case TWIN_T_ADVERT:
		twin_neigh_rcv(b, skb);
		break;
	case TWIN_T_DGRAM:
		twin_dgram_rcv(b, skb);
		break;
	case TWIN_T_STREAM:
	case TWIN_T_SEQPACKET:
		twin_conn_rcv(b, skb);
		break;
	default:
		reason = TWIN_STAT_DROP_TYPE;
		goto drop;
	}
	return NET_RX_SUCCESS;

drop:
	twin_count(b, tn, reason, 1);
	kfree_skb(skb);
	return NET_RX_DROP;
}
