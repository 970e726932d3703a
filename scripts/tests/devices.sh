#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The twin net device: `ip link add NAME type twin`, MAC, MTU bounds,
# carrier, qdiscs, moving between namespaces, deletion, 64-bit stats, and
# who may add a device to a segment.
#
# design.md "Link kind twin" and semantics.md "Namespaces". Every test
# works in namespaces of its own. Needs the module loaded.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
require IP TWINCTL TWIN_DGRAM TWIN_NOCAP
require_module

sysfs() {	# NS DEV FILE
	in_ns "$1" cat "/sys/class/net/$2/$3" 2>/dev/null
}

test_link_add() {
	ns_new a; local a=$REPLY
	ok "$IP" -n "$a" link add tw0 type twin
	"$IP" -n "$a" -d link show tw0 | grep -q "twin" ||
		fail "ip -d link show tw0 does not name the kind: $("$IP" -n "$a" -d link show tw0)"
	[ "$(sysfs "$a" tw0 type)" = 1 ] || fail "type is $(sysfs "$a" tw0 type), expected 1 (ARPHRD_ETHER)"
	ok "$IP" -n "$a" link add tw1 type twin
	ok "$IP" -n "$a" link add name tw7 type twin
	must_fail "$IP" -n "$a" link add tw0 type twin	# name taken
}

test_random_mac_differs() {
	ns_new a; local a=$REPLY
	ok "$IP" -n "$a" link add tw0 type twin
	ok "$IP" -n "$a" link add tw1 type twin
	local m0 m1 first
	m0=$(sysfs "$a" tw0 address)
	m1=$(sysfs "$a" tw1 address)
	diag "tw0 $m0, tw1 $m1"
	if [ -z "$m0" ] || [ "$m0" = "$m1" ]; then
		fail "MACs not distinct: $m0 $m1"
	fi
	[ "$m0" != 00:00:00:00:00:00 ] || fail "zero MAC"
	first=$((0x${m0%%:*}))
	(( (first & 1) == 0 )) || fail "multicast MAC $m0"
	(( (first & 2) == 2 )) || fail "MAC $m0 is not locally administered"
	[ "$(sysfs "$a" tw0 addr_assign_type)" = 1 ] ||
		fail "addr_assign_type $(sysfs "$a" tw0 addr_assign_type), expected 1 (random)"
}

test_mtu_bounds() {
	ns_new a; local a=$REPLY
	ok "$IP" -n "$a" link add tw0 type twin
	local line min max mtu
	line=$("$IP" -n "$a" -d link show tw0)
	[[ $line =~ minmtu\ ([0-9]+)\ maxmtu\ ([0-9]+) ]] || fail "no minmtu/maxmtu in: $line"
	min=${BASH_REMATCH[1]}
	max=${BASH_REMATCH[2]}
	mtu=$(sysfs "$a" tw0 mtu)
	diag "mtu $mtu, minmtu $min, maxmtu $max"
	[ "$min" -ge 40 ] || fail "minmtu $min leaves no room for the 40-byte header"
	[ "$max" -ge 1500 ] || fail "maxmtu $max below 1500"
	# The default is the largest: frames never leave memory (as lo's).
	[ "$mtu" = 65535 ] || fail "default mtu $mtu, not 65535"
	[ "$max" = 65535 ] || fail "maxmtu $max, not 65535"
	# Also through twinctl (TWIN_CMD_LINK_NEW, a segment of its own).
	ok "$TWINCTL" -n "$a" link add tw3 segment 5
	[ "$(sysfs "$a" tw3 mtu)" = 65535 ] || fail "twinctl's device: mtu $(sysfs "$a" tw3 mtu)"
	ok "$IP" -n "$a" link del tw3
	ok "$IP" -n "$a" link set tw0 mtu 1000
	[ "$(sysfs "$a" tw0 mtu)" = 1000 ] || fail "mtu not 1000"
	ok "$IP" -n "$a" link set tw0 mtu "$min"
	ok "$IP" -n "$a" link set tw0 mtu "$max"
	ok "$IP" -n "$a" link set tw0 mtu 1280
	must_fail "$IP" -n "$a" link set tw0 mtu $((min - 1))
	diag "mtu $((min - 1)): $OUT"
	[ "$max" -lt 4294967295 ] && must_fail "$IP" -n "$a" link set tw0 mtu $((max + 1))
	must_fail "$IP" -n "$a" link set tw0 mtu 0
	[ "$(sysfs "$a" tw0 mtu)" = 1280 ] || fail "a rejected change altered the mtu"
	# Also at creation time.
	must_fail "$IP" -n "$a" link add tw1 mtu $((min - 1)) type twin
	ok "$IP" -n "$a" link add tw2 mtu 1000 type twin
	[ "$(sysfs "$a" tw2 mtu)" = 1000 ] || fail "mtu at creation ignored"
}

