// SPDX-License-Identifier: GPL-2.0
/*
 * Neighbour cache. Entries are found under tn->neigh_lock (BH-safe: the
 * receive path learns from softirq). Work that transmits or frees frames is
 * done after the lock is dropped, on a private list.
 *
 * States follow the kernel's NUD machine, reduced: INCOMPLETE (discovery,
 * frames wait), REACHABLE (confirmed lately), STALE (used but suspect),
 * PROBE (used while solicitations re-confirm it), FAILED. One timer per
 * entry drives every transition and the garbage collection of entries
 * nobody uses; no reference is ever held outside the lock, so the timer
 * may free its own entry. Every change of state, MAC or device, and every
 * entry's end, is an event of the "neigh" netlink group (twinctl monitor),
 * sent under the lock so that events keep the order of the changes.
 */
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "bearer.h"
#include "compat.h"
#include "msg.h"
#include "neigh.h"
#include "netlink.h"
#include "route.h"

struct twin_neigh {
	struct hlist_node hnode;
	struct twin_net *tn;
	u32 node;
	u8 state;
	u8 probes;
	bool dead;
	u8 mac[ETH_ALEN];
	int ifindex;
	unsigned long confirmed;	/* jiffies of the last confirmation */
	unsigned long used;		/* jiffies of the last frame sent */
	unsigned long updated;		/* jiffies of the last state change */
	struct timer_list timer;
	struct sk_buff_head pending;
};

static unsigned long twin_neigh_reachable(const struct twin_net *tn)
{
	return msecs_to_jiffies(READ_ONCE(tn->neigh_reachable_ms));
}

static unsigned long twin_neigh_gc(const struct twin_net *tn)
{
	return msecs_to_jiffies(READ_ONCE(tn->neigh_gc_ms));
}

static unsigned long twin_neigh_retrans(const struct twin_net *tn)
{
	return msecs_to_jiffies(READ_ONCE(tn->neigh_retrans_ms));
}

/* Entries whose MAC may be used to send. */
static bool twin_neigh_usable(const struct twin_neigh *n)
{
	return twin_neigh_state_has_mac(n->state);
}

static void twin_neigh_fill_info(const struct twin_neigh *n,
				 struct twin_neigh_info *info)
{
	info->node = n->node;
	info->ifindex = n->ifindex;
	info->state = n->state;
	info->confirmed_ms = twin_neigh_usable(n) ?
		jiffies_to_msecs(jiffies - n->confirmed) : 0;
	ether_addr_copy(info->mac, n->mac);
}

/* An event for the listeners: @cmd TWIN_CMD_NEIGH_NEW or _DEL. */
static void twin_neigh_notify(const struct twin_neigh *n, u8 cmd)
{
	struct twin_neigh_info info;

	twin_neigh_fill_info(n, &info);
	twin_nl_neigh_notify(n->tn, &info, cmd);
}

static void twin_neigh_set_state(struct twin_neigh *n, u8 state)
{
	bool changed = n->state != state;

	n->state = state;
	n->updated = jiffies;
	if (changed)
		twin_neigh_notify(n, TWIN_CMD_NEIGH_NEW);
}

static unsigned int twin_neigh_chains(const struct twin_net *tn)
{
	return 1U << tn->neigh_hash_bits;
}

static struct hlist_head *twin_neigh_chain(struct hlist_head *table,
					   unsigned int bits, u32 seed,
					   u32 node)
{
	return &table[hash_32(jhash_1word(node, seed), bits)];
}

static struct hlist_head *twin_neigh_bucket(struct twin_net *tn, u32 node)
{
	lockdep_assert_held(&tn->neigh_lock);
	return twin_neigh_chain(tn->neigh_hash, tn->neigh_hash_bits,
				tn->neigh_hash_seed, node);
}

static struct hlist_head *twin_neigh_table_alloc(unsigned int bits, gfp_t gfp)
{
	struct hlist_head *table;
	unsigned int i;

	table = kvmalloc_array(1U << bits, sizeof(*table), gfp);
	if (table)
		for (i = 0; i < 1U << bits; i++)
			INIT_HLIST_HEAD(&table[i]);
	return table;
}

