// SPDX-License-Identifier: GPL-2.0
/*
 * poll() and epoll on datagram sockets: EPOLLIN exactly while a datagram
 * is queued, EPOLLOUT while the send buffer has room, wake-ups, edge
 * triggering, EPOLLERR with a pending socket error.
 *
 * semantics.md, "poll/epoll". EPOLLOUT going away when the send buffer
 * fills is in test_sndbuf. Node 7 on tw0.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>

#include "harness.h"

#define NODE 7
#define PORT 5000

static int rx, tx;

static void setup(void)
{
	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
}

static short revents(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	ASSERT_OK(poll(&p, 1, ms));
	return p.revents;
}

/* Wait until a datagram is queued (by polling for POLLIN). */
static void wait_queued(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ASSERT_EQ(poll(&p, 1, 2000), 1);
}

TEST(empty_socket_writable_not_readable)
{
	short ev;

	setup();
	ev = revents(rx, 0);
	ASSERT_EQ(ev & (POLLIN | POLLERR | POLLHUP | POLLNVAL), 0);
	ASSERT_TRUE(ev & POLLOUT);
	/* An unbound, unconnected socket is writable too. */
	ev = revents(twin_socket(SOCK_DGRAM), 0);
	ASSERT_EQ(ev, POLLOUT);
}

TEST(pollin_follows_queue)
{
	char buf[8];

	setup();
	ASSERT_EQ(twin_sendto(tx, "1", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(twin_sendto(tx, "2", 1, 0, NODE, PORT), 1);
	wait_queued(rx);
	ASSERT_TRUE(revents(rx, 0) & POLLIN);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 1);
	ASSERT_TRUE(revents(rx, 0) & POLLIN);	/* one more queued */
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 1);
	ASSERT_EQ(revents(rx, 0) & POLLIN, 0);
	/* MSG_PEEK leaves POLLIN set. */
	ASSERT_EQ(twin_sendto(tx, "3", 1, 0, NODE, PORT), 1);
	wait_queued(rx);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT), 1);
	ASSERT_TRUE(revents(rx, 0) & POLLIN);
}

TEST(pollin_for_zero_length_datagram)
{
	char buf[8];

	setup();
	ASSERT_EQ(twin_sendto(tx, NULL, 0, 0, NODE, PORT), 0);
	wait_queued(rx);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 0);
	ASSERT_EQ(revents(rx, 0) & POLLIN, 0);
}

static void send_later(void *arg)
{
	(void)arg;
	sleep_ms(300);
	ASSERT_EQ(twin_sendto(tx, "w", 1, 0, NODE, PORT), 1);
}

TEST(poll_wakes_up)
{
	struct pollfd p;
	double t;
	pid_t pid;

	setup();
	pid = ns_spawn(NULL, send_later, NULL);
	p = (struct pollfd){ .fd = rx, .events = POLLIN };
	t = now_s();
	ASSERT_EQ(poll(&p, 1, 10000), 1);
	t = now_s() - t;
	ASSERT_TRUE(p.revents & POLLIN);
	ASSERT_GE(t, 0.2);
	ASSERT_LT(t, 5.0 * mult());
	ns_wait(pid);
}

TEST(epoll_wakes_up)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep;
	pid_t pid;

	setup();
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_OK(ep);
	ev.data.fd = rx;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, rx, &ev));
	ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 0);
	pid = ns_spawn(NULL, send_later, NULL);
	ASSERT_EQ(epoll_wait(ep, &out, 1, 10000), 1);
	ASSERT_EQ(out.data.fd, rx);
	ASSERT_TRUE(out.events & EPOLLIN);
	ns_wait(pid);
}

TEST(epoll_level_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	char buf[8];
	int ep;

	setup();
	ep = epoll_create1(0);
	ASSERT_OK(ep);
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, rx, &ev));
	ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 1);
	ASSERT_EQ(out.events, EPOLLOUT);
	ASSERT_EQ(twin_sendto(tx, "x", 1, 0, NODE, PORT), 1);
	wait_queued(rx);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 1);
		ASSERT_EQ(out.events & (EPOLLIN | EPOLLOUT), EPOLLIN | EPOLLOUT);
	}
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 1);
	ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 1);
	ASSERT_EQ(out.events, EPOLLOUT);
}

/* Edge-triggered: one event per arrival, none while nothing changes. */
TEST(epoll_edge_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out;
	char buf[8];
	int ep;

	setup();
	ep = epoll_create1(0);
	ASSERT_OK(ep);
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, rx, &ev));
	ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 0);
	ASSERT_EQ(twin_sendto(tx, "a", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(epoll_wait(ep, &out, 1, 2000), 1);
	ASSERT_TRUE(out.events & EPOLLIN);
	ASSERT_EQ(epoll_wait(ep, &out, 1, 100), 0);	/* no new edge */
	/* A second arrival is a new edge even though the queue was not empty. */
	ASSERT_EQ(twin_sendto(tx, "b", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(epoll_wait(ep, &out, 1, 2000), 1);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 1);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 1);
	ASSERT_EQ(epoll_wait(ep, &out, 1, 100), 0);
}

/* One poll over many sockets reports exactly the ones with data. */
TEST(poll_many_sockets)
{
	enum { N = 16 };
	struct pollfd p[N];
	int i, n;

	setup();
	for (i = 0; i < N; i++)
		p[i] = (struct pollfd){ twin_bound(TWIN_NODE_ANY, 7000 + i), POLLIN, 0 };
	for (i = 0; i < N; i += 3)
		ASSERT_EQ(twin_sendto(tx, "m", 1, 0, NODE, 7000 + i), 1);
	sleep_ms(100);
	n = poll(p, N, 1000);
	ASSERT_EQ(n, (N + 2) / 3);
	for (i = 0; i < N; i++)
		ASSERT_EQ(!!(p[i].revents & POLLIN), i % 3 == 0);
}

/*
 * EPOLLERR iff a socket error is pending: a failed neighbour discovery
 * behind a non-blocking send on a connected socket sets EHOSTUNREACH, as
 * an ICMP unreachable does for a connected UDP socket.
 */
/* Poll fd until POLLERR, up to 4 s (x mult); returns the last revents. */
static short wait_pollerr(int fd)
{
	double end = now_s() + 4.0 * mult();
	short ev;

	while (!((ev = revents(fd, 0)) & POLLERR) && now_s() < end)
		sleep_ms(50);
	return ev;
}

TEST_TIMEOUT(pollerr_with_pending_error, 30)
{
	socklen_t len = sizeof(int);
	int fd, err = -1;
	char buf[8];
	short ev;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_bound(TWIN_NODE_ANY, 6000);
	ASSERT_OK(twin_connect(fd, 99, PORT));
	ASSERT_EQ(send(fd, "e", 1, MSG_DONTWAIT), 1);
	ev = wait_pollerr(fd);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	diag("after failed discovery: revents 0x%x, SO_ERROR %s", ev,
	     errno_name(err));
	ASSERT_TRUE(ev & POLLERR);
	ASSERT_EQ(err, EHOSTUNREACH);
	/* SO_ERROR reads and clears it. */
	ASSERT_EQ(revents(fd, 0) & POLLERR, 0);

	/* Again (a fresh discovery): this time the next receive reports it, once. */
	ASSERT_EQ(send(fd, "f", 1, MSG_DONTWAIT), 1);
	ASSERT_TRUE(wait_pollerr(fd) & POLLERR);
	ASSERT_ERRNO(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EHOSTUNREACH);
	ASSERT_ERRNO(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	ASSERT_EQ(revents(fd, 0) & POLLERR, 0);
}
