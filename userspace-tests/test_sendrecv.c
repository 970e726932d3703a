// SPDX-License-Identifier: GPL-2.0
/*
 * sendmsg()/recvmsg() on local node delivery: iovecs, msg_name, MSG_PEEK,
 * MSG_TRUNC (both meanings), zero-length datagrams, EMSGSIZE at the MTU,
 * the flags that are refused, SIOCINQ/SIOCOUTQ, shutdown().
 *
 * semantics.md, "sendmsg()", "recvmsg()", "ioctl". Node 7 on tw0.
 */
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "harness.h"

#define NODE 7
#define PORT 5000

static int rx, tx;

/* tw0 with MTU mtu (0: the device's own), node 7, rx and tx bound. */
static void setup_mtu(unsigned int mtu)
{
	twin_dev_add_mtu(NULL, "tw0", 0, NODE, mtu);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
}

static void setup(void)
{
	setup_mtu(TWIN_TEST_MTU);
}

/* sysfs shows the namespace it was mounted in, not ours: ask an ioctl. */
static int mtu_of(const char *dev)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_OK(fd);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ASSERT_OK(ioctl(fd, SIOCGIFMTU, &ifr));
	close(fd);
	return ifr.ifr_mtu;
}

TEST(local_delivery)
{
	struct sockaddr_twin from;
	char buf[64];

	setup();
	ASSERT_EQ(twin_sendto(tx, "hello twin", 10, 0, NODE, PORT), 10);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 2000), 10);
	ASSERT_MEMEQ(buf, "hello twin", 10);
	ASSERT_EQ(from.stw_family, twin_family());
	ASSERT_EQ(from.stw_node, NODE);
	ASSERT_EQ(from.stw_port, 6000);
	twin_check_reserved(&from, "recvfrom msg_name");
}

/* A socket bound to the node itself receives as well as one on ANY. */
TEST(local_delivery_to_bound_node)
{
	char buf[8];
	int r;

	setup();
	r = twin_bound(NODE, 5001);
	ASSERT_EQ(twin_sendto(tx, "x", 1, 0, NODE, 5001), 1);
	ASSERT_EQ(twin_recv_wait(r, buf, sizeof(buf), 0, NULL, 2000), 1);
}

TEST(msg_name_and_namelen)
{
	struct sockaddr_storage ss;
	struct sockaddr_twin from;
	struct iovec iov;
	struct msghdr mh;
	char buf[32];

	setup();
	ASSERT_EQ(twin_sendto(tx, "abc", 3, 0, NODE, PORT), 3);
	ASSERT_EQ(twin_recv_wait(rx, buf, 0, MSG_PEEK, NULL, 2000), 0);
	memset(&ss, 0xa5, sizeof(ss));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &ss;
	mh.msg_namelen = sizeof(ss);	/* bigger than needed */
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ASSERT_EQ(recvmsg(rx, &mh, 0), 3);
	ASSERT_EQ(mh.msg_namelen, 16);
	memcpy(&from, &ss, sizeof(from));
	ASSERT_EQ(from.stw_node, NODE);
	ASSERT_EQ(from.stw_port, 6000);
	twin_check_reserved(&from, "recvmsg msg_name");
	ASSERT_EQ(mh.msg_flags & MSG_TRUNC, 0);
}

/* msg_name NULL and recv() without an address are fine. */
TEST(recv_without_name)
{
	char buf[8];

	setup();
	ASSERT_EQ(twin_sendto(tx, "q", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, 0, MSG_PEEK, NULL, 2000), 0);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 1);
}

TEST(sendmsg_several_iovecs)
{
	struct iovec iov[3] = {
		{ "one-", 4 }, { "", 0 }, { "three", 5 },
	};
	struct iovec riov[3];
	struct msghdr mh;
	char a[3], b[2], c[16];

	setup();
	memset(&mh, 0, sizeof(mh));
	struct sockaddr_twin to = twin_addr(NODE, PORT);
	mh.msg_name = &to;
	mh.msg_namelen = sizeof(to);
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	ASSERT_EQ(sendmsg(tx, &mh, 0), 9);

	/* Scatter into three buffers on the receiving side. */
	riov[0] = (struct iovec){ a, sizeof(a) };
	riov[1] = (struct iovec){ b, sizeof(b) };
	riov[2] = (struct iovec){ c, sizeof(c) };
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = riov;
	mh.msg_iovlen = 3;
	ASSERT_EQ(twin_recv_wait(rx, NULL, 0, MSG_PEEK, NULL, 2000), 0);
	ASSERT_EQ(recvmsg(rx, &mh, 0), 9);
	ASSERT_MEMEQ(a, "one", 3);
	ASSERT_MEMEQ(b, "-t", 2);
	ASSERT_MEMEQ(c, "hree", 4);
}

