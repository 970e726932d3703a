// SPDX-License-Identifier: GPL-2.0
/*
 * twin-bench: throughput and rates of one socket family, for `make bench`.
 *
 *   twin-bench [options] FAMILY TYPE ADDR TEST...
 *
 *   FAMILY  twin, tcp, udp, unix, tipc or vsock
 *   TYPE    stream, seqpacket or dgram (tcp: stream only; udp: dgram only;
 *           unix and vsock: stream or seqpacket; tipc: all three)
 *   ADDR    the server's address: twin NODE:PORT, tcp and udp IPV4:PORT,
 *           unix PATH, tipc SERVICE-TYPE:INSTANCE, vsock CID:PORT;
 *           test number i (from 0) listens on PORT + i (unix: PATH.i;
 *           tipc: INSTANCE + i), so that a port still held by TIME_WAIT is
 *           never bound again
 *   TEST    bulk  one connection, 64 KiB writes for the duration; the
 *                 server counts what it received and reports it after EOF
 *                 (MB/s = 10^6 bytes per second, as delivered)
 *           bulk8 the same over 8 connections at once, each from its own
 *                 process: MB/s of all eight together, until the last
 *                 count came back
 *           rr    one connection, 1-byte request, 1-byte response
 *           crr   connect, 1-byte request, 1-byte response, close
 *           (stream is accepted for bulk)
 *           dgram sockets (connected, blocking): bulk sends datagrams of
 *           1400 bytes (they fit twin's and UDP's MTU-1500 payload) for the
 *           duration and reports the bytes the server received (datagrams
 *           dropped on the way are not counted, as with netperf's
 *           UDP_STREAM), with "datagrams_sent" and "datagrams_received";
 *           rate does the same with 64-byte datagrams and reports the
 *           datagrams received per second; rr sends 1-byte datagrams;
 *           crr has no meaning there (and rate none for the others)
 *
 *   --seconds N       duration of each test (default 3)
 *   --client-ns NAME  run the client in network namespace NAME
 *   --server-ns NAME  run the server in NAME (a name of `ip netns`, or a
 *                     path to a namespace file)
 *   --label TEXT      the name of this configuration in the output
 *                     (default FAMILY-TYPE)
 *   --timeout S       bound of every blocking socket call (default 10)
 *   --serve           be the servers of the tests only, on another machine
 *                     than the client: listen for each (test i on PORT + i),
 *                     say "twin-bench: serving" on stderr, wait until killed
 *   --remote          be the client only: the servers are another
 *                     machine's twin-bench --serve with the same arguments
 *
 * For each test the server is a child process, forked into its namespace
 * before the test, killed after it (or, with --serve and --remote, on the
 * other machine). One JSON object per test is printed on
 * its own line:
 *
 *   {"label":..., "family":..., "type":..., "test":"bulk", "seconds":3.01,
 *    "value":123.4, "unit":"MB/s", "count":370000000}
 *
 * or, when anything fails, with "error" (the errno name, e.g.
 * "ESOCKTNOSUPPORT", or "TIMEOUT", "SHORT"), "where" and "message"
 * instead of the figures. Exit status: 0 when every test measured, 1 when
 * any failed, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/tipc.h>
#include <linux/twin.h>
#include <linux/vm_sockets.h>

#define BULK_WRITE	65536
#define SERVER_BUF	(256 * 1024)
#define DGRAM_SIZE	1400
#define DGRAM_SMALL	64
#define DGRAM_END	'E'	/* first byte of "send me your count" */
#define BULK_END	'E'	/* bulk without half-close: the last byte */
#define BULK_CONNS	8

enum family { FAM_TWIN, FAM_TCP, FAM_UDP, FAM_UNIX, FAM_TIPC, FAM_VSOCK };
enum test { TEST_BULK, TEST_RR, TEST_CRR, TEST_RATE, TEST_BULK8 };

static const char *const test_names[] = { "bulk", "rr", "crr", "rate", "bulk8" };
static const char *const test_units[] = {
	"MB/s", "trans/s", "conn/s", "dgrams/s", "MB/s"
};

struct config {
	enum family family;
	const char *family_name;
	int type;
	const char *type_name;
	const char *label;
	const char *client_ns;
	const char *server_ns;
	double seconds;
	int timeout;
	bool serve;		/* --serve: servers only */
	bool remote;		/* --remote: client only */
	/* the server's address for test 0 */
	uint32_t node;		/* twin; tipc: the service type; vsock: CID */
	uint32_t port;		/* twin, tcp, udp, vsock; tipc: the instance */
	struct in_addr ip;	/* tcp, udp */
	const char *path;	/* unix */
};

/* What went wrong in a test: an errno (or 0 with a name of our own). */
struct failure {
	int err;
	const char *name;	/* when err is 0 */
	char where[96];
	char message[160];
};

/* ------------------------------------------------------------ helpers */

