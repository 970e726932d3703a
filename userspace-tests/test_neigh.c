// SPDX-License-Identifier: GPL-2.0
/*
 * The neighbour cache as sockets see it: frames waiting for discovery,
 * entries kept REACHABLE by a connection's acknowledgements, and the
 * waiting frames a device takes with it when it unregisters.
 *
 * semantics.md, "Neighbours".
 */
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

/*
 * With neigh_reachable_ms at R, an entry nobody confirms goes STALE after
 * R, and the next frame through it sends solicitations (PROBE). A
 * connection whose peer acknowledges new data confirms the entry instead
 * (at most every 250 ms): over 3 R of traffic paced at 100 ms this side
 * sends no solicitation at all. The peer keeps the default 30 s, so it
 * never solicits us (which would confirm our entry too and hide a
 * missing confirmation). R is 2 s, x TWIN_TIMEOUT_MULT: only a stall of
 * that length between two acknowledgements would let the entry go STALE.
 */
TEST_TIMEOUT(connection_acks_keep_the_entry_reachable, 60)
{
	const int reachable_ms = 2000 * mult();
	const char *b = ns_with_twin("b", 0, 9);
	uint64_t solicits;
	struct sockaddr_twin peer;
	socklen_t len = sizeof(peer);
	int lst, cli, srv, i;
	char buf[64];

	twin_dev_add(NULL, "tw0", 0, 7);
	/* Before discovery: an entry's timer is armed with the value then. */
	sysctl_in(NULL, "neigh_reachable_ms", reachable_ms);
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
	diag("neigh_solicit %llu -> %llu over %d ms with neigh_reachable_ms %d",
	     (unsigned long long)solicits,
	     (unsigned long long)twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT),
	     3 * reachable_ms, reachable_ms);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT), solicits);

	/* Without traffic the same entry does go STALE and then PROBE. */
	sleep_ms(reachable_ms + 500);
	ASSERT_EQ(send(cli, "x", 1, 0), 1);
	for (i = 0; i < 100 * mult(); i++) {
		if (twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT) > solicits)
			break;
		sleep_ms(50);
	}
	ASSERT_GT(twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT), solicits);
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
