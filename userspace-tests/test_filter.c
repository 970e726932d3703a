// SPDX-License-Identifier: GPL-2.0
/*
 * Socket filters (SO_ATTACH_FILTER, classic BPF) on every socket type: the
 * program sees each frame from its twin header (offset 0 is the header of
 * docs/wire.md, the payload follows at doff * 4 = 40 here). A datagram or
 * raw socket's filter may cut the payload; a connection's takes or refuses
 * whole frames, and a refused one is sent again by the peer, so that
 * nothing is lost once the filter lets it through. Refused frames count in
 * the socket's drops and, but for raw sockets, in drop_filter.
 *
 * semantics.md, "Socket filters (every type)".
 */
#include <linux/filter.h>
#include <stddef.h>

#include "conn_util.h"

#define HDR(f)		((uint32_t)offsetof(struct twinhdr, f))
#define ACCEPT		0xffffffffU

static void attach(int fd, struct sock_filter *code, size_t n)
{
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = code };

	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			     sizeof(prog)));
}

static void detach(int fd)
{
	int zero = 0;

	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &zero,
			     sizeof(zero)));
}

/*
 * Version and type from the header, then the first payload byte: a
 * datagram whose payload starts with 'A' passes, whole.
 */
TEST(dgram_filter_sees_header_and_payload)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, HDR(version)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TWIN_VERSION, 0, 5),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, HDR(type)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TWIN_T_DGRAM, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, TWIN_HLEN),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'A', 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ACCEPT),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	uint64_t before;
	char buf[16];
	int rx, tx;

	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	tx = twin_bound(TWIN_NODE_ANY, PORT + 1);
	attach(rx, code, sizeof(code) / sizeof(code[0]));
	before = twin_stat(NULL, TWIN_STAT_DROP_FILTER);
	ASSERT_EQ(twin_sendto(tx, "A-one", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_sendto(tx, "B-two", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_sendto(tx, "A-three", 7, 0, NODE, PORT), 7);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, WAIT_MS), 5);
	ASSERT_EQ(memcmp(buf, "A-one", 5), 0);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, WAIT_MS), 7);
	ASSERT_EQ(memcmp(buf, "A-three", 7), 0);
	twin_expect_silence(rx, 100, "B-two was refused");
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_FILTER), before + 1);
	ASSERT_EQ(twin_proc_drops(rx), 1);

	detach(rx);
	ASSERT_EQ(twin_sendto(tx, "B-four", 6, 0, NODE, PORT), 6);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, WAIT_MS), 6);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_FILTER), before + 1);
}

/* A shorter length cuts the payload, never the header. */
TEST(dgram_filter_cuts_payload)
{
	struct sock_filter three[] = {
		BPF_STMT(BPF_RET | BPF_K, TWIN_HLEN + 3),
	};
	struct sock_filter ten[] = {
		BPF_STMT(BPF_RET | BPF_K, 10),
	};
	char buf[16];
	int rx, tx;

	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	tx = twin_bound(TWIN_NODE_ANY, PORT + 1);
	attach(rx, three, 1);
	ASSERT_EQ(twin_sendto(tx, "abcdefgh", 8, 0, NODE, PORT), 8);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, WAIT_MS), 3);
	ASSERT_EQ(memcmp(buf, "abc", 3), 0);
	attach(rx, ten, 1);
	ASSERT_EQ(twin_sendto(tx, "abcdefgh", 8, 0, NODE, PORT), 8);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, WAIT_MS), 0);
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_FILTER), 0);
}

/*
 * A raw socket's filter picks datagram frames whose payload starts with
 * 'A'; the datagram socket, unfiltered, gets every datagram. The raw
 * socket's refusals are its own drops, not drop_filter: it reads copies.
 */
