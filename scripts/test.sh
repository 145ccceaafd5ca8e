#!/usr/bin/env bash
# Every test, from a fresh machine: install what is missing, build with warnings as errors,
# run the whole suite; then the unit tests again under AddressSanitizer and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLOYALTY_WERROR=ON \
  -DLOYALTY_BUILD_BENCHMARKS=OFF -DLOYALTY_JEMALLOC=OFF \
  -DCMAKE_CXX_FLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -E consumer_find_package
