// SPDX-License-Identifier: GPL-2.0
/* The "twin" genetlink family as twinctl sees it: requests, and what replies hold. */
#include <linux/if_ether.h>

#include "print.h"
#include "twin.h"
#include "twinctl.h"

/* A new attribute needs a policy entry and a name below. */
_Static_assert(TWIN_A_MAX == TWIN_A_SOCK_IFINDEX, "uapi grew: update twin.c");
_Static_assert(TWIN_STAT_MAX == TWIN_STAT_RX_GRO, "uapi grew: update twin.c");

static const char *const attr_names[TWIN_A_MAX + 1] = {
	[TWIN_A_IFINDEX]	= "IFINDEX",
	[TWIN_A_IFNAME]		= "IFNAME",
	[TWIN_A_NODE]		= "NODE",
	[TWIN_A_SEGMENT]	= "SEGMENT",
	[TWIN_A_LLADDR]		= "LLADDR",
	[TWIN_A_VIRTUAL]	= "VIRTUAL",
	[TWIN_A_MTU]		= "MTU",
	[TWIN_A_UP]		= "UP",
	[TWIN_A_STATS]		= "STATS",
	[TWIN_A_NEIGH_STATE]	= "NEIGH_STATE",
	[TWIN_A_SOCK_TYPE]	= "SOCK_TYPE",
	[TWIN_A_SOCK_STATE]	= "SOCK_STATE",
	[TWIN_A_SOCK_NODE]	= "SOCK_NODE",
	[TWIN_A_SOCK_PORT]	= "SOCK_PORT",
	[TWIN_A_SOCK_PEER_NODE]	= "SOCK_PEER_NODE",
	[TWIN_A_SOCK_PEER_PORT]	= "SOCK_PEER_PORT",
	[TWIN_A_SOCK_RQUEUE]	= "SOCK_RQUEUE",
	[TWIN_A_SOCK_WQUEUE]	= "SOCK_WQUEUE",
	[TWIN_A_SOCK_INODE]	= "SOCK_INODE",
	[TWIN_A_SOCK_DROPS]	= "SOCK_DROPS",
	[TWIN_A_NEIGH_CONFIRMED] = "NEIGH_CONFIRMED",
	[TWIN_A_SOCK_IFINDEX]	= "SOCK_IFINDEX",
};

static const struct nl_family twin_family = {
	.name		= TWIN_GENL_NAME,
	.version	= TWIN_GENL_VERSION,
	.missing_hint	= "is twin.ko loaded?",
	.attr_names	= attr_names,
	.attr_max	= TWIN_A_MAX,
};

static const struct nl_policy attr_policy[TWIN_A_MAX + 1] = {
	[TWIN_A_IFINDEX]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_IFNAME]		= { MNL_TYPE_NUL_STRING, 0 },
	[TWIN_A_NODE]		= { MNL_TYPE_U32, 0 },
	[TWIN_A_SEGMENT]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_LLADDR]		= { MNL_TYPE_BINARY, ETH_ALEN },
	[TWIN_A_VIRTUAL]	= { MNL_TYPE_FLAG, 0 },
	[TWIN_A_MTU]		= { MNL_TYPE_U32, 0 },
	[TWIN_A_UP]		= { MNL_TYPE_U8, 0 },
	[TWIN_A_STATS]		= { MNL_TYPE_NESTED, 0 },
	[TWIN_A_NEIGH_STATE]	= { MNL_TYPE_U8, 0 },
	[TWIN_A_SOCK_TYPE]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_STATE]	= { MNL_TYPE_U8, 0 },
	[TWIN_A_SOCK_NODE]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_PORT]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_PEER_NODE]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_PEER_PORT]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_RQUEUE]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_WQUEUE]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_INODE]	= { MNL_TYPE_U64, 0 },
	[TWIN_A_SOCK_DROPS]	= { MNL_TYPE_U32, 0 },
	[TWIN_A_NEIGH_CONFIRMED] = { MNL_TYPE_U32, 0 },
	[TWIN_A_SOCK_IFINDEX]	= { MNL_TYPE_U32, 0 },
};

