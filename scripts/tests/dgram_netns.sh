#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Datagrams between network namespaces, over twin devices on one segment
# and over a veth pair carrying twin frames, with twin-dgram and with
# socat's generic socket addresses as an independent client.
#
#   socat -u - SOCKET-SENDTO:<family>:2:0:x<hex>
#   socat -u SOCKET-RECVFROM:<family>:2:0:x<hex> -
#
# <hex> is the sockaddr_twin after sa_family: reserved(2), port(4, LE),
# node(4, LE), zero(4). Needs the module loaded.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
require IP TWINCTL TWIN_DGRAM SOCAT
require_module
FAM=$(family)

# recv_bg NS PORT COUNT: twin-dgram recv in the background, ready on return.
# Its output file is $REPLY, its pid $RECV_PID.
recv_bg() {
	local out err
	out=$(mktemp)
	err=$(mktemp)
	defer "rm -f $out $err"
	"$IP" netns exec "$1" "$TWIN_DGRAM" recv "$2" --count "$3" > "$out" 2> "$err" &
	RECV_PID=$!
	defer "kill $RECV_PID"
	wait_for "$err" "listening on port $2" 5 || {
		diag "$(cat "$err")"
		fail "twin-dgram recv $2 did not start in $1"
	}
	REPLY=$out
}

# socat_recv_bg NS NODE PORT: socat receiving one datagram to a file.
socat_recv_bg() {
	local out
	out=$(mktemp)
	defer "rm -f $out"
	"$IP" netns exec "$1" "$SOCAT" -u "SOCKET-RECVFROM:$FAM:2:0:x$(twin_hex "$2" "$3")" \
		STDOUT > "$out" 2>&1 &
	SOCAT_PID=$!
	defer "kill $SOCAT_PID"
	# Ready once its socket is bound: /proc/net/twin lists it.
	wait_until 5 "in_ns '$1' cat /proc/net/twin | grep -qE '^dgram +[A-Z_]+ +[0-9]+:$3 '" ||
		fail "socat did not bind port $3: $(cat "$out"; in_ns "$1" cat /proc/net/twin)"
	REPLY=$out
}

# socat_send NS NODE PORT DATA: one datagram from socat, unbound socket.
socat_send() {
	local rc=0 out
	out=$(printf '%s' "$4" | in_ns "$1" "$SOCAT" -u - \
		"SOCKET-SENDTO:$FAM:2:0:x$(twin_hex "$2" "$3")" 2>&1) || rc=$?
	[ "$rc" = 0 ] || { diag "$out"; fail "socat SOCKET-SENDTO failed ($rc)"; }
}

# Wait until the receiver printed what we expect.
expect_output() {	# FILE PATTERN
	if ! wait_for "$1" "$2" 5; then
		diag "output: $(cat "$1")"
		fail "expected output matching '$2'"
	fi
}

test_twin_dgram_a_to_b() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	recv_bg "$b" 5000 1; local out=$REPLY
	ok in_ns "$a" "$TWIN_DGRAM" send 2 5000 "hello b" --from-port 4000
	wait_pid "$RECV_PID" 5 || fail "receiver did not finish"
	[ "$(cat "$out")" = "from 1:4000: hello b" ] || fail "got '$(cat "$out")'"
}

test_twin_dgram_b_to_a_ephemeral() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	recv_bg "$a" 5001 1; local out=$REPLY
	ok in_ns "$b" "$TWIN_DGRAM" send 1 5001 "hello a"
	wait_pid "$RECV_PID" 5 || fail "receiver did not finish"
	local line port
	line=$(cat "$out")
	[[ $line =~ ^from\ 2:([0-9]+):\ hello\ a$ ]] || fail "got '$line'"
	port=${BASH_REMATCH[1]}
	[ "$port" -ge 2147483648 ] || fail "source port $port is not ephemeral"
}

test_several_datagrams_in_order() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	recv_bg "$b" 5002 5; local out=$REPLY i
	for i in 1 2 3 4 5; do
		ok in_ns "$a" "$TWIN_DGRAM" send 2 5002 "msg $i" --from-port 4002
	done
	wait_pid "$RECV_PID" 5 || fail "receiver did not get 5 datagrams: $(cat "$out")"
	[ "$(cat "$out")" = "$(printf 'from 1:4002: msg %d\n' 1 2 3 4 5)" ] ||
		fail "got: $(cat "$out")"
}

test_socat_sender_to_twin_dgram() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	recv_bg "$b" 5003 1; local out=$REPLY
	socat_send "$a" 2 5003 "from socat"
	wait_pid "$RECV_PID" 5 || fail "receiver got nothing"
	[[ $(cat "$out") =~ ^from\ 1:[0-9]+:\ from\ socat$ ]] || fail "got '$(cat "$out")'"
}

