// SPDX-License-Identifier: GPL-2.0
/*
 * Where a datagram can go: ENETUNREACH without any address, EHOSTUNREACH
 * for a node neighbour discovery cannot find (bounded in time, and by
 * SO_SNDTIMEO), and the non-blocking send that queues behind discovery.
 *
 * semantics.md, "sendmsg()": "No device in the namespace has an address
 * ...", "Unknown node ...".
 */
#include <fcntl.h>
#include <sys/time.h>

#include "harness.h"

#define NODE 7
#define PORT 5000
#define UNKNOWN 99

TEST(enetunreach_without_devices)
{
	int fd = twin_socket(SOCK_DGRAM);

	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, NODE, PORT), ENETUNREACH);
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, MSG_DONTWAIT, UNKNOWN, PORT),
		     ENETUNREACH);
}

TEST(enetunreach_device_without_address)
{
	int fd;

	twin_dev_add(NULL, "tw0", 0, 0);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, UNKNOWN, PORT), ENETUNREACH);
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, MSG_DONTWAIT, UNKNOWN, PORT),
		     ENETUNREACH);
}

/* Broadcast needs an addressed device as much as unicast does. */
TEST(enetunreach_broadcast)
{
	int fd = twin_socket(SOCK_DGRAM), one = 1;

	twin_dev_add(NULL, "tw0", 0, 0);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, TWIN_NODE_BROADCAST, PORT),
		     ENETUNREACH);
}

/* Connected sockets hit the same check on send(). */
TEST(enetunreach_connected)
{
	int fd = twin_socket(SOCK_DGRAM);

	ASSERT_OK(twin_connect(fd, UNKNOWN, PORT));
	ASSERT_ERRNO(send(fd, "x", 1, 0), ENETUNREACH);
}

/* Removing the last address makes the network unreachable again. */
TEST(enetunreach_after_addr_del)
{
	int fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	RUN("twinctl addr del %u dev tw0", NODE);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, UNKNOWN, PORT), ENETUNREACH);
}

TEST(ehostunreach_blocking)
{
	uint64_t solicit;
	double t;
	int fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_socket(SOCK_DGRAM);
	solicit = twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT);
	t = now_s();
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, UNKNOWN, PORT), EHOSTUNREACH);
	t = now_s() - t;
	diag("EHOSTUNREACH after %.0f ms", t * 1000);
	/*
	 * It waited out discovery: 3 solicitations 250 ms apart by default
	 * ("about one second"), less a jiffy; the upper bound is a loaded
	 * machine's.
	 */
	ASSERT_GE(t, 0.7);
	ASSERT_LT(t, 5.0 * mult());
	/* It did look for the node. */
	ASSERT_GT(twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT), solicit);
}

/* Another try after a failure fails the same way, also bounded. */
TEST(ehostunreach_again)
{
	double t;
	int fd, i;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_socket(SOCK_DGRAM);
	for (i = 0; i < 3; i++) {
		t = now_s();
		ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, UNKNOWN, PORT),
			     EHOSTUNREACH);
		ASSERT_LT(now_s() - t, 5.0 * mult());
	}
}

/*
 * Discovery is made to take 15 s (neigh_retrans_ms 5000) so that a send
 * returning within 5 s plainly did not wait it out. Once the send has
 * returned, neigh_retrans_ms goes down to 100: the sysctl is read at each
 * solicitation, so discovery fails about 5 s after it started rather than
 * 15 (the test does not depend on that, only its length does).
 */
#define LONG_RETRANS_MS	5000
#define NOT_WAITED_S	5.0

/*
 * "never longer than SO_SNDTIMEO": when the timeout ends the wait first, the
 * datagram is queued behind discovery as a non-blocking send's would be, and
 * dropped and counted when discovery fails.
 */
TEST_TIMEOUT(blocking_wait_bounded_by_sndtimeo, 40)
{
	struct timeval tv = { 0, 200000 };
	uint64_t before;
	double t;
	int fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	twin_sysctl_set("neigh_retrans_ms", LONG_RETRANS_MS);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	before = twin_stat(NULL, TWIN_STAT_DROP_NEIGH);
	t = now_s();
	ASSERT_EQ(twin_sendto(fd, "x", 1, 0, UNKNOWN, PORT), 1);
	t = now_s() - t;
	diag("returned after %.0f ms with SO_SNDTIMEO 200 ms", t * 1000);
	ASSERT_GT(t, 0.15);
	ASSERT_LT(t, NOT_WAITED_S);	/* not discovery's 15 s */
	/* Queued, not dropped yet: discovery is still running. */
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), before);
	twin_sysctl_set("neigh_retrans_ms", 100);
	ASSERT_EQ(twin_stat_wait(NULL, TWIN_STAT_DROP_NEIGH, before + 1, 30000),
		  before + 1);
}

/* Also on a connected socket. */
TEST(ehostunreach_connected)
{
	int fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(twin_connect(fd, UNKNOWN, PORT));
	ASSERT_ERRNO(send(fd, "x", 1, 0), EHOSTUNREACH);
}

/*
 * Non-blocking: the length comes back at once (discovery takes 15 s, see
 * LONG_RETRANS_MS), the datagram is dropped and counted when discovery
 * fails.
 */
