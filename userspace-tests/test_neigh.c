// SPDX-License-Identifier: GPL-2.0
/*
 * The neighbour cache as sockets see it: the solicitations of a discovery,
 * frames waiting for it, entries kept REACHABLE by a connection's
 * acknowledgements, the waiting frames a device takes with it when it
 * unregisters, the cache's bound and table, and what forged neighbour
 * frames may and may not make of it.
 *
 * semantics.md, "Neighbours".
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <grp.h>
#include <poll.h>
#include <time.h>

#include "cgroup.h"
#include "frame.h"
#include "genl.h"
#include "harness.h"
#include "rtnl.h"

#define PORT 5000
#define PENDING_MAX 8		/* frames that wait per node, the newest */

/* Set a net.twin sysctl in namespace ns (NULL: the test's own). */
static void sysctl_in(const char *ns, const char *name, unsigned int val)
{
	ns_enter(ns);
	twin_sysctl_set(name, val);
	ns_enter(NULL);
}

/*
 * Twelve datagrams sent without waiting to a node that has not answered
 * yet: they wait behind its discovery, a few per node, the oldest dropped
 * (and counted as drop_neigh) beyond that. When the node answers, the
 * newest PENDING_MAX arrive, in order, and nothing else.
 */
TEST_TIMEOUT(pending_queue_keeps_the_newest, 60)
{
	const char *b = ns_with_twin("b", 0, 9);
	uint64_t drops;
	char buf[32];
	int tx, rx, i, n;

	twin_dev_add(NULL, "tw0", 0, 7);
	/* Discovery outlasts the sends and the answer by far: 3 x 5 s. */
	twin_sysctl_set("neigh_retrans_ms", 5000);
	/* b gets its address only after the sends: until then nobody answers. */
	RUN_NS(b, "twinctl addr del 9 dev tw0");
	rx = ns_socket(b, SOCK_DGRAM);
	ASSERT_OK(twin_bind(rx, TWIN_NODE_ANY, PORT));
	tx = twin_bound(TWIN_NODE_ANY, 0);
	drops = twin_stat(NULL, TWIN_STAT_DROP_NEIGH);
	for (i = 0; i < 12; i++) {
		n = snprintf(buf, sizeof(buf), "d%d", i);
		ASSERT_EQ(twin_sendto(tx, buf, n, MSG_DONTWAIT, 9, PORT), n);
	}
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), drops + 12 - PENDING_MAX);
	/* b's new address is announced (and answers the next solicitation). */
	RUN_NS(b, "twinctl addr add 9 dev tw0");
	for (i = 12 - PENDING_MAX; i < 12; i++) {
		char want[8];

		n = snprintf(want, sizeof(want), "d%d", i);
		ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL,
					 10000 * mult()), n);
		ASSERT_MEMEQ(buf, want, n);
	}
	twin_expect_silence(rx, 300, "only the newest datagrams waited");
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), drops + 12 - PENDING_MAX);
}

/* The namespace's entry for node shows state (twinctl neigh show). */
static bool entry_is(uint32_t node, const char *state)
{
	char out[4096], want[64];

	ASSERT_EQ(run_cmd_ns(NULL, out, sizeof(out), "twinctl neigh show"), 0);
	snprintf(want, sizeof(want), "node %u ", node);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, want, strlen(want)) && strstr(l, state))
			return true;
	return false;
}

/*
 * With neigh_reachable_ms at R, an entry nobody confirms goes STALE after
 * R, and the next frame through it sends solicitations (PROBE). A
 * connection whose peer acknowledges new data confirms the entry instead
 * (at most every 250 ms): over 3 R of traffic paced at 100 ms this side
 * sends no solicitation at all. The peer keeps the default 30 s, so it
 * never solicits us (which would confirm our entry too and hide a
 * missing confirmation). R is 2 s, x TWIN_TIMEOUT_MULT: only a stall of
 * that length between two acknowledgements would let the entry go STALE.
 * Once the traffic stops, the entry goes STALE after about R (seen in
 * `twinctl neigh show`): the confirmations were what kept it.
 */
