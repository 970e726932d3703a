#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Devices and addresses that go away under sockets (semantics.md "Device
# lifecycle", the device and address paragraphs of "bind()", and "Closing"
# for connections whose local node leaves):
#
#   - a device down for 2.5 s during a STREAM transfer: it keeps its address,
#     forgets its neighbours, and the transfer completes byte-exact; down
#     longer than TWIN_USER_TIMEOUT: ETIMEDOUT; the same for a device that
#     only loses carrier (its veth peer down), which twin also stops
#     sending through;
#   - `ip link del`, or a move to another namespace: connections through
#     the device end with ENETDOWN at once (with a veth pair, both ends),
#     DGRAM sockets bound to it (SO_BINDTODEVICE or stw_ifindex) get ENODEV
#     pending and on every send, and the unregistration never waits for
#     twin ("unregister_netdevice: waiting for" never shows in dmesg);
#   - `twinctl addr del` under a connection, an orphan and a bound DGRAM
#     socket: ENETDOWN, EADDRNOTAVAIL for new binds and for sends, the port
#     kept;
#   - namespaces deleted with connections and bound sockets in them: once
#     the processes are gone `rmmod twin` succeeds (the module is loaded
#     again from $TWIN_KO afterwards, as module.sh does);
#   - `rmmod veth` under twin (only where veth is a module): twin lets go.
#
# Topology: namespace a, node 7 on vethA, linked to namespace b, node 9 on
# vethB. Needs the module loaded.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
TWIN_XFER=$(find_helper twin-xfer)
TWIN_SOCK=$(find_helper twin-sock)
INSMOD=$(find_tool insmod)
RMMOD=$(find_tool rmmod)
MODPROBE=$(find_tool modprobe)
require IP TWINCTL TWIN_SOCK TWIN_XFER
require_module

# Whatever happens, leave twin loaded (the rmmod tests unload it).
restore() {
	cleanup_all
	[ -d /sys/module/twin ] || { [ -n "$INSMOD" ] && "$INSMOD" "$TWIN_KO" 2>/dev/null; }
	return 0
}
trap restore EXIT

# ------------------------------------------------------------ setup

veth_pair() {
	ns_new a; NS_A=$REPLY
	ns_new b; NS_B=$REPLY
	ok "$IP" -n "$NS_A" link add vethA type veth peer name vethB netns "$NS_B"
	ok "$IP" -n "$NS_A" link set vethA up
	ok "$IP" -n "$NS_B" link set vethB up
	ok "$TWINCTL" -n "$NS_A" addr add 7 dev vethA
	ok "$TWINCTL" -n "$NS_B" addr add 9 dev vethB
	IFINDEX_A=$(in_ns "$NS_A" cat /sys/class/net/vethA/ifindex)
	TMPD=$(mktemp -d)
	defer "rm -rf $TMPD"
	GO=$TMPD/go
	DMESG_START=$(dmesg | wc -l)
}

# The kernel waits for the last reference to an unregistering device and
# complains after 10 s; twin must hold none.
no_unregister_wait() {
	local lines
	lines=$(dmesg | tail -n +$((DMESG_START + 1)) | grep "unregister_netdevice: waiting for")
	[ -z "$lines" ] || fail "the kernel waited for a device: $lines"
}

# bounded SECS CMD...: CMD must finish, successfully, within SECS (an
# unregistration blocked on a reference keeps `ip link del` waiting).
bounded() {
	local secs=$1 rc=0 out
	shift
	out=$(mktemp)
	"$@" > "$out" 2>&1 &
	wait_pid $! "$secs" || rc=$?
	if [ "$rc" = 124 ]; then
		rm -f "$out"
		fail "'$*' did not return within $secs s"
	fi
	if [ "$rc" != 0 ]; then
		diag "$(cat "$out")"
		rm -f "$out"
		fail "'$*' failed (exit $rc)"
	fi
	rm -f "$out"
}

# ------------------------------------------------------------ helpers

