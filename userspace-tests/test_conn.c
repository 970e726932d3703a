// SPDX-License-Identifier: GPL-2.0
/*
 * The life of a connection, SOCK_STREAM and SOCK_SEQPACKET: socket(),
 * listen(), accept(), connect() and every error it can give, names,
 * the errors of send/recv/shutdown, orderly close, resets, poll, keepalive,
 * the SOL_TWIN options and TWIN_INFO, signals, /proc/net/twin.
 *
 * semantics.md, "Connection sockets: SOCK_STREAM and SOCK_SEQPACKET".
 * Every case runs for both types: stream_<case> and seqpacket_<case>.
 * One namespace: node 7 on tw0. Two namespaces: "a" with node 7 and "b"
 * with node 9. Each test's twin devices are on a segment of its own.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <net/if.h>
#include <linux/sockios.h>

#include "conn_util.h"

#define NOBODY		99	/* a node nobody has */

/* TCP_* values of sk_state (include/net/tcp_states.h). */
#define ST_ESTABLISHED	1
#define ST_CLOSE	7
#define ST_LISTEN	10

/* ------------------------------------------------------------ helpers */

static int set_int_ret(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

static int so_error(int fd)
{
	return twin_get_int(fd, SOL_SOCKET, SO_ERROR);
}

static int getpeername_ret(int fd)
{
	struct sockaddr_twin a;
	socklen_t len = sizeof(a);

	return getpeername(fd, (struct sockaddr *)&a, &len);
}

/* The local node 7 on tw0 of the test's namespace. */
static void local_dev(void)
{
	fast_dev(NULL, "tw0", NODE);
}


/*
 * Send len bytes: one send() for SOCK_STREAM (a blocking send returns when
 * all is queued), records of at most rec bytes for SOCK_SEQPACKET.
 */
static void send_all(int fd, int type, const void *buf, size_t len, size_t rec)
{
	const char *p = buf;
	size_t off = 0;
	ssize_t n;

	if (type == SOCK_STREAM)
		rec = len;
	while (off < len) {
		size_t chunk = len - off < rec ? len - off : rec;

		n = send(fd, p + off, chunk, 0);
		if (n < 0)
			harness_fail(__FILE__, __LINE__, "send of %zu bytes at "
				     "offset %zu failed " TWIN_ERRFMT, chunk,
				     off, TWIN_ERRARG(errno));
		if (type == SOCK_SEQPACKET && (size_t)n != chunk)
			harness_fail(__FILE__, __LINE__, "record of %zu bytes "
				     "sent as %zd", chunk, n);
		off += n;
	}
}

static void expect_eof(int fd)
{
	char b[16];

	ASSERT_EQ(recv(fd, b, sizeof(b), 0), 0);
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	ASSERT_OK(fstat(fd, &st));
	return st.st_ino;
}

struct proc_line {
	char type[32], state[32];
	unsigned long lnode, lport, pnode, pport, rxq, txq, drops, inode;
};

/* The /proc/net/twin line of the socket with this inode (false if none). */
static bool proc_find(unsigned long inode, struct proc_line *out)
{
	static char buf[1 << 17];
	char *line, *save = NULL;
	struct proc_line e;

	ASSERT_GE(read_file("/proc/net/twin", buf, sizeof(buf)), 0);
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (sscanf(line, "%31s %31s %lu:%lu %lu:%lu %lu %lu %lu %lu",
			   e.type, e.state, &e.lnode, &e.lport, &e.pnode,
			   &e.pport, &e.rxq, &e.txq, &e.drops, &e.inode) != 10)
			harness_fail(__FILE__, __LINE__, "malformed "
				     "/proc/net/twin line \"%s\"", line);
		if (e.inode == inode) {
			*out = e;
			return true;
		}
	}
	return false;
}

/* Count /proc/net/twin lines of a type and state. */
static int proc_count(const char *type, const char *state)
{
	static char buf[1 << 17];
	char *line, *save = NULL, t[32], s[32];
	int n = 0;

	ASSERT_GE(read_file("/proc/net/twin", buf, sizeof(buf)), 0);
	line = strtok_r(buf, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save)))
		if (sscanf(line, "%31s %31s", t, s) == 2 && !strcmp(t, type) &&
		    !strcmp(s, state))
			n++;
	return n;
}

/* Lines of a type and state with this local port. */
static int proc_count_port(const char *type, const char *state,
			   unsigned long lport)
{
	static char buf[1 << 17];
	char *line, *save = NULL, t[32], s[32];
	unsigned long ln, lp;
	int n = 0;

	ASSERT_GE(read_file("/proc/net/twin", buf, sizeof(buf)), 0);
	line = strtok_r(buf, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save)))
		if (sscanf(line, "%31s %31s %lu:%lu", t, s, &ln, &lp) == 4 &&
		    !strcmp(t, type) && !strcmp(s, state) && lp == lport)
			n++;
	return n;
}

/* Signals: a counting handler installed without SA_RESTART. */
static volatile sig_atomic_t signals_seen;

static void count_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

static void catch_signal(int sig)
{
	struct sigaction sa = { .sa_handler = count_signal };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART */
	ASSERT_OK(sigaction(sig, &sa, NULL));
	signals_seen = 0;
}

/*
 * SIGALRM after ms and every ms after that until alarm_off(), caught
 * without SA_RESTART: the blocking call a test makes next is interrupted
 * even if the first signal comes before it has started to wait.
 */
static void alarm_in(int ms)
{
	struct itimerval it = {
		.it_interval = { ms / 1000, (ms % 1000) * 1000 },
		.it_value = { ms / 1000, (ms % 1000) * 1000 },
	};

	catch_signal(SIGALRM);
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
}

static void alarm_off(void)
{
	struct itimerval it = { 0 };

	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
}

/*
 * Reset and free a connection's sockets now: no orphan outlives the test
 * (one whose peer went silent would hold the module for TWIN_USER_TIMEOUT).
 */
static void abort_conn(struct conn *c)
{
	set_linger(c->cli, 1, 0);
	set_linger(c->srv, 1, 0);
	ASSERT_OK(close(c->cli));
	ASSERT_OK(close(c->srv));
	ASSERT_OK(close(c->lis));
}

/*
 * A peer that stopped answering: a first connection resolves node 9 in a
 * (and a in b), then b's tw0 goes down. Later SYNs to node 9 go out and
 * nobody answers them.
 */
static const char *silent_peer(int type)
{
	const char *a, *b;
	struct conn c;

	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT + 1, 0);
	exchange(&c);
	abort_conn(&c);
	RUN_NS(b, "ip link set tw0 down");
	return a;
}

/* ------------------------------------------------------------ socket() */