TEST_TIMEOUT(connection_acks_keep_the_entry_reachable, 60)
{
	const int reachable_ms = 2000 * mult();
	const char *b = ns_with_twin("b", 0, 9);
	socklen_t ti_len;
	struct twin_info ti;
	uint64_t solicits;
	struct sockaddr_twin peer;
	socklen_t len = sizeof(peer);
	int lst, cli, srv, i;
	char buf[64];
	double t;

	twin_dev_add(NULL, "tw0", 0, 7);
	/* Before discovery: an entry's timer is armed with the value then. */
	sysctl_in(NULL, "neigh_reachable_ms", reachable_ms);
	/*
	 * A retransmission timeout sends a solicitation of its own (the peer
	 * may have moved: twin_neigh_suspect()), rightly, and a loaded
	 * machine can hold an ACK past the 200 ms floor: the floor goes past
	 * the whole traffic, which never loses a frame on a twin device.
	 */
	sysctl_in(NULL, "rto_min_ms",
		  4 * reachable_ms < 10000 ? 4 * reachable_ms : 10000);
	lst = ns_socket(b, SOCK_STREAM);
	ASSERT_OK(twin_bind(lst, TWIN_NODE_ANY, PORT));
	ASSERT_OK(listen(lst, 1));
	cli = twin_socket(SOCK_STREAM);
	ASSERT_OK(twin_connect(cli, 9, PORT));
	srv = accept(lst, (struct sockaddr *)&peer, &len);
	ASSERT_OK(srv);
	twin_set_timeo(srv, SO_RCVTIMEO, 5000 * mult());

	solicits = twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT);
	/* Writes 100 ms apart for 3 R, each read by b (and acknowledged). */
	for (i = 0; i < 3 * reachable_ms / 100; i++) {
		memset(buf, 'a' + i % 26, sizeof(buf));
		ASSERT_EQ(send(cli, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
		ASSERT_EQ(recv(srv, buf, sizeof(buf), MSG_WAITALL),
			  (ssize_t)sizeof(buf));
		sleep_ms(100);
	}
	ti_len = sizeof(ti);
	ASSERT_OK(getsockopt(cli, SOL_TWIN, TWIN_INFO, &ti, &ti_len));
	diag("neigh_solicit %llu -> %llu over %d ms with neigh_reachable_ms %d; "
	     "the client's timeouts %u",
	     (unsigned long long)solicits,
	     (unsigned long long)twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT),
	     3 * reachable_ms, reachable_ms, ti.timeouts);
	ASSERT_EQ(ti.timeouts, 0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT), solicits);

	/*
	 * Without traffic the same entry does go STALE. (Not "then sends a
	 * solicitation on the next frame": that frame's own ack may confirm
	 * the entry before the PROBE timer runs, and rightly so.)
	 */
	t = now_s();
	while (!entry_is(9, "STALE") && now_s() < t + (reachable_ms + 5000 *
							mult()) / 1000.0)
		sleep_ms(100);
	diag("STALE %.1f s after the traffic stopped", now_s() - t);
	ASSERT_TRUE(entry_is(9, "STALE"));
	/* Not at once: the last confirmations were recent. */
	ASSERT_GE(now_s() - t, reachable_ms / 2000.0);
	close(cli);
	close(srv);
	close(lst);
}

/*
 * Datagrams wait behind the discovery of a node nobody has (3 solicitations
 * a minute apart: they would wait 3 minutes): three from a socket bound to
 * tw1, two from an unbound one. Deleting tw1 drops the three at once,
 * counted as drop_neigh, since they may leave by no other device; the two
 * may still leave by tw0 and wait. Deleting tw0, the last device, drops
 * them too: no discovery can succeed any more.
 */
TEST_TIMEOUT(unregister_drops_waiting_frames, 30)
{
	int bound, any, i, fd = rtnl_open();
	uint64_t drops;
	char err[256];

	ASSERT_OK(fd);
	twin_dev_add(NULL, "tw0", 0, 7);
	twin_dev_add(NULL, "tw1", 1, 8);
	twin_sysctl_set("neigh_retrans_ms", 60000);
	bound = twin_bound(TWIN_NODE_ANY, 0);
	ASSERT_OK(setsockopt(bound, SOL_SOCKET, SO_BINDTODEVICE, "tw1", 4));
	any = twin_bound(TWIN_NODE_ANY, 0);
	drops = twin_stat(NULL, TWIN_STAT_DROP_NEIGH);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(twin_sendto(bound, "b", 1, MSG_DONTWAIT, 99, PORT), 1);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(twin_sendto(any, "a", 1, MSG_DONTWAIT, 99, PORT), 1);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), drops);

	ASSERT_EQ(rtnl_link_del(fd, "tw1", err, sizeof(err)), 0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), drops + 3);
	sleep_ms(200);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), drops + 3);

	ASSERT_EQ(rtnl_link_del(fd, "tw0", err, sizeof(err)), 0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), drops + 5);
	close(fd);
}

/*
 * The next frame on raw socket fd within ms, its kernel timestamp in *t;
 * false if none came.
 */
static bool raw_frame(int fd, struct twinhdr *h, double *t, int ms)
{
	char ctl[CMSG_SPACE(sizeof(struct timespec))];
	unsigned char buf[256];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { 0 };
	struct timespec ts = { 0, 0 };
	struct cmsghdr *cm;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return false;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	ASSERT_GE(n, TWIN_HLEN);
	memcpy(h, buf, sizeof(*h));
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
	ASSERT_NE(ts.tv_sec, 0);
	*t = ts.tv_sec + ts.tv_nsec / 1e9;
	return true;
}

/*
 * Discovery of a node nobody has: exactly 3 solicitations,
 * net.twin.neigh_retrans_ms apart (400 here, set in this namespace only:
 * the peer keeps its 250), then EHOSTUNREACH. A raw socket on the peer
 * sees them, timestamped as they leave tw0.
 */