# sock_bg NAME NS ARGS...: twin-sock in the background (steps ARGS, which
# say "ready" once set up); output in $TMPD/NAME.out.
sock_bg() {
	local name=$1 ns=$2
	shift 2
	"$IP" netns exec "$ns" "$TWIN_SOCK" -t 40 "$@" > "$TMPD/$name.out" 2> "$TMPD/$name.err" &
	echo $! > "$TMPD/$name.pid"
	defer "kill $!"
	wait_for "$TMPD/$name.err" "ready" 5 || {
		diag "$name: $(tr '\n' ';' < "$TMPD/$name.out") $(cat "$TMPD/$name.err")"
		fail "twin-sock $name did not get ready"
	}
}

# sock_wait NAME SECS: it must end (all steps run) within SECS.
sock_wait() {
	local rc=0
	wait_pid "$(cat "$TMPD/$1.pid")" "$2" || rc=$?
	diag "$1: $(tr '\n' ';' < "$TMPD/$1.out")"
	[ "$rc" = 0 ] || fail "twin-sock $1 exit $rc: $(cat "$TMPD/$1.err")"
}

# sock_expect NAME LINE...: each line (a regex, whole line) in its output.
sock_expect() {
	local name=$1 l
	shift
	for l in "$@"; do
		grep -qxE -- "$l" "$TMPD/$name.out" ||
			fail "$name: no line '$l' in: $(tr '\n' ';' < "$TMPD/$name.out")"
	done
}

# xfer_bg NAME NS ARGS...: twin-xfer in the background; $TMPD/NAME.{out,err,pid}.
xfer_bg() {
	local name=$1 ns=$2
	shift 2
	"$IP" netns exec "$ns" "$TWIN_XFER" "$@" > "$TMPD/$name.out" 2> "$TMPD/$name.err" &
	echo $! > "$TMPD/$name.pid"
	defer "kill $!"
}

show_xfer() {	# NAME
	diag "$1 stdout: $(cat "$TMPD/$1.out")"
	diag "$1 stderr: $(tr '\n' ';' < "$TMPD/$1.err")"
}

# A STREAM connection a -> b:6000 that runs for about $1 s (paced: the
# tests that end it early give it 100 s, far more than they need), with
# TWIN_USER_TIMEOUT $2 ms (0: the default) on both ends. Bidirectional
# with $3 "bi", and then the client sends only half of its bytes until
# the test calls release: the connection outlives the test's outage
# however slow the machine (paced alone, it ended first on a starved
# guest). Otherwise only a sends, so that a connection error shows
# on the one call that reports it (the client's send, the server's
# receive: the error is reported once, then EPIPE or EOF, as for TCP).
connection() {
	local secs=$1 ut=${2:-0} size rate=32768
	local -a uopt=() sopt copt
	size=$((secs * rate))
	[ "$ut" = 0 ] || uopt=(-u "$ut")
	XFER_SIZE=$size
	if [ "${3:-uni}" = bi ]; then
		sopt=(-b -n "$size" -e "$size" -r "$rate" -s 2)
		copt=(-b -n "$size" -e "$size" -r "$rate" -s 1 -H "$TMPD/hold")
	else
		sopt=(-e "$size")
		copt=(-n "$size" -r "$rate" -s 1)
	fi
	xfer_bg srv "$NS_B" listen stream 6000 "${sopt[@]}" -v -t $((secs + 60)) "${uopt[@]}"
	wait_for "$TMPD/srv.err" "listening on port 6000" 5 || { show_xfer srv; fail "server did not start"; }
	xfer_bg cli "$NS_A" connect stream 9 6000 "${copt[@]}" -v -t $((secs + 60)) "${uopt[@]}"
	wait_for "$TMPD/cli.err" established 10 || { show_xfer cli; fail "no connection"; }
	wait_for "$TMPD/srv.err" established 5 || { show_xfer srv; fail "server: no connection"; }
}

# The bidirectional client may send the rest of its bytes.
release() {
	touch "$TMPD/hold"
}

# xfer_ends NAME SECS ENAME: it ends within SECS with that socket error.
xfer_ends() {
	local rc=0
	wait_pid "$(cat "$TMPD/$1.pid")" "$2" || rc=$?
	if [ "$rc" != 1 ] || ! grep -q ": $3 " "$TMPD/$1.err"; then
		show_xfer "$1"
		fail "$1: expected $3 within $2 s, got exit $rc (124: still running)"
	fi
}

