#!/bin/sh
# t0001-esent-sample.sh - examples/esent_sample, a program written the way
# an ESENT programmer would, runs to the end in a scratch directory (TAP).
# Needs no mount, so it does not use lib.sh (which skips without FUSE).
: "${top_builddir:=.}"
prog=$top_builddir/examples/esent_sample

echo "1..2"
if ! test -x "$prog"; then
	echo "not ok 1 - $prog is built"
	echo "not ok 2 - esent_sample exits 0 # SKIP not built"
	exit 0
fi
echo "ok 1 - $prog is built"

dir=$(mktemp -d "${TMPDIR:-/tmp}/t0001-esent-sample.XXXXXX") || {
	echo "Bail out! cannot create a scratch directory"
	exit 1
}
trap 'rm -rf "$dir"' EXIT INT TERM HUP
if "$prog" "$dir" >"$dir/out" 2>&1 && grep -qx "done" "$dir/out"; then
	echo "ok 2 - esent_sample exits 0"
	sed 's/^/# /' "$dir/out"
else
	echo "not ok 2 - esent_sample exits 0"
	sed 's/^/# /' "$dir/out"
fi
