/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows which kernel twin is built for. Every API
 * difference between the supported lines (6.1, 6.12, 7.x) is absorbed here
 * so the rest of the module reads like in-tree code for the newest line.
 */
#ifndef _TWIN_COMPAT_H
#define _TWIN_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/sock.h>

/*
 * 6.19 typed the address argument of proto_ops bind() and connect() as
 * struct sockaddr_unsized; both point at the user's bytes either way.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#define twin_sockaddr_arg sockaddr_unsized
#else
#define twin_sockaddr_arg sockaddr
#endif

/*
 * 6.15 passes rtnl_link_ops.newlink() its netlink attributes in a struct.
 * twin's device takes none; only dev and extack are used.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define TWIN_NEWLINK_PARAMS						\
	struct net_device *dev, struct rtnl_newlink_params *params,	\
	struct netlink_ext_ack *extack
#else
#define TWIN_NEWLINK_PARAMS						\
	struct net *src_net, struct net_device *dev, struct nlattr *tb[], \
	struct nlattr *data[], struct netlink_ext_ack *extack
#endif

/*
 * 6.10 passes proto_ops.accept() its flags in struct proto_accept_arg.
 * twin_accept_flags() reads the listening file's flags either way.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define TWIN_ACCEPT_PARAMS						\
	struct socket *sock, struct socket *newsock, struct proto_accept_arg *arg
#define twin_accept_flags() (arg->flags)
#else
#define TWIN_ACCEPT_PARAMS						\
	struct socket *sock, struct socket *newsock, int flags, bool kern
#define twin_accept_flags() (flags)
#endif

/*
 * 6.6 added register_net_sysctl_sz(), which takes the table's size; 6.11
 * dropped the empty entry that used to end a table. twin's tables keep
 * the entry (6.1 needs it) and pass the size without it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define twin_register_net_sysctl(net, path, table, n)			\
	register_net_sysctl_sz(net, path, table, n)
#else
#define twin_register_net_sysctl(net, path, table, n)			\
	register_net_sysctl(net, path, table)
#endif

/*
 * 6.10 moved sk_memory_allocated() and the other helpers of protocol
 * memory to net/proto_memory.h.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#include <net/proto_memory.h>
#endif

/* 6.12 moved the unaligned access helpers from asm/ to linux/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * 6.16 renamed try_to_del_timer_sync() timer_delete_sync_try(): deactivate
 * a timer unless its callback is running (-1 then).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define twin_timer_delete_sync_try(t) timer_delete_sync_try(t)
#else
#define twin_timer_delete_sync_try(t) try_to_del_timer_sync(t)
#endif

/* Renamed in 6.16; the old name was removed later. */
#ifndef timer_container_of
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

/* 6.12 moved "lockless transmit" from NETIF_F_LLTX to a device flag. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define twin_dev_set_lltx(dev) ((dev)->lltx = true)
#else
#define twin_dev_set_lltx(dev) ((dev)->features |= NETIF_F_LLTX)
#endif

/* 6.9 moved the fragment reference helpers (skb_frag_unref()) out too. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#include <linux/skbuff_ref.h>
#endif

/* 6.5 moved the GSO helpers (SKB_GSO_CB) out of skbuff.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/*
 * 6.3 gave protocols other than IPv6 GSO and GRO limits of their own
 * (gso_ipv4_max_size, gro_ipv4_max_size); before, one limit each held.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define twin_dev_gso_max_size(dev) READ_ONCE((dev)->gso_ipv4_max_size)
#define twin_dev_gro_max_size(dev) READ_ONCE((dev)->gro_ipv4_max_size)
#else
#define twin_dev_gso_max_size(dev) READ_ONCE((dev)->gso_max_size)
#define twin_dev_gro_max_size(dev) READ_ONCE((dev)->gro_max_size)
#endif

#endif /* _TWIN_COMPAT_H */
