# A thin front over CMake presets (CMakePresets.json): every build goes through them, so that
# `make test` and `cmake --preset dev && cmake --build --preset dev && ctest --preset dev` agree.
JOBS ?= $(shell nproc 2>/dev/null || sysctl -n hw.ncpu)
MAKEFLAGS += --no-print-directory
PREFIX ?= /usr/local

# Everything needed to build, test and lint on Debian 12 (the Redis tests start redis-server themselves).
DEBIAN_PACKAGES := cmake g++ make pkg-config libssl-dev nlohmann-json3-dev libgtest-dev libgmock-dev \
                   libsqlite3-dev libhiredis-dev redis-server libbenchmark-dev clang clang-format clang-tidy \
                   cppcheck python3-jwt libclang-rt-14-dev dpkg-dev libcpp-httplib-dev openssl

SOURCE_DIRS := include src tests examples bench fuzz test_package
CXX_SOURCES = $(sort $(shell find $(SOURCE_DIRS) -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' \) 2>/dev/null))

.PHONY: install-dev build demo test bench fuzz check format format-check lint tidy cppcheck asan tsan coverage docs \
        install uninstall \
        package clean

# $(call ensure_debian_packages,WHO,PACKAGES): apt-get installs those of PACKAGES that dpkg does
# not list as installed, and nothing when all are.
define ensure_debian_packages
	@missing=""; \
	for pkg in $(2); do \
	  dpkg-query -W -f='$${db:Status-Status}' "$$pkg" 2>/dev/null | grep -qx installed || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "$(1): all $(words $(2)) Debian packages are installed"; \
	  exit 0; \
	fi; \
	echo "$(1): installing$$missing"; \
	sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing
endef

# macOS: Homebrew instead of apt-get, and CMake pointed at Homebrew's prefix and its openssl@3
# (not linked into that prefix). Not tested on the project's machines (Debian only).
BREW_PACKAGES := cmake pkg-config openssl@3 nlohmann-json sqlite googletest hiredis redis google-benchmark
ifeq ($(shell uname -s),Darwin)
export CMAKE_PREFIX_PATH := $(shell brew --prefix 2>/dev/null)
export OPENSSL_ROOT_DIR := $(shell brew --prefix openssl@3 2>/dev/null)
install-dev:
	brew install $(BREW_PACKAGES)
else
install-dev:
	$(call ensure_debian_packages,install-dev,$(DEBIAN_PACKAGES))
endif

build:
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)

# The main job end to end with the command-line tool: create, validate, revoke, validate
# again, consume twice (examples/demo.sh).
demo:
	$(MAKE) install-dev
	$(MAKE) build
	bash examples/demo.sh build/dev/jwtservice

test:
	$(MAKE) install-dev
	$(MAKE) build
	ctest --preset dev -j $(JOBS)

# Google Benchmark against the floor and the Debian-packaged peers; writes bench/results.md/.png.
bench:
	bench/run.sh

# libFuzzer targets (clang, ASan+UBSan) over validation, base64url, strict JSON and the config
# loaders, each for FUZZ_SECONDS from the seed corpus in fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) install-dev
	fuzz/run.sh $(FUZZ_SECONDS)

check:
	$(MAKE) format-check
	$(MAKE) lint
	$(MAKE) test
	$(MAKE) asan
	$(MAKE) tsan

format:
	@echo "clang-format -i: $(words $(CXX_SOURCES)) files in $(SOURCE_DIRS)"
	@clang-format -i $(CXX_SOURCES)

format-check:
	@echo "clang-format --dry-run --Werror: $(words $(CXX_SOURCES)) files in $(SOURCE_DIRS)"
	@clang-format --dry-run --Werror $(CXX_SOURCES)

# clang-tidy reads its checks from .clang-tidy and the flags from the dev preset's compile_commands.json.
# cppcheck checks each file on its own, without -I include: cppcheck 2.10 cannot parse the table
# initializer of detail/base64url.hpp once it is included, and would then skip engine.cpp whole.
lint: tidy cppcheck

tidy:
	cmake --preset dev
	clang-tidy -p build/dev --quiet $(sort $(shell find src -type f -name '*.cpp'))

cppcheck:
	cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr --quiet \
	  --std=c++20 --language=c++ src include

asan:
	cmake --preset asan-ubsan
	cmake --build --preset asan-ubsan -j $(JOBS)
	ctest --preset asan-ubsan -j $(JOBS)

tsan:
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

# Line and branch coverage of src/ and include/ over the whole CTest suite, from the coverage
# preset: Debug, --coverage -fprofile-update=atomic (without it, threads racing on the counters
# leave gcovr 5.2 negative branch counts). HTML in build/coverage/html/index.html, the summary
# printed; counts of an earlier run are deleted first. Throw branches and those GCC marks
# unreachable are left out: C++ exception edges would otherwise bury the branches the code
# decides. CMake's compiler probes and the packaging tests' consumer builds get the same flags
# but are not ours: gcovr skips them. No gcovr -j: when one of its workers fails (an assertion
# on objects older than their headers, say), gcovr 5.2 hangs instead of exiting.
COVERAGE_PACKAGES := gcovr
coverage:
	$(MAKE) install-dev
	$(call ensure_debian_packages,coverage,$(COVERAGE_PACKAGES))
	cmake --preset coverage
	cmake --build --preset coverage -j $(JOBS)
	find build/coverage -name '*.gcda' -delete
	ctest --preset coverage -j $(JOBS)
	mkdir -p build/coverage/html
	gcovr --root . --object-directory build/coverage \
	  --exclude-directories 'build/coverage/CMakeFiles/[0-9]' \
	  --exclude-directories 'build/coverage/(find_package|pkg_config)_build' \
	  --filter 'src/' --filter 'include/' \
	  --exclude-throw-branches --exclude-unreachable-branches \
	  --html-details build/coverage/html/index.html --html-title 'jwtservice coverage' \
	  --txt build/coverage/coverage.txt --print-summary

# The API reference: Doxygen over include/jwtservice/ into build/docs/html; an undocumented
# public name or any other Doxygen warning fails it. Configures the docs preset (nothing compiled).
DOCS_PACKAGES := doxygen
docs:
	$(call ensure_debian_packages,docs,$(DOCS_PACKAGES))
	cmake --preset docs
	cmake --build --preset docs

# The library, headers, CMake and pkg-config files and the CLI; no tests are built (the install
# preset turns them off), so GTest and Python are not needed. BUILD_SHARED_LIBS=ON for a shared library.
install:
	cmake --preset install $(if $(BUILD_SHARED_LIBS),-DBUILD_SHARED_LIBS=$(BUILD_SHARED_LIBS))
	cmake --build --preset install -j $(JOBS)
	cmake --install build/install --prefix $(PREFIX)

# Debian packages (CPack, cmake/jwtservicePackage.cmake) in build/package: libjwtservice-dev and
# jwtservice, plus libjwtservice0 with `make package BUILD_SHARED_LIBS=ON`. The package preset is the install
# preset under /usr; dpkg-shlibdeps (dpkg-dev) computes the Depends.
package:
	$(call ensure_debian_packages,package,dpkg-dev)
	cmake --preset package -DBUILD_SHARED_LIBS=$(or $(BUILD_SHARED_LIBS),OFF)
	cmake --build --preset package -j $(JOBS)
	rm -f build/package/*.deb
	cd build/package && cpack -G DEB
	@ls -1 build/package/*.deb

# Removes what the last `make install` installed (build/install/install_manifest.txt).
uninstall:
	cmake --build build/install --target uninstall

clean:
	rm -rf build
