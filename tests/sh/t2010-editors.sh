#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='saving the way editors and tools do: sed -i, vim (backup, 4913, write, fsync), rsync-style temp file and rename; the schema stays'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

# t: a typed table with a primary key, so a save that made a text-only copy
# (LongText columns, hidden key) would show in its schema file.
cat >data.csv <<\EOF
id,qty,name
1,10,apple
2,20,"Smith, John"
3,30,pear
4,40,""
5,50,
EOF

test_expect_success 'setup: a typed table' '
	mount_db -o create &&
	make_table t id:Long:key:notnull qty:Long name:LongText:cp=65001 &&
	cp data.csv "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	cp "$MNT/.schema/t" schema.orig &&
	cat schema.orig
'

test_expect_success 'sed -i edits the table in place; schema unchanged' '
	sed -e "s/^3,30,pear$/3,30,PEAR/" data.csv >expect &&
	sed -i -e "s/^3,30,pear$/3,30,PEAR/" "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	test_cmp schema.orig "$MNT/.schema/t" &&
	! ls -a "$MNT" | grep "^sed"
'

test_expect_success 'sed -i that deletes a row' '
	sed -e "/^2,/d" -e "s/^3,30,pear$/3,30,PEAR/" data.csv >expect &&
	sed -i -e "/^2,/d" "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	test_cmp schema.orig "$MNT/.schema/t"
'

# What vim does on :w with its defaults (backupcopy=auto picks rename):
# test that it can create files here (4913), rename the file to its backup
# name, create the file anew, write, fsync, delete the backup.
vim_like_save() {
	(
		cd "$MNT" &&
		: >./4913 && rm ./4913 &&
		mv t.csv t.csv~ &&
		cat "$TRASH/$1" >t.csv &&
		sync t.csv &&
		rm t.csv~
	)
}

test_expect_success 'a save the way vim does it: new rows, same schema' '
	sed -e "s/^1,10,apple/1,11,apple/" -e "\$a\\
6,60,fig" data.csv >vim1.csv &&
	vim_like_save vim1.csv &&
	cat "$MNT/t.csv" >actual &&
	test_cmp vim1.csv actual &&
	test_cmp schema.orig "$MNT/.schema/t" &&
	printf "%s\n" . .. .schema t.csv >expect &&
	ls -a "$MNT" | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'while vim has renamed it away, the backup reads as the table did' '
	(
		cd "$MNT" &&
		mv t.csv t.csv~ &&
		cat t.csv~ >"$TRASH/backup.csv" &&
		cat "$TRASH/vim1.csv" >t.csv &&
		sync t.csv &&
		rm t.csv~
	) &&
	test_cmp vim1.csv backup.csv &&
	test_cmp schema.orig "$MNT/.schema/t"
'

test_expect_success 'a scratch file (4913, t.csv~, .swp) is not a table' '
	: >"$MNT/4913" &&
	echo hello >"$MNT/.t.csv.swp" &&
	test_equal hello "$(cat "$MNT/.t.csv.swp")" "scratch file content" &&
	! test -e "$MNT/.schema/4913" &&
	rm "$MNT/4913" "$MNT/.t.csv.swp" &&
	! test -e "$MNT/4913"
'

test_expect_success 'rsync-style: write .t.csv.XXXXXX, rename onto t.csv' '
	sed -e "s/^5,50,$/5,55,plum/" vim1.csv >rs.csv &&
	cp rs.csv "$MNT/.t.csv.Ab12Cd" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp vim1.csv actual &&
	mv -f "$MNT/.t.csv.Ab12Cd" "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp rs.csv actual &&
	test_cmp schema.orig "$MNT/.schema/t" &&
	! test -e "$MNT/.t.csv.Ab12Cd"
'

test_expect_success 'an unlinked scratch file changes nothing' '
	echo "id,qty,name" >"$MNT/.t.csv.zzz" &&
	rm "$MNT/.t.csv.zzz" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp rs.csv actual
'

test_expect_success VIM 'vim itself: substitute and save' '
	sed -e "s/^4,40,\"\"/4,44,\"\"/" rs.csv >expect &&
	HOME=$TRASH timeout 30 vim -es -u NONE -i NONE -N \
		-c "set nomore" -c "%s/^4,40,\"\"$/4,44,\"\"/" -c "wq" "$MNT/t.csv" </dev/null &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	test_cmp schema.orig "$MNT/.schema/t" &&
	printf "%s\n" . .. .schema t.csv >expect &&
	ls -a "$MNT" | sort >actual &&
	test_cmp expect actual
'

test_expect_success VIM 'vim with backupcopy=no, writebackup (rename away, always)' '
	cat "$MNT/t.csv" >before.csv &&
	sed -e "s/^6,60,fig/6,66,fig/" before.csv >expect &&
	HOME=$TRASH timeout 30 vim -es -u NONE -i NONE -N -c "set nomore backupcopy=no writebackup" \
		-c "%s/^6,60,fig$/6,66,fig/" -c "wq" "$MNT/t.csv" </dev/null &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	test_cmp schema.orig "$MNT/.schema/t"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
