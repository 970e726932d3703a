// SPDX-License-Identifier: GPL-2.0
/*
 * twin-sock: one twin socket driven by a list of steps, for shell tests
 * that need to see exactly which errno a socket call gets, before and
 * after something happens to the network around it.
 *
 *   twin-sock [-t SECS] TYPE STEP...
 *
 * TYPE is dgram, stream or seqpacket. Each step is run in order and
 * prints one line on stdout, "NAME: ok" or "NAME: ENAME" (the errno's
 * name), or what it observed; the program goes on after a failed step.
 * Steps:
 *
 *   bind NODE PORT [IFINDEX]   bind(); IFINDEX goes into stw_ifindex
 *   bindtodevice IFNAME        SO_BINDTODEVICE ("" unbinds)
 *   connect NODE PORT          connect()
 *   listen                     listen(8)
 *   accept                     accept() (blocking); later steps use the
 *                              accepted socket
 *   send [NODE PORT]           one 16-byte send (sendto with a node);
 *                              blocking
 *   sendnb [NODE PORT]         the same with MSG_DONTWAIT
 *   recv                       one receive, MSG_DONTWAIT: "recv: N bytes"
 *                              or "recv: ENAME"
 *   so_error                   getsockopt(SO_ERROR): "so_error: 0" or
 *                              "so_error: ENAME"
 *   poll MS                    poll() for POLLIN|POLLERR|POLLHUP up to MS:
 *                              "poll: timeout" or "poll: IN ERR HUP ..."
 *   name                       getsockname(): "name: node N port P
 *                              ifindex I" or "name: ENAME"
 *   user_timeout MS            setsockopt(TWIN_USER_TIMEOUT)
 *   sleep MS                   sleep
 *   ready                      "twin-sock: ready" on stderr
 *   wait FILE                  wait until FILE exists (at most -t)
 *
 * Exit status: 0 once every step has run, 2 for usage errors, 124 when
 * -t (default 30 s, the whole run) expired. The family number is read
 * from sysfs.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/twin.h>

#define PROG "twin-sock"

static int sock_fd = -1;

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

static struct sockaddr_twin twin_address(uint32_t node, uint32_t port,
					 int32_t ifindex)
{
	struct sockaddr_twin a;

	memset(&a, 0, sizeof(a));
	a.stw_family = twin_family();
	a.stw_node = node;
	a.stw_port = port;
	a.stw_ifindex = ifindex;
	return a;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: " PROG " [-t SECS] dgram|stream|seqpacket STEP...\n"
		"steps: bind NODE PORT [IFINDEX] | bindtodevice IFNAME |\n"
		"       connect NODE PORT | listen | accept | send [NODE PORT] |\n"
		"       sendnb [NODE PORT] | recv | so_error | poll MS | name |\n"
		"       user_timeout MS | sleep MS | ready | wait FILE\n");
	return 2;
}

static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static void result(const char *step, int rc)
{
	if (rc < 0)
		printf("%s: %s\n", step, ename(errno));
	else
		printf("%s: ok\n", step);
	fflush(stdout);
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void on_alarm(int sig)
{
	static const char msg[] = PROG ": timeout (-t) expired\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(124);
	_exit(124);
}

static void do_send(const char *step, int flags, int have_dst,
		    uint32_t node, uint32_t port)
{
	static const char payload[16] = "twin-sock data.";
	struct sockaddr_twin to = twin_address(node, port, 0);
	ssize_t n;

	do {
		if (have_dst)
			n = sendto(sock_fd, payload, sizeof(payload),
				   flags | MSG_NOSIGNAL,
				   (struct sockaddr *)&to, sizeof(to));
		else
			n = send(sock_fd, payload, sizeof(payload),
				 flags | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	result(step, n < 0 ? -1 : 0);
}

static void do_poll(uint32_t ms)
{
	struct pollfd p = { .fd = sock_fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, (int)ms);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		result("poll", -1);
		return;
	}
	if (n == 0) {
		printf("poll: timeout\n");
	} else {
		printf("poll:%s%s%s%s\n", p.revents & POLLIN ? " IN" : "",
		       p.revents & POLLERR ? " ERR" : "",
		       p.revents & POLLHUP ? " HUP" : "",
		       p.revents & POLLNVAL ? " NVAL" : "");
	}
	fflush(stdout);
}

static void do_wait(const char *file)
{
	struct stat st;

	while (stat(file, &st) < 0)
		sleep_ms(20);
	printf("wait: ok\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	uint32_t timeout = 30, a, b, c;
	int type, i, opt;

	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't' || parse_u32(optarg, &timeout) < 0)
			return usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();
	if (!strcmp(argv[0], "dgram"))
		type = SOCK_DGRAM;
	else if (!strcmp(argv[0], "stream"))
		type = SOCK_STREAM;
	else if (!strcmp(argv[0], "seqpacket"))
		type = SOCK_SEQPACKET;
	else
		return usage();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	if (timeout)
		alarm(timeout);
	sock_fd = socket(twin_family(), type, 0);
	if (sock_fd < 0) {
		printf("socket: %s\n", ename(errno));
		return 1;
	}

	for (i = 1; i < argc; i++) {
		const char *step = argv[i];
		int more = argc - i - 1;

		if (!strcmp(step, "bind") && more >= 2) {
			struct sockaddr_twin sa;
			int32_t ifindex = 0;

			if (parse_u32(argv[i + 1], &a) < 0 ||
			    parse_u32(argv[i + 2], &b) < 0)
				return usage();
			i += 2;
			if (more >= 3 && parse_u32(argv[i + 1], &c) == 0) {
				ifindex = (int32_t)c;
				i++;
			}
			sa = twin_address(a, b, ifindex);
			result(step, bind(sock_fd, (struct sockaddr *)&sa,
					  sizeof(sa)));
		} else if (!strcmp(step, "bindtodevice") && more >= 1) {
			const char *name = argv[++i];

			result(step, setsockopt(sock_fd, SOL_SOCKET,
						SO_BINDTODEVICE, name,
						(socklen_t)strlen(name)));
		} else if (!strcmp(step, "connect") && more >= 2) {
			struct sockaddr_twin sa;
			int rc;

			if (parse_u32(argv[i + 1], &a) < 0 ||
			    parse_u32(argv[i + 2], &b) < 0)
				return usage();
			i += 2;
			sa = twin_address(a, b, 0);
			do
				rc = connect(sock_fd, (struct sockaddr *)&sa,
					     sizeof(sa));
			while (rc < 0 && errno == EINTR);
			result(step, rc);
		} else if (!strcmp(step, "listen")) {
			result(step, listen(sock_fd, 8));
		} else if (!strcmp(step, "accept")) {
			int fd;

			do
				fd = accept(sock_fd, NULL, NULL);
			while (fd < 0 && errno == EINTR);
			result(step, fd);
			if (fd >= 0) {
				close(sock_fd);
				sock_fd = fd;
			}
		} else if (!strcmp(step, "send") || !strcmp(step, "sendnb")) {
			int flags = step[4] ? MSG_DONTWAIT : 0;

			if (more >= 2 && parse_u32(argv[i + 1], &a) == 0 &&
			    parse_u32(argv[i + 2], &b) == 0) {
				i += 2;
				do_send(step, flags, 1, a, b);
			} else {
				do_send(step, flags, 0, 0, 0);
			}
		} else if (!strcmp(step, "recv")) {
			char buf[65536];
			ssize_t n;

			n = recv(sock_fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0)
				result(step, -1);
			else
				printf("recv: %zd bytes\n", n);
			fflush(stdout);
		} else if (!strcmp(step, "so_error")) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (getsockopt(sock_fd, SOL_SOCKET, SO_ERROR, &err,
				       &len) < 0)
				result(step, -1);
			else if (err)
				printf("so_error: %s\n", ename(err));
			else
				printf("so_error: 0\n");
			fflush(stdout);
		} else if (!strcmp(step, "poll") && more >= 1) {
			if (parse_u32(argv[++i], &a) < 0)
				return usage();
			do_poll(a);
		} else if (!strcmp(step, "name")) {
			struct sockaddr_twin sa;
			socklen_t len = sizeof(sa);

			memset(&sa, 0, sizeof(sa));
			if (getsockname(sock_fd, (struct sockaddr *)&sa,
					&len) < 0)
				result(step, -1);
			else
				printf("name: node %u port %u ifindex %d\n",
				       sa.stw_node, sa.stw_port,
				       sa.stw_ifindex);
			fflush(stdout);
		} else if (!strcmp(step, "user_timeout") && more >= 1) {
			int ms;

			if (parse_u32(argv[++i], &a) < 0 || a > INT32_MAX)
				return usage();
			ms = (int)a;
			result(step, setsockopt(sock_fd, SOL_TWIN,
						TWIN_USER_TIMEOUT, &ms,
						sizeof(ms)));
		} else if (!strcmp(step, "sleep") && more >= 1) {
			if (parse_u32(argv[++i], &a) < 0)
				return usage();
			sleep_ms(a);
		} else if (!strcmp(step, "ready")) {
			fprintf(stderr, PROG ": ready\n");
			fflush(stderr);
		} else if (!strcmp(step, "wait") && more >= 1) {
			do_wait(argv[++i]);
		} else {
			return usage();
		}
	}
	close(sock_fd);
	return 0;
}
