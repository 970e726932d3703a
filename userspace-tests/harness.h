/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small kselftest-style harness for the twin socket tests.
 *
 * Every TEST() runs in its own forked child, in a fresh network namespace
 * (unshare(CLONE_NEWNET)), with a timeout enforced by the parent. Output is
 * TAP 13: "ok N - name", "not ok N - name", "ok N - name # SKIP why".
 * A child exit status of 0 is a pass, KSFT_SKIP (4) a skip, anything else a
 * failure. Failed assertions print "# file:line: expected ..., got ..."
 * and end the test.
 *
 * Usage: ./test_foo [-l] [-t SECONDS] [NAME...]
 *   -l lists the tests, NAME runs only the named ones. The environment
 *   variable TWIN_TIMEOUT_MULT multiplies every test's timeout (slow VMs).
 */
#ifndef TWIN_HARNESS_H
#define TWIN_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/twin.h>

/* The send flags datagram and raw sockets refuse (EOPNOTSUPP). */
struct twin_flag {
	int flag;
	const char *name;
};
extern const struct twin_flag twin_refused_send_flags[];
extern const size_t twin_refused_send_flags_n;

/* Send flags glibc may not name; the tests check they are refused. */
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif
#ifndef MSG_PROBE
#define MSG_PROBE 0x10
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

#define TWIN_DEFAULT_TIMEOUT 20	/* seconds per test */

/* Test flags. */
#define TF_NO_NETNS	0x1	/* run in the caller's namespace */

struct twin_test {
	const char *name;
	void (*fn)(void);
	int line;
	unsigned int timeout;
	unsigned int flags;
};

void harness_register(const struct twin_test *t);

#define TEST_F(name_, timeout_, flags_)					\
	static void name_(void);					\
	static const struct twin_test twin_test_##name_ = {		\
		#name_, name_, __LINE__, (timeout_), (flags_) };	\
	__attribute__((constructor)) static void twin_reg_##name_(void)	\
	{								\
		harness_register(&twin_test_##name_);			\
	}								\
	static void name_(void)

#define TEST(name_)			TEST_F(name_, 0, 0)
#define TEST_TIMEOUT(name_, secs_)	TEST_F(name_, secs_, 0)

/* ------------------------------------------------------------ failures */

void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void harness_expect_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void harness_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/* Diagnostic line ("# ...") on stdout. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *errno_name(int e);

#define SKIP(...) harness_skip(__VA_ARGS__)

/* "(errno EINVAL: Invalid argument)" */
#define TWIN_ERRFMT "(errno %s: %s)"
#define TWIN_ERRARG(e) errno_name(e), strerror(e)

/* expr must not return -1 (any other value is success). */
#define ASSERT_OK(expr) do {						\
	errno = 0;							\
	long long _r = (long long)(expr);				\
	int _e = errno;							\
	if (_r == -1)							\
		harness_fail(__FILE__, __LINE__,			\
			"expected %s to succeed, got -1 " TWIN_ERRFMT,	\
			#expr, TWIN_ERRARG(_e));			\
} while (0)

/* expr must return -1 with errno == err. */
#define ASSERT_ERRNO(expr, err) do {					\
	errno = 0;							\
	long long _r = (long long)(expr);				\
	int _e = errno;							\
	if (_r != -1 || _e != (err))					\
		harness_fail(__FILE__, __LINE__,			\
			"expected %s to fail with %s, got %lld "	\
			TWIN_ERRFMT, #expr, errno_name(err), _r,	\
			TWIN_ERRARG(_e));				\
} while (0)

#define EXPECT_ERRNO(expr, err) do {					\
	errno = 0;							\
	long long _r = (long long)(expr);				\
	int _e = errno;							\
	if (_r != -1 || _e != (err))					\
		harness_expect_fail(__FILE__, __LINE__,			\
			"expected %s to fail with %s, got %lld "	\
			TWIN_ERRFMT, #expr, errno_name(err), _r,	\
			TWIN_ERRARG(_e));				\
} while (0)

