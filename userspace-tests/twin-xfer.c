// SPDX-License-Identifier: GPL-2.0
/*
 * twin-xfer: move a known amount of data over one twin connection and say
 * exactly what went each way.
 *
 *   twin-xfer listen TYPE PORT [options]
 *   twin-xfer connect TYPE NODE PORT [options]
 *
 * TYPE is stream or seqpacket. "listen" binds PORT (on every local node,
 * or -B NODE), says "twin-xfer: listening on port P" on stderr once
 * ready, accepts one connection and closes the listener; "connect"
 * connects to NODE:PORT. Both then say "twin-xfer: established" on stderr
 * and transfer: each side sends its -n bytes, shuts down its write side,
 * and reads until the peer's EOF. Without -b it sends first and reads
 * afterwards (one direction at a time: give only one side -n); with -b
 * it sends and receives at once (two threads). At the end, on stdout:
 *
 *   sent N sha256 HEX received M sha256 HEX
 *
 * Exit status: 0 only if everything was sent and the peer's data ended in
 * an orderly EOF (and matched -e and the record checks); 1 on a socket
 * error, named on stderr as "twin-xfer: OP: ENAME (text)"; 3 when the
 * received data is wrong; 124 when -t expired; 2 for usage errors.
 *
 * Content is a deterministic pseudo-random stream from -s SEED, so two
 * runs with the same seed send the same bytes. SEQPACKET sends records of
 * 1..8000 bytes (sizes from the seed too); each record starts with its
 * index and size (u32 little endian each, cut to the record's size), and
 * the receiver checks that records arrive whole and in order. -p drops
 * that header on both sides (plain records, e.g. from socat).
 *
 * Options:
 *   -n BYTES  bytes to send (suffix K or M: KiB, MiB), default 0
 *   -s SEED   content seed, default 1
 *   -b        bidirectional: send and receive at the same time
 *   -t SECS   overall timeout, default 60 (0: none)
 *   -u MS     TWIN_USER_TIMEOUT on the connection (and the listener)
 *   -e BYTES  the peer must send exactly this many bytes
 *   -p        SEQPACKET: plain records, no header, no order check
 *   -W FILE   after the connection is established, send nothing until
 *             FILE exists (a test's go: it cut the link meanwhile)
 *   -H FILE   send half of -n, then nothing more until FILE exists: the
 *             connection outlives whatever the test does meanwhile, on a
 *             machine however slow (a paced transfer alone may end first)
 *   -r BPS    pace sending to BPS bytes per second
 *   -B NODE   bind to NODE instead of TWIN_NODE_ANY
 *   -a MS     listen: wait this long after listen() before accept()
 *   -v        TWIN_INFO counters on stderr at the end
 *   -A        with -v: first wait until the peer acknowledged everything
 *             sent (or the connection ended; -t bounds the wait), so the
 *             counters cover the whole transfer
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/twin.h>

#define PROG		"twin-xfer"
#define REC_MAX		8000	/* largest record we send */
#define CHUNK_MAX	16384	/* largest stream write */
#define EXIT_SOCK	1
#define EXIT_USAGE	2
#define EXIT_DATA	3
#define EXIT_TIMEOUT	124

/* ------------------------------------------------------------ SHA-256 */

/* FIPS 180-4, written out here so that the helper needs no library. */
struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed */
	uint8_t buf[64];
	size_t fill;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->fill = 0;
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	while (len > 0) {
		size_t n = 64 - s->fill;

		if (n > len)
			n = len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			sha256_block(s, s->buf);
			s->fill = 0;
		}
	}
}

