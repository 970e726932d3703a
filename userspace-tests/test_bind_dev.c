// SPDX-License-Identifier: GPL-2.0
/*
 * Binding a socket to a device: bind() with stw_ifindex and
 * SO_BINDTODEVICE set the same binding. A bound socket hears only frames
 * that arrived on its device and sends only through it; recvmsg() reports
 * the arrival device; a device in a destination is a scope id. When the
 * device goes away the socket gets ENODEV; when its node's address goes,
 * EADDRNOTAVAIL.
 *
 * semantics.md, "Addresses" and "bind()". Most tests use the test's
 * namespace with two devices on two segments:
 *   tw0: node 1, segment 41, shared with namespace b (node 11)
 *   tw1: node 2, segment 42, shared with namespace c (node 12)
 */
#include <net/if.h>
#include <poll.h>

#include "harness.h"

#define SEG0	41
#define SEG1	42
#define N0	1	/* tw0's node */
#define N1	2	/* tw1's node */
#define NB	11	/* b, reached through tw0 */
#define NC	12	/* c, reached through tw1 */
#define PORT	5000

struct topo {
	const char *b, *c;
	int tw0, tw1;
	int tx_b, tx_c;		/* DGRAM senders in b and c (port 4011/4012) */
	int rx_b, rx_c;		/* DGRAM receivers on PORT in b and c */
};

static int ifindex_of(const char *dev)
{
	int idx = (int)if_nametoindex(dev);

	if (idx <= 0)
		harness_fail(__FILE__, __LINE__, "no device %s", dev);
	return idx;
}

static int bound_in(const char *ns, uint32_t node, uint32_t port)
{
	int fd;

	ns_enter(ns);
	fd = twin_bound(node, port);
	ns_enter(NULL);
	return fd;
}

static void topo_up(struct topo *t)
{
	twin_dev_add(NULL, "tw0", SEG0, N0);
	twin_dev_add(NULL, "tw1", SEG1, N1);
	t->b = ns_with_twin("b", SEG0, NB);
	t->c = ns_with_twin("c", SEG1, NC);
	t->tw0 = ifindex_of("tw0");
	t->tw1 = ifindex_of("tw1");
	t->tx_b = bound_in(t->b, TWIN_NODE_ANY, 4011);
	t->tx_c = bound_in(t->c, TWIN_NODE_ANY, 4012);
	t->rx_b = bound_in(t->b, TWIN_NODE_ANY, PORT);
	t->rx_c = bound_in(t->c, TWIN_NODE_ANY, PORT);
}

static struct sockaddr_twin dev_addr(uint32_t node, uint32_t port, int ifindex)
{
	struct sockaddr_twin a = twin_addr(node, port);

	a.stw_ifindex = ifindex;
	return a;
}

static int bind_dev(int fd, uint32_t node, uint32_t port, int ifindex)
{
	struct sockaddr_twin a = dev_addr(node, port, ifindex);

	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static int bindtodevice(int fd, const char *dev)
{
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev,
			  (socklen_t)strlen(dev) + 1);
}

static void expect_name(int fd, uint32_t node, uint32_t port, int ifindex)
{
	struct sockaddr_twin a = twin_name(fd);

	if (a.stw_node != node || a.stw_port != port ||
	    a.stw_ifindex != ifindex)
		harness_fail(__FILE__, __LINE__, "getsockname: expected "
			     "%u:%u ifindex %d, got %u:%u ifindex %d", node,
			     port, ifindex, a.stw_node, a.stw_port,
			     a.stw_ifindex);
}

/* Expect one datagram `msg` on fd from node, arrived on ifindex (0: any). */
static void expect_from(int fd, const char *msg, uint32_t node, int ifindex,
			const char *what)
{
	struct sockaddr_twin from;
	char buf[64];
	ssize_t n;

	n = twin_recv_wait(fd, buf, sizeof(buf), 0, &from, 3000);
	if (n < 0)
		harness_fail(__FILE__, __LINE__, "%s: expected a datagram, got "
			     "nothing " TWIN_ERRFMT, what, TWIN_ERRARG(errno));
	ASSERT_EQ(n, (ssize_t)strlen(msg));
	ASSERT_MEMEQ(buf, msg, n);
	twin_check_reserved(&from, what);
	if (from.stw_node != node || (ifindex && from.stw_ifindex != ifindex))
		harness_fail(__FILE__, __LINE__, "%s: expected from node %u on "
			     "ifindex %d, got node %u on ifindex %d", what,
			     node, ifindex, from.stw_node, from.stw_ifindex);
}

