// SPDX-License-Identifier: GPL-2.0
/*
 * A connection sender that gets no acknowledgment: the SYN backoff (from
 * 250 ms, doubling), the retransmission timeout (doubling per expiry up
 * to 10 s) and the initial congestion window (10 frames go out before
 * any ack).
 *
 * semantics.md, "connect()" and "Reliability" of "Connection sockets".
 * The frames are seen by a raw socket (SOCK_RAW, SO_TIMESTAMPNS) where
 * they arrive: a SYN to a listener whose backlog is full gets no answer;
 * data gets none when the receiving namespace's tw0 drops everything it
 * sends (netem loss 100%), acknowledgments included. Bounds are ratios
 * with wide margins, not milliseconds: the machine may be slow.
 */
#include <arpa/inet.h>
#include <time.h>

#include "conn_util.h"

#define ST_SYN_SENT	2
#define RTO_CAP_S	10.0
/* A loaded guest has delivered a 10 s retransmission 1.5 s late. */
#define CAP_SLACK_S	2.5

/* A raw socket in ns hearing frames of this type, kernel-timestamped. */
static int raw_in(const char *ns, int frame_type)
{
	int fd, on = 1;

	ns_enter(ns);
	fd = socket(twin_family(), SOCK_RAW, frame_type);
	ns_enter(NULL);
	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "socket(SOCK_RAW) " TWIN_ERRFMT,
			     TWIN_ERRARG(errno));
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)));
	twin_set_int(fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
	/* Else early frames may be stamped when read (harness.h). */
	wait_rx_timestamps();
	return fd;
}

struct seen {
	double t;		/* arrival, seconds */
	uint16_t flags, len;
	uint32_t seq;
	unsigned char data[16];	/* the payload's first bytes */
};

/*
 * The next frame from source port sport within ms (other frames are
 * skipped); false if none came.
 */
