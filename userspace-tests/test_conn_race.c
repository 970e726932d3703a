// SPDX-License-Identifier: GPL-2.0
/*
 * Races on connection sockets (SOCK_STREAM and SOCK_SEQPACKET):
 *
 * - close() of an fd racing connect(), accept(), send() and recv() on the
 *   same fd in another thread: every call returns a result or an errno a
 *   user of tcp(7) can handle (EBADF once the fd is gone), and none hangs;
 * - the peer's FIN arriving before accept(): the connection is still
 *   accepted, with its data and then EOF;
 * - connections opened and closed (gracefully, with a reset, half-closed)
 *   with data in flight while another thread reads /proc/net/twin, whose
 *   every line must stay well formed;
 * - delete_module("twin", O_NONBLOCK) during traffic, and while only an
 *   orphaned connection (closed fd, unacknowledged data) is left, fails
 *   with EAGAIN or EBUSY, and the traffic arrives intact;
 * - a namespace holding connections is deleted and the process in it
 *   killed under traffic: the peers see a sane error within the user
 *   timeout, and every socket (and module reference) goes away.
 *
 * Connections use a short TWIN_USER_TIMEOUT so that orphans die fast; at
 * the end of each test the socket table must drain. On the debug kernel
 * KASAN, lockdep and kmemleak watch the rest. The loops are time-bounded
 * (with a minimum count), so a slow kernel runs fewer iterations.
 *
 * semantics.md, "Connection sockets: SOCK_STREAM and SOCK_SEQPACKET".
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"

#define NODE		7
#define USER_TIMEOUT_MS	2000
#define RACE_SECONDS	1.5	/* per operation and socket type */
#define RACE_MIN	20	/* iterations, however slow the kernel */
#define RACE_MAX	400
#define DRAIN_SECONDS	20	/* for the socket table to empty */

static const int types[2] = { SOCK_STREAM, SOCK_SEQPACKET };

static const char *type_name(int type)
{
	return type == SOCK_STREAM ? "stream" : "seqpacket";
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : errno_name(e);
}

/* ------------------------------------------------------------ sockets */

static void set_timeo(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
}

static void set_user_timeout(int fd, int ms)
{
	ASSERT_OK(setsockopt(fd, SOL_TWIN, TWIN_USER_TIMEOUT, &ms, sizeof(ms)));
}

/* A socket with the short user timeout. */
static int conn_socket(int type)
{
	int fd = twin_socket(type);

	set_user_timeout(fd, USER_TIMEOUT_MS);
	return fd;
}

/* Listening on TWIN_NODE_ANY:port (0: ephemeral); the port in *portp. */
static int conn_listener(int type, uint32_t port, uint32_t *portp)
{
	int fd = conn_socket(type);

	ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, port));
	ASSERT_OK(listen(fd, 64));
	if (portp)
		*portp = twin_name(fd).stw_port;
	return fd;
}

/* A connected pair through listener lfd on port: client *c, server *s. */
static void conn_pair(int type, int lfd, uint32_t port, int *c, int *s)
{
	*c = conn_socket(type);
	set_timeo(*c, 5000);
	set_timeo(lfd, 5000);
	ASSERT_OK(twin_connect(*c, NODE, port));
	*s = accept(lfd, NULL, NULL);
	ASSERT_OK(*s);
	set_user_timeout(*s, USER_TIMEOUT_MS);
}

/* Sockets of the current namespace in /proc/net/twin (minus the header). */
static int table_lines(char *buf, size_t len)
{
	ssize_t n = read_file("/proc/net/twin", buf, len);
	int lines = 0;
	char *p;

	ASSERT_GE(n, 0);
	for (p = buf; *p; p++)
		lines += *p == '\n';
	return lines > 0 ? lines - 1 : 0;
}

/* Every socket of the namespace is gone within DRAIN_SECONDS. */
static void expect_table_drains(const char *why)
{
	static char buf[1 << 16];
	double end = now_s() + DRAIN_SECONDS;
	int n;

	while ((n = table_lines(buf, sizeof(buf))) > 0 && now_s() < end)
		sleep_ms(100);
	if (n > 0) {
		diag("/proc/net/twin %.0f s after %s:\n%s", (double)DRAIN_SECONDS,
		     why, buf);
		harness_fail(__FILE__, __LINE__,
			     "expected every socket gone within %d s (user "
			     "timeout %d ms, TIME_WAIT 1 s), %d left",
			     DRAIN_SECONDS, USER_TIMEOUT_MS, n);
	}
}

/* ------------------------------------------------------------ close races */

enum op { OP_CONNECT, OP_ACCEPT, OP_SEND, OP_RECV };

static const char *const op_names[] = { "connect", "accept", "send", "recv" };

struct race {
	enum op op;
	int fd;
	uint32_t port;		/* OP_CONNECT's destination */
	int go;			/* both threads start together */
	int delay_us;		/* before the close */
	/* Results. */
	int close_ret, close_errno;
	long ok_calls, eof;
	long hist[256];		/* errnos seen */
	int bad_errno;		/* an errno not in the allowed set */
	bool looped;		/* no EBADF long after the close */
};

