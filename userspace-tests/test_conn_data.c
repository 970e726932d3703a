// SPDX-License-Identifier: GPL-2.0
/*
 * Data on connected SOCK_STREAM and SOCK_SEQPACKET sockets: the byte
 * stream and its flags (MSG_WAITALL, MSG_PEEK, MSG_DONTWAIT), receive
 * timeouts and SO_RCVLOWAT, a bad receive buffer, SIOCINQ/SIOCOUTQ, flow
 * control through SO_SNDBUF (non-blocking, blocking, SO_SNDTIMEO), record
 * boundaries of SEQPACKET (MSG_EOR, MSG_TRUNC, empty and maximal records),
 * msg_name, TWIN_INFO, and a two-way transfer between namespaces.
 *
 * semantics.md, "Connection sockets": "Sending", "Receiving", "ioctl and
 * options". Local pairs: node 7 on tw0 of the test's namespace; across
 * namespaces: a (node 1) and b (node 2) on segment 0.
 *
 * Every pair gets SO_RCVTIMEO and SO_SNDTIMEO of SAFETY_MS, so that a
 * missing wake-up shows up as a failed assertion with its line rather
 * than as a test killed by the harness.
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "harness.h"

#define NODE		7
#define PORT		5000
#define SAFETY_MS	5000
#define TW_ESTABLISHED	1	/* TCP_ESTABLISHED */

#define KIB		1024
#define MIB		(1024 * 1024)

struct pair {
	int cli;	/* connect()ed */
	int srv;	/* accept()ed */
};

/* Buffer sizes to set before the connection exists (0: default). */
struct pair_opts {
	int cli_sndbuf;
	int srv_rcvbuf;
};

/* The last pair made, for dump_pair() (inherited by helper processes). */
static struct pair last_pair = { -1, -1 };

static const char *type_name(int type)
{
	return type == SOCK_STREAM ? "stream" : "seqpacket";
}

static int ioctl_int(int fd, unsigned long req)
{
	int v = -1;

	ASSERT_OK(ioctl(fd, req, &v));
	return v;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	ASSERT_OK(fl);
	ASSERT_OK(fcntl(fd, F_SETFL, fl | O_NONBLOCK));
}

/*
 * A listener of the given type in namespace sns bound to ANY:PORT, a
 * client in cns connected to node:PORT, and the accepted socket. The
 * listener is closed once the connection is accepted.
 */
static struct pair pair_connect(int type, const char *cns, const char *sns,
				uint32_t node, const struct pair_opts *o)
{
	int safety = SAFETY_MS * mult();
	struct sockaddr_twin peer;
	socklen_t len = sizeof(peer);
	struct pair p;
	int lst;

	lst = ns_socket(sns, type);
	if (o && o->srv_rcvbuf)
		twin_set_int(lst, SOL_SOCKET, SO_RCVBUF, o->srv_rcvbuf);
	ASSERT_OK(twin_bind(lst, TWIN_NODE_ANY, PORT));
	ASSERT_OK(listen(lst, 4));
	twin_set_timeo(lst, SO_RCVTIMEO, safety);

	p.cli = ns_socket(cns, type);
	if (o && o->cli_sndbuf)
		twin_set_int(p.cli, SOL_SOCKET, SO_SNDBUF, o->cli_sndbuf);
	twin_set_timeo(p.cli, SO_SNDTIMEO, safety);	/* bounds the handshake */
	ASSERT_OK(twin_connect(p.cli, node, PORT));
	p.srv = accept(lst, (struct sockaddr *)&peer, &len);
	ASSERT_OK(p.srv);
	close(lst);

	if (o && o->srv_rcvbuf)
		twin_set_int(p.srv, SOL_SOCKET, SO_RCVBUF, o->srv_rcvbuf);
	twin_set_timeo(p.cli, SO_RCVTIMEO, safety);
	twin_set_timeo(p.srv, SO_RCVTIMEO, safety);
	twin_set_timeo(p.srv, SO_SNDTIMEO, safety);
	last_pair = p;
	return p;
}

/* Diagnostics: TWIN_INFO and queues of one socket. */
static void dump_info(int fd, const char *who)
{
	struct twin_info ti;
	socklen_t len = sizeof(ti);
	int inq = -1, outq = -1;

	if (fd < 0 || getsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, &len) < 0)
		return;
	ioctl(fd, SIOCINQ, &inq);
	ioctl(fd, SIOCOUTQ, &outq);
	diag("%s: state %u backoff %u rto %u ms cwnd %u snd_wnd %u rcv_wnd %u "
	     "unacked %u notsent %u retrans %u timeouts %u sent %llu acked "
	     "%llu received %llu frames out %llu in %llu; SIOCINQ %d "
	     "SIOCOUTQ %d", who, ti.state, ti.backoff, ti.rto_ms, ti.cwnd,
	     ti.snd_wnd, ti.rcv_wnd, ti.unacked, ti.notsent, ti.retransmits,
	     ti.timeouts, (unsigned long long)ti.bytes_sent,
	     (unsigned long long)ti.bytes_acked,
	     (unsigned long long)ti.bytes_received,
	     (unsigned long long)ti.frames_out,
	     (unsigned long long)ti.frames_in, inq, outq);
}

/* Both sockets of the last pair: shown when a transfer stalls. */
static void dump_pair(void)
{
	dump_info(last_pair.cli, "client");
	dump_info(last_pair.srv, "server");
}

/* A connected pair on the local node NODE. */
static struct pair pair_local(int type, const struct pair_opts *o)
{
	twin_dev_add(NULL, "tw0", 0, NODE);
	return pair_connect(type, NULL, NULL, NODE, o);
}

/* ------------------------------------------------------------ data */

/* Byte number off of stream seed: no period a shift or repeat could hide. */
static unsigned char pat(uint64_t off, unsigned int seed)
{
	uint32_t x = (uint32_t)off * 2654435761u + seed * 0x9e3779b9u;

	return (unsigned char)((x >> 24) ^ (uint32_t)(off >> 20));
}

static void pat_fill(void *buf, uint64_t off, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(off + i, seed);
}

/* Index of the first byte that is not stream seed's byte off + i, or len. */
static size_t pat_bad(const void *buf, uint64_t off, size_t len,
		      unsigned int seed)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(off + i, seed))
			return i;
	return len;
}

#define ASSERT_PAT(buf, off, len, seed) do {				\
	size_t _l = (len), _b = pat_bad((buf), (off), _l, (seed));	\
	if (_b != _l)							\
		harness_fail(__FILE__, __LINE__,			\
			"expected stream %u's bytes at offset %llu, got "\
			"0x%02x instead of 0x%02x at offset %llu",	\
			(seed), (unsigned long long)(off),		\
			((const unsigned char *)(buf))[_b],		\
			pat((off) + _b, (seed)),			\
			(unsigned long long)((off) + _b));		\
} while (0)

static uint32_t fnv1a(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static ssize_t recv_flags(int fd, void *buf, size_t len, int flags,
			  int *mflags)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	r = recvmsg(fd, &m, flags);
	*mflags = r < 0 ? -1 : m.msg_flags;
	return r;
}

/* Wait up to ms until a stream socket has n bytes queued (MSG_PEEK). */
static void wait_queued(int fd, size_t n, int ms)
{
	double end = now_s() + ms * mult() / 1000.0;
	static char scratch[256 * KIB];
	ssize_t r = 0;

	ASSERT_LE(n, sizeof(scratch));
	while (now_s() < end) {
		r = recv(fd, scratch, sizeof(scratch), MSG_PEEK | MSG_DONTWAIT);
		if (r >= (ssize_t)n)
			return;
		if (r < 0 && errno != EAGAIN)
			break;
		sleep_ms(5);
	}
	harness_fail(__FILE__, __LINE__,
		     "expected %zu bytes queued within %d ms, got %zd " TWIN_ERRFMT,
		     n, ms, r, TWIN_ERRARG(r < 0 ? errno : 0));
}

/* Wait up to ms until a record is queued (POLLIN). */
static void wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ASSERT_EQ(poll(&p, 1, ms * mult()), 1);
	ASSERT_TRUE(p.revents & POLLIN);
}

