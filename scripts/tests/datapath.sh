#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the connection datapath costs per frame, counted where it happens,
# with a kprobe over a transfer between two twin devices:
#   - pskb_expand_head() counts every time the kernel reallocates and
#     copies a frame's head. A connection sends clones of its queued
#     frames; a queued frame whose header is not released (TCP's
#     __skb_header_release()) makes every clone's skb_cow_head() copy the
#     frame, so a transfer of N frames cost N copies. Now it costs none.
#   - crypto_shash_update(), which libcrc32c's crc32c() calls for every
#     run of bytes (crc32c() itself cannot be probed on Debian's 6.12),
#     counts checksum work. A twin device moves frames between
#     buffers in memory: the sender leaves the CRC undone
#     (CHECKSUM_PARTIAL) and the receiver trusts it, as TCP's checksum
#     over veth. It cost two CRC passes per frame; now none, unless
#     transmit checksumming is off on the device (ethtool -K tw0 tx off).
#   - A connection hands a twin device super-frames of many MSS (gso.c),
#     which it carries whole: the device's packet counter, one per
#     buffer, against twin's frame counter, one per frame a super-frame
#     stands for. With segmentation off on the device the kernel cuts
#     them on the way out, each frame with its header and CRC.
#
# The probes need kprobe events (CONFIG_KPROBE_EVENTS: Debian's kernels
# have them, the debug kernel does not); all tests need the module.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
TWIN_XFER=$(find_helper twin-xfer)
require IP TWINCTL TWIN_XFER
require_module

SIZE=$((4 * 1024 * 1024))
PROBE=twin_test_probe

tracing_dir() {
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -w "$d/kprobe_events" ] && { echo "$d"; return 0; }
	done
	return 1
}

# Quiet when there is no such probe: a failed redirection reports itself
# before a 2>/dev/null after it takes effect.
probe_off() {	# TRACING
	{ echo 0 > "$1/events/kprobes/$PROBE/enable"; } 2>/dev/null
	{ echo "-:$PROBE" >> "$1/kprobe_events"; } 2>/dev/null
}

# Hits of the probe so far, from kprobe_profile ("NAME HITS MISSES").
probe_hits() {	# TRACING
	awk -v p="$PROBE" '$1 == p { print $2 }' "$1/kprobe_profile"
}

# A twin counter of namespace NS.
twin_stat() {	# NS NAME
	"$TWINCTL" -n "$1" -s stats show | awk -v n="$2" '$1 == n { print $2 }'
}

# probe_on FUNCTION [ours]: count FUNCTION's calls with a kprobe until the
# test ends; the tracing directory in $PROBE_DIR, for probe_hits. A kernel
# function that cannot be probed skips the test; one of twin's own
# ("ours") fails it.
probe_on() {
	PROBE_DIR=$(tracing_dir) || skip "no kprobe events (CONFIG_KPROBE_EVENTS)"
	probe_off "$PROBE_DIR"
	if ! echo "p:$PROBE $1" >> "$PROBE_DIR/kprobe_events"; then
		[ "${2:-}" = ours ] && fail "$1 cannot be probed"
		skip "$1 cannot be probed here"
	fi
	defer "probe_off $PROBE_DIR"
	echo 1 > "$PROBE_DIR/events/kprobes/$PROBE/enable" ||
		fail "cannot enable $PROBE"
}

