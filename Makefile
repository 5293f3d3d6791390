# tscrub - build, test, benchmark and install.
#
#   make              build/tscrub and build/libtscrub.a (+ libtscrub.so)
#   make run          install missing Debian packages, build, clean the sample
#   make check        unit tests, golden tests, rule examples: "N passed, N failed"
#   make check-asan   the same under AddressSanitizer + UBSan (build-asan/)
#   make bench        throughput and peak memory on a generated 100 MB transcript,
#                     and -j 1 against -j 2 on a generated batch of 1,000 files
#   make fuzz         libFuzzer harnesses in tests/fuzz (clang), FUZZ_TIME seconds each
#   make bench-dict   the same with a generated 10,000-term list (--dict)
#   make install      PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
PKGS    := libpcre2-8 hunspell libxml-2.0 libutf8proc jansson inih
VERSION := $(shell sed -n 's/^\#define TS_VERSION "\(.*\)"/\1/p' src/tscrub.h)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

OPT      ?= -O2
SANITIZE ?=
CFLAGS   ?=
CFLAGS   += -std=c11 $(OPT) -g -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -fPIC \
            $(SANITIZE) $(PKG_CFLAGS) -I$(BUILD)/gen -MMD -MP
LDFLAGS  += $(SANITIZE)
LDLIBS   += $(PKG_LIBS) -lm