BOTH(socket_create)
{
	int fd;

	ASSERT_OK(fd = socket(twin_family(), type, 0));
	ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_TYPE), type);
	ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_ERROR), 0);
	ASSERT_ERRNO(socket(twin_family(), type, 1), EPROTONOSUPPORT);
	ASSERT_ERRNO(socket(twin_family(), type, 6), EPROTONOSUPPORT);
	ASSERT_OK(fd = socket(twin_family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	ASSERT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* A fresh socket is CLOSE, unbound. */
	ASSERT_EQ(info_of(fd).state, ST_CLOSE);
	ASSERT_EQ(twin_name(fd).stw_port, 0);
}

/* ------------------------------------------------------------ listen() */

BOTH(listen_autobind)
{
	struct sockaddr_twin a;
	int lis, cli, srv;

	local_dev();
	lis = twin_socket(type);
	ASSERT_OK(listen(lis, 4));
	a = twin_name(lis);
	ASSERT_EQ(a.stw_node, TWIN_NODE_ANY);
	ASSERT_GE(a.stw_port, TWIN_PORT_EPHEMERAL_MIN);
	ASSERT_EQ(info_of(lis).state, ST_LISTEN);
	/* listen() again changes the backlog only. */
	ASSERT_OK(listen(lis, 8));
	ASSERT_OK(listen(lis, 1));
	ASSERT_EQ(twin_name(lis).stw_port, a.stw_port);
	/* Bound by listen(): bind() now is "bound twice". */
	ASSERT_ERRNO(twin_bind(lis, TWIN_NODE_ANY, PORT), EINVAL);
	/* The ephemeral port is reachable. */
	twin_set_timeo(lis, SO_RCVTIMEO, WAIT_MS);
	cli = client(type);
	ASSERT_OK(twin_connect(cli, NODE, a.stw_port));
	srv = accept_one(lis);
	ASSERT_EQ(twin_peer_name(cli).stw_port, a.stw_port);
	ASSERT_EQ(twin_name(srv).stw_port, a.stw_port);
}

BOTH(listen_connected_einval)
{
	struct conn c = local_pair(type);

	ASSERT_ERRNO(listen(c.cli, 4), EINVAL);
	ASSERT_ERRNO(listen(c.srv, 4), EINVAL);
	ASSERT_EQ(info_of(c.cli).state, ST_ESTABLISHED);
	exchange(&c);
}

/* ------------------------------------------------------------ accept() */

BOTH(accept_not_listening_einval)
{
	struct conn c = local_pair(type);
	int fresh = twin_socket(type), bound = twin_socket(type);

	ASSERT_OK(twin_bind(bound, TWIN_NODE_ANY, PORT + 1));
	ASSERT_ERRNO(accept(fresh, NULL, NULL), EINVAL);
	ASSERT_ERRNO(accept(bound, NULL, NULL), EINVAL);
	ASSERT_ERRNO(accept(c.cli, NULL, NULL), EINVAL);
	ASSERT_ERRNO(accept(c.srv, NULL, NULL), EINVAL);
	ASSERT_ERRNO(accept4(fresh, NULL, NULL, SOCK_NONBLOCK), EINVAL);
}

BOTH(accept_nonblock_eagain)
{
	int lis, cli, srv;
	double t;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	set_nonblock(lis);
	t = now_s();
	ASSERT_ERRNO(accept(lis, NULL, NULL), EAGAIN);
	/* It did not wait: a blocking accept would wait for good. */
	ASSERT_LT(now_s() - t, 5.0 * mult());
	cli = client(type);
	ASSERT_OK(twin_connect(cli, NODE, PORT));
	ASSERT_TRUE(wait_ev(lis, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_OK(srv = accept(lis, NULL, NULL));
	/* The new file does not inherit O_NONBLOCK (accept, not accept4). */
	ASSERT_EQ(fcntl(srv, F_GETFL) & O_NONBLOCK, 0);
	ASSERT_ERRNO(accept(lis, NULL, NULL), EAGAIN);
}

BOTH(accept_rcvtimeo_eagain)
{
	int lis;
	double t;

	lis = twin_socket(type);
	ASSERT_OK(listen(lis, 4));
	twin_set_timeo(lis, SO_RCVTIMEO, 300);
	t = now_s();
	ASSERT_ERRNO(accept(lis, NULL, NULL), EAGAIN);
	t = now_s() - t;
	ASSERT_GE(t, 0.25);
	ASSERT_LT(t, 3.0 * mult());
}

BOTH(accept4_flags)
{
	char b[8];
	int lis, c1, c2, s1, s2;
	double t;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	c1 = client(type);
	c2 = client(type);
	ASSERT_OK(twin_connect(c1, NODE, PORT));
	ASSERT_OK(twin_connect(c2, NODE, PORT));
	ASSERT_OK(s1 = accept4(lis, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
	ASSERT_TRUE(fcntl(s1, F_GETFL) & O_NONBLOCK);
	ASSERT_TRUE(fcntl(s1, F_GETFD) & FD_CLOEXEC);
	t = now_s();
	ASSERT_ERRNO(recv(s1, b, sizeof(b), 0), EAGAIN);
	/* It did not wait: nothing is sent to s1 until later. */
	ASSERT_LT(now_s() - t, 5.0 * mult());
	ASSERT_OK(s2 = accept4(lis, NULL, NULL, 0));
	ASSERT_EQ(fcntl(s2, F_GETFL) & O_NONBLOCK, 0);
	ASSERT_EQ(fcntl(s2, F_GETFD) & FD_CLOEXEC, 0);
	/* The listener's own flags are untouched. */
	ASSERT_EQ(fcntl(lis, F_GETFL) & O_NONBLOCK, 0);
	/* Each accepted socket works. */
	ASSERT_EQ(send(c1, "1", 1, 0), 1);
	ASSERT_TRUE(wait_ev(s1, POLLIN, WAIT_MS) & POLLIN);
	recv_exact(s1, "1", 1);
	ASSERT_EQ(send(c2, "2", 1, 0), 1);
	twin_set_timeo(s2, SO_RCVTIMEO, WAIT_MS);
	recv_exact(s2, "2", 1);
}

/* accept() gives the peer's address; names on both ends. */
BOTH(accept_peer_address)
{
	struct sockaddr_twin pa, cn, x;
	socklen_t len;
	int lis, cli, srv, srv2, cli2;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	ASSERT_ERRNO(getpeername_ret(lis), ENOTCONN);
	cli = client(type);
	ASSERT_ERRNO(getpeername_ret(cli), ENOTCONN);
	ASSERT_OK(twin_connect(cli, NODE, PORT));
	memset(&pa, 0xa5, sizeof(pa));
	len = sizeof(pa);
	ASSERT_OK(srv = accept(lis, (struct sockaddr *)&pa, &len));
	ASSERT_EQ(len, sizeof(pa));
	ASSERT_EQ(pa.stw_family, twin_family());
	twin_check_reserved(&pa, "accept");
	/* The client was unbound: autobound, local node = the peer's. */
	cn = twin_name(cli);
	ASSERT_EQ(cn.stw_node, NODE);
	ASSERT_GE(cn.stw_port, TWIN_PORT_EPHEMERAL_MIN);
	ASSERT_EQ(pa.stw_node, NODE);
	ASSERT_EQ(pa.stw_port, cn.stw_port);
	x = twin_peer_name(cli);
	ASSERT_EQ(x.stw_node, NODE);
	ASSERT_EQ(x.stw_port, PORT);
	/* The accepted socket: local node is the one the client asked for. */
	x = twin_name(srv);
	ASSERT_EQ(x.stw_node, NODE);
	ASSERT_EQ(x.stw_port, PORT);
	x = twin_peer_name(srv);
	ASSERT_EQ(x.stw_node, NODE);
	ASSERT_EQ(x.stw_port, cn.stw_port);
	/* A bound client shows its own port; a short buffer is truncated
	 * and the full length reported. */
	cli2 = client(type);
	ASSERT_OK(twin_bind(cli2, NODE, 6001));
	ASSERT_OK(twin_connect(cli2, NODE, PORT));
	memset(&pa, 0, sizeof(pa));
	len = 8;
	ASSERT_OK(srv2 = accept(lis, (struct sockaddr *)&pa, &len));
	ASSERT_EQ(len, sizeof(pa));
	ASSERT_EQ(pa.stw_port, 6001);
	ASSERT_EQ(pa.stw_node, 0);	/* not copied: past the 8 bytes */
	ASSERT_EQ(twin_peer_name(srv2).stw_port, 6001);
}

/* ------------------------------------------------------------ connect() */

BOTH(connect_refused)
{
	int other = type == SOCK_STREAM ? SOCK_SEQPACKET : SOCK_STREAM;
	int cli;
	double t;

	local_dev();
	cli = client(type);
	t = now_s();
	ASSERT_ERRNO(twin_connect(cli, NODE, PORT), ECONNREFUSED);
	ASSERT_LT(now_s() - t, 2.0 * mult());
	ASSERT_ERRNO(getpeername_ret(cli), ENOTCONN);
	ASSERT_EQ(so_error(cli), 0);	/* reported by connect() */
	/* Ports are per type: a listener of the other type does not answer. */
	listener(other, TWIN_NODE_ANY, PORT, 4);
	cli = client(type);
	ASSERT_ERRNO(twin_connect(cli, NODE, PORT), ECONNREFUSED);
}

/* vsock_test "bind only": bound, not listening, refuses. */
BOTH(connect_refused_bound_only)
{
	int srv, cli;

	local_dev();
	srv = twin_socket(type);
	ASSERT_OK(twin_bind(srv, TWIN_NODE_ANY, PORT));
	cli = client(type);
	ASSERT_ERRNO(twin_connect(cli, NODE, PORT), ECONNREFUSED);
	/* Listening now: accepted. */
	ASSERT_OK(listen(srv, 4));
	cli = client(type);
	ASSERT_OK(twin_connect(cli, NODE, PORT));
}

BOTH_T(connect_refused_remote, 30)
{
	const char *a, *b;
	int cli;
	double t;

	two_ns(&a, &b);
	ns_enter(a);
	cli = client(type);
	ns_enter(NULL);
	t = now_s();
	ASSERT_ERRNO(twin_connect(cli, NODE_B, PORT), ECONNREFUSED);
	ASSERT_LT(now_s() - t, 3.0 * mult());
	/* A bound-only socket in b refuses too. */
	ns_enter(b);
	ASSERT_OK(twin_bind(twin_socket(type), TWIN_NODE_ANY, PORT));
	ns_enter(a);
	cli = client(type);
	ns_enter(NULL);
	ASSERT_ERRNO(twin_connect(cli, NODE_B, PORT), ECONNREFUSED);
}

BOTH_T(connect_remote_names, 30)
{
	const char *a, *b;
	struct sockaddr_twin x;
	struct conn c;

	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 0);
	/* Client bound to ANY: its local node is a's device node. */
	x = twin_name(c.cli);
	ASSERT_EQ(x.stw_node, NODE);
	ASSERT_GE(x.stw_port, TWIN_PORT_EPHEMERAL_MIN);
	ASSERT_EQ(twin_peer_name(c.cli).stw_node, NODE_B);
	ASSERT_EQ(twin_peer_name(c.cli).stw_port, PORT);
	ASSERT_EQ(twin_name(c.srv).stw_node, NODE_B);
	ASSERT_EQ(twin_name(c.srv).stw_port, PORT);
	ASSERT_EQ(twin_peer_name(c.srv).stw_node, NODE);
	ASSERT_EQ(twin_peer_name(c.srv).stw_port, x.stw_port);
	exchange(&c);
}

/*
 * Two devices in a: tw0 (node 7) on a segment of its own, tw1 (node 8) on
 * b's. A blocking connect() from TWIN_NODE_ANY to node 9, not yet in the
 * neighbour cache, waits for discovery and takes the node of the device
 * that reaches the peer (8), not the first device's (7): both ends see 8.
 */
BOTH(connect_any_takes_peer_device_node)
{
	uint32_t seg = 0x300000 + (uint32_t)conn_test_pid;
	const char *a = ns_new("a"), *b = ns_new("b");
	struct conn c;

	fast_dev(a, "tw0", NODE);
	twin_dev_add(a, "tw1", seg, 8);
	twin_dev_add(b, "tw0", seg, NODE_B);
	c = remote_pair(type, a, b, PORT, 0);
	ASSERT_EQ(twin_name(c.cli).stw_node, 8);
	ASSERT_EQ(twin_peer_name(c.srv).stw_node, 8);
	exchange(&c);
}

BOTH(connect_bad_address)
{
	struct sockaddr_twin sa;
	int fd;

	local_dev();
	listener(type, TWIN_NODE_ANY, PORT, 4);
	fd = client(type);
	ASSERT_ERRNO(twin_connect(fd, TWIN_NODE_ANY, PORT), EINVAL);
	ASSERT_ERRNO(twin_connect(fd, NODE, 0), EINVAL);
	ASSERT_ERRNO(twin_connect(fd, TWIN_NODE_BROADCAST, PORT), ENETUNREACH);
	sa = twin_addr(NODE, PORT);
	sa.stw_family = AF_UNSPEC;
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), EINVAL);
	sa.stw_family = AF_INET;
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), EINVAL);
	sa = twin_addr(NODE, PORT);
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&sa, 8), EINVAL);
	sa.stw_reserved = 1;
	ASSERT_ERRNO(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), EINVAL);
	/* None of that left a mark: the socket still connects. */
	ASSERT_EQ(info_of(fd).state, ST_CLOSE);
	ASSERT_OK(twin_connect(fd, NODE, PORT));
}

