// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the kernel side, LD_PRELOADed over libmnl's socket calls,
 * so twinctl's parsing and printing can be tested where twin.ko cannot be
 * loaded. The attribute and message helpers stay the real libmnl ones.
 *
 * FAKENL selects the scenario: ok (default), nofamily, eexist, missattr,
 * uncapped, dumperr, intr, malformed. FAKENL_LOG names a file that gets
 * one line per twin request, so tests can check what twinctl sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/twin.h>

#define FAMILY_ID	0x1d
#define PORTID		4242

struct mnl_socket {
	int unused;
};

static struct mnl_socket the_sock;
static _Alignas(8) char out[65536];
static size_t out_len, out_off;
static uint32_t req_seq;

static const char *mode(void)
{
	const char *m = getenv("FAKENL");

	return m ? m : "ok";
}

static struct nlmsghdr *reply(uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(out + out_len);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req_seq;
	nlh->nlmsg_pid = PORTID;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TWIN_GENL_VERSION;
	return nlh;
}

static void done(struct nlmsghdr *nlh)
{
	out_len += nlh->nlmsg_len;
}

/* An ACK or error; msg and miss (>= 0) become extack TLVs. */
static void ack(const struct nlmsghdr *req, int error, const char *msg, int miss,
		bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(out + out_len);
	struct nlmsgerr *err;
	size_t echo = capped ? sizeof(*req) : req->nlmsg_len;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) |
			   (msg || miss >= 0 ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = req_seq;
	nlh->nlmsg_pid = PORTID;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err) - sizeof(*req) + echo);
	err->error = error;
	memcpy(&err->msg, req, echo);
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (miss >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, (uint32_t)miss);
	out_len += nlh->nlmsg_len;
}

static void dump_done(int error, const char *msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(out + out_len);
	int *e;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | (msg ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = req_seq;
	nlh->nlmsg_pid = PORTID;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	*e = error;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	out_len += nlh->nlmsg_len;
}

static void put_stats(struct nlmsghdr *nlh, uint64_t base)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, TWIN_A_STATS);

	/* Reverse order and an unknown counter: twinctl must cope with both. */
	mnl_attr_put_u64(nlh, 200, 99);
	for (int i = TWIN_STAT_MAX; i >= TWIN_STAT_RX_FRAMES; i--)
		mnl_attr_put_u64(nlh, i, base + (uint64_t)i);
	mnl_attr_nest_end(nlh, nest);
}

static const uint8_t mac7[6] = { 2, 0, 0, 0, 0, 7 };
static const uint8_t mac9[6] = { 2, 0, 0, 0, 0, 9 };

static void link_dump(void)
{
	struct nlmsghdr *nlh = reply(FAMILY_ID, NLM_F_MULTI, TWIN_CMD_LINK_GET);

	mnl_attr_put_u32(nlh, TWIN_A_IFINDEX, 3);
	mnl_attr_put_strz(nlh, TWIN_A_IFNAME, "tw0");
	if (!strcmp(mode(), "malformed")) {
		mnl_attr_put_u16(nlh, TWIN_A_NODE, 7);		/* u16, not u32 */
		mnl_attr_put(nlh, TWIN_A_LLADDR, 4, mac7);	/* short MAC */
	} else {
		mnl_attr_put_u32(nlh, TWIN_A_NODE, 7);
		mnl_attr_put(nlh, TWIN_A_LLADDR, 6, mac7);
	}
	mnl_attr_put_u32(nlh, TWIN_A_SEGMENT, 0);
	mnl_attr_put(nlh, TWIN_A_VIRTUAL, 0, NULL);
	mnl_attr_put_u32(nlh, TWIN_A_MTU, 1500);
	mnl_attr_put_u8(nlh, TWIN_A_UP, 1);
	mnl_attr_put_u32(nlh, 120, 5);			/* from a newer kernel */
	put_stats(nlh, 1000);
	done(nlh);

	nlh = reply(FAMILY_ID, NLM_F_MULTI, TWIN_CMD_LINK_GET);
	mnl_attr_put_u32(nlh, TWIN_A_IFINDEX, 2);
	mnl_attr_put_strz(nlh, TWIN_A_IFNAME, "eth0");
	mnl_attr_put(nlh, TWIN_A_LLADDR, 6, mac9);
	mnl_attr_put_u32(nlh, TWIN_A_MTU, 9000);
	mnl_attr_put_u8(nlh, TWIN_A_UP, 0);
	put_stats(nlh, 2000);
	if (!strcmp(mode(), "intr"))
		nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	done(nlh);
}

static void addr_dump(void)
{
	struct nlmsghdr *nlh = reply(FAMILY_ID, NLM_F_MULTI, TWIN_CMD_ADDR_GET);

	mnl_attr_put_u32(nlh, TWIN_A_IFINDEX, 3);
	mnl_attr_put_strz(nlh, TWIN_A_IFNAME, "tw0");
	mnl_attr_put_u32(nlh, TWIN_A_NODE, 7);
	done(nlh);
	nlh = reply(FAMILY_ID, NLM_F_MULTI, TWIN_CMD_ADDR_GET);
	mnl_attr_put_u32(nlh, TWIN_A_IFINDEX, 2);
	mnl_attr_put_strz(nlh, TWIN_A_IFNAME, "lo");
	mnl_attr_put_u32(nlh, TWIN_A_NODE, 4294967294u);
	done(nlh);
}

