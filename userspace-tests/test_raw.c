// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_RAW: whole frames in and out. Creation needs CAP_NET_RAW over the
 * namespace's owner; protocol 0 hears every frame type, 1..255 one type;
 * a raw socket hears a copy of every valid frame arriving on a device of
 * its namespace (ordinary delivery unaffected), and sends frames built in
 * userspace, the kernel filling in a zero src_node and a zero csum.
 *
 * semantics.md, "Family and create()", "Addresses" and "Raw sockets
 * (SOCK_RAW)". Frames that loop through a local node's device count as
 * arriving on it, so most tests need a single namespace with tw0.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include "frame.h"
#include "harness.h"

#define NODE		7
#define PORT		5000
#define SPORT		6000
#define UNKNOWN		99

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL	40
#endif

struct rawframe {
	struct twinhdr h;
	unsigned char payload[2048];
} __attribute__((packed));

/* The checksum a frame of n bytes (header and options included) should carry. */
static uint32_t frame_crc(const void *frame, size_t n)
{
	size_t hlen = ((const struct twinhdr *)frame)->doff * 4u;

	return le32toh(twin_frame_csum_of(frame, (const unsigned char *)frame +
					  hlen, n - hlen));
}

/* A frame with csum 0 (the kernel computes it); returns its length. */
static size_t frame_build(struct rawframe *f, uint8_t type, uint32_t dst,
			  uint32_t src, uint32_t dport, uint32_t sport,
			  const void *payload, size_t n)
{
	memset(&f->h, 0, sizeof(f->h));
	f->h.version = TWIN_VERSION;
	f->h.doff = TWIN_DOFF_MIN;
	f->h.type = type;
	f->h.len = htons((uint16_t)n);
	f->h.dst_node = htonl(dst);
	f->h.src_node = htonl(src);
	f->h.dst_port = htonl(dport);
	f->h.src_port = htonl(sport);
	if (n)
		memcpy(f->payload, payload, n);
	return sizeof(f->h) + n;
}

static int raw_socket(int protocol)
{
	int fd = socket(twin_family(), SOCK_RAW, protocol);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__,
			     "socket(SOCK_RAW, %d) failed " TWIN_ERRFMT,
			     protocol, TWIN_ERRARG(errno));
	return fd;
}

static int raw_socket_in(const char *ns, int protocol)
{
	int fd;

	ns_enter(ns);
	fd = raw_socket(protocol);
	ns_enter(NULL);
	return fd;
}

static int bound_in(const char *ns, uint32_t node, uint32_t port)
{
	int fd;

	ns_enter(ns);
	fd = twin_bound(node, port);
	ns_enter(NULL);
	return fd;
}

static int ifindex_in(const char *ns, const char *dev)
{
	int idx;

	ns_enter(ns);
	idx = (int)if_nametoindex(dev);
	ns_enter(NULL);
	if (idx <= 0)
		harness_fail(__FILE__, __LINE__, "no device %s", dev);
	return idx;
}

static struct sockaddr_twin dev_addr(uint32_t node, uint32_t port, int ifindex)
{
	struct sockaddr_twin a = twin_addr(node, port);

	a.stw_ifindex = ifindex;
	return a;
}

static int bind_dev(int fd, uint32_t node, uint32_t port, int ifindex)
{
	struct sockaddr_twin a = dev_addr(node, port, ifindex);

	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static ssize_t raw_send_to(int fd, const void *frame, size_t len, int flags,
			   int ifindex)
{
	struct sockaddr_twin a = dev_addr(0, 0, ifindex);

	return sendto(fd, frame, len, flags, (struct sockaddr *)&a, sizeof(a));
}

/*
 * Receive frames until one of type `type` arrives (0: any) within ms;
 * others are skipped (neighbour discovery may pass by). Returns its
 * length, or -1 (errno ETIMEDOUT) if none came.
 */
static ssize_t raw_wait(int fd, int type, void *buf, size_t len,
			struct sockaddr_twin *from, int ms)
{
	double end = now_s() + ms / 1000.0;
	struct twinhdr *h = buf;
	ssize_t n;

	for (;;) {
		int left = (int)((end - now_s()) * 1000);

		if (left < 0)
			left = 0;
		n = twin_recv_wait(fd, buf, len, 0, from, left);
		if (n < 0)
			return n;
		if (type == 0 || (n >= TWIN_HLEN && h->type == type))
			return n;
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

/* Every frame queued on fd; asserts each is valid and of a type in mask. */
static int raw_drain(int fd, unsigned int type_mask, unsigned int *seen,
		     int wait_ms)
{
	unsigned char buf[2048];
	struct twinhdr *h = (struct twinhdr *)buf;
	ssize_t n;
	int count = 0;

	*seen = 0;
	while ((n = twin_recv_wait(fd, buf, sizeof(buf), 0, NULL, wait_ms)) >= 0) {
		ASSERT_GE(n, TWIN_HLEN);
		ASSERT_EQ(ntohs(h->len), n - h->doff * 4);
		ASSERT_EQ(le32toh(h->csum), frame_crc(buf, n));
		*seen |= 1U << h->type;
		if (!(type_mask & (1U << h->type)))
			harness_fail(__FILE__, __LINE__,
				     "frame of type %u on a socket for mask 0x%x",
				     h->type, type_mask);
		count++;
	}
	ASSERT_EQ(errno, ETIMEDOUT);
	return count;
}

static void set_int(int fd, int level, int opt, int v)
{
	ASSERT_OK(setsockopt(fd, level, opt, &v, sizeof(v)));
}

/* ------------------------------------------------------------ create */

static void nocap_child(void *arg)
{
	(void)arg;
	cap_drop(CAP_NET_RAW);
	ASSERT_ERRNO(socket(twin_family(), SOCK_RAW, 0), EPERM);
	ASSERT_ERRNO(socket(twin_family(), SOCK_RAW, TWIN_T_DGRAM), EPERM);
	/* Only raw sockets need it. */
	close(twin_socket(SOCK_DGRAM));
}

TEST(create_needs_cap_net_raw)
{
	ns_wait(ns_spawn(NULL, nocap_child, NULL));
	/* With the capability (the test runs as root): allowed. */
	close(raw_socket(0));
}

/*
 * CAP_NET_RAW in a new user namespace is not enough for a network
 * namespace that user namespace does not own; it is for one it owns.
 */
TEST(create_cap_of_namespace_owner)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		int fd;

		if (unshare(CLONE_NEWUSER) < 0)
			_exit(KSFT_SKIP);
		errno = 0;
		fd = socket(twin_family(), SOCK_RAW, 0);
		if (fd >= 0 || errno != EPERM) {
			diag("new userns, old netns: expected EPERM, got %d "
			     TWIN_ERRFMT, fd, TWIN_ERRARG(errno));
			_exit(1);
		}
		if (unshare(CLONE_NEWNET) < 0) {
			diag("unshare(CLONE_NEWNET): %s", strerror(errno));
			_exit(1);
		}
		fd = socket(twin_family(), SOCK_RAW, 0);
		if (fd < 0) {
			diag("new userns, own netns: expected success, got "
			     TWIN_ERRFMT, TWIN_ERRARG(errno));
			_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		ASSERT_EQ(errno, EINTR);
	ASSERT_TRUE(WIFEXITED(st));
	if (WEXITSTATUS(st) == KSFT_SKIP)
		SKIP("unshare(CLONE_NEWUSER) not permitted");
	ASSERT_EQ(WEXITSTATUS(st), 0);
}

TEST(protocol_range)
{
	static const int ok[] = { 0, 1, TWIN_T_SOLICIT, TWIN_T_STREAM,
				  TWIN_T_SEQPACKET, 6, 200, 255 };
	static const int bad[] = { 256, -1, 0x7477, 0x10000 };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int fd = raw_socket(ok[i]), v = -1;
		socklen_t len = sizeof(v);

		ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
		ASSERT_EQ(v, SOCK_RAW);
		len = sizeof(v);
		ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
		ASSERT_EQ(v, ok[i]);
		close(fd);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		int fd = socket(twin_family(), SOCK_RAW, bad[i]);

		if (fd >= 0 || errno != EPROTONOSUPPORT)
			harness_fail(__FILE__, __LINE__,
				     "protocol %d: expected EPROTONOSUPPORT, "
				     "got %d " TWIN_ERRFMT, bad[i], fd,
				     TWIN_ERRARG(errno));
	}
}

/* The raw protocol numbers mean nothing to the other types. */
TEST(other_types_protocol_nonzero)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };
	static const int protos[] = { TWIN_T_DGRAM, TWIN_T_STREAM,
				      TWIN_T_SEQPACKET, 255 };
	size_t i, j;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		for (j = 0; j < sizeof(protos) / sizeof(protos[0]); j++) {
			errno = 0;
			int fd = socket(twin_family(), types[i], protos[j]);

			if (fd >= 0 || errno != EPROTONOSUPPORT)
				harness_fail(__FILE__, __LINE__,
					     "type %d protocol %d: expected "
					     "EPROTONOSUPPORT, got %d "
					     TWIN_ERRFMT, types[i], protos[j],
					     fd, TWIN_ERRARG(errno));
		}
}

