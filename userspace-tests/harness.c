// SPDX-License-Identifier: GPL-2.0
/* The test harness: see harness.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <linux/sock_diag.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>

#include "genl.h"
#include "harness.h"
#include "rtnl.h"

#define MAX_TESTS	256
#define MAX_NS		16
#define SKIP_MSG_LEN	512

static const struct twin_test *tests[MAX_TESTS];
static int ntests;

/* State of the running test (in the test child). */
static pid_t test_pid;			/* the test child's pid */
static bool test_failed;
static char *skip_msg;			/* shared with the parent */
static int home_ns_fd = -1;		/* the test's own namespace */
static char ns_names[MAX_NS][64];
static int nns;
/* Twin devices made by twin_dev_add(), deleted first at cleanup. */
static struct { char ns[64]; char dev[32]; } devs[32];
static int ndevs;

void harness_register(const struct twin_test *t)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(KSFT_FAIL);
	}
	tests[ntests++] = t;
}

/* ------------------------------------------------------------ output */

void diag(const char *fmt, ...)
{
	char buf[2048], *line, *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
}

static void vfail(const char *file, int line, const char *fmt, va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	diag("%s:%d: %s", file, line, buf);
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(file, line, fmt, ap);
	va_end(ap);
	exit(KSFT_FAIL);
}

void harness_expect_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(file, line, fmt, ap);
	va_end(ap);
	test_failed = true;
}

void harness_skip(const char *fmt, ...)
{
	va_list ap;

	if (skip_msg) {
		va_start(ap, fmt);
		vsnprintf(skip_msg, SKIP_MSG_LEN, fmt, ap);
		va_end(ap);
	}
	/* A skip after a failed EXPECT is still a failure. */
	exit(test_failed ? KSFT_FAIL : KSFT_SKIP);
}

const char *harness_num(long double v, int slot)
{
	static char buf[2][64];

	if (v == (long double)(long long)v)
		snprintf(buf[slot], sizeof(buf[0]), "%lld", (long long)v);
	else if (v >= 0 && v == (long double)(unsigned long long)v)
		snprintf(buf[slot], sizeof(buf[0]), "%llu", (unsigned long long)v);
	else
		snprintf(buf[slot], sizeof(buf[0]), "%.6Lf", v);
	return buf[slot];
}

size_t harness_memdiff(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n && x[i] == y[i]; i++)
		;
	return i;
}

