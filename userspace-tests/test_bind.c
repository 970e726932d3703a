// SPDX-License-Identifier: GPL-2.0
/*
 * bind() and the address checks every call taking a sockaddr_twin makes.
 *
 * semantics.md, "Addresses" and "bind()". Each test runs in a fresh
 * network namespace; most give it tw0 with node 7.
 */
#include <linux/capability.h>

#include "harness.h"

#define NODE 7

static void setup(void)
{
	twin_dev_add(NULL, "tw0", 0, NODE);
}

_Static_assert(sizeof(struct sockaddr_twin) == 16, "sockaddr_twin is 16 bytes");

TEST(sockaddr_layout)
{
	ASSERT_EQ(offsetof(struct sockaddr_twin, stw_family), 0);
	ASSERT_EQ(offsetof(struct sockaddr_twin, stw_reserved), 2);
	ASSERT_EQ(offsetof(struct sockaddr_twin, stw_port), 4);
	ASSERT_EQ(offsetof(struct sockaddr_twin, stw_node), 8);
	ASSERT_EQ(offsetof(struct sockaddr_twin, stw_ifindex), 12);
}

TEST(bind_any)
{
	int fd = twin_bound(TWIN_NODE_ANY, 5000);
	struct sockaddr_twin a = twin_name(fd);

	ASSERT_EQ(a.stw_node, 0);
	ASSERT_EQ(a.stw_port, 5000);
}

/* TWIN_NODE_ANY needs no address at all, like INADDR_ANY. */
TEST(bind_any_without_devices)
{
	int fd = twin_bound(TWIN_NODE_ANY, 5000);

	ASSERT_EQ(twin_name(fd).stw_port, 5000);
}

TEST(bind_local_node)
{
	int fd;
	struct sockaddr_twin a;

	setup();
	fd = twin_bound(NODE, 5000);
	a = twin_name(fd);
	ASSERT_EQ(a.stw_node, NODE);
	ASSERT_EQ(a.stw_port, 5000);
}

TEST(short_addrlen)
{
	struct sockaddr_twin a = twin_addr(TWIN_NODE_ANY, 5000);
	int fd = twin_socket(SOCK_DGRAM);
	socklen_t len;

	for (len = 0; len < sizeof(a); len++)
		if (bind(fd, (struct sockaddr *)&a, len) != -1 || errno != EINVAL)
			harness_fail(__FILE__, __LINE__,
				     "addrlen %u: expected EINVAL, got "
				     TWIN_ERRFMT, len, TWIN_ERRARG(errno));
	/* The socket is still unbound: a correct bind works. */
	ASSERT_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
}

TEST(wrong_family)
{
	static const int families[] = { AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6 };
	struct sockaddr_twin a = twin_addr(TWIN_NODE_ANY, 5000);
	int fd = twin_socket(SOCK_DGRAM);
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		a.stw_family = families[i];
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != -1 ||
		    errno != EINVAL)
			harness_fail(__FILE__, __LINE__,
				     "family %d: expected EINVAL, got "
				     TWIN_ERRFMT, families[i], TWIN_ERRARG(errno));
	}
}

/*
 * Each of the two reserved bytes on its own makes the address invalid; so
 * does a negative ifindex (byte 15's top bit). Bytes 12-15 name a device:
 * test_bind_dev covers them.
 */
TEST(reserved_bytes_nonzero)
{
	static const size_t offs[] = { 2, 3 };
	int fd = twin_socket(SOCK_DGRAM);
	struct sockaddr_twin neg;
	size_t i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct sockaddr_twin a = twin_addr(TWIN_NODE_ANY, 5000);

		((unsigned char *)&a)[offs[i]] = 0x01;
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != -1 ||
		    errno != EINVAL)
			harness_fail(__FILE__, __LINE__,
				     "byte %zu set: expected EINVAL, got "
				     TWIN_ERRFMT, offs[i], TWIN_ERRARG(errno));
	}
	neg = twin_addr(TWIN_NODE_ANY, 5000);
	neg.stw_ifindex = -1;
	ASSERT_ERRNO(bind(fd, (struct sockaddr *)&neg, sizeof(neg)), EINVAL);
	ASSERT_EQ(twin_name(fd).stw_port, 0);	/* still unbound */
}

TEST(bind_twice)
{
	int fd;

	setup();
	fd = twin_bound(TWIN_NODE_ANY, 5000);
	ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_ANY, 5001), EINVAL);
	ASSERT_ERRNO(twin_bind(fd, NODE, 5000), EINVAL);
	ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_ANY, 0), EINVAL);
	ASSERT_EQ(twin_name(fd).stw_port, 5000);
}

/* Autobind on the first send makes the socket bound: UDP says EINVAL. */
TEST(bind_after_autobind)
{
	int fd, rx;

	setup();
	rx = twin_bound(NODE, 5000);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_EQ(twin_sendto(fd, "x", 1, 0, NODE, 5000), 1);
	ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_ANY, 6000), EINVAL);
	close(rx);
}

