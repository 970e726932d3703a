// SPDX-License-Identifier: GPL-2.0
/*
 * Neighbour cache. Entries are found under tn->neigh_lock (BH-safe: the
 * receive path learns from softirq). Work that transmits or frees frames is
 * done after the lock is dropped, on a private list.
 */
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/slab.h>

#include "bearer.h"
#include "compat.h"
#include "msg.h"
#include "neigh.h"

struct twin_neigh {
	struct hlist_node hnode;
	struct twin_net *tn;
	u32 node;
	u8 state;
	u8 probes;
	bool dead;
	u8 mac[ETH_ALEN];
	int ifindex;
	struct timer_list timer;
	struct sk_buff_head pending;
};

static struct hlist_head *twin_neigh_bucket(struct twin_net *tn, u32 node)
{
	return &tn->neigh_hash[hash_32(node, TWIN_NEIGH_HASH_BITS)];
}

static struct twin_neigh *twin_neigh_lookup(struct twin_net *tn, u32 node)
{
	struct twin_neigh *n;

	lockdep_assert_held(&tn->neigh_lock);
	hlist_for_each_entry(n, twin_neigh_bucket(tn, node), hnode)
		if (n->node == node)
			return n;
	return NULL;
}

static void twin_neigh_timer(struct timer_list *t);

static struct twin_neigh *twin_neigh_create(struct twin_net *tn, u32 node)
{
	struct twin_neigh *n;

	n = twin_neigh_lookup(tn, node);
	if (n)
		return n;
	n = kzalloc(sizeof(*n), GFP_ATOMIC);
	if (!n)
		return NULL;
	n->tn = tn;
	n->node = node;
	n->state = TWIN_NEIGH_FAILED;
	timer_setup(&n->timer, twin_neigh_timer, 0);
	skb_queue_head_init(&n->pending);
	hlist_add_head(&n->hnode, twin_neigh_bucket(tn, node));
	return n;
}

/* Solicitations go out from the timer, never under the lock. */
static void twin_neigh_start(struct twin_neigh *n)
{
	if (n->state == TWIN_NEIGH_INCOMPLETE)
		return;
	n->state = TWIN_NEIGH_INCOMPLETE;
	n->probes = 0;
	mod_timer(&n->timer, jiffies);
}

/*
 * A connected datagram socket learns that its peer did not resolve, as a
 * connected UDP socket learns of an ICMP unreachable: through sk_err, so
 * poll() reports EPOLLERR and the next receive or SO_ERROR returns it.
 */
static void twin_neigh_report(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	if (!sk || sk->sk_type != SOCK_DGRAM || sock_flag(sk, SOCK_DEAD) ||
	    READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)
		return;
	WRITE_ONCE(sk->sk_err, EHOSTUNREACH);
	sk_error_report(sk);
}

static void twin_neigh_drop_list(struct twin_net *tn, struct sk_buff_head *list,
				 bool unreachable)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(list))) {
		twin_stats_add(tn->stats, TWIN_STAT_DROP_NEIGH, 1);
		if (unreachable)
			twin_neigh_report(skb);
		kfree_skb(skb);
	}
}

static void twin_neigh_solicit(struct twin_net *tn, u32 node)
{
	struct twin_addr4 a = { .dst_node = node };
	struct twin_bearer *b;
	struct sk_buff *skb;

	rcu_read_lock();
	list_for_each_entry_rcu(b, &tn->bearers, list) {
		skb = alloc_skb(LL_RESERVED_SPACE(b->dev) + TWIN_HLEN, GFP_ATOMIC);
		if (!skb) {
			twin_count(b, tn, TWIN_STAT_DROP_NOMEM, 1);
			continue;
		}
		skb_reserve(skb, LL_RESERVED_SPACE(b->dev) + TWIN_HLEN);
		a.src_node = b->node;
		twin_build_hdr(skb, TWIN_T_SOLICIT, 0, &a);
		twin_count(b, tn, TWIN_STAT_NEIGH_SOLICIT, 1);
		twin_bearer_send(b, skb, b->dev->broadcast);
	}
	rcu_read_unlock();
}