const char *errno_name(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" }, { EINTR, "EINTR" }, { EIO, "EIO" },
		{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { EPIPE, "EPIPE" },
		{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
		{ ENODATA, "ENODATA" }, { ENOTSOCK, "ENOTSOCK" },
		{ EDESTADDRREQ, "EDESTADDRREQ" }, { EMSGSIZE, "EMSGSIZE" },
		{ EPROTOTYPE, "EPROTOTYPE" }, { ENOPROTOOPT, "ENOPROTOOPT" },
		{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
		{ ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EAFNOSUPPORT, "EAFNOSUPPORT" },
		{ EADDRINUSE, "EADDRINUSE" },
		{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ENETDOWN, "ENETDOWN" },
		{ ENETUNREACH, "ENETUNREACH" }, { ECONNRESET, "ECONNRESET" },
		{ ENOBUFS, "ENOBUFS" }, { EISCONN, "EISCONN" },
		{ ENOTCONN, "ENOTCONN" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ECONNREFUSED, "ECONNREFUSED" },
		{ EHOSTUNREACH, "EHOSTUNREACH" }, { EALREADY, "EALREADY" },
		{ EINPROGRESS, "EINPROGRESS" },
	};
	static char buf[16];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

/* ------------------------------------------------------------ misc */

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * The child of wait_rx_timestamps(), in a namespace of its own: a
 * datagram to itself over the loopback, read 50 ms after it was sent,
 * until its stamp is that old. Exits 0 then, 1 after the time allowed.
 */
static void __attribute__((noreturn)) rx_timestamps_probe(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct ifreq ifr = { .ifr_name = "lo" };
	char ctl[CMSG_SPACE(sizeof(struct timespec))];
	double end = now_s() + 10.0 * mult();
	socklen_t len = sizeof(a);
	struct timespec ts, now;
	struct cmsghdr *cm;
	int fd, on = 1;
	char c = 'p';

	if (unshare(CLONE_NEWNET) < 0 || (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		_exit(2);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		_exit(2);
	while (now_s() < end) {
		struct iovec iov = { &c, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };

		if (sendto(fd, &c, 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1)
			_exit(2);
		sleep_ms(50);
		if (recvmsg(fd, &mh, 0) != 1)
			_exit(2);
		clock_gettime(CLOCK_REALTIME, &now);
		ts.tv_sec = 0;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		if (ts.tv_sec && (now.tv_sec - ts.tv_sec) +
				 (now.tv_nsec - ts.tv_nsec) / 1e9 >= 0.04)
			_exit(0);
	}
	_exit(1);
}

void wait_rx_timestamps(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		rx_timestamps_probe();
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		harness_fail(__FILE__, __LINE__,
			     "receive timestamps not on within %d s (probe status %#x)",
			     10 * mult(), status);
}

#define STALL_TICK_MS	10
#define STALL_GRACE_MS	5

struct stall_meter {
	pthread_t thread;
	atomic_int stop;
	atomic_llong lost_us;
};

static void *stall_meter_run(void *arg)
{
	struct stall_meter *m = arg;
	double t, late;

	while (!atomic_load(&m->stop)) {
		t = now_s();
		sleep_ms(STALL_TICK_MS);
		late = now_s() - t - STALL_TICK_MS / 1000.0;
		if (late > STALL_GRACE_MS / 1000.0)
			atomic_fetch_add(&m->lost_us, (long long)(late * 1e6));
	}
	return NULL;
}

struct stall_meter *stall_meter_start(void)
{
	struct stall_meter *m = calloc(1, sizeof(*m));
	sigset_t all, old;
	int err;

	if (!m)
		harness_fail(__FILE__, __LINE__, "stall meter: out of memory");
	/* Every signal stays with the test's own thread (EINTR tests). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&m->thread, NULL, stall_meter_run, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		harness_fail(__FILE__, __LINE__, "stall meter: %s",
			     strerror(err));
	return m;
}

double stall_meter_lost(struct stall_meter *m)
{
	double lost = atomic_load(&m->lost_us) / 1e6;

	if (lost > 0)
		diag("the guest stalled %.3f s so far (wakeups more than "
		     "%d ms late)", lost, STALL_GRACE_MS);
	return lost;
}

double stall_meter_stop(struct stall_meter *m)
{
	double lost;

	atomic_store(&m->stop, 1);
	pthread_join(m->thread, NULL);
	lost = stall_meter_lost(m);
	free(m);
	return lost;
}

ssize_t read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

void twin_sysctl_set(const char *name, unsigned int val)
{
	char path[128], text[16];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/sys/net/twin/%s", name);
	n = snprintf(text, sizeof(text), "%u\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, n) != n)
		harness_fail(__FILE__, __LINE__, "%s = %u: %s", path, val,
			     strerror(errno));
	close(fd);
}

/*
 * Open /proc/sys/net/twin/@name (or @name itself, a path) of the initial
 * namespace with @flags: the file is opened there, and used from the
 * test's own namespace after. -1 with errno if it cannot be opened.
 */
static int init_sysctl_try_open(const char *name, int flags, char *path,
				size_t len)
{
	int init, fd, e;

	init = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	if (init < 0 || setns(init, CLONE_NEWNET) < 0)
		harness_fail(__FILE__, __LINE__, "the initial namespace: %s",
			     strerror(errno));
	close(init);
	if (name[0] == '/')
		snprintf(path, len, "%s", name);
	else
		snprintf(path, len, "/proc/sys/net/twin/%s", name);
	fd = open(path, flags | O_CLOEXEC);
	e = errno;
	ns_enter(NULL);
	errno = e;
	return fd;
}

static int twin_init_sysctl_open(const char *name, int flags, char *path,
				 size_t len)
{
	int fd = init_sysctl_try_open(name, flags, path, len);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "%s in the initial namespace: "
			     "%s", path, strerror(errno));
	return fd;
}

int init_sysctl_try_set(const char *path, const char *text)
{
	char name[128];
	int fd = init_sysctl_try_open(path, O_WRONLY, name, sizeof(name));
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	if (n == (ssize_t)strlen(text))
		return 0;
	if (n >= 0)
		errno = EIO;
	return -1;
}

void twin_init_sysctl_set(const char *name, const char *text)
{
	if (init_sysctl_try_set(name, text))
		harness_fail(__FILE__, __LINE__, "net.twin.%s = %s in the "
			     "initial namespace: %s", name, text, strerror(errno));
}

void twin_init_sysctl_get(const char *name, char *buf, size_t len)
{
	char path[128];
	int fd = twin_init_sysctl_open(name, O_RDONLY, path, sizeof(path));
	ssize_t n = read(fd, buf, len - 1);

	if (n <= 0)
		harness_fail(__FILE__, __LINE__, "%s in the initial namespace: "
			     "%s", path, n ? strerror(errno) : "empty");
	buf[n] = '\0';
	close(fd);
}

int twin_sysctl_try(const char *name, unsigned int val)
{
	char path[128], text[16];
	int fd, n, r, e;

	snprintf(path, sizeof(path), "/proc/sys/net/twin/%s", name);
	n = snprintf(text, sizeof(text), "%u\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s", path,
			     strerror(errno));
	r = write(fd, text, n) == n ? 0 : -1;
	e = errno;
	close(fd);
	errno = e;
	return r;
}

long twin_sysctl_get(const char *name)
{
	char path[128], text[32], *end;
	long v;

	snprintf(path, sizeof(path), "/proc/sys/net/twin/%s", name);
	if (read_file(path, text, sizeof(text)) <= 0)
		harness_fail(__FILE__, __LINE__, "cannot read %s: %s", path,
			     strerror(errno));
	v = strtol(text, &end, 10);
	if (end == text)
		harness_fail(__FILE__, __LINE__, "%s: not a number: %s", path,
			     text);
	return v;
}

void twin_sysctl_check_range(const char *name, unsigned int def,
			     unsigned int min, unsigned int max)
{
	const char *other = ns_new("sysctl");

	ASSERT_EQ(twin_sysctl_get(name), def);
	ASSERT_ERRNO(twin_sysctl_try(name, min - 1), EINVAL);
	ASSERT_ERRNO(twin_sysctl_try(name, max + 1), EINVAL);
	ASSERT_EQ(twin_sysctl_get(name), def);
	twin_sysctl_set(name, min);
	ASSERT_EQ(twin_sysctl_get(name), min);
	twin_sysctl_set(name, max);
	ASSERT_EQ(twin_sysctl_get(name), max);
	/* Another namespace keeps its own. */
	ns_enter(other);
	ASSERT_EQ(twin_sysctl_get(name), def);
	ns_enter(NULL);
	ASSERT_EQ(twin_sysctl_get(name), max);
}

const struct twin_flag twin_refused_send_flags[] = {
	{ MSG_OOB, "MSG_OOB" }, { MSG_PEEK, "MSG_PEEK" },
	{ MSG_DONTROUTE, "MSG_DONTROUTE" }, { MSG_PROBE, "MSG_PROBE" },
	{ MSG_TRUNC, "MSG_TRUNC" }, { MSG_EOR, "MSG_EOR" },
	{ MSG_WAITALL, "MSG_WAITALL" }, { MSG_MORE, "MSG_MORE" },
	{ MSG_ZEROCOPY, "MSG_ZEROCOPY" }, { MSG_FASTOPEN, "MSG_FASTOPEN" },
};
const size_t twin_refused_send_flags_n =
	sizeof(twin_refused_send_flags) / sizeof(twin_refused_send_flags[0]);

void fill_pattern(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

void cap_drop(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		harness_fail(__FILE__, __LINE__, "capget: %s", strerror(errno));
	data[cap / 32].effective &= ~(1U << (cap % 32));
	data[cap / 32].permitted &= ~(1U << (cap % 32));
	data[cap / 32].inheritable &= ~(1U << (cap % 32));
	if (syscall(SYS_capset, &hdr, data) < 0)
		harness_fail(__FILE__, __LINE__, "capset: %s", strerror(errno));
}

/* ------------------------------------------------------------ twin */

int twin_family(void)
{
	static int family = -1;
	char buf[32];

	if (family < 0) {
		family = AF_TWIN;
		if (read_file(TWIN_FAMILY_PARAM, buf, sizeof(buf)) > 0)
			family = atoi(buf);
	}
	return family;
}

struct sockaddr_twin twin_addr(uint32_t node, uint32_t port)
{
	struct sockaddr_twin a;

	memset(&a, 0, sizeof(a));
	a.stw_family = twin_family();
	a.stw_node = node;
	a.stw_port = port;
	return a;
}

int twin_socket(int type)
{
	int fd = socket(twin_family(), type, 0);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__,
			     "socket(%d, %d, 0) failed " TWIN_ERRFMT,
			     twin_family(), type, TWIN_ERRARG(errno));
	return fd;
}

int twin_bind(int fd, uint32_t node, uint32_t port)
{
	struct sockaddr_twin a = twin_addr(node, port);

	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

int twin_connect(int fd, uint32_t node, uint32_t port)
{
	struct sockaddr_twin a = twin_addr(node, port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

int twin_bound(uint32_t node, uint32_t port)
{
	int fd = twin_socket(SOCK_DGRAM);

	if (twin_bind(fd, node, port) < 0)
		harness_fail(__FILE__, __LINE__,
			     "bind to %u:%u failed " TWIN_ERRFMT, node, port,
			     TWIN_ERRARG(errno));
	return fd;
}

ssize_t twin_sendto(int fd, const void *buf, size_t len, int flags,
		    uint32_t node, uint32_t port)
{
	struct sockaddr_twin a = twin_addr(node, port);

	return sendto(fd, buf, len, flags, (struct sockaddr *)&a, sizeof(a));
}

void twin_check_reserved(const struct sockaddr_twin *a, const char *what)
{
	if (a->stw_reserved != 0)
		harness_fail(__FILE__, __LINE__,
			     "%s: expected a zero reserved field, got 0x%04x",
			     what, a->stw_reserved);
}

/* getsockname() or getpeername(): 16 bytes, our family, reserved zero. */
static struct sockaddr_twin twin_sockname(int fd, bool peer)
{
	const char *what = peer ? "getpeername" : "getsockname";
	struct sockaddr_twin a;
	socklen_t len = sizeof(a);
	int r;

	memset(&a, 0xa5, sizeof(a));
	r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) :
		   getsockname(fd, (struct sockaddr *)&a, &len);
	if (r < 0)
		harness_fail(__FILE__, __LINE__, "%s " TWIN_ERRFMT, what,
			     TWIN_ERRARG(errno));
	if (len != sizeof(a))
		harness_fail(__FILE__, __LINE__,
			     "%s: expected length 16, got %u", what, len);
	if (a.stw_family != twin_family())
		harness_fail(__FILE__, __LINE__,
			     "%s: expected family %d, got %u", what,
			     twin_family(), a.stw_family);
	twin_check_reserved(&a, what);
	return a;
}

struct sockaddr_twin twin_name(int fd)
{
	return twin_sockname(fd, false);
}

struct sockaddr_twin twin_peer_name(int fd)
{
	return twin_sockname(fd, true);
}

void twin_set_int(int fd, int level, int opt, int val)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0)
		harness_fail(__FILE__, __LINE__,
			     "setsockopt(level %d, opt %d, %d) " TWIN_ERRFMT,
			     level, opt, val, TWIN_ERRARG(errno));
}

int twin_get_int(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(fd, level, opt, &val, &len) < 0)
		harness_fail(__FILE__, __LINE__,
			     "getsockopt(level %d, opt %d) " TWIN_ERRFMT,
			     level, opt, TWIN_ERRARG(errno));
	if (len != sizeof(int))
		harness_fail(__FILE__, __LINE__,
			     "getsockopt(level %d, opt %d): length %u, not %zu",
			     level, opt, len, sizeof(int));
	return val;
}

void twin_set_timeo(int fd, int opt, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0)
		harness_fail(__FILE__, __LINE__,
			     "setsockopt(SOL_SOCKET, %d, %d ms) " TWIN_ERRFMT,
			     opt, ms, TWIN_ERRARG(errno));
}

ssize_t twin_recv_wait(int fd, void *buf, size_t len, int flags,
		       struct sockaddr_twin *from, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t alen = sizeof(*from);
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (from)
		memset(from, 0xa5, sizeof(*from));
	return recvfrom(fd, buf, len, flags | MSG_DONTWAIT,
			(struct sockaddr *)from, from ? &alen : NULL);
}

uint32_t twin_meminfo(int fd, int idx)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len));
	ASSERT_GT(len, (socklen_t)(idx * sizeof(mem[0])));
	return mem[idx];
}

void twin_expect_silence(int fd, int ms, const char *why)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 0)
		harness_fail(__FILE__, __LINE__,
			     "%s: expected no datagram within %d ms, got "
			     "revents 0x%x", why, ms, p.revents);
}

