#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "twin" generic netlink family: bad requests are refused with an
# errno and an extended-ACK message; changes need CAP_NET_ADMIN (over the
# namespace's user namespace), reading does not.
#
# Each request is made twice: with twinctl (non-zero exit and a message on
# stderr) and with twin-genl, which sends exactly the attributes given so
# that the kernel's own validation is what answers. Needs the module.

# Tests are called through run_tests.
# shellcheck disable=SC2317
# shellcheck source=scripts/tests/lib.bash
source "$(dirname "$0")/lib.bash"
require IP TWINCTL TWIN_GENL TWIN_NOCAP
require_module

# A namespace with tw0 (node 7) and tw1 (no address); name in $N.
setup() {
	ns_twin n 7
	N=$REPLY
	ok "$IP" -n "$N" link add tw1 type twin
	ok "$IP" -n "$N" link set tw1 up
}

# genl_refused ERRNO[|ERRNO...]|any CMD [ATTR...]: twin-genl in $N must
# fail with that errno (one of them) and an extack message (in $EXTACK).
genl_refused() {
	local want=$1
	shift
	must_fail in_ns "$N" "$TWIN_GENL" "$@"
	diag "twin-genl $*: $OUT"
	if [ "$want" != any ]; then
		echo "$OUT" | grep -Eq "error ($want) " || fail "twin-genl $*: expected $want, got: $OUT"
	fi
	[[ $OUT =~ extack:\ (.+)$ ]] || fail "twin-genl $*: no extack message: $OUT"
	EXTACK=${BASH_REMATCH[1]}
}

# twinctl_refused ARGS...: twinctl in $N must fail and say something.
twinctl_refused() {
	must_fail "$TWINCTL" -n "$N" "$@"
	diag "twinctl $*: $OUT"
	[ -n "$OUT" ] || fail "twinctl $*: failed without a message"
}

# The addresses of $N from twin-genl: "msg a2=IFINDEX a3=IFNAME a4=NODE".
nodes() {
	in_ns "$N" "$TWIN_GENL" addr-get
}

has_node() {	# NODE
	nodes | grep -Eq "a4=$1( |\$)"
}

test_addr_add_nonexistent_dev() {
	setup
	twinctl_refused addr add 5 dev nosuch
	genl_refused ENODEV addr-new ifname=nosuch node=5
	genl_refused ENODEV addr-new ifindex=99999 node=5
}

test_addr_add_node_zero() {
	setup
	twinctl_refused addr add 0 dev tw1
	genl_refused EINVAL addr-new ifname=tw1 node=0
}

test_addr_add_node_broadcast() {
	setup
	twinctl_refused addr add 4294967295 dev tw1
	twinctl_refused addr add 0xffffffff dev tw1
	genl_refused EINVAL addr-new ifname=tw1 node=0xffffffff
}

# A node is unique in the namespace. Spec silent on the errno: EEXIST, as
# for `ip addr add` of an existing address.
test_addr_add_duplicate_node() {
	setup
	genl_refused EEXIST addr-new ifname=tw1 node=7
	twinctl_refused addr add 7 dev tw1
	echo "$OUT" | grep -qF "$EXTACK" ||
		fail "twinctl does not print the kernel's message '$EXTACK'"
	nodes | grep -q "a3=tw1" && fail "tw1 got an address: $(nodes)"
	return 0
}

# One address per device (errno not specified: EEXIST or EBUSY).
test_addr_add_second_on_device() {
	setup
	genl_refused "EEXIST|EBUSY" addr-new ifname=tw0 node=8
	twinctl_refused addr add 8 dev tw0
	echo "$OUT" | grep -qF "$EXTACK" ||
		fail "twinctl does not print the kernel's message '$EXTACK'"
	has_node 8 && fail "node 8 was added: $(nodes)"
	return 0
}

# Twin runs over Ethernet devices only: not over loopback.
test_addr_add_non_ethernet() {
	setup
	ok "$IP" -n "$N" link set lo up
	genl_refused any addr-new ifname=lo node=9
	twinctl_refused addr add 9 dev lo
}

