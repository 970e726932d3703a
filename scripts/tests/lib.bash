# shellcheck shell=bash disable=SC2034
# (SC2034: the variables are for the scripts that source this file.)
# Shared helpers for the kselftest-style shell tests in scripts/tests/
# (named .bash, not .sh, so that runners globbing *.sh skip it).
# Sourced, not run. Output is TAP 13; a test is a function run in a
# subshell by run_test, which fails it with `fail MSG` (exit 1), skips it
# with `skip WHY` (exit 4) and runs its `defer`red cleanups on the way out.
#
# Environment:
#   TWIN_KO         twin.ko to load (default /twin/twin.ko)
#   TWIN_TESTS_DIR  directory with twin-dgram, twin-genl, twin-nocap
#                   (default: PATH, /twin/tests, ../../userspace-tests)
#
# Run with bash, never busybox sh: busybox runs its own `ip` applet first.

set -u

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX="tws$$"			# namespace names: $PREFIX-<tag>
TAP_NUM=0
TAP_FAILED=0
TAP_SKIPPED=0
TAP_PASSED=0

# Each line of the arguments as a TAP comment. No pipe: on the debug
# kernel every fork costs about 50 ms, and diag runs in loops.
diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<< "$*"
}

# nap SECS: sleep without starting a program (an exec of sleep costs 70 ms
# and more on the debug kernel, more than most naps): read times out on a
# pipe that nobody writes to.
exec {NAP_FD}<> <(:)
nap() {
	read -r -t "$1" -u "$NAP_FD" _ || :
}

# A program on PATH that is not a busybox applet, or nothing.
find_tool() {
	local dir cand real first=""
	local IFS=:
	for dir in $PATH; do
		cand=${dir:-.}/$1
		if [ ! -x "$cand" ] || [ -d "$cand" ]; then
			continue
		fi
		real=$(readlink -f "$cand")
		if [ "${real##*/}" = busybox ]; then
			[ -n "$first" ] || first=$cand
			continue
		fi
		echo "$cand"
		return 0
	done
	[ -n "$first" ] && echo "$first"
	return 0
}

# A helper built in userspace-tests/ (`make -s list-helpers` names them):
# in $TWIN_TESTS_DIR, on PATH (the VM's /twin/bin), in /twin/tests, or in
# the source tree next to this script.
find_helper() {
	local d
	for d in "${TWIN_TESTS_DIR:-}" "" /twin/tests "$LIB_DIR/../../userspace-tests"; do
		if [ -z "$d" ]; then
			command -v "$1" 2>/dev/null && return 0
			continue
		fi
		[ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 0
}

IP=$(find_tool ip)
TC=$(find_tool tc)
ETHTOOL=$(find_tool ethtool)
TWINCTL=$(find_tool twinctl)
SOCAT=$(find_tool socat)
UNSHARE=$(find_tool unshare)
TIMEOUT=$(find_tool timeout)
TWIN_DGRAM=$(find_helper twin-dgram)
TWIN_GENL=$(find_helper twin-genl)
TWIN_NOCAP=$(find_helper twin-nocap)
TWIN_KO=${TWIN_KO:-/twin/twin.ko}

# The whole script is skipped (exit 4) unless these exist.
require() {
	local v
	for v in "$@"; do
		if [ -z "${!v}" ]; then
			echo "TAP version 13"
			echo "1..0 # SKIP $v not found"
			exit $KSFT_SKIP
		fi
	done
	if [ "$(id -u)" != 0 ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP must run as root"
		exit $KSFT_SKIP
	fi
}

require_module() {
	if [ ! -d /sys/module/twin ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP the twin module is not loaded"
		exit $KSFT_SKIP
	fi
}

family() {
	cat /sys/module/twin/parameters/family 2>/dev/null || echo 19
}

# ------------------------------------------------------------ inside tests

fail() {
	diag "${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}: $*"
	exit $KSFT_FAIL
}

skip() {
	echo "$*" > "$SKIP_FILE"
	exit $KSFT_SKIP
}

# Cleanups run in reverse order when the test's subshell exits.
CLEANUPS=()
defer() {
	CLEANUPS+=("$*")
}

run_cleanups() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[i]}" >/dev/null 2>&1
	done
	CLEANUPS=()
}

# Run a command; on failure print it and its output and fail the test.
ok() {
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ $rc != 0 ]; then
		diag "\$ $*  (exit $rc)"
		[ -n "$out" ] && diag "$out"
		fail "expected success: $*"
	fi
	return 0
}