/* ------------------------------------------------------------ commands */

const char *find_tool(const char *name)
{
	static char found[8][PATH_MAX + 64];
	static char names[8][32];
	static int nfound;
	const char *path = getenv("PATH");
	char dir[PATH_MAX], cand[PATH_MAX + 64], real[PATH_MAX];
	const char *p, *fallback = NULL;
	int i;

	if (strchr(name, '/'))
		return name;
	for (i = 0; i < nfound; i++)
		if (!strcmp(names[i], name))
			return found[i];
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p; ) {
		size_t l = strcspn(p, ":");

		snprintf(dir, sizeof(dir), "%.*s", (int)l, p);
		p += l + (p[l] == ':');
		snprintf(cand, sizeof(cand), "%s/%s", dir[0] ? dir : ".", name);
		if (access(cand, X_OK) != 0)
			continue;
		/* busybox applets are cut down (ip without netns): skip. */
		if (realpath(cand, real) && !strcmp(basename(real), "busybox")) {
			if (!fallback)
				fallback = strdup(cand);
			continue;
		}
		if (nfound < 8) {
			snprintf(names[nfound], sizeof(names[0]), "%s", name);
			snprintf(found[nfound], sizeof(found[0]), "%s", cand);
			return found[nfound++];
		}
		return strdup(cand);
	}
	return fallback;
}

