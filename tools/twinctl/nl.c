// SPDX-License-Identifier: GPL-2.0
/* Generic netlink over libmnl, after iproute2's lib/mnl_utils.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"
#include "twinctl.h"

/*
 * The kernel sizes a dump skb after the reader's last buffer, up to 32 KiB;
 * a reply that does not fit is truncated and libmnl reports ENOSPC.
 */
#define NL_BUF_SIZE	32768
/* Multicast groups a family may have, as the controller lists them. */
#define NL_MAX_GROUPS	8

struct nl_group {
	char name[GENL_NAMSIZ];
	uint32_t id;
};

struct nl {
	struct mnl_socket *sock;
	const struct nl_family *fam;
	uint16_t id;
	uint32_t seq;
	uint32_t portid;
	unsigned int ngroups;
	struct nl_group groups[NL_MAX_GROUPS];
	char buf[NL_BUF_SIZE];
};

/* One request/response exchange, shared by the data and control callbacks. */
struct talk {
	mnl_cb_t cb;
	void *arg;
	int error;		/* errno from the kernel's ACK or DONE */
	char msg[256];		/* extack message, "" if none */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
};

static void read_extack(struct talk *t, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (!mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
				snprintf(t->msg, sizeof(t->msg), "%s",
					 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32))
				t->miss_type = (int)mnl_attr_get_u32(attr);
			break;
		}
	}
}

static int cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	if (!t->cb || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return MNL_CB_OK;
	return t->cb(nlh, t->arg);
}

static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct talk *t = data;
	size_t off = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		t->error = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Without NETLINK_CAP_ACK (old kernels) our request is echoed first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	read_extack(t, nlh, off);
	/* Subsystems disagree on the sign; iproute2 accepts both. */
	t->error = err->error < 0 ? -err->error : err->error;
	return t->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

/* A dump that fails after it started reports in NLMSG_DONE, not an ACK. */
static int cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	read_extack(t, nlh, sizeof(err));
	if (err < 0) {
		t->error = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* Not const: libmnl 1.0.4's mnl_cb_run2() takes a plain mnl_cb_t *. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP]	= NULL,
	[NLMSG_ERROR]	= cb_error,
	[NLMSG_DONE]	= cb_done,
	[NLMSG_OVERRUN]	= NULL,
};

/*
 * Returns 0 or a positive errno. *kernel tells whether the kernel said no
 * (t->msg may explain) or the exchange itself failed.
 */
static int exchange(struct nl *nl, struct nlmsghdr *nlh, struct talk *t,
		    bool *kernel)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t len;
	int ret;

	t->error = 0;
	t->msg[0] = '\0';
	t->miss_type = -1;
	*kernel = false;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return errno;
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0)
			return errno;
		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)len, seq, nl->portid,
				  cb_data, t, ctl_cbs, NLMSG_MIN_TYPE);
	} while (ret > 0);
	if (ret < 0 && t->error) {
		*kernel = true;
		return t->error;
	}
	if (ret < 0)
		return errno ? errno : EPROTO;
	if (t->msg[0])
		fprintf(stderr, TWINCTL_NAME ": warning: %s\n", t->msg);
	return 0;
}

static void report(const struct nl *nl, int err, bool kernel,
		   const struct talk *t)
{
	const struct nl_family *fam = nl->fam;

	if (!kernel) {
		/* libmnl's EINTR means NLM_F_DUMP_INTR: the tables changed mid-dump. */
		if (err == EINTR)
			fputs(TWINCTL_NAME ": dump interrupted by a concurrent change, try again\n",
			      stderr);
		else
			fprintf(stderr, TWINCTL_NAME ": netlink: %s\n", strerror(err));
		return;
	}
	fprintf(stderr, TWINCTL_NAME ": %s", strerror(err));
	if (t->msg[0])
		fprintf(stderr, ": %s", t->msg);
	else if (t->miss_type >= 0 && (unsigned int)t->miss_type <= fam->attr_max &&
		 fam->attr_names[t->miss_type])
		fprintf(stderr, ": missing attribute %s", fam->attr_names[t->miss_type]);
	else if (t->miss_type >= 0)
		fprintf(stderr, ": missing attribute %d", t->miss_type);
	fputc('\n', stderr);
}

/* One entry of CTRL_ATTR_MCAST_GROUPS: a name and its id. */
static void family_group(struct nl *nl, const struct nlattr *grp)
{
	const struct nlattr *attr;
	struct nl_group g = { .name = "" };
	bool has_id = false;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (!mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
				snprintf(g.name, sizeof(g.name), "%s",
					 mnl_attr_get_str(attr));
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32)) {
				g.id = mnl_attr_get_u32(attr);
				has_id = true;
			}
			break;
		}
	}
	if (g.name[0] && has_id && nl->ngroups < NL_MAX_GROUPS)
		nl->groups[nl->ngroups++] = g;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *grp;
	struct nl *nl = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (!mnl_attr_validate(attr, MNL_TYPE_U16))
				nl->id = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			if (mnl_attr_validate(attr, MNL_TYPE_NESTED))
				break;
			mnl_attr_for_each_nested(grp, attr)
				family_group(nl, grp);
			break;
		}
	}
	return MNL_CB_OK;
}