/* ------------------------------------------------------------ bind() */

TEST(bind_ifindex_enodev)
{
	int fd;

	twin_dev_add(NULL, "tw0", 0, N0);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(bind_dev(fd, TWIN_NODE_ANY, PORT, 99999), ENODEV);
	ASSERT_ERRNO(bind_dev(fd, N0, PORT, 99999), ENODEV);
	ASSERT_ERRNO(bind_dev(fd, TWIN_NODE_ANY, PORT, -1), EINVAL);
	expect_name(fd, 0, 0, 0);	/* still unbound */
	ASSERT_OK(bind_dev(fd, TWIN_NODE_ANY, PORT, ifindex_of("tw0")));
}

TEST_TIMEOUT(bind_ifindex_eaddrnotavail, 60)
{
	int fd, tw0, tw1;

	twin_dev_add(NULL, "tw0", 0, N0);
	twin_dev_add(NULL, "tw1", 0, 0);	/* no address */
	tw0 = ifindex_of("tw0");
	tw1 = ifindex_of("tw1");
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(bind_dev(fd, TWIN_NODE_ANY, PORT, tw1), EADDRNOTAVAIL);
	ASSERT_ERRNO(bind_dev(fd, TWIN_NODE_ANY, PORT, 1), EADDRNOTAVAIL); /* lo */
	/* A node that is not tw0's: another device's, or nobody's. */
	RUN("twinctl addr add %u dev tw1", N1);
	ASSERT_ERRNO(bind_dev(fd, N1, PORT, tw0), EADDRNOTAVAIL);
	ASSERT_ERRNO(bind_dev(fd, 99, PORT, tw0), EADDRNOTAVAIL);
	expect_name(fd, 0, 0, 0);
	ASSERT_OK(bind_dev(fd, N1, PORT, tw1));
	expect_name(fd, N1, PORT, tw1);
}

TEST_TIMEOUT(bind_ifindex_success, 60)
{
	int a, b, c, d, tw0, tw1;

	twin_dev_add(NULL, "tw0", 0, N0);
	twin_dev_add(NULL, "tw1", 0, N1);
	tw0 = ifindex_of("tw0");
	tw1 = ifindex_of("tw1");
	a = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bind_dev(a, TWIN_NODE_ANY, PORT, tw0));
	expect_name(a, 0, PORT, tw0);
	b = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bind_dev(b, N1, PORT + 1, tw1));
	expect_name(b, N1, PORT + 1, tw1);
	/* Ports stay per type: another device does not free the port. */
	c = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(bind_dev(c, TWIN_NODE_ANY, PORT, tw1), EADDRINUSE);
	ASSERT_ERRNO(bind_dev(c, N1, PORT, tw1), EADDRINUSE);
	/* An ephemeral port with a device. */
	ASSERT_OK(bind_dev(c, TWIN_NODE_ANY, 0, tw1));
	ASSERT_GE(twin_name(c).stw_port, TWIN_PORT_EPHEMERAL_MIN);
	ASSERT_EQ(twin_name(c).stw_ifindex, tw1);
	/* No device: getsockname says 0. */
	d = twin_bound(TWIN_NODE_ANY, PORT + 2);
	expect_name(d, 0, PORT + 2, 0);
	/* Connection sockets bind to devices the same way. */
	a = twin_socket(SOCK_STREAM);
	ASSERT_OK(bind_dev(a, TWIN_NODE_ANY, PORT, tw1));
	expect_name(a, 0, PORT, tw1);
	a = twin_socket(SOCK_SEQPACKET);
	ASSERT_OK(bind_dev(a, N0, PORT, tw0));
	expect_name(a, N0, PORT, tw0);
}