/* ------------------------------------------------------------ receive */

/*
 * A datagram between two local sockets: the raw socket gets the whole
 * frame, header as on the wire, and the receiver still gets the datagram.
 */
TEST(recv_whole_local_frame)
{
	static const char msg[] = "hello raw";
	unsigned char buf[2048];
	struct twinhdr *h = (struct twinhdr *)buf;
	struct sockaddr_twin from;
	int raw, rx, tx, tw0;
	ssize_t n;
	char got[64];

	twin_dev_add(NULL, "tw0", 0, NODE);
	tw0 = ifindex_in(NULL, "tw0");
	raw = raw_socket(0);
	rx = twin_bound(NODE, PORT);
	tx = twin_bound(NODE, SPORT);
	ASSERT_EQ(twin_sendto(tx, msg, strlen(msg), 0, NODE, PORT),
		  (ssize_t)strlen(msg));

	n = raw_wait(raw, TWIN_T_DGRAM, buf, sizeof(buf), &from, 3000);
	ASSERT_EQ(n, TWIN_HLEN + (ssize_t)strlen(msg));
	ASSERT_EQ(h->version, TWIN_VERSION);
	ASSERT_EQ(h->type, TWIN_T_DGRAM);
	ASSERT_EQ(ntohs(h->len), strlen(msg));
	ASSERT_EQ(ntohs(h->reserved), 0);
	ASSERT_EQ(ntohl(h->dst_node), NODE);
	ASSERT_EQ(ntohl(h->src_node), NODE);
	ASSERT_EQ(ntohl(h->dst_port), PORT);
	ASSERT_EQ(ntohl(h->src_port), SPORT);
	ASSERT_NE(le32toh(h->csum), 0);
	ASSERT_EQ(le32toh(h->csum), frame_crc(buf, n));
	ASSERT_MEMEQ(buf + TWIN_HLEN, msg, strlen(msg));
	/* msg_name: the header's source and the arrival device. */
	ASSERT_EQ(from.stw_family, twin_family());
	twin_check_reserved(&from, "raw msg_name");
	ASSERT_EQ(from.stw_node, NODE);
	ASSERT_EQ(from.stw_port, SPORT);
	ASSERT_EQ(from.stw_ifindex, tw0);

	/* Ordinary delivery is not affected. */
	ASSERT_EQ(twin_recv_wait(rx, got, sizeof(got), 0, NULL, 2000),
		  (ssize_t)strlen(msg));
	ASSERT_MEMEQ(got, msg, strlen(msg));
	/* One copy only. */
	ASSERT_EQ(raw_wait(raw, TWIN_T_DGRAM, buf, sizeof(buf), NULL, 200), -1);
}

/* A frame from another namespace: msg_name names the peer and our device. */
TEST_TIMEOUT(recv_remote_msg_name, 60)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	unsigned char buf[256];
	struct twinhdr *h = (struct twinhdr *)buf;
	struct sockaddr_twin from;
	socklen_t alen = sizeof(from);
	int raw_b, raw_a, rx, tx, tw0_b;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;

	tw0_b = ifindex_in(b, "tw0");
	raw_b = raw_socket_in(b, TWIN_T_DGRAM);
	raw_a = raw_socket_in(a, TWIN_T_DGRAM);
	rx = bound_in(b, TWIN_NODE_ANY, PORT);
	tx = bound_in(a, TWIN_NODE_ANY, 4321);
	ASSERT_EQ(twin_sendto(tx, "abc", 3, 0, 2, PORT), 3);

	ASSERT_EQ(twin_recv_wait(raw_b, NULL, 0, MSG_PEEK, NULL, 3000), 0);
	memset(&mh, 0, sizeof(mh));
	memset(&from, 0xa5, sizeof(from));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_name = &from;
	mh.msg_namelen = alen;
	n = recvmsg(raw_b, &mh, MSG_DONTWAIT);
	ASSERT_EQ(n, TWIN_HLEN + 3);
	ASSERT_EQ(mh.msg_namelen, sizeof(struct sockaddr_twin));
	ASSERT_EQ(mh.msg_flags & MSG_TRUNC, 0);
	ASSERT_EQ(from.stw_family, twin_family());
	twin_check_reserved(&from, "raw msg_name");
	ASSERT_EQ(from.stw_node, 1);
	ASSERT_EQ(from.stw_port, 4321);
	ASSERT_EQ(from.stw_ifindex, tw0_b);
	ASSERT_EQ(ntohl(h->src_node), 1);
	ASSERT_EQ(ntohl(h->dst_node), 2);
	ASSERT_EQ(le32toh(h->csum), frame_crc(buf, n));
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 3);
	/* Frames a namespace sends to other machines are not seen there. */
	twin_expect_silence(raw_a, 200, "outgoing frame on the sender's raw socket");
}

