# shellcheck shell=sh disable=SC2016,SC2034
# lib.sh - the shared library of jetfs's shell tests (tests/sh/tNNNN-*.sh),
# in the manner of git's t/test-lib.sh. POSIX sh (dash and bash).
#
# A test script looks like this:
#
#     #!/bin/sh
#     test_description='what this script checks'
#     . "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"
#
#     mount_db -o create
#     test_expect_success 'a new table reads back as written' '
#             printf "a,b\n1,2\n" >expect &&
#             cp expect "$MNT/t.csv" &&
#             cat "$MNT/t.csv" >actual &&
#             test_cmp expect actual
#     '
#     test_done
#
# Numbering: t0xxx the harness itself, t1xxx reading, t2xxx writing, t3xxx
# bad input, t4xxx sessions, t5xxx lifecycle (remount, crash, read-only,
# rsync, concurrency).
#
# Running. `make check` runs each script through automake's TAP driver from
# the build tree with $top_srcdir and $top_builddir exported. By hand:
#     top_builddir=/path/to/build sh tests/sh/t1000-read-tools.sh
# (without $top_builddir the current directory is taken if it holds
# fuse/jetfs, else the source tree). JETFS_TEST_VERBOSE=1 shows every
# body's output; JETFS_TEST_KEEP=1 keeps the scratch directory.
#
# What a script gets:
#   - $TRASH, a fresh scratch directory and the current directory of every
#     test body; $DB ($TRASH/test.jdb) and $MNT ($TRASH/mnt).
#   - mount_db [OPTIONS] runs `fuse/jetfs -f OPTIONS $DB $MNT` in the
#     background and waits (at most 10 s) until `mountpoint -q` says it is
#     mounted; umount_db unmounts it with fusermount3 -u and checks that jetfs
#     exited 0; kill_db kills it with SIGKILL (a crash) and clears the
#     mount. mount_at / umount_at / kill_at do the same for another
#     database and mount point.
#   - test_expect_success [PREREQS] DESC BODY prints "ok N - DESC" or
#     "not ok N - DESC" followed by the body and everything it printed as
#     TAP comments (so a failure says what was expected and what came).
#     The body runs in a subshell in $TRASH: variables it sets and cd do
#     not outlive it (mounts do: mount state is kept in files).
#   - checks: test_cmp, test_equal, test_one_of, test_must_fail,
#     test_unchanged, test_stat_size; system calls with their errno by
#     name: jw (open/write/close a file from stdin) and jop (rename,
#     unlink, mkdir, rmdir, truncate, read, creat, utime).
#
# Nothing hangs and nothing is left behind:
#   - every test body runs under a deadline ($JETFS_TEST_BODY_TIMEOUT, 90 s).
#     A body that overruns it (a request jetfs never answers) makes the
#     watchdog kill every jetfs of the script with SIGKILL, which fails all
#     pending requests on the mount with ENOTCONN so the blocked command
#     returns; the test fails and the script bails out. The whole script
#     has its own deadline ($JETFS_TEST_TIMEOUT, 300 s). That is the
#     timeout of every command in a body, including shell redirections that
#     `timeout CMD` could not wrap; the helpers here also use timeout(1)
#     for each command of their own that touches a mount.
#   - on exit, on INT/TERM/HUP and (through the watchdog process) even
#     after a SIGKILL of the script: every mount is detached with
#     `fusermount3 -u -z`, every jetfs is sent SIGTERM then SIGKILL after
#     5 s, every background helper (bg_start) is killed, and $TRASH is
#     removed (rm --one-file-system, so never through a live mount).
#
# If fuse/jetfs is not built, or /dev/fuse or fusermount3 is missing, the
# script prints "1..0 # SKIP reason" and exits 0.

# ---------------------------------------------------------------------------
# Where things are
# ---------------------------------------------------------------------------

if test -z "$top_srcdir"; then
	top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
