// SPDX-License-Identifier: GPL-2.0
/*
 * twin's socket memory is the machine's to bound, as TCP's is: the pages
 * connections hold count against net.twin.mem (low, pressure, high, in
 * pages, as tcp_mem) and against the memory cgroup of whoever made the
 * socket (a listener's child: the listener's); a closed connection whose
 * peer keeps its window shut gives up after net.twin.orphan_retries
 * probes, and no more than net.twin.max_orphans closed connections live
 * on at once. /proc/net/protocols and /proc/net/twin_sockstat show the
 * pages, sockets and orphans. Before the commit that added this test
 * twin did no accounting at all (/proc/net/protocols said -1), 10,000
 * connections to readers that never read could hold gigabytes, and an
 * orphan whose peer answered its probes lived for ever.
 *
 * net.twin.mem and net.twin.max_orphans live in the initial namespace
 * only; the tests reach them there, and the runner puts them back after
 * each test (harness.c).
 *
 * semantics.md, "Memory".
 */
#include <sched.h>
#include <linux/sockios.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "conn_util.h"

#define CONNS		10000	/* the Debian lanes; 1/81 on the debug kernel */
#define ORPHANS		1000	/* 1/9 on the debug kernel */
#define CHUNK		4096	/* each send of the floods */
#define HARD_PAGES	4096	/* net.twin.mem's high mark in the flood: 16 MiB */
#define PAGE_KB		4

/* ---------------------------------------------------------- the machine */

/* The TWIN line of /proc/net/protocols: sockets and pages. */
static void protocols_line(long *sockets, long *pages)
{
	static char buf[1 << 16];
	char *line, *save = NULL, name[32];

	ASSERT_GT(read_file("/proc/net/protocols", buf, sizeof(buf)), 0);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int size;

		if (sscanf(line, "%31s %u %ld %ld", name, &size, sockets,
			   pages) == 4 && !strcmp(name, "TWIN"))
			return;
	}
	harness_fail(__FILE__, __LINE__, "no TWIN line in /proc/net/protocols");
}

struct sockstat {
	long orphan, alloc, mem;
};

static struct sockstat sockstat(void)
{
	struct sockstat s;
	char buf[256];

	if (read_file("/proc/net/twin_sockstat", buf, sizeof(buf)) <= 0)
		harness_fail(__FILE__, __LINE__, "/proc/net/twin_sockstat: %s",
			     strerror(errno));
	if (sscanf(buf, "TWIN: orphan %ld alloc %ld mem %ld", &s.orphan,
		   &s.alloc, &s.mem) != 3)
		harness_fail(__FILE__, __LINE__, "twin_sockstat: %s", buf);
	return s;
}

static long meminfo_kb(const char *field)
{
	static char buf[1 << 13];
	char *p;

	ASSERT_GT(read_file("/proc/meminfo", buf, sizeof(buf)), 0);
	p = strstr(buf, field);
	ASSERT_TRUE(p);
	return strtol(p + strlen(field) + 1, NULL, 10);
}

/* The per-CPU reserve protocol memory may run ahead by (1 MiB a CPU). */
static long pcpu_slack_pages(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) * 256;
}

static void raise_nofile(long n)
{
	struct rlimit rl = { .rlim_cur = n + 64, .rlim_max = n + 64 };

	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
}

/* ------------------------------------------------------------ the data */

/* Byte @off of connection @i's stream. */
static unsigned char pattern(long i, unsigned long off)
{
	return (unsigned char)(off * 7 + i * 13 + (off >> 12));
}

/*
 * Send one CHUNK (a record, for SEQPACKET) of connection @i's stream from
 * offset *@sent, without waiting. Returns the bytes taken.
 */
static ssize_t send_chunk(int fd, long i, unsigned long *sent)
{
	unsigned char buf[CHUNK];
	size_t k;
	ssize_t r;

	for (k = 0; k < CHUNK; k++)
		buf[k] = pattern(i, *sent + k);
	r = send(fd, buf, CHUNK, MSG_DONTWAIT);
	if (r < 0) {
		if (errno != EAGAIN)
			harness_fail(__FILE__, __LINE__, "send on connection %ld: "
				     TWIN_ERRFMT, i, TWIN_ERRARG(errno));
		return 0;
	}
	*sent += r;
	return r;
}

