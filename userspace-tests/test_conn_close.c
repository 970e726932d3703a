// SPDX-License-Identifier: GPL-2.0
/*
 * Closing a connection, SOCK_STREAM and SOCK_SEQPACKET: SO_LINGER {1, N}
 * (close() waits up to N s for the data and FIN to be acknowledged),
 * SO_LINGER {1, 0} with data in flight (a reset, no orphan), and
 * shutdown(SHUT_RD) (queued data, then 0; EPOLLRDHUP and EPOLLIN).
 *
 * semantics.md, "Closing", "Receiving" and "poll/epoll" of "Connection
 * sockets". test_conn.c has the rest of closing (FIN, resets, TIME_WAIT).
 */
#include <sys/epoll.h>
#include <linux/sockios.h>

#include "conn_util.h"

#define LINGER_S	2	/* SO_LINGER time against a silent peer */
#define LINGER_LONG_S	20	/* SO_LINGER time the peer must beat */
#define READ_DELAY_MS	300	/* the peer starts reading this late */
#define BULK		(32 * 1024)
#define RECORD		1000	/* SEQPACKET record size of the bulk */

static void send_bulk(int fd, int type, const char *buf, size_t len)
{
	size_t off = 0, chunk;
	ssize_t n;

	while (off < len) {
		chunk = type == SOCK_STREAM ? len - off :
			(len - off < RECORD ? len - off : RECORD);
		n = send(fd, buf + off, chunk, 0);
		if (n <= 0)
			harness_fail(__FILE__, __LINE__, "send at offset %zu: "
				     "%zd " TWIN_ERRFMT, off, n,
				     TWIN_ERRARG(errno));
		off += n;
	}
}

/* ------------------------------------------------------------ SO_LINGER */

/*
 * SO_LINGER {1, N} with a silent peer (its device down) and data in
 * flight: close() blocks about N s, then returns; the connection lives on
 * orphaned, its FIN still unacknowledged (FIN_WAIT1).
 */
BOTH_T(linger_silent_peer_waits, 30)
{
	const char *a, *b;
	struct conn c;
	uint32_t cport;
	char st[32];
	double t;

	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 0);
	exchange(&c);
	cport = twin_name(c.cli).stw_port;
	/* Longer than the linger time: the orphan must outlive close(). */
	twin_set_int(c.cli, SOL_TWIN, TWIN_USER_TIMEOUT, 20000);
	RUN_NS(b, "ip link set tw0 down");
	ASSERT_EQ(send(c.cli, "unacked", 7, 0), 7);
	set_linger(c.cli, 1, LINGER_S);
	t = now_s();
	ASSERT_OK(close(c.cli));
	t = now_s() - t;
	diag("close() with SO_LINGER {1, %d} took %.2f s", LINGER_S, t);
	/* Generous: the guest's clocks may drift a little under emulation. */
	ASSERT_GE(t, LINGER_S * 0.8);
	ASSERT_LE(t, LINGER_S + 2.0 * mult());
	ns_enter(a);
	ASSERT_TRUE(proc_state_of_port(type_name(type), cport, st, sizeof(st)));
	ns_enter(NULL);
	ASSERT_STREQ(st, "FIN_WAIT1");
}

struct reader_arg {
	int type, cli, srv, ready_w, pipe_w;
	uint32_t cport;
	const char *buf;
};

/*
 * In namespace a: let go of the forked copy of the client's file (the
 * parent's close() must be the last), wait until the client is closing
 * (FIN_WAIT1: close() has queued its FIN behind the data), READ_DELAY_MS
 * more, tell the time, then read everything from the peer's end and its
 * EOF.
 */