BOTH(connect_no_address_enetunreach)
{
	int fd = client(type);

	ASSERT_ERRNO(twin_connect(fd, NODE, PORT), ENETUNREACH);
	/* A device without an address changes nothing. */
	fast_dev(NULL, "tw0", 0);
	ASSERT_ERRNO(twin_connect(fd, NODE, PORT), ENETUNREACH);
	ASSERT_ERRNO(twin_connect(fd, NOBODY, PORT), ENETUNREACH);
}

BOTH(connect_twice_eisconn)
{
	struct conn c = local_pair(type);

	ASSERT_ERRNO(twin_connect(c.cli, NODE, PORT), EISCONN);
	ASSERT_ERRNO(twin_connect(c.cli, NODE, PORT + 1), EISCONN);
	ASSERT_ERRNO(twin_connect(c.srv, NODE, PORT), EISCONN);
	exchange(&c);
}

BOTH(connect_nonblock)
{
	int lis, fd, srv;
	short ev;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	ASSERT_OK(fd = socket(twin_family(), type | SOCK_NONBLOCK, 0));
	ASSERT_ERRNO(twin_connect(fd, NODE, PORT), EINPROGRESS);
	ev = wait_ev(fd, POLLOUT, WAIT_MS);
	ASSERT_TRUE(ev & POLLOUT);
	ASSERT_EQ(ev & (POLLERR | POLLHUP), 0);
	ASSERT_EQ(so_error(fd), 0);
	ASSERT_OK(twin_connect(fd, NODE, PORT));
	ASSERT_ERRNO(twin_connect(fd, NODE, PORT), EISCONN);
	srv = accept_one(lis);
	ASSERT_EQ(send(fd, "nb", 2, 0), 2);
	recv_exact(srv, "nb", 2);
}

/*
 * Non-blocking connect() to a port nobody has: EINPROGRESS, then the
 * reset shows in poll() as POLLERR, with POLLIN, POLLOUT and POLLHUP of
 * a socket shut both ways, as tcp_poll() gives; SO_ERROR says
 * ECONNREFUSED once, then 0, and the socket is not connected.
 */
BOTH(connect_nonblock_refused)
{
	short ev;
	int fd;

	local_dev();
	ASSERT_OK(fd = socket(twin_family(), type | SOCK_NONBLOCK, 0));
	ASSERT_ERRNO(twin_connect(fd, NODE, PORT), EINPROGRESS);
	ASSERT_TRUE(wait_ev(fd, POLLERR, WAIT_MS) & POLLERR);
	ev = revents(fd, POLLIN | POLLOUT);
	ASSERT_EQ(ev, POLLIN | POLLOUT | POLLERR | POLLHUP);
	ASSERT_EQ(so_error(fd), ECONNREFUSED);
	ASSERT_EQ(so_error(fd), 0);
	ASSERT_ERRNO(getpeername_ret(fd), ENOTCONN);
}

