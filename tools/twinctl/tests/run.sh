#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# twinctl without twin.ko: tests/fakenl.so answers in the kernel's place
# (LD_PRELOAD over libmnl's socket calls), so the command line, the
# requests, the reply parsing, both output modes and the error paths are
# checked on any machine. VALGRIND=1 runs every twinctl under memcheck.
# TAP output; exit status 1 if anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../twinctl
fake=$here/fakenl.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# run MODE ARGS...: MODE is a FAKENL scenario, or "real" for the real kernel.
run() {
	local mode=$1 pre=()

	shift
	: >"$tmp/log"
	[ -n "${VALGRIND:-}" ] && pre=(valgrind -q --leak-check=full
		--show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99)
	if [ "$mode" = real ]; then
		"${pre[@]}" "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	else
		FAKENL=$mode FAKENL_LOG=$tmp/log LD_PRELOAD=$fake \
			"${pre[@]}" "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
}

result() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		sed 's/^/# /' "$tmp/why"
	fi
}

# t NAME RC MODE ARGS... <<<STDOUT: exact stdout and exit status.
t() {
	local name=$1 want_rc=$2 want

	shift 2
	want=$(cat)
	run "$@"
	{ echo "rc $rc, want $want_rc"; diff <(echo "$want") "$tmp/out"; cat "$tmp/err"; } >"$tmp/why"
	[ "$rc" = "$want_rc" ] && [ "$(cat "$tmp/out")" = "$want" ]
	result "$([ $? = 0 ] && echo ok)" "$name"
}

# e NAME RC MODE REGEX ARGS...: stderr matches REGEX, exit status RC.
e() {
	local name=$1 want_rc=$2 mode=$3 re=$4

	shift 4
	run "$mode" "$@"
	{ echo "rc $rc, want $want_rc, stderr:"; cat "$tmp/err"; } >"$tmp/why"
	[ "$rc" = "$want_rc" ] && grep -Eq -- "$re" "$tmp/err"
	result "$([ $? = 0 ] && echo ok)" "$name"
}

# sent NAME REGEX ARGS...: the request twinctl sent matches REGEX.
sent() {
	local name=$1 re=$2

	shift 2
	run ok "$@"
	{ echo "rc $rc, request:"; cat "$tmp/log" "$tmp/err"; } >"$tmp/why"
	[ "$rc" = 0 ] && grep -Eq -- "$re" "$tmp/log"
	result "$([ $? = 0 ] && echo ok)" "$name"
}

# j NAME PYEXPR ARGS...: stdout is JSON and PYEXPR (over d) holds.
j() {
	local name=$1 expr=$2

	shift 2
	run ok "$@"
	{ echo "rc $rc, stdout:"; cat "$tmp/out" "$tmp/err"; } >"$tmp/why"
	[ "$rc" = 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($expr) else 1)" "$tmp/out"
	result "$([ $? = 0 ] && echo ok)" "$name"
}

echo "TAP version 13"

# Command line.
e "no arguments: usage" 1 ok '^Usage: twinctl \[ OPTIONS \]'
for h in help -h -help --help he; do
	run ok $h
	grep -q '^EXIT STATUS' "$tmp/out" && [ "$rc" = 0 ] && [ ! -s "$tmp/err" ]
	echo "rc $rc" >"$tmp/why"; result "$([ $? = 0 ] && echo ok)" "twinctl $h prints the manual"
done
for o in addr link neigh sock stats monitor a l ne so st m; do
	run ok $o help
	grep -q '^Usage: twinctl' "$tmp/out" && [ "$rc" = 0 ]
	echo "rc $rc" >"$tmp/why"; result "$([ $? = 0 ] && echo ok)" "twinctl $o help"
done
t "-V" 0 ok -V <<'X'
twinctl 1.0 (generic netlink family "twin" version 1)
X
e "unknown object" 1 ok 'object "bogus" is unknown' bogus
e "unknown command" 1 ok 'command "bogus" is unknown for addr' addr bogus
e "unknown option" 1 ok 'option "-x" is unknown' -x addr
e "-n without a name" 1 ok 'option "-n" needs a namespace name' -n
e "-netns of a missing namespace" 1 ok "cannot open network namespace \"twinctl-none-$$\"" -netns "twinctl-none-$$" addr
for bad in a/b .. . ''; do
	e "-n \"$bad\" is not a name" 1 ok "invalid network namespace name \"$bad\"" -n "$bad" addr
