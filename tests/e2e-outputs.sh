#!/bin/sh
# e2e-outputs.sh MTLSDIAG - the -o report file: written where it is named
# (created with mode 0644 under umask 022, or an existing file replaced),
# never through a symbolic link at its last component: one there is
# refused with exit 2 and its target left as it was, a dangling one does
# not create its target. (-w, opened the same way, is in e2e-live.sh: it
# needs a capture interface.)
set -u
BIN=$1
S=samples/tls12-mutual-ok.pcap
. tests/lib/scratch.sh
trap 'exit 1' INT TERM HUP
. tests/lib/tally.sh
umask 022

# The report on standard output is the reference for what -o writes.
"$BIN" -F json "$S" >"$tmp/stdout.json" 2>/dev/null
[ -s "$tmp/stdout.json" ] && ok || bad "no report on standard output for $S"

# A new file.
"$BIN" -F json -o "$tmp/new.json" "$S" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && cmp -s "$tmp/new.json" "$tmp/stdout.json" && ok ||
	bad "-o new file: exit $rc, stderr: $(cat "$tmp/err"), differs from stdout: $(diff "$tmp/new.json" "$tmp/stdout.json")"
[ "$(stat -c %a "$tmp/new.json")" = 644 ] && ok || bad "-o new file: mode $(stat -c %a "$tmp/new.json"), not 644"

# An existing, longer file is replaced, its mode kept.
head -c 100000 /dev/zero | tr '\0' x >"$tmp/old.json"
chmod 600 "$tmp/old.json"
"$BIN" -F json -o "$tmp/old.json" "$S" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && cmp -s "$tmp/old.json" "$tmp/stdout.json" && ok ||
	bad "-o existing file: exit $rc, stderr: $(cat "$tmp/err"); not replaced by the report"
[ "$(stat -c %a "$tmp/old.json")" = 600 ] && ok || bad "-o existing file: mode changed to $(stat -c %a "$tmp/old.json")"

# A symbolic link to a file: refused, the target untouched.
echo keep >"$tmp/target"
ln -s "$tmp/target" "$tmp/link.json"
"$BIN" -F json -o "$tmp/link.json" "$S" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && [ "$(cat "$tmp/err")" = "mtlsdiag: -o $tmp/link.json: is a symbolic link; not following it" ] && ok ||
	bad "-o symlink: exit $rc, stderr: $(cat "$tmp/err")"
[ "$(cat "$tmp/target")" = keep ] && ok || bad "-o symlink: its target was changed"
[ ! -s "$tmp/out" ] && ok || bad "-o symlink: a report was written elsewhere: $(cat "$tmp/out")"

# A dangling symbolic link: refused, its target not created.
ln -s "$tmp/absent.json" "$tmp/dangling.json"
"$BIN" -F json -o "$tmp/dangling.json" "$S" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "is a symbolic link; not following it" "$tmp/err" && ok ||
	bad "-o dangling symlink: exit $rc, stderr: $(cat "$tmp/err")"
[ ! -e "$tmp/absent.json" ] && ok || bad "-o dangling symlink: its target was created"

# A symbolic link on the way (a directory) is followed: only the last
# component is checked.
mkdir "$tmp/dir"
ln -s "$tmp/dir" "$tmp/dirlink"
"$BIN" -F json -o "$tmp/dirlink/r.json" "$S" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && cmp -s "$tmp/dir/r.json" "$tmp/stdout.json" && ok ||
	bad "-o through a linked directory: exit $rc, stderr: $(cat "$tmp/err")"

# compare writes to -o the same way.
"$BIN" -o "$tmp/link.json" compare "$S" "$S" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "is a symbolic link; not following it" "$tmp/err" && [ "$(cat "$tmp/target")" = keep ] && ok ||
	bad "compare -o symlink: exit $rc, stderr: $(cat "$tmp/err")"

tally_report outputs
