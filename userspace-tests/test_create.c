// SPDX-License-Identifier: GPL-2.0
/*
 * socket(AF_TWIN, type, protocol): the family number, which types exist,
 * the protocol check, and what the socket reports about itself.
 *
 * semantics.md, "Family and create()". (rmmod's EBUSY while a socket is
 * open is scripts/tests/module.sh.)
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef SOCK_PACKET
#define SOCK_PACKET 10
#endif

/* The family number in use is readable from the module parameter. */
TEST(family_param_readable)
{
	char buf[32], *end;
	long fam;

	ASSERT_GT(read_file(TWIN_FAMILY_PARAM, buf, sizeof(buf)), 0);
	fam = strtol(buf, &end, 10);
	ASSERT_TRUE(end != buf && (*end == '\n' || *end == '\0'));
	ASSERT_GT(fam, AF_UNSPEC);
	ASSERT_LT(fam, AF_MAX);
	if (fam != AF_TWIN)
		SKIP("module loaded with family=%ld, default 19 not checked", fam);
	ASSERT_EQ(fam, 19);
}

/* Spec silent: changing the family of a registered module makes no sense. */
TEST(family_param_read_only)
{
	struct stat st;

	ASSERT_OK(stat(TWIN_FAMILY_PARAM, &st));
	ASSERT_EQ(st.st_mode & 0222, 0);
	ASSERT_ERRNO(open(TWIN_FAMILY_PARAM, O_WRONLY), EACCES);
}

TEST(dgram_works)
{
	int fd = socket(twin_family(), SOCK_DGRAM, 0);

	ASSERT_OK(fd);
	ASSERT_OK(close(fd));
}

TEST(dgram_with_type_flags)
{
	int fd = socket(twin_family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int fl;

	ASSERT_OK(fd);
	fl = fcntl(fd, F_GETFL);
	ASSERT_TRUE(fl & O_NONBLOCK);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* The socket knows its domain, type and protocol (sk_family & co). */
TEST(sockopt_domain_type_protocol)
{
	int fd = twin_socket(SOCK_DGRAM), v;
	socklen_t len = sizeof(v);

	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	ASSERT_EQ(v, twin_family());
	len = sizeof(v);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	ASSERT_EQ(v, SOCK_DGRAM);
	len = sizeof(v);
	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	ASSERT_EQ(v, 0);
	close(fd);
}

/* A new connection socket is unbound, closed, of the type asked for. */
static void check_conn_socket(int type)
{
	int fd = twin_socket(type), v = -1;
	socklen_t len = sizeof(v);
	struct sockaddr_twin a = twin_name(fd);

	ASSERT_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	ASSERT_EQ(v, type);
	ASSERT_EQ(a.stw_port, 0);
	ASSERT_ERRNO(socket(twin_family(), type, 1), EPROTONOSUPPORT);
	close(fd);
}

TEST(stream_create)
{
	check_conn_socket(SOCK_STREAM);
}

TEST(seqpacket_create)
{
	check_conn_socket(SOCK_SEQPACKET);
}

/* RAW takes a frame type as protocol (test_raw checks the rest). */
TEST(raw_create)
{
	int fd = socket(twin_family(), SOCK_RAW, 0);

	ASSERT_OK(fd);
	close(fd);
	fd = socket(twin_family(), SOCK_RAW, TWIN_T_DGRAM);
	ASSERT_OK(fd);
	close(fd);
	ASSERT_ERRNO(socket(twin_family(), SOCK_RAW, 256), EPROTONOSUPPORT);
}

/* Every other type below SOCK_MAX reaches twin's create(). */
TEST(other_types_not_supported)
{
	static const int types[] = { SOCK_RDM, SOCK_DCCP, 7, 8, 9, SOCK_PACKET };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		errno = 0;
		int fd = socket(twin_family(), types[i], 0);

		if (fd >= 0 || errno != ESOCKTNOSUPPORT)
			harness_fail(__FILE__, __LINE__,
				     "type %d: expected ESOCKTNOSUPPORT, got %d "
				     TWIN_ERRFMT, types[i], fd,
				     TWIN_ERRARG(errno));
	}
}

TEST(dgram_protocol_nonzero)
{
	static const int protos[] = { 1, 2, 17, 255, 0x7477, -1 };
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		errno = 0;
		int fd = socket(twin_family(), SOCK_DGRAM, protos[i]);

		if (fd >= 0 || errno != EPROTONOSUPPORT)
			harness_fail(__FILE__, __LINE__,
				     "protocol %d: expected EPROTONOSUPPORT, got "
				     "%d " TWIN_ERRFMT, protos[i], fd,
				     TWIN_ERRARG(errno));
	}
}

/* Many sockets at once, then all closed: nothing is leaked or shared. */
TEST(many_sockets)
{
	int fds[256], i;

	for (i = 0; i < 256; i++)
		fds[i] = twin_socket(SOCK_DGRAM);
	for (i = 0; i < 256; i++)
		ASSERT_OK(close(fds[i]));
}

/* Spec silent; UDP answers EOPNOTSUPP for these, as sock_no_* do. */
TEST(socketpair_not_supported)
{
	int sv[2];

	ASSERT_ERRNO(socketpair(twin_family(), SOCK_DGRAM, 0, sv), EOPNOTSUPP);
}

TEST(listen_accept_not_supported)
{
	int fd = twin_bound(TWIN_NODE_ANY, 5000);

	ASSERT_ERRNO(listen(fd, 1), EOPNOTSUPP);
	ASSERT_ERRNO(accept(fd, NULL, NULL), EOPNOTSUPP);
	close(fd);
}

/* A twin socket is also creatable in a fresh namespace without devices. */
TEST(create_in_empty_netns)
{
	int fd = twin_socket(SOCK_DGRAM);
	struct sockaddr_twin a = twin_name(fd);

	ASSERT_EQ(a.stw_node, 0);
	ASSERT_EQ(a.stw_port, 0);
	close(fd);
}