/* SO_BINDTODEVICE and bind() set one binding; the last call wins. */
TEST_TIMEOUT(bindtodevice_and_bind, 60)
{
	char name[IFNAMSIZ];
	socklen_t len = sizeof(name);
	int fd, tw0, tw1;

	twin_dev_add(NULL, "tw0", 0, N0);
	twin_dev_add(NULL, "tw1", 0, N1);
	tw0 = ifindex_of("tw0");
	tw1 = ifindex_of("tw1");
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bindtodevice(fd, "tw1"));
	expect_name(fd, 0, 0, tw1);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len));
	ASSERT_STREQ(name, "tw1");
	/* A bind() with ifindex 0 keeps it. */
	ASSERT_OK(bind_dev(fd, TWIN_NODE_ANY, PORT, 0));
	expect_name(fd, 0, PORT, tw1);
	/* SO_BINDTODEVICE after bind() moves it. */
	ASSERT_OK(bindtodevice(fd, "tw0"));
	expect_name(fd, 0, PORT, tw0);

	/* bind() with an ifindex after SO_BINDTODEVICE: bind() wins. */
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bindtodevice(fd, "tw0"));
	ASSERT_OK(bind_dev(fd, TWIN_NODE_ANY, PORT + 1, tw1));
	expect_name(fd, 0, PORT + 1, tw1);
	len = sizeof(name);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len));
	ASSERT_STREQ(name, "tw1");
}

static ssize_t sendto_dev(int fd, const char *msg, int flags, uint32_t node,
			  uint32_t port, int ifindex)
{
	struct sockaddr_twin a = dev_addr(node, port, ifindex);

	return sendto(fd, msg, strlen(msg), flags, (struct sockaddr *)&a,
		      sizeof(a));
}

static int connect_dev(int fd, uint32_t node, uint32_t port, int ifindex)
{
	struct sockaddr_twin a = dev_addr(node, port, ifindex);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/*
 * A device in a destination works as IPv6's scope id: it must exist
 * (ENODEV), carry an address (EADDRNOTAVAIL), not be negative (EINVAL) and
 * agree with the socket's binding (EINVAL); sendto() uses it for that
 * datagram only, connect() binds the socket to it.
 */
TEST_TIMEOUT(destination_ifindex, 60)
{
	int fd, rx, rx1, lst, tw0, tw1, tw2;

	twin_dev_add(NULL, "tw0", 0, N0);
	twin_dev_add(NULL, "tw1", 0, N1);
	twin_dev_add(NULL, "tw2", 0, 0);	/* no address */
	tw0 = ifindex_of("tw0");
	tw1 = ifindex_of("tw1");
	tw2 = ifindex_of("tw2");
	rx = twin_bound(N0, PORT);
	rx1 = twin_bound(N1, PORT);

	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(sendto_dev(fd, "x", 0, N0, PORT, 99999), ENODEV);
	ASSERT_ERRNO(sendto_dev(fd, "x", 0, N0, PORT, tw2), EADDRNOTAVAIL);
	ASSERT_ERRNO(sendto_dev(fd, "x", 0, N0, PORT, -1), EINVAL);
	ASSERT_ERRNO(connect_dev(fd, N0, PORT, 99999), ENODEV);
	ASSERT_ERRNO(connect_dev(fd, N0, PORT, tw2), EADDRNOTAVAIL);
	ASSERT_ERRNO(connect_dev(fd, N0, PORT, -1), EINVAL);
	twin_expect_silence(rx, 100, "refused sendto");
	/* The failed calls neither connected nor bound it. */
	ASSERT_ERRNO(send(fd, "x", 1, 0), EDESTADDRREQ);
	ASSERT_EQ(twin_name(fd).stw_ifindex, 0);

	/* sendto(): that datagram only; the socket stays unbound. */
	ASSERT_EQ(sendto_dev(fd, "s", 0, N0, PORT, tw0), 1);
	expect_from(rx, "s", N0, tw0, "sendto with ifindex tw0");
	ASSERT_EQ(twin_name(fd).stw_ifindex, 0);
	ASSERT_EQ(sendto_dev(fd, "t", 0, N1, PORT, tw1), 1);
	expect_from(rx1, "t", N1, tw1, "sendto with ifindex tw1");
	/* Through the wrong device: a local node of tw1 is not on tw0. */
	ASSERT_ERRNO(sendto_dev(fd, "x", 0, N1, PORT, tw0), ENETUNREACH);

	/* It must agree with the binding. */
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bindtodevice(fd, "tw1"));
	ASSERT_ERRNO(sendto_dev(fd, "x", 0, N0, PORT, tw0), EINVAL);
	ASSERT_ERRNO(connect_dev(fd, N0, PORT, tw0), EINVAL);
	ASSERT_EQ(sendto_dev(fd, "u", 0, N1, PORT, tw1), 1);
	expect_from(rx1, "u", N1, tw1, "bound to tw1, ifindex tw1");

	/* connect() binds the socket to the device. */
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(connect_dev(fd, N0, PORT, tw0));
	ASSERT_EQ(twin_name(fd).stw_ifindex, tw0);
	ASSERT_EQ(send(fd, "c", 1, 0), 1);
	expect_from(rx, "c", N0, tw0, "connected with ifindex tw0");
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, N1, PORT), ENETUNREACH);

	/* Connection sockets: the same checks, and the binding. */
	lst = twin_socket(SOCK_STREAM);
	ASSERT_OK(twin_bind(lst, TWIN_NODE_ANY, 6000));
	ASSERT_OK(listen(lst, 8));
	fd = twin_socket(SOCK_STREAM);
	ASSERT_OK(bindtodevice(fd, "tw1"));
	ASSERT_ERRNO(connect_dev(fd, N0, 6000, tw0), EINVAL);
	fd = twin_socket(SOCK_STREAM);
	ASSERT_ERRNO(connect_dev(fd, N0, 6000, 99999), ENODEV);
	fd = twin_socket(SOCK_SEQPACKET);
	ASSERT_ERRNO(connect_dev(fd, N0, 6000, tw2), EADDRNOTAVAIL);
	fd = twin_socket(SOCK_STREAM);
	twin_set_timeo(fd, SO_SNDTIMEO, 5000);
	ASSERT_OK(connect_dev(fd, N0, 6000, tw0));
	ASSERT_EQ(twin_name(fd).stw_ifindex, tw0);
	ASSERT_EQ(twin_name(fd).stw_node, N0);
}

