#!/bin/sh
# run-all.sh BUILD_DIR - every test: the Check suites, then the end-to-end
# scripts (tests/e2e-*.sh). Prints "N passed, N failed" last.
BUILD=${1:-build}
MTLSDIAG=$BUILD/mtlsdiag
# TEST_WRAP (make check-valgrind): every test binary runs under it, and
# so do the runs of mtlsdiag that the tests make (through a wrapper next
# to the binary) - one in WRAP_EVERY (3), counted in the order they start,
# the others straight. The binary is the plain pass's own, whose output
# that pass has checked run by run, so the straight runs only keep the
# tests' checks going; valgrind alone costs about a second a start, and
# the sanitizer pass runs every one of them under ASan+UBSan.
WRAP=${TEST_WRAP:-}
if [ -n "$WRAP" ]; then
	MTLSDIAG=$BUILD/mtlsdiag-wrapped
	counter=$(pwd)/$BUILD/mtlsdiag-wrapped.count
	echo 0 >"$counter"
	# Live tests run it again as an unprivileged user.
	chmod 666 "$counter"
	cat >"$MTLSDIAG" <<EOF
#!/bin/sh
n=\$((\$(cat "$counter" 2>/dev/null || echo 0) + 1))
{ echo "\$n" >"$counter"; } 2>/dev/null
[ \$(((n - 1) % ${WRAP_EVERY:-3})) -eq 0 ] && exec $WRAP "$(pwd)/$BUILD/mtlsdiag" "\$@"
exec "$(pwd)/$BUILD/mtlsdiag" "\$@"
EOF
	chmod +x "$MTLSDIAG"
	export TEST_WRAP
fi
export MTLSDIAG
# The tests start python3 several hundred times. Through a version
# manager's shim (pyenv) each start costs about half a second, more than
# the script it runs; the interpreter behind it starts in a tenth of that.
# Debian's own python3 comes first when there is one: it is the one
# tools/deps.sh installs modules for (python3-html5lib).
py=""
if [ -x /usr/bin/python3 ]; then
	py=/usr/bin/python3
elif command -v python3 >/dev/null 2>&1; then
	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
fi
mkdir -p "$BUILD/test-path"
rm -f "$BUILD/test-path/python3" "$BUILD/test-path/tshark"
if [ -n "$py" ] && [ -x "$py" ]; then
	ln -s "$py" "$BUILD/test-path/python3"
	# tshark's answers about a capture are kept (build/test-cache, by the
	# capture's contents and the arguments) for the later passes of `make
	# test`: the sanitizer and valgrind passes compare with tshark as the
	# plain one does, without starting it again for the same question.
	if TSHARK_REAL=$(command -v tshark 2>/dev/null); then
		export TSHARK_REAL
		TSHARK_CACHE_DIR=${TSHARK_CACHE_DIR:-$(pwd)/build/test-cache/tshark}
		export TSHARK_CACHE_DIR
		ln -s "$(pwd)/tests/support/tshark_cached.py" "$BUILD/test-path/tshark"
	fi
fi
PATH=$(cd "$BUILD/test-path" && pwd):$PATH
export PATH
# Check's per-test limits are for a quiet machine and the plain build:
# sanitizers and valgrind run several times slower, and CI's two cores may
# be busy, so the limits are only there to stop a hang.
case "$BUILD$WRAP" in
*san* | *valgrind*) export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-30} ;;
*) export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10} ;;
esac
# Reports are made without keys unless a test passes --keylog.
unset SSLKEYLOGFILE
# took TEST STARTED: how long a test ran, so that a slow one shows in CI's
# log (a figure to read, never a limit).
took() {
	echo "-- $(basename "$1"): $(($(date +%s) - $2)) s"
}
pass=0
fail=0
failed=""
# chosen NAME: whether TESTS (names of test binaries and scripts, e.g.
# TESTS="test_oracle e2e-ecs.sh") leaves NAME in; all when it is empty.
chosen() {
	[ -z "${TESTS:-}" ] && return 0
	case " $TESTS " in *" $1 "*) return 0 ;; esac
	return 1
}
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	chosen "$(basename "$t")" || continue
	echo "== $(basename "$t")"
	started=$(date +%s)
	# shellcheck disable=SC2086 # WRAP is a command line
	if $WRAP "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$t")"; fi
	took "$t" "$started"
done
for s in tests/e2e-*.sh; do
	[ -f "$s" ] || continue
	chosen "$(basename "$s")" || continue
	echo "== $(basename "$s")"
	started=$(date +%s)
	if sh "$s" "$MTLSDIAG"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$s")"; fi
	took "$s" "$started"
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