/* What a tcp(7) user can be told by each call, besides EBADF and success. */
static bool allowed(enum op op, int e)
{
	switch (op) {
	case OP_CONNECT:
		return e == EISCONN || e == EALREADY || e == EINPROGRESS ||
		       e == ECONNREFUSED || e == ECONNRESET || e == ETIMEDOUT ||
		       e == EINTR;
	case OP_ACCEPT:
		return e == EAGAIN || e == EINTR || e == ECONNABORTED;
	case OP_SEND:
		return e == EAGAIN || e == EPIPE || e == ECONNRESET ||
		       e == ENOTCONN || e == ETIMEDOUT || e == EINTR;
	case OP_RECV:
		return e == EAGAIN || e == ECONNRESET || e == ENOTCONN ||
		       e == ETIMEDOUT || e == EINTR;
	}
	return false;
}

static void wait_go(struct race *r)
{
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		;
}

static void *race_worker(void *arg)
{
	static _Thread_local char buf[8000];
	struct race *r = arg;
	double deadline;
	long long ret;
	int e;

	wait_go(r);
	deadline = now_s() + 10;
	for (;;) {
		errno = 0;
		switch (r->op) {
		case OP_CONNECT: {
			struct sockaddr_twin a = twin_addr(NODE, r->port);

			ret = connect(r->fd, (struct sockaddr *)&a, sizeof(a));
			break;
		}
		case OP_ACCEPT:
			ret = accept(r->fd, NULL, NULL);
			/* Closed before the next call: no fd number reuse. */
			if (ret >= 0)
				close(ret);
			break;
		case OP_SEND:
			ret = send(r->fd, buf, sizeof(buf), MSG_NOSIGNAL);
			break;
		default:
			ret = recv(r->fd, buf, sizeof(buf), 0);
			break;
		}
		e = errno;
		if (ret >= 0) {
			r->ok_calls++;
			r->eof += r->op == OP_RECV && ret == 0;
		} else {
			r->hist[e & 255]++;
			if (e == EBADF)
				break;
			if (!allowed(r->op, e)) {
				r->bad_errno = e;
				break;
			}
		}
		if (now_s() > deadline) {
			r->looped = true;
			break;
		}
	}
	return NULL;
}

static void *race_closer(void *arg)
{
	struct race *r = arg;
	struct timespec ts = { 0, r->delay_us * 1000L };

	wait_go(r);
	nanosleep(&ts, NULL);
	r->close_ret = close(r->fd);
	r->close_errno = errno;
	return NULL;
}

/* Run one race on r (fd and op set up); assert its outcome. */
static void race_once(struct race *r, long *hist)
{
	pthread_t worker, closer;
	struct timespec until;
	int i, rc;

	ASSERT_EQ(pthread_create(&worker, NULL, race_worker, r), 0);
	ASSERT_EQ(pthread_create(&closer, NULL, race_closer, r), 0);
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 15;
	rc = pthread_timedjoin_np(closer, NULL, &until);
	if (rc)
		harness_fail(__FILE__, __LINE__, "close() of a %s socket did "
			     "not return in 15 s", op_names[r->op]);
	rc = pthread_timedjoin_np(worker, NULL, &until);
	if (rc)
		harness_fail(__FILE__, __LINE__, "%s() still blocked 15 s "
			     "after another thread closed its fd", op_names[r->op]);
	if (r->close_ret != 0)
		harness_fail(__FILE__, __LINE__, "close() racing %s: %s",
			     op_names[r->op], ename(r->close_errno));
	if (r->bad_errno)
		harness_fail(__FILE__, __LINE__, "%s() racing close() failed "
			     "with %s (%s): not an errno tcp(7) users expect "
			     "there", op_names[r->op], ename(r->bad_errno),
			     strerror(r->bad_errno));
	if (r->looped)
		harness_fail(__FILE__, __LINE__, "%s() kept working on a "
			     "closed fd for 10 s (no EBADF)", op_names[r->op]);
	for (i = 0; i < 256; i++)
		hist[i] += r->hist[i];
}

static void print_hist(enum op op, int type, int iters, long ok, long *hist)
{
	char line[512];
	size_t at;
	int i;

	at = snprintf(line, sizeof(line), "%s vs close, %s: %d races, %ld "
		      "successful calls", op_names[op], type_name(type), iters, ok);
	for (i = 1; i < 256 && at < sizeof(line); i++)
		if (hist[i])
			at += snprintf(line + at, sizeof(line) - at, ", %s %ld",
				       ename(i), hist[i]);
	diag("%s", line);
}

/* Before each race: its fd, the peer to clean up afterwards. */
struct race_ctx {
	int type;
	int lfd;		/* the test's listener */
	uint32_t lport;
	uint32_t refused_port;	/* nothing listens there */
	int peers[4];		/* closed after the race */
	int npeers;
};

