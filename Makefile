# heal — build, test, demo, bench, fuzz, install.
#
# Out-of-tree builds: B names the build directory (default build/).  The
# sanitizer build is the same tree built again with SAN=1 into build/san,
# so both can coexist and `make -j` is safe in each.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR     = $(PREFIX)/bin
MANDIR     = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d

SAN ?= 0
FUZZ ?= 0
ifeq ($(FUZZ),1)
# libFuzzer build: the library instrumented for coverage, ASan and UBSan.
B ?= build/fuzz
CC = clang
SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
OPT = -O1
else ifeq ($(SAN),1)
B ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1
else
B ?= build
SANFLAGS =
OPT = -O2
endif

CC ?= cc
WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
       -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DHEAL_VERSION='"$(VERSION)"' -Icommon $(WARN) \
             $(SANFLAGS) $(CFLAGS) -MMD -MP
LIBS = -ljq -lcurl -lcrypto -lmicrohttpd -lpcre2-8 -lpopt -lhs -lstdc++ -lm
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/%.o)
DATA_JSON  := $(sort $(wildcard data/*.json))
CMD_SRC    := $(sort $(wildcard cmd/*.c))
PROGS      := $(CMD_SRC:cmd/%.c=$(B)/bin/%)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:%.c=$(B)/%)
BENCH_SRC  := $(sort $(wildcard tests/bench/*.c))
BENCH_BIN  := $(BENCH_SRC:%.c=$(B)/%)
MANPAGES   := $(sort $(wildcard man/*.[1-8]))
LIB        := $(B)/libheal.a

# --as-needed: a program maps only the libraries it calls (Debian's linker
# does not default to it); each shared library costs a process its
# relocations.  libcurl and Vectorscan are loaded on first use instead
# (common/lazylib.h).  pack-relative-relocs (DT_RELR, glibc 2.36): the
# relocation table a program reads at every start, then resident, shrinks
# from 8 pages to 5.
ALL_LDFLAGS += -Wl,--as-needed -Wl,-z,pack-relative-relocs

.PHONY: all deps test check unit memcheck demo bench bench-bin fuzz fuzz-bin install uninstall \
        clean lint-man mcp-client
all: $(PROGS)

$(B)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The built-in catalogs in data/ are embedded byte for byte with the
# assembler's .incbin, so the programs load exactly the files a user reads.
$(B)/common/builtin_data.S: $(DATA_JSON) Makefile tests/lib/gen-builtin-data
	@mkdir -p $(@D)
	sh tests/lib/gen-builtin-data $(DATA_JSON) > $@.tmp && mv $@.tmp $@
$(B)/common/builtin_data.o: $(B)/common/builtin_data.S $(DATA_JSON)
	$(CC) -c -o $@ $<

$(LIB): $(COMMON_OBJ) $(B)/common/builtin_data.o
	rm -f $@
	ar rcs $@ $^

$(B)/bin/%: cmd/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LIBS)

$(B)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LIBS)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:%.c=$(B)/%)
$(B)/tests/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -fsanitize=fuzzer -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LIBS)
fuzz-bin: $(FUZZ_BIN)

$(B)/tests/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LIBS)

unit: $(UNIT_BIN)

# Debian packages the build and the tests need; installed only when missing,
# with `apt-get update` run only if something must be installed.
DEPS = gcc make pkg-config libjq-dev libcurl4-openssl-dev libssl-dev libpopt-dev libpcre2-dev \
       libmicrohttpd-dev \
       jq bats bats-assert bats-support bats-file mandoc clang libclang-rt-14-dev libvectorscan-dev \
       python3 python3-jsonschema nginx-light monitoring-plugins-basic \
       monitoring-plugins-standard procps bc time monit python3-pytest nodejs valgrind
# npm is asked for by command, not by package: a nodejs package that bundles
# npm (and conflicts with Debian's) serves as well.
deps:
	@missing=$$(for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || echo $$p; done; command -v npm >/dev/null 2>&1 || echo npm); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing:" $$missing; \
	    if [ "$$(id -u)" -ne 0 ]; then echo "make deps: need root to install:" $$missing >&2; exit 1; fi; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# The official MCP client SDK and Inspector that tests/heal-mcp drives
# heal-mcp with, at the versions package-lock.json pins; installed again
# only when the lock file changes.  `npm install --no-save` rather than
# `npm ci`: the lock names an optional Windows-only package that the
# registry no longer has, which npm ci refuses and npm install skips.
MCP_CLIENT := tests/mcp-client
$(MCP_CLIENT)/node_modules/.installed: $(MCP_CLIENT)/package.json $(MCP_CLIENT)/package-lock.json
	cd $(MCP_CLIENT) && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
mcp-client: $(MCP_CLIENT)/node_modules/.installed

# Every suite runs twice: the plain build, then the sanitizer build.  Each
# run writes its counts; tests/lib/summary prints the closing line.
test: deps mcp-client
	$(MAKE) all unit bench-bin
	$(MAKE) SAN=1 all unit bench-bin
	@rm -f build/test-counts build/san/test-counts build/test-failures build/san/test-failures
	@rc=0; \
	tests/lib/run-suites build plain || rc=1; \
	tests/lib/run-suites build/san sanitizer || rc=1; \
	tests/lib/summary build/test-counts build/san/test-counts || rc=1; \
	exit $$rc
check: test

bench-bin: $(BENCH_BIN)

# The C unit tests under valgrind's memcheck (the plain build): any memory
# error or leak (definite or indirect) fails the run; each test's report is
# in B/tests/unit/NAME.memcheck.  "Possibly lost" is shown, not failed: it is
# the stack of a resolver thread that test_resolve abandons by design.  A
# test's own checks are judged by `make test`; under valgrind some cannot
# hold (valgrind 3.19 has no pidfd_open and runs posix_spawn's vfork as a
# fork, so an exec failure is not reported back): those are named, not failed.
memcheck: deps
	$(MAKE) unit
	@failed=; for t in $(UNIT_BIN); do \
	    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	        --error-exitcode=99 $$t >$$t.memcheck 2>&1; rc=$$?; n=$$(basename $$t); \
	    if [ $$rc -eq 0 ]; then echo "memcheck $$n: no error, no leak"; \
	    elif [ $$rc -eq 99 ]; then failed="$$failed $$n"; echo "memcheck $$n: FAILED, see $$t.memcheck"; \
	    else echo "memcheck $$n: no error, no leak; its own checks failed under valgrind, see $$t.memcheck"; fi; \
	done; [ -z "$$failed" ] || { echo "memcheck: failed:$$failed"; exit 1; }

demo: deps
	$(MAKE) all
	@sh tests/lib/demo $(B)

bench: deps
	$(MAKE) all bench-bin mcp-client
	@failed=; for b in tests/bench/*.sh; do echo "== $$b"; \
	    B=$(B) bash $$b || failed="$$failed $$(basename $$b)"; done; \
	if [ -n "$$failed" ]; then echo "bench: missed a target:$$failed"; exit 1; fi

# Each harness runs FUZZ_SECONDS, or FUZZ_RUNS executions if that comes
# first, on a scratch copy of its seed corpus; FUZZ_JOBS of them at once,
# under nice FUZZ_NICE.  The acceptance run of issue 11:
#   make fuzz FUZZ_SECONDS=600 FUZZ_RUNS=10000000 FUZZ_JOBS=2 FUZZ_NICE=15
FUZZ_SECONDS ?= 30
FUZZ_RUNS ?=
FUZZ_JOBS ?= 1
FUZZ_NICE ?= 0
fuzz: deps
	$(MAKE) FUZZ=1 fuzz-bin
	@FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_NICE=$(FUZZ_NICE) bash tests/lib/run-fuzz build/fuzz $(FUZZ_SECONDS) $(FUZZ_RUNS)

lint-man:
	@for m in $(MANPAGES); do mandoc -Tlint -W warning $$m || exit 1; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(FISHCOMPDIR)
	for p in $(PROGS); do install -m 0755 $$p $(DESTDIR)$(BINDIR)/; done
	install -d $(DESTDIR)$(PREFIX)/share/heal/schema
	install -m 0644 man/schema/*.json $(DESTDIR)$(PREFIX)/share/heal/schema/
	for m in $(MANPAGES); do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for f in completions/*.bash; do [ -e "$$f" ] || continue; \
	    install -m 0644 $$f $(DESTDIR)$(BASHCOMPDIR)/$$(basename $$f .bash); done
	for f in completions/_*; do [ -e "$$f" ] || continue; install -m 0644 $$f $(DESTDIR)$(ZSHCOMPDIR)/; done
	for f in completions/*.fish; do [ -e "$$f" ] || continue; install -m 0644 $$f $(DESTDIR)$(FISHCOMPDIR)/; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$$(basename $$p); done
	rm -rf $(DESTDIR)$(PREFIX)/share/heal/schema
	for m in $(MANPAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m); done
	for f in completions/*.bash; do rm -f $(DESTDIR)$(BASHCOMPDIR)/$$(basename $$f .bash); done
	for f in completions/_*; do rm -f $(DESTDIR)$(ZSHCOMPDIR)/$$(basename $$f); done
	for f in completions/*.fish; do rm -f $(DESTDIR)$(FISHCOMPDIR)/$$(basename $$f); done

clean:
	rm -rf build

-include $(COMMON_OBJ:.o=.d) $(PROGS:=.d) $(UNIT_BIN:=.d) $(BENCH_BIN:=.d)
