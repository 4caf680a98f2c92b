# Thin wrapper over CMake presets: the README's two commands and a few conveniences.
PRESET ?= release
BUILD  := build/$(PRESET)
FUZZ_SECONDS ?= 60

.PHONY: demo test build configure deps asan tsan fuzz stress docs-results clean

demo: build
	./$(BUILD)/tasklab demo

test: build
	ctest --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET)

configure: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake --preset $(PRESET)

deps:
	@bash .ci/install-deps

asan:
	$(MAKE) test PRESET=asan

tsan:
	$(MAKE) test PRESET=tsan

# libFuzzer on the fork backend's wire format (clang-14, installed if missing).
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)

# Reruns every command shown in README.md and docs/ and rewrites its output block.
docs-results: build
	bash docs/regenerate.sh $(BUILD)

# The [faults] suite 50 times in a row, in random order with random delays (REPEAT=n to change).
REPEAT ?= 50
stress: build
	bash tests/stress.sh $(BUILD) $(REPEAT)

clean:
	rm -rf build