test_missing_attributes() {
	setup
	genl_refused EINVAL addr-new ifname=tw1
	genl_refused EINVAL addr-new node=5
	genl_refused EINVAL addr-new
	genl_refused EINVAL link-new
	genl_refused EINVAL link-new segment=3
	genl_refused EINVAL addr-del
	twinctl_refused addr add 5
	twinctl_refused addr add dev tw1
}

test_bad_attribute_length() {
	setup
	genl_refused EINVAL addr-new ifname=tw1 u8:4=5
	genl_refused EINVAL addr-new ifname=tw1 u64:4=5
	genl_refused EINVAL addr-new ifindex=1 u16:2=1 node=5
}

test_unknown_attribute() {
	setup
	genl_refused EINVAL addr-new ifname=tw1 node=5 u32:200=1
	genl_refused EINVAL stats-get u32:150=1
}

test_link_new_bad() {
	setup
	genl_refused any link-new ifname=tw0
	genl_refused any link-new ifname=abcdefghijklmnopqrstuvwxyz
	twinctl_refused link add tw0
}

test_addr_del_errors() {
	setup
	genl_refused any addr-del node=99
	genl_refused any addr-del ifname=tw1
	genl_refused any addr-del ifname=tw0 node=8	# tw0 has 7
	twinctl_refused addr del 99
	twinctl_refused addr del 8 dev tw0
	has_node 7 || fail "node 7 was removed: $(nodes)"
	return 0
}

test_unprivileged_cannot_change() {
	setup
	twinctl_refused_nocap() {
		must_fail in_ns "$N" "$TWIN_NOCAP" "$@"
		diag "$*: $OUT"
	}
	twinctl_refused_nocap "$TWINCTL" addr add 8 dev tw1
	twinctl_refused_nocap "$TWIN_GENL" addr-new ifname=tw1 node=8
	echo "$OUT" | grep -q "error EPERM" || fail "expected EPERM: $OUT"
	twinctl_refused_nocap --uid 65534 "$TWIN_GENL" addr-new ifname=tw1 node=8
	echo "$OUT" | grep -q "error EPERM" || fail "expected EPERM as nobody: $OUT"
	twinctl_refused_nocap --uid 65534 "$TWINCTL" addr add 8 dev tw1
	twinctl_refused_nocap "$TWIN_GENL" addr-del node=7
	echo "$OUT" | grep -q "error EPERM" || fail "addr-del: expected EPERM: $OUT"
	twinctl_refused_nocap "$TWIN_GENL" link-new ifname=tw5 segment=50
	echo "$OUT" | grep -q "error EPERM" || fail "link-new: expected EPERM: $OUT"
	twinctl_refused_nocap "$TWIN_GENL" neigh-flush
	echo "$OUT" | grep -q "error EPERM" || fail "neigh-flush: expected EPERM: $OUT"
	has_node 8 && fail "node 8 was added: $(nodes)"
	has_node 7 || fail "node 7 was removed: $(nodes)"
	# net.twin.* sysctls: anyone reads them, only root of the
	# namespace's owner writes them (the kernel's net sysctl rule).
	twinctl_refused_nocap --uid 65534 "$BASH" -c "echo 64 > /proc/sys/net/twin/neigh_max"
	[ "$(in_ns "$N" "$TWIN_NOCAP" --uid 65534 cat /proc/sys/net/twin/neigh_max)" = 1024 ] ||
		fail "neigh_max not readable as nobody, or changed"
	return 0
}

test_unprivileged_can_show() {
	setup
	local out
	out=$(in_ns "$N" "$TWIN_NOCAP" "$TWINCTL" addr show 2>&1) ||
		fail "twinctl addr show without caps: $out"
	echo "$out" | grep -q "tw0.*7" || fail "addr show: $out"
	out=$(in_ns "$N" "$TWIN_NOCAP" --uid 65534 "$TWINCTL" -j addr show 2>&1) ||
		fail "twinctl -j addr show as nobody: $out"
	echo "$out" | grep -q "tw0" || fail "addr show as nobody: $out"
	ok in_ns "$N" "$TWIN_NOCAP" --uid 65534 "$TWIN_GENL" stats-get
	ok in_ns "$N" "$TWIN_NOCAP" --uid 65534 "$TWIN_GENL" link-get
	ok in_ns "$N" "$TWIN_NOCAP" --uid 65534 "$TWIN_GENL" sock-get
	ok in_ns "$N" "$TWIN_NOCAP" --uid 65534 "$TWINCTL" -s stats show
}

