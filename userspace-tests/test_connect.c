// SPDX-License-Identifier: GPL-2.0
/*
 * connect() on a datagram socket: the default destination, the receive
 * filter, disconnecting with AF_UNSPEC, EDESTADDRREQ and ENOTCONN.
 *
 * semantics.md, "connect()". Everything is on local node 7 (tw0).
 */
#include "harness.h"

#define NODE 7

static void setup(void)
{
	twin_dev_add(NULL, "tw0", 0, NODE);
}

static int disconnect(int fd)
{
	struct sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNSPEC;
	return connect(fd, &sa, sizeof(sa));
}

TEST(getpeername_unconnected)
{
	struct sockaddr_twin a;
	socklen_t len = sizeof(a);
	int fd = twin_socket(SOCK_DGRAM);

	ASSERT_ERRNO(getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
	ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, 5000));
	ASSERT_ERRNO(getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
}

TEST(send_unconnected_no_destination)
{
	struct msghdr mh;
	struct iovec iov = { "x", 1 };
	int fd;

	setup();
	fd = twin_bound(TWIN_NODE_ANY, 5000);
	ASSERT_ERRNO(send(fd, "x", 1, 0), EDESTADDRREQ);
	ASSERT_ERRNO(write(fd, "x", 1), EDESTADDRREQ);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ASSERT_ERRNO(sendmsg(fd, &mh, 0), EDESTADDRREQ);
	/* Unbound too. */
	ASSERT_ERRNO(send(twin_socket(SOCK_DGRAM), "x", 1, 0), EDESTADDRREQ);
}

TEST(connect_sets_peer)
{
	struct sockaddr_twin p;
	int fd;

	setup();
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_OK(twin_connect(fd, NODE, 5000));
	p = twin_peer_name(fd);
	ASSERT_EQ(p.stw_node, NODE);
	ASSERT_EQ(p.stw_port, 5000);
}

TEST(send_uses_default_destination)
{
	struct sockaddr_twin from;
	int rx, tx;
	char buf[16];

	setup();
	rx = twin_bound(TWIN_NODE_ANY, 5000);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	ASSERT_OK(twin_connect(tx, NODE, 5000));
	ASSERT_EQ(send(tx, "hello", 5, 0), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 2000), 5);
	ASSERT_MEMEQ(buf, "hello", 5);
	ASSERT_EQ(from.stw_port, 6000);
	ASSERT_EQ(from.stw_node, NODE);
	/* write() and read() work on a connected socket. */
	ASSERT_EQ(write(tx, "again", 5), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 5);
	ASSERT_MEMEQ(buf, "again", 5);
}

/* Only the peer's datagrams are received; others are not queued. */
TEST(connected_receive_filter)
{
	int a, peer, other_port, buf_len;
	char buf[16];
	struct sockaddr_twin from;

	setup();
	a = twin_bound(TWIN_NODE_ANY, 5000);
	peer = twin_bound(TWIN_NODE_ANY, 6000);
	other_port = twin_bound(TWIN_NODE_ANY, 6001);
	ASSERT_OK(twin_connect(a, NODE, 6000));

	ASSERT_EQ(twin_sendto(other_port, "nope", 4, 0, NODE, 5000), 4);
	twin_expect_silence(a, 300, "datagram from a non-peer port");
	ASSERT_EQ(twin_sendto(peer, "yes", 3, 0, NODE, 5000), 3);
	buf_len = twin_recv_wait(a, buf, sizeof(buf), 0, &from, 2000);
	ASSERT_EQ(buf_len, 3);
	ASSERT_MEMEQ(buf, "yes", 3);
	ASSERT_EQ(from.stw_port, 6000);
	twin_expect_silence(a, 100, "queue after the peer's datagram");
}

/* The filter compares the node too, not only the port. */
TEST(connected_filter_checks_node)
{
	int a, other;
	char buf[16];

	setup();
	twin_dev_add(NULL, "tw1", 0, NODE + 1);
	a = twin_bound(TWIN_NODE_ANY, 5000);
	other = twin_bound(NODE + 1, 6000);
	/* Connected to 7:6000; the datagram comes from 8:6000. */
	ASSERT_OK(twin_connect(a, NODE, 6000));
	ASSERT_EQ(twin_sendto(other, "nope", 4, 0, NODE, 5000), 4);
	twin_expect_silence(a, 300, "datagram from the right port, wrong node");
	ASSERT_OK(disconnect(a));
	ASSERT_EQ(twin_sendto(other, "now", 3, 0, NODE, 5000), 3);
	ASSERT_EQ(twin_recv_wait(a, buf, sizeof(buf), 0, NULL, 2000), 3);
}