static bool raw_next(int fd, uint32_t sport, int ms, struct seen *out)
{
	double end = now_s() + ms / 1000.0;
	unsigned char buf[2048];
	char ctl[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *cm;
	struct twinhdr h;
	struct timespec ts;
	ssize_t n;
	int left;

	for (;;) {
		left = (int)((end - now_s()) * 1000);
		if (left <= 0 || !(wait_ev(fd, POLLIN, left) & POLLIN))
			return false;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		ASSERT_GE(n, TWIN_HLEN);
		memcpy(&h, buf, sizeof(h));
		if (ntohl(h.src_port) != sport)
			continue;
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		ASSERT_TRUE(ts.tv_sec != 0);
		out->t = ts.tv_sec + ts.tv_nsec / 1e9;
		out->flags = ntohs(h.flags);
		out->len = ntohs(h.len);
		out->seq = ntohl(h.seq);
		memset(out->data, 0, sizeof(out->data));
		if (n > h.doff * 4)
			memcpy(out->data, buf + h.doff * 4,
			       n - h.doff * 4 < (ssize_t)sizeof(out->data) ?
			       (size_t)(n - h.doff * 4) : sizeof(out->data));
		return true;
	}
}

static int frame_type_of(int type)
{
	return type == SOCK_STREAM ? TWIN_T_STREAM : TWIN_T_SEQPACKET;
}

/* Drop everything namespace ns sends on tw0 from now on. */
static void silence(const char *ns)
{
	RUN_NS(ns, "tc qdisc add dev tw0 root netem loss 100%%");
}

/*
 * A SYN that gets no answer (the listener's backlog is full) is sent
 * again after about 250 ms, then at doubling intervals: 5 SYNs, the
 * intervals 250 ms, 500 ms, 1 s and 2 s (doubling: a constant or tripling
 * backoff fails the bounds).
 */
#define NSYN 5
BOTH_T(syn_backoff_doubles, 30)
{
	struct seen s[NSYN];
	double iv[NSYN - 1];
	int lis, filler, raw, cli, i;
	uint32_t cport;

	fast_dev(NULL, "tw0", NODE);
	/* listen(0) holds one connection: the filler fills it. */
	lis = listener(type, TWIN_NODE_ANY, PORT, 0);
	filler = client(type);
	ASSERT_OK(twin_connect(filler, NODE, PORT));
	raw = raw_in(NULL, frame_type_of(type));
	cli = client(type);
	set_nonblock(cli);
	ASSERT_ERRNO(twin_connect(cli, NODE, PORT), EINPROGRESS);
	cport = twin_name(cli).stw_port;
	for (i = 0; i < NSYN; i++) {
		if (!raw_next(raw, cport, (int)(6000 * mult()), &s[i]))
			harness_fail(__FILE__, __LINE__, "SYN %d never seen", i);
		ASSERT_EQ(s[i].flags, TWIN_F_SYN);
	}
	ASSERT_EQ(info_of(cli).state, ST_SYN_SENT);
	for (i = 0; i < NSYN - 1; i++)
		iv[i] = s[i + 1].t - s[i].t;
	diag("SYN intervals %.3f %.3f %.3f %.3f s", iv[0], iv[1], iv[2], iv[3]);
	/*
	 * 250 ms (HZ/4: 248 ms at HZ 250), 500 ms, 1 s, 2 s. Each timer is
	 * armed when the one before fired, so lateness does not add up in
	 * an interval: none is much shorter than its nominal length (the
	 * arrival times jitter a little), and none longer than it plus the
	 * slack of a loaded machine. Measured against the schedule, not
	 * against the interval before, whose own lateness would count twice.
	 */
	for (i = 0; i < NSYN - 1; i++) {
		ASSERT_GE(iv[i], 0.8 * 0.25 * (1 << i));
		ASSERT_LE(iv[i], 0.25 * (1 << i) + CAP_SLACK_S * mult());
	}
	(void)lis;
	(void)filler;
}

/*
 * Data to a peer whose acknowledgments are all lost: the first
 * retransmission comes after the RTO (TWIN_INFO rto_ms once all is
 * acknowledged), each next one after twice the interval before, until
 * doubling would pass 10 s: then about 10 s, and TWIN_INFO rto_ms is
 * exactly 10000 (doubling would give 12800 or more). Each interval is
 * held to that schedule (each timer is armed when the one before fired,
 * so a late one does not shorten the next), not to the interval before
 * it, whose own lateness would count twice. Stream only: the timer is
 * the connection engine's, the same for both types.
 */
#define NDATA 10
STREAM_T(rto_doubles_to_10s, 70)
{
	static const char msg[] = "retransmit me";
	struct seen s[NDATA];
	struct stall_meter *stalls;
	struct twin_info ti;
	const char *a, *b;
	int raw, n = 0;
	bool capped = false;
	struct conn c;
	uint32_t cport;
	double iv, nominal, end, lost = 0, was = 0;

	two_ns(&a, &b);
	/*
	 * Each RTO expiry sends the peer's neighbour entry to PROBE; with
	 * the answers lost too it would fail after 3 solicitations and the
	 * data would wait for discovery instead of going out. A minute
	 * between solicitations keeps it usable for the whole test.
	 */
	ns_enter(a);
	twin_sysctl_set("neigh_retrans_ms", 60000);
	ns_enter(NULL);
	/*
	 * 300 ms more round trip from a, so the RTO starts near a second:
	 * a loaded guest's timer jitter (100 ms seen) would blur the
	 * ratios of 200 and 400 ms intervals. The delay is the same for
	 * every frame, so the intervals at b are the sender's.
	 */
	RUN_NS(a, "tc qdisc add dev tw0 root netem delay 300ms");
	c = remote_pair(type, a, b, PORT, 0);
	exchange(&c);	/* RTT samples */
	end = now_s() + 5.0 * mult();
	while (info_of(c.cli).unacked && now_s() < end)
		sleep_ms(20);
	ti = info_of(c.cli);
	ASSERT_EQ(ti.unacked, 0);	/* no sample will change the RTO now */
	nominal = ti.rto_ms / 1000.0;
	cport = twin_name(c.cli).stw_port;
	twin_set_int(c.cli, SOL_TWIN, TWIN_USER_TIMEOUT, 120000);
	raw = raw_in(b, TWIN_T_STREAM);
	silence(b);
	stalls = stall_meter_start();
	ASSERT_EQ(send(c.cli, msg, sizeof(msg) - 1, 0), (ssize_t)sizeof(msg) - 1);
	while (n < NDATA && !capped) {
		if (!raw_next(raw, cport, (int)(15000 * mult()), &s[n]))
			harness_fail(__FILE__, __LINE__, "frame %d never seen", n);
		/*
		 * Not the data: an ack, or a copy of the exchange's data
		 * that a loaded guest resent before its ack came, still in
		 * the 300 ms delay when the raw socket opened.
		 */
		if (s[n].len != sizeof(msg) - 1 ||
		    memcmp(s[n].data, msg, sizeof(msg) - 1))
			continue;
		ASSERT_EQ(s[n].seq, s[0].seq);
		lost = stall_meter_lost(stalls);
		if (n >= 1) {
			iv = s[n].t - s[n - 1].t;
			diag("retransmission %d after %.3f s (schedule %.3f s, "
			     "%.3f s lost to stalls)", n, iv, nominal,
			     lost - was);
			/* At least the round trip, 300 ms. */
			ASSERT_GE(iv, 0.3);
			ASSERT_GE(iv, 0.8 * nominal);
			/* A stalled guest fires the timer late by as much. */
			ASSERT_LE(iv, nominal + CAP_SLACK_S * mult() +
				  (lost - was));
			/* Doubling would pass 10 s: 10 s. */
			capped = nominal == RTO_CAP_S;
			nominal = 2 * nominal > RTO_CAP_S ? RTO_CAP_S :
							    2 * nominal;
		}
		was = lost;
		n++;
	}
	stall_meter_stop(stalls);
	ASSERT_TRUE(capped);
	ti = info_of(c.cli);
	diag("after %u timeouts: rto_ms %u", ti.timeouts, ti.rto_ms);
	ASSERT_GE(ti.timeouts, (unsigned int)(n - 1));
	ASSERT_EQ(ti.rto_ms, 10000);
}

/* Poll TWIN_INFO of fd until cond(info) holds, up to ms (x mult). */
static struct twin_info info_wait(int fd, bool (*cond)(const struct twin_info *),
				  int ms)
{
	double end = now_s() + ms * mult() / 1000.0;
	struct twin_info ti = info_of(fd);

	while (!cond(&ti) && now_s() < end) {
		sleep_ms(20);
		ti = info_of(fd);
	}
	return ti;
}

static bool three_timeouts(const struct twin_info *ti)
{
	return ti->timeouts >= 3;
}

static bool all_acked(const struct twin_info *ti)
{
	return ti->unacked == 0;
}

/*
 * After timeouts, an acknowledgment of new data ends the backoff: the RTO
 * goes back to what the measured RTT gives, although the acknowledged
 * frame was a retransmission and so no RTT sample (Karn), as BSD's
 * tcp_input() resets t_rxtshift. Otherwise each later loss would cost the
 * doubled RTO, up to 10 s: under 20% corruption a 64 KiB transfer took
 * more than 40 s (conn_netem.sh corruption_caught_by_crc, once).
 */
STREAM_T(rto_backoff_ends_on_new_ack, 40)
{
	struct twin_info ti;
	const char *a, *b;
	unsigned int rto0;
	struct conn c;

	two_ns(&a, &b);
	/* The peer's entry must stay usable through the timeouts. */
	ns_enter(a);
	twin_sysctl_set("neigh_retrans_ms", 60000);
	ns_enter(NULL);
	c = remote_pair(type, a, b, PORT, 0);
	exchange(&c);	/* RTT samples */
	rto0 = info_of(c.cli).rto_ms;
	twin_set_int(c.cli, SOL_TWIN, TWIN_USER_TIMEOUT, 60000);
	silence(b);	/* b's acknowledgments are lost */
	ASSERT_EQ(send(c.cli, "retransmit me", 13, 0), 13);
	ti = info_wait(c.cli, three_timeouts, 20000);
	diag("RTO %u ms, after %u timeouts %u ms", rto0, ti.timeouts, ti.rto_ms);
	ASSERT_GE(ti.timeouts, 3);
	ASSERT_GE(ti.rto_ms, 4 * rto0);
	RUN_NS(b, "tc qdisc del dev tw0 root");
	/* The next retransmission is acknowledged. */
	ti = info_wait(c.cli, all_acked, 30000);
	diag("acknowledged: RTO %u ms, backoff %u", ti.rto_ms, ti.backoff);
	ASSERT_EQ(ti.unacked, 0);
	ASSERT_EQ(ti.backoff, 0);
	ASSERT_LE(ti.rto_ms, 2 * rto0);
}

/*
 * A fresh connection with a large peer window sends 20 frames' worth and
 * gets no acknowledgment: exactly 10 full data frames go out (the initial
 * congestion window; a raw socket on a twin device sees them in super-
 * frames of whole MSS, gso.c), then nothing new until the RTO resends
 * the first.
 * Stream only: a SEQPACKET record's end takes a sequence number too, so
 * full-size records fit the same window as 9.
 */
#define IW 10
STREAM_T(initial_window_10_frames, 30)
{
	static char buf[2 * IW * 1500];
	uint32_t cport, first = 0, seqs[4 * IW];
	struct twin_info ti;
	const char *a, *b;
	int raw, n = 0, frames = 0, i, tries;
	bool again = false;
	struct conn c;
	struct seen s;
	size_t len;

	two_ns(&a, &b);
	/*
	 * A lost SYN leaves one frame as the first window (RFC 5681, and
	 * twin's RTO expiry): on a slow guest the first SYN may wait out
	 * neighbour discovery past its 250 ms. Take a connection whose
	 * handshake had no timeout (the next ones find node 9 known).
	 */
	for (tries = 0;; tries++) {
		c = remote_pair(type, a, b, PORT + tries, 1 << 20);
		ti = info_of(c.cli);
		if (!ti.timeouts)
			break;
		diag("handshake %d had %u timeouts: once more", tries,
		     ti.timeouts);
		ASSERT_LT(tries, 4);
		set_linger(c.cli, 1, 0);
		set_linger(c.srv, 1, 0);
		ASSERT_OK(close(c.cli));
		ASSERT_OK(close(c.srv));
		ASSERT_OK(close(c.lis));
	}
	cport = twin_name(c.cli).stw_port;
	ASSERT_GE(ti.snd_wnd, 2 * IW * ti.mss);	/* the window is no limit */
	len = 2 * IW * ti.mss;
	ASSERT_LE(len, sizeof(buf));
	raw = raw_in(b, TWIN_T_STREAM);
	silence(b);
	fill_pattern(buf, len, 5);
	ASSERT_EQ(send(c.cli, buf, len, 0), (ssize_t)len);
	while (!again) {
		if (!raw_next(raw, cport, (int)(5000 * mult()), &s))
			harness_fail(__FILE__, __LINE__, "no retransmission "
				     "after %d frames", n);
		if (!s.len)
			continue;
		for (i = 0; i < n; i++)
			if (seqs[i] == s.seq)
				again = true;
		if (again)
			break;
		ASSERT_LT(n, 4 * IW);
		if (!n)
			first = s.seq;
		ASSERT_EQ(s.len % ti.mss, 0);
		frames += s.len / ti.mss;
		seqs[n++] = s.seq;
	}
	diag("%d data frames in %d buffers before the first retransmission",
	     frames, n);
	ASSERT_EQ(s.seq, first);
	ASSERT_EQ(frames, IW);
	ti = info_of(c.cli);
	ASSERT_EQ(ti.bytes_sent, IW * ti.mss);
	ASSERT_EQ(ti.bytes_acked, 0);
}

/*
 * Wait up to ms (x mult) for fd's non-blocking connect() to fail with
 * ETIMEDOUT; the seconds since t0.
 */
static double timed_out_after(int fd, double t0, int ms, const char *what)
{
	short r = wait_ev(fd, POLLOUT | POLLERR, (int)(ms * mult()));
	double t = now_s() - t0;

	diag("%s: gave up after %.3f s (revents %#x)", what, t, r);
	ASSERT_TRUE(r & POLLERR);
	ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_ERROR), ETIMEDOUT);
	return t;
}