test_carrier_follows_admin_state() {
	ns_new a; local a=$REPLY
	ok "$IP" -n "$a" link add tw0 type twin
	[ "$(sysfs "$a" tw0 operstate)" = down ] || fail "operstate $(sysfs "$a" tw0 operstate) before up"
	ok "$IP" -n "$a" link set tw0 up
	local i
	for ((i = 0; i < 20; i++)); do
		[ "$(sysfs "$a" tw0 operstate)" = up ] && break
		nap 0.1
	done
	[ "$(sysfs "$a" tw0 carrier)" = 1 ] || fail "carrier '$(sysfs "$a" tw0 carrier)' when up"
	[ "$(sysfs "$a" tw0 operstate)" = up ] || fail "operstate $(sysfs "$a" tw0 operstate) when up"
	"$IP" -n "$a" link show tw0 | grep -q LOWER_UP || fail "no LOWER_UP when up"
	ok "$IP" -n "$a" link set tw0 down
	[ "$(sysfs "$a" tw0 operstate)" = down ] || fail "operstate $(sysfs "$a" tw0 operstate) when down"
	ok "$IP" -n "$a" link set tw0 up
	[ "$(sysfs "$a" tw0 carrier)" = 1 ] || fail "carrier not back after up"
}

test_netem_qdisc() {
	[ -n "$TC" ] || skip "tc not found"
	ns_new a; local a=$REPLY
	ok "$IP" -n "$a" link add tw0 type twin
	ok "$IP" -n "$a" link set tw0 up
	ok "$TC" -n "$a" qdisc add dev tw0 root netem loss 10%
	"$TC" -n "$a" qdisc show dev tw0 | grep -q "netem.*loss 10%" ||
		fail "netem not shown: $("$TC" -n "$a" qdisc show dev tw0)"
	ok "$TC" -n "$a" qdisc change dev tw0 root netem delay 10ms reorder 25% duplicate 5% corrupt 1%
	ok "$TC" -n "$a" qdisc del dev tw0 root
}

test_move_to_netns() {
	ns_new a; local a=$REPLY
	ns_new b; local b=$REPLY
	ns_twin c 3; local c=$REPLY
	ok "$IP" -n "$a" link add tw1 type twin
	ok "$IP" -n "$a" link set tw1 up
	ok "$TWINCTL" -n "$a" addr add 5 dev tw1
	ok "$IP" -n "$a" link set tw1 netns "$b"
	"$IP" -n "$a" link show tw1 >/dev/null 2>&1 && fail "tw1 still in $a"
	ok "$IP" -n "$b" link show tw1
	# Spec silent; like IP addresses, the node does not follow the device.
	"$TWINCTL" -n "$a" addr show | grep -qw 5 &&
		fail "node 5 still listed in $a after the move: $("$TWINCTL" -n "$a" addr show)"
	"$TWINCTL" -n "$b" addr show | grep -q tw1 &&
		fail "tw1 arrived in $b with an address: $("$TWINCTL" -n "$b" addr show)"
	# In its new namespace it works, on the same segment.
	ok "$IP" -n "$b" link set tw1 up
	ok "$TWINCTL" -n "$b" addr add 5 dev tw1
	local out
	out=$(mktemp)
	defer "rm -f $out"
	"$IP" netns exec "$b" "$TWIN_DGRAM" recv 4500 --count 1 > "$out" 2>&1 &
	local pid=$!
	defer "kill $pid"
	wait_for "$out" listening 5 || fail "recv did not start"
	ok in_ns "$c" "$TWIN_DGRAM" send 5 4500 moved --from-port 4501
	wait_pid "$pid" 5 || fail "nothing received over the moved device"
	grep -q "^from 3:4501: moved$" "$out" || fail "got: $(cat "$out")"
	# And back.
	ok "$IP" -n "$b" link set tw1 netns "$a"
	ok "$IP" -n "$a" link show tw1
}