/* ------------------------------------------------------------ helpers */

/* A writer process: total bytes of stream seed in chunk-sized sends. */
struct writer {
	int fd;
	uint64_t total;
	size_t chunk;
	unsigned int seed;
	int pause_ms;		/* between sends */
	bool shut;		/* shutdown(SHUT_WR) at the end */
};

static void writer_fn(void *arg)
{
	struct writer *w = arg;
	unsigned char *buf = malloc(w->chunk);
	uint64_t off = 0;

	ASSERT_TRUE(buf != NULL);
	while (off < w->total) {
		size_t n = w->total - off < w->chunk ? w->total - off : w->chunk;
		ssize_t r;

		pat_fill(buf, off, n, w->seed);
		r = send(w->fd, buf, n, MSG_NOSIGNAL);
		if (r != (ssize_t)n)
			dump_pair();
		if (r != (ssize_t)n)
			harness_fail(__FILE__, __LINE__,
				     "writer: send of %zu bytes at offset %llu: "
				     "expected %zu, got %zd " TWIN_ERRFMT, n,
				     (unsigned long long)off, n, r,
				     TWIN_ERRARG(r < 0 ? errno : 0));
		off += n;
		if (w->pause_ms)
			sleep_ms(w->pause_ms);
	}
	if (w->shut)
		ASSERT_OK(shutdown(w->fd, SHUT_WR));
	free(buf);
}

/*
 * A reader process: reads until EOF (or expect bytes), checks every byte
 * against stream seed; for SEQPACKET every record must be exactly
 * min(record, bytes left) long and flagged MSG_EOR. *count (shared
 * memory, may be NULL) gets the byte count.
 */
struct reader {
	int fd;
	int type;
	unsigned int seed;
	size_t bufsize;		/* bytes per recv */
	size_t record;		/* SEQPACKET: the writer's record size */
	int pause_ms;		/* between reads (then MSG_WAITALL) */
	uint64_t expect;	/* UINT64_MAX: until EOF */
	uint64_t *count;
};

static void reader_fn(void *arg)
{
	struct reader *r = arg;
	unsigned char *buf = malloc(r->bufsize);
	int flags = r->pause_ms && r->type == SOCK_STREAM ? MSG_WAITALL : 0;
	uint64_t off = 0;

	ASSERT_TRUE(buf != NULL);
	while (off < r->expect) {
		size_t want = r->bufsize;
		int mflags;
		ssize_t n;

		if (r->expect != UINT64_MAX && r->type == SOCK_STREAM &&
		    r->expect - off < want)
			want = r->expect - off;
		n = recv_flags(r->fd, buf, want, flags, &mflags);
		if (n < 0)
			dump_pair();
		if (n < 0)
			harness_fail(__FILE__, __LINE__,
				     "reader: recv at offset %llu failed "
				     TWIN_ERRFMT, (unsigned long long)off,
				     TWIN_ERRARG(errno));
		if (r->type == SOCK_SEQPACKET) {
			if (n == 0 && !(mflags & MSG_EOR))
				break;	/* EOF */
			if (r->record) {
				uint64_t left = r->expect - off;
				size_t len = r->record;

				if (r->expect != UINT64_MAX && left < len)
					len = left;
				if ((size_t)n != len)
					harness_fail(__FILE__, __LINE__,
						     "reader: expected a record of %zu "
						     "bytes at offset %llu, got %zd",
						     len, (unsigned long long)off, n);
			}
			ASSERT_TRUE(mflags & MSG_EOR);
			ASSERT_FALSE(mflags & MSG_TRUNC);
		} else if (n == 0) {
			break;		/* EOF */
		}
		ASSERT_PAT(buf, off, (size_t)n, r->seed);
		off += n;
		if (r->count)
			*r->count = off;
		if (r->pause_ms)
			sleep_ms(r->pause_ms);
	}
	if (r->expect != UINT64_MAX)
		ASSERT_EQ(off, r->expect);
	free(buf);
}

static uint64_t *shared_counter(void)
{
	uint64_t *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(c != MAP_FAILED);
	*c = 0;
	return c;
}

/* Blocking send that must take all of buf. */
static void send_all(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

	if (n != (ssize_t)len)
		dump_pair();
	ASSERT_EQ(n, len);
}

/* Blocking recv of exactly len bytes (MSG_WAITALL) on a stream. */
static void recv_all(int fd, void *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len, MSG_WAITALL);

	if (n != (ssize_t)len)
		dump_pair();
	ASSERT_EQ(n, len);
}

/* ======================================================= STREAM data */

/* Every send size from 1 byte to 64 KiB arrives as the same byte stream. */
TEST(stream_send_sizes)
{
	static const size_t sizes[] = {
		1, 2, 3, 7, 100, 1023, 1024, 1025, 1400, 1500, 2048, 4095,
		4096, 9000, 16384, 32767, 32768, 65535, 65536,
	};
	static unsigned char buf[64 * KIB];
	struct pair p = pair_local(SOCK_STREAM, NULL);
	uint64_t off = 0;
	size_t i;
	pid_t pid;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pat_fill(buf, off, sizes[i], 1);
		send_all(p.cli, buf, sizes[i]);
		/* Read it back at once: the peer need not hold more. */
		memset(buf, 0, sizes[i]);
		recv_all(p.srv, buf, sizes[i]);
		ASSERT_PAT(buf, off, sizes[i], 1);
		off += sizes[i];
	}
	/* The other direction, the sizes sent back to back by a writer. */
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		for (i = 0, off = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			pat_fill(buf, off, sizes[i], 2);
			send_all(p.srv, buf, sizes[i]);
			off += sizes[i];
		}
		_exit(0);
	}
	for (i = 0, off = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		recv_all(p.cli, buf, sizes[i]);
		ASSERT_PAT(buf, off, sizes[i], 2);
		off += sizes[i];
	}
	ns_wait(pid);
	ASSERT_ERRNO(recv(p.cli, buf, 1, MSG_DONTWAIT), EAGAIN);
}

/* 1 MiB through a concurrent reader that checks every byte. */
TEST_TIMEOUT(stream_1mib_concurrent_reader, 40)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	struct reader r = {
		.fd = p.srv, .type = SOCK_STREAM, .seed = 3, .bufsize = 7001,
		.expect = UINT64_MAX, .count = shared_counter(),
	};
	static unsigned char buf[65 * KIB];
	uint64_t off = 0;
	size_t n = 1;
	pid_t pid;

	pid = ns_spawn(NULL, reader_fn, &r);
	while (off < MIB) {
		/* Sizes 1, 3, 9, ... 59049, then from 1 again. */
		n = n * 3 > 60000 ? 1 : n * 3;
		if (n > MIB - off)
			n = MIB - off;
		pat_fill(buf, off, n, 3);
		send_all(p.cli, buf, n);
		off += n;
	}
	ASSERT_OK(shutdown(p.cli, SHUT_WR));
	ns_wait(pid);
	ASSERT_EQ(*r.count, MIB);
}

static void send_pieces(void *arg)
{
	int fd = *(int *)arg;
	unsigned char buf[1000];
	int i;

	for (i = 0; i < 4; i++) {
		sleep_ms(60);
		pat_fill(buf, i * 1000, 1000, 4);
		send_all(fd, buf, 1000);
	}
}

/* MSG_WAITALL returns only once all 4000 bytes (4 pieces) are there. */
TEST(stream_waitall_full_length)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	unsigned char buf[4000];
	double t;
	pid_t pid;

	pid = ns_spawn(NULL, send_pieces, &p.cli);
	t = now_s();
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), 4000);
	t = now_s() - t;
	ASSERT_PAT(buf, 0, 4000, 4);
	/* Four pieces 60 ms apart: the last came after at least 200 ms. */
	ASSERT_GE(t, 0.2);
	ns_wait(pid);
}

/* MSG_WAITALL returns what there is when EOF comes first. */
TEST(stream_waitall_short_on_eof)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	unsigned char buf[4000];

	pat_fill(buf, 0, 1000, 5);
	send_all(p.cli, buf, 1000);
	ASSERT_OK(shutdown(p.cli, SHUT_WR));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), 1000);
	ASSERT_PAT(buf, 0, 1000, 5);
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), 0);
}

