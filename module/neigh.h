/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Neighbour discovery: which bearer and MAC reach a node. A broadcast
 * solicitation on every bearer asks for the node; its owner answers with a
 * unicast advertisement. Frames wait behind an unresolved entry (a few of
 * them, like ARP's queue) and are dropped and counted if it fails.
 */
#ifndef _TWIN_NEIGH_H
#define _TWIN_NEIGH_H

#include <linux/skbuff.h>

#include "netns.h"

struct twin_bearer;

/* How long discovery tries before a node is declared unreachable. */
#define TWIN_NEIGH_PROBES		3
#define TWIN_NEIGH_PENDING_MAX		8
/* A full cache frees REACHABLE entries idle this long (ARP's 5 s). */
#define TWIN_NEIGH_GC_AGE		(5 * HZ)

int twin_neigh_resolve(struct twin_net *tn, u32 node, long *timeo,
		       int *ifindex);
int twin_neigh_output(struct twin_net *tn, struct sk_buff *skb, u32 node);
void twin_neigh_rcv(struct twin_bearer *b, struct sk_buff *skb);
void twin_neigh_flush(struct twin_net *tn, int ifindex);
void twin_neigh_confirm(struct twin_net *tn, u32 node);
void twin_neigh_suspect(struct twin_net *tn, u32 node);
void twin_neigh_announce(struct twin_bearer *b);
int twin_neigh_init_net(struct twin_net *tn);
void twin_neigh_exit_net(struct twin_net *tn);
void twin_neigh_table_size(struct twin_net *tn, unsigned int *entries,
			   unsigned int *chains);

struct twin_neigh_info {
	u32 node;
	int ifindex;
	u8 state;
	u8 mac[ETH_ALEN];
	u32 confirmed_ms;	/* since the last confirmation */
};

/* States in which an entry holds a MAC that frames are sent to. */
static inline bool twin_neigh_state_has_mac(u8 state)
{
	return state == TWIN_NEIGH_REACHABLE || state == TWIN_NEIGH_STALE ||
	       state == TWIN_NEIGH_PROBE;
}

int twin_neigh_dump(struct twin_net *tn, struct twin_dump_cursor *cur,
		    int (*fill)(const struct twin_neigh_info *info, void *arg),
		    void *arg, u32 *gen);

#endif /* _TWIN_NEIGH_H */