static void read_after_close(void *p)
{
	struct reader_arg *r = p;
	char st[32] = "";
	double end, t;

	ASSERT_OK(close(r->cli));
	ASSERT_EQ(write(r->ready_w, "r", 1), 1);
	end = now_s() + WAIT_MS / 1000.0 * mult();

	while (now_s() < end &&
	       (!proc_state_of_port(type_name(r->type), r->cport, st,
				    sizeof(st)) || strcmp(st, "FIN_WAIT1")))
		sleep_ms(10);
	ASSERT_STREQ(st, "FIN_WAIT1");
	/* Not at once: close() must be seen waiting for the reader. */
	sleep_ms(READ_DELAY_MS);
	t = now_s();
	ASSERT_EQ(write(r->pipe_w, &t, sizeof(t)), sizeof(t));
	recv_exact(r->srv, r->buf, BULK);
	ASSERT_EQ(recv(r->srv, st, sizeof(st), 0), 0);
}

/*
 * SO_LINGER {1, N} with an answering peer and data in flight (the peer's
 * small receive buffer holds it back until the peer reads, which it
 * starts READ_DELAY_MS after close() began): close() returns once the
 * data and FIN are acknowledged, after the peer began to read and long
 * before N s, and the FIN is acknowledged by then.
 */
BOTH_T(linger_returns_when_acked, 40)
{
	static char buf[BULK];
	struct reader_arg r;
	const char *a, *b;
	struct conn c;
	double t0, t1, t_read;
	int pfd[2], ready[2];
	char st[32];
	pid_t pid;

	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 4096);
	exchange(&c);
	fill_pattern(buf, sizeof(buf), 3);
	send_bulk(c.cli, type, buf, sizeof(buf));
	/* More than the peer's buffer: not all of it can be acknowledged. */
	ASSERT_GT(info_of(c.cli).notsent + info_of(c.cli).unacked, 0);
	r.type = type;
	r.srv = c.srv;
	r.cport = twin_name(c.cli).stw_port;
	r.buf = buf;
	r.cli = c.cli;
	ASSERT_OK(pipe(pfd));
	ASSERT_OK(pipe(ready));
	r.pipe_w = pfd[1];
	r.ready_w = ready[1];
	pid = ns_spawn(a, read_after_close, &r);
	ASSERT_EQ(read(ready[0], st, 1), 1);
	set_linger(c.cli, 1, LINGER_LONG_S);
	t0 = now_s();
	ASSERT_OK(close(c.cli));
	t1 = now_s();
	ASSERT_EQ(read(pfd[0], &t_read, sizeof(t_read)), sizeof(t_read));
	ns_wait(pid);
	diag("close() took %.2f s, returned %.2f s after the peer began to read",
	     t1 - t0, t1 - t_read);
	ASSERT_GE(t1, t_read);
	ASSERT_GE(t1 - t0, READ_DELAY_MS / 1000.0);
	ASSERT_LT(t1 - t0, LINGER_LONG_S - 1);
	/* Acknowledged: FIN_WAIT2 (or TIME_WAIT), no longer FIN_WAIT1. */
	ns_enter(a);
	if (proc_state_of_port(type_name(type), r.cport, st, sizeof(st)))
		ASSERT_TRUE(!strcmp(st, "FIN_WAIT2") ||
			    !strcmp(st, "TIME_WAIT"));
	ns_enter(NULL);
}

/*
 * SO_LINGER {1, 0} with data in flight to a peer that holds it back:
 * close() resets the connection instead of delivering it: the peer gets
 * ECONNRESET (EPOLLERR, SO_ERROR) and no orphan lives on.
 */
BOTH_T(linger0_in_flight_resets, 30)
{
	static char buf[BULK];
	const char *a, *b;
	struct conn c;
	uint32_t cport;
	char st[32];

	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 4096);
	exchange(&c);
	cport = twin_name(c.cli).stw_port;
	fill_pattern(buf, sizeof(buf), 4);
	send_bulk(c.cli, type, buf, sizeof(buf));
	ASSERT_GT(info_of(c.cli).notsent + info_of(c.cli).unacked, 0);
	set_linger(c.cli, 1, 0);
	ASSERT_OK(close(c.cli));
	ASSERT_TRUE(wait_ev(c.srv, POLLERR, WAIT_MS) & POLLERR);
	ASSERT_EQ(twin_get_int(c.srv, SOL_SOCKET, SO_ERROR), ECONNRESET);
	ns_enter(a);
	ASSERT_FALSE(proc_state_of_port(type_name(type), cport, st,
					sizeof(st)));
	ns_enter(NULL);
}

