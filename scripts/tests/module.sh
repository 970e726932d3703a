#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading twin.ko: the family parameter, a taken family
# slot, sockets pinning the module, repeated load/unload.
#
# semantics.md, "Family and create()". This script unloads and reloads the
# module itself (from $TWIN_KO, default /twin/twin.ko) and leaves it
# loaded, with default parameters, when it ends.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
INSMOD=$(find_tool insmod)
RMMOD=$(find_tool rmmod)
STRACE=$(find_tool strace)
BUSYBOX=$(find_tool busybox)
require IP TWINCTL TWIN_DGRAM INSMOD RMMOD
[ -f "$TWIN_KO" ] || { echo "TAP version 13"; echo "1..0 # SKIP no $TWIN_KO"; exit $KSFT_SKIP; }

loaded() {
	[ -d /sys/module/twin ]
}

unload() {
	loaded || return 0
	ok "$RMMOD" twin
	loaded && fail "twin still loaded after rmmod"
	return 0
}

load() {	# [PARAM=VALUE...]
	unload
	ok "$INSMOD" "$TWIN_KO" "$@"
	loaded || fail "insmod succeeded but /sys/module/twin is missing"
}

# Whatever happens, leave the module loaded with default parameters.
# A failed restore bails out: every script after this one would otherwise
# find no module and skip.
restore() {
	local rc=$? i
	cleanup_all
	if loaded && [ "$(cat /sys/module/twin/parameters/family)" != 19 ]; then
		# Sockets of the last test may still be closing: retry.
		for ((i = 0; i < 50; i++)); do
			"$RMMOD" twin 2>/dev/null && break
			nap 0.2
		done
	fi
	loaded || "$INSMOD" "$TWIN_KO" || true
	if ! loaded || [ "$(cat /sys/module/twin/parameters/family)" != 19 ]; then
		echo "Bail out! module.sh could not leave twin.ko loaded with family=19"
		rc=$KSFT_FAIL
	fi
	exit "$rc"
}
trap restore EXIT

# Hold a twin socket open in the background (pid in $HOLD_PID).
hold_socket() {	# [NS]
	local err
	err=$(mktemp)
	defer "rm -f $err"
	if [ -n "${1:-}" ]; then
		"$IP" netns exec "$1" "$TWIN_DGRAM" recv 4000 > /dev/null 2> "$err" &
	else
		"$TWIN_DGRAM" recv 4000 > /dev/null 2> "$err" &
	fi
	HOLD_PID=$!
	defer "kill $HOLD_PID; wait $HOLD_PID"
	wait_for "$err" "listening" 5 || fail "twin-dgram recv did not start: $(cat "$err")"
}

release_socket() {
	kill "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	return 0
}

# rmmod must fail while a socket is open; report the kernel's errno.
expect_busy() {
	local refcnt errno_name=""
	refcnt=$(cat /sys/module/twin/refcnt)
	diag "refcnt with a socket open: $refcnt"
	[ "$refcnt" -gt 0 ] || fail "an open socket does not pin the module (refcnt $refcnt)"
	must_fail "$RMMOD" twin
	diag "rmmod: $OUT"
	loaded || fail "module gone although a socket is open"
	# delete_module() itself, without kmod's userspace refcnt check.
	if [ -n "$STRACE" ] && [ -n "$BUSYBOX" ]; then
		errno_name=$("$STRACE" -e trace=delete_module "$BUSYBOX" rmmod twin 2>&1 |
			sed -n 's/^delete_module(.*= -1 \([A-Z]*\).*/\1/p')
		diag "delete_module(\"twin\") while busy: ${errno_name:-succeeded?}"
		loaded || fail "delete_module unloaded a module with an open socket"
		case $errno_name in
		EBUSY|EAGAIN|EWOULDBLOCK) ;;
		*) fail "delete_module: expected EBUSY (or the kernel's EAGAIN), got '$errno_name'" ;;
		esac
	fi
	return 0
}

test_default_family_19() {
	load
	[ "$(cat /sys/module/twin/parameters/family)" = 19 ] ||
		fail "family is $(cat /sys/module/twin/parameters/family), expected 19"
}

test_rmmod_busy_with_socket() {
	loaded || load
	hold_socket
	expect_busy
	release_socket
	ok "$RMMOD" twin
	loaded && fail "still loaded after the socket closed"
	load
}

# The same with socat as the socket's owner.
test_rmmod_busy_with_socat() {
	[ -n "$SOCAT" ] || skip "socat not found"
	loaded || load
	"$SOCAT" -u "SOCKET-RECVFROM:$(family):2:0:x$(twin_hex 0 4001)" /dev/null &
	local pid=$!
	defer "kill $pid"
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(cat /sys/module/twin/refcnt)" -gt 0 ] && break
		nap 0.1
	done
	expect_busy
	kill "$pid"
	wait "$pid" 2>/dev/null
	# The socket's last reference may go after an RCU grace period.
	wait_until 5 '"$RMMOD" twin' || fail "rmmod twin still fails after the socket's owner died"
	load
}

# A socket in another network namespace pins the module as well.
test_rmmod_busy_socket_in_netns() {
	loaded || load
	ns_new a; local a=$REPLY
	hold_socket "$a"
	expect_busy
	release_socket
	ok "$RMMOD" twin
	load
}

# An unused module has no references.
test_refcnt_zero_when_idle() {
	load
	[ "$(cat /sys/module/twin/refcnt)" = 0 ] ||
		fail "refcnt $(cat /sys/module/twin/refcnt) with no socket open"
}

