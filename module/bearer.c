// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching twin to Ethernet devices. A node address on a device makes it a
 * bearer: a packet_type bound to that device receives TWIN_ETH_P frames, and
 * the device reference is held until the address is removed or the device
 * unregisters (NETDEV_UNREGISTER), so no device is ever left waiting for us.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "bearer.h"
#include "conn.h"
#include "input.h"
#include "msg.h"
#include "neigh.h"
#include "route.h"
#include "sock.h"
#include "vdev.h"

/* Callers hold RCU or RTNL. */
struct twin_bearer *twin_bearer_by_node(struct twin_net *tn, u32 node)
{
	struct twin_bearer *b;

	list_for_each_entry_rcu(b, &tn->bearers, list, lockdep_rtnl_is_held())
		if (b->node == node)
			return b;
	return NULL;
}

struct twin_bearer *twin_bearer_by_dev(struct twin_net *tn,
				       const struct net_device *dev)
{
	struct twin_bearer *b;

	list_for_each_entry_rcu(b, &tn->bearers, list, lockdep_rtnl_is_held())
		if (b->dev == dev)
			return b;
	return NULL;
}

struct twin_bearer *twin_bearer_by_ifindex(struct twin_net *tn, int ifindex)
{
	struct twin_bearer *b;

	list_for_each_entry_rcu(b, &tn->bearers, list, lockdep_rtnl_is_held())
		if (b->dev->ifindex == ifindex)
			return b;
	return NULL;
}

int twin_bearer_add(struct net *net, struct net_device *dev, u32 node,
		    struct netlink_ext_ack *extack)
{
	struct twin_net *tn = twin_net(net);
	struct twin_bearer *b;

	ASSERT_RTNL();
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG(extack, "twin runs over Ethernet devices only");
		return -EOPNOTSUPP;
	}
	if (twin_bearer_by_node(tn, node)) {
		NL_SET_ERR_MSG(extack, "node address already in use in this namespace");
		return -EEXIST;
	}
	if (twin_bearer_by_dev(tn, dev)) {
		NL_SET_ERR_MSG(extack, "device already has a twin address");
		return -EBUSY;
	}
	if (dev->mtu < TWIN_HLEN + 1) {
		NL_SET_ERR_MSG(extack, "device MTU too small for the twin header");
		return -EINVAL;
	}

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->stats = alloc_percpu(struct twin_stats);
	if (!b->stats) {
		kfree(b);
		return -ENOMEM;
	}
	b->tn = tn;
	b->node = node;
	b->dev = dev;
	netdev_hold(dev, &b->dev_tracker, GFP_KERNEL);
	b->pt.type = htons(TWIN_ETH_P);
	b->pt.dev = dev;
	b->pt.func = twin_rcv;
	b->pt.af_packet_priv = b;
	list_add_tail_rcu(&b->list, &tn->bearers);
	dev_add_pack(&b->pt);
	/* Whoever knew the node at another MAC learns this one now. */
	b->no_carrier = !netif_carrier_ok(dev);
	if (netif_running(dev))
		twin_neigh_announce(b);
	return 0;
}

static void twin_bearer_free_rcu(struct rcu_head *head)
{
	struct twin_bearer *b = container_of(head, struct twin_bearer, rcu);

	free_percpu(b->stats);
	kfree(b);
}

void twin_bearer_del(struct twin_bearer *b)
{
	ASSERT_RTNL();
	list_del_rcu(&b->list);
	twin_conn_node_gone(b->tn, b->node);
	/* dev_remove_pack() waits until no receive path still uses @b. */
	dev_remove_pack(&b->pt);
	/*
	 * With the last device gone no discovery can succeed: what waits for
	 * one is dropped now, not when its solicitations run out.
	 */
	twin_neigh_flush(b->tn, list_empty(&b->tn->bearers) ? 0 :
			 b->dev->ifindex);
	netdev_put(b->dev, &b->dev_tracker);
	call_rcu(&b->rcu, twin_bearer_free_rcu);
}

void twin_bearer_del_all(struct twin_net *tn)
{
	struct twin_bearer *b, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(b, tmp, &tn->bearers, list)
		twin_bearer_del(b);
}

/* Send a frame whose twin header sits at skb->data. Consumes @skb. */
int twin_bearer_xmit(struct twin_bearer *b, struct sk_buff *skb,
		     const u8 *dst_mac)
{
	struct net_device *dev = b->dev;
	unsigned int len = skb->len;
	int err;

	if (!twin_bearer_up(b)) {
		kfree_skb(skb);
		return -ENETDOWN;
	}
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dev))) {
		twin_count(b, b->tn, TWIN_STAT_DROP_NOMEM, 1);
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb->dev = dev;
	skb->protocol = htons(TWIN_ETH_P);
	skb_reset_network_header(skb);
	if (dev_hard_header(skb, dev, TWIN_ETH_P, dst_mac, NULL, len) < 0) {
		kfree_skb(skb);
		return -EINVAL;
	}
	twin_count(b, b->tn, TWIN_STAT_TX_FRAMES, twin_skb_frames(skb));
	twin_count(b, b->tn, TWIN_STAT_TX_BYTES, len);
	/*
	 * Congestion notification is not an error; a drop by the qdisc is.
	 * net_xmit_eval() evaluates its argument twice: never pass it a call.
	 */
	err = dev_queue_xmit(skb);
	err = net_xmit_eval(err);
	return err > 0 ? -ENOBUFS : err;
}

