// SPDX-License-Identifier: GPL-2.0
/*
 * Connection buffers tune themselves, as TCP's: a connection starts with
 * net.twin.rmem[1] and wmem[1] bytes; a reader that keeps up makes its
 * receive buffer grow with the rate it reads at, and a sender its send
 * buffer with its congestion window, never past rmem[2] and wmem[2]; a
 * buffer the user set stays as set. net.twin.rmem and wmem are the
 * machine's, in the initial namespace only. Before the commit that added
 * this test every connection kept SO_RCVBUF's default for ever: one
 * connection moved at most a window of about 100 KiB per round trip.
 *
 * semantics.md, "Memory".
 */
#include "conn_util.h"

#define CHUNK		(60 * 1024)	/* each send; a whole record */
#define TOTAL		(280ULL * CHUNK)	/* what a transfer moves: 16.4 MiB */
#define RMEM_START	65536
#define RMEM_MAX	(256 * 1024)
#define WMEM_START	65536
#define WMEM_MAX	(1024 * 1024)

/* The byte at stream offset @off. */
static unsigned char pat(uint64_t off)
{
	return (unsigned char)(off * 7 + (off >> 9) + 0x5a);
}

struct writer {
	int fd, type;
};

/*
 * Send TOTAL bytes in CHUNK records, then end the stream. Sends block as
 * long as they must: the test's own time limit bounds them.
 */
static void writer_fn(void *arg)
{
	const struct writer *w = arg;
	static unsigned char buf[CHUNK];
	uint64_t off = 0;
	size_t i, done;
	ssize_t n;

	twin_set_timeo(w->fd, SO_SNDTIMEO, 0);
	while (off < TOTAL) {
		for (i = 0; i < CHUNK; i++)
			buf[i] = pat(off + i);
		for (done = 0; done < CHUNK; done += n) {
			n = send(w->fd, buf + done, CHUNK - done, MSG_NOSIGNAL);
			if (n <= 0)
				harness_fail(__FILE__, __LINE__, "send at %llu: "
					     TWIN_ERRFMT, (unsigned long long)
					     (off + done), TWIN_ERRARG(errno));
			if (w->type == SOCK_SEQPACKET)
				ASSERT_EQ(n, CHUNK);
		}
		off += CHUNK;
	}
	ASSERT_OK(shutdown(w->fd, SHUT_WR));
}

/*
 * Read and check everything the writer sends, waiting as long as it
 * takes (the test's time limit bounds it); the receive buffer, read after
 * every recv(), never passes @max; returns the largest it was. A record
 * arrives whole.
 */
static int read_all(int fd, int type, int max)
{
	static unsigned char buf[4 * CHUNK];
	int rcvbuf, most = 0;
	uint64_t off = 0;
	ssize_t n, i;

	twin_set_timeo(fd, SO_RCVTIMEO, 0);
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			harness_fail(__FILE__, __LINE__, "recv at %llu: "
				     TWIN_ERRFMT, (unsigned long long)off,
				     TWIN_ERRARG(errno));
		if (!n)
			break;
		if (type == SOCK_SEQPACKET)
			ASSERT_EQ(n, CHUNK);
		for (i = 0; i < n; i++)
			if (buf[i] != pat(off + i))
				harness_fail(__FILE__, __LINE__, "byte %llu "
					     "differs", (unsigned long long)
					     (off + i));
		off += n;
		rcvbuf = twin_get_int(fd, SOL_SOCKET, SO_RCVBUF);
		ASSERT_LE(rcvbuf, max);
		if (rcvbuf > most)
			most = rcvbuf;
	}
	ASSERT_EQ(off, TOTAL);
	return most;
}

/*
 * TOTAL bytes from @c's client to its accepted end, by a writer process;
 * returns the largest the receive buffer was (never past @max).
 */
static int transfer(const struct conn *c, int type, int max)
{
	struct writer w = { .fd = c->cli, .type = type };
	pid_t pid;
	int most;

	pid = ns_spawn(NULL, writer_fn, &w);
	most = read_all(c->srv, type, max);
	ns_wait(pid);
	return most;
}

static void set_bufs(int rmem_start, int rmem_max, int wmem_start,
		     int wmem_max)
{
	char text[64];

	snprintf(text, sizeof(text), "4096 %d %d", rmem_start, rmem_max);
	twin_init_sysctl_set("rmem", text);
	snprintf(text, sizeof(text), "4096 %d %d", wmem_start, wmem_max);
	twin_init_sysctl_set("wmem", text);
}

/*
 * Machine-wide, as net.twin.mem: not in a container's namespace; TCP's
 * maxima by default, and every value from 1 to 2^30 - 1 (a buffer that
 * large doubled, or two added, still fits an int).
 */
/* net.twin.NAME in the initial namespace is "LO DEF HI". */
static void expect_bufs(const char *name, int lo, int def, int hi)
{
	char buf[128];
	int l, d, h;

	twin_init_sysctl_get(name, buf, sizeof(buf));
	ASSERT_EQ(sscanf(buf, "%d %d %d", &l, &d, &h), 3);
	diag("net.twin.%s %d %d %d", name, l, d, h);
	ASSERT_EQ(l, lo);
	ASSERT_EQ(d, def);
	ASSERT_EQ(h, hi);
}