/* The child holds the last reference to the client: reset it after 150 ms. */
static void reset_later(void *arg)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int fd = *(int *)arg;

	sleep_ms(150);
	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	ASSERT_OK(close(fd));
}

/*
 * A reset ends a MSG_WAITALL read that has part of its length: it returns
 * the part, and the next read reports ECONNRESET (as tcp_recvmsg()).
 */
TEST(stream_waitall_short_on_reset)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	unsigned char buf[4000];
	double t;
	pid_t pid;

	pat_fill(buf, 0, 1000, 8);
	send_all(p.cli, buf, 1000);
	wait_queued(p.srv, 1000, 2000);
	pid = ns_spawn(NULL, reset_later, &p.cli);
	ASSERT_OK(close(p.cli));
	memset(buf, 0, sizeof(buf));
	t = now_s();
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), 1000);
	t = now_s() - t;
	ASSERT_PAT(buf, 0, 1000, 8);
	ASSERT_GE(t, 0.1);	/* it waited for the rest until the reset */
	ns_wait(pid);
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), ECONNRESET);
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), 0);
}

static volatile sig_atomic_t alarms_seen;

static void count_alarm(int sig)
{
	(void)sig;
	alarms_seen++;
}

/*
 * A caught signal (no SA_RESTART) ends a MSG_WAITALL read that has part
 * of its length: it returns the part; with nothing read yet, EINTR.
 */
TEST(stream_waitall_short_on_signal)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	struct sigaction sa = { .sa_handler = count_alarm };
	struct itimerval it = { .it_value = { 0, 200 * 1000 } };
	unsigned char buf[4000];
	double t;

	sigemptyset(&sa.sa_mask);
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	pat_fill(buf, 0, 1000, 9);
	send_all(p.cli, buf, 1000);
	wait_queued(p.srv, 1000, 2000);
	memset(buf, 0, sizeof(buf));
	alarms_seen = 0;
	t = now_s();
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), 1000);
	t = now_s() - t;
	ASSERT_EQ(alarms_seen, 1);
	ASSERT_PAT(buf, 0, 1000, 9);
	ASSERT_GE(t, 0.15);

	/* Nothing queued: the signal gives EINTR, the connection lives. */
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), EINTR);
	ASSERT_EQ(alarms_seen, 2);
	send_all(p.cli, "z", 1);
	ASSERT_EQ(recv(p.srv, buf, 1, MSG_WAITALL), 1);
	ASSERT_EQ(buf[0], 'z');
}

/* ============================================ flags, both types */

static void peek_body(int type)
{
	struct pair p = pair_local(type, NULL);
	unsigned char out[300], a[600], b[600];
	int mf;

	pat_fill(out, 0, sizeof(out), 6);
	send_all(p.cli, out, sizeof(out));
	if (type == SOCK_STREAM)
		wait_queued(p.srv, sizeof(out), 2000);
	else
		wait_readable(p.srv, 2000);

	/* A short peek, a full peek, then the read: all the same bytes. */
	ASSERT_EQ(recv_flags(p.srv, a, 100, MSG_PEEK, &mf), 100);
	ASSERT_MEMEQ(a, out, 100);
	if (type == SOCK_SEQPACKET)
		ASSERT_TRUE(mf & MSG_TRUNC);
	memset(a, 0, sizeof(a));
	ASSERT_EQ(recv_flags(p.srv, a, sizeof(a), MSG_PEEK, &mf), sizeof(out));
	if (type == SOCK_SEQPACKET)
		ASSERT_TRUE(mf & MSG_EOR);
	ASSERT_EQ(recv_flags(p.srv, b, sizeof(b), 0, &mf), sizeof(out));
	ASSERT_MEMEQ(a, out, sizeof(out));
	ASSERT_MEMEQ(b, out, sizeof(out));
	ASSERT_ERRNO(recv(p.srv, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
}

TEST(stream_peek_then_read)
{
	peek_body(SOCK_STREAM);
}

TEST(seqpacket_peek_leaves_record)
{
	peek_body(SOCK_SEQPACKET);
}

static void dontwait_body(int type)
{
	struct pair p = pair_local(type, NULL);
	char buf[16];
	double t = now_s();

	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	ASSERT_ERRNO(recv(p.cli, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	set_nonblock(p.srv);
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), 0), EAGAIN);
	ASSERT_ERRNO(read(p.srv, buf, sizeof(buf)), EAGAIN);
	ASSERT_LT(now_s() - t, 1.0 * mult());
	/* Still a working connection. */
	send_all(p.cli, "x", 1);
	wait_readable(p.srv, 2000);
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), 0), 1);
}

TEST(stream_dontwait_empty_eagain)
{
	dontwait_body(SOCK_STREAM);
}

TEST(seqpacket_dontwait_empty_eagain)
{
	dontwait_body(SOCK_SEQPACKET);
}

static void rcvtimeo_body(int type)
{
	struct pair p = pair_local(type, NULL);
	char buf[16];
	double t;

	twin_set_timeo(p.srv, SO_RCVTIMEO, 300);
	t = now_s();
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), 0), EAGAIN);
	t = now_s() - t;
	ASSERT_GE(t, 0.28);
	ASSERT_LT(t, 2.0 * mult());
	/* MSG_WAITALL is bounded by it as well. */
	t = now_s();
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_WAITALL), EAGAIN);
	ASSERT_GE(now_s() - t, 0.28);
}

TEST(stream_rcvtimeo_eagain)
{
	rcvtimeo_body(SOCK_STREAM);
}

TEST(seqpacket_rcvtimeo_eagain)
{
	rcvtimeo_body(SOCK_SEQPACKET);
}

/* ============================================ SO_RCVLOWAT */

/* vsock_test's "SO_RCVLOWAT with poll". */
TEST(stream_rcvlowat_poll)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	struct pollfd pf = { .fd = p.srv, .events = POLLIN | POLLRDNORM };
	unsigned char buf[2000];

	pat_fill(buf, 0, 1000, 7);
	send_all(p.cli, buf, 999);
	wait_queued(p.srv, 999, 2000);
	twin_set_int(p.srv, SOL_SOCKET, SO_RCVLOWAT, 1000);
	ASSERT_EQ(twin_get_int(p.srv, SOL_SOCKET, SO_RCVLOWAT), 1000);
	ASSERT_EQ(poll(&pf, 1, 300), 0);

	send_all(p.cli, buf + 999, 1);
	ASSERT_EQ(poll(&pf, 1, 2000 * mult()), 1);
	ASSERT_EQ(pf.revents & (POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), MSG_DONTWAIT), 1000);
	ASSERT_PAT(buf, 0, 1000, 7);
}

static void send_300_then_700(void *arg)
{
	int fd = *(int *)arg;
	unsigned char buf[1000];

	pat_fill(buf, 0, 1000, 8);
	send_all(fd, buf, 300);
	sleep_ms(300);
	send_all(fd, buf + 300, 700);
}

/* A blocking read waits for SO_RCVLOWAT bytes, not just the first. */
TEST(stream_rcvlowat_blocking_read)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	unsigned char buf[4000];
	double t;
	pid_t pid;

	twin_set_int(p.srv, SOL_SOCKET, SO_RCVLOWAT, 1000);
	pid = ns_spawn(NULL, send_300_then_700, &p.cli);
	t = now_s();
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), 0), 1000);
	t = now_s() - t;
	ASSERT_PAT(buf, 0, 1000, 8);
	ASSERT_GE(t, 0.25);
	ns_wait(pid);
}

/* ============================================ invalid receive buffer */

static void *unmapped_page(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *m = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(m != MAP_FAILED);
	ASSERT_OK(munmap(m, pg));
	return m;
}

