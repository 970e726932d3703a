// SPDX-License-Identifier: GPL-2.0
/*
 * Super-frames on the way in: a NAPI device (virtio-net, a NIC) hands
 * the stack a burst of frames, and frames of one connection that follow
 * each other are merged into one super-frame before twin sees them, as
 * TCP segments are (tcp_gro_receive()). The connection then takes 45
 * frames in one pass, and acknowledges them once. The result is the
 * super-frame a sender on the same machine would have made (gso.c): one
 * header whose length covers the whole payload, cut back into frames of
 * gso_size if it is ever passed on, its CRC left undone.
 *
 * The CRC of every frame merged is checked here, once: a frame that
 * fails, or a frame that goes up alone, is checked by twin_validate(),
 * which drops and counts it. skb_gro_receive() is not exported; merged
 * frames are chained on frag_list as skb_gro_receive_list() does.
 */
#include <linux/delay.h>
#include <linux/netdevice.h>
#include <net/gro.h>

#include "bearer.h"
#include "compat.h"
#include "gro.h"
#include "msg.h"
#include "netns.h"

#define TWIN_GRO_LAST	(TWIN_F_FIN | TWIN_F_EOR)

static bool twin_gro_stopped;

/* The two frames belong to different connections. */
static bool twin_gro_other_flow(const struct twinhdr *a,
				const struct twinhdr *b)
{
	return a->type != b->type || a->src_node != b->src_node ||
	       a->dst_node != b->dst_node || a->src_port != b->src_port ||
	       a->dst_port != b->dst_port;
}

/*
 * Whether the frame of @len bytes at @off in @skb, its header at @hdr
 * (where skb_gro_header() found it), has the CRC it carries.
 */
static bool twin_gro_csum_ok(const struct twinhdr *hdr, struct sk_buff *skb,
			     unsigned int off, unsigned int len)
{
	return le32_to_cpu(hdr->csum) == twin_csum_split(hdr, skb, off, len);
}

/* Chain @skb, its header pulled, behind the frames of @p. */
static int twin_gro_append(struct sk_buff *p, struct sk_buff *skb)
{
	if (!pskb_may_pull(skb, skb_gro_offset(skb)))
		return -ENOMEM;
	if (NAPI_GRO_CB(p)->last == p)
		skb_shinfo(p)->frag_list = skb;
	else
		NAPI_GRO_CB(p)->last->next = skb;
	skb_pull(skb, skb_gro_offset(skb));
	NAPI_GRO_CB(p)->last = skb;
	NAPI_GRO_CB(p)->count++;
	p->data_len += skb->len;
	p->len += skb->len;
	p->truesize += skb->truesize;
	/* Any owner now owns the whole, as in skb_gro_receive_list(). */
	skb->destructor = NULL;
	skb->sk = NULL;
	skb_shinfo(p)->flags |= skb_shinfo(skb)->flags & SKBFL_SHARED_FRAG;
	NAPI_GRO_CB(skb)->same_flow = 1;
	return 0;
}

/*
 * Merge @skb into the held super-frame of its connection, if it follows
 * it. A frame of that connection that cannot be merged (a handshake, an
 * acknowledgment without data, a gap, another window) sends the held one
 * up first, so the connection sees its frames in the order they came.
 * Frames held alone go up as they came (napi_gro_complete()).
 */
struct sk_buff *twin_gro_receive(struct list_head *head, struct sk_buff *skb)
{
	unsigned int off = skb_gro_offset(skb), len, mss = 1;
	struct sk_buff *pp = NULL, *p;
	struct twinhdr *hdr, *h2;
	bool whole;
	int flush = 1;
	u16 flags;

