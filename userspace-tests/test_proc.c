// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/twin: one header line, then one line per socket of the
 * namespace:
 *   type state local_node:local_port peer_node:peer_port rx_queue tx_queue drops inode
 * numbers in decimal.
 *
 * semantics.md, "/proc/net/twin".
 */
#include <ctype.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"

#define NODE 7

struct entry {
	char type[32], state[32];
	unsigned long lnode, lport, pnode, pport, rxq, txq, drops, inode;
};

#define MAX_ENTRIES 64

/* Is s a decimal number (digits only)? */
static bool decimal(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Parse one socket line strictly; returns false on any format error. */
static bool parse_line(char *line, struct entry *e)
{
	char *tok[16], *save = NULL, *w, *colon;
	unsigned long *pairs[2][2] = { { &e->lnode, &e->lport },
				       { &e->pnode, &e->pport } };
	unsigned long *nums[4] = { &e->rxq, &e->txq, &e->drops, &e->inode };
	int n = 0, i;

	line[strcspn(line, "\n")] = '\0';
	for (w = strtok_r(line, " \t", &save); w && n < 16;
	     w = strtok_r(NULL, " \t", &save))
		tok[n++] = w;
	if (n != 8)
		return false;
	snprintf(e->type, sizeof(e->type), "%s", tok[0]);
	snprintf(e->state, sizeof(e->state), "%s", tok[1]);
	for (i = 0; i < 2; i++) {
		colon = strchr(tok[2 + i], ':');
		if (!colon)
			return false;
		*colon = '\0';
		if (!decimal(tok[2 + i]) || !decimal(colon + 1))
			return false;
		*pairs[i][0] = strtoul(tok[2 + i], NULL, 10);
		*pairs[i][1] = strtoul(colon + 1, NULL, 10);
	}
	for (i = 0; i < 4; i++) {
		if (!decimal(tok[4 + i]))
			return false;
		*nums[i] = strtoul(tok[4 + i], NULL, 10);
	}
	return true;
}

/*
 * Read /proc/net/twin in namespace ns (NULL: the test's), in a fresh
 * process so that /proc/self/net is that namespace's. Returns the number
 * of socket lines; fails the test on a malformed line.
 */
static int read_proc(const char *ns, struct entry *out, int max)
{
	static char buf[65536];
	int p[2], st, n = 0;
	size_t got = 0;
	ssize_t r;
	char *line, *save = NULL;
	pid_t pid;

	ASSERT_OK(pipe(p));
	fflush(stdout);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		char data[65536];
		ssize_t len;

		if (ns)
			ns_enter(ns);
		len = read_file("/proc/net/twin", data, sizeof(data));
		if (len < 0)
			_exit(2);
		if (write(p[1], data, len) != len)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	while ((r = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += r;
	buf[got] = '\0';
	close(p[0]);
	ASSERT_OK(waitpid(pid, &st, 0));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		harness_fail(__FILE__, __LINE__, "cannot read /proc/net/twin "
			     "(status 0x%x)", st);
	line = strtok_r(buf, "\n", &save);
	if (!line)
		harness_fail(__FILE__, __LINE__, "/proc/net/twin has no header");
	/* The header is not a socket line. */
	{
		struct entry h;
		char copy[512];

		snprintf(copy, sizeof(copy), "%s", line);
		if (parse_line(copy, &h))
			harness_fail(__FILE__, __LINE__, "first line looks like "
				     "a socket, not a header: %s", line);
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		char copy[512];

		snprintf(copy, sizeof(copy), "%s", line);
		if (n >= max)
			harness_fail(__FILE__, __LINE__, "too many lines");
		if (!parse_line(copy, &out[n]))
			harness_fail(__FILE__, __LINE__,
				     "malformed /proc/net/twin line: \"%s\"", line);
		n++;
	}
	return n;
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	ASSERT_OK(fstat(fd, &st));
	return st.st_ino;
}

/* The entry of fd in ns; fails if it is not listed exactly once. */
static struct entry entry_of(const char *ns, int fd)
{
	struct entry e[MAX_ENTRIES], found;
	int n = read_proc(ns, e, MAX_ENTRIES), i, hits = 0;

	for (i = 0; i < n; i++)
		if (e[i].inode == inode_of(fd)) {
			found = e[i];
			hits++;
		}
	if (hits != 1)
		harness_fail(__FILE__, __LINE__, "socket inode %lu listed %d "
			     "times in /proc/net/twin (%d lines)",
			     inode_of(fd), hits, n);
	return found;
}

TEST(empty_namespace_header_only)
{
	struct entry e[MAX_ENTRIES];

	ASSERT_EQ(read_proc(NULL, e, MAX_ENTRIES), 0);
}

TEST(unbound_socket_listed)
{
	int fd = twin_socket(SOCK_DGRAM);
	struct entry e = entry_of(NULL, fd);

	ASSERT_STREQ(e.type, "dgram");
	ASSERT_STREQ(e.state, "CLOSE");
	ASSERT_EQ(e.lnode, 0);
	ASSERT_EQ(e.lport, 0);
	ASSERT_EQ(e.pnode, 0);
	ASSERT_EQ(e.pport, 0);
	ASSERT_EQ(e.rxq, 0);
	ASSERT_EQ(e.txq, 0);
	ASSERT_EQ(e.drops, 0);
}

TEST(one_line_per_socket)
{
	struct entry e[MAX_ENTRIES];
	int i;

	for (i = 0; i < 5; i++)
		twin_bound(TWIN_NODE_ANY, 5000 + i);
	ASSERT_EQ(read_proc(NULL, e, MAX_ENTRIES), 5);
	for (i = 0; i < 5; i++)
		ASSERT_STREQ(e[i].type, "dgram");
}

TEST(bound_addresses)
{
	int any, node, eph;
	struct entry e;

	twin_dev_add(NULL, "tw0", 0, NODE);
	any = twin_bound(TWIN_NODE_ANY, 5000);
	node = twin_bound(NODE, 5001);
	eph = twin_bound(TWIN_NODE_ANY, 0);
	e = entry_of(NULL, any);
	ASSERT_EQ(e.lnode, 0);
	ASSERT_EQ(e.lport, 5000);
	ASSERT_STREQ(e.state, "CLOSE");
	e = entry_of(NULL, node);
	ASSERT_EQ(e.lnode, NODE);
	ASSERT_EQ(e.lport, 5001);
	/* Ports >= 2^31 in decimal too. */
	e = entry_of(NULL, eph);
	ASSERT_EQ(e.lport, twin_name(eph).stw_port);
	ASSERT_GE(e.lport, TWIN_PORT_EPHEMERAL_MIN);
}

/* Spec silent on the state of a connected datagram socket: UDP shows
 * ESTABLISHED (TCP_ESTABLISHED) in /proc/net/udp. */
TEST(connected_state_and_peer)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct entry e;
	int fd;

	twin_dev_add(NULL, "tw0", 0, NODE);
	fd = twin_bound(TWIN_NODE_ANY, 5000);
	ASSERT_OK(twin_connect(fd, NODE, 6000));
	e = entry_of(NULL, fd);
	ASSERT_STREQ(e.state, "ESTABLISHED");
	ASSERT_EQ(e.pnode, NODE);
	ASSERT_EQ(e.pport, 6000);
	ASSERT_EQ(e.lport, 5000);
	ASSERT_OK(connect(fd, &unspec, sizeof(unspec)));
	e = entry_of(NULL, fd);
	ASSERT_STREQ(e.state, "CLOSE");
	ASSERT_EQ(e.pnode, 0);
	ASSERT_EQ(e.pport, 0);
}

TEST(rx_queue_follows_queue)
{
	int rx, tx;
	char buf[600];
	struct entry e;

	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, 5000);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
	ASSERT_EQ(twin_sendto(tx, buf, 500, 0, NODE, 5000), 500);
	ASSERT_EQ(twin_recv_wait(rx, NULL, 0, MSG_PEEK, NULL, 2000), 0);
	e = entry_of(NULL, rx);
	diag("rx_queue with one 500-byte datagram: %lu", e.rxq);
	ASSERT_GE(e.rxq, 500);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 500);
	e = entry_of(NULL, rx);
	ASSERT_EQ(e.rxq, 0);
	ASSERT_EQ(entry_of(NULL, tx).txq, 0);
}