/*
 * TWIN_INFO (twin) or TCP_INFO (TCP) of the client's connection at the end
 * of a bulk or rr test (or when it failed), as a JSON member, so that a
 * slow figure comes with the connection's own account (retransmits,
 * windows, RTT).
 */
static char info_json[640];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(struct failure *f, int err, const char *fmt, ...)
{
	va_list ap;

	f->err = err;
	f->name = NULL;
	va_start(ap, fmt);
	vsnprintf(f->where, sizeof(f->where), fmt, ap);
	va_end(ap);
	snprintf(f->message, sizeof(f->message), "%s", strerror(err));
	return -1;
}

static int fail_named(struct failure *f, const char *name, const char *where,
		      const char *fmt, ...)
{
	va_list ap;

	f->err = 0;
	f->name = name;
	snprintf(f->where, sizeof(f->where), "%s", where);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return -1;
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

/* JSON string body: the few characters that need escaping here. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_head(FILE *out, const struct config *c, enum test t)
{
	fputs("{\"label\":", out);
	json_str(out, c->label);
	fputs(",\"family\":", out);
	json_str(out, c->family_name);
	fputs(",\"type\":", out);
	json_str(out, c->type_name);
	fprintf(out, ",\"test\":\"%s\"", test_names[t]);
}

static void report_ok(const struct config *c, enum test t, double secs,
		      double value, unsigned long long count)
{
	json_head(stdout, c, t);
	fprintf(stdout, ",\"seconds\":%.3f,\"value\":%.3f,\"unit\":\"%s\",\"count\":%llu%s}\n",
		secs, value, test_units[t], count, info_json);
	fflush(stdout);
}

static void report_failure(const struct config *c, enum test t, const struct failure *f)
{
	const char *name = f->name;

	if (f->err)
		name = strerrorname_np(f->err);
	json_head(stdout, c, t);
	fputs(",\"error\":", stdout);
	json_str(stdout, name ? name : "UNKNOWN");
	fputs(",\"where\":", stdout);
	json_str(stdout, f->where);
	fputs(",\"message\":", stdout);
	json_str(stdout, f->message);
	fprintf(stdout, "%s}\n", info_json);
	fflush(stdout);
}

static int enter_netns(const char *name, struct failure *f)
{
	char path[256];
	int fd;

	if (!name)
		return 0;
	if (strchr(name, '/')) {
		snprintf(path, sizeof(path), "%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} else {
		/* iproute2 keeps them in /run/netns (older: /var/run/netns). */
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(path, sizeof(path), "/var/run/netns/%s", name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
	}
	if (fd < 0)
		return fail(f, errno, "open %s", path);
	if (setns(fd, CLONE_NEWNET) < 0) {
		int err = errno;

		close(fd);
		return fail(f, err, "setns %s", path);
	}
	close(fd);
	return 0;
}

/* --------------------------------------------------------- addresses */

union addr {
	struct sockaddr sa;
	struct sockaddr_twin tw;
	struct sockaddr_in in;
	struct sockaddr_un un;
	struct sockaddr_tipc tipc;
	struct sockaddr_vm vm;
};

/* The address the server binds: a TIPC service range, any vsock CID. */
static socklen_t server_addr(const struct config *c, int index, union addr *a)
{
	uint32_t inst = c->port + index;

	memset(a, 0, sizeof(*a));
	switch (c->family) {
	case FAM_TIPC:
		a->tipc.family = AF_TIPC;
		a->tipc.addrtype = TIPC_SERVICE_RANGE;
		a->tipc.scope = TIPC_CLUSTER_SCOPE;
		a->tipc.addr.nameseq.type = c->node;
		a->tipc.addr.nameseq.lower = inst;
		a->tipc.addr.nameseq.upper = inst;
		return sizeof(a->tipc);
	case FAM_VSOCK:
		a->vm.svm_family = AF_VSOCK;
		a->vm.svm_cid = VMADDR_CID_ANY;
		a->vm.svm_port = c->port + index;
		return sizeof(a->vm);
	default:
		return 0;
	}
}

static socklen_t test_addr(const struct config *c, int index, union addr *a)
{
	memset(a, 0, sizeof(*a));	/* twin: reserved bytes must be zero */
	switch (c->family) {
	case FAM_TWIN:
		a->tw.stw_family = twin_family();
		a->tw.stw_node = c->node;
		a->tw.stw_port = c->port + index;
		return sizeof(a->tw);
	case FAM_TCP:
	case FAM_UDP:
		a->in.sin_family = AF_INET;
		a->in.sin_addr = c->ip;
		a->in.sin_port = htons(c->port + index);
		return sizeof(a->in);
	case FAM_TIPC:
		a->tipc.family = AF_TIPC;
		a->tipc.addrtype = TIPC_SERVICE_ADDR;
		a->tipc.addr.name.name.type = c->node;
		a->tipc.addr.name.name.instance = c->port + index;
		return sizeof(a->tipc);
	case FAM_VSOCK:
		a->vm.svm_family = AF_VSOCK;
		a->vm.svm_cid = c->node;
		a->vm.svm_port = c->port + index;
		return sizeof(a->vm);
	case FAM_UNIX:
	default:
		a->un.sun_family = AF_UNIX;
		snprintf(a->un.sun_path, sizeof(a->un.sun_path), "%s.%d", c->path, index);
		return sizeof(a->un);
	}
}

