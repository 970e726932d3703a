// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies, SOCK_STREAM and SOCK_SEQPACKET: a listener whose SYN queue
 * (children still in their handshake) is full, or any listener with
 * net.twin.syncookies 2, answers a SYN with a SYN|ACK whose sequence
 * number is a cookie and keeps nothing; the ACK that returns a good cookie
 * makes the connection, with the MSS the cookie kept (rounded down to
 * twin's table) and whatever data the ACK brings; a bad one gets a reset.
 * A flood of SYNs that are never answered so fills the SYN queue only,
 * and real clients keep connecting at once.
 *
 * The peer is peer.h's crafted one. Before the commit that added this
 * test a full backlog of handshakes dropped every SYN until they timed
 * out (TWIN_USER_TIMEOUT, 30 s by default).
 *
 * semantics.md, "connect()" and "accept()" of "Connection sockets".
 */
#include <arpa/inet.h>
#include <sys/wait.h>

#include "conn_util.h"
#include "peer.h"

#define NODE_CLIENT	3	/* a real client, in namespace b */
#define ST_ESTABLISHED	1

/* Sockets of type on port lport in state, in /proc/net/twin of ns. */
static int count_in_state(const char *ns, const char *type,
			  unsigned long lport, const char *state)
{
	static char buf[1 << 18];
	char *line, *save = NULL, t[32], st[32];
	unsigned long ln, lp;
	int n = 0;

	ns_enter(ns);
	ASSERT_GE(read_file("/proc/net/twin", buf, sizeof(buf)), 0);
	ns_enter(NULL);
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save)))
		if (sscanf(line, "%31s %31s %lu:%lu", t, st, &ln, &lp) == 4 &&
		    !strcmp(t, type) && lp == lport && !strcmp(st, state))
			n++;
	return n;
}

static void syncookies_in(const char *ns, unsigned int v)
{
	ns_enter(ns);
	twin_sysctl_set("syncookies", v);
	ns_enter(NULL);
}

/* A's SYN|ACK to the peer's SYN from its port (the peer's snd_nxt: iss). */
static struct got syn_ack(struct peer *p, uint32_t iss)
{
	struct got g;

	p->snd_nxt = iss;
	peer_send(p, TWIN_F_SYN, 0, NULL, 0);
	do {
		if (!peer_next(p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "no SYN|ACK to port %u",
				     p->port);
	} while (!(g.flags & TWIN_F_SYN));
	ASSERT_EQ(g.flags, TWIN_F_SYN | TWIN_F_ACK);
	ASSERT_EQ(g.ack, iss + 1);
	p->snd_nxt = iss + 1;
	return g;
}

/*
 * net.twin.syncookies 2: every SYN gets a cookie. A peer that takes 1000
 * bytes a frame: the cookie keeps 536 (the table's entry below), and A's
 * frames carry no more. Data both ways.
 */
BOTH_T(cookie_keeps_the_mss, 30)
{
	static char buf[2000];
	struct peer p;
	struct got g;

	peer_up(&p, type, 4);
	syncookies_in(p.a, 2);
	p.mss = 1000;
	peer_connect(&p, 5000);
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_SENT), 1);
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_RECV), 1);
	ASSERT_EQ(info_of(p.srv).mss, 536);
	ASSERT_EQ(info_of(p.srv).state, ST_ESTABLISHED);

	fill_pattern(buf, sizeof(buf), 3);
	ASSERT_EQ(send(p.srv, buf, 536, 0), 536);
	if (!next_data(&p, WAIT_MS, &g))
		harness_fail(__FILE__, __LINE__, "no data from A");
	ASSERT_EQ(g.seq, p.a_iss + 1);	/* after the cookie */
	ASSERT_EQ(g.len, 536);
	ASSERT_EQ(memcmp(g.data, buf, 536), 0);
	peer_send(&p, TWIN_F_ACK | (type == SOCK_SEQPACKET ? TWIN_F_EOR : 0),
		  p.a_iss + 1 + 536 + (type == SOCK_SEQPACKET), "ping", 4);
	recv_exact(p.srv, "ping", 4);
}

/*
 * The handshake's ACK that brings data: the connection is made by it and
 * keeps its data (the client sends at once after connect()).
 */
