# Thin wrapper over CMake presets: the README's two commands and a few conveniences.
PRESET ?= release
BUILD  := build/$(PRESET)

.PHONY: demo test build configure deps asan tsan clean

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

clean:
	rm -rf build