/*
 * Both sides are compared as long double: exact for every 64-bit integer
 * on x86 (64-bit mantissa), and right for the times the tests measure.
 * errno is shown only when a side is -1 (a failed call's result).
 */
#define TWIN_CMP(fatal, a, op, b) do {					\
	long double _a = (a), _b = (b);					\
	int _e0 = errno;	/* as the calls in a and b left it */	\
	if (!(_a op _b)) {						\
		char _eb[96] = "";					\
		if (_a == -1 || _b == -1)				\
			snprintf(_eb, sizeof(_eb), " " TWIN_ERRFMT,	\
				 TWIN_ERRARG(_e0));			\
		if (fatal)						\
			harness_fail(__FILE__, __LINE__,		\
				"expected %s %s %s, got %s vs %s%s",	\
				#a, #op, #b, harness_num(_a, 0),	\
				harness_num(_b, 1), _eb);		\
		harness_expect_fail(__FILE__, __LINE__,			\
			"expected %s %s %s, got %s vs %s%s",		\
			#a, #op, #b, harness_num(_a, 0),		\
			harness_num(_b, 1), _eb);			\
	}								\
} while (0)

/* A number as text: integers exactly, others with 6 decimals. */
const char *harness_num(long double v, int slot);

#define ASSERT_EQ(a, b) TWIN_CMP(1, a, ==, b)
#define ASSERT_NE(a, b) TWIN_CMP(1, a, !=, b)
#define ASSERT_LT(a, b) TWIN_CMP(1, a, <, b)
#define ASSERT_LE(a, b) TWIN_CMP(1, a, <=, b)
#define ASSERT_GT(a, b) TWIN_CMP(1, a, >, b)
#define ASSERT_GE(a, b) TWIN_CMP(1, a, >=, b)
#define EXPECT_EQ(a, b) TWIN_CMP(0, a, ==, b)
#define EXPECT_NE(a, b) TWIN_CMP(0, a, !=, b)
#define EXPECT_LE(a, b) TWIN_CMP(0, a, <=, b)
#define EXPECT_GE(a, b) TWIN_CMP(0, a, >=, b)

#define ASSERT_TRUE(c) do {						\
	int _e0 = errno;						\
	if (!(c))							\
		harness_fail(__FILE__, __LINE__,			\
			"expected %s, got false " TWIN_ERRFMT, #c,	\
			TWIN_ERRARG(_e0));				\
} while (0)

#define ASSERT_FALSE(c) ASSERT_TRUE(!(c))

#define ASSERT_MEMEQ(a, b, n) do {					\
	size_t _n = (n);						\
	if (memcmp((a), (b), _n) != 0)					\
		harness_fail(__FILE__, __LINE__,			\
			"expected %zu bytes of %s equal to %s, got a "	\
			"difference at offset %zu", _n, #a, #b,		\
			harness_memdiff((a), (b), _n));			\
} while (0)

#define ASSERT_STREQ(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (strcmp(_a, _b) != 0)					\
		harness_fail(__FILE__, __LINE__,			\
			"expected %s == \"%s\", got \"%s\"", #a, _b, _a);\
} while (0)

size_t harness_memdiff(const void *a, const void *b, size_t n);

/* ------------------------------------------------------------ twin */

/* The family number in use (module parameter), AF_TWIN if unreadable. */
int twin_family(void);
struct sockaddr_twin twin_addr(uint32_t node, uint32_t port);
/* socket(twin_family(), type, 0); asserts success. */
int twin_socket(int type);
/* A DGRAM socket bound to node:port; asserts success. */
int twin_bound(uint32_t node, uint32_t port);
int twin_bind(int fd, uint32_t node, uint32_t port);
int twin_connect(int fd, uint32_t node, uint32_t port);
ssize_t twin_sendto(int fd, const void *buf, size_t len, int flags,
		    uint32_t node, uint32_t port);
