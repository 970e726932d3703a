// SPDX-License-Identifier: GPL-2.0
/* stats: the namespace's counters; also prints the per-device ones for link. */
#include <stdio.h>

#include "print.h"
#include "twin.h"
#include "twinctl.h"

/* Names are ABI for scripts (`twinctl -s stats | awk ...`): never rename. */
static const char *const stat_names[TWIN_STAT_MAX + 1] = {
	[TWIN_STAT_RX_FRAMES]		= "rx_frames",
	[TWIN_STAT_RX_BYTES]		= "rx_bytes",
	[TWIN_STAT_TX_FRAMES]		= "tx_frames",
	[TWIN_STAT_TX_BYTES]		= "tx_bytes",
	[TWIN_STAT_DELIVERED]		= "delivered",
	[TWIN_STAT_DROP_SHORT]		= "drop_short",
	[TWIN_STAT_DROP_VERSION]	= "drop_version",
	[TWIN_STAT_DROP_LENGTH]		= "drop_length",
	[TWIN_STAT_DROP_CSUM]		= "drop_csum",
	[TWIN_STAT_DROP_TYPE]		= "drop_type",
	[TWIN_STAT_DROP_ADDR]		= "drop_addr",
	[TWIN_STAT_DROP_NO_SOCKET]	= "drop_no_socket",
	[TWIN_STAT_DROP_RCVBUF]		= "drop_rcvbuf",
	[TWIN_STAT_DROP_NEIGH]		= "drop_neigh",
	[TWIN_STAT_DROP_NOMEM]		= "drop_nomem",
	[TWIN_STAT_NEIGH_SOLICIT]	= "neigh_solicit",
	[TWIN_STAT_NEIGH_ADVERT]	= "neigh_advert",
	[TWIN_STAT_DROP_HEADER]		= "drop_header",
	[TWIN_STAT_DROP_OPTION]		= "drop_option",
	[TWIN_STAT_DROP_FILTER]		= "drop_filter",
	[TWIN_STAT_SYNCOOKIES_SENT]	= "syncookies_sent",
	[TWIN_STAT_SYNCOOKIES_RECV]	= "syncookies_recv",
	[TWIN_STAT_SYNCOOKIES_FAILED]	= "syncookies_failed",
	[TWIN_STAT_DROP_MEMORY]		= "drop_memory",
	[TWIN_STAT_ORPHANS_ABORTED]	= "orphans_aborted",
	[TWIN_STAT_RX_GRO]		= "rx_gro",
};

/* In enum order, whatever order the kernel put them in. */
void stats_print(const struct nlattr *nest, const char *key, const char *indent)
{
	const struct nlattr *tb[TWIN_STAT_MAX + 1];

	twin_parse_stats(nest, tb);
	print_open_object(key);
	for (int i = 0; i <= TWIN_STAT_MAX; i++) {
		if (!tb[i] || !stat_names[i])
			continue;
		print_plain("%s%s", indent, stat_names[i]);
		print_u64(stat_names[i], " ", mnl_attr_get_u64(tb[i]));
		print_plain("\n");
	}
	print_close_object();
}

static int stats_show_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[TWIN_A_MAX + 1];
	bool *found = arg;

	twin_parse(nlh, tb);
	/* One reply is expected; a second would make invalid JSON. */
	if (!tb[TWIN_A_STATS] || *found)
		return MNL_CB_OK;
	*found = true;
	stats_print(tb[TWIN_A_STATS], NULL, "");
	return MNL_CB_OK;
}

static int stats_show(int argc, char **argv)
{
	bool found = false;
	int ret;

	if (argc > 0)
		return usage_error(&stats_object, "unexpected argument \"%s\"", argv[0]);
	ret = twin_doit(TWIN_CMD_STATS_GET, NULL, stats_show_msg, &found);
	if (ret == EXIT_OK && !found) {
		fputs(TWINCTL_NAME ": the kernel's reply carried no counters\n", stderr);
		ret = EXIT_FAIL;
	}
	return ret;
}

static const struct cmd stats_cmds[] = {
	{ "show", stats_show },
	{ "list", stats_show },
	{ NULL, NULL },
};

const struct object stats_object = {
	.name = "stats",
	.summary = "counters of the network namespace",
	.usage = "twinctl [ -s ] [ -j ] stats [ show ]",
	.help =
"Prints the counters of the caller's network namespace, summed over all\n"
"devices, one \"NAME VALUE\" per line (-j: one JSON object). -s changes\n"
"nothing here; `twinctl -s stats` is the usual spelling.\n"
"\n"
"rx_frames rx_bytes tx_frames tx_bytes  twin frames and bytes in and out\n"
"delivered                              frames handed to a socket\n"
"drop_short                             shorter than the 40-byte header\n"
"drop_version                           unknown protocol version\n"
"drop_length                            length field disagrees with frame\n"
"drop_csum                              CRC32C mismatch\n"
"drop_type                              unknown frame type\n"
"drop_addr                              not for a local node, bad source\n"
"drop_no_socket                         no socket bound to the port\n"
"drop_rcvbuf                            receive buffer full\n"
"drop_neigh                             destination node did not resolve\n"
"drop_nomem                             allocation failure\n"
"neigh_solicit neigh_advert             discovery messages sent\n"
"drop_header                            bad header length, reserved bits, flags\n"
"drop_option                            malformed or unknown mandatory option\n"
"drop_filter                            refused by the socket's filter\n"
"syncookies_sent                        SYN|ACKs with a SYN cookie (queue full)\n"
"syncookies_recv syncookies_failed      ACKs with a good cookie, a bad one\n"
"drop_memory                            twin memory exhausted (net.twin.mem)\n"
"orphans_aborted                        closed connections given up early\n"
"rx_gro                                 frames merged into super-frames on arrival\n",
	.cmds = stats_cmds,
};