static int family_domain(const struct config *c)
{
	switch (c->family) {
	case FAM_TWIN:
		return twin_family();
	case FAM_UNIX:
		return AF_UNIX;
	case FAM_TIPC:
		return AF_TIPC;
	case FAM_VSOCK:
		return AF_VSOCK;
	default:
		return AF_INET;
	}
}

static int make_socket(const struct config *c, const char *who, struct failure *f)
{
	int fd = socket(family_domain(c), c->type | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return fail(f, errno, "%s socket()", who);
	/* Like-for-like with twin, which sends at once: no Nagle delay. */
	if (c->family == FAM_TCP &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		fail(f, errno, "%s setsockopt(TCP_NODELAY)", who);
		close(fd);
		return -1;
	}
	/* TIPC's stream sockets have a Nagle of their own. */
	if (c->family == FAM_TIPC && c->type == SOCK_STREAM &&
	    setsockopt(fd, SOL_TIPC, TIPC_NODELAY, &one, sizeof(one)) < 0) {
		fail(f, errno, "%s setsockopt(TIPC_NODELAY)", who);
		close(fd);
		return -1;
	}
	return fd;
}

static int set_timeouts(int fd, int seconds, struct failure *f)
{
	struct timeval tv = { .tv_sec = seconds };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return fail(f, errno, "setsockopt(SO_RCVTIMEO)");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return fail(f, errno, "setsockopt(SO_SNDTIMEO)");
	return 0;
}

/* ------------------------------------------------------------ server */

/* Sent over the pipe once the server listens (err 0) or could not. */
struct ready {
	int err;
	char where[96];
};

static char server_buf[SERVER_BUF];

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/*
 * recv() failed: the client went. ECONNRESET is how TIPC ends a
 * connection closed with data unread; anything else is worth a line.
 */
static void recv_failed(void)
{
	if (errno != ECONNRESET)
		perror("twin-bench server: recv");
}

/*
 * bulk: count bytes until EOF, answer with the count, wait for the close.
 * A family without half-close (TIPC: shutdown() is SHUT_RDWR only) ends
 * its data with one BULK_END byte instead: the data itself is all 'x'.
 */
static void serve_count(int fd)
{
	uint64_t total = 0;
	ssize_t n;

	while ((n = recv(fd, server_buf, sizeof(server_buf), 0)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			recv_failed();
			return;
		}
		if (server_buf[n - 1] == BULK_END) {
			total += n - 1;
			break;
		}
		total += n;
	}
	if (!write_all(fd, &total, sizeof(total))) {
		perror("twin-bench server: send count");
		return;
	}
	while (recv(fd, server_buf, sizeof(server_buf), 0) > 0)
		;
}

/* rr and crr: send back what arrives until EOF. */
static void serve_echo(int fd)
{
	ssize_t n;

	while ((n = recv(fd, server_buf, sizeof(server_buf), 0)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			recv_failed();
			return;
		}
		if (!write_all(fd, server_buf, n)) {
			perror("twin-bench server: send");
			return;
		}
	}
}

/*
 * Datagrams: bulk counts the data datagrams and answers every end marker
 * with the byte count (a marker may be lost, the client asks again); rr
 * sends back what arrives.
 */
static void serve_dgram(int fd, enum test t)
{
	uint64_t total = 0;

	for (;;) {
		union {
			struct sockaddr sa;
			struct sockaddr_storage ss;
		} from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, server_buf, sizeof(server_buf), 0,
				     &from.sa, &fromlen);
		const void *reply = server_buf;
		size_t len = n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("twin-bench server: recvfrom");
			return;
		}
		if (t != TEST_RR) {
			if (n != 1 || server_buf[0] != DGRAM_END) {
				total += n;
				continue;
			}
			reply = &total;
			len = sizeof(total);
		}
		if (sendto(fd, reply, len, 0, &from.sa, fromlen) < 0 &&
		    errno != ENOBUFS) {
			perror("twin-bench server: sendto");
			return;
		}
	}
}

