// SPDX-License-Identifier: GPL-2.0
/* Memory cgroups in the tests (cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "harness.h"

#define CG_ROOT "/sys/fs/cgroup"

const char *cgroup_make(const char *tag)
{
	static char path[128];
	char buf[256];
	int fd;

	if (read_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) < 0) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL) && errno != EBUSY)
			harness_skip("no cgroup2: %s", strerror(errno));
		if (read_file(CG_ROOT "/cgroup.controllers", buf,
			      sizeof(buf)) < 0)
			harness_skip("no cgroup2 at " CG_ROOT);
	}
	if (!strstr(buf, "memory"))
		harness_skip("no memory cgroup (CONFIG_MEMCG)");
	if (read_file(CG_ROOT "/cgroup.subtree_control", buf,
		      sizeof(buf)) < 0 || !strstr(buf, "memory")) {
		fd = open(CG_ROOT "/cgroup.subtree_control", O_WRONLY);
		ASSERT_OK(fd);
		ASSERT_EQ(write(fd, "+memory", 7), 7);
		close(fd);
	}
	snprintf(path, sizeof(path), CG_ROOT "/twin_%s_%d", tag, (int)getpid());
	ASSERT_OK(mkdir(path, 0755));
	return path;
}

void cgroup_write(const char *cg, const char *file, const char *text)
{
	char path[192];
	ssize_t len = strlen(text);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY);
	ASSERT_OK(fd);
	ASSERT_EQ(write(fd, text, len), len);
	close(fd);
}

void cgroup_enter(const char *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	cgroup_write(cg ? cg : CG_ROOT, "cgroup.procs", pid);
}

long cgroup_read(const char *cg, const char *file, const char *key)
{
	static char buf[1 << 14];
	char path[192], *p = buf;
	size_t klen;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	ASSERT_GT(read_file(path, buf, sizeof(buf)), 0);
	if (key) {
		klen = strlen(key);
		for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (!strncmp(p, key, klen) && p[klen] == ' ')
				break;
		if (!p)
			harness_fail(__FILE__, __LINE__, "no %s in %s", key,
				     path);
		p += klen + 1;
	}
	return strtol(p, NULL, 10);
}
