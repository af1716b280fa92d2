# expect.sh - sourced by the e2e scripts (after tally.sh, with tmp set):
# expect NAME STATUS PATTERN -- COMMAND...: runs COMMAND (its output in
# $tmp/out and $tmp/err); its exit status must be STATUS and, unless
# PATTERN is empty, its stderr must match PATTERN (grep).
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$name: exit status $rc, expected $want; stderr: $(head -c 2000 "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		bad "$name: stderr lacks '$pat': $(head -c 2000 "$tmp/err")"
	else
		ok
	fi
}
