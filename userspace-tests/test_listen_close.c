// SPDX-License-Identifier: GPL-2.0
/*
 * A listener closed, or shut down for reading, while its children still in
 * their handshake end by themselves: their SYN|ACK retransmission reaches
 * the user timeout (250 ms here, x TWIN_TIMEOUT_MULT) or the peer resets
 * them. Both ends take a child off the listener's accept list; each child
 * must leave exactly once.
 * A listener that moved its list aside and walked it unlocked (fixed in
 * the commit that added this test) let a child unlink itself from that
 * walk: a double sock_put(), list corruption and a backlog count that
 * wrapped below zero, so that the listener, listening again, dropped every
 * SYN as if its queue were full. On the debug kernel the first two show as
 * KASAN, list-debugging or refcount reports; the third as a handshake that
 * never completes.
 *
 * The SYNs come from peer.h's crafted peer, from many ports, so that
 * dozens of children end within the same few milliseconds as the close.
 * semantics.md, "Closing" of "Connection sockets": closing a listener
 * resets every connection not yet accepted.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "conn_util.h"
#include "peer.h"

#define CHILDREN	128	/* SYNs of one round */
/*
 * The children's user timeout, x TWIN_TIMEOUT_MULT: on the debug kernel
 * taking 128 SYNs takes longer than 250 ms, and all of them must be
 * children at once before a round goes on.
 */
#define USER_TIMEOUT_MS	(250 * mult())
#define GHOST		100	/* nodes nobody answers for: 100 + round */
#define ISS(i)		(0x10000000U + (uint32_t)(i) * 0x1000U)

/* Sockets of this type in /proc/net/twin with local port lport. */
static int count_on_port(const char *type, unsigned long lport)
{
	static char buf[1 << 17];
	char *line, *save = NULL, t[32], s[32];
	unsigned long ln, lp;
	int n = 0;

	ASSERT_GE(read_file("/proc/net/twin", buf, sizeof(buf)), 0);
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save)))
		if (sscanf(line, "%31s %31s %lu:%lu", t, s, &ln, &lp) == 4 &&
		    !strcmp(t, type) && lp == lport)
			n++;
	return n;
}

/* Run on CPU cpu if there is one. */
static void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) <= cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_OK(sched_setaffinity(0, sizeof(set), &set));
}

/* A listener on LPORT in a whose children give up after USER_TIMEOUT_MS. */
static int round_listener(struct peer *p)
{
	int fd = ns_socket(p->a, p->type);

	twin_set_int(fd, SOL_TWIN, TWIN_USER_TIMEOUT, USER_TIMEOUT_MS);
	ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, LPORT));
	ASSERT_OK(listen(fd, 2 * CHILDREN));
	twin_set_timeo(fd, SO_RCVTIMEO, WAIT_MS * mult());
	return fd;
}

/*
 * A SYN from each of CHILDREN ports of node; waits until the listener has
 * taken them all (each made a child: the backlog has room for twice as
 * many). Not until all are children at once: on a slow machine the first
 * may time out before the last SYN is in.
 */
static void syns(struct peer *p, uint32_t node, uint32_t port0)
{
	double end = now_s() + WAIT_MS * mult() / 1000.0;
	uint64_t before = twin_stat(p->a, TWIN_STAT_DELIVERED), n;
	int i;

	p->node = node;
	for (i = 0; i < CHILDREN; i++) {
		p->port = port0 + i;
		peer_xmit(p, p->ftype, TWIN_F_SYN, ISS(i), 0, NULL, 0);
	}
	while ((n = twin_stat(p->a, TWIN_STAT_DELIVERED) - before) < CHILDREN &&
	       now_s() < end)
		sleep_ms(1);
	if (n < CHILDREN)
		harness_fail(__FILE__, __LINE__, "%llu of %d SYNs reached the "
			     "listener", (unsigned long long)n, CHILDREN);
}

/* want sockets are left on LPORT: every child left with the listener. */
static void expect_on_port(struct peer *p, int want, const char *when)
{
	int n;

	ns_enter(p->a);
	n = count_on_port(type_name(p->type), LPORT);
	ns_enter(NULL);
	if (n != want)
		harness_fail(__FILE__, __LINE__, "%d sockets on port %u %s, "
			     "not %d", n, LPORT, when, want);
}

/* Sleep until ms after t0 (now_s()); at once if that is past. */
static void sleep_until(double t0, int ms)
{
	int left = ms - (int)((now_s() - t0) * 1000);

	if (left > 0)
		sleep_ms(left);
}