# Both ends finish within $1 s, each having sent XFER_SIZE bytes that the
# other received intact.
xfer_both_ok() {
	local crc=0 src=0 end=$((SECONDS + $1)) c s re
	wait_pid "$(cat "$TMPD/cli.pid")" $((end - SECONDS > 1 ? end - SECONDS : 1)) || crc=$?
	wait_pid "$(cat "$TMPD/srv.pid")" $((end - SECONDS > 1 ? end - SECONDS : 1)) || src=$?
	if [ "$crc" != 0 ] || [ "$src" != 0 ]; then
		show_xfer cli
		show_xfer srv
		fail "transfer: client exit $crc, server exit $src (124: not done in time)"
	fi
	c=$(cat "$TMPD/cli.out")
	s=$(cat "$TMPD/srv.out")
	re='^sent ([0-9]+) sha256 ([0-9a-f]{64}) received ([0-9]+) sha256 ([0-9a-f]{64})$'
	[[ $c =~ $re ]] || fail "client printed '$c'"
	local cs="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" cr="${BASH_REMATCH[3]} ${BASH_REMATCH[4]}"
	[[ $s =~ $re ]] || fail "server printed '$s'"
	local ss="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" sr="${BASH_REMATCH[3]} ${BASH_REMATCH[4]}"
	if [ "${cs%% *}" != "$XFER_SIZE" ] || [ "${ss%% *}" != "$XFER_SIZE" ]; then
		fail "sent ${cs%% *} and ${ss%% *}, expected $XFER_SIZE each"
	fi
	[ "$cs" = "$sr" ] || fail "client sent $cs, server received $sr"
	[ "$ss" = "$cr" ] || fail "server sent $ss, client received $cr"
	diag "client: $(grep -h info "$TMPD/cli.err")"
}

running() {	# NAME
	alive "$(cat "$TMPD/$1.pid")"
}

# ------------------------------------------------------------ down / up

# Down for 2.5 s mid-transfer: the address stays, the neighbours go, and
# the transfer carries on byte-exact once the device is back.
test_down_up_transfer_completes() {
	local start
	veth_pair
	connection 8 0 bi
	nap 0.5
	ok "$IP" -n "$NS_A" link set vethA down
	start=$SECONDS
	if ! running cli || ! running srv; then
		show_xfer cli
		show_xfer srv
		fail "the transfer ended before vethA went down: make it longer"
	fi
	"$TWINCTL" -n "$NS_A" addr show | grep -qw 7 ||
		fail "vethA lost node 7 when it went down: $("$TWINCTL" -n "$NS_A" addr show 2>&1)"
	[ -z "$("$TWINCTL" -n "$NS_A" neigh show dev vethA)" ] ||
		fail "neighbours of vethA kept while it is down: $("$TWINCTL" -n "$NS_A" neigh show dev vethA)"
	nap 2.5
	if ! running cli || ! running srv; then
		show_xfer cli
		show_xfer srv
		fail "an end gave up while vethA was down for 2.5 s (user timeout 30 s)"
	fi
	ok "$IP" -n "$NS_A" link set vethA up
	release
	xfer_both_ok 40
	diag "done $((SECONDS - start)) s after vethA went down"
}

# wait_cond SECS CMD...: CMD succeeds within SECS, scaled by
# TWIN_TIMEOUT_MULT.
wait_cond() {
	local i n=$(($1 * 10 * ${TWIN_TIMEOUT_MULT:-1}))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		nap 0.1
	done
	return 1
}

no_carrier() {	# NS DEV
	[ "$(in_ns "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = 0 ]
}

no_neighbours() {	# NS DEV
	[ -z "$("$TWINCTL" -n "$1" neigh show dev "$2")" ]
}

tx_frames() {	# NS: the namespace's tx_frames counter
	"$TWINCTL" -n "$1" -s stats | awk '$1 == "tx_frames" { print $2 }'
}