void require_tool(const char *name)
{
	if (!find_tool(name))
		SKIP("%s not found on PATH", name);
}

int run_cmd_ns(const char *ns, char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[1024], copy[1024], *argv[64], *save = NULL, *w;
	char buf[8192];
	size_t got = 0;
	int argc = 0, pfd[2], status;
	const char *exe;
	ssize_t n;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(copy, sizeof(copy), "%s", cmd);
	for (w = strtok_r(copy, " \t", &save); w && argc < 63;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	if (!argc)
		return 127;
	exe = find_tool(argv[0]);
	if (!exe) {
		diag("$ %s%s%s%s: not found", ns ? "[" : "", ns ? ns : "",
		     ns ? "] " : "", argv[0]);
		return 127;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		harness_fail(__FILE__, __LINE__, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		harness_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (ns) {
			char p[128];
			int fd;

			snprintf(p, sizeof(p), "/run/netns/%s", ns);
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
				dprintf(pfd[1], "setns %s: %s\n", p,
					strerror(errno));
				_exit(126);
			}
		}
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execv(exe, argv);
		dprintf(2, "exec %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			got += n;
	buf[got] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			harness_fail(__FILE__, __LINE__, "waitpid: %s",
				     strerror(errno));
	status = WIFEXITED(status) ? WEXITSTATUS(status)
				   : 128 + WTERMSIG(status);
	if (out && outlen)
		snprintf(out, outlen, "%s", buf);
	if (status != 0 || getenv("TWIN_VERBOSE")) {
		diag("$ %s%s%s%s  (exit %d)", ns ? "[" : "", ns ? ns : "",
		     ns ? "] " : "", cmd, status);
		if (got)
			diag("%s", buf);
	}
	return status;
}

/* ------------------------------------------------------------ namespaces */

#define NETNS_RUN_DIR	"/run/netns"

/*
 * opener() run in network namespace ns (NULL: the caller's current one),
 * leaving the caller where it was: a netlink socket stays in the namespace
 * it was made in. Returns its fd or -errno.
 */
static int open_in_ns(const char *ns, int (*opener)(void))
{
	int cur, target, fd, err = 0;
	char p[128];

	if (!ns) {
		fd = opener();
		return fd < 0 ? -errno : fd;
	}
	snprintf(p, sizeof(p), NETNS_RUN_DIR "/%s", ns);
	target = open(p, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return -errno;
	cur = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (cur < 0 || setns(target, CLONE_NEWNET) < 0) {
		err = -errno;
		if (cur >= 0)
			close(cur);
		close(target);
		return err;
	}
	fd = opener();
	if (fd < 0)
		err = -errno;
	if (setns(cur, CLONE_NEWNET) < 0) {
		/* Also called at exit: no harness_fail() here. */
		diag("harness: setns back from %s: %s", ns, strerror(errno));
		_exit(KSFT_FAIL);
	}
	close(cur);
	close(target);
	return fd < 0 ? err : fd;
}

/* As `ip netns del`: detach the namespace's bind mount, remove the file. */
static void ns_delete(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), NETNS_RUN_DIR "/%s", name);
	umount2(p, MNT_DETACH);
	unlink(p);
}

/* As `ip link del DEV` in ns (NULL: the current namespace), ignoring errors. */
static void dev_delete(const char *ns, const char *dev)
{
	int fd = open_in_ns(ns, rtnl_open);

	if (fd < 0)
		return;
	rtnl_link_del(fd, dev, NULL, 0);
	close(fd);
}

/*
 * Delete the test's twin devices synchronously, then its namespaces:
 * namespace teardown is asynchronous, and a device of a dying namespace
 * must not answer the next test's neighbour solicitations on segment 0.
 */
static void ns_cleanup(void)
{
	int i;

	if (getpid() != test_pid)
		return;		/* a spawned helper exiting */
	if (home_ns_fd >= 0)
		setns(home_ns_fd, CLONE_NEWNET);
	for (i = ndevs - 1; i >= 0; i--)
		dev_delete(devs[i].ns[0] ? devs[i].ns : NULL, devs[i].dev);
	ndevs = 0;
	for (i = 0; i < nns; i++)
		ns_delete(ns_names[i]);
	nns = 0;
}

/* Delete namespaces a killed test left behind. */
static void ns_cleanup_prefix(pid_t pid)
{
	char prefix[32];
	struct dirent *de;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "twt%d-", (int)pid);
	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			ns_delete(de->d_name);
	closedir(d);
}

/*
 * As iproute2's `ip netns add`: NETNS_RUN_DIR is made a shared mount point
 * (bind-mounted on itself the first time) so that the namespaces bound
 * below it propagate to other mount namespaces (ip netns exec, and the
 * shell tests that share the directory), an empty file is created for the
 * name, and a new namespace (unshare in this thread, which then returns to
 * its own) is bind-mounted onto it.
 */
const char *ns_new(const char *tag)
{
	const char *name;
	bool made_mount = false;
	char p[128];
	int fd, here;

	if (nns == MAX_NS)
		harness_fail(__FILE__, __LINE__, "too many namespaces");
	name = ns_names[nns];
	snprintf(ns_names[nns], sizeof(ns_names[0]), "twt%d-%s",
		 (int)test_pid, tag);
	snprintf(p, sizeof(p), NETNS_RUN_DIR "/%s", name);
	mkdir("/run", 0755);
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		harness_fail(__FILE__, __LINE__, "mkdir " NETNS_RUN_DIR ": %s",
			     strerror(errno));
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet. */
		if (errno != EINVAL || made_mount)
			harness_fail(__FILE__, __LINE__,
				     "mount --make-shared " NETNS_RUN_DIR ": %s",
				     strerror(errno));
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none",
			  MS_BIND | MS_REC, NULL) < 0)
			harness_fail(__FILE__, __LINE__,
				     "mount --bind " NETNS_RUN_DIR ": %s",
				     strerror(errno));
		made_mount = true;
	}
	fd = open(p, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "create %s: %s", p,
			     strerror(errno));
	close(fd);
	/* From here on, cleanup deletes it whatever happens. */
	nns++;
	here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (here < 0)
		harness_fail(__FILE__, __LINE__,
			     "open /proc/thread-self/ns/net: %s",
			     strerror(errno));
	if (unshare(CLONE_NEWNET) < 0)
		harness_fail(__FILE__, __LINE__, "unshare(CLONE_NEWNET): %s",
			     strerror(errno));
	if (mount("/proc/thread-self/ns/net", p, "none", MS_BIND, NULL) < 0) {
		int err = errno;

		setns(here, CLONE_NEWNET);
		harness_fail(__FILE__, __LINE__, "mount --bind %s: %s", p,
			     strerror(err));
	}
	if (setns(here, CLONE_NEWNET) < 0)
		harness_fail(__FILE__, __LINE__, "setns back from %s: %s",
			     name, strerror(errno));
	close(here);
	return name;
}