/* Broadcast with a device in the destination: out of that device only. */
TEST_TIMEOUT(sendto_ifindex_picks_device, 90)
{
	struct topo t;
	int fd, one = 1;

	topo_up(&t);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	ASSERT_EQ(sendto_dev(fd, "c", 0, TWIN_NODE_BROADCAST, PORT, t.tw1), 1);
	expect_from(t.rx_c, "c", N1, 0, "broadcast with ifindex tw1");
	twin_expect_silence(t.rx_b, 300, "broadcast with ifindex tw1, on tw0");
	ASSERT_EQ(sendto_dev(fd, "b", 0, TWIN_NODE_BROADCAST, PORT, t.tw0), 1);
	expect_from(t.rx_b, "b", N0, 0, "broadcast with ifindex tw0");
	twin_expect_silence(t.rx_c, 300, "broadcast with ifindex tw0, on tw1");
	ASSERT_EQ(twin_name(fd).stw_ifindex, 0);
	/* A neighbour learned on tw1 is not reached through tw0. */
	ASSERT_EQ(twin_sendto(fd, "n", 1, 0, NC, PORT), 1);
	expect_from(t.rx_c, "n", N1, 0, "unicast to c");
	ASSERT_ERRNO(sendto_dev(fd, "x", 0, NC, PORT, t.tw0), ENETUNREACH);
	ASSERT_EQ(sendto_dev(fd, "m", 0, NC, PORT, t.tw1), 1);
	expect_from(t.rx_c, "m", N1, 0, "unicast to c with ifindex tw1");
}

/* A reply to recvfrom()'s address leaves where the request came in. */
TEST_TIMEOUT(reply_to_recvfrom_address, 90)
{
	struct sockaddr_twin from;
	struct topo t;
	char buf[16];
	int rx;

	topo_up(&t);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	ASSERT_EQ(twin_sendto(t.tx_c, "q", 1, 0, N1, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 3000), 1);
	ASSERT_EQ(from.stw_node, NC);
	ASSERT_EQ(from.stw_ifindex, t.tw1);
	ASSERT_EQ(sendto(rx, "r", 1, 0, (struct sockaddr *)&from, sizeof(from)), 1);
	expect_from(t.tx_c, "r", N1, 0, "reply to c");
	ASSERT_EQ(twin_sendto(t.tx_b, "q", 1, 0, N0, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 3000), 1);
	ASSERT_EQ(from.stw_ifindex, t.tw0);
	ASSERT_EQ(sendto(rx, "s", 1, 0, (struct sockaddr *)&from, sizeof(from)), 1);
	expect_from(t.tx_b, "s", N0, 0, "reply to b");
	/* The socket itself was not bound by either. */
	ASSERT_EQ(twin_name(rx).stw_ifindex, 0);
}

