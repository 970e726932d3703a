// SPDX-License-Identifier: GPL-2.0
/*
 * tw2-dgram: byte-exact twin datagrams between two machines (scripts/two-vm).
 *
 *   tw2-dgram send NODE PORT SIZE... [-s SEED]
 *   tw2-dgram recv PORT COUNT [-s SEED] [-t SECS]
 *   tw2-dgram echo PORT [-s SEED] [-t SECS]
 *   tw2-dgram ping NODE PORT SIZE... [-s SEED] [-w MS] [-r TRIES]
 *
 * The payload of a datagram is fully determined by (SEED, its size): a
 * receiver that knows SEED checks every byte of whatever size arrives, with
 * no header in the payload (a 1-byte datagram is checked too).
 *
 * send  one datagram per SIZE, in order; "sent SIZE" or "SIZE: ENAME" per
 *       line; exit 1 if any sendto() failed (a size above the path MTU must
 *       fail with EMSGSIZE: the caller checks the name).
 * recv  binds PORT, says "tw2-dgram: ready" on stderr, then receives COUNT
 *       datagrams: "got SIZE from NODE:PORT ok|BAD" each; exit 0 if all
 *       COUNT were right, 3 if one was wrong, 124 if -t (default 30) ran out.
 * echo  binds PORT, says ready, and sends every datagram back to where it
 *       came from, printing "echo SIZE from NODE:PORT ok|BAD"; exits 0
 *       after -t seconds (default 60) or on SIGTERM. If the reply to the
 *       address recvfrom() gave is refused, it prints an ADDR-REFUSED line
 *       and replies with stw_ifindex 0.
 * ping  for each SIZE: sends it to an echo at NODE:PORT and waits -w ms
 *       (default 1000) for its echo, resending up to -r times (default 1:
 *       no retry); echoes of another size (late duplicates) are skipped.
 *       "size SIZE ok tries N" per size, then "ping: N sizes ok, R resends";
 *       exit 0 if every size came back intact, 3 if one came back wrong,
 *       124 if one never came back. A failed sendto() (EHOSTUNREACH while
 *       discovery loses its frames) counts as a lost try.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/twin.h>

#define PROG	"tw2-dgram"
#define MAXLEN	65536

static uint64_t seed = 1;

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The payload of a datagram of len bytes. */
static void fill(uint8_t *p, size_t len)
{
	uint64_t state = seed * 0x100000001b3ULL ^ len, w = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			w = splitmix(&state);
		p[i] = (uint8_t)w;
		w >>= 8;
	}
}

static bool intact(const uint8_t *p, size_t len)
{
	static uint8_t want[MAXLEN];

	fill(want, len);
	return memcmp(p, want, len) == 0;
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

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static uint32_t num(const char *s, uint32_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, PROG ": bad number: %s\n", s);
		exit(2);
	}
	return (uint32_t)v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sock(void)
{
	int fd = socket(twin_family(), SOCK_DGRAM, 0);

	if (fd < 0) {
		fprintf(stderr, PROG ": socket: %s\n", ename(errno));
		exit(1);
	}
	return fd;
}

static int bound(uint32_t port)
{
	struct sockaddr_twin a = twin_address(TWIN_NODE_ANY, port);
	int fd = sock();

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, PROG ": bind %u: %s\n", port, ename(errno));
		exit(1);
	}
	fprintf(stderr, PROG ": ready on port %u\n", port);
	return fd;
}

/* Wait up to ms for fd to be readable: 1 yes, 0 timeout. */
static int wait_in(int fd, double ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	if (ms < 0)
		ms = 0;
	do
		n = poll(&p, 1, (int)ms);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fprintf(stderr, PROG ": poll: %s\n", ename(errno));
		exit(1);
	}
	return n;
}

static ssize_t recv_one(int fd, uint8_t *buf, struct sockaddr_twin *from)
{
	socklen_t alen = sizeof(*from);
	ssize_t n;

	do
		n = recvfrom(fd, buf, MAXLEN, MSG_TRUNC, (struct sockaddr *)from, &alen);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fprintf(stderr, PROG ": recvfrom: %s\n", ename(errno));
		exit(1);
	}
	return n;
}

static int do_send(uint32_t node, uint32_t port, char **sizes, int nsizes)
{
	static uint8_t buf[MAXLEN];
	struct sockaddr_twin to = twin_address(node, port);
	int fd = sock(), i, rc = 0;

	for (i = 0; i < nsizes; i++) {
		uint32_t len = num(sizes[i], MAXLEN);

		fill(buf, len);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
			printf("%u: %s\n", len, ename(errno));
			rc = 1;
		} else {
			printf("sent %u\n", len);
		}
		fflush(stdout);
	}
	close(fd);
	return rc;
}

static int do_recv(uint32_t port, uint32_t count, unsigned int secs)
{
	static uint8_t buf[MAXLEN];
	double end = now() + secs;
	int fd = bound(port), rc = 0;
	uint32_t got = 0;

	while (got < count) {
		struct sockaddr_twin from;
		ssize_t n;
		bool ok;

		if (!wait_in(fd, (end - now()) * 1000)) {
			printf("timeout after %u of %u datagrams\n", got, count);
			return 124;
		}
		n = recv_one(fd, buf, &from);
		ok = n <= MAXLEN && intact(buf, n);
		printf("got %zd from %u:%u %s\n", n, from.stw_node, from.stw_port,
		       ok ? "ok" : "BAD");
		fflush(stdout);
		if (!ok)
			rc = 3;
		got++;
	}
	return rc;
}

