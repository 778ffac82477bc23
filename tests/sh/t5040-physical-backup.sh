#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='.backup/: rsync -a while 4 writers commit gives copies that mount, pass jetutil check and hold what a session opened at the backup'"'"'s start saw; a second rsync after 1% of the rows changed sends little'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

test_have_prereq RSYNC || skip_all "rsync is not installed"
JETUTIL=${JETUTIL:-$top_builddir/tools/jetutil}
test -x "$JETUTIL" || skip_all "tools/jetutil is not built"

S=$MNT/.sessions
MNT2=$TRASH/mnt2
NAME=${DB##*/}

# wcommit MODE FILE TEXT: TEXT and a line end into FILE through jw MODE (one transaction),
# tried again when it fails with EBUSY, as an application would: a write
# conflict rolled it back and changed nothing (concurrent appends to
# different tables conflicted now and then before 727e01e; the
# count is printed, and conflicts are not this script's subject).
wcommit() {
	_try=0
	while :; do
		_out=$(printf "%s\n" "$3" | jw "$1" "$2" 2>&1)
		test "$_out" = ok && return 0
		case $_out in *EBUSY*) ;; *) echo "$2: $_out"; return 1 ;; esac
		_try=$((_try + 1))
		test $_try -lt 50 || { echo "$2: still EBUSY after 50 tries"; return 1; }
		echo "$2: write conflict, tried again" >>conflicts
		sleep 0.05
	done
}

# writer N: until the file stop exists, commits through the mount: appends
# a row to wN.csv, and every third time replaces cN.csv's one row. While
# the file pause exists it stops between transactions and says so with
# paused.N (nothing of its is in flight then).
writer() {
	n=$1
	i=0
	while ! test -e stop; do
		if test -e pause; then
			touch "paused.$n"
			while test -e pause && ! test -e stop; do sleep 0.02; done
			rm -f "paused.$n"
			continue
		fi
		i=$((i + 1))
		wcommit -a "$MNT/w$n.csv" "$i,writer $n row $i padding-padding-padding" ||
			{ echo "writer $n: append $i failed"; exit 1; }
		if test $((i % 3)) = 0; then
			wcommit -t "$MNT/c$n.csv" "$(printf "k,v\n1,%d" $i)" ||
				{ echo "writer $n: c$n.csv failed at $i"; exit 1; }
		fi
	done
}

# pause_writers / resume_writers: the writers stop between transactions,
# and go on.
pause_writers() {
	touch pause &&
	_t=0 &&
	while test "$(ls paused.* 2>/dev/null | wc -l)" -lt 4; do
		_t=$((_t + 1))
		test $_t -lt 1000 || { echo "writers did not pause"; return 1; }
		sleep 0.02
	done
}

resume_writers() {
	rm -f pause
}

# same_tables A B: the same table files and schemas, byte for byte.
same_tables() {
	(cd "$1" && ls && ls .schema) >"$TRASH/tables.a" &&
	(cd "$2" && ls && ls .schema) >"$TRASH/tables.b" &&
	test_cmp "$TRASH/tables.a" "$TRASH/tables.b" &&
	for f in $(cd "$1" && ls); do
		cmp "$1/$f" "$2/$f" || return 1
	done &&
	for f in $(cd "$1/.schema" && ls); do
		cmp "$1/.schema/$f" "$2/.schema/$f" || return 1
	done
}

test_expect_success 'setup: four tables with rows, four counters' '
	mount_db -o create &&
	for n in 1 2 3 4; do
		make_table w$n k:Long:key:notnull v:LongText:cp=65001 &&
		make_table c$n k:Long:key:notnull v:Long &&
		printf "k,v\n1,0\n" >"$MNT/c$n.csv" || exit 1
	done
'

test_expect_success '.backup is hidden from the root listing, reachable by name, read-only' '
	ls -a "$MNT" >root.list &&
	! grep -e "^\.backup$" -e "^\.sessions$" root.list &&
	ls "$MNT/.backup" >bk.list &&
	printf "%s\n%s\n" "$NAME" "$NAME.jetlog" >expect &&
	test_cmp expect bk.list &&
	ls "$MNT/.backup/$NAME.jetlog" >logs.list &&
	grep -q "^edb\.chk$" logs.list &&
	grep -q "^edb[0-9A-F]*\.log$" logs.list &&
	test_equal EROFS "$(jop creat "$MNT/.backup/x")" "create in .backup" &&
	test_equal EROFS "$(echo x | jw -w "$MNT/.backup/$NAME" 2>&1 | cut -d" " -f2)" "open for writing" &&
	test_equal EROFS "$(jop unlink "$MNT/.backup/$NAME")" "unlink" &&
	test_equal EROFS "$(jop mkdir "$MNT/.backup/d")" "mkdir" &&
	test_equal EROFS "$(jop truncate "$MNT/.backup/$NAME" 0)" "truncate" &&
	test_equal EROFS "$(jop rename "$MNT/.backup/$NAME" "$MNT/.backup/y")" "rename"
'