TEST_TIMEOUT(incomplete_sends_three_solicitations, 30)
{
	const char *b = ns_with_twin("b", 0, 9);
	struct twinhdr h;
	double t[4];
	int raw, tx, n = 0, on = 1;

	twin_dev_add(NULL, "tw0", 0, 7);
	twin_sysctl_set("neigh_retrans_ms", 400);
	ns_enter(b);
	ASSERT_EQ(twin_sysctl_get("neigh_retrans_ms"), 250);
	raw = socket(twin_family(), SOCK_RAW, TWIN_T_SOLICIT);
	ASSERT_OK(raw);
	ASSERT_OK(setsockopt(raw, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)));
	ns_enter(NULL);
	/* Else the first solicitation may be stamped when read (harness.h). */
	wait_rx_timestamps();
	tx = twin_bound(TWIN_NODE_ANY, 0);
	ASSERT_ERRNO(twin_sendto(tx, "x", 1, 0, 99, PORT), EHOSTUNREACH);
	while (n < 4 && raw_frame(raw, &h, &t[n], 1000 * mult())) {
		if (ntohl(h.dst_node) != 99)
			continue;
		ASSERT_EQ(ntohl(h.src_node), 7);
		n++;
	}
	ASSERT_EQ(n, 3);
	diag("solicitations %.3f and %.3f s apart", t[1] - t[0], t[2] - t[1]);
	ASSERT_GE(t[1] - t[0], 0.38);
	ASSERT_GE(t[2] - t[1], 0.38);
	ASSERT_LE(t[1] - t[0], 0.4 + 0.5 * mult());
	ASSERT_LE(t[2] - t[1], 0.4 + 0.5 * mult());
}

/* Entries of the current namespace's cache (a TWIN_CMD_NEIGH_GET dump). */
static void count_one(const struct nlattr *attrs, size_t len, void *arg)
{
	(void)attrs;
	(void)len;
	(*(int *)arg)++;
}

static int neigh_entries(void)
{
	char ext[256] = "";
	int fd, fam, n = 0, err;

	fd = genl_open();
	ASSERT_GE(fd, 0);
	fam = genl_family(fd, TWIN_GENL_NAME);
	ASSERT_GT(fam, 0);
	err = genl_call(fd, fam, TWIN_CMD_NEIGH_GET, 1, NULL, 0, count_one, &n,
			ext, sizeof(ext));
	close(fd);
	if (err)
		harness_fail(__FILE__, __LINE__, "NEIGH_GET dump: %s %s",
			     strerror(-err), ext);
	return n;
}

#define FLOOD_MAX	64	/* net.twin.neigh_max of the test */

struct flood {
	int wfd;		/* the pipe the counts go back on */
	double secs;
};

struct flood_counts {
	unsigned long sent, nobufs, other;
	int other_errno;
};

/*
 * As nobody, without capabilities: datagrams without waiting, each to
 * another node nobody has, for f->secs.
 */
static void flood_unknown_nodes(void *arg)
{
	const struct flood *f = arg;
	struct flood_counts c = { 0 };
	uint32_t node = 0x10000;
	double end;
	int fd;

	ASSERT_OK(setgroups(0, NULL));
	ASSERT_OK(setgid(65534));
	ASSERT_OK(setuid(65534));
	fd = twin_socket(SOCK_DGRAM);
	end = now_s() + f->secs;
	while (now_s() < end) {
		if (twin_sendto(fd, "x", 1, MSG_DONTWAIT, node++, PORT) == 1)
			c.sent++;
		else if (errno == ENOBUFS)
			c.nobufs++;
		else if (!c.other++)
			c.other_errno = errno;
	}
	ASSERT_EQ(write(f->wfd, &c, sizeof(c)), (ssize_t)sizeof(c));
}

/*
 * The cache holds at most net.twin.neigh_max entries (64 here): an
 * unprivileged sender to ever new nodes fills it, then gets ENOBUFS until
 * failed entries can be reclaimed (discovery takes 3 x 250 ms here, x
 * TWIN_TIMEOUT_MULT), and never makes more. A neighbour in use keeps
 * working all along; once the flood ends the failed entries go
 * (neigh_gc_ms 100) and only it is left.
 * (Before the limit, every node made an entry, each with a timer and
 * three broadcast solicitations, for as long as neigh_gc_ms.)
 * The discovery is long enough for the slowest sender to fill the cache
 * within it (64 sends in 750 ms x mult; a loaded debug kernel sent 150 a
 * second), and the flood lasts five discoveries, so that entries are
 * reclaimed during it. The dump that counts the entries is one message,
 * so one instant of the cache: a dump spread over changes could list an
 * entry twice (seen as 65 of 64 before the dump took the lock for a
 * whole message).
 */