static void server_ready(int pipe_fd, const struct failure *f)
{
	struct ready r;

	memset(&r, 0, sizeof(r));
	if (f) {
		r.err = f->err ? f->err : -1;
		snprintf(r.where, sizeof(r.where), "%s", f->where);
	}
	if (write(pipe_fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
}

static void __attribute__((noreturn))
server_main(const struct config *c, enum test t, int index, int pipe_fd)
{
	struct failure f;
	union addr a;
	socklen_t len;
	int lfd, one = 1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (enter_netns(c->server_ns, &f) < 0)
		goto failed;
	lfd = make_socket(c, "server", &f);
	if (lfd < 0)
		goto failed;
	len = server_addr(c, index, &a);
	if (!len)
		len = test_addr(c, index, &a);
	if (c->family == FAM_UNIX)
		unlink(a.un.sun_path);
	if (c->family == FAM_TCP &&
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		fail(&f, errno, "server setsockopt(SO_REUSEADDR)");
		goto failed;
	}
	if (bind(lfd, &a.sa, len) < 0) {
		fail(&f, errno, "server bind()");
		goto failed;
	}
	if (c->type == SOCK_DGRAM) {
		server_ready(pipe_fd, NULL);
		serve_dgram(lfd, t);
		_exit(1);
	}
	if (listen(lfd, 128) < 0) {
		fail(&f, errno, "server listen()");
		goto failed;
	}
	server_ready(pipe_fd, NULL);
	/* Children of bulk8 go with this process: it is killed after. */
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("twin-bench server: accept");
			_exit(1);
		}
		if (t == TEST_BULK8) {
			pid_t pid = fork();

			if (pid == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				close(lfd);
				serve_count(fd);
				_exit(0);
			}
			if (pid < 0)
				perror("twin-bench server: fork");
		} else if (t == TEST_BULK) {
			serve_count(fd);
		} else {
			serve_echo(fd);
		}
		close(fd);
	}
failed:
	server_ready(pipe_fd, &f);
	_exit(1);
}

/* Fork the server for test INDEX and wait until it listens. */
static pid_t start_server(const struct config *c, enum test t, int index,
			  struct failure *f)
{
	struct pollfd pfd;
	struct ready r;
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(f, errno, "pipe2()");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return fail(f, errno, "fork()");
	}
	if (pid == 0) {
		close(p[0]);
		server_main(c, t, index, p[1]);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	n = poll(&pfd, 1, c->timeout * 1000);
	if (n == 1)
		n = read(p[0], &r, sizeof(r));
	close(p[0]);
	if (n == sizeof(r) && r.err == 0)
		return pid;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (n != sizeof(r))
		return fail_named(f, "SERVER", "server start",
				  "the server did not report within %d s", c->timeout);
	if (r.err > 0) {
		fail(f, r.err, "%s", r.where);
		return -1;
	}
	return fail_named(f, "SERVER", r.where, "server failed");
}

static void stop_server(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------ client */

/* The info member when the getsockopt() for it failed: its errno's name. */
static void info_failed(void)
{
	snprintf(info_json, sizeof(info_json), ",\"info\":\"%s\"",
		 strerrorname_np(errno) ? strerrorname_np(errno) : "error");
}

/*
 * TCP's own account, in TWIN_INFO's terms where it has them (bytes, not
 * segments), beside twin's: a twin figure below TCP's then shows whether
 * TCP lost less, or lost as much and recovered better.
 */
static void take_tcp_info(int fd)
{
	struct tcp_info i;
	socklen_t len = sizeof(i);

	memset(&i, 0, sizeof(i));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &i, &len) < 0) {
		info_failed();
		return;
	}
	snprintf(info_json, sizeof(info_json),
		 ",\"info\":{\"state\":%u,\"sack\":%u,\"mss\":%u,\"rtt_us\":%u,"
		 "\"rto_ms\":%u,\"cwnd\":%llu,\"ssthresh\":%llu,"
		 "\"retransmits\":%u}",
		 i.tcpi_state, !!(i.tcpi_options & TCPI_OPT_SACK), i.tcpi_snd_mss,
		 i.tcpi_rtt, i.tcpi_rto / 1000,
		 (unsigned long long)i.tcpi_snd_cwnd * i.tcpi_snd_mss,
		 (unsigned long long)i.tcpi_snd_ssthresh * i.tcpi_snd_mss,
		 i.tcpi_total_retrans);
}

static void take_info(const struct config *c, int fd)
{
	struct twin_info i;
	socklen_t len = sizeof(i);

	if (c->family == FAM_TCP && c->type == SOCK_STREAM) {
		take_tcp_info(fd);
		return;
	}
	if (c->family != FAM_TWIN || c->type == SOCK_DGRAM)
		return;
	memset(&i, 0, sizeof(i));
	if (getsockopt(fd, SOL_TWIN, TWIN_INFO, &i, &len) < 0) {
		info_failed();
		return;
	}
	snprintf(info_json, sizeof(info_json),
		 ",\"info\":{\"state\":%u,\"sack\":%u,\"mss\":%u,\"rtt_us\":%u,"
		 "\"rto_ms\":%u,"
		 "\"cwnd\":%u,\"ssthresh\":%u,\"snd_wnd\":%u,\"rcv_wnd\":%u,"
		 "\"unacked\":%u,\"notsent\":%u,\"retransmits\":%u,"
		 "\"fast_retransmits\":%u,\"timeouts\":%u,\"bytes_sent\":%llu,"
		 "\"bytes_acked\":%llu,\"frames_out\":%llu,\"frames_in\":%llu}",
		 i.state, !!(i.options & TWIN_INFO_OPT_SACK), i.mss, i.rtt_us,
		 i.rto_ms, i.cwnd, i.ssthresh, i.snd_wnd,
		 i.rcv_wnd, i.unacked, i.notsent, i.retransmits, i.fast_retransmits,
		 i.timeouts, (unsigned long long)i.bytes_sent,
		 (unsigned long long)i.bytes_acked, (unsigned long long)i.frames_out,
		 (unsigned long long)i.frames_in);
}