static void race_setup(struct race_ctx *x, struct race *r, enum op op, int it)
{
	char buf[16384];
	int c, s, i;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->delay_us = (it * 397) % 3000;
	x->npeers = 0;
	switch (r->op) {
	case OP_CONNECT:
		r->fd = conn_socket(x->type);
		set_timeo(r->fd, 200);
		r->port = it % 3 == 2 ? x->refused_port : x->lport;
		break;
	case OP_ACCEPT:
		r->fd = conn_listener(x->type, 0, &r->port);
		set_timeo(r->fd, 50);
		/* 0, 1 or 2 connections waiting or arriving. */
		for (i = 0; i < it % 3; i++) {
			c = conn_socket(x->type);
			ASSERT_OK(fcntl(c, F_SETFL, O_NONBLOCK));
			if (twin_connect(c, NODE, r->port) < 0 &&
			    errno != EINPROGRESS)
				harness_fail(__FILE__, __LINE__,
					     "non-blocking connect: %s",
					     ename(errno));
			x->peers[x->npeers++] = c;
		}
		break;
	case OP_SEND:
		conn_pair(x->type, x->lfd, x->lport, &c, &s);
		set_timeo(c, 50);
		r->fd = c;
		x->peers[x->npeers++] = s;	/* never reads: send blocks */
		break;
	case OP_RECV:
		conn_pair(x->type, x->lfd, x->lport, &c, &s);
		set_timeo(c, 50);
		memset(buf, 'r', sizeof(buf));
		for (i = 0; i < it % 4; i++)
			send(s, buf, 4000, MSG_DONTWAIT | MSG_NOSIGNAL);
		r->fd = c;
		x->peers[x->npeers++] = s;
		break;
	}
}

static void race_teardown(struct race_ctx *x, struct race *r)
{
	int i, fd;

	for (i = 0; i < x->npeers; i++)
		close(x->peers[i]);
	if (r->op == OP_CONNECT) {
		/* What the races connected: accept and close. */
		while ((fd = accept(x->lfd, NULL, NULL)) >= 0)
			close(fd);
		if (errno != EAGAIN)
			harness_fail(__FILE__, __LINE__, "draining accept: %s",
				     ename(errno));
	}
}

static void close_race(enum op op)
{
	struct race_ctx x;
	struct race r;
	int t, it, fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	for (t = 0; t < 2; t++) {
		long hist[256] = { 0 }, ok = 0;
		double end = now_s() + RACE_SECONDS;

		memset(&x, 0, sizeof(x));
		x.type = types[t];
		x.lfd = conn_listener(x.type, 0, &x.lport);
		/* The connect races' children are drained without blocking. */
		if (op == OP_CONNECT)
			ASSERT_OK(fcntl(x.lfd, F_SETFL, O_NONBLOCK));
		/* A port that was bound once and is free now. */
		fd = conn_listener(x.type, 0, &x.refused_port);
		close(fd);
		for (it = 0; it < RACE_MAX && (it < RACE_MIN || now_s() < end);
		     it++) {
			race_setup(&x, &r, op, it);
			race_once(&r, hist);
			ok += r.ok_calls;
			race_teardown(&x, &r);
		}
		print_hist(op, x.type, it, ok, hist);
		ASSERT_GT(hist[EBADF], 0);	/* the fd really went away */
		close(x.lfd);
	}
	expect_table_drains("the races");
}

TEST_TIMEOUT(close_vs_connect, 90)
{
	close_race(OP_CONNECT);
}

TEST_TIMEOUT(close_vs_accept, 90)
{
	close_race(OP_ACCEPT);
}

TEST_TIMEOUT(close_vs_send, 90)
{
	close_race(OP_SEND);
}

TEST_TIMEOUT(close_vs_recv, 90)
{
	close_race(OP_RECV);
}

/*
 * The peer's FIN wins the race against accept(): a connection the client
 * has already half-closed (shutdown) or closed is still accepted, with the
 * peer's address, its data and then EOF; after a shutdown the server can
 * still answer. (accept() with an address buffer fails with ECONNABORTED
 * and drops the connection if the protocol's getname fails on it.)
 */
