// SPDX-License-Identifier: GPL-2.0
/*
 * The timers of a connection: retransmission (also the zero-window
 * probe), delayed acknowledgment, and one state timer for keepalive,
 * FIN_WAIT2 and TIME_WAIT. Each pending timer holds a reference
 * (sk_reset_timer); a handler that finds the socket owned by its user
 * tries again a moment later rather than touching it.
 */
#include <net/sock.h>

#include "conn.h"
#include "neigh.h"
#include "sock.h"

/*
 * Never past the user timeout: once retransmitting, the connection gives
 * up at TWIN_USER_TIMEOUT, not at the next backoff up to 10 s later
 * (as tcp_clamp_rto_to_user_timeout()).
 */
void twin_conn_rto_arm(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	unsigned long when = jiffies + c->rto, end;

	if (c->retrans_start) {
		end = c->retrans_start + twin_conn_user_timeout(sk);
		if (time_before(end, when))
			when = time_after(end, jiffies) ? end : jiffies + 1;
	}
	sk_reset_timer(sk, &c->rto_timer, when);
}

void twin_conn_delack_arm(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (!timer_pending(&c->delack_timer))
		sk_reset_timer(sk, &c->delack_timer, jiffies + TWIN_DELACK);
}

void twin_conn_state_timer_arm(struct sock *sk, unsigned long delay)
{
	sk_reset_timer(sk, &twin_conn(sk)->state_timer, jiffies + delay);
}

/* TIME_WAIT lasts net.twin.time_wait_ms of the socket's namespace. */
void twin_conn_time_wait_arm(struct sock *sk)
{
	const struct twin_net *tn = twin_net(sock_net(sk));

	twin_conn_state_timer_arm(sk,
				  msecs_to_jiffies(READ_ONCE(tn->time_wait_ms)));
}

void twin_conn_keepalive_arm(struct sock *sk)
{
	twin_conn_state_timer_arm(sk, twin_conn(sk)->keepidle * HZ);
}

void twin_conn_timers_stop(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	sk_stop_timer(sk, &c->rto_timer);
	sk_stop_timer(sk, &c->delack_timer);
	sk_stop_timer(sk, &c->state_timer);
}

/*
 * A connection its user closed gives its data up after @tries unanswered
 * timeouts or window probes reach net.twin.orphan_retries, and at once
 * when orphans or twin memory are short (tcp_out_of_resources(),
 * tcp_orphan_retries()): nobody waits for it, and a peer that keeps its
 * window shut would keep it forever. True when it did.
 */
static bool twin_conn_orphan_gives_up(struct sock *sk, unsigned int tries)
{
	struct twin_net *tn = twin_net(sock_net(sk));

	if (!sock_flag(sk, SOCK_DEAD))
		return false;
	if (tries < READ_ONCE(tn->orphan_retries) &&
	    !twin_conn_orphan_oom(sk, 0))
		return false;
	twin_stats_add(tn->stats, TWIN_STAT_ORPHANS_ABORTED, 1);
	twin_conn_send_rst(sk);
	twin_conn_reset(sk, ETIMEDOUT);
	return true;
}

/*
 * Nothing in flight, data waiting: the peer's window is shut. A peer that
 * answers keeps the connection as long as its user does.
 */
static void twin_conn_probe_window(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	if (time_after(jiffies, c->last_rcv + twin_conn_user_timeout(sk))) {
		twin_conn_reset(sk, ETIMEDOUT);
		return;
	}
	if (twin_conn_orphan_gives_up(sk, c->probes_out))
		return;
	twin_conn_send_probe(sk);
	if (c->probes_out < U8_MAX)
		c->probes_out++;
	if (c->backoff < 16)
		c->backoff++;
	sk_reset_timer(sk, &c->rto_timer, jiffies +
		       min_t(unsigned long, c->rto << c->backoff,
			     TWIN_RTO_MAX));
}