/*
 * Deliver a frame to a local node: it re-enters the stack through the
 * backlog of the device that owns the address, as loopback does, so local
 * and remote frames take the same validated receive path.
 */
int twin_bearer_loop(struct twin_bearer *b, struct sk_buff *skb)
{
	struct net_device *dev = b->dev;
	unsigned int len = skb->len;

	skb_orphan(skb);
	skb_reset_network_header(skb);
	if (skb_cow_head(skb, ETH_HLEN) ||
	    dev_hard_header(skb, dev, TWIN_ETH_P, dev->dev_addr, NULL, len) < 0) {
		twin_count(b, b->tn, TWIN_STAT_DROP_NOMEM, 1);
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb->protocol = eth_type_trans(skb, dev);
	twin_count(b, b->tn, TWIN_STAT_TX_FRAMES, 1);
	twin_count(b, b->tn, TWIN_STAT_TX_BYTES, len);
	netif_rx(skb);
	return 0;
}

/*
 * Whether a frame leaving by @dev may go without its checksum: only twin
 * devices, whose frames stay in memory (twin_vdev_forward() completes the
 * checksum where they could leave it), and only while the user leaves
 * transmit checksumming on (ethtool -K DEV tx).
 */
static bool twin_bearer_csum_offload(const struct net_device *dev)
{
	return twin_vdev_is(dev) && (READ_ONCE(dev->features) & NETIF_F_HW_CSUM);
}

/*
 * Finish a frame for @b and send it: the source node is the bearer's when
 * the sender was bound to TWIN_NODE_ANY, and the checksum covers the final
 * header. A NULL @dst_mac delivers locally. Consumes @skb.
 */
int twin_bearer_send(struct twin_bearer *b, struct sk_buff *skb,
		     const u8 *dst_mac)
{
	struct twinhdr *hdr = (struct twinhdr *)skb->data;
	unsigned int len = skb_is_gso(skb) ?
			   twin_hdr_len(hdr) + skb_shinfo(skb)->gso_size :
			   skb->len;

	/* A super-frame is checked as the frames it is cut into. */
	if (len > b->dev->mtu) {
		twin_count(b, b->tn, TWIN_STAT_DROP_LENGTH, 1);
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	if (!hdr->src_node)
		hdr->src_node = htonl(b->node);
	/* A raw frame keeps the user's checksum, right or wrong. */
	/* A super-frame's frames get theirs when it is cut (gso.c). */
	if (!TWIN_OUT_CB(skb)->keep_csum) {
		if (skb_is_gso(skb) || twin_bearer_csum_offload(b->dev))
			twin_hdr_csum_partial(skb, 0);
		else
			twin_hdr_set_csum(skb);
	}
	if (!dst_mac)
		return twin_bearer_loop(b, skb);
	return twin_bearer_xmit(b, skb, dst_mac);
}

static int twin_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct twin_net *tn = twin_net(dev_net(dev));
	struct twin_bearer *b;

	/* Any device: sockets may be bound to one without an address. */
	if (event == NETDEV_UNREGISTER)
		twin_table_dev_gone(tn, dev->ifindex);
	b = twin_bearer_by_dev(tn, dev);
	if (!b)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_DOWN:
		/* What we knew of the segment may be stale when it is back. */
		twin_neigh_flush(tn, dev->ifindex);
		break;
	case NETDEV_CHANGEMTU:
		atomic_inc(&tn->mtu_gen);
		break;
	case NETDEV_CHANGEADDR:
		twin_neigh_flush(tn, dev->ifindex);
		twin_neigh_announce(b);
		break;
	case NETDEV_UP:
		b->no_carrier = !netif_carrier_ok(dev);
		twin_neigh_announce(b);
		break;
	case NETDEV_CHANGE:
		/*
		 * Carrier lost: as NETDEV_DOWN. Carrier back: as NETDEV_UP
		 * (an announcement made without carrier went nowhere).
		 * Other changes of a running device are no concern of ours.
		 */
		if (!netif_running(dev))
			break;
		if (!netif_carrier_ok(dev)) {
			b->no_carrier = true;
			twin_neigh_flush(tn, dev->ifindex);
		} else if (b->no_carrier) {
			b->no_carrier = false;
			twin_neigh_announce(b);
		}
		break;
	case NETDEV_UNREGISTER:
		twin_bearer_del(b);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block twin_netdev_notifier = {
	.notifier_call = twin_netdev_event,
};

int twin_bearer_init(void)
{
	return register_netdevice_notifier(&twin_netdev_notifier);
}

/* Replays NETDEV_UNREGISTER for every device, which detaches all bearers. */
void twin_bearer_exit(void)
{
	unregister_netdevice_notifier(&twin_netdev_notifier);
}
