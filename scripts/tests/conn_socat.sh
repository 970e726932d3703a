#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connections with socat as an independent peer of twin-xfer: socat knows
# nothing about twin beyond its generic socket addresses,
#
#   socat -u SOCKET-LISTEN:<family>:0:x<hex>[,so-type=5] STDOUT
#   socat -u FILE SOCKET-CONNECT:<family>:0:x<hex>[,so-type=5]
#
# (type 1, SOCK_STREAM, is socat's default; so-type=5 is SOCK_SEQPACKET),
# <hex> being the sockaddr_twin after sa_family: reserved(2), port(4, LE),
# node(4, LE), zero(4). Each test moves data one way or through a socat
# echo (PIPE) and compares SHA-256 sums: twin-xfer prints the sums of what
# it sent and received, sha256sum those of socat's files. Namespaces a
# (node 7) and b (node 9) on one twin segment. Needs the module loaded.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
TWIN_XFER=$(find_helper twin-xfer)
SHA256SUM=$(find_tool sha256sum)
require IP TWINCTL TWIN_XFER SOCAT SHA256SUM
require_module
FAM=$(family)

SIZE=$((64 * 1024))
XFER_RE='^sent ([0-9]+) sha256 ([0-9a-f]{64}) received ([0-9]+) sha256 ([0-9a-f]{64})$'

# Both namespaces' sockets, for a failure's diagnosis.
show_tables() {
	diag "/proc/net/twin in a: $(in_ns "$NS_A" cat /proc/net/twin 2>&1)"
	diag "/proc/net/twin in b: $(in_ns "$NS_B" cat /proc/net/twin 2>&1)"
}

pair() {
	ns_twin a 7; NS_A=$REPLY
	ns_twin b 9; NS_B=$REPLY
}

# socat's option for a socket type: stream is its default.
so_type() {
	[ "$1" = seqpacket ] && echo ",so-type=5"
	return 0
}

tmpfile() {
	REPLY=$(mktemp)
	defer "rm -f $REPLY"
}

# A file of $SIZE random bytes in $REPLY.
random_file() {
	tmpfile
	head -c "$SIZE" /dev/urandom > "$REPLY" || fail "no random data"
}

sha_of() {
	"$SHA256SUM" "$1" | cut -d' ' -f1
}

# Wait until /proc/net/twin in NS shows a listener of TYPE on PORT.
wait_listen() {	# NS TYPE PORT
	local i
	for ((i = 0; i < 50; i++)); do
		in_ns "$1" cat /proc/net/twin 2>/dev/null |
			grep -qE "^$2 +LISTEN +[0-9]+:$3 " && return 0
		nap 0.1
	done
	diag "$(in_ns "$1" cat /proc/net/twin 2>&1)"
	fail "no $2 listener on port $3 in $1"
}

# twin-xfer listen in the background, ready on return: $XSRV_PID,
# $XSRV_OUT, $XSRV_ERR.
xfer_listen_bg() {	# NS TYPE PORT ARGS...
	local ns=$1 type=$2 port=$3
	shift 3
	tmpfile; XSRV_OUT=$REPLY
	tmpfile; XSRV_ERR=$REPLY
	"$IP" netns exec "$ns" "$TWIN_XFER" listen "$type" "$port" -t 20 -v "$@" \
		> "$XSRV_OUT" 2> "$XSRV_ERR" &
	XSRV_PID=$!
	defer "kill $XSRV_PID"
	wait_for "$XSRV_ERR" "listening on port $port" 5 || {
		diag "$(cat "$XSRV_ERR")"
		fail "twin-xfer listen did not start"
	}
}

# socat in the background: $SOCAT_PID, its stdout in $SOCAT_OUT, stderr
# in $SOCAT_ERR. ARGS are socat's; stdin is FILE (or /dev/null).
socat_bg() {	# NS STDIN ARGS...
	local ns=$1 in=$2
	shift 2
	tmpfile; SOCAT_OUT=$REPLY
	tmpfile; SOCAT_ERR=$REPLY
	"$IP" netns exec "$ns" "$SOCAT" -d -d "$@" < "$in" > "$SOCAT_OUT" 2> "$SOCAT_ERR" &
	SOCAT_PID=$!
	defer "kill $SOCAT_PID"
}

wait_socat() {
	local rc=0
	wait_pid "$SOCAT_PID" 20 || rc=$?
	if [ "$rc" != 0 ]; then
		diag "socat stderr: $(cat "$SOCAT_ERR")"
		show_tables
		fail "socat failed (exit $rc; 124: hung)"
	fi
}

# Run twin-xfer to completion; its stdout line parsed into X_SENT,
# X_SSHA, X_RECV, X_RSHA.
xfer_result() {	# RC OUT ERR
	if [ "$1" != 0 ]; then
		diag "twin-xfer stdout: $(cat "$2")"
		diag "twin-xfer stderr: $(cat "$3")"
		[ -n "${SOCAT_ERR:-}" ] && diag "socat stderr: $(cat "$SOCAT_ERR")"
		show_tables
		fail "twin-xfer failed (exit $1; 124: hung)"
	fi
	[[ $(cat "$2") =~ $XFER_RE ]] || fail "twin-xfer printed '$(cat "$2")'"
	X_SENT=${BASH_REMATCH[1]} X_SSHA=${BASH_REMATCH[2]}
	X_RECV=${BASH_REMATCH[3]} X_RSHA=${BASH_REMATCH[4]}
}

xfer_connect() {	# NS TYPE NODE PORT ARGS...
	local ns=$1 rc=0
	shift
	tmpfile; local out=$REPLY
	tmpfile; local err=$REPLY
	"$IP" netns exec "$ns" "$TWIN_XFER" connect "$@" -t 20 -v > "$out" 2> "$err" || rc=$?
	xfer_result "$rc" "$out" "$err"
}

