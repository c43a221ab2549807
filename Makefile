# luanet -- build, test, train, bench, install.
#
#   make train    install what is missing (apt-get), build, train the default model
#   make test     install what is missing, build, run every test (C, busted, valgrind)
#   make bench    luanet side by side with PyTorch (python3-torch)
#
# Variables use ?= so they can be overridden:
#   make BUILD=/tmp/b CFLAGS='-O0 -g -fsanitize=address'

PKG_CONFIG ?= pkg-config
LUA_PC ?= lua5.4
LUA ?= lua5.4
# busted's script runs under 'lua', which may be another version: name ours
BUSTED ?= $(LUA) $(shell command -v busted || echo /usr/bin/busted)
VALGRIND ?= valgrind
BUILD ?= build
PREFIX ?= /usr/local
# the OpenMP build of OpenBLAS shares libgomp's thread pool with the engine
OPENBLAS_PC_PATH ?= /usr/lib/x86_64-linux-gnu/openblas-openmp/pkgconfig
OPENBLAS_PC = PKG_CONFIG_PATH=$(OPENBLAS_PC_PATH) $(PKG_CONFIG) openblas

# Debian packages: building, testing, training
DEB_BUILD := gcc libc6-dev make pkg-config lua5.4 liblua5.4-dev \
  libopenblas0-openmp libopenblas-openmp-dev libdnnl-dev libpng-dev \
  zlib1g-dev libreadline-dev
DEB_TEST := lua-busted valgrind tmux
DEB_DATA := dataset-fashion-mnist
DEB_BENCH := python3 python3-torch python3-torchvision

# -O3 vectorises the elementwise loops; no math errno lets sqrtf vectorise too
CFLAGS ?= -O3 -g -fno-math-errno
WARNS := -Wall -Wextra -Wshadow -Wundef -Wwrite-strings -Wstrict-prototypes \
         -Wmissing-prototypes -Wold-style-definition -Wno-unknown-pragmas
# '=' (not ':='): pkg-config runs when a recipe needs it, after 'deps'
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LUA_PC) libpng zlib) \
             $(shell $(OPENBLAS_PC) --cflags) $(DNNL_CFLAGS)
OPENBLAS_DIR = $(shell $(OPENBLAS_PC) --variable=libdir)
# oneDNN (libdnnl-dev): Debian ships no .pc file for it, only CMake files;
# a dnnl.pc, where one exists, wins
DNNL_CFLAGS = $(shell $(PKG_CONFIG) --cflags dnnl 2>/dev/null)
DNNL_LIBS = $(shell $(PKG_CONFIG) --libs dnnl 2>/dev/null || echo -ldnnl)
# src/include holds the public headers; core/ and kernels/ the engine's own
# (the binding, the executable and the examples see the public ones only)
INC = -Isrc/include -Isrc/core -Isrc/kernels
PUBLIC_INC = -Isrc/include
ALL_CFLAGS = -std=gnu11 -fPIC -fopenmp $(WARNS) $(INC) $(PKG_CFLAGS) \
             -DLN_OPENBLAS_DIR='"$(OPENBLAS_DIR)"' $(CFLAGS) -MMD -MP
