// SPDX-License-Identifier: GPL-2.0
/*
 * Datagrams to TWIN_NODE_BROADCAST: EACCES without SO_BROADCAST; with it,
 * one copy out of every device of the namespace that has an address, and
 * no copy for the sender's own namespace.
 *
 * semantics.md, "sendmsg()": "Destination TWIN_NODE_BROADCAST ...".
 */
#include "harness.h"

#define PORT 5000

static void set_broadcast(int fd, int on)
{
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)));
}

static int bound_in(const char *ns, uint32_t port)
{
	int fd;

	ns_enter(ns);
	fd = twin_bound(TWIN_NODE_ANY, port);
	ns_enter(NULL);
	return fd;
}

/* Expect exactly one datagram "msg" from node:port on fd. */
static void expect_one(int fd, const char *msg, uint32_t node, uint32_t port,
		       const char *who)
{
	struct sockaddr_twin from;
	char buf[64];
	ssize_t n;

	n = twin_recv_wait(fd, buf, sizeof(buf), 0, &from, 3000);
	if (n < 0)
		harness_fail(__FILE__, __LINE__, "%s: expected the broadcast, got "
			     "nothing " TWIN_ERRFMT, who, TWIN_ERRARG(errno));
	ASSERT_EQ(n, (ssize_t)strlen(msg));
	ASSERT_MEMEQ(buf, msg, n);
	twin_check_reserved(&from, who);
	if (from.stw_node != node || from.stw_port != port)
		harness_fail(__FILE__, __LINE__, "%s: expected source %u:%u, "
			     "got %u:%u", who, node, port, from.stw_node,
			     from.stw_port);
	twin_expect_silence(fd, 200, who);	/* exactly one copy */
}

TEST(eacces_without_so_broadcast)
{
	int fd;

	twin_dev_add(NULL, "tw0", 0, 7);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_sendto(fd, "b", 1, 0, TWIN_NODE_BROADCAST, PORT), EACCES);
	ASSERT_ERRNO(twin_sendto(fd, "b", 1, MSG_DONTWAIT, TWIN_NODE_BROADCAST,
				 PORT), EACCES);
	/* Switched off again: refused again. */
	set_broadcast(fd, 1);
	set_broadcast(fd, 0);
	ASSERT_ERRNO(twin_sendto(fd, "b", 1, 0, TWIN_NODE_BROADCAST, PORT), EACCES);
}

/* A connected socket: refused at connect() (as UDP does) or at send(). */
TEST(eacces_connected_broadcast)
{
	int fd;

	twin_dev_add(NULL, "tw0", 0, 7);
	fd = twin_socket(SOCK_DGRAM);
	errno = 0;
	if (twin_connect(fd, TWIN_NODE_BROADCAST, PORT) == 0)
		ASSERT_ERRNO(send(fd, "b", 1, 0), EACCES);
	else
		ASSERT_EQ(errno, EACCES);
}

TEST(so_broadcast_roundtrip)
{
	int fd = twin_socket(SOCK_DGRAM), v = -1;
	socklen_t len = sizeof(v);

	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, &len));
	ASSERT_EQ(v, 0);
	set_broadcast(fd, 1);
	len = sizeof(v);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, &len));
	ASSERT_EQ(v, 1);
}

/* Two other namespaces on the segment get it; the sender's does not. */
TEST_TIMEOUT(two_namespaces_receive, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	const char *c = ns_with_twin("c", 0, 3);
	int tx, rb, rc, ra;

	ra = bound_in(a, PORT);		/* a local socket on the port */
	rb = bound_in(b, PORT);
	rc = bound_in(c, PORT);
	tx = bound_in(a, 6000);
	set_broadcast(tx, 1);
	ASSERT_EQ(twin_sendto(tx, "to all", 6, 0, TWIN_NODE_BROADCAST, PORT), 6);
	expect_one(rb, "to all", 1, 6000, "namespace b");
	expect_one(rc, "to all", 1, 6000, "namespace c");
	twin_expect_silence(ra, 300, "the sender's namespace");
	twin_expect_silence(tx, 100, "the sender itself");
}