/* ------------------------------------------------------------ SHUT_RD */

static int inq(int fd)
{
	int q = 0;

	ASSERT_OK(ioctl(fd, SIOCINQ, &q));
	return q;
}

/*
 * shutdown(SHUT_RD) with data queued: reads return that data (whole
 * records for SEQPACKET), then 0, without blocking; the peer's later send
 * is not refused (it is neither shut down nor closed), and reads still
 * return only what is queued, then 0.
 */
BOTH(shut_rd_reads_queued_then_eof)
{
	struct conn c = local_pair(type);
	char b[64];
	ssize_t n, got = 0;
	double t;

	ASSERT_EQ(send(c.cli, "hello", 5, 0), 5);
	ASSERT_EQ(send(c.cli, "world", 5, 0), 5);
	/* Both queued: 10 bytes unread. */
	t = now_s() + WAIT_MS / 1000.0;
	while (now_s() < t && inq(c.srv) < 10)
		sleep_ms(10);
	ASSERT_EQ(inq(c.srv), 10);
	ASSERT_OK(shutdown(c.srv, SHUT_RD));
	if (type == SOCK_SEQPACKET) {
		ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 5);
		ASSERT_MEMEQ(b, "hello", 5);
		ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 5);
		ASSERT_MEMEQ(b, "world", 5);
	} else {
		ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 10);
		ASSERT_MEMEQ(b, "helloworld", 10);
	}
	/* Then 0 at once (SO_RCVTIMEO would give EAGAIN after 5 s). */
	t = now_s();
	ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 0);
	ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 0);
	ASSERT_LT(now_s() - t, 2.0 * mult());
	/* The peer may still send. */
	ASSERT_EQ(send(c.cli, "more", 4, MSG_NOSIGNAL), 4);
	t = now_s();
	while ((n = recv(c.srv, b + got, sizeof(b) - got, 0)) > 0)
		got += n;
	ASSERT_EQ(n, 0);
	ASSERT_LT(now_s() - t, 2.0 * mult());
	ASSERT_LE(got, 4);
	ASSERT_MEMEQ(b, "more", (size_t)got);
	/* The other direction is untouched. */
	ASSERT_EQ(send(c.srv, "back", 4, 0), 4);
	recv_exact(c.cli, "back", 4);
}

/*
 * After shutdown(SHUT_RD) poll and epoll report EPOLLRDHUP and EPOLLIN
 * (RCV_SHUTDOWN), with nothing queued; not EPOLLHUP, as the write side is
 * still open.
 */
BOTH(shut_rd_poll_rdhup)
{
	struct conn c = local_pair(type);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLOUT };
	short r;
	int ep;

	r = revents(c.srv, POLLIN | POLLRDHUP | POLLOUT);
	ASSERT_EQ(r & (POLLIN | POLLRDHUP | POLLHUP), 0);
	ASSERT_OK(shutdown(c.srv, SHUT_RD));
	r = revents(c.srv, POLLIN | POLLRDHUP | POLLOUT);
	ASSERT_TRUE(r & POLLRDHUP);
	ASSERT_TRUE(r & POLLIN);
	ASSERT_TRUE(r & POLLOUT);
	ASSERT_FALSE(r & POLLHUP);
	ASSERT_OK(ep = epoll_create1(0));
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, c.srv, &ev));
	memset(&ev, 0, sizeof(ev));
	ASSERT_EQ(epoll_wait(ep, &ev, 1, 0), 1);
	ASSERT_TRUE(ev.events & EPOLLRDHUP);
	ASSERT_TRUE(ev.events & EPOLLIN);
	ASSERT_FALSE(ev.events & EPOLLHUP);
	close(ep);
}
