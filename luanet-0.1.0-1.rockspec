-- luarocks make: builds the engine and the Lua module with the project's
-- Makefile (Debian's lua5.4, OpenBLAS, oneDNN, libpng and zlib development
-- packages must be installed: 'make deps' does it) and installs them into
-- the rocks tree.
rockspec_format = "3.0"
package = "luanet"
version = "0.1.0-1"
source = { url = "git+file://." }
description = {
  summary = "A static-graph deep-learning library: C engine, Lua front end",
  detailed = [[
luanet builds computation graphs, derives the backward pass, plans memory
and runs the plan on OpenBLAS and oneDNN kernels. Its nodes are the
activations, normalizations, losses and attentions of recent papers.]],
}
dependencies = { "lua >= 5.4, < 5.5" }
build = {
  type = "make",
  build_target = "all",
  install_target = "install",
  install_variables = {
    PREFIX = "$(PREFIX)",
    LIBDIR = "$(PREFIX)/lib",       -- libluanet.a / .so (not the C modules)
    LUA_CMOD = "$(LIBDIR)",         -- luanet/core.so
    LUA_LMOD = "$(LUADIR)",         -- luanet/*.lua, graphs/*.lua
  },
}
