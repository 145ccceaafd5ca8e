#!/usr/bin/env bash
# Configures and builds loyalty in build/ (Release, warnings as errors). Used by main.sh and
# test.sh; extra arguments go to the CMake configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOYALTY_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
