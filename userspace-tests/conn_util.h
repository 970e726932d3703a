/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the connection tests (test_conn, test_conn_close,
 * test_conn_backlog, test_conn_timers, test_conn_peer): the test's own
 * twin segment, listeners and clients with bounded waits, connected pairs
 * in one namespace or across two, poll, TWIN_INFO, /proc/net/twin by port,
 * and the BOTH() macro that runs a body for SOCK_STREAM and SOCK_SEQPACKET.
 * All static inline: each program uses a part of them.
 */
#ifndef TWIN_CONN_UTIL_H
#define TWIN_CONN_UTIL_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <net/if.h>

#include "genl.h"
#include "harness.h"

#define NODE		7	/* the local node, and node of namespace a */
#define NODE_B		9	/* the node of namespace b */
#define PORT		5000
#define WAIT_MS		5000	/* bound of every wait that should succeed */

static pid_t conn_test_pid;

/*
 * At the test's exit, before the harness deletes its devices: reset and
 * free every connection socket left open (as test_conn.c does), so no
 * orphan outlives the test.
 */
static inline void conn_reset_at_exit(void)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	socklen_t len;
	int fd, v;

	if (getpid() != conn_test_pid)
		return;
	for (fd = 3; fd < 1024; fd++) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 ||
		    v != twin_family())
			continue;
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 ||
		    (v != SOCK_STREAM && v != SOCK_SEQPACKET))
			continue;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
	}
}

static inline void conn_test_begin(void)
{
	conn_test_pid = getpid();
	atexit(conn_reset_at_exit);
	signal(SIGPIPE, SIG_IGN);
}