/* ------------------------------------------------------------ receive */

TEST_TIMEOUT(recvfrom_reports_arrival_device, 90)
{
	struct topo t;
	int rx, tx;

	topo_up(&t);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	ASSERT_EQ(twin_sendto(t.tx_b, "b", 1, 0, N0, PORT), 1);
	expect_from(rx, "b", NB, t.tw0, "from b");
	ASSERT_EQ(twin_sendto(t.tx_c, "c", 1, 0, N1, PORT), 1);
	expect_from(rx, "c", NC, t.tw1, "from c");
	/* Local: it loops through the destination node's device. */
	tx = twin_bound(TWIN_NODE_ANY, 4000);
	ASSERT_EQ(twin_sendto(tx, "l", 1, 0, N1, PORT), 1);
	expect_from(rx, "l", N1, t.tw1, "local to node 2");
}

TEST_TIMEOUT(bound_socket_receives_own_device_only, 90)
{
	uint64_t nosock;
	struct topo t;
	int rx;

	topo_up(&t);
	rx = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bind_dev(rx, TWIN_NODE_ANY, PORT, t.tw1));
	nosock = twin_stat(NULL, TWIN_STAT_DROP_NO_SOCKET);
	ASSERT_EQ(twin_sendto(t.tx_b, "b", 1, 0, N0, PORT), 1);
	ASSERT_EQ(twin_sendto(t.tx_c, "c", 1, 0, N1, PORT), 1);
	expect_from(rx, "c", NC, t.tw1, "from c through tw1");
	twin_expect_silence(rx, 300, "b's datagram arrived on tw0");
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NO_SOCKET), nosock + 1);
}

TEST_TIMEOUT(bindtodevice_filters_receive, 90)
{
	uint64_t nosock;
	struct topo t;
	int rx;

	topo_up(&t);
	rx = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bindtodevice(rx, "tw0"));
	ASSERT_OK(twin_bind(rx, TWIN_NODE_ANY, PORT));
	nosock = twin_stat(NULL, TWIN_STAT_DROP_NO_SOCKET);
	ASSERT_EQ(twin_sendto(t.tx_c, "c", 1, 0, N1, PORT), 1);
	ASSERT_EQ(twin_sendto(t.tx_b, "b", 1, 0, N0, PORT), 1);
	expect_from(rx, "b", NB, t.tw0, "from b through tw0");
	twin_expect_silence(rx, 300, "c's datagram arrived on tw1");
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NO_SOCKET), nosock + 1);
}

/* ------------------------------------------------------------ send */

TEST_TIMEOUT(bindtodevice_restricts_send, 90)
{
	struct topo t;
	int any, fd, local;

	topo_up(&t);
	/* Learn c on tw1 with an unbound socket first. */
	any = twin_bound(TWIN_NODE_ANY, 4000);
	ASSERT_EQ(twin_sendto(any, "u", 1, 0, NC, PORT), 1);
	expect_from(t.rx_c, "u", N1, 0, "unbound to c");

	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bindtodevice(fd, "tw0"));
	/* A neighbour learned on tw1, a local node of tw1: not from tw0. */
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, NC, PORT), ENETUNREACH);
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, MSG_DONTWAIT, NC, PORT), ENETUNREACH);
	local = twin_bound(TWIN_NODE_ANY, PORT);
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, N1, PORT), ENETUNREACH);
	twin_expect_silence(t.rx_c, 200, "refused sends");
	twin_expect_silence(local, 10, "refused local send");
	/* Through tw0: fine, from tw0's node. */
	ASSERT_EQ(twin_sendto(fd, "b", 1, 0, NB, PORT), 1);
	expect_from(t.rx_b, "b", N0, 0, "bound to tw0, to b");
	ASSERT_EQ(twin_sendto(fd, "l", 1, 0, N0, PORT), 1);
	expect_from(local, "l", N0, t.tw0, "bound to tw0, to node 1");
}

