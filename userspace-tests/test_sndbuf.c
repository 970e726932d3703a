// SPDX-License-Identifier: GPL-2.0
/*
 * SO_SNDBUF bounds the bytes in flight. To keep datagrams in flight, tw0
 * of the sending namespace gets a netem qdisc in "slot" mode with a slot
 * of 600 s: it holds every frame until the test lets them go (release()).
 * (netem's "delay" would not do: it orphans the skb, giving the send buffer
 * space back at once.) Meanwhile a full send buffer blocks, or fails with
 * EAGAIN under MSG_DONTWAIT / O_NONBLOCK / an expired SO_SNDTIMEO, EPOLLOUT
 * goes away and SIOCOUTQ counts the unsent bytes. Everything that was
 * accepted arrives once the qdisc lets go.
 *
 * semantics.md, "sendmsg()" (SO_SNDBUF), "poll/epoll" (EPOLLOUT), "ioctl"
 * (SIOCOUTQ). Namespaces a (node 1) and b (node 2) on segment 0.
 */
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "harness.h"

#define PORT 5000
#define SIZE 1000
#define RELEASE_MS 500	/* release_later(): how long a blocked call waits */
#define WAIT_MS 10000	/* bound of every wait that should succeed */

static const char *a, *b;
static int rx, tx, kick;
static char payload[SIZE];

static void setup(void)
{
	int small = 4096, got;
	socklen_t len = sizeof(got);
	char buf[16];

	require_tool("tc");
	a = ns_with_twin("a", 0, 1);
	b = ns_with_twin("b", 0, 2);
	ns_enter(b);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	ns_enter(a);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	kick = twin_bound(TWIN_NODE_ANY, 6001);
	ns_enter(NULL);
	/* Resolve the neighbour before frames start to be held. */
	ASSERT_EQ(twin_sendto(tx, "r", 1, 0, 2, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 3000), 1);

	ASSERT_OK(setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
	ASSERT_OK(getsockopt(tx, SOL_SOCKET, SO_SNDBUF, &got, &len));
	diag("SO_SNDBUF is %d", got);
	/* The first frame starts a slot: it and all after it wait 600 s. */
	if (run_cmd_ns(a, NULL, 0, "tc qdisc add dev tw0 root netem slot 600s 600s limit 10000") != 0)
		SKIP("cannot add a netem qdisc to tw0");
	fill_pattern(payload, sizeof(payload), 4);
}

/*
 * Let the held frames go: new parameters start a new slot now, of 1 ms,
 * and a frame from another socket (to a port nobody has) makes netem look
 * at its queue now rather than when the old slot would have ended.
 */
static void release(void)
{
	RUN_NS(a, "tc qdisc change dev tw0 root netem slot 1ms 1ms limit 10000");
	ASSERT_EQ(twin_sendto(kick, "k", 1, 0, 2, PORT + 1), 1);
}

static void release_after(void *arg)
{
	sleep_ms(*(int *)arg);	/* the time the test's call must wait */
	release();
}

/* release() in a helper process RELEASE_MS from now. */
static pid_t release_later(void)
{
	static int ms = RELEASE_MS;

	return ns_spawn(NULL, release_after, &ms);
}

/* Non-blocking sends until EAGAIN; returns how many were accepted. */
static int fill_sndbuf(int flags)
{
	int i;
	ssize_t n;

	for (i = 0; i < 1000; i++) {
		n = twin_sendto(tx, payload, SIZE, flags, 2, PORT);
		if (n < 0)
			break;
		ASSERT_EQ(n, SIZE);
	}
	if (i == 1000)
		harness_fail(__FILE__, __LINE__,
			     "1000 datagrams of %d bytes accepted with a %d-byte "
			     "SO_SNDBUF and frames held by netem: SO_SNDBUF does "
			     "not bound the bytes in flight", SIZE, 4096);
	ASSERT_EQ(errno, EAGAIN);
	ASSERT_GT(i, 0);
	return i;
}

/* Exactly n datagrams (the payload) arrive, and no more. */
static void expect_arrivals(int n)
{
	char buf[SIZE + 1];
	int i;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, WAIT_MS),
			  SIZE);
		ASSERT_MEMEQ(buf, payload, SIZE);
	}
	/* They were released together: any extra would follow at once. */
	twin_expect_silence(rx, 1000, "more datagrams than were accepted");
}