/* The SYN goes out to a peer that stopped answering: ETIMEDOUT. */
BOTH_T(connect_timeout_silent_peer, 30)
{
	const char *a = silent_peer(type);
	int fd;
	double t;

	ns_enter(a);
	fd = client(type);
	ns_enter(NULL);
	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, 500);
	t = now_s();
	ASSERT_ERRNO(twin_connect(fd, NODE_B, PORT), ETIMEDOUT);
	t = now_s() - t;
	diag("connect gave up after %.3f s", t);
	ASSERT_GE(t, 0.4);
	ASSERT_LT(t, 3.0 * mult());
	ASSERT_ERRNO(getpeername_ret(fd), ENOTCONN);
}

/*
 * A node nobody has never answers: the spec's connect() lists ETIMEDOUT
 * for that, after TWIN_USER_TIMEOUT, and no EHOSTUNREACH. The timeout
 * (1.5 s) is longer than one neighbour discovery (about 0.75 s), so this
 * also checks that a failed discovery does not end the handshake early.
 */
BOTH_T(connect_timeout_unknown_node, 30)
{
	int fd;
	double t;

	local_dev();
	fd = client(type);
	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, 1500);
	t = now_s();
	ASSERT_ERRNO(twin_connect(fd, NOBODY, PORT), ETIMEDOUT);
	t = now_s() - t;
	diag("connect gave up after %.3f s", t);
	ASSERT_GE(t, 1.3);
	ASSERT_LT(t, 5.0 * mult());
}

BOTH_T(connect_nonblock_timeout, 30)
{
	const char *a = silent_peer(type);
	int fd, err;
	short ev;
	double t;

	ns_enter(a);
	ASSERT_OK(fd = socket(twin_family(), type | SOCK_NONBLOCK, 0));
	ns_enter(NULL);
	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, 500);
	t = now_s();
	ASSERT_ERRNO(twin_connect(fd, NODE_B, PORT), EINPROGRESS);
	ASSERT_ERRNO(twin_connect(fd, NODE_B, PORT), EALREADY);
	ASSERT_ERRNO(getpeername_ret(fd), ENOTCONN);
	ASSERT_ERRNO(listen(fd, 4), EINVAL);	/* connecting */
	ASSERT_EQ(revents(fd, POLLOUT) & POLLOUT, 0);
	ev = wait_ev(fd, POLLOUT, WAIT_MS);
	t = now_s() - t;
	err = so_error(fd);
	diag("POLLOUT after %.3f s, revents 0x%x, SO_ERROR %s", t, ev,
	     errno_name(err));
	ASSERT_TRUE(ev & POLLOUT);
	ASSERT_TRUE(ev & POLLERR);
	ASSERT_EQ(err, ETIMEDOUT);
	ASSERT_GE(t, 0.4);
	ASSERT_EQ(so_error(fd), 0);
}

/* Blocking connect bounded by SO_SNDTIMEO: EINPROGRESS, then EALREADY. */
BOTH(connect_sndtimeo_einprogress)
{
	int fd;
	double t;

	local_dev();
	fd = twin_socket(type);
	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, 5000);
	twin_set_timeo(fd, SO_SNDTIMEO, 300);
	t = now_s();
	ASSERT_ERRNO(twin_connect(fd, NOBODY, PORT), EINPROGRESS);
	t = now_s() - t;
	ASSERT_GE(t, 0.25);
	ASSERT_LT(t, 3.0 * mult());
	ASSERT_ERRNO(getpeername_ret(fd), ENOTCONN);
	ASSERT_ERRNO(listen(fd, 4), EINVAL);
	set_nonblock(fd);
	ASSERT_ERRNO(twin_connect(fd, NOBODY, PORT), EALREADY);
}

/* A signal interrupts a blocking connect; the handshake goes on. */
BOTH(connect_eintr)
{
	int fd;
	double t;

	local_dev();
	fd = twin_socket(type);
	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, 5000);
	t = now_s();
	alarm_in(200);
	ASSERT_ERRNO(twin_connect(fd, NOBODY, PORT), EINTR);
	t = now_s() - t;
	alarm_off();
	ASSERT_GE(signals_seen, 1);
	ASSERT_GE(t, 0.15);
	ASSERT_LT(t, 3.0 * mult());
	set_nonblock(fd);
	ASSERT_ERRNO(twin_connect(fd, NOBODY, PORT), EALREADY);
}

/* ------------------------------------------------------------ errors */

BOTH(unconnected_errors)
{
	int fds[3], lis, i, n = 0;
	char b[8];

	local_dev();
	fds[0] = client(type);
	fds[1] = client(type);
	ASSERT_OK(twin_bind(fds[1], TWIN_NODE_ANY, PORT + 1));
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	fds[2] = lis;
	for (i = 0; i < 3; i++) {
		diag("socket %d of 3", i + 1);
		if (fds[i] != lis) {
			ASSERT_ERRNO(send(fds[i], "x", 1, 0), ENOTCONN);
			ASSERT_ERRNO(write(fds[i], "x", 1), ENOTCONN);
		}
		ASSERT_ERRNO(recv(fds[i], b, sizeof(b), MSG_DONTWAIT), ENOTCONN);
		ASSERT_ERRNO(recv(fds[i], b, sizeof(b), 0), ENOTCONN);
		ASSERT_ERRNO(read(fds[i], b, sizeof(b)), ENOTCONN);
		ASSERT_ERRNO(getpeername_ret(fds[i]), ENOTCONN);
	}
	ASSERT_ERRNO(ioctl(lis, SIOCINQ, &n), EINVAL);
	/*
	 * Last: as in TCP, shutdown() on an unconnected socket answers
	 * ENOTCONN but still marks the socket shut (send is then EPIPE).
	 */
	for (i = 0; i < 2; i++) {
		ASSERT_ERRNO(shutdown(fds[i], SHUT_WR), ENOTCONN);
		ASSERT_ERRNO(shutdown(fds[i], SHUT_RDWR), ENOTCONN);
	}
}

BOTH(send_after_shutdown_epipe)
{
	struct conn c = local_pair(type);

	catch_signal(SIGPIPE);
	ASSERT_OK(shutdown(c.cli, SHUT_WR));
	ASSERT_ERRNO(send(c.cli, "x", 1, 0), EPIPE);
	ASSERT_EQ(signals_seen, 1);
	ASSERT_ERRNO(write(c.cli, "x", 1), EPIPE);
	ASSERT_EQ(signals_seen, 2);
	ASSERT_ERRNO(send(c.cli, "x", 1, MSG_NOSIGNAL), EPIPE);
	ASSERT_EQ(signals_seen, 2);
	/* The peer sees EOF; the other direction still works. */
	expect_eof(c.srv);
	ASSERT_EQ(send(c.srv, "back", 4, 0), 4);
	recv_exact(c.cli, "back", 4);
	ASSERT_EQ(signals_seen, 2);
}

/* As TCP: send() on a listener is EPIPE (and SIGPIPE), not ENOTCONN. */
BOTH(listener_send_epipe)
{
	int lis;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	catch_signal(SIGPIPE);
	ASSERT_ERRNO(send(lis, "x", 1, 0), EPIPE);
	ASSERT_EQ(signals_seen, 1);
	ASSERT_ERRNO(send(lis, "x", 1, MSG_NOSIGNAL), EPIPE);
	ASSERT_EQ(signals_seen, 1);
}

