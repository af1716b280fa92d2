# tally.sh - sourced by the e2e scripts: the count of checks that passed
# and failed. ok; bad WHAT...; tally_report LABEL prints the count and is
# the script's exit status (its last command); needs skips a script whose
# tools are missing.
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
tally_report() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
# needs WHAT HINT TOOL...: unless every TOOL is installed, the script ends
# here as skipped, saying which is missing and where it comes from (HINT).
needs() {
	what=$1 hint=$2
	shift 2
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 && continue
		echo "SKIP $what: needs $* ($hint); $tool is not installed"
		exit 0
	done
}
# sweep ITEM...: the items (captures, key logs) a script checks one by
# one, one per line. In the valgrind pass (TEST_WRAP) every 4th, from the
# first: there the binary is the plain pass's own, whose output that pass
# checked item by item, and each run costs seconds under the checker, so
# the pass runs each kind of check on a share of the items.
# at_least N: a sweep's lower bound on what it checked, scaled alike.
SWEEP_EVERY=1
[ -n "${TEST_WRAP:-}" ] && SWEEP_EVERY=4
sweep() {
	i=0
	for x in "$@"; do
		[ $((i % SWEEP_EVERY)) -eq 0 ] && printf '%s\n' "$x"
		i=$((i + 1))
	done
}
at_least() {
	echo $(($1 / SWEEP_EVERY))
}
