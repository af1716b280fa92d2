#!/bin/sh
# run-all.sh BUILD_DIR - every test: the Check suites, then the end-to-end
# scripts (tests/e2e-*.sh). Prints "N passed, N failed" last.
BUILD=${1:-build}
MTLSDIAG=$BUILD/mtlsdiag
export MTLSDIAG
# Reports are made without keys unless a test passes --keylog.
unset SSLKEYLOGFILE
pass=0
fail=0
failed=""
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== $(basename "$t")"
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$t")"; fi
done
for s in tests/e2e-*.sh; do
	[ -f "$s" ] || continue
	echo "== $(basename "$s")"
	if sh "$s" "$MTLSDIAG"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$s")"; fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