TEST(node_not_local)
{
	int fd;

	setup();
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_bind(fd, 8, 5000), EADDRNOTAVAIL);
	ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_BROADCAST, 5000), EADDRNOTAVAIL);
	ASSERT_OK(twin_bind(fd, NODE, 5000));
}

TEST(node_not_local_without_devices)
{
	int fd = twin_socket(SOCK_DGRAM);

	ASSERT_ERRNO(twin_bind(fd, NODE, 5000), EADDRNOTAVAIL);
}

/* An address removed from its device is no longer local. */
TEST(node_removed)
{
	int fd;

	setup();
	RUN("twinctl addr del %u dev tw0", NODE);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_bind(fd, NODE, 5000), EADDRNOTAVAIL);
}

TEST(port_in_use_same_node)
{
	int a, b;

	setup();
	a = twin_bound(NODE, 5000);
	b = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_bind(b, NODE, 5000), EADDRINUSE);
	/* The failed bind left b unbound and usable. */
	ASSERT_OK(twin_bind(b, NODE, 5001));
	close(a);
}

TEST(port_in_use_any_then_node)
{
	int a, b;

	setup();
	a = twin_bound(TWIN_NODE_ANY, 5000);
	b = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_bind(b, NODE, 5000), EADDRINUSE);
	ASSERT_ERRNO(twin_bind(b, TWIN_NODE_ANY, 5000), EADDRINUSE);
	close(a);
}

TEST(port_in_use_node_then_any)
{
	int a, b;

	setup();
	a = twin_bound(NODE, 5000);
	b = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_bind(b, TWIN_NODE_ANY, 5000), EADDRINUSE);
	close(a);
}

/* Two different local nodes do not overlap: the same port binds twice. */
TEST(same_port_different_nodes)
{
	int a, b;

	setup();
	twin_dev_add(NULL, "tw1", 0, NODE + 1);
	a = twin_bound(NODE, 5000);
	b = twin_bound(NODE + 1, 5000);
	ASSERT_EQ(twin_name(a).stw_node, NODE);
	ASSERT_EQ(twin_name(b).stw_node, NODE + 1);
	/* ...but ANY overlaps both. */
	ASSERT_ERRNO(twin_bind(twin_socket(SOCK_DGRAM), TWIN_NODE_ANY, 5000),
		     EADDRINUSE);
}

/* Closing frees the port at once (no TIME_WAIT for datagrams). */
TEST(port_free_after_close)
{
	int a;

	setup();
	a = twin_bound(NODE, 5000);
	ASSERT_OK(close(a));
	a = twin_bound(NODE, 5000);
	ASSERT_OK(close(a));
	a = twin_bound(TWIN_NODE_ANY, 5000);
	ASSERT_OK(close(a));
}

TEST(ephemeral_port_on_port_zero)
{
	int a, b;
	uint32_t pa, pb;

	setup();
	a = twin_bound(TWIN_NODE_ANY, TWIN_PORT_ANY);
	b = twin_bound(NODE, TWIN_PORT_ANY);
	pa = twin_name(a).stw_port;
	pb = twin_name(b).stw_port;
	ASSERT_GE(pa, TWIN_PORT_EPHEMERAL_MIN);
	ASSERT_GE(pb, TWIN_PORT_EPHEMERAL_MIN);
	ASSERT_NE(pa, pb);
	ASSERT_EQ(twin_name(b).stw_node, NODE);
}

/* Ephemeral ports are distinct among many sockets. */
TEST(ephemeral_ports_distinct)
{
	enum { N = 64 };
	uint32_t ports[N];
	int i, j;

	for (i = 0; i < N; i++) {
		ports[i] = twin_name(twin_bound(TWIN_NODE_ANY, 0)).stw_port;
		ASSERT_GE(ports[i], TWIN_PORT_EPHEMERAL_MIN);
		for (j = 0; j < i; j++)
			ASSERT_NE(ports[i], ports[j]);
	}
}

/*
 * Each ephemeral port is drawn at random (RFC 6056): of 64 taken in a
 * row, no two neighbours differ by less than 64 (by chance: about 2^-18),
 * so a port seen tells nothing of the next.
 */
TEST(ephemeral_ports_random)
{
	enum { N = 64 };
	uint32_t prev = 0, p, d;
	int i;

	for (i = 0; i < N; i++) {
		p = twin_name(twin_bound(TWIN_NODE_ANY, 0)).stw_port;
		d = p > prev ? p - prev : prev - p;
		if (i && d < 64)
			harness_fail(__FILE__, __LINE__, "ephemeral port %u "
				     "follows %u", p, prev);
		prev = p;
	}
}

/* An ephemeral port is in use like any other. */
TEST(ephemeral_port_in_use)
{
	int a = twin_bound(TWIN_NODE_ANY, 0);
	uint32_t p = twin_name(a).stw_port;

	ASSERT_ERRNO(twin_bind(twin_socket(SOCK_DGRAM), TWIN_NODE_ANY, p),
		     EADDRINUSE);
}