/* The digest as 64 lowercase hex digits. */
static void sha256_hex(struct sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* ------------------------------------------------------------ content */

/* splitmix64: a seeded stream, the same on both ends. */
struct rng {
	uint64_t state;
	uint64_t word;
	int left;		/* bytes of word not yet handed out */
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed)
{
	r->state = seed;
	r->left = 0;
}

static void rng_fill(struct rng *r, uint8_t *p, size_t len)
{
	while (len--) {
		if (r->left == 0) {
			r->word = rng_next(r);
			r->left = 8;
		}
		*p++ = (uint8_t)r->word;
		r->word >>= 8;
		r->left--;
	}
}

/* ------------------------------------------------------------ state */

static struct {
	int type;		/* SOCK_STREAM or SOCK_SEQPACKET */
	uint64_t nbytes;
	uint64_t seed;
	bool bidir;
	unsigned int timeout_s;
	int user_timeout;	/* -1: not set */
	int64_t expect;		/* -1: not checked */
	bool plain;
	const char *wait_file;
	const char *hold_file;
	uint64_t rate;		/* bytes per second, 0: unpaced */
	uint32_t bind_node;
	bool verbose;
	bool wait_acked;
	unsigned int accept_delay_ms;
} opt = {
	.seed = 1, .timeout_s = 60, .user_timeout = -1, .expect = -1,
};

/* Written by the sender and the receiver; printed at the end. */
static volatile uint64_t sent_bytes, recv_bytes;
/* The connection, for the timeout's TWIN_INFO (-v); -1 before. */
static volatile int conn_fd = -1;

static void print_info(int fd);

struct side {
	int fd;
	int err;		/* errno of the failure, 0 if none */
	const char *op;		/* the call that failed */
	int status;		/* exit status this side asks for */
	char msg[256];		/* what went wrong with the data */
	struct sha256 sha;
};

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static int twin_family(void)
{
	FILE *f = fopen(TWIN_FAMILY_PARAM, "r");
	int family = AF_TWIN;

	if (f) {
		if (fscanf(f, "%d", &family) != 1)
			family = AF_TWIN;
		fclose(f);
	}
	return family;
}

static struct sockaddr_twin twin_address(uint32_t node, uint32_t port)
{
	struct sockaddr_twin a;

	memset(&a, 0, sizeof(a));
	a.stw_family = twin_family();
	a.stw_node = node;
	a.stw_port = port;
	return a;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Async-signal-safe: the overall timeout. */
static void put_num(char *buf, size_t *at, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		buf[(*at)++] = tmp[--n];
}

static void on_alarm(int sig)
{
	static const char a[] = PROG ": overall timeout (-t) expired, sent ";
	static const char b[] = " received ";
	char buf[160];
	size_t at = 0;

	(void)sig;
	memcpy(buf, a, sizeof(a) - 1);
	at = sizeof(a) - 1;
	put_num(buf, &at, sent_bytes);
	memcpy(buf + at, b, sizeof(b) - 1);
	at += sizeof(b) - 1;
	put_num(buf, &at, recv_bytes);
	buf[at++] = '\n';
	if (write(2, buf, at) < 0)
		_exit(EXIT_TIMEOUT);
	if (opt.verbose && conn_fd >= 0)
		print_info(conn_fd);
	_exit(EXIT_TIMEOUT);
}

static int sock_fail(struct side *s, const char *op, int err)
{
	s->op = op;
	s->err = err;
	s->status = EXIT_SOCK;
	return -1;
}

/* ------------------------------------------------------------ sending */

/* The header of record idx (size bytes): index and size, cut to size. */
static void record_header(uint8_t *p, uint32_t idx, uint32_t size)
{
	uint8_t h[8];
	int i;

	for (i = 0; i < 4; i++) {
		h[i] = (uint8_t)(idx >> (8 * i));
		h[4 + i] = (uint8_t)(size >> (8 * i));
	}
	memcpy(p, h, size < 8 ? size : 8);
}

static void pace(double start, uint64_t done)
{
	double due;

	if (!opt.rate)
		return;
	due = start + (double)done / (double)opt.rate;
	sleep_s(due - now());
}

/* A test's go (-W, -H): bounded by -t, as everything (SIGALRM). */
static void await_file(const char *path)
{
	while (access(path, F_OK))
		sleep_s(0.01);
}

static void *sender(void *arg)
{
	static uint8_t buf[CHUNK_MAX];
	struct side *s = arg;
	struct rng data, sizes;
	uint64_t left = opt.nbytes;
	uint32_t idx = 0;
	bool holding = opt.hold_file;
	double start;

	rng_init(&data, opt.seed);
	rng_init(&sizes, opt.seed ^ 0x5eedf00dULL);
	sha256_init(&s->sha);
	if (opt.wait_file)
		await_file(opt.wait_file);
	start = now();
	while (left > 0) {
		size_t len, off = 0;

		/* -H: half sent, the rest once its file exists. */
		if (holding && left <= opt.nbytes - opt.nbytes / 2) {
			await_file(opt.hold_file);
			holding = false;
		}
		len = (size_t)(rng_next(&sizes) %
			(opt.type == SOCK_SEQPACKET ? REC_MAX : CHUNK_MAX)) + 1;

		if (len > left)
			len = left;
		rng_fill(&data, buf, len);
		if (opt.type == SOCK_SEQPACKET && !opt.plain)
			record_header(buf, idx, len);
		while (off < len) {
			ssize_t n = send(s->fd, buf + off, len - off, MSG_NOSIGNAL);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				sock_fail(s, "send", errno);
				return NULL;
			}
			if (opt.type == SOCK_SEQPACKET && (size_t)n != len) {
				snprintf(s->msg, sizeof(s->msg),
					 "send: record %u of %zu bytes went out as %zd",
					 idx, len, n);
				s->status = EXIT_DATA;
				return NULL;
			}
			off += n;
			sent_bytes += n;
		}
		sha256_update(&s->sha, buf, len);
		left -= len;
		idx++;
		pace(start, opt.nbytes - left);
	}
	if (shutdown(s->fd, SHUT_WR) < 0)
		sock_fail(s, "shutdown", errno);
	return NULL;
}

/* ------------------------------------------------------------ receiving */

static void check_record(struct side *s, const uint8_t *p, size_t len,
			 uint32_t idx)
{
	uint8_t want[8];
	size_t n = len < 8 ? len : 8;

	if (opt.plain || s->status)
		return;
	record_header(want, idx, len);
	if (memcmp(p, want, n) != 0) {
		uint32_t got_idx = 0, got_size = 0;
		size_t i;

		for (i = 0; i < 4 && i < len; i++)
			got_idx |= (uint32_t)p[i] << (8 * i);
		for (i = 4; i < 8 && i < len; i++)
			got_size |= (uint32_t)p[i] << (8 * (i - 4));
		snprintf(s->msg, sizeof(s->msg),
			 "record %u (%zu bytes) out of order or damaged: its "
			 "header says record %u of %u bytes", idx, len,
			 got_idx, got_size);
		s->status = EXIT_DATA;
	}
}

static void receiver(struct side *s)
{
	static uint8_t buf[TWIN_SEQPACKET_MAX + 1];
	uint32_t idx = 0;

	sha256_init(&s->sha);
	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(s->fd, &mh, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sock_fail(s, "recv", errno);
			return;
		}
		if (n == 0)
			break;		/* EOF: records are never empty */
		if (opt.type == SOCK_SEQPACKET) {
			if (mh.msg_flags & MSG_TRUNC) {
				snprintf(s->msg, sizeof(s->msg),
					 "record %u truncated (MSG_TRUNC) at %zd bytes",
					 idx, n);
				s->status = EXIT_DATA;
			} else if (!opt.plain && n > REC_MAX) {
				snprintf(s->msg, sizeof(s->msg),
					 "record %u has %zd bytes, more than %d: "
					 "two records in one read?", idx, n, REC_MAX);
				s->status = EXIT_DATA;
			}
			check_record(s, buf, n, idx);
			idx++;
		}
		sha256_update(&s->sha, buf, n);
		recv_bytes += n;
	}
	if (!s->status && opt.expect >= 0 && recv_bytes != (uint64_t)opt.expect) {
		snprintf(s->msg, sizeof(s->msg),
			 "EOF after %llu bytes, expected %lld",
			 (unsigned long long)recv_bytes, (long long)opt.expect);
		s->status = EXIT_DATA;
	}
}