/* The largest iovec count the kernel allows, one byte each. */
TEST(sendmsg_many_iovecs)
{
	enum { N = 1024 };
	static struct iovec iov[N];
	static char src[N], dst[N + 1];
	struct sockaddr_twin to = twin_addr(NODE, PORT);
	struct msghdr mh;
	int i;

	setup();
	fill_pattern(src, N, 3);
	for (i = 0; i < N; i++)
		iov[i] = (struct iovec){ &src[i], 1 };
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &to;
	mh.msg_namelen = sizeof(to);
	mh.msg_iov = iov;
	mh.msg_iovlen = N;
	ASSERT_EQ(sendmsg(tx, &mh, 0), N);
	ASSERT_EQ(twin_recv_wait(rx, dst, sizeof(dst), 0, NULL, 2000), N);
	ASSERT_MEMEQ(dst, src, N);
}

TEST(one_datagram_per_call)
{
	char buf[64];

	setup();
	ASSERT_EQ(twin_sendto(tx, "first", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_sendto(tx, "second", 6, 0, NODE, PORT), 6);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 5);
	ASSERT_MEMEQ(buf, "first", 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 6);
	ASSERT_MEMEQ(buf, "second", 6);
}

TEST(msg_peek)
{
	struct sockaddr_twin from;
	char buf[64];

	setup();
	ASSERT_EQ(twin_sendto(tx, "peekaboo", 8, 0, NODE, PORT), 8);
	ASSERT_EQ(twin_sendto(tx, "next", 4, 0, NODE, PORT), 4);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), MSG_PEEK, &from, 2000), 8);
	ASSERT_EQ(from.stw_port, 6000);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT), 8);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 8);
	ASSERT_MEMEQ(buf, "peekaboo", 8);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 4);
}

/* A short buffer truncates, says so in msg_flags, and drops the rest. */
TEST(truncation_sets_msg_trunc)
{
	char buf[100], big[100];
	struct iovec iov = { buf, 10 };
	struct msghdr mh;

	setup();
	fill_pattern(big, sizeof(big), 5);
	ASSERT_EQ(twin_sendto(tx, big, 100, 0, NODE, PORT), 100);
	ASSERT_EQ(twin_sendto(tx, "tail", 4, 0, NODE, PORT), 4);
	ASSERT_EQ(twin_recv_wait(rx, NULL, 0, MSG_PEEK, NULL, 2000), 0);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ASSERT_EQ(recvmsg(rx, &mh, MSG_DONTWAIT), 10);
	ASSERT_TRUE(mh.msg_flags & MSG_TRUNC);
	ASSERT_MEMEQ(buf, big, 10);
	/* The rest of the datagram is gone: the next one follows. */
	iov.iov_len = sizeof(buf);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ASSERT_EQ(recvmsg(rx, &mh, MSG_DONTWAIT), 4);
	ASSERT_EQ(mh.msg_flags & MSG_TRUNC, 0);
	ASSERT_MEMEQ(buf, "tail", 4);
}

/* Passing MSG_TRUNC returns the datagram's real length. */
TEST(msg_trunc_flag_returns_real_length)
{
	char buf[100], big[300];
	struct iovec iov = { buf, 10 };
	struct msghdr mh;

	setup();
	fill_pattern(big, sizeof(big), 9);
	ASSERT_EQ(twin_sendto(tx, big, 300, 0, NODE, PORT), 300);
	ASSERT_EQ(twin_sendto(tx, big, 200, 0, NODE, PORT), 200);
	/* The usual idiom: how big is the next datagram? */
	ASSERT_EQ(twin_recv_wait(rx, NULL, 0, MSG_PEEK | MSG_TRUNC, NULL, 2000),
		  300);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ASSERT_EQ(recvmsg(rx, &mh, MSG_TRUNC | MSG_DONTWAIT), 300);
	ASSERT_TRUE(mh.msg_flags & MSG_TRUNC);
	ASSERT_MEMEQ(buf, big, 10);
	ASSERT_EQ(recv(rx, buf, 10, MSG_TRUNC | MSG_DONTWAIT), 200);
}

TEST(zero_length_datagram)
{
	struct sockaddr_twin from;
	char buf[8];

	setup();
	ASSERT_EQ(twin_sendto(tx, NULL, 0, 0, NODE, PORT), 0);
	ASSERT_EQ(twin_sendto(tx, "after", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 2000), 0);
	ASSERT_EQ(from.stw_port, 6000);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 5);
}