/* vsock_test's "invalid receive buffer": EFAULT, and the data stays. */
TEST(stream_invalid_recv_buffer)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	unsigned char out[500], in[1000];
	void *bad = unmapped_page();

	pat_fill(out, 0, sizeof(out), 9);
	send_all(p.cli, out, sizeof(out));
	wait_queued(p.srv, sizeof(out), 2000);

	ASSERT_ERRNO(recv(p.srv, bad, sizeof(out), 0), EFAULT);
	ASSERT_ERRNO(recv(p.srv, NULL, sizeof(out), 0), EFAULT);
	ASSERT_ERRNO(recv(p.srv, bad, 1, MSG_PEEK), EFAULT);
	ASSERT_EQ(ioctl_int(p.srv, SIOCINQ), sizeof(out));
	ASSERT_EQ(recv(p.srv, in, sizeof(in), MSG_DONTWAIT), sizeof(out));
	ASSERT_PAT(in, 0, sizeof(out), 9);
}

/*
 * SEQPACKET: EFAULT; what happens to that record is not specified (unix
 * drops it, a stream keeps it), but the next read returns a whole record:
 * the first or the second, never a part of one.
 */
TEST(seqpacket_invalid_recv_buffer)
{
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	unsigned char r1[500], r2[300], in[1000];
	void *bad = unmapped_page();
	int mf;
	ssize_t n;

	pat_fill(r1, 0, sizeof(r1), 10);
	pat_fill(r2, 0, sizeof(r2), 11);
	send_all(p.cli, r1, sizeof(r1));
	send_all(p.cli, r2, sizeof(r2));
	wait_readable(p.srv, 2000);

	ASSERT_ERRNO(recv(p.srv, bad, sizeof(in), 0), EFAULT);
	n = recv_flags(p.srv, in, sizeof(in), 0, &mf);
	ASSERT_TRUE(n == sizeof(r1) || n == sizeof(r2));
	ASSERT_TRUE(mf & MSG_EOR);
	if (n == sizeof(r1)) {
		diag("the record survived EFAULT");
		ASSERT_MEMEQ(in, r1, sizeof(r1));
		ASSERT_EQ(recv(p.srv, in, sizeof(in), 0), sizeof(r2));
	} else {
		diag("the record was dropped by EFAULT");
	}
	ASSERT_MEMEQ(in, r2, sizeof(r2));
	ASSERT_ERRNO(recv(p.srv, in, sizeof(in), MSG_DONTWAIT), EAGAIN);
}

/*
 * SEQPACKET: a buffer that becomes unmapped partway through a record of
 * several frames (the first page mapped, the next not). EFAULT, and the
 * next read still returns a whole record (this one or the next), never
 * the tail of this one.
 */
TEST(seqpacket_efault_mid_record_no_fragment)
{
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	long pg = sysconf(_SC_PAGESIZE);
	static unsigned char r1[3 * 4096], r2[100], in[4 * 4096];
	unsigned char *m;
	int mf;
	ssize_t n;

	ASSERT_LE(pg, 4096);
	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	ASSERT_OK(munmap(m + pg, pg));
	pat_fill(r1, 0, sizeof(r1), 26);
	pat_fill(r2, 0, sizeof(r2), 27);
	send_all(p.cli, r1, sizeof(r1));
	send_all(p.cli, r2, sizeof(r2));
	wait_readable(p.srv, 2000);

	ASSERT_ERRNO(recv(p.srv, m, sizeof(r1), 0), EFAULT);
	n = recv_flags(p.srv, in, sizeof(in), 0, &mf);
	diag("after EFAULT the next read returned %zd", n);
	ASSERT_TRUE(n == sizeof(r1) || n == sizeof(r2));
	ASSERT_TRUE(mf & MSG_EOR);
	if (n == sizeof(r1)) {
		ASSERT_MEMEQ(in, r1, sizeof(r1));
		ASSERT_EQ(recv(p.srv, in, sizeof(in), 0), sizeof(r2));
	}
	ASSERT_MEMEQ(in, r2, sizeof(r2));
	ASSERT_ERRNO(recv(p.srv, in, sizeof(in), MSG_DONTWAIT), EAGAIN);
	munmap(m, pg);
}

/* ============================================ SIOCINQ / SIOCOUTQ */

static void siocinq_body(int type)
{
	struct pair p = pair_local(type, NULL);
	unsigned char buf[2000];
	int inq;

	ASSERT_EQ(ioctl_int(p.srv, SIOCINQ), 0);
	pat_fill(buf, 0, sizeof(buf), 12);
	send_all(p.cli, buf, 1234);
	send_all(p.cli, buf + 1234, 100);
	if (type == SOCK_STREAM) {
		wait_queued(p.srv, 1334, 2000);
	} else {
		double end = now_s() + 2.0 * mult();

		while (ioctl_int(p.srv, SIOCINQ) < 1334 && now_s() < end)
			sleep_ms(5);
	}
	ASSERT_EQ(ioctl_int(p.srv, SIOCINQ), 1334);
	if (type == SOCK_STREAM) {
		ASSERT_EQ(recv(p.srv, buf, 234, 0), 234);
		ASSERT_EQ(ioctl_int(p.srv, SIOCINQ), 1100);
		ASSERT_EQ(recv(p.srv, buf, 1000, 0), 1000);
	} else {
		ASSERT_EQ(recv(p.srv, buf, sizeof(buf), 0), 1234);
	}
	inq = ioctl_int(p.srv, SIOCINQ);
	ASSERT_EQ(inq, 100);
	ASSERT_EQ(recv(p.srv, buf, sizeof(buf), 0), 100);
	ASSERT_EQ(ioctl_int(p.srv, SIOCINQ), 0);
	/* The other side has nothing to read. */
	ASSERT_EQ(ioctl_int(p.cli, SIOCINQ), 0);
}

TEST(stream_siocinq_unread_bytes)
{
	siocinq_body(SOCK_STREAM);
}

TEST(seqpacket_siocinq_unread_bytes)
{
	siocinq_body(SOCK_SEQPACKET);
}

TEST(siocinq_on_listener_einval)
{
	int fd, v;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_socket(SOCK_STREAM);
	ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, PORT));
	ASSERT_OK(listen(fd, 1));
	ASSERT_ERRNO(ioctl(fd, SIOCINQ, &v), EINVAL);
}

static void siocoutq_body(int type)
{
	struct pair p = pair_local(type, NULL);
	unsigned char buf[10000];
	double end;
	int q = -1, nsd = -1;

	pat_fill(buf, 0, sizeof(buf), 13);
	ASSERT_EQ(ioctl_int(p.cli, SIOCOUTQ), 0);
	send_all(p.cli, buf, sizeof(buf));
	q = ioctl_int(p.cli, SIOCOUTQ);
	diag("SIOCOUTQ right after the send: %d", q);
	ASSERT_GE(q, 0);
	ASSERT_LE(q, (int)sizeof(buf) + 1);
	/* Nobody reads: the peer's acknowledgement alone empties it. */
	end = now_s() + 3.0 * mult();
	while (now_s() < end) {
		q = ioctl_int(p.cli, SIOCOUTQ);
		nsd = ioctl_int(p.cli, SIOCOUTQNSD);
		if (q == 0 && nsd == 0)
			break;
		sleep_ms(10);
	}
	ASSERT_EQ(q, 0);
	ASSERT_EQ(nsd, 0);
	ASSERT_EQ(ioctl_int(p.srv, SIOCINQ), sizeof(buf));
}

TEST(stream_siocoutq_zero_once_acked)
{
	siocoutq_body(SOCK_STREAM);
}

TEST(seqpacket_siocoutq_zero_once_acked)
{
	siocoutq_body(SOCK_SEQPACKET);
}

/* ============================================ flow control */

/*
 * Small SO_SNDBUF at the writer and SO_RCVBUF at the reader, which does
 * not read: non-blocking sends until EAGAIN; SIOCOUTQ then holds data
 * (it is neither lost nor acknowledged). A reader starts; the writer
 * polls for POLLOUT and goes on; everything accepted arrives, in order.
 */