TEST_TIMEOUT(accept_after_peer_fin, 60)
{
	struct sockaddr_twin peer, cname;
	socklen_t plen;
	char buf[256];
	uint32_t port;
	int t, how, lfd, c, s;
	ssize_t n;

	twin_dev_add(NULL, "tw0", 0, NODE);
	for (t = 0; t < 2; t++) {
		for (how = 0; how < 2; how++) {
			lfd = conn_listener(types[t], 0, &port);
			set_timeo(lfd, 5000);
			c = conn_socket(types[t]);
			set_timeo(c, 5000);
			ASSERT_OK(twin_connect(c, NODE, port));
			cname = twin_name(c);
			memset(buf, 'f', sizeof(buf));
			ASSERT_EQ(send(c, buf, 100, MSG_NOSIGNAL), 100);
			if (how == 0)
				ASSERT_OK(shutdown(c, SHUT_WR));
			else
				ASSERT_OK(close(c));
			sleep_ms(300);	/* the FIN arrives before accept() */
			plen = sizeof(peer);
			memset(&peer, 0xa5, sizeof(peer));
			s = accept(lfd, (struct sockaddr *)&peer, &plen);
			if (s < 0)
				harness_fail(__FILE__, __LINE__, "%s, peer %s "
					     "before accept(): accept failed "
					     "with %s", type_name(types[t]),
					     how ? "closed" : "shut down",
					     ename(errno));
			ASSERT_EQ(plen, sizeof(peer));
			ASSERT_EQ(peer.stw_node, cname.stw_node);
			ASSERT_EQ(peer.stw_port, cname.stw_port);
			set_timeo(s, 5000);
			ASSERT_EQ(recv(s, buf, sizeof(buf), MSG_WAITALL), 100);
			ASSERT_EQ(recv(s, buf, sizeof(buf), 0), 0);
			if (how == 0) {
				ASSERT_EQ(send(s, buf, 50, MSG_NOSIGNAL), 50);
				ASSERT_OK(close(s));
				n = recv(c, buf, sizeof(buf), MSG_WAITALL);
				ASSERT_EQ(n, 50);
				ASSERT_EQ(recv(c, buf, sizeof(buf), 0), 0);
				close(c);
			} else {
				close(s);
			}
			close(lfd);
		}
	}
	expect_table_drains("the half-closed connections");
}

/* ------------------------------------------------------------ churn */

#define CHURN_SECONDS	3.0
#define CHURN_CLIENTS	3

static const char *const tcp_states[] = {
	"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

struct churn {
	int stop;
	uint32_t port[2];	/* per type */
	int lfd[2];
	long conns[2], resets, refused;
	long reads, lines, max_lines;
	char bad_line[256];
	int bad_errno;
	const char *bad_op;
};

static void churn_bad(struct churn *c, const char *op, int e)
{
	if (!c->bad_errno) {
		c->bad_op = op;
		c->bad_errno = e;
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
}

static bool stopped(struct churn *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
}

/* A line of /proc/net/twin must be "type state n:p n:p rxq txq drops inode". */
static bool line_ok(const char *line)
{
	char type[32], state[32], extra[2];
	unsigned long long v[8];
	size_t i;
	bool known = false;

	if (sscanf(line, "%31s %31s %llu:%llu %llu:%llu %llu %llu %llu %llu %1s",
		   type, state, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7], extra) != 10)
		return false;
	if (strcmp(type, "stream") && strcmp(type, "seqpacket") &&
	    strcmp(type, "dgram") && strcmp(type, "raw"))
		return false;
	for (i = 0; i < sizeof(tcp_states) / sizeof(tcp_states[0]); i++)
		known |= !strcmp(state, tcp_states[i]);
	return known && v[0] <= UINT32_MAX && v[1] <= UINT32_MAX &&
	       v[2] <= UINT32_MAX && v[3] <= UINT32_MAX;
}

static void *proc_reader(void *arg)
{
	static char buf[1 << 18];
	struct churn *c = arg;
	char *line, *save;
	long n;

	while (!stopped(c)) {
		if (read_file("/proc/net/twin", buf, sizeof(buf)) < 0) {
			churn_bad(c, "read /proc/net/twin", errno);
			break;
		}
		c->reads++;
		n = 0;
		save = NULL;
		line = strtok_r(buf, "\n", &save);	/* the header */
		while ((line = strtok_r(NULL, "\n", &save))) {
			n++;
			if (!line_ok(line) && !c->bad_line[0])
				snprintf(c->bad_line, sizeof(c->bad_line), "%s", line);
		}
		c->lines += n;
		if (n > c->max_lines)
			c->max_lines = n;
	}
	return NULL;
}

struct server_arg {
	struct churn *c;
	int t;
};

/* Accept, read a little or everything, close in one of three ways. */
static void *churn_server(void *arg)
{
	struct server_arg *sa = arg;
	struct churn *c = sa->c;
	char buf[8192];
	long n = 0;
	int fd, e;

	set_timeo(c->lfd[sa->t], 100);
	while (!stopped(c)) {
		fd = accept(c->lfd[sa->t], NULL, NULL);
		if (fd < 0) {
			e = errno;
			if (e == EAGAIN || e == EINTR || e == ECONNABORTED)
				continue;
			churn_bad(c, "accept", e);
			break;
		}
		set_timeo(fd, 100);
		switch (n++ % 3) {
		case 0: {	/* read to EOF (or a reset), then close */
			double end = now_s() + 1;
			ssize_t r;

			while ((r = recv(fd, buf, sizeof(buf), 0)) > 0 &&
			       now_s() < end)
				;
			e = errno;
			if (r < 0 && e != EAGAIN && e != ECONNRESET &&
			    e != ETIMEDOUT)
				churn_bad(c, "server recv", e);
			break;
		}
		case 1:		/* close at once: a reset if data came */
			break;
		default:	/* a little, then half-close */
			recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN &&
			    errno != ECONNRESET && errno != EPIPE)
				churn_bad(c, "server shutdown", errno);
			break;
		}
		close(fd);
	}
	return NULL;
}