static void twin_neigh_timer(struct timer_list *t)
{
	struct twin_neigh *n = timer_container_of(n, t, timer);
	struct twin_net *tn = n->tn;
	struct sk_buff_head drop;
	bool solicit = false, failed = false;
	u32 node = n->node;

	__skb_queue_head_init(&drop);
	spin_lock_bh(&tn->neigh_lock);
	if (!n->dead && n->state == TWIN_NEIGH_INCOMPLETE) {
		if (n->probes >= TWIN_NEIGH_PROBES) {
			n->state = TWIN_NEIGH_FAILED;
			skb_queue_splice_init(&n->pending, &drop);
			failed = true;
		} else {
			n->probes++;
			mod_timer(&n->timer, jiffies + TWIN_NEIGH_PROBE_INTERVAL);
			solicit = true;
		}
	}
	spin_unlock_bh(&tn->neigh_lock);

	if (failed) {
		twin_neigh_drop_list(tn, &drop, true);
		wake_up_all(&tn->neigh_wait);
	}
	if (solicit)
		twin_neigh_solicit(tn, node);
}

/* State of @node's entry; a missing entry counts as failed. */
static u8 twin_neigh_state(struct twin_net *tn, u32 node, int *ifindex)
{
	struct twin_neigh *n;
	u8 state;

	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_lookup(tn, node);
	state = n ? n->state : TWIN_NEIGH_FAILED;
	if (n && ifindex)
		*ifindex = n->ifindex;
	spin_unlock_bh(&tn->neigh_lock);
	return state;
}

/*
 * Find the bearer that reaches @node, starting discovery if needed and
 * waiting for it up to *timeo. Returns 0 with *ifindex set, -EINPROGRESS if
 * discovery is still running when the wait ends, -EHOSTUNREACH when it
 * failed, or an error from the wait.
 */
int twin_neigh_resolve(struct twin_net *tn, u32 node, long *timeo,
		       int *ifindex)
{
	struct twin_neigh *n;
	long rem;
	u8 state;

	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_create(tn, node);
	if (!n) {
		spin_unlock_bh(&tn->neigh_lock);
		return -ENOMEM;
	}
	if (n->state == TWIN_NEIGH_REACHABLE) {
		*ifindex = n->ifindex;
		spin_unlock_bh(&tn->neigh_lock);
		return 0;
	}
	twin_neigh_start(n);
	spin_unlock_bh(&tn->neigh_lock);

	if (!*timeo)
		return -EINPROGRESS;
	rem = wait_event_interruptible_timeout(tn->neigh_wait,
					       twin_neigh_state(tn, node, NULL) !=
					       TWIN_NEIGH_INCOMPLETE, *timeo);
	if (rem < 0)
		return sock_intr_errno(*timeo);
	*timeo = rem;
	state = twin_neigh_state(tn, node, ifindex);
	if (state == TWIN_NEIGH_REACHABLE)
		return 0;
	return state == TWIN_NEIGH_FAILED ? -EHOSTUNREACH : -EINPROGRESS;
}

/*
 * Send a frame (twin header at skb->data) to @node over the neighbour that
 * reaches it, or queue it behind discovery. Consumes @skb.
 */
int twin_neigh_output(struct twin_net *tn, struct sk_buff *skb, u32 node)
{
	struct twin_bearer *b;
	struct twin_neigh *n;
	u8 mac[ETH_ALEN];
	int ifindex, err;

	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_create(tn, node);
	if (!n) {
		spin_unlock_bh(&tn->neigh_lock);
		twin_stats_add(tn->stats, TWIN_STAT_DROP_NOMEM, 1);
		kfree_skb(skb);
		return -ENOMEM;
	}
	if (n->state != TWIN_NEIGH_REACHABLE) {
		struct sk_buff *old = NULL;

		twin_neigh_start(n);
		if (skb_queue_len(&n->pending) >= TWIN_NEIGH_PENDING_MAX)
			old = __skb_dequeue(&n->pending);
		__skb_queue_tail(&n->pending, skb);
		spin_unlock_bh(&tn->neigh_lock);
		if (old) {
			twin_stats_add(tn->stats, TWIN_STAT_DROP_NEIGH, 1);
			kfree_skb(old);
		}
		return 0;
	}
	ether_addr_copy(mac, n->mac);
	ifindex = n->ifindex;
	spin_unlock_bh(&tn->neigh_lock);

	rcu_read_lock();
	b = twin_bearer_by_ifindex(tn, ifindex);
	if (b) {
		err = twin_bearer_send(b, skb, mac);
	} else {
		twin_stats_add(tn->stats, TWIN_STAT_DROP_NEIGH, 1);
		kfree_skb(skb);
		err = -EHOSTUNREACH;
	}
	rcu_read_unlock();
	return err;
}