BOTH_T(cookie_ack_with_data, 30)
{
	struct sockaddr_twin pn;
	struct peer p;
	struct got g;
	int fd;

	peer_up(&p, type, 4);
	syncookies_in(p.a, 2);
	peer_xmit(&p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	g = syn_ack(&p, 7000);
	peer_send(&p, TWIN_F_ACK | (type == SOCK_SEQPACKET ? TWIN_F_EOR : 0),
		  g.seq + 1, "hello", 5);
	fd = accept(p.lis, NULL, NULL);
	ASSERT_OK(fd);
	pn = twin_peer_name(fd);
	ASSERT_EQ(pn.stw_node, NODE_PEER);
	ASSERT_EQ(pn.stw_port, PPORT);
	twin_set_timeo(fd, SO_RCVTIMEO, WAIT_MS * mult());
	recv_exact(fd, "hello", 5);
	expect_ack(&p, p.snd_nxt + 5 + (type == SOCK_SEQPACKET), &g,
		   "the data of the cookie's ACK");
}

/* The next reset from A; fails if none comes. */
static struct got next_rst(struct peer *p)
{
	struct got g;

	p->rst_ok = true;
	do {
		if (!peer_next(p, WAIT_MS, &g))
			harness_fail(__FILE__, __LINE__, "no reset");
	} while (!(g.flags & TWIN_F_RST));
	p->rst_ok = false;
	return g;
}

/*
 * An ACK to a listener that sent no cookie lately (net.twin.syncookies 1)
 * is not checked: a reset at its ack. With syncookies 2, an ACK with a
 * cookie that is not the one sent: a reset too, no connection, counted as
 * syncookies_failed.
 */
BOTH_T(bad_cookie_reset, 30)
{
	struct peer p;
	struct got g;

	peer_up(&p, type, 4);
	set_nonblock(p.lis);
	peer_xmit(&p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	p.snd_nxt = 9000;
	peer_send(&p, TWIN_F_ACK, 12345, NULL, 0);
	g = next_rst(&p);
	ASSERT_EQ(g.seq, 12345);
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_FAILED), 0);
	ASSERT_ERRNO(accept(p.lis, NULL, NULL), EAGAIN);

	syncookies_in(p.a, 2);
	p.port++;
	g = syn_ack(&p, 9000);
	/* Off in the hash's bits: off by less may name another MSS. */
	peer_send(&p, TWIN_F_ACK, g.seq + 1 + 0x10000, NULL, 0);
	ASSERT_EQ(next_rst(&p).seq, g.seq + 1 + 0x10000);
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_FAILED), 1);
	ASSERT_ERRNO(accept(p.lis, NULL, NULL), EAGAIN);
}

/*
 * net.twin.syncookies 1 (the default), listen(fd, 4): four handshakes the
 * peer never finishes fill the SYN queue; the fifth SYN gets a cookie and
 * its ACK a connection, accepted while the four still wait. With
 * syncookies 0 the next SYN gets no answer.
 */
BOTH_T(full_syn_queue_answers_with_cookies, 30)
{
	struct peer p;
	struct got g;
	int i, fd;

	peer_up(&p, type, 4);
	peer_xmit(&p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	for (i = 0; i < 4; i++) {
		p.port = PPORT + i;
		syn_ack(&p, 100 * i);
	}
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_SENT), 0);
	p.port = PPORT + 4;
	g = syn_ack(&p, 400);
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_SENT), 1);
	peer_send(&p, TWIN_F_ACK, g.seq + 1, NULL, 0);
	fd = accept(p.lis, NULL, NULL);
	ASSERT_OK(fd);
	ASSERT_EQ(twin_peer_name(fd).stw_port, PPORT + 4);
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_RECV), 1);

	syncookies_in(p.a, 0);
	p.port = PPORT + 5;
	p.snd_nxt = 500;
	peer_send(&p, TWIN_F_SYN, 0, NULL, 0);
	while (peer_next(&p, 500, &g))
		if (g.flags & TWIN_F_SYN)
			harness_fail(__FILE__, __LINE__, "a SYN|ACK with "
				     "syncookies 0 and the SYN queue full");
	ASSERT_EQ(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_SENT), 1);
}

struct flood {
	struct peer *p;
	double secs;
	int wfd;
};

