// SPDX-License-Identifier: GPL-2.0
/* link: twin devices, and the Ethernet devices twin is attached to. */
#include <string.h>

#include "print.h"
#include "twin.h"
#include "twinctl.h"

/* "NAME", "name NAME" or "dev NAME", and "segment N", in any order. */
static int link_add(int argc, char **argv)
{
	struct twin_req req = { 0 };

	for (; argc > 0; argc--, argv++) {
		const char *kw = *argv;
		bool named = !strcmp(kw, "name") || !strcmp(kw, "dev");

		if (named || !strcmp(kw, "segment")) {
			if (argc < 2)
				return usage_error(&link_object, "\"%s\" needs a value", kw);
			argc--;
			argv++;
		}
		if (!strcmp(kw, "segment")) {
			if (req.has_segment)
				return usage_error(&link_object, "duplicate \"segment\"");
			if (parse_u32(*argv, &req.segment))
				return invalid_arg("invalid segment \"%s\": expected 0..4294967295, decimal or 0x-hex",
						   *argv);
			req.has_segment = true;
		} else if (!req.ifname) {
			if (check_ifname(*argv))
				return EXIT_USAGE;
			req.ifname = *argv;
		} else {
			return usage_error(&link_object, "unexpected argument \"%s\"", *argv);
		}
	}
	if (!req.ifname)
		return usage_error(&link_object, "link add needs a device NAME");
	return twin_doit(TWIN_CMD_LINK_NEW, &req, NULL, NULL);
}

static int link_show_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[TWIN_A_MAX + 1];
	const struct dev_filter *filter = arg;
	const char *name;
	bool virt;

	twin_parse(nlh, tb);
	name = tb[TWIN_A_IFNAME] ? mnl_attr_get_str(tb[TWIN_A_IFNAME]) : NULL;
	if (dev_filter_skip(filter, name))
		return MNL_CB_OK;
	virt = tb[TWIN_A_VIRTUAL] != NULL;

	print_open_object(NULL);
	if (tb[TWIN_A_IFINDEX]) {
		print_u64("ifindex", "", mnl_attr_get_u32(tb[TWIN_A_IFINDEX]));
		print_plain(": ");
	}
	if (name)
		print_str("ifname", "", name);
	else
		print_plain("?");
	print_plain(" %s", virt ? "twin" : "ether");
	print_bool("virtual", virt);
	if (tb[TWIN_A_SEGMENT])
		print_u64("segment", " segment ", mnl_attr_get_u32(tb[TWIN_A_SEGMENT]));
	if (tb[TWIN_A_NODE])
		print_u64("node", " node ", mnl_attr_get_u32(tb[TWIN_A_NODE]));
	if (tb[TWIN_A_MTU])
		print_u64("mtu", " mtu ", mnl_attr_get_u32(tb[TWIN_A_MTU]));
	if (tb[TWIN_A_UP]) {
		bool up = mnl_attr_get_u8(tb[TWIN_A_UP]);

		print_plain(" %s", up ? "up" : "down");
		print_bool("up", up);
	}
	if (tb[TWIN_A_LLADDR])
		print_lladdr("lladdr", " lladdr ", mnl_attr_get_payload(tb[TWIN_A_LLADDR]));
	print_end_line();
	if (opt_stats && tb[TWIN_A_STATS])
		stats_print(tb[TWIN_A_STATS], "stats", "    ");
	print_close_object();
	return MNL_CB_OK;
}

static int link_show(int argc, char **argv)
{
	struct dev_filter filter;
	int ret;

	ret = parse_dev_filter(&link_object, argc, argv, &filter.ifname);
	if (!ret)
		ret = dev_must_exist(filter.ifname);
	if (ret)
		return ret;
	return twin_dump(TWIN_CMD_LINK_GET, link_show_msg, &filter);
}

static const struct cmd link_cmds[] = {
	{ "add", link_add },
	{ "show", link_show },
	{ "list", link_show },
	{ NULL, NULL },
};

const struct object link_object = {
	.name = "link",
	.summary = "twin devices and attached Ethernet devices",
	.usage =
"twinctl link add NAME [ segment SEGMENT ]\n"
"twinctl [ -s ] link [ show [ [ dev ] NAME ] ]\n"
"SEGMENT := 0..4294967295, decimal or 0x-hex (default 0)",
	.help =
"add   creates twin device NAME on SEGMENT. All twin devices that share a\n"
"      segment number, in any network namespace, form one virtual switch.\n"
"      Joining a segment needs CAP_NET_ADMIN over the user namespace that\n"
"      owns it. `ip link add NAME type twin` makes a segment-0 device;\n"
"      remove devices with `ip link del NAME`.\n"
"show  lists twin devices and the Ethernet devices twin is attached to:\n"
"      IFINDEX: NAME { twin segment SEGMENT | ether } [ node NODE ]\n"
"          mtu MTU { up | down } lladdr LLADDR\n"
"      -s adds the device's counters below it, one \"NAME VALUE\" per line\n"
"      (see stats). -j: [{\"ifindex\", \"ifname\", \"virtual\", \"segment\",\n"
"      \"node\", \"mtu\", \"up\", \"lladdr\"[, \"stats\": {...}]}, ...].\n",
	.cmds = link_cmds,
};
