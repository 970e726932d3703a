// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "twin". Every operation is strictly validated
 * (resv_start_op covers all of them, each has its own policy, and one
 * without a policy takes no attributes), every state change needs
 * CAP_NET_ADMIN over the namespace's user namespace, and every rejection
 * says why in the extended ACK.
 */
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "bearer.h"
#include "neigh.h"
#include "netlink.h"
#include "sock.h"
#include "vdev.h"

static struct genl_family twin_genl_family;
/*
 * Whether the family is registered: once it is not, its multicast group
 * numbers may belong to another family. Read under RCU by notifiers.
 */
static bool twin_nl_registered;

static const struct nla_policy twin_addr_policy[TWIN_A_NODE + 1] = {
	[TWIN_A_IFINDEX] = { .type = NLA_U32 },
	[TWIN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[TWIN_A_NODE] = { .type = NLA_U32 },
};

static const struct nla_policy twin_link_policy[TWIN_A_SEGMENT + 1] = {
	[TWIN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[TWIN_A_SEGMENT] = { .type = NLA_U32 },
};

static const struct nla_policy twin_dev_policy[TWIN_A_IFNAME + 1] = {
	[TWIN_A_IFINDEX] = { .type = NLA_U32 },
	[TWIN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

/* The device an request names, under RTNL; NULL with extack if none. */
static struct net_device *twin_nl_dev(struct genl_info *info, int *err)
{
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct net_device *dev = NULL;
	struct nlattr *attr;

	ASSERT_RTNL();
	if (attrs[TWIN_A_IFINDEX]) {
		attr = attrs[TWIN_A_IFINDEX];
		dev = __dev_get_by_index(net, nla_get_u32(attr));
	} else if (attrs[TWIN_A_IFNAME]) {
		attr = attrs[TWIN_A_IFNAME];
		dev = __dev_get_by_name(net, nla_data(attr));
	} else {
		NL_SET_ERR_MSG(info->extack, "a device is required (ifindex or ifname)");
		*err = -EINVAL;
		return NULL;
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such device");
		*err = -ENODEV;
	}
	return dev;
}

static int twin_nl_node(struct genl_info *info, u32 *node)
{
	struct nlattr *attr = info->attrs[TWIN_A_NODE];

	if (!attr) {
		NL_SET_ERR_MSG(info->extack, "a node address is required");
		return -EINVAL;
	}
	*node = nla_get_u32(attr);
	if (*node == TWIN_NODE_ANY || *node == TWIN_NODE_BROADCAST) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "node 0 (any) and 0xffffffff (broadcast) are reserved");
		return -EINVAL;
	}
	return 0;
}

static int twin_nl_addr_new(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	u32 node;
	int err;

	err = twin_nl_node(info, &node);
	if (err)
		return err;
	rtnl_lock();
	dev = twin_nl_dev(info, &err);
	if (dev)
		err = twin_bearer_add(genl_info_net(info), dev, node, info->extack);
	rtnl_unlock();
	return err;
}

static int twin_nl_addr_del(struct sk_buff *skb, struct genl_info *info)
{
	struct twin_net *tn = twin_net(genl_info_net(info));
	struct twin_bearer *b = NULL;
	struct net_device *dev;
	u32 node = 0;
	int err = 0;

	if (info->attrs[TWIN_A_NODE]) {
		err = twin_nl_node(info, &node);
		if (err)
			return err;
	}
	rtnl_lock();
	if (info->attrs[TWIN_A_IFINDEX] || info->attrs[TWIN_A_IFNAME]) {
		dev = twin_nl_dev(info, &err);
		if (!dev)
			goto out;
		b = twin_bearer_by_dev(tn, dev);
		if (b && node && b->node != node)
			b = NULL;
	} else if (node) {
		b = twin_bearer_by_node(tn, node);
	} else {
		NL_SET_ERR_MSG(info->extack, "a node address or a device is required");
		err = -EINVAL;
		goto out;
	}
	if (!b) {
		NL_SET_ERR_MSG(info->extack, "no such twin address");
		err = -EADDRNOTAVAIL;
		goto out;
	}
	twin_bearer_del(b);
out:
	rtnl_unlock();
	return err;
}

static int twin_nl_put_stats(struct sk_buff *skb,
			     struct twin_stats __percpu *stats)
{
	struct twin_stats sum;
	struct nlattr *nest;
	int i;

	twin_stats_sum(stats, &sum);
	nest = nla_nest_start(skb, TWIN_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = TWIN_STAT_PAD + 1; i <= TWIN_STAT_MAX; i++) {
		if (nla_put_u64_64bit(skb, i, sum.v[i], TWIN_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static void *twin_nl_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb,
			      u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &twin_genl_family, NLM_F_MULTI, cmd);
}

static int twin_nl_addr_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct twin_net *tn = twin_net(sock_net(skb->sk));
	struct twin_bearer *b;
	long idx = 0;
	void *hdr;

	rcu_read_lock();
	list_for_each_entry_rcu(b, &tn->bearers, list) {
		if (idx++ < cb->args[0])
			continue;
		hdr = twin_nl_dump_hdr(skb, cb, TWIN_CMD_ADDR_GET);
		if (!hdr)
			goto full;
		if (nla_put_u32(skb, TWIN_A_IFINDEX, b->dev->ifindex) ||
		    nla_put_string(skb, TWIN_A_IFNAME, b->dev->name) ||
		    nla_put_u32(skb, TWIN_A_NODE, b->node)) {
			genlmsg_cancel(skb, hdr);
			goto full;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
full:
	rcu_read_unlock();
	return skb->len;
}

static int twin_nl_link_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	u32 segment = 0;
	int err;

	if (!attrs[TWIN_A_IFNAME]) {
		NL_SET_ERR_MSG(info->extack, "a device name is required");
		return -EINVAL;
	}
	if (attrs[TWIN_A_SEGMENT])
		segment = nla_get_u32(attrs[TWIN_A_SEGMENT]);
	rtnl_lock();
	err = twin_vdev_create(genl_info_net(info), nla_data(attrs[TWIN_A_IFNAME]),
			       segment, info->extack);
	rtnl_unlock();
	return err;
}

static int twin_nl_link_fill(struct sk_buff *skb, struct net_device *dev,
			     struct twin_bearer *b)
{
	if (nla_put_u32(skb, TWIN_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, TWIN_A_IFNAME, dev->name) ||
	    nla_put(skb, TWIN_A_LLADDR, ETH_ALEN, dev->dev_addr) ||
	    nla_put_u32(skb, TWIN_A_MTU, dev->mtu) ||
	    nla_put_u8(skb, TWIN_A_UP, netif_running(dev) && netif_carrier_ok(dev)))
		return -EMSGSIZE;
	if (twin_vdev_is(dev) &&
	    (nla_put_flag(skb, TWIN_A_VIRTUAL) ||
	     nla_put_u32(skb, TWIN_A_SEGMENT, twin_vdev_segment(dev))))
		return -EMSGSIZE;
	if (b && (nla_put_u32(skb, TWIN_A_NODE, b->node) ||
		  twin_nl_put_stats(skb, b->stats)))
		return -EMSGSIZE;
	return 0;
}

static int twin_nl_link_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct twin_net *tn = twin_net(net);
	struct twin_bearer *b;
	struct net_device *dev;
	long idx = 0;
	void *hdr;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		b = twin_bearer_by_dev(tn, dev);
		if (!b && !twin_vdev_is(dev))
			continue;
		if (idx++ < cb->args[0])
			continue;
		hdr = twin_nl_dump_hdr(skb, cb, TWIN_CMD_LINK_GET);
		if (!hdr)
			break;
		if (twin_nl_link_fill(skb, dev, b)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
	rcu_read_unlock();
	return skb->len;
}

/* The attributes of one neighbour entry, for dumps and events. */
static int twin_nl_neigh_fill(struct sk_buff *skb, struct net *net,
			      const struct twin_neigh_info *n)
{
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	dev = n->ifindex ? dev_get_by_index_rcu(net, n->ifindex) : NULL;
	if (nla_put_u32(skb, TWIN_A_NODE, n->node) ||
	    nla_put_u8(skb, TWIN_A_NEIGH_STATE, n->state) ||
	    (dev && (nla_put_u32(skb, TWIN_A_IFINDEX, dev->ifindex) ||
		     nla_put_string(skb, TWIN_A_IFNAME, dev->name))) ||
	    (twin_neigh_state_has_mac(n->state) &&
	     (nla_put(skb, TWIN_A_LLADDR, ETH_ALEN, n->mac) ||
	      nla_put_u32(skb, TWIN_A_NEIGH_CONFIRMED, n->confirmed_ms))))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return err;
}

struct twin_nl_neigh_dump_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct net *net;
};

/* One entry of a dump, under the cache's lock (twin_neigh_dump()). */
static int twin_nl_neigh_dump_one(const struct twin_neigh_info *n, void *arg)
{
	struct twin_nl_neigh_dump_arg *a = arg;
	void *hdr;

	hdr = twin_nl_dump_hdr(a->skb, a->cb, TWIN_CMD_NEIGH_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(a->cb, hdr);
	if (twin_nl_neigh_fill(a->skb, a->net, n)) {
		genlmsg_cancel(a->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(a->skb, hdr);
	return 0;
}

/* cb->args[0] and [1]: the cursor of the entry to put next. */
static int twin_nl_neigh_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct twin_nl_neigh_dump_arg a = {
		.skb = skb, .cb = cb, .net = sock_net(skb->sk),
	};
	struct twin_dump_cursor cur = {
		.bucket = cb->args[0], .pos = cb->args[1],
	};

	/*
	 * The walk sets cb->seq to the cache's generation under its lock;
	 * genl_dump_check_consistent() compares it with the last message's.
	 */
	twin_neigh_dump(twin_net(a.net), &cur, twin_nl_neigh_dump_one, &a,
			&cb->seq);
	cb->args[0] = cur.bucket;
	cb->args[1] = cur.pos;
	return skb->len;
}

/*
 * Tell the namespace's "neigh" listeners that entry @n changed (@cmd
 * TWIN_CMD_NEIGH_NEW) or went away (TWIN_CMD_NEIGH_DEL), as the
 * neighbour code does with RTM_NEWNEIGH. Called under tn->neigh_lock, so
 * events leave in the order of the changes. An event that cannot be
 * built is reported to the listeners as ENOBUFS (they then dump again),
 * as rtnl_set_sk_err() does.
 */
void twin_nl_neigh_notify(struct twin_net *tn, const struct twin_neigh_info *n,
			  u8 cmd)
{
	struct net *net = tn->net;
	struct sk_buff *skb;
	void *hdr;

	rcu_read_lock();
	if (!READ_ONCE(twin_nl_registered) ||
	    !genl_has_listeners(&twin_genl_family, net, TWIN_NL_GRP_NEIGH))
		goto out;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto err;
	hdr = genlmsg_put(skb, 0, 0, &twin_genl_family, 0, cmd);
	if (!hdr || twin_nl_neigh_fill(skb, net, n)) {
		nlmsg_free(skb);
		goto err;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&twin_genl_family, net, skb, 0,
				TWIN_NL_GRP_NEIGH, GFP_ATOMIC);
	goto out;
err:
	genl_set_err(&twin_genl_family, net, 0, TWIN_NL_GRP_NEIGH, -ENOBUFS);
out:
	rcu_read_unlock();
}

static int twin_nl_neigh_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	int ifindex = 0, err = 0;

	if (info->attrs[TWIN_A_IFINDEX] || info->attrs[TWIN_A_IFNAME]) {
		rtnl_lock();
		dev = twin_nl_dev(info, &err);
		if (dev)
			ifindex = dev->ifindex;
		rtnl_unlock();
		if (!dev)
			return err;
	}
	twin_neigh_flush(twin_net(genl_info_net(info)), ifindex);
	return 0;
}

/* cb->args[0] and [1]: the cursor of the socket to put next. */
static int twin_nl_sock_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct twin_net *tn = twin_net(sock_net(skb->sk));
	struct twin_dump_cursor cur = {
		.bucket = cb->args[0], .pos = cb->args[1],
	};
	struct twin_sock_info s;
	void *hdr;

	while (!twin_table_get_info(tn, &cur, &s)) {
		hdr = twin_nl_dump_hdr(skb, cb, TWIN_CMD_SOCK_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, TWIN_A_SOCK_TYPE, s.type) ||
		    nla_put_u8(skb, TWIN_A_SOCK_STATE, s.state) ||
		    nla_put_u32(skb, TWIN_A_SOCK_NODE, s.node) ||
		    nla_put_u32(skb, TWIN_A_SOCK_PORT, s.port) ||
		    nla_put_u32(skb, TWIN_A_SOCK_PEER_NODE, s.peer_node) ||
		    nla_put_u32(skb, TWIN_A_SOCK_PEER_PORT, s.peer_port) ||
		    nla_put_u32(skb, TWIN_A_SOCK_RQUEUE, s.rqueue) ||
		    nla_put_u32(skb, TWIN_A_SOCK_WQUEUE, s.wqueue) ||
		    nla_put_u32(skb, TWIN_A_SOCK_DROPS, s.drops) ||
		    (s.ifindex &&
		     nla_put_u32(skb, TWIN_A_SOCK_IFINDEX, s.ifindex)) ||
		    nla_put_u64_64bit(skb, TWIN_A_SOCK_INODE, s.ino, TWIN_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = cur.bucket;
		cb->args[1] = cur.pos;
	}
	return skb->len;
}

static int twin_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct twin_net *tn = twin_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &twin_genl_family, 0,
				TWIN_CMD_STATS_GET);
	if (!hdr || twin_nl_put_stats(msg, tn->stats)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static const struct genl_ops twin_genl_ops[] = {
	{
		.cmd = TWIN_CMD_ADDR_NEW,
		.doit = twin_nl_addr_new,
		.policy = twin_addr_policy,
		.maxattr = ARRAY_SIZE(twin_addr_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TWIN_CMD_ADDR_DEL,
		.doit = twin_nl_addr_del,
		.policy = twin_addr_policy,
		.maxattr = ARRAY_SIZE(twin_addr_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TWIN_CMD_ADDR_GET,
		.dumpit = twin_nl_addr_dump,
	},
	{
		.cmd = TWIN_CMD_LINK_NEW,
		.doit = twin_nl_link_new,
		.policy = twin_link_policy,
		.maxattr = ARRAY_SIZE(twin_link_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TWIN_CMD_LINK_GET,
		.dumpit = twin_nl_link_dump,
	},
	{
		.cmd = TWIN_CMD_NEIGH_GET,
		.dumpit = twin_nl_neigh_dump,
	},
	{
		.cmd = TWIN_CMD_NEIGH_FLUSH,
		.doit = twin_nl_neigh_flush,
		.policy = twin_dev_policy,
		.maxattr = ARRAY_SIZE(twin_dev_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TWIN_CMD_SOCK_GET,
		.dumpit = twin_nl_sock_dump,
	},
	{
		.cmd = TWIN_CMD_STATS_GET,
		.doit = twin_nl_stats_get,
	},
};

/* Open to every user, as the dumps they carry and rtnetlink's groups are. */
static const struct genl_multicast_group twin_genl_mcgrps[] = {
	[TWIN_NL_GRP_NEIGH] = { .name = TWIN_MCGRP_NEIGH },
};

static struct genl_family twin_genl_family __ro_after_init = {
	.name = TWIN_GENL_NAME,
	.version = TWIN_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = twin_genl_ops,
	.n_ops = ARRAY_SIZE(twin_genl_ops),
	.mcgrps = twin_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(twin_genl_mcgrps),
	.resv_start_op = TWIN_CMD_UNSPEC + 1,
};

int twin_netlink_init(void)
{
	int err = genl_register_family(&twin_genl_family);

	if (!err)
		WRITE_ONCE(twin_nl_registered, true);
	return err;
}

void twin_netlink_exit(void)
{
	/* Events still come (neighbours flushed at exit): not to a stale group. */
	WRITE_ONCE(twin_nl_registered, false);
	synchronize_rcu();
	genl_unregister_family(&twin_genl_family);
}