test_link_del() {
	ns_new a; local a=$REPLY
	ok "$IP" -n "$a" link add tw0 type twin
	ok "$IP" -n "$a" link set tw0 up
	ok "$TWINCTL" -n "$a" addr add 7 dev tw0
	ok "$IP" -n "$a" link del tw0
	"$IP" -n "$a" link show tw0 >/dev/null 2>&1 && fail "tw0 still there"
	"$TWINCTL" -n "$a" addr show | grep -qw 7 &&
		fail "node 7 still listed: $("$TWINCTL" -n "$a" addr show)"
	# The node can be used again on a new device.
	ok "$IP" -n "$a" link add tw0 type twin
	ok "$TWINCTL" -n "$a" addr add 7 dev tw0
}

# Deleting a device under a bound socket and with traffic: no crash, and
# sending afterwards fails cleanly.
test_link_del_under_socket() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	local out
	out=$(mktemp)
	defer "rm -f $out"
	"$IP" netns exec "$b" "$TWIN_DGRAM" recv 4600 > "$out" 2>&1 &
	local pid=$!
	defer "kill $pid"
	wait_for "$out" listening 5 || fail "recv did not start"
	ok in_ns "$a" "$TWIN_DGRAM" send 2 4600 before
	wait_for "$out" "before" 5 || fail "nothing received"
	ok "$IP" -n "$b" link del tw0
	# (A send to node 2 may still succeed from a's neighbour cache, as a
	# UDP send to a vanished host does.)
	in_ns "$a" "$TWIN_DGRAM" send 2 4600 after >/dev/null 2>&1
	ok "$IP" -n "$a" link del tw0
	must_fail in_ns "$a" "$TWIN_DGRAM" send 2 4600 after
	diag "send without any address: $OUT"
	alive "$pid" || fail "the receiver died with its device"
}

test_stats64() {
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	local out
	out=$(mktemp)
	defer "rm -f $out"
	"$IP" netns exec "$b" "$TWIN_DGRAM" recv 4700 --count 1 > "$out" 2>&1 &
	local pid=$!
	defer "kill $pid"
	wait_for "$out" listening 5 || fail "recv did not start"
	ok in_ns "$a" "$TWIN_DGRAM" send 2 4700 "counted bytes"
	wait_pid "$pid" 5 || fail "nothing received"
	local txp txb rxp
	txp=$(sysfs "$a" tw0 statistics/tx_packets)
	txb=$(sysfs "$a" tw0 statistics/tx_bytes)
	rxp=$(sysfs "$b" tw0 statistics/rx_packets)
	diag "a: tx_packets $txp tx_bytes $txb; b: rx_packets $rxp"
	[ "${txp:-0}" -ge 1 ] || fail "tx_packets $txp"
	[ "${txb:-0}" -ge 53 ] || fail "tx_bytes $txb below one frame (40 + 13 bytes)"
	[ "${rxp:-0}" -ge 1 ] || fail "rx_packets $rxp"
	"$IP" -n "$a" -s link show tw0 | grep -q "TX:" || fail "ip -s link shows no TX line"
	# IFLA_STATS64: iproute2's JSON names it "stats64".
	"$IP" -n "$a" -j -s link show tw0 | grep -q '"stats64"' ||
		fail "no IFLA_STATS64: $("$IP" -n "$a" -j -s link show tw0)"
}

# twinctl link add makes a device on a given segment.
test_twinctl_link_add_segment() {
	ns_new a; local a=$REPLY
	ok "$TWINCTL" -n "$a" link add tw3 segment 5
	ok "$IP" -n "$a" link show tw3
	"$TWINCTL" -n "$a" link show | grep -q "tw3.*segment 5" ||
		fail "twinctl link show: $("$TWINCTL" -n "$a" link show)"
}

# A container: an unprivileged user (nobody, no capabilities) in user and
# network namespaces of its own (unshare -U -r -n), running SETUP, then
# waiting until container_stop; $1 names it. Its tw0's receive counter
# at the end is in ${CT_DIR}/$1.rx.
container_start() {	# NAME SETUP
	[ -n "$UNSHARE" ] || skip "unshare not found"
	if [ -z "${CT_DIR:-}" ]; then
		CT_DIR=$(mktemp -d)
		chmod 777 "$CT_DIR"
		defer "rm -rf $CT_DIR"
	fi
	"$TWIN_NOCAP" --uid 65534 "$UNSHARE" -U -r -n "$BASH" -c "
		set -e
		$2
		touch '$CT_DIR/$1.up'
		while [ ! -e '$CT_DIR/$1.stop' ]; do sleep 0.05; done
		awk '\$1 == \"tw0:\" { print \$3 }' /proc/net/dev > '$CT_DIR/$1.rx'
	" > "$CT_DIR/$1.log" 2>&1 &
	local pid=$!
	defer "kill $pid 2>/dev/null"
	eval "CT_PID_$1=$pid"
	wait_until 10 "[ -e '$CT_DIR/$1.up' ] || ! alive $pid" || :
	[ -e "$CT_DIR/$1.up" ] ||
		fail "container $1 did not come up: $(cat "$CT_DIR/$1.log")"
}

