#!/bin/sh
# fuzz-smoke.sh SECONDS TARGET... - runs each libFuzzer target in
# build-fuzz/ for SECONDS on one core, from the seeds in build-fuzz/seeds/
# and the regression corpus tests/regress/<target>/ (read only; new inputs
# go to build-fuzz/corpus/<target>/). Stops at the first target that finds
# a crash, a hang (-timeout) or a leak, naming the saved input.
set -u
secs=$1
shift
status=0
for t in "$@"; do
	corpus=build-fuzz/corpus/$t
	mkdir -p "$corpus" build-fuzz/crashes
	dirs="$corpus"
	[ -d build-fuzz/seeds/$t ] && dirs="$dirs build-fuzz/seeds/$t"
	[ -d tests/regress/$t ] && dirs="$dirs tests/regress/$t"
	echo "== $t: ${secs}s"
	# -max_len: whole capture files for the pipeline, small inputs elsewhere.
	maxlen=16384
	[ "$t" = fuzz_pipeline ] && maxlen=131072
	# shellcheck disable=SC2086 # dirs is a list
	if ! build-fuzz/$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen \
		-print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$t- $dirs >build-fuzz/$t.log 2>&1; then
		tail -40 build-fuzz/$t.log
		echo "fuzz-smoke: $t failed; the input is saved as build-fuzz/crashes/$t-*; add it to tests/regress/$t/"
		status=1
		break
	fi
	grep -E "stat::number_of_executed_units|cov:" build-fuzz/$t.log | tail -2
done
exit $status