/*
 * Children to a node that never answers retransmit their SYN|ACK until
 * the user timeout ends them, each in its own timer; the listener is
 * closed around that moment (240-261 ms after the SYNs, varied by
 * round; both x TWIN_TIMEOUT_MULT). Everything runs on one CPU, where the children's timers were
 * armed (the SYNs are taken in this process's softirq): the tick that
 * expires them interrupts the close's walk over the children.
 */
BOTH_T(close_while_children_time_out, 120)
{
	const int rounds = 16;
	struct peer p;
	int r;

	peer_up(&p, type, 1);
	close(p.lis);
	pin(0);
	for (r = 0; r < rounds; r++) {
		int lis = round_listener(&p);
		double t0 = now_s();

		syns(&p, GHOST + r, 1000 + r * CHILDREN);
		sleep_until(t0, (240 + (r % 8) * 3) * mult());
		ASSERT_OK(close(lis));
		expect_on_port(&p, 0, "after close()");
	}
}

/*
 * The same race through shutdown(SHUT_RD), then listen() again: the
 * backlog count survived it (a SYN|ACK for a real handshake, the child
 * accepted) and every child left.
 */
BOTH_T(shutdown_while_children_time_out, 120)
{
	const int rounds = 16;
	struct peer p;
	int r, lis;

	peer_up(&p, type, 1);
	close(p.lis);
	pin(0);
	lis = round_listener(&p);
	p.lis = lis;
	for (r = 0; r < rounds; r++) {
		double t0 = now_s();

		syns(&p, GHOST + r, 1000 + r * CHILDREN);
		sleep_until(t0, (240 + (r % 8) * 3) * mult());
		ASSERT_OK(shutdown(lis, SHUT_RD));
		expect_on_port(&p, 1, "after shutdown() (the listener)");
		ASSERT_OK(listen(lis, 1));
		p.node = NODE_PEER;
		p.port = PPORT + r;
		peer_connect(&p, ISS(r));
		set_linger(p.srv, 1, 0);	/* a reset: nothing stays */
		ASSERT_OK(close(p.srv));
		ASSERT_OK(listen(lis, 2 * CHILDREN));
	}
}

/*
 * Children of a known peer, reset by it (an exact RST each) from another
 * process, on another CPU, while this one closes the listener. The resets
 * go from the last child to the first while the close walks the first to
 * the last, so the two meet: the child the walk is about to take next is
 * reset under it. The reset process spins on a shared flag (a wake-up
 * would take longer than the whole close); this one closes 0 to 1 ms
 * after the resets began, by round, so that where they meet moves.
 */
BOTH_T(close_while_peer_resets_children, 120)
{
	const int rounds = 16;
	volatile struct {
		int go;
		double started, ended;
	} *sh;
	double t0, t1, t2;
	struct peer p;
	int r, i, st;
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(sh != MAP_FAILED);
	peer_up(&p, type, 1);
	close(p.lis);
	peer_xmit(&p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	pin(0);
	for (r = 0; r < rounds; r++) {
		int lis = round_listener(&p);
		uint32_t port0 = 1000 + r * CHILDREN;

		syns(&p, NODE_PEER, port0);
		sh->go = 0;
		sh->started = 0;
		pid = fork();
		ASSERT_OK(pid);
		if (!pid) {
			/* Else close() below only drops a reference. */
			close(lis);
			pin(1);
			while (!sh->go)
				;
			sh->started = now_s();
			for (i = CHILDREN - 1; i >= 0; i--) {
				p.port = port0 + i;
				peer_xmit(&p, p.ftype, TWIN_F_RST, ISS(i) + 1,
					  0, NULL, 0);
			}
			sh->ended = now_s();
			_exit(0);
		}
		sh->go = 1;
		while (!sh->started)
			;
		t0 = sh->started;
		while (now_s() < t0 + (r % 8) * 150e-6)
			;
		t1 = now_s();
		ASSERT_OK(close(lis));
		t2 = now_s();
		ASSERT_EQ(waitpid(pid, &st, 0), pid);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (r < 8)
			diag("round %d: close() %.0f-%.0f us, resets %.0f-%.0f us "
			     "after the resets began", r, (t1 - t0) * 1e6,
			     (t2 - t0) * 1e6, (sh->started - t0) * 1e6,
			     (sh->ended - t0) * 1e6);
		expect_on_port(&p, 0, "after close()");
	}
}