/*
 * As TCP: shutdown() on a listener succeeds. SHUT_WR leaves it listening;
 * SHUT_RD stops it, and the next connect() is refused.
 */
BOTH(listener_shutdown)
{
	int lis, fd, srv;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	ASSERT_OK(shutdown(lis, SHUT_WR));
	fd = client(type);
	ASSERT_OK(twin_connect(fd, NODE, PORT));
	srv = accept_one(lis);
	set_linger(srv, 1, 0);
	ASSERT_OK(close(srv));
	ASSERT_OK(shutdown(lis, SHUT_RD));
	fd = client(type);
	ASSERT_ERRNO(twin_connect(fd, NODE, PORT), ECONNREFUSED);
}

/* The server side in CLOSE_WAIT (the client's FIN read), then reset. */
static struct conn reset_in_close_wait(int type)
{
	struct conn c = local_pair(type);

	exchange(&c);
	ASSERT_OK(shutdown(c.cli, SHUT_WR));
	expect_eof(c.srv);
	set_linger(c.cli, 1, 0);
	ASSERT_OK(close(c.cli));
	ASSERT_TRUE(wait_ev(c.srv, POLLERR, WAIT_MS) & POLLERR);
	return c;
}

/*
 * A reset that comes after the peer's FIN (this side in CLOSE_WAIT) is
 * reported as EPIPE, once, by the next call, not as ECONNRESET: the peer
 * had closed in order, as TCP reports it.
 */
BOTH(reset_in_close_wait_epipe)
{
	struct conn c = reset_in_close_wait(type);
	char b[8];

	ASSERT_EQ(so_error(c.srv), EPIPE);
	ASSERT_EQ(so_error(c.srv), 0);
	ASSERT_ERRNO(send(c.srv, "x", 1, MSG_NOSIGNAL), EPIPE);
	ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 0);
}

/* The same reset, read first: the read reports EPIPE once, then 0. */
BOTH(reset_in_close_wait_read)
{
	struct conn c = reset_in_close_wait(type);
	char b[8];

	ASSERT_ERRNO(recv(c.srv, b, sizeof(b), 0), EPIPE);
	ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 0);
	ASSERT_ERRNO(send(c.srv, "x", 1, MSG_NOSIGNAL), EPIPE);
}

BOTH(msg_oob_eopnotsupp)
{
	static const struct { int flag; const char *name; } ignored[] = {
		{ MSG_EOR, "MSG_EOR" }, { MSG_MORE, "MSG_MORE" },
		{ MSG_CONFIRM, "MSG_CONFIRM" },
		{ MSG_DONTROUTE, "MSG_DONTROUTE" },
		{ MSG_NOSIGNAL, "MSG_NOSIGNAL" }, { MSG_DONTWAIT, "MSG_DONTWAIT" },
		{ MSG_PEEK, "MSG_PEEK" }, { MSG_TRUNC, "MSG_TRUNC" },
		{ MSG_WAITALL, "MSG_WAITALL" }, { MSG_PROBE, "MSG_PROBE" },
		{ MSG_ZEROCOPY, "MSG_ZEROCOPY" },
	};
	struct conn c = local_pair(type);
	size_t i;
	char b[8];

	ASSERT_ERRNO(send(c.cli, "x", 1, MSG_OOB), EOPNOTSUPP);
	ASSERT_ERRNO(recv(c.srv, b, sizeof(b), MSG_OOB), EOPNOTSUPP);
	ASSERT_ERRNO(recv(c.srv, b, sizeof(b), MSG_OOB | MSG_DONTWAIT),
		     EOPNOTSUPP);
	/* Nothing was sent; the connection is unharmed. */
	ASSERT_ERRNO(recv(c.srv, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
	exchange(&c);
	/* Every other flag is accepted and ignored: the data arrives as is. */
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		errno = 0;
		if (send(c.cli, ignored[i].name, strlen(ignored[i].name),
			 ignored[i].flag) != (ssize_t)strlen(ignored[i].name))
			harness_fail(__FILE__, __LINE__, "send with %s: "
				     TWIN_ERRFMT, ignored[i].name,
				     TWIN_ERRARG(errno));
		recv_exact(c.srv, ignored[i].name, strlen(ignored[i].name));
	}
}

/* ------------------------------------------------------------ closing */

BOTH(orderly_shutdown)
{
	struct conn c = local_pair(type);
	char b[64];

	ASSERT_EQ(send(c.cli, "one", 3, 0), 3);
	ASSERT_EQ(send(c.cli, "two", 3, 0), 3);
	ASSERT_EQ(send(c.cli, "three", 5, 0), 5);
	ASSERT_OK(shutdown(c.cli, SHUT_WR));
	if (type == SOCK_SEQPACKET) {
		ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 3);
		ASSERT_MEMEQ(b, "one", 3);
		ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 3);
		ASSERT_MEMEQ(b, "two", 3);
		ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 5);
		ASSERT_MEMEQ(b, "three", 5);
	} else {
		recv_exact(c.srv, "onetwothree", 11);
	}
	expect_eof(c.srv);
	expect_eof(c.srv);
	/* The other direction is still open. */
	ASSERT_EQ(send(c.srv, "reply", 5, 0), 5);
	ASSERT_OK(shutdown(c.srv, SHUT_WR));
	recv_exact(c.cli, "reply", 5);
	expect_eof(c.cli);
	expect_eof(c.cli);
}

struct writer_arg {
	int fd, type;
	const char *buf;
	size_t len;
};

static void write_then_close(void *p)
{
	struct writer_arg *w = p;

	send_all(w->fd, w->type, w->buf, w->len, 8192);
	ASSERT_OK(close(w->fd));
}

/* close() right after a large write: every byte arrives, then EOF. */
BOTH_T(close_while_writing, 30)
{
	enum { LEN = 200 * 1024 };
	struct conn c = local_pair(type);
	struct writer_arg w;
	static char big[LEN];
	pid_t pid;

	fill_pattern(big, LEN, 42);
	w = (struct writer_arg){ c.cli, type, big, LEN };
	pid = ns_spawn(NULL, write_then_close, &w);
	ASSERT_OK(close(c.cli));	/* the writer's close is the last */
	recv_exact(c.srv, big, LEN);
	expect_eof(c.srv);
	ns_wait(pid);
}

BOTH(close_wait_eof)
{
	struct conn c = local_pair(type);

	exchange(&c);
	ASSERT_EQ(send(c.cli, "last", 4, 0), 4);
	ASSERT_OK(close(c.cli));
	recv_exact(c.srv, "last", 4);
	expect_eof(c.srv);
}

/* vsock_test: the client closes, the server sees EOF. */
BOTH(client_close)
{
	struct conn c = local_pair(type);

	exchange(&c);
	ASSERT_OK(close(c.cli));
	expect_eof(c.srv);
	expect_eof(c.srv);
}

/* vsock_test: the server closes, the client sees EOF. */
BOTH(server_close)
{
	struct conn c = local_pair(type);

	exchange(&c);
	ASSERT_OK(close(c.srv));
	expect_eof(c.cli);
	expect_eof(c.cli);
}

/* ------------------------------------------------------------ resets */

BOTH(linger0_reset)
{
	struct conn c = local_pair(type);
	char b[8];

	exchange(&c);
	set_linger(c.cli, 1, 0);
	ASSERT_OK(close(c.cli));
	ASSERT_TRUE(wait_ev(c.srv, POLLERR, WAIT_MS) & POLLERR);
	ASSERT_ERRNO(recv(c.srv, b, sizeof(b), 0), ECONNRESET);
	ASSERT_EQ(recv(c.srv, b, sizeof(b), 0), 0);
	ASSERT_ERRNO(send(c.srv, "x", 1, MSG_NOSIGNAL), EPIPE);
}