TEST_TIMEOUT(bindtodevice_broadcast_one_device, 90)
{
	struct topo t;
	int fd, one = 1;

	topo_up(&t);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	ASSERT_OK(bindtodevice(fd, "tw1"));
	ASSERT_EQ(twin_sendto(fd, "bc", 2, 0, TWIN_NODE_BROADCAST, PORT), 2);
	expect_from(t.rx_c, "bc", N1, 0, "broadcast bound to tw1");
	twin_expect_silence(t.rx_b, 300, "broadcast bound to tw1, on tw0");
	/* Unbound: both devices. */
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	ASSERT_EQ(twin_sendto(fd, "al", 2, 0, TWIN_NODE_BROADCAST, PORT), 2);
	expect_from(t.rx_c, "al", N1, 0, "unbound broadcast, c");
	expect_from(t.rx_b, "al", N0, 0, "unbound broadcast, b");
}

/* bind() with an ifindex restricts sends the same way. */
TEST_TIMEOUT(bind_ifindex_restricts_send, 90)
{
	struct topo t;
	int fd;

	topo_up(&t);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bind_dev(fd, TWIN_NODE_ANY, 4000, t.tw1));
	ASSERT_EQ(twin_sendto(fd, "c", 1, 0, NC, PORT), 1);
	expect_from(t.rx_c, "c", N1, 0, "bound to tw1, to c");
	ASSERT_ERRNO(twin_sendto(fd, "x", 1, 0, N0, PORT), ENETUNREACH);
}

/* ------------------------------------------------------------ lifecycle */

TEST_TIMEOUT(device_unregister_enodev, 90)
{
	struct pollfd p;
	struct topo t;
	int s1, s2, s3, err;
	socklen_t len = sizeof(err);
	char buf[8];

	topo_up(&t);
	s1 = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bind_dev(s1, TWIN_NODE_ANY, PORT, t.tw1));
	s2 = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bindtodevice(s2, "tw1"));
	ASSERT_OK(twin_bind(s2, TWIN_NODE_ANY, PORT + 1));
	s3 = twin_bound(TWIN_NODE_ANY, PORT + 2);	/* no device */
	ASSERT_EQ(twin_sendto(s1, "1", 1, 0, NC, PORT), 1);
	expect_from(t.rx_c, "1", N1, 0, "before unregister");

	RUN("ip link del tw1");
	p.fd = s1;
	p.events = POLLIN;
	p.revents = 0;
	ASSERT_EQ(poll(&p, 1, 2000), 1);
	ASSERT_TRUE(p.revents & POLLERR);
	ASSERT_OK(getsockopt(s1, SOL_SOCKET, SO_ERROR, &err, &len));
	ASSERT_EQ(err, ENODEV);
	ASSERT_ERRNO(twin_sendto(s1, "x", 1, 0, NB, PORT), ENODEV);
	ASSERT_ERRNO(twin_sendto(s1, "x", 1, MSG_DONTWAIT, NB, PORT), ENODEV);

	/* The error reaches the next receive as well. */
	ASSERT_ERRNO(recv(s2, buf, sizeof(buf), MSG_DONTWAIT), ENODEV);
	ASSERT_ERRNO(recv(s2, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	ASSERT_ERRNO(twin_sendto(s2, "x", 1, 0, NB, PORT), ENODEV);
	/* Bound elsewhere, it works again. */
	ASSERT_OK(bindtodevice(s2, "tw0"));
	ASSERT_EQ(twin_sendto(s2, "2", 1, 0, NB, PORT), 1);
	expect_from(t.rx_b, "2", N0, 0, "rebound to tw0");

	/* A socket bound to no device saw nothing of it. */
	ASSERT_OK(getsockopt(s3, SOL_SOCKET, SO_ERROR, &err, &len));
	ASSERT_EQ(err, 0);
	ASSERT_EQ(twin_sendto(s3, "3", 1, 0, NB, PORT), 1);
	expect_from(t.rx_b, "3", N0, 0, "unbound socket");
}

/* Moved to another namespace: gone from this one, the same ENODEV. */
TEST_TIMEOUT(device_moved_enodev, 90)
{
	const char *m;
	struct pollfd p;
	struct topo t;
	int s, err;
	socklen_t len = sizeof(err);

	topo_up(&t);
	m = ns_new("m");
	s = twin_socket(SOCK_DGRAM);
	ASSERT_OK(bindtodevice(s, "tw1"));
	ASSERT_EQ(twin_sendto(s, "1", 1, 0, NC, PORT), 1);
	expect_from(t.rx_c, "1", N1, 0, "before the move");

	RUN("ip link set tw1 netns %s", m);
	p.fd = s;
	p.events = POLLIN;
	p.revents = 0;
	ASSERT_EQ(poll(&p, 1, 2000), 1);
	ASSERT_TRUE(p.revents & POLLERR);
	ASSERT_OK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len));
	ASSERT_EQ(err, ENODEV);
	ASSERT_ERRNO(twin_sendto(s, "x", 1, 0, NC, PORT), ENODEV);
	twin_expect_silence(t.rx_c, 200, "send after the move");
	RUN_NS(m, "ip link del tw1");
}

