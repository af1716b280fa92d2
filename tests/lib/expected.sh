# expected.sh - sourced by e2e-samples*.sh: one report against its reviewed
# copy. expect_report NAME OUT EXPDIR LABEL; uses UPDATE, tmp, pass, fail.
# With UPDATE=--update the reviewed copy is rewritten (after showing the diff).
expect_report() {
	name=$1 out=$2 exp=$3 label=$4
	if [ "$UPDATE" = --update ]; then
		if ! cmp -s "$out" "$exp/$name.json"; then
			[ -f "$exp/$name.json" ] && diff -u "$exp/$name.json" "$out" | head -40
			cp "$out" "$exp/$name.json"
			echo "updated $exp/$name.json"
		fi
	elif [ ! -f "$exp/$name.json" ]; then
		echo "FAIL $name: no expected $label (run 'make expected' and review it)"
		fail=$((fail + 1))
	elif diff -u "$exp/$name.json" "$out" >"$tmp/diff"; then
		pass=$((pass + 1))
	else
		echo "FAIL $name: $label differs from $exp/$name.json:"
		head -60 "$tmp/diff"
		cat "$tmp/err"
		fail=$((fail + 1))
	fi
}