void ns_enter(const char *ns)
{
	char p[128];
	int fd;

	if (!ns) {
		if (setns(home_ns_fd, CLONE_NEWNET) < 0)
			harness_fail(__FILE__, __LINE__, "setns home: %s",
				     strerror(errno));
		return;
	}
	snprintf(p, sizeof(p), NETNS_RUN_DIR "/%s", ns);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s", p,
			     strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		harness_fail(__FILE__, __LINE__, "setns %s: %s", p,
			     strerror(errno));
	close(fd);
}

int ns_socket(const char *ns, int type)
{
	int fd;

	ns_enter(ns);
	fd = twin_socket(type);
	ns_enter(NULL);
	return fd;
}

/* Fails the test with what, the error and the kernel's extack message. */
static void dev_fail(const char *what, const char *dev, const char *ns,
		     int err, const char *extack)
{
	harness_fail(__FILE__, __LINE__, "%s %s in %s failed " TWIN_ERRFMT
		     "%s%s", what, dev, ns ? ns : "the current namespace",
		     TWIN_ERRARG(-err), extack[0] ? ": " : "", extack);
}

/* The twin generic netlink family's id (the same in every namespace). */
static int twin_genl_id(int fd, const char *ns)
{
	static int id;

	if (!id) {
		id = genl_family(fd, TWIN_GENL_NAME);
		if (id < 0)
			dev_fail("generic netlink family", TWIN_GENL_NAME, ns,
				 id, "");
	}
	return id;
}

