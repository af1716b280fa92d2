#!/bin/sh
# tools/same-output.sh OLD NEW [CAPTURE...] - checks that two mtlsdiag
# binaries report the same, byte for byte: standard output, standard error
# and exit status, in every report format (text, json, json-pretty, ecs;
# FORMATS="..." chooses; ALSO_NEW="BIN..." compares more binaries with
# OLD in the same pass, OLD running once), over every sample capture
# (with its key log and without), every capture in ../shared/captures
# (with its key log when there is one), every input under tests/regress/ and any CAPTURE named;
# then `compare` of each sample with itself and --expect with the
# samples' expectations file, in text and JSON. For a change meant to
# leave the reports alone (speed work); OLD is typically main's HEAD built
# in a temporary clone:
#   git clone -q . /tmp/old && make -C /tmp/old -j2 all
#   sh tools/same-output.sh /tmp/old/build/mtlsdiag build/mtlsdiag
# Prints each difference (the first lines of the diff) and a count; exits
# 1 when anything differs.
set -u
ALSO_NEW=${ALSO_NEW:-}
if [ $# -lt 2 ] || ! [ -x "$1" ] || ! [ -x "$2" ]; then
	echo "usage: $0 OLD_MTLSDIAG NEW_MTLSDIAG [CAPTURE...]" >&2
	exit 2
fi
for bin in $ALSO_NEW; do
	[ -x "$bin" ] || { echo "$0: ALSO_NEW: $bin is not an executable" >&2; exit 2; }
done
OLD=$1 NEW=$2
shift 2
FORMATS=${FORMATS:-text json json-pretty ecs}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
runs=0 diffs=0

# keylog_of FILE: the key log beside it (FILE.keylog, or the name without
# its extensions and .keylog), or nothing.
keylog_of() {
	[ -f "$1.keylog" ] && { echo "$1.keylog"; return; }
	stem=$1
	while :; do
		case $(basename "$stem") in
		*.*) stem=${stem%.*} ;;
		*) break ;;
		esac
		[ -f "$stem.keylog" ] && { echo "$stem.keylog"; return; }
	done
}

# same LABEL ARGS...: OLD once and each new binary with ARGS, compared.
same() {
	label=$1
	shift
	# No key log from the environment; no colour, no locale effects.
	env -u SSLKEYLOGFILE NO_COLOR=1 LC_ALL=C "$OLD" "$@" > "$tmp/old.out" 2> "$tmp/old.err"
	echo "exit $?" >> "$tmp/old.err"
	# The binary's own name may appear in messages.
	sed "s#$OLD#MTLSDIAG#g" "$tmp/old.err" > "$tmp/old.err2"
	for bin in $NEW $ALSO_NEW; do
		env -u SSLKEYLOGFILE NO_COLOR=1 LC_ALL=C "$bin" "$@" > "$tmp/new.out" 2> "$tmp/new.err"
		echo "exit $?" >> "$tmp/new.err"
		sed "s#$bin#MTLSDIAG#g" "$tmp/new.err" > "$tmp/new.err2"
		runs=$((runs + 1))
		if ! cmp -s "$tmp/old.out" "$tmp/new.out" || ! cmp -s "$tmp/old.err2" "$tmp/new.err2"; then
			diffs=$((diffs + 1))
			echo "DIFFERS: $label: $bin $*"
			{ diff "$tmp/old.out" "$tmp/new.out"; diff "$tmp/old.err2" "$tmp/new.err2"; } | head -20 | sed 's/^/    /'
		fi
	done
}

# check FILE: every format, without keys and with its key log.
check() {
	f=$1
	kl=$(keylog_of "$f")
	for fmt in $FORMATS; do
		same "$f ($fmt)" -F "$fmt" "$f"
		[ -n "$kl" ] && same "$f ($fmt, keys)" -F "$fmt" --keylog "$kl" "$f"
	done
}

for f in $(find samples -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort); do
	check "$f"
done
if [ -d ../shared/captures ]; then
	for f in $(find ../shared/captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort); do
		check "$f"
	done
else
	echo "note: ../shared/captures is not there; skipped"
fi
# Fuzz regression inputs: most are not captures at all, and the message
# and status must not change either.
for f in $(find tests/regress -type f | sort); do
	check "$f"
done
for f in "$@"; do
	check "$f"
done
# compare and --expect have JSON of their own.
samples=$(find samples -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
for fmt in text json; do
	for f in $samples; do
		same "compare $f $f ($fmt)" -F "$fmt" compare "$f" "$f"
	done
	same "--expect ($fmt)" -F "$fmt" --expect samples/expectations/samples.expect $samples
done
echo "same-output: $runs runs compared, $diffs differ"
[ "$diffs" = 0 ]
