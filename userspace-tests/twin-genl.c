// SPDX-License-Identifier: GPL-2.0
/*
 * twin-genl: send one raw request to the "twin" generic netlink family and
 * print the kernel's answer. A test helper: unlike twinctl it sends exactly
 * the attributes it is given (or none), so the shell tests can check the
 * module's validation and extended-ACK messages.
 *
 *   twin-genl CMD [ATTR=VALUE...]
 *
 * CMD: addr-new addr-del addr-get link-new link-get neigh-get neigh-flush
 *      sock-get stats-get, or a number. *-get commands are dumps except
 *      stats-get.
 * ATTR: ifindex=N ifname=S node=N segment=N (the types of twin.h), or raw
 *      u8:T=N u16:T=N u32:T=N u64:T=N str:T=S flag:T for any type T.
 *
 * Success prints "ok" and one line per answer message with its top-level
 * attributes ("a<type>=<u32 or string or hex>"); failure prints
 * "twin-genl: error <ENAME> (<n>): extack: <message>" (or "no extack")
 * on stderr and exits 1. Exit 2: usage, 3: the family is not registered.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/twin.h>

#include "genl.h"

static const struct {
	const char *name;
	int cmd;
	int dump;
} cmds[] = {
	{ "addr-new", TWIN_CMD_ADDR_NEW, 0 },
	{ "addr-del", TWIN_CMD_ADDR_DEL, 0 },
	{ "addr-get", TWIN_CMD_ADDR_GET, 1 },
	{ "link-new", TWIN_CMD_LINK_NEW, 0 },
	{ "link-get", TWIN_CMD_LINK_GET, 1 },
	{ "neigh-get", TWIN_CMD_NEIGH_GET, 1 },
	{ "neigh-flush", TWIN_CMD_NEIGH_FLUSH, 0 },
	{ "sock-get", TWIN_CMD_SOCK_GET, 1 },
	{ "stats-get", TWIN_CMD_STATS_GET, 0 },
};

static const char *ename(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINVAL, "EINVAL" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EBUSY, "EBUSY" },
		{ ERANGE, "ERANGE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EADDRINUSE, "EADDRINUSE" },
		{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ENOMEM, "ENOMEM" },
		{ EMSGSIZE, "EMSGSIZE" }, { ENOSPC, "ENOSPC" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EACCES, "EACCES" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	return "E?";
}

static void print_attr(uint16_t type, const void *data, uint16_t len,
		       void *arg)
{
	const unsigned char *p = data;
	int printable = len > 1 && p[len - 1] == '\0';
	uint16_t i;

	(void)arg;
	for (i = 0; printable && i + 1 < len; i++)
		if (!isprint(p[i]))
			printable = 0;
	printf(" a%u=", type);
	if (printable)
		printf("%s", (const char *)p);
	else if (len == 4)
		printf("%u", *(const uint32_t *)data);
	else if (len == 8)
		printf("%llu", (unsigned long long)*(const uint64_t *)data);
	else if (len == 1)
		printf("%u", p[0]);
	else
		for (i = 0; i < len; i++)
			printf("%02x", p[i]);
}

static void print_msg(const struct nlattr *attrs, size_t len, void *arg)
{
	printf("msg");
	genl_attrs(attrs, len, print_attr, arg);
	printf("\n");
}

/* Storage for attribute payloads. */
static union {
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
} vals[32];

static int parse_attr(const char *arg, struct genl_attr *a, int i)
{
	char kind[16];
	const char *eq = strchr(arg, '=');
	const char *val = eq ? eq + 1 : "";
	unsigned long long v;
	unsigned int type;

	if (!strncmp(arg, "flag:", 5)) {
		a->type = strtoul(arg + 5, NULL, 0);
		a->len = 0;
		a->data = NULL;
		return 0;
	}
	if (!eq)
		return -1;
	if (!strncmp(arg, "ifname=", 7) || !strncmp(arg, "str:", 4)) {
		a->type = arg[0] == 'i' ? TWIN_A_IFNAME
					: strtoul(arg + 4, NULL, 0);
		a->len = strlen(val) + 1;
		a->data = val;
		return 0;
	}
	v = strtoull(val, NULL, 0);
	if (!strncmp(arg, "ifindex=", 8) || !strncmp(arg, "node=", 5) ||
	    !strncmp(arg, "segment=", 8)) {
		a->type = arg[0] == 'i' ? TWIN_A_IFINDEX :
			  arg[0] == 'n' ? TWIN_A_NODE : TWIN_A_SEGMENT;
		strcpy(kind, "u32");
	} else if (sscanf(arg, "%15[a-z0-9]:%u=", kind, &type) == 2) {
		a->type = type;
	} else {
		return -1;
	}
	a->data = &vals[i];
	if (!strcmp(kind, "u8")) {
		vals[i].u8 = v;
		a->len = 1;
	} else if (!strcmp(kind, "u16")) {
		vals[i].u16 = v;
		a->len = 2;
	} else if (!strcmp(kind, "u32")) {
		vals[i].u32 = v;
		a->len = 4;
	} else if (!strcmp(kind, "u64")) {
		vals[i].u64 = v;
		a->len = 8;
	} else {
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct genl_attr attrs[32];
	char extack[512];
	int i, cmd = -1, dump = 0, fd, fam, err, n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: twin-genl CMD [ATTR=VALUE...]\n");
		return 2;
	}
	for (i = 0; i < (int)(sizeof(cmds) / sizeof(cmds[0])); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			cmd = cmds[i].cmd;
			dump = cmds[i].dump;
		}
	if (cmd < 0 && isdigit((unsigned char)argv[1][0]))
		cmd = atoi(argv[1]);
	if (cmd < 0) {
		fprintf(stderr, "twin-genl: unknown command %s\n", argv[1]);
		return 2;
	}
	for (i = 2; i < argc && n < 32; i++, n++)
		if (parse_attr(argv[i], &attrs[n], n) < 0) {
			fprintf(stderr, "twin-genl: bad attribute %s\n",
				argv[i]);
			return 2;
		}

	fd = genl_open();
	if (fd < 0) {
		perror("twin-genl: socket");
		return 1;
	}
	fam = genl_family(fd, TWIN_GENL_NAME);
	if (fam < 0) {
		fprintf(stderr, "twin-genl: family %s: %s\n", TWIN_GENL_NAME,
			strerror(-fam));
		return 3;
	}
	err = genl_call(fd, fam, cmd, dump, attrs, n, print_msg, NULL,
			extack, sizeof(extack));
	if (err) {
		fprintf(stderr, "twin-genl: error %s (%d): %s%s\n",
			ename(-err), -err, extack[0] ? "extack: " : "no extack",
			extack);
		return 1;
	}
	printf("ok\n");
	return 0;
}