/*
 * In ns (NULL: the current namespace), without forking ip or twinctl:
 * RTM_NEWLINK kind "twin" (ip link add DEV type twin) or TWIN_CMD_LINK_NEW
 * with the segment (twinctl link add DEV segment S), IFF_UP and the MTU
 * (ip link set DEV mtu TWIN_TEST_MTU up) and TWIN_CMD_ADDR_NEW (twinctl
 * addr add NODE dev DEV).
 */
void twin_dev_add(const char *ns, const char *dev, uint32_t segment,
		  uint32_t node)
{
	twin_dev_add_mtu(ns, dev, segment, node, TWIN_TEST_MTU);
}

void twin_dev_add_mtu(const char *ns, const char *dev, uint32_t segment,
		      uint32_t node, unsigned int mtu)
{
	struct genl_attr a[2] = {
		{ TWIN_A_IFNAME, (uint16_t)(strlen(dev) + 1), dev },
	};
	char extack[256] = "";
	int rt, gn = -1, err;

	if (ndevs < (int)(sizeof(devs) / sizeof(devs[0]))) {
		snprintf(devs[ndevs].ns, sizeof(devs[0].ns), "%s", ns ? ns : "");
		snprintf(devs[ndevs].dev, sizeof(devs[0].dev), "%s", dev);
		ndevs++;
	}
	rt = open_in_ns(ns, rtnl_open);
	if (rt < 0)
		dev_fail("NETLINK_ROUTE socket for", dev, ns, rt, "");
	if (segment != 0 || node) {
		gn = open_in_ns(ns, genl_open);
		if (gn < 0)
			dev_fail("generic netlink socket for", dev, ns, gn, "");
	}
	if (segment == 0) {
		err = rtnl_link_add(rt, dev, "twin", extack, sizeof(extack));
		if (err)
			dev_fail("RTM_NEWLINK type twin", dev, ns, err, extack);
	} else {
		a[1] = (struct genl_attr){ TWIN_A_SEGMENT, 4, &segment };
		err = genl_call(gn, twin_genl_id(gn, ns), TWIN_CMD_LINK_NEW, 0,
				a, 2, NULL, NULL, extack, sizeof(extack));
		if (err)
			dev_fail("TWIN_CMD_LINK_NEW (segment)", dev, ns, err,
				 extack);
	}
	err = rtnl_link_up(rt, dev, mtu, extack, sizeof(extack));
	if (err)
		dev_fail("RTM_NEWLINK IFF_UP, MTU", dev, ns, err, extack);
	if (node) {
		a[1] = (struct genl_attr){ TWIN_A_NODE, 4, &node };
		err = genl_call(gn, twin_genl_id(gn, ns), TWIN_CMD_ADDR_NEW, 0,
				a, 2, NULL, NULL, extack, sizeof(extack));
		if (err)
			dev_fail("TWIN_CMD_ADDR_NEW (node)", dev, ns, err,
				 extack);
	}
	close(rt);
	if (gn >= 0)
		close(gn);
}