done

# NODE and other values, refused before any netlink.
for bad in 0 0x0 0xffffffff 4294967295 4294967296 -1 +7 7x 0x '' ' 7' 1e3; do
	e "node \"$bad\" refused" 1 ok 'invalid node' addr add "$bad" dev tw0
done
e "node 0 explained" 1 ok 'TWIN_NODE_ANY' addr add 0 dev tw0
e "broadcast explained" 1 ok 'TWIN_NODE_BROADCAST' addr add 0xffffffff dev tw0
e "addr add without dev" 1 ok 'needs both' addr add 7
e "addr add two nodes" 1 ok 'unexpected argument "8"' addr add 7 8 dev tw0
e "addr del without anything" 1 ok 'needs NODE' addr del
e "link add without name" 1 ok 'needs a device NAME' link add
e "long device name" 1 ok 'longer than 15' link add abcdefghijklmnop
e "device name with /" 1 ok "may not contain" addr add 7 dev a/b
e "bad segment" 1 ok 'invalid segment' link add tw1 segment -1
e "stats takes no arguments" 1 ok 'unknown for stats' stats foo
e "show of a missing device" 1 ok 'device "nosuch0" does not exist' addr show dev nosuch0

# Requests: cmd, flags (0x5 = REQUEST|ACK, 0x301 = REQUEST|DUMP), attrs.
sent "addr add decimal" '^cmd 1 version 1 flags 0x5 ifname tw0 attr4 7$' addr add 7 dev tw0
sent "addr add hex, dev first" '^cmd 1 .* ifname tw0 attr4 16$' addr add dev tw0 0x10
sent "leading zero is decimal" 'attr4 10$' addr add 010 dev tw0
sent "highest node" 'attr4 4294967294$' addr add node 4294967294 dev tw0
sent "addr del NODE" '^cmd 2 version 1 flags 0x5 attr4 7$' addr delete 7
sent "addr del dev" '^cmd 2 version 1 flags 0x5 ifname tw0$' addr del dev tw0
sent "link add" '^cmd 4 version 1 flags 0x5 ifname tw1$' link add tw1
sent "link add segment" '^cmd 4 .* ifname tw1 attr5 2$' link add name tw1 segment 0x2
sent "help as a device name is a name" '^cmd 4 .* ifname help$' link add dev help
sent "neigh flush" '^cmd 7 version 1 flags 0x5$' neigh flush
sent "neigh flush dev" '^cmd 7 .* ifname tw0$' neigh flush dev tw0
sent "default command is show" '^cmd 3 version 1 flags 0x301$' a
sent "s is sock" '^cmd 8 .*flags 0x301$' s
sent "-s st is stats show" '^cmd 9 version 1 flags 0x5$' -s st

# Plain output.
t "addr show" 0 ok addr <<'X'
tw0 node 7
lo node 4294967294
X
t "addr show dev lo" 0 ok addr show dev lo <<'X'
lo node 4294967294
X
t "link show" 0 ok link show <<'X'
3: tw0 twin segment 0 node 7 mtu 1500 up lladdr 02:00:00:00:00:07
2: eth0 ether mtu 9000 down lladdr 02:00:00:00:00:09
X
run ok -s link
[ "$rc" = 0 ] && [ "$(wc -l <"$tmp/out")" = 46 ] && grep -qx '    drop_csum 1010' "$tmp/out" &&
	grep -qx '    neigh_advert 2019' "$tmp/out"
cp "$tmp/out" "$tmp/why"; result "$([ $? = 0 ] && echo ok)" "-s link show adds counters"
t "neigh show" 0 ok neigh <<'X'
node 9 dev tw0 lladdr 02:00:00:00:00:09 REACHABLE
node 10 dev tw0 INCOMPLETE
node 11 dev tw0 STATE_7
X
t "sock show" 0 ok sock <<'X'
dgram CLOSE local 0:1234 peer 0:0 rqueue 0 wqueue 0 drops 0 inode 1099511627776
stream ESTABLISHED local 7:2147483649 peer 9:80 rqueue 100 wqueue 200 drops 1 inode 1099511627777
type_9 STATE_42 local 1:2 peer 3:4 rqueue 5 wqueue 6 drops 2 inode 1099511627778
X
run ok -s stats
[ "$rc" = 0 ] && [ "$(head -1 "$tmp/out")" = "rx_frames 2" ] &&
	[ "$(tail -1 "$tmp/out")" = "rx_gro 28" ] && [ "$(wc -l <"$tmp/out")" = 27 ]
