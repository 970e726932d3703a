// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces: twin devices with the same segment number form one
 * switch across namespaces; sockets, addresses and ports stay per
 * namespace; other segments are unreachable.
 *
 * semantics.md, "Namespaces", and "sendmsg()" for the path MTU.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>

#include "harness.h"

#define PORT_A 5000
#define PORT_B 6000

static int bound_in(const char *ns, uint32_t node, uint32_t port)
{
	int fd;

	ns_enter(ns);
	fd = twin_bound(node, port);
	ns_enter(NULL);
	return fd;
}

static void expect_from(int fd, const void *msg, size_t len, uint32_t node,
			uint32_t port)
{
	struct sockaddr_twin from;
	char buf[2048];

	ASSERT_EQ(twin_recv_wait(fd, buf, sizeof(buf), 0, &from, 3000), (ssize_t)len);
	ASSERT_MEMEQ(buf, msg, len);
	twin_check_reserved(&from, "msg_name");
	ASSERT_EQ(from.stw_node, node);
	ASSERT_EQ(from.stw_port, port);
}

TEST_TIMEOUT(exchange_both_ways, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int sa = bound_in(a, TWIN_NODE_ANY, PORT_A);
	int sb = bound_in(b, TWIN_NODE_ANY, PORT_B);

	ASSERT_EQ(twin_sendto(sa, "ping", 4, 0, 2, PORT_B), 4);
	expect_from(sb, "ping", 4, 1, PORT_A);
	ASSERT_EQ(twin_sendto(sb, "pong", 4, 0, 1, PORT_A), 4);
	expect_from(sa, "pong", 4, 2, PORT_B);
	/* Many more, each way: nothing is lost on a clean segment. */
	for (int i = 0; i < 50; i++) {
		char m[16];
		int n = snprintf(m, sizeof(m), "a%d", i);

		ASSERT_EQ(twin_sendto(sa, m, n, 0, 2, PORT_B), n);
		expect_from(sb, m, n, 1, PORT_A);
		m[0] = 'b';
		ASSERT_EQ(twin_sendto(sb, m, n, 0, 1, PORT_A), n);
		expect_from(sa, m, n, 2, PORT_B);
	}
}

/* A sender bound to its node gives that node as the source. */
TEST_TIMEOUT(source_of_bound_sender, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int sa = bound_in(a, 1, PORT_A);
	int sb = bound_in(b, TWIN_NODE_ANY, PORT_B);
	int auto_a = ns_socket(a, SOCK_DGRAM);

	ASSERT_EQ(twin_sendto(sa, "n", 1, 0, 2, PORT_B), 1);
	expect_from(sb, "n", 1, 1, PORT_A);
	/* Autobound sender: source is node 1 and the ephemeral port. */
	ASSERT_EQ(twin_sendto(auto_a, "e", 1, 0, 2, PORT_B), 1);
	expect_from(sb, "e", 1, 1, twin_name(auto_a).stw_port);
	ASSERT_GE(twin_name(auto_a).stw_port, TWIN_PORT_EPHEMERAL_MIN);
}

/* Each side in its own process, as two programs would be. */
struct side {
	int ready[2];
};

static void side_b(void *arg)
{
	struct side *s = arg;
	struct sockaddr_twin from;
	socklen_t len = sizeof(from);
	char buf[64];
	int fd = twin_bound(TWIN_NODE_ANY, PORT_B);
	ssize_t n;

	ASSERT_EQ(write(s->ready[1], "r", 1), 1);
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	ASSERT_EQ(n, 5);
	ASSERT_EQ(from.stw_node, 1);
	/* Reply to whoever asked. */
	ASSERT_EQ(sendto(fd, "reply", 5, 0, (struct sockaddr *)&from, len), 5);
}

static void side_a(void *arg)
{
	struct side *s = arg;
	struct sockaddr_twin from;
	char buf[64], c;
	int fd = twin_bound(TWIN_NODE_ANY, PORT_A);

	ASSERT_EQ(read(s->ready[0], &c, 1), 1);
	ASSERT_EQ(twin_sendto(fd, "hello", 5, 0, 2, PORT_B), 5);
	ASSERT_EQ(twin_recv_wait(fd, buf, sizeof(buf), 0, &from, 5000), 5);
	ASSERT_MEMEQ(buf, "reply", 5);
	ASSERT_EQ(from.stw_node, 2);
	ASSERT_EQ(from.stw_port, PORT_B);
}

TEST_TIMEOUT(exchange_between_processes, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	struct side s;
	pid_t pb, pa;

	ASSERT_OK(pipe(s.ready));
	pb = ns_spawn(b, side_b, &s);
	pa = ns_spawn(a, side_a, &s);
	ns_wait(pa);
	ns_wait(pb);
}

/* A device on another segment is on another switch. */
TEST_TIMEOUT(other_segment_unreachable, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	const char *c = ns_with_twin("c", 9, 3);
	int sa = bound_in(a, TWIN_NODE_ANY, PORT_A);
	int sb = bound_in(b, TWIN_NODE_ANY, PORT_B);
	int sc = bound_in(c, TWIN_NODE_ANY, PORT_B);

	ASSERT_ERRNO(twin_sendto(sc, "x", 1, 0, 1, PORT_A), EHOSTUNREACH);
	ASSERT_ERRNO(twin_sendto(sc, "x", 1, 0, 2, PORT_B), EHOSTUNREACH);
	ASSERT_ERRNO(twin_sendto(sa, "x", 1, 0, 3, PORT_B), EHOSTUNREACH);
	twin_expect_silence(sa, 100, "a");
	twin_expect_silence(sb, 100, "b");
	twin_expect_silence(sc, 100, "c");
	/* a and b still reach each other. */
	ASSERT_EQ(twin_sendto(sa, "y", 1, 0, 2, PORT_B), 1);
	expect_from(sb, "y", 1, 1, PORT_A);
}