TEST_TIMEOUT(cache_bounded_under_flood, 90)
{
	const char *b = ns_with_twin("b", 0, 9);
	struct flood f = { .secs = 4.0 * mult() };
	struct flood_counts c;
	int pipefd[2], tx, rx, n, peak = 0, i = 0;
	char buf[32];
	double end;
	pid_t pid;

	twin_dev_add(NULL, "tw0", 0, 7);
	twin_sysctl_set("neigh_max", FLOOD_MAX);
	twin_sysctl_set("neigh_retrans_ms", 250 * mult());
	twin_sysctl_set("neigh_gc_ms", 100);
	rx = ns_socket(b, SOCK_DGRAM);
	ASSERT_OK(twin_bind(rx, TWIN_NODE_ANY, PORT));
	tx = twin_bound(TWIN_NODE_ANY, 0);
	ASSERT_EQ(twin_sendto(tx, "first", 5, 0, 9, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 5000 * mult()),
		  5);

	ASSERT_OK(pipe(pipefd));
	f.wfd = pipefd[1];
	pid = ns_spawn(NULL, flood_unknown_nodes, &f);
	end = now_s() + f.secs;
	while (now_s() < end) {
		n = neigh_entries();
		if (n > peak)
			peak = n;
		if (n > FLOOD_MAX)
			harness_fail(__FILE__, __LINE__, "%d entries, more than "
				     "neigh_max %d", n, FLOOD_MAX);
		/* The neighbour in use: each datagram arrives. */
		n = snprintf(buf, sizeof(buf), "alive %d", i++);
		ASSERT_EQ(twin_sendto(tx, buf, n, 0, 9, PORT), n);
		ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL,
					 5000 * mult()), n);
		sleep_ms(20);
	}
	ns_wait(pid);
	ASSERT_EQ(read(pipefd[0], &c, sizeof(c)), (ssize_t)sizeof(c));
	diag("flood: %lu sent, %lu ENOBUFS, %lu other (%s); peak %d entries; "
	     "%d datagrams to the neighbour in use", c.sent, c.nobufs,
	     c.other, c.other ? strerror(c.other_errno) : "-", peak, i);
	ASSERT_EQ(c.other, 0);
	ASSERT_GT(c.nobufs, 0);		/* the limit was reached */
	ASSERT_GT(c.sent, FLOOD_MAX);	/* and failed entries made room */
	ASSERT_LE(peak, FLOOD_MAX);

	end = now_s() + 5.0 * mult();
	while ((n = neigh_entries()) > 1 && now_s() < end)
		sleep_ms(50);
	ASSERT_EQ(n, 1);
	ASSERT_TRUE(entry_is(9, "REACHABLE"));
}

/*
 * A per-namespace sysctl capped by the initial namespace's value: @def
 * by default, @min to the initial namespace's value elsewhere (its
 * default, then @max once the initial namespace is raised to it), never
 * past @max.
 */
static void capped_sysctl_check(const char *name, unsigned int def,
				unsigned int min, unsigned int max)
{
	char text[16];

	twin_sysctl_check_range(name, def, min, def);
	snprintf(text, sizeof(text), "%u", max);
	twin_init_sysctl_set(name, text);
	twin_sysctl_set(name, max);
	ASSERT_EQ(twin_sysctl_get(name), max);
	ASSERT_ERRNO(twin_sysctl_try(name, max + 1), EINVAL);
}

/*
 * net.twin.neigh_max: default 1024, per namespace, 16 to the initial
 * namespace's value (65536 there).
 */
TEST(neigh_max_sysctl)
{
	capped_sysctl_check("neigh_max", 1024, 16, 65536);
}

/*
 * No namespace's cache holds more than the initial namespace's neigh_max
 * (as ARP's gc_thresh3 is the initial namespace's alone): a container's
 * root can lower its own bound, not raise it, and a bound lowered in the
 * initial namespace holds for the caches set higher before. (Before,
 * each namespace could go to 65536 entries: a container making many
 * namespaces made the machine hold many times that.)
 */
TEST(neigh_max_capped_by_initial_namespace)
{
	int fd, i, nobufs = 0;
	int sent = 0;

	twin_dev_add(NULL, "tw0", 0, 7);
	ASSERT_ERRNO(twin_sysctl_try("neigh_max", 1025), EINVAL);
	ASSERT_EQ(twin_sysctl_get("neigh_max"), 1024);
	twin_sysctl_set("neigh_retrans_ms", 5000);
	twin_init_sysctl_set("neigh_max", "16");
	fd = twin_bound(TWIN_NODE_ANY, 0);
	for (i = 0; i < 100; i++) {
		if (twin_sendto(fd, "x", 1, MSG_DONTWAIT, 0x10000 + i, PORT) == 1)
			sent++;
		else if (errno == ENOBUFS)
			nobufs++;
		else
			harness_fail(__FILE__, __LINE__, "send %d: " TWIN_ERRFMT,
				     i, TWIN_ERRARG(errno));
	}
	diag("100 sends to new nodes with neigh_max 1024 here, 16 in the "
	     "initial namespace: %d queued, %d ENOBUFS, %d entries", sent,
	     nobufs, neigh_entries());
	ASSERT_EQ(sent, 16);
	ASSERT_EQ(neigh_entries(), 16);
	close(fd);
}