/* After a reset the first send reports ECONNRESET, the next EPIPE. */
BOTH(linger0_reset_send)
{
	struct conn c = local_pair(type);
	char b[8];

	set_linger(c.srv, 1, 0);
	ASSERT_OK(close(c.srv));
	ASSERT_TRUE(wait_ev(c.cli, POLLERR, WAIT_MS) & POLLERR);
	ASSERT_ERRNO(send(c.cli, "x", 1, MSG_NOSIGNAL), ECONNRESET);
	ASSERT_ERRNO(send(c.cli, "x", 1, MSG_NOSIGNAL), EPIPE);
	ASSERT_EQ(recv(c.cli, b, sizeof(b), 0), 0);
}

/* SO_ERROR holds the reset too. */
BOTH(reset_so_error)
{
	struct conn c = local_pair(type);

	set_linger(c.cli, 1, 0);
	ASSERT_OK(close(c.cli));
	ASSERT_TRUE(wait_ev(c.srv, POLLERR, WAIT_MS) & POLLERR);
	ASSERT_EQ(so_error(c.srv), ECONNRESET);
	ASSERT_EQ(so_error(c.srv), 0);
}

BOTH(close_unread_reset)
{
	struct conn c = local_pair(type);
	char b[8];

	ASSERT_EQ(send(c.cli, "unread", 6, 0), 6);
	ASSERT_TRUE(wait_ev(c.srv, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_OK(close(c.srv));
	ASSERT_ERRNO(recv(c.cli, b, sizeof(b), 0), ECONNRESET);
	ASSERT_EQ(recv(c.cli, b, sizeof(b), 0), 0);
}

/* Closing a listener resets every connection not yet accepted. */
BOTH(listener_close_resets_pending)
{
	int lis, cli[3], i;
	char b[8];

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 8);
	for (i = 0; i < 3; i++) {
		cli[i] = client(type);
		ASSERT_OK(twin_connect(cli[i], NODE, PORT));
	}
	ASSERT_EQ(send(cli[0], "queued", 6, 0), 6);
	ASSERT_OK(close(lis));
	for (i = 0; i < 3; i++) {
		diag("client %d", i);
		ASSERT_ERRNO(recv(cli[i], b, sizeof(b), 0), ECONNRESET);
	}
	/* The port is free again: a new connect is refused. */
	i = client(type);
	ASSERT_ERRNO(twin_connect(i, NODE, PORT), ECONNREFUSED);
}

/* A connection reset before accept() is still returned. */
BOTH(reset_before_accept)
{
	int lis, cli, srv;
	double end;
	char b[8];

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	cli = client(type);
	ASSERT_OK(twin_connect(cli, NODE, PORT));
	set_linger(cli, 1, 0);
	ASSERT_OK(close(cli));
	/* The reset has reached the connection waiting to be accepted. */
	end = now_s() + WAIT_MS / 1000.0;
	while (!proc_count_port(type_name(type), "CLOSE", PORT) &&
	       now_s() < end)
		sleep_ms(10);
	ASSERT_EQ(proc_count_port(type_name(type), "CLOSE", PORT), 1);
	srv = accept_one(lis);
	ASSERT_ERRNO(recv(srv, b, sizeof(b), 0), ECONNRESET);
	ASSERT_EQ(recv(srv, b, sizeof(b), 0), 0);
}

/* vsock_test-like: 100 connections to one listener at once. */
BOTH_T(many_connections, 60)
{
	enum { N = 100 };
	int lis, cli[N], srv[N], i, j, v;
	uint32_t port[N];
	struct sockaddr_twin pa;
	socklen_t len;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 128);
	for (i = 0; i < N; i++) {
		cli[i] = client(type);
		if (twin_connect(cli[i], NODE, PORT) < 0)
			harness_fail(__FILE__, __LINE__, "connect %d failed "
				     TWIN_ERRFMT, i, TWIN_ERRARG(errno));
		port[i] = twin_name(cli[i]).stw_port;
	}
	for (i = 0; i < N; i++) {
		len = sizeof(pa);
		srv[i] = accept(lis, (struct sockaddr *)&pa, &len);
		if (srv[i] < 0)
			harness_fail(__FILE__, __LINE__, "accept %d failed "
				     TWIN_ERRFMT, i, TWIN_ERRARG(errno));
		twin_set_timeo(srv[i], SO_RCVTIMEO, WAIT_MS);
		for (j = 0; j < N && port[j] != pa.stw_port; j++)
			;
		ASSERT_LT(j, N);	/* the peer is one of ours */
		/* Each client sends its index; the server checks it. */
		ASSERT_EQ(send(cli[j], &j, sizeof(j), 0), sizeof(j));
		ASSERT_EQ(recv(srv[i], &v, sizeof(v), 0), sizeof(v));
		ASSERT_EQ(v, j);
		v += 1000;
		ASSERT_EQ(send(srv[i], &v, sizeof(v), 0), sizeof(v));
		ASSERT_EQ(recv(cli[j], &v, sizeof(v), 0), sizeof(v));
		ASSERT_EQ(v, j + 1000);
	}
	ASSERT_EQ(proc_count(type_name(type), "ESTABLISHED"), 2 * N);
	for (i = 0; i < N; i++) {
		ASSERT_OK(close(cli[i]));
		expect_eof(srv[i]);
	}
}

/* ------------------------------------------------------------ poll */

BOTH(poll_connected)
{
	struct conn c = local_pair(type);
	short all = POLLIN | POLLOUT | POLLRDHUP;
	char b[8];

	ASSERT_EQ(revents(c.cli, all), POLLOUT);
	ASSERT_EQ(revents(c.srv, all), POLLOUT);
	ASSERT_EQ(send(c.srv, "x", 1, 0), 1);
	ASSERT_TRUE(wait_ev(c.cli, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ(revents(c.cli, all), POLLIN | POLLOUT);
	ASSERT_EQ(recv(c.cli, b, sizeof(b), 0), 1);
	ASSERT_EQ(revents(c.cli, all), POLLOUT);
}

BOTH(poll_rdhup)
{
	struct conn c = local_pair(type);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP }, out;
	short all = POLLIN | POLLOUT | POLLRDHUP;
	int ep;

	ASSERT_OK(ep = epoll_create1(EPOLL_CLOEXEC));
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, c.cli, &ev));
	ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 0);
	ASSERT_OK(shutdown(c.srv, SHUT_WR));
	ASSERT_TRUE(wait_ev(c.cli, POLLRDHUP, WAIT_MS) & POLLRDHUP);
	ASSERT_EQ(revents(c.cli, all), POLLIN | POLLOUT | POLLRDHUP);
	ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 1);
	ASSERT_EQ(out.events, EPOLLIN | EPOLLRDHUP);
	expect_eof(c.cli);
	ASSERT_EQ(revents(c.cli, all), POLLIN | POLLOUT | POLLRDHUP);
	/* Both directions shut: POLLHUP, on both ends. */
	ASSERT_OK(shutdown(c.cli, SHUT_WR));
	ASSERT_TRUE(revents(c.cli, all) & POLLHUP);
	ASSERT_TRUE(wait_ev(c.srv, POLLRDHUP, WAIT_MS) & POLLRDHUP);
	ASSERT_TRUE(wait_ev(c.srv, POLLHUP, WAIT_MS) & POLLHUP);
	ASSERT_EQ(revents(c.srv, all) & (POLLIN | POLLRDHUP | POLLERR),
		  POLLIN | POLLRDHUP);
}

