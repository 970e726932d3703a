// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace socket table: every socket on one list (for /proc and
 * dumps), bound sockets in a hash keyed by type and port. Port spaces are
 * per socket type, as TCP's and UDP's are. Connections are also in a
 * hash keyed by type, local port and peer: a listener's children share its
 * port, so the port alone does not name a connection. Lock order:
 * lock_sock() of the socket, then tn->sk_lock; never the other way round.
 *
 * Frames find their socket without the lock, as UDP and TCP do: both
 * hashes are read under RCU, and every socket is freed a grace period
 * after its last reference (SOCK_RCU_FREE), so a reader may take a
 * reference with refcount_inc_not_zero() on any socket it still sees. A
 * socket enters the bind hash once and leaves it when released; a
 * connection can be unhashed and hashed again on another chain, which
 * the chains' nulls values reveal to a reader caught on it.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/random.h>

#include "sock.h"

static struct hlist_head *twin_bind_bucket(struct twin_net *tn, int type,
					   u32 port)
{
	return &tn->bind_hash[hash_32(port ^ ((u32)type << 28),
				      TWIN_BIND_HASH_BITS)];
}

void twin_table_add(struct sock *sk)
{
	struct twin_net *tn = twin_net(sock_net(sk));

	spin_lock_bh(&tn->sk_lock);
	sk_add_node(sk, &tn->socks[hash_ptr(sk, TWIN_SOCK_HASH_BITS)]);
	/* The namespace's count in /proc/net/protocols, as TCP's. */
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	spin_unlock_bh(&tn->sk_lock);
}

void twin_table_remove(struct sock *sk)
{
	struct twin_net *tn = twin_net(sock_net(sk));

	spin_lock_bh(&tn->sk_lock);
	if (!hlist_unhashed(&sk->sk_bind_node))
		hlist_del_init_rcu(&sk->sk_bind_node);
	if (sk_del_node_init(sk))
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	spin_unlock_bh(&tn->sk_lock);
}

/* Does a bound socket of @type own @port for an overlapping node? */
static bool twin_port_taken(struct twin_net *tn, int type, u32 node, u32 port)
{
	struct sock *sk;

	sk_for_each_bound(sk, twin_bind_bucket(tn, type, port)) {
		struct twin_sock *t = twin_sk(sk);
		u32 bound = READ_ONCE(t->node);	/* see twin_conn_start() */

		if (sk->sk_type != type || t->port != port)
			continue;
		if (bound == TWIN_NODE_ANY || node == TWIN_NODE_ANY ||
		    bound == node)
			return true;
	}
	return false;
}

/*
 * A random free port of the ephemeral range, drawn afresh each time (RFC
 * 6056, algorithm 1): a blind attacker cannot guess a connection's port
 * from one it saw. The range is 2^31 ports: a free one is found quickly.
 */
static u32 twin_pick_ephemeral(struct twin_net *tn, int type, u32 node)
{
	u32 span = U32_MAX - TWIN_PORT_EPHEMERAL_MIN + 1;
	u32 port, i;

	for (i = 0; i < 64; i++) {
		port = TWIN_PORT_EPHEMERAL_MIN + get_random_u32() % span;
		if (!twin_port_taken(tn, type, node, port))
			return port;
	}
	return 0;
}

/* Caller holds lock_sock(sk) and has checked that @sk is unbound. */
int twin_table_bind(struct sock *sk, u32 node, u32 port)
{
	struct twin_net *tn = twin_net(sock_net(sk));
	struct twin_sock *t = twin_sk(sk);
	int err = 0;

	spin_lock_bh(&tn->sk_lock);
	if (port == TWIN_PORT_ANY) {
		port = twin_pick_ephemeral(tn, sk->sk_type, node);
		if (!port)
			err = -EADDRINUSE;
	} else if (twin_port_taken(tn, sk->sk_type, node, port)) {
		err = -EADDRINUSE;
	}
	if (!err) {
		WRITE_ONCE(t->node, node);
		t->port = port;
		/* Publishes node and port to lockless readers. */
		hlist_add_head_rcu(&sk->sk_bind_node,
				   twin_bind_bucket(tn, sk->sk_type, port));
	}
	spin_unlock_bh(&tn->sk_lock);
	return err;
}

/*
 * The socket bound to (@node or any node, @port), with a reference. A
 * socket on its way out (no reference left) is skipped.
 */