/* Read connection @i's @want bytes, in order, each the one sent. */
static void recv_stream(int fd, long i, unsigned long want)
{
	unsigned char buf[1 << 16];
	unsigned long got = 0;
	ssize_t r, k;

	while (got < want) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0)
			harness_fail(__FILE__, __LINE__, "connection %ld: %lu of "
				     "%lu bytes, then %zd " TWIN_ERRFMT, i, got,
				     want, r, TWIN_ERRARG(errno));
		for (k = 0; k < r; k++)
			if (buf[k] != pattern(i, got + k))
				harness_fail(__FILE__, __LINE__, "connection %ld: "
					     "byte %lu is wrong", i, got + k);
		got += r;
	}
}

struct flood {
	int type;
	long n;
	int lis;
	int *cli, *srv;
	unsigned long *sent;
};

/*
 * @n connections over tw0 in this namespace, clients with SO_SNDBUF
 * @sndbuf, accepted sockets with SO_RCVBUF @rcvbuf (from the listener).
 */
static struct flood flood_open(int type, long n, int sndbuf, int rcvbuf)
{
	struct flood f = { .type = type, .n = n };
	long i;

	raise_nofile(2 * n + 16);
	f.cli = calloc(n, sizeof(int));
	f.srv = calloc(n, sizeof(int));
	f.sent = calloc(n, sizeof(*f.sent));
	ASSERT_TRUE(f.cli && f.srv && f.sent);
	fast_dev(NULL, "tw0", NODE);
	f.lis = twin_socket(type);
	twin_set_int(f.lis, SOL_SOCKET, SO_RCVBUF, rcvbuf);
	ASSERT_OK(twin_bind(f.lis, TWIN_NODE_ANY, PORT));
	ASSERT_OK(listen(f.lis, 128));
	twin_set_timeo(f.lis, SO_RCVTIMEO, WAIT_MS);
	for (i = 0; i < n; i++) {
		f.cli[i] = twin_socket(type);
		twin_set_int(f.cli[i], SOL_SOCKET, SO_SNDBUF, sndbuf);
		/*
		 * A frame the reader drops for memory is sent again until
		 * the user timeout: the floods must not outlast it.
		 */
		twin_set_int(f.cli[i], SOL_TWIN, TWIN_USER_TIMEOUT, 600000);
		if (twin_connect(f.cli[i], NODE, PORT))
			harness_fail(__FILE__, __LINE__, "connection %ld of %ld: "
				     TWIN_ERRFMT, i, n, TWIN_ERRARG(errno));
		f.srv[i] = accept_one(f.lis);
	}
	return f;
}

/* ---------------------------------------------------------------- tests */

/*
 * /proc/net/protocols counts the namespace's twin sockets and the
 * machine's twin pages, as TCP's line does; twin_sockstat the machine's
 * connection sockets.
 */
TEST(protocols_and_sockstat_count_sockets)
{
	long s0, p0, s1, p1, s2, p2;
	struct sockstat st0, st1;
	int fds[200], i;

	protocols_line(&s0, &p0);
	st0 = sockstat();
	if (s0 < 0 || p0 < 0)
		harness_fail(__FILE__, __LINE__, "TWIN: sockets %ld memory %ld: "
			     "no accounting", s0, p0);
	for (i = 0; i < 200; i++)
		fds[i] = twin_socket(i % 2 ? SOCK_DGRAM : SOCK_STREAM);
	protocols_line(&s1, &p1);
	st1 = sockstat();
	for (i = 0; i < 200; i++)
		close(fds[i]);
	protocols_line(&s2, &p2);
	diag("sockets here %ld -> %ld -> %ld, sockstat alloc %ld -> %ld, "
	     "pages %ld", s0, s1, s2, st0.alloc, st1.alloc, p1);
	ASSERT_EQ(s0, 0);
	ASSERT_EQ(s1, 200);
	ASSERT_EQ(s2, 0);
	/* Machine-wide: earlier tests' sockets may go meanwhile. */
	ASSERT_GT(st1.alloc, 0);
}

/*
 * twin_sockstat's mem is exact: the machine-wide count of pages plus what
 * each CPU holds in reserve. With the reserve boundless
 * (net.core.mem_pcpu_rsv), the count stays where it is, and 64 KiB
 * waiting in a receive queue sits in a reserve. The count alone showed
 * the same number before, during and after (and, with pages charged on
 * one CPU and freed on another, went below zero: -37 after a flood).
 */