/* ------------------------------------------------------------ setup */

static int set_user_timeout(int fd, struct side *s)
{
	if (opt.user_timeout < 0)
		return 0;
	if (setsockopt(fd, SOL_TWIN, TWIN_USER_TIMEOUT, &opt.user_timeout,
		       sizeof(opt.user_timeout)) < 0)
		return sock_fail(s, "setsockopt(TWIN_USER_TIMEOUT)", errno);
	return 0;
}

static int do_listen(struct side *s, uint32_t port)
{
	struct sockaddr_twin a = twin_address(opt.bind_node, port), peer;
	socklen_t plen = sizeof(peer);
	int lfd, fd;

	lfd = socket(twin_family(), opt.type, 0);
	if (lfd < 0)
		return sock_fail(s, "socket", errno);
	if (set_user_timeout(lfd, s) < 0)
		return -1;
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return sock_fail(s, "bind", errno);
	if (listen(lfd, 1) < 0)
		return sock_fail(s, "listen", errno);
	plen = sizeof(a);
	if (getsockname(lfd, (struct sockaddr *)&a, &plen) < 0)
		return sock_fail(s, "getsockname", errno);
	fprintf(stderr, PROG ": listening on port %u\n", a.stw_port);
	if (opt.accept_delay_ms)
		sleep_s(opt.accept_delay_ms / 1000.0);
	do {
		plen = sizeof(peer);
		fd = accept(lfd, (struct sockaddr *)&peer, &plen);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return sock_fail(s, "accept", errno);
	close(lfd);
	fprintf(stderr, PROG ": connection from %u:%u\n", peer.stw_node,
		peer.stw_port);
	s->fd = fd;
	return set_user_timeout(fd, s);
}

static int do_connect(struct side *s, uint32_t node, uint32_t port)
{
	struct sockaddr_twin a = twin_address(node, port);
	int fd;

	fd = socket(twin_family(), opt.type, 0);
	if (fd < 0)
		return sock_fail(s, "socket", errno);
	s->fd = fd;
	if (set_user_timeout(fd, s) < 0)
		return -1;
	if (opt.bind_node) {
		struct sockaddr_twin b = twin_address(opt.bind_node, 0);

		if (bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0)
			return sock_fail(s, "bind", errno);
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return sock_fail(s, "connect", errno);
	return 0;
}

/* -A: until nothing sent is unacknowledged, or the connection is closed. */
static void wait_acked(int fd)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	struct twin_info ti;
	socklen_t len;

	for (;;) {
		len = sizeof(ti);
		if (getsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, &len) < 0 ||
		    (!ti.unacked && !ti.notsent) || ti.state == TCP_CLOSE)
			return;
		nanosleep(&tick, NULL);
	}
}