static void sndbuf_nonblock_body(int type)
{
	const struct pair_opts o = { .cli_sndbuf = 4096, .srv_rcvbuf = 4096 };
	struct pair p = pair_local(type, &o);
	const size_t chunk = 1000, more = 64000;	/* whole records */
	struct reader r = {
		.fd = p.srv, .type = type, .seed = 14, .bufsize = 65536,
		.record = type == SOCK_SEQPACKET ? chunk : 0,
		.expect = UINT64_MAX, .count = shared_counter(),
	};
	unsigned char buf[1000];
	int sndbuf = twin_get_int(p.cli, SOL_SOCKET, SO_SNDBUF);
	int rcvbuf = twin_get_int(p.srv, SOL_SOCKET, SO_RCVBUF);
	uint64_t off = 0, full;
	int resumed = 0, outq, fl;
	ssize_t n;
	double t;
	pid_t pid;

	diag("SO_SNDBUF %d, peer SO_RCVBUF %d", sndbuf, rcvbuf);
	set_nonblock(p.cli);
	for (;;) {
		pat_fill(buf, off, chunk, 14);
		n = send(p.cli, buf, chunk, MSG_NOSIGNAL);
		if (n < 0) {
			ASSERT_EQ(errno, EAGAIN);
			/* Once more after a pause: still full (window 0). */
			sleep_ms(100);
			n = send(p.cli, buf, chunk, MSG_NOSIGNAL);
			if (n < 0) {
				ASSERT_EQ(errno, EAGAIN);
				break;
			}
		}
		if (type == SOCK_SEQPACKET)
			ASSERT_EQ(n, chunk);
		ASSERT_GT(n, 0);
		off += n;
		ASSERT_LT(off, 4 * MIB);	/* something bounds it */
	}
	full = off;
	/* MSG_DONTWAIT on a blocking socket: EAGAIN too, at once. */
	fl = fcntl(p.cli, F_GETFL);
	ASSERT_OK(fcntl(p.cli, F_SETFL, fl & ~O_NONBLOCK));
	t = now_s();
	ASSERT_ERRNO(send(p.cli, buf, chunk, MSG_DONTWAIT | MSG_NOSIGNAL),
		     EAGAIN);
	ASSERT_LT(now_s() - t, 1.0 * mult());
	ASSERT_OK(fcntl(p.cli, F_SETFL, fl));
	outq = ioctl_int(p.cli, SIOCOUTQ);
	diag("%llu bytes accepted before EAGAIN, SIOCOUTQ %d",
	     (unsigned long long)full, outq);
	ASSERT_GT(full, 0);
	ASSERT_GT(outq, 0);
	ASSERT_LE(outq, sndbuf + (int)chunk);
	ASSERT_LE(full, (uint64_t)sndbuf + rcvbuf + 64 * KIB);

	pid = ns_spawn(NULL, reader_fn, &r);
	while (off < full + more) {
		struct pollfd pf = { .fd = p.cli, .events = POLLOUT };
		size_t len = full + more - off < chunk ? full + more - off : chunk;

		if (poll(&pf, 1, 3000 * mult()) != 1) {
			diag("no POLLOUT within 3 s at offset %llu, reader at %llu",
			     (unsigned long long)off,
			     (unsigned long long)*r.count);
			dump_pair();
		}
		ASSERT_TRUE(pf.revents & POLLOUT);
		pat_fill(buf, off, len, 14);
		n = send(p.cli, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			ASSERT_EQ(errno, EAGAIN);
			continue;
		}
		ASSERT_GT(n, 0);
		off += n;
		resumed++;
	}
	ASSERT_GT(resumed, 0);
	ASSERT_OK(shutdown(p.cli, SHUT_WR));
	ns_wait(pid);
	ASSERT_EQ(*r.count, off);
}

TEST(stream_sndbuf_nonblock_flow_control)
{
	sndbuf_nonblock_body(SOCK_STREAM);
}

TEST(seqpacket_sndbuf_nonblock_flow_control)
{
	sndbuf_nonblock_body(SOCK_SEQPACKET);
}

/*
 * A reader taking 1 KiB every 10 ms and a writer sending 4 KiB blocking
 * sends as fast as it can: the writer is held back (it cannot finish
 * before the reader has taken all but what the two buffers hold), never
 * has much more than SO_SNDBUF outstanding, and no byte is lost.
 */
TEST_TIMEOUT(stream_slow_reader_fast_writer, 40)
{
	const struct pair_opts o = { .cli_sndbuf = 8192, .srv_rcvbuf = 8192 };
	struct pair p = pair_local(SOCK_STREAM, &o);
	const uint64_t total = 128 * KIB;
	const size_t chunk = 4096;
	struct reader r = {
		.fd = p.srv, .type = SOCK_STREAM, .seed = 15, .bufsize = KIB,
		.pause_ms = 10, .expect = UINT64_MAX,
		.count = shared_counter(),
	};
	int sndbuf = twin_get_int(p.cli, SOL_SOCKET, SO_SNDBUF);
	int rcvbuf = twin_get_int(p.srv, SOL_SOCKET, SO_RCVBUF);
	unsigned char buf[4096];
	int outq, maxq = 0;
	double t, floor_s;
	uint64_t off = 0;
	pid_t pid;

	pid = ns_spawn(NULL, reader_fn, &r);
	t = now_s();
	while (off < total) {
		pat_fill(buf, off, chunk, 15);
		send_all(p.cli, buf, chunk);
		off += chunk;
		outq = ioctl_int(p.cli, SIOCOUTQ);
		if (outq > maxq)
			maxq = outq;
	}
	t = now_s() - t;
	ASSERT_OK(shutdown(p.cli, SHUT_WR));
	ns_wait(pid);
	ASSERT_EQ(*r.count, total);

	/* Half the time the reader needs for what the buffers cannot hold. */
	floor_s = ((double)total - sndbuf - rcvbuf) / KIB * 0.010 / 2;
	diag("SO_SNDBUF %d, peer SO_RCVBUF %d: writer took %.3f s (floor "
	     "%.3f s), max SIOCOUTQ %d", sndbuf, rcvbuf, t, floor_s, maxq);
	ASSERT_GE(t, floor_s);
	ASSERT_LE(maxq, sndbuf + (int)chunk);
}

/*
 * SO_SNDTIMEO on a full send buffer: a big blocking send returns the
 * bytes it queued (or EAGAIN when none) once the timeout expires; the
 * next send gives EAGAIN after the timeout. The accepted bytes arrive.
 */
static void sndtimeo_body(int type)
{
	const struct pair_opts o = { .cli_sndbuf = 4096, .srv_rcvbuf = 4096 };
	struct pair p = pair_local(type, &o);
	const size_t big = type == SOCK_STREAM ? 256 * KIB : 1000;
	struct reader r = {
		.fd = p.srv, .type = type, .seed = 16, .bufsize = 65536,
		.record = type == SOCK_SEQPACKET ? big : 0,
		.expect = UINT64_MAX, .count = shared_counter(),
	};
	unsigned char *buf = malloc(big);
	uint64_t off = 0;
	double t;
	ssize_t n;
	pid_t pid;
	int i;

	ASSERT_TRUE(buf != NULL);
	twin_set_timeo(p.cli, SO_SNDTIMEO, 300);
	for (i = 0; i < 10000; i++) {
		pat_fill(buf, off, big, 16);
		t = now_s();
		n = send(p.cli, buf, big, MSG_NOSIGNAL);
		t = now_s() - t;
		if (n == (ssize_t)big) {
			off += n;
			continue;	/* it all fitted: not full yet */
		}
		diag("send of %zu bytes returned %zd " TWIN_ERRFMT
		     " after %.3f s", big, n, TWIN_ERRARG(n < 0 ? errno : 0), t);
		if (n < 0)
			ASSERT_EQ(errno, EAGAIN);
		else
			ASSERT_EQ(type, SOCK_STREAM);	/* never a part of a record */
		ASSERT_GE(t, 0.28);
		ASSERT_LT(t, 3.0 * mult());
		if (n > 0)
			off += n;
		break;
	}
	ASSERT_LT(i, 10000);
	ASSERT_GT(off, 0);

	/*
	 * Full now: the next send waits for the timeout again and then
	 * gives EAGAIN, or (a stream, if an acknowledgement made room in
	 * the meantime) the part that fitted.
	 */
	pat_fill(buf, off, big, 16);
	t = now_s();
	n = send(p.cli, buf, big, MSG_NOSIGNAL);
	t = now_s() - t;
	diag("next send returned %zd " TWIN_ERRFMT " after %.3f s", n,
	     TWIN_ERRARG(n < 0 ? errno : 0), t);
	if (n < 0) {
		ASSERT_EQ(errno, EAGAIN);
	} else {
		ASSERT_EQ(type, SOCK_STREAM);
		ASSERT_LT(n, big);
		off += n;
	}
	ASSERT_GE(t, 0.28);
	ASSERT_LT(t, 3.0 * mult());

	pid = ns_spawn(NULL, reader_fn, &r);
	ASSERT_OK(shutdown(p.cli, SHUT_WR));
	ns_wait(pid);
	ASSERT_EQ(*r.count, off);
	free(buf);
}