/* Frames for no socket, and neighbour discovery, are heard too. */
TEST_TIMEOUT(recv_no_socket_and_discovery, 60)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	unsigned char buf[256];
	struct twinhdr *h = (struct twinhdr *)buf;
	int sol_b, adv_a, adv_b, dgram_b, tx;
	uint64_t nosock;

	sol_b = raw_socket_in(b, TWIN_T_SOLICIT);
	adv_a = raw_socket_in(a, TWIN_T_ADVERT);
	adv_b = raw_socket_in(b, TWIN_T_ADVERT);
	dgram_b = raw_socket_in(b, TWIN_T_DGRAM);
	nosock = twin_stat(b, TWIN_STAT_DROP_NO_SOCKET);
	tx = bound_in(a, TWIN_NODE_ANY, 4321);
	/* a does not know node 2 yet: it solicits, b advertises. */
	ASSERT_EQ(twin_sendto(tx, "x", 1, 0, 2, PORT), 1);

	ASSERT_GE(raw_wait(sol_b, TWIN_T_SOLICIT, buf, sizeof(buf), NULL, 3000),
		  TWIN_HLEN);
	ASSERT_EQ(h->type, TWIN_T_SOLICIT);
	ASSERT_EQ(ntohl(h->src_node), 1);
	/* The answer to a (a gratuitous one would be a broadcast). */
	do
		ASSERT_GE(raw_wait(adv_a, TWIN_T_ADVERT, buf, sizeof(buf), NULL,
				   3000), TWIN_HLEN);
	while (ntohl(h->dst_node) == TWIN_NODE_BROADCAST);
	ASSERT_EQ(ntohl(h->src_node), 2);
	ASSERT_EQ(ntohl(h->dst_node), 1);
	/* b's own advertisement leaves b: not seen in b. */
	twin_expect_silence(adv_b, 200, "b's outgoing advertisement");
	/* The datagram for a port nobody has: heard, then dropped. */
	ASSERT_EQ(raw_wait(dgram_b, TWIN_T_DGRAM, buf, sizeof(buf), NULL, 3000),
		  TWIN_HLEN + 1);
	ASSERT_EQ(ntohl(h->dst_port), PORT);
	ASSERT_EQ(twin_stat_wait(b, TWIN_STAT_DROP_NO_SOCKET, nosock + 1, 10000),
		  nosock + 1);
}

/*
 * protocol TWIN_T_STREAM hears a connection's frames and no datagram;
 * TWIN_T_DGRAM the reverse; 0 both.
 */