#define BOTH_T(name_, secs_)						\
	static void name_(int type);					\
	TEST_TIMEOUT(stream_##name_, secs_)				\
	{								\
		conn_test_begin();					\
		name_(SOCK_STREAM);					\
	}								\
	TEST_TIMEOUT(seqpacket_##name_, secs_)				\
	{								\
		conn_test_begin();					\
		name_(SOCK_SEQPACKET);					\
	}								\
	static void name_(int type)
#define BOTH(name_) BOTH_T(name_, 0)

/* One test (TAP line) for SOCK_STREAM only. */
#define STREAM_T(name_, secs_)						\
	static void name_(int type);					\
	TEST_TIMEOUT(stream_##name_, secs_)				\
	{								\
		conn_test_begin();					\
		name_(SOCK_STREAM);					\
	}								\
	static void name_(int type)

static inline const char *type_name(int type)
{
	return type == SOCK_STREAM ? "stream" : "seqpacket";
}

static inline void set_linger(int fd, int on, int secs)
{
	struct linger l = { .l_onoff = on, .l_linger = secs };

	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
}

static inline void set_nonblock(int fd)
{
	int fl;

	ASSERT_OK(fl = fcntl(fd, F_GETFL));
	ASSERT_OK(fcntl(fd, F_SETFL, fl | O_NONBLOCK));
}

/*
 * A twin device made in-process (genl LINK_NEW, SIOCSIFMTU to
 * TWIN_TEST_MTU, SIOCSIFFLAGS, genl ADDR_NEW), not by running ip and
 * twinctl: each test needs one and exec is slow on the debug kernel. The
 * segment is the test's own, so its devices meet no other test's, even
 * while a namespace dies.
 */
static inline void fast_dev(const char *ns, const char *dev, uint32_t node)
{
	uint32_t seg = 0x200000 + (uint32_t)conn_test_pid;
	struct genl_attr link[2] = {
		{ TWIN_A_IFNAME, (uint16_t)(strlen(dev) + 1), dev },
		{ TWIN_A_SEGMENT, sizeof(seg), &seg },
	};
	struct genl_attr addr[2] = {
		{ TWIN_A_IFNAME, (uint16_t)(strlen(dev) + 1), dev },
		{ TWIN_A_NODE, sizeof(node), &node },
	};
	char ext[256] = "";
	struct ifreq ifr;
	int fd, fam, err, s;

	ns_enter(ns);
	fd = genl_open();
	ASSERT_GE(fd, 0);
	fam = genl_family(fd, TWIN_GENL_NAME);
	ASSERT_GT(fam, 0);
	err = genl_call(fd, fam, TWIN_CMD_LINK_NEW, 0, link, 2, NULL, NULL,
			ext, sizeof(ext));
	if (err)
		harness_fail(__FILE__, __LINE__, "LINK_NEW %s segment %u: %s %s",
			     dev, seg, strerror(-err), ext);
	ASSERT_OK(s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_mtu = TWIN_TEST_MTU;
	ASSERT_OK(ioctl(s, SIOCSIFMTU, &ifr));
	ASSERT_OK(ioctl(s, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	ASSERT_OK(ioctl(s, SIOCSIFFLAGS, &ifr));
	close(s);
	if (node) {
		err = genl_call(fd, fam, TWIN_CMD_ADDR_NEW, 0, addr, 2, NULL,
				NULL, ext, sizeof(ext));
		if (err)
			harness_fail(__FILE__, __LINE__, "ADDR_NEW %u dev %s: "
				     "%s %s", node, dev, strerror(-err), ext);
	}
	close(fd);
	ns_enter(NULL);
}

/* A listener bound to node:port; accept() waits at most WAIT_MS. */
static inline int listener(int type, uint32_t node, uint32_t port,
			   int backlog)
{
	int fd = twin_socket(type);

	ASSERT_OK(twin_bind(fd, node, port));
	ASSERT_OK(listen(fd, backlog));
	twin_set_timeo(fd, SO_RCVTIMEO, WAIT_MS);
	return fd;
}

/* A client socket whose blocking waits end after WAIT_MS. */
static inline int client(int type)
{
	int fd = twin_socket(type);

	twin_set_timeo(fd, SO_RCVTIMEO, WAIT_MS);
	twin_set_timeo(fd, SO_SNDTIMEO, WAIT_MS);
	return fd;
}

static inline int accept_one(int lis)
{
	int fd = accept(lis, NULL, NULL);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "accept failed " TWIN_ERRFMT,
			     TWIN_ERRARG(errno));
	twin_set_timeo(fd, SO_RCVTIMEO, WAIT_MS);
	twin_set_timeo(fd, SO_SNDTIMEO, WAIT_MS);
	return fd;
}

struct conn {
	int lis, cli, srv;
};

/* Node 7 on tw0 here; listener on ANY:PORT, a client, the accepted. */
static inline struct conn local_pair(int type)
{
	struct conn c;

	fast_dev(NULL, "tw0", NODE);
	c.lis = listener(type, TWIN_NODE_ANY, PORT, 16);
	c.cli = client(type);
	if (twin_connect(c.cli, NODE, PORT) < 0)
		harness_fail(__FILE__, __LINE__, "connect failed " TWIN_ERRFMT,
			     TWIN_ERRARG(errno));
	c.srv = accept_one(c.lis);
	return c;
}

/* Namespaces a (node 7) and b (node 9) on one twin segment. */
static inline void two_ns(const char **a, const char **b)
{
	*a = ns_new("a");
	*b = ns_new("b");
	fast_dev(*a, "tw0", NODE);
	fast_dev(*b, "tw0", NODE_B);
}

/*
 * Listener in b on port (SO_RCVBUF rcvbuf unless 0, inherited by the
 * accepted socket), client in a connected to it, the accepted.
 */
static inline struct conn remote_pair(int type, const char *a, const char *b,
				      uint32_t port, int rcvbuf)
{
	struct conn c;

	ns_enter(b);
	c.lis = twin_socket(type);
	if (rcvbuf)
		twin_set_int(c.lis, SOL_SOCKET, SO_RCVBUF, rcvbuf);
	ASSERT_OK(twin_bind(c.lis, TWIN_NODE_ANY, port));
	ASSERT_OK(listen(c.lis, 16));
	twin_set_timeo(c.lis, SO_RCVTIMEO, WAIT_MS);
	ns_enter(a);
	c.cli = client(type);
	ns_enter(NULL);
	if (twin_connect(c.cli, NODE_B, port) < 0)
		harness_fail(__FILE__, __LINE__, "connect to %u:%u failed "
			     TWIN_ERRFMT, NODE_B, port, TWIN_ERRARG(errno));
	c.srv = accept_one(c.lis);
	return c;
}

/* Receive exactly len bytes equal to expect (any number of records). */
static inline void recv_exact(int fd, const void *expect, size_t len)
{
	static char tmp[TWIN_SEQPACKET_MAX + 1];
	const char *e = expect;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, tmp, sizeof(tmp), 0);
		if (n <= 0)
			harness_fail(__FILE__, __LINE__, "recv after %zu of %zu "
				     "bytes: got %zd " TWIN_ERRFMT, got, len, n,
				     TWIN_ERRARG(errno));
		if (got + n > len)
			harness_fail(__FILE__, __LINE__, "recv: %zd bytes more "
				     "than the %zu expected", got + n - len, len);
		if (memcmp(tmp, e + got, n) != 0)
			harness_fail(__FILE__, __LINE__, "recv: data differs "
				     "at offset %zu", got +
				     harness_memdiff(tmp, e + got, n));
		got += n;
	}
}

/* A message each way. */
static inline void exchange(struct conn *c)
{
	ASSERT_EQ(send(c->cli, "ping", 4, 0), 4);
	recv_exact(c->srv, "ping", 4);
	ASSERT_EQ(send(c->srv, "pong!", 5, 0), 5);
	recv_exact(c->cli, "pong!", 5);
}

/* revents now (events: what poll asks for). */
static inline short revents(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	ASSERT_OK(poll(&p, 1, 0));
	return p.revents;
}

/* Poll until one of want is reported or ms pass; returns the last revents. */
static inline short wait_ev(int fd, short want, int ms)
{
	struct pollfd p = { .fd = fd, .events = want };
	double end = now_s() + ms / 1000.0;
	int left;

	for (;;) {
		left = (int)((end - now_s()) * 1000);
		if (left < 0)
			left = 0;
		p.revents = 0;
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			harness_fail(__FILE__, __LINE__, "poll " TWIN_ERRFMT,
				     TWIN_ERRARG(errno));
		if ((p.revents & want) || left == 0)
			return p.revents;
		sleep_ms(10);	/* only other bits (POLLHUP...): wait on */
	}
}

static inline struct twin_info info_of(int fd)
{
	struct twin_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0xa5, sizeof(ti));
	ASSERT_OK(getsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, &len));
	ASSERT_EQ(len, sizeof(ti));
	return ti;
}

/*
 * The state of the /proc/net/twin line of this type with this local port
 * in the current namespace, into state; false if there is none.
 */
static inline bool proc_state_of_port(const char *type, unsigned long lport,
				      char *state, size_t len)
{
	static char buf[1 << 17];
	char *line, *save = NULL, t[32], s[32];
	unsigned long ln, lp;

	ASSERT_GE(read_file("/proc/net/twin", buf, sizeof(buf)), 0);
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save)))
		if (sscanf(line, "%31s %31s %lu:%lu", t, s, &ln, &lp) == 4 &&
		    !strcmp(t, type) && lp == lport) {
			snprintf(state, len, "%s", s);
			return true;
		}
	return false;
}

#endif /* TWIN_CONN_UTIL_H */
