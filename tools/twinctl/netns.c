// SPDX-License-Identifier: GPL-2.0
/*
 * -n NETNS: work in a named network namespace, as `ip -n NETNS` does,
 * without the cost of `ip netns exec NETNS twinctl` (a second program and
 * a mount namespace twinctl does not need: it reads nothing from /sys).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "twinctl.h"

/* Where `ip netns add` leaves its namespaces (iproute2's NETNS_RUN_DIR). */
#define NETNS_RUN_DIR	"/run/netns"

int netns_switch(const char *name)
{
	char path[PATH_MAX];
	int fd, ret;

	/* A name, as ip-netns(8) makes them: never a path. */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		fprintf(stderr, TWINCTL_NAME ": invalid network namespace name \"%s\"\n", name);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, TWINCTL_NAME ": cannot open network namespace \"%s\": %s\n",
			name, strerror(errno));
		return EXIT_USAGE;
	}
	ret = setns(fd, CLONE_NEWNET);
	if (ret < 0)
		fprintf(stderr, TWINCTL_NAME ": cannot enter network namespace \"%s\": %s\n",
			name, strerror(errno));
	close(fd);
	return ret < 0 ? EXIT_FAIL : EXIT_OK;
}