/* SYNs from the peer's node, each from another port, nobody answers. */
static void syn_flood(void *arg)
{
	struct flood *f = arg;
	double end = now_s() + f->secs;
	unsigned long n = 0;

	while (now_s() < end) {
		f->p->port = 10000 + (n % 50000);
		peer_xmit(f->p, f->p->ftype, TWIN_F_SYN, (uint32_t)n * 7919,
			  0, NULL, 0);
		n++;
	}
	ASSERT_EQ(write(f->wfd, &n, sizeof(n)), (ssize_t)sizeof(n));
}

/*
 * A flood of SYNs never answered, on a listener with backlog 16, for 3 s
 * (x mult): a real client in namespace b connects ten times meanwhile,
 * each time within 1 s (x mult); A never holds more than 16 handshakes.
 */
BOTH_T(syn_flood_does_not_keep_clients_out, 60)
{
	struct flood f = { .secs = 3.0 * mult() };
	double t0, worst = 0;
	unsigned long sent;
	int pipefd[2], i, c, s, n, most = 0;
	struct peer p;
	pid_t pid;

	peer_up(&p, type, 16);
	RUN_NS(p.b, "twinctl addr add %u dev veth-b", NODE_CLIENT);
	peer_xmit(&p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	ASSERT_OK(pipe(pipefd));
	f.p = &p;
	f.wfd = pipefd[1];
	pid = ns_spawn(NULL, syn_flood, &f);
	sleep_ms(200 * mult());		/* the SYN queue fills */
	for (i = 0; i < 10; i++) {
		c = ns_socket(p.b, type);
		twin_set_timeo(c, SO_SNDTIMEO, 1000 * mult());
		t0 = now_s();
		if (twin_connect(c, NODE_A, LPORT))
			harness_fail(__FILE__, __LINE__, "connect %d during the "
				     "flood: " TWIN_ERRFMT, i,
				     TWIN_ERRARG(errno));
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
		s = accept(p.lis, NULL, NULL);
		ASSERT_OK(s);
		ASSERT_EQ(send(c, "x", 1, 0), 1);
		recv_exact(s, "x", 1);
		close(s);
		close(c);
		n = count_in_state(p.a, type_name(type), LPORT, "SYN_RECV");
		if (n > most)
			most = n;
	}
	ns_wait(pid);
	ASSERT_EQ(read(pipefd[0], &sent, sizeof(sent)), (ssize_t)sizeof(sent));
	diag("%lu SYNs in %.1f s; connect() took at most %.3f s; at most %d "
	     "handshakes held; %llu cookies sent", sent, f.secs, worst, most,
	     (unsigned long long)twin_stat(p.a, TWIN_STAT_SYNCOOKIES_SENT));
	ASSERT_LE(most, 16);
	ASSERT_GT(twin_stat(p.a, TWIN_STAT_SYNCOOKIES_SENT), 0);
}

/* net.twin.syncookies: default 1, 0 to 2, per namespace. */
TEST(syncookies_sysctl)
{
	twin_sysctl_check_range("syncookies", 1, 0, 2);
}

/*
 * A child still in its handshake that gets an ACK of anything but its
 * SYN|ACK answers <SEQ=SEG.ACK><RST> (RFC 9293, as tcp_check_req()) and
 * waits on: a client that took a late cookie SYN|ACK while its resent
 * SYN made this child so learns at once that its connection is not here,
 * instead of both waiting out their user timeouts. The right ACK then
 * completes the handshake.
 */
BOTH_T(syn_recv_resets_a_stray_ack, 30)
{
	struct peer p;
	struct got g;
	int fd;

	peer_up(&p, type, 4);
	peer_xmit(&p, TWIN_T_SOLICIT, 0, 0, 0, NULL, 0);
	g = syn_ack(&p, 3000);
	peer_send(&p, TWIN_F_ACK, g.seq + 1000, NULL, 0);
	ASSERT_EQ(next_rst(&p).seq, g.seq + 1000);
	ASSERT_EQ(count_in_state(p.a, type_name(type), LPORT, "SYN_RECV"), 1);
	peer_send(&p, TWIN_F_ACK, g.seq + 1, NULL, 0);
	fd = accept(p.lis, NULL, NULL);
	ASSERT_OK(fd);
	ASSERT_EQ(twin_peer_name(fd).stw_port, PPORT);
}