/* Every counter is a u64; PAD only aligns them and is skipped. */
#define STAT_U64 { MNL_TYPE_U64, 0 }
static const struct nl_policy stat_policy[TWIN_STAT_MAX + 1] = {
	[TWIN_STAT_RX_FRAMES] = STAT_U64,
	[TWIN_STAT_RX_BYTES] = STAT_U64,
	[TWIN_STAT_TX_FRAMES] = STAT_U64,
	[TWIN_STAT_TX_BYTES] = STAT_U64,
	[TWIN_STAT_DELIVERED] = STAT_U64,
	[TWIN_STAT_DROP_SHORT] = STAT_U64,
	[TWIN_STAT_DROP_VERSION] = STAT_U64,
	[TWIN_STAT_DROP_LENGTH] = STAT_U64,
	[TWIN_STAT_DROP_CSUM] = STAT_U64,
	[TWIN_STAT_DROP_TYPE] = STAT_U64,
	[TWIN_STAT_DROP_ADDR] = STAT_U64,
	[TWIN_STAT_DROP_NO_SOCKET] = STAT_U64,
	[TWIN_STAT_DROP_RCVBUF] = STAT_U64,
	[TWIN_STAT_DROP_NEIGH] = STAT_U64,
	[TWIN_STAT_DROP_NOMEM] = STAT_U64,
	[TWIN_STAT_NEIGH_SOLICIT] = STAT_U64,
	[TWIN_STAT_NEIGH_ADVERT] = STAT_U64,
	[TWIN_STAT_DROP_HEADER] = STAT_U64,
	[TWIN_STAT_DROP_OPTION] = STAT_U64,
	[TWIN_STAT_DROP_FILTER] = STAT_U64,
	[TWIN_STAT_SYNCOOKIES_SENT] = STAT_U64,
	[TWIN_STAT_SYNCOOKIES_RECV] = STAT_U64,
	[TWIN_STAT_SYNCOOKIES_FAILED] = STAT_U64,
	[TWIN_STAT_DROP_MEMORY] = STAT_U64,
	[TWIN_STAT_ORPHANS_ABORTED] = STAT_U64,
	[TWIN_STAT_RX_GRO] = STAT_U64,
};

int twin_doit(uint8_t cmd, const struct twin_req *req, mnl_cb_t cb, void *arg)
{
	struct nlmsghdr *nlh;
	struct nl *nl;
	int err;

	nl = nl_open(&twin_family);
	if (!nl)
		return EXIT_FAIL;
	nlh = nl_msg(nl, cmd, NLM_F_REQUEST | NLM_F_ACK);
	if (req && req->ifname)
		mnl_attr_put_strz(nlh, TWIN_A_IFNAME, req->ifname);
	if (req && req->has_node)
		mnl_attr_put_u32(nlh, TWIN_A_NODE, req->node);
	if (req && req->has_segment)
		mnl_attr_put_u32(nlh, TWIN_A_SEGMENT, req->segment);
	err = nl_talk(nl, nlh, cb, arg);
	nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

int twin_dump(uint8_t cmd, mnl_cb_t cb, void *arg)
{
	struct nlmsghdr *nlh;
	struct nl *nl;
	int err;

	nl = nl_open(&twin_family);
	if (!nl)
		return EXIT_FAIL;
	nlh = nl_msg(nl, cmd, NLM_F_REQUEST | NLM_F_DUMP);
	/* Opened only now, so a missing family leaves stdout empty. */
	print_open_array(NULL);
	err = nl_talk(nl, nlh, cb, arg);
	/* Closed even after an error: what was printed stays parseable. */
	print_close_array();
	nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

int twin_monitor(const char *group, uint8_t dump_cmd, mnl_cb_t cb, void *arg)
{
	struct nl *events, *dump;
	struct nlmsghdr *nlh;
	int err;

	events = nl_open(&twin_family);
	if (!events)
		return EXIT_FAIL;
	if (nl_join(events, group)) {
		nl_close(events);
		return EXIT_FAIL;
	}
	/* As tcpdump's "listening on": from here on nothing is missed. */
	fprintf(stderr, TWINCTL_NAME ": listening for %s events\n", group);
	/*
	 * The dump on a socket of its own, after the join: a change made
	 * meanwhile is in the dump, or queued as an event, or both.
	 */
	dump = nl_open(&twin_family);
	err = !dump;
	if (dump) {
		nlh = nl_msg(dump, dump_cmd, NLM_F_REQUEST | NLM_F_DUMP);
		err = nl_talk(dump, nlh, cb, arg);
		nl_close(dump);
	}
	if (!err)
		err = nl_listen(events, cb, arg);
	nl_close(events);
	return err ? EXIT_FAIL : EXIT_OK;
}

void twin_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	nl_parse(nlh, attr_policy, TWIN_A_MAX, tb);
}

void twin_parse_stats(const struct nlattr *nest, const struct nlattr **tb)
{
	nl_parse_nested(nest, stat_policy, TWIN_STAT_MAX, tb);
}
