/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * twin: the AF_TWIN address family.
 *
 * Userspace ABI: the family number, the socket address, socket options,
 * the wire header (so raw-socket users can build frames) and the generic
 * netlink family that twinctl speaks.
 */
#ifndef _UAPI_LINUX_TWIN_H
#define _UAPI_LINUX_TWIN_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * Slot 19 was AF_ECONET, removed in Linux 3.5; nothing in 6.1 or 6.12
 * registers it. The module parameter "family" can move it; the number in
 * use is readable at /sys/module/twin/parameters/family.
 */
#ifndef AF_TWIN
#define AF_TWIN		19
#endif
#ifndef PF_TWIN
#define PF_TWIN		AF_TWIN
#endif

#define TWIN_FAMILY_PARAM	"/sys/module/twin/parameters/family"

/* Node addresses and ports, host byte order in struct sockaddr_twin. */
#define TWIN_NODE_ANY		0U
#define TWIN_NODE_BROADCAST	0xffffffffU
#define TWIN_PORT_ANY		0U
/* Binding a port below this needs CAP_NET_BIND_SERVICE, as for TCP/UDP. */
#define TWIN_PORT_RESERVED	1024U
/* Ephemeral ports are taken from [TWIN_PORT_EPHEMERAL_MIN, 0xffffffff]. */
#define TWIN_PORT_EPHEMERAL_MIN	0x80000000U

/*
 * 16 bytes, like struct sockaddr_in, so generic tools (socat's accept)
 * that pass a 16-byte buffer see the whole address. Reserved bytes must
 * be zero on input (EINVAL otherwise) and are zero on output.
 *
 * stw_ifindex names a device, as sll_ifindex and can_ifindex do: in bind()
 * it binds the socket to the device (0: any; the same binding as
 * SO_BINDTODEVICE), in getsockname() it is the bound device, in recvmsg()
 * of SOCK_DGRAM and SOCK_RAW the device the frame arrived on, and in a
 * destination the device to send through (as sin6_scope_id).
 */
struct sockaddr_twin {
	__kernel_sa_family_t	stw_family;
	__u16			stw_reserved;
	__u32			stw_port;
	__u32			stw_node;
	__s32			stw_ifindex;
};

/* Socket option level for twin's own options. */
#define SOL_TWIN		0x7477

/*
 * SOL_TWIN options of SOCK_STREAM and SOCK_SEQPACKET sockets (int values
 * unless noted). EINVAL for out-of-range values, ENOPROTOOPT for other
 * socket types.
 */
#define TWIN_INFO		1	/* get: struct twin_info */
#define TWIN_USER_TIMEOUT	2	/* ms unacknowledged before ETIMEDOUT */
#define TWIN_KEEPIDLE		3	/* s idle before the first keepalive */
#define TWIN_KEEPINTVL		4	/* s between keepalive probes */
#define TWIN_KEEPCNT		5	/* unanswered probes before ETIMEDOUT */

/* Defaults: a connection gives up after 30 s without an acknowledgment. */
#define TWIN_USER_TIMEOUT_DEFAULT	30000
#define TWIN_KEEPIDLE_DEFAULT		7200
#define TWIN_KEEPINTVL_DEFAULT		75
#define TWIN_KEEPCNT_DEFAULT		9

/* The largest SOCK_SEQPACKET record; larger sends get EMSGSIZE. */
#define TWIN_SEQPACKET_MAX	65536

/*
 * TWIN_INFO, like TCP_INFO: a snapshot of one connection. A shorter
 * buffer gets a prefix; fields are only ever appended.
 */
/* struct twin_info.options */
#define TWIN_INFO_OPT_SACK	0x01	/* selective acknowledgment */

struct twin_info {
	__u8	state;		/* TCP_* value of sk_state */
	__u8	backoff;	/* RTO doublings since the last new ack */
	__u8	options;	/* TWIN_INFO_OPT_*: what the handshake agreed */
	__u8	pad;
	__u32	mss;		/* payload bytes per frame */
	__u32	rtt_us;		/* smoothed round-trip time */
	__u32	rttvar_us;
	__u32	rto_ms;		/* current retransmission timeout */
	__u32	cwnd;		/* congestion window, bytes */
	__u32	ssthresh;	/* slow-start threshold, bytes */
	__u32	snd_wnd;	/* the peer's advertised window, bytes */
	__u32	rcv_wnd;	/* the window this side advertises, bytes */
	__u32	unacked;	/* bytes sent and not yet acknowledged */
	__u32	notsent;	/* bytes queued and not yet sent */
	__u32	retransmits;	/* frames retransmitted */
	__u32	fast_retransmits; /* of those, on duplicate acks */
	__u32	timeouts;	/* retransmission timer expiries */
	__u64	bytes_sent;	/* payload bytes handed to the wire, once */
	__u64	bytes_acked;	/* payload bytes the peer acknowledged */
	__u64	bytes_received;	/* payload bytes delivered in order */
	__u64	frames_out;	/* all frames sent, incl. acks and resends */
	__u64	frames_in;	/* all frames received for this connection */
};