/*
 * net.twin.neigh_solicit_rate: default 1000, per namespace, 1 to the
 * initial namespace's value (100000 there), as neigh_max.
 */
TEST(neigh_solicit_rate_sysctl)
{
	capped_sysctl_check("neigh_solicit_rate", 1000, 1, 100000);
}

/*
 * A namespace sends at most neigh_solicit_rate solicitations a second,
 * from a bucket of a second's worth: sends to 200 new nodes at once with
 * the rate at 20 (neigh_retrans_ms 300: three tries per node within a
 * second) make 20 solicitations at once, then 20 a second while the
 * discoveries last, however many want to go; a try the bucket refuses
 * counts, unanswered, and every discovery fails as it would have.
 * (Before, each try broadcast: 600 solicitations.)
 */
#define RATE		20
#define RATE_NODES	200

TEST_TIMEOUT(solicitations_rate_limited, 60)
{
	int fds[RATE_NODES / 100], fd = -1, i;
	uint64_t s0, s, d0, d;
	double t0, t;

	twin_dev_add(NULL, "tw0", 0, 7);
	twin_sysctl_set("neigh_solicit_rate", RATE);
	twin_sysctl_set("neigh_retrans_ms", 300);
	s0 = twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT);
	d0 = twin_stat(NULL, TWIN_STAT_DROP_NEIGH);
	t0 = now_s();
	for (i = 0; i < RATE_NODES; i++) {
		/* Each frame waits in its socket's send buffer. */
		if (i % 100 == 0)
			fd = fds[i / 100] = twin_bound(TWIN_NODE_ANY, 0);
		ASSERT_EQ(twin_sendto(fd, "x", 1, MSG_DONTWAIT, 0x10000 + i,
				      PORT), 1);
	}
	/* Every discovery over: its frame dropped. */
	d = twin_stat_wait(NULL, TWIN_STAT_DROP_NEIGH, d0 + RATE_NODES,
			   10000 * mult());
	s = twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT);
	t = now_s();
	diag("%llu solicitations in %.2f s at %d a second, for %d nodes",
	     (unsigned long long)(s - s0), t - t0, RATE, RATE_NODES);
	ASSERT_EQ(d, d0 + RATE_NODES);
	/* The bucket's second's worth, then some of its refill. */
	ASSERT_GT(s - s0, RATE);
	ASSERT_LE(s - s0, RATE + RATE * (t - t0) + 1);
	for (i = 0; i < RATE_NODES / 100; i++)
		close(fds[i]);
}

/*
 * PROBE's solicitations are not rate-limited: with the rate at 1 a second
 * and sends to new nodes keeping the bucket empty, the neighbour in use
 * (its entry STALE again before each send, neigh_reachable_ms 100) is
 * re-confirmed each time, and every datagram to it arrives. (On c3ec585's
 * module the bucket refused its probes too: the entry FAILED, and its
 * rediscovery waited for tokens the flood took.)
 */
TEST_TIMEOUT(probes_not_rate_limited, 60)
{
	const char *b = ns_with_twin("b", 0, 9);
	int tx, flood, rx, i, k, n;
	uint32_t node = 0x10000;
	char buf[32];
	double end;

	twin_dev_add(NULL, "tw0", 0, 7);
	twin_sysctl_set("neigh_solicit_rate", 1);
	twin_sysctl_set("neigh_reachable_ms", 100);
	/*
	 * PROBE gives the answer 0.9 s x mult, on a loaded machine; the
	 * test lasts four times that, so that probes refused would fail
	 * the entry (and its rediscovery, the datagram) within it.
	 */
	twin_sysctl_set("neigh_retrans_ms", 300 * mult());
	rx = ns_socket(b, SOCK_DGRAM);
	ASSERT_OK(twin_bind(rx, TWIN_NODE_ANY, PORT));
	tx = twin_bound(TWIN_NODE_ANY, 0);
	flood = twin_bound(TWIN_NODE_ANY, 0);
	/* Found with the bucket's one token. */
	ASSERT_EQ(twin_sendto(tx, "first", 5, 0, 9, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 5000 * mult()),
		  5);
	end = now_s() + 3.6 * mult();
	for (i = 0; now_s() < end; i++) {
		for (k = 0; k < 5; k++)
			twin_sendto(flood, "x", 1, MSG_DONTWAIT, node++, PORT);
		sleep_ms(150);
		n = snprintf(buf, sizeof(buf), "alive %d", i);
		ASSERT_EQ(twin_sendto(tx, buf, n, 0, 9, PORT), n);
		ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL,
					 5000 * mult()), n);
	}
	diag("%d datagrams to the neighbour in use, %u sends to new nodes",
	     i, node - 0x10000);
	ASSERT_GT(i, 5);
	close(flood);
	close(tx);
	close(rx);
}

