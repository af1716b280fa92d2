#!/bin/sh
# e2e-regress.sh MTLSDIAG - replays the fuzz regression corpus: every file
# under tests/regress/<target>/ goes through the same entry point as the
# libFuzzer target <target> (built with the normal compiler and
# tests/fuzz/replay.c next to MTLSDIAG, in <build>/fuzz-replay/), and the
# sample captures go through the whole-pipeline target. A crash, sanitizer
# report or failed invariant (abort) fails the test. TEST_WRAP (e.g.
# valgrind, from make check-valgrind) runs each replay under it.
# MTLSDIAG may be a wrapper script; the build directory is its directory.
set -u
BUILD=$(dirname "$1")
. tests/lib/tally.sh
# replay LABEL REPLAY-BINARY INPUT...: one run; its last lines when it fails.
replay() {
	label=$1
	shift
	# shellcheck disable=SC2086 # TEST_WRAP is a command line
	if out=$(${TEST_WRAP:-} "$@" 2>&1); then
		ok
		echo "$label: $out"
	else
		bad "$label:"
		echo "$out" | tail -30
	fi
}
for dir in tests/regress/*/; do
	t=$(basename "$dir")
	bin=$BUILD/fuzz-replay/$t
	if [ -x "$bin" ]; then
		replay "$t" "$bin" "$dir"
	else
		bad "$t: no replay binary $bin (is tests/fuzz/$t.c gone?)"
	fi
done
replay "fuzz_pipeline on samples/" "$BUILD/fuzz-replay/fuzz_pipeline" samples/*.pcap samples/*.pcapng samples/*.cap
tally_report regress
