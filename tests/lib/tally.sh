# tally.sh - sourced by the e2e scripts: the count of checks that passed
# and failed. ok; bad WHAT...; tally_report LABEL prints the count and is
# the script's exit status (its last command).
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
tally_report() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