/* The "NEIGH: entries N chains N" line of /proc/net/twin_sockstat. */
static void neigh_table(unsigned int *entries, unsigned int *chains)
{
	char buf[256], *line;

	ASSERT_GT(read_file("/proc/net/twin_sockstat", buf, sizeof(buf)), 0);
	line = strstr(buf, "\nNEIGH: ");
	if (!line || sscanf(line + 1, "NEIGH: entries %u chains %u", entries,
			    chains) != 2)
		harness_fail(__FILE__, __LINE__, "no NEIGH line in "
			     "/proc/net/twin_sockstat: %s", buf);
}

/*
 * The cache's table grows with it, as the kernel's neighbour tables do:
 * 256 chains to start with, and once the cache holds more entries than
 * chains, a power of two of them at least as many as the entries (up to
 * 65536, neigh_max's own limit). 1500 sends to new nodes make 1500
 * entries in discovery (neigh_retrans_ms 60 s keeps them there): the
 * table grows to 2048 chains, every entry is still found (the dump lists
 * them all, a neighbour in use keeps working). (Before, 256 chains held
 * up to 65536 entries: 256 to a chain, walked under a BH-disabling lock
 * by every send.)
 */
#define GROW_NODES	1500

TEST_TIMEOUT(neigh_table_grows_with_the_cache, 120)
{
	const char *b = ns_with_twin("b", 0, 9);
	int fds[GROW_NODES / 100], fd = -1, rx, i;
	unsigned int entries, chains;
	char buf[16];
	double end;

	twin_dev_add(NULL, "tw0", 0, 7);
	twin_init_sysctl_set("neigh_max", "4096");
	twin_sysctl_set("neigh_max", 4096);
	twin_sysctl_set("neigh_retrans_ms", 60000);
	neigh_table(&entries, &chains);
	ASSERT_EQ(entries, 0);
	ASSERT_EQ(chains, 256);

	rx = ns_socket(b, SOCK_DGRAM);
	ASSERT_OK(twin_bind(rx, TWIN_NODE_ANY, PORT));
	/* Each frame waits for its discovery in its socket's send buffer. */
	for (i = 0; i < GROW_NODES; i++) {
		if (i % 100 == 0)
			fd = fds[i / 100] = twin_bound(TWIN_NODE_ANY, 0);
		ASSERT_EQ(twin_sendto(fd, "x", 1, MSG_DONTWAIT, 0x10000 + i,
				      PORT), 1);
	}
	end = now_s() + 5.0 * mult();
	do {
		neigh_table(&entries, &chains);
		if (chains >= entries)
			break;
		sleep_ms(20);
	} while (now_s() < end);
	diag("%u entries in %u chains", entries, chains);
	ASSERT_EQ(entries, GROW_NODES);
	ASSERT_EQ(chains, 2048);
	ASSERT_EQ(neigh_entries(), GROW_NODES);

	ASSERT_EQ(twin_sendto(fd, "alive", 5, 0, 9, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 5000 * mult()),
		  5);
	ASSERT_EQ(neigh_entries(), GROW_NODES + 1);
	for (i = 0; i < GROW_NODES / 100; i++)
		close(fds[i]);
	close(rx);
}

/*
 * A namespace of its own on the far end of veth-a (ours, node 7), where
 * an AF_PACKET socket forges neighbour frames from any node.
 */
struct forger {
	const char *ns;
	int pkt;			/* AF_PACKET on veth-p */
	struct sockaddr_ll to;
	unsigned char mac_a[ETH_ALEN], mac_p[ETH_ALEN];
};

static void forger_up(struct forger *f)
{
	f->ns = ns_new("p");
	RUN("ip link add veth-a type veth peer name veth-p netns %s", f->ns);
	RUN("ip link set veth-a up");
	RUN_NS(f->ns, "ip link set veth-p up");
	RUN("twinctl addr add 7 dev veth-a");
	twin_mac_of(NULL, "veth-a", f->mac_a);
	twin_mac_of(f->ns, "veth-p", f->mac_p);
	f->pkt = twin_packet_socket(f->ns, "veth-p", f->mac_a, &f->to);
}

/* A neighbour frame of @type from node @src to node 7, at Ethernet @dst. */
static void forge(struct forger *f, int type, uint32_t src,
		  const unsigned char *dst)
{
	struct {
		struct ethhdr eth;
		struct twinhdr hdr;
	} __attribute__((packed)) fr;

	memset(&fr, 0, sizeof(fr));
	memcpy(fr.eth.h_dest, dst, ETH_ALEN);
	memcpy(fr.eth.h_source, f->mac_p, ETH_ALEN);
	fr.eth.h_proto = htons(TWIN_ETH_P);
	fr.hdr.version = TWIN_VERSION;
	fr.hdr.type = type;
	fr.hdr.doff = TWIN_DOFF_MIN;
	fr.hdr.src_node = htonl(src);
	fr.hdr.dst_node = htonl(7);
	twin_frame_csum(&fr.hdr, NULL, 0);
	memcpy(f->to.sll_addr, dst, ETH_ALEN);
	ASSERT_EQ(sendto(f->pkt, &fr, sizeof(fr), 0,
			 (struct sockaddr *)&f->to, sizeof(f->to)),
		  (ssize_t)sizeof(fr));
}

