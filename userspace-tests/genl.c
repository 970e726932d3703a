// SPDX-License-Identifier: GPL-2.0
/* A minimal generic netlink client; see genl.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/twin.h>

#include "genl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define GENL_BUF 16384

int genl_open(void)
{
	int fd, one = 1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	/* Both are optional for the kernel: ignore errors. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void genl_attrs(const struct nlattr *attrs, size_t len,
		void (*cb)(uint16_t type, const void *data, uint16_t len,
			   void *arg), void *arg)
{
	const char *p = (const char *)attrs;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t alen = (size_t)NLA_ALIGN(a->nla_len);

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return;
		cb(a->nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN,
		   a->nla_len - NLA_HDRLEN, arg);
		if (alen > len)
			return;
		p += alen;
		len -= alen;
	}
}

void nl_extack(const struct nlmsghdr *nlh, char *out, size_t outlen)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t off = sizeof(*err);
	const char *p;
	size_t len;

	if (!out || !outlen)
		return;
	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(err->msg);
	if (NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return;
	p = (const char *)NLMSG_DATA(nlh) + off;
	len = nlh->nlmsg_len - NLMSG_HDRLEN - off;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(out, outlen, "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 p + NLA_HDRLEN);
			return;
		}
		if ((size_t)NLA_ALIGN(a->nla_len) > len)
			return;
		p += NLA_ALIGN(a->nla_len);
		len -= (size_t)NLA_ALIGN(a->nla_len);
	}
}

int genl_call(int fd, uint16_t family, uint8_t cmd, int dump,
	      const struct genl_attr *attrs, int nattrs,
	      genl_cb cb, void *arg, char *extack, size_t extack_len)
{
	static unsigned int seq = 1;
	char buf[GENL_BUF] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g;
	size_t len;
	int i;

	if (extack && extack_len)
		extack[0] = '\0';
	memset(buf, 0, NLMSG_SPACE(GENL_HDRLEN));
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = ++seq;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = family == GENL_ID_CTRL ? 1 : TWIN_GENL_VERSION;
	len = NLMSG_SPACE(GENL_HDRLEN);
	for (i = 0; i < nattrs; i++) {
		struct nlattr *a = (struct nlattr *)(buf + len);

		if (len + NLA_ALIGN(NLA_HDRLEN + attrs[i].len) > sizeof(buf))
			return -EMSGSIZE;
		a->nla_type = attrs[i].type;
		a->nla_len = NLA_HDRLEN + attrs[i].len;
		memcpy((char *)a + NLA_HDRLEN, attrs[i].data, attrs[i].len);
		memset((char *)a + a->nla_len, 0,
		       NLA_ALIGN(a->nla_len) - a->nla_len);
		len += NLA_ALIGN(a->nla_len);
	}
	nlh->nlmsg_len = len;
	if (send(fd, buf, len, 0) < 0)
		return -errno;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				nl_extack(nlh, extack, extack_len);
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				/* A dump ends here, with its status. */
				int st = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&st, NLMSG_DATA(nlh), sizeof(int));
				return st;
			}
			if (cb) {
				g = NLMSG_DATA(nlh);
				cb((const struct nlattr *)((char *)g + GENL_HDRLEN),
				   nlh->nlmsg_len - NLMSG_SPACE(GENL_HDRLEN),
				   arg);
			}
		}
	}
}

struct family_arg {
	int id;
};

static void family_attr(uint16_t type, const void *data, uint16_t len,
			void *arg)
{
	struct family_arg *fa = arg;

	if (type == CTRL_ATTR_FAMILY_ID && len >= 2)
		fa->id = *(const uint16_t *)data;
}

static void family_cb(const struct nlattr *attrs, size_t len, void *arg)
{
	genl_attrs(attrs, len, family_attr, arg);
}

int genl_family(int fd, const char *name)
{
	struct genl_attr a = {
		CTRL_ATTR_FAMILY_NAME, (uint16_t)(strlen(name) + 1), name
	};
	struct family_arg fa = { -ENOENT };
	int err;

	err = genl_call(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, &a, 1,
			family_cb, &fa, NULL, 0);
	if (err)
		return err;
	return fa.id;
}

struct stats_arg {
	uint64_t *stats;
	int n;
	int found;
};

static void stat_attr(uint16_t type, const void *data, uint16_t len,
		      void *arg)
{
	struct stats_arg *sa = arg;
	uint64_t v = 0;

	if (len == 8)
		memcpy(&v, data, 8);
	else if (len == 4)
		v = *(const uint32_t *)data;
	else
		return;
	if (type < sa->n)
		sa->stats[type] = v;
}

static void stats_top(uint16_t type, const void *data, uint16_t len,
		      void *arg)
{
	struct stats_arg *sa = arg;

	if (type != TWIN_A_STATS)
		return;
	sa->found = 1;
	genl_attrs(data, len, stat_attr, arg);
}

static void stats_cb(const struct nlattr *attrs, size_t len, void *arg)
{
	genl_attrs(attrs, len, stats_top, arg);
}

int twin_stats_read(uint64_t *stats, int nstats)
{
	struct stats_arg sa = { stats, nstats, 0 };
	int fd, fam, err;

	memset(stats, 0, sizeof(*stats) * nstats);
	fd = genl_open();
	if (fd < 0)
		return -errno;
	fam = genl_family(fd, TWIN_GENL_NAME);
	if (fam < 0) {
		close(fd);
		return fam;
	}
	err = genl_call(fd, fam, TWIN_CMD_STATS_GET, 0, NULL, 0, stats_cb,
			&sa, NULL, 0);
	close(fd);
	if (err)
		return err;
	return sa.found ? 0 : -ENODATA;
}
