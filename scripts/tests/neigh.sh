#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The neighbour cache (semantics.md "Neighbours"): what `twinctl neigh
# show` lists after traffic, `neigh flush [dev DEV]`, the aging of entries
# with small per-namespace sysctls (REACHABLE -> STALE -> PROBE ->
# REACHABLE or FAILED, garbage collection), discovery of an unknown node
# (FAILED, EHOSTUNREACH), and MAC changes: announced by a gratuitous
# advertisement, or silent (the advertisement dropped by netem) and found
# again by a connection's retransmission timeout. `twinctl monitor neigh`:
# every change as it happens, in order, to anyone, in its own namespace.
#
# Topology: namespace a, node 7 on vethA, linked to namespace b, node 9 on
# vethB. Needs the module loaded; tc and sch_netem for the tests that drop
# frames (skipped without them).

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
TWIN_XFER=$(find_helper twin-xfer)
TWIN_SOCK=$(find_helper twin-sock)
require IP TWINCTL TWIN_DGRAM TWIN_SOCK TWIN_XFER TWIN_NOCAP
require_module

# ------------------------------------------------------------ topology

# vethA (node 7, $NS_A) -- vethB (node 9, $NS_B).
veth_pair() {
	ns_new a; NS_A=$REPLY
	ns_new b; NS_B=$REPLY
	ok "$IP" -n "$NS_A" link add vethA type veth peer name vethB netns "$NS_B"
	ok "$IP" -n "$NS_A" link set vethA up
	ok "$IP" -n "$NS_B" link set vethB up
	ok "$TWINCTL" -n "$NS_A" addr add 7 dev vethA
	ok "$TWINCTL" -n "$NS_B" addr add 9 dev vethB
	MAC_A=$(in_ns "$NS_A" cat /sys/class/net/vethA/address)
	MAC_B=$(in_ns "$NS_B" cat /sys/class/net/vethB/address)
	IFINDEX_A=$(in_ns "$NS_A" cat /sys/class/net/vethA/ifindex)
}

# A third namespace c, node 11 on vethC2, linked to a's vethC.
add_c() {
	ns_new c; NS_C=$REPLY
	ok "$IP" -n "$NS_A" link add vethC type veth peer name vethC2 netns "$NS_C"
	ok "$IP" -n "$NS_A" link set vethC up
	ok "$IP" -n "$NS_C" link set vethC2 up
	ok "$TWINCTL" -n "$NS_A" addr add 8 dev vethC
	ok "$TWINCTL" -n "$NS_C" addr add 11 dev vethC2
	MAC_C=$(in_ns "$NS_C" cat /sys/class/net/vethC2/address)
}

# ------------------------------------------------------------ the cache

# neigh_line NS NODE: that node's line of `twinctl neigh show` ("" if none).
neigh_line() {
	local line
	while IFS= read -r line; do
		[[ $line == "node $2 "* ]] && printf '%s\n' "$line"
	done < <("$TWINCTL" -n "$1" neigh show 2>&1)
	return 0
}

# State names; a twinctl older than the STALE/PROBE states prints their
# numbers (uapi: STALE 3, PROBE 4).
line_state() {	# LINE
	state_of_line "$1"
	echo "$REPLY"
}

# line_state without a subshell: the state in $REPLY.
state_of_line() {	# LINE
	REPLY=NONE
	[ -n "$1" ] || return 0
	REPLY=${1##* }
	case $REPLY in
	STATE_3) REPLY=STALE ;;
	STATE_4) REPLY=PROBE ;;
	esac
}

neigh_state() {	# NS NODE
	line_state "$(neigh_line "$1" "$2")"
}

line_mac() {	# LINE
	[[ $1 =~ \ lladdr\ ([0-9a-f:]*) ]] && echo "${BASH_REMATCH[1]}"
	return 0
}

neigh_mac() {	# NS NODE
	line_mac "$(neigh_line "$1" "$2")"
}

# wait_state NS NODE REGEX SECS: until the state matches (whole word);
# the time it took in $WAITED_MS, the line that matched in $WAITED_LINE.
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

wait_state() {
	local start now
	now=${EPOCHREALTIME/./}
	start=$((now / 1000))
	while :; do
		WAITED_LINE=$(neigh_line "$1" "$2")
		state_of_line "$WAITED_LINE"
		now=${EPOCHREALTIME/./}
		now=$((now / 1000))
		if [[ $REPLY =~ ^($3)$ ]]; then
			WAITED_MS=$((now - start))
			return 0
		fi
		[ "$now" -lt $((start + $4 * 1000)) ] || return 1
		nap 0.05
	done
}

show_neigh() {	# NS...
	local ns
	for ns in "$@"; do
		diag "neigh show in ${ns##*-}: $("$TWINCTL" -n "$ns" neigh show 2>&1 | tr '\n' ';')"
	done
}

# A state that lasts well under a second (PROBE) is easily missed by
# polling: `twinctl monitor neigh` records every change into $REC (the
# table first, then each change as a neigh show line, "Deleted ..." for
# an entry's end). ARGS go before "monitor" (-j).
rec_start() {	# NS [ARGS...]
	local ns=$1
	shift
	REC=$(mktemp)
	defer "rm -f $REC"
	"$TWINCTL" -n "$ns" "$@" monitor neigh > "$REC" 2>&1 &
	local pid=$!
	defer "kill $pid"
	# Recording before anything happens.
	wait_for "$REC" "listening for neigh events" 10 ||
		fail "twinctl monitor neigh did not start: $(cat "$REC")"
}

state_re() {	# STATE: as twinctl prints it, old or new
	case $1 in
	STALE) echo '(STALE|STATE_3)' ;;
	PROBE) echo '(PROBE|STATE_4)' ;;
	*) echo "($1)" ;;
	esac
}

