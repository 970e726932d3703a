// SPDX-License-Identifier: GPL-2.0
/*
 * A listener's backlog, SOCK_STREAM and SOCK_SEQPACKET: when it is full a
 * SYN is dropped (no answer, no reset) and the client retries until an
 * accept() makes room; listen()'s backlog is capped by net.core.somaxconn
 * (per network namespace: each test sets it in its own); listen() again
 * changes it at once.
 *
 * semantics.md, "States and addresses" and "connect()" of "Connection
 * sockets". A client's SYN counts as dropped once it has been
 * retransmitted twice (TWIN_INFO timeouts >= 2) with the client still in
 * SYN_SENT: a listener with room answers the first SYN at once.
 */
#include "conn_util.h"

#define ST_ESTABLISHED	1
#define ST_SYN_SENT	2
#define MAXC		10	/* clients a test connects at most */

/* 1: fd's non-blocking connect() completed; 0: its SYN keeps being dropped. */
static int connect_outcome(int fd)
{
	double end = now_s() + 10.0 * mult();
	struct twin_info ti;
	short r;

	while (now_s() < end) {
		r = revents(fd, POLLOUT);
		if (r & (POLLERR | POLLHUP))
			harness_fail(__FILE__, __LINE__, "connect failed: "
				     "revents %#x, SO_ERROR %s", r,
				     errno_name(twin_get_int(fd, SOL_SOCKET,
							     SO_ERROR)));
		if (r & POLLOUT) {
			ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_ERROR), 0);
			ASSERT_EQ(info_of(fd).state, ST_ESTABLISHED);
			return 1;
		}
		ti = info_of(fd);
		if (ti.state == ST_SYN_SENT && ti.timeouts >= 2)
			return 0;
		sleep_ms(10);
	}
	harness_fail(__FILE__, __LINE__, "connect neither completed nor "
		     "retransmitted its SYN twice");
}

/* A non-blocking client connecting to NODE:port. */
static int client_to(int type, uint32_t port)
{
	int fd = client(type);

	set_nonblock(fd);
	if (twin_connect(fd, NODE, port) < 0 && errno != EINPROGRESS)
		harness_fail(__FILE__, __LINE__, "connect " TWIN_ERRFMT,
			     TWIN_ERRARG(errno));
	return fd;
}

/*
 * Connect clients to port one at a time, without accept(), until one's
 * SYN is dropped (its index in *dropped) or max are connected (*dropped
 * -1). Returns how many completed.
 */
static int fill_backlog(int type, uint32_t port, int *cli, int max,
			int *dropped)
{
	int i;

	*dropped = -1;
	for (i = 0; i < max; i++) {
		cli[i] = client_to(type, port);
		if (!connect_outcome(cli[i])) {
			*dropped = i;
			return i;
		}
	}
	return max;
}

static void somaxconn_set(unsigned int v)
{
	char buf[32];
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "w");

	ASSERT_TRUE(f != NULL);
	ASSERT_GT(fprintf(f, "%u\n", v), 0);
	ASSERT_OK(fclose(f));
	ASSERT_GT(read_file("/proc/sys/net/core/somaxconn", buf, sizeof(buf)), 0);
	ASSERT_EQ(strtoul(buf, NULL, 10), v);
}

/*
 * listen(fd, 1): the clients that fit complete without accept(), the
 * next one's SYN is dropped (it stays in SYN_SENT, no ECONNREFUSED) and
 * retried; one accept() makes room and its next SYN completes the
 * handshake; it is then accepted last, in turn.
 */