TEST(raw_filter_picks_frames)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, HDR(type)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TWIN_T_DGRAM, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, TWIN_HLEN),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'A', 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ACCEPT),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	unsigned char frame[256];
	const struct twinhdr *h = (const void *)frame;
	int raw, rx, tx;
	ssize_t n;

	twin_dev_add(NULL, "tw0", 0, NODE);
	raw = socket(twin_family(), SOCK_RAW, TWIN_T_DGRAM);
	ASSERT_OK(raw);
	attach(raw, code, sizeof(code) / sizeof(code[0]));
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	tx = twin_bound(TWIN_NODE_ANY, PORT + 1);
	ASSERT_EQ(twin_sendto(tx, "B-one", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_sendto(tx, "A-two", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, frame, sizeof(frame), 0, NULL, WAIT_MS),
		  5);
	ASSERT_EQ(twin_recv_wait(rx, frame, sizeof(frame), 0, NULL, WAIT_MS),
		  5);
	n = twin_recv_wait(raw, frame, sizeof(frame), 0, NULL, WAIT_MS);
	ASSERT_EQ(n, TWIN_HLEN + 5);
	ASSERT_EQ(h->type, TWIN_T_DGRAM);
	ASSERT_EQ(memcmp(frame + TWIN_HLEN, "A-two", 5), 0);
	twin_expect_silence(raw, 100, "B-one was refused");
	ASSERT_EQ(twin_stat(NULL, TWIN_STAT_DROP_FILTER), 0);
}

/*
 * The accepted socket refuses every frame with payload: the data stays
 * with the sender, counted in drop_filter each time it is sent again, and
 * arrives whole once the filter is gone. A filter that returns less than
 * a frame takes it whole on a connection.
 */
BOTH_T(conn_filter_refused_frames_sent_again, 40)
{
	struct sock_filter no_data[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, HDR(len)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ACCEPT),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter one_byte[] = {
		BPF_STMT(BPF_RET | BPF_K, 1),
	};
	struct conn c = local_pair(type);
	double end;
	char buf[16];

	attach(c.srv, no_data, sizeof(no_data) / sizeof(no_data[0]));
	ASSERT_EQ(send(c.cli, "hello", 5, 0), 5);
	end = now_s() + WAIT_MS * mult() / 1000.0;
	while (twin_stat(NULL, TWIN_STAT_DROP_FILTER) < 2 && now_s() < end)
		sleep_ms(20);
	/* The first frame and at least one retransmission were refused. */
	ASSERT_GE(twin_stat(NULL, TWIN_STAT_DROP_FILTER), 2);
	ASSERT_ERRNO(recv(c.srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	ASSERT_GE(twin_proc_drops(c.srv), 2);
	ASSERT_EQ(info_of(c.srv).state, 1);	/* ESTABLISHED */

	detach(c.srv);
	recv_exact(c.srv, "hello", 5);
	attach(c.srv, one_byte, 1);
	ASSERT_EQ(send(c.cli, "whole", 5, 0), 5);
	recv_exact(c.srv, "whole", 5);
	exchange(&c);
}

/*
 * A listener's filter sees SYNs: refusing them all keeps the client in
 * SYN_SENT, retrying; without the filter its next SYN connects.
 */
BOTH_T(listener_filter_refuses_syns, 40)
{
	struct sock_filter none[] = {
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	double end;
	int lis, cli;

	fast_dev(NULL, "tw0", NODE);
	lis = listener(type, TWIN_NODE_ANY, PORT, 4);
	attach(lis, none, 1);
	cli = client(type);
	set_nonblock(cli);
	ASSERT_EQ(twin_connect(cli, NODE, PORT), -1);
	ASSERT_EQ(errno, EINPROGRESS);
	end = now_s() + WAIT_MS * mult() / 1000.0;
	while (info_of(cli).timeouts < 1 && now_s() < end)
		sleep_ms(20);
	ASSERT_GE(info_of(cli).timeouts, 1);
	ASSERT_EQ(info_of(cli).state, 2);	/* SYN_SENT */
	ASSERT_GE(twin_stat(NULL, TWIN_STAT_DROP_FILTER), 1);

	detach(lis);
	ASSERT_TRUE(wait_ev(cli, POLLOUT, (int)(8000 * mult())) & POLLOUT);
	ASSERT_EQ(twin_get_int(cli, SOL_SOCKET, SO_ERROR), 0);
	accept_one(lis);
}