/* getsockname; asserts success, a 16-byte answer and zeroed reserved bytes. */
struct sockaddr_twin twin_name(int fd);
/* getpeername(), checked the same way as twin_name(). */
struct sockaddr_twin twin_peer_name(int fd);
/* int socket options and SO_RCVTIMEO/SO_SNDTIMEO; failures end the test. */
void twin_set_int(int fd, int level, int opt, int val);
int twin_get_int(int fd, int level, int opt);
void twin_set_timeo(int fd, int opt, int ms);
/* Assert the reserved bytes of an output address are zero. */
void twin_check_reserved(const struct sockaddr_twin *a, const char *what);
/* One value of SO_MEMINFO (idx: SK_MEMINFO_*, <linux/sock_diag.h>). */
uint32_t twin_meminfo(int fd, int idx);
/*
 * Wait up to ms for a datagram and receive it (flags added to MSG_DONTWAIT);
 * returns recvfrom's result, or -1 with errno ETIMEDOUT if none arrived.
 */
ssize_t twin_recv_wait(int fd, void *buf, size_t len, int flags,
		       struct sockaddr_twin *from, int ms);
/* Assert that no datagram arrives on fd within ms. */
void twin_expect_silence(int fd, int ms, const char *why);
/* Fill a buffer with a recognisable pattern. */
void fill_pattern(void *buf, size_t len, unsigned int seed);

/* ------------------------------------------------------------ commands */

/*
 * Run a command (no shell: the words of fmt split on blanks) in network
 * namespace ns (NULL: the test's own). ip, tc, twinctl and socat are
 * looked up on PATH, skipping busybox applets. Returns the exit status
 * (0 success, 127 not found, 128+N killed by signal N); the command's
 * output is captured into out (if given) and printed as diagnostics on
 * failure.
 */
int run_cmd_ns(const char *ns, char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define run_cmd(...) run_cmd_ns(NULL, NULL, 0, __VA_ARGS__)

#define RUN_NS(ns, ...) do {						\
	int _st = run_cmd_ns((ns), NULL, 0, __VA_ARGS__);		\
	if (_st != 0)							\
		harness_fail(__FILE__, __LINE__,			\
			"expected command to succeed, got exit %d", _st);\
} while (0)
#define RUN(...) RUN_NS(NULL, __VA_ARGS__)

/* Skip the test if the named tool is not on PATH. */
void require_tool(const char *name);
const char *find_tool(const char *name);

/* ------------------------------------------------------------ namespaces */

/*
 * Create a named network namespace "twt<pid>-<tag>" in /run/netns, as
 * `ip netns add` does but without forking it (ip netns exec and ip -n work
 * on it); it is deleted when the test ends, whatever the outcome. Returns
 * its name.
 */
const char *ns_new(const char *tag);
/* setns() into a named namespace; NULL returns to the test's own. */
void ns_enter(const char *ns);
/* A socket of the given type created in namespace ns. */
int ns_socket(const char *ns, int type);
/*
 * The MTU of the twin devices tests make: Ethernet's, whose frame of one
 * MSS (1460) and super-frames of many the tests count in, where a twin
 * device's own default (65535) makes every frame a super-frame's size;
 * devices.sh and test_sendrecv test the default itself.
 */
#define TWIN_TEST_MTU	1500

/*
 * Add a twin device in ns (NULL: the current namespace) over netlink,
 * without forking ip or twinctl: segment 0 as `ip link add DEV type twin`
 * (RTM_NEWLINK), others as `twinctl link add DEV segment S`
 * (TWIN_CMD_LINK_NEW); set it up with MTU TWIN_TEST_MTU and, if node is
 * not 0, give it the address as `twinctl addr add NODE dev DEV`
 * (TWIN_CMD_ADDR_NEW). It is
 * deleted (RTM_DELLINK) when the test ends. Fails the test with the
 * kernel's extack message.
 */
void twin_dev_add(const char *ns, const char *dev, uint32_t segment,
		  uint32_t node);
/* The same with MTU mtu; 0 leaves the device's own (65535). */
void twin_dev_add_mtu(const char *ns, const char *dev, uint32_t segment,
		      uint32_t node, unsigned int mtu);
