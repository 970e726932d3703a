// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures: with failslab failing a share of this process's slab
 * allocations (task-filter and /proc/self/make-it-fail), every datagram
 * operation either works or fails with a clean out-of-memory errno, never
 * anything else; once failures stop, the node works as before. Crashes,
 * kernel reports and leaks are caught by the VM run itself (the kernel log
 * scan and kmemleak after rmmod).
 *
 * Needs CONFIG_FAILSLAB and debugfs: runs on the debug kernel, skips on
 * kernels without failslab.
 */
#include <fcntl.h>

#include "harness.h"

#define FAILSLAB "/sys/kernel/debug/failslab/"
#define NODE 1
#define PORT 4000

static void write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	ASSERT_OK(fd);
	ASSERT_EQ(write(fd, val, strlen(val)), (ssize_t)strlen(val));
	close(fd);
}

static int make_it_fail = -1;

/*
 * Failures hit this process's own allocations too, opening files among
 * them: /proc/self/make-it-fail is opened before they start, and turning
 * them off is retried until the write itself gets through.
 */
static void failslab(int percent)
{
	char buf[16];
	int i;

	if (make_it_fail < 0) {
		make_it_fail = open("/proc/self/make-it-fail", O_WRONLY);
		ASSERT_OK(make_it_fail);
	}
	if (!percent) {
		for (i = 0; i < 1000; i++)
			if (pwrite(make_it_fail, "0", 1, 0) == 1)
				break;
		ASSERT_LT(i, 1000);
	}
	snprintf(buf, sizeof(buf), "%d", percent);
	write_str(FAILSLAB "probability", buf);
	write_str(FAILSLAB "interval", "1");
	write_str(FAILSLAB "times", "-1");
	write_str(FAILSLAB "verbose", "0");
	write_str(FAILSLAB "task-filter", "Y");
	/* GFP_KERNEL allocations may fail too, not only atomic ones. */
	write_str(FAILSLAB "ignore-gfp-wait", "N");
	if (percent)
		ASSERT_EQ(pwrite(make_it_fail, "1", 1, 0), 1);
}

/*
 * The errnos each operation may fail with when an allocation fails: an
 * out-of-memory errno, and nothing else.
 * ENFILE: the VFS reports a failed file allocation in socket() so.
 * EAGAIN: only a non-blocking receive that found nothing (the datagram was
 * lost to an allocation failure on the way, which datagrams may be).
 */
#define OOM (1u << 0)		/* ENOMEM, ENOBUFS */
#define FILE_ALLOC (1u << 1)	/* ENFILE */
#define NOTHING_YET (1u << 2)	/* EAGAIN */

static bool clean_errno(int e, unsigned int allowed)
{
	return ((allowed & OOM) && (e == ENOMEM || e == ENOBUFS)) ||
	       ((allowed & FILE_ALLOC) && e == ENFILE) ||
	       ((allowed & NOTHING_YET) && e == EAGAIN);
}

static int bad;

static void check(long r, const char *what, unsigned int allowed)
{
	if (r >= 0 || clean_errno(errno, allowed))
		return;
	diag("%s failed with %s under failslab", what, errno_name(errno));
	bad++;
}

TEST_TIMEOUT(datagrams_under_failslab, 120)
{
	int rx, i, fails = 0;
	char buf[64];

	if (access(FAILSLAB "probability", W_OK))
		SKIP("no failslab in this kernel");
	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, PORT);

	failslab(20);
	for (i = 0; i < 400; i++) {
		struct sockaddr_twin a;
		int fd = socket(twin_family(), SOCK_DGRAM, 0);
		long r;

		if (fd < 0) {
			check(fd, "socket", OOM | FILE_ALLOC);
			fails++;
			continue;
		}
		memset(&a, 0, sizeof(a));
		a.stw_family = twin_family();
		a.stw_port = TWIN_PORT_ANY;
		check(bind(fd, (struct sockaddr *)&a, sizeof(a)), "bind", OOM);
		r = twin_sendto(fd, "x", 1, 0, NODE, PORT);
		if (r < 0)
			fails++;
		check(r, "sendto", OOM);
		check(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), "recv",
		      OOM | NOTHING_YET);
		close(fd);
	}
	failslab(0);
	diag("%d of 400 rounds saw an injected failure", fails);
	ASSERT_EQ(bad, 0);
	ASSERT_GT(fails, 0);	/* the injection really happened */

	/* Afterwards everything works again. */
	while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	ASSERT_EQ(twin_sendto(rx, "again", 5, 0, NODE, PORT), 5);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 3000), 5);
	ASSERT_MEMEQ(buf, "again", 5);
}