TEST(protocol_filter)
{
	unsigned int seen_s, seen_d, seen_0;
	int raw_s, raw_d, raw_0, lst, cli, srv, rx, tx, ns, nd, n0;
	char buf[16];

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw_s = raw_socket(TWIN_T_STREAM);
	raw_d = raw_socket(TWIN_T_DGRAM);
	raw_0 = raw_socket(0);

	lst = twin_socket(SOCK_STREAM);
	ASSERT_OK(twin_bind(lst, NODE, 6001));
	ASSERT_OK(listen(lst, 4));
	cli = twin_socket(SOCK_STREAM);
	ASSERT_OK(twin_connect(cli, NODE, 6001));
	srv = accept(lst, NULL, NULL);
	ASSERT_OK(srv);
	ASSERT_EQ(send(cli, "stream", 6, 0), 6);
	twin_set_timeo(srv, SO_RCVTIMEO, 2000);
	ASSERT_EQ(recv(srv, buf, sizeof(buf), 0), 6);

	rx = twin_bound(NODE, PORT);
	tx = twin_bound(NODE, SPORT);
	ASSERT_EQ(twin_sendto(tx, "dgram", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 5);
	/*
	 * Every frame so far is queued on the raw sockets: a raw copy is
	 * taken before the frame goes to its socket (srv and rx have theirs).
	 * A delayed ack may still come, while draining too: raw_0 is drained
	 * last, so it has every frame raw_s and raw_d had.
	 */
	ns = raw_drain(raw_s, 1U << TWIN_T_STREAM, &seen_s, 200);
	nd = raw_drain(raw_d, 1U << TWIN_T_DGRAM, &seen_d, 200);
	n0 = raw_drain(raw_0, ~0U, &seen_0, 200);
	diag("stream socket: %d frames, dgram socket: %d, any: %d", ns, nd, n0);
	/* SYN, SYN|ACK, ACK, data at least. */
	ASSERT_GE(ns, 4);
	ASSERT_EQ(nd, 1);
	ASSERT_GE(n0, ns + nd);
	ASSERT_TRUE(seen_0 & (1U << TWIN_T_STREAM));
	ASSERT_TRUE(seen_0 & (1U << TWIN_T_DGRAM));
}

TEST(trunc_peek_eagain)
{
	unsigned char buf[2048], small[10];
	struct msghdr mh;
	struct iovec iov;
	double t;
	int raw, tx;
	ssize_t full;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(TWIN_T_DGRAM);
	ASSERT_ERRNO(recv(raw, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	twin_set_timeo(raw, SO_RCVTIMEO, 300);
	t = now_s();
	ASSERT_ERRNO(recv(raw, buf, sizeof(buf), 0), EAGAIN);
	ASSERT_GE(now_s() - t, 0.25);

	tx = twin_bound(NODE, SPORT);
	ASSERT_EQ(twin_sendto(tx, "0123456789abcdef", 16, 0, NODE, PORT), 16);
	full = TWIN_HLEN + 16;
	ASSERT_EQ(twin_recv_wait(raw, buf, sizeof(buf), MSG_PEEK, NULL, 3000), full);
	/* Peeked: still there, a shorter peek too. */
	ASSERT_EQ(recv(raw, small, sizeof(small), MSG_PEEK | MSG_DONTWAIT),
		  (ssize_t)sizeof(small));
	ASSERT_EQ(recv(raw, buf, sizeof(buf), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT),
		  full);
	/* A short buffer: truncated, MSG_TRUNC in msg_flags, frame gone. */
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = small;
	iov.iov_len = sizeof(small);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ASSERT_EQ(recvmsg(raw, &mh, MSG_DONTWAIT), (ssize_t)sizeof(small));
	ASSERT_TRUE(mh.msg_flags & MSG_TRUNC);
	ASSERT_EQ(small[0], TWIN_VERSION);
	ASSERT_EQ(small[1], TWIN_T_DGRAM);
	ASSERT_ERRNO(recv(raw, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* MSG_TRUNC passed: the real length. */
	ASSERT_EQ(twin_sendto(tx, "0123456789abcdef", 16, 0, NODE, PORT), 16);
	ASSERT_EQ(twin_recv_wait(raw, small, sizeof(small), MSG_TRUNC, NULL, 3000),
		  full);
	ASSERT_ERRNO(recv(raw, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* Receive one frame; its SO_RXQ_OVFL value in *drops (0 if absent). */
static ssize_t recv_ovfl(int fd, uint32_t *drops)
{
	char buf[2048], cbuf[CMSG_SPACE(sizeof(uint32_t)) * 4];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return n;
	*drops = 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
			memcpy(drops, CMSG_DATA(c), sizeof(*drops));
	return n;
}

struct proc_line {
	char type[32], state[32];
	unsigned long lnode, lport, drops;
	bool found;
};

/* The /proc/net/twin line of socket fd (current namespace). */
static struct proc_line proc_find(int fd)
{
	char line[512];
	unsigned long inode, rxq, txq, pn, pp;
	struct proc_line p, cur;
	struct stat st;
	FILE *f;

	memset(&p, 0, sizeof(p));
	ASSERT_OK(fstat(fd, &st));
	f = fopen("/proc/net/twin", "r");
	ASSERT_TRUE(f != NULL);
	if (!fgets(line, sizeof(line), f))
		harness_fail(__FILE__, __LINE__, "/proc/net/twin is empty");
	while (fgets(line, sizeof(line), f)) {
		memset(&cur, 0, sizeof(cur));
		if (sscanf(line, "%31s %31s %lu:%lu %lu:%lu %lu %lu %lu %lu",
			   cur.type, cur.state, &cur.lnode, &cur.lport, &pn, &pp,
			   &rxq, &txq, &cur.drops, &inode) == 10 &&
		    inode == st.st_ino) {
			cur.found = true;
			p = cur;
		}
	}
	fclose(f);
	return p;
}

#define FLOOD 60
#define FLOOD_SIZE 200

/* A full raw socket drops its own copies only; the receiver gets all. */
TEST(rcvbuf_overflow_counts_drops)
{
	unsigned char buf[FLOOD_SIZE];
	uint32_t ovfl = 0, last = 0;
	int raw, rx, tx, i, small = 1, big = 1 << 20, got = 0;
	unsigned int received = 0;
	struct proc_line p;
	ssize_t n;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(TWIN_T_DGRAM);
	set_int(raw, SOL_SOCKET, SO_RCVBUF, small);
	set_int(raw, SOL_SOCKET, SO_RXQ_OVFL, 1);
	rx = twin_bound(NODE, PORT);
	set_int(rx, SOL_SOCKET, SO_RCVBUF, big);
	tx = twin_bound(NODE, SPORT);
	fill_pattern(buf, sizeof(buf), 3);
	for (i = 0; i < FLOOD; i++)
		ASSERT_EQ(twin_sendto(tx, buf, FLOOD_SIZE, 0, NODE, PORT),
			  FLOOD_SIZE);
	/*
	 * The ordinary receiver got every one. Then every raw copy has been
	 * queued or dropped too: it is taken before the frame goes to rx.
	 */
	for (i = 0; i < FLOOD; i++)
		if (twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 5000) ==
		    FLOOD_SIZE)
			got++;
	ASSERT_EQ(got, FLOOD);
	while ((n = recv_ovfl(raw, &ovfl)) >= 0) {
		ASSERT_EQ(n, TWIN_HLEN + FLOOD_SIZE);
		ASSERT_GE(ovfl, last);
		last = ovfl;
		received++;
	}
	ASSERT_EQ(errno, EAGAIN);
	p = proc_find(raw);
	ASSERT_TRUE(p.found);
	diag("raw socket: %u received, %lu dropped of %d", received, p.drops,
	     FLOOD);
	ASSERT_GT(received, 0);
	ASSERT_GT(p.drops, 0);
	ASSERT_EQ(received + p.drops, FLOOD);
	/* One more (there is room now): it carries the drop count. */
	ASSERT_EQ(twin_sendto(tx, buf, 1, 0, NODE, PORT), 1);
	ASSERT_GT(twin_recv_wait(raw, NULL, 0, MSG_PEEK, NULL, 2000), -1);
	ASSERT_EQ(recv_ovfl(raw, &ovfl), TWIN_HLEN + 1);
	ASSERT_EQ(ovfl, p.drops);
	ASSERT_EQ(proc_find(rx).drops, 0);
}

TEST(poll_epollin)
{
	struct pollfd p;
	int raw, tx;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	p.fd = raw;
	p.events = POLLIN | POLLOUT;
	p.revents = 0;
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(p.revents & (POLLIN | POLLERR), 0);
	ASSERT_TRUE(p.revents & POLLOUT);
	tx = twin_bound(NODE, SPORT);
	ASSERT_EQ(twin_sendto(tx, "p", 1, 0, NODE, PORT), 1);
	p.events = POLLIN;
	p.revents = 0;
	ASSERT_EQ(poll(&p, 1, 3000), 1);
	ASSERT_TRUE(p.revents & POLLIN);
}

/*
 * shutdown() as on a datagram socket (test_sendrecv shutdown_datagram):
 * SHUT_WR makes a well-formed frame fail EPIPE, without SIGPIPE; SHUT_RD
 * lets recv() return the frames queued, then 0 at once, blocking or not.
 */
TEST(shutdown_as_dgram)
{
	struct pollfd p = { .events = POLLIN | POLLRDHUP };
	unsigned char buf[256];
	struct rawframe f;
	int raw, obs, tx;
	size_t len;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	obs = raw_socket(TWIN_T_DGRAM);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, SPORT, "s", 1);
	ASSERT_ERRNO(shutdown(raw, 3), EINVAL);
	ASSERT_OK(shutdown(raw, SHUT_WR));
	ASSERT_ERRNO(send(raw, &f, len, 0), EPIPE);
	ASSERT_ERRNO(send(raw, &f, len, MSG_DONTWAIT), EPIPE);

	tx = twin_bound(NODE, SPORT);
	ASSERT_EQ(twin_sendto(tx, "q", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(raw_wait(obs, TWIN_T_DGRAM, buf, sizeof(buf), NULL, 3000),
		  TWIN_HLEN + 1);
	ASSERT_EQ(twin_sendto(tx, "r", 1, 0, NODE, PORT), 1);
	p.fd = obs;
	ASSERT_EQ(poll(&p, 1, 3000), 1);	/* the second is queued */
	ASSERT_OK(shutdown(obs, SHUT_RD));
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(p.revents & (POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
	twin_set_timeo(obs, SO_RCVTIMEO, 10000);
	ASSERT_EQ(recv(obs, buf, sizeof(buf), 0), TWIN_HLEN + 1);
	ASSERT_EQ(buf[TWIN_HLEN], 'r');
	ASSERT_EQ(recv(obs, buf, sizeof(buf), 0), 0);
	ASSERT_EQ(recv(obs, buf, sizeof(buf), MSG_DONTWAIT), 0);
}

TEST(proc_shows_raw_with_protocol)
{
	int r4 = raw_socket(TWIN_T_STREAM), r0 = raw_socket(0);
	struct proc_line p;

	p = proc_find(r4);
	ASSERT_TRUE(p.found);
	ASSERT_STREQ(p.type, "raw");
	ASSERT_EQ(p.lport, TWIN_T_STREAM);
	p = proc_find(r0);
	ASSERT_TRUE(p.found);
	ASSERT_STREQ(p.type, "raw");
	ASSERT_EQ(p.lport, 0);
}

/* ------------------------------------------------------------ send */

/* A userspace frame reaches a DGRAM socket; the kernel fills src/csum. */
TEST(send_frame_to_dgram)
{
	unsigned char buf[256];
	struct twinhdr *h = (struct twinhdr *)buf;
	struct sockaddr_twin from;
	struct rawframe f;
	int raw, obs, rx;
	size_t len;
	char got[32];

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	obs = raw_socket(TWIN_T_DGRAM);
	rx = twin_bound(NODE, PORT);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, "built", 5);
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);

	ASSERT_EQ(twin_recv_wait(rx, got, sizeof(got), 0, &from, 3000), 5);
	ASSERT_MEMEQ(got, "built", 5);
	ASSERT_EQ(from.stw_node, NODE);	/* src_node 0: the device's node */
	ASSERT_EQ(from.stw_port, 4242);

	ASSERT_EQ(raw_wait(obs, TWIN_T_DGRAM, buf, sizeof(buf), NULL, 2000),
		  (ssize_t)len);
	ASSERT_EQ(ntohl(h->src_node), NODE);
	ASSERT_NE(le32toh(h->csum), 0);
	ASSERT_EQ(le32toh(h->csum), frame_crc(buf, len));
	/* The sending raw socket hears it arrive too (it loops through tw0). */
	ASSERT_EQ(raw_wait(raw, TWIN_T_DGRAM, buf, sizeof(buf), NULL, 2000),
		  (ssize_t)len);
}

/* Every field but src_node 0 and csum 0 goes out as written. */
TEST(send_fields_as_written)
{
	unsigned char buf[256];
	struct rawframe f;
	int raw, obs;
	size_t len;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	obs = raw_socket(TWIN_T_STREAM);
	/* A stream frame for no connection: heard by raw sockets anyway. */
	len = frame_build(&f, TWIN_T_STREAM, NODE, NODE, 6100, 4242,
			  "\x7f\x04\xab\xcdxyz", 7);
	/* The first 4 bytes are an option receivers skip (docs/wire.md). */
	f.h.doff = TWIN_DOFF_MIN + 1;
	f.h.len = htons(3);
	f.h.flags = htons(TWIN_F_ACK);
	f.h.seq = htonl(0x11223344);
	f.h.ack = htonl(0x55667788);
	f.h.window = htonl(0x99aabbcc);
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(raw_wait(obs, TWIN_T_STREAM, buf, sizeof(buf), NULL, 2000),
		  (ssize_t)len);
	/* The checksum is the kernel's; the rest is ours, byte for byte. */
	ASSERT_EQ(le32toh(((struct twinhdr *)buf)->csum), frame_crc(buf, len));
	((struct twinhdr *)buf)->csum = 0;
	ASSERT_MEMEQ(buf, &f, len);
}

/* A non-zero csum is sent as given: a wrong one makes the receiver drop. */
TEST(send_csum_as_given)
{
	unsigned char buf[256];
	struct rawframe f;
	uint64_t drop_csum, delivered;
	int raw, obs, rx;
	size_t len;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	obs = raw_socket(TWIN_T_DGRAM);
	rx = twin_bound(NODE, PORT);
	drop_csum = twin_stat(NULL, TWIN_STAT_DROP_CSUM);
	delivered = twin_stat(NULL, TWIN_STAT_DELIVERED);

	/* src_node given, so the checksum covers exactly what we send. */
	len = frame_build(&f, TWIN_T_DGRAM, NODE, NODE, PORT, 4242, "bad", 3);
	f.h.csum = htole32(frame_crc(&f, len) ^ 0x01000000);
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_stat_wait(NULL, TWIN_STAT_DROP_CSUM, drop_csum + 1, 10000),
		  drop_csum + 1);
	twin_expect_silence(rx, 200, "frame with a wrong checksum");
	/* It failed validation: raw sockets do not hear it either. */
	twin_expect_silence(obs, 10, "raw socket, wrong checksum");
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DELIVERED), delivered);

	/* A right non-zero checksum given by us: delivered. */
	len = frame_build(&f, TWIN_T_DGRAM, NODE, NODE, PORT, 4242, "good", 4);
	f.h.csum = htole32(frame_crc(&f, len));
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 4);
	ASSERT_MEMEQ(buf, "good", 4);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_CSUM), drop_csum + 1);
}

static void expect_send_einval(int raw, const void *frame, size_t len,
			       const char *what)
{
	errno = 0;
	ssize_t n = send(raw, frame, len, 0);

	if (n != -1 || errno != EINVAL)
		harness_fail(__FILE__, __LINE__, "%s: expected EINVAL, got %zd "
			     TWIN_ERRFMT, what, n, TWIN_ERRARG(errno));
}

TEST(send_einval)
{
	struct rawframe f, g;
	unsigned char buf[64];
	int raw, rx, obs;
	size_t len;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	obs = raw_socket(0);
	rx = twin_bound(NODE, PORT);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, "12345678", 8);

	expect_send_einval(raw, &f, 0, "empty buffer");
	expect_send_einval(raw, &f, TWIN_HLEN - 1, "39 bytes");
	g = f;
	g.h.len = htons(0);
	expect_send_einval(raw, &g, TWIN_HLEN - 1, "39 bytes, len 0");
	g = f;
	g.h.version = 0;
	expect_send_einval(raw, &g, len, "version 0");
	g.h.version = 1;
	expect_send_einval(raw, &g, len, "version 1");
	g.h.version = TWIN_VERSION + 1;
	expect_send_einval(raw, &g, len, "version 3");
	g = f;
	g.h.doff = TWIN_DOFF_MIN - 1;
	expect_send_einval(raw, &g, len, "doff 9");
	g.h.doff = TWIN_DOFF_MIN + 3;
	expect_send_einval(raw, &g, len, "doff past the frame's end");
	g.h.doff = TWIN_DOFF_MIN + 2;
	expect_send_einval(raw, &g, len, "doff 12: len 8 counts the options");
	g = f;
	g.h.len = htons(9);
	expect_send_einval(raw, &g, len, "len one more than sent");
	g.h.len = htons(7);
	expect_send_einval(raw, &g, len, "len one less than sent");
	g.h.len = htons(0);
	expect_send_einval(raw, &g, len, "len 0 with 8 bytes after");
	g = f;
	g.h.type = 0;
	expect_send_einval(raw, &g, len, "type 0");
	g = f;
	g.h.dst_node = htonl(TWIN_NODE_ANY);
	expect_send_einval(raw, &g, len, "destination node 0");

	/* Nothing went out; the valid frame does. */
	twin_expect_silence(obs, 200, "refused frames");
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 8);
	/* A frame that is only a header (len 0) is fine as well. */
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, NULL, 0);
	ASSERT_EQ(send(raw, &f, len, 0), TWIN_HLEN);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 0);
}

