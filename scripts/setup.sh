#!/usr/bin/env bash
# Installs the Debian 12 packages whorl needs to build, test and benchmark.
# Idempotent and quiet when everything is already there. Run as root (or
# with sudo available).
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config     # toolchain
  libssl-dev                           # OpenSSL libcrypto: SHA-256 (SHA-NI), MD5
  librust-blake3-dev                   # BLAKE3's official C sources, compiled at build time
  libxxhash-dev                        # XXH3 (chunk hashes, cache checksums), header-inlined
  libsqlite3-dev                       # the stat cache
  zlib1g-dev libzstd-dev               # .gz / .zst inputs (tables)
  libsnappy-dev                        # snappy-compressed Parquet pages
  gzip zstd                            # reference compressors the tests use
  b3sum coreutils                      # reference tools the tests compare against
  python3 util-linux                   # test helpers (json checks; setpriv for permission tests)
  python3-numpy                        # reference writer of .npy files in tests
  python3-pandas                       # ships a real Parquet file (tests/io/data/parquet)
  python3-xxhash                       # XXH3-128 for the independent check of the table rules
  libfyaml-dev                         # YAML pipeline specs (features)
  python3-yaml                         # independent YAML reader in the feature tests
  python3-torch                        # torch.save writes real .pt files in the model tests
  python3-onnx                         # writes ONNX models (raw, typed, external data) in the model tests
  python3-scipy                        # reference drift statistics (KS, Wasserstein, chi-square) in the tests
  libonnx-testdata                     # about a thousand real ONNX models the tests read
)
for arg in "$@"; do
  case $arg in
    --bench) pkgs+=(hyperfine) ;;
    --fuzz) pkgs+=(clang-14 libclang-rt-14-dev) ;;  # libFuzzer targets (make fuzz)
    *) echo "usage: setup.sh [--bench] [--fuzz]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