/* payload <= mtu - 40 is fine, one byte more is EMSGSIZE. */
static void check_mtu_limit(int mtu)
{
	int max = mtu - TWIN_HLEN;
	char *big = malloc(max + 1), *got = malloc(max + 1);

	ASSERT_TRUE(big && got);
	fill_pattern(big, max + 1, 1);
	ASSERT_EQ(twin_sendto(tx, big, max, 0, NODE, PORT), max);
	ASSERT_EQ(twin_recv_wait(rx, got, max + 1, 0, NULL, 2000), max);
	ASSERT_MEMEQ(got, big, max);
	ASSERT_ERRNO(twin_sendto(tx, big, max + 1, 0, NODE, PORT), EMSGSIZE);
	ASSERT_ERRNO(twin_sendto(tx, big, 65536, 0, NODE, PORT), EMSGSIZE);
	twin_expect_silence(rx, 100, "after EMSGSIZE");
	free(big);
	free(got);
}

/*
 * A twin device with its own MTU (the test helpers set 1500): 65535, so
 * that a datagram of 65,495 bytes goes whole.
 */
TEST(emsgsize_default_mtu)
{
	setup_mtu(0);
	diag("tw0 mtu %d", mtu_of("tw0"));
	ASSERT_EQ(mtu_of("tw0"), 65535);
	check_mtu_limit(mtu_of("tw0"));
}

TEST(emsgsize_mtu_1000)
{
	setup();
	RUN("ip link set tw0 mtu 1000");
	ASSERT_EQ(mtu_of("tw0"), 1000);
	check_mtu_limit(1000);
}

TEST(send_flags_accepted)
{
	char buf[8];

	setup();
	ASSERT_EQ(twin_sendto(tx, "a", 1, MSG_DONTWAIT, NODE, PORT), 1);
	ASSERT_EQ(twin_sendto(tx, "b", 1, MSG_NOSIGNAL, NODE, PORT), 1);
	ASSERT_EQ(twin_sendto(tx, "c", 1, MSG_CONFIRM, NODE, PORT), 1);
	ASSERT_EQ(twin_sendto(tx, "d", 1, MSG_DONTWAIT | MSG_NOSIGNAL | MSG_CONFIRM,
			      NODE, PORT), 1);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
}

TEST(send_flags_refused)
{
	const struct twin_flag *flags = twin_refused_send_flags;
	size_t i;

	setup();
	for (i = 0; i < twin_refused_send_flags_n; i++) {
		errno = 0;
		ssize_t r = twin_sendto(tx, "x", 1, flags[i].flag, NODE, PORT);

		if (r != -1 || errno != EOPNOTSUPP)
			harness_expect_fail(__FILE__, __LINE__,
				"send with %s: expected EOPNOTSUPP, got %zd "
				TWIN_ERRFMT, flags[i].name, r, TWIN_ERRARG(errno));
	}
	twin_expect_silence(rx, 200, "after refused sends");
}

TEST(recv_oob_errqueue_refused)
{
	char buf[8];

	setup();
	ASSERT_EQ(twin_sendto(tx, "a", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, NULL, 0, MSG_PEEK, NULL, 2000), 0);
	EXPECT_ERRNO(recv(rx, buf, sizeof(buf), MSG_OOB), EOPNOTSUPP);
	EXPECT_ERRNO(recv(rx, buf, sizeof(buf), MSG_ERRQUEUE), EOPNOTSUPP);
	/* Also on an empty queue. */
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 1);
	EXPECT_ERRNO(recv(rx, buf, sizeof(buf), MSG_OOB | MSG_DONTWAIT), EOPNOTSUPP);
	EXPECT_ERRNO(recv(rx, buf, sizeof(buf), MSG_ERRQUEUE | MSG_DONTWAIT),
		     EOPNOTSUPP);
}

/* SIOCINQ is the size of the next datagram, not of the queue. */
TEST(siocinq)
{
	char buf[512];
	int n = -1;

	setup();
	ASSERT_OK(ioctl(rx, SIOCINQ, &n));
	ASSERT_EQ(n, 0);
	ASSERT_EQ(twin_sendto(tx, buf, 100, 0, NODE, PORT), 100);
	ASSERT_EQ(twin_sendto(tx, buf, 300, 0, NODE, PORT), 300);
	ASSERT_EQ(twin_recv_wait(rx, NULL, 0, MSG_PEEK, NULL, 2000), 0);
	ASSERT_OK(ioctl(rx, SIOCINQ, &n));
	ASSERT_EQ(n, 100);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 100);
	ASSERT_OK(ioctl(rx, SIOCINQ, &n));
	ASSERT_EQ(n, 300);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 300);
	ASSERT_OK(ioctl(rx, SIOCINQ, &n));
	ASSERT_EQ(n, 0);
}