/* Node 7 in two namespaces: no conflict, each delivers locally. */
TEST_TIMEOUT(same_node_in_two_namespaces, 30)
{
	const char *x = ns_with_twin("x", 31, 7);
	const char *y = ns_with_twin("y", 32, 7);
	int rx = bound_in(x, TWIN_NODE_ANY, PORT_A);
	int ry = bound_in(y, TWIN_NODE_ANY, PORT_A);	/* same port: fine */
	int tx = bound_in(x, 7, PORT_B);
	int ty = bound_in(y, 7, PORT_B);

	ASSERT_EQ(twin_sendto(tx, "in x", 4, 0, 7, PORT_A), 4);
	expect_from(rx, "in x", 4, 7, PORT_B);
	twin_expect_silence(ry, 200, "namespace y, for x's datagram");
	ASSERT_EQ(twin_sendto(ty, "in y", 4, 0, 7, PORT_A), 4);
	expect_from(ry, "in y", 4, 7, PORT_B);
	twin_expect_silence(rx, 200, "namespace x, for y's datagram");
}

/* The same node number on the same segment in two namespaces is allowed
 * by "unique within a network namespace"; both addr adds must work. */
TEST(same_node_same_segment_addr_add)
{
	const char *x = ns_with_twin("x", 33, 8);
	const char *y = ns_with_twin("y", 33, 8);

	(void)x;
	(void)y;
}

/* Addresses are per namespace: another namespace's node is not local. */
TEST(bind_other_namespace_node)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int fd = ns_socket(b, SOCK_DGRAM);

	(void)a;
	ASSERT_ERRNO(twin_bind(fd, 1, PORT_A), EADDRNOTAVAIL);
	ASSERT_OK(twin_bind(fd, 2, PORT_A));
}

/* Ports are per namespace. */
TEST(same_port_in_two_namespaces)
{
	const char *a = ns_new("a");
	const char *b = ns_new("b");

	bound_in(a, TWIN_NODE_ANY, PORT_A);
	bound_in(b, TWIN_NODE_ANY, PORT_A);
	/* ...but still exclusive within one. */
	ns_enter(a);
	ASSERT_ERRNO(twin_bind(twin_socket(SOCK_DGRAM), TWIN_NODE_ANY, PORT_A),
		     EADDRINUSE);
	ns_enter(NULL);
}

/* The path MTU of a remote node is that of the device that reaches it. */
TEST_TIMEOUT(emsgsize_remote, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int sa = bound_in(a, TWIN_NODE_ANY, PORT_A);
	int sb = bound_in(b, TWIN_NODE_ANY, PORT_B);
	static char big[1000];

	fill_pattern(big, sizeof(big), 6);
	RUN_NS(a, "ip link set tw0 mtu 1000");
	RUN_NS(b, "ip link set tw0 mtu 1000");
	ASSERT_EQ(twin_sendto(sa, big, 960, 0, 2, PORT_B), 960);
	expect_from(sb, big, 960, 1, PORT_A);
	ASSERT_ERRNO(twin_sendto(sa, big, 961, 0, 2, PORT_B), EMSGSIZE);
	ASSERT_ERRNO(twin_sendto(sa, big, 961, MSG_DONTWAIT, 2, PORT_B), EMSGSIZE);
	twin_expect_silence(sb, 300, "after EMSGSIZE");
}

/* A socket keeps its namespace alive after `ip netns del`. */
TEST_TIMEOUT(socket_outlives_netns_name, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int sa = bound_in(a, TWIN_NODE_ANY, PORT_A);
	int sb = bound_in(b, TWIN_NODE_ANY, PORT_B);
	char path[128];
	int nsfd;

	snprintf(path, sizeof(path), "/run/netns/%s", a);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_OK(nsfd);
	RUN("ip netns del %s", a);
	ASSERT_EQ(twin_sendto(sa, "still", 5, 0, 2, PORT_B), 5);
	expect_from(sb, "still", 5, 1, PORT_A);
	ASSERT_OK(close(sa));
	/* Remove node 1 from segment 0 now, not when the namespace dies. */
	ASSERT_OK(setns(nsfd, CLONE_NEWNET));
	RUN("ip link del tw0");
	ns_enter(NULL);
}

/* Traffic counts in the namespace's counters, on both ends. */
TEST_TIMEOUT(counters_per_namespace, 30)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	int sa = bound_in(a, TWIN_NODE_ANY, PORT_A);
	int sb = bound_in(b, TWIN_NODE_ANY, PORT_B);
	uint64_t txa, rxb, delb;

	ASSERT_EQ(twin_sendto(sa, "1", 1, 0, 2, PORT_B), 1);
	expect_from(sb, "1", 1, 1, PORT_A);
	txa = twin_stat(a, TWIN_STAT_TX_FRAMES);
	rxb = twin_stat(b, TWIN_STAT_RX_FRAMES);
	delb = twin_stat(b, TWIN_STAT_DELIVERED);
	ASSERT_EQ(twin_sendto(sa, "2", 1, 0, 2, PORT_B), 1);
	expect_from(sb, "2", 1, 1, PORT_A);
	ASSERT_EQ(twin_stat(a, TWIN_STAT_TX_FRAMES), txa + 1);
	ASSERT_EQ(twin_stat(b, TWIN_STAT_RX_FRAMES), rxb + 1);
	ASSERT_EQ(twin_stat(b, TWIN_STAT_DELIVERED), delb + 1);
	ASSERT_EQ(twin_stat(a, TWIN_STAT_DELIVERED), 0);
}
