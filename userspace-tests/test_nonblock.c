// SPDX-License-Identifier: GPL-2.0
/*
 * Blocking and non-blocking receive: MSG_DONTWAIT, O_NONBLOCK, SO_RCVTIMEO,
 * SO_SNDTIMEO, and signals interrupting a blocking recv.
 *
 * semantics.md, "recvmsg()" (the send-side EAGAIN of a full send buffer is
 * test_sndbuf). Node 7 on tw0.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>

#include "harness.h"

#define NODE 7
#define PORT 5000

static int rx, tx;

static void setup(void)
{
	twin_dev_add(NULL, "tw0", 0, NODE);
	rx = twin_bound(TWIN_NODE_ANY, PORT);
	tx = twin_bound(TWIN_NODE_ANY, 6000);
}

/*
 * A helper process: sleep (so that the receiver is seen to wait that long),
 * then send one byte to PORT.
 */
static int delay_ms;
static void send_later(void *arg)
{
	(void)arg;
	sleep_ms(delay_ms);
	ASSERT_EQ(twin_sendto(tx, "L", 1, 0, NODE, PORT), 1);
}

static volatile sig_atomic_t signals;

static void on_signal(int sig)
{
	(void)sig;
	signals++;
}

static void timer_ms(int ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
}

/*
 * SIGALRM after ms and every ms after that until timer_ms(0): the blocking
 * call a test makes next is interrupted even if the first signal comes
 * before it has started to wait.
 */
static void timer_every_ms(int ms)
{
	struct itimerval it = { { ms / 1000, (ms % 1000) * 1000 },
				{ ms / 1000, (ms % 1000) * 1000 } };

	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
}

static void handle_alarm(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
}

TEST(msg_dontwait_empty)
{
	char buf[8];
	double t;

	setup();
	t = now_s();
	ASSERT_ERRNO(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* It did not wait: a blocking recv would wait for good. */
	ASSERT_LT(now_s() - t, 5.0 * mult());
	/* An unbound socket, too. */
	ASSERT_ERRNO(recv(twin_socket(SOCK_DGRAM), buf, sizeof(buf), MSG_DONTWAIT),
		     EAGAIN);
}

TEST(o_nonblock_empty)
{
	struct msghdr mh;
	struct iovec iov;
	char buf[8];

	setup();
	ASSERT_OK(fcntl(rx, F_SETFL, fcntl(rx, F_GETFL) | O_NONBLOCK));
	ASSERT_ERRNO(recv(rx, buf, sizeof(buf), 0), EAGAIN);
	ASSERT_ERRNO(read(rx, buf, sizeof(buf)), EAGAIN);
	iov = (struct iovec){ buf, sizeof(buf) };
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ASSERT_ERRNO(recvmsg(rx, &mh, 0), EAGAIN);
	/* ...and a datagram is returned once there is one. */
	ASSERT_EQ(twin_sendto(tx, "d", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
	ASSERT_ERRNO(recv(rx, buf, sizeof(buf), 0), EAGAIN);
}

TEST(sock_nonblock_empty)
{
	int fd = socket(twin_family(), SOCK_DGRAM | SOCK_NONBLOCK, 0);
	char buf[8];

	ASSERT_OK(fd);
	ASSERT_OK(twin_bind(fd, TWIN_NODE_ANY, PORT));
	ASSERT_ERRNO(recv(fd, buf, sizeof(buf), 0), EAGAIN);
}

TEST(blocking_recv_wakes_up)
{
	char buf[8];
	double t;
	pid_t pid;

	setup();
	delay_ms = 300;
	t = now_s();	/* before the helper starts its 300 ms */
	pid = ns_spawn(NULL, send_later, NULL);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 1);
	t = now_s() - t;
	ns_wait(pid);
	ASSERT_GE(t, 0.2);
	ASSERT_LT(t, 3.0 * mult());
}

TEST(rcvtimeo_eagain)
{
	char buf[8];
	double t;

	setup();
	twin_set_timeo(rx, SO_RCVTIMEO, 300);
	t = now_s();
	ASSERT_ERRNO(recv(rx, buf, sizeof(buf), 0), EAGAIN);
	t = now_s() - t;
	diag("SO_RCVTIMEO 300 ms: returned after %.0f ms", t * 1000);
	ASSERT_GE(t, 0.28);
	ASSERT_LT(t, 1.5 * mult());
}

TEST(rcvtimeo_datagram_in_time)
{
	char buf[8];
	double t;
	pid_t pid;

	setup();
	twin_set_timeo(rx, SO_RCVTIMEO, 5000);
	delay_ms = 200;
	t = now_s();
	pid = ns_spawn(NULL, send_later, NULL);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 1);
	ASSERT_LT(now_s() - t, 3.0 * mult());
	ns_wait(pid);
}

TEST(timeo_getsockopt_roundtrip)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);
	int fd = twin_socket(SOCK_DGRAM);

	twin_set_timeo(fd, SO_RCVTIMEO, 1500);
	twin_set_timeo(fd, SO_SNDTIMEO, 2500);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	ASSERT_EQ(tv.tv_sec, 1);
	ASSERT_GE(tv.tv_usec, 499000);
	ASSERT_LE(tv.tv_usec, 501000);
	len = sizeof(tv);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len));
	ASSERT_EQ(tv.tv_sec, 2);
	ASSERT_GE(tv.tv_usec, 499000);
	ASSERT_LE(tv.tv_usec, 501000);
}