static void nonblocking_unknown(int use_o_nonblock)
{
	uint64_t before;
	double t;
	int fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	twin_sysctl_set("neigh_retrans_ms", LONG_RETRANS_MS);
	fd = twin_socket(SOCK_DGRAM);
	if (use_o_nonblock)
		ASSERT_OK(fcntl(fd, F_SETFL, O_NONBLOCK));
	before = twin_stat(NULL, TWIN_STAT_DROP_NEIGH);
	t = now_s();
	ASSERT_EQ(twin_sendto(fd, "hello", 5, use_o_nonblock ? 0 : MSG_DONTWAIT,
			      UNKNOWN, PORT), 5);
	t = now_s() - t;
	ASSERT_LT(t, NOT_WAITED_S);	/* it did not wait */
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), before);
	twin_sysctl_set("neigh_retrans_ms", 100);
	t = now_s();
	ASSERT_EQ(twin_stat_wait(NULL, TWIN_STAT_DROP_NEIGH, before + 1, 30000),
		  before + 1);
	diag("dropped and counted %.1f s later", now_s() - t);
}

TEST_TIMEOUT(nonblocking_unknown_msg_dontwait, 40)
{
	nonblocking_unknown(0);
}

TEST_TIMEOUT(nonblocking_unknown_o_nonblock, 40)
{
	nonblocking_unknown(1);
}

/* Several datagrams queued behind one discovery are all counted. */
TEST(nonblocking_unknown_several)
{
	uint64_t before;
	int fd, i;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_socket(SOCK_DGRAM);
	before = twin_stat(NULL, TWIN_STAT_DROP_NEIGH);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(twin_sendto(fd, "q", 1, MSG_DONTWAIT, UNKNOWN, PORT), 1);
	ASSERT_EQ(twin_stat_wait(NULL, TWIN_STAT_DROP_NEIGH, before + 3, 15000),
		  before + 3);
}

/*
 * A non-blocking send to a node that exists but is not resolved yet
 * queues behind discovery and is delivered once it completes.
 */
TEST(nonblocking_queued_then_delivered)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	struct sockaddr_twin from;
	char buf[16];
	int tx, rx;

	tx = ns_socket(a, SOCK_DGRAM);
	ns_enter(b);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	ns_enter(NULL);
	ASSERT_EQ(twin_sendto(tx, "queued", 6, MSG_DONTWAIT, 2, PORT), 6);
	ASSERT_EQ(twin_sendto(tx, "second", 6, MSG_DONTWAIT, 2, PORT), 6);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 3000), 6);
	ASSERT_MEMEQ(buf, "queued", 6);
	ASSERT_EQ(from.stw_node, 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 3000), 6);
	ASSERT_MEMEQ(buf, "second", 6);
	ASSERT_EQ(twin_stat(a, TWIN_STAT_DROP_NEIGH), 0);
}

/* A blocking send to an unresolved but existing node waits and succeeds. */
TEST(blocking_send_resolves)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	char buf[16];
	int tx, rx;

	tx = ns_socket(a, SOCK_DGRAM);
	ns_enter(b);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	ns_enter(NULL);
	ASSERT_EQ(twin_sendto(tx, "first", 5, 0, 2, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 3000), 5);
	ASSERT_MEMEQ(buf, "first", 5);
	ASSERT_GE(twin_stat(a, TWIN_STAT_NEIGH_SOLICIT), 1);
	ASSERT_GE(twin_stat(b, TWIN_STAT_NEIGH_ADVERT), 1);
}

/*
 * A down device's address does not make remote nodes reachable, and
 * nothing leaves it: a known peer (node 2 in b, on the same segment)
 * gets no frame once a's tw0 is down, and a counts none sent.
 */
TEST(device_down_unreachable)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	uint64_t tx, sol, rx_b;
	char buf[16];
	int fd, rx;
	ssize_t r;

	fd = ns_socket(a, SOCK_DGRAM);
	ns_enter(b);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	ns_enter(NULL);
	ASSERT_EQ(twin_sendto(fd, "up", 2, 0, 2, PORT), 2);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 3000), 2);

	RUN_NS(a, "ip link set tw0 down");
	tx = twin_stat(a, TWIN_STAT_TX_FRAMES);
	sol = twin_stat(a, TWIN_STAT_NEIGH_SOLICIT);
	rx_b = twin_stat(b, TWIN_STAT_RX_FRAMES);
	errno = 0;
	r = twin_sendto(fd, "x", 1, 0, 2, PORT);
	diag("send over a down device: %zd " TWIN_ERRFMT, r, TWIN_ERRARG(errno));
	ASSERT_EQ(r, -1);
	/* Its neighbours were forgotten; discovery cannot send. */
	ASSERT_EQ(errno, EHOSTUNREACH);
	twin_expect_silence(rx, 300, "a's tw0 is down");
	ASSERT_EQ(twin_stat(a, TWIN_STAT_TX_FRAMES), tx);
	/* Nor is a solicitation counted that could not leave. */
	ASSERT_EQ(twin_stat(a, TWIN_STAT_NEIGH_SOLICIT), sol);
	ASSERT_EQ(twin_stat(b, TWIN_STAT_RX_FRAMES), rx_b);
}