static void expect_sendto(int raw, const void *frame, size_t len,
			  const struct sockaddr_twin *a, socklen_t alen,
			  int err, const char *what)
{
	errno = 0;
	ssize_t n = sendto(raw, frame, len, 0, (const struct sockaddr *)a, alen);

	if (n != -1 || errno != err)
		harness_fail(__FILE__, __LINE__, "%s: expected %s, got %zd "
			     TWIN_ERRFMT, what, errno_name(err), n,
			     TWIN_ERRARG(errno));
}

TEST(send_msg_name_einval)
{
	struct sockaddr_twin a;
	struct rawframe f;
	unsigned char buf[64];
	int raw, rx;
	size_t len;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	rx = twin_bound(NODE, PORT);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, "n", 1);

	a = dev_addr(0, 0, 0);
	a.stw_family = AF_INET;
	expect_sendto(raw, &f, len, &a, sizeof(a), EINVAL, "family AF_INET");
	a.stw_family = AF_UNSPEC;
	expect_sendto(raw, &f, len, &a, sizeof(a), EINVAL, "family AF_UNSPEC");
	a = dev_addr(NODE, 0, 0);
	expect_sendto(raw, &f, len, &a, sizeof(a), EINVAL, "node 7");
	a = dev_addr(0, PORT, 0);
	expect_sendto(raw, &f, len, &a, sizeof(a), EINVAL, "port 5000");
	a = dev_addr(0, 0, 0);
	a.stw_reserved = 1;
	expect_sendto(raw, &f, len, &a, sizeof(a), EINVAL, "reserved 1");
	a = dev_addr(0, 0, 0);
	expect_sendto(raw, &f, len, &a, sizeof(a) - 1, EINVAL, "addrlen 15");
	expect_sendto(raw, &f, len, &a, 2, EINVAL, "addrlen 2");
	a = dev_addr(0, 0, -1);
	expect_sendto(raw, &f, len, &a, sizeof(a), EINVAL, "ifindex -1");
	a = dev_addr(0, 0, 99999);
	expect_sendto(raw, &f, len, &a, sizeof(a), ENODEV, "ifindex 99999");
	a = dev_addr(0, 0, 1);
	expect_sendto(raw, &f, len, &a, sizeof(a), EADDRNOTAVAIL, "ifindex of lo");
	a = dev_addr(0, 0, 0);
	twin_expect_silence(rx, 100, "refused sends");

	/* A valid one, with and without a device. */
	ASSERT_EQ(sendto(raw, &f, len, 0, (struct sockaddr *)&a, sizeof(a)),
		  (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
	ASSERT_EQ(raw_send_to(raw, &f, len, 0, ifindex_in(NULL, "tw0")),
		  (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
}

/* Flags as for datagrams. */
TEST(send_recv_flags)
{
	const struct twin_flag *refused = twin_refused_send_flags;
	unsigned char buf[64];
	struct rawframe f;
	size_t len, i;
	ssize_t r;
	int raw;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	twin_bound(NODE, PORT);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, "f", 1);
	/* The flags test_sendrecv:send_flags_refused tries. */
	for (i = 0; i < twin_refused_send_flags_n; i++) {
		errno = 0;
		r = send(raw, &f, len, refused[i].flag);
		if (r != -1 || errno != EOPNOTSUPP)
			harness_expect_fail(__FILE__, __LINE__, "send with %s: "
					    "expected EOPNOTSUPP, got %zd "
					    TWIN_ERRFMT, refused[i].name, r,
					    TWIN_ERRARG(errno));
	}
	ASSERT_EQ(send(raw, &f, len, MSG_DONTWAIT | MSG_NOSIGNAL), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(raw, NULL, 0, MSG_PEEK, NULL, 2000), 0);
	ASSERT_EQ(recv(raw, buf, sizeof(buf), 0), (ssize_t)len);
	ASSERT_EQ(send(raw, &f, len, MSG_CONFIRM), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(raw, NULL, 0, MSG_PEEK, NULL, 2000), 0);
	ASSERT_ERRNO(recv(raw, buf, sizeof(buf), MSG_OOB), EOPNOTSUPP);
	ASSERT_ERRNO(recv(raw, buf, sizeof(buf), MSG_ERRQUEUE), EOPNOTSUPP);
	ASSERT_EQ(recv(raw, buf, sizeof(buf), MSG_DONTWAIT), (ssize_t)len);
}

/* The outgoing device's MTU bounds the whole frame, header included. */
TEST(send_emsgsize)
{
	static struct rawframe f;
	static unsigned char buf[2048];
	int raw, rx;
	size_t len;

	twin_dev_add(NULL, "tw0", 0, NODE);
	RUN("ip link set tw0 mtu 1000");
	raw = raw_socket(0);
	rx = twin_bound(NODE, PORT);
	set_int(rx, SOL_SOCKET, SO_RCVBUF, 1 << 16);
	fill_pattern(buf, 1000, 5);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, buf,
			  1000 - TWIN_HLEN + 1);
	ASSERT_EQ(len, 1001);
	ASSERT_ERRNO(send(raw, &f, len, 0), EMSGSIZE);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, buf,
			  1000 - TWIN_HLEN);
	ASSERT_EQ(send(raw, &f, len, 0), 1000);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000),
		  1000 - TWIN_HLEN);
	twin_expect_silence(rx, 100, "only the frame that fits");
}