ENGINE_LIBS = $(shell $(PKG_CONFIG) --libs libpng zlib) $(DNNL_LIBS) -fopenmp -ldl -lm -lpthread
LUA_LIBS = $(shell $(PKG_CONFIG) --libs $(LUA_PC)) -lreadline
# where 'make install' puts the Lua modules (luarocks sets both)
LUA_CMOD ?= $(shell $(PKG_CONFIG) --variable=INSTALL_CMOD $(LUA_PC))
LUA_LMOD ?= $(shell $(PKG_CONFIG) --variable=INSTALL_LMOD $(LUA_PC))
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# src/core graph, op table, plan; src/kernels BLAS, oneDNN, bf16, vmath;
# src/ops the op families; src/train optimizers, files, data; src/detect
ENGINE_SRC := $(wildcard src/*/*.c)
ENGINE_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(ENGINE_SRC))
# the binding "luanet.core": lua/binding/*.c; the executable lua/bin/luanet.c
BIND_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard lua/binding/*.c))
EXE_OBJ := $(BUILD)/obj/lua/bin/luanet.o
$(BIND_OBJ) $(EXE_OBJ): INC = $(PUBLIC_INC)
$(BUILD)/obj/examples/%.o: INC = $(PUBLIC_INC)
CTEST_SRC := $(wildcard spec/c/test_*.c)
CTEST_BIN := $(patsubst spec/c/%.c,$(BUILD)/ctest/%,$(CTEST_SRC))
# The shared library's versions: VERSION is the release (luanet/base.h's
# LN_VERSION); ABI the soname's number, bumped when the public API changes
# incompatibly (a removed or changed function or struct), so programs
# linked against libluanet.so.$(ABI) keep working or refuse to load
VERSION := $(shell sed -n 's/^\#define LN_VERSION *"\(.*\)"/\1/p' src/include/luanet/base.h)
ABI := 0
LIB_A := $(BUILD)/libluanet.a
SONAME := libluanet.so.$(ABI)
LIB_SO_REAL := $(BUILD)/libluanet.so.$(VERSION)
LIB_SO := $(BUILD)/libluanet.so
CORE_SO := $(BUILD)/luanet/core.so
EXE := $(BUILD)/luanet-bin
EXAMPLES := $(BUILD)/embed $(BUILD)/infer $(BUILD)/custom_op
SPEC_ENV = LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='$(BUILD)/?.so;;'

.PHONY: all deps deps-bench test check ctest spec valgrind train bench docs \
        examples install uninstall clean sanitize sanitize-run portable-run
.DELETE_ON_ERROR:

all: $(LIB_A) $(LIB_SO) $(CORE_SO) $(EXE) luanet

# Install missing Debian packages (root); a no-op when all are present.
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST) $(DEB_DATA); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	  || { echo "apt-get install failed (are you root?)"; exit 1; }; fi

deps-bench: deps
	@missing=""; for p in $(DEB_BENCH); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/luanet $(BUILD)/ctest:
	mkdir -p $@

$(LIB_A): $(ENGINE_OBJ)
	rm -f $@; $(AR) rcs $@ $^

$(LIB_SO_REAL): $(ENGINE_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LDFLAGS) $(ENGINE_LIBS)

# libluanet.so -> libluanet.so.0 -> libluanet.so.X.Y.Z, as ldconfig lays them
$(LIB_SO): $(LIB_SO_REAL)
	ln -sf $(notdir $(LIB_SO_REAL)) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

# a Lua C module does not link liblua: the host interpreter provides it
$(CORE_SO): $(BIND_OBJ) $(LIB_A) | $(BUILD)/luanet
	$(CC) -shared -o $@ $(BIND_OBJ) $(LIB_A) $(LDFLAGS) $(ENGINE_LIBS)

$(EXE): $(EXE_OBJ) $(BIND_OBJ) $(LIB_A)
	$(CC) -o $@ $(EXE_OBJ) $(BIND_OBJ) $(LIB_A) \
	  $(LUA_LIBS) $(ENGINE_LIBS) -Wl,-E

# ./luanet runs from the source tree: it finds lua/ and build/ beside itself
luanet: $(EXE)
	ln -sf $(EXE) $@

$(BUILD)/ctest/%: spec/c/%.c $(LIB_A) | $(BUILD)/ctest
	$(CC) $(ALL_CFLAGS) -Ispec/c -o $@ $< $(LIB_A) $(LDFLAGS) $(ENGINE_LIBS)

# custom ops seen from Lua: the binding is linked into this test
$(BUILD)/ctest/test_custom_op: spec/c/test_custom_op.c $(BIND_OBJ) $(LIB_A) | $(BUILD)/ctest
	$(CC) $(ALL_CFLAGS) -Ispec/c -o $@ $< $(BIND_OBJ) $(LIB_A) $(LDFLAGS) $(LUA_LIBS) $(ENGINE_LIBS)

examples: $(EXAMPLES)
$(BUILD)/embed: $(BUILD)/obj/examples/embed.o $(LIB_A)
	$(CC) -o $@ $< $(LIB_A) $(ENGINE_LIBS)
$(BUILD)/infer: $(BUILD)/obj/examples/infer.o $(LIB_A)
	$(CC) -o $@ $< $(LIB_A) $(ENGINE_LIBS)
$(BUILD)/custom_op: $(BUILD)/obj/examples/custom_op.o $(LIB_A)
	$(CC) -o $@ $< $(LIB_A) $(ENGINE_LIBS) -lm

# the op reference, generated from the op table
docs: all
	./luanet tools/ops_doc.lua > docs/ops.md.tmp && mv docs/ops.md.tmp docs/ops.md

# ---- tests: results go to $(BUILD)/results/*.tap, summed at the end ----

test: deps
	@$(MAKE) --no-print-directory check

check: all examples $(CTEST_BIN)
	@rm -rf $(BUILD)/results; mkdir -p $(BUILD)/results; rc=0; \
	sh spec/run-ctests.sh $(BUILD) > $(BUILD)/results/ctest.tap || rc=1; \
	cat $(BUILD)/results/ctest.tap; \
	$(SPEC_ENV) $(BUSTED) -o TAP spec > $(BUILD)/results/spec.tap 2>&1 || rc=1; \
	cat $(BUILD)/results/spec.tap; \
	sh spec/run-valgrind.sh $(BUILD) > $(BUILD)/results/valgrind.tap 2>&1 || rc=1; \
	cat $(BUILD)/results/valgrind.tap; \
	$(MAKE) --no-print-directory sanitize-run > $(BUILD)/results/sanitize.tap 2>&1 || rc=1; \
	cat $(BUILD)/results/sanitize.tap; \
	$(MAKE) --no-print-directory portable-run > $(BUILD)/results/portable.tap 2>&1 || rc=1; \
	cat $(BUILD)/results/portable.tap; \
	cat $(BUILD)/results/*.tap | awk '/^ok /{p++} /^not ok /{f++} \
	  END{printf "%d passed, %d failed\n", p, f; exit (f > 0)}' || rc=1; \
	exit $$rc

# AddressSanitizer + UBSan: the C tests and the busted suite (less #slow)
# on a separate build; lua5.4 is not instrumented, so libasan is preloaded.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
sanitize: deps
	@$(MAKE) --no-print-directory sanitize-run

sanitize-run:
	@mkdir -p build-san; $(MAKE) --no-print-directory BUILD=build-san CFLAGS='$(SAN_FLAGS)' \
	  LDFLAGS='-fsanitize=address,undefined' build-san/luanet/core.so \
	  $(patsubst $(BUILD)/%,build-san/%,$(CTEST_BIN)) > build-san/build.log 2>&1 \
	  || { echo "not ok - sanitize: build failed (build-san/build.log)"; exit 1; }
	@rc=0; for t in build-san/ctest/test_*; do [ -x $$t ] || continue; \
	  ASAN_OPTIONS=detect_leaks=1 $$t > build-san/$$(basename $$t).log 2>&1 \
	  && echo "ok - sanitize: $$t" || { echo "not ok - sanitize: $$t (build-san/$$(basename $$t).log)"; rc=1; }; done; \
	if LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  ASAN_OPTIONS=detect_leaks=0 LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' \
	  LUA_CPATH='build-san/?.so;;' $(BUSTED) --exclude-tags=slow -o utfTerminal spec \
	  > build-san/busted.log 2>&1; then \
	  echo "ok - sanitize: busted suite ($$(tail -n 1 build-san/busted.log | sed 's/\x1b\[[0-9;]*m//g'))"; \
	else echo "not ok - sanitize: busted suite (build-san/busted.log)"; tail -n 30 build-san/busted.log | sed 's/^/# /'; rc=1; fi; \
	exit $$rc

# The engine's portable path: no libmvec, no AVX-512/AVX2 clones
# (LN_NO_VMATH, src/kernels/ln_vmath.h: what a build off x86-64 glibc gets); the C
# tests and the busted suite (less #slow) on a separate build. The native
# run above takes the AVX-512 clones here, Valgrind's the AVX2 ones.
portable-run:
	@mkdir -p build-portable; $(MAKE) --no-print-directory BUILD=build-portable \
	  CFLAGS='-O2 -g -fno-math-errno -DLN_NO_VMATH' build-portable/luanet/core.so \
	  $(patsubst $(BUILD)/%,build-portable/%,$(CTEST_BIN)) > build-portable/build.log 2>&1 \
	  || { echo "not ok - portable: build failed (build-portable/build.log)"; exit 1; }
	@rc=0; for t in build-portable/ctest/test_*; do [ -x $$t ] || continue; \
	  $$t > build-portable/$$(basename $$t).log 2>&1 \
	  && echo "ok - portable: $$t" || { echo "not ok - portable: $$t (build-portable/$$(basename $$t).log)"; rc=1; }; done; \
	if LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' LUA_CPATH='build-portable/?.so;;' \
	  $(BUSTED) --exclude-tags=slow -o utfTerminal spec > build-portable/busted.log 2>&1; then \
	  echo "ok - portable: busted suite ($$(tail -n 1 build-portable/busted.log | sed 's/\x1b\[[0-9;]*m//g'))"; \
	else echo "not ok - portable: busted suite (build-portable/busted.log)"; tail -n 30 build-portable/busted.log | sed 's/^/# /'; rc=1; fi; \
	exit $$rc

train: deps all
	./luanet examples/train.lua

bench: deps-bench all
	sh bench/run.sh

# Installs the engine (libluanet.a, libluanet.so.X.Y.Z with its soname link,
# headers, luanet.pc), the executable, the Lua modules and the bundled data
# under DESTDIR/PREFIX; 'make uninstall' with the same variables removes it.
install: all
	install -d $(DESTDIR)$(LUA_CMOD)/luanet $(DESTDIR)$(LUA_LMOD)/luanet \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(INCLUDEDIR)/luanet
	install -m 755 $(CORE_SO) $(DESTDIR)$(LUA_CMOD)/luanet/
	cd lua && find luanet -name '*.lua' -exec install -D -m 644 {} $(DESTDIR)$(LUA_LMOD)/{} \;
	install -m 755 $(EXE) $(DESTDIR)$(PREFIX)/bin/luanet
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIB_SO_REAL)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libluanet.so
	install -m 644 src/include/luanet.h $(DESTDIR)$(INCLUDEDIR)/
	for h in src/include/luanet/*.h; do [ ! -f "$$h" ] || \
	  install -m 644 "$$h" $(DESTDIR)$(INCLUDEDIR)/luanet/; done
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|; s|@LIBS_PRIVATE@|$(strip $(ENGINE_LIBS))|' \
	  luanet.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/luanet.pc
	install -d $(DESTDIR)$(PREFIX)/share/luanet/fashion-mnist-subset $(DESTDIR)$(LUA_LMOD)/graphs
	install -m 644 data/fashion-mnist-subset/*.gz $(DESTDIR)$(PREFIX)/share/luanet/fashion-mnist-subset/
	install -m 644 graphs/*.lua $(DESTDIR)$(LUA_LMOD)/graphs/

uninstall:
	rm -f $(DESTDIR)$(LUA_CMOD)/luanet/core.so $(DESTDIR)$(PREFIX)/bin/luanet \
	  $(DESTDIR)$(LIBDIR)/libluanet.a $(DESTDIR)$(LIBDIR)/libluanet.so \
	  $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO_REAL)) \
	  $(DESTDIR)$(PKGCONFIGDIR)/luanet.pc $(DESTDIR)$(INCLUDEDIR)/luanet.h
	rm -rf $(DESTDIR)$(LUA_LMOD)/luanet $(DESTDIR)$(INCLUDEDIR)/luanet \
	  $(DESTDIR)$(PREFIX)/share/luanet
	cd graphs && for f in *.lua; do rm -f $(DESTDIR)$(LUA_LMOD)/graphs/$$f; done
	-rmdir $(DESTDIR)$(LUA_CMOD)/luanet $(DESTDIR)$(LUA_LMOD)/graphs 2>/dev/null

clean:
	rm -rf $(BUILD) build-san build-portable luanet

-include $(ENGINE_OBJ:.o=.d) $(BIND_OBJ:.o=.d) $(EXE_OBJ:.o=.d)