# family=18 (AF_ASH, never implemented) is free on every kernel we test.
test_family_param_free_slot() {
	load family=18
	[ "$(cat /sys/module/twin/parameters/family)" = 18 ] ||
		fail "family is $(cat /sys/module/twin/parameters/family), expected 18"
	ns_twin a 7; local a=$REPLY
	local out
	out=$(mktemp)
	defer "rm -f $out"
	"$IP" netns exec "$a" "$TWIN_DGRAM" recv 4002 --count 1 > "$out" 2>&1 &
	local pid=$!
	defer "kill $pid"
	wait_for "$out" listening 5 || fail "recv did not start: $(cat "$out")"
	ok in_ns "$a" "$TWIN_DGRAM" send 7 4002 "family 18"
	wait_pid "$pid" 5 || fail "no datagram with family 18: $(cat "$out")"
	grep -q "^from 7:[0-9]*: family 18$" "$out" || fail "got $(cat "$out")"
	# Slot 19 is free again: nothing answers there now.
	if [ -n "$SOCAT" ]; then
		must_fail in_ns "$a" "$SOCAT" -u /dev/null \
			"SOCKET-SENDTO:19:2:0:x$(twin_hex 7 4002)"
	fi
	ns_del "$a"
	load
}

# family=N of a registered family: the load fails (EBUSY: the module turns
# sock_register()'s EEXIST into it, since EEXIST from finit_module() means
# "already loaded" to kmod) with a clear message, and leaves nothing behind.
load_taken() {	# FAMILY
	local before
	unload
	before=$(dmesg | wc -l)
	must_fail "$INSMOD" "$TWIN_KO" family="$1"
	diag "insmod family=$1: $OUT"
	loaded && fail "module loaded with family=$1, a taken slot"
	echo "$OUT" | grep -q "Device or resource busy" ||
		fail "expected EBUSY (Device or resource busy) from insmod, got: $OUT"
	local msg
	msg=$(dmesg | tail -n +$((before + 1)) | grep -i twin)
	diag "kernel log: ${msg:-<nothing>}"
	echo "$msg" | grep -qi "family" ||
		fail "no kernel message about the family from twin"
	# Nothing stays registered: no link kind, no genetlink family.
	must_fail "$IP" link add twx type twin
	if [ -n "$TWIN_GENL" ]; then
		local rc=0
		"$TWIN_GENL" stats-get >/dev/null 2>&1 || rc=$?
		[ "$rc" = 3 ] || fail "genetlink family twin still registered (twin-genl exit $rc)"
	fi
	# ...so the next load works.
	load
}

test_family_taken_unix() {
	load_taken 1
}

test_family_taken_netlink() {
	load_taken 16
}

# Spec: the family must be a slot below AF_MAX. Out of range must fail
# cleanly (the errno is not specified).
test_family_out_of_range() {
	local fam
	for fam in 0 255 100000; do
		unload
		must_fail "$INSMOD" "$TWIN_KO" family="$fam"
		diag "insmod family=$fam: $OUT"
		loaded && fail "module loaded with family=$fam"
	done
	load
}

test_load_unload_20() {
	local i
	unload
	for ((i = 1; i <= 20; i++)); do
		ok "$INSMOD" "$TWIN_KO"
		loaded || fail "iteration $i: not loaded"
		ok "$RMMOD" twin
		loaded && fail "iteration $i: still loaded"
	done
	load
}

# Load, use (device, address, socket, traffic), close, unload: 5 times.
test_use_and_unload_5() {
	local i out
	out=$(mktemp)
	defer "rm -f $out"
	for ((i = 1; i <= 5; i++)); do
		load
		ns_twin u"$i" 7; local ns=$REPLY
		# Emptied here, not by the redirection below: that happens in
		# the background job, which a loaded machine may start after
		# wait_for has found the last round's "listening" in the file
		# (the datagram then came before the socket, and was lost).
		: > "$out"
		"$IP" netns exec "$ns" "$TWIN_DGRAM" recv 4003 --count 1 > "$out" 2>&1 &
		local pid=$!
		wait_for "$out" listening 5 || fail "iteration $i: recv did not start"
		ok in_ns "$ns" "$TWIN_DGRAM" send 7 4003 "round $i"
		wait_pid "$pid" 15 ||
			fail "iteration $i: nothing received: $(tr "\n" " " < "$out")"
		ns_del "$ns"
		ok "$RMMOD" twin
	done
	load
}

# Spec silent: like veth or dummy, unloading removes the module's devices
# (here with addresses, in two namespaces) rather than failing.
test_rmmod_removes_devices() {
	load
	ns_twin a 1; local a=$REPLY
	ns_twin b 2; local b=$REPLY
	ok "$IP" -n "$a" link add tw1 type twin
	ok "$RMMOD" twin
	"$IP" -n "$a" link show tw0 >/dev/null 2>&1 && fail "tw0 survived rmmod in $a"
	"$IP" -n "$b" link show tw0 >/dev/null 2>&1 && fail "tw0 survived rmmod in $b"
	"$IP" -n "$a" link show tw1 >/dev/null 2>&1 && fail "tw1 survived rmmod in $a"
	load
}

run_tests test_default_family_19 test_refcnt_zero_when_idle \
	test_rmmod_busy_with_socket test_rmmod_busy_with_socat \
	test_rmmod_busy_socket_in_netns test_family_param_free_slot \
	test_family_taken_unix test_family_taken_netlink \
	test_family_out_of_range test_load_unload_20 test_use_and_unload_5 \
	test_rmmod_removes_devices
