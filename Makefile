# Entry points for people and CI. `make run` and `make test` work on a fresh Debian 12 machine:
# each installs what it needs first (scripts/install-deps.sh is idempotent).

BUILD_DIR   ?= build/release
PRESET      ?= release
DATA_DIR    ?= ./quiver-data
PORT        ?= 19530
STATUS_PORT ?= 9091
export CCACHE_DIR ?= $(CURDIR)/.ccache

.PHONY: deps build run test test-asan test-cluster test-drills test-shared-storage unit e2e bench bench-quick fuzz clean

deps:
	./scripts/install-deps.sh

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build $(BUILD_DIR)

run: build
	$(BUILD_DIR)/apps/quiver/quiver run standalone --data-dir $(DATA_DIR) --port $(PORT) --status-port $(STATUS_PORT)

# The default test run (under 30 minutes on a clean 2-core machine, most of it the build): unit
# and integration tests through ctest, the end-to-end suite against the server, then the suite
# once more on etcd + NATS JetStream + S3. The distributed deployment's tests are `make
# test-cluster` and the same tests under ASan/UBSan `make test-asan`: .ci/run runs both after this
# (together they would not fit the 30 minutes); long soaks and benchmarks have their own targets.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j2 --timeout 900 -LE slow
	./scripts/run-e2e.sh $(BUILD_DIR)
	./scripts/run-e2e-shared-storage.sh $(BUILD_DIR)

# The distributed roles as separate processes on etcd + NATS JetStream + radosgw (tests/e2e/cluster/):
# the drills (kill -9 of every role, storage outages, a replica over several query nodes), then the
# end-to-end suite against a whole deployment's proxy. About 15 minutes; its own CI step.
test-cluster: build
	./scripts/run-cluster-tests.sh $(BUILD_DIR)

# The drills alone (also part of `make test-cluster`): kill -9 of each elected role, outages of an
# etcd member, a NATS node and radosgw, under search + insert load through the proxy, reporting
# failed requests, the longest gap and lost rows.
test-drills: build
	./scripts/run-cluster-tests.sh $(BUILD_DIR) tests/e2e/cluster/failover.cluster.js tests/e2e/cluster/storage.cluster.js

# ctest and the end-to-end suite on the Debug build with AddressSanitizer and UBSan (a second
# full build: its own CI step, see .ci/run).
test-asan: deps
	cmake --preset debug >/dev/null
	cmake --build build/debug
	cd build/debug && ctest --output-on-failure -j2 --timeout 900 -LE slow
	./scripts/run-e2e.sh build/debug

# The end-to-end suite against servers whose metadata, WAL and objects are in a real etcd, NATS
# JetStream and Ceph radosgw (started by the script on free ports). Part of `make test`.
test-shared-storage: build
	./scripts/run-e2e-shared-storage.sh $(BUILD_DIR)

# Benchmarks (never part of `make test`): kernels against memory bandwidth, then the ann harness
# (Quiver vs hnswlib and FAISS on Fashion-MNIST and 1M synthetic vectors, plus the end-to-end
# mode through the Node SDK). bench-quick runs the ann harness on small datasets (~2 minutes).
bench: build
	./scripts/install-deps.sh --bench
	./scripts/run-bench.sh $(BUILD_DIR)

bench-quick: build
	./scripts/install-deps.sh --bench
	./scripts/run-bench.sh $(BUILD_DIR) --quick

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz --target expr_parser_fuzz
	mkdir -p build/fuzz/corpus
	# New inputs go to build/fuzz/corpus (first directory); src/expr/fuzz_corpus holds the seeds.
	./build/fuzz/src/expr/expr_parser_fuzz -max_total_time=60 build/fuzz/corpus src/expr/fuzz_corpus

clean:
	rm -rf build
