#!/bin/sh
# e2e-build.sh MTLSDIAG - the build needs only what pkg-config finds: on a
# machine without dpkg-query or apt-get (here: a PATH of links to every
# tool but those) the Debian step says nothing and `make` builds and the
# result reads a sample; when pkg-config cannot find the libraries, or is
# not there, the build stops naming them.
set -u
. tests/lib/tally.sh
needs e2e-build "Debian: make, pkg-config" make pkg-config
. tests/lib/scratch.sh
# The make running this test must not lend its jobs or flags.
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir "$tmp/bin"
old_ifs=$IFS
IFS=:
for d in $PATH; do
	[ -d "$d" ] || continue
	for t in "$d"/*; do
		n=${t##*/}
		case $n in dpkg | dpkg-query | apt | apt-get) continue ;; esac
		[ -x "$t" ] && [ ! -e "$tmp/bin/$n" ] && ln -s "$t" "$tmp/bin/$n"
	done
done
IFS=$old_ifs
if PATH=$tmp/bin command -v dpkg-query >/dev/null 2>&1; then
	bad "dpkg-query is still on the stripped PATH"
fi
out=$(PATH=$tmp/bin sh tools/deps.sh install 2>&1)
if [ $? = 0 ] && [ -z "$out" ]; then ok; else bad "deps.sh without dpkg-query: $out"; fi
if PATH=$tmp/bin make -j2 BUILD="$tmp/build" CFLAGS=-O0 "$tmp/build/mtlsdiag" >"$tmp/log" 2>&1; then
	ok
	"$tmp/build/mtlsdiag" -q -F json samples/tls12-mutual-ok.pcap >"$tmp/out" 2>&1
	if grep -q '"stream":0' "$tmp/out"; then ok; else bad "the binary built without dpkg does not read a sample: $(head -c 300 "$tmp/out")"; fi
else
	bad "make without dpkg-query failed: $(tail -5 "$tmp/log")"
fi
# No .pc file found: the build stops before compiling and names them.
mkdir "$tmp/no-pc"
PKG_CONFIG_LIBDIR=$tmp/no-pc PKG_CONFIG_PATH= make BUILD="$tmp/b2" "$tmp/b2/mtlsdiag" >"$tmp/log" 2>&1
rc=$?
missing=$(sed -n 's/.*pkg-config cannot find: //p' "$tmp/log" | head -1)
named=yes
for pc in libpcap openssl jansson libnghttp2; do
	case " $missing " in *" $pc "*) ;; *) named=no ;; esac
done
if [ $rc != 0 ] && [ $named = yes ] && [ ! -e "$tmp/b2/analyzer" ]; then ok; else
	bad "missing libraries: exit $rc: $(tail -5 "$tmp/log")"
fi
make PKG_CONFIG="$tmp/no-such-pkg-config" BUILD="$tmp/b2" "$tmp/b2/mtlsdiag" >"$tmp/log" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q "no-such-pkg-config is not installed" "$tmp/log"; then ok; else bad "no pkg-config: exit $rc: $(tail -5 "$tmp/log")"; fi
tally_report e2e-build