TEST_TIMEOUT(send_broadcast, 60)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	struct sockaddr_twin from;
	struct rawframe f;
	char buf[64];
	int raw, rx;
	size_t len;

	raw = raw_socket_in(a, 0);
	rx = bound_in(b, TWIN_NODE_ANY, PORT);
	len = frame_build(&f, TWIN_T_DGRAM, TWIN_NODE_BROADCAST, 0, PORT, 77,
			  "all", 3);
	ASSERT_ERRNO(send(raw, &f, len, 0), EACCES);
	twin_expect_silence(rx, 200, "refused broadcast");
	set_int(raw, SOL_SOCKET, SO_BROADCAST, 1);
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 3000), 3);
	ASSERT_MEMEQ(buf, "all", 3);
	ASSERT_EQ(from.stw_node, 1);
	ASSERT_EQ(from.stw_port, 77);
	twin_expect_silence(rx, 200, "one copy");
}

/* Unicast to another namespace: resolved as for datagrams. */
TEST_TIMEOUT(send_to_neighbour, 60)
{
	const char *a = ns_with_twin("a", 0, 1);
	const char *b = ns_with_twin("b", 0, 2);
	unsigned char hb[256];
	struct twinhdr *h = (struct twinhdr *)hb;
	struct sockaddr_twin from;
	struct rawframe f;
	char buf[64];
	int raw, rx, obs_b;
	size_t len;

	raw = raw_socket_in(a, 0);
	obs_b = raw_socket_in(b, TWIN_T_DGRAM);
	rx = bound_in(b, TWIN_NODE_ANY, PORT);
	len = frame_build(&f, TWIN_T_DGRAM, 2, 0, PORT, 88, "far", 3);
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, &from, 3000), 3);
	ASSERT_EQ(from.stw_node, 1);
	ASSERT_EQ(from.stw_port, 88);
	ASSERT_EQ(raw_wait(obs_b, TWIN_T_DGRAM, hb, sizeof(hb), NULL, 2000),
		  (ssize_t)len);
	ASSERT_EQ(ntohl(h->src_node), 1);
	ASSERT_EQ(le32toh(h->csum), frame_crc(hb, len));
}