# rec_wait NODE STATE SECS: until the recorder has seen NODE in STATE; the
# first such line in $REPLY.
rec_wait() {
	local re
	re="^node $1 .*$(state_re "$2")\$"
	wait_for "$REC" "$re" "$3" || return 1
	REPLY=$(grep -m1 -E -- "$re" "$REC")
}

# The states the recorder saw for NODE, in order, repeats folded.
rec_history() {	# NODE
	awk -v n="$1" '$1 == "node" && $2 == n && $NF != last { printf "%s ", $NF; last = $NF }' "$REC"
}

# The object of `twinctl -s -j neigh show` (-s: with confirmed_ms) for NODE, in $REPLY ("" if none).
neigh_json() {	# NS NODE
	local out obj
	out=$("$TWINCTL" -n "$1" -s -j neigh show 2>&1) || fail "twinctl -s -j neigh show: $out"
	REPLY=""
	out=${out//$'\n'/}
	out=${out//' '/}
	while [[ $out =~ \{([^{}]*)\} ]]; do
		obj=${BASH_REMATCH[1]}
		out=${out#*"${BASH_REMATCH[0]}"}
		if [[ ,$obj, =~ ,\"node\":$2, ]]; then
			REPLY=$obj
			return 0
		fi
	done
}

# json_field OBJ KEY: a string or number member of a flat object.
json_field() {
	if [[ ,$1, =~ ,\"$2\":\"([^\"]*)\", ]] || [[ ,$1, =~ ,\"$2\":([0-9-]+), ]]; then
		echo "${BASH_REMATCH[1]}"
	fi
}

# A counter of `twinctl -s stats` in the namespace ("" if not printed).
# A counter of `twinctl -s stats`; fails (status 1, nothing printed) if
# twinctl does not print it: callers fail the test then.
stat_of() {	# NS NAME
	"$TWINCTL" -n "$1" -s stats 2>/dev/null |
		awk -v k="$2" '$1 == k { print $2; found = 1; exit } END { exit !found }'
}

# ------------------------------------------------------------ traffic

# recv_start NS PORT: twin-dgram recv in the background; its output in
# $RECV_OUT.
recv_start() {
	RECV_OUT=$(mktemp)
	defer "rm -f $RECV_OUT"
	"$IP" netns exec "$1" "$TWIN_DGRAM" recv "$2" > "$RECV_OUT" 2>&1 &
	local pid=$!
	defer "kill $pid"
	wait_for "$RECV_OUT" listening 5 || fail "twin-dgram recv $2 did not start: $(cat "$RECV_OUT")"
}

# send_ok NS NODE PORT MSG: one datagram, which must arrive in $RECV_OUT.
send_ok() {
	ok in_ns "$1" "$TWIN_DGRAM" send "$2" "$3" "$4"
	wait_for "$RECV_OUT" ": $4\$" 5 || {
		show_neigh "$1"
		fail "datagram '$4' to $2:$3 did not arrive: $(tr '\n' ';' < "$RECV_OUT")"
	}
}

# a -> b once, so that a has an entry for node 9.
learn_b() {
	recv_start "$NS_B" 5000
	send_ok "$NS_A" 9 5000 hello
}

# ------------------------------------------------------------ tests

test_show_after_traffic() {
	local line
	veth_pair
	[ -z "$(neigh_line "$NS_A" 9)" ] || fail "an entry for node 9 before any traffic: $(neigh_line "$NS_A" 9)"
	learn_b
	line=$(neigh_line "$NS_A" 9)
	diag "a: $line"
	[ -n "$line" ] || fail "no entry for node 9 after a datagram: $("$TWINCTL" -n "$NS_A" neigh show 2>&1)"
	[[ $line =~ \ dev\ vethA( |$) ]] || fail "entry not on vethA: $line"
	[ "$(neigh_mac "$NS_A" 9)" = "$MAC_B" ] || fail "lladdr '$(neigh_mac "$NS_A" 9)', expected vethB's $MAC_B"
	[ "$(neigh_state "$NS_A" 9)" = REACHABLE ] || fail "state '$(neigh_state "$NS_A" 9)', expected REACHABLE"
	# Filtered by device.
	"$TWINCTL" -n "$NS_A" neigh show dev vethA | grep -q "^node 9 " ||
		fail "neigh show dev vethA: $("$TWINCTL" -n "$NS_A" neigh show dev vethA 2>&1)"
	"$TWINCTL" -n "$NS_A" neigh show dev lo | grep -q "^node 9 " &&
		fail "neigh show dev lo lists node 9"
	return 0
}

test_show_json() {
	local obj confirmed c2
	veth_pair
	learn_b
	neigh_json "$NS_A" 9
	obj=$REPLY
	diag "a: {$obj}"
	[ -n "$obj" ] || fail "no object with \"node\":9 in: $("$TWINCTL" -n "$NS_A" -j neigh show 2>&1)"
	[ "$(json_field "$obj" ifname)" = vethA ] || fail "ifname '$(json_field "$obj" ifname)'"
	[ "$(json_field "$obj" ifindex)" = "$IFINDEX_A" ] || fail "ifindex '$(json_field "$obj" ifindex)', vethA is $IFINDEX_A"
	[ "$(json_field "$obj" lladdr)" = "$MAC_B" ] || fail "lladdr '$(json_field "$obj" lladdr)', expected $MAC_B"
	[ "$(json_field "$obj" state)" = REACHABLE ] || fail "state '$(json_field "$obj" state)'"
	# The age of the last confirmation (TWIN_A_NEIGH_CONFIRMED), when
	# twinctl prints it: small now, and it grows while nothing confirms.
	confirmed=$(json_field "$obj" confirmed_ms)
	[ -n "$confirmed" ] || fail "twinctl -s -j neigh show prints no confirmed_ms: {$obj}"
	[ "$confirmed" -lt $((10000 * MULT)) ] || fail "confirmed $confirmed ms ago, just after discovery"
	# Its growth between two samples is the time between them: at least
	# the time from the end of the first call to the start of the second,
	# at most from the start of the first to the end of the second. Less
	# down to a half, more by a quarter: the age counts jiffies, and the
	# tick that advances them runs on one vCPU, which a loaded host may
	# not run for a while when another reads them (the debug kernel's
	# periodic tick even loses the ticks the host coalesces): #10's
	# loaded run saw 1320 ms of growth in 1648 ms or more. A frozen
	# age, or one in the wrong unit, is far outside.
	local a0 a1 b0 b1 grew lo hi
	a0=$(now_ms)
	neigh_json "$NS_A" 9
	a1=$(now_ms)
	confirmed=$(json_field "$REPLY" confirmed_ms)
	[ -n "$confirmed" ] || fail "no confirmed_ms: {$REPLY}"
	nap 3
	b0=$(now_ms)
	neigh_json "$NS_A" 9
	b1=$(now_ms)
	c2=$(json_field "$REPLY" confirmed_ms)
	[ -n "$c2" ] || fail "confirmed_ms gone: {$REPLY}"
	grew=$((c2 - confirmed))
	lo=$(((b0 - a1) / 2)) hi=$(((b1 - a0) * 5 / 4 + 50))
	diag "confirmed: $confirmed ms, then $c2 ms; between the samples $((b0 - a1))..$((b1 - a0)) ms"
	if [ "$grew" -lt "$lo" ] || [ "$grew" -gt "$hi" ]; then
		fail "confirmed grew by $grew ms while $((b0 - a1))..$((b1 - a0)) ms passed (allowed $lo..$hi)"
	fi
}

# flush empties the cache (a and c both), flush dev empties one device's
# entries; traffic then rediscovers (a new solicitation goes out).
test_flush_all_and_dev() {
	local s1 s2 recv_b recv_c
	veth_pair
	add_c
	recv_start "$NS_B" 5000; recv_b=$RECV_OUT
	recv_start "$NS_C" 5000; recv_c=$RECV_OUT
	RECV_OUT=$recv_b; send_ok "$NS_A" 9 5000 one
	RECV_OUT=$recv_c; send_ok "$NS_A" 11 5000 one
	[ "$(neigh_state "$NS_A" 9)" = REACHABLE ] || fail "9: $(neigh_state "$NS_A" 9)"
	[ "$(neigh_state "$NS_A" 11)" = REACHABLE ] || fail "11: $(neigh_state "$NS_A" 11)"
	[ "$(neigh_mac "$NS_A" 11)" = "$MAC_C" ] || fail "11 lladdr $(neigh_mac "$NS_A" 11), expected $MAC_C"
	ok "$TWINCTL" -n "$NS_A" neigh flush
	[ -z "$("$TWINCTL" -n "$NS_A" neigh show)" ] ||
		fail "entries after flush: $("$TWINCTL" -n "$NS_A" neigh show)"
	s1=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	RECV_OUT=$recv_b; send_ok "$NS_A" 9 5000 two
	RECV_OUT=$recv_c; send_ok "$NS_A" 11 5000 two
	s2=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	diag "neigh_solicit $s1 -> $s2"
	[ "$s2" -ge $((s1 + 2)) ] || fail "neigh_solicit $s1 -> $s2: no rediscovery of 9 and 11"
	[ "$(neigh_state "$NS_A" 9)" = REACHABLE ] || fail "9 after the flush and a send: $(neigh_state "$NS_A" 9)"
	[ "$(neigh_state "$NS_A" 11)" = REACHABLE ] || fail "11 after the flush and a send: $(neigh_state "$NS_A" 11)"
	# Per device.
	ok "$TWINCTL" -n "$NS_A" neigh flush dev vethA
	[ -z "$(neigh_line "$NS_A" 9)" ] || fail "node 9 (vethA) after flush dev vethA: $(neigh_line "$NS_A" 9)"
	[ "$(neigh_state "$NS_A" 11)" = REACHABLE ] ||
		fail "node 11 (vethC) after flush dev vethA: $(neigh_state "$NS_A" 11)"
	ok "$TWINCTL" -n "$NS_A" neigh flush dev vethC
	[ -z "$(neigh_line "$NS_A" 11)" ] || fail "node 11 after flush dev vethC"
	RECV_OUT=$recv_b; send_ok "$NS_A" 9 5000 three
	[ "$(neigh_state "$NS_A" 9)" = REACHABLE ] || fail "9 not rediscovered after flush dev"
	must_fail "$TWINCTL" -n "$NS_A" neigh flush dev nosuchdev
}

# REACHABLE -> STALE once neigh_reachable_ms pass without confirmation;
# the entry stays usable. The sysctls are per namespace: setting a's
# leaves b's at their defaults.
test_reachable_to_stale() {
	veth_pair
	sysctl_set "$NS_A" neigh_reachable_ms 2000
	sysctl_set "$NS_A" neigh_gc_ms 60001
	[ "$(in_ns "$NS_B" cat "$SYSCTL_DIR"/neigh_reachable_ms)" = 30000 ] ||
		fail "b's neigh_reachable_ms is $(in_ns "$NS_B" cat "$SYSCTL_DIR"/neigh_reachable_ms), expected the default 30000"
	[ "$(in_ns "$NS_B" cat "$SYSCTL_DIR"/neigh_gc_ms)" = 60000 ] ||
		fail "b's neigh_gc_ms is $(in_ns "$NS_B" cat "$SYSCTL_DIR"/neigh_gc_ms), expected the default 60000"
	learn_b
	[ "$(neigh_state "$NS_A" 9)" = REACHABLE ] || fail "state $(neigh_state "$NS_A" 9) right after discovery"
	wait_state "$NS_A" 9 STALE 10 || { show_neigh "$NS_A"; fail "still $(neigh_state "$NS_A" 9) 10 s after discovery (neigh_reachable_ms 2000)"; }
	diag "STALE after $WAITED_MS ms"
	[ "$(line_mac "$WAITED_LINE")" = "$MAC_B" ] || fail "a STALE entry keeps its lladdr $MAC_B: $WAITED_LINE"
}

# A send through a STALE entry goes out at once (no wait) and starts
# re-confirmation: a solicitation, answered, and REACHABLE again.
test_stale_send_reconfirms() {
	local s1 s2
	veth_pair
	sysctl_set "$NS_A" neigh_reachable_ms 1500
	learn_b
	wait_state "$NS_A" 9 STALE 8 || fail "not STALE: $(neigh_state "$NS_A" 9)"
	s1=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	rec_start "$NS_A"
	send_ok "$NS_A" 9 5000 stale-send
	rec_wait 9 REACHABLE 4 || fail "not REACHABLE again within 4 s of a send through STALE; seen: $(rec_history 9)"
	diag "seen: $(rec_history 9)"
	[ "$(line_mac "$REPLY")" = "$MAC_B" ] || fail "REACHABLE again, but: $REPLY"
	s2=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	diag "neigh_solicit $s1 -> $s2"
	[ "$s2" -gt "$s1" ] || fail "no solicitation re-confirmed the STALE entry ($s1 -> $s2)"
}

# The same with b's answers dropped: PROBE (the frame still delivered
# through it), 3 solicitations, then FAILED; once b answers again the next
# frame starts discovery afresh.
test_stale_probe_unanswered_fails() {
	local s1 s2
	[ -n "$TC" ] || skip "tc not found"
	veth_pair
	sysctl_set "$NS_A" neigh_reachable_ms 1000
	learn_b
	wait_state "$NS_A" 9 STALE 8 || fail "not STALE: $(neigh_state "$NS_A" 9)"
	"$TC" -n "$NS_B" qdisc add dev vethB root netem loss 100% >/dev/null 2>&1 ||
		skip "tc qdisc add ... netem failed (no sch_netem?)"
	s1=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	rec_start "$NS_A"
	send_ok "$NS_A" 9 5000 through-probe
	rec_wait 9 FAILED 6 || fail "unanswered re-confirmation did not end FAILED; seen: $(rec_history 9)"
	diag "seen: $(rec_history 9)"
	s2=$(stat_of "$NS_A" neigh_solicit)
	[ $((s2 - s1)) -eq 3 ] || fail "PROBE sent $((s2 - s1)) solicitations ($s1 -> $s2), expected 3"
	# (The recorder may start after the send made it PROBE.)
	[[ $(rec_history 9) =~ (^|\ )$(state_re PROBE)\ FAILED ]] ||
		fail "expected PROBE, then FAILED; seen: $(rec_history 9)"
	ok "$TC" -n "$NS_B" qdisc del dev vethB root
	sysctl_set "$NS_A" neigh_reachable_ms 30000
	send_ok "$NS_A" 9 5000 after-failed
	wait_state "$NS_A" 9 REACHABLE 3 || fail "not rediscovered after FAILED: $(neigh_state "$NS_A" 9)"
}

# A solicitation from the node does not confirm its STALE entry: anyone
# can send one in its name, and hearing from b says nothing of whether a's
# frames reach b (ARP keeps an entry's state for a request from the same
# address). b (its own entries flushed) looks for node 7: a answers, and
# its entry for 9 stays STALE, a soliciting nothing; the datagram that
# follows confirms nothing either. (Before, the solicitation made it
# REACHABLE: forged solicitations made entries a full cache could not
# free.)
test_solicitation_does_not_confirm() {
	local s1
	veth_pair
	sysctl_set "$NS_A" neigh_reachable_ms 1000
	learn_b
	wait_state "$NS_A" 9 STALE 8 || fail "not STALE: $(neigh_state "$NS_A" 9)"
	sysctl_set "$NS_A" neigh_reachable_ms 30000
	s1=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	ok "$TWINCTL" -n "$NS_B" neigh flush
	[ -z "$(neigh_line "$NS_B" 7)" ] || fail "b's entry for 7 survived the flush: $(neigh_line "$NS_B" 7)"
	recv_start "$NS_A" 5001
	send_ok "$NS_B" 7 5001 solicits-a
	[ -n "$(neigh_line "$NS_B" 7)" ] || fail "b did not learn 7: a did not answer its solicitation"
	[ "$(neigh_state "$NS_A" 9)" = STALE ] ||
		{ show_neigh "$NS_A" "$NS_B"; fail "a's entry for 9 is $(neigh_state "$NS_A" 9) after b's solicitation, expected STALE"; }
	[ "$(neigh_mac "$NS_A" 9)" = "$MAC_B" ] || fail "a's entry for 9: $(neigh_line "$NS_A" 9)"
	[ "$(stat_of "$NS_A" neigh_solicit)" = "$s1" ] ||
		fail "a solicited ($s1 -> $(stat_of "$NS_A" neigh_solicit))"
}

# STALE entries unused for neigh_gc_ms go away.
test_gc_removes_stale() {
	veth_pair
	sysctl_set "$NS_A" neigh_reachable_ms 500
	sysctl_set "$NS_A" neigh_gc_ms 1500
	rec_start "$NS_A"
	learn_b
	rec_wait 9 STALE 6 || fail "never STALE; seen: $(rec_history 9)"
	wait_state "$NS_A" 9 NONE 10 || { show_neigh "$NS_A"; fail "STALE entry still there 10 s later (neigh_gc_ms 1500): $(neigh_state "$NS_A" 9)"; }
	wait_for "$REC" "^Deleted node 9 .*STALE\$" 5 ||
		fail "twinctl monitor showed no end of the entry: $(cat "$REC")"
	diag "seen: $(rec_history 9); gone"
	# Traffic rediscovers it.
	sysctl_set "$NS_A" neigh_reachable_ms 30000
	send_ok "$NS_A" 9 5000 again
	[ "$(neigh_state "$NS_A" 9)" = REACHABLE ] || fail "state $(neigh_state "$NS_A" 9) after rediscovery"
}

# An unknown node: the blocking send fails with EHOSTUNREACH after
# discovery, the entry ends FAILED, and neigh_gc_ms later it is gone.
test_unknown_node_failed() {
	local out start took
	veth_pair
	sysctl_set "$NS_A" neigh_gc_ms 3000
	start=$SECONDS
	out=$(in_ns "$NS_A" "$TWIN_SOCK" dgram send 99 5000 2>&1)
	took=$((SECONDS - start))
	diag "$out (${took} s)"
	[ "$out" = "send: EHOSTUNREACH" ] || fail "send to unknown node 99: '$out', expected EHOSTUNREACH"
	[ "$took" -le $((5 * MULT)) ] || fail "discovery took $took s (3 solicitations, 250 ms apart)"
	[ "$(neigh_state "$NS_A" 99)" = FAILED ] || { show_neigh "$NS_A"; fail "entry for 99: $(neigh_state "$NS_A" 99), expected FAILED"; }
	wait_state "$NS_A" 99 NONE 10 || fail "FAILED entry still there 10 s later (neigh_gc_ms 3000)"
	diag "FAILED entry removed after $WAITED_MS ms"
}

# b changes its MAC: it announces it (gratuitous advertisement) and a's
# entry, STALE by then, shows the new MAC at once, with no traffic from a;
# b forgets its own neighbours on that device.
test_mac_change_gratuitous() {
	local new=02:42:ac:11:00:99 i t0
	veth_pair
	sysctl_set "$NS_A" neigh_reachable_ms 1000
	learn_b
	# b learns a too: a datagram back.
	local recv_a recv_b=$RECV_OUT
	recv_start "$NS_A" 5001; recv_a=$RECV_OUT
	send_ok "$NS_B" 7 5001 back
	[ "$(neigh_mac "$NS_B" 7)" = "$MAC_A" ] || fail "b's entry for 7: $(neigh_line "$NS_B" 7)"
	[ "$(neigh_mac "$NS_A" 9)" = "$MAC_B" ] || fail "a's entry for 9: $(neigh_line "$NS_A" 9)"
	wait_state "$NS_A" 9 STALE 8 || fail "not STALE: $(neigh_state "$NS_A" 9)"
	rec_start "$NS_A"
	ok "$IP" -n "$NS_B" link set dev vethB address "$new"
	t0=$(now_ms)
	for ((i = 0; i < 20; i++)); do
		[ "$(neigh_mac "$NS_A" 9)" = "$new" ] && break
		nap 0.05
	done
	[ "$(neigh_mac "$NS_A" 9)" = "$new" ] || {
		show_neigh "$NS_A" "$NS_B"
		fail "a's entry for 9 has $(neigh_mac "$NS_A" 9) $(($(now_ms) - t0)) ms after vethB became $new"
	}
	diag "a's entry seen updated after $i polls"
	# An unsolicited advertisement is a claim (ARP takes a gratuitous
	# reply as STALE): the entry stays STALE, at the new MAC; a new
	# MAC in the same state is an event too.
	wait_for "$REC" "^node 9 dev vethA lladdr $new STALE\$" 5 ||
		fail "twinctl monitor did not show the new MAC: $(cat "$REC")"
	[ -z "$(neigh_line "$NS_B" 7)" ] || fail "b still has its entry for 7 on vethB after its MAC changed: $(neigh_line "$NS_B" 7)"
	# Traffic both ways with the new MAC.
	RECV_OUT=$recv_b
	send_ok "$NS_A" 9 5000 after-change
	RECV_OUT=$recv_a
	send_ok "$NS_B" 7 5001 back-after-change
}

# xfer_bg NS ARGS...: twin-xfer in the background, pid $XPID, stdout and
# stderr in $XOUT, $XERR.
xfer_bg() {
	local ns=$1
	shift
	XOUT=$(mktemp)
	XERR=$(mktemp)
	defer "rm -f $XOUT $XERR"
	"$IP" netns exec "$ns" "$TWIN_XFER" "$@" > "$XOUT" 2> "$XERR" &
	XPID=$!
	defer "kill $XPID"
}

show_xfer() {	# NAME OUT ERR
	diag "$1 stdout: $(cat "$2")"
	diag "$1 stderr: $(tr '\n' ';' < "$3")"
}

# Start a paced one-way STREAM transfer of $1 bytes a -> b at $2 B/s;
# server in $S_*, client in $C_*. With $3 "hold", the client sends half
# and the rest only after release_stream: the stream outlives the test's
# change however slow the machine.
start_stream() {
	local hold=()
	xfer_bg "$NS_B" listen stream 6000 -e "$1" -t 60
	S_PID=$XPID S_OUT=$XOUT S_ERR=$XERR
	wait_for "$S_ERR" "listening on port 6000" 5 || fail "server did not start: $(cat "$S_ERR")"
	if [ "${3:-}" = hold ]; then
		HOLD=$(mktemp -u)
		defer "rm -f $HOLD"
		hold=(-H "$HOLD")
	fi
	xfer_bg "$NS_A" connect stream 9 6000 -n "$1" -r "$2" -s 7 -v -t 60 "${hold[@]}"
	C_PID=$XPID C_OUT=$XOUT C_ERR=$XERR
	wait_for "$C_ERR" established 10 || { show_xfer client "$C_OUT" "$C_ERR"; fail "no connection"; }
}

release_stream() {
	touch "$HOLD"
}

# Both ends done within $1 s, all $2 bytes delivered intact.
finish_stream() {
	local crc=0 src=0 end=$((SECONDS + $1)) re c s
	wait_pid "$C_PID" $((end - SECONDS > 1 ? end - SECONDS : 1)) || crc=$?
	wait_pid "$S_PID" $((end - SECONDS > 1 ? end - SECONDS : 1)) || src=$?
	if [ "$crc" != 0 ] || [ "$src" != 0 ]; then
		show_xfer client "$C_OUT" "$C_ERR"
		show_xfer server "$S_OUT" "$S_ERR"
		show_neigh "$NS_A" "$NS_B"
		fail "transfer: client exit $crc, server exit $src (124: not done in time)"
	fi
	re='^sent ([0-9]+) sha256 ([0-9a-f]{64}) received'
	[[ $(cat "$C_OUT") =~ $re ]] || fail "client printed '$(cat "$C_OUT")'"
	c="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	re='received ([0-9]+) sha256 ([0-9a-f]{64})$'
	[[ $(cat "$S_OUT") =~ $re ]] || fail "server printed '$(cat "$S_OUT")'"
	s="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	[ "$c" = "$s" ] || fail "client sent $c, server received $s"
	[ "${c%% *}" = "$2" ] || fail "sent ${c%% *} bytes, expected $2"
	diag "client: $(grep -h info "$C_ERR")"
}

# A MAC change announced while a connection runs: the connection carries
# on without a stall.
test_mac_change_connection_continues() {
	local new=02:42:ac:11:00:9a size=$((128 * 1024)) start
	veth_pair
	start_stream "$size" 65536 hold
	nap 0.5
	alive "$C_PID" || { show_xfer client "$C_OUT" "$C_ERR"; fail "client ended before the change"; }
	start=$SECONDS
	ok "$IP" -n "$NS_B" link set dev vethB address "$new"
	wait_until 5 '[ "$(neigh_mac "$NS_A" 9)" = "$new" ]' ||
		{ show_neigh "$NS_A"; fail "a's entry for 9 not updated to $new"; }
	release_stream
	finish_stream 20 "$size"
	diag "done $((SECONDS - start)) s after the change"
	[ "$(neigh_mac "$NS_A" 9)" = "$new" ] || fail "a's entry for 9 ends with $(neigh_mac "$NS_A" 9)"
}

# The same with the gratuitous advertisement lost (all of b's frames
# dropped for a moment): a keeps sending to the old MAC, vethB drops those
# frames (PACKET_OTHERHOST), a's retransmission timer expires and sends the
# entry to PROBE, and the answer from the new MAC lets the connection
# recover within a few seconds: long before neigh_reachable_ms (30 s).
test_silent_mac_change_recovers() {
	# Paced at 64 KiB/s: 3 s (x MULT) of data, so that the stream still
	# runs when the drop starts, after forks that are slow on a loaded
	# debug kernel (a stream done before it sends nothing to time out,
	# and the entry only goes STALE).
	local new=02:42:ac:11:00:9b size=$((192 * 1024 * MULT)) retrans start t0 held
	[ -n "$TC" ] || skip "tc not found"
	veth_pair
	# PROBE lasts 3 solicitations: 6 s here (x MULT), so that the drop,
	# ended by two forks that are slow on a loaded debug kernel, is
	# over before PROBE gives up (FAILED: the entry would then wait
	# for a's next retransmission, up to 10 s later), and the recorder
	# (a twinctl loop) cannot miss it.
	retrans=$((2000 * MULT))
	sysctl_set "$NS_A" neigh_retrans_ms "$retrans"
	start_stream "$size" 65536
	nap 0.5
	# Recording before the drop starts: the first RTO comes soon after.
	rec_start "$NS_A"
	"$TC" -n "$NS_B" qdisc add dev vethB root netem loss 100% >/dev/null 2>&1 ||
		skip "tc qdisc add ... netem failed (no sch_netem?)"
	ok "$IP" -n "$NS_B" link set dev vethB address "$new"
	t0=$(now_ms)
	# The drop lasts until a's retransmission timer has sent the entry
	# to PROBE (however long the loaded machine takes to get there),
	# and at least 1.2 s: longer than b's own discovery (3 x 250 ms),
	# so that should b solicit meanwhile, that goes unanswered too,
	# and only a's side can recover.
	rec_wait 9 PROBE 10 ||
		fail "a's entry for 9 never went to PROBE while b's frames were dropped; seen: $(rec_history 9); the stream $(alive "$C_PID" && echo "still ran" || echo "had ended")"
	held=$(($(now_ms) - t0))
	held=$((1200 - held))
	((held <= 0)) || sleep "$((held / 1000)).$(printf %03d $((held % 1000)))"
	ok "$TC" -n "$NS_B" qdisc del dev vethB root
	start=$SECONDS t0=$(now_ms)
	diag "a's entry for 9 just after: $(neigh_line "$NS_A" 9)"
	# Found by PROBE's next solicitation, at most neigh_retrans_ms
	# after the drop's end.
	wait_until $((retrans / 1000 / MULT + 2)) '[ "$(neigh_mac "$NS_A" 9)" = "$new" ]' ||
		{ show_neigh "$NS_A"; fail "a's entry for 9 still had '$(neigh_mac "$NS_A" 9)' $((retrans / 1000 + 2 * MULT)) s after b's frames flowed again; seen: $(rec_history 9)"; }
	diag "a's entry for 9 took $new $(($(now_ms) - t0)) ms after the drop ended"
	wait_for "$REC" "^node 9 dev vethA lladdr $new REACHABLE\$" 5 ||
		fail "twinctl monitor did not show the new MAC: $(cat "$REC")"
	finish_stream 15 "$size"
	diag "done $((SECONDS - start)) s after the advertisement was lost; a's entry for 9 was: $(rec_history 9)"
	# PROBE found the new MAC: the entry never failed on the way.
	[[ $(rec_history 9) =~ FAILED ]] &&
		fail "a's entry for 9 failed before the new MAC was found: $(rec_history 9)"
	[ "$(neigh_mac "$NS_A" 9)" = "$new" ] || { show_neigh "$NS_A"; fail "a's entry for 9 ends with $(neigh_mac "$NS_A" 9), expected $new"; }
}

# Only the device that carries a node answers for it (as ARP with
# arp_ignore=1): a and b share two links, the veth pair (nodes 7, 9) and
# twin devices on segment 5 (17, 19); a looks for 9 on both, b answers on
# vethB alone, and a's entry for 9 is on vethA. Answered on tw0 as well,
# a's datagrams to 9 could go by tw0 and reach b from node 17, and b's
# socket bound to 9 could not reply by tw0 (EADDRNOTAVAIL): make bench's
# first datagram measurement failed so.
test_answer_on_own_device_only() {
	local a0 s0 line
	veth_pair
	ok "$TWINCTL" -n "$NS_A" link add tw0 segment 5
	ok "$TWINCTL" -n "$NS_B" link add tw0 segment 5
	ok "$IP" -n "$NS_A" link set tw0 up
	ok "$IP" -n "$NS_B" link set tw0 up
	ok "$TWINCTL" -n "$NS_A" addr add 17 dev tw0
	ok "$TWINCTL" -n "$NS_B" addr add 19 dev tw0
	s0=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	a0=$(stat_of "$NS_B" neigh_advert) || fail "twinctl -s stats prints no neigh_advert"
	learn_b
	line=$(neigh_line "$NS_A" 9)
	diag "a: $line; a solicited $(($(stat_of "$NS_A" neigh_solicit) - s0)), b advertised $(($(stat_of "$NS_B" neigh_advert) - a0))"
	[[ $line == *" dev vethA "* ]] || fail "a's entry for 9 is '$line', expected one on vethA"
	[ "$(stat_of "$NS_B" neigh_advert)" = $((a0 + 1)) ] ||
		fail "b advertised $(($(stat_of "$NS_B" neigh_advert) - a0)) times for one discovery, expected once (on vethB)"
}

# A solicitation a hears for another node still tells it where its sender
# is: b's MAC changes with its gratuitous advertisement lost, then b looks
# for node 11 (nobody's). a's entry for 9 takes the new MAC from that
# solicitation, without a sending anything (ARP updates a known entry from
# any request it sees, too).
test_foreign_solicitation_updates_entry() {
	local new=02:42:ac:11:00:9c s1
	veth_pair
	learn_b
	ok "$TC" -n "$NS_B" qdisc add dev vethB root netem loss 100%
	ok "$IP" -n "$NS_B" link set dev vethB address "$new"
	ok "$TC" -n "$NS_B" qdisc del dev vethB root
	[ "$(neigh_mac "$NS_A" 9)" = "$MAC_B" ] ||
		fail "a's entry for 9 changed before b solicited: $(neigh_line "$NS_A" 9)"
	s1=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	# Fails with EHOSTUNREACH once nobody answers for 11: only its
	# solicitations matter here.
	in_ns "$NS_B" "$TWIN_DGRAM" send 11 5000 anybody > /dev/null 2>&1
	wait_until 5 '[ "$(neigh_mac "$NS_A" 9)" = "$new" ]' ||
		{ show_neigh "$NS_A"; fail "a's entry for 9 kept $(neigh_mac "$NS_A" 9) after b's solicitations for 11"; }
	[ "$(stat_of "$NS_A" neigh_solicit)" = "$s1" ] ||
		fail "a solicited ($s1 -> $(stat_of "$NS_A" neigh_solicit)): the update was not b's doing"
}

# A device that comes up announces itself (a gratuitous advertisement),
# and its peers take it: b's MAC changes while its device is down (no
# advertisement then), and a's entry for 9 has the new MAC once b's device
# is up, with a sending nothing. Over twin devices on a segment of the
# test's own: one going down leaves the others' carrier alone (a veth's
# peer would lose carrier and forget its neighbours).
test_link_up_announces() {
	local a1 a2 s1 old new=02:42:ac:11:00:9d seg=$((4000 + RANDOM))
	ns_new a; NS_A=$REPLY
	ns_new b; NS_B=$REPLY
	ok "$TWINCTL" -n "$NS_A" link add tw0 segment "$seg"
	ok "$TWINCTL" -n "$NS_B" link add tw0 segment "$seg"
	ok "$IP" -n "$NS_A" link set tw0 up
	ok "$IP" -n "$NS_B" link set tw0 up
	ok "$TWINCTL" -n "$NS_A" addr add 7 dev tw0
	ok "$TWINCTL" -n "$NS_B" addr add 9 dev tw0
	learn_b
	old=$(neigh_mac "$NS_A" 9)
	[ -n "$old" ] || fail "a has no entry for 9 after traffic"
	a1=$(stat_of "$NS_B" neigh_advert) || fail "twinctl -s stats prints no neigh_advert"
	s1=$(stat_of "$NS_A" neigh_solicit) || fail "twinctl -s stats prints no neigh_solicit"
	ok "$IP" -n "$NS_B" link set tw0 down
	ok "$IP" -n "$NS_B" link set dev tw0 address "$new"
	a2=$(stat_of "$NS_B" neigh_advert)
	[ "$a2" = "$a1" ] || fail "an advertisement from a down device ($a1 -> $a2)"
	[ "$(neigh_mac "$NS_A" 9)" = "$old" ] || fail "a's entry for 9 changed while b's tw0 was down: $(neigh_line "$NS_A" 9)"
	ok "$IP" -n "$NS_B" link set tw0 up
	# The advertisement goes out from NETDEV_UP, before `ip link set up`
	# returns; the wait is only a bound for a slow VM.
	wait_until 5 '[ "$(stat_of "$NS_B" neigh_advert)" -gt "$a1" ]' ||
		fail "no advertisement sent when b's tw0 came up ($a1 -> $(stat_of "$NS_B" neigh_advert))"
	diag "b's neigh_advert $a1 -> $(stat_of "$NS_B" neigh_advert) over a down/up"
	wait_until 5 '[ "$(neigh_mac "$NS_A" 9)" = "$new" ]' ||
		{ show_neigh "$NS_A"; fail "a's entry for 9 kept $(neigh_mac "$NS_A" 9) after b's tw0 came up as $new"; }
	[ "$(stat_of "$NS_A" neigh_solicit)" = "$s1" ] ||
		fail "a solicited ($s1 -> $(stat_of "$NS_A" neigh_solicit)): the update was not the advertisement's doing"
}

# The lines of $REC after twinctl's "listening" (stderr), joined by ";".
rec_lines() {
	local line out=""
	while IFS= read -r line; do
		[[ $line == *"listening for neigh events"* ]] && continue
		out+="$line;"
	done < "$REC"
	REPLY=$out
}

# twinctl monitor neigh, followed by nobody without capabilities (anyone
# may list the cache, so anyone may follow it): the table, then each
# change in the order it happened, nothing else. A flush ends a's entry
# for 9, the next datagram to 9 starts discovery (INCOMPLETE, no device
# yet) and b's answer makes it REACHABLE on vethA with b's MAC.
test_monitor_follows_changes() {
	local reach
	veth_pair
	learn_b
	reach="node 9 dev vethA lladdr $MAC_B REACHABLE"
	REC=$(mktemp)
	defer "rm -f $REC"
	"$IP" netns exec "$NS_A" "$TWIN_NOCAP" --uid 65534 "$TWINCTL" monitor neigh \
		> "$REC" 2>&1 &
	defer "kill $!"
	wait_for "$REC" "listening for neigh events" 10 ||
		fail "twinctl monitor neigh as nobody did not start: $(cat "$REC")"
	wait_for "$REC" "^$reach\$" 5 || fail "the table was not printed first: $(cat "$REC")"
	ok "$TWINCTL" -n "$NS_A" neigh flush
	wait_for "$REC" "^Deleted $reach\$" 5 || fail "no deletion after the flush: $(cat "$REC")"
	send_ok "$NS_A" 9 5000 again
	wait_until 5 '[ "$(grep -c "^$reach\$" "$REC")" = 2 ]' ||
		fail "not REACHABLE again after the datagram: $(cat "$REC")"
	rec_lines
	diag "monitor: $REPLY"
	[ "$REPLY" = "$reach;Deleted $reach;node 9 INCOMPLETE;$reach;" ] ||
		fail "expected the table, the deletion, INCOMPLETE, REACHABLE; got: $REPLY"
}

# -j: one JSON object per line, "deleted": true on an entry's end.
test_monitor_json() {
	local obj
	veth_pair
	learn_b
	obj='"node":9,"ifindex":[0-9]+,"ifname":"vethA","lladdr":"'$MAC_B'","state":"REACHABLE"'
	rec_start "$NS_A" -j
	wait_for "$REC" "^\{$obj\}\$" 5 || fail "no JSON object for the entry: $(cat "$REC")"
	ok "$TWINCTL" -n "$NS_A" neigh flush
	wait_for "$REC" "^\{\"deleted\":true,$obj\}\$" 5 ||
		fail "no JSON deletion after the flush: $(cat "$REC")"
	rec_lines
	diag "monitor -j: $REPLY"
}

# Events stay in their namespace: a follows a's cache, b b's. a's change
# comes first, so had it reached b's listener it would be there before
# b's own (netlink queues events as they are sent).
test_monitor_own_namespace_only() {
	local rec_a rec_b
	veth_pair
	learn_b
	[ -n "$(neigh_line "$NS_B" 7)" ] || fail "b has no entry for 7 after answering a"
	rec_start "$NS_A"; rec_a=$REC
	rec_start "$NS_B"; rec_b=$REC
	ok "$TWINCTL" -n "$NS_A" neigh flush
	wait_for "$rec_a" "^Deleted node 9 " 5 || fail "a saw no deletion of its entry: $(cat "$rec_a")"
	ok "$TWINCTL" -n "$NS_B" neigh flush
	wait_for "$rec_b" "^Deleted node 7 " 5 || fail "b saw no deletion of its entry: $(cat "$rec_b")"
	diag "a: $(tr '\n' ';' < "$rec_a")"
	diag "b: $(tr '\n' ';' < "$rec_b")"
	grep -q "node 9" "$rec_b" && fail "b's listener saw a's entry for 9: $(cat "$rec_b")"
	grep -q "node 7" "$rec_a" && fail "a's listener saw b's entry for 7: $(cat "$rec_a")"
	return 0
}

run_tests test_show_after_traffic test_show_json test_flush_all_and_dev \
	test_reachable_to_stale \
	test_stale_send_reconfirms test_stale_probe_unanswered_fails \
	test_solicitation_does_not_confirm \
	test_gc_removes_stale test_unknown_node_failed \
	test_mac_change_gratuitous test_mac_change_connection_continues \
	test_silent_mac_change_recovers test_foreign_solicitation_updates_entry \
	test_answer_on_own_device_only test_link_up_announces \
	test_monitor_follows_changes test_monitor_json test_monitor_own_namespace_only