fi
if test -z "$top_builddir"; then
	if test -e "$PWD/fuse/jetfs" || test -e "$PWD/config.status"; then
		top_builddir=$PWD
	else
		top_builddir=$top_srcdir
	fi
fi
case $top_srcdir in /*) ;; *) top_srcdir=$(cd "$top_srcdir" && pwd) ;; esac
case $top_builddir in /*) ;; *) top_builddir=$(cd "$top_builddir" && pwd) ;; esac
export top_srcdir top_builddir

JETFS=${JETFS:-$top_builddir/fuse/jetfs}
: "${JETFS_TEST_BODY_TIMEOUT:=90}"
: "${JETFS_TEST_TIMEOUT:=300}"
: "${JETFS_TEST_MOUNT_TIMEOUT:=10}"
this_test=$(basename "$0" .sh)

# Tests compare bytes and sort in a fixed order.
LC_ALL=C
LANG=C
TZ=UTC
export LC_ALL LANG TZ
unset CDPATH

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

test -x "$JETFS" || skip_all "$JETFS is not built"
test -c /dev/fuse || skip_all "no /dev/fuse"
{ test -r /dev/fuse && test -w /dev/fuse; } || skip_all "/dev/fuse is not usable by $(id -un)"
for _cmd in fusermount3 mountpoint timeout perl; do
	command -v "$_cmd" >/dev/null 2>&1 || skip_all "$_cmd is not installed"
done

# ---------------------------------------------------------------------------
# The scratch directory, the cleanup and the watchdog
# ---------------------------------------------------------------------------

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/jetfs-$this_test.XXXXXX") || {
	echo "Bail out! cannot create a scratch directory"
	exit 1
}
DB=$TRASH/test.jdb
MNT=$TRASH/mnt
# $TRASH/.state holds what the cleanup must undo, one file per item, so that
# the watchdog (another process) sees it too:
#   mount.N   "PID MOUNTPOINT" of each jetfs started
#   bg.N      the pid of each background helper
#   deadline  the epoch second by which the running body must end
#   timedout  written by the watchdog when it killed a body's jetfs
STATE=$TRASH/.state
mkdir "$STATE" "$MNT" || exit 1
export TRASH DB MNT

# _kill_pid PID: SIGTERM, then SIGKILL if it is still there after 5 s.
_kill_pid() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && test $_i -lt 50; do
		# a zombie child of this shell still answers kill -0: reap it
		_st=$(ps -o stat= -p "$1" 2>/dev/null)
		case $_st in Z*) break ;; esac
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	return 0
}

# _is_mounted DIR: DIR is a mount point (looked up in /proc/self/mountinfo,
# which never touches the file system, so it cannot hang).
_is_mounted() {
	awk -v d="$1" '$5 == d { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# _detach DIR: lazy unmount if mounted.
_detach() {
	if _is_mounted "$1"; then
		timeout -k 2 10 fusermount3 -u -z "$1" >/dev/null 2>&1 ||
			timeout -k 2 10 umount -l "$1" >/dev/null 2>&1
	fi
	return 0
}

# _undo_state: detach every mount, kill every jetfs and helper. Used by the
# cleanup and by the watchdog.
_undo_state() {
	for _f in "$STATE"/bg.*; do
		test -f "$_f" || continue
		_pid=$(cat "$_f")
		pkill -TERM -P "$_pid" 2>/dev/null
		_kill_pid "$_pid"
		pkill -KILL -P "$_pid" 2>/dev/null
		rm -f "$_f"
	done
	for _f in "$STATE"/mount.*; do
		test -f "$_f" || continue
		read -r _pid _mnt <"$_f"
		_detach "$_mnt"
		_kill_pid "$_pid"
		_detach "$_mnt"
		rm -f "$_f"
	done
}

_cleanup_done=
cleanup() {
	test -n "$_cleanup_done" && return 0
	_cleanup_done=1
	cd / || :
	_undo_state
	test -n "$_watchdog_pid" && kill "$_watchdog_pid" 2>/dev/null
	if test -n "$JETFS_TEST_KEEP"; then
		echo "# scratch directory kept: $TRASH"
	else
		rm -rf --one-file-system "$TRASH" 2>/dev/null ||
			echo "# could not remove $TRASH"
	fi
	return 0
}
trap 'cleanup' EXIT
trap 'echo "Bail out! $this_test: interrupted (SIGINT)"; exit 130' INT
trap 'echo "Bail out! $this_test: terminated (SIGTERM)"; exit 143' TERM
trap 'echo "Bail out! $this_test: hung up (SIGHUP)"; exit 129' HUP

# The watchdog: a process that outlives this script. While the script runs
# it enforces the body and script deadlines; once the script is gone (even
# by SIGKILL) it undoes whatever is left and removes $TRASH.
_script_deadline=$(($(date +%s) + JETFS_TEST_TIMEOUT))
_main_pid=$$
(
	trap '' INT HUP
	trap 'exit 0' TERM
	while kill -0 "$_main_pid" 2>/dev/null; do
		_now=$(date +%s)
		_dl=$(cat "$STATE/deadline" 2>/dev/null)
		if test -n "$_dl" && test "$_now" -gt "$_dl"; then
			echo "$_dl" >"$STATE/timedout"
			rm -f "$STATE/deadline"
			for _f in "$STATE"/mount.*; do
				test -f "$_f" || continue
				read -r _pid _mnt <"$_f"
				kill -KILL "$_pid" 2>/dev/null
			done
		fi
		if test "$_now" -gt "$_script_deadline"; then
			kill -TERM "$_main_pid" 2>/dev/null
			_undo_state
			_script_deadline=$((_now + 30))
		fi
		sleep 1
	done
	if test -d "$TRASH"; then
		_undo_state
		test -n "$JETFS_TEST_KEEP" || rm -rf --one-file-system "$TRASH"
	fi
) </dev/null >/dev/null 2>&1 &
_watchdog_pid=$!

cd "$TRASH" || exit 1

# ---------------------------------------------------------------------------
# TAP
# ---------------------------------------------------------------------------

test_count=0
test_failed=0
_prereqs=" "

# test_set_prereq NAME / test_have_prereq NAME[,NAME...]
test_set_prereq() { _prereqs="$_prereqs$1 "; }
test_have_prereq() {
	_ok=0
	for _p in $(echo "$1" | tr ',' ' '); do
		case $_prereqs in *" $_p "*) ;; *) _ok=1 ;; esac
	done
	return $_ok
}
command -v vim >/dev/null 2>&1 && test_set_prereq VIM
command -v rsync >/dev/null 2>&1 && test_set_prereq RSYNC
command -v sqlite3 >/dev/null 2>&1 && test_set_prereq SQLITE3

# _comment FILE: FILE's lines as TAP comments (at most 80 of them).
_comment() {
	_n=$(wc -l <"$1")
	sed -e 's/^/#   /' -e 80q "$1"
	test "$_n" -gt 80 && echo "#   ... ($((_n - 80)) more lines)"
	return 0
}

# test_expect_success [PREREQS] DESC BODY: runs BODY (in this shell, so it
# may mount and unmount) with its output kept; ok if it returns 0.
test_expect_success() {
	if test $# = 3; then
		_req=$1
		shift
	else
		_req=
	fi
	test_count=$((test_count + 1))
	if test -n "$_req" && ! test_have_prereq "$_req"; then
		echo "ok $test_count # skip $1 (missing $_req)"
		return 0
	fi
	_out=$STATE/out
	echo $(($(date +%s) + JETFS_TEST_BODY_TIMEOUT)) >"$STATE/deadline"
	# The body runs in a background subshell and this shell waits for it:
	# a signal to the script then runs its trap at once (a trap waits for
	# a foreground command, not for wait), and the cleanup kills the body.
	(
		cd "$TRASH" || exit 1
		eval "$2"
	) >"$_out" 2>&1 </dev/null &
	_body=$!
	echo "$_body" >"$STATE/bg.body"
	wait "$_body"
	_rc=$?
	rm -f "$STATE/deadline" "$STATE/bg.body"
	if test -f "$STATE/timedout"; then
		echo "not ok $test_count - $1"
		echo "#   timed out after ${JETFS_TEST_BODY_TIMEOUT} s: every jetfs was killed"
		_comment "$_out"
		test_failed=$((test_failed + 1))
		echo "Bail out! $this_test: a test body hung"
		exit 1
	fi
	if test $_rc = 0; then
		echo "ok $test_count - $1"
		test -n "$JETFS_TEST_VERBOSE" && _comment "$_out"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		echo "#   the body (it returned $_rc):"
		printf '%s\n' "$2" >"$STATE/body"
		_comment "$STATE/body"
		echo "#   what it printed:"
		_comment "$_out"
		_jl=$TRASH/jetfs.log
		if test -s "$_jl"; then
			echo "#   the last lines of jetfs's stderr:"
			tail -n 15 "$_jl" >"$STATE/jl"
			_comment "$STATE/jl"
			# a sanitizer's report: its first lines, where the story is
			if grep -q "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$_jl"; then
				echo "#   jetfs's sanitizer report:"
				grep -m 1 -A 40 "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$_jl" >"$STATE/jl"
				_comment "$STATE/jl"
			fi
		fi
	fi
	return 0
}

# test_done: the plan, and the exit status (1 if any test failed).
test_done() {
	echo "1..$test_count"
	if test $test_failed -gt 0; then
		echo "# failed $test_failed of $test_count"
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------------------
# Checks (each says what was expected and what came)
# ---------------------------------------------------------------------------

# test_cmp EXPECTED ACTUAL: the files are identical (diff -u otherwise).
test_cmp() {
	if cmp -s "$1" "$2"; then
		return 0
	fi
	echo "files differ: expected $1, got $2"
	if LC_ALL=C grep -q "$(printf '\000')" "$1" "$2" 2>/dev/null; then
		cmp "$1" "$2"
	else
		diff -u "$1" "$2"
	fi
	echo "(sizes: expected $(wc -c <"$1"), got $(wc -c <"$2"))"
	return 1
}

# test_equal EXPECTED ACTUAL [WHAT]: two strings are equal.
test_equal() {
	if test "$1" = "$2"; then
		return 0
	fi
	echo "${3:-value}: expected '$1', got '$2'"
	return 1
}

# test_one_of 'A|B|C' ACTUAL [WHAT]: ACTUAL is one of the alternatives.
test_one_of() {
	_alts=$1
	while :; do
		_a=${_alts%%|*}
		test "$_a" = "$2" && return 0
		test "$_a" = "$_alts" && break
		_alts=${_alts#*|}
	done
	echo "${3:-value}: expected one of '$1', got '$2'"
	return 1
}

# test_must_fail CMD...: CMD exits non-zero (and was not killed by a signal
# or by timeout).
test_must_fail() {
	"$@"
	_rc=$?
	if test $_rc = 0; then
		echo "expected failure of: $*; it succeeded"
		return 1
	elif test $_rc -gt 128 || test $_rc = 124; then
		echo "expected a clean failure of: $*; it died with status $_rc"
		return 1
	fi
	return 0
}

# test_file_sha FILE: prints the sha256 of FILE (empty output on a read error).
test_file_sha() {
	sha256sum <"$1" | cut -d' ' -f1
}

# test_unchanged FILE SHA: FILE's sha256 is still SHA.
test_unchanged() {
	_now=$(test_file_sha "$1")
	test_equal "$2" "$_now" "sha256 of $1"
}

# test_stat_size FILE: st_size matches the bytes a read gives.
test_stat_size() {
	_st=$(stat -c %s "$1") &&
		_rd=$(wc -c <"$1") &&
		test_equal "$_rd" "$_st" "st_size of $1 (expected: the byte count of cat)"
}

# ---------------------------------------------------------------------------
# System calls with their errno (perl: POSIX calls, errno by name)
# ---------------------------------------------------------------------------

# jw [-t|-a|-w|-x] FILE [CHUNK]: writes standard input to FILE with one
# open(2) (-t: O_TRUNC|O_CREAT, the default; -a: O_APPEND|O_CREAT; -w: no
# O_TRUNC; -x: O_CREAT|O_EXCL), write(2) calls of CHUNK bytes (default all
# at once) and close(2). Prints "ok" or the first failing call and its
# errno: "open ENOENT", "write EINVAL", "close EBUSY". Exit status 0 for ok.
jw() {
	_mode=-t
	case $1 in -t | -a | -w | -x) _mode=$1; shift ;; esac
	perl -e '
		use strict; use warnings; use POSIX (); use Fcntl;
		my ($mode, $file, $chunk) = @ARGV;
		sub en { my $e = $! + 0; for my $k (keys %!) { local $! = $e; return $k if $!{$k} } return "errno$e" }
		sub fail { print "$_[0] ", en(), "\n"; exit 1 }
		binmode STDIN; local $/; my $buf = <STDIN>; $buf = "" unless defined $buf;
		my $fl = O_WRONLY | ($mode eq "-t" ? O_CREAT | O_TRUNC : $mode eq "-a" ? O_CREAT | O_APPEND
			: $mode eq "-x" ? O_CREAT | O_EXCL : 0);
		my $fd = POSIX::open($file, $fl, 0644); defined $fd or fail("open");
		$chunk = length($buf) || 1 unless $chunk;
		my $off = 0;
		while ($off < length $buf) {
			my $n = POSIX::write($fd, substr($buf, $off, $chunk), length(substr($buf, $off, $chunk)));
			defined $n or fail("write");
			$off += $n;
		}
		defined POSIX::close($fd) or fail("close");
		print "ok\n";
	' -- "$_mode" "$@"
}

# jop OP ARGS...: one system call; prints "ok" or its errno name. OPs:
# rename A B, unlink P, mkdir P, rmdir P, truncate P LEN, read P (open,
# read to the end, close), creat P (open O_CREAT|O_WRONLY, close), utime P.
jop() {
	perl -e '
		use strict; use warnings; use POSIX (); use Fcntl;
		sub en { my $e = $! + 0; for my $k (keys %!) { local $! = $e; return $k if $!{$k} } return "errno$e" }
		my ($op, @a) = @ARGV; my $ok;
		if ($op eq "rename") { $ok = rename $a[0], $a[1] }
		elsif ($op eq "unlink") { $ok = unlink $a[0] }
		elsif ($op eq "mkdir") { $ok = mkdir $a[0] }
		elsif ($op eq "rmdir") { $ok = rmdir $a[0] }
		elsif ($op eq "truncate") { $ok = truncate $a[0], $a[1] }
		elsif ($op eq "utime") { $ok = utime undef, undef, $a[0] }
		elsif ($op eq "creat" || $op eq "read") {
			my $fd = POSIX::open($a[0], $op eq "creat" ? O_WRONLY | O_CREAT : O_RDONLY, 0644);
			if (defined $fd) {
				$ok = 1;
				if ($op eq "read") { my $b; while (1) { my $n = POSIX::read($fd, $b, 65536);
					if (!defined $n) { $ok = 0; last } last if $n == 0 } }
				if ($ok) { $ok = defined POSIX::close($fd) } else { my $e = $!; POSIX::close($fd); $! = $e }
			}
		} else { die "jop: unknown op $op\n" }
		print $ok ? "ok\n" : en() . "\n";
		exit($ok ? 0 : 1);
	' -- "$@"
}

# ---------------------------------------------------------------------------
# Mounting
# ---------------------------------------------------------------------------

# mount_at DATABASE MOUNTPOINT [OPTIONS...]: starts jetfs -f in the
# background and waits until the mount is there. Fails (printing jetfs's
# output) if jetfs exits or the mount does not appear in
# $JETFS_TEST_MOUNT_TIMEOUT seconds. Works from any subshell: what the
# cleanup needs is kept in $STATE/mount.* (pid, mount point) and jetfs's
# exit status lands in $STATE/rc.* (written by a keeper subshell).
mount_at() {
	_db=$1
	_mnt=$2
	shift 2
	mkdir -p "$_mnt" || return 1
	_log=$TRASH/jetfs.log
	echo "== jetfs -f $* $_db $_mnt" >>"$_log"
	_rec=$(mktemp "$STATE/mount.XXXXXX") || return 1
	_rc=$STATE/rc.${_rec##*/mount.}
	(
		# A background job of a script ignores SIGINT (and libfuse then
		# leaves it ignored): give jetfs the default, as in a terminal.
		perl -e '$SIG{INT} = $SIG{QUIT} = "DEFAULT"; exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n"' \
			"$JETFS" -f "$@" "$_db" "$_mnt" >>"$_log" 2>&1 </dev/null &
		echo "$! $_mnt" >"$_rec"
		wait $!
		echo $? >"$_rc"
	) </dev/null >/dev/null 2>&1 &
	_i=0
	while test $_i -lt $((JETFS_TEST_MOUNT_TIMEOUT * 10)); do
		if test -s "$_rc"; then
			echo "jetfs exited with status $(cat "$_rc") before mounting $_mnt; its output:"
			sed -n '/^== jetfs/h; /^== jetfs/!H; ${x;p;}' "$_log"
			rm -f "$_rec" "$_rc"
			return 1
		fi
		# (the keeper may write the record after the mount appears)
		if test -s "$_rec" && _is_mounted "$_mnt" && timeout -k 1 5 mountpoint -q "$_mnt"; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "jetfs did not mount $_mnt in $JETFS_TEST_MOUNT_TIMEOUT s; its output:"
	sed -n '/^== jetfs/h; /^== jetfs/!H; ${x;p;}' "$_log"
	_detach "$_mnt"
	read -r _pid _m <"$_rec" && _kill_pid "$_pid"
	rm -f "$_rec"
	return 1
}

