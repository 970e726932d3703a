// SPDX-License-Identifier: GPL-2.0
/* A minimal rtnetlink client; see rtnl.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "genl.h"
#include "rtnl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define RTNL_BUF 4096

struct rtnl_req {
	char buf[RTNL_BUF] __attribute__((aligned(4)));
	size_t len;
	int overflow;
};

int rtnl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	/* Both are optional for the kernel: ignore errors. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* A request of type with flags, an ifinfomsg and no attributes yet. */
static struct ifinfomsg *req_init(struct rtnl_req *r, uint16_t type,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)r->buf;

	memset(r->buf, 0, NLMSG_SPACE(sizeof(struct ifinfomsg)));
	r->len = NLMSG_SPACE(sizeof(struct ifinfomsg));
	r->overflow = 0;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(nlh);
}

/* Append an attribute; returns its offset (for nesting) or 0. */
static size_t req_attr(struct rtnl_req *r, uint16_t type, const void *data,
		       size_t len)
{
	size_t off = r->len;
	struct nlattr *a = (struct nlattr *)(r->buf + off);

	if (off + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(r->buf)) {
		r->overflow = 1;
		return 0;
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(r->buf + off + NLA_HDRLEN, data, len);
	memset(r->buf + off + a->nla_len, 0, NLA_ALIGN(a->nla_len) - a->nla_len);
	r->len += NLA_ALIGN(a->nla_len);
	return off;
}

static void req_nest_end(struct rtnl_req *r, size_t off)
{
	if (!r->overflow)
		((struct nlattr *)(r->buf + off))->nla_len = r->len - off;
}

/* Send the request and wait for its acknowledgement. */
static int req_call(int fd, struct rtnl_req *r, char *extack,
		    size_t extack_len)
{
	static unsigned int seq;
	struct nlmsghdr *nlh = (struct nlmsghdr *)r->buf;
	char buf[RTNL_BUF] __attribute__((aligned(4)));

	if (extack && extack_len)
		extack[0] = '\0';
	if (r->overflow)
		return -EMSGSIZE;
	nlh->nlmsg_len = r->len;
	nlh->nlmsg_seq = ++seq;
	if (send(fd, r->buf, r->len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			nl_extack(h, extack, extack_len);
			return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

int rtnl_link_add(int fd, const char *name, const char *kind,
		  char *extack, size_t extack_len)
{
	struct rtnl_req r;
	size_t info;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	info = req_attr(&r, IFLA_LINKINFO, NULL, 0);
	req_attr(&r, IFLA_INFO_KIND, kind, strlen(kind));
	req_nest_end(&r, info);
	return req_call(fd, &r, extack, extack_len);
}

int rtnl_link_up(int fd, const char *name, unsigned int mtu, char *extack,
		 size_t extack_len)
{
	struct ifinfomsg *ifi;
	struct rtnl_req r;
	uint32_t m = mtu;

	ifi = req_init(&r, RTM_NEWLINK, 0);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	if (mtu)
		req_attr(&r, IFLA_MTU, &m, sizeof(m));
	return req_call(fd, &r, extack, extack_len);
}

int rtnl_link_del(int fd, const char *name, char *extack, size_t extack_len)
{
	struct rtnl_req r;

	req_init(&r, RTM_DELLINK, 0);
	req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	return req_call(fd, &r, extack, extack_len);
}
