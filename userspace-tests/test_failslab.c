// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures: with failslab failing a share of this process's slab
 * allocations (task-filter and /proc/self/make-it-fail), every datagram and
 * connection operation either works or fails with a clean errno (out of
 * memory, or for a connection the loss the failure caused), never anything
 * else; once failures stop, the node works as before. Crashes,
 * kernel reports and leaks are caught by the VM run itself (the kernel log
 * scan and kmemleak after rmmod).
 *
 * Needs CONFIG_FAILSLAB and debugfs: runs on the debug kernel, skips on
 * kernels without failslab.
 */
#include <fcntl.h>
#include <poll.h>

#include "harness.h"

#define FAILSLAB "/sys/kernel/debug/failslab/"
#define NODE 1
#define PORT 4000

static void write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	ASSERT_OK(fd);
	ASSERT_EQ(write(fd, val, strlen(val)), (ssize_t)strlen(val));
	close(fd);
}

static int make_it_fail = -1;

/*
 * Failures hit this process's own allocations too, opening files among
 * them: /proc/self/make-it-fail is opened before they start, and turning
 * them off is retried until the write itself gets through.
 *
 * The probability is written after task-filter and verbose: set before
 * them, a kworker's allocation once failed in between, with the boot
 * defaults' stack dump (verbose 2), a kernel report that failed the run.
 */
static void failslab(int percent)
{
	char buf[16];
	int i;

	if (make_it_fail < 0) {
		make_it_fail = open("/proc/self/make-it-fail", O_WRONLY);
		ASSERT_OK(make_it_fail);
	}
	snprintf(buf, sizeof(buf), "%d", percent);
	if (!percent) {
		for (i = 0; i < 1000; i++)
			if (pwrite(make_it_fail, "0", 1, 0) == 1)
				break;
		ASSERT_LT(i, 1000);
		write_str(FAILSLAB "probability", buf);
		return;
	}
	write_str(FAILSLAB "task-filter", "Y");
	write_str(FAILSLAB "verbose", "0");
	write_str(FAILSLAB "interval", "1");
	write_str(FAILSLAB "times", "-1");
	/* GFP_KERNEL allocations may fail too, not only atomic ones. */
	write_str(FAILSLAB "ignore-gfp-wait", "N");
	ASSERT_EQ(pwrite(make_it_fail, "1", 1, 0), 1);
	write_str(FAILSLAB "probability", buf);
}

/*
 * The errnos each operation may fail with when an allocation fails: an
 * out-of-memory errno, and nothing else.
 * ENFILE: the VFS reports a failed file allocation in socket() so.
 * EAGAIN: only a non-blocking receive that found nothing (the datagram was
 * lost to an allocation failure on the way, which datagrams may be).
 */
#define OOM (1u << 0)		/* ENOMEM, ENOBUFS */
#define FILE_ALLOC (1u << 1)	/* ENFILE */
#define NOTHING_YET (1u << 2)	/* EAGAIN; EINPROGRESS for connect() */
/*
 * A connection that an allocation failure cost its handshake or a frame
 * ends as one whose frames were lost: ETIMEDOUT after TWIN_USER_TIMEOUT,
 * or a reset from a peer that could not keep its end (ECONNRESET,
 * ECONNREFUSED, and EPIPE once it is closed).
 */
#define CONN_LOST (1u << 3)

static bool clean_errno(int e, unsigned int allowed)
{
	return ((allowed & OOM) && (e == ENOMEM || e == ENOBUFS)) ||
	       ((allowed & FILE_ALLOC) && e == ENFILE) ||
	       ((allowed & NOTHING_YET) && (e == EAGAIN || e == EINPROGRESS)) ||
	       ((allowed & CONN_LOST) && (e == ETIMEDOUT || e == ECONNRESET ||
					  e == ECONNREFUSED || e == EPIPE));
}

static int bad;

static void check(long r, const char *what, unsigned int allowed)
{
	if (r >= 0 || clean_errno(errno, allowed))
		return;
	diag("%s failed with %s under failslab", what, errno_name(errno));
	bad++;
}

TEST_TIMEOUT(datagrams_under_failslab, 120)
{
	int rx, i, fails = 0;
	char buf[64];

	if (access(FAILSLAB "probability", W_OK))
		SKIP("no failslab in this kernel");
	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, PORT);

	failslab(20);
	for (i = 0; i < 400; i++) {
		struct sockaddr_twin a;
		int fd = socket(twin_family(), SOCK_DGRAM, 0);
		long r;

		if (fd < 0) {
			check(fd, "socket", OOM | FILE_ALLOC);
			fails++;
			continue;
		}
		memset(&a, 0, sizeof(a));
		a.stw_family = twin_family();
		a.stw_port = TWIN_PORT_ANY;
		check(bind(fd, (struct sockaddr *)&a, sizeof(a)), "bind", OOM);
		r = twin_sendto(fd, "x", 1, 0, NODE, PORT);
		if (r < 0)
			fails++;
		check(r, "sendto", OOM);
		check(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), "recv",
		      OOM | NOTHING_YET);
		close(fd);
	}
	failslab(0);
	diag("%d of 400 rounds saw an injected failure", fails);
	ASSERT_EQ(bad, 0);
	ASSERT_GT(fails, 0);	/* the injection really happened */

	/* Afterwards everything works again. */
	while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	ASSERT_EQ(twin_sendto(rx, "again", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 3000), 5);
	ASSERT_MEMEQ(buf, "again", 5);
}