static void *churn_client(void *arg)
{
	struct churn *c = arg;
	struct linger lg = { 1, 0 };
	char buf[2000];
	long it = 0;
	int fd, i, e, t;

	memset(buf, 'c', sizeof(buf));
	while (!stopped(c)) {
		t = it % 2;
		fd = conn_socket(types[t]);
		set_timeo(fd, 300);
		if (twin_connect(fd, NODE, c->port[t]) < 0) {
			e = errno;
			if (e == EINPROGRESS || e == ECONNRESET ||
			    e == ETIMEDOUT) {
				c->refused++;
				close(fd);
				it++;
				continue;
			}
			churn_bad(c, "connect", e);
			close(fd);
			break;
		}
		__atomic_fetch_add(&c->conns[t], 1, __ATOMIC_RELAXED);
		for (i = 0; i < 8; i++) {
			if (send(fd, buf, sizeof(buf),
				 MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
				continue;
			e = errno;
			if (e == EAGAIN || e == EPIPE || e == ECONNRESET)
				break;
			churn_bad(c, "send", e);
			break;
		}
		switch (it % 3) {
		case 0:		/* graceful, data still in flight */
			break;
		case 1:		/* a reset */
			ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
					     sizeof(lg)));
			__atomic_fetch_add(&c->resets, 1, __ATOMIC_RELAXED);
			break;
		default:
			if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN &&
			    errno != ECONNRESET && errno != EPIPE)
				churn_bad(c, "shutdown", errno);
			break;
		}
		close(fd);
		it++;
	}
	return NULL;
}

/*
 * Clients connect, send up to 16 KB and close while servers accept, read
 * some or all and close; /proc/net/twin is read all the while.
 */
TEST_TIMEOUT(churn_with_proc_reader, 90)
{
	pthread_t reader, servers[2], clients[CHURN_CLIENTS];
	struct server_arg sa[2];
	static struct churn c;
	int i;

	twin_dev_add(NULL, "tw0", 0, NODE);
	for (i = 0; i < 2; i++) {
		c.lfd[i] = conn_listener(types[i], 0, &c.port[i]);
		sa[i].c = &c;
		sa[i].t = i;
		ASSERT_EQ(pthread_create(&servers[i], NULL, churn_server, &sa[i]), 0);
	}
	ASSERT_EQ(pthread_create(&reader, NULL, proc_reader, &c), 0);
	for (i = 0; i < CHURN_CLIENTS; i++)
		ASSERT_EQ(pthread_create(&clients[i], NULL, churn_client, &c), 0);
	for (i = 0; i < CHURN_SECONDS * 10 && !stopped(&c); i++)
		sleep_ms(100);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < CHURN_CLIENTS; i++)
		pthread_join(clients[i], NULL);
	for (i = 0; i < 2; i++)
		pthread_join(servers[i], NULL);
	pthread_join(reader, NULL);
	diag("connections: %ld stream, %ld seqpacket (%ld reset by SO_LINGER, "
	     "%ld connects failed); /proc/net/twin read %ld times, %ld lines, "
	     "at most %ld at once", c.conns[0], c.conns[1], c.resets,
	     c.refused, c.reads, c.lines, c.max_lines);
	if (c.bad_errno)
		harness_fail(__FILE__, __LINE__, "%s failed with %s (%s)",
			     c.bad_op, ename(c.bad_errno), strerror(c.bad_errno));
	if (c.bad_line[0])
		harness_fail(__FILE__, __LINE__, "malformed /proc/net/twin "
			     "line: \"%s\"", c.bad_line);
	ASSERT_GT(c.reads, 0);
	ASSERT_GT(c.lines, 0);
	ASSERT_GE(c.conns[0], 5);
	ASSERT_GE(c.conns[1], 5);
	for (i = 0; i < 2; i++)
		close(c.lfd[i]);
	expect_table_drains("the churn");
}

/* ------------------------------------------------------------ module */

#define MOD_BYTES	(256 * 1024)

