// SPDX-License-Identifier: GPL-2.0
/*
 * twin-flood: what a hostile user can throw at twin from a namespace of
 * its own, for a bounded time (scripts/tests/flood.sh runs it as nobody in
 * a user namespace):
 *
 *   twin-flood SECS NODE PORT
 *
 * NODE is a node of a twin device in the current namespace; PORT and
 * PORT + 1 are free there. Four processes run for SECS seconds:
 *   dgram   datagrams to random nodes without waiting: neighbour entries,
 *           discovery, frames waiting for it;
 *   conn    connections to a listener on NODE:PORT that never reads:
 *           each sender fills its buffers and closes (orphans), the
 *           accepted sockets go with data unread (resets), again;
 *   syn     SYNs from random nodes and ports through a raw socket to a
 *           listener on NODE:PORT+1 that never accepts (SYN queue,
 *           cookies, answers to nodes that never resolve);
 *   churn   sockets of every type made, bound, connected and closed.
 * Errors the floods expect (EAGAIN, ENOBUFS, EHOSTUNREACH, ECONNREFUSED,
 * ...) are counted, not fatal. At the end, on stdout, one line:
 *
 *   twin-flood: dgram N syn N conns N bytes N churn N errors N
 *               dgram_late_ms N conn_late_ms N syn_late_ms N churn_late_ms N
 *               ran_ms N
 *
 * (one line), where X_late_ms is how long after the end that flood's
 * process finished its loop (a blocking call of a flood is cut short
 * after 1 s, so a flood much later than that was stuck in the kernel or
 * starved of CPU), and ran_ms how long twin-flood ran, exits included.
 *
 * Exit status 0, or 1 when a process could not start (no twin, no
 * device: EAFNOSUPPORT, EADDRNOTAVAIL) or died.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <linux/twin.h>

#define CONNS	64	/* connections of one round of the conn flood */

struct counts {
	unsigned long dgram, syn, conns, bytes, churn, errors;
	long late_ms[4];
};

static struct counts *counts;	/* shared with the children */
static double end_at;
static uint32_t node, port;

/* The family twin.ko registered (its family= parameter), as twin-dgram. */
static int family(void)
{
	static int fam;
	FILE *f;

	if (fam)
		return fam;
	fam = AF_TWIN;
	f = fopen(TWIN_FAMILY_PARAM, "r");
	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = AF_TWIN;
		fclose(f);
	}
	return fam;
}

/* Blocking waits of the floods end after 1 s: they never hang. */
static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 1 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t rnd(void)
{
	static uint64_t s;

	if (!s)
		s = ((uint64_t)getpid() << 32) ^ (uint64_t)(now() * 1e9);
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)s;
}

static struct sockaddr_twin addr(uint32_t n, uint32_t p)
{
	struct sockaddr_twin a;

	memset(&a, 0, sizeof(a));
	a.stw_family = family();
	a.stw_node = n;
	a.stw_port = p;
	return a;
}

static int sock(int type)
{
	int fd = socket(family(), type | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "twin-flood: socket(%d): %s\n", type,
			strerror(errno));
		exit(1);
	}
	timeouts(fd);
	return fd;
}