# vethB down takes vethA's carrier (vethA stays administratively up)
# mid-transfer: as for a device that goes down, vethA keeps node 7 and
# forgets its neighbours, twin sends nothing through it (tx_frames stays
# put while the connection retransmits), and the transfer survives 2.5 s
# without carrier, completing byte-exact once the carrier is back.
test_carrier_loss_as_down() {
	local tx0 tx1 start
	veth_pair
	connection 8 0 bi
	[ -n "$("$TWINCTL" -n "$NS_A" neigh show dev vethA)" ] ||
		fail "no neighbour on vethA under a connection"
	ok "$IP" -n "$NS_B" link set vethB down
	start=$SECONDS
	wait_cond 5 no_carrier "$NS_A" vethA ||
		fail "vethA kept its carrier with vethB down"
	"$IP" -n "$NS_A" link show vethA | grep -qE '[<,]UP[,>]' ||
		fail "vethA is not administratively up: $("$IP" -n "$NS_A" link show vethA)"
	if ! running cli || ! running srv; then
		show_xfer cli
		show_xfer srv
		fail "the transfer ended before vethA lost carrier: make it longer"
	fi
	"$TWINCTL" -n "$NS_A" addr show | grep -qw 7 ||
		fail "vethA lost node 7 with its carrier: $("$TWINCTL" -n "$NS_A" addr show 2>&1)"
	wait_cond 5 no_neighbours "$NS_A" vethA ||
		fail "neighbours of vethA kept without carrier: $("$TWINCTL" -n "$NS_A" neigh show dev vethA)"
	tx0=$(tx_frames "$NS_A")
	nap 2.5	# the outage: the connection retransmits meanwhile
	tx1=$(tx_frames "$NS_A")
	[ "$tx1" = "$tx0" ] ||
		fail "twin sent $((tx1 - tx0)) frames through vethA without carrier"
	if ! running cli || ! running srv; then
		show_xfer cli
		show_xfer srv
		fail "an end gave up while vethA had no carrier (user timeout 30 s)"
	fi
	ok "$IP" -n "$NS_B" link set vethB up
	release
	xfer_both_ok 40
	diag "done $((SECONDS - start)) s after vethA lost carrier"
}

# Down for good, with data in flight and TWIN_USER_TIMEOUT 2000 ms: the
# sender gets ETIMEDOUT.
test_down_past_user_timeout() {
	local start took
	veth_pair
	connection 100 2000
	nap 0.5
	ok "$IP" -n "$NS_A" link set vethA down
	start=$SECONDS
	xfer_ends cli 20 ETIMEDOUT
	took=$((SECONDS - start))
	diag "ETIMEDOUT after $took s"
	[ "$took" -le $((12 * MULT)) ] || fail "ETIMEDOUT took $took s with a 2 s user timeout"
	[ "$took" -ge 1 ] || fail "ETIMEDOUT after $took s, before the 2 s user timeout"
	"$TWINCTL" -n "$NS_A" addr show | grep -qw 7 || fail "node 7 gone with the device down"
}

# ------------------------------------------------------------ unregister

# ip link del vethA (which deletes vethB with it) under a connection and
# DGRAM sockets bound to vethA (by SO_BINDTODEVICE and by stw_ifindex):
# both ends of the connection end with ENETDOWN at once; the sockets get
# ENODEV pending (EPOLLERR, then SO_ERROR or the next receive), and every
# send afterwards fails with ENODEV; the deletion does not wait for twin.
test_link_del() {
	veth_pair
	connection 100
	sock_bg bdev "$NS_A" dgram bindtodevice vethA bind 0 5000 ready \
		wait "$GO" poll 3000 so_error send 9 5000 sendnb 9 5000
	sock_bg bidx "$NS_A" dgram bind 0 5001 "$IFINDEX_A" name ready \
		wait "$GO" poll 3000 recv send 9 5000
	sock_expect bdev "bindtodevice: ok" "bind: ok"
	sock_expect bidx "bind: ok" "name: node 0 port 5001 ifindex $IFINDEX_A"
	bounded 10 "$IP" -n "$NS_A" link del vethA
	touch "$GO"
	xfer_ends cli 5 ENETDOWN
	xfer_ends srv 5 ENETDOWN
	sock_wait bdev 10
	sock_wait bidx 10
	sock_expect bdev "poll:.* ERR.*" "so_error: ENODEV" "send: ENODEV" "sendnb: ENODEV"
	sock_expect bidx "poll:.* ERR.*" "recv: ENODEV" "send: ENODEV"
	no_unregister_wait
}