/* Wait for our solicitation for @node on the forger's side. */
static void forger_solicited(struct forger *f, uint32_t node)
{
	unsigned char buf[256];
	struct ethhdr eth;
	struct twinhdr h;
	struct pollfd p = { .fd = f->pkt, .events = POLLIN };
	double end = now_s() + 5.0 * mult();
	ssize_t n;

	while (now_s() < end) {
		if (poll(&p, 1, 100) != 1)
			continue;
		n = recv(f->pkt, buf, sizeof(buf), 0);
		ASSERT_GE(n, 0);
		if ((size_t)n < sizeof(eth) + sizeof(h))
			continue;
		memcpy(&eth, buf, sizeof(eth));
		memcpy(&h, buf + sizeof(eth), sizeof(h));
		/* The packet socket also sees the frames it sends. */
		if (!memcmp(eth.h_source, f->mac_a, ETH_ALEN) &&
		    h.type == TWIN_T_SOLICIT && ntohl(h.dst_node) == node)
			return;
	}
	harness_fail(__FILE__, __LINE__, "no solicitation for node %u within "
		     "%d s", node, 5 * mult());
}

/* Entries of the namespace's cache in @state (twinctl neigh show). */
static int entries_in(const char *state)
{
	char out[16384];
	int n = 0;

	ASSERT_EQ(run_cmd_ns(NULL, out, sizeof(out), "twinctl neigh show"), 0);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, state))
			n++;
	return n;
}

/*
 * Frames anyone can forge make no entry that the cache must keep: a
 * solicitation for our node makes its sender's entry STALE (used, but
 * re-confirmed before it is trusted, and the first to go when the cache
 * is full, as ARP's entry for a request's sender), so 32 of them from
 * made-up nodes, with neigh_max 16, leave room for a send to a real new
 * node. An advertisement for a node we never solicited makes no entry
 * (ARP takes no unsolicited reply), nor confirms one. (Before, each made
 * a REACHABLE entry, which a full cache could not free for
 * neigh_reachable_ms: the send got ENOBUFS; and d361589 still confirmed
 * an entry by any advertisement sent to us, so a forger could refresh
 * its entries faster than the cache freed them.)
 */
TEST_TIMEOUT(forged_frames_make_no_trusted_entry, 60)
{
	static const unsigned char bcast[ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	struct forger f;
	uint64_t adv, rx;
	int fd, i, n;

	forger_up(&f);
	twin_sysctl_set("neigh_max", 16);
	twin_sysctl_set("neigh_reachable_ms", 60000);
	twin_sysctl_set("neigh_gc_ms", 60000);

	rx = twin_stat(NULL, TWIN_STAT_RX_FRAMES);
	forge(&f, TWIN_T_ADVERT, 0x20000, f.mac_a);
	twin_stat_wait(NULL, TWIN_STAT_RX_FRAMES, rx + 1, 5000 * mult());
	ASSERT_EQ(neigh_entries(), 0);

	adv = twin_stat(NULL, TWIN_STAT_NEIGH_ADVERT);
	for (i = 0; i < 32; i++)
		forge(&f, TWIN_T_SOLICIT, 0x10000 + i, bcast);
	/* Each answered: its sender's entry made first. */
	ASSERT_EQ(twin_stat_wait(NULL, TWIN_STAT_NEIGH_ADVERT, adv + 32,
				 5000 * mult()), adv + 32);
	n = neigh_entries();
	diag("32 solicitations from made-up nodes: %d entries, %d STALE", n,
	     entries_in("STALE"));
	ASSERT_GT(n, 0);
	ASSERT_LE(n, 16);
	ASSERT_EQ(entries_in("STALE"), n);
	/* Nor does an advertisement to us confirm what we did not solicit. */
	rx = twin_stat(NULL, TWIN_STAT_RX_FRAMES);
	for (i = 0; i < 32; i++)
		forge(&f, TWIN_T_ADVERT, 0x10000 + i, f.mac_a);
	twin_stat_wait(NULL, TWIN_STAT_RX_FRAMES, rx + 32, 5000 * mult());
	ASSERT_EQ(entries_in("STALE"), n);

	fd = twin_bound(TWIN_NODE_ANY, 0);
	ASSERT_EQ(twin_sendto(fd, "x", 1, MSG_DONTWAIT, 5, PORT), 1);
	ASSERT_TRUE(entry_is(5, "INCOMPLETE"));
	close(fd);
}

/*
 * A full cache frees REACHABLE entries neither confirmed nor sent through
 * for 5 s, as neigh_forced_gc() frees any entry not updated for 5 s: 16
 * sends to new nodes, each answered by the forger (neigh_max 16,
 * neigh_reachable_ms 60 s), fill the cache with REACHABLE entries; a send
 * to a 17th node gets ENOBUFS until 5 s after the first answer, and room
 * within a few seconds after that. (Before, only FAILED and STALE entries
 * were freed: whoever answered solicitations for made-up nodes kept the
 * cache full for neigh_reachable_ms.) cache_bounded_under_flood checks
 * the other half: a neighbour sent through stays.
 */
TEST_TIMEOUT(full_cache_frees_idle_reachable_entries, 60)
{
	double first = 0, last = 0, t;
	struct forger f;
	int fd, i, nobufs = 0;
	ssize_t r;

	forger_up(&f);
	twin_sysctl_set("neigh_max", 16);
	twin_sysctl_set("neigh_reachable_ms", 60000);
	/* Discovery outlasts the forger's answer. */
	twin_sysctl_set("neigh_retrans_ms", 10000);
	fd = twin_bound(TWIN_NODE_ANY, 0);
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(twin_sendto(fd, "x", 1, MSG_DONTWAIT, 0x10000 + i,
				      PORT), 1);
		forger_solicited(&f, 0x10000 + i);
		last = now_s();
		if (!i)
			first = last;
		forge(&f, TWIN_T_ADVERT, 0x10000 + i, f.mac_a);
	}
	t = now_s() + 5.0 * mult();
	while (entries_in("REACHABLE") < 16 && now_s() < t)
		sleep_ms(20);
	ASSERT_EQ(entries_in("REACHABLE"), 16);

	for (;;) {
		r = twin_sendto(fd, "x", 1, MSG_DONTWAIT, 0x20000, PORT);
		t = now_s();
		if (r == 1)
			break;
		ASSERT_EQ(errno, ENOBUFS);
		nobufs++;
		if (t > last + 5.0 + 3.0 * mult())
			harness_fail(__FILE__, __LINE__, "still ENOBUFS %.1f s "
				     "after the last answer", t - last);
		sleep_ms(50);
	}
	diag("room %.2f s after the first answer, %.2f s after the last; %d "
	     "ENOBUFS before", t - first, t - last, nobufs);
	/* Nothing was confirmed less than 5 s ago when it was freed. */
	ASSERT_GE(t - first, 4.98);
	ASSERT_LE(entries_in("REACHABLE"), 15);
	ASSERT_TRUE(entry_is(0x20000, "INCOMPLETE"));
	close(fd);
}