cp "$tmp/out" "$tmp/why"; result "$([ $? = 0 ] && echo ok)" "-s stats"
t "add prints nothing" 0 ok addr add 7 dev tw0 </dev/null
t "add -j prints nothing" 0 ok -j addr add 7 dev tw0 </dev/null

# JSON.
j "addr -j" 'd == [{"ifindex": 3, "ifname": "tw0", "node": 7}, {"ifindex": 2, "ifname": "lo", "node": 4294967294}]' -j addr
j "link -j has no stats" 'd[0]["virtual"] is True and d[0]["segment"] == 0 and d[0]["up"] is True and d[1]["virtual"] is False and "segment" not in d[1] and all("stats" not in l for l in d)' -j link
j "link -j -s -p" 'd[0]["stats"]["drop_csum"] == 1010 and len(d[1]["stats"]) == 26 and d[0]["lladdr"] == "02:00:00:00:00:07"' -j -s -p link
j "neigh -j" '[x["state"] for x in d] == ["REACHABLE", "INCOMPLETE", "STATE_7"] and "lladdr" not in d[1]' -json neigh
j "sock -j" 'd[1] == {"type": "stream", "state": "ESTABLISHED", "node": 7, "port": 2147483649, "peer_node": 9, "peer_port": 80, "rqueue": 100, "wqueue": 200, "drops": 1, "inode": 1099511627777}' --json sock
j "stats -j -p" 'd["rx_frames"] == 2 and d["neigh_advert"] == 18 and len(d) == 26' -j -p stats

# Errors from the kernel side.
e "family missing (fake)" 2 nofamily '^twinctl: generic netlink family "twin" not found: is twin.ko loaded\?$' addr
t "family missing leaves stdout empty" 2 nofamily -j addr </dev/null
e "extack message" 2 eexist '^twinctl: File exists: node 7 is already assigned in this namespace$' addr add 7 dev tw0
e "missing attribute" 2 missattr '^twinctl: Invalid argument: missing attribute IFNAME$' link add tw1
e "ACK without NETLINK_CAP_ACK" 2 uncapped '^twinctl: No such device: no such device$' neigh flush dev tw9
e "dump fails in DONE" 2 dumperr '^twinctl: Operation not permitted: dump needs CAP_NET_ADMIN$' link
j "dump failure keeps JSON valid" 'len(d) == 2' -j link
e "interrupted dump" 2 intr 'dump interrupted' link
e "monitor: an argument too many" 1 ok '"extra"' monitor neigh extra
# The fake kernel's family has no multicast group: a module without events.
e "monitor: no group, exit 2" 2 ok 'has no group "neigh"' monitor neigh
e "malformed attributes skipped" 0 malformed 'warning: ignoring malformed attribute 4' link
run malformed link
[ "$(head -1 "$tmp/out")" = "3: tw0 twin segment 0 mtu 1500 up" ]
cp "$tmp/out" "$tmp/why"; result "$([ $? = 0 ] && echo ok)" "malformed NODE and LLADDR left out"
run ok help
"$bin" help >/dev/full 2>"$tmp/err"; rc=$?
{ echo "rc $rc"; cat "$tmp/err"; } >"$tmp/why"
[ "$rc" = 2 ] && grep -q 'write error' "$tmp/err"
result "$([ $? = 0 ] && echo ok)" "write error is exit 2"

# The real kernel: on a machine without twin.ko the family is missing.
if [ -e /sys/module/twin ]; then
	echo "ok $((n += 1)) - real family missing # SKIP twin.ko is loaded"
else
	e "real family missing" 2 real '^twinctl: generic netlink family "twin" not found: is twin.ko loaded\?$' -s stats
fi

echo "1..$n"
exit $failed
