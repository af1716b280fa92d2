#!/bin/sh
# e2e-deb.sh MTLSDIAG - the Debian package (debian/build-deb.sh, `make
# deb`): built from this binary, unpacked with dpkg -x into a temporary
# root (the system is not touched), the installed binary gives the same
# report as the built one and says the package's version; the man page and
# copyright are in place and Depends names the libraries' packages. In CI
# (CI=true) or with MTLSDIAG_TEST_DPKG_INSTALL=1, as root, on a machine
# without the package, it is also installed with dpkg -i, run on a sample,
# and removed.
set -u
BIN=$1
. tests/lib/tally.sh
. tests/lib/scratch.sh
for t in dpkg-deb dpkg readelf; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "SKIP e2e-deb: $t is not installed (a Debian system with binutils builds the package)"
		exit 0
	fi
done
# The real binary, not the valgrind wrapper run-all.sh may pass.
real=$(dirname "$BIN")/mtlsdiag
version=$("$real" --version | sed 's/^mtlsdiag //')
deb=$(sh debian/build-deb.sh "$real" "$version" "$tmp/out" 2>"$tmp/err")
if [ -f "$deb" ]; then ok; else bad "no package built: $(cat "$tmp/err")"; tally_report e2e-deb; exit; fi
[ "$(dpkg-deb -f "$deb" Package)" = mtlsdiag ] && ok || bad "Package is not mtlsdiag"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] && ok || bad "Version $(dpkg-deb -f "$deb" Version), binary says $version"
depends=$(dpkg-deb -f "$deb" Depends)
# Each library the binary needs is named, and none it does not need
# (jansson is only the tests' since the JSON is written without it).
needed=$(readelf -d "$real" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in libpcap libssl libnghttp2 libjansson; do
	case "$needed" in
	*"$lib"*) case "$depends" in *"$lib"*) ok ;; *) bad "Depends lacks $lib: $depends" ;; esac ;;
	*) case "$depends" in *"$lib"*) bad "Depends names $lib, which the binary does not need: $depends" ;; *) ok ;; esac ;;
	esac
done
case "$needed" in *libpcap*) case "$needed" in *libssl*) ok ;; *) bad "binary needs no libssl: $needed" ;; esac ;;
*) bad "binary needs no libpcap: $needed" ;; esac
dpkg-deb -x "$deb" "$tmp/root"
inst=$tmp/root/usr/bin/mtlsdiag
[ "$("$inst" --version)" = "mtlsdiag $version" ] && ok || bad "installed binary: $("$inst" --version 2>&1)"
S=samples/tls12-reneg-late-request.pcap
"$real" -F json "$S" >"$tmp/built.json" 2>&1
"$inst" -F json "$S" >"$tmp/installed.json" 2>&1
if cmp -s "$tmp/built.json" "$tmp/installed.json" && grep -q '"stream":0' "$tmp/installed.json"; then ok; else
	bad "the installed binary's report differs: $(diff "$tmp/built.json" "$tmp/installed.json" | head -c 400)"
fi
if gzip -dc "$tmp/root/usr/share/man/man1/mtlsdiag.1.gz" | cmp -s - man/mtlsdiag.1; then ok; else bad "man page missing or changed"; fi
[ -s "$tmp/root/usr/share/doc/mtlsdiag/copyright" ] && ok || bad "no copyright file"
if { [ "${MTLSDIAG_TEST_DPKG_INSTALL:-}" = 1 ] || [ "${CI:-}" = true ]; } && [ "$(id -u)" = 0 ]; then
	if dpkg-query -W mtlsdiag >/dev/null 2>&1; then
		echo "SKIP dpkg -i: a mtlsdiag package is installed already"
	elif dpkg -i "$deb" >"$tmp/log" 2>&1; then
		[ "$(/usr/bin/mtlsdiag --version)" = "mtlsdiag $version" ] && ok || bad "dpkg -i: /usr/bin/mtlsdiag --version"
		/usr/bin/mtlsdiag -q -F json samples/tls12-unknown-ca.pcap >"$tmp/installed.json" 2>&1 &&
			"$BIN" -q -F json samples/tls12-unknown-ca.pcap | cmp -s - "$tmp/installed.json" && ok ||
			bad "dpkg -i: the installed binary's report differs"
		dpkg -r mtlsdiag >/dev/null 2>&1 && [ ! -e /usr/bin/mtlsdiag ] && ok || bad "dpkg -r left /usr/bin/mtlsdiag"
	else
		bad "dpkg -i failed: $(tail -3 "$tmp/log")"
	fi
else
	echo "SKIP dpkg -i: only as root in CI (CI=true) or with MTLSDIAG_TEST_DPKG_INSTALL=1 (it changes the system)"
fi
tally_report e2e-deb