TEST(stream_sndtimeo_full_buffer)
{
	sndtimeo_body(SOCK_STREAM);
}

TEST(seqpacket_sndtimeo_full_buffer)
{
	sndtimeo_body(SOCK_SEQPACKET);
}

/* ============================================ SEQPACKET records */

/* Three records of 10, 2000 and 1 bytes: three reads, each MSG_EOR. */
TEST(seqpacket_record_boundaries)
{
	static const size_t sizes[] = { 10, 2000, 1 };
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	static unsigned char buf[65536];
	uint64_t off = 0;
	size_t i;
	int mf;

	for (i = 0; i < 3; i++) {
		pat_fill(buf, off, sizes[i], 17);
		send_all(p.cli, buf, sizes[i]);
		off += sizes[i];
	}
	/* All three queued before the first read: nothing merges them. */
	sleep_ms(50);
	for (i = 0, off = 0; i < 3; i++) {
		memset(buf, 0, sizes[i] + 16);
		ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), sizes[i]);
		ASSERT_PAT(buf, off, sizes[i], 17);
		ASSERT_TRUE(mf & MSG_EOR);
		ASSERT_FALSE(mf & MSG_TRUNC);
		off += sizes[i];
	}
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* Records of every size from 1 byte to 64 KiB arrive whole, in both directions. */
TEST(seqpacket_send_sizes)
{
	static const size_t sizes[] = {
		1, 2, 3, 100, 1023, 1024, 1025, 1400, 1500, 4096, 9000,
		16384, 32768, 65535, 65536,
	};
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	static unsigned char buf[70000];
	size_t i;
	int mf, dir;

	for (dir = 0; dir < 2; dir++) {
		int tx = dir ? p.srv : p.cli, rx = dir ? p.cli : p.srv;

		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			pat_fill(buf, i, sizes[i], 18 + dir);
			send_all(tx, buf, sizes[i]);
			memset(buf, 0, sizeof(buf));
			ASSERT_EQ(recv_flags(rx, buf, sizeof(buf), 0, &mf),
				  sizes[i]);
			ASSERT_PAT(buf, i, sizes[i], 18 + dir);
			ASSERT_TRUE(mf & MSG_EOR);
		}
	}
}

/* A 0-byte record is a 0-byte read with MSG_EOR, and not EOF. */
TEST(seqpacket_empty_record)
{
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	char buf[64];
	int mf;

	ASSERT_EQ(send(p.cli, buf, 0, 0), 0);
	ASSERT_EQ(send(p.cli, "after", 5, 0), 5);
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 0);
	ASSERT_TRUE(mf & MSG_EOR);
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 5);
	ASSERT_MEMEQ(buf, "after", 5);
	ASSERT_TRUE(mf & MSG_EOR);
	/* Two empty records in a row are two reads. */
	ASSERT_EQ(send(p.cli, NULL, 0, 0), 0);
	ASSERT_EQ(send(p.cli, NULL, 0, 0), 0);
	ASSERT_EQ(send(p.cli, "x", 1, 0), 1);
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 0);
	ASSERT_TRUE(mf & MSG_EOR);
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 0);
	ASSERT_TRUE(mf & MSG_EOR);
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 1);
	/* And EOF, when it comes, is a 0 without MSG_EOR. */
	ASSERT_OK(shutdown(p.cli, SHUT_WR));
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 0);
	ASSERT_FALSE(mf & MSG_EOR);
}

/* A record longer than the buffer: truncated, MSG_TRUNC, rest discarded. */
TEST(seqpacket_truncated_record)
{
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	unsigned char out[3000], buf[3000];
	int mf;

	pat_fill(out, 0, sizeof(out), 20);
	send_all(p.cli, out, sizeof(out));
	send_all(p.cli, "next", 4);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(recv_flags(p.srv, buf, 100, 0, &mf), 100);
	ASSERT_TRUE(mf & MSG_TRUNC);
	ASSERT_MEMEQ(buf, out, 100);
	ASSERT_EQ(buf[100], 0);
	/* The next read is the next record, not the rest of this one. */
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 4);
	ASSERT_MEMEQ(buf, "next", 4);
	ASSERT_FALSE(mf & MSG_TRUNC);
	ASSERT_TRUE(mf & MSG_EOR);
}

/* MSG_TRUNC passed in flags: the record's real length. */
TEST(seqpacket_msg_trunc_real_length)
{
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	unsigned char out[3000], buf[3000];
	int mf;

	pat_fill(out, 0, sizeof(out), 21);
	send_all(p.cli, out, sizeof(out));
	send_all(p.cli, out, 7);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(recv_flags(p.srv, buf, 10, MSG_TRUNC, &mf), sizeof(out));
	ASSERT_TRUE(mf & MSG_TRUNC);
	ASSERT_MEMEQ(buf, out, 10);
	ASSERT_EQ(buf[10], 0);
	/* With a big enough buffer: the length, no MSG_TRUNC. */
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), MSG_TRUNC, &mf), 7);
	ASSERT_FALSE(mf & MSG_TRUNC);
	ASSERT_MEMEQ(buf, out, 7);
}

/* TWIN_SEQPACKET_MAX bytes arrive whole; one more is EMSGSIZE. */
TEST(seqpacket_max_record)
{
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	static unsigned char out[TWIN_SEQPACKET_MAX + 1];
	static unsigned char buf[TWIN_SEQPACKET_MAX + 100];
	int mf;

	pat_fill(out, 0, sizeof(out), 22);
	ASSERT_ERRNO(send(p.cli, out, TWIN_SEQPACKET_MAX + 1, MSG_NOSIGNAL),
		     EMSGSIZE);
	ASSERT_ERRNO(send(p.cli, out, TWIN_SEQPACKET_MAX + 1,
			  MSG_NOSIGNAL | MSG_DONTWAIT), EMSGSIZE);
	ASSERT_EQ(send(p.cli, out, TWIN_SEQPACKET_MAX, MSG_NOSIGNAL),
		  TWIN_SEQPACKET_MAX);
	send_all(p.cli, "z", 1);
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf),
		  TWIN_SEQPACKET_MAX);
	ASSERT_PAT(buf, 0, TWIN_SEQPACKET_MAX, 22);
	ASSERT_TRUE(mf & MSG_EOR);
	ASSERT_FALSE(mf & MSG_TRUNC);
	/* Nothing of the refused records was sent. */
	ASSERT_EQ(recv_flags(p.srv, buf, sizeof(buf), 0, &mf), 1);
	ASSERT_EQ(buf[0], 'z');
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define NRECORDS	1000
#define RECORD_SEED	0x7477u

static void send_records(void *arg)
{
	int fd = *(int *)arg;
	static unsigned char buf[4001];
	uint32_t s = RECORD_SEED;
	int i;

	for (i = 0; i < NRECORDS; i++) {
		size_t len = xorshift(&s) % 4001;

		pat_fill(buf, 0, len, i + 1);
		send_all(fd, buf, len);
	}
}