static void neigh_dump(void)
{
	static const struct { uint32_t node; uint8_t state; const uint8_t *mac; } n[] = {
		{ 9, TWIN_NEIGH_REACHABLE, mac9 },
		{ 10, TWIN_NEIGH_INCOMPLETE, NULL },
		{ 11, 7, NULL },
	};

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		struct nlmsghdr *nlh = reply(FAMILY_ID, NLM_F_MULTI, TWIN_CMD_NEIGH_GET);

		mnl_attr_put_u32(nlh, TWIN_A_NODE, n[i].node);
		mnl_attr_put_u32(nlh, TWIN_A_IFINDEX, 3);
		mnl_attr_put_strz(nlh, TWIN_A_IFNAME, "tw0");
		if (n[i].mac)
			mnl_attr_put(nlh, TWIN_A_LLADDR, 6, n[i].mac);
		mnl_attr_put_u8(nlh, TWIN_A_NEIGH_STATE, n[i].state);
		done(nlh);
	}
}

static void sock_dump(void)
{
	static const struct { uint32_t type; uint8_t state; uint32_t v[6]; } s[] = {
		{ SOCK_DGRAM, 7, { 0, 1234, 0, 0, 0, 0 } },
		{ SOCK_STREAM, 1, { 7, 0x80000001u, 9, 80, 100, 200 } },
		{ 9, 42, { 1, 2, 3, 4, 5, 6 } },
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct nlmsghdr *nlh = reply(FAMILY_ID, NLM_F_MULTI, TWIN_CMD_SOCK_GET);

		mnl_attr_put_u32(nlh, TWIN_A_SOCK_TYPE, s[i].type);
		mnl_attr_put_u8(nlh, TWIN_A_SOCK_STATE, s[i].state);
		for (int a = 0; a < 6; a++)
			mnl_attr_put_u32(nlh, TWIN_A_SOCK_NODE + a, s[i].v[a]);
		mnl_attr_put_u64(nlh, TWIN_A_SOCK_INODE, 1ull << 40 | i);
		mnl_attr_put_u32(nlh, TWIN_A_SOCK_DROPS, (uint32_t)i);
		done(nlh);
	}
}

static void log_request(const struct nlmsghdr *nlh, const struct genlmsghdr *genl)
{
	const char *path = getenv("FAKENL_LOG");
	const struct nlattr *attr;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "cmd %u version %u flags 0x%x", genl->cmd, genl->version,
		nlh->nlmsg_flags);
	mnl_attr_for_each(attr, nlh, sizeof(*genl)) {
		switch (mnl_attr_get_type(attr)) {
		case TWIN_A_IFNAME:
			fprintf(f, " ifname %s", mnl_attr_get_str(attr));
			break;
		default:
			fprintf(f, " attr%u %u", mnl_attr_get_type(attr),
				mnl_attr_get_u32(attr));
		}
	}
	fputc('\n', f);
	fclose(f);
}

static void twin_request(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const char *m = mode();

	log_request(nlh, genl);
	if (!(nlh->nlmsg_flags & NLM_F_DUMP)) {
		if (!strcmp(m, "eexist")) {
			ack(nlh, -EEXIST, "node 7 is already assigned in this namespace", -1, true);
		} else if (!strcmp(m, "missattr")) {
			ack(nlh, -EINVAL, NULL, TWIN_A_IFNAME, true);
		} else if (!strcmp(m, "uncapped")) {
			ack(nlh, -ENODEV, "no such device", -1, false);
		} else {
			if (genl->cmd == TWIN_CMD_STATS_GET) {
				struct nlmsghdr *r = reply(FAMILY_ID, 0, TWIN_CMD_STATS_GET);

				put_stats(r, 0);
				done(r);
			}
			ack(nlh, 0, NULL, -1, true);
		}
		return;
	}
	switch (genl->cmd) {
	case TWIN_CMD_ADDR_GET:
		addr_dump();
		break;
	case TWIN_CMD_LINK_GET:
		link_dump();
		break;
	case TWIN_CMD_NEIGH_GET:
		neigh_dump();
		break;
	case TWIN_CMD_SOCK_GET:
		sock_dump();
		break;
	}
	if (!strcmp(m, "dumperr"))
		dump_done(-EPERM, "dump needs CAP_NET_ADMIN");
	else
		dump_done(0, NULL);
}

static void ctrl_request(const struct nlmsghdr *nlh)
{
	struct nlmsghdr *r;

	if (!strcmp(mode(), "nofamily")) {
		ack(nlh, -ENOENT, NULL, -1, true);
		return;
	}
	r = reply(GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(r, CTRL_ATTR_FAMILY_NAME, TWIN_GENL_NAME);
	mnl_attr_put_u16(r, CTRL_ATTR_FAMILY_ID, FAMILY_ID);
	mnl_attr_put_u32(r, CTRL_ATTR_VERSION, TWIN_GENL_VERSION);
	done(r);
	ack(nlh, 0, NULL, -1, true);
}

struct mnl_socket *mnl_socket_open(int bus)
{
	(void)bus;
	return &the_sock;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len)
{
	(void)nl, (void)type, (void)buf, (void)len;
	return 0;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl, (void)groups, (void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return PORTID;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	(void)nl;
	out_len = out_off = 0;
	req_seq = nlh->nlmsg_seq;
	if (nlh->nlmsg_type == GENL_ID_CTRL)
		ctrl_request(nlh);
	else if (nlh->nlmsg_type == FAMILY_ID)
		twin_request(nlh);
	else
		ack(nlh, -EOPNOTSUPP, NULL, -1, true);
	return (ssize_t)len;
}

/* Hands out the queued replies one message per datagram, as a dump would. */
ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const void *)(out + out_off);

	(void)nl;
	if (out_off >= out_len) {
		errno = EAGAIN;
		return -1;
	}
	if (nlh->nlmsg_len > len) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, nlh, nlh->nlmsg_len);
	out_off += nlh->nlmsg_len;
	return nlh->nlmsg_len;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	return 0;
}
