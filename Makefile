# mtlsdiag - see README.md.  `make`, `make check`, `make install PREFIX=...`,
# `make deb`. The libraries are found with pkg-config wherever they are; on
# Debian, missing packages are first installed (tools/deps.sh) when run as
# root, a convenience that never stops the build elsewhere.
# SAN=1 builds everything under AddressSanitizer + UndefinedBehaviorSanitizer
# into build-san/ so both builds can coexist.

PREFIX ?= /usr/local
CC ?= cc
PKG_CONFIG ?= pkg-config
# libssl: the probe subcommand talks TLS itself.
PKGS := libpcap openssl libssl jansson libnghttp2
TEST_PKGS := check

ifeq ($(SAN),1)
BUILD := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
BUILD := build
SANFLAGS :=
OPT := -O2 -g
endif

# The program is optimised across files when it is linked: every frame
# passes through small functions of other files (decoding, reassembly,
# memory accounting), and inlined they cost about 12 % fewer instructions
# on bulk captures. The objects keep ordinary code as well, so the tests
# and harnesses link them as before. `make LTO=` builds without.
ifeq ($(SAN),1)
LTO :=
else
LTO ?= -flto=auto -ffat-lto-objects
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# pkg-config is asked once, when a flag is first needed: after the
# prerequisites step, which may just have installed the packages.
once = $(eval $(1) := $$(shell $$(PKG_CONFIG) $(2) 2>/dev/null))$($(1))
PKG_CFLAGS = $(call once,PKG_CFLAGS,--cflags $(PKGS))
PKG_LIBS = $(call once,PKG_LIBS,--libs $(PKGS))
CHECK_CFLAGS = $(call once,CHECK_CFLAGS,--cflags $(TEST_PKGS))
CHECK_LIBS = $(call once,CHECK_LIBS,--libs $(TEST_PKGS))
CFLAGS ?= $(OPT)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(SANFLAGS) -Idissectors -Ianalyzer $(PKG_CFLAGS) $(CFLAGS)
# -pthread: --threads and live capture with --workers run threads.
LDFLAGS_ALL := -pthread $(SANFLAGS) $(LDFLAGS)

DISSECTOR_SRCS := $(wildcard dissectors/*.c)
# analyzer/ has one folder per stage of the pipeline (README.md, "Layout").
ANALYZER_SRCS := $(filter-out analyzer/cli/main.c,$(wildcard analyzer/*/*.c))
DISSECT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(DISSECTOR_SRCS))
ANALYZER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ANALYZER_SRCS))
DISSECT_LIB := $(BUILD)/libdissect.a
ANALYZER_LIB := $(BUILD)/libanalyzer.a
BIN := $(BUILD)/mtlsdiag
# Tests may drive real OpenSSL handshakes in memory (tests/support/).
TEST_SUPPORT_SRCS := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT_SRCS))
SSL_LIBS = $(call once,SSL_LIBS,--libs libssl libcrypto)

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
# Each fuzz harness is also built as a plain program that replays files.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))
REPLAY_BINS := $(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_NAMES))

