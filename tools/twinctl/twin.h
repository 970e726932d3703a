/* SPDX-License-Identifier: GPL-2.0 */
/* The "twin" genetlink family as twinctl sees it: requests, and what replies hold. */
#ifndef TWINCTL_TWIN_H
#define TWINCTL_TWIN_H

#include <linux/twin.h>

#include "nl.h"

#include <stdbool.h>
#include <stdint.h>

/* The attributes a doit request can carry; absent ones stay out. */
struct twin_req {
	const char *ifname;
	bool has_node, has_segment;
	uint32_t node, segment;
};

/*
 * Open the family, run one request, close. Both return an exit code and
 * have printed the reason for a failure. twin_dump() wraps the replies in
 * a JSON array.
 */
int twin_doit(uint8_t cmd, const struct twin_req *req, mnl_cb_t cb, void *arg);
int twin_dump(uint8_t cmd, mnl_cb_t cb, void *arg);

/*
 * Join the multicast group @group, then run @cb on a dump of @dump_cmd
 * (what is there now) and on every event after it, until killed: no
 * change falls between the two. No JSON array: one object per line.
 * Returns an exit code after printing the reason for a failure.
 */
int twin_monitor(const char *group, uint8_t dump_cmd, mnl_cb_t cb, void *arg);

void twin_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);
void twin_parse_stats(const struct nlattr *nest, const struct nlattr **tb);

/* stats.c: a TWIN_A_STATS nest, as an object under key or as lines. */
void stats_print(const struct nlattr *nest, const char *key,
		 const char *indent);

#endif
