// SPDX-License-Identifier: GPL-2.0
/*
 * Super-frames: a connection hands the stack one frame of up to 64 KiB,
 * marked to be cut into frames of one MSS (GSO), as TCP hands it one
 * segment of many MSS. Devices that only move buffers (veth, twin's own)
 * carry it whole, so a 64 KiB transfer crosses the stack once instead of
 * 45 times; any other device has the kernel call twin_gso_segment() on
 * its way out (validate_xmit_skb()), which cuts it into wire frames, each
 * with its own sequence number, length and CRC. No super-frame reaches a
 * wire: the wire format does not know them (docs/wire.md).
 *
 * The kernel has no GSO type of its own for a protocol outside it:
 * SKB_GSO_SCTP is the one that every software device carries and no
 * hardware claims (virtio-net, tap and NICs lack NETIF_F_GSO_SCTP), so
 * nothing but twin_gso_segment() ever cuts a twin super-frame.
 */
#include <linux/netdevice.h>

#include "compat.h"
#include "gro.h"
#include "gso.h"
#include "msg.h"

#define TWIN_GSO_FLAGS	(TWIN_F_ACK | TWIN_F_FIN | TWIN_F_EOR)

/*
 * Cut super-frame @skb, its twin header at skb->data and its Ethernet
 * header at the MAC header, into frames of gso_size payload bytes. The
 * kernel frees @skb on an error and keeps it otherwise: it is never freed
 * here. Each frame gets the header with its own sequence number and
 * length; FIN and end of record go with the last byte, on the last frame.
 */
struct sk_buff *twin_gso_segment(struct sk_buff *skb,
				 netdev_features_t features)
{
	unsigned int mss = skb_shinfo(skb)->gso_size, hlen, off, plen;
	struct sk_buff *segs = ERR_PTR(-EINVAL), *seg;
	const struct twinhdr *h;
	struct twinhdr *sh;
	u16 flags;
	u32 seq;

	skb_reset_network_header(skb);
	if (!(skb_shinfo(skb)->gso_type & SKB_GSO_SCTP) || !mss ||
	    mss == GSO_BY_FRAGS || !pskb_may_pull(skb, TWIN_HLEN))
		return segs;
	h = (const struct twinhdr *)skb->data;
	hlen = twin_hdr_len(h);
	flags = ntohs(h->flags);
	if (h->version != TWIN_VERSION || hlen < TWIN_HLEN ||
	    (h->type != TWIN_T_STREAM && h->type != TWIN_T_SEQPACKET) ||
	    (flags & ~TWIN_GSO_FLAGS) || !pskb_may_pull(skb, hlen))
		return segs;
	h = (const struct twinhdr *)skb->data;
	if (skb->len - hlen != ntohs(h->len))
		return segs;
	seq = ntohl(h->seq);

	__skb_pull(skb, hlen);
	/*
	 * Checksum "offload" keeps skb_segment() from summing each frame as
	 * an Internet checksum, which twin would throw away; GSO bits off,
	 * so that every frame is one wire frame. Inside a tunnel, frames
	 * are made linear: the tunnel's outer checksum sums them as such
	 * (gso_make_checksum(), from SKB_GSO_CB below), as SCTP's.
	 */
	features = (features | NETIF_F_HW_CSUM) & ~NETIF_F_GSO_MASK;
	if (skb_tnl_header_len(skb))
		features &= ~NETIF_F_SG;
	segs = skb_segment(skb, features);
	if (IS_ERR(segs))
		return segs;

	for (seg = segs; seg; seg = seg->next) {
		off = skb_network_offset(seg);
		plen = seg->len - off - hlen;
		sh = (struct twinhdr *)skb_network_header(seg);
		sh->seq = htonl(seq);
		sh->len = htons(plen);
		sh->flags = htons(seg->next ? flags & TWIN_F_ACK : flags);
		sh->csum = cpu_to_le32(twin_skb_csum(seg, off, seg->len - off));
		/*
		 * Done: a frame left CHECKSUM_PARTIAL would have the device
		 * write an Internet checksum into the CRC.
		 */
		seg->ip_summed = CHECKSUM_NONE;
		/* A tunnel around the frame sums what is there, as SCTP's. */
		SKB_GSO_CB(seg)->csum = (__force __wsum)~0;
		SKB_GSO_CB(seg)->csum_start = skb_headroom(seg) + seg->len;
		seq += plen;
	}
	return segs;
}

/*
 * The largest frame, twin header included, that a super-frame leaving by
 * @dev may be: what the device takes in one buffer (gso_max_size, less
 * its link header) and what twin's 16-bit length field counts. Whatever
 * the device's generic segmentation (NETIF_F_GSO, which the kernel turns
 * off where a device has no scatter-gather: virtio-net over a plain
 * socket), as TCP, which sk_setup_caps() gives GSO on every device since
 * Linux 6.0: a super-frame cut at the last moment crosses the stack and
 * the qdisc once, and notifies a virtio NIC once, where its frames one
 * by one did each; the cutting copies no more than the linearizing of
 * each frame for such a device would. `ip link set DEV gso_max_size N`
 * limits it, as TCP's. 0: frames of one MSS.
 */
unsigned int twin_gso_max_frame(const struct net_device *dev)
{
	netdev_features_t features = READ_ONCE(dev->features);
	unsigned int max = twin_dev_gso_max_size(dev);

	/*
	 * A device that takes super-frames whole but not in fragments
	 * (veth or a twin device with scatter-gather off) would have each
	 * linearized, 64 KiB in one atomic allocation: frame by frame there.
	 */
	if ((features & NETIF_F_GSO_SCTP) && !(features & NETIF_F_SG))
		return 0;
	max = max > dev->hard_header_len + 1 ?
	      max - dev->hard_header_len - 1 : 0;
	return min_t(unsigned int, max, TWIN_HLEN + U16_MAX);
}

static struct packet_offload twin_offload __read_mostly = {
	.type = cpu_to_be16(TWIN_ETH_P),
	.priority = 20,
	.callbacks = {
		.gso_segment = twin_gso_segment,
		.gro_receive = twin_gro_receive,
		.gro_complete = twin_gro_complete,
	},
};

void twin_gso_init(void)
{
	dev_add_offload(&twin_offload);
}

/*
 * After this, a super-frame still queued in some qdisc fails to be cut
 * and is dropped by the device's transmit path (-EPROTONOSUPPORT).
 */
void twin_gso_exit(void)
{
	twin_gro_stop();
	dev_remove_offload(&twin_offload);
}