# GENL_UNS_ADMIN_PERM: root of a user namespace administers its own
# network namespace (on a segment of its own).
test_userns_admin_own_netns() {
	[ -n "$UNSHARE" ] || skip "unshare not found"
	local out
	out=$("$UNSHARE" -U -r -n "$BASH" -c "
		set -e
		'$TWINCTL' link add tw8 segment 70
		'$IP' link set tw8 up
		'$TWINCTL' addr add 5 dev tw8
		'$TWINCTL' addr show" 2>&1) || fail "in a user namespace: $out"
	echo "$out" | grep -q "tw8.*5" || fail "addr show: $out"
}

test_addr_show_formats() {
	setup
	local out
	out=$("$TWINCTL" -n "$N" addr show)
	echo "$out" | grep -q "^tw0 node 7$" || fail "addr show: $out"
	echo "$out" | grep -q tw1 && fail "tw1 has no address but is listed: $out"
	out=$("$TWINCTL" -n "$N" -j addr show)
	echo "$out" | grep -Eq '"ifname" ?: ?"tw0"' || fail "-j addr show: $out"
	echo "$out" | grep -Eq '"node" ?: ?7[,}]' || fail "-j addr show: $out"
	# Decimal and hex input name the same node.
	ok "$TWINCTL" -n "$N" addr add 0x10 dev tw1
	"$TWINCTL" -n "$N" addr show | grep -q "^tw1 node 16$" ||
		fail "0x10 is not node 16: $("$TWINCTL" -n "$N" addr show)"
}

test_addr_del_and_readd() {
	setup
	ok "$TWINCTL" -n "$N" addr del 7 dev tw0
	has_node 7 && fail "node 7 still there: $(nodes)"
	ok "$TWINCTL" -n "$N" addr add 7 dev tw1
	ok "$TWINCTL" -n "$N" addr add 8 dev tw0
	ok "$TWINCTL" -n "$N" addr del dev tw0
	has_node 8 && fail "node 8 still there: $(nodes)"
	return 0
}

# twinctl -n NAME works in that namespace, as ip -n does; entering it
# needs CAP_SYS_ADMIN, as setns(2) does.
test_netns_option() {
	setup
	local out m
	ns_twin m 9
	m=$REPLY
	out=$("$TWINCTL" -n "$N" addr show 2>&1) || fail "twinctl -n $N addr show: $out"
	[ "$out" = "tw0 node 7" ] || fail "-n $N addr show: '$out', expected 'tw0 node 7'"
	out=$("$TWINCTL" -netns "$m" addr show 2>&1) || fail "twinctl -netns $m addr show: $out"
	[ "$out" = "tw0 node 9" ] || fail "-netns $m addr show: '$out', expected 'tw0 node 9'"
	ok "$TWINCTL" -n "$N" addr add 8 dev tw1
	has_node 8 || fail "-n $N addr add 8 did not reach $N: $(nodes)"
	must_fail "$TWINCTL" -n "$PREFIX-none" addr show
	[[ $OUT == *"cannot open network namespace"* ]] || fail "-n of no namespace: $OUT"
	out=$("$TWIN_NOCAP" "$TWINCTL" -n "$N" addr show 2>&1)
	[ $? = 2 ] || fail "-n without CAP_SYS_ADMIN did not exit 2: $out"
	[[ $out == *"cannot enter network namespace"*"not permitted"* ]] ||
		fail "-n without CAP_SYS_ADMIN: $out"
}

run_tests test_addr_add_nonexistent_dev test_addr_add_node_zero \
	test_addr_add_node_broadcast test_addr_add_duplicate_node \
	test_addr_add_second_on_device test_addr_add_non_ethernet \
	test_missing_attributes test_bad_attribute_length \
	test_unknown_attribute test_link_new_bad test_addr_del_errors \
	test_unprivileged_cannot_change test_unprivileged_can_show \
	test_userns_admin_own_netns test_addr_show_formats \
	test_addr_del_and_readd test_netns_option
