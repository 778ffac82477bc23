#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='the harness: mount, unmount, and no mount or process left when a test is killed or hangs'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

# child NAME: writes a test script $TRASH/NAME.sh that sources lib.sh,
# mounts, prints "# info TRASH PID MNT" and then runs its standard input.
child() {
	{
		echo '. "$top_srcdir/tests/sh/lib.sh"'
		echo 'mount_db -o create || exit 1'
		echo 'echo "# info $TRASH $(jetfs_pid) $MNT"'
		cat
	} >"$TRASH/$1.sh"
}

# wait_info OUT: waits (10 s) for the child's info line; prints it.
wait_info() {
	i=0
	while ! grep -q '^# info ' "$1" 2>/dev/null && test $i -lt 100; do
		sleep 0.1
		i=$((i + 1))
	done
	grep '^# info ' "$1" | cut -d' ' -f3-
}

# nothing_left TRASH PID MNT: fails, saying what is left, if anything is.
nothing_left() {
	bad=0
	if _is_mounted "$3"; then
		echo "still mounted: $3"
		bad=1
	fi
	if kill -0 "$2" 2>/dev/null; then
		echo "jetfs still running: $(ps -o pid=,stat=,args= -p "$2")"
		bad=1
	fi
	if test -e "$1"; then
		echo "scratch directory left: $1"
		bad=1
	fi
	return $bad
}

# gone TRASH PID MNT SECONDS: waits until nothing is left.
gone() {
	i=0
	while ! nothing_left "$1" "$2" "$3" >/dev/null && test $i -lt $(($4 * 10)); do
		sleep 0.1
		i=$((i + 1))
	done
	nothing_left "$1" "$2" "$3"
}

test_expect_success 'mount_db mounts, the mount point is a directory' '
	mount_db -o create &&
	mountpoint -q "$MNT" &&
	test -d "$MNT" &&
	jetfs_alive
'

test_expect_success 'umount_db unmounts and jetfs exits 0' '
	umount_db &&
	! _is_mounted "$MNT"
'

test_expect_success 'kill_db leaves no mount' '
	mount_db &&
	pid=$(jetfs_pid) &&
	kill_db &&
	! _is_mounted "$MNT" &&
	! kill -0 $pid 2>/dev/null
'

test_expect_success 'a script ending normally leaves nothing behind' '
	echo test_done | child normal &&
	sh "$TRASH/normal.sh" >normal.out 2>&1 &&
	set -- $(wait_info normal.out) &&
	test $# = 3 &&
	gone "$1" "$2" "$3" 5
'

test_expect_success 'a script failing to mount says why and leaves nothing' '
	cat >"$TRASH/nomount.sh" <<-\EOF &&
	. "$top_srcdir/tests/sh/lib.sh"
	echo "# trash $TRASH"
	test_expect_success "mount a missing database" "mount_db"
	test_done
	EOF
	test_must_fail sh "$TRASH/nomount.sh" >nomount.out 2>&1 &&
	grep "^not ok 1" nomount.out &&
	grep "jetfs exited with status" nomount.out &&
	t=$(sed -n "s/^# trash //p" nomount.out) &&
	gone "$t" 999999999 "$t/mnt" 5
'

test_expect_success 'SIGTERM to a script blocked in a test body: cleaned up at once' '
	child term <<-\EOF || exit 1
	test_expect_success "a long body" "ls \$MNT && sleep 60"
	EOF
	sh "$TRASH/term.sh" >term.out 2>&1 &
	cpid=$!
	set -- $(wait_info term.out) &&
	test $# = 3 &&
	sleep 0.5 &&
	kill -TERM $cpid &&
	gone "$1" "$2" "$3" 10 &&
	grep "Bail out!" term.out
'

test_expect_success 'SIGINT to a script: cleaned up' '
	child int <<-\EOF || exit 1
	test_expect_success "a long body" "ls \$MNT && sleep 60"
	EOF
	# a background job ignores SIGINT: give the child the default back
	perl -e "\$SIG{INT} = q(DEFAULT); exec @ARGV" sh "$TRASH/int.sh" >int.out 2>&1 &
	cpid=$!
	set -- $(wait_info int.out) &&
	test $# = 3 &&
	kill -INT $cpid &&
	gone "$1" "$2" "$3" 10
'

test_expect_success 'SIGKILL to a script: its watchdog cleans up' '
	child kill <<-\EOF || exit 1
	test_expect_success "a long body" "ls \$MNT && sleep 60"
	EOF
	sh "$TRASH/kill.sh" >kill.out 2>&1 &
	cpid=$!
	set -- $(wait_info kill.out) &&
	test $# = 3 &&
	sleep 0.5 &&
	kill -KILL $cpid &&
	gone "$1" "$2" "$3" 15
'

test_expect_success 'a body blocked on a hung jetfs times out, fails and bails out' '
	child hang <<-\EOF &&
	JETFS_TEST_BODY_TIMEOUT=3
	test_expect_success "stat a stopped jetfs" "kill -STOP \$(jetfs_pid) && stat \$MNT/x.csv"
	test_done
	EOF
	test_must_fail timeout 30 sh "$TRASH/hang.sh" >hang.out 2>&1 &&
	set -- $(wait_info hang.out) &&
	grep "^not ok 1 - stat a stopped jetfs" hang.out &&
	grep "timed out after 3 s" hang.out &&
	grep "^Bail out!" hang.out &&
	gone "$1" "$2" "$3" 10
'

test_expect_success 'jw and jop report errno names' '
	test_equal "open ENOENT" "$(echo x | jw "$TRASH/no/such/file")" &&
	test_equal ok "$(echo x | jw "$TRASH/f")" &&
	test_equal ENOENT "$(jop unlink "$TRASH/no-such")" &&
	test_equal EEXIST "$(jop mkdir "$TRASH")" &&
	test_equal "open EEXIST" "$(echo x | jw -x "$TRASH/f")"
'

test_done