/* 1000 records of 0..4000 bytes: in order, each whole, none merged. */
TEST_TIMEOUT(seqpacket_many_records, 40)
{
	struct pair p = pair_local(SOCK_SEQPACKET, NULL);
	static unsigned char buf[8192], want[4001];
	uint32_t s = RECORD_SEED;
	int i, mf;
	pid_t pid;

	pid = ns_spawn(NULL, send_records, &p.cli);
	for (i = 0; i < NRECORDS; i++) {
		size_t len = xorshift(&s) % 4001;
		ssize_t n;

		pat_fill(want, 0, len, i + 1);
		n = recv_flags(p.srv, buf, sizeof(buf), 0, &mf);
		if (n < 0)
			dump_pair();
		if (n != (ssize_t)len || fnv1a(buf, n) != fnv1a(want, len))
			harness_fail(__FILE__, __LINE__,
				     "record %d: expected %zu bytes, checksum "
				     "%08x, got %zd, checksum %08x " TWIN_ERRFMT,
				     i, len, fnv1a(want, len), n,
				     n >= 0 ? fnv1a(buf, n) : 0,
				     TWIN_ERRARG(n < 0 ? errno : 0));
		ASSERT_TRUE(mf & MSG_EOR);
		ASSERT_FALSE(mf & MSG_TRUNC);
	}
	ns_wait(pid);
	ASSERT_ERRNO(recv(p.srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* ============================================ msg_name */

static void expect_name(int fd, const void *data, size_t len,
			const struct sockaddr_twin *want)
{
	struct sockaddr_twin from;
	unsigned char buf[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof(from) + 8,
		.msg_iov = &iov, .msg_iovlen = 1,
	};

	memset(&from, 0xa5, sizeof(from));
	ASSERT_EQ(recvmsg(fd, &m, 0), len);
	ASSERT_MEMEQ(buf, data, len);
	ASSERT_EQ(m.msg_namelen, sizeof(from));
	ASSERT_EQ(from.stw_family, twin_family());
	ASSERT_EQ(from.stw_node, want->stw_node);
	ASSERT_EQ(from.stw_port, want->stw_port);
	twin_check_reserved(&from, "recvmsg msg_name");
}

static void msg_name_body(int type)
{
	struct pair p = pair_local(type, NULL);
	struct sockaddr_twin cli = twin_name(p.cli);
	struct sockaddr_twin srv = twin_addr(NODE, PORT);

	ASSERT_EQ(cli.stw_node, NODE);
	ASSERT_GE(cli.stw_port, TWIN_PORT_EPHEMERAL_MIN);
	send_all(p.cli, "ping", 4);
	expect_name(p.srv, "ping", 4, &cli);
	send_all(p.srv, "pong!", 5);
	expect_name(p.cli, "pong!", 5, &srv);
}

TEST(stream_recvmsg_msg_name_is_peer)
{
	msg_name_body(SOCK_STREAM);
}

TEST(seqpacket_recvmsg_msg_name_is_peer)
{
	msg_name_body(SOCK_SEQPACKET);
}

/* ============================================ TWIN_INFO */

static struct twin_info get_info(int fd)
{
	struct twin_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0xa5, sizeof(ti));
	ASSERT_OK(getsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, &len));
	ASSERT_EQ(len, sizeof(ti));
	return ti;
}

static void info_body(int type)
{
	struct pair p = pair_local(type, NULL);
	const size_t total = 50000, chunk = 1000;
	struct twin_info ci, si;
	unsigned char buf[1000];
	uint64_t off;
	double end;
	int mf;

	ci = get_info(p.cli);
	ASSERT_EQ(ci.state, TW_ESTABLISHED);
	ASSERT_EQ(ci.bytes_sent, 0);
	ASSERT_EQ(ci.bytes_received, 0);

	for (off = 0; off < total; off += chunk) {
		pat_fill(buf, off, chunk, 23);
		send_all(p.cli, buf, chunk);
	}
	for (off = 0; off < total; off += chunk) {
		ASSERT_EQ(recv_flags(p.srv, buf, chunk, MSG_WAITALL, &mf), chunk);
		ASSERT_PAT(buf, off, chunk, 23);
	}
	/* Quiescence: everything acknowledged. */
	end = now_s() + 3.0 * mult();
	do {
		ci = get_info(p.cli);
		if (ci.unacked == 0 && ci.notsent == 0 &&
		    ci.bytes_acked == total)
			break;
		sleep_ms(10);
	} while (now_s() < end);
	si = get_info(p.srv);
	diag("client: mss %u rtt %u us rto %u ms cwnd %u snd_wnd %u "
	     "frames out %llu in %llu; server: rcv_wnd %u frames out %llu in %llu",
	     ci.mss, ci.rtt_us, ci.rto_ms, ci.cwnd, ci.snd_wnd,
	     (unsigned long long)ci.frames_out,
	     (unsigned long long)ci.frames_in, si.rcv_wnd,
	     (unsigned long long)si.frames_out,
	     (unsigned long long)si.frames_in);

	ASSERT_EQ(ci.state, TW_ESTABLISHED);
	ASSERT_EQ(si.state, TW_ESTABLISHED);
	ASSERT_EQ(ci.unacked, 0);
	ASSERT_EQ(ci.notsent, 0);
	ASSERT_EQ(ci.bytes_sent, total);
	ASSERT_EQ(ci.bytes_acked, total);
	ASSERT_EQ(ci.bytes_received, 0);
	ASSERT_EQ(si.bytes_received, total);
	ASSERT_EQ(si.bytes_sent, 0);
	ASSERT_EQ(si.bytes_acked, 0);
	ASSERT_GT(ci.mss, 0);
	ASSERT_GE(ci.frames_out, total / ci.mss);
	ASSERT_GT(ci.frames_in, 0);
	ASSERT_GT(si.frames_out, 0);
	ASSERT_GE(si.frames_in, total / ci.mss);
	ASSERT_GT(ci.rto_ms, 0);
	ASSERT_LE(ci.rto_ms, 10000);
	ASSERT_EQ(ioctl_int(p.cli, SIOCOUTQ), 0);
}

TEST(stream_twin_info_counts_transfer)
{
	info_body(SOCK_STREAM);
}

TEST(seqpacket_twin_info_counts_transfer)
{
	info_body(SOCK_SEQPACKET);
}

/*
 * semantics.md, "Reliability": the RTO has a 50 ms minimum, also on a
 * local connection whose RTT is microseconds; 10 s maximum.
 */
TEST(twin_info_rto_bounds)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	struct twin_info ti;
	char buf[100];
	int i;

	for (i = 0; i < 20; i++) {	/* some RTT samples */
		send_all(p.cli, buf, sizeof(buf));
		recv_all(p.srv, buf, sizeof(buf));
		send_all(p.srv, buf, sizeof(buf));
		recv_all(p.cli, buf, sizeof(buf));
	}
	ti = get_info(p.cli);
	diag("rtt %u us, rttvar %u us, rto %u ms", ti.rtt_us, ti.rttvar_us,
	     ti.rto_ms);
	ASSERT_GE(ti.rto_ms, 200);	/* net.twin.rto_min_ms */
	ASSERT_LE(ti.rto_ms, 10000);
	ASSERT_LT(ti.rtt_us, 1000000);
}

/*
 * A few round trips on a fresh pair on tw0's node; its client's TWIN_INFO.
 * The pair is reset after, so PORT is free at once.
 */