TEST(siocoutq_idle)
{
	char buf[64];
	int n = -1;

	setup();
	ASSERT_OK(ioctl(tx, SIOCOUTQ, &n));
	ASSERT_EQ(n, 0);
	ASSERT_EQ(twin_sendto(tx, buf, 64, 0, NODE, PORT), 64);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 64);
	/* Locally delivered: nothing is left to send. */
	for (int i = 0; i < 50; i++) {
		ASSERT_OK(ioctl(tx, SIOCOUTQ, &n));
		if (n == 0)
			break;
		sleep_ms(20);
	}
	ASSERT_EQ(n, 0);
}

/* No socket on the port: the send succeeds and the drop is counted. */
TEST(no_socket_on_port)
{
	uint64_t before;
	char buf[8];

	setup();
	before = twin_stat(NULL, TWIN_STAT_DROP_NO_SOCKET);
	ASSERT_EQ(twin_sendto(tx, "void", 4, 0, NODE, 4999), 4);
	twin_stat_wait(NULL, TWIN_STAT_DROP_NO_SOCKET, before + 1, 5000 * mult());
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NO_SOCKET), before + 1);
	/* Nothing ended up on another socket. */
	ASSERT_ERRNO(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* Local delivery is counted as delivered. */
TEST(delivered_counter)
{
	uint64_t before;
	char buf[8];

	setup();
	before = twin_stat(NULL, TWIN_STAT_DELIVERED);
	ASSERT_EQ(twin_sendto(tx, "c", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DELIVERED), before + 1);
}

/* Data integrity over many sizes. */
TEST(payload_sizes)
{
	static char src[1460], dst[1500];
	int mtu, len;

	setup();
	mtu = mtu_of("tw0");
	for (len = 1; len <= mtu - TWIN_HLEN && len <= (int)sizeof(src);
	     len = len * 3 + 1) {
		fill_pattern(src, len, len);
		ASSERT_EQ(twin_sendto(tx, src, len, 0, NODE, PORT), len);
		ASSERT_EQ(twin_recv_wait(rx, dst, sizeof(dst), 0, NULL, 2000), len);
		ASSERT_MEMEQ(dst, src, len);
	}
}

/*
 * shutdown() on a datagram socket, bound or connected (as AF_UNIX; UDP
 * says ENOTCONN when unconnected): SHUT_WR makes send() fail EPIPE
 * without SIGPIPE (the default action would end this test); SHUT_RD makes
 * recv() return what is queued, then 0 at once instead of waiting;
 * datagrams that arrive after SHUT_RD are still queued, as UDP's; poll()
 * gives POLLRDHUP|POLLIN after SHUT_RD and POLLHUP once both are shut. A
 * bad how: EINVAL.
 */
TEST(shutdown_datagram)
{
	struct pollfd p = { .events = POLLIN | POLLOUT | POLLRDHUP };
	char buf[16];
	int c;

	setup();
	c = twin_bound(TWIN_NODE_ANY, 6001);
	ASSERT_OK(twin_connect(c, NODE, PORT));
	ASSERT_ERRNO(shutdown(tx, 3), EINVAL);
	ASSERT_ERRNO(shutdown(tx, -1), EINVAL);

	ASSERT_OK(shutdown(tx, SHUT_WR));
	ASSERT_ERRNO(twin_sendto(tx, "x", 1, 0, NODE, PORT), EPIPE);
	ASSERT_OK(shutdown(c, SHUT_WR));
	ASSERT_ERRNO(send(c, "x", 1, 0), EPIPE);
	ASSERT_ERRNO(send(c, "x", 1, MSG_DONTWAIT), EPIPE);
	p.fd = tx;
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(p.revents & (POLLIN | POLLRDHUP | POLLHUP), 0);

	/* rx: one datagram queued, then SHUT_RD; another one still lands. */
	ASSERT_EQ(twin_sendto(twin_bound(TWIN_NODE_ANY, 6002), "one", 3, 0,
			      NODE, PORT), 3);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), MSG_PEEK, NULL, 2000), 3);
	ASSERT_OK(shutdown(rx, SHUT_RD));
	p.fd = rx;
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(p.revents & (POLLIN | POLLRDHUP | POLLHUP),
		  POLLIN | POLLRDHUP);
	ASSERT_EQ(twin_sendto(twin_bound(TWIN_NODE_ANY, 6003), "two", 3, 0,
			      NODE, PORT), 3);
	twin_set_timeo(rx, SO_RCVTIMEO, 10000);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 3);
	ASSERT_MEMEQ(buf, "one", 3);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 3);
	ASSERT_MEMEQ(buf, "two", 3);
	/* Empty and shut: 0 at once, blocking or not, not a 10 s wait. */
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 0);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 0);

	ASSERT_OK(shutdown(rx, SHUT_WR));
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_TRUE(p.revents & POLLHUP);
}