TEST_TIMEOUT(msg_dontwait_eagain_when_full, 40)
{
	int sent;

	setup();
	sent = fill_sndbuf(MSG_DONTWAIT);
	diag("%d datagrams in flight", sent);
	release();
	expect_arrivals(sent);
}

TEST_TIMEOUT(o_nonblock_eagain_when_full, 40)
{
	int sent;

	setup();
	ASSERT_OK(fcntl(tx, F_SETFL, O_NONBLOCK));
	sent = fill_sndbuf(0);
	release();
	expect_arrivals(sent);
}

/*
 * SIOCOUTQ is the send-buffer memory charged for datagrams not yet sent,
 * as UDP's: exactly SO_MEMINFO's wmem_alloc while netem holds them, at
 * least their bytes, at most SO_SNDBUF and the one frame that crossed it.
 */
TEST_TIMEOUT(siocoutq_counts_unsent, 40)
{
	uint32_t wmem, sndbuf;
	int n = -1, sent;
	double end;

	setup();
	ASSERT_OK(ioctl(tx, SIOCOUTQ, &n));
	ASSERT_EQ(n, 0);
	sent = fill_sndbuf(MSG_DONTWAIT);
	ASSERT_OK(ioctl(tx, SIOCOUTQ, &n));
	wmem = twin_meminfo(tx, SK_MEMINFO_WMEM_ALLOC);
	sndbuf = twin_meminfo(tx, SK_MEMINFO_SNDBUF);
	diag("SIOCOUTQ while %d datagrams are held: %d (wmem_alloc %u, "
	     "SO_SNDBUF %u)", sent, n, wmem, sndbuf);
	ASSERT_EQ((uint32_t)n, wmem);
	ASSERT_GE(n, sent * SIZE);
	ASSERT_LT((uint32_t)n, sndbuf + (uint32_t)n / sent);
	/* Back to 0 once netem releases the frames. */
	release();
	end = now_s() + WAIT_MS / 1000.0;
	for (;;) {
		ASSERT_OK(ioctl(tx, SIOCOUTQ, &n));
		if (n == 0 || now_s() > end)
			break;
		sleep_ms(20);
	}
	ASSERT_EQ(n, 0);
}

TEST_TIMEOUT(pollout_follows_sndbuf, 40)
{
	struct pollfd p = { .events = POLLOUT };
	double t;
	pid_t pid;

	setup();
	p.fd = tx;
	ASSERT_EQ(poll(&p, 1, 0), 1);
	fill_sndbuf(MSG_DONTWAIT);
	ASSERT_EQ(poll(&p, 1, 0), 0);	/* no room: no EPOLLOUT */
	t = now_s();
	pid = release_later();
	ASSERT_EQ(poll(&p, 1, WAIT_MS), 1);	/* woken when room */
	t = now_s() - t;
	ASSERT_TRUE(p.revents & POLLOUT);
	diag("POLLOUT came back after %.0f ms", t * 1000);
	ns_wait(pid);
	ASSERT_GE(t, RELEASE_MS / 1000.0);	/* not before there was room */
}

TEST_TIMEOUT(sndtimeo_bounds_blocking_send, 40)
{
	struct timeval tv = { 0, 300000 };
	double t;

	setup();
	fill_sndbuf(MSG_DONTWAIT);
	ASSERT_OK(setsockopt(tx, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	t = now_s();
	/* Nothing is released: only SO_SNDTIMEO can end this. */
	ASSERT_ERRNO(twin_sendto(tx, payload, SIZE, 0, 2, PORT), EAGAIN);
	t = now_s() - t;
	diag("blocking send with SO_SNDTIMEO 300 ms failed after %.0f ms", t * 1000);
	ASSERT_GE(t, 0.25);
	ASSERT_LT(t, 5.0 * mult());
}

TEST_TIMEOUT(blocking_send_waits_for_room, 40)
{
	int sent;
	double t;
	pid_t pid;

	setup();
	sent = fill_sndbuf(MSG_DONTWAIT);
	t = now_s();
	pid = release_later();
	ASSERT_EQ(twin_sendto(tx, payload, SIZE, 0, 2, PORT), SIZE);
	t = now_s() - t;
	diag("blocking send returned after %.0f ms", t * 1000);
	ns_wait(pid);
	ASSERT_GE(t, RELEASE_MS / 1000.0);	/* it waited for the room */
	expect_arrivals(sent + 1);
}