/* The EtherType twin frames use on any Ethernet device. */
#define TWIN_ETH_P		0x88B5	/* ETH_P_802_EX1 */

/*
 * Wire header, version 2 (docs/wire.md has the format byte by byte). All
 * fields are big-endian except csum, which sits where SCTP keeps its CRC
 * (a little-endian 32-bit field at offset 8), so that the kernel's CRC32C
 * offload (CHECKSUM_PARTIAL with csum_not_inet) can fill it: CRC32C
 * (Castagnoli) over the header, options and payload with csum set to zero,
 * stored as cpu_to_le32(~crc32c(~0, ...)).
 *
 * doff is the length of header plus options in 4-byte words (at least
 * TWIN_HLEN / 4); options are TLVs (enum twin_opt). A receiver drops and
 * counts a frame of another version, with a non-zero reserved byte, with
 * a flag it does not know, or with an option that is malformed or that it
 * does not know and whose kind has TWIN_OPT_MANDATORY set.
 */
#define TWIN_VERSION		2

enum twin_frame_type {
	TWIN_T_DGRAM		= 1,	/* datagram to a port */
	TWIN_T_SOLICIT		= 2,	/* neighbour solicitation (broadcast) */
	TWIN_T_ADVERT		= 3,	/* neighbour advertisement (unicast) */
	TWIN_T_STREAM		= 4,	/* connection frame, SOCK_STREAM */
	TWIN_T_SEQPACKET	= 5,	/* connection frame, SOCK_SEQPACKET */
	__TWIN_T_MAX,
};

#define TWIN_T_MAX		(__TWIN_T_MAX - 1)

/* Flags of connection frames; other frames carry none. */
#define TWIN_F_SYN		0x0001
#define TWIN_F_ACK		0x0002
#define TWIN_F_FIN		0x0004
#define TWIN_F_RST		0x0008
#define TWIN_F_EOR		0x0010	/* last fragment of a record */
#define TWIN_F_ALL		0x001f	/* every flag version 2 knows */

struct twinhdr {
	__u8	version;
	__u8	type;
	__u8	doff;		/* header + options, 4-byte words */
	__u8	reserved;	/* zero */
	__be16	flags;
	__be16	len;		/* payload bytes after the options */
	__le32	csum;		/* offset 8, as SCTP's checksum */
	__be32	dst_node;
	__be32	src_node;
	__be32	dst_port;
	__be32	src_port;
	__be32	seq;
	__be32	ack;
	__be32	window;
};

#define TWIN_HLEN		((int)sizeof(struct twinhdr))	/* 40 */
#define TWIN_DOFF_MIN		(TWIN_HLEN / 4)
#define TWIN_HLEN_MAX		(255 * 4)	/* doff is 8 bits */

/*
 * Options: kind, length (of kind, length and value), value; except
 * TWIN_OPT_END, which ends the list (the rest of the header is zero
 * padding), and TWIN_OPT_NOP, one byte of padding. Unknown kinds are
 * skipped unless TWIN_OPT_MANDATORY is set in the kind.
 */
enum twin_opt {
	TWIN_OPT_END		= 0,
	TWIN_OPT_NOP		= 1,
	TWIN_OPT_MSS		= 2,	/* __be16: largest payload this end takes */
	TWIN_OPT_SACK_PERM	= 3,	/* no value: this end reads TWIN_OPT_SACK */
	TWIN_OPT_SACK		= 4,	/* 1 or more blocks: __be32 left, right */
};

#define TWIN_OPT_MANDATORY	0x80
#define TWIN_OPT_MSS_LEN	4
#define TWIN_OPT_SACK_PERM_LEN	2
/* A SACK option's length: kind and length, then 8 bytes a block. */
#define TWIN_OPT_SACK_LEN(blocks)	(2 + 8 * (blocks))
/* A SYN without TWIN_OPT_MSS: the peer takes frames of this payload. */
#define TWIN_MSS_DEFAULT	536

/* Generic netlink. */
#define TWIN_GENL_NAME		"twin"
#define TWIN_GENL_VERSION	1

enum twin_cmd {
	TWIN_CMD_UNSPEC,
	TWIN_CMD_ADDR_NEW,	/* IFINDEX or IFNAME, NODE */
	TWIN_CMD_ADDR_DEL,	/* IFINDEX or IFNAME, and/or NODE */
	TWIN_CMD_ADDR_GET,	/* dump */
	TWIN_CMD_LINK_NEW,	/* IFNAME, optional SEGMENT: a twin device */
	TWIN_CMD_LINK_GET,	/* dump: twin devices and attached devices */
	TWIN_CMD_NEIGH_GET,	/* dump */
	TWIN_CMD_NEIGH_FLUSH,	/* optional IFINDEX/IFNAME */
	TWIN_CMD_SOCK_GET,	/* dump */
	TWIN_CMD_STATS_GET,	/* doit: the namespace's counters */
	TWIN_CMD_NEIGH_NEW,	/* event: an entry appeared or changed */
	TWIN_CMD_NEIGH_DEL,	/* event: an entry went away */
	__TWIN_CMD_MAX,
};

#define TWIN_CMD_MAX		(__TWIN_CMD_MAX - 1)