BOTH(poll_reset)
{
	struct conn c = local_pair(type);
	short ev;

	set_linger(c.cli, 1, 0);
	ASSERT_OK(close(c.cli));
	ASSERT_TRUE(wait_ev(c.srv, POLLERR, WAIT_MS) & POLLERR);
	/* poll() reports POLLIN only when asked for, as for TCP. */
	ev = revents(c.srv, POLLIN | POLLOUT | POLLRDHUP);
	diag("after the reset: revents 0x%x", ev);
	ASSERT_TRUE(ev & POLLERR);
	ASSERT_TRUE(ev & POLLHUP);
	ASSERT_TRUE(ev & POLLIN);
	ASSERT_TRUE(ev & POLLRDHUP);
}

BOTH(poll_fresh_and_listener)
{
	int fresh = twin_socket(type), lis, cli;
	short ev;

	/* As TCP: a fresh socket is POLLOUT|POLLHUP. */
	ASSERT_EQ(revents(fresh, POLLIN | POLLOUT), POLLOUT | POLLHUP);
	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	ASSERT_EQ(revents(lis, POLLIN | POLLOUT), 0);
	cli = client(type);
	ASSERT_OK(twin_connect(cli, NODE, PORT));
	ev = wait_ev(lis, POLLIN, WAIT_MS);
	ASSERT_EQ(ev, POLLIN);
	accept_one(lis);
	ASSERT_EQ(revents(lis, POLLIN | POLLOUT), 0);
}

/* ------------------------------------------------------------ options */

BOTH_T(keepalive_dead_peer, 40)
{
	struct twin_info before, after;
	const char *a, *b;
	struct conn c;
	char buf[8];
	double t, end;
	short ev;

	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 0);
	twin_set_int(c.cli, SOL_SOCKET, SO_KEEPALIVE, 1);
	twin_set_int(c.cli, SOL_TWIN, TWIN_KEEPIDLE, 1);
	twin_set_int(c.cli, SOL_TWIN, TWIN_KEEPINTVL, 1);
	twin_set_int(c.cli, SOL_TWIN, TWIN_KEEPCNT, 2);
	ASSERT_EQ(twin_get_int(c.cli, SOL_TWIN, TWIN_KEEPIDLE), 1);
	ASSERT_EQ(twin_get_int(c.cli, SOL_TWIN, TWIN_KEEPINTVL), 1);
	ASSERT_EQ(twin_get_int(c.cli, SOL_TWIN, TWIN_KEEPCNT), 2);
	exchange(&c);
	/*
	 * A live peer answers the probes: idle for 1.8 s (the first probe
	 * is due after 1 s) and on until frames went both ways, nothing to
	 * read and no error meanwhile.
	 */
	before = info_of(c.cli);
	t = now_s();
	end = t + 1.8 + WAIT_MS / 1000.0;
	do {
		ev = wait_ev(c.cli, POLLIN | POLLERR, 50);
		ASSERT_EQ(ev, 0);
		after = info_of(c.cli);
	} while ((now_s() - t < 1.8 || after.frames_out == before.frames_out ||
		  after.frames_in == before.frames_in) && now_s() < end);
	diag("idle %.1f s: frames out %llu -> %llu, in %llu -> %llu",
	     now_s() - t, (unsigned long long)before.frames_out,
	     (unsigned long long)after.frames_out,
	     (unsigned long long)before.frames_in,
	     (unsigned long long)after.frames_in);
	ASSERT_GT(after.frames_out, before.frames_out);
	ASSERT_GT(after.frames_in, before.frames_in);
	ASSERT_EQ(after.state, ST_ESTABLISHED);
	ASSERT_EQ(so_error(c.cli), 0);
	/* Now b goes silent. */
	RUN_NS(b, "ip link set tw0 down");
	twin_set_timeo(c.cli, SO_RCVTIMEO, 15000);
	t = now_s();
	ASSERT_ERRNO(recv(c.cli, buf, sizeof(buf), 0), ETIMEDOUT);
	t = now_s() - t;
	diag("keepalive gave up after %.3f s", t);
	ASSERT_GE(t, 1.5);
	ASSERT_LT(t, 8.0 * mult());
	ASSERT_EQ(recv(c.cli, buf, sizeof(buf), 0), 0);
	abort_conn(&c);
}

BOTH(options)
{
	static const struct { int opt, lo, hi, def; } r[] = {
		{ TWIN_KEEPIDLE, 1, 32767, TWIN_KEEPIDLE_DEFAULT },
		{ TWIN_KEEPINTVL, 1, 32767, TWIN_KEEPINTVL_DEFAULT },
		{ TWIN_KEEPCNT, 1, 127, TWIN_KEEPCNT_DEFAULT },
	};
	struct twin_info ti;
	socklen_t len;
	int fd = twin_socket(type), dg = twin_socket(SOCK_DGRAM), v = 0;
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		diag("option %d", r[i].opt);
		ASSERT_EQ(twin_get_int(fd, SOL_TWIN, r[i].opt), r[i].def);
		ASSERT_ERRNO(set_int_ret(fd, SOL_TWIN, r[i].opt, 0), EINVAL);
		ASSERT_ERRNO(set_int_ret(fd, SOL_TWIN, r[i].opt, -1), EINVAL);
		ASSERT_ERRNO(set_int_ret(fd, SOL_TWIN, r[i].opt, r[i].hi + 1),
			     EINVAL);
		ASSERT_EQ(twin_get_int(fd, SOL_TWIN, r[i].opt), r[i].def);
		twin_set_int(fd, SOL_TWIN, r[i].opt, r[i].lo);
		ASSERT_EQ(twin_get_int(fd, SOL_TWIN, r[i].opt), r[i].lo);
		twin_set_int(fd, SOL_TWIN, r[i].opt, r[i].hi);
		ASSERT_EQ(twin_get_int(fd, SOL_TWIN, r[i].opt), r[i].hi);
	}
	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, 500);
	ASSERT_EQ(twin_get_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT), 500);
	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, 0);
	/* TWIN_INFO is get-only: set is an unknown option, as TCP_INFO. */
	memset(&ti, 0, sizeof(ti));
	EXPECT_ERRNO(setsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, sizeof(ti)),
		     ENOPROTOOPT);
	ASSERT_ERRNO(set_int_ret(fd, SOL_TWIN, 99, 1), ENOPROTOOPT);
	len = sizeof(v);
	ASSERT_ERRNO(getsockopt(fd, SOL_TWIN, 99, &v, &len), ENOPROTOOPT);
	/* Not on datagram sockets. */
	ASSERT_ERRNO(set_int_ret(dg, SOL_TWIN, TWIN_USER_TIMEOUT, 500),
		     ENOPROTOOPT);
	ASSERT_ERRNO(set_int_ret(dg, SOL_TWIN, TWIN_KEEPCNT, 2), ENOPROTOOPT);
	len = sizeof(ti);
	ASSERT_ERRNO(getsockopt(dg, SOL_TWIN, TWIN_INFO, &ti, &len),
		     ENOPROTOOPT);
	len = sizeof(v);
	ASSERT_ERRNO(getsockopt(dg, SOL_TWIN, TWIN_KEEPIDLE, &v, &len),
		     ENOPROTOOPT);
}