STREAM_T(sockstat_mem_counts_the_reserves, 60)
{
	static char data[1 << 16], got[sizeof(data)];
	const long pages = sizeof(data) / 4096;
	long m0, m1, m2;
	struct conn c;
	double t0;
	int inq = 0;

	if (init_sysctl_try_set("/proc/sys/net/core/mem_pcpu_rsv",
				"1073741824"))
		harness_fail(__FILE__, __LINE__, "net.core.mem_pcpu_rsv: %s",
			     strerror(errno));
	c = local_pair(type);
	m0 = sockstat().mem;
	memset(data, 'm', sizeof(data));
	ASSERT_EQ(send(c.cli, data, sizeof(data), 0), (ssize_t)sizeof(data));
	t0 = now_s();
	while (!ioctl(c.srv, SIOCINQ, &inq) && inq < (int)sizeof(data) &&
	       now_s() - t0 < 5 * mult())
		sleep_ms(10);
	ASSERT_EQ(inq, (int)sizeof(data));
	m1 = sockstat().mem;
	ASSERT_EQ(recv(c.srv, got, sizeof(got), MSG_WAITALL),
		  (ssize_t)sizeof(got));
	close(c.cli);
	close(c.srv);
	close(c.lis);
	m2 = sockstat().mem;
	diag("twin pages before %ld, with %ld KiB queued %ld, after %ld", m0,
	     (long)sizeof(data) / 1024, m1, m2);
	ASSERT_GE(m1, pages);
	/* Nothing else charges meanwhile; orphans of earlier tests free. */
	ASSERT_LE(m2, m1 - pages);
}

/*
 * net.twin.mem and net.twin.max_orphans are the machine's: in the initial
 * namespace only, with tcp_mem's defaults. orphan_retries is each
 * namespace's own.
 */
TEST(sysctls_machine_wide_and_per_namespace)
{
	char buf[128];
	long lo, pr, hi;

	ASSERT_ERRNO(read_file("/proc/sys/net/twin/mem", buf, sizeof(buf)),
		     ENOENT);
	ASSERT_ERRNO(read_file("/proc/sys/net/twin/max_orphans", buf,
			       sizeof(buf)), ENOENT);
	twin_init_sysctl_get("mem", buf, sizeof(buf));
	ASSERT_EQ(sscanf(buf, "%ld %ld %ld", &lo, &pr, &hi), 3);
	diag("net.twin.mem %ld %ld %ld", lo, pr, hi);
	ASSERT_GT(lo, 0);
	ASSERT_GE(pr, lo);
	ASSERT_EQ(hi, 2 * lo);
	twin_init_sysctl_get("max_orphans", buf, sizeof(buf));
	ASSERT_GE(strtol(buf, NULL, 10), 4096);
	twin_sysctl_check_range("orphan_retries", 8, 0, 16);
}

/*
 * 10,000 connections whose readers never read, each sender filling its
 * buffer: what twin holds stays under net.twin.mem's high mark, plus one
 * frame a stream socket may still queue past it (as TCP's) and the per-CPU
 * reserve; frames refused for memory come again: once memory is back,
 * every byte arrives, in order. Without accounting the
 * buffers would take 3.8 GB: the flood stops, failing, at twice its bound.
 */
