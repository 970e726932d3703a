// SPDX-License-Identifier: GPL-2.0
/* neigh: the node-to-MAC cache filled by neighbour discovery. */
#include <stdio.h>
#include <string.h>

#include "print.h"
#include "twin.h"
#include "twinctl.h"

static const char *state_name(const struct nlattr *attr, char *buf, size_t len)
{
	static const char *const names[] = {
		[TWIN_NEIGH_INCOMPLETE]	= "INCOMPLETE",
		[TWIN_NEIGH_REACHABLE]	= "REACHABLE",
		[TWIN_NEIGH_FAILED]	= "FAILED",
		[TWIN_NEIGH_STALE]	= "STALE",
		[TWIN_NEIGH_PROBE]	= "PROBE",
	};
	uint8_t state = mnl_attr_get_u8(attr);

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	/* A state added by a newer module still prints something useful. */
	snprintf(buf, len, "STATE_%u", state);
	return buf;
}

/*
 * One entry as `neigh show` prints it; @deleted: an event of its end, as
 * ip monitor prints one ("Deleted ..."; "deleted": true).
 */
void neigh_print(const struct nlmsghdr *nlh, bool deleted)
{
	const struct nlattr *tb[TWIN_A_MAX + 1];
	const char *name;
	char buf[16];

	twin_parse(nlh, tb);
	name = tb[TWIN_A_IFNAME] ? mnl_attr_get_str(tb[TWIN_A_IFNAME]) : NULL;
	print_open_object(NULL);
	if (deleted) {
		print_bool("deleted", true);
		print_plain("Deleted ");
	}
	if (tb[TWIN_A_NODE])
		print_u64("node", "node ", mnl_attr_get_u32(tb[TWIN_A_NODE]));
	if (tb[TWIN_A_IFINDEX])
		print_u64("ifindex", NULL, mnl_attr_get_u32(tb[TWIN_A_IFINDEX]));
	if (name)
		print_str("ifname", " dev ", name);
	if (tb[TWIN_A_LLADDR])
		print_lladdr("lladdr", " lladdr ", mnl_attr_get_payload(tb[TWIN_A_LLADDR]));
	if (tb[TWIN_A_NEIGH_STATE])
		print_str("state", " ", state_name(tb[TWIN_A_NEIGH_STATE], buf, sizeof(buf)));
	/* As ip -s neigh: how long ago the entry was last confirmed. */
	if (opt_stats && tb[TWIN_A_NEIGH_CONFIRMED])
		print_u64("confirmed_ms", " confirmed_ms ",
			  mnl_attr_get_u32(tb[TWIN_A_NEIGH_CONFIRMED]));
	print_close_object();
}

static int neigh_show_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[TWIN_A_MAX + 1];
	const struct dev_filter *filter = arg;

	twin_parse(nlh, tb);
	if (dev_filter_skip(filter, tb[TWIN_A_IFNAME] ?
				    mnl_attr_get_str(tb[TWIN_A_IFNAME]) : NULL))
		return MNL_CB_OK;
	neigh_print(nlh, false);
	print_end_line();
	return MNL_CB_OK;
}

static int neigh_show(int argc, char **argv)
{
	struct dev_filter filter;
	int ret;

	ret = parse_dev_filter(&neigh_object, argc, argv, &filter.ifname);
	if (!ret)
		ret = dev_must_exist(filter.ifname);
	if (ret)
		return ret;
	return twin_dump(TWIN_CMD_NEIGH_GET, neigh_show_msg, &filter);
}

static int neigh_flush(int argc, char **argv)
{
	struct twin_req req = { 0 };
	int ret;

	ret = parse_dev_filter(&neigh_object, argc, argv, &req.ifname);
	if (ret)
		return ret;
	return twin_doit(TWIN_CMD_NEIGH_FLUSH, &req, NULL, NULL);
}

static const struct cmd neigh_cmds[] = {
	{ "show", neigh_show },
	{ "list", neigh_show },
	{ "flush", neigh_flush },
	{ NULL, NULL },
};

const struct object neigh_object = {
	.name = "neigh",
	.summary = "the neighbour cache (node to MAC address)",
	.usage =
"twinctl neigh [ show [ [ dev ] IFNAME ] ]\n"
"twinctl neigh flush [ [ dev ] IFNAME ]",
	.help =
"show   lists the entries, one per line:\n"
"       node NODE dev IFNAME [ lladdr LLADDR ] STATE\n"
"       STATE := { INCOMPLETE | REACHABLE | STALE | PROBE | FAILED }.\n"
"       twinctl monitor neigh follows their changes.\n"
"       -j: [{\"node\", \"ifindex\", \"ifname\", \"lladdr\", \"state\"}, ...].\n"
"flush  removes every entry, or those of IFNAME.\n",
	.cmds = neigh_cmds,
};
