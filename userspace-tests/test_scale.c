// SPDX-License-Identifier: GPL-2.0
/*
 * Work that grows with a table stays linear in it: a dump of 100,000
 * sockets (netlink and /proc/net/twin), of 50,000 neighbour entries,
 * 50,000 frames out of order in the worst order for a sorted list, and the
 * end of 10,000 connections when their address goes. Before the commit
 * that added this test each was quadratic, under a lock that keeps
 * softirqs off (or RTNL): the socket and neighbour dumps walked their
 * table from its head for every entry, /proc/net/twin for every page, the
 * reorder queue was a list walked from its tail, and an address's
 * removal looked for each of its connections from the head of the table.
 *
 * No test here measures speed against a constant: each compares the work
 * with a linear task of the same size in the same run (making the sockets,
 * the entries, or the same frames in the order a list takes in one step),
 * so that a slow or loaded machine slows both sides alike. A quadratic
 * walk is minutes against seconds at these sizes (measured on 6.12
 * before the fix: the socket dump did not end in 300 s, the neighbour dump
 * took 261 s, frames last first 73 s against 1 s in order). The debug
 * kernel, 10 to 40 times slower, takes 1 / TWIN_TIMEOUT_MULT^3 of each
 * size (1/27): there the test looks for memory and locking errors in the
 * same paths, the Debian lanes for the time.
 *
 * semantics.md, "/proc/net/twin" and "Reliability".
 */
#include <sys/resource.h>

#include "conn_util.h"
#include "genl.h"
#include "peer.h"

#define SOCKS		100000
#define NEIGHS		50000
#define OOO_FRAMES	50000
#define CONNS		10000	/* and SOCKS sockets beside them */
/* A linear task's time x SLACK + GRACE_S x mult: the bound of each. */
#define SLACK		3.0
#define GRACE_S		2.0

/* A size for this kernel: all of it, or 1/27 on the debug kernel. */
static long scaled(long n)
{
	return n / (mult() * mult() * mult());
}

static double bound_s(double linear_s)
{
	return SLACK * linear_s + GRACE_S * mult();
}

static void count_one(const struct nlattr *attrs, size_t len, void *arg)
{
	(void)attrs;
	(void)len;
	(*(long *)arg)++;
}

/* The entries of a TWIN_CMD_*_GET dump of the current namespace. */
static long dump_count(uint8_t cmd)
{
	char ext[256] = "";
	long n = 0;
	int fd, fam, err;

	fd = genl_open();
	ASSERT_GE(fd, 0);
	fam = genl_family(fd, TWIN_GENL_NAME);
	ASSERT_GT(fam, 0);
	err = genl_call(fd, fam, cmd, 1, NULL, 0, count_one, &n, ext,
			sizeof(ext));
	close(fd);
	if (err)
		harness_fail(__FILE__, __LINE__, "dump %u: %s %s", cmd,
			     strerror(-err), ext);
	return n;
}

/* Lines of /proc/net/twin, read as cat reads it. */
static long proc_lines(void)
{
	char buf[1 << 16];
	long lines = 0;
	ssize_t n, i;
	int fd = open("/proc/net/twin", O_RDONLY);

	ASSERT_GE(fd, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	ASSERT_EQ(n, 0);
	close(fd);
	return lines;
}

static void check_bound(const char *what, double t, double linear,
			const char *linear_what)
{
	diag("%s: %.2f s (%s %.2f s)", what, t, linear_what, linear);
	if (t > bound_s(linear))
		harness_fail(__FILE__, __LINE__, "%s took %.2f s, more than "
			     "%.0fx %s (%.2f s) + %.0f s: not linear", what, t,
			     SLACK, linear_what, linear, GRACE_S * mult());
}

/*
 * 100,000 sockets: the netlink dump and /proc/net/twin list each once, in
 * time linear in their number.
 */
TEST_TIMEOUT(socket_dumps_linear, 300)
{
	const long n = scaled(SOCKS);
	struct rlimit rl = { .rlim_cur = n + 64, .rlim_max = n + 64 };
	double t0, t_make, t_dump, t_proc;
	long i, got;
	int *fds;

	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	fds = calloc(n, sizeof(*fds));
	ASSERT_TRUE(fds);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		fds[i] = socket(twin_family(), SOCK_DGRAM, 0);
		if (fds[i] < 0)
			harness_fail(__FILE__, __LINE__, "socket %ld of %ld: "
				     TWIN_ERRFMT, i, n, TWIN_ERRARG(errno));
	}
	t_make = now_s() - t0;

	t0 = now_s();
	got = dump_count(TWIN_CMD_SOCK_GET);
	t_dump = now_s() - t0;
	ASSERT_EQ(got, n);
	check_bound("netlink dump", t_dump, t_make, "making them");

	t0 = now_s();
	got = proc_lines();
	t_proc = now_s() - t0;
	ASSERT_EQ(got, n + 1);	/* and the header */
	check_bound("/proc/net/twin", t_proc, t_make, "making them");

	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

/*
 * 50,000 neighbour entries, each a discovery waiting for a node nobody
 * has (solicitations a minute apart): the dump lists each once, in time
 * linear in their number.
 */
TEST_TIMEOUT(neighbour_dump_linear, 300)
{
	const long n = scaled(NEIGHS);
	double t0, t_make, t_dump;
	long i, got;
	int fd;

	twin_dev_add(NULL, "tw0", 4242, 7);
	/* No namespace's cache may pass the initial namespace's bound. */
	twin_init_sysctl_set("neigh_max", "65536");
	twin_sysctl_set("neigh_max", 65536);
	twin_sysctl_set("neigh_retrans_ms", 60000);
	fd = twin_bound(TWIN_NODE_ANY, 0);
	/* Each waiting datagram is charged to the socket. */
	twin_set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, 1 << 30);
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (twin_sendto(fd, "x", 1, MSG_DONTWAIT, 0x10000 + i, 5000) != 1)
			harness_fail(__FILE__, __LINE__, "datagram %ld of %ld: "
				     TWIN_ERRFMT, i, n, TWIN_ERRARG(errno));
	t_make = now_s() - t0;

	t0 = now_s();
	got = dump_count(TWIN_CMD_NEIGH_GET);
	t_dump = now_s() - t0;
	ASSERT_EQ(got, n);
	check_bound("neighbour dump", t_dump, t_make, "making them");
	close(fd);
}