wait_xfer_listen() {
	local rc=0
	wait_pid "$XSRV_PID" 25 || rc=$?
	xfer_result "$rc" "$XSRV_OUT" "$XSRV_ERR"
}

# socat listens and writes what it receives to a file; twin-xfer connects
# and sends.
socat_server_receives() {	# TYPE PORT
	pair
	socat_bg "$NS_B" /dev/null -u \
		"SOCKET-LISTEN:$FAM:0:x$(twin_hex 0 "$2")$(so_type "$1")" STDOUT
	wait_listen "$NS_B" "$1" "$2"
	xfer_connect "$NS_A" "$1" 9 "$2" -n "$SIZE" -s 11
	wait_socat
	[ "$X_SENT" = "$SIZE" ] || fail "twin-xfer sent $X_SENT of $SIZE bytes"
	[ "$(stat -c %s "$SOCAT_OUT")" = "$SIZE" ] ||
		fail "socat received $(stat -c %s "$SOCAT_OUT") of $SIZE bytes"
	[ "$(sha_of "$SOCAT_OUT")" = "$X_SSHA" ] ||
		fail "socat received other bytes than twin-xfer sent"
}

# twin-xfer listens and sends; socat connects and writes what it receives
# to a file.
socat_client_receives() {	# TYPE PORT
	pair
	xfer_listen_bg "$NS_B" "$1" "$2" -n "$SIZE" -s 12
	socat_bg "$NS_A" /dev/null -u \
		"SOCKET-CONNECT:$FAM:0:x$(twin_hex 9 "$2")$(so_type "$1")" STDOUT
	wait_socat
	wait_xfer_listen
	[ "$X_SENT" = "$SIZE" ] || fail "twin-xfer sent $X_SENT of $SIZE bytes"
	[ "$(sha_of "$SOCAT_OUT")" = "$X_SSHA" ] ||
		fail "socat got $(stat -c %s "$SOCAT_OUT") bytes, other than the $X_SENT twin-xfer sent"
}

# socat connects and sends a file; twin-xfer listens and receives. -p: a
# SEQPACKET record from socat carries no twin-xfer record header.
socat_client_sends() {	# TYPE PORT
	random_file; local in=$REPLY
	pair
	xfer_listen_bg "$NS_B" "$1" "$2" -p -e "$SIZE"
	socat_bg "$NS_A" "$in" -u STDIN \
		"SOCKET-CONNECT:$FAM:0:x$(twin_hex 9 "$2")$(so_type "$1")"
	wait_socat
	wait_xfer_listen
	[ "$X_RECV $X_RSHA" = "$SIZE $(sha_of "$in")" ] ||
		fail "twin-xfer received $X_RECV bytes sha256 $X_RSHA, socat sent $SIZE sha256 $(sha_of "$in")"
}

# socat listens and sends a file; twin-xfer connects and receives.
socat_server_sends() {	# TYPE PORT
	random_file; local in=$REPLY
	pair
	socat_bg "$NS_B" "$in" -u STDIN \
		"SOCKET-LISTEN:$FAM:0:x$(twin_hex 9 "$2")$(so_type "$1")"
	wait_listen "$NS_B" "$1" "$2"
	xfer_connect "$NS_A" "$1" 9 "$2" -p -e "$SIZE"
	wait_socat
	[ "$X_RECV $X_RSHA" = "$SIZE $(sha_of "$in")" ] ||
		fail "twin-xfer received $X_RECV bytes sha256 $X_RSHA, socat sent $SIZE sha256 $(sha_of "$in")"
}

# socat echoes (PIPE) on a listening socket; twin-xfer sends and receives
# at once and must get back exactly what it sent. -t 20: socat waits that
# long for the echo to drain after twin-xfer's EOF (default 0.5 s).
socat_echo() {	# TYPE PORT
	pair
	socat_bg "$NS_B" /dev/null -t 20 \
		"SOCKET-LISTEN:$FAM:0:x$(twin_hex 0 "$2")$(so_type "$1")" PIPE
	wait_listen "$NS_B" "$1" "$2"
	xfer_connect "$NS_A" "$1" 9 "$2" -b -p -n "$SIZE" -s 13 -e "$SIZE"
	wait_socat
	[ "$X_SENT $X_SSHA" = "$X_RECV $X_RSHA" ] ||
		fail "sent $X_SENT bytes sha256 $X_SSHA, the echo brought back $X_RECV sha256 $X_RSHA"
}

test_stream_socat_server_receives()	{ socat_server_receives stream 7000; }
test_stream_socat_client_receives()	{ socat_client_receives stream 7001; }
test_stream_socat_client_sends()	{ socat_client_sends stream 7002; }
test_stream_socat_server_sends()	{ socat_server_sends stream 7003; }
test_stream_socat_echo()		{ socat_echo stream 7004; }
test_seqpacket_socat_server_receives()	{ socat_server_receives seqpacket 7010; }
test_seqpacket_socat_client_receives()	{ socat_client_receives seqpacket 7011; }
test_seqpacket_socat_client_sends()	{ socat_client_sends seqpacket 7012; }
test_seqpacket_socat_server_sends()	{ socat_server_sends seqpacket 7013; }
test_seqpacket_socat_echo()		{ socat_echo seqpacket 7014; }

run_tests test_stream_socat_server_receives test_stream_socat_client_receives \
	test_stream_socat_client_sends test_stream_socat_server_sends \
	test_stream_socat_echo test_seqpacket_socat_server_receives \
	test_seqpacket_socat_client_receives test_seqpacket_socat_client_sends \
	test_seqpacket_socat_server_sends test_seqpacket_socat_echo