/* The sender bound to the broadcast port itself gets no copy either. */
TEST_TIMEOUT(sender_on_same_port, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int tx, rb;

	rb = bound_in(b, PORT);
	tx = bound_in(a, PORT);
	set_broadcast(tx, 1);
	ASSERT_EQ(twin_sendto(tx, "self", 4, 0, TWIN_NODE_BROADCAST, PORT), 4);
	expect_one(rb, "self", 1, PORT, "namespace b");
	twin_expect_silence(tx, 300, "the sender bound to the port");
}

/*
 * Every device with an address sends a copy, with its own node as the
 * source; a device without an address sends none.
 */
TEST_TIMEOUT(every_addressed_device, 40)
{
	const char *a = ns_new("a");
	const char *b = ns_with_twin("b", 0, 2);
	const char *d = ns_with_twin("d", 21, 12);
	const char *e = ns_with_twin("e", 22, 13);
	int tx, rb, rd, re;

	twin_dev_add(a, "tw0", 0, 1);
	twin_dev_add(a, "tw1", 21, 11);
	twin_dev_add(a, "tw2", 22, 0);		/* up, no address */
	rb = bound_in(b, PORT);
	rd = bound_in(d, PORT);
	re = bound_in(e, PORT);
	tx = bound_in(a, 6000);
	set_broadcast(tx, 1);
	ASSERT_EQ(twin_sendto(tx, "multi", 5, 0, TWIN_NODE_BROADCAST, PORT), 5);
	expect_one(rb, "multi", 1, 6000, "segment 0 via tw0");
	expect_one(rd, "multi", 11, 6000, "segment 21 via tw1");
	twin_expect_silence(re, 300, "segment 22 via tw2 without an address");
}

/* Receivers bound to ANY get broadcasts; other ports do not. */
TEST_TIMEOUT(only_the_port, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int tx, rb, other;

	rb = bound_in(b, PORT);
	other = bound_in(b, PORT + 1);
	tx = bound_in(a, 6000);
	set_broadcast(tx, 1);
	ASSERT_EQ(twin_sendto(tx, "p", 1, 0, TWIN_NODE_BROADCAST, PORT), 1);
	expect_one(rb, "p", 1, 6000, "the port");
	twin_expect_silence(other, 200, "another port");
}

/* SO_BROADCAST does not change unicast. */
TEST(unicast_with_so_broadcast)
{
	int tx, rx;
	char buf[8];

	twin_dev_add(NULL, "tw0", 0, 7);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	set_broadcast(tx, 1);
	ASSERT_EQ(twin_sendto(tx, "u", 1, 0, 7, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
}

/*
 * One broadcast is one datagram: it must fit every device it goes out
 * of, so the limit is the smallest MTU of the addressed devices.
 */
TEST_TIMEOUT(emsgsize_smallest_mtu, 30)
{
	const char *a = ns_new("a");
	const char *b = ns_with_twin("b", 0, 2);
	static char big[1500];
	int tx, rb;

	twin_dev_add(a, "tw0", 0, 1);
	twin_dev_add(a, "tw1", 23, 11);
	RUN_NS(a, "ip link set tw1 mtu 1000");
	rb = bound_in(b, PORT);
	tx = bound_in(a, 6000);
	set_broadcast(tx, 1);
	ASSERT_ERRNO(twin_sendto(tx, big, 961, 0, TWIN_NODE_BROADCAST, PORT),
		     EMSGSIZE);
	twin_expect_silence(rb, 300, "after EMSGSIZE");
	ASSERT_EQ(twin_sendto(tx, big, 960, 0, TWIN_NODE_BROADCAST, PORT), 960);
	ASSERT_EQ(twin_recv_wait(rb, big, sizeof(big), 0, NULL, 3000), 960);
}
