// SPDX-License-Identifier: GPL-2.0
/*
 * A full receive buffer drops datagrams, and every drop is counted: in the
 * socket's counter (SO_RXQ_OVFL, /proc/net/twin) and in the namespace's
 * drop_rcvbuf (TWIN_CMD_STATS_GET, `twinctl -s stats show`).
 * received + dropped == sent, exactly.
 *
 * semantics.md, "recvmsg()": "Receive buffer full".
 */
#include "harness.h"

#define NODE 7
#define PORT 5000
#define N 200
#define SIZE 200

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

/* Receive one datagram; return its SO_RXQ_OVFL value (0 if absent). */
static ssize_t recv_ovfl(int fd, uint32_t *drops, int flags)
{
	char buf[2048], cbuf[CMSG_SPACE(sizeof(uint32_t)) * 4];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(fd, &mh, flags);
	if (n < 0)
		return n;
	*drops = 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
			memcpy(drops, CMSG_DATA(c), sizeof(*drops));
	return n;
}

static int small_rcvbuf_socket(const char *ns)
{
	int fd, one = 1, small = 1, got;
	socklen_t len = sizeof(got);

	ns_enter(ns);
	fd = twin_bound(TWIN_NODE_ANY, PORT);
	ns_enter(NULL);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len));
	diag("SO_RCVBUF is %d", got);
	ASSERT_LT(got, 16384);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)));
	return fd;
}

/* The number after "drop_rcvbuf" in `twinctl -s stats show`. */
static long twinctl_drop_rcvbuf(const char *ns)
{
	char out[4096], *p;

	if (run_cmd_ns(ns, out, sizeof(out), "twinctl -s stats show") != 0)
		harness_fail(__FILE__, __LINE__, "twinctl -s stats show failed");
	p = strstr(out, "drop_rcvbuf");
	if (!p)
		harness_fail(__FILE__, __LINE__, "no drop_rcvbuf in:\n%s", out);
	p += strlen("drop_rcvbuf");
	while (*p == ' ' || *p == ':' || *p == '"' || *p == '\t' || *p == '=')
		p++;
	return strtol(p, NULL, 10);
}

/*
 * Read rx (of namespace ns) until each of the N datagrams sent to it is
 * accounted for, received or counted in drop_rcvbuf (only rx drops there):
 * some may still be on their way when the sender is done. Gives up after
 * 10 s; the caller's assertions say what is missing. Returns how many were
 * received; *last is the highest SO_RXQ_OVFL value seen.
 */
static unsigned int drain_all(int rx, const char *ns, uint32_t *last)
{
	double end = now_s() + 10;
	unsigned int received = 0;
	uint32_t d = 0;
	ssize_t n;

	*last = 0;
	for (;;) {
		while ((n = recv_ovfl(rx, &d, MSG_DONTWAIT)) >= 0) {
			ASSERT_EQ(n, SIZE);
			ASSERT_GE(d, *last);	/* the counter never goes back */
			*last = d;
			received++;
		}
		ASSERT_EQ(errno, EAGAIN);
		if (received + twin_stat(ns, TWIN_STAT_DROP_RCVBUF) >= N ||
		    now_s() > end)
			return received;
		sleep_ms(20);
	}
}

/*
 * Drain fd until all N are accounted for, then send one more datagram
 * (there is room now, and nothing else on its way) whose SO_RXQ_OVFL value
 * is the socket's final drop count.
 */
static void drain_and_count(int rx, int tx, const char *ns, uint32_t to_node,
			    unsigned int *received, uint32_t *dropped)
{
	uint32_t last;

	*received = drain_all(rx, ns, &last);
	ASSERT_EQ(twin_sendto(tx, "m", 1, 0, to_node, PORT), 1);
	ASSERT_GT(twin_recv_wait(rx, NULL, 0, MSG_PEEK, NULL, 3000), -1);
	ASSERT_EQ(recv_ovfl(rx, dropped, MSG_DONTWAIT), 1);
	ASSERT_GE(*dropped, last);
}

