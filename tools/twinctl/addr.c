// SPDX-License-Identifier: GPL-2.0
/* addr: the node address of a device. */
#include <string.h>

#include "print.h"
#include "twin.h"
#include "twinctl.h"

/* "NODE", "node NODE" and "dev IFNAME" in any order, as ip(8) allows. */
static int addr_args(int argc, char **argv, struct twin_req *req)
{
	for (; argc > 0; argc--, argv++) {
		const char *kw = *argv;

		if (!strcmp(kw, "dev") || !strcmp(kw, "node")) {
			if (argc < 2)
				return usage_error(&addr_object, "\"%s\" needs a value", kw);
			argc--;
			argv++;
		}
		if (!strcmp(kw, "dev")) {
			if (req->ifname)
				return usage_error(&addr_object, "duplicate \"dev\"");
			if (check_ifname(*argv))
				return EXIT_USAGE;
			req->ifname = *argv;
		} else if (!req->has_node || !strcmp(kw, "node")) {
			if (req->has_node)
				return usage_error(&addr_object, "more than one NODE");
			if (parse_node(*argv, &req->node))
				return EXIT_USAGE;
			req->has_node = true;
		} else {
			return usage_error(&addr_object, "unexpected argument \"%s\"", *argv);
		}
	}
	return EXIT_OK;
}

static int addr_add(int argc, char **argv)
{
	struct twin_req req = { 0 };
	int ret = addr_args(argc, argv, &req);

	if (ret)
		return ret;
	if (!req.has_node || !req.ifname)
		return usage_error(&addr_object, "addr add needs both NODE and dev IFNAME");
	return twin_doit(TWIN_CMD_ADDR_NEW, &req, NULL, NULL);
}

static int addr_del(int argc, char **argv)
{
	struct twin_req req = { 0 };
	int ret = addr_args(argc, argv, &req);

	if (ret)
		return ret;
	if (!req.has_node && !req.ifname)
		return usage_error(&addr_object, "addr del needs NODE, dev IFNAME, or both");
	return twin_doit(TWIN_CMD_ADDR_DEL, &req, NULL, NULL);
}

static int addr_show_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[TWIN_A_MAX + 1];
	const struct dev_filter *filter = arg;
	const char *name;

	twin_parse(nlh, tb);
	name = tb[TWIN_A_IFNAME] ? mnl_attr_get_str(tb[TWIN_A_IFNAME]) : NULL;
	if (dev_filter_skip(filter, name))
		return MNL_CB_OK;

	print_open_object(NULL);
	if (tb[TWIN_A_IFINDEX])
		print_u64("ifindex", NULL, mnl_attr_get_u32(tb[TWIN_A_IFINDEX]));
	if (name)
		print_str("ifname", "", name);
	else
		print_plain("?");
	if (tb[TWIN_A_NODE])
		print_u64("node", " node ", mnl_attr_get_u32(tb[TWIN_A_NODE]));
	print_close_object();
	print_end_line();
	return MNL_CB_OK;
}

static int addr_show(int argc, char **argv)
{
	struct dev_filter filter;
	int ret;

	ret = parse_dev_filter(&addr_object, argc, argv, &filter.ifname);
	if (!ret)
		ret = dev_must_exist(filter.ifname);
	if (ret)
		return ret;
	return twin_dump(TWIN_CMD_ADDR_GET, addr_show_msg, &filter);
}

static const struct cmd addr_cmds[] = {
	{ "add", addr_add },
	{ "del", addr_del },
	{ "delete", addr_del },
	{ "show", addr_show },
	{ "list", addr_show },
	{ NULL, NULL },
};

const struct object addr_object = {
	.name = "addr",
	.summary = "node addresses of devices",
	.usage =
"twinctl addr add NODE dev IFNAME\n"
"twinctl addr del { NODE [ dev IFNAME ] | dev IFNAME }\n"
"twinctl addr [ show [ [ dev ] IFNAME ] ]\n"
"NODE := 1..4294967294, decimal or 0x-hex",
	.help =
"add   assigns NODE to IFNAME, a twin device or any Ethernet device.\n"
"      A device has at most one node; a node is unique in the network\n"
"      namespace. 0 (TWIN_NODE_ANY) and 0xffffffff (TWIN_NODE_BROADCAST)\n"
"      are refused.\n"
"del   removes NODE, or the node of IFNAME; with both, only if they\n"
"      match.\n"
"show  lists devices with a node: \"IFNAME node NODE\" per line;\n"
"      -j: [{\"ifindex\":N,\"ifname\":S,\"node\":N}, ...].\n",
	.cmds = addr_cmds,
};