BOTH_T(full_backlog_syn_retried, 40)
{
	int cli[MAXC], lis, fd, n, d, i;
	struct sockaddr_twin peer;

	fast_dev(NULL, "tw0", NODE);
	lis = listener(type, TWIN_NODE_ANY, PORT, 1);
	n = fill_backlog(type, PORT, cli, MAXC, &d);
	diag("%d connections completed with backlog 1, then a SYN was dropped",
	     n);
	ASSERT_GE(d, 0);
	/* Backlog 1: one waiting connection, or two as TCP allows. */
	ASSERT_GE(n, 1);
	ASSERT_LE(n, 2);
	ASSERT_EQ(info_of(cli[d]).state, ST_SYN_SENT);
	ASSERT_EQ(twin_get_int(cli[d], SOL_SOCKET, SO_ERROR), 0);

	fd = accept_one(lis);
	peer = twin_peer_name(fd);
	ASSERT_EQ(peer.stw_port, twin_name(cli[0]).stw_port);
	/* The retried SYN gets through: at most a few RTOs (1 s, 2 s). */
	ASSERT_TRUE(wait_ev(cli[d], POLLOUT, (int)(8000 * mult())) &
		    POLLOUT);
	ASSERT_EQ(twin_get_int(cli[d], SOL_SOCKET, SO_ERROR), 0);
	ASSERT_EQ(info_of(cli[d]).state, ST_ESTABLISHED);
	for (i = 1; i <= n; i++) {
		fd = accept_one(lis);
		peer = twin_peer_name(fd);
	}
	ASSERT_EQ(peer.stw_port, twin_name(cli[d]).stw_port);
	/* And it works. */
	ASSERT_EQ(send(cli[d], "late", 4, 0), 4);
	recv_exact(fd, "late", 4);
}

/*
 * net.core.somaxconn 2 in the test's namespace: listen(fd, 100) admits
 * only 2 waiting connections (3 as TCP counts), then drops SYNs; with
 * somaxconn back at 4096, the same listen(fd, 100) admits all MAXC.
 */
BOTH_T(somaxconn_caps_backlog, 40)
{
	int cli[MAXC], cli2[MAXC], lis, lis2, n, d;

	somaxconn_set(2);
	fast_dev(NULL, "tw0", NODE);
	lis = listener(type, TWIN_NODE_ANY, PORT, 100);
	n = fill_backlog(type, PORT, cli, MAXC, &d);
	diag("somaxconn 2, listen(100): %d connections completed", n);
	ASSERT_GE(d, 0);
	ASSERT_GE(n, 2);
	ASSERT_LE(n, 3);

	somaxconn_set(4096);
	lis2 = listener(type, TWIN_NODE_ANY, PORT + 1, 100);
	n = fill_backlog(type, PORT + 1, cli2, MAXC, &d);
	diag("somaxconn 4096, listen(100): %d connections completed", n);
	ASSERT_EQ(d, -1);
	ASSERT_EQ(n, MAXC);
	(void)lis;
	(void)lis2;
}

/*
 * listen() on a listener changes its backlog at once: with 3 connections
 * waiting, listen(fd, 1) makes the next SYN be dropped; listen(fd, 8)
 * again lets that client's retried SYN through. Both types share the
 * listener code: SOCK_STREAM only.
 */
STREAM_T(listen_again_changes_backlog, 40)
{
	int cli[MAXC], lis, n, d, i;

	fast_dev(NULL, "tw0", NODE);
	lis = listener(type, TWIN_NODE_ANY, PORT, 8);
	n = fill_backlog(type, PORT, cli, 3, &d);
	ASSERT_EQ(d, -1);
	ASSERT_EQ(n, 3);

	ASSERT_OK(listen(lis, 1));
	cli[3] = client_to(type, PORT);
	ASSERT_EQ(connect_outcome(cli[3]), 0);
	ASSERT_EQ(twin_get_int(cli[3], SOL_SOCKET, SO_ERROR), 0);

	ASSERT_OK(listen(lis, 8));
	/* The retried SYN gets through: at most a few RTOs (1 s, 2 s). */
	ASSERT_TRUE(wait_ev(cli[3], POLLOUT, (int)(8000 * mult())) &
		    POLLOUT);
	ASSERT_EQ(twin_get_int(cli[3], SOL_SOCKET, SO_ERROR), 0);
	ASSERT_EQ(info_of(cli[3]).state, ST_ESTABLISHED);
	for (i = 0; i < 4; i++)
		accept_one(lis);
	ASSERT_EQ(send(cli[3], "late", 4, 0), 4);
}