/*
 * Multicast groups: a socket that joins one (NETLINK_ADD_MEMBERSHIP with
 * the id the controller gives for the name) receives its events for the
 * socket's namespace as they happen, with the attributes of the dump.
 */
#define TWIN_MCGRP_NEIGH	"neigh"	/* TWIN_CMD_NEIGH_NEW, TWIN_CMD_NEIGH_DEL */

enum twin_attr {
	TWIN_A_UNSPEC,
	TWIN_A_PAD,
	TWIN_A_IFINDEX,		/* u32 */
	TWIN_A_IFNAME,		/* string */
	TWIN_A_NODE,		/* u32 */
	TWIN_A_SEGMENT,		/* u32, twin devices only */
	TWIN_A_LLADDR,		/* binary, ETH_ALEN */
	TWIN_A_VIRTUAL,		/* flag: the device is a twin device */
	TWIN_A_MTU,		/* u32 */
	TWIN_A_UP,		/* u8: administratively up and carrier on */
	TWIN_A_STATS,		/* nested, enum twin_stat */
	TWIN_A_NEIGH_STATE,	/* u8, enum twin_neigh_state */
	TWIN_A_SOCK_TYPE,	/* u32, SOCK_* */
	TWIN_A_SOCK_STATE,	/* u8, TCP_* values */
	TWIN_A_SOCK_NODE,	/* u32, local node */
	TWIN_A_SOCK_PORT,	/* u32, local port */
	TWIN_A_SOCK_PEER_NODE,	/* u32 */
	TWIN_A_SOCK_PEER_PORT,	/* u32 */
	TWIN_A_SOCK_RQUEUE,	/* u32, bytes */
	TWIN_A_SOCK_WQUEUE,	/* u32, bytes */
	TWIN_A_SOCK_INODE,	/* u64 */
	TWIN_A_SOCK_DROPS,	/* u32 */
	TWIN_A_NEIGH_CONFIRMED,	/* u32, ms since the entry was last confirmed */
	TWIN_A_SOCK_IFINDEX,	/* u32, bound device, 0 for none */
	__TWIN_A_MAX,
};

#define TWIN_A_MAX		(__TWIN_A_MAX - 1)

/* As the kernel's NUD_* states, reduced to what twin needs. */
enum twin_neigh_state {
	TWIN_NEIGH_INCOMPLETE,	/* discovery running, frames wait */
	TWIN_NEIGH_REACHABLE,	/* confirmed within neigh_reachable_ms */
	TWIN_NEIGH_FAILED,	/* discovery got no answer */
	TWIN_NEIGH_STALE,	/* not confirmed lately, still used */
	TWIN_NEIGH_PROBE,	/* used while solicitations re-confirm it */
};

/* Counters, per namespace and per attached device (u64 attributes). */
enum twin_stat {
	TWIN_STAT_UNSPEC,
	TWIN_STAT_PAD,
	TWIN_STAT_RX_FRAMES,
	TWIN_STAT_RX_BYTES,
	TWIN_STAT_TX_FRAMES,
	TWIN_STAT_TX_BYTES,
	TWIN_STAT_DELIVERED,		/* handed to a socket */
	TWIN_STAT_DROP_SHORT,		/* shorter than the header */
	TWIN_STAT_DROP_VERSION,		/* unknown version */
	TWIN_STAT_DROP_LENGTH,		/* len disagrees with the frame */
	TWIN_STAT_DROP_CSUM,		/* CRC32C mismatch */
	TWIN_STAT_DROP_TYPE,		/* unknown frame type */
	TWIN_STAT_DROP_ADDR,		/* not for a local node, bad source */
	TWIN_STAT_DROP_NO_SOCKET,	/* no socket on the port */
	TWIN_STAT_DROP_RCVBUF,		/* receive buffer full */
	TWIN_STAT_DROP_NEIGH,		/* destination did not resolve */
	TWIN_STAT_DROP_NOMEM,		/* allocation failed */
	TWIN_STAT_NEIGH_SOLICIT,	/* solicitations sent */
	TWIN_STAT_NEIGH_ADVERT,		/* advertisements sent */
	TWIN_STAT_DROP_HEADER,		/* bad doff, reserved bits or flags */
	TWIN_STAT_DROP_OPTION,		/* malformed or unknown mandatory */
	TWIN_STAT_DROP_FILTER,		/* a socket filter refused it */
	TWIN_STAT_SYNCOOKIES_SENT,	/* SYN|ACKs with a SYN cookie */
	TWIN_STAT_SYNCOOKIES_RECV,	/* ACKs with a good one: a child */
	TWIN_STAT_SYNCOOKIES_FAILED,	/* ACKs with a bad one: a reset */
	TWIN_STAT_DROP_MEMORY,		/* twin memory exhausted (net.twin.mem) */
	TWIN_STAT_ORPHANS_ABORTED,	/* closed connections given up early */
	TWIN_STAT_RX_GRO,		/* frames merged on arrival (GRO) */
	__TWIN_STAT_MAX,
};

#define TWIN_STAT_MAX		(__TWIN_STAT_MAX - 1)

#endif /* _UAPI_LINUX_TWIN_H */