# One round: with the writers paused, a session directory begins, and a
# backup begins and is held (fd 3 holds .backup open, as a listing does:
# rsync then joins that backup instead of beginning its own); the writers
# resume; rsync copies the backup (into the same dest/ every round) and the
# session. The copy, restored by mounting it, must equal the session's view
# table by table, and the live database must have moved on meanwhile (else
# the round proved nothing).
backup_round() {
	k=$1
	pause_writers &&
	mkdir "$S/snap$k" &&
	exec 3<"$MNT/.backup" &&
	resume_writers &&
	sleep 0.3 &&
	timeout 120 rsync -a "$MNT/.backup/" dest/ &&
	exec 3<&- &&
	rsync -a "$S/snap$k/" "snap$k/" &&
	rmdir "$S/snap$k" &&
	rm -rf "restore$k" && cp -a dest "restore$k" &&
	mount_at "restore$k/$NAME" "$MNT2" &&
	same_tables "snap$k" "$MNT2" &&
	umount_at "$MNT2" &&
	"$JETUTIL" check "restore$k/$NAME" &&
	! same_tables "snap$k" "$MNT" >/dev/null 2>&1 &&
	echo "round $k: w1 has $(($(wc -l <"snap$k/w1.csv") - 1)) rows in the copy, $(($(wc -l <"$MNT/w1.csv") - 1)) now"
}

test_expect_success 'three rsyncs of .backup/ while 4 writers commit: each copy mounts, passes check, equals the session opened with it' '
	rm -f stop pause paused.* &&
	for n in 1 2 3 4; do bg_start writer $n; echo $BG_PID >>writers; done &&
	sleep 1 &&
	{ backup_round 1 && backup_round 2 && backup_round 3; rc=$?; } ;
	touch stop &&
	bg_wait $(cat writers) &&
	cat bg.log &&
	echo "$(cat conflicts 2>/dev/null | wc -l) write conflicts tried again" &&
	test "$rc" = 0
'

test_expect_success 'the writers'"'"' last commits are all in the live database' '
	for n in 1 2 3 4; do
		last=$(tail -n 1 "$MNT/w$n.csv" | cut -d, -f1) &&
		test_equal "$((last + 1))" "$(wc -l <"$MNT/w$n.csv")" "lines of w$n.csv" || exit 1
	done
'

# 20,000 rows of about 120 bytes; 1% of them (200 neighbours) changed.
big_rows() {
	awk -v tag="$1" -v lo="$2" -v hi="$3" 'BEGIN {
		print "id,name,qty"
		for (i = 1; i <= 20000; i++)
			printf "%d,%s row %d of the big table with a text long enough to fill pages,%d\n", \
				i, (i >= lo && i <= hi) ? tag : "base", i, (i * 7919) % 1000
	}'
}

test_expect_success 'incremental: after 1% of the rows change, a second rsync sends < 10% of the database' '
	make_table big id:Long:key:notnull name:LongText:cp=65001 qty:Long &&
	big_rows base 0 0 >big.csv &&
	cp big.csv "$MNT/big.csv" &&
	rm -rf inc &&
	rsync -a --no-whole-file "$MNT/.backup/" inc/ &&
	big_rows changed 10001 10200 >big2.csv &&
	cp big2.csv "$MNT/big.csv" &&
	cat "$MNT/big.csv" >live.csv &&
	rsync -a --no-whole-file --stats "$MNT/.backup/" inc/ >stats &&
	cat stats &&
	sent=$(sed -n "s/^Total bytes sent: *//p" stats | tr -d ",") &&
	size=$(stat -c %s "inc/$NAME") &&
	echo "sent $sent of a $size-byte database" &&
	test "$sent" -gt 0 &&
	test $((sent * 10)) -lt "$size" &&
	rm -rf restore-inc && cp -a inc restore-inc &&
	mount_at "restore-inc/$NAME" "$MNT2" &&
	cmp live.csv "$MNT2/big.csv" &&
	umount_at "$MNT2" &&
	"$JETUTIL" check "restore-inc/$NAME"
'

# The oldest log generation in the live log folder.
oldest_log() {
	ls "$DB.jetlog" | grep "^edb[0-9A-F]*\.log$" | sort | head -n 1
}

test_expect_success 'a backup keeps the log it needs until it ends: held, abandoned, then replaced by a complete one' '
	first=$(oldest_log) &&
	echo "oldest generation: $first" &&
	exec 3<"$MNT/.backup" &&
	for r in 1 2 3; do
		big_rows "rewrite$r" 1 20000 >b.csv &&
		cp b.csv "$MNT/big.csv" || exit 1
	done &&
	echo "now: $(ls "$DB.jetlog" | grep -c "\.log$") generations, newest $(ls "$DB.jetlog" | grep "\.log$" | sort | tail -n 1)" &&
	test "$(ls "$DB.jetlog" | grep "\.log$" | sort | tail -n 1)" != "$first" &&
	sleep 7 &&
	test_equal "$first" "$(oldest_log)" "oldest generation while the backup is held" &&
	exec 3<&- &&
	big_rows rewrite4 1 20000 >b.csv &&
	cp b.csv "$MNT/big.csv" &&
	sleep 7 &&
	test_equal "$first" "$(oldest_log)" "oldest generation after the backup was abandoned" &&
	cat "$MNT/big.csv" >live.csv &&
	rm -rf full && rsync -a "$MNT/.backup/" full/ &&
	echo "after a complete backup: oldest $(oldest_log)" &&
	test "$(oldest_log)" != "$first" &&
	rm -rf restore-full && cp -a full restore-full &&
	mount_at "restore-full/$NAME" "$MNT2" &&
	cmp live.csv "$MNT2/big.csv" &&
	umount_at "$MNT2"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