	hdr = skb_gro_header(skb, off + TWIN_HLEN, off);
	if (!hdr || READ_ONCE(twin_gro_stopped) ||
	    hdr->version != TWIN_VERSION ||
	    (hdr->type != TWIN_T_STREAM && hdr->type != TWIN_T_SEQPACKET))
		goto out;
	flags = ntohs(hdr->flags);
	len = ntohs(hdr->len);
	/*
	 * Only a wire frame with data and without options, exactly as long
	 * as it says (Ethernet pads a short one), is merged; anything else
	 * (a super-frame from veth with GRO on among them) goes up for
	 * twin_validate() to judge, after its connection's held frames.
	 */
	whole = hdr->doff == TWIN_DOFF_MIN && !hdr->reserved && len &&
		skb_gro_len(skb) == TWIN_HLEN + len &&
		(flags & ~TWIN_GRO_LAST) == TWIN_F_ACK &&
		!skb_is_gso(skb) && skb->ip_summed != CHECKSUM_PARTIAL;
	skb_gro_pull(skb, TWIN_HLEN);

	list_for_each_entry(p, head, list) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		h2 = (struct twinhdr *)(p->data + off);
		if (twin_gro_other_flow(hdr, h2)) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		goto found;
	}
	p = NULL;
	goto out_check_final;

found:
	mss = skb_shinfo(p)->gso_size;
	flush = NAPI_GRO_CB(p)->flush || !whole ||
		((hdr->flags ^ h2->flags) & ~htons(TWIN_GRO_LAST)) ||
		hdr->ack != h2->ack || hdr->window != h2->window ||
		/* Every frame but the last is one MSS. */
		len > mss ||
		ntohl(h2->seq) + skb_gro_len(p) != ntohl(hdr->seq) ||
		/* twin's 16-bit length; the device's gro_max_size. */
		skb_gro_len(p) + len > U16_MAX ||
		p->len + len > twin_dev_gro_max_size(p->dev);
	/* The held frame is checked when the first one joins it. */
	if (!flush)
		flush = (NAPI_GRO_CB(p)->count == 1 &&
			 !twin_gro_csum_ok(h2, p, off,
					   TWIN_HLEN + skb_gro_len(p))) ||
			!twin_gro_csum_ok(hdr, skb, off, TWIN_HLEN + len);
	if (flush || twin_gro_append(p, skb)) {
		mss = 1;
		goto out_check_final;
	}
	/*
	 * The end of a record or of the stream ends the super-frame (from
	 * flags: pulling @skb's header may have moved it).
	 */
	h2->flags |= htons(flags & TWIN_GRO_LAST);

out_check_final:
	flush = len < mss || !whole || (flags & TWIN_GRO_LAST);
	if (p && (!NAPI_GRO_CB(skb)->same_flow || flush))
		pp = p;
out:
	skb_gro_flush_final(skb, pp, flush);
	return pp;
}

/*
 * A super-frame of NAPI_GRO_CB(skb)->count frames, its header at @nhoff:
 * make it the super-frame a sender would have made. Its frames were
 * checked, so its CRC is left undone (twin_csum_undone()); should it be
 * passed on (a bridge), the device it leaves by cuts it into frames of
 * gso_size, each with its CRC (gso.c).
 */
int twin_gro_complete(struct sk_buff *skb, int nhoff)
{
	struct twinhdr *hdr = (struct twinhdr *)(skb->data + nhoff);
	struct skb_shared_info *si = skb_shinfo(skb);
	struct twin_bearer *b;
	struct twin_net *tn;

	hdr->len = htons(skb->len - nhoff - TWIN_HLEN);
	twin_hdr_csum_partial(skb, nhoff);
	si->gso_type = SKB_GSO_SCTP;
	si->gso_segs = NAPI_GRO_CB(skb)->count;
	/* gso_size stays the first frame's payload (dev_gro_receive()). */

	tn = twin_net(dev_net(skb->dev));
	b = twin_bearer_by_dev(tn, skb->dev);
	if (b)
		twin_count(b, tn, TWIN_STAT_RX_GRO, si->gso_segs);
	return 0;
}

/* From now on no frame is merged. */
void twin_gro_stop(void)
{
	WRITE_ONCE(twin_gro_stopped, true);
	synchronize_net();
	/*
	 * A super-frame merged before still waits in some device's GRO list
	 * and needs twin_gro_complete() when it goes up: at the end of that
	 * NAPI poll, or within a jiffy of the next under load
	 * (napi_gro_flush()). Without gro_flush_timeout set, 20 ms is ample.
	 */
	msleep(20);
}
