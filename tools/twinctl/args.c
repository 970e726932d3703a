// SPDX-License-Identifier: GPL-2.0
/* Command-line vocabulary shared by every object: keywords, numbers, names. */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/twin.h>

#include "twinctl.h"

/* iproute2's matches(): any non-empty prefix selects the word. */
bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len > 0 && len <= strlen(word) && strncmp(arg, word, len) == 0;
}

void print_indented(FILE *f, const char *text, const char *indent)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		/* No indent on empty lines: keeps the help free of trailing blanks. */
		if (len)
			fprintf(f, "%s%.*s", indent, (int)len, text);
		fputc('\n', f);
		text += len;
		if (*text == '\n')
			text++;
	}
}

void print_usage(FILE *f, const char *synopsis)
{
	size_t first = strcspn(synopsis, "\n");

	/* The first synopsis line follows "Usage: ", the rest line up below it. */
	fprintf(f, "Usage: %.*s\n", (int)first, synopsis);
	if (synopsis[first])
		print_indented(f, synopsis + first + 1, "       ");
}

void object_usage(FILE *f, const struct object *obj)
{
	print_usage(f, obj->usage);
}

int usage_error(const struct object *obj, const char *fmt, ...)
{
	va_list ap;

	fputs(TWINCTL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (obj) {
		object_usage(stderr, obj);
		fprintf(stderr, "Try \"" TWINCTL_NAME " %s help\".\n", obj->name);
	}
	return EXIT_USAGE;
}

/* A well-formed command with a bad value: the synopsis would not help. */
int invalid_arg(const char *fmt, ...)
{
	va_list ap;

	fputs(TWINCTL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/*
 * Decimal or 0x-hex only: strtoul's base 0 would read "010" as octal 8,
 * which nobody typing a node number means. strtoul also accepts a sign
 * and leading blanks, so the first character must be a digit.
 */
int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long val;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isdigit((unsigned char)s[0]) &&
	    !(base == 16 && isxdigit((unsigned char)s[0])))
		return -1;
	errno = 0;
	val = strtoull(s, &end, base);
	if (errno || *end || val > UINT32_MAX)
		return -1;
	*v = (uint32_t)val;
	return 0;
}

int parse_node(const char *s, uint32_t *node)
{
	if (parse_u32(s, node))
		return invalid_arg("invalid node \"%s\": expected 1..4294967294, decimal or 0x-hex",
				   s);
	if (*node == TWIN_NODE_ANY)
		return invalid_arg("invalid node \"%s\": 0 is TWIN_NODE_ANY (any local node), not an address",
				   s);
	if (*node == TWIN_NODE_BROADCAST)
		return invalid_arg("invalid node \"%s\": 0xffffffff is TWIN_NODE_BROADCAST, not an address",
				   s);
	return 0;
}

/* The kernel's dev_valid_name() rules, so a typo fails before any netlink. */
int check_ifname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return invalid_arg("empty device name");
	if (len >= IFNAMSIZ)
		return invalid_arg("device name \"%s\" is longer than %d characters",
				   name, IFNAMSIZ - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return invalid_arg("invalid device name \"%s\"", name);
	for (; *name; name++)
		if (*name == '/' || *name == ':' || isspace((unsigned char)*name))
			return invalid_arg("device name may not contain '/', ':' or blanks");
	return 0;
}

/* "[ [ dev ] IFNAME ]", as in `ip link show [ dev ] NAME`. */
int parse_dev_filter(const struct object *obj, int argc, char **argv,
		     const char **ifname)
{
	*ifname = NULL;
	for (; argc > 0; argc--, argv++) {
		if (*ifname)
			return usage_error(obj, "unexpected argument \"%s\"", *argv);
		if (!strcmp(*argv, "dev")) {
			if (argc < 2)
				return usage_error(obj, "\"dev\" needs a device name");
			argc--;
			argv++;
		}
		if (check_ifname(*argv))
			return EXIT_USAGE;
		*ifname = *argv;
	}
	return EXIT_OK;
}

/*
 * Filters run client-side on the dump; without this check a misspelt
 * name would print an empty list, which looks like "no addresses".
 */
int dev_must_exist(const char *ifname)
{
	if (ifname && !if_nametoindex(ifname))
		return invalid_arg("device \"%s\" does not exist", ifname);
	return EXIT_OK;
}

/* By name, as the user typed it; a reply without a name never matches. */
bool dev_filter_skip(const struct dev_filter *f, const char *ifname)
{
	return f->ifname && (!ifname || strcmp(ifname, f->ifname));
}
