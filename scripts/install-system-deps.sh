#!/usr/bin/env bash
# Installs the Debian packages the server and the tests need, only where missing:
# PocketSphinx (the sphinx engine), a C/C++ toolchain (the whisper.cpp addon), Apertium (offline translation: apertium-apy + the eng-spa pair), Chromium (end-to-end tests), sox and espeak-ng (audio tools), HAProxy (npm run cluster, tests/server/cluster.test.ts).
set -euo pipefail

# "server": what `npm run server` needs; "cluster": plus HAProxy (`npm run cluster`); "all" (default): also what the tests need.
server_packages=(pocketsphinx pocketsphinx-en-us libpocketsphinx3 libsphinxbase3 g++ make python3)
if [ "${1:-all}" = "server" ]; then
  packages=("${server_packages[@]}")
elif [ "$1" = "cluster" ]; then
  packages=("${server_packages[@]}" haproxy)
else
  packages=("${server_packages[@]}" apertium-apy apertium-eng-spa chromium sox espeak-ng haproxy)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${missing[*]} (install them with your package manager)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
