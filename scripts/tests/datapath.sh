#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the connection datapath costs per frame, counted where it happens:
# a kprobe on pskb_expand_head() counts every time the kernel reallocates
# and copies a frame's head. A connection sends clones of its queued
# frames; a queued frame whose header is not released (TCP's
# __skb_header_release()) makes every clone's skb_cow_head() copy the
# frame, so a transfer of N frames cost N copies. Now it costs none.
#
# Needs kprobe events (CONFIG_KPROBE_EVENTS: Debian's kernels have them,
# the debug kernel does not) and the module loaded.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
TWIN_XFER=$(find_helper twin-xfer)
require IP TWINCTL TWIN_XFER
require_module

SIZE=$((4 * 1024 * 1024))
PROBE=twin_test_copy

tracing_dir() {
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -w "$d/kprobe_events" ] && { echo "$d"; return 0; }
	done
	return 1
}

probe_off() {	# TRACING
	echo 0 > "$1/events/kprobes/$PROBE/enable" 2>/dev/null
	echo "-:$PROBE" >> "$1/kprobe_events" 2>/dev/null
}

# Hits of the probe so far, from kprobe_profile ("NAME HITS MISSES").
probe_hits() {	# TRACING
	awk -v p="$PROBE" '$1 == p { print $2 }' "$1/kprobe_profile"
}

# STREAM or SEQPACKET, SIZE bytes from node 7 to node 9 over twin devices:
# the frames sent must not have been copied on their way out.
no_copy_per_frame() {	# TYPE
	local type=$1 t a b before after frames out err pid
	t=$(tracing_dir) || skip "no kprobe events (CONFIG_KPROBE_EVENTS)"
	probe_off "$t"
	echo "p:$PROBE pskb_expand_head" >> "$t/kprobe_events" ||
		skip "pskb_expand_head cannot be probed here"
	defer "probe_off $t"
	echo 1 > "$t/events/kprobes/$PROBE/enable" || fail "cannot enable $PROBE"

	ns_twin a 7; a=$REPLY
	ns_twin b 9; b=$REPLY
	out=$(mktemp)
	err=$(mktemp)
	defer "rm -f $out $err"
	"$IP" netns exec "$b" "$TWIN_XFER" listen "$type" 5000 -e "$SIZE" \
		> "$out" 2> "$err" &
	pid=$!
	defer "kill $pid"
	wait_for "$err" "listening on port 5000" 5 ||
		fail "twin-xfer listen did not start: $(cat "$err")"

	before=$(probe_hits "$t")
	ok in_ns "$a" "$TWIN_XFER" connect "$type" 9 5000 -n "$SIZE"
	wait_pid "$pid" 30 || fail "the receiver did not end: $(cat "$err")"
	after=$(probe_hits "$t")
	grep -q "received $SIZE " "$out" || fail "received: $(cat "$out")"
	frames=$(in_ns "$a" "$TWINCTL" -s stats show |
		awk '$1 == "tx_frames" { print $2 }')
	diag "$type: $frames frames sent, $((after - before)) head copies"
	[ "${frames:-0}" -ge $((SIZE / 1500)) ] ||
		fail "only '$frames' frames counted for $SIZE bytes"
	# Anything else the kernel copies meanwhile is noise; one copy per
	# frame is what the header release removed.
	[ $(((after - before) * 20)) -lt "$frames" ] ||
		fail "$((after - before)) head copies for $frames frames sent"
}

test_stream_frames_not_copied() {
	no_copy_per_frame stream
}

test_seqpacket_frames_not_copied() {
	no_copy_per_frame seqpacket
}

run_tests test_stream_frames_not_copied test_seqpacket_frames_not_copied