TEST(closed_socket_disappears)
{
	struct entry e[MAX_ENTRIES];
	int a = twin_bound(TWIN_NODE_ANY, 5000);
	int b = twin_bound(TWIN_NODE_ANY, 5001);
	unsigned long ino = inode_of(a);

	ASSERT_EQ(read_proc(NULL, e, MAX_ENTRIES), 2);
	ASSERT_OK(close(a));
	ASSERT_EQ(read_proc(NULL, e, MAX_ENTRIES), 1);
	ASSERT_EQ(e[0].inode, inode_of(b));
	ASSERT_NE(e[0].inode, ino);
}

/* Per namespace only. */
TEST(per_namespace)
{
	const char *a = ns_new("a");
	const char *b = ns_new("b");
	struct entry e[MAX_ENTRIES];
	int sa, sb;

	sa = ns_socket(a, SOCK_DGRAM);
	sb = ns_socket(b, SOCK_DGRAM);
	ns_enter(b);
	ASSERT_OK(twin_bind(sb, TWIN_NODE_ANY, 5000));
	ns_enter(NULL);
	ASSERT_EQ(read_proc(a, e, MAX_ENTRIES), 1);
	ASSERT_EQ(e[0].inode, inode_of(sa));
	ASSERT_EQ(read_proc(b, e, MAX_ENTRIES), 1);
	ASSERT_EQ(e[0].inode, inode_of(sb));
	ASSERT_EQ(e[0].lport, 5000);
	/* And neither in the test's own namespace. */
	ASSERT_EQ(read_proc(NULL, e, MAX_ENTRIES), 0);
}

/* Many sockets: the seq_file iteration does not lose or repeat lines. */
TEST(many_sockets_listed_once)
{
	enum { N = 60 };
	struct entry e[MAX_ENTRIES];
	unsigned long inodes[N];
	int i, j, n, hits;

	for (i = 0; i < N; i++)
		inodes[i] = inode_of(twin_bound(TWIN_NODE_ANY, 5000 + i));
	n = read_proc(NULL, e, MAX_ENTRIES);
	ASSERT_EQ(n, N);
	for (i = 0; i < N; i++) {
		for (hits = 0, j = 0; j < n; j++)
			hits += e[j].inode == inodes[i];
		ASSERT_EQ(hits, 1);
	}
}