TEST(sysctls_rmem_wmem_machine_wide)
{
	char buf[128];

	ASSERT_ERRNO(read_file("/proc/sys/net/twin/rmem", buf, sizeof(buf)),
		     ENOENT);
	ASSERT_ERRNO(read_file("/proc/sys/net/twin/wmem", buf, sizeof(buf)),
		     ENOENT);
	expect_bufs("rmem", 4096, 212992, 6 << 20);
	expect_bufs("wmem", 4096, 212992, 4 << 20);
	ASSERT_ERRNO(init_sysctl_try_set("rmem", "4096 0 6291456"), EINVAL);
	ASSERT_ERRNO(init_sysctl_try_set("wmem", "-1 212992 4194304"),
		     EINVAL);
	ASSERT_ERRNO(init_sysctl_try_set("rmem", "4096 212992 1073741824"),
		     EINVAL);
	/* Refused writes change nothing. */
	expect_bufs("rmem", 4096, 212992, 6 << 20);
	expect_bufs("wmem", 4096, 212992, 4 << 20);
}

/*
 * A new connection socket starts with rmem[1] and wmem[1]; an accepted
 * one takes its receive buffer from there too, and keeps it while its
 * reader does not read; a datagram socket keeps the core's defaults
 * (net.core.rmem_default), as UDP does.
 */
BOTH(buffers_start_at_rmem_wmem_default)
{
	static char buf[32768];
	struct conn c;
	int fd;

	set_bufs(100000, 6 << 20, 90000, 4 << 20);
	fd = twin_socket(type);
	ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_RCVBUF), 100000);
	ASSERT_EQ(twin_get_int(fd, SOL_SOCKET, SO_SNDBUF), 90000);
	close(fd);
	c = local_pair(type);
	ASSERT_EQ(twin_get_int(c.srv, SOL_SOCKET, SO_RCVBUF), 100000);
	ASSERT_EQ(twin_get_int(c.cli, SOL_SOCKET, SO_RCVBUF), 100000);
	ASSERT_EQ(send(c.cli, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ASSERT_TRUE(wait_ev(c.srv, POLLIN, WAIT_MS * mult()) & POLLIN);
	ASSERT_EQ(twin_get_int(c.srv, SOL_SOCKET, SO_RCVBUF), 100000);
	fd = twin_socket(SOCK_DGRAM);
	ASSERT_NE(twin_get_int(fd, SOL_SOCKET, SO_RCVBUF), 100000);
	ASSERT_NE(twin_get_int(fd, SOL_SOCKET, SO_SNDBUF), 90000);
	close(fd);
}

/*
 * 16 MiB between two namespaces, read as fast as it comes: the reader's
 * buffer grows from rmem[1] to rmem[2] and no further, the writer's past
 * wmem[1] and never past wmem[2], and every byte arrives in order.
 */
BOTH_T(buffers_grow_to_rmem_wmem_max, 120)
{
	const char *a, *b;
	struct conn c;
	int most, sndbuf;

	set_bufs(RMEM_START, RMEM_MAX, WMEM_START, WMEM_MAX);
	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 0);
	ASSERT_EQ(twin_get_int(c.srv, SOL_SOCKET, SO_RCVBUF), RMEM_START);
	most = transfer(&c, type, RMEM_MAX);
	sndbuf = twin_get_int(c.cli, SOL_SOCKET, SO_SNDBUF);
	diag("receive buffer %d to %d at most, send buffer %d", RMEM_START,
	     most, sndbuf);
	ASSERT_EQ(most, RMEM_MAX);
	ASSERT_GT(sndbuf, WMEM_START);
	ASSERT_LE(sndbuf, WMEM_MAX);
}

/*
 * SO_RCVBUF set by the user on the listener (the accepted socket takes
 * it) and SO_SNDBUF on the connected client: the same transfer leaves
 * both as they were set (the core doubles the value asked for).
 */
BOTH_T(user_set_buffers_stay, 120)
{
	const char *a, *b;
	struct conn c;
	int cli_snd;

	set_bufs(RMEM_START, RMEM_MAX, WMEM_START, WMEM_MAX);
	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 100000);
	twin_set_int(c.cli, SOL_SOCKET, SO_SNDBUF, 80000);
	ASSERT_EQ(twin_get_int(c.srv, SOL_SOCKET, SO_RCVBUF), 200000);
	cli_snd = twin_get_int(c.cli, SOL_SOCKET, SO_SNDBUF);
	ASSERT_EQ(cli_snd, 160000);
	ASSERT_EQ(transfer(&c, type, 200000), 200000);
	ASSERT_EQ(twin_get_int(c.cli, SOL_SOCKET, SO_SNDBUF), cli_snd);
}

/*
 * A reader's buffer grows while its send buffer, that of a socket that
 * sends nothing, stays small; frames that arrive while the reader holds
 * its socket (in recv()) wait in the socket's backlog, and that takes
 * whatever the window let in: the transfer drops nothing (drop_rcvbuf
 * in the reader's namespace stays where it was).
 */
BOTH_T(grown_reader_backlog_drops_nothing, 120)
{
	const char *a, *b;
	uint64_t drops;
	struct conn c;
	int most;

	set_bufs(RMEM_START, 4 << 20, WMEM_START, 4 << 20);
	two_ns(&a, &b);
	c = remote_pair(type, a, b, PORT, 0);
	drops = twin_stat(b, TWIN_STAT_DROP_RCVBUF);
	most = transfer(&c, type, 4 << 20);
	diag("receive buffer %d at most, the reader's send buffer %d; %llu "
	     "frames dropped", most, twin_get_int(c.srv, SOL_SOCKET, SO_SNDBUF),
	     (unsigned long long)(twin_stat(b, TWIN_STAT_DROP_RCVBUF) - drops));
	ASSERT_EQ(twin_stat(b, TWIN_STAT_DROP_RCVBUF), drops);
}