LIB_SRC  := $(sort $(wildcard src/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
GEN      := $(BUILD)/gen/abbreviations.inc $(BUILD)/gen/bundled_rules.inc $(BUILD)/gen/rules_rng.inc \
            $(BUILD)/gen/speakers.inc $(BUILD)/gen/credits.inc $(BUILD)/gen/sound_tags.inc \
            $(patsubst rules/encoding/%.txt,$(BUILD)/gen/encoding_%.inc,$(wildcard rules/encoding/*.txt))
RULE_PACKS := $(sort $(wildcard rules/*.xml))
CREDITS  := $(sort $(wildcard dictionaries/credits/*.txt))

# make check-valgrind     memcheck over the unit tests and the main commands
.PHONY: all run check check-asan check-valgrind unit golden golden-update bench bench-dict fuzz install uninstall clean deps
all: $(BUILD)/tscrub $(BUILD)/libtscrub.a $(BUILD)/libtscrub.so

$(BUILD)/gen/abbreviations.inc: dictionaries/abbreviations.txt Makefile
	@mkdir -p $(@D)
	sed -e 's/#.*//' -e 's/[[:space:]]*$$//' -e '/^$$/d' -e 's/.*/{"&", sizeof "&" - 1},/' $< > $@.tmp && mv $@.tmp $@

# The bundled rule packs and their schema are compiled in (rules.c), so the
# default pack works without installed data.
$(BUILD)/gen/bundled_rules.inc: $(RULE_PACKS) scripts/embed-text
	@mkdir -p $(@D)
	{ for f in $(RULE_PACKS); do printf '{"%s", "%s",\n' "$$(basename $$f .xml)" "$$f"; \
	  scripts/embed-text $$f; printf '},\n'; done; } > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/rules_rng.inc: rules/rules.rng scripts/embed-text
	@mkdir -p $(@D)
	scripts/embed-text $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/speakers.inc: dictionaries/speakers.txt
	@mkdir -p $(@D)
	sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' \
	    -e 's/^\([a-z-]*\)[[:space:]][[:space:]]*\([^[:space:]]*\)[[:space:]]*$$/{"\1", "\2"},/' $< > $@.tmp && mv $@.tmp $@

# {"lang", kind (0 credit, 1 outro), "phrase"} for every phrase of every language.
$(BUILD)/gen/credits.inc: $(CREDITS)
	@mkdir -p $(@D)
	awk 'FNR == 1 { kind = 0; lang = FILENAME; sub(/.*\//, "", lang); sub(/\.txt$$/, "", lang) } \
	    { sub(/#.*/, ""); sub(/[ \t\r]+$$/, ""); sub(/^[ \t]+/, "") } \
	    /^$$/ { next } /^\[credit\]$$/ { kind = 0; next } /^\[outro\]$$/ { kind = 1; next } \
	    { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "{\"%s\", %d, \"%s\"},\n", lang, kind, $$0 }' \
	    $(CREDITS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/sound_tags.inc: dictionaries/sound-tags.txt
	@mkdir -p $(@D)
	sed -e 's/#.*//' -e 's/[[:space:]]*$$//' -e '/^$$/d' -e 's/.*/"&",/' $< > $@.tmp && mv $@.tmp $@

.SECONDARY: $(GEN)

# The encoding pass's tables, compiled in as C strings (comments dropped).
$(BUILD)/gen/encoding_%.inc: rules/encoding/%.txt
	@mkdir -p $(@D)
	{ echo "static const char encoding_$(subst -,_,$*)_txt[] ="; \
	  sed -e '/^#/d' -e '/^$$/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&\\n"/' $<; \
	  echo ";"; } > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c $(GEN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libtscrub.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libtscrub.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libtscrub.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tscrub: $(CLI_OBJ) $(BUILD)/libtscrub.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libtscrub.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtscrub.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -Isrc -o $@ $< $(LDFLAGS) $(BUILD)/libtscrub.a $(LDLIBS) $(CMOCKA_LIBS)

run:
	scripts/install-deps
	$(MAKE) all
	$(BUILD)/tscrub fix tests/data/seed/episode-20.raw.txt

check: all $(TESTS)
	scripts/check $(BUILD)

check-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

check-valgrind: all $(TESTS)
	scripts/check-valgrind $(BUILD)

unit: $(TESTS)
	@for t in $(TESTS); do $$t || exit 1; done

golden: $(BUILD)/tscrub
	scripts/golden --bin $(BUILD)/tscrub

golden-update: $(BUILD)/tscrub
	scripts/golden --bin $(BUILD)/tscrub --update

bench: all $(BUILD)/bench_encoding
	scripts/bench $(BUILD)/tscrub
	scripts/bench-formats $(BUILD)/tscrub
	scripts/bench-batch $(BUILD)/tscrub

$(BUILD)/bench_encoding: tests/bench/bench_encoding.c $(BUILD)/libtscrub.a
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(LDFLAGS) $(BUILD)/libtscrub.a $(LDLIBS)

# libFuzzer harnesses (tests/fuzz/fuzz_<name>.c), built with clang under
# ASan + UBSan in build-fuzz/ and each run for FUZZ_TIME seconds on its
# corpus tests/fuzz/corpus/<name>/ (new inputs go to build-fuzz/corpus/), with
# the dictionary tests/fuzz/<name>.dict when there is one.
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZERS    := $(patsubst tests/fuzz/fuzz_%.c,$(FUZZ_BUILD)/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) FORCE
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 SANITIZE="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_BUILD)/libtscrub.a
	clang -std=c11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -D_POSIX_C_SOURCE=200809L -Isrc -I$(FUZZ_BUILD)/gen \
	    $(PKG_CFLAGS) -o $@ $< $(FUZZ_BUILD)/libtscrub.a $(PKG_LIBS) -lm

fuzz: $(FUZZERS)
	for f in $(FUZZERS); do \
	    n=$${f##*/fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n; \
	    d=; [ -f tests/fuzz/$$n.dict ] && d=-dict=tests/fuzz/$$n.dict; \
	    $$f -max_total_time=$(FUZZ_TIME) -max_len=65536 -artifact_prefix=$(FUZZ_BUILD)/$$n- $$d \
	        $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n golden/formats || exit 1; \
	done

FORCE:

# The same with a generated 10,000-term list on every fix row.
bench-dict: all
	@mkdir -p $(BUILD)/bench
	scripts/gen-terms --count 10000 $(BUILD)/bench/terms-10000.terms
	BENCH_DICT=$(BUILD)/bench/terms-10000.terms scripts/bench $(BUILD)/tscrub

deps:
	scripts/install-deps

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/tscrub/rules $(DESTDIR)$(PREFIX)/share/tscrub/dictionaries
	install -m 755 $(BUILD)/tscrub $(DESTDIR)$(PREFIX)/bin/tscrub
	install -m 644 $(BUILD)/libtscrub.a $(DESTDIR)$(PREFIX)/lib/libtscrub.a
	install -m 755 $(BUILD)/libtscrub.so $(DESTDIR)$(PREFIX)/lib/libtscrub.so.$(VERSION)
	ln -sf libtscrub.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libtscrub.so.0
	ln -sf libtscrub.so.0 $(DESTDIR)$(PREFIX)/lib/libtscrub.so
	install -m 644 src/tscrub.h $(DESTDIR)$(PREFIX)/include/tscrub.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' -e 's|@PKGS@|$(PKGS)|g' \
	    tscrub.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tscrub.pc
	install -m 644 src/cli/tscrub.1 $(DESTDIR)$(PREFIX)/share/man/man1/tscrub.1
	cp -R rules/. $(DESTDIR)$(PREFIX)/share/tscrub/rules/
	cp -R dictionaries/. $(DESTDIR)$(PREFIX)/share/tscrub/dictionaries/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tscrub $(DESTDIR)$(PREFIX)/lib/libtscrub.a \
	    $(DESTDIR)$(PREFIX)/lib/libtscrub.so* $(DESTDIR)$(PREFIX)/include/tscrub.h \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/tscrub.pc $(DESTDIR)$(PREFIX)/share/man/man1/tscrub.1
	rm -rf $(DESTDIR)$(PREFIX)/share/tscrub

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