TEST_TIMEOUT(send_unknown_node_ehostunreach, 60)
{
	struct rawframe f;
	uint64_t solicit;
	size_t len;
	double t;
	int raw;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	len = frame_build(&f, TWIN_T_DGRAM, UNKNOWN, 0, PORT, 4242, "?", 1);
	solicit = twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT);
	t = now_s();
	ASSERT_ERRNO(send(raw, &f, len, 0), EHOSTUNREACH);
	t = now_s() - t;
	diag("EHOSTUNREACH after %.3f s", t);
	ASSERT_GE(t, 0.4);
	ASSERT_LE(t, 5.0 * mult());
	ASSERT_GE(twin_stat(NULL, TWIN_STAT_NEIGH_SOLICIT), solicit + 1);
}

/*
 * Non-blocking: queued behind discovery, then dropped as drop_neigh.
 * Discovery takes 15 s (neigh_retrans_ms 5000): returning within 5 s
 * plainly did not wait for it. Then neigh_retrans_ms goes down to 100 (read
 * at each solicitation) so that discovery fails after about 5 s, not 15.
 */
TEST_TIMEOUT(send_unknown_node_nonblocking, 60)
{
	struct rawframe f;
	uint64_t drop_neigh;
	size_t len;
	double t;
	int raw;

	twin_dev_add(NULL, "tw0", 0, NODE);
	twin_sysctl_set("neigh_retrans_ms", 5000);
	raw = raw_socket(0);
	len = frame_build(&f, TWIN_T_DGRAM, UNKNOWN, 0, PORT, 4242, "?", 1);
	drop_neigh = twin_stat(NULL, TWIN_STAT_DROP_NEIGH);
	t = now_s();
	ASSERT_EQ(send(raw, &f, len, MSG_DONTWAIT), (ssize_t)len);
	ASSERT_LT(now_s() - t, 5.0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_NEIGH), drop_neigh);
	twin_sysctl_set("neigh_retrans_ms", 100);
	ASSERT_EQ(twin_stat_wait(NULL, TWIN_STAT_DROP_NEIGH, drop_neigh + 1,
				 30000), drop_neigh + 1);
}

TEST(no_device_enetunreach)
{
	struct rawframe f;
	size_t len;
	int raw;

	raw = raw_socket(0);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, "-", 1);
	ASSERT_ERRNO(send(raw, &f, len, 0), ENETUNREACH);
}

/* ------------------------------------------------------------ others */

TEST(connect_listen_accept_getpeername)
{
	struct sockaddr_twin a = twin_addr(NODE, PORT), peer;
	socklen_t alen = sizeof(peer);
	int raw;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = raw_socket(0);
	ASSERT_ERRNO(connect(raw, (struct sockaddr *)&a, sizeof(a)), EOPNOTSUPP);
	ASSERT_ERRNO(listen(raw, 1), EOPNOTSUPP);
	ASSERT_ERRNO(accept(raw, NULL, NULL), EOPNOTSUPP);
	ASSERT_ERRNO(getpeername(raw, (struct sockaddr *)&peer, &alen), ENOTCONN);
}