# Moving the device to another namespace unregisters it here: the same.
test_link_move_netns() {
	veth_pair
	ns_new c; local c=$REPLY
	connection 100
	sock_bg bdev "$NS_A" dgram bindtodevice vethA ready wait "$GO" poll 3000 so_error send 9 5000
	bounded 10 "$IP" -n "$NS_A" link set vethA netns "$c"
	touch "$GO"
	xfer_ends cli 5 ENETDOWN
	sock_wait bdev 10
	sock_expect bdev "poll:.* ERR.*" "so_error: ENODEV" "send: ENODEV"
	# The device arrives in c without a twin address.
	"$TWINCTL" -n "$c" addr show | grep -q vethA &&
		fail "vethA arrived in c with an address: $("$TWINCTL" -n "$c" addr show)"
	no_unregister_wait
}

# ------------------------------------------------------------ addresses

# twinctl addr del under a connection and a DGRAM socket bound to the
# node: the connection ends with ENETDOWN at once, the socket keeps its
# port (a bind to any:5000 is EADDRINUSE) and its sends fail with
# EADDRNOTAVAIL, new binds to the node fail. a keeps another address
# (node 8 on a twin device), so that "no address at all" (ENETUNREACH) is
# not what is tested.
test_addr_del() {
	local out
	veth_pair
	ok "$IP" -n "$NS_A" link add tw0 type twin
	ok "$IP" -n "$NS_A" link set tw0 up
	ok "$TWINCTL" -n "$NS_A" addr add 8 dev tw0
	connection 100
	sock_bg bnode "$NS_A" dgram bind 7 5000 ready wait "$GO" send 9 5000 send 9 5000 \
		wait "$GO.2"
	sock_expect bnode "bind: ok"
	ok "$TWINCTL" -n "$NS_A" addr del 7 dev vethA
	touch "$GO"
	xfer_ends cli 5 ENETDOWN
	out=$(in_ns "$NS_A" "$TWIN_SOCK" dgram bind 0 5000)
	[ "$out" = "bind: EADDRINUSE" ] ||
		fail "bind to any:5000 while a socket holds 5000 on the removed node: '$out', expected EADDRINUSE"
	touch "$GO.2"
	sock_wait bnode 10
	[ "$(grep -c '^send: EADDRNOTAVAIL$' "$TMPD/bnode.out")" = 2 ] ||
		fail "sends from the socket bound to the removed node: $(tr '\n' ';' < "$TMPD/bnode.out"), expected EADDRNOTAVAIL twice"
	out=$(in_ns "$NS_A" "$TWIN_SOCK" dgram bind 7 5002)
	[ "$out" = "bind: EADDRNOTAVAIL" ] || fail "bind to the removed node 7: '$out'"
	out=$(in_ns "$NS_A" "$TWIN_SOCK" stream bind 7 0)
	[ "$out" = "bind: EADDRNOTAVAIL" ] || fail "stream bind to the removed node 7: '$out'"
}

# An orphan (closed with data unacknowledged: b's frames are dropped)
# ends at once too, and leaves /proc/net/twin.
test_addr_del_ends_orphan() {
	[ -n "$TC" ] || skip "tc not found"
	local i
	veth_pair
	sock_bg srv "$NS_B" stream bind 0 6001 listen ready accept sleep 30000
	sock_bg orphan "$NS_A" stream user_timeout 20000 connect 9 6001 ready wait "$GO" send send
	sock_expect orphan "connect: ok"
	"$TC" -n "$NS_B" qdisc add dev vethB root netem loss 100% >/dev/null 2>&1 ||
		skip "tc qdisc add ... netem failed (no sch_netem?)"
	touch "$GO"
	sock_wait orphan 5
	# The process has exited: its socket is an orphan from its close on.
	in_ns "$NS_A" grep -q " 9:6001 " /proc/net/twin ||
		fail "no orphan in /proc/net/twin: $(in_ns "$NS_A" cat /proc/net/twin)"
	ok "$TWINCTL" -n "$NS_A" addr del 7 dev vethA
	for ((i = 0; i < 20; i++)); do
		in_ns "$NS_A" grep -q " 9:6001 " /proc/net/twin || break
		nap 0.1
	done
	in_ns "$NS_A" grep -q " 9:6001 " /proc/net/twin &&
		fail "the orphan outlived its node by 2 s: $(in_ns "$NS_A" cat /proc/net/twin)"
	return 0
}