/*
 * The cache is charged to the memory cgroup of whoever made the
 * namespace, whoever makes its entries (a sender of another cgroup here,
 * a frame received in softirq elsewhere), so that a container's limit
 * bounds the caches of all the namespaces it makes, however many (each
 * holds up to the initial namespace's neigh_max). A namespace made in a
 * cgroup of the test's own, neigh_max 65536, its cgroup limited to 512
 * KiB above what it uses: sends from outside the cgroup to 8000 new nodes
 * (each entry held in discovery: neigh_retrans_ms 60 s) get entries until
 * the cgroup is full, then ENOMEM, and the cgroup stays within its limit.
 * (Before, entries were charged to nobody: all 8000 were made.)
 */
#define MEMCG_NODES	8000

TEST_TIMEOUT(cache_charged_to_namespace_cgroup, 120)
{
	int fds[MEMCG_NODES / 100], fd = -1, i, sent = 0, nomem = 0, n;
	long base, now, max;
	const char *cg, *m;
	char buf[32];

	cg = cgroup_make("neigh");
	twin_init_sysctl_set("neigh_max", "65536");
	cgroup_enter(cg);
	m = ns_new("m");
	cgroup_enter(NULL);
	twin_dev_add(m, "tw0", 0, 7);
	sysctl_in(m, "neigh_max", 65536);
	sysctl_in(m, "neigh_retrans_ms", 60000);

	base = cgroup_read(cg, "memory.current", NULL);
	max = base + (512 << 10);
	snprintf(buf, sizeof(buf), "%ld", max);
	cgroup_write(cg, "memory.max", buf);
	for (i = 0; i < MEMCG_NODES; i++) {
		/* Each frame waits in its socket's send buffer. */
		if (i % 100 == 0)
			fd = fds[i / 100] = ns_socket(m, SOCK_DGRAM);
		if (twin_sendto(fd, "x", 1, MSG_DONTWAIT, 0x10000 + i, PORT) == 1)
			sent++;
		else if (errno == ENOMEM)
			nomem++;
		else
			harness_fail(__FILE__, __LINE__, "send %d: " TWIN_ERRFMT,
				     i, TWIN_ERRARG(errno));
	}
	now = cgroup_read(cg, "memory.current", NULL);
	ns_enter(m);
	n = neigh_entries();
	ns_enter(NULL);
	diag("%d sends to new nodes, cgroup limited to %ld KiB above its %ld "
	     "KiB: %d entries, %d ENOMEM; %ld KiB in use", MEMCG_NODES,
	     (max - base) >> 10, base >> 10, n, nomem, now >> 10);
	ASSERT_GT(nomem, 0);
	ASSERT_EQ(n, sent);
	ASSERT_GT(sent, 100);
	ASSERT_LE(now, max);
	for (i = 0; i < MEMCG_NODES / 100; i++)
		close(fds[i]);
	ASSERT_OK(rmdir(cg));
}
