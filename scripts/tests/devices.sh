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
require IP TWINCTL TWIN_DGRAM
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
	if [ "$mtu" -lt "$min" ] || [ "$mtu" -gt "$max" ]; then
		fail "default mtu $mtu out of bounds"
	fi
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
	kill -0 "$pid" 2>/dev/null || fail "the receiver died with its device"
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

# Segments owned by the init user namespace are closed to an unprivileged
# container (a user namespace of its own); its own segments are not.
test_userns_cannot_join_segment_0() {
	[ -n "$UNSHARE" ] || skip "unshare not found"
	ns_twin a 1; local a=$REPLY		# segment 0, owned by init_user_ns
	# (ip prints the extack message instead of strerror: the errno is
	# checked with twin-genl below.)
	must_fail "$UNSHARE" -U -r -n "$IP" link add tw0 type twin
	diag "ip link add in a user namespace: $OUT"
	must_fail "$UNSHARE" -U -r -n "$TWINCTL" link add tw0 segment 0
	diag "twinctl link add segment 0: $OUT"
	if [ -n "$TWIN_GENL" ]; then
		must_fail "$UNSHARE" -U -r -n "$TWIN_GENL" link-new ifname=tw0 segment=0
		echo "$OUT" | grep -q "EPERM" || fail "expected EPERM: $OUT"
	fi
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

test_userns_cannot_join_other_container() {
	[ -n "$UNSHARE" ] || skip "unshare not found"
	local flag
	flag=$(mktemp -u)
	defer "rm -f $flag"
	"$UNSHARE" -U -r -n "$BASH" -c "
		'$TWINCTL' link add tw8 segment 62 && touch $flag && exec sleep 30" &
	local pid=$!
	defer "kill $pid"
	local i
	for ((i = 0; i < 50; i++)); do
		[ -e "$flag" ] && break
		nap 0.1
	done
	[ -e "$flag" ] || fail "the first container could not make segment 62"
	must_fail "$UNSHARE" -U -r -n "$TWINCTL" link add tw9 segment 62
	diag "second container joining segment 62: $OUT"
	if [ -n "$TWIN_GENL" ]; then
		must_fail "$UNSHARE" -U -r -n "$TWIN_GENL" link-new ifname=tw9 segment=62
		echo "$OUT" | grep -q "EPERM" || fail "expected EPERM: $OUT"
	fi
	# The init namespace's root has CAP_NET_ADMIN over every user namespace.
	ns_new r; local r=$REPLY
	ok "$TWINCTL" -n "$r" link add tw0 segment 62
}

run_tests test_link_add test_random_mac_differs test_mtu_bounds \
	test_carrier_follows_admin_state test_netem_qdisc test_move_to_netns \
	test_link_del test_link_del_under_socket test_stats64 \
	test_twinctl_link_add_segment test_userns_cannot_join_segment_0 \
	test_userns_own_segment test_userns_cannot_join_other_container