/*
 * TWIN_INFO on stderr. Also called from the SIGALRM handler: snprintf is
 * not async-signal-safe in theory, but the process exits right after.
 */
static void print_info(int fd)
{
	struct twin_info ti;
	socklen_t len = sizeof(ti);
	char buf[640];
	int n;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, SOL_TWIN, TWIN_INFO, &ti, &len) < 0) {
		n = snprintf(buf, sizeof(buf), PROG ": TWIN_INFO: %s\n",
			     ename(errno));
	} else {
		n = snprintf(buf, sizeof(buf), PROG ": info state %u mss %u "
			"rtt_us %u rto_ms %u backoff %u cwnd %u ssthresh %u "
			"snd_wnd %u rcv_wnd %u unacked %u notsent %u "
			"retransmits %u fast_retransmits %u timeouts %u "
			"bytes_sent %llu bytes_acked %llu bytes_received %llu "
			"frames_out %llu frames_in %llu\n", ti.state, ti.mss,
			ti.rtt_us, ti.rto_ms, ti.backoff, ti.cwnd, ti.ssthresh,
			ti.snd_wnd, ti.rcv_wnd, ti.unacked, ti.notsent,
			ti.retransmits, ti.fast_retransmits, ti.timeouts,
			(unsigned long long)ti.bytes_sent,
			(unsigned long long)ti.bytes_acked,
			(unsigned long long)ti.bytes_received,
			(unsigned long long)ti.frames_out,
			(unsigned long long)ti.frames_in);
	}
	if (n > 0 && write(2, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0)
		return;
}

/* ------------------------------------------------------------ main */

