#!/usr/bin/env bash
# Installs the Debian packages loyalty needs to build, test and benchmark.
# Only what is missing is installed, so running it twice is harmless.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost-dev          # Spirit X3 (parser), Multiprecision (wide decimals)
  libsimdjson-dev       # JSON Lines event input
  libfmt-dev
  libsqlite3-dev sqlite3 libabsl-dev
  libxxhash-dev         # the events' fingerprints (XXH3, header-only)
  libcli11-dev          # the command line
  doctest-dev           # unit tests
  libbenchmark-dev      # micro benchmarks
  libjemalloc-dev       # the allocator of the command line and benchmarks (huge pages)
  pybind11-dev python3 python3-dev python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
