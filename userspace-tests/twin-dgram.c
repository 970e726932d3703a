// SPDX-License-Identifier: GPL-2.0
/*
 * twin-dgram: send and receive twin datagrams.
 *
 *   twin-dgram send NODE PORT MESSAGE [--from-port P]
 *   twin-dgram recv PORT [--count N]
 *
 * "recv" binds PORT on every local node and prints each datagram as
 *   from NODE:PORT: MESSAGE
 * until it has printed N of them (default: until interrupted). Once it is
 * ready it says so on stderr, so a script can start the sender then.
 *
 * A twin socket is used exactly like a UDP socket: only the address
 * structure differs. The family number is a module parameter, so we read
 * it from sysfs instead of trusting the AF_TWIN constant.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/twin.h>

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

/* A twin address: a node number and a port, in host byte order. */
static struct sockaddr_twin twin_address(uint32_t node, uint32_t port)
{
	struct sockaddr_twin addr;

	memset(&addr, 0, sizeof(addr));	/* reserved bytes must be zero */
	addr.stw_family = twin_family();
	addr.stw_node = node;
	addr.stw_port = port;
	return addr;
}

static uint32_t parse_u32(const char *what, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v > UINT32_MAX) {
		fprintf(stderr, "twin-dgram: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: twin-dgram send NODE PORT MESSAGE [--from-port P]\n"
		"       twin-dgram recv PORT [--count N]\n");
	return 2;
}

static int do_send(int argc, char **argv)
{
	struct sockaddr_twin to, from;
	const char *msg;
	ssize_t sent;
	int fd;

	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--from-port")))
		return usage();
	to = twin_address(parse_u32("node", argv[0]),
			  parse_u32("port", argv[1]));
	msg = argv[2];

	fd = socket(twin_family(), SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("twin-dgram: socket");
		return 1;
	}

	/*
	 * Without bind() the kernel picks an ephemeral source port on the
	 * first send. --from-port binds a fixed one (on any local node).
	 */
	if (argc == 5) {
		from = twin_address(TWIN_NODE_ANY, parse_u32("port", argv[4]));
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0) {
			perror("twin-dgram: bind");
			return 1;
		}
	}

	/* One sendto() is one datagram: it arrives whole or not at all. */
	sent = sendto(fd, msg, strlen(msg), 0,
		      (struct sockaddr *)&to, sizeof(to));
	if (sent < 0) {
		perror("twin-dgram: sendto");
		return 1;
	}
	close(fd);
	return 0;
}

static int do_recv(int argc, char **argv)
{
	struct sockaddr_twin addr;
	long count = -1;	/* forever */
	char buf[65536];
	int fd;

	if (argc != 1 && !(argc == 3 && !strcmp(argv[1], "--count")))
		return usage();
	if (argc == 3)
		count = parse_u32("count", argv[2]);

	fd = socket(twin_family(), SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("twin-dgram: socket");
		return 1;
	}
	addr = twin_address(TWIN_NODE_ANY, parse_u32("port", argv[0]));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("twin-dgram: bind");
		return 1;
	}
	fprintf(stderr, "twin-dgram: listening on port %u\n", addr.stw_port);

	while (count != 0) {
		struct sockaddr_twin peer;
		socklen_t peerlen = sizeof(peer);
		ssize_t n;

		/* One recvfrom() returns one datagram and who sent it. */
		n = recvfrom(fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&peer, &peerlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("twin-dgram: recvfrom");
			return 1;
		}
		printf("from %u:%u: %.*s\n", peer.stw_node, peer.stw_port,
		       (int)n, buf);
		fflush(stdout);
		if (count > 0)
			count--;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return do_send(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "recv"))
		return do_recv(argc - 2, argv + 2);
	return usage();
}