BOTH_T(memory_bounded_by_net_twin_mem, 400)
{
	const long n = CONNS / (mult() * mult() * mult() * mult());
	/*
	 * MemAvailable also drops by what the debug kernel keeps of freed
	 * memory (KASAN's quarantine) and its shadow: x TWIN_TIMEOUT_MULT.
	 */
	const long bound_kb = ((HARD_PAGES + pcpu_slack_pages()) * PAGE_KB +
			       n * (CHUNK + 4096) / 1024 + 16 * 1024) * mult();
	long i, base_kb, used_kb = 0, peak_kb = 0, pages, sockets, idle = 0;
	unsigned long total = 0;
	struct flood f;
	char text[64];
	ssize_t r;

	f = flood_open(type, n, 1 << 16, 1 << 16);
	base_kb = meminfo_kb("MemAvailable");
	snprintf(text, sizeof(text), "%d %d %d", HARD_PAGES / 2,
		 HARD_PAGES * 3 / 4, HARD_PAGES);
	twin_init_sysctl_set("mem", text);

	while (idle < 3) {
		r = 0;
		for (i = 0; i < n; i++)
			r += send_chunk(f.cli[i], i, &f.sent[i]);
		total += r;
		idle = r ? 0 : idle + 1;
		if (!r)
			sleep_ms(100);
		used_kb = base_kb - meminfo_kb("MemAvailable");
		peak_kb = used_kb > peak_kb ? used_kb : peak_kb;
		if (used_kb > 2 * bound_kb)
			harness_fail(__FILE__, __LINE__, "%ld connections hold %ld "
				     "KiB, net.twin.mem allows %ld KiB: stopped",
				     n, used_kb, bound_kb);
	}
	protocols_line(&sockets, &pages);
	diag("%ld connections took %lu KiB; memory used %ld KiB (peak %ld, "
	     "bound %ld), twin pages %ld, %lu frames dropped for memory", n,
	     total / 1024, used_kb, peak_kb, bound_kb, pages,
	     (unsigned long)twin_stat(NULL, TWIN_STAT_DROP_MEMORY));
	ASSERT_LE(peak_kb, bound_kb);
	/* The buffers alone would have taken 128 KiB a connection. */
	ASSERT_LE(total / 1024, bound_kb);
	ASSERT_GE(pages, 0);
	ASSERT_LE(pages, HARD_PAGES + pcpu_slack_pages() + n * 2);

	/* Memory back: every byte taken arrives, once, in order. */
	snprintf(text, sizeof(text), "%d %d %d", 1 << 20, 1 << 21, 1 << 22);
	twin_init_sysctl_set("mem", text);
	for (i = 0; i < n; i++) {
		twin_set_timeo(f.srv[i], SO_RCVTIMEO, 30000 * mult());
		recv_stream(f.srv[i], i, f.sent[i]);
	}
	for (i = 0; i < n; i++) {
		close(f.cli[i]);
		close(f.srv[i]);
	}
	close(f.lis);
}

/* Connections of ours that /proc/net/twin shows closed by their user. */
static long our_orphans(void)
{
	static char buf[1 << 22];
	char *line, *save = NULL, t[32], s[32];
	long n = 0;

	ASSERT_GE(read_file("/proc/net/twin", buf, sizeof(buf)), 0);
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save)))
		if (sscanf(line, "%31s %31s", t, s) == 2 &&
		    (!strcmp(s, "FIN_WAIT1") || !strcmp(s, "FIN_WAIT2") ||
		     !strcmp(s, "CLOSING") || !strcmp(s, "LAST_ACK")))
			n++;
	return n;
}

/* Fill every client of @f until its peer's window and its buffer are full. */
static void fill_all(struct flood *f)
{
	long i, idle = 0, r;

	while (idle < 2) {
		r = 0;
		for (i = 0; i < f->n; i++)
			r += send_chunk(f->cli[i], i, &f->sent[i]);
		idle = r ? 0 : idle + 1;
		if (!r)
			sleep_ms(50);
	}
}

/*
 * A closed connection whose peer answers every probe but never opens its
 * window gives its data up after net.twin.orphan_retries probes (here 2:
 * within 3 backed-off probe intervals, at most 10 s each), with a reset,
 * and is counted; before, it probed for ever.
 */
