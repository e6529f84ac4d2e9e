# caltrace build. `make help` lists the targets.
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS     := libnl-3.0 libnl-route-3.0 libpcap ncursesw jansson libcrypto libnftables
TEST_PKGS := cmocka
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lreadline
TEST_LIBS  := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wvla -Wno-format-truncation
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -DCT_VERSION=\"$(VERSION)\" -I. $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS)

BUILD   ?= build
LIB_SRC := $(wildcard model/*.c probes/*.c analysis/*.c render/*.c) $(filter-out cmd/main.c,$(wildcard cmd/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
# test tools linked with the library (tests/tools/NAME.c): built by make test and make asan
TOOL_BIN := $(addprefix $(BUILD)/tests/,rtnltool clustertool livecmp evtest svctool)
HELPERS := $(BUILD)/tests/tunencap $(TOOL_BIN)

.PHONY: all deps test unit integration demo demo-readme bench fuzz install clean help format asan asan-check

all: caltrace

caltrace: $(BUILD)/caltrace
	cp $< $@

$(BUILD)/caltrace: $(BUILD)/cmd/main.o $(BUILD)/libcaltrace.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libcaltrace.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libcaltrace.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

$(TOOL_BIN): $(BUILD)/tests/%: tests/tools/%.c $(BUILD)/libcaltrace.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/tunencap: tests/lab/tunencap.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

# Installs the Debian packages the build, the tests and the lab need. Idempotent.
deps:
	sh tests/deps.sh

unit: $(UNIT_BIN)
	sh tests/run-unit.sh $(UNIT_BIN)

# The README's test command: dependencies, build, unit and lab integration tests.
test: deps
	$(MAKE) all $(UNIT_BIN) $(HELPERS)
	sh tests/run.sh

# The README's examples, run on the built-in lab (VXLAN mode, then BGP mode with BIRD 1.6), each
# fault applied and undone. `make demo PREFIX=xy-` names the lab's namespaces xy-n1...
# (default rd1-, the README's): PREFIX is the install prefix for every other target, so the
# demo takes it only when it is given on the command line.
DEMO_ARGS = $(if $(filter command line,$(origin PREFIX)),--prefix '$(PREFIX)')
demo: deps
	$(MAKE) all
	bash tests/lab/demo.sh $(DEMO_ARGS)

# Runs the demo and rewrites the README's example blocks (the fenced blocks starting `$ caltrace`).
demo-readme: deps
	$(MAKE) all
	bash tests/lab/demo.sh --update-readme README.md

bench: deps
	$(MAKE) all
	sh tests/bench/bench.sh

# caltrace top under veth and route churn for SOAK_SECONDS (default 600): RSS growth and panes
# equal to a fresh dump afterwards (tests/bench/top.sh)
SOAK_SECONDS ?= 600
.PHONY: soak
soak: deps
	$(MAKE) all
	SOAK_SECONDS=$(SOAK_SECONDS) CALTRACE=build/caltrace bash tests/bench/top.sh soak

FUZZ_CC ?= clang
FUZZ_COMMON := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE -DCT_VERSION=\"$(VERSION)\" -I. $(PKG_CFLAGS)
FUZZ_FLAGS := -fsanitize=fuzzer $(FUZZ_COMMON)
FUZZ_SECONDS ?= 30
# the library is compiled once for every target (with the fuzzer's coverage, not its main);
# without cmd/: the targets call parsers, and cmd/shell.c needs main.c's tables
FUZZ_OBJ := $(patsubst %.c,$(BUILD)/fuzzlib/%.o,$(filter-out cmd/%,$(LIB_SRC)))
fuzz: $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
	sh fuzz/run.sh $(FUZZ_SECONDS) $^

$(BUILD)/fuzzlib/%.o: %.c $(wildcard */*.h) Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -fsanitize=fuzzer-no-link $(FUZZ_COMMON) -c -o $@ $<

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_OBJ) $(wildcard */*.h) Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS)

# Unit tests and one lab mode under AddressSanitizer and UndefinedBehaviorSanitizer. UBSan
# findings are fatal, and every sanitizer report (of the tests, caltrace and the test tools
# alike, even where a test swallows standard error or accepts the exit status) is written
# into SAN_LOG; asan-check then fails the run when there is one.
SAN_LOG ?= $(CURDIR)/build-asan/sanitizer
asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/caltrace $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN) $(HELPERS))
	rm -rf $(SAN_LOG) && mkdir -p $(SAN_LOG) && chmod 1777 $(SAN_LOG)
	ASAN_OPTIONS="$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}log_path=$(SAN_LOG)/asan" \
	UBSAN_OPTIONS="$${UBSAN_OPTIONS:+$$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$(SAN_LOG)/ubsan" \
	CALTRACE=build-asan/caltrace UNIT_DIR=build-asan/tests LAB_MODES="$${LAB_MODES:-vxlan}" sh tests/run.sh; \
	rc=$$?; $(MAKE) -s asan-check SAN_LOG=$(SAN_LOG) || rc=1; exit $$rc

# Fails when a sanitizer left a report in SAN_LOG (one file per reporting process).
asan-check:
	@n=$$(find $(SAN_LOG) -type f -size +0 2>/dev/null | wc -l); \
	if [ "$$n" -gt 0 ]; then \
		echo "not ok - $$n sanitizer report(s) in $(SAN_LOG)"; \
		find $(SAN_LOG) -type f -size +0 | sort | while read -r f; do \
			echo "# $$f"; grep -E 'runtime error:|Sanitizer|^    #[0-3] ' "$$f" | head -n 12 | sed 's/^/#   /'; \
		done; exit 1; \
	fi; echo "ok - no sanitizer report in $(SAN_LOG)"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 caltrace $(DESTDIR)$(PREFIX)/bin/caltrace
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 completions/caltrace.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/caltrace
	install -m 0644 completions/_caltrace $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_caltrace
	install -m 0644 completions/caltrace.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/caltrace.fish

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan caltrace

help:
	@echo "targets: all deps test demo demo-readme bench fuzz asan install clean format"