/*
 * SYNs that get no answer (full backlog) end at TWIN_USER_TIMEOUT, not
 * at the next backoff after it (the RTO is clamped to what is left, as
 * TCP's): 2 s set gives ETIMEDOUT after 2 s, where the backoff alone
 * would reach 3.75 s; 0 means the 30 s default (ETIMEDOUT after 30 s,
 * not 35.75 s), also after 500 was set. Both clients wait together.
 */
STREAM_T(syn_gives_up_at_user_timeout, 70)
{
	int lis, filler, two, dflt;
	struct stall_meter *stalls;
	double t0, t, stalled;

	fast_dev(NULL, "tw0", NODE);
	lis = listener(type, TWIN_NODE_ANY, PORT, 0);
	filler = client(type);
	ASSERT_OK(twin_connect(filler, NODE, PORT));
	two = client(type);
	dflt = client(type);
	twin_set_int(two, SOL_TWIN, TWIN_USER_TIMEOUT, 2000);
	twin_set_int(dflt, SOL_TWIN, TWIN_USER_TIMEOUT, 500);
	twin_set_int(dflt, SOL_TWIN, TWIN_USER_TIMEOUT, 0);
	set_nonblock(two);
	set_nonblock(dflt);
	stalls = stall_meter_start();
	t0 = now_s();
	ASSERT_ERRNO(twin_connect(two, NODE, PORT), EINPROGRESS);
	ASSERT_ERRNO(twin_connect(dflt, NODE, PORT), EINPROGRESS);

	t = timed_out_after(two, t0, 10000, "2000 ms");
	ASSERT_GE(t, 1.9);
	ASSERT_LT(t, 2.0 + CAP_SLACK_S * mult() + stall_meter_lost(stalls));
	/* Past 500 ms and 2 s: 0 did not keep the 500 set before. */
	ASSERT_EQ(info_of(dflt).state, ST_SYN_SENT);

	t = timed_out_after(dflt, t0, 45000, "default");
	stalled = stall_meter_stop(stalls);
	ASSERT_GE(t, 29.9);
	ASSERT_LT(t, 30.0 + CAP_SLACK_S * mult() + stalled);
	(void)lis;
}
