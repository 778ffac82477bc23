#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='kill -9 of jetfs, then a remount recovers every table as of its last successful close; uncommitted writes and sessions are gone'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

make_rows 3000 >data.csv
make_rows 100 5000 >d2.csv
S=$MNT/.sessions

test_expect_success 'setup: tables written, then jetfs killed with SIGKILL' '
	mount_db -o create &&
	cp data.csv "$MNT/t.csv" &&
	cp d2.csv "$MNT/u.csv" &&
	make_table s k:Long:key:notnull v:LongText:cp=65001 &&
	printf "k,v\n1,one\n" >"$MNT/s.csv" &&
	printf "2,two\n" >>"$MNT/s.csv" &&
	printf "k,v\n1,one\n2,two\n" >s.expect &&
	cp "$MNT/.schema/s" schema.s &&
	cat "$MNT/s.csv" >actual &&
	test_cmp s.expect actual &&
	kill_db &&
	! _is_mounted "$MNT"
'

test_expect_success 'remount recovers every table' '
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	cat "$MNT/u.csv" >actual &&
	test_cmp d2.csv actual &&
	cat "$MNT/s.csv" >actual &&
	test_cmp s.expect actual &&
	test_cmp schema.s "$MNT/.schema/s" &&
	test_stat_size "$MNT/t.csv" &&
	test_stat_size "$MNT/s.csv"
'

test_expect_success 'a write still open at the crash is not applied' '
	# perl writes and never closes: any close of any copy of the
	# descriptor (a cat >&3 exiting) would flush, and flush commits
	cat >holder.pl <<-\EOF || exit 1
	open(my $f, ">", "$ENV{MNT}/t.csv") or die "open: $!";
	local $/;
	my $d = <STDIN>;
	syswrite($f, $d) == length($d) or die "write: $!";
	open(my $s, ">", "open.state") or die;
	print $s "written\n";
	close $s;
	sleep 60;
	EOF
	perl holder.pl <d2.csv &
	holder=$!
	i=0; while ! test -s open.state && test $i -lt 100; do sleep 0.1; i=$((i + 1)); done
	test -s open.state &&
	printf "3,three\n" >>"$MNT/s.csv" &&
	printf "k,v\n1,one\n2,two\n3,three\n" >s.expect &&
	kill_db &&
	kill $holder; wait $holder;
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	cat "$MNT/s.csv" >actual &&
	test_cmp s.expect actual
'

test_expect_success 'uncommitted changes of a named session are gone after a crash' '
	mkdir "$S/a" &&
	cp d2.csv "$S/a/t.csv" &&
	printf "x\n1\n" >"$S/a/fresh.csv" &&
	printf "k,v\n9,nine\n" >"$S/a/s.csv" &&
	kill_db &&
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	! test -e "$MNT/fresh.csv" &&
	cat "$MNT/s.csv" >actual &&
	test_cmp s.expect actual &&
	! test -e "$S/a"
'

test_expect_success 'committed changes of a named session survive a crash' '
	mkdir "$S/b" &&
	cp d2.csv "$S/b/t.csv" &&
	echo commit >"$S/b/ctl" &&
	kill_db &&
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp d2.csv actual
'

test_expect_success 'crash right after many small closes: each one is there' '
	i=1 &&
	while test $i -le 50; do
		printf "%d,v%d\n" $((i + 100)) $i >>"$MNT/s.csv" || exit 1
		i=$((i + 1))
	done &&
	cat "$MNT/s.csv" >s.expect &&
	test "$(wc -l <s.expect)" = 54 &&
	kill_db &&
	mount_db &&
	cat "$MNT/s.csv" >actual &&
	test_cmp s.expect actual
'

test_expect_success 'crash during a large replace: the table is old or new, never half' '
	make_rows 60000 >big.csv &&
	cp big.csv "$MNT/t.csv" &
	cpp=$!
	sleep 0.3 &&
	kill_db;
	wait $cpp;
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	if cmp -s actual big.csv; then echo "new"; else test_cmp d2.csv actual; fi
'

test_expect_success 'a clean unmount after recovery' '
	umount_db &&
	mount_db &&
	test_stat_size "$MNT/t.csv" &&
	umount_db
'

test_done
