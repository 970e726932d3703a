// SPDX-License-Identifier: GPL-2.0
/*
 * The twin virtual device: `ip link add tw0 type twin`.
 *
 * A segment is a software switch. Running devices are on their segment's
 * RCU list; transmit forwards a unicast frame to the device with the
 * destination MAC (to the promiscuous ones when none has it, as a switch
 * floods an unknown destination) and a broadcast one to every other
 * device, with
 * dev_forward_skb() as veth does, which scrubs the skb when it crosses
 * network namespaces.
 *
 * A segment spans namespaces, so it must not become a way into somebody
 * else's traffic: segment numbers are per user namespace, and a device
 * joins the segment of its number owned by the user namespace that owns
 * its network namespace when it is created. A container with a user
 * namespace of its own so has segments of its own, whatever it numbers
 * them, and whoever creates a device first (the container or the host)
 * owns nothing of the other's. Who may create the device at all is for
 * rtnetlink and the genetlink family to check, against the requester's
 * socket (netlink_ns_capable()). A device moved to another namespace stays
 * on its segment: moving needs CAP_NET_ADMIN over both namespaces.
 * Segments are created and freed under RTNL; only transmit reads them
 * under RCU.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/user_namespace.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "msg.h"
#include "vdev.h"

struct twin_segment {
	struct list_head list;		/* twin_segments, RTNL */
	u32 id;
	struct user_namespace *owner;
	unsigned int members;		/* registered devices, RTNL */
	struct list_head running;	/* devices that are up, RCU */
	struct rcu_head rcu;
};

struct twin_vdev {
	struct net_device *dev;
	u32 segment_id;
	struct twin_segment *seg;
	struct list_head running_node;
};

static LIST_HEAD(twin_segments);
static struct rtnl_link_ops twin_link_ops;

static struct twin_segment *
twin_segment_find(const struct user_namespace *owner, u32 id)
{
	struct twin_segment *seg;

	ASSERT_RTNL();
	list_for_each_entry(seg, &twin_segments, list)
		if (seg->owner == owner && seg->id == id)
			return seg;
	return NULL;
}

static int twin_segment_join(struct twin_vdev *v)
{
	struct user_namespace *owner = dev_net(v->dev)->user_ns;
	struct twin_segment *seg = twin_segment_find(owner, v->segment_id);

	if (!seg) {
		seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
		if (!seg)
			return -ENOMEM;
		seg->id = v->segment_id;
		seg->owner = get_user_ns(owner);
		INIT_LIST_HEAD(&seg->running);
		list_add(&seg->list, &twin_segments);
	}
	seg->members++;
	v->seg = seg;
	return 0;
}

static void twin_segment_free_rcu(struct rcu_head *head)
{
	struct twin_segment *seg = container_of(head, struct twin_segment, rcu);

	put_user_ns(seg->owner);
	kfree(seg);
}

static void twin_segment_leave(struct twin_vdev *v)
{
	struct twin_segment *seg = v->seg;

	v->seg = NULL;
	if (--seg->members)
		return;
	list_del(&seg->list);
	call_rcu(&seg->rcu, twin_segment_free_rcu);
}

/* A twin device's MTU at creation: the largest an Ethernet device has. */
#define TWIN_VDEV_MTU	ETH_MAX_MTU

/*
 * What a twin device honours: it moves buffers, so it takes frames in
 * fragments, leaves every checksum left to it undone (HW_CSUM) and
 * carries super-frames whole (GSO_SCTP, gso.c), as veth does: the frame
 * stays in memory, where no wire can corrupt it.
 */
#define TWIN_VDEV_FEATURES						\
	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA |		\
	 NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_GSO_SCTP)

static void twin_vdev_deliver(struct net_device *to, struct sk_buff *skb)
{
	unsigned int len = skb->len;

	if (dev_forward_skb(to, skb) == NET_RX_SUCCESS)
		dev_sw_netstats_rx_add(to, len);
}

