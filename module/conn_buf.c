// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer sizes. Auto-tuning, as TCP's: a connection starts with net.twin.rmem[1]
 * and wmem[1] bytes, and unless the user set SO_RCVBUF or SO_SNDBUF, the
 * receive buffer grows with the rate the reader takes data at
 * (tcp_rcv_space_adjust()) and the send buffer with the congestion window
 * (tcp_sndbuf_expand()), up to net.twin.rmem[2] and wmem[2]. A fixed
 * buffer caps one connection at a window per round trip whatever the
 * path could carry; a buffer as large as the maximum from the start
 * would pin that much for every idle connection. Protocol memory
 * (net.twin.mem, the memory cgroup) still bounds what is charged, and
 * under its pressure a send buffer shrinks, then grows back.
 */
#include <net/sock.h>

#include "conn.h"
#include "mem.h"
#include "sock.h"

/* The clock buffers are measured by, as the RTT is (conn_recv.c). */
static u64 twin_conn_buf_now_us(void)
{
	return ktime_to_us(ktime_get());
}

/* A new connection's buffers, unless the user chose them. */
void twin_conn_buf_init(struct sock *sk)
{
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		WRITE_ONCE(sk->sk_rcvbuf, twin_mem_rmem(1));
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		WRITE_ONCE(sk->sk_sndbuf, twin_mem_wmem(1));
}

/*
 * The connection is established: the reader's rate is measured from now
 * on, from what the peer's initial window or ours lets through in a
 * round trip (as tcp_init_buffer_space()), and the send buffer takes an
 * initial window.
 */
void twin_conn_buf_established(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);

	c->rcvq_space = min(TWIN_INIT_CWND * c->mss, twin_conn_rcv_wnd(sk)) ?:
			c->mss;
	c->rcvq_copied = 0;
	c->rcvq_time_us = twin_conn_buf_now_us();
	twin_conn_sndbuf_expand(sk);
}

/*
 * The receiver's round trip, as tcp_rcv_rtt_measure() without timestamps:
 * the time from a measurement's start until data past the furthest edge
 * advertised by then arrived. The sender could only send that after an
 * advertisement made since, so the time is a round trip at least; more
 * when the window did not limit the sender, so the smallest measurement
 * stands. Called once per in-order frame that arrived (not per frame the
 * reorder queue gives up after it: those came earlier); the clock is read
 * once a measurement.
 */
void twin_conn_rcv_rtt_measure(struct twin_conn *c)
{
	u32 sample;
	u64 now;

	if (c->rcv_rtt_start_us && !twin_after(c->rcv_nxt, c->rcv_rtt_seq))
		return;
	now = twin_conn_buf_now_us();
	if (c->rcv_rtt_start_us) {
		sample = clamp_t(u64, now - c->rcv_rtt_start_us, 1, U32_MAX);
		if (!c->rcv_rtt_us || sample < c->rcv_rtt_us)
			c->rcv_rtt_us = sample;
	}
	c->rcv_rtt_start_us = now;
	c->rcv_rtt_seq = c->rcv_edge;
}

/*
 * The reader took @copied bytes. Once a receiver's round trip, compare
 * what it took in that time with the most it took in one before: more,
 * and the buffer grows to twice that (the sender's window may double
 * within a round trip in slow start), plus what the growth itself
 * foretells, in truesize (the buffer is charged per frame, not per byte
 * of payload), as tcp_rcv_space_adjust(). Under lock_sock().
 */
void twin_conn_rcvbuf_tune(struct sock *sk, u32 copied)
{
	struct twin_conn *c = twin_conn(sk);
	u32 space = c->rcvq_space, max = twin_mem_rmem(2);
	u64 now, rcvwin, rcvbuf;

	/* More than the largest buffer in a round trip asks for that. */
	c->rcvq_copied = min(c->rcvq_copied + min(copied, max), max);
	if (!c->rcv_rtt_us || !c->rcvq_time_us || !space)
		return;
	now = twin_conn_buf_now_us();
	if (now - c->rcvq_time_us < c->rcv_rtt_us)
		return;
	copied = c->rcvq_copied;
	c->rcvq_copied = 0;
	c->rcvq_time_us = now;
	if (copied <= space)
		return;
	c->rcvq_space = copied;
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		return;
	rcvwin = 2ULL * copied + 16ULL * c->mss;
	rcvwin += 2 * div_u64(rcvwin * (copied - space), space);
	rcvbuf = min_t(u64, div_u64(rcvwin << 8, c->rcv_ratio), max);
	if (rcvbuf > READ_ONCE(sk->sk_rcvbuf))
		WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
}

/*
 * A send buffer grows only when the user did not set it and protocol
 * memory is below its low mark (tcp_should_expand_sndbuf()).
 */
static bool twin_conn_sndbuf_may_grow(const struct sock *sk)
{
	return !(sk->sk_userlocks & SOCK_SNDBUF_LOCK) &&
	       !sk_under_memory_pressure(sk) &&
	       sk_memory_allocated(sk) < sk_prot_mem_limits(sk, 0);
}

/*
 * Twin memory past its limits cuts a stream socket's SO_SNDBUF (the
 * core's sk_stream_moderate_sndbuf()); once it is back below its low mark
 * the buffer is whole again, as TCP's grows back (tcp_new_space()). One
 * the user set is left as it is.
 */
void twin_conn_sndbuf_restore(struct sock *sk)
{
	u32 full = twin_conn(sk)->sndbuf;

	if (sk->sk_sndbuf < full && twin_conn_sndbuf_may_grow(sk))
		WRITE_ONCE(sk->sk_sndbuf, full);
}

/*
 * Room in the send buffer for twice the congestion window (what is in
 * flight, and as much again queued to follow it), each MSS counted with
 * the most a frame of its own costs beyond its payload, as
 * tcp_sndbuf_expand(); never past wmem[2]. The size is also the one
 * memory pressure's cut is undone to (twin_conn_sndbuf_restore()).
 */
void twin_conn_sndbuf_expand(struct sock *sk)
{
	struct twin_conn *c = twin_conn(sk);
	u32 frames, sndbuf;
	u64 want;

	if (!c->mss || !twin_conn_sndbuf_may_grow(sk))
		return;
	frames = max_t(u32, DIV_ROUND_UP(c->cwnd, c->mss), TWIN_INIT_CWND);
	want = 2ULL * frames * SKB_TRUESIZE(c->mss + MAX_HEADER);
	sndbuf = min_t(u64, want, twin_mem_wmem(2));
	if (sndbuf <= READ_ONCE(sk->sk_sndbuf))
		return;
	WRITE_ONCE(sk->sk_sndbuf, sndbuf);
	c->sndbuf = sndbuf;
	sk->sk_write_space(sk);
}
