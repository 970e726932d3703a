// SPDX-License-Identifier: GPL-2.0
/*
 * twinctl: control tool of the twin address family (AF_TWIN), talking to
 * twin.ko over generic netlink with iproute2's command-line habits.
 */
#include <stdio.h>
#include <string.h>

#include <linux/twin.h>

#include "print.h"
#include "twinctl.h"

int opt_stats;

/* Table order settles abbreviations, as in ip(8): "s" is sock. */
static const struct object *const objects[] = {
	&addr_object, &link_object, &neigh_object, &sock_object, &stats_object,
	&monitor_object,
};
#define N_OBJECTS	(sizeof(objects) / sizeof(objects[0]))

static const char synopsis[] =
"twinctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
"twinctl help\n"
"OBJECT := { addr | link | neigh | sock | stats }\n"
"OPTIONS := { -j[son] | -p[retty] | -s[tats] | -n[etns] NAME | -V[ersion] |\n"
"             -h[elp] }\n";

static const char description[] =
"twinctl configures twin, the AF_TWIN address family of the twin.ko\n"
"kernel module, over the generic netlink family \"" TWIN_GENL_NAME "\". It works on\n"
"the network namespace it runs in, or on the one -n names. OBJECT and\n"
"COMMAND may be abbreviated (`twinctl a s` is `twinctl addr show`); a\n"
"missing COMMAND means show.\n"
"Changes need CAP_NET_ADMIN.\n";

static const char options[] =
"-j, -json     JSON output: an array of objects (an object for stats)\n"
"-p, -pretty   indent the JSON output\n"
"-s, -stats    add the counters to link show\n"
"-n, -netns NAME\n"
"              work in the network namespace NAME (of ip netns add),\n"
"              as ip -n NAME does\n"
"-V, -Version  print the version and exit\n"
"-h, -help     print this help and exit\n"
"Long options may also be written with two dashes (--json).\n";

static const char trailer[] =
"EXIT STATUS\n"
"       0  success\n"
"       1  usage error or invalid argument; nothing was sent to the kernel\n"
"       2  the kernel refused (\"twinctl: <error>: <kernel message>\"),\n"
"          twin.ko is not loaded, or netlink or stdout failed\n"
"\n"
"EXAMPLES\n"
"       ip link add tw0 type twin && ip link set tw0 up\n"
"       twinctl addr add 7 dev tw0\n"
"       twinctl link add tw1 segment 2\n"
"       twinctl -s link show dev tw0\n"
"       twinctl -j -p neigh\n"
"       twinctl -n blue addr show\n"
"       twinctl -s stats\n";

static void help(void)
{
	puts("NAME\n       twinctl - control the twin (AF_TWIN) address family\n");
	puts("SYNOPSIS");
	print_indented(stdout, synopsis, "       ");
	puts("\nDESCRIPTION");
	print_indented(stdout, description, "       ");
	puts("\nOPTIONS");
	print_indented(stdout, options, "       ");
	puts("\nOBJECTS");
	for (size_t i = 0; i < N_OBJECTS; i++) {
		const struct object *obj = objects[i];

		printf("   %s - %s\n", obj->name, obj->summary);
		print_indented(stdout, obj->usage, "       ");
		putchar('\n');
		print_indented(stdout, obj->help, "       ");
		putchar('\n');
	}
	fputs(trailer, stdout);
}

static int usage(void)
{
	print_usage(stderr, synopsis);
	fputs("Try \"twinctl help\".\n", stderr);
	return EXIT_USAGE;
}

static void object_help(const struct object *obj)
{
	object_usage(stdout, obj);
	putchar('\n');
	fputs(obj->help, stdout);
}

/*
 * "help" anywhere among the arguments asks for help, as in ip(8), except
 * as the value of "dev"/"name": a device may be called help.
 */
static bool wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "help"))
			continue;
		if (i == 0 || (strcmp(argv[i - 1], "dev") && strcmp(argv[i - 1], "name")))
			return true;
	}
	return false;
}

static const struct object *find_object(const char *name)
{
	for (size_t i = 0; i < N_OBJECTS; i++)
		if (matches(name, objects[i]->name))
			return objects[i];
	return NULL;
}

static int run_object(const struct object *obj, int argc, char **argv)
{
	const struct cmd *cmd;
	const char *name = argc > 0 ? argv[0] : "show";

	if (argc > 0 && (matches(name, "help") || wants_help(argc - 1, argv + 1))) {
		object_help(obj);
		return print_finish();
	}
	for (cmd = obj->cmds; cmd->name; cmd++)
		if (matches(name, cmd->name))
			break;
	if (!cmd->name)
		return usage_error(obj, "command \"%s\" is unknown for %s", name, obj->name);
	if (argc > 0) {
		argc--;
		argv++;
	}
	return cmd->fn(argc, argv);
}

int main(int argc, char **argv)
{
	bool json = false, pretty = false;
	const struct object *obj;
	int ret;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *opt = argv[0];

		if (!strcmp(opt, "--")) {
			argc--;
			argv++;
			break;
		}
		/* --json is -json; "-" alone matches nothing below. */
		if (opt[1] == '-')
			opt++;
		if (opt[1] && matches(opt, "-json")) {
			json = true;
		} else if (opt[1] && matches(opt, "-pretty")) {
			pretty = true;
		} else if (opt[1] && (matches(opt, "-stats") || matches(opt, "-statistics"))) {
			opt_stats++;
		} else if (opt[1] && matches(opt, "-netns")) {
			if (argc < 2) {
				fprintf(stderr, TWINCTL_NAME ": option \"%s\" needs a namespace name\n",
					argv[0]);
				return usage();
			}
			argc--;
			argv++;
			ret = netns_switch(argv[0]);
			if (ret != EXIT_OK)
				return ret;
		} else if (opt[1] && matches(opt, "-Version")) {
			printf(TWINCTL_NAME " %s (generic netlink family \"%s\" version %d)\n",
			       TWINCTL_VERSION, TWIN_GENL_NAME, TWIN_GENL_VERSION);
			return print_finish();
		} else if (opt[1] && matches(opt, "-help")) {
			help();
			return print_finish();
		} else {
			fprintf(stderr, TWINCTL_NAME ": option \"%s\" is unknown\n", argv[0]);
			return usage();
		}
	}
	if (argc == 0)
		return usage();
	if (matches(argv[0], "help")) {
		/* `twinctl help addr` is `twinctl addr help`. */
		obj = argc > 1 ? find_object(argv[1]) : NULL;
		if (obj)
			object_help(obj);
		else
			help();
		return print_finish();
	}
	obj = find_object(argv[0]);
	if (!obj) {
		fprintf(stderr, TWINCTL_NAME ": object \"%s\" is unknown\n", argv[0]);
		return usage();
	}

	print_init(json, pretty);
	ret = run_object(obj, argc - 1, argv + 1);
	if (print_finish() && ret == EXIT_OK)
		ret = EXIT_FAIL;
	return ret;
}