/*
 * Grow the table to one chain per entry or more (neigh_hash_grow() does
 * it when ARP's cache outgrows its buckets). It runs from a work item:
 * a large table is a vmalloc'ed one, and the cache fills under a
 * spinlock. Every walk holds the lock, so the entries move under it in
 * one go; a dump in progress sees the generation change.
 */
static void twin_neigh_grow(struct work_struct *work)
{
	struct twin_net *tn = container_of(work, struct twin_net, neigh_grow);
	struct hlist_head *table, *old;
	unsigned int bits, i, want;
	struct mem_cgroup *memcg;
	struct twin_neigh *n;
	struct hlist_node *tmp;

	want = READ_ONCE(tn->neigh_entries);
	bits = READ_ONCE(tn->neigh_hash_bits);
	while (bits < TWIN_NEIGH_HASH_BITS_MAX && (1U << bits) < want)
		bits++;
	if (bits == READ_ONCE(tn->neigh_hash_bits))
		return;
	/*
	 * Charged to the namespace's cgroup, which may have no task to
	 * kill: a cgroup at its limit fails the growth, not OOM-kills.
	 */
	memcg = set_active_memcg(tn->neigh_memcg);
	table = twin_neigh_table_alloc(bits, GFP_KERNEL | __GFP_RETRY_MAYFAIL |
				       __GFP_NOWARN | (tn->neigh_memcg ?
						       __GFP_ACCOUNT : 0));
	set_active_memcg(memcg);
	if (!table)
		return;	/* the next entry added tries again */

	spin_lock_bh(&tn->neigh_lock);
	if (bits <= tn->neigh_hash_bits) {
		spin_unlock_bh(&tn->neigh_lock);
		kvfree(table);
		return;
	}
	old = tn->neigh_hash;
	for (i = 0; i < twin_neigh_chains(tn); i++) {
		hlist_for_each_entry_safe(n, tmp, &old[i], hnode) {
			hlist_del(&n->hnode);
			hlist_add_head(&n->hnode,
				       twin_neigh_chain(table, bits,
							tn->neigh_hash_seed,
							n->node));
		}
	}
	tn->neigh_hash = table;
	tn->neigh_hash_bits = bits;
	tn->neigh_gen++;
	spin_unlock_bh(&tn->neigh_lock);
	kvfree(old);
}

int twin_neigh_init_net(struct twin_net *tn)
{
	spin_lock_init(&tn->neigh_lock);
	tn->neigh_hash_seed = get_random_u32();
	tn->neigh_gen = 1;	/* 0 is a dump's "not yet" (nl_dump_check_consistent()) */
	init_waitqueue_head(&tn->neigh_wait);
	INIT_WORK(&tn->neigh_grow, twin_neigh_grow);
	tn->neigh_hash_bits = TWIN_NEIGH_HASH_BITS_MIN;
	/* A full bucket: the first call credits a second's worth. */
	tn->solicit_stamp = jiffies - HZ;
	tn->neigh_hash = twin_neigh_table_alloc(tn->neigh_hash_bits,
						net_eq(tn->net, &init_net) ?
						GFP_KERNEL : GFP_KERNEL_ACCOUNT);
	if (!tn->neigh_hash)
		return -ENOMEM;
	/*
	 * The cache is charged to the memory cgroup of the task that makes
	 * the namespace (here, in copy_net_ns(); for namespaces older than
	 * the module, the task that loads it), as its table just was. The
	 * initial namespace's is the machine's, as ARP's table is.
	 */
	if (!net_eq(tn->net, &init_net))
		tn->neigh_memcg = get_mem_cgroup_from_mm(current->mm);
	return 0;
}

/* After twin_neigh_flush(tn, 0): the cache is empty. */
void twin_neigh_exit_net(struct twin_net *tn)
{
	cancel_work_sync(&tn->neigh_grow);
	WARN_ON_ONCE(tn->neigh_entries);
	kvfree(tn->neigh_hash);
	tn->neigh_hash = NULL;
	mem_cgroup_put(tn->neigh_memcg);
}

