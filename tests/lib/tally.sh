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