static int resolve_family(struct nl *nl)
{
	struct talk t = { .cb = family_cb, .arg = nl };
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	bool kernel;
	int err;

	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, nl->fam->name);

	err = exchange(nl, nlh, &t, &kernel);
	if (err == ENOENT && kernel) {
		fprintf(stderr, TWINCTL_NAME ": generic netlink family \"%s\" not found%s%s\n",
			nl->fam->name, nl->fam->missing_hint ? ": " : "",
			nl->fam->missing_hint ? nl->fam->missing_hint : "");
		return -1;
	}
	if (err) {
		report(nl, err, kernel, &t);
		return -1;
	}
	if (!nl->id) {
		fprintf(stderr, TWINCTL_NAME ": no id for generic netlink family \"%s\"\n",
			nl->fam->name);
		return -1;
	}
	return 0;
}

struct nl *nl_open(const struct nl_family *fam)
{
	struct nl *nl;
	int one = 1;

	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		fprintf(stderr, TWINCTL_NAME ": %s\n", strerror(errno));
		return NULL;
	}
	nl->fam = fam;
	nl->seq = (uint32_t)time(NULL);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		goto err;
	/*
	 * Both are best effort, as in iproute2: kernels before 4.12 lack
	 * EXT_ACK and then we simply have no message to show.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	nl->portid = mnl_socket_get_portid(nl->sock);
	if (resolve_family(nl)) {
		nl_close(nl);
		return NULL;
	}
	return nl;
err:
	fprintf(stderr, TWINCTL_NAME ": cannot open generic netlink socket: %s\n",
		strerror(errno));
	nl_close(nl);
	return NULL;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = nl->id;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = nl->fam->version;
	return nlh;
}

int nl_join(struct nl *nl, const char *group)
{
	for (unsigned int i = 0; i < nl->ngroups; i++) {
		if (strcmp(nl->groups[i].name, group))
			continue;
		if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
					  &nl->groups[i].id,
					  sizeof(nl->groups[i].id)) < 0) {
			fprintf(stderr, TWINCTL_NAME ": cannot join group \"%s\": %s\n",
				group, strerror(errno));
			return -1;
		}
		return 0;
	}
	fprintf(stderr, TWINCTL_NAME ": generic netlink family \"%s\" has no group \"%s\" (an older module?)\n",
		nl->fam->name, group);
	return -1;
}

int nl_listen(struct nl *nl, mnl_cb_t cb, void *arg)
{
	ssize_t len;
	int ret;

	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0 && errno == EINTR)
			continue;
		/* The kernel had to drop events: say so, and go on. */
		if (len < 0 && errno == ENOBUFS) {
			fprintf(stderr, TWINCTL_NAME ": events were lost (%s)\n",
				strerror(errno));
			continue;
		}
		if (len < 0) {
			fprintf(stderr, TWINCTL_NAME ": %s\n", strerror(errno));
			return -1;
		}
		/* Events carry sequence number and port id 0. */
		ret = mnl_cb_run(nl->buf, (size_t)len, 0, 0, cb, arg);
		if (ret < 0) {
			fprintf(stderr, TWINCTL_NAME ": %s\n", strerror(errno));
			return -1;
		}
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	struct talk t = { .cb = cb, .arg = arg };
	bool kernel;
	int err;

	err = exchange(nl, nlh, &t, &kernel);
	if (err)
		report(nl, err, kernel, &t);
	return err ? -1 : 0;
}

struct parse {
	const struct nl_policy *pol;
	unsigned int max;
	const struct nlattr **tb;
};

static int parse_attr(const struct nlattr *attr, void *data)
{
	static bool warned;
	const struct parse *p = data;
	unsigned int type = mnl_attr_get_type(attr);
	const struct nl_policy *pol;
	int bad;

	if (type > p->max || p->pol[type].type == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	pol = &p->pol[type];
	bad = pol->len ? mnl_attr_validate2(attr, pol->type, pol->len)
		       : mnl_attr_validate(attr, pol->type);
	if (bad) {
		if (!warned)
			fprintf(stderr, TWINCTL_NAME ": warning: ignoring malformed attribute %u from the kernel\n",
				type);
		warned = true;
		return MNL_CB_OK;
	}
	p->tb[type] = attr;
	return MNL_CB_OK;
}

void nl_parse(const struct nlmsghdr *nlh, const struct nl_policy *pol,
	      unsigned int max, const struct nlattr **tb)
{
	struct parse p = { pol, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_attr, &p);
}

void nl_parse_nested(const struct nlattr *nest, const struct nl_policy *pol,
		     unsigned int max, const struct nlattr **tb)
{
	struct parse p = { pol, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_parse_nested(nest, parse_attr, &p);
}
