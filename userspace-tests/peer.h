/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A connection whose peer is the test program. Namespace a holds the twin
 * node under test (node 1 on veth-a) and a listener; namespace b has no
 * twin address, so its kernel ignores twin frames, and the peer is an
 * AF_PACKET socket on veth-b that crafts every frame: the solicitation
 * that makes node 1 learn it, the handshake, data, acks, FINs and resets.
 * The test so chooses what no live peer lets it choose: sequence numbers,
 * windows, timing, and which node and port a frame claims to come from.
 * Used by test_conn_peer (reliability) and test_listen_close (hostile
 * peers against a listener).
 */
#ifndef TWIN_PEER_H
#define TWIN_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <linux/twin.h>

#define NODE_A		1
#define NODE_PEER	2
#define LPORT		7000	/* A's listener and A's end */
#define PPORT		40000	/* the peer's end */
#define PEER_WND	(1U << 20)
#define PEER_SACK_MAX	4	/* blocks, as twin sends at most */

struct peer {
	const char *a, *b;
	int type, ftype;
	int pkt;		/* AF_PACKET on veth-b, in b */
	struct sockaddr_ll to;
	unsigned char mac_a[ETH_ALEN], mac_b[ETH_ALEN];
	int lis, srv;		/* A's listener and its accepted socket */
	uint32_t node, port;	/* the peer's: NODE_PEER and PPORT at first */
	uint32_t snd_nxt;	/* the peer's next sequence number */
	uint32_t a_iss;		/* A's initial sequence number */
	bool a_sack;		/* A's SYN|ACK offered SACK */
	uint32_t wnd;		/* the window the peer advertises */
	uint16_t mss;		/* the MSS option of its SYN, 0: none */
	int ack_delay_ms;	/* before the handshake's last ACK */
	bool rst_ok;		/* peer_next() returns A's resets, not fails */
	bool sack;		/* its SYN offers SACK (TWIN_OPT_SACK_PERM) */
	/* SACK blocks its next ACKs without payload carry, [start, end). */
	unsigned int nsack;
	uint32_t sack_blk[PEER_SACK_MAX][2];
};

/* A frame from A to the peer. */
struct got {
	uint16_t flags, len;
	uint16_t mss;		/* its MSS option, 0: none */
	bool sack_perm;		/* SYNs: it offered SACK */
	unsigned int nsack;	/* its SACK blocks, [start, end) */
	uint32_t sack_blk[PEER_SACK_MAX][2];
	uint32_t seq, ack, wnd;
	unsigned char data[2048];
};

/* Namespaces, veth pair, node 1 and A's listener (backlog) on LPORT. */
void peer_up(struct peer *p, int type, int backlog);
/* A frame of type ftype from the peer's node and port to A's LPORT. */
void peer_xmit(struct peer *p, int ftype, uint16_t flags, uint32_t seq,
	       uint32_t ack, const void *payload, size_t plen);
/* A connection frame from the peer at its snd_nxt, acknowledging ack. */
void peer_send(struct peer *p, uint16_t flags, uint32_t ack,
	       const void *payload, size_t plen);
/*
 * The next frame of the connection from A within ms (x mult); false if
 * none came. Other frames (A's advertisement) are skipped; A's checksum
 * is checked. A reset fails the test unless p->rst_ok.
 */
bool peer_next(struct peer *p, int ms, struct got *g);
/* The next frame from A that acknowledges exactly ack. */
void expect_ack(struct peer *p, uint32_t ack, struct got *g, const char *what);
/* The next frame from A with payload; false if none within ms (x mult). */
bool next_data(struct peer *p, int ms, struct got *g);
/*
 * Node 1 learns the peer from its solicitation; then the handshake with
 * the peer's initial sequence number iss, and A's accept(). Checks that
 * SYN takes one sequence number each way.
 */
void peer_connect(struct peer *p, uint32_t iss);
/* peer_connect(), the handshake's last ACK sent ms late. */
void peer_connect_late(struct peer *p, uint32_t iss, int ms);
/* Collect n data frames from A, in order from seq; no retransmission. */
void peer_expect_frames(struct peer *p, uint32_t seq, uint32_t mss, int n);
/* Wait up to ms (x mult) for TWIN_INFO of fd to count n timeouts. */
struct twin_info peer_wait_timeouts(int fd, unsigned int n, int ms);

#endif /* TWIN_PEER_H */
