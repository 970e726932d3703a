/* SPDX-License-Identifier: GPL-2.0 */
/* Generic netlink over libmnl, after iproute2's lib/mnl_utils.c. */
#ifndef TWINCTL_NL_H
#define TWINCTL_NL_H

#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl_family {
	const char *name;
	uint8_t version;
	const char *missing_hint;	/* appended when the family is absent */
	const char *const *attr_names;	/* for "missing attribute X" */
	unsigned int attr_max;
};

/* What the parser expects of one attribute; type UNSPEC means "ignore". */
struct nl_policy {
	enum mnl_attr_data_type type;
	uint16_t len;			/* exact length for MNL_TYPE_BINARY */
};

struct nl;

/* NULL after printing why (socket, or family not registered). */
struct nl *nl_open(const struct nl_family *fam);
void nl_close(struct nl *nl);

/*
 * Starts a request in the socket's buffer, valid until the next nl_msg()
 * or nl_talk(). Use NLM_F_REQUEST | NLM_F_ACK for a doit, NLM_F_REQUEST |
 * NLM_F_DUMP for a dump.
 */
struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags);

/*
 * Sends nlh and runs cb (may be NULL) on every reply until the ACK or
 * NLMSG_DONE. Returns 0, or -1 after printing
 * "twinctl: <strerror>: <extack message>".
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg);

/*
 * Joins the family's multicast group @group (a name the controller
 * listed). Returns 0, or -1 after printing why.
 */
int nl_join(struct nl *nl, const char *group);

/*
 * Runs cb on every event that arrives, until cb returns MNL_CB_STOP (0)
 * or an error (-1, printed). Events the kernel dropped are reported on
 * stderr and the wait goes on.
 */
int nl_listen(struct nl *nl, mnl_cb_t cb, void *arg);

/*
 * Fills tb[0..max] from a genetlink message or a nest. Attributes that fail
 * their policy are left out (with one warning per run), unknown ones are
 * ignored: a newer kernel may send more than this tool knows.
 */
void nl_parse(const struct nlmsghdr *nlh, const struct nl_policy *pol,
	      unsigned int max, const struct nlattr **tb);
void nl_parse_nested(const struct nlattr *nest, const struct nl_policy *pol,
		     unsigned int max, const struct nlattr **tb);

#endif