GEN_SRCS := $(wildcard samples/gen/*.c)
GEN := $(BUILD)/mtlsgen

.PHONY: all deps prereqs check unit install clean samples expected fuzz test demo bench deb
all: $(BIN) mtlsdiag

# A plain `make` leaves ./mtlsdiag for the user; the SAN build does not.
mtlsdiag: $(BIN)
	@if [ "$(SAN)" != 1 ]; then cp $(BIN) mtlsdiag; fi

# Installs missing Debian packages when run as root; otherwise names them.
deps:
	@sh tools/deps.sh install

# Before anything is compiled: the Debian convenience (it only warns when it
# cannot help), then pkg-config must find every library; what it does not
# find is named.
prereqs:
	@sh tools/deps.sh install || echo "deps: going on; the check below names what the build lacks" >&2
	@CC="$(CC)" PKG_CONFIG="$(PKG_CONFIG)" sh tools/pkgcheck.sh $(PKGS)

$(BUILD)/%.o: %.c | prereqs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LTO) -MMD -MP -c $< -o $@

$(DISSECT_LIB): $(DISSECT_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(ANALYZER_LIB): $(ANALYZER_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/analyzer/cli/main.o $(ANALYZER_LIB) $(DISSECT_LIB)
	$(CC) $(LDFLAGS_ALL) $(LTO) $(if $(LTO),$(CFLAGS)) -o $@ $^ $(PKG_LIBS)

# tests/test_an_*.c exercise the analyzer; the others only the dissectors.
$(BUILD)/tests/test_an_%: tests/test_an_%.c $(TEST_SUPPORT_OBJS) $(ANALYZER_LIB) $(DISSECT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP -o $@ $< $(TEST_SUPPORT_OBJS) $(ANALYZER_LIB) $(DISSECT_LIB) $(LDFLAGS_ALL) $(PKG_LIBS) $(SSL_LIBS) $(CHECK_LIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT_OBJS) $(DISSECT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP -o $@ $< $(TEST_SUPPORT_OBJS) $(DISSECT_LIB) $(LDFLAGS_ALL) $(PKG_LIBS) $(SSL_LIBS) $(CHECK_LIBS)

$(GEN): $(GEN_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(GEN_SRCS) $(LDFLAGS_ALL) $(shell $(PKG_CONFIG) --libs libpcap libssl libcrypto libnghttp2)

# Unit tests (Check), then the end-to-end regressions over samples/ and
# ../shared/captures. Every runner prints its own totals.
check: prereqs $(BIN) $(TEST_BINS) $(REPLAY_BINS) $(BUILD)/bench/advgen $(GEN)
	@sh tests/run-all.sh $(BUILD)

# Every test again under valgrind memcheck (the normal build; Check
# suites unforked): any memory error or leak fails the test it is in. Of
# the runs of mtlsdiag the tests make, one in 3 goes under valgrind
# (tests/run-all.sh says why).
# No vgdb: its FIFOs, made in /tmp as root, cannot be removed by a live
# capture that has become nobody.
VALGRIND := valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
.PHONY: check-valgrind
check-valgrind: prereqs $(BIN) $(TEST_BINS) $(REPLAY_BINS) $(BUILD)/bench/advgen $(GEN)
	@if command -v valgrind >/dev/null 2>&1; then \
		CK_FORK=no TEST_WRAP="$(VALGRIND)" sh tests/run-all.sh $(BUILD); \
	else echo "SKIP check-valgrind: valgrind is not installed (tools/deps.sh install test)"; fi

# The README's test command (and CI's): dependencies, every test, then
# every test again under ASan+UBSan, again under valgrind, then each fuzz
# target for FUZZ_SECONDS.
test:
	sh tools/deps.sh install test
	$(MAKE) check
	$(MAKE) check SAN=1
	$(MAKE) check-valgrind
	$(MAKE) fuzz-smoke

# The README's first command: build and explain a bundled sample.
DEMO_SAMPLE ?= samples/tls12-reneg-late-request.pcap
demo:
	$(MAKE) all
	./mtlsdiag $(DEMO_SAMPLE)

unit: $(TEST_BINS)
	@for t in $(TEST_BINS); do $$t || exit 1; done

samples: $(GEN)
	$(GEN) samples

expected: $(BIN)
	sh tests/e2e-samples.sh $(BIN) --update
	sh tests/e2e-samples-keys.sh $(BIN) --update

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mtlsdiag
	install -m 644 man/mtlsdiag.1 $(DESTDIR)$(PREFIX)/share/man/man1/mtlsdiag.1

# A Debian package of `make install PREFIX=/usr`, built with dpkg-deb from
# a staged tree (debian/build-deb.sh); the Depends line names the packages
# that hold the libraries the binary links. Written to $(BUILD)/deb/.
VERSION := $(shell sed -n 's/^\#define MTLSDIAG_VERSION "\(.*\)"/\1/p' analyzer/cli/main.c)
deb: $(BIN)
	sh debian/build-deb.sh $(BIN) $(VERSION) $(BUILD)/deb

# libFuzzer targets (clang): one per entry point that takes capture bytes.
# The libraries are compiled once with -fsanitize=fuzzer-no-link, each
# harness is linked with libFuzzer. `make fuzz-smoke` runs every target for
# FUZZ_SECONDS, seeded from samples/ (fuzz-seeds cuts them) and the
# regression corpus tests/regress/<target>/; a crash stops it with the
# input saved under build-fuzz/crashes/. The same harnesses are also built
# with $(CC) and tests/fuzz/replay.c, and `make check` replays
# tests/regress/ through them (tests/e2e-regress.sh).
FUZZ_BINS := $(addprefix build-fuzz/,$(FUZZ_NAMES))
FUZZ_LIB_OBJS := $(patsubst %.c,build-fuzz/obj/%.o,$(DISSECTOR_SRCS) $(ANALYZER_SRCS))
# Kept between builds (make would delete them as intermediates of the pattern rule).
.SECONDARY: $(FUZZ_LIB_OBJS)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_FLAGS = -g -O1 -std=c11 -D_GNU_SOURCE $(WARN) -Idissectors -Ianalyzer $(PKG_CFLAGS)
FUZZ_SECONDS ?= 20
SEEDER := $(BUILD)/fuzz-seeds
.PHONY: fuzz fuzz-seeds fuzz-smoke
fuzz: $(FUZZ_BINS)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_LIB_OBJS) $(PKG_LIBS)
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(ANALYZER_LIB) $(DISSECT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< tests/fuzz/replay.c $(ANALYZER_LIB) $(DISSECT_LIB) $(LDFLAGS_ALL) $(PKG_LIBS)
$(SEEDER): tests/fuzz/seeds.c $(DISSECT_LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(DISSECT_LIB) $(LDFLAGS_ALL) $(PKG_LIBS)
fuzz-seeds: $(SEEDER)
	rm -rf build-fuzz/seeds
	@mkdir -p build-fuzz/seeds
	$(SEEDER) build-fuzz/seeds samples/*.pcap samples/*.pcapng samples/*.cap
fuzz-smoke:
	@if command -v clang >/dev/null 2>&1; then \
		$(MAKE) fuzz fuzz-seeds && sh tools/fuzz-smoke.sh $(FUZZ_SECONDS) $(FUZZ_NAMES); \
	else echo "SKIP fuzz-smoke: clang is not installed (tools/deps.sh install test)"; fi

# Speed and memory against a plain libpcap read, tshark and ssldump (README.md,
# "Performance"); not part of `make check`. Captures are cached in build/bench/.
BENCH_HS_CONNS ?= 40000
BENCH_BULK_MB ?= 1000
BENCH_RUNS ?= 3
BENCH_FLAT ?= 1
BENCH_BIG ?= 0
BENCH_PEERS ?= 1
$(BUILD)/bench/pcapread: bench/pcapread.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS_ALL) $(shell $(PKG_CONFIG) --libs libpcap)

# Adversarial captures (bench/advgen.c) for `make stress` and the memory test of `make check`.
$(BUILD)/bench/advgen: bench/advgen.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS_ALL)

# Adversarial captures against --max-memory (bench/stress.sh; README.md,
# "Testing"); not part of `make check`, minutes at full size. STRESS_SCALE:
# percent of the full sizes (10: a quick run).
STRESS_SCALE ?= 100
.PHONY: stress
stress: $(BIN) $(BUILD)/bench/advgen
	@STRESS_SCALE=$(STRESS_SCALE) sh bench/stress.sh $(BUILD)

bench: $(BIN) $(GEN) $(BUILD)/bench/pcapread
	@BENCH_HS_CONNS=$(BENCH_HS_CONNS) BENCH_BULK_MB=$(BENCH_BULK_MB) BENCH_RUNS=$(BENCH_RUNS) \
	BENCH_FLAT=$(BENCH_FLAT) BENCH_BIG=$(BENCH_BIG) BENCH_PEERS=$(BENCH_PEERS) sh bench/run.sh $(BUILD)

clean:
	rm -rf build build-san build-fuzz mtlsdiag

-include $(shell find $(BUILD) build-fuzz -name '*.d' 2>/dev/null)
