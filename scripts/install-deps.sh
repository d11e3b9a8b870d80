#!/usr/bin/env bash
# Installs every Debian package Quiver needs to build, test and benchmark. Idempotent: packages
# already present are skipped without touching the network. Node.js and npm come with the machine
# (Debian's nodejs/npm packages conflict with them and are never installed here).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libfaiss-dev libopenblas-dev libhnswlib-dev
  libssl-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsimdjson-dev
  libyaml-cpp-dev libcli11-dev libcpp-httplib-dev libzstd-dev liblz4-dev zlib1g-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  etcd-server etcd-client libnats-dev nats-server
  ceph-mon ceph-osd radosgw ceph-common ceph-base openssl
)

# `install-deps.sh --bench` adds what only the benchmarks need: the Fashion-MNIST dataset and
# gnuplot for the recall/QPS plot.
if [ "${1:-}" = "--bench" ]; then
  PACKAGES+=(dataset-fashion-mnist gnuplot-nox)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
