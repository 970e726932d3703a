// SPDX-License-Identifier: GPL-2.0
/* monitor: what changes, as it changes (ip monitor). */
#include <linux/genetlink.h>

#include "print.h"
#include "twin.h"
#include "twinctl.h"

/* A dumped entry or an event: one line (one JSON object) each. */
static int monitor_neigh_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	(void)arg;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return MNL_CB_OK;
	switch (genl->cmd) {
	case TWIN_CMD_NEIGH_GET:
	case TWIN_CMD_NEIGH_NEW:
		neigh_print(nlh, false);
		break;
	case TWIN_CMD_NEIGH_DEL:
		neigh_print(nlh, true);
		break;
	default:	/* an event of a newer module */
		return MNL_CB_OK;
	}
	print_end_record();
	return MNL_CB_OK;
}

static int monitor_neigh(int argc, char **argv)
{
	if (argc > 0)
		return usage_error(&monitor_object, "unexpected \"%s\"", argv[0]);
	return twin_monitor(TWIN_MCGRP_NEIGH, TWIN_CMD_NEIGH_GET,
			    monitor_neigh_msg, NULL);
}

static const struct cmd monitor_cmds[] = {
	{ "show", monitor_neigh },	/* no argument: everything */
	{ "all", monitor_neigh },
	{ "neigh", monitor_neigh },
	{ NULL, NULL },
};

const struct object monitor_object = {
	.name = "monitor",
	.summary = "follow changes as they happen",
	.usage =
"twinctl monitor [ all | neigh ]",
	.help =
"neigh  prints the neighbour cache as neigh show does, then every change\n"
"       of an entry's state, MAC or device as it happens, until killed:\n"
"       node NODE dev IFNAME [ lladdr LLADDR ] STATE\n"
"       and, when an entry goes away,\n"
"       Deleted node NODE ...\n"
"       No change falls between the table and the first change shown;\n"
"       \"twinctl: listening for neigh events\" on stderr says when\n"
"       changes are being followed.\n"
"       -j: one object per line, \"deleted\": true for the last kind.\n"
"all    everything there is to follow (today: neigh); the default.\n",
	.cmds = monitor_cmds,
};
