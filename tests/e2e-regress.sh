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
pass=0
fail=0
for dir in tests/regress/*/; do
	t=$(basename "$dir")
	bin=$BUILD/fuzz-replay/$t
	if [ ! -x "$bin" ]; then
		echo "FAIL $t: no replay binary $bin (is tests/fuzz/$t.c gone?)"
		fail=$((fail + 1))
		continue
	fi
	# shellcheck disable=SC2086 # REPLAY_WRAP is a command line
	if out=$(${TEST_WRAP:-} "$bin" "$dir" 2>&1); then
		pass=$((pass + 1))
		echo "$t: $out"
	else
		echo "FAIL $t:"
		echo "$out" | tail -30
		fail=$((fail + 1))
	fi
done
# shellcheck disable=SC2086
if out=$(${TEST_WRAP:-} "$BUILD/fuzz-replay/fuzz_pipeline" samples/*.pcap samples/*.pcapng samples/*.cap 2>&1); then
	pass=$((pass + 1))
	echo "fuzz_pipeline on samples/: $out"
else
	echo "FAIL fuzz_pipeline on samples/:"
	echo "$out" | tail -30
	fail=$((fail + 1))
fi
echo "regress: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
