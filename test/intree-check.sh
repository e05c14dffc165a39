#!/usr/bin/env bash
# Builds the module inside an ns-3 source tree (Debian's ns-3.37 source) and runs its test suites
# with ns-3's own test runner: the check that contrib/unifiedbus works as an ns-3 contrib module.
# Not part of ./ubsim test (about 30-40 minutes on 2 cores); run it by hand:
#   test/intree-check.sh [workdir]        (default /tmp/ub-intree)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/tmp/ub-intree}"
mkdir -p "$WORK"
cd "$WORK"
if [ ! -d ns3-src ]; then
  if ! ls ns3_3.37*.orig.tar.* >/dev/null 2>&1; then
    if ! apt-get source --download-only ns3 >/dev/null 2>&1; then
      # Add a deb-src entry for bookworm from the machine's own deb entry (its URI, not a fixed
      # host), then try again.
      uri="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)"
      [ -n "$uri" ] || uri="$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)"
      [ -n "$uri" ] || { echo "intree-check: no deb entry in the apt sources to take a URI from; add a deb-src line for bookworm" >&2; exit 2; }
      printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
        >/etc/apt/sources.list.d/ubsim-src.sources
      apt-get update -q >/dev/null
      apt-get source --download-only ns3 >/dev/null 2>&1 \
        || { echo "intree-check: 'apt-get source ns3' failed even with a deb-src entry for bookworm" >&2; exit 2; }
    fi
  fi
  mkdir ns3-src
  tar -xf ns3_3.37*.orig.tar.* -C ns3-src
fi
NS3="$(find "$WORK/ns3-src" -maxdepth 2 -type d -name 'ns-3.37' | head -n 1)"
[ -n "$NS3" ] || { echo "intree-check: no ns-3.37 folder in $WORK/ns3-src" >&2; exit 2; }
ln -sfn "$ROOT/contrib/unifiedbus" "$NS3/contrib/unifiedbus"
cd "$NS3"
./ns3 configure -d release --enable-modules=unifiedbus --enable-tests --enable-examples -G Ninja
./ns3 build
failed=0
for s in $(./build/utils/ns3.37-test-runner --list | grep '^unifiedbus-'); do
  ./build/utils/ns3.37-test-runner --suite="$s" || failed=1
done
./build/contrib/unifiedbus/examples/ns3.37-ub-fabric-demo --pattern=incast --quiet --db="$WORK/intree.db"
exit $failed