# mount_db [OPTIONS...]: mount_at "$DB" "$MNT" OPTIONS...
mount_db() {
	mount_at "$DB" "$MNT" "$@"
}

# _rec_of MOUNTPOINT: the state file of the jetfs started on it.
_rec_of() {
	for _f in "$STATE"/mount.*; do
		test -s "$_f" || continue
		read -r _pid _m <"$_f"
		if test "$_m" = "$1"; then
			echo "$_f"
			return 0
		fi
	done
	echo "no jetfs was started on $1" >&2
	return 1
}

# jetfs_pid [MOUNTPOINT]: the pid of the jetfs serving it (default $MNT).
jetfs_pid() {
	_f=$(_rec_of "${1:-$MNT}") || return 1
	read -r _pid _m <"$_f"
	echo "$_pid"
}

# _wait_exit RECORD SECONDS: waits for the jetfs of RECORD to exit; prints
# its exit status; fails if it is still running.
_wait_exit() {
	_rc=$STATE/rc.${1##*/mount.}
	_i=0
	while ! test -s "$_rc" && test $_i -lt $(($2 * 10)); do
		sleep 0.1
		_i=$((_i + 1))
	done
	test -s "$_rc" || return 1
	cat "$_rc"
	rm -f "$1" "$_rc"
}

# umount_at MOUNTPOINT: fusermount3 -u; jetfs must exit 0 within 20 s.
umount_at() {
	_f=$(_rec_of "$1") || return 1
	if ! timeout -k 2 20 fusermount3 -u "$1"; then
		echo "fusermount3 -u $1 failed"
		return 1
	fi
	if ! _st=$(_wait_exit "$_f" 20); then
		echo "jetfs still running 20 s after fusermount3 -u $1"
		return 1
	fi
	if test "$_st" != 0; then
		echo "jetfs exited with status $_st after fusermount3 -u $1"
		return 1
	fi
	return 0
}

umount_db() {
	umount_at "$MNT"
}

# kill_at MOUNTPOINT [SIGNAL]: sends jetfs SIGNAL (default KILL, a crash),
# waits for it to exit (printing its exit status) and detaches the mount.
kill_at() {
	_f=$(_rec_of "$1") || return 1
	read -r _pid _m <"$_f"
	kill "-${2:-KILL}" "$_pid"
	if ! _st=$(_wait_exit "$_f" 20); then
		echo "jetfs still running 20 s after SIG${2:-KILL}"
		return 1
	fi
	_detach "$1"
	echo "$_st"
	return 0
}

kill_db() {
	kill_at "$MNT" "$@"
}

# jetfs_alive [MOUNTPOINT]: its jetfs is still running.
jetfs_alive() {
	_f=$(_rec_of "${1:-$MNT}") || return 1
	if test -s "$STATE/rc.${_f##*/mount.}"; then
		echo "jetfs on ${1:-$MNT} is gone (exit status $(cat "$STATE/rc.${_f##*/mount.}"))"
		return 1
	fi
	return 0
}

# bg_start CMD...: runs CMD in the background, its output appended to
# $TRASH/bg.log (killed by the cleanup if still running); sets BG_PID.
bg_start() {
	"$@" </dev/null >>"$TRASH/bg.log" 2>&1 &
	BG_PID=$!
	echo "$BG_PID" >"$(mktemp "$STATE/bg.XXXXXX")"
}

# bg_wait PID...: waits for background helpers; fails if any failed.
bg_wait() {
	_all=0
	for _p in "$@"; do
		wait "$_p" || _all=1
		for _f in "$STATE"/bg.*; do
			test -f "$_f" && test "$(cat "$_f")" = "$_p" && rm -f "$_f"
		done
	done
	return $_all
}

# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

# make_rows N [FIRST]: a CSV of a header "id,name,qty" and N rows.
make_rows() {
	awk -v n="$1" -v f="${2:-1}" 'BEGIN {
		print "id,name,qty"
		for (i = f; i < f + n; i++) printf "%d,name %d,%d\n", i, i, (i * 7919) % 1000
	}'
}

# schema_text COLUMN...: the text of a .schema/NAME file for a table with
# these columns, in this order; each COLUMN is NAME:TYPE[:FLAG...] with TYPE
# a JET column type (Bit, UnsignedByte, Short, UnsignedShort, Long,
# UnsignedLong, LongLong, UnsignedLongLong, Currency, IEEESingle,
# IEEEDouble, DateTime, GUID, Binary, Text, LongBinary, LongText) and FLAGs
# key (a segment of the primary index, in order), notnull, multi
# (multi-valued), cp=N (code page). The schema format is jetfs's
# (docs/csv.md, "Schema files"); this is the one place that knows it.
schema_text() {
	_key=
	for _c in "$@"; do
		_name=${_c%%:*}
		_rest=${_c#*:}
		_type=${_rest%%:*}
		_flags=
		case $_rest in *:*) _flags=${_rest#*:} ;; esac
		_out="column $_name $_type"
		_old_ifs=$IFS
		IFS=:
		for _fl in $_flags; do
			case $_fl in
			key) _key="$_key +$_name" ;;
			notnull) _out="$_out not-null" ;;
			multi) _out="$_out multi-valued" ;;
			cp=*) _out="$_out $_fl" ;;
			esac
		done
		IFS=$_old_ifs
		echo "$_out"
	done
	test -n "$_key" && echo "index pk primary$_key"
	return 0
}

# make_table NAME COLUMN...: creates table NAME by writing its schema file.
make_table() {
	_t=$1
	shift
	schema_text "$@" >"$TRASH/.schema.$_t" &&
		cp "$TRASH/.schema.$_t" "$MNT/.schema/$_t"
}
