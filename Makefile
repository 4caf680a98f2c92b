# Thin wrapper over CMake presets: the README's two commands and a few conveniences.
PRESET ?= release
BUILD  := build/$(PRESET)

.PHONY: demo test build configure deps asan tsan stress clean

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

# The [faults] suite 50 times in a row, in random order with random delays (REPEAT=n to change).
REPEAT ?= 50
stress: build
	bash tests/stress.sh $(BUILD) $(REPEAT)

clean:
	rm -rf build