/*
 * TIPC: wait until the server's service is known in the client's node
 * (its publication crosses the link after bind() returned), through the
 * topology server, as TIPC applications do.
 */
static int wait_tipc_service(const struct config *c, int index,
			     struct failure *f)
{
	struct sockaddr_tipc top = {
		.family = AF_TIPC,
		.addrtype = TIPC_SERVICE_ADDR,
		.addr.name.name = { .type = TIPC_TOP_SRV, .instance = TIPC_TOP_SRV },
	};
	struct tipc_subscr sub = {
		.seq = {
			.type = c->node,
			.lower = c->port + index,
			.upper = c->port + index,
		},
		.timeout = c->timeout * 1000,
		.filter = TIPC_SUB_SERVICE,
	};
	struct tipc_event ev;
	int fd = socket(AF_TIPC, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ssize_t n;

	if (fd < 0)
		return fail(f, errno, "topology socket()");
	if (connect(fd, (struct sockaddr *)&top, sizeof(top)) < 0) {
		fail(f, errno, "connect(topology server)");
		goto out;
	}
	if (send(fd, &sub, sizeof(sub), 0) != sizeof(sub)) {
		fail(f, errno, "send(subscription)");
		goto out;
	}
	do
		n = recv(fd, &ev, sizeof(ev), 0);
	while (n < 0 && errno == EINTR);
	if (n != sizeof(ev)) {
		fail(f, n < 0 ? errno : EPROTO, "recv(topology event)");
		goto out;
	}
	if (ev.event != TIPC_PUBLISHED) {
		fail_named(f, "TIMEOUT", "topology event",
			   "service %u:%u not published within %d s",
			   c->node, c->port + index, c->timeout);
		goto out;
	}
	close(fd);
	return 0;
out:
	close(fd);
	return -1;
}

static int client_connect(const struct config *c, int index, struct failure *f)
{
	union addr a;
	socklen_t len = test_addr(c, index, &a);
	int fd = make_socket(c, "client", f);

	if (fd < 0)
		return -1;
	if (set_timeouts(fd, c->timeout, f) < 0)
		goto out;
	if (connect(fd, &a.sa, len) < 0) {
		fail(f, errno, "client connect()");
		goto out;
	}
	return fd;
out:
	close(fd);
	return -1;
}

/* send() all of BUF; the socket's SO_SNDTIMEO bounds each call. */
static int send_all(int fd, const void *buf, size_t len, const char *what,
		    struct failure *f)
{
	if (write_all(fd, buf, len))
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return fail_named(f, "TIMEOUT", what,
				  "the send buffer stayed full for the socket timeout");
	return fail(f, errno ? errno : EPIPE, "client %s", what);
}

/* Receive exactly LEN bytes (stream) or one record of LEN (seqpacket). */
static int recv_exact(int fd, void *buf, size_t len, const char *what,
		      struct failure *f)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return fail_named(f, "TIMEOUT", what,
					  "no answer within the socket timeout");
		if (n < 0)
			return fail(f, errno, "client %s", what);
		if (n == 0)
			return fail_named(f, "SHORT", what,
					  "end of file with %zu bytes missing", len);
		p += n;
		len -= n;
	}
	return 0;
}

static int run_bulk(const struct config *c, int index, double *secs,
		    unsigned long long *count, struct failure *f)
{
	static char buf[BULK_WRITE];
	unsigned long long sent = 0;
	uint64_t received;
	double start, end;
	int fd;

	memset(buf, 'x', sizeof(buf));
	fd = client_connect(c, index, f);
	if (fd < 0)
		return -1;
	start = now();
	end = start + c->seconds;
	do {
		if (send_all(fd, buf, sizeof(buf), "send()", f) < 0) {
			size_t l = strlen(f->message);

			snprintf(f->message + l, sizeof(f->message) - l,
				 ", after %llu bytes in %.1f s", sent, now() - start);
			goto out;
		}
		sent += sizeof(buf);
	} while (now() < end);
	if (c->family == FAM_TIPC) {
		char end = BULK_END;

		if (send_all(fd, &end, 1, "send(end)", f) < 0)
			goto out;
	} else if (shutdown(fd, SHUT_WR) < 0) {
		fail(f, errno, "client shutdown()");
		goto out;
	}
	/* The server's count arrives once it has read everything. */
	if (recv_exact(fd, &received, sizeof(received), "recv(count)", f) < 0)
		goto out;
	*secs = now() - start;
	take_info(c, fd);
	close(fd);
	if (received != sent)
		return fail_named(f, "LOST", "bulk", "sent %llu bytes, the server received %llu",
				  sent, (unsigned long long)received);
	*count = received;
	return 0;
out:
	take_info(c, fd);
	close(fd);
	return -1;
}