TEST_TIMEOUT(bind_rules, 60)
{
	struct sockaddr_twin a;
	int raw, tw0, tw1;

	twin_dev_add(NULL, "tw0", 0, NODE);
	twin_dev_add(NULL, "tw1", 0, 0);	/* no address */
	tw0 = ifindex_in(NULL, "tw0");
	tw1 = ifindex_in(NULL, "tw1");
	raw = raw_socket(TWIN_T_DGRAM);

	ASSERT_ERRNO(bind_dev(raw, NODE, 0, 0), EINVAL);
	ASSERT_ERRNO(bind_dev(raw, 0, PORT, 0), EINVAL);
	ASSERT_ERRNO(bind_dev(raw, NODE, 0, tw0), EINVAL);
	ASSERT_ERRNO(bind_dev(raw, 0, 0, 99999), ENODEV);
	ASSERT_ERRNO(bind_dev(raw, 0, 0, -1), EINVAL);
	ASSERT_ERRNO(bind_dev(raw, 0, 0, tw1), EADDRNOTAVAIL);
	ASSERT_ERRNO(bind_dev(raw, 0, 0, 1), EADDRNOTAVAIL);	/* lo */
	a = dev_addr(0, 0, tw0);
	ASSERT_ERRNO(bind(raw, (struct sockaddr *)&a, sizeof(a) - 1), EINVAL);
	a.stw_family = AF_INET;
	ASSERT_ERRNO(bind(raw, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	/* getsockname(): node 0, the protocol as port, bound or not. */
	a = twin_name(raw);
	ASSERT_EQ(a.stw_node, 0);
	ASSERT_EQ(a.stw_port, TWIN_T_DGRAM);
	ASSERT_EQ(a.stw_ifindex, 0);

	ASSERT_OK(bind_dev(raw, 0, 0, tw0));
	a = twin_name(raw);
	ASSERT_EQ(a.stw_node, 0);
	ASSERT_EQ(a.stw_port, TWIN_T_DGRAM);
	ASSERT_EQ(a.stw_ifindex, tw0);
	/* Bound again, elsewhere. */
	RUN("twinctl addr add 8 dev tw1");
	ASSERT_OK(bind_dev(raw, 0, 0, tw1));
	ASSERT_EQ(twin_name(raw).stw_ifindex, tw1);
	ASSERT_OK(bind_dev(raw, 0, 0, tw1));
	ASSERT_EQ(twin_name(raw).stw_ifindex, tw1);
	/* The failed binds changed nothing. */
	ASSERT_ERRNO(bind_dev(raw, 0, 0, 99999), ENODEV);
	ASSERT_EQ(twin_name(raw).stw_ifindex, tw1);
}

/*
 * Two devices on two segments: tw0 (node 1, segment 31, peer b node 11)
 * and tw1 (node 2, segment 32, peer c node 12).
 */
struct two {
	const char *b, *c;
	int tw0, tw1;
	int tx_b, tx_c;		/* DGRAM senders in b and c */
	int rx_b, rx_c;		/* DGRAM receivers on PORT in b and c */
};

static void two_up(struct two *t)
{
	twin_dev_add(NULL, "tw0", 31, 1);
	twin_dev_add(NULL, "tw1", 32, 2);
	t->b = ns_with_twin("b", 31, 11);
	t->c = ns_with_twin("c", 32, 12);
	t->tw0 = ifindex_in(NULL, "tw0");
	t->tw1 = ifindex_in(NULL, "tw1");
	t->tx_b = bound_in(t->b, TWIN_NODE_ANY, 4011);
	t->tx_c = bound_in(t->c, TWIN_NODE_ANY, 4012);
	t->rx_b = bound_in(t->b, TWIN_NODE_ANY, PORT);
	t->rx_c = bound_in(t->c, TWIN_NODE_ANY, PORT);
}

/* Receive DGRAM frames on raw for ms; return a mask: 1 from b, 2 from c. */
static int heard_from(int raw, int ifindex_expected, int ms)
{
	unsigned char buf[256];
	struct twinhdr *h = (struct twinhdr *)buf;
	struct sockaddr_twin from;
	int mask = 0;

	while (raw_wait(raw, TWIN_T_DGRAM, buf, sizeof(buf), &from, ms) >= 0) {
		if (ifindex_expected)
			ASSERT_EQ(from.stw_ifindex, ifindex_expected);
		if (ntohl(h->src_node) == 11)
			mask |= 1;
		else if (ntohl(h->src_node) == 12)
			mask |= 2;
		ms = 200;
	}
	return mask;
}

/*
 * Raw sockets bound to tw1 (bind() with an ifindex), to tw0 and to tw2
 * (SO_BINDTODEVICE; tw2 has no twin address, which a raw socket does not
 * need) hear only what arrives on their device; an unbound one all.
 */
TEST_TIMEOUT(bound_device_filters_receive, 90)
{
	int all, r0, r1, r2, tw2;
	struct two t;

	two_up(&t);
	twin_dev_add(NULL, "tw2", 33, 0);
	tw2 = ifindex_in(NULL, "tw2");
	all = raw_socket(TWIN_T_DGRAM);
	r1 = raw_socket(TWIN_T_DGRAM);
	ASSERT_OK(bind_dev(r1, 0, 0, t.tw1));
	r0 = raw_socket(TWIN_T_DGRAM);
	ASSERT_OK(setsockopt(r0, SOL_SOCKET, SO_BINDTODEVICE, "tw0", 4));
	ASSERT_EQ(twin_name(r0).stw_ifindex, t.tw0);
	r2 = raw_socket(TWIN_T_DGRAM);
	ASSERT_OK(setsockopt(r2, SOL_SOCKET, SO_BINDTODEVICE, "tw2", 4));
	ASSERT_EQ(twin_name(r2).stw_ifindex, tw2);
	ASSERT_EQ(twin_name(r2).stw_node, 0);
	/* bind() with its ifindex wants an address; the binding stays. */
	ASSERT_ERRNO(bind_dev(r2, 0, 0, tw2), EADDRNOTAVAIL);
	ASSERT_EQ(twin_name(r2).stw_ifindex, tw2);

	ASSERT_EQ(twin_sendto(t.tx_b, "b", 1, 0, 1, PORT), 1);
	ASSERT_EQ(twin_sendto(t.tx_c, "c", 1, 0, 2, PORT), 1);
	ASSERT_EQ(heard_from(r1, t.tw1, 3000), 2);
	ASSERT_EQ(heard_from(r0, t.tw0, 1000), 1);
	ASSERT_EQ(heard_from(all, 0, 1000), 3);
	ASSERT_EQ(heard_from(r2, tw2, 300), 0);
}

/* A bound raw socket sends only through its device; msg_name picks one. */
TEST_TIMEOUT(bound_device_send, 90)
{
	struct sockaddr_twin from;
	struct rawframe f;
	char buf[64];
	int r1, any;
	struct two t;
	size_t len;

	two_up(&t);
	len = frame_build(&f, TWIN_T_DGRAM, TWIN_NODE_BROADCAST, 0, PORT, 77,
			  "bc", 2);
	r1 = raw_socket(0);
	set_int(r1, SOL_SOCKET, SO_BROADCAST, 1);
	ASSERT_OK(bind_dev(r1, 0, 0, t.tw1));
	ASSERT_EQ(send(r1, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(t.rx_c, buf, sizeof(buf), 0, &from, 3000), 2);
	ASSERT_EQ(from.stw_node, 2);	/* the device's address */
	twin_expect_silence(t.rx_b, 300, "broadcast of a socket bound to tw1");

	/* An unbound one: msg_name's ifindex picks the device. */
	any = raw_socket(0);
	set_int(any, SOL_SOCKET, SO_BROADCAST, 1);
	ASSERT_EQ(raw_send_to(any, &f, len, 0, t.tw0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(t.rx_b, buf, sizeof(buf), 0, &from, 3000), 2);
	ASSERT_EQ(from.stw_node, 1);
	twin_expect_silence(t.rx_c, 300, "broadcast sent with ifindex tw0");
	/* Without: both. */
	ASSERT_EQ(send(any, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(t.rx_b, buf, sizeof(buf), 0, NULL, 3000), 2);
	ASSERT_EQ(twin_recv_wait(t.rx_c, buf, sizeof(buf), 0, NULL, 3000), 2);
}

/* The bound device unregisters: ENODEV pending, sends ENODEV until rebound. */
TEST_TIMEOUT(bound_device_unregister, 60)
{
	struct pollfd p;
	struct rawframe f;
	unsigned char buf[64];
	int raw, other, rx, err, tw0, tw1;
	socklen_t elen = sizeof(err);
	size_t len;

	twin_dev_add(NULL, "tw0", 0, NODE);
	twin_dev_add(NULL, "tw1", 0, NODE + 1);
	tw0 = ifindex_in(NULL, "tw0");
	tw1 = ifindex_in(NULL, "tw1");
	raw = raw_socket(0);
	ASSERT_OK(bind_dev(raw, 0, 0, tw1));
	other = raw_socket(0);
	rx = twin_bound(NODE, PORT);
	len = frame_build(&f, TWIN_T_DGRAM, NODE, 0, PORT, 4242, "u", 1);

	RUN("ip link del tw1");
	p.fd = raw;
	p.events = POLLIN;
	p.revents = 0;
	ASSERT_EQ(poll(&p, 1, 2000), 1);
	ASSERT_TRUE(p.revents & POLLERR);
	ASSERT_ERRNO(recv(raw, buf, sizeof(buf), MSG_DONTWAIT), ENODEV);
	ASSERT_OK(getsockopt(raw, SOL_SOCKET, SO_ERROR, &err, &elen));
	ASSERT_EQ(err, 0);	/* reported once */
	ASSERT_ERRNO(send(raw, &f, len, 0), ENODEV);
	ASSERT_ERRNO(send(raw, &f, len, 0), ENODEV);
	twin_expect_silence(rx, 100, "send of a socket whose device is gone");
	/* An unbound raw socket is not affected. */
	elen = sizeof(err);
	ASSERT_OK(getsockopt(other, SOL_SOCKET, SO_ERROR, &err, &elen));
	ASSERT_EQ(err, 0);
	/* Bound again elsewhere: it works. */
	ASSERT_OK(bind_dev(raw, 0, 0, tw0));
	ASSERT_EQ(send(raw, &f, len, 0), (ssize_t)len);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
}
