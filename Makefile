# Oasis: `make` builds build/oasis; `make test` runs the whole suite under
# AddressSanitizer and UndefinedBehaviorSanitizer, then the concurrency tests
# under ThreadSanitizer (a build of their own, build/tsan); `make demo` starts
# the demo base (`make demo-pg` on PostgreSQL); `make bench` runs the
# benchmarks.  BUILD=DIR builds elsewhere.

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# V=1 shows the compiler's command lines
Q := $(if $(V),,@)
SAN ?=
CC ?= cc
PKGS := libmicrohttpd jansson sqlite3 gdal proj libsodium libcurl libmosquitto libpq zlib \
	cairo xlsxwriter

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wvla -Werror=implicit-function-declaration
CFLAGS ?= -O2 -g
VERSION := 0.1.0
# The commit built, for `oasis --version` and /api/v1/health ("unknown" outside git).
COMMIT := $(or $(shell git rev-parse --short HEAD 2>/dev/null),unknown)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DOASIS_VERSION=\"$(VERSION)\" $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP
# Where an installation keeps the web page (oasis serve's default --web-root).
PREFIX ?= /usr/local
WEB_DIR ?= $(PREFIX)/share/oasis/web
ALL_CFLAGS += -DOASIS_WEB_DIR=\"$(WEB_DIR)\"
ALL_LDFLAGS := $(LDFLAGS) -pthread
LIBS := $(PKG_LIBS) -lm

ifeq ($(SAN),1)
  ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
  ALL_LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
  ALL_CFLAGS += -O1 -g -fsanitize=thread -fno-omit-frame-pointer
  ALL_LDFLAGS += -fsanitize=thread
endif

LIB_SRC := $(shell find src -name '*.c' ! -path src/main.c | sort)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# The concurrency tests, run again under ThreadSanitizer by `make test`:
# every test_*race*.c, and the tests whose code under test starts threads.
TSAN_BUILD := build/tsan
TSAN_SRC := $(sort $(wildcard tests/unit/test_*race*.c) \
	tests/unit/test_engine.c tests/unit/test_alert_service.c \
	tests/unit/test_zonal.c tests/unit/test_zonal_gdal.c \
	tests/unit/test_plots_read.c tests/unit/test_pvsite.c)
TSAN_BIN := $(TSAN_SRC:tests/unit/%.c=$(TSAN_BUILD)/tests/%)

.PHONY: all check-deps unit tsan test demo bench fuzz clean format web \
	cluster-demo test-cluster demo-pg

all: check-deps web $(BUILD)/oasis

check-deps:
	@scripts/deps.sh check

# The big screen's npm packages, from the lock file (again only when the lock
# is newer than node_modules), and ECharts' browser build where the server
# serves it (web/vendor/, not in git).
WEB_VENDOR := web/vendor/echarts.esm.min.js web/vendor/hls.light.min.mjs

web: $(WEB_VENDOR)

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "the big screen needs npm:" \
		"apt-get install nodejs npm" >&2; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

web/vendor/echarts.esm.min.js: node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	cp node_modules/echarts/dist/echarts.esm.min.js $@

# hls.js's light ES module build plays the cameras' live HLS (js/video.js).
web/vendor/hls.light.min.mjs: node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	cp node_modules/hls.js/dist/hls.light.min.mjs $@

$(BUILD)/oasis: $(BUILD)/obj/src/main.o $(BUILD)/liboasis.a
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/liboasis.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The commit is compiled into one object (src/util/version.c), rebuilt when
# the stamp changes, and the stamp only when HEAD moves.
$(BUILD)/commit-stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' > $@
$(BUILD)/obj/src/util/version.o: $(BUILD)/commit-stamp
$(BUILD)/obj/src/util/version.o: ALL_CFLAGS += -DOASIS_COMMIT=\"$(COMMIT)\"
.PHONY: FORCE
FORCE:

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liboasis.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/liboasis.a $(LIBS) $(CMOCKA_LIBS)

unit: all $(TEST_BIN)

# The concurrency tests built with ThreadSanitizer (only them: the library
# and these tests, no server).
tsan:
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(TSAN_BUILD) SAN=thread \
		$(TSAN_BIN)

# The whole suite: sanitized build, cmocka unit tests, integration tests,
# the browser tests, then the concurrency tests under ThreadSanitizer, with
# a throwaway PostgreSQL (tests/pg.sh) named in OASIS_TEST_PG for the run.
test:
	@scripts/deps.sh install test
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/asan SAN=1 unit
	@$(MAKE) --no-print-directory tsan
	@tests/pg.sh run tests/run.sh build/asan $(TSAN_BUILD)

demo:
	@scripts/deps.sh install demo
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@mkdir -p var
	./$(BUILD)/oasis demo --data var/demo --listen 127.0.0.1:8080

# A cluster on this machine (docs/CLUSTER.md): etcd, PostgreSQL under
# Patroni, haproxy, mosquitto and three Oasis nodes; `scripts/cluster.sh
# down` stops it.
cluster-demo: all
	@scripts/deps.sh install cluster
	@scripts/cluster.sh up
	@echo "stop it with: scripts/cluster.sh down"

# The cluster suite (tests/cluster/): failures of PostgreSQL, of nodes and
# brokers against the whole cluster, on the release build.
test-cluster: all
	@scripts/deps.sh install cluster
	@tests/cluster/run.sh $(BUILD)

# The demo on PostgreSQL: a cluster of its own in var/demo-pg (or the
# database OASIS_DATA names), scripts/demo-pg.sh.
demo-pg:
	@scripts/deps.sh install demo-pg
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@scripts/demo-pg.sh ./$(BUILD)/oasis

bench: all
	@bench/run.sh $(BUILD)

fuzz:
	@$(MAKE) --no-print-directory -f fuzz/Makefile BUILD=build/fuzz

clean:
	rm -rf build

format:
	clang-format -i $$(find src tests -name '*.[ch]')

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/src/main.d