/*
 * An XDP program may send a frame on by any device's driver, past the
 * step that cuts super-frames (generic XDP transmits directly): it gets
 * wire frames, as a NIC would have.
 */
static void twin_vdev_deliver_cut(struct net_device *to, struct sk_buff *skb)
{
	struct sk_buff *segs, *seg, *next;

	segs = skb_gso_segment(skb, NETIF_F_SG);
	if (!segs) {
		twin_vdev_deliver(to, skb);
		return;
	}
	if (IS_ERR(segs)) {
		dev_core_stats_rx_dropped_inc(to);
		kfree_skb(skb);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		twin_vdev_deliver(to, seg);
	}
}

static void twin_vdev_forward(struct net_device *to, struct sk_buff *skb)
{
	skb_orphan(skb);
	if (skb_is_gso(skb)) {
		/*
		 * A bridge or bond on @to passes a super-frame on whole: the
		 * device it leaves by cuts it, each frame with its CRC.
		 */
		if (rcu_access_pointer(to->xdp_prog))
			twin_vdev_deliver_cut(to, skb);
		else
			twin_vdev_deliver(to, skb);
		return;
	}
	/*
	 * A bridge, bond or macvlan on @to, or an XDP program, can pass the
	 * frame on to a device that would fill a twin CRC left undone as an
	 * Internet checksum: complete it before it may leave memory.
	 */
	if (skb->protocol == htons(TWIN_ETH_P) &&
	    (rcu_access_pointer(to->rx_handler) ||
	     rcu_access_pointer(to->xdp_prog)) &&
	    twin_csum_complete(skb, ETH_HLEN)) {
		dev_core_stats_rx_dropped_inc(to);
		kfree_skb(skb);
		return;
	}
	twin_vdev_deliver(to, skb);
}

/*
 * Offer a copy of @skb to every other running device of the segment, or
 * only to those in promiscuous mode; returns how many were offered one.
 */
static unsigned int twin_vdev_flood(struct twin_vdev *v, struct sk_buff *skb,
				    bool promisc_only)
{
	struct twin_vdev *peer;
	struct sk_buff *copy;
	unsigned int n = 0;

	list_for_each_entry_rcu(peer, &v->seg->running, running_node) {
		if (peer == v || (promisc_only &&
				  !(READ_ONCE(peer->dev->flags) & IFF_PROMISC)))
			continue;
		n++;
		copy = skb_clone(skb, GFP_ATOMIC);
		if (copy)
			twin_vdev_forward(peer->dev, copy);
		else
			dev_core_stats_tx_dropped_inc(v->dev);
	}
	return n;
}

static netdev_tx_t twin_vdev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct twin_vdev *v = netdev_priv(dev), *peer;
	const struct ethhdr *eth = eth_hdr(skb);

	dev_sw_netstats_tx_add(dev, 1, skb->len);
	rcu_read_lock();
	if (is_multicast_ether_addr(eth->h_dest)) {
		twin_vdev_flood(v, skb, false);
		consume_skb(skb);
		goto out;
	}
	list_for_each_entry_rcu(peer, &v->seg->running, running_node) {
		if (peer != v && ether_addr_equal(peer->dev->dev_addr, eth->h_dest)) {
			twin_vdev_forward(peer->dev, skb);
			goto out;
		}
	}
	/*
	 * Nobody on the segment has that MAC: a switch floods the frame, and
	 * only a device in promiscuous mode takes it, such as a bridge port
	 * that leads to the MAC's owner.
	 */
	if (twin_vdev_flood(v, skb, true)) {
		consume_skb(skb);
	} else {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
	}
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static int twin_vdev_open(struct net_device *dev)
{
	struct twin_vdev *v = netdev_priv(dev);

	list_add_tail_rcu(&v->running_node, &v->seg->running);
	netif_carrier_on(dev);
	return 0;
}