STREAM_T(orphans_end_after_orphan_retries, 120)
{
	const long n = ORPHANS / (mult() * mult());
	uint64_t aborted0 = twin_stat(NULL, TWIN_STAT_ORPHANS_ABORTED);
	double t0, t;
	struct flood f;
	long i, left;

	f = flood_open(type, n, 1 << 14, 4096);
	fill_all(&f);
	twin_sysctl_set("orphan_retries", 2);
	t0 = now_s();
	for (i = 0; i < n; i++)
		close(f.cli[i]);
	while ((left = our_orphans()) && now_s() - t0 < 30 + 10 * mult())
		sleep_ms(100);
	t = now_s() - t0;
	diag("%ld orphans: all gone in %.1f s", n, t);
	ASSERT_EQ(left, 0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_ORPHANS_ABORTED) - aborted0, n);
	/* The readers see the reset after the data they were given. */
	for (i = 0; i < n; i++) {
		char buf[1 << 16];
		ssize_t r;

		while ((r = recv(f.srv[i], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			;
		if (r != -1 || errno != ECONNRESET)
			harness_fail(__FILE__, __LINE__, "reader %ld: %zd "
				     TWIN_ERRFMT ", not ECONNRESET", i, r,
				     TWIN_ERRARG(errno));
		close(f.srv[i]);
	}
	close(f.lis);
}

/*
 * An orphan gives up at its next timeout or probe, whatever
 * orphan_retries allows, once orphans are past net.twin.max_orphans or
 * twin memory past its third mark (tcp_out_of_resources()): 32 orphans
 * whose peers keep their windows shut, orphan_retries 16 (minutes of
 * backed-off probes); max_orphans lowered to leave room for 8: down to 8
 * within one probe interval (10 s at most, x mult); net.twin.mem then
 * lowered to 1 page: none left, as soon. (With the rule gone, all 32 would probe
 * on for minutes.)
 */
STREAM_T(orphans_give_up_at_once_when_short, 120)
{
	const long n = 32, keep = 8;
	uint64_t aborted0 = twin_stat(NULL, TWIN_STAT_ORPHANS_ABORTED);
	long i, others, left, pages;
	struct flood f;
	char text[32];
	double t0;

	/*
	 * The machine-wide count of protocol memory lags what each CPU
	 * holds in reserve (1 MiB): the last orphans' pages may all be
	 * there, and an orphan must sum the reserves to see them. Where
	 * the reserve is a sysctl (net.core.mem_pcpu_rsv: all three
	 * kernels here), it is made boundless, so that the count stays
	 * where it was and all this test's pages stay in the reserves:
	 * with the count alone, no orphan gave up under net.twin.mem's 1
	 * page (unless earlier tests left the count above it; without the
	 * sysctl, 1 of 32 was left in a loaded run). SO_SNDBUF 8 KiB (16
	 * KiB, doubled) queued each.
	 */
	if (init_sysctl_try_set("/proc/sys/net/core/mem_pcpu_rsv",
				"1073741824") && errno != ENOENT)
		harness_fail(__FILE__, __LINE__, "net.core.mem_pcpu_rsv: %s",
			     strerror(errno));
	f = flood_open(type, n, 1 << 13, 4096);
	fill_all(&f);
	twin_sysctl_set("orphan_retries", 16);
	/* Orphans of earlier tests count, and can only go. */
	others = sockstat().orphan;
	snprintf(text, sizeof(text), "%ld", others + 2 * n);
	twin_init_sysctl_set("max_orphans", text);
	for (i = 0; i < n; i++)
		close(f.cli[i]);
	ASSERT_EQ(our_orphans(), n);

	snprintf(text, sizeof(text), "%ld", others + keep);
	twin_init_sysctl_set("max_orphans", text);
	t0 = now_s();
	while ((left = our_orphans()) > keep && now_s() - t0 < 10 + 5 * mult())
		sleep_ms(100);
	diag("max_orphans lowered to %ld (%ld others): %ld of %ld orphans left "
	     "after %.1f s", others + keep, others, left, n, now_s() - t0);
	ASSERT_LE(left, keep);

	pages = sockstat().mem;
	twin_init_sysctl_set("mem", "1 1 1");
	t0 = now_s();
	while ((left = our_orphans()) && now_s() - t0 < 10 + 5 * mult())
		sleep_ms(100);
	diag("net.twin.mem lowered to 1 page (the machine-wide count: %ld): "
	     "%ld orphans left after %.1f s", pages, left, now_s() - t0);
	ASSERT_EQ(left, 0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_ORPHANS_ABORTED) - aborted0, n);
	for (i = 0; i < n; i++)
		close(f.srv[i]);
	close(f.lis);
}

/*
 * No more than net.twin.max_orphans closed connections live on at once:
 * a close past it resets the connection (as tcp_close() does when
 * tcp_too_many_orphans()) and counts it.
 */
STREAM_T(max_orphans_resets_the_excess, 120)
{
	const long n = 300 / mult(), max = 100 / mult();
	uint64_t aborted0 = twin_stat(NULL, TWIN_STAT_ORPHANS_ABORTED);
	long i, others, ours, aborted;
	struct flood f;
	char text[32];

	f = flood_open(type, n, 1 << 14, 4096);
	fill_all(&f);
	/* Orphans of earlier tests count, and can only go. */
	others = sockstat().orphan;
	snprintf(text, sizeof(text), "%ld", others + max);
	twin_init_sysctl_set("max_orphans", text);
	for (i = 0; i < n; i++)
		close(f.cli[i]);
	ours = our_orphans();
	aborted = (long)(twin_stat(NULL, TWIN_STAT_ORPHANS_ABORTED) - aborted0);
	diag("%ld closed past max_orphans %ld (%ld others): %ld orphans, %ld "
	     "reset", n, max, others, ours, aborted);
	ASSERT_GE(ours, max);
	ASSERT_LE(ours, max + others);
	ASSERT_EQ(ours + aborted, n);
	/* Readers that close with data unread reset the rest. */
	for (i = 0; i < n; i++)
		close(f.srv[i]);
	close(f.lis);
	for (i = 0; i < 100 * mult() && our_orphans(); i++)
		sleep_ms(50);
	ASSERT_EQ(our_orphans(), 0);
}

/* ------------------------------------------------------------ memcg */

static long queue_sum(int *fds, long n, unsigned long req)
{
	long sum = 0, i;
	int v;

	for (i = 0; i < n; i++) {
		ASSERT_OK(ioctl(fds[i], req, &v));
		sum += v;
	}
	return sum;
}

/*
 * Socket memory is charged to the memory cgroup of the task that made the
 * socket, and a listener's children to the listener's: the bytes waiting
 * in send queues of the cgroup's clients, and in receive queues of its
 * listener's children, show in its memory.stat "sock".
 */
STREAM_T(memcg_charges_sender_and_listener, 120)
{
	const long n = 16;
	int lis_root, lis_cg, *cli_cg, *cli_root, *srv_root, *srv_cg;
	const char *cg;
	long i, sock0, sock1 = 0, out, in;
	unsigned long sent;

	cg = cgroup_make("sockmem");
	raise_nofile(4 * n + 16);
	cli_cg = calloc(n, sizeof(int));
	cli_root = calloc(n, sizeof(int));
	srv_root = calloc(n, sizeof(int));
	srv_cg = calloc(n, sizeof(int));
	ASSERT_TRUE(cli_cg && cli_root && srv_root && srv_cg);
	fast_dev(NULL, "tw0", NODE);

	/* Outside the cgroup: a listener with small buffers, clients. */
	lis_root = twin_socket(type);
	twin_set_int(lis_root, SOL_SOCKET, SO_RCVBUF, 4096);
	ASSERT_OK(twin_bind(lis_root, TWIN_NODE_ANY, PORT));
	ASSERT_OK(listen(lis_root, 64));
	for (i = 0; i < n; i++)
		cli_root[i] = twin_socket(type);
	/* Inside: a listener with large buffers, clients with large ones. */
	cgroup_enter(cg);
	lis_cg = twin_socket(type);
	twin_set_int(lis_cg, SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20);
	ASSERT_OK(twin_bind(lis_cg, TWIN_NODE_ANY, PORT + 1));
	ASSERT_OK(listen(lis_cg, 64));
	for (i = 0; i < n; i++) {
		cli_cg[i] = twin_socket(type);
		twin_set_int(cli_cg[i], SOL_SOCKET, SO_SNDBUFFORCE, 1 << 20);
	}
	cgroup_enter(NULL);
	sock0 = cgroup_read(cg, "memory.stat", "sock");

	for (i = 0; i < n; i++) {
		ASSERT_OK(twin_connect(cli_cg[i], NODE, PORT));
		srv_root[i] = accept_one(lis_root);
		ASSERT_OK(twin_connect(cli_root[i], NODE, PORT + 1));
		srv_cg[i] = accept_one(lis_cg);
	}
	/* Data that stays: in our clients' queues, our children's. */
	for (i = 0; i < n; i++) {
		sent = 0;
		while (send_chunk(cli_cg[i], i, &sent) > 0)
			;
		sent = 0;
		while (send_chunk(cli_root[i], i, &sent) > 0)
			;
	}
	out = queue_sum(cli_cg, n, SIOCOUTQ);
	in = queue_sum(srv_cg, n, SIOCINQ);
	/* memory.stat may lag the charges by a flush (2 s at most). */
	for (i = 0; i < 60 * mult(); i++) {
		sock1 = cgroup_read(cg, "memory.stat", "sock");
		if (sock1 - sock0 >= (out + in) * 9 / 10)
			break;
		sleep_ms(50);
	}
	diag("cgroup sock %ld -> %ld bytes; its clients queue %ld, its "
	     "listener's children hold %ld", sock0, sock1, out, in);
	ASSERT_GT(out, n * (1 << 19));
	ASSERT_GT(in, n * (1 << 19));
	ASSERT_GE(sock1 - sock0, (out + in) * 9 / 10);
	ASSERT_LE(sock1 - sock0, (out + in) * 4 + (16 << 20));
	for (i = 0; i < n; i++) {
		close(cli_cg[i]);
		close(cli_root[i]);
		close(srv_root[i]);
		close(srv_cg[i]);
	}
	close(lis_root);
	close(lis_cg);
	/* A cgroup without tasks goes; what its sockets hold stays charged. */
	ASSERT_OK(rmdir(cg));
}