TEST_TIMEOUT(address_removal_eaddrnotavail, 90)
{
	struct topo t;
	int s, fd;

	topo_up(&t);
	s = twin_bound(N1, PORT);
	ASSERT_EQ(twin_sendto(s, "1", 1, 0, NC, PORT), 1);
	expect_from(t.rx_c, "1", N1, 0, "before removal");
	RUN("twinctl addr del %u dev tw1", N1);
	ASSERT_ERRNO(twin_sendto(s, "x", 1, 0, NC, PORT), EADDRNOTAVAIL);
	ASSERT_ERRNO(twin_sendto(s, "x", 1, 0, NB, PORT), EADDRNOTAVAIL);
	/* It keeps its port. */
	expect_name(s, N1, PORT, 0);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_ANY, PORT), EADDRINUSE);
	/* New binds to the removed node, or to its device: refused. */
	ASSERT_ERRNO(twin_bind(fd, N1, PORT + 1), EADDRNOTAVAIL);
	ASSERT_ERRNO(bind_dev(fd, TWIN_NODE_ANY, PORT + 1, t.tw1), EADDRNOTAVAIL);
	/* The address back: the old socket sends again. */
	RUN("twinctl addr add %u dev tw1", N1);
	ASSERT_EQ(twin_sendto(s, "2", 1, 0, NC, PORT), 1);
	expect_from(t.rx_c, "2", N1, 0, "address back");
}

/*
 * A listener bound to tw0 accepts a connection arriving on tw0; a SYN on
 * tw1 finds no socket and is reset: ECONNREFUSED.
 */
TEST_TIMEOUT(stream_listener_bound_device, 90)
{
	struct sockaddr_twin peer;
	socklen_t alen = sizeof(peer);
	struct pollfd p;
	struct topo t;
	int lst, cb, cc, conn;
	char buf[8];

	topo_up(&t);
	lst = twin_socket(SOCK_STREAM);
	ASSERT_OK(bind_dev(lst, TWIN_NODE_ANY, 6000, t.tw0));
	ASSERT_OK(listen(lst, 4));
	expect_name(lst, 0, 6000, t.tw0);

	cb = ns_socket(t.b, SOCK_STREAM);
	twin_set_timeo(cb, SO_SNDTIMEO, 5000);
	ns_enter(t.b);
	ASSERT_OK(twin_connect(cb, N0, 6000));
	ns_enter(NULL);
	twin_set_timeo(lst, SO_RCVTIMEO, 3000);
	conn = accept(lst, (struct sockaddr *)&peer, &alen);
	ASSERT_OK(conn);
	ASSERT_EQ(peer.stw_node, NB);
	ASSERT_EQ(send(cb, "hi", 2, 0), 2);
	twin_set_timeo(conn, SO_RCVTIMEO, 3000);
	ASSERT_EQ(recv(conn, buf, sizeof(buf), 0), 2);

	cc = ns_socket(t.c, SOCK_STREAM);
	twin_set_timeo(cc, SO_SNDTIMEO, 5000);
	ns_enter(t.c);
	ASSERT_ERRNO(twin_connect(cc, N1, 6000), ECONNREFUSED);
	ns_enter(NULL);
	/* Nothing more to accept. */
	p.fd = lst;
	p.events = POLLIN;
	p.revents = 0;
	ASSERT_EQ(poll(&p, 1, 200), 0);
}