/* A namespace with tw0 on segment with node address; returns its name. */
const char *ns_with_twin(const char *tag, uint32_t segment, uint32_t node);
/* Run fn(arg) in a child that joined ns; returns its pid. */
pid_t ns_spawn(const char *ns, void (*fn)(void *), void *arg);
/* Wait for a spawned child; asserts it passed. */
#define ns_wait(pid) harness_wait_child((pid), __FILE__, __LINE__)
void harness_wait_child(pid_t pid, const char *file, int line);

/* ------------------------------------------------------------ misc */

double now_s(void);		/* CLOCK_MONOTONIC, seconds */
void sleep_ms(int ms);
/*
 * How late the guest ran over an interval: a thread sleeps STALL_TICK_MS
 * at a time and adds up every wakeup later than STALL_GRACE_MS past the
 * one asked. A kernel timer fires late by as much when the host does not
 * run the VM (a loaded 2-core machine stalls a TCG guest for seconds),
 * so a bound on when a timer fires adds the stall measured over the
 * same interval: exact on an idle machine, no flake on a loaded one.
 */
struct stall_meter;
struct stall_meter *stall_meter_start(void);
/* The seconds lost to stalls since the start. */
double stall_meter_lost(struct stall_meter *m);
/* Stops and frees the meter; returns the seconds lost to stalls. */
double stall_meter_stop(struct stall_meter *m);
/*
 * SO_TIMESTAMP* switches receive timestamps on for the whole kernel, but
 * through a work item (net_enable_timestamp() with CONFIG_JUMP_LABEL):
 * until it has run, a frame is stamped when it is read, not when it
 * arrived. Call with a timestamping socket open; returns once the kernel
 * stamps on arrival (asserts it does within 10 s, times mult()).
 */
void wait_rx_timestamps(void);
/* Read a whole file (NUL-terminated); returns length or -1. */
ssize_t read_file(const char *path, char *buf, size_t len);
/* TWIN_TIMEOUT_MULT (>= 1): what every time bound of a test is scaled by. */
int mult(void);
/* Set /proc/sys/net/twin/NAME of the current namespace; fails the test. */
void twin_sysctl_set(const char *name, unsigned int val);
/* The same, returning -1 with errno set if the write fails. */
int twin_sysctl_try(const char *name, unsigned int val);
/*
 * Write or read net.twin.NAME of the initial namespace (the machine's
 * limits); the runner puts a value written back after the test.
 */
void twin_init_sysctl_set(const char *name, const char *text);
void twin_init_sysctl_get(const char *name, char *buf, size_t len);
/*
 * Write @text to @path (a file under /proc/sys) of the initial namespace
 * if it exists there: 0, or -1 with errno. Only for the sysctls the
 * runner puts back (global_sysctls in harness.c).
 */
int init_sysctl_try_set(const char *path, const char *text);
/*
 * The contract of a net.twin sysctl: default def; min - 1 and max + 1
 * fail EINVAL and change nothing; min and max are taken; another
 * namespace keeps def. Leaves NAME at max in the current namespace.
 */
void twin_sysctl_check_range(const char *name, unsigned int def,
			     unsigned int min, unsigned int max);
/* Read /proc/sys/net/twin/NAME of the current namespace; fails the test. */
long twin_sysctl_get(const char *name);
/*
 * The drops column of fd's line in /proc/net/twin of the current
 * namespace; -1 if it has none.
 */
long twin_proc_drops(int fd);
/* A counter from TWIN_CMD_STATS_GET in namespace ns (NULL: own). */
uint64_t twin_stat(const char *ns, int stat);
/*
 * Wait up to ms for that counter to reach at least want; returns its last
 * value (compare it with what the test expects).
 */
uint64_t twin_stat_wait(const char *ns, int stat, uint64_t want, int ms);
/* Drop a capability from the effective, permitted and inheritable sets. */
void cap_drop(int cap);

#endif /* TWIN_HARNESS_H */