/* Chains and entries, for /proc/net/twin_sockstat. */
void twin_neigh_table_size(struct twin_net *tn, unsigned int *entries,
			   unsigned int *chains)
{
	spin_lock_bh(&tn->neigh_lock);
	*entries = tn->neigh_entries;
	*chains = twin_neigh_chains(tn);
	spin_unlock_bh(&tn->neigh_lock);
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

/* Take @n out of the cache; the caller frees it once its timer is done. */
static void twin_neigh_unlink(struct twin_neigh *n)
{
	n->dead = true;
	hlist_del(&n->hnode);
	n->tn->neigh_entries--;
	n->tn->neigh_gen++;
	twin_neigh_notify(n, TWIN_CMD_NEIGH_DEL);
}

/*
 * Entries the namespace's cache may hold: its own net.twin.neigh_max, and
 * never more than the initial namespace's (which a write past it could
 * not change, but that may have been lowered since).
 */
static unsigned int twin_neigh_limit(const struct twin_net *tn)
{
	return min(READ_ONCE(tn->neigh_max),
		   READ_ONCE(twin_net(&init_net)->neigh_max));
}

/*
 * Whether the cache may free @n to make room: nothing waits on it, and it
 * failed, went stale, or, REACHABLE, was neither confirmed nor sent
 * through for TWIN_NEIGH_GC_AGE (neigh_forced_gc() frees any entry
 * nobody holds that was not updated for 5 s: else a peer that answers
 * solicitations for made-up nodes could fill the cache with entries that
 * nothing frees for neigh_reachable_ms; a neighbour in use stays).
 */
static bool twin_neigh_reclaimable(const struct twin_neigh *n, u8 state)
{
	unsigned long last;

	if (n->state != state || !skb_queue_empty(&n->pending))
		return false;
	if (state != TWIN_NEIGH_REACHABLE)
		return true;
	last = time_after(n->used, n->confirmed) ? n->used : n->confirmed;
	return time_after(jiffies, last + TWIN_NEIGH_GC_AGE);
}

/*
 * Whether a discovery's solicitation may go now: at most
 * net.twin.neigh_solicit_rate a second in the namespace (never more than
 * the initial namespace's), from a bucket that holds a second's worth, as
 * icmp_global_allow() limits ICMP errors. Else a sender to ever new nodes
 * would make every device broadcast three solicitations per node. A try
 * it refuses counts, unanswered.
 */
static bool twin_neigh_solicit_allow(struct twin_net *tn)
{
	u64 rate = min(READ_ONCE(tn->neigh_solicit_rate),
		       READ_ONCE(twin_net(&init_net)->neigh_solicit_rate));
	unsigned long now = jiffies;
	unsigned long delta = min_t(unsigned long, now - tn->solicit_stamp, HZ);

	lockdep_assert_held(&tn->neigh_lock);
	tn->solicit_stamp = now;
	tn->solicit_credit = min_t(u64, tn->solicit_credit + delta * rate,
				   rate * HZ);
	if (tn->solicit_credit < HZ)
		return false;
	tn->solicit_credit -= HZ;
	return true;
}

/*
 * The cache is full: free entries nobody waits on, those that failed,
 * then those gone stale (sent through again, they are found anew), then
 * those idle lately, as neigh_forced_gc() does when ARP's table
 * reaches gc_thresh3. An entry whose timer is running on another CPU now
 * is left for the next time. Such entries hold no frames (a failure drops
 * them, a usable entry sends at once), so they are freed here, under the
 * lock.
 */
static void twin_neigh_forced_gc(struct twin_net *tn)
{
	static const u8 order[] = {
		TWIN_NEIGH_FAILED, TWIN_NEIGH_STALE, TWIN_NEIGH_REACHABLE,
	};
	struct twin_neigh *n;
	struct hlist_node *tmp;
	unsigned int i, k;

	lockdep_assert_held(&tn->neigh_lock);
	for (k = 0; k < ARRAY_SIZE(order); k++) {
		for (i = 0; i < twin_neigh_chains(tn); i++) {
			hlist_for_each_entry_safe(n, tmp, &tn->neigh_hash[i],
						  hnode) {
				if (!twin_neigh_reclaimable(n, order[k]) ||
				    twin_timer_delete_sync_try(&n->timer) < 0)
					continue;
				twin_neigh_unlink(n);
				kfree(n);
			}
		}
		if (tn->neigh_entries < twin_neigh_limit(tn))
			return;
	}
}

/*
 * @node's entry, made if there is none: NULL with *err -ENOBUFS when the
 * cache is full of entries in use (as ARP's "neighbour table overflow"),
 * -ENOMEM when memory is short.
 */
static struct twin_neigh *twin_neigh_create(struct twin_net *tn, u32 node,
					    int *err)
{
	struct mem_cgroup *memcg;
	struct twin_neigh *n;

	n = twin_neigh_lookup(tn, node);
	if (n)
		return n;
	if (tn->neigh_entries >= twin_neigh_limit(tn)) {
		twin_neigh_forced_gc(tn);
		if (tn->neigh_entries >= twin_neigh_limit(tn)) {
			*err = -ENOBUFS;
			return NULL;
		}
	}
	/*
	 * Made for a sender, or in softirq for a frame received: charged to
	 * the namespace's cgroup, not to whoever runs now (as a BPF map's
	 * elements are to the map's). Without __GFP_HIGH, so that a cgroup
	 * at its limit refuses the entry instead of being charged past it.
	 */
	memcg = set_active_memcg(tn->neigh_memcg);
	n = kzalloc(sizeof(*n), tn->neigh_memcg ?
		    GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT : GFP_ATOMIC);
	set_active_memcg(memcg);
	if (!n) {
		*err = -ENOMEM;
		return NULL;
	}
	tn->neigh_entries++;
	n->tn = tn;
	n->node = node;
	/* No event yet: the caller moves it on at once (or learns it). */
	n->state = TWIN_NEIGH_FAILED;
	n->updated = jiffies;
	/* Never confirmed: long ago, as ___neigh_create() says. */
	n->confirmed = jiffies - 2 * twin_neigh_reachable(tn);
	n->used = n->confirmed;
	timer_setup(&n->timer, twin_neigh_timer, 0);
	skb_queue_head_init(&n->pending);
	hlist_add_head(&n->hnode, twin_neigh_bucket(tn, node));
	tn->neigh_gen++;
	if (tn->neigh_entries > twin_neigh_chains(tn) &&
	    tn->neigh_hash_bits < TWIN_NEIGH_HASH_BITS_MAX)
		schedule_work(&tn->neigh_grow);
	return n;
}

/* Solicitations go out from the timer, never under the lock. */
static void twin_neigh_probe(struct twin_neigh *n, u8 state)
{
	twin_neigh_set_state(n, state);
	n->probes = 0;
	mod_timer(&n->timer, jiffies);
}

static void twin_neigh_start(struct twin_neigh *n)
{
	if (n->state != TWIN_NEIGH_INCOMPLETE)
		twin_neigh_probe(n, TWIN_NEIGH_INCOMPLETE);
}

/*
 * About to send through @n: a STALE entry is still used, and re-confirmed
 * meanwhile; an unusable one starts discovery. Returns whether the MAC may
 * be used.
 */
static bool twin_neigh_use(struct twin_neigh *n)
{
	n->used = jiffies;
	if (n->state == TWIN_NEIGH_STALE)
		twin_neigh_probe(n, TWIN_NEIGH_PROBE);
	if (twin_neigh_usable(n))
		return true;
	twin_neigh_start(n);
	return false;
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
		/* Not counted as sent where it could not leave. */
		if (!twin_bearer_up(b))
			continue;
		skb = alloc_skb(LL_RESERVED_SPACE(b->dev) + TWIN_HLEN, GFP_ATOMIC);
		if (!skb) {
			twin_count(b, tn, TWIN_STAT_DROP_NOMEM, 1);
			continue;
		}
		skb_reserve(skb, LL_RESERVED_SPACE(b->dev) + TWIN_HLEN);
		a.src_node = b->node;
		twin_build_hdr(skb, TWIN_T_SOLICIT, 0, &a, 0);
		twin_count(b, tn, TWIN_STAT_NEIGH_SOLICIT, 1);
		twin_bearer_send(b, skb, b->dev->broadcast);
	}
	rcu_read_unlock();
}