struct sock *twin_table_lookup(struct twin_net *tn, int type, u32 node,
			       u32 port)
{
	struct sock *sk, *found = NULL;
	u32 bound;

	rcu_read_lock();
	hlist_for_each_entry_rcu(sk, twin_bind_bucket(tn, type, port),
				 sk_bind_node) {
		const struct twin_sock *t = twin_sk(sk);

		if (sk->sk_type != type || t->port != port)
			continue;
		bound = READ_ONCE(t->node);
		if (bound != TWIN_NODE_ANY && bound != node)
			continue;
		if (refcount_inc_not_zero(&sk->sk_refcnt)) {
			found = sk;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static u32 twin_conn_slot(int type, u32 port, u32 peer_node, u32 peer_port)
{
	return hash_32(jhash_3words(port, peer_node, peer_port, type),
		       TWIN_CONN_HASH_BITS);
}

static bool twin_conn_match(struct sock *sk, int type, u32 node, u32 port,
			    u32 peer_node, u32 peer_port)
{
	struct twin_sock *t = twin_sk(sk);

	return sk->sk_type == type && t->port == port &&
	       READ_ONCE(t->node) == node &&
	       READ_ONCE(t->peer_node) == peer_node &&
	       READ_ONCE(t->peer_port) == peer_port;
}

/*
 * Hash a connection whose node, port and peer are set. The hash holds a
 * reference: an orphaned connection lives on until it is unhashed.
 */
int twin_table_conn_add(struct sock *sk)
{
	struct twin_net *tn = twin_net(sock_net(sk));
	struct twin_sock *t = twin_sk(sk);
	struct hlist_nulls_head *head;
	struct hlist_nulls_node *pos;
	struct twin_sock *o;
	int err = 0;

	head = &tn->conn_hash[twin_conn_slot(sk->sk_type, t->port,
					     t->peer_node, t->peer_port)];
	spin_lock_bh(&tn->sk_lock);
	hlist_nulls_for_each_entry(o, pos, head, conn.conn_node) {
		if (twin_conn_match(&o->sk, sk->sk_type, t->node, t->port,
				    t->peer_node, t->peer_port)) {
			err = -EADDRINUSE;
			break;
		}
	}
	if (!err) {
		sock_hold(sk);
		/* Publishes the addresses to lockless readers. */
		hlist_nulls_add_head_rcu(&t->conn.conn_node, head);
	}
	spin_unlock_bh(&tn->sk_lock);
	return err;
}

/* Unhash a connection; drops the hash's reference, so the caller holds one. */
void twin_table_conn_remove(struct sock *sk)
{
	struct twin_net *tn = twin_net(sock_net(sk));
	struct hlist_nulls_node *node = &twin_conn(sk)->conn_node;
	bool hashed;

	spin_lock_bh(&tn->sk_lock);
	hashed = !hlist_nulls_unhashed(node);
	if (hashed)
		hlist_nulls_del_init_rcu(node);
	spin_unlock_bh(&tn->sk_lock);
	if (hashed)
		sock_put(sk);
}

/*
 * The connection a frame from (peer_node, peer_port) belongs to, held.
 * As __inet_lookup_established(): a reader that ends on another chain's
 * nulls value was moved there with a connection, and walks again; a
 * match is checked again once held, as its addresses may have changed
 * (unhashed, then connected elsewhere) before the reference was taken.
 */
struct sock *twin_table_conn_lookup(struct twin_net *tn, int type, u32 node,
				    u32 port, u32 peer_node, u32 peer_port)
{
	u32 slot = twin_conn_slot(type, port, peer_node, peer_port);
	struct hlist_nulls_node *pos;
	struct twin_sock *t;

	rcu_read_lock();
again:
	hlist_nulls_for_each_entry_rcu(t, pos, &tn->conn_hash[slot],
				       conn.conn_node) {
		if (!twin_conn_match(&t->sk, type, node, port, peer_node,
				     peer_port))
			continue;
		if (!refcount_inc_not_zero(&t->sk.sk_refcnt))
			continue;	/* on its way out */
		if (unlikely(!twin_conn_match(&t->sk, type, node, port,
					      peer_node, peer_port))) {
			sock_put(&t->sk);
			goto again;
		}
		rcu_read_unlock();
		return &t->sk;
	}
	if (get_nulls_value(pos) != slot)
		goto again;
	rcu_read_unlock();
	return NULL;
}

/*
 * The socket at @cur, or the first one after it, @cur then naming it; NULL
 * past the last. Under tn->sk_lock.
 */
struct sock *twin_table_seek(struct twin_net *tn, struct twin_dump_cursor *cur)
{
	struct sock *sk;
	unsigned long k;

	for (; cur->bucket < ARRAY_SIZE(tn->socks);
	     cur->bucket++, cur->pos = 0) {
		k = 0;
		sk_for_each(sk, &tn->socks[cur->bucket]) {
			if (k++ == cur->pos)
				return sk;
		}
	}
	return NULL;
}

/*
 * Information on the socket at a dump's cursor, which then points past
 * it; -ENOENT past the last.
 */
int twin_table_get_info(struct twin_net *tn, struct twin_dump_cursor *cur,
			struct twin_sock_info *info)
{
	struct sock *sk;

	spin_lock_bh(&tn->sk_lock);
	sk = twin_table_seek(tn, cur);
	if (sk) {
		twin_sock_get_info(sk, info);
		cur->pos++;
	}
	spin_unlock_bh(&tn->sk_lock);
	return sk ? 0 : -ENOENT;
}

/*
 * Device @ifindex unregisters: datagram and raw sockets bound to it learn
 * of it as a packet socket does (ENODEV, EPOLLERR); their sends fail with
 * ENODEV from now on. Connections end through their node's address.
 */
void twin_table_dev_gone(struct twin_net *tn, int ifindex)
{
	struct sock *sk;
	unsigned int i;

	spin_lock_bh(&tn->sk_lock);
	for (i = 0; i < ARRAY_SIZE(tn->socks); i++) {
		sk_for_each(sk, &tn->socks[i]) {
			if (twin_sk_is_conn(sk) ||
			    READ_ONCE(sk->sk_bound_dev_if) != ifindex)
				continue;
			WRITE_ONCE(sk->sk_err, ENODEV);
			sk_error_report(sk);
		}
	}
	spin_unlock_bh(&tn->sk_lock);
}