static int sock_at(int type, uint32_t n, uint32_t p)
{
	struct sockaddr_twin a = addr(n, p);
	int fd = sock(type);

	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "twin-flood: bind %u:%u: %s\n", n, p,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static void flood_dgram(void)
{
	int fd = sock(SOCK_DGRAM);
	char buf[64] = "flood";

	while (now() < end_at) {
		/* Any node but 0 and the broadcast node. */
		struct sockaddr_twin to = addr(rnd() % 0xfffffffe + 1, 9);

		if (sendto(fd, buf, sizeof(buf), MSG_DONTWAIT,
			   (struct sockaddr *)&to, sizeof(to)) < 0)
			__atomic_add_fetch(&counts->errors, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&counts->dgram, 1, __ATOMIC_RELAXED);
	}
}

static void flood_conn(void)
{
	static char buf[1 << 16];
	int lis = sock_at(SOCK_STREAM, node, port), cli[CONNS], srv[CONNS];
	struct sockaddr_twin to = addr(node, port);
	int i, n, fl;
	ssize_t r;

	if (listen(lis, CONNS)) {
		perror("twin-flood: listen");
		exit(1);
	}
	while (now() < end_at) {
		for (n = 0; n < CONNS && now() < end_at; n++) {
			cli[n] = sock(SOCK_STREAM);
			srv[n] = -1;
			if (connect(cli[n], (struct sockaddr *)&to, sizeof(to))) {
				__atomic_add_fetch(&counts->errors, 1,
						   __ATOMIC_RELAXED);
				close(cli[n]);
				break;
			}
			srv[n] = accept(lis, NULL, NULL);
			fl = fcntl(cli[n], F_GETFL);
			fcntl(cli[n], F_SETFL, fl | O_NONBLOCK);
			while ((r = send(cli[n], buf, sizeof(buf), 0)) > 0)
				__atomic_add_fetch(&counts->bytes, r,
						   __ATOMIC_RELAXED);
			__atomic_add_fetch(&counts->conns, 1, __ATOMIC_RELAXED);
		}
		/* Senders first: orphans with data; then resets. */
		for (i = 0; i < n; i++)
			close(cli[i]);
		for (i = 0; i < n; i++)
			if (srv[i] >= 0)
				close(srv[i]);
	}
	close(lis);
}

static void flood_syn(void)
{
	int lis = sock_at(SOCK_STREAM, node, port + 1);
	int raw = sock(SOCK_RAW);
	struct sockaddr_twin to = addr(0, 0);
	struct twinhdr h;

	if (listen(lis, 16)) {
		perror("twin-flood: listen");
		exit(1);
	}
	while (now() < end_at) {
		memset(&h, 0, sizeof(h));
		h.version = TWIN_VERSION;
		h.type = TWIN_T_STREAM;
		h.doff = TWIN_DOFF_MIN;
		h.flags = htons(TWIN_F_SYN);
		h.dst_node = htonl(node);
		h.src_node = htonl(rnd() % 0xfffffffe + 1);
		h.dst_port = htonl(port + 1);
		h.src_port = htonl(rnd() | 1);
		h.seq = htonl(rnd());
		h.window = htonl(65535);
		/* csum 0: the kernel fills it. */
		if (sendto(raw, &h, sizeof(h), MSG_DONTWAIT,
			   (struct sockaddr *)&to, sizeof(to)) < 0)
			__atomic_add_fetch(&counts->errors, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&counts->syn, 1, __ATOMIC_RELAXED);
	}
	close(raw);
	close(lis);
}

static void flood_churn(void)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_twin to;
	int fd, t;

	while (now() < end_at) {
		t = types[rnd() % 3];
		fd = sock(t);
		to = addr(node, 20000 + rnd() % 20000);
		if (bind(fd, (struct sockaddr *)&to, sizeof(to)))
			__atomic_add_fetch(&counts->errors, 1, __ATOMIC_RELAXED);
		to = addr(node, port + 2 + rnd() % 8);
		/* Nobody listens there: refused, or a datagram lost. */
		if (t == SOCK_DGRAM)
			sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&to,
			       sizeof(to));
		else if (connect(fd, (struct sockaddr *)&to, sizeof(to)))
			__atomic_add_fetch(&counts->errors, 1, __ATOMIC_RELAXED);
		close(fd);
		__atomic_add_fetch(&counts->churn, 1, __ATOMIC_RELAXED);
	}
}

int main(int argc, char **argv)
{
	static void (*const floods[])(void) = {
		flood_dgram, flood_conn, flood_syn, flood_churn,
	};
	static const char *const names[] = { "dgram", "conn", "syn", "churn" };
	const int nf = sizeof(floods) / sizeof(floods[0]);
	pid_t pids[4];
	int i, st, bad = 0;
	double start;

	if (argc != 4) {
		fprintf(stderr, "usage: twin-flood SECS NODE PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED) {
		perror("twin-flood: mmap");
		return 1;
	}
	start = now();
	end_at = start + atof(argv[1]);
	node = strtoul(argv[2], NULL, 0);
	port = strtoul(argv[3], NULL, 0);
	for (i = 0; i < nf; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("twin-flood: fork");
			return 1;
		}
		if (!pids[i]) {
			floods[i]();
			counts->late_ms[i] = (long)((now() - end_at) * 1000);
			_exit(0);
		}
	}
	for (i = 0; i < nf; i++) {
		if (waitpid(pids[i], &st, 0) < 0) {
			perror("twin-flood: waitpid");
			bad = 1;
		} else if (WIFSIGNALED(st)) {
			fprintf(stderr, "twin-flood: the %s flood was killed "
				"by signal %d\n", names[i], WTERMSIG(st));
			bad = 1;
		} else if (WEXITSTATUS(st)) {
			fprintf(stderr, "twin-flood: the %s flood exited %d\n",
				names[i], WEXITSTATUS(st));
			bad = 1;
		}
	}
	printf("twin-flood: dgram %lu syn %lu conns %lu bytes %lu churn %lu "
	       "errors %lu", counts->dgram, counts->syn, counts->conns,
	       counts->bytes, counts->churn, counts->errors);
	for (i = 0; i < nf; i++)
		printf(" %s_late_ms %ld", names[i], counts->late_ms[i]);
	printf(" ran_ms %ld\n", (long)((now() - start) * 1000));
	return bad;
}