BOTH(twin_info)
{
	enum { LEN = 1000 };
	struct conn c = local_pair(type);
	struct twin_info ti, si;
	static char buf[LEN];
	socklen_t len;
	double end;
	uint8_t st;

	ASSERT_EQ(info_of(c.lis).state, ST_LISTEN);
	fill_pattern(buf, LEN, 3);
	ASSERT_EQ(send(c.cli, buf, LEN, 0), LEN);
	recv_exact(c.srv, buf, LEN);
	end = now_s() + WAIT_MS / 1000.0;
	do {
		ti = info_of(c.cli);
		if (ti.bytes_acked == LEN)
			break;
		sleep_ms(20);
	} while (now_s() < end);
	diag("state %u mss %u rtt_us %u rto_ms %u cwnd %u ssthresh %u "
	     "snd_wnd %u rcv_wnd %u sent %llu acked %llu out %llu in %llu",
	     ti.state, ti.mss, ti.rtt_us, ti.rto_ms, ti.cwnd, ti.ssthresh,
	     ti.snd_wnd, ti.rcv_wnd, (unsigned long long)ti.bytes_sent,
	     (unsigned long long)ti.bytes_acked,
	     (unsigned long long)ti.frames_out,
	     (unsigned long long)ti.frames_in);
	ASSERT_EQ(ti.state, ST_ESTABLISHED);
	ASSERT_GT(ti.mss, 0);
	ASSERT_LE(ti.mss, 65535);
	ASSERT_GE(ti.rto_ms, 50);
	ASSERT_LE(ti.rto_ms, 10000);
	ASSERT_GT(ti.cwnd, 0);
	ASSERT_GT(ti.snd_wnd, 0);
	ASSERT_EQ(ti.bytes_sent, LEN);
	ASSERT_EQ(ti.bytes_acked, LEN);
	ASSERT_EQ(ti.unacked, 0);
	ASSERT_EQ(ti.notsent, 0);
	ASSERT_GT(ti.frames_out, 0);
	ASSERT_GT(ti.frames_in, 0);
	si = info_of(c.srv);
	ASSERT_EQ(si.state, ST_ESTABLISHED);
	ASSERT_EQ(si.bytes_received, LEN);
	ASSERT_EQ(si.bytes_sent, 0);
	ASSERT_GT(si.rcv_wnd, 0);
	/* A short buffer gets a prefix; a long one the struct's size. */
	st = 0xff;
	len = 1;
	ASSERT_OK(getsockopt(c.cli, SOL_TWIN, TWIN_INFO, &st, &len));
	ASSERT_EQ(len, 1);
	ASSERT_EQ(st, ST_ESTABLISHED);
	{
		char big[sizeof(struct twin_info) + 16];

		len = sizeof(big);
		ASSERT_OK(getsockopt(c.cli, SOL_TWIN, TWIN_INFO, big, &len));
		ASSERT_EQ(len, sizeof(struct twin_info));
	}
}

/* ------------------------------------------------------------ signals */

BOTH(eintr_accept)
{
	int lis;
	double t;

	local_dev();
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	twin_set_timeo(lis, SO_RCVTIMEO, 0);		/* no timeout at all */
	t = now_s();
	alarm_in(200);
	ASSERT_ERRNO(accept(lis, NULL, NULL), EINTR);
	t = now_s() - t;
	alarm_off();
	ASSERT_GE(signals_seen, 1);
	ASSERT_GE(t, 0.15);
	ASSERT_LT(t, 3.0 * mult());
}

BOTH(eintr_recv)
{
	struct conn c = local_pair(type);
	char b[8];
	double t;

	twin_set_timeo(c.cli, SO_RCVTIMEO, 0);
	t = now_s();
	alarm_in(200);
	ASSERT_ERRNO(recv(c.cli, b, sizeof(b), 0), EINTR);
	t = now_s() - t;
	alarm_off();
	ASSERT_GE(signals_seen, 1);
	ASSERT_GE(t, 0.15);
	ASSERT_LT(t, 3.0 * mult());
	exchange(&c);	/* unharmed */
}

/* ------------------------------------------------------------ /proc */

BOTH(proc_established)
{
	struct conn c = local_pair(type);
	uint32_t cport = twin_name(c.cli).stw_port;
	struct proc_line e;

	ASSERT_TRUE(proc_find(inode_of(c.srv), &e));
	ASSERT_STREQ(e.type, type_name(type));
	ASSERT_STREQ(e.state, "ESTABLISHED");
	ASSERT_EQ(e.lnode, NODE);
	ASSERT_EQ(e.lport, PORT);
	ASSERT_EQ(e.pnode, NODE);
	ASSERT_EQ(e.pport, cport);
	ASSERT_TRUE(proc_find(inode_of(c.cli), &e));
	ASSERT_STREQ(e.type, type_name(type));
	ASSERT_STREQ(e.state, "ESTABLISHED");
	ASSERT_EQ(e.lnode, NODE);
	ASSERT_EQ(e.lport, cport);
	ASSERT_EQ(e.pnode, NODE);
	ASSERT_EQ(e.pport, PORT);
	ASSERT_TRUE(proc_find(inode_of(c.lis), &e));
	ASSERT_STREQ(e.type, type_name(type));
	ASSERT_STREQ(e.state, "LISTEN");
	ASSERT_EQ(e.lnode, 0);
	ASSERT_EQ(e.lport, PORT);
	ASSERT_EQ(proc_count(type_name(type), "ESTABLISHED"), 2);
	/* Unread data shows in rx_queue. */
	ASSERT_EQ(send(c.cli, "12345", 5, 0), 5);
	ASSERT_TRUE(wait_ev(c.srv, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_TRUE(proc_find(inode_of(c.srv), &e));
	ASSERT_EQ(e.rxq, 5);
}

/*
 * net.twin.time_wait_ms: 1000 by default, 100 to 60000 (a write outside
 * fails EINVAL and changes nothing), one value per namespace.
 */
TEST(time_wait_ms_sysctl)
{
	twin_sysctl_check_range("time_wait_ms", 1000, 100, 60000);
}

/*
 * The side that closes first waits net.twin.time_wait_ms in TIME_WAIT,
 * shown in /proc/net/twin, holding its port; then the port is free.
 * TIME_WAIT is made 5 s long (1 s by default, see time_wait_ms_sysctl) so
 * that looking at it while it lasts cannot miss on a loaded machine.
 */
#define TIME_WAIT_MS 5000

BOTH_T(time_wait, 40)
{
	uint32_t cport;
	struct conn c;
	double t, end;
	int fd, n = 0;

	twin_sysctl_set("time_wait_ms", TIME_WAIT_MS);
	c = local_pair(type);
	cport = twin_name(c.cli).stw_port;
	exchange(&c);
	ASSERT_OK(close(c.cli));
	expect_eof(c.srv);
	/* TIME_WAIT starts after this, with the FIN of close(c.srv). */
	t = now_s();
	ASSERT_OK(close(c.srv));
	end = t + WAIT_MS / 1000.0;
	while (!(n = proc_count_port(type_name(type), "TIME_WAIT", cport)) &&
	       now_s() < end)
		sleep_ms(10);
	ASSERT_EQ(n, 1);
	fd = twin_socket(type);
	ASSERT_ERRNO(twin_bind(fd, NODE, cport), EADDRINUSE);
	end = t + (TIME_WAIT_MS + 2 * WAIT_MS) / 1000.0;
	while (proc_count_port(type_name(type), "TIME_WAIT", cport) &&
	       now_s() < end)
		sleep_ms(50);
	t = now_s() - t;
	diag("TIME_WAIT of %d ms ended about %.2f s after the close",
	     TIME_WAIT_MS, t);
	ASSERT_EQ(proc_count_port(type_name(type), "TIME_WAIT", cport), 0);
	/* Not shorter (less a jiffy of timer granularity). */
	ASSERT_GE(t, TIME_WAIT_MS / 1000.0 - 0.02);
	ASSERT_OK(twin_bind(fd, NODE, cport));
}