static void twin_conn_rto_expired(struct sock *sk)
{
	const int active = TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_ESTABLISHED |
			   TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 | TCPF_CLOSING |
			   TCPF_LAST_ACK;
	struct twin_conn *c = twin_conn(sk);
	u32 in_flight = c->snd_nxt - c->snd_una;

	if (!((1 << sk->sk_state) & active))
		return;
	if (!in_flight) {
		if (c->send_head)
			twin_conn_probe_window(sk);
		return;
	}
	if (!c->retrans_start)
		c->retrans_start = jiffies;
	if (time_after_eq(jiffies,
			  c->retrans_start + twin_conn_user_timeout(sk))) {
		if (sk->sk_state == TCP_SYN_RECV)
			twin_conn_done(sk);
		else
			twin_conn_reset(sk, ETIMEDOUT);
		return;
	}
	if (twin_conn_orphan_gives_up(sk, c->backoff))
		return;

	/* RFC 5681: one frame, half the flight as threshold, RTO doubled. */
	c->timeouts++;
	/* The peer may have moved (a new MAC): have its entry re-confirmed. */
	twin_neigh_suspect(twin_net(sock_net(sk)), twin_sk(sk)->peer_node);
	/*
	 * F-RTO (RFC 5682): the acks to come tell whether the frames were
	 * lost or only late (twin_conn_frto_ack()); the window before the
	 * first timeout of a series is what a late one gives back. Data
	 * states only: a handshake's timeout has no flight to judge by; and
	 * not in fast recovery, whose window is inflated (as Linux enters
	 * F-RTO only from the open state or a timeout).
	 */
	if (!c->frto) {
		c->undo_cwnd = c->cwnd;
		c->undo_ssthresh = c->ssthresh;
	}
	c->frto = !c->in_recovery && (sk->sk_state == TCP_ESTABLISHED ||
				      sk->sk_state == TCP_CLOSE_WAIT);
	c->frto_recover = c->snd_max;
	c->ssthresh = max(in_flight / 2, 2 * c->mss);
	c->cwnd = c->mss;
	c->in_recovery = 0;
	c->dupacks = 0;
	if (c->backoff < 16)
		c->backoff++;
	c->rto = min_t(unsigned long, c->rto * 2, TWIN_RTO_MAX);

	twin_conn_go_back(sk);
	twin_conn_push(sk);
}

static void twin_conn_delack_expired(struct sock *sk)
{
	if (twin_conn(sk)->ack_pending && sk->sk_state != TCP_CLOSE)
		twin_conn_send_ack(sk);
}

static void twin_conn_state_expired(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	unsigned long idle, limit;

	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		twin_conn_done(sk);
		return;
	case TCP_FIN_WAIT2:
		if (sock_flag(sk, SOCK_DEAD))
			twin_conn_done(sk);
		return;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	default:
		return;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN))
		return;
	idle = jiffies - c->last_rcv;
	limit = c->keepidle * HZ;
	if (idle < limit) {
		twin_conn_state_timer_arm(sk, limit - idle);
		return;
	}
	if (c->keepalive_probes >= c->keepcnt) {
		twin_conn_reset(sk, ETIMEDOUT);
		return;
	}
	c->keepalive_probes++;
	twin_conn_send_probe(sk);
	twin_conn_state_timer_arm(sk, c->keepintvl * HZ);
}

static void twin_conn_timer_run(struct sock *sk, struct timer_list *timer,
				void (*expired)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, timer, jiffies + TWIN_OWNED_RETRY);
	else
		expired(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void twin_conn_rto_timer(struct timer_list *t)
{
	struct twin_sock *ts = timer_container_of(ts, t, conn.rto_timer);

	twin_conn_timer_run(&ts->sk, t, twin_conn_rto_expired);
}

static void twin_conn_delack_timer(struct timer_list *t)
{
	struct twin_sock *ts = timer_container_of(ts, t, conn.delack_timer);

	twin_conn_timer_run(&ts->sk, t, twin_conn_delack_expired);
}

static void twin_conn_state_timer(struct timer_list *t)
{
	struct twin_sock *ts = timer_container_of(ts, t, conn.state_timer);

	twin_conn_timer_run(&ts->sk, t, twin_conn_state_expired);
}

void twin_conn_timers_init(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	timer_setup(&c->rto_timer, twin_conn_rto_timer, 0);
	timer_setup(&c->delack_timer, twin_conn_delack_timer, 0);
	timer_setup(&c->state_timer, twin_conn_state_timer, 0);
}