/*
 * Datagrams of SIZE bytes for the duration, then the server's count of
 * the bytes that arrived, in *COUNT; *SECS is the time until it came back.
 */
static int run_bulk_dgram(const struct config *c, int index, size_t size,
			  double *secs, unsigned long long *count,
			  struct failure *f)
{
	static char buf[DGRAM_SIZE];
	unsigned long long sent = 0;
	uint64_t received = 0;
	double start, end;
	char marker = DGRAM_END;
	int fd, tries;

	memset(buf, 'x', sizeof(buf));
	fd = client_connect(c, index, f);
	if (fd < 0)
		return -1;
	start = now();
	end = start + c->seconds;
	do {
		ssize_t n = send(fd, buf, size, 0);

		/* A full device queue is a datagram not sent, not an error. */
		if (n < 0 && (errno == EINTR || errno == ENOBUFS))
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fail_named(f, "TIMEOUT", "send()",
				   "the send buffer stayed full for the socket timeout");
			goto out;
		}
		if (n < 0) {
			fail(f, errno, "client send()");
			goto out;
		}
		sent++;
	} while (now() < end);
	/* Asked once a second: the marker or the answer may be dropped. */
	for (tries = 0; tries < c->timeout; tries++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (send(fd, &marker, 1, 0) < 0 && errno != ENOBUFS) {
			fail(f, errno, "client send(end)");
			goto out;
		}
		if (poll(&pfd, 1, 1000) == 1 &&
		    recv(fd, &received, sizeof(received), 0) == sizeof(received))
			break;
	}
	if (tries == c->timeout) {
		fail_named(f, "TIMEOUT", "recv(count)",
			   "no count from the server in %d s", c->timeout);
		goto out;
	}
	*secs = now() - start;
	*count = received;
	snprintf(info_json, sizeof(info_json),
		 ",\"datagram_size\":%zu,\"datagrams_sent\":%llu,\"datagrams_received\":%llu",
		 size, sent, (unsigned long long)received / size);
	close(fd);
	if (received > sent * size)
		return fail_named(f, "EXTRA", "bulk", "sent %llu bytes, the server counted %llu",
				  sent * size, (unsigned long long)received);
	return 0;
out:
	close(fd);
	return -1;
}

/* What one of bulk8's connections reports to the parent. */
struct bulk_report {
	int ok;
	double secs;
	unsigned long long count;
	struct failure f;
};

/*
 * BULK_CONNS connections at once, each bulk in its own process (one
 * process alone may not keep several connections busy); MB/s of the sum,
 * over the time until the last count came back.
 */
static int run_bulk8(const struct config *c, int index, double *secs,
		     unsigned long long *count, struct failure *f)
{
	pid_t pids[BULK_CONNS];
	struct bulk_report r;
	int p[2], i, status, n = 0, rc = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(f, errno, "pipe2()");
	fflush(stdout);
	for (i = 0; i < BULK_CONNS; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			rc = fail(f, errno, "fork()");
			break;
		}
		if (pids[i] == 0) {
			close(p[0]);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			memset(&r, 0, sizeof(r));
			r.ok = run_bulk(c, index, &r.secs, &r.count, &r.f) == 0;
			_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
		}
		n++;
	}
	close(p[1]);
	*secs = 0;
	*count = 0;
	for (i = 0; i < n; i++) {
		ssize_t got = read(p[0], &r, sizeof(r));

		if (got != sizeof(r)) {
			if (!rc)
				rc = fail_named(f, "SHORT", "bulk8",
						"a connection's process ended without a report");
			break;
		}
		if (!r.ok && !rc) {
			*f = r.f;
			rc = -1;
		}
		*count += r.count;
		if (r.secs > *secs)
			*secs = r.secs;
	}
	close(p[0]);
	for (i = 0; i < n; i++) {
		if (rc)
			kill(pids[i], SIGKILL);
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
	}
	info_json[0] = '\0';	/* the children's TWIN_INFO stayed there */
	return rc;
}

static int transaction(int fd, struct failure *f)
{
	char b = 'r';

	if (send_all(fd, &b, 1, "send(request)", f) < 0)
		return -1;
	return recv_exact(fd, &b, 1, "recv(response)", f);
}