static int usage(void)
{
	fprintf(stderr,
		"usage: " PROG " listen TYPE PORT [options]\n"
		"       " PROG " connect TYPE NODE PORT [options]\n"
		"TYPE: stream | seqpacket. Options:\n"
		"  -n BYTES send this many (K, M suffixes)  -s SEED content seed\n"
		"  -b send and receive at once   -t SECS overall timeout (60)\n"
		"  -u MS TWIN_USER_TIMEOUT       -e BYTES expect this many\n"
		"  -p plain records (no header)  -W FILE send once FILE exists\n"
		"  -r BPS pace sending           -B NODE bind to this node\n"
		"  -v TWIN_INFO at the end       -a MS wait before accept()\n"
		"  -A with -v: once all sent is acknowledged\n"
		"  -H FILE send half, the rest once FILE exists\n");
	return EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	if (*end == 'K' || *end == 'k') {
		v *= 1024;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		v *= 1024 * 1024;
		end++;
	}
	if (*end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_type(const char *s)
{
	if (!strcmp(s, "stream"))
		opt.type = SOCK_STREAM;
	else if (!strcmp(s, "seqpacket"))
		opt.type = SOCK_SEQPACKET;
	else
		return false;
	return true;
}

static int finish(struct side *tx, struct side *rx)
{
	char txhex[65], rxhex[65];
	struct side *bad = NULL;

	sha256_hex(&tx->sha, txhex);
	sha256_hex(&rx->sha, rxhex);
	printf("sent %llu sha256 %s received %llu sha256 %s\n",
	       (unsigned long long)sent_bytes, txhex,
	       (unsigned long long)recv_bytes, rxhex);
	fflush(stdout);
	/* A socket error outranks the data complaint it may have caused. */
	if (tx->status == EXIT_SOCK)
		bad = tx;
	else if (rx->status == EXIT_SOCK)
		bad = rx;
	else if (tx->status)
		bad = tx;
	else if (rx->status)
		bad = rx;
	if (!bad)
		return 0;
	if (bad->status == EXIT_SOCK)
		fprintf(stderr, PROG ": %s: %s (%s)\n", bad->op,
			ename(bad->err), strerror(bad->err));
	else
		fprintf(stderr, PROG ": %s\n", bad->msg);
	return bad->status;
}

int main(int argc, char **argv)
{
	struct side tx = { .fd = -1 }, rx = { .fd = -1 };
	uint64_t v, node = 0, port;
	pthread_t thread;
	bool listen_mode;
	int c, rc;

	while ((c = getopt(argc, argv, "n:s:bt:u:e:pW:H:r:B:vAa:h")) != -1) {
		switch (c) {
		case 'n':
			if (!parse_u64(optarg, UINT64_MAX / 2, &opt.nbytes))
				return usage();
			break;
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &opt.seed))
				return usage();
			break;
		case 'b':
			opt.bidir = true;
			break;
		case 't':
			if (!parse_u64(optarg, 86400, &v))
				return usage();
			opt.timeout_s = v;
			break;
		case 'u':
			if (!parse_u64(optarg, INT32_MAX, &v))
				return usage();
			opt.user_timeout = v;
			break;
		case 'e':
			if (!parse_u64(optarg, INT64_MAX, &v))
				return usage();
			opt.expect = v;
			break;
		case 'p':
			opt.plain = true;
			break;
		case 'W':
			opt.wait_file = optarg;
			break;
		case 'H':
			opt.hold_file = optarg;
			break;
		case 'r':
			if (!parse_u64(optarg, UINT32_MAX, &opt.rate))
				return usage();
			break;
		case 'B':
			if (!parse_u64(optarg, UINT32_MAX, &v))
				return usage();
			opt.bind_node = v;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'A':
			opt.wait_acked = true;
			break;
		case 'a':
			if (!parse_u64(optarg, 3600000, &v))
				return usage();
			opt.accept_delay_ms = v;
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 3 && !strcmp(argv[0], "listen")) {
		listen_mode = true;
		if (!parse_u64(argv[2], UINT32_MAX, &port))
			return usage();
	} else if (argc == 4 && !strcmp(argv[0], "connect")) {
		listen_mode = false;
		if (!parse_u64(argv[2], UINT32_MAX, &node) ||
		    !parse_u64(argv[3], UINT32_MAX, &port))
			return usage();
	} else {
		return usage();
	}
	if (!parse_type(argv[1]))
		return usage();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(opt.timeout_s);
	sha256_init(&tx.sha);
	sha256_init(&rx.sha);

	rc = listen_mode ? do_listen(&tx, port) : do_connect(&tx, node, port);
	if (rc < 0)
		return finish(&tx, &rx);
	fprintf(stderr, PROG ": established\n");
	rx.fd = tx.fd;
	conn_fd = tx.fd;

	if (opt.bidir) {
		rc = pthread_create(&thread, NULL, sender, &tx);
		if (rc) {
			sock_fail(&tx, "pthread_create", rc);
			return finish(&tx, &rx);
		}
		receiver(&rx);
		pthread_join(thread, NULL);
	} else {
		sender(&tx);
		if (!tx.status)
			receiver(&rx);
	}
	if (opt.verbose && opt.wait_acked)
		wait_acked(tx.fd);
	if (opt.verbose)
		print_info(tx.fd);
	rc = finish(&tx, &rx);
	close(tx.fd);
	return rc;
}