static int do_echo(uint32_t port, unsigned int secs)
{
	static uint8_t buf[MAXLEN];
	double end = now() + secs;
	int fd = bound(port);

	while (wait_in(fd, (end - now()) * 1000)) {
		struct sockaddr_twin from;
		ssize_t n = recv_one(fd, buf, &from);
		bool ok = n <= MAXLEN && intact(buf, n);

		printf("echo %zd from %u:%u %s\n", n, from.stw_node, from.stw_port,
		       ok ? "ok" : "BAD");
		fflush(stdout);
		if (n > MAXLEN)
			continue;
		/*
		 * Reply to the address recvfrom() gave, as a UDP echo does: its
		 * stw_ifindex names the arrival device, and a destination's
		 * ifindex is ignored for DGRAM (docs/semantics.md). If that is
		 * refused, say so (ADDR-REFUSED: the caller fails a test for it)
		 * and reply without the ifindex, so that the round trip itself
		 * is still tested. The echo may be lost as the request may: the
		 * pinger resends.
		 */
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, sizeof(from)) < 0) {
			int err = errno;

			if (from.stw_ifindex) {
				printf("ADDR-REFUSED: sendto(the address from recvfrom, "
				       "stw_ifindex %d): %s\n", from.stw_ifindex, ename(err));
				from.stw_ifindex = 0;
				if (sendto(fd, buf, n, 0, (struct sockaddr *)&from,
					   sizeof(from)) >= 0)
					continue;
				err = errno;
			}
			printf("echo %zd: sendto: %s\n", n, ename(err));
		}
	}
	return 0;
}

static int do_ping(uint32_t node, uint32_t port, char **sizes, int nsizes,
		   unsigned int wait_ms, unsigned int tries)
{
	static uint8_t out[MAXLEN], in[MAXLEN];
	struct sockaddr_twin to = twin_address(node, port);
	unsigned int resends = 0, t;
	int fd = sock(), i, ok = 0;

	for (i = 0; i < nsizes; i++) {
		uint32_t len = num(sizes[i], MAXLEN);
		bool back = false;

		fill(out, len);
		for (t = 1; t <= tries && !back; t++) {
			double end;

			if (t > 1)
				resends++;
			if (sendto(fd, out, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
				printf("size %u try %u: sendto: %s\n", len, t, ename(errno));
				fflush(stdout);
				if (errno == EMSGSIZE || errno == EINVAL)
					return 1;
				continue;
			}
			end = now() + wait_ms / 1000.0;
			while (!back && wait_in(fd, (end - now()) * 1000)) {
				struct sockaddr_twin from;
				ssize_t n = recv_one(fd, in, &from);

				if (from.stw_node != node || from.stw_port != port ||
				    n != (ssize_t)len)
					continue;	/* a late echo of another size */
				if (memcmp(in, out, len) != 0) {
					printf("size %u: the echo differs\n", len);
					return 3;
				}
				back = true;
			}
		}
		if (!back) {
			printf("size %u: no echo after %u tries\n", len, tries);
			return 124;
		}
		printf("size %u ok tries %u\n", len, t - 1);
		fflush(stdout);
		ok++;
	}
	printf("ping: %d sizes ok, %u resends\n", ok, resends);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: " PROG " send NODE PORT SIZE... [-s SEED]\n"
		"       " PROG " recv PORT COUNT [-s SEED] [-t SECS]\n"
		"       " PROG " echo PORT [-s SEED] [-t SECS]\n"
		"       " PROG " ping NODE PORT SIZE... [-s SEED] [-w MS] [-r TRIES]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int secs = 0, wait_ms = 1000, tries = 1;
	const char *mode;
	int c;

	if (argc < 2)
		return usage();
	/* getopt over the words after MODE (GNU getopt: options anywhere). */
	mode = argv[1];
	argc--;
	argv++;
	while ((c = getopt(argc, argv, "s:t:w:r:")) != -1) {
		switch (c) {
		case 's':
			seed = num(optarg, UINT32_MAX);
			break;
		case 't':
			secs = num(optarg, 86400);
			break;
		case 'w':
			wait_ms = num(optarg, 600000);
			break;
		case 'r':
			tries = num(optarg, 1000);
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "send") && argc >= 3)
		return do_send(num(argv[0], UINT32_MAX), num(argv[1], UINT32_MAX),
			       argv + 2, argc - 2);
	if (!strcmp(mode, "recv") && argc == 2)
		return do_recv(num(argv[0], UINT32_MAX), num(argv[1], UINT32_MAX),
			       secs ? secs : 30);
	if (!strcmp(mode, "echo") && argc == 1)
		return do_echo(num(argv[0], UINT32_MAX), secs ? secs : 60);
	if (!strcmp(mode, "ping") && argc >= 3 && tries >= 1)
		return do_ping(num(argv[0], UINT32_MAX), num(argv[1], UINT32_MAX),
			       argv + 2, argc - 2, wait_ms, tries);
	return usage();
}
