/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by main.c and the object files: exit codes, options, command tables. */
#ifndef TWINCTL_H
#define TWINCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TWINCTL_NAME	"twinctl"
#define TWINCTL_VERSION	"1.0"

/* Scripts tell "you typed it wrong" from "the kernel said no" by these. */
#define EXIT_OK		0
#define EXIT_USAGE	1
#define EXIT_FAIL	2

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

struct object {
	const char *name;
	const char *summary;	/* one line, for the top-level help */
	const char *usage;	/* synopsis lines */
	const char *help;	/* the manual section below the synopsis */
	const struct cmd *cmds;	/* ends with { NULL }; must contain "show" */
};

extern const struct object addr_object, link_object, monitor_object,
			   neigh_object, sock_object, stats_object;

extern int opt_stats;

/* netns.c */
int netns_switch(const char *name);

/* args.c */
bool matches(const char *arg, const char *word);
void print_indented(FILE *f, const char *text, const char *indent);
void print_usage(FILE *f, const char *synopsis);
void object_usage(FILE *f, const struct object *obj);
int usage_error(const struct object *obj, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int invalid_arg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_u32(const char *s, uint32_t *v);
int parse_node(const char *s, uint32_t *node);
int check_ifname(const char *name);
int parse_dev_filter(const struct object *obj, int argc, char **argv,
		     const char **ifname);
int dev_must_exist(const char *ifname);

/* neigh.c: one entry, for neigh show and monitor. */
struct nlmsghdr;
void neigh_print(const struct nlmsghdr *nlh, bool deleted);

/* The argument of a show command's dump callback. */
struct dev_filter {
	const char *ifname;	/* NULL: every device */
};
bool dev_filter_skip(const struct dev_filter *f, const char *ifname);

#endif