test_twin_dgram_to_socat_receiver() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	socat_recv_bg "$b" 0 5004; local out=$REPLY
	ok in_ns "$a" "$TWIN_DGRAM" send 2 5004 "to socat"
	expect_output "$out" "^to socat$"
}

test_socat_both_ends() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	socat_recv_bg "$b" 2 5005; local out=$REPLY	# bound to node 2
	socat_send "$a" 2 5005 "socat to socat"
	expect_output "$out" "^socat to socat$"
}

test_local_node_socat() {
	ns_twin a 7; local a=$REPLY
	socat_recv_bg "$a" 0 5006; local out=$REPLY
	socat_send "$a" 7 5006 "local"
	expect_output "$out" "^local$"
}

# A veth pair: twin frames over an ordinary Ethernet device.
veth_pair() {
	ns_new c; local c=$REPLY
	ns_new d; local d=$REPLY
	ok "$IP" -n "$c" link add va type veth peer name vb netns "$d"
	ok "$IP" -n "$c" link set va up
	ok "$IP" -n "$d" link set vb up
	ok "$TWINCTL" -n "$c" addr add 11 dev va
	ok "$TWINCTL" -n "$d" addr add 12 dev vb
	VETH_C=$c
	VETH_D=$d
}

test_veth_both_ways() {
	veth_pair
	recv_bg "$VETH_D" 5100 1; local out=$REPLY
	ok in_ns "$VETH_C" "$TWIN_DGRAM" send 12 5100 "over veth" --from-port 4100
	wait_pid "$RECV_PID" 5 || fail "no datagram over veth"
	[ "$(cat "$out")" = "from 11:4100: over veth" ] || fail "got '$(cat "$out")'"
	recv_bg "$VETH_C" 5101 1; out=$REPLY
	ok in_ns "$VETH_D" "$TWIN_DGRAM" send 11 5101 "back" --from-port 4101
	wait_pid "$RECV_PID" 5 || fail "no datagram back over veth"
	[ "$(cat "$out")" = "from 12:4101: back" ] || fail "got '$(cat "$out")'"
}

test_veth_socat() {
	veth_pair
	socat_recv_bg "$VETH_D" 0 5102; local out=$REPLY
	socat_send "$VETH_C" 12 5102 "socat over veth"
	expect_output "$out" "^socat over veth$"
}

# The frames really cross the device: a netem qdisc dropping everything
# on the sender's tw0 stops them.
test_netem_loss_stops_traffic() {
	[ -n "$TC" ] || skip "tc not found"
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	# Resolve the neighbour first.
	recv_bg "$b" 5007 1; local out=$REPLY
	ok in_ns "$a" "$TWIN_DGRAM" send 2 5007 first
	wait_pid "$RECV_PID" 5 || fail "no first datagram"
	ok "$TC" -n "$a" qdisc add dev tw0 root netem loss 100%
	recv_bg "$b" 5008 1; out=$REPLY
	in_ns "$a" "$TWIN_DGRAM" send 2 5008 lost >/dev/null 2>&1
	nap 1
	[ -s "$out" ] && fail "datagram arrived through 100% loss: $(cat "$out")"
	ok "$TC" -n "$a" qdisc del dev tw0 root
	ok in_ns "$a" "$TWIN_DGRAM" send 2 5008 found
	wait_pid "$RECV_PID" 5 || fail "no datagram after removing netem"
	[[ $(cat "$out") =~ found$ ]] || fail "got '$(cat "$out")'"
}

# A namespace on another segment does not hear anything.
test_other_segment_isolated() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	ns_twin c 2 9; local c=$REPLY	# node 2 again, on segment 9
	recv_bg "$c" 5009 1; local outc=$REPLY pidc=$RECV_PID
	recv_bg "$b" 5009 1; local outb=$REPLY
	ok in_ns "$a" "$TWIN_DGRAM" send 2 5009 "segment 0 only"
	wait_pid "$RECV_PID" 5 || fail "b got nothing"
	nap 0.5
	[ -s "$outc" ] && fail "segment 9 got it: $(cat "$outc")"
	kill "$pidc" 2>/dev/null
	[ -s "$outb" ] || fail "no output from b"
}

run_tests test_twin_dgram_a_to_b test_twin_dgram_b_to_a_ephemeral \
	test_several_datagrams_in_order test_socat_sender_to_twin_dgram \
	test_twin_dgram_to_socat_receiver test_socat_both_ends \
	test_local_node_socat test_veth_both_ways test_veth_socat \
	test_netem_loss_stops_traffic test_other_segment_isolated