# twin_pair TYPE [FEATURE on|off]...: namespaces a (node 7) and b (node 9),
# each with tw0, in $A and $B; ethtool -K on a's tw0 if features are given.
# Then b's twin-xfer listens for SIZE bytes of TYPE on port 5000: its
# output in $XOUT and $XERR, its pid in $XPID.
twin_pair() {	# TYPE [FEATURE on|off]...
	local type=$1
	shift
	ns_twin a 7; A=$REPLY
	ns_twin b 9; B=$REPLY
	if [ $# -gt 0 ]; then
		[ -n "$ETHTOOL" ] || fail "ethtool not found"
		ok in_ns "$A" "$ETHTOOL" -K tw0 "$@"
	fi
	XOUT=$(mktemp)
	XERR=$(mktemp)
	defer "rm -f $XOUT $XERR"
	"$IP" netns exec "$B" "$TWIN_XFER" listen "$type" 5000 -e "$SIZE" \
		> "$XOUT" 2> "$XERR" &
	XPID=$!
	defer "kill $XPID"
	wait_for "$XERR" "listening on port 5000" 5 ||
		fail "twin-xfer listen did not start: $(cat "$XERR")"
}

# STREAM or SEQPACKET, SIZE bytes from node 7 to node 9 over twin devices,
# FUNCTION probed meanwhile: it must run for fewer than one frame in 20
# (anything else the kernel does meanwhile is noise; once per frame is
# what the fix removed).
per_frame() {	# TYPE FUNCTION WHAT [tx-off]
	local type=$1 func=$2 what=$3 tx_off=${4:-} before after frames
	probe_on "$func"
	if [ -n "$tx_off" ]; then
		twin_pair "$type" tx off
	else
		twin_pair "$type"
	fi
	before=$(probe_hits "$PROBE_DIR")
	ok in_ns "$A" "$TWIN_XFER" connect "$type" 9 5000 -n "$SIZE"
	wait_pid "$XPID" 30 || fail "the receiver did not end: $(cat "$XERR")"
	after=$(probe_hits "$PROBE_DIR")
	grep -q "received $SIZE " "$XOUT" || fail "received: $(cat "$XOUT")"
	frames=$(twin_stat "$A" tx_frames)
	diag "$type: $frames frames sent, $((after - before)) $what"
	[ "${frames:-0}" -ge $((SIZE / 1500)) ] ||
		fail "only '$frames' frames counted for $SIZE bytes"
	if [ -n "$tx_off" ]; then
		# a computes each CRC it sends, b checks each one it gets.
		[ $((after - before)) -ge $((2 * frames)) ] ||
			fail "only $((after - before)) $what for $frames frames sent with tx off"
		return 0
	fi
	[ $(((after - before) * 20)) -lt "$frames" ] ||
		fail "$((after - before)) $what for $frames frames sent"
}

test_stream_frames_not_copied() {
	per_frame stream pskb_expand_head "head copies"
}

test_seqpacket_frames_not_copied() {
	per_frame seqpacket pskb_expand_head "head copies"
}

test_stream_crc_left_undone() {
	per_frame stream crypto_shash_update "CRC32C passes"
}

test_seqpacket_crc_left_undone() {
	per_frame seqpacket crypto_shash_update "CRC32C passes"
}

# With transmit checksumming off on a's device, a computes every CRC.
test_stream_crc_computed_tx_off() {
	per_frame stream crypto_shash_update "CRC32C passes" tx-off
}

# SIZE bytes of TYPE from node 7 to node 9 over twin devices, as super-
# frames (more than TENTHS/10 frames per buffer on average) or, with
# "cut", as frames of one MSS that the kernel cut (a buffer per frame).
# Either way every byte arrives as sent, and no CRC fails. A super-frame
# holds what one write queued while the window was open: twin-xfer
# writes 1 to 16384 bytes, 8 KiB (5.6 frames) on average.
superframes() {	# TYPE TENTHS [cut]
	local type=$1 ratio=$2 cut=${3:-} sent got frames bufs before cuts
	if [ -n "$cut" ]; then
		# Cut by twin_gso_segment(): counted with a kprobe.
		probe_on twin_gso_segment ours
		before=$(probe_hits "$PROBE_DIR")
		twin_pair "$type" tx-sctp-segmentation off
	else
		twin_pair "$type"
	fi
	sent=$(in_ns "$A" "$TWIN_XFER" connect "$type" 9 5000 -n "$SIZE") ||
		fail "twin-xfer connect failed: $sent"
	wait_pid "$XPID" 30 || fail "the receiver did not end: $(cat "$XERR")"
	# "sent N sha256 HEX received M sha256 HEX" on both sides
	got=$(cat "$XOUT")
	[ "$(awk '{ print $2, $4 }' <<< "$sent")" = \
	  "$(awk '{ print $6, $8 }' <<< "$got")" ] ||
		fail "a: $sent; b: $got"
	[ "$(awk '{ print $2 }' <<< "$sent")" = "$SIZE" ] || fail "a: $sent"
	frames=$(twin_stat "$A" tx_frames)
	bufs=$(in_ns "$A" cat /sys/class/net/tw0/statistics/tx_packets)
	diag "$type${cut:+ cut}: $frames frames in $bufs buffers"
	[ "${frames:-0}" -ge $((SIZE / 1500)) ] ||
		fail "only '$frames' frames counted for $SIZE bytes"
	[ "$(twin_stat "$B" drop_csum)" = 0 ] ||
		fail "b dropped frames for their CRC: $(twin_stat "$B" drop_csum)"
	if [ -n "$cut" ]; then
		cuts=$(($(probe_hits "$PROBE_DIR") - before))
		diag "twin_gso_segment() cut $cuts super-frames"
		[ "$bufs" -ge "$frames" ] ||
			fail "$frames frames left in $bufs buffers with segmentation off"
		if [ "$cuts" -le 0 ] ||
		   [ $((cuts * ratio)) -ge $((frames * 10)) ]; then
			fail "$cuts super-frames cut for $frames frames"
		fi
		return 0
	fi
	[ $((bufs * ratio)) -lt $((frames * 10)) ] ||
		fail "$frames frames left in $bufs buffers: not $ratio to 10"
}

test_stream_superframes_whole() {
	superframes stream 30
}

# A super-frame never holds more than one record (its end of record goes
# with its last frame): twin-xfer's records of 1 to 8000 bytes make 2.3
# frames per buffer.
test_seqpacket_superframes_whole() {
	superframes seqpacket 15
}

test_stream_superframes_cut() {
	superframes stream 30 cut
}

# At a twin device's own MTU (65535; the tests' devices have 1500) a
# connection's MSS is 65,495 bytes, and a transfer arrives byte-exact in
# fewer frames than Ethernet's MSS would cut it into. Both ends' devices
# are made as a user makes them, MTU unset.
test_stream_frames_of_64k_at_default_mtu() {
	local sent got info mss frames
	TWIN_TEST_MTU='' twin_pair stream
	sent=$(in_ns "$A" "$TWIN_XFER" connect stream 9 5000 -n "$SIZE" -v 2>&1) ||
		fail "twin-xfer connect failed: $sent"
	wait_pid "$XPID" 30 || fail "the receiver did not end: $(cat "$XERR")"
	got=$(cat "$XOUT")
	[ "$(grep -o 'sent [0-9]* sha256 [0-9a-f]*' <<< "$sent" | awk '{ print $2, $4 }')" = \
	  "$(awk '{ print $6, $8 }' <<< "$got")" ] || fail "a: $sent; b: $got"
	info=$(grep -o 'info state .*' <<< "$sent" | head -n1)
	mss=$(grep -o 'mss [0-9]*' <<< "$info" | awk '{ print $2 }')
	frames=$(twin_stat "$A" tx_frames)
	diag "mss $mss, $frames frames for $SIZE bytes"
	[ "$mss" = 65495 ] || fail "mss '$mss' at MTU 65535: $info"
	# A frame holds what one write queued (8 KiB on average, see
	# superframes()): fewer frames than Ethernet's MSS would need.
	[ "${frames:-0}" -gt 0 ] && [ "$frames" -lt $((SIZE / 1460)) ] ||
		fail "$frames frames for $SIZE bytes at MSS $mss"
}

run_tests test_stream_frames_not_copied test_seqpacket_frames_not_copied \
	test_stream_crc_left_undone test_seqpacket_crc_left_undone \
	test_stream_crc_computed_tx_off test_stream_superframes_whole \
	test_seqpacket_superframes_whole test_stream_superframes_cut \
	test_stream_frames_of_64k_at_default_mtu