TEST(disconnect_af_unspec)
{
	struct sockaddr_twin p;
	socklen_t len = sizeof(p);
	int a, other;
	char buf[16];

	setup();
	a = twin_bound(TWIN_NODE_ANY, 5000);
	other = twin_bound(TWIN_NODE_ANY, 6001);
	ASSERT_OK(twin_connect(a, NODE, 6000));
	ASSERT_OK(disconnect(a));
	ASSERT_ERRNO(getpeername(a, (struct sockaddr *)&p, &len), ENOTCONN);
	ASSERT_ERRNO(send(a, "x", 1, 0), EDESTADDRREQ);
	/* Receives from anyone again. */
	ASSERT_EQ(twin_sendto(other, "any", 3, 0, NODE, 5000), 3);
	ASSERT_EQ(twin_recv_wait(a, buf, sizeof(buf), 0, NULL, 2000), 3);
	/* The local binding survives the disconnect. */
	ASSERT_EQ(twin_name(a).stw_port, 5000);
}

/* Spec silent; UDP: disconnecting an unconnected socket is not an error. */
TEST(disconnect_unconnected)
{
	int fd = twin_socket(SOCK_DGRAM);

	ASSERT_OK(disconnect(fd));
}

/* A new connect() replaces the peer, as for UDP. */
TEST(reconnect_changes_peer)
{
	int a, b1, b2;
	char buf[8];

	setup();
	a = twin_bound(TWIN_NODE_ANY, 5000);
	b1 = twin_bound(TWIN_NODE_ANY, 6001);
	b2 = twin_bound(TWIN_NODE_ANY, 6002);
	ASSERT_OK(twin_connect(a, NODE, 6001));
	ASSERT_OK(twin_connect(a, NODE, 6002));
	ASSERT_EQ(twin_peer_name(a).stw_port, 6002);
	ASSERT_EQ(send(a, "x", 1, 0), 1);
	ASSERT_EQ(twin_recv_wait(b2, buf, sizeof(buf), 0, NULL, 2000), 1);
	twin_expect_silence(b1, 100, "old peer");
	/* The filter follows: b1 is filtered now, b2 is not. */
	ASSERT_EQ(twin_sendto(b1, "1", 1, 0, NODE, 5000), 1);
	twin_expect_silence(a, 300, "datagram from the old peer");
	ASSERT_EQ(twin_sendto(b2, "2", 1, 0, NODE, 5000), 1);
	ASSERT_EQ(twin_recv_wait(a, buf, sizeof(buf), 0, NULL, 2000), 1);
	ASSERT_EQ(buf[0], '2');
}

/* An explicit destination overrides the connected peer (msg_name first). */
TEST(sendto_overrides_peer)
{
	int a, b1, b2;
	char buf[8];

	setup();
	a = twin_bound(TWIN_NODE_ANY, 5000);
	b1 = twin_bound(TWIN_NODE_ANY, 6001);
	b2 = twin_bound(TWIN_NODE_ANY, 6002);
	ASSERT_OK(twin_connect(a, NODE, 6001));
	ASSERT_EQ(twin_sendto(a, "z", 1, 0, NODE, 6002), 1);
	ASSERT_EQ(twin_recv_wait(b2, buf, sizeof(buf), 0, NULL, 2000), 1);
	twin_expect_silence(b1, 100, "connected peer, sendto elsewhere");
}

/* connect() validates like bind(). */
TEST(connect_bad_addresses)
{
	struct sockaddr_twin a = twin_addr(NODE, 5000);
	int fd = twin_socket(SOCK_DGRAM);

	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, 8), EINVAL);
	a.stw_ifindex = 0xff;		/* no such device */
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof(a)), ENODEV);
	a.stw_ifindex = -1;
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	a = twin_addr(NODE, 5000);
	a.stw_reserved = 0x100;
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	/* Nothing was connected by the failed calls. */
	ASSERT_ERRNO(send(fd, "x", 1, 0), EDESTADDRREQ);
}