TEST(autobind_on_first_send)
{
	struct sockaddr_twin from, name;
	int rx, tx;
	char buf[8];

	setup();
	rx = twin_bound(TWIN_NODE_ANY, 5000);
	tx = twin_socket(SOCK_DGRAM);
	name = twin_name(tx);
	ASSERT_EQ(name.stw_port, 0);
	ASSERT_EQ(twin_sendto(tx, "hi", 2, 0, NODE, 5000), 2);
	name = twin_name(tx);
	ASSERT_GE(name.stw_port, TWIN_PORT_EPHEMERAL_MIN);
	ASSERT_EQ(name.stw_node, 0);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 2000), 2);
	ASSERT_EQ(from.stw_port, name.stw_port);
	ASSERT_EQ(from.stw_node, NODE);
	/* The port stays the same for later sends. */
	ASSERT_EQ(twin_sendto(tx, "hi", 2, 0, NODE, 5000), 2);
	ASSERT_EQ(twin_name(tx).stw_port, name.stw_port);
}

TEST(privileged_port_with_cap)
{
	setup();
	close(twin_bound(TWIN_NODE_ANY, 1));
	close(twin_bound(NODE, 1023));
}

TEST(privileged_port_without_cap)
{
	int fd;

	setup();
	cap_drop(CAP_NET_BIND_SERVICE);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_ANY, 1), EACCES);
	ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_ANY, 1023), EACCES);
	ASSERT_ERRNO(twin_bind(fd, NODE, 80), EACCES);
	/* 1024 and ephemeral ports need no capability. */
	ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, 1024));
	close(fd);
	fd = twin_bound(TWIN_NODE_ANY, 0);
	ASSERT_GE(twin_name(fd).stw_port, TWIN_PORT_EPHEMERAL_MIN);
}

/*
 * STREAM and SEQPACKET sockets bind as datagram sockets do: the same
 * address checks, errnos and port rules (semantics.md, "bind() as for
 * datagrams" under "Connection sockets").
 */
TEST(connection_types_bind_as_datagrams)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_twin a;
	size_t i;
	int fd, other;

	setup();
	for (i = 0; i < 2; i++) {
		fd = twin_socket(types[i]);
		a = twin_addr(TWIN_NODE_ANY, 5000);
		ASSERT_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a) - 1),
			     EINVAL);
		a.stw_family = AF_INET;
		ASSERT_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
		a = twin_addr(TWIN_NODE_ANY, 5000);
		a.stw_reserved = 1;
		ASSERT_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
		a = twin_addr(TWIN_NODE_ANY, 5000);
		a.stw_ifindex = -1;
		ASSERT_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
		a.stw_ifindex = 99999;
		ASSERT_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a)), ENODEV);
		ASSERT_ERRNO(twin_bind(fd, NODE + 1, 5000), EADDRNOTAVAIL);
		ASSERT_EQ(twin_name(fd).stw_port, 0);	/* still unbound */

		/* Ports are per type: a datagram socket on 5000 is no conflict. */
		other = twin_bound(NODE, 5000);
		ASSERT_OK(twin_bind(fd, NODE, 5000));
		ASSERT_ERRNO(twin_bind(fd, NODE, 5001), EINVAL); /* twice */
		ASSERT_ERRNO(twin_bind(twin_socket(types[i]), TWIN_NODE_ANY,
				       5000), EADDRINUSE);
		close(other);
		close(fd);
		fd = twin_socket(types[i]);
		ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, 0));
		ASSERT_GE(twin_name(fd).stw_port, TWIN_PORT_EPHEMERAL_MIN);
		close(fd);
	}
	cap_drop(CAP_NET_BIND_SERVICE);
	for (i = 0; i < 2; i++) {
		fd = twin_socket(types[i]);
		ASSERT_ERRNO(twin_bind(fd, TWIN_NODE_ANY, 1023), EACCES);
		ASSERT_ERRNO(twin_bind(fd, NODE, 80), EACCES);
		ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, 1024));
		close(fd);
	}
}

/* The checks apply to connect() and sendto() as well. */
TEST(connect_sendto_validate_address)
{
	struct sockaddr_twin a;
	int fd;

	setup();
	twin_bound(NODE, 5000);
	fd = twin_socket(SOCK_DGRAM);
	a = twin_addr(NODE, 5000);
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof(a) - 1), EINVAL);
	ASSERT_ERRNO(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a) - 1),
		     EINVAL);
	a.stw_reserved = 1;
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	ASSERT_ERRNO(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)),
		     EINVAL);
	a = twin_addr(NODE, 5000);
	a.stw_ifindex = -1;
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	ASSERT_ERRNO(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)),
		     EINVAL);
	a = twin_addr(NODE, 5000);
	a.stw_family = AF_INET;
	ASSERT_ERRNO(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)),
		     EINVAL);
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
}