static int twin_vdev_stop(struct net_device *dev)
{
	struct twin_vdev *v = netdev_priv(dev);

	netif_carrier_off(dev);
	list_del_rcu(&v->running_node);
	/* No transmit may still walk this node when open() re-adds it. */
	synchronize_net();
	return 0;
}

static int twin_vdev_init_dev(struct net_device *dev)
{
	struct twin_vdev *v = netdev_priv(dev);
	int err;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	v->dev = dev;
	err = twin_segment_join(v);
	if (err) {
		free_percpu(dev->tstats);
		dev->tstats = NULL;
		return err;
	}
	netif_carrier_off(dev);
	return 0;
}

static void twin_vdev_uninit(struct net_device *dev)
{
	twin_segment_leave(netdev_priv(dev));
}

static void twin_vdev_destructor(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

static const struct net_device_ops twin_vdev_ops = {
	.ndo_init = twin_vdev_init_dev,
	.ndo_uninit = twin_vdev_uninit,
	.ndo_open = twin_vdev_open,
	.ndo_stop = twin_vdev_stop,
	.ndo_start_xmit = twin_vdev_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void twin_vdev_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &twin_vdev_ops;
	dev->rtnl_link_ops = &twin_link_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = twin_vdev_destructor;
	/* Like veth: no default queue (netem can still be attached), and
	 * transmit modifies the skb, so it must not be shared.
	 */
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	/*
	 * Frames never leave memory: as large as a frame may be (the
	 * loopback device's 64 KiB), so that a connection's frame is its
	 * super-frame and a datagram of up to 65,495 bytes goes whole. On a
	 * segment bridged to Ethernet every twin device needs Ethernet's
	 * MTU set: `ip link set tw0 mtu 1500`.
	 */
	dev->mtu = TWIN_VDEV_MTU;
	dev->features |= TWIN_VDEV_FEATURES;
	dev->hw_features |= TWIN_VDEV_FEATURES;
	/* Transmit takes no lock of its own: the segment is read under RCU. */
	twin_dev_set_lltx(dev);
	eth_hw_addr_random(dev);
}

/* `ip link add NAME type twin`: segment 0 of the namespace's owner. */
static int twin_vdev_newlink(TWIN_NEWLINK_PARAMS)
{
	struct twin_vdev *v = netdev_priv(dev);

	v->segment_id = 0;
	return register_netdevice(dev);
}

static struct rtnl_link_ops twin_link_ops = {
	.kind = "twin",
	.priv_size = sizeof(struct twin_vdev),
	.setup = twin_vdev_setup,
	.newlink = twin_vdev_newlink,
};

bool twin_vdev_is(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &twin_link_ops;
}

u32 twin_vdev_segment(const struct net_device *dev)
{
	const struct twin_vdev *v = netdev_priv(dev);

	return v->segment_id;
}

/* `twinctl link add NAME segment N`: iproute2 cannot pass our options. */
int twin_vdev_create(struct net *net, const char *name, u32 segment,
		     struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct twin_vdev *v;
	int err;

	ASSERT_RTNL();
	if (!dev_valid_name(name)) {
		NL_SET_ERR_MSG(extack, "invalid device name");
		return -EINVAL;
	}
	dev = alloc_netdev(sizeof(*v), name, NET_NAME_USER, twin_vdev_setup);
	if (!dev)
		return -ENOMEM;
	dev_net_set(dev, net);
	v = netdev_priv(dev);
	v->segment_id = segment;
	err = register_netdevice(dev);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack, "a device with that name exists");
		free_netdev(dev);
	}
	return err;
}

int twin_vdev_init(void)
{
	return rtnl_link_register(&twin_link_ops);
}

/* Deletes every twin device in every namespace. */
void twin_vdev_exit(void)
{
	rtnl_link_unregister(&twin_link_ops);
}

MODULE_ALIAS_RTNL_LINK("twin");
