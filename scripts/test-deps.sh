#!/usr/bin/env bash
# The Debian packages the test suite runs against (real toolchains, registry, container runtime, stores).
# `npm test` calls this first: as root with apt it installs what is missing; otherwise it fails at once
# with the exact command to run. `.ci/run` calls it too, so CI and a fresh machine install the same set.
set -euo pipefail

# clang + wasi-libc: the C WAGI guest; rustc + the wasm32 std: the Rust guest; docker-registry: the
# real OCI registry; podman + runc (+ uidmap): the real container runtime; apache2-utils: htpasswd for
# Basic auth; skopeo: reads the OCI layouts wasmkube writes; redis-server: the key-value backend;
# golang-1.23-go: the Go WAGI guest (GOOS=wasip1; on bookworm it comes from bookworm-backports).
PACKAGES=(
  clang lld wasi-libc libclang-rt-dev-wasm32
  rustc libstd-rust-dev-wasm32
  docker-registry podman runc uidmap apache2-utils skopeo
  redis-server
  golang-1.23-go
)
BACKPORTS=/etc/apt/sources.list.d/wasmkube-bookworm-backports.sources

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Debian bookworm has Go with wasip1 only in its backports.
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
add_backports() {
  [ "$codename" = bookworm ] || return 0
  grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$BACKPORTS"
}
backports_cmd=""
[ "$codename" = bookworm ] && backports_cmd="(the Go package needs bookworm-backports in /etc/apt/sources.list.d/) "

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  add_backports
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "test-deps: installing ${missing[*]}" >&2
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "test-deps: the tests need these Debian packages: ${missing[*]}" >&2
echo "test-deps: run as root:  $backports_cmd$cmd" >&2
exit 1