# ------------------------------------------------------------ module unload

twin_loaded() {
	[ -d /sys/module/twin ]
}

# rmmod twin, retried for $1 s while sockets finish (TIME_WAIT, orphans),
# each attempt bounded: a module waiting for a device hangs here.
rmmod_twin_within() {
	local end=$((SECONDS + $1)) rc out
	out=$(mktemp)
	defer "rm -f $out"
	while :; do
		rc=0
		"$RMMOD" twin > "$out" 2>&1 &
		wait_pid $! 20 || rc=$?
		[ "$rc" = 124 ] && fail "rmmod twin hung for 20 s"
		[ "$rc" = 0 ] && return 0
		[ "$SECONDS" -lt "$end" ] || break
		nap 0.5
	done
	diag "rmmod: $(cat "$out")"
	diag "refcnt $(cat /sys/module/twin/refcnt 2>/dev/null)"
	fail "rmmod twin still fails $1 s after the processes ended"
}

# Namespaces deleted while connections and bound sockets live in them;
# the processes killed: the namespaces go, and twin.ko unloads.
test_netns_delete_then_rmmod() {
	if [ -z "$INSMOD" ] || [ -z "$RMMOD" ]; then
		skip "insmod/rmmod not found"
	fi
	[ -f "$TWIN_KO" ] || skip "no $TWIN_KO"
	veth_pair
	connection 100 2000
	sock_bg bdev "$NS_A" dgram bindtodevice vethA ready wait "$GO"
	sock_bg bnode "$NS_B" dgram bind 9 5000 ready wait "$GO"
	sock_bg bidx "$NS_A" dgram bind 0 5001 "$IFINDEX_A" ready wait "$GO"
	ok "$IP" netns del "$NS_A"
	ok "$IP" netns del "$NS_B"
	nap 0.5
	running cli || { show_xfer cli; fail "the client died with its namespace's name"; }
	local name pid
	for name in cli srv bdev bnode bidx; do
		pid=$(cat "$TMPD/$name.pid")
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rmmod_twin_within 15
	twin_loaded && fail "twin still loaded after rmmod"
	no_unregister_wait
	ok "$INSMOD" "$TWIN_KO"
	twin_loaded || fail "insmod $TWIN_KO did not load twin"
}

# veth's driver unloaded under twin: the devices go, twin lets go of them
# (addresses, connection ENETDOWN, bound socket ENODEV), nothing hangs.
test_rmmod_veth() {
	grep -q '^veth ' /proc/modules || skip "veth is not a loadable module here"
	if [ -z "$RMMOD" ] || [ -z "$MODPROBE" ]; then
		skip "rmmod/modprobe not found"
	fi
	veth_pair
	defer "grep -q '^veth ' /proc/modules || $MODPROBE veth"
	connection 100
	sock_bg bdev "$NS_A" dgram bindtodevice vethA ready wait "$GO" poll 3000 so_error send 9 5000
	bounded 15 "$RMMOD" veth
	touch "$GO"
	xfer_ends cli 5 ENETDOWN
	xfer_ends srv 5 ENETDOWN
	sock_wait bdev 10
	sock_expect bdev "poll:.* ERR.*" "so_error: ENODEV" "send: ENODEV"
	"$TWINCTL" -n "$NS_A" addr show | grep -qw 7 &&
		fail "node 7 outlived vethA: $("$TWINCTL" -n "$NS_A" addr show)"
	no_unregister_wait
	ok "$MODPROBE" veth
}

run_tests test_down_up_transfer_completes test_carrier_loss_as_down \
	test_down_past_user_timeout \
	test_link_del test_link_move_netns test_addr_del test_addr_del_ends_orphan \
	test_rmmod_veth test_netns_delete_then_rmmod