static long module_refcnt(void)
{
	char buf[32];

	if (read_file("/sys/module/twin/refcnt", buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

/* delete_module("twin", O_NONBLOCK): must fail EAGAIN/EBUSY. */
static void expect_unload_refused(const char *when)
{
	long r = syscall(SYS_delete_module, "twin", O_NONBLOCK);
	int e = errno;

	if (r == 0)
		harness_fail(__FILE__, __LINE__, "delete_module(twin) "
			     "succeeded %s: the module was unloaded", when);
	if (e == EPERM)
		SKIP("delete_module: EPERM (module unloading disabled?)");
	if (e != EAGAIN && e != EBUSY)
		harness_fail(__FILE__, __LINE__, "delete_module(twin) %s: "
			     "expected EAGAIN or EBUSY, got %s", when, ename(e));
}

static uint8_t pat(uint64_t i, int seed)
{
	return (uint8_t)(i * 7 + (i >> 9) * 13 + seed);
}

struct flow {
	int type, tx, rx, seed;
	int tx_err, rx_err;
	uint64_t received;
	uint64_t bad_at;	/* first wrong byte + 1, 0 if none */
	bool eof;
	int done;
};

static void *flow_sender(void *arg)
{
	struct flow *f = arg;
	uint8_t buf[6000];
	uint64_t off = 0;
	size_t len, i;
	ssize_t n;

	while (off < MOD_BYTES) {
		len = 1 + (off * 31 + 17) % sizeof(buf);
		if (len > MOD_BYTES - off)
			len = MOD_BYTES - off;
		for (i = 0; i < len; i++)
			buf[i] = pat(off + i, f->seed);
		n = send(f->tx, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			f->tx_err = errno;
			return NULL;
		}
		off += n;
		sleep_ms(5);	/* half a second or more of traffic */
	}
	if (shutdown(f->tx, SHUT_WR) < 0)
		f->tx_err = errno;
	return NULL;
}

static void *flow_receiver(void *arg)
{
	struct flow *f = arg;
	uint8_t buf[65536];
	ssize_t n, i;

	for (;;) {
		n = recv(f->rx, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			f->rx_err = errno;
			break;
		}
		if (n == 0) {
			f->eof = true;
			break;
		}
		for (i = 0; i < n && !f->bad_at; i++)
			if (buf[i] != pat(f->received + i, f->seed))
				f->bad_at = f->received + i + 1;
		f->received += n;
	}
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void flow_check(struct flow *f)
{
	diag("%s flow: received %llu of %d bytes, eof %d, sender %s, "
	     "receiver %s", type_name(f->type),
	     (unsigned long long)f->received, MOD_BYTES, f->eof,
	     ename(f->tx_err), ename(f->rx_err));
	ASSERT_EQ(f->tx_err, 0);
	ASSERT_EQ(f->rx_err, 0);
	ASSERT_EQ(f->bad_at, 0);
	ASSERT_EQ(f->received, MOD_BYTES);
	ASSERT_TRUE(f->eof);
}

/* Unloading is refused while connections carry data; the data is intact. */
TEST_TIMEOUT(module_pinned_under_traffic, 90)
{
	pthread_t threads[2][2];
	struct flow flows[2];
	uint32_t port;
	int t, lfd, attempts = 0, during = 0;
	long ref0, ref1;

	twin_dev_add(NULL, "tw0", 0, NODE);
	ref0 = module_refcnt();
	for (t = 0; t < 2; t++) {
		memset(&flows[t], 0, sizeof(flows[t]));
		flows[t].type = types[t];
		flows[t].seed = t + 1;
		lfd = conn_listener(types[t], 0, &port);
		conn_pair(types[t], lfd, port, &flows[t].tx, &flows[t].rx);
		set_timeo(flows[t].tx, 20000);
		set_timeo(flows[t].rx, 20000);
		close(lfd);
	}
	ref1 = module_refcnt();
	diag("module refcnt %ld without connections, %ld with 2", ref0, ref1);
	if (ref0 >= 0)
		ASSERT_GT(ref1, ref0);	/* the sockets pin the module */
	for (t = 0; t < 2; t++) {
		ASSERT_EQ(pthread_create(&threads[t][0], NULL, flow_receiver,
					 &flows[t]), 0);
		ASSERT_EQ(pthread_create(&threads[t][1], NULL, flow_sender,
					 &flows[t]), 0);
	}
	while (attempts < 20 || !__atomic_load_n(&flows[0].done, __ATOMIC_ACQUIRE) ||
	       !__atomic_load_n(&flows[1].done, __ATOMIC_ACQUIRE)) {
		bool running = !__atomic_load_n(&flows[0].done, __ATOMIC_ACQUIRE) ||
			       !__atomic_load_n(&flows[1].done, __ATOMIC_ACQUIRE);

		expect_unload_refused("during traffic");
		attempts++;
		during += running;
		sleep_ms(5);
		if (attempts > 20000)
			harness_fail(__FILE__, __LINE__, "traffic never ended");
	}
	for (t = 0; t < 2; t++) {
		pthread_join(threads[t][0], NULL);
		pthread_join(threads[t][1], NULL);
	}
	diag("%d unload attempts, %d during traffic", attempts, during);
	ASSERT_EQ(access("/sys/module/twin", F_OK), 0);
	ASSERT_GT(during, 0);
	for (t = 0; t < 2; t++)
		flow_check(&flows[t]);
	for (t = 0; t < 2; t++) {
		close(flows[t].tx);
		close(flows[t].rx);
	}
	expect_table_drains("the flows");
}

/*
 * The only socket left is an orphan: its fd is closed and its data can
 * not be acknowledged (the peer's device is gone), so it retransmits
 * until its user timeout (8 s), and no longer. It still pins the module:
 * its timers run module code. The attempt is made only while
 * /proc/net/twin shows it, so a correct module is never unloaded under
 * the rest of the suite.
 */
TEST_TIMEOUT(module_pinned_by_orphan, 90)
{
	static char buf[1 << 16];
	const char *a, *b;
	int lfd, c, s, ms = 8000;
	uint32_t port;
	ssize_t n;
	double end, closed, gone, stalled;
	struct stall_meter *stalls;
	struct twin_info ti;
	socklen_t tilen = sizeof(ti);

	a = ns_with_twin("a", 0, 1);
	b = ns_with_twin("b", 0, 2);
	lfd = ns_socket(b, SOCK_STREAM);
	ns_enter(b);
	ASSERT_OK(twin_bind(lfd, TWIN_NODE_ANY, 0));
	ASSERT_OK(listen(lfd, 4));
	port = twin_name(lfd).stw_port;
	ns_enter(a);
	c = twin_socket(SOCK_STREAM);
	ASSERT_OK(setsockopt(c, SOL_TWIN, TWIN_USER_TIMEOUT, &ms, sizeof(ms)));
	set_timeo(c, 5000);
	ASSERT_OK(twin_connect(c, 2, port));
	ns_enter(NULL);
	set_timeo(lfd, 5000);
	s = accept(lfd, NULL, NULL);
	ASSERT_OK(s);
	set_user_timeout(s, USER_TIMEOUT_MS);
	/* b's device goes: nothing a sends is acknowledged any more. */
	RUN_NS(b, "ip link del tw0");
	memset(buf, 'o', sizeof(buf));
	n = send(c, buf, 16384, MSG_NOSIGNAL);
	ASSERT_EQ(n, 16384);
	ASSERT_OK(getsockopt(c, SOL_TWIN, TWIN_INFO, &ti, &tilen));
	close(s);
	close(lfd);
	close(c);
	closed = now_s();
	stalls = stall_meter_start();
	ns_enter(a);
	end = now_s() + 2;
	while (table_lines(buf, sizeof(buf)) == 0 && now_s() < end)
		sleep_ms(10);
	if (table_lines(buf, sizeof(buf)) == 0 ||
	    !strstr(buf, "stream")) {
		ns_enter(NULL);
		harness_fail(__FILE__, __LINE__, "a closed connection with "
			     "unacknowledged data and an %d ms user timeout "
			     "vanished at once (expected it to retransmit as "
			     "an orphan):\n%s", ms, buf);
	}
	diag("the orphan in a:\n%s", buf);
	expect_unload_refused("with an orphaned connection");
	expect_unload_refused("with an orphaned connection");
	/*
	 * It lives until the user timeout, counted from its first
	 * retransmission (one RTO after the send), and not past it: the
	 * last backoff is cut short there.
	 */
	end = closed + 20.0 * mult();
	while (table_lines(buf, sizeof(buf)) > 0 && now_s() < end)
		sleep_ms(20);
	gone = now_s() - closed;
	stalled = stall_meter_stop(stalls);
	diag("the orphan left /proc/net/twin %.3f s after close() (user "
	     "timeout %d ms, RTO %u ms)", gone, ms, ti.rto_ms);
	expect_table_drains("the orphan's user timeout");
	ASSERT_GE(gone, ms / 1000.0);
	ASSERT_LT(gone, (ms + ti.rto_ms) / 1000.0 + 2.5 * mult() + stalled);
	ns_enter(NULL);
	ASSERT_EQ(access("/sys/module/twin", F_OK), 0);
}

/* ------------------------------------------------------------ netns */

#define NS_PORT		4000
#define NS_CONNS	4	/* two of each type */

/* In b: accept NS_CONNS connections, then read and write until killed. */
static void ns_server(void *arg)
{
	struct pollfd p[NS_CONNS];
	char buf[4096];
	int lfd[2], i, t;

	(void)arg;
	memset(buf, 's', sizeof(buf));
	for (t = 0; t < 2; t++) {
		lfd[t] = conn_socket(types[t]);
		ASSERT_OK(twin_bind(lfd[t], TWIN_NODE_ANY, NS_PORT));
		ASSERT_OK(listen(lfd[t], NS_CONNS));
	}
	/* Ready: the parent waits for the two LISTEN lines in /proc. */
	for (i = 0; i < NS_CONNS; i++) {
		p[i].fd = accept(lfd[i % 2], NULL, NULL);
		ASSERT_OK(p[i].fd);
		set_user_timeout(p[i].fd, USER_TIMEOUT_MS);
		ASSERT_OK(fcntl(p[i].fd, F_SETFL, O_NONBLOCK));
		p[i].events = POLLIN | POLLOUT;
	}
	for (;;) {
		if (poll(p, NS_CONNS, 1000) < 0)
			continue;
		for (i = 0; i < NS_CONNS; i++) {
			if (p[i].revents & POLLIN)
				recv(p[i].fd, buf, sizeof(buf), 0);
			if (p[i].revents & POLLOUT)
				send(p[i].fd, buf, 1000 + i * 500, MSG_NOSIGNAL);
		}
	}
}

/* In a: NS_CONNS connections with traffic both ways, until each fails. */
static void ns_client(void *arg)
{
	int fd[NS_CONNS], err[NS_CONNS], i, e, open_conns = NS_CONNS;
	long eofs = 0;
	char buf[4096];
	double end;

	(void)arg;
	memset(buf, 'c', sizeof(buf));
	for (i = 0; i < NS_CONNS; i++) {
		fd[i] = conn_socket(types[i % 2]);
		set_timeo(fd[i], 5000);
		ASSERT_OK(twin_connect(fd[i], 2, NS_PORT));
		ASSERT_OK(fcntl(fd[i], F_SETFL, O_NONBLOCK));
		err[i] = -1;
	}
	/* Until every connection has failed (or ended), at most 20 s. */
	end = now_s() + 20;
	while (open_conns > 0 && now_s() < end) {
		for (i = 0; i < NS_CONNS; i++) {
			ssize_t r;

			if (err[i] >= 0)
				continue;
			r = send(fd[i], buf, 1500, MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN) {
				err[i] = errno;
				open_conns--;
				continue;
			}
			r = recv(fd[i], buf, sizeof(buf), 0);
			if (r == 0) {
				err[i] = 0;	/* EOF */
				eofs++;
				open_conns--;
			} else if (r < 0 && errno != EAGAIN) {
				err[i] = errno;
				open_conns--;
			}
		}
		sleep_ms(5);
	}
	for (i = 0; i < NS_CONNS; i++) {
		e = err[i];
		diag("connection %d (%s) ended with %s", i,
		     type_name(types[i % 2]), e < 0 ? "nothing (still open)" :
		     e == 0 ? "EOF" : ename(e));
		if (e < 0)
			harness_fail(__FILE__, __LINE__, "connection %d to the "
				     "deleted namespace still works 20 s later "
				     "(user timeout %d ms)", i, USER_TIMEOUT_MS);
		if (e > 0 && e != ECONNRESET && e != ETIMEDOUT && e != EPIPE &&
		    e != EHOSTUNREACH && e != ENETUNREACH)
			harness_fail(__FILE__, __LINE__, "connection %d: %s is "
				     "not an error a peer's disappearance "
				     "should give", i, ename(e));
		close(fd[i]);
	}
}

/* Wait until /proc/net/twin of ns shows n sockets in state. */
static void wait_state(const char *ns, const char *state, int n)
{
	static char buf[1 << 16];
	double end = now_s() + 10;
	int seen = 0;
	char *p;

	ns_enter(ns);
	while (now_s() < end) {
		read_file("/proc/net/twin", buf, sizeof(buf));
		for (seen = 0, p = buf; (p = strstr(p, state)); p++)
			seen++;
		if (seen >= n)
			break;
		sleep_ms(50);
	}
	ns_enter(NULL);
	if (seen < n)
		harness_fail(__FILE__, __LINE__, "%d sockets %s in %s, "
			     "expected %d:\n%s", seen, state, ns, n, buf);
}

/*
 * b's namespace is deleted (its name; the server process keeps it alive)
 * and then the process in it killed, under traffic: its sockets close with
 * unread data, its device goes with the namespace. a's connections must
 * end with a reset or a timeout; no socket and no module reference may
 * stay behind.
 */
TEST_TIMEOUT(netns_killed_under_traffic, 90)
{
	const char *a, *b;
	pid_t server, client;
	long ref0, ref = -1;
	double end;

	a = ns_with_twin("a", 0, 1);
	b = ns_with_twin("b", 0, 2);
	ref0 = module_refcnt();
	server = ns_spawn(b, ns_server, NULL);
	/* The listeners first: the client connects at once. */
	wait_state(b, "LISTEN", 2);
	client = ns_spawn(a, ns_client, NULL);
	wait_state(a, "ESTABLISHED", NS_CONNS);
	sleep_ms(500);			/* traffic */
	RUN("ip netns del %s", b);
	sleep_ms(100);
	ASSERT_OK(kill(server, SIGKILL));
	while (waitpid(server, NULL, 0) < 0 && errno == EINTR)
		;
	ns_wait(client);
	ns_enter(a);
	expect_table_drains("the client's end");
	ns_enter(NULL);
	/* Everything of b went with its namespace, module references too. */
	end = now_s() + DRAIN_SECONDS;
	while (ref0 >= 0 && (ref = module_refcnt()) > ref0 && now_s() < end)
		sleep_ms(100);
	diag("module refcnt %ld before the test, %ld after", ref0, ref);
	if (ref0 >= 0)
		ASSERT_LE(ref, ref0);
}