/* A handler without SA_RESTART: EINTR. */
TEST(signal_interrupts_recv)
{
	char buf[8];
	double t;

	setup();
	handle_alarm(0);
	t = now_s();
	timer_every_ms(200);
	ASSERT_ERRNO(recv(rx, buf, sizeof(buf), 0), EINTR);
	t = now_s() - t;
	timer_ms(0);
	ASSERT_GE(signals, 1);
	ASSERT_GE(t, 0.15);
	ASSERT_LT(t, 3.0 * mult());
	/* The socket still works. */
	ASSERT_EQ(twin_sendto(tx, "a", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 1);
}

/* SA_RESTART and no timeout: the kernel restarts recv (-ERESTARTSYS). */
TEST(sa_restart_restarts_recv)
{
	char buf[8];
	pid_t pid;

	setup();
	handle_alarm(SA_RESTART);
	delay_ms = 800;
	/* Set first: the signal is due before the datagram, however slow. */
	timer_ms(200);
	pid = ns_spawn(NULL, send_later, NULL);
	errno = 0;
	ssize_t n = recv(rx, buf, sizeof(buf), 0);
	int e = errno;

	ns_wait(pid);
	ASSERT_EQ(signals, 1);
	if (n != 1)
		harness_fail(__FILE__, __LINE__,
			     "expected the restarted recv to return the datagram "
			     "(1), got %zd " TWIN_ERRFMT, n, TWIN_ERRARG(e));
}

/*
 * SA_RESTART but SO_RCVTIMEO set: sock_intr_errno() gives EINTR, as for
 * every socket with a timeout (socket(7): "not restarted").
 */
TEST(sa_restart_with_rcvtimeo_gives_eintr)
{
	char buf[8];

	setup();
	twin_set_timeo(rx, SO_RCVTIMEO, 5000);
	handle_alarm(SA_RESTART);
	timer_every_ms(200);
	ASSERT_ERRNO(recv(rx, buf, sizeof(buf), 0), EINTR);
	timer_ms(0);
	ASSERT_GE(signals, 1);
}

/* MSG_DONTWAIT on send to a local node never blocks. */
TEST(nonblocking_send_local)
{
	char buf[8];

	setup();
	ASSERT_OK(fcntl(tx, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(twin_sendto(tx, "n", 1, 0, NODE, PORT), 1);
	ASSERT_EQ(twin_sendto(tx, "m", 1, MSG_DONTWAIT, NODE, PORT), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
	ASSERT_EQ(twin_recv_wait(rx, buf, sizeof(buf), 0, NULL, 2000), 1);
}