static struct twin_info info_after_round_trips(void)
{
	struct pair p = pair_connect(SOCK_STREAM, NULL, NULL, NODE, NULL);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	struct twin_info ti;
	char buf[100];
	int i;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 5; i++) {
		send_all(p.cli, buf, sizeof(buf));
		recv_all(p.srv, buf, sizeof(buf));
		send_all(p.srv, buf, sizeof(buf));
		recv_all(p.cli, buf, sizeof(buf));
	}
	ti = get_info(p.cli);
	ASSERT_OK(setsockopt(p.cli, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	ASSERT_OK(setsockopt(p.srv, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	ASSERT_OK(close(p.cli));
	ASSERT_OK(close(p.srv));
	return ti;
}

/*
 * net.twin.rto_min_ms: the RTO's floor, 200 ms by default as TCP's, 10 to
 * 10000 (EINVAL outside, nothing changed), one value per namespace. A
 * local connection, whose RTT is far below it, has exactly that RTO
 * (within a jiffy), unless a loaded machine made a sample long.
 */
TEST(rto_min_ms_sysctl)
{
	static const unsigned int mins[] = { 200, 1000 };
	struct twin_info ti;
	unsigned int i, min;

	twin_sysctl_check_range("rto_min_ms", 200, 10, 10000);
	twin_dev_add(NULL, "tw0", 0, NODE);
	for (i = 0; i < 2; i++) {
		min = mins[i];
		twin_sysctl_set("rto_min_ms", min);
		ti = info_after_round_trips();
		diag("rto_min_ms %u: rtt %u us, rttvar %u us, rto %u ms", min,
		     ti.rtt_us, ti.rttvar_us, ti.rto_ms);
		ASSERT_GE(ti.rto_ms, min);
		/* Exactly the minimum, within a jiffy, on a fast path. */
		if (ti.rtt_us + 4 * ti.rttvar_us < 900 * min)
			ASSERT_LE(ti.rto_ms, min + 4);
	}
}

/* A short optlen gets a prefix of struct twin_info; a long one the struct. */
TEST(twin_info_short_optlen_prefix)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	struct twin_info full = get_info(p.cli);
	unsigned char buf[sizeof(struct twin_info) + 16];
	socklen_t len;
	size_t i;

	len = 4;
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_OK(getsockopt(p.cli, SOL_TWIN, TWIN_INFO, buf, &len));
	ASSERT_EQ(len, 4);
	ASSERT_EQ(buf[0], TW_ESTABLISHED);	/* state */
	ASSERT_EQ(buf[1], full.backoff);
	ASSERT_EQ(buf[2], full.options);
	ASSERT_EQ(buf[3], 0);	/* pad */
	for (i = 4; i < sizeof(buf); i++)
		ASSERT_EQ(buf[i], 0xa5);

	len = 1;
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_OK(getsockopt(p.cli, SOL_TWIN, TWIN_INFO, buf, &len));
	ASSERT_EQ(len, 1);
	ASSERT_EQ(buf[0], TW_ESTABLISHED);
	ASSERT_EQ(buf[1], 0xa5);

	len = 8;	/* state, backoff, pad, mss */
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_OK(getsockopt(p.cli, SOL_TWIN, TWIN_INFO, buf, &len));
	ASSERT_EQ(len, 8);
	ASSERT_MEMEQ(buf + 4, &full.mss, 4);
	ASSERT_EQ(buf[8], 0xa5);

	len = sizeof(buf);
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_OK(getsockopt(p.cli, SOL_TWIN, TWIN_INFO, buf, &len));
	ASSERT_EQ(len, sizeof(struct twin_info));
	ASSERT_EQ(buf[sizeof(struct twin_info)], 0xa5);
}

TEST(twin_info_dgram_enoprotoopt)
{
	struct twin_info ti;
	socklen_t len = sizeof(ti);
	int fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_bound(TWIN_NODE_ANY, PORT);
	ASSERT_ERRNO(getsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, &len),
		     ENOPROTOOPT);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_ERRNO(getsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, &len),
		     ENOPROTOOPT);
}

TEST(twin_info_unknown_option_enoprotoopt)
{
	struct pair p = pair_local(SOCK_STREAM, NULL);
	char buf[64];
	socklen_t len = sizeof(buf);

	ASSERT_ERRNO(getsockopt(p.cli, SOL_TWIN, 99, buf, &len), ENOPROTOOPT);
}

/* ============================================ across namespaces */

/*
 * 256 KiB each way at once between namespaces a and b over twin devices
 * on one segment: a writer and a reader process on each side.
 */
static void netns_body(int type)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	struct pair p = pair_connect(type, a, b, 2, NULL);
	const uint64_t total = 256 * KIB;
	const size_t chunk = type == SOCK_STREAM ? 10000 : 4000;
	struct writer wa = {
		.fd = p.cli, .total = total, .chunk = chunk, .seed = 24,
		.shut = true,
	};
	struct writer wb = {
		.fd = p.srv, .total = total, .chunk = chunk, .seed = 25,
		.shut = true,
	};
	struct reader ra = {
		.fd = p.srv, .type = type, .seed = 24, .bufsize = 65536,
		.record = type == SOCK_SEQPACKET ? chunk : 0,
		.expect = total, .count = shared_counter(),
	};
	struct reader rb = {
		.fd = p.cli, .type = type, .seed = 25, .bufsize = 65536,
		.record = type == SOCK_SEQPACKET ? chunk : 0,
		.expect = total, .count = shared_counter(),
	};
	pid_t pids[4];
	double t = now_s();
	int i;

	ASSERT_EQ(twin_name(p.cli).stw_node, 1);
	ASSERT_EQ(twin_name(p.srv).stw_node, 2);
	pids[0] = ns_spawn(NULL, reader_fn, &ra);
	pids[1] = ns_spawn(NULL, reader_fn, &rb);
	pids[2] = ns_spawn(NULL, writer_fn, &wa);
	pids[3] = ns_spawn(NULL, writer_fn, &wb);
	for (i = 0; i < 4; i++)
		ns_wait(pids[i]);
	diag("%s: 2 x %llu bytes in %.3f s", type_name(type),
	     (unsigned long long)total, now_s() - t);
	ASSERT_EQ(*ra.count, total);
	ASSERT_EQ(*rb.count, total);
}

TEST_TIMEOUT(stream_netns_both_directions, 40)
{
	netns_body(SOCK_STREAM);
}

TEST_TIMEOUT(seqpacket_netns_both_directions, 40)
{
	netns_body(SOCK_SEQPACKET);
}

/*
 * The MTU of the sender's device lowered in the middle of a transfer:
 * the connection's MSS follows it (TWIN_INFO), frames queued at the old
 * size are cut down instead of being dropped at the device on every
 * retransmission (drop_length) until the user timeout ends the
 * connection, and every byte arrives once, in order. The reader starts
 * only once the writer has filled the receive window and queued ten
 * frames of the old size behind it, so those exist when the MTU changes. Raised
 * again, the MSS is back to what both ends take.
 */
static void mtu_body(int type)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	struct pair p = pair_connect(type, a, b, 2, NULL);
	const uint64_t total = 1 * MIB;
	const size_t chunk = type == SOCK_STREAM ? 10000 : 4000;
	struct writer w = {
		.fd = p.cli, .total = total, .chunk = chunk, .seed = 26,
	};
	struct reader r = {
		.fd = p.srv, .type = type, .seed = 26, .bufsize = 65536,
		.record = type == SOCK_SEQPACKET ? chunk : 0,
		.expect = total, .count = shared_counter(),
	};
	int ut = 5000 * mult();
	struct twin_info ti;
	pid_t pids[2];
	char buf[4];
	double end;

	ASSERT_OK(setsockopt(p.cli, SOL_TWIN, TWIN_USER_TIMEOUT, &ut,
			     sizeof(ut)));
	ASSERT_EQ(get_info(p.cli).mss, 1500 - TWIN_HLEN);
	pids[1] = ns_spawn(NULL, writer_fn, &w);
	end = now_s() + SAFETY_MS * mult() / 1000.0;
	do {
		sleep_ms(5);
		ti = get_info(p.cli);
	} while (ti.notsent < 10 * ti.mss && now_s() < end);
	diag("%s: window %u, %u bytes queued, %u unacknowledged", type_name(type),
	     ti.snd_wnd, ti.notsent, ti.unacked);
	ASSERT_GE(ti.notsent, 10 * ti.mss);
	RUN_NS(a, "ip link set tw0 mtu 1000");
	pids[0] = ns_spawn(NULL, reader_fn, &r);
	ns_wait(pids[0]);
	ns_wait(pids[1]);
	ASSERT_EQ(*r.count, total);
	ti = get_info(p.cli);
	diag("%s: mss %u, %u retransmits, drop_length %llu at the sender",
	     type_name(type), ti.mss, ti.retransmits,
	     (unsigned long long)twin_stat(a, TWIN_STAT_DROP_LENGTH));
	ASSERT_EQ(ti.mss, 1000 - TWIN_HLEN);

	RUN_NS(a, "ip link set tw0 mtu 1500");
	ASSERT_EQ(send(p.cli, "more", 4, 0), 4);
	recv_all(p.srv, buf, 4);
	ASSERT_MEMEQ(buf, "more", 4);
	ASSERT_EQ(get_info(p.cli).mss, 1500 - TWIN_HLEN);
}

TEST_TIMEOUT(stream_mtu_lowered_during_transfer, 90)
{
	mtu_body(SOCK_STREAM);
}

TEST_TIMEOUT(seqpacket_mtu_lowered_during_transfer, 90)
{
	mtu_body(SOCK_SEQPACKET);
}