# The command must fail; its stderr+stdout is left in $OUT.
OUT=""
must_fail() {
	local rc=0
	OUT=$("$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then
		diag "\$ $*  (exit 0)"
		[ -n "$OUT" ] && diag "$OUT"
		fail "expected failure: $*"
	fi
	return 0
}

# Named network namespaces, deleted (devices first) at the end of the
# test. The name is left in $REPLY (not printed: a command substitution
# would run ns_new in a subshell, and its defer would be lost).
ns_new() {
	local ns=$PREFIX-$1
	ok "$IP" netns add "$ns"
	defer "ns_del $ns"
	REPLY=$ns
}

ns_del() {
	local line dev cmds=""
	# Delete twin and veth devices now: namespace teardown is
	# asynchronous, and a dying device must not answer on segment 0.
	# One ip for all of them (-force: a veth whose peer went first is
	# already gone).
	while IFS= read -r line; do
		dev=${line#*: }
		dev=${dev%%:*}
		dev=${dev%%@*}
		[ "$dev" = lo ] || cmds+="link del $dev"$'\n'
	done < <("$IP" -n "$1" -o link show 2>/dev/null)
	[ -z "$cmds" ] || "$IP" -n "$1" -force -batch - <<< "$cmds" > /dev/null 2>&1
	"$IP" netns del "$1" 2>/dev/null
}

# in_ns NS CMD...: run CMD in a namespace. Not for background jobs: `&`
# on a function forks a subshell, and killing $! would leave CMD running
# (and its sockets pinning the module); use "$IP" netns exec there.
in_ns() {
	local ns=$1
	shift
	"$IP" netns exec "$ns" "$@"
}

# A namespace with tw0 (segment $3, default 0) and node address $2;
# its name in $REPLY. MTU $TWIN_TEST_MTU, 1500 unless the caller sets it
# (empty: the device's own, 65535), as the test programs' (TWIN_TEST_MTU
# in harness.h): frame counts in the tests are of Ethernet's frames, where
# a twin device's default makes each one 64 KiB.
ns_twin() {
	local ns seg=${3:-0} mtu=${TWIN_TEST_MTU-1500}
	ns_new "$1"
	ns=$REPLY
	if [ "$seg" = 0 ]; then
		ok "$IP" -n "$ns" link add tw0 type twin
	else
		ok "$TWINCTL" -n "$ns" link add tw0 segment "$seg"
	fi
	ok "$IP" -n "$ns" link set tw0 ${mtu:+mtu "$mtu"} up
	ok "$TWINCTL" -n "$ns" addr add "$2" dev tw0
	REPLY=$ns
}

# Every time bound below is a limit for a slow machine, never the thing
# waited for, and is multiplied by TWIN_TIMEOUT_MULT (the debug lane sets
# 3): a wait ends as soon as its condition holds.
MULT=${TWIN_TIMEOUT_MULT:-1}

# Wait until FILE contains the pattern (grep -E), up to $3 seconds.
wait_for() {
	local file=$1 pattern=$2 secs=$((${3:-5} * MULT)) i
	for ((i = 0; i < secs * 10; i++)); do
		grep -qE -- "$pattern" "$file" 2>/dev/null && return 0
		nap 0.1
	done
	return 1
}

# Wait until the shell condition COND (eval'd) holds, up to SECS seconds.
wait_until() {	# SECS COND
	local secs=$(($1 * MULT)) i
	for ((i = 0; i < secs * 10; i++)); do
		eval "$2" 2>/dev/null && return 0
		nap 0.1
	done
	eval "$2" 2>/dev/null
}

# alive PID: the process has not exited. Not `kill -0`, which also
# succeeds on a zombie: a background job that has exited stays one until
# bash reaps it, and bash running only builtins (nap, kill) may not reap
# it at all: flood.sh's container counted as running for 90 s after it
# had exited, on a starved guest, and was reaped at the next fork.
alive() {	# PID
	local stat
	{ read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# Wait up to $2 seconds for background job $1 to end; its status is
# returned (124 if it is still running: it is then killed).
wait_pid() {
	local pid=$1 secs=$((${2:-5} * MULT)) i
	for ((i = 0; i < secs * 10; i++)); do
		alive "$pid" || break
		nap 0.1
	done
	if alive "$pid"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# The 14 bytes after sa_family of a sockaddr_twin, as socat's hex:
# reserved(2) port(4, little endian) node(4, little endian) zero(4).
le32() {
	printf '%02x%02x%02x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

twin_hex() {	# NODE PORT
	printf '0000%s%s00000000' "$(le32 "$2")" "$(le32 "$1")"
}

# ------------------------------------------------------------ running

tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# run_test NAME FUNCTION: one TAP line.
run_test() {
	local name=$1 fn=$2 rc=0 start=$SECONDS
	SKIP_FILE=$(mktemp)
	(
		trap run_cleanups EXIT
		"$fn"
	) || rc=$?
	TAP_NUM=$((TAP_NUM + 1))
	# Where make check's time goes.
	[ $((SECONDS - start)) -ge 1 ] && diag "$name took $((SECONDS - start)) s"
	case $rc in
	0)	echo "ok $TAP_NUM - $name"; TAP_PASSED=$((TAP_PASSED + 1)) ;;
	4)	echo "ok $TAP_NUM - $name # SKIP $(cat "$SKIP_FILE")"
		TAP_SKIPPED=$((TAP_SKIPPED + 1)) ;;
	*)	echo "not ok $TAP_NUM - $name"; TAP_FAILED=$((TAP_FAILED + 1)) ;;
	esac
	rm -f "$SKIP_FILE"
}

# run_tests FUNCTION...: the plan, each test, the totals; exits.
run_tests() {
	local fn
	tap_plan $#
	for fn in "$@"; do
		run_test "${fn#test_}" "$fn"
	done
	echo "# Totals: pass:$TAP_PASSED fail:$TAP_FAILED xfail:0 xpass:0 skip:$TAP_SKIPPED error:0"
	[ $TAP_FAILED = 0 ] && exit $KSFT_PASS
	exit $KSFT_FAIL
}

# Namespaces a killed test left behind.
cleanup_all() {
	local ns
	for ns in /run/netns/"$PREFIX"-*; do
		[ -e "$ns" ] && ns_del "${ns##*/}"
	done
	return 0
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

SYSCTL_DIR=/proc/sys/net/twin

# sysctl NS NAME VALUE: a twin sysctl in one namespace. The spec names
# both: a missing file is the module's failure, not the environment's.
sysctl_set() {
	local out
	in_ns "$1" test -e "$SYSCTL_DIR/$2" ||
		fail "no $SYSCTL_DIR/$2 (net.twin.$2) in the namespace"
	out=$(in_ns "$1" "$BASH" -c "echo $3 > $SYSCTL_DIR/$2" 2>&1) ||
		fail "setting net.twin.$2 to $3: $out"
	[ "$(in_ns "$1" cat "$SYSCTL_DIR/$2")" = "$3" ] ||
		fail "net.twin.$2 reads $(in_ns "$1" cat "$SYSCTL_DIR/$2") after writing $3"
}