static int run_rr(const struct config *c, int index, double *secs,
		  unsigned long long *count, struct failure *f)
{
	unsigned long long n = 0;
	double start, end, t;
	int fd = client_connect(c, index, f);

	if (fd < 0)
		return -1;
	start = now();
	end = start + c->seconds;
	do {
		if (transaction(fd, f) < 0) {
			take_info(c, fd);
			close(fd);
			return -1;
		}
		n++;
		t = now();
	} while (t < end);
	*secs = t - start;
	*count = n;
	take_info(c, fd);
	close(fd);
	return 0;
}

static int run_crr(const struct config *c, int index, double *secs,
		   unsigned long long *count, struct failure *f)
{
	unsigned long long n = 0;
	double start, end, t;

	start = now();
	end = start + c->seconds;
	do {
		int fd = client_connect(c, index, f);

		if (fd < 0)
			return -1;
		if (transaction(fd, f) < 0) {
			take_info(c, fd);
			close(fd);
			return -1;
		}
		close(fd);
		n++;
		t = now();
	} while (t < end);
	*secs = t - start;
	*count = n;
	return 0;
}

/* A last resort: a test that hangs in spite of the socket timeouts. */
static char alarm_line[512];

static void on_alarm(int sig)
{
	ssize_t n = write(STDOUT_FILENO, alarm_line, strlen(alarm_line));

	(void)sig;
	(void)n;
	_exit(1);
}

static void arm_watchdog(const struct config *c, enum test t)
{
	FILE *m = fmemopen(alarm_line, sizeof(alarm_line), "w");

	if (m) {
		json_head(m, c, t);
		fputs(",\"error\":\"TIMEOUT\",\"where\":\"watchdog\","
		      "\"message\":\"the test did not end in time\"}\n", m);
		fclose(m);
	}
	alarm((unsigned int)c->seconds + 3 * c->timeout + 5);
}

static int run_test(const struct config *c, enum test t, int index)
{
	unsigned long long count = 0;
	struct failure f;
	double secs = 0;
	pid_t server;
	int rc;

	memset(&f, 0, sizeof(f));
	info_json[0] = '\0';
	arm_watchdog(c, t);
	server = c->remote ? 0 : start_server(c, t, index, &f);
	if (server < 0) {
		alarm(0);
		report_failure(c, t, &f);
		return -1;
	}
	if (c->family == FAM_TIPC && wait_tipc_service(c, index, &f) < 0) {
		if (server)
			stop_server(server);
		alarm(0);
		report_failure(c, t, &f);
		return -1;
	}
	switch (t) {
	case TEST_BULK8:
		rc = run_bulk8(c, index, &secs, &count, &f);
		break;
	case TEST_BULK:
		if (c->type == SOCK_DGRAM)
			rc = run_bulk_dgram(c, index, DGRAM_SIZE, &secs, &count, &f);
		else
			rc = run_bulk(c, index, &secs, &count, &f);
		break;
	case TEST_RATE:
		rc = run_bulk_dgram(c, index, DGRAM_SMALL, &secs, &count, &f);
		count /= DGRAM_SMALL;
		break;
	case TEST_RR:
		rc = run_rr(c, index, &secs, &count, &f);
		break;
	case TEST_CRR:
	default:
		rc = run_crr(c, index, &secs, &count, &f);
		break;
	}
	if (server)
		stop_server(server);
	alarm(0);
	if (c->family == FAM_UNIX) {
		union addr a;

		test_addr(c, index, &a);
		unlink(a.un.sun_path);
	}
	if (rc < 0) {
		report_failure(c, t, &f);
		return -1;
	}
	if (secs <= 0)
		secs = 1e-9;
	report_ok(c, t, secs,
		  t == TEST_BULK || t == TEST_BULK8 ? count / secs / 1e6 : count / secs,
		  count);
	return 0;
}

/*
 * --serve: a server per test, each listening before this says so, until
 * killed (the servers go with it: PR_SET_PDEATHSIG).
 */
static int serve_tests(const struct config *c, const enum test *tests, int n)
{
	struct failure f;
	int i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < n; i++) {
		if (start_server(c, tests[i], i, &f) < 0) {
			fprintf(stderr, "twin-bench: server of test %d: %s: %s\n",
				i, f.where, f.message);
			return 1;
		}
	}
	fprintf(stderr, "twin-bench: serving\n");
	for (;;)
		pause();
}

/* ------------------------------------------------------------ options */

static int usage(void)
{
	fprintf(stderr,
		"usage: twin-bench [--seconds N] [--client-ns NS] [--server-ns NS]\n"
		"                  [--label TEXT] [--timeout S] [--serve | --remote]\n"
		"                  FAMILY TYPE ADDR TEST...\n"
		"  FAMILY twin|tcp|udp|unix|tipc|vsock  TYPE stream|seqpacket|dgram\n"
		"  ADDR   twin NODE:PORT, tcp and udp IPV4:PORT, unix PATH,\n"
		"         tipc TYPE:INSTANCE, vsock CID:PORT\n"
		"  TEST   bulk (or stream) | rr | crr, bulk8 (not for dgram) |\n"
		"         rate (dgram only)\n");
	return 2;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || x > UINT32_MAX)
		return false;
	*v = x;
	return true;
}

