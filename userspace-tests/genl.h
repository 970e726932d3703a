/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal generic netlink client for the tests: no libmnl, so the tests
 * check the kernel's answers independently of twinctl.
 */
#ifndef TWIN_GENL_H
#define TWIN_GENL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct genl_attr {
	uint16_t type;
	uint16_t len;		/* payload bytes */
	const void *data;
};

/* Called for every message of an answer; the payload after genlmsghdr. */
typedef void (*genl_cb)(const struct nlattr *attrs, size_t len, void *arg);

/* A NETLINK_GENERIC socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK. */
int genl_open(void);
/* The id of a generic netlink family, or -errno. */
int genl_family(int fd, const char *name);
/*
 * Send one request (a dump if dump) and read the answer. Returns 0 or
 * -errno; the extended-ACK message, if any, is copied to extack.
 */
int genl_call(int fd, uint16_t family, uint8_t cmd, int dump,
	      const struct genl_attr *attrs, int nattrs,
	      genl_cb cb, void *arg, char *extack, size_t extack_len);

/*
 * Copy the extended-ACK message (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR
 * message of any netlink protocol to out; "" if it has none.
 */
void nl_extack(const struct nlmsghdr *nlh, char *out, size_t outlen);

/* Walk attributes: for each, cb(type, data, len). */
void genl_attrs(const struct nlattr *attrs, size_t len,
		void (*cb)(uint16_t type, const void *data, uint16_t len,
			   void *arg), void *arg);

/* Read all twin counters (TWIN_STAT_*) of the caller's namespace. */
int twin_stats_read(uint64_t *stats, int nstats);

#endif
