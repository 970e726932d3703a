// SPDX-License-Identifier: GPL-2.0
/* sock: the twin sockets of the namespace, like /proc/net/twin. */
#include <stdio.h>
#include <sys/socket.h>

#include "print.h"
#include "twin.h"
#include "twinctl.h"

static const char *type_name(uint32_t type, char *buf, size_t len)
{
	switch (type) {
	case SOCK_STREAM:	return "stream";
	case SOCK_DGRAM:	return "dgram";
	case SOCK_RAW:		return "raw";
	case SOCK_SEQPACKET:	return "seqpacket";
	}
	snprintf(buf, len, "type_%u", type);
	return buf;
}

/* include/net/tcp_states.h: twin keeps sk_state in TCP_* values. */
static const char *state_name(uint8_t state, char *buf, size_t len)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV",
		[4] = "FIN_WAIT1", [5] = "FIN_WAIT2", [6] = "TIME_WAIT",
		[7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
		[10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	snprintf(buf, len, "STATE_%u", state);
	return buf;
}

/* Plain text joins node and port as "7:1234", JSON keeps them apart. */
static void print_endpoint(const char *label, const struct nlattr *node,
			   const char *node_key, const struct nlattr *port,
			   const char *port_key)
{
	print_plain(" %s ", label);
	if (node)
		print_u64(node_key, "", mnl_attr_get_u32(node));
	else
		print_plain("*");
	if (port)
		print_u64(port_key, ":", mnl_attr_get_u32(port));
	else
		print_plain(":*");
}

static void print_u32_attr(const struct nlattr *attr, const char *key,
			   const char *label)
{
	if (attr)
		print_u64(key, label, mnl_attr_get_u32(attr));
}

static int sock_show_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[TWIN_A_MAX + 1];
	char buf[16];

	(void)arg;
	twin_parse(nlh, tb);
	print_open_object(NULL);
	if (tb[TWIN_A_SOCK_TYPE])
		print_str("type", "", type_name(mnl_attr_get_u32(tb[TWIN_A_SOCK_TYPE]),
						   buf, sizeof(buf)));
	else
		print_plain("?");
	if (tb[TWIN_A_SOCK_STATE])
		print_str("state", " ", state_name(mnl_attr_get_u8(tb[TWIN_A_SOCK_STATE]),
						      buf, sizeof(buf)));
	print_endpoint("local", tb[TWIN_A_SOCK_NODE], "node",
		       tb[TWIN_A_SOCK_PORT], "port");
	print_endpoint("peer", tb[TWIN_A_SOCK_PEER_NODE], "peer_node",
		       tb[TWIN_A_SOCK_PEER_PORT], "peer_port");
	print_u32_attr(tb[TWIN_A_SOCK_RQUEUE], "rqueue", " rqueue ");
	print_u32_attr(tb[TWIN_A_SOCK_WQUEUE], "wqueue", " wqueue ");
	print_u32_attr(tb[TWIN_A_SOCK_DROPS], "drops", " drops ");
	print_u32_attr(tb[TWIN_A_SOCK_IFINDEX], "ifindex", " ifindex ");
	if (tb[TWIN_A_SOCK_INODE])
		print_u64("inode", " inode ", mnl_attr_get_u64(tb[TWIN_A_SOCK_INODE]));
	print_close_object();
	print_end_line();
	return MNL_CB_OK;
}

static int sock_show(int argc, char **argv)
{
	if (argc > 0)
		return usage_error(&sock_object, "unexpected argument \"%s\"", argv[0]);
	return twin_dump(TWIN_CMD_SOCK_GET, sock_show_msg, NULL);
}

static const struct cmd sock_cmds[] = {
	{ "show", sock_show },
	{ "list", sock_show },
	{ NULL, NULL },
};

const struct object sock_object = {
	.name = "sock",
	.summary = "twin sockets of the network namespace",
	.usage = "twinctl sock [ show ]",
	.help =
"show  lists every twin socket of the namespace, one per line:\n"
"      TYPE STATE local NODE:PORT peer NODE:PORT rqueue BYTES\n"
"          wqueue BYTES drops N inode INODE\n"
"      TYPE := { dgram | stream | seqpacket | raw }; STATE is a TCP\n"
"      state name (CLOSE, LISTEN, ESTABLISHED, ...); node 0 is\n"
"      TWIN_NODE_ANY.\n"
"      -j: [{\"type\", \"state\", \"node\", \"port\", \"peer_node\", \"peer_port\",\n"
"      \"rqueue\", \"wqueue\", \"drops\", \"inode\"}, ...].\n",
	.cmds = sock_cmds,
};