/*
 * 10,000 connections of node 7, then 100,000 other sockets: when tw0 and
 * its address go, every connection ends with ENETDOWN, in time linear in
 * the sockets of the namespace.
 */
TEST_TIMEOUT(address_removal_linear, 300)
{
	const long nc = scaled(CONNS), ns = scaled(SOCKS);
	const long nfd = 2 * nc + ns;
	struct rlimit rl = { .rlim_cur = nfd + 64, .rlim_max = nfd + 64 };
	const char *b = ns_with_twin("b", 4243, 9);
	double t0, t_make, t_del;
	long i, wrong = 0;
	int *fds, lis, err;

	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	fds = calloc(nfd, sizeof(*fds));
	ASSERT_TRUE(fds);
	twin_dev_add(NULL, "tw0", 4243, 7);
	lis = ns_socket(b, SOCK_STREAM);
	ASSERT_OK(twin_bind(lis, TWIN_NODE_ANY, 5000));
	ASSERT_OK(listen(lis, 16));
	t0 = now_s();
	for (i = 0; i < nc; i++) {
		fds[i] = twin_socket(SOCK_STREAM);
		if (twin_connect(fds[i], 9, 5000))
			harness_fail(__FILE__, __LINE__, "connection %ld of %ld: "
				     TWIN_ERRFMT, i, nc, TWIN_ERRARG(errno));
		fds[nc + i] = accept(lis, NULL, NULL);
		ASSERT_OK(fds[nc + i]);
	}
	/* Made last: a walk from the newest to the oldest meets them first. */
	for (i = 2 * nc; i < nfd; i++)
		ASSERT_OK(fds[i] = twin_socket(SOCK_DGRAM));
	t_make = now_s() - t0;

	t0 = now_s();
	RUN("ip link del tw0");
	t_del = now_s() - t0;
	for (i = 0; i < nc; i++) {
		err = twin_get_int(fds[i], SOL_SOCKET, SO_ERROR);
		if (err != ENETDOWN && !wrong++)
			diag("connection %ld: SO_ERROR %s", i, errno_name(err));
	}
	ASSERT_EQ(wrong, 0);
	check_bound("address removal", t_del, t_make, "making the sockets");
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	close(lis);
	free(fds);
}

/*
 * Send frames from..to (each one byte, the byte its sequence number's
 * low byte) from the peer at rcv_nxt + 1 + i, ascending or descending;
 * then the byte at rcv_nxt that fills the hole. Returns the time until A
 * has read them all, in order.
 */
static double ooo_round(struct peer *p, int n, bool descending)
{
	uint32_t base = p->snd_nxt;
	static unsigned char got[OOO_FRAMES + 1];
	double t0 = now_s();
	int i, k, off = 0;
	unsigned char b;
	ssize_t r;

	for (k = 0; k < n; k++) {
		i = descending ? n - k : k + 1;
		b = (base + i) & 0xff;
		peer_xmit(p, p->ftype, TWIN_F_ACK, base + i, p->a_iss + 1, &b, 1);
	}
	b = base & 0xff;
	peer_xmit(p, p->ftype, TWIN_F_ACK, base, p->a_iss + 1, &b, 1);
	while (off < n + 1) {
		r = recv(p->srv, got + off, n + 1 - off, 0);
		if (r <= 0)
			harness_fail(__FILE__, __LINE__, "%d of %d bytes, then "
				     "%zd " TWIN_ERRFMT, off, n + 1, r,
				     TWIN_ERRARG(errno));
		off += r;
	}
	for (i = 0; i <= n; i++)
		if (got[i] != ((base + i) & 0xff))
			harness_fail(__FILE__, __LINE__, "byte %d is %u, not %u",
				     i, got[i], (base + i) & 0xff);
	p->snd_nxt = base + n + 1;
	return now_s() - t0;
}

/*
 * 50,000 frames beyond a hole into a large receive buffer, last first:
 * each goes before all the others. Kept in a list walked from its tail,
 * each walked the whole list; in order they cost one step each. Both
 * orders now take about the same time, and every byte arrives in order.
 */
TEST_TIMEOUT(reorder_queue_any_order_linear, 300)
{
	const int n = scaled(OOO_FRAMES);
	double t_asc, t_desc;
	struct peer p;

	peer_up(&p, SOCK_STREAM, 4);
	twin_set_int(p.lis, SOL_SOCKET, SO_RCVBUFFORCE, 1 << 28);
	peer_connect(&p, 1000);
	twin_set_timeo(p.srv, SO_RCVTIMEO, 60000 * mult());

	t_asc = ooo_round(&p, n, false);
	t_desc = ooo_round(&p, n, true);
	check_bound("last first", t_desc, t_asc, "first first");
}
