#!/bin/sh
# e2e-color.sh MTLSDIAG - when the text report is coloured: --color=always
# (and plain --color) always, --color=never (and --no-color) never,
# --color=auto (the default) on a terminal unless NO_COLOR is set to
# something (no-color.org). The terminal is a pty made by script(1).
set -u
BIN=$1
. tests/lib/tally.sh
. tests/lib/scratch.sh
S=samples/tls12-unknown-ca.pcap
ESC=$(printf '\033')
# colours FILE: the number of lines with an SGR (colour) sequence.
colours() { grep -c "$ESC\[[0-9;]*m" "$1"; }
# run NAME WANT(yes|no) -- command: WANT says whether colour is expected.
run() {
	name=$1 want=$2
	shift 3
	"$@" >"$tmp/out" 2>/dev/null
	n=$(colours "$tmp/out")
	if { [ "$want" = yes ] && [ "$n" -gt 0 ]; } || { [ "$want" = no ] && [ "$n" = 0 ]; }; then ok; else
		bad "$name: $n coloured lines, colour expected: $want"
	fi
}
run "--color=always" yes -- "$BIN" --color=always "$S"
run "--color" yes -- "$BIN" --color "$S"
run "NO_COLOR=1 --color=always" yes -- env NO_COLOR=1 "$BIN" --color=always "$S"
run "--color=never" no -- "$BIN" --color=never "$S"
run "--no-color" no -- "$BIN" --no-color "$S"
run "NO_COLOR=1 --color=auto" no -- env NO_COLOR=1 "$BIN" --color=auto "$S"
run "not a terminal" no -- "$BIN" "$S"
run "--color=always -F json" no -- "$BIN" --color=always -F json "$S"
"$BIN" --color=sometimes "$S" >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "not auto, always or never" "$tmp/err"; then ok; else bad "--color=sometimes: $(cat "$tmp/err")"; fi
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	run "terminal" yes -- script -qec "$BIN $S" /dev/null
	run "terminal, NO_COLOR=1" no -- env NO_COLOR=1 script -qec "$BIN $S" /dev/null
	run "terminal, NO_COLOR empty" yes -- env NO_COLOR= script -qec "$BIN $S" /dev/null
	run "terminal, --color=never" no -- script -qec "$BIN --color=never $S" /dev/null
else
	echo "SKIP the terminal checks: script(1) cannot make a pty here"
fi
tally_report e2e-color