/* "LEFT:PORT" split at the last colon. */
static bool split_port(const char *s, char *left, size_t size, uint32_t *port)
{
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= size)
		return false;
	memcpy(left, s, colon - s);
	left[colon - s] = '\0';
	return parse_u32(colon + 1, port);
}

static bool parse_addr(struct config *c, const char *s)
{
	char left[64];

	switch (c->family) {
	case FAM_TWIN:
	case FAM_TIPC:
	case FAM_VSOCK:
		return split_port(s, left, sizeof(left), &c->port) &&
		       parse_u32(left, &c->node);
	case FAM_TCP:
	case FAM_UDP:
		return split_port(s, left, sizeof(left), &c->port) &&
		       c->port < 65000 && inet_pton(AF_INET, left, &c->ip) == 1;
	case FAM_UNIX:
	default:
		c->path = s;
		return strlen(s) + 8 < sizeof(((struct sockaddr_un *)0)->sun_path);
	}
}

int main(int argc, char **argv)
{
	static char default_label[64];
	struct config c = { .seconds = 3, .timeout = 10 };
	struct failure f;
	int i, failed = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
		if (!strcmp(argv[i], "--serve") || !strcmp(argv[i], "--remote")) {
			if (argv[i][2] == 's')
				c.serve = true;
			else
				c.remote = true;
			i--;	/* no value */
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--seconds"))
			c.seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--client-ns"))
			c.client_ns = argv[i + 1];
		else if (!strcmp(argv[i], "--server-ns"))
			c.server_ns = argv[i + 1];
		else if (!strcmp(argv[i], "--label"))
			c.label = argv[i + 1];
		else if (!strcmp(argv[i], "--timeout"))
			c.timeout = atoi(argv[i + 1]);
		else
			return usage();
	}
	if (argc - i < 4 || c.seconds <= 0 || c.timeout <= 0 ||
	    (c.serve && c.remote))
		return usage();

	c.family_name = argv[i];
	if (!strcmp(argv[i], "twin"))
		c.family = FAM_TWIN;
	else if (!strcmp(argv[i], "tcp"))
		c.family = FAM_TCP;
	else if (!strcmp(argv[i], "udp"))
		c.family = FAM_UDP;
	else if (!strcmp(argv[i], "unix"))
		c.family = FAM_UNIX;
	else if (!strcmp(argv[i], "tipc"))
		c.family = FAM_TIPC;
	else if (!strcmp(argv[i], "vsock"))
		c.family = FAM_VSOCK;
	else
		return usage();
	c.type_name = argv[i + 1];
	if (!strcmp(argv[i + 1], "stream") && c.family != FAM_UDP)
		c.type = SOCK_STREAM;
	else if (!strcmp(argv[i + 1], "seqpacket") &&
		 c.family != FAM_TCP && c.family != FAM_UDP)
		c.type = SOCK_SEQPACKET;
	else if (!strcmp(argv[i + 1], "dgram") &&
		 (c.family == FAM_TWIN || c.family == FAM_UDP ||
		  c.family == FAM_TIPC))
		c.type = SOCK_DGRAM;
	else
		return usage();
	if (!parse_addr(&c, argv[i + 2])) {
		fprintf(stderr, "twin-bench: bad %s address: %s\n", c.family_name, argv[i + 2]);
		return 2;
	}
	if (!c.label) {
		snprintf(default_label, sizeof(default_label), "%s-%s",
			 c.family_name, c.type_name);
		c.label = default_label;
	}
	for (int j = i + 3; j < argc; j++) {
		if (strcmp(argv[j], "bulk") && strcmp(argv[j], "stream") &&
		    strcmp(argv[j], "rr") &&
		    (strcmp(argv[j], "crr") || c.type == SOCK_DGRAM) &&
		    (strcmp(argv[j], "bulk8") || c.type == SOCK_DGRAM) &&
		    (strcmp(argv[j], "rate") || c.type != SOCK_DGRAM))
			return usage();
	}

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	memset(&f, 0, sizeof(f));
	if (enter_netns(c.client_ns, &f) < 0) {
		fprintf(stderr, "twin-bench: %s: %s\n", f.where, f.message);
		return 1;
	}
	enum test tests[argc];
	int ntests = 0;

	for (int j = i + 3; j < argc; j++)
		tests[ntests++] = !strcmp(argv[j], "rr") ? TEST_RR :
				  !strcmp(argv[j], "crr") ? TEST_CRR :
				  !strcmp(argv[j], "rate") ? TEST_RATE :
				  !strcmp(argv[j], "bulk8") ? TEST_BULK8 : TEST_BULK;
	if (c.serve)
		return serve_tests(&c, tests, ntests);
	for (int j = 0; j < ntests; j++)
		if (run_test(&c, tests[j], j) < 0)
			failed = 1;
	return failed;
}