TEST(local_flood_counts_drops)
{
	unsigned int received;
	uint32_t dropped;
	char buf[SIZE];
	int rx, tx, i;

	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = small_rcvbuf_socket(NULL);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	fill_pattern(buf, sizeof(buf), 1);
	/* The sender never sees the receiver's drops. */
	for (i = 0; i < N; i++)
		ASSERT_EQ(twin_sendto(tx, buf, SIZE, 0, NODE, PORT), SIZE);
	drain_and_count(rx, tx, NULL, NODE, &received, &dropped);
	diag("sent %d, received %u, dropped %u", N, received, dropped);
	ASSERT_GT(received, 0);
	ASSERT_GT(dropped, 0);
	ASSERT_EQ(received + dropped, N);
	ASSERT_EQ(twin_proc_drops(rx), dropped);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_RCVBUF), dropped);
	require_tool("twinctl");
	ASSERT_EQ(twinctl_drop_rcvbuf(NULL), dropped);
}

/* The same over a segment between two namespaces. */
TEST_TIMEOUT(remote_flood_counts_drops, 40)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	unsigned int received;
	uint32_t dropped;
	char buf[SIZE];
	int rx, tx, i;

	rx = small_rcvbuf_socket(b);
	tx = ns_socket(a, SOCK_DGRAM);
	ns_enter(a);
	ASSERT_OK(twin_bind(tx, TWIN_NODE_ANY, 6000));
	ns_enter(NULL);
	fill_pattern(buf, sizeof(buf), 2);
	/* Resolve the neighbour first (blocking send). */
	for (i = 0; i < N; i++)
		ASSERT_EQ(twin_sendto(tx, buf, SIZE, 0, 2, PORT), SIZE);
	drain_and_count(rx, tx, b, 2, &received, &dropped);
	diag("sent %d, received %u, dropped %u", N, received, dropped);
	ASSERT_GT(dropped, 0);
	ASSERT_EQ(received + dropped, N);
	ASSERT_EQ(twin_stat(b, TWIN_STAT_DROP_RCVBUF), dropped);
	ASSERT_EQ(twin_stat(a, TWIN_STAT_DROP_RCVBUF), 0);
	require_tool("twinctl");
	ASSERT_EQ(twinctl_drop_rcvbuf(b), dropped);
}

/* No drops: no SO_RXQ_OVFL value (or 0), counters stay at 0. */
TEST(no_drops_when_room)
{
	uint32_t d = 123;
	int rx, tx, i, one = 1;

	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	ASSERT_OK(setsockopt(rx, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)));
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(twin_sendto(tx, "0123456789", 10, 0, NODE, PORT), 10);
	for (i = 0; i < 10; i++) {
		ASSERT_GT(twin_recv_wait(rx, NULL, 0, MSG_PEEK, NULL, 2000), -1);
		ASSERT_EQ(recv_ovfl(rx, &d, MSG_DONTWAIT), 10);
		ASSERT_EQ(d, 0);
	}
	ASSERT_EQ(twin_proc_drops(rx), 0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_RCVBUF), 0);
}

/* The socket's counter is per socket: a second socket's drops are its own. */
TEST(drops_are_per_socket)
{
	char buf[SIZE];
	int rx, other, tx, i, one = 1;
	uint32_t last;

	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = small_rcvbuf_socket(NULL);
	other = twin_bound(TWIN_NODE_ANY, PORT + 1);
	ASSERT_OK(setsockopt(other, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)));
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	fill_pattern(buf, sizeof(buf), 3);
	for (i = 0; i < N; i++)
		ASSERT_EQ(twin_sendto(tx, buf, SIZE, 0, NODE, PORT), SIZE);
	drain_all(rx, NULL, &last);	/* all N have arrived or dropped */
	ASSERT_GT(twin_proc_drops(rx), 0);
	ASSERT_EQ(twin_proc_drops(other), 0);
}

/* Reading makes room again: a datagram after draining is accepted. */
TEST(room_after_drain)
{
	char buf[SIZE], got[SIZE];
	int rx, tx, i;
	uint32_t last;

	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = small_rcvbuf_socket(NULL);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	fill_pattern(buf, sizeof(buf), 5);
	for (i = 0; i < N; i++)
		ASSERT_EQ(twin_sendto(tx, buf, SIZE, 0, NODE, PORT), SIZE);
	drain_all(rx, NULL, &last);	/* nothing of the flood is left to come */
	ASSERT_GT(twin_stat(NULL, TWIN_STAT_DROP_RCVBUF), 0);	/* it was full */
	for (i = 0; i < 3; i++) {
		fill_pattern(buf, sizeof(buf), 10 + i);
		ASSERT_EQ(twin_sendto(tx, buf, SIZE, 0, NODE, PORT), SIZE);
		ASSERT_EQ(twin_recv_wait(rx, got, sizeof(got), 0, NULL, 5000), SIZE);
		ASSERT_MEMEQ(got, buf, SIZE);
	}
}
