#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='another real uid cannot list or read the mount without -o allow_other (and can with it); under -o ro nothing changes, not even the database files (issue 6)'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

# The other user: an existing unprivileged account, or one made here.
OTHER=jetfs-test-other
test "$(id -u)" = 0 || skip_all "needs root (a second uid, allow_other)"
for _cmd in setpriv useradd; do
	command -v "$_cmd" >/dev/null 2>&1 || skip_all "$_cmd is not installed"
done
MADE_USER=
if ! id -u "$OTHER" >/dev/null 2>&1; then
	MADE_USER=1
	useradd --system --no-create-home --shell /usr/sbin/nologin "$OTHER" >/dev/null 2>&1 ||
		skip_all "cannot create user $OTHER"
fi
OUID=$(id -u "$OTHER") || skip_all "no uid for $OTHER"
OGID=$(id -g "$OTHER") || skip_all "no gid for $OTHER"
test "$OUID" != 0 || skip_all "$OTHER is root"
# The other user must reach the mount point itself: only the mount may
# refuse it.
chmod 755 "$TRASH" "$MNT" || skip_all "cannot open $TRASH to others"

# as_other OP PATH: jop as the other uid (no supplementary groups).
as_other() {
	timeout -k 2 20 setpriv --reuid="$OUID" --regid="$OGID" --clear-groups \
		perl -e '
			use strict; use warnings;
			sub en { my $e = $! + 0; for my $k (keys %!) { local $! = $e; return $k if $!{$k} } return "errno$e" }
			my ($op, $p) = @ARGV;
			if ($op eq "list") { opendir(my $d, $p) or do { print en(), "\n"; exit 1 };
				my @e = readdir $d; print "ok\n"; exit 0 }
			if ($op eq "read") { open(my $f, "<", $p) or do { print en(), "\n"; exit 1 };
				local $/; my $b = <$f>; defined $b or do { print en(), "\n"; exit 1 }; print "ok\n"; exit 0 }
			if ($op eq "stat") { my @s = stat $p or do { print en(), "\n"; exit 1 }; print "ok\n"; exit 0 }
			die "as_other: unknown op $op\n";
		' -- "$@"
}

# dbfiles: every file of the database (the .jdb and its log directory)
# with its size and sha256, but for the checkpoint file edb.chk, which the
# instance rewrites at init and term even when its database is attached
# read-only (as ESE's does; it names no data).
dbfiles() {
	(cd "$TRASH" && find . -path ./mnt -prune -o -path ./.state -prune -o -type f -path "./test.jdb*" ! -name edb.chk -print |
		LC_ALL=C sort | while read -r f; do echo "$f $(wc -c <"$f") $(test_file_sha "$f")"; done)
}

test_expect_success 'setup: a table t; the other uid can enter the scratch directory' '
	printf "id,name\n1,one\n2,two\n" >data.csv &&
	mount_db -o create &&
	cp data.csv "$MNT/t.csv" &&
	umount_db &&
	test_equal ok "$(as_other stat "$TRASH/data.csv")" "stat of a file next to the mount" &&
	test_equal ok "$(as_other list "$TRASH")" "listing of the mount point'"'"'s parent"
'

test_expect_success 'without -o allow_other: the other uid cannot list, stat or read' '
	mount_db &&
	test_equal EACCES "$(as_other list "$MNT")" "list the root" &&
	test_equal EACCES "$(as_other stat "$MNT/t.csv")" "stat t.csv" &&
	test_equal EACCES "$(as_other read "$MNT/t.csv")" "read t.csv" &&
	test_equal EACCES "$(as_other read "$MNT/.schema/t")" "read .schema/t" &&
	test_equal EACCES "$(as_other list "$MNT/.sessions")" "list .sessions" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	umount_db
'

test_expect_success 'with -o allow_other (the control): the other uid can list and read' '
	mount_db -o allow_other &&
	test_equal ok "$(as_other list "$MNT")" "list the root" &&
	test_equal ok "$(as_other read "$MNT/t.csv")" "read t.csv" &&
	umount_db
'

test_expect_success '-o ro: writes refused and the database files byte-identical after the mount' '
	dbfiles >before && cat before &&
	test $(wc -l <before) -ge 2 &&
	mount_db -o ro &&
	test_equal "open EROFS" "$(jw "$MNT/t.csv" <data.csv)" "write t.csv" &&
	test_equal "open EROFS" "$(jw "$MNT/n.csv" <data.csv)" "create n.csv" &&
	test_equal EROFS "$(jop unlink "$MNT/t.csv")" "unlink t.csv" &&
	test_equal EROFS "$(jop rename "$MNT/t.csv" "$MNT/u.csv")" "rename t.csv" &&
	test_equal "open EROFS" "$(jw "$MNT/.schema/t" <data.csv)" "write .schema/t" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	test_equal EACCES "$(as_other list "$MNT")" "the other uid, -o ro" &&
	umount_db &&
	dbfiles >after &&
	test_cmp before after
'

test_expect_success 'the user made for this test is removed' '
	test -z "$MADE_USER" || userdel "$OTHER"
'

test_done
