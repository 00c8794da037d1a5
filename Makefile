# Thin wrapper over CMake. `make demo` and `make test` are the README's quick start.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# The cmake-generated makefiles recurse; without this every target prints gmake's
# "Entering/Leaving directory" pair (~240 lines that bury the warnings).
MAKEFLAGS += --no-print-directory

.PHONY: all deps configure build demo test asan soak bench fuzz install clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DOPENSQT_BUILD_TESTS=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# The product's main job on the embedded paper exchange: a grid that trades visibly
# within 30 seconds, no API keys. Ctrl-C stops it cleanly (own orders cancelled).
demo: build
	./$(BUILD)/bin/opensqt run -c config/paper.yaml $(DEMO_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE soak-long

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DOPENSQT_BUILD_TESTS=ON -DOPENSQT_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -LE soak-long

soak: build
	cd $(BUILD) && SQT_SOAK_SECONDS=600 ctest --output-on-failure -L soak

# Benchmarks measure a Release build of their own (numbers, never pass/fail).
bench: deps
	@cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DOPENSQT_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-release -j$(JOBS)
	@for b in build-release/bench/bench_*; do [ -x "$$b" ] && "$$b"; done

# libFuzzer (clang) on every outside-input parser, FUZZ_SECONDS each, new inputs into a
# scratch dir (merge the interesting ones into tests/fuzz/corpus, see tests/fuzz/README.md)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = binance bitget config dec pricepath ws http metrics
fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DOPENSQT_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do mkdir -p build-fuzz/new/$$t; \
	  d=""; [ -f tests/fuzz/dict/$$t.dict ] && d="-dict=tests/fuzz/dict/$$t.dict"; \
	  build-fuzz/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $$d build-fuzz/new/$$t tests/fuzz/corpus/$$t || exit 1; done

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