/*
 * The one timer of an entry: a discovery or probe step, the end of
 * REACHABLE, or the garbage collection of an entry unused since it went
 * STALE or FAILED.
 */
static void twin_neigh_timer(struct timer_list *t)
{
	struct twin_neigh *n = timer_container_of(n, t, timer);
	struct twin_net *tn = n->tn;
	bool solicit = false, failed = false, gone = false;
	unsigned long now = jiffies, due;
	struct sk_buff_head drop;
	u32 node = n->node;

	__skb_queue_head_init(&drop);
	spin_lock_bh(&tn->neigh_lock);
	if (n->dead)
		goto unlock;
	switch (n->state) {
	case TWIN_NEIGH_INCOMPLETE:
	case TWIN_NEIGH_PROBE:
		if (n->probes < TWIN_NEIGH_PROBES) {
			n->probes++;
			mod_timer(&n->timer, now + twin_neigh_retrans(tn));
			/*
			 * Re-confirming an entry in use is not limited: a
			 * flood of discoveries in the namespace must not
			 * fail the neighbours it talks to.
			 */
			solicit = n->state == TWIN_NEIGH_PROBE ||
				  twin_neigh_solicit_allow(tn);
			break;
		}
		twin_neigh_set_state(n, TWIN_NEIGH_FAILED);
		skb_queue_splice_init(&n->pending, &drop);
		failed = true;
		mod_timer(&n->timer, now + twin_neigh_gc(tn));
		break;
	case TWIN_NEIGH_REACHABLE:
		due = n->confirmed + twin_neigh_reachable(tn);
		if (time_before(now, due)) {
			mod_timer(&n->timer, due);
			break;
		}
		twin_neigh_set_state(n, TWIN_NEIGH_STALE);
		mod_timer(&n->timer, now + twin_neigh_gc(tn));
		break;
	default:	/* STALE, FAILED */
		due = n->updated + twin_neigh_gc(tn);
		if (time_before(now, due)) {
			mod_timer(&n->timer, due);
			break;
		}
		twin_neigh_unlink(n);
		skb_queue_splice_init(&n->pending, &drop);
		gone = true;
		break;
	}
unlock:
	spin_unlock_bh(&tn->neigh_lock);

	if (failed) {
		twin_neigh_drop_list(tn, &drop, true);
		wake_up_all(&tn->neigh_wait);
	}
	if (solicit)
		twin_neigh_solicit(tn, node);
	if (gone) {
		twin_neigh_drop_list(tn, &drop, false);
		/* Unhashed and dead: no one else can reach it any more. */
		kfree(n);
	}
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
 * failed, -ENETUNREACH when the last device with an address went away
 * during the wait (twin_bearer_del() wakes the waiters: nothing could
 * answer any more), or an error from the wait.
 */
int twin_neigh_resolve(struct twin_net *tn, u32 node, long *timeo,
		       int *ifindex)
{
	struct twin_neigh *n;
	int err = 0;
	long rem;
	u8 state;

	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_create(tn, node, &err);
	if (!n) {
		spin_unlock_bh(&tn->neigh_lock);
		return err;
	}
	if (twin_neigh_use(n)) {
		*ifindex = n->ifindex;
		spin_unlock_bh(&tn->neigh_lock);
		return 0;
	}
	spin_unlock_bh(&tn->neigh_lock);

	if (!*timeo)
		return -EINPROGRESS;
	rem = wait_event_interruptible_timeout(tn->neigh_wait,
					       twin_neigh_state(tn, node, NULL) !=
					       TWIN_NEIGH_INCOMPLETE ||
					       list_empty_careful(&tn->bearers),
					       *timeo);
	if (rem < 0)
		return sock_intr_errno(*timeo);
	*timeo = rem;
	if (list_empty_careful(&tn->bearers))
		return -ENETUNREACH;
	state = twin_neigh_state(tn, node, ifindex);
	if (state == TWIN_NEIGH_FAILED)
		return -EHOSTUNREACH;
	return state == TWIN_NEIGH_INCOMPLETE ? -EINPROGRESS : 0;
}

/*
 * Send a frame (twin header at skb->data) to @node over the neighbour that
 * reaches it, or queue it behind discovery. A frame bound to a device
 * (TWIN_OUT_CB) leaves by no other. Consumes @skb.
 */
int twin_neigh_output(struct twin_net *tn, struct sk_buff *skb, u32 node)
{
	struct twin_bearer *b;
	struct twin_neigh *n;
	u8 mac[ETH_ALEN];
	int ifindex, err = 0;

	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_create(tn, node, &err);
	if (!n) {
		spin_unlock_bh(&tn->neigh_lock);
		twin_stats_add(tn->stats, err == -ENOBUFS ?
			       TWIN_STAT_DROP_NEIGH : TWIN_STAT_DROP_NOMEM, 1);
		kfree_skb(skb);
		return err;
	}
	if (!twin_neigh_use(n)) {
		struct sk_buff *old = NULL;

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
	if (b && TWIN_OUT_CB(skb)->oif && TWIN_OUT_CB(skb)->oif != ifindex) {
		twin_stats_add(tn->stats, TWIN_STAT_DROP_NEIGH, 1);
		kfree_skb(skb);
		err = -ENETUNREACH;
	} else if (b) {
		err = twin_bearer_send(b, skb, mac);
	} else {
		twin_stats_add(tn->stats, TWIN_STAT_DROP_NEIGH, 1);
		kfree_skb(skb);
		err = -EHOSTUNREACH;
	}
	rcu_read_unlock();
	return err;
}

/*
 * What a frame from @node at @mac says, and sending what waited for it.
 * @advert, an advertisement sent to our node and MAC, answers our
 * solicitation if one is out (INCOMPLETE, PROBE): @node is REACHABLE
 * there. Anything else is a claim, which anyone can forge and which says
 * nothing of whether our frames reach the sender: as ARP's
 * neigh_update() with NUD_STALE, a claim of what the entry already holds
 * changes nothing, and any other makes the entry STALE at the claimed MAC
 * (used at once, re-confirmed by the first frame sent through it, freed
 * first when the cache is full). An advertisement for a REACHABLE entry
 * answers nothing we asked lately: a second answer to one discovery (we
 * solicit on every device, a host with two on one segment hears two) or
 * a forgery; the entry stands, as ARP's locktime keeps it from a second
 * reply.
 * @create: make an entry for an unknown node (only a solicitation for us
 * does, as ARP makes one for a request to a local address).
 */
static void twin_neigh_learn(struct twin_bearer *b, u32 node, const u8 *mac,
			     bool advert, bool create)
{
	struct twin_net *tn = b->tn;
	int ifindex = b->dev->ifindex;
	struct sk_buff_head ready;
	struct twin_neigh *n;
	struct sk_buff *skb;
	bool moved, answer;
	int err = 0;
	u8 state;

	__skb_queue_head_init(&ready);
	spin_lock_bh(&tn->neigh_lock);
	n = create ? twin_neigh_create(tn, node, &err) :
		     twin_neigh_lookup(tn, node);
	if (!n) {
		spin_unlock_bh(&tn->neigh_lock);
		if (err == -ENOMEM)
			twin_count(b, tn, TWIN_STAT_DROP_NOMEM, 1);
		return;
	}
	moved = n->ifindex != ifindex || !ether_addr_equal(n->mac, mac);
	answer = advert && (n->state == TWIN_NEIGH_INCOMPLETE ||
			    n->state == TWIN_NEIGH_PROBE);
	if ((advert && n->state == TWIN_NEIGH_REACHABLE) ||
	    (!answer && twin_neigh_usable(n) && !moved)) {
		spin_unlock_bh(&tn->neigh_lock);
		return;
	}
	state = answer ? TWIN_NEIGH_REACHABLE : TWIN_NEIGH_STALE;
	if (answer)
		n->confirmed = jiffies;
	n->ifindex = ifindex;
	ether_addr_copy(n->mac, mac);
	if (n->state != state) {
		twin_neigh_set_state(n, state);
	} else if (moved) {
		n->updated = jiffies;
		twin_neigh_notify(n, TWIN_CMD_NEIGH_NEW);
	}
	mod_timer(&n->timer, jiffies + (answer ? twin_neigh_reachable(tn) :
					 twin_neigh_gc(tn)));
	skb_queue_splice_init(&n->pending, &ready);
	spin_unlock_bh(&tn->neigh_lock);

	wake_up_all(&tn->neigh_wait);
	while ((skb = __skb_dequeue(&ready))) {
		if (TWIN_OUT_CB(skb)->oif && TWIN_OUT_CB(skb)->oif != ifindex) {
			twin_count(b, tn, TWIN_STAT_DROP_NEIGH, 1);
			kfree_skb(skb);
			continue;
		}
		twin_bearer_send(b, skb, mac);
	}
}

/*
 * A connection's peer acknowledged new data: the path works, as TCP's
 * dst_confirm() says of an ARP entry.
 */
void twin_neigh_confirm(struct twin_net *tn, u32 node)
{
	struct twin_neigh *n;

	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_lookup(tn, node);
	if (n && twin_neigh_usable(n)) {
		n->confirmed = jiffies;
		if (n->state != TWIN_NEIGH_REACHABLE) {
			twin_neigh_set_state(n, TWIN_NEIGH_REACHABLE);
			mod_timer(&n->timer,
				  jiffies + twin_neigh_reachable(tn));
		}
	}
	spin_unlock_bh(&tn->neigh_lock);
}

/*
 * A connection to @node timed out: the entry may be wrong (the node moved
 * to another MAC or device), so re-confirm it now rather than when it
 * would go STALE.
 */
void twin_neigh_suspect(struct twin_net *tn, u32 node)
{
	struct twin_neigh *n;

	spin_lock_bh(&tn->neigh_lock);
	n = twin_neigh_lookup(tn, node);
	if (n && (n->state == TWIN_NEIGH_REACHABLE ||
		  n->state == TWIN_NEIGH_STALE))
		twin_neigh_probe(n, TWIN_NEIGH_PROBE);
	spin_unlock_bh(&tn->neigh_lock);
}

static void twin_neigh_advertise(struct twin_bearer *b, u32 self, u32 to,
				 const u8 *mac)
{
	struct twin_addr4 a = { .src_node = self, .dst_node = to };
	struct sk_buff *skb;

	/* A down device's address change is announced when it comes up. */
	if (!twin_bearer_up(b))
		return;
	skb = alloc_skb(LL_RESERVED_SPACE(b->dev) + TWIN_HLEN, GFP_ATOMIC);
	if (!skb) {
		twin_count(b, b->tn, TWIN_STAT_DROP_NOMEM, 1);
		return;
	}
	skb_reserve(skb, LL_RESERVED_SPACE(b->dev) + TWIN_HLEN);
	twin_build_hdr(skb, TWIN_T_ADVERT, 0, &a, 0);
	twin_count(b, b->tn, TWIN_STAT_NEIGH_ADVERT, 1);
	twin_bearer_send(b, skb, mac);
}

/*
 * Tell the segment that @b's node is at its (new) MAC: a broadcast
 * advertisement, as a gratuitous ARP. Called under RTNL when the device
 * comes up or changes its address, and when the address is added.
 */
void twin_neigh_announce(struct twin_bearer *b)
{
	twin_neigh_advertise(b, b->node, TWIN_NODE_BROADCAST,
			     b->dev->broadcast);
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
	/*
	 * An advertisement to the broadcast address: a node announces its
	 * (new) MAC (gratuitous). A solicitation for another node still
	 * says where its sender is (a MAC that changed while its gratuitous
	 * advertisement was lost). Both update a known entry and create
	 * none, as ARP does with such frames.
	 * Only the device that carries the node answers for it (ARP's
	 * arp_ignore=1): a node belongs to its device, and an answer from
	 * another one would draw the node's traffic to a device whose
	 * sockets cannot reply by it (a reply to recvfrom()'s address leaves
	 * where the datagram came in, from the node the socket is bound to).
	 */
	if (dst != b->node) {
		if (dst == TWIN_NODE_BROADCAST || hdr->type == TWIN_T_SOLICIT)
			twin_neigh_learn(b, src, mac, false, false);
		consume_skb(skb);
		return;
	}
	/*
	 * For us: a solicitation makes its sender's entry (STALE: it may be
	 * forged), and is answered; an advertisement answers ours, for an
	 * entry we made (one we never asked for is not taken, as ARP takes
	 * no unsolicited reply with arp_accept=0), if it came to our MAC (an
	 * answer is sent to the MAC that asked; ARP takes a reply that was
	 * not PACKET_HOST as a claim too).
	 */
	if (hdr->type == TWIN_T_SOLICIT) {
		twin_neigh_learn(b, src, mac, false, true);
		twin_neigh_advertise(b, dst, src, mac);
	} else {
		twin_neigh_learn(b, src, mac, skb->pkt_type == PACKET_HOST,
				 false);
	}
	consume_skb(skb);
}

/* Move the frames of @n that must leave through @ifindex to @drop. */
static void twin_neigh_take_oif(struct twin_neigh *n, int ifindex,
				struct sk_buff_head *drop)
{
	struct sk_buff *skb, *tmp;

	skb_queue_walk_safe(&n->pending, skb, tmp) {
		if (TWIN_OUT_CB(skb)->oif != ifindex)
			continue;
		__skb_unlink(skb, &n->pending);
		__skb_queue_tail(drop, skb);
	}
}

/*
 * Forget the neighbours reached through @ifindex, or all of them for 0,
 * and drop the frames waiting for discovery that may only leave through
 * @ifindex, as neigh_ifdown() purges the ARP queues of a device.
 */
void twin_neigh_flush(struct twin_net *tn, int ifindex)
{
	struct sk_buff_head drop;
	struct twin_neigh *n;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);
	unsigned int i;

	__skb_queue_head_init(&drop);
	spin_lock_bh(&tn->neigh_lock);
	for (i = 0; i < twin_neigh_chains(tn); i++) {
		hlist_for_each_entry_safe(n, tmp, &tn->neigh_hash[i], hnode) {
			if (ifindex && n->ifindex != ifindex) {
				twin_neigh_take_oif(n, ifindex, &drop);
				continue;
			}
			twin_neigh_unlink(n);
			hlist_add_head(&n->hnode, &gone);
		}
	}
	spin_unlock_bh(&tn->neigh_lock);
	twin_neigh_drop_list(tn, &drop, false);

	/* A running timer sees the entry dead and stops re-arming. */
	hlist_for_each_entry_safe(n, tmp, &gone, hnode) {
		timer_shutdown_sync(&n->timer);
		twin_neigh_drop_list(tn, &n->pending, false);
		kfree(n);
	}
	wake_up_all(&tn->neigh_wait);
}

/*
 * A dump's walk: @fill each entry from the cursor on, under the cache's
 * lock, until @fill fails (its message is full) or the cache ends; the
 * cursor then names the first entry not filled. The cache so comes out
 * as it was at one instant when it fits in one message (as a whole
 * socket chain does in inet_diag); *gen tells a longer dump whether it
 * changed between two messages (genl_dump_check_consistent()).
 */
int twin_neigh_dump(struct twin_net *tn, struct twin_dump_cursor *cur,
		    int (*fill)(const struct twin_neigh_info *info, void *arg),
		    void *arg, u32 *gen)
{
	struct twin_neigh_info info;
	struct twin_neigh *n;
	unsigned long k;
	int err = 0;

	spin_lock_bh(&tn->neigh_lock);
	*gen = tn->neigh_gen;
	for (; cur->bucket < twin_neigh_chains(tn);
	     cur->bucket++, cur->pos = 0) {
		k = 0;
		hlist_for_each_entry(n, &tn->neigh_hash[cur->bucket], hnode) {
			if (k++ < cur->pos)
				continue;
			twin_neigh_fill_info(n, &info);
			err = fill(&info, arg);
			if (err)
				goto out;
			cur->pos++;
		}
	}
out:
	spin_unlock_bh(&tn->neigh_lock);
	return err;
}