# Stop container $1; its tw0's rx_packets in $REPLY.
container_stop() {	# NAME
	local pid
	eval "pid=\$CT_PID_$1"
	touch "$CT_DIR/$1.stop"
	wait_pid "$pid" 10 || fail "container $1 did not stop"
	REPLY=$(cat "$CT_DIR/$1.rx" 2>/dev/null)
	[ -n "$REPLY" ] || fail "container $1 left no count: $(cat "$CT_DIR/$1.log")"
}

# The attack of issue #7 item 2: a container creates tw0 (segment 0) and
# claims node 2 before root makes any twin device. Segment numbers are per
# owning user namespace, so root's segment 0 is another switch: root's
# node 1 reaches its node 2 (discovery included: a broadcast), and the
# container's device receives nothing of it. (Before the fix root's
# devices joined the container's switch: it saw every broadcast and could
# answer for node 2.)
test_userns_segment_0_is_its_own() {
	container_start c "
		'$IP' link add tw0 type twin
		'$IP' link set tw0 up
		'$TWINCTL' addr add 2 dev tw0"
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	local out
	out=$(mktemp)
	defer "rm -f $out"
	"$IP" netns exec "$b" "$TWIN_DGRAM" recv 4700 --count 2 > "$out" 2>&1 &
	local pid=$!
	defer "kill $pid"
	wait_for "$out" listening 5 || fail "recv did not start"
	ok in_ns "$a" "$TWIN_DGRAM" send 2 4700 one
	ok in_ns "$a" "$TWIN_DGRAM" send 2 4700 two
	wait_pid "$pid" 5 || fail "root's node 2 did not get both: $(cat "$out")"
	grep -q "^from 1:[0-9]*: two$" "$out" || fail "got: $(cat "$out")"
	container_stop c
	diag "the container's tw0 received $REPLY frames"
	[ "$REPLY" = 0 ] || fail "the container's tw0 received $REPLY frames"
}

# Two containers both number a segment 62: two switches. The second
# container's node 6 cannot reach the first's node 5 (discovery fails)
# and the first's device receives nothing; root's segment 62 is a third.
test_userns_segments_per_owner() {
	container_start c1 "
		'$TWINCTL' link add tw0 segment 62
		'$IP' link set tw0 up
		'$TWINCTL' addr add 5 dev tw0"
	container_start c2 "
		'$TWINCTL' link add tw0 segment 62
		'$IP' link set tw0 up
		'$TWINCTL' addr add 6 dev tw0
		if '$TWIN_DGRAM' send 5 4800 hello; then
			echo 'reached the other container'; exit 1
		fi"
	container_stop c2
	container_stop c1
	diag "the first container's tw0 received $REPLY frames"
	[ "$REPLY" = 0 ] || fail "the first container's tw0 received $REPLY frames"
	# The init namespace's root makes a segment 62 of its own too.
	ns_new r; local r=$REPLY
	ok "$TWINCTL" -n "$r" link add tw0 segment 62
}

test_userns_own_segment() {
	[ -n "$UNSHARE" ] || skip "unshare not found"
	ok "$UNSHARE" -U -r -n "$BASH" -c "
		set -e
		'$TWINCTL' link add tw8 segment 60
		'$TWINCTL' link add tw9 segment 60
		'$IP' link set tw8 up
		'$TWINCTL' addr add 5 dev tw8"
}

run_tests test_link_add test_random_mac_differs test_mtu_bounds \
	test_carrier_follows_admin_state test_netem_qdisc test_move_to_netns \
	test_link_del test_link_del_under_socket test_stats64 \
	test_twinctl_link_add_segment test_userns_segment_0_is_its_own \
	test_userns_segments_per_owner test_userns_own_segment