/* Record that @node is reachable through @b at @mac; send what waited. */
static void twin_neigh_learn(struct twin_bearer *b, u32 node, const u8 *mac)
{
	struct twin_net *tn = b->tn;
	struct sk_buff_head ready;
	struct twin_neigh *n;
	struct sk_buff *skb;

	__skb_queue_head_init(&ready);
	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_create(tn, node);
	if (!n) {
		spin_unlock_bh(&tn->neigh_lock);
		twin_count(b, tn, TWIN_STAT_DROP_NOMEM, 1);
		return;
	}
	n->state = TWIN_NEIGH_REACHABLE;
	n->ifindex = b->dev->ifindex;
	ether_addr_copy(n->mac, mac);
	skb_queue_splice_init(&n->pending, &ready);
	spin_unlock_bh(&tn->neigh_lock);

	wake_up_all(&tn->neigh_wait);
	while ((skb = __skb_dequeue(&ready)))
		twin_bearer_send(b, skb, mac);
}

static void twin_neigh_advertise(struct twin_bearer *b, u32 self, u32 to,
				 const u8 *mac)
{
	struct twin_addr4 a = { .src_node = self, .dst_node = to };
	struct sk_buff *skb;

	skb = alloc_skb(LL_RESERVED_SPACE(b->dev) + TWIN_HLEN, GFP_ATOMIC);
	if (!skb) {
		twin_count(b, b->tn, TWIN_STAT_DROP_NOMEM, 1);
		return;
	}
	skb_reserve(skb, LL_RESERVED_SPACE(b->dev) + TWIN_HLEN);
	twin_build_hdr(skb, TWIN_T_ADVERT, 0, &a);
	twin_count(b, b->tn, TWIN_STAT_NEIGH_ADVERT, 1);
	twin_bearer_send(b, skb, mac);
}

/* A validated SOLICIT or ADVERT frame arrived on @b. Consumes @skb. */
void twin_neigh_rcv(struct twin_bearer *b, struct sk_buff *skb)
{
	const struct twinhdr *hdr = twin_hdr(skb);
	u32 src = ntohl(hdr->src_node), dst = ntohl(hdr->dst_node);
	struct twin_net *tn = b->tn;
	u8 mac[ETH_ALEN];

	ether_addr_copy(mac, eth_hdr(skb)->h_source);
	if (src == TWIN_NODE_ANY || src == TWIN_NODE_BROADCAST ||
	    !is_valid_ether_addr(mac) || twin_node_is_local(tn, src)) {
		twin_count(b, tn, TWIN_STAT_DROP_ADDR, 1);
		kfree_skb(skb);
		return;
	}
	/* Solicitations for other hosts' nodes are ordinary traffic. */
	if (!twin_node_is_local(tn, dst)) {
		consume_skb(skb);
		return;
	}
	twin_neigh_learn(b, src, mac);
	if (hdr->type == TWIN_T_SOLICIT)
		twin_neigh_advertise(b, dst, src, mac);
	consume_skb(skb);
}

/* Forget the neighbours reached through @ifindex, or all of them for 0. */
void twin_neigh_flush(struct twin_net *tn, int ifindex)
{
	struct twin_neigh *n;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);
	unsigned int i;

	spin_lock_bh(&tn->neigh_lock);
	for (i = 0; i < ARRAY_SIZE(tn->neigh_hash); i++) {
		hlist_for_each_entry_safe(n, tmp, &tn->neigh_hash[i], hnode) {
			if (ifindex && n->ifindex != ifindex)
				continue;
			n->dead = true;
			hlist_del(&n->hnode);
			hlist_add_head(&n->hnode, &gone);
		}
	}
	spin_unlock_bh(&tn->neigh_lock);

	/* A running timer sees the entry dead and stops re-arming. */
	hlist_for_each_entry_safe(n, tmp, &gone, hnode) {
		timer_shutdown_sync(&n->timer);
		twin_neigh_drop_list(tn, &n->pending, false);
		kfree(n);
	}
	wake_up_all(&tn->neigh_wait);
}

/* The @idx-th entry, for dumps. Returns -ENOENT past the end. */
int twin_neigh_get(struct twin_net *tn, unsigned int idx,
		   struct twin_neigh_info *info)
{
	struct twin_neigh *n;
	unsigned int i, k = 0;
	int err = -ENOENT;

	spin_lock_bh(&tn->neigh_lock);
	for (i = 0; i < ARRAY_SIZE(tn->neigh_hash); i++) {
		hlist_for_each_entry(n, &tn->neigh_hash[i], hnode) {
			if (k++ != idx)
				continue;
			info->node = n->node;
			info->ifindex = n->ifindex;
			info->state = n->state;
			ether_addr_copy(info->mac, n->mac);
			err = 0;
			goto out;
		}
	}
out:
	spin_unlock_bh(&tn->neigh_lock);
	return err;
}