/* Errnos seen in the connection rounds, by kind. */
static int seen_oom, seen_lost, seen_wait;

/* Like check(), and counts what kind of failure r was. */
static void check_conn(long r, const char *what, unsigned int allowed)
{
	if (r >= 0)
		return;
	check(r, what, allowed);
	if (errno == ENOMEM || errno == ENOBUFS || errno == ENFILE)
		seen_oom++;
	else if (errno == EAGAIN || errno == EINPROGRESS)
		seen_wait++;
	else
		seen_lost++;
}

/* One connection to lis and a few bytes each way, under failslab. */
static void conn_round(int type, int lis)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	struct timeval tv = { .tv_sec = 2 };
	int fd, srv, ms = 1000;
	char buf[64];
	long r;

	fd = socket(twin_family(), type, 0);
	if (fd < 0) {
		check_conn(fd, "socket", OOM | FILE_ALLOC);
		return;
	}
	/* Option writes allocate nothing: they must work. */
	ASSERT_OK(setsockopt(fd, SOL_TWIN, TWIN_USER_TIMEOUT, &ms, sizeof(ms)));
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	/* Children of earlier rounds whose accept() failed: reset them. */
	while ((srv = accept4(lis, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		setsockopt(srv, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(srv);
	}
	r = twin_connect(fd, NODE, PORT);
	check_conn(r, "connect", OOM | NOTHING_YET | CONN_LOST);
	srv = -1;
	if (!r) {
		struct pollfd p = { .fd = lis, .events = POLLIN };

		/* Our child, or nothing: it may have been lost. */
		if (poll(&p, 1, 2000 * mult()) == 1) {
			srv = accept4(lis, NULL, NULL, SOCK_NONBLOCK);
			check_conn(srv, "accept", OOM | FILE_ALLOC | NOTHING_YET);
		}
	}
	if (!r)
		check_conn(send(fd, "hello", 5, MSG_DONTWAIT | MSG_NOSIGNAL),
			   "send", OOM | NOTHING_YET | CONN_LOST);
	if (srv >= 0) {
		check_conn(recv(srv, buf, sizeof(buf), MSG_DONTWAIT), "recv",
			   OOM | NOTHING_YET | CONN_LOST);
		check_conn(send(srv, "back", 4, MSG_DONTWAIT | MSG_NOSIGNAL),
			   "send back", OOM | NOTHING_YET | CONN_LOST);
		setsockopt(srv, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(srv);
	}
	/* Half the rounds close in order (FIN, TIME_WAIT), half reset. */
	if (fd & 1)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

TEST_TIMEOUT(connections_under_failslab, 300)
{
	int lis[2], i, t, types[2] = { SOCK_STREAM, SOCK_SEQPACKET };
	char buf[64 * 1024], got[sizeof(buf)];
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int fd, srv;

	if (access(FAILSLAB "probability", W_OK))
		SKIP("no failslab in this kernel");
	twin_dev_add(NULL, "tw0", 0, NODE);
	for (t = 0; t < 2; t++) {
		lis[t] = socket(twin_family(), types[t], 0);
		ASSERT_OK(lis[t]);
		ASSERT_OK(twin_bind(lis[t], TWIN_NODE_ANY, PORT));
		ASSERT_OK(listen(lis[t], 64));
		/* accept() in the rounds must not wait for a failed connect */
		ASSERT_OK(fcntl(lis[t], F_SETFL, O_NONBLOCK));
	}

	/* 5%: most rounds get some way before an allocation fails. */
	failslab(5);
	for (i = 0; i < 200; i++)
		conn_round(types[i % 2], lis[i % 2]);
	failslab(0);
	diag("200 rounds: %d out-of-memory errors, %d connections lost, %d EAGAIN/EINPROGRESS",
	     seen_oom, seen_lost, seen_wait);
	ASSERT_EQ(bad, 0);
	ASSERT_GT(seen_oom, 0);	/* the injection really happened */

	/* Afterwards a connection of each type carries 64 KiB each way. */
	fill_pattern(buf, sizeof(buf), 5);
	for (t = 0; t < 2; t++) {
		while ((srv = accept4(lis[t], NULL, NULL, SOCK_NONBLOCK)) >= 0)
			close(srv);	/* what the failing rounds left queued */
		ASSERT_OK(fcntl(lis[t], F_SETFL, 0));
		fd = socket(twin_family(), types[t], 0);
		ASSERT_OK(fd);
		ASSERT_OK(twin_connect(fd, NODE, PORT));
		srv = accept(lis[t], NULL, NULL);
		ASSERT_OK(srv);
		for (i = 0; i < 2; i++) {
			int from = i ? srv : fd, to = i ? fd : srv;
			size_t n = 0;
			ssize_t r;

			for (size_t off = 0; off < sizeof(buf); off += 8192)
				ASSERT_EQ(send(from, buf + off, 8192, 0), 8192);
			while (n < sizeof(got)) {
				r = recv(to, got + n, sizeof(got) - n, 0);
				ASSERT_GT(r, 0);
				n += r;
			}
			ASSERT_MEMEQ(got, buf, sizeof(buf));
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
		close(srv);
		close(lis[t]);
	}
}