const char *ns_with_twin(const char *tag, uint32_t segment, uint32_t node)
{
	const char *ns = ns_new(tag);

	twin_dev_add(ns, "tw0", segment, node);
	return ns;
}

pid_t ns_spawn(const char *ns, void (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		harness_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (ns)
			ns_enter(ns);
		fn(arg);
		exit(test_failed ? KSFT_FAIL : KSFT_PASS);
	}
	return pid;
}

void harness_wait_child(pid_t pid, const char *file, int line)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			harness_fail(file, line, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		harness_fail(file, line, "expected helper process %d to pass, "
			     "got %s %d", (int)pid,
			     WIFEXITED(st) ? "exit" : "signal",
			     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

long twin_proc_drops(int fd)
{
	char line[512], type[32], state[32];
	unsigned long inode, rxq, txq, drops;
	unsigned int ln, lp, pn, pp;
	struct stat st;
	FILE *f;
	long found = -1;

	ASSERT_OK(fstat(fd, &st));
	f = fopen("/proc/net/twin", "r");
	ASSERT_TRUE(f != NULL);
	if (!fgets(line, sizeof(line), f))
		harness_fail(__FILE__, __LINE__, "/proc/net/twin is empty");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %31s %u:%u %u:%u %lu %lu %lu %lu", type,
			   state, &ln, &lp, &pn, &pp, &rxq, &txq, &drops,
			   &inode) == 10 && inode == st.st_ino)
			found = drops;
	fclose(f);
	return found;
}

uint64_t twin_stat(const char *ns, int stat)
{
	uint64_t stats[TWIN_STAT_MAX + 1];
	int err;

	ns_enter(ns);
	err = twin_stats_read(stats, TWIN_STAT_MAX + 1);
	ns_enter(NULL);
	if (err)
		harness_fail(__FILE__, __LINE__,
			     "TWIN_CMD_STATS_GET failed " TWIN_ERRFMT,
			     TWIN_ERRARG(-err));
	return stats[stat];
}

uint64_t twin_stat_wait(const char *ns, int stat, uint64_t want, int ms)
{
	double end = now_s() + ms / 1000.0;
	uint64_t v;

	while ((v = twin_stat(ns, stat)) < want && now_s() < end)
		sleep_ms(20);
	return v;
}

/* ------------------------------------------------------------ running */

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

/*
 * The machine-wide sysctls the tests change (net.twin.mem, rmem, wmem and
 * max_orphans, which exist in the initial namespace only, the
 * initial namespace's neigh_max and neigh_solicit_rate, which cap every
 * namespace's, and net.core.mem_pcpu_rsv where the kernel has it), where
 * this runner is: a test that changes them may be killed before it puts
 * them back, so the runner does, after every test.
 */
static const char *const global_sysctls[] = {
	"/proc/sys/net/twin/mem", "/proc/sys/net/twin/max_orphans",
	"/proc/sys/net/twin/rmem", "/proc/sys/net/twin/wmem",
	"/proc/sys/net/twin/neigh_max", "/proc/sys/net/twin/neigh_solicit_rate",
	"/proc/sys/net/core/mem_pcpu_rsv",
};
#define N_GLOBAL_SYSCTLS (sizeof(global_sysctls) / sizeof(global_sysctls[0]))
static char global_saved[N_GLOBAL_SYSCTLS][128];

static void globals_save(void)
{
	const char *path;
	size_t i;

	for (i = 0; i < N_GLOBAL_SYSCTLS; i++) {
		path = global_sysctls[i];
		if (read_file(path, global_saved[i], sizeof(global_saved[i])) < 0)
			global_saved[i][0] = '\0';
	}
}

static void globals_restore(void)
{
	const char *path;
	char now[128];
	size_t i, n;
	int fd;

	for (i = 0; i < N_GLOBAL_SYSCTLS; i++) {
		path = global_sysctls[i];
		if (!global_saved[i][0] || read_file(path, now, sizeof(now)) < 0 ||
		    !strcmp(now, global_saved[i]))
			continue;
		n = strlen(global_saved[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, global_saved[i], n) != (ssize_t)n)
			diag("cannot put %s back to %s", path, global_saved[i]);
		if (fd >= 0)
			close(fd);
	}
}

