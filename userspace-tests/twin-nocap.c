// SPDX-License-Identifier: GPL-2.0
/*
 * twin-nocap: run a program without any capability.
 *
 *   twin-nocap [--uid N] PROG ARGS...
 *
 * Drops every capability from the bounding, ambient, inheritable,
 * permitted and effective sets, so that even as uid 0 the program gets
 * none back at execve(). --uid also switches to that uid and gid (with no
 * supplementary groups) first. A test helper: busybox's setpriv cannot do
 * this, and there is no su in the test VM.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int n = 40;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 40;
		fclose(f);
	}
	return n;
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int i = 1, cap;
	long uid = -1;

	if (argc > 2 && !strcmp(argv[1], "--uid")) {
		uid = strtol(argv[2], NULL, 10);
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: twin-nocap [--uid N] PROG ARGS...\n");
		return 2;
	}
	if (uid >= 0) {
		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0) {
			perror("twin-nocap: setuid");
			return 126;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (cap = 0; cap <= last_cap(); cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL &&
		    uid < 0) {
			perror("twin-nocap: PR_CAPBSET_DROP");
			return 126;
		}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0) {
		perror("twin-nocap: capset");
		return 126;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "twin-nocap: %s: %s\n", argv[i], strerror(errno));
	return 127;
}