static void run_child(const struct twin_test *t)
{
	test_pid = getpid();
	setpgid(0, 0);
	atexit(ns_cleanup);
	if (!(t->flags & TF_NO_NETNS) && unshare(CLONE_NEWNET) < 0)
		harness_fail(__FILE__, __LINE__, "unshare(CLONE_NEWNET): %s",
			     strerror(errno));
	home_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_ns_fd < 0)
		harness_fail(__FILE__, __LINE__, "open /proc/self/ns/net: %s",
			     strerror(errno));
	t->fn();
	exit(test_failed ? KSFT_FAIL : KSFT_PASS);
}

/* Returns KSFT_PASS, KSFT_SKIP or KSFT_FAIL. */
static int run_test(int num, const struct twin_test *t)
{
	unsigned int timeout = (t->timeout ? t->timeout : TWIN_DEFAULT_TIMEOUT) * mult();
	struct sigaction sa = { .sa_handler = on_alarm };
	double start = now_s();
	int status, result;
	pid_t pid;

	skip_msg[0] = '\0';
	globals_save();
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("not ok %d - %s # fork: %s\n", num, t->name,
		       strerror(errno));
		return KSFT_FAIL;
	}
	if (pid == 0)
		run_child(t);

	timed_out = 0;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: waitpid sees EINTR */
	alarm(timeout);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			break;
		if (timed_out) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
	}
	alarm(0);
	kill(-pid, SIGKILL);	/* helpers the test left behind */
	ns_cleanup_prefix(pid);
	globals_restore();

	if (timed_out) {
		diag("%s: timed out after %u s, killed", t->name, timeout);
		result = KSFT_FAIL;
	} else if (WIFSIGNALED(status)) {
		diag("%s: killed by signal %d", t->name, WTERMSIG(status));
		result = KSFT_FAIL;
	} else if (WEXITSTATUS(status) == KSFT_SKIP) {
		result = KSFT_SKIP;
	} else if (WEXITSTATUS(status) == KSFT_PASS) {
		result = KSFT_PASS;
	} else {
		result = KSFT_FAIL;
	}
	/* Where make check's time goes: the tests of a second or more. */
	if (now_s() - start >= 1.0)
		diag("%s took %.1f s", t->name, now_s() - start);
	if (result == KSFT_SKIP)
		printf("ok %d - %s # SKIP %s\n", num, t->name,
		       skip_msg[0] ? skip_msg : "");
	else
		printf("%sok %d - %s\n", result == KSFT_PASS ? "" : "not ",
		       num, t->name);
	fflush(stdout);
	return result;
}

static int by_line(const void *a, const void *b)
{
	const struct twin_test *x = *(const struct twin_test *const *)a;
	const struct twin_test *y = *(const struct twin_test *const *)b;

	return x->line - y->line;
}

static bool selected(const struct twin_test *t, int argc, char **argv)
{
	int i;

	if (argc == 0)
		return true;
	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], t->name))
			return true;
	return false;
}

int mult(void)
{
	const char *m = getenv("TWIN_TIMEOUT_MULT");
	int v = m ? atoi(m) : 1;

	return v > 0 ? v : 1;
}

int main(int argc, char **argv)
{
	int i, num = 0, nsel = 0, pass = 0, fail = 0, skip = 0, opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tests, ntests, sizeof(tests[0]), by_line);
	while ((opt = getopt(argc, argv, "lh")) != -1) {
		switch (opt) {
		case 'l':
			for (i = 0; i < ntests; i++)
				printf("%s\n", tests[i]->name);
			return 0;
		default:
			fprintf(stderr, "usage: %s [-l] [TEST...]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < ntests; i++)
		nsel += selected(tests[i], argc, argv);

	printf("TAP version 13\n");
	if (nsel == 0) {
		printf("1..0 # SKIP no test matches\n");
		return argc ? KSFT_FAIL : KSFT_SKIP;
	}
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root\n");
		return KSFT_SKIP;
	}
	/* TWIN_HARNESS_SELFTEST: exercise the harness itself without twin. */
	if (!getenv("TWIN_HARNESS_SELFTEST") &&
	    access("/sys/module/twin", F_OK) != 0) {
		printf("1..0 # SKIP twin module not loaded\n");
		return KSFT_SKIP;
	}
	skip_msg = mmap(NULL, SKIP_MSG_LEN, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_msg == MAP_FAILED) {
		perror("mmap");
		return KSFT_FAIL;
	}
	printf("1..%d\n", nsel);
	for (i = 0; i < ntests; i++) {
		if (!selected(tests[i], argc, argv))
			continue;
		switch (run_test(++num, tests[i])) {
		case KSFT_PASS: pass++; break;
		case KSFT_SKIP: skip++; break;
		default: fail++; break;
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	return fail ? KSFT_FAIL : KSFT_PASS;
}
