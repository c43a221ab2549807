-- make install / make uninstall into a temporary prefix: the headers,
-- libluanet.so with its soname, luanet.pc and the Lua modules; a C program
-- (examples/infer.c) builds with pkg-config alone and runs on a model the
-- Lua side saved; the Lua module loads from the installed tree. Tagged
-- slow: it runs make, which the memcheck and sanitizer passes skip.
local ln = require "luanet"
local papers = require "spec.support.papers"
local run, tmpdir, exists = papers.run, papers.tmpdir, papers.exists

describe("make install #slow", function ()
  local dir, vars

  setup(function ()
    dir = tmpdir()
    vars = string.format("PREFIX=%s/usr LUA_CMOD=%s/lua/cmod LUA_LMOD=%s/lua/lmod",
                         dir, dir, dir)
    local out, ok = run("make --no-print-directory install " .. vars)
    assert.is_true(ok, out)
  end)
  teardown(function () os.execute("rm -rf " .. dir) end)

  it("installs the library under its soname, the headers and luanet.pc", function ()
    local lib = dir .. "/usr/lib/"
    assert.is_true(exists(lib .. "libluanet.a"))
    assert.is_true(exists(lib .. "libluanet.so"))
    local out = run("readelf -d " .. lib .. "libluanet.so")
    assert.is_truthy(out:find("Library soname: [libluanet.so.0]", 1, true), out)
    assert.is_true(exists(dir .. "/usr/include/luanet.h"))
    local pc = run("PKG_CONFIG_PATH=" .. lib .. "pkgconfig pkg-config --modversion luanet")
    assert.are.equal(ln.version, pc:match("^%s*(.-)%s*$"))
  end)

  it("builds examples/infer.c with pkg-config alone and runs it", function ()
    local g = ln.graph()
    local net = require("graphs.mlp")(g, {sizes = {784, 16, 10}})
    local y = g:input("y", {"B"}, "int32")
    local m = g:compile{loss = net.output:cross_entropy(y),
                        outputs = {logits = net.output}, batch = 4}
    m:save(dir .. "/mlp.lnt")
    local env = "PKG_CONFIG_PATH=" .. dir .. "/usr/lib/pkgconfig "
    local out, ok = run(env .. "sh -c 'cc -o " .. dir .. "/infer examples/infer.c"
                        .. " $(pkg-config --cflags --libs luanet)'")
    assert.is_true(ok, out)
    out, ok = run("LD_LIBRARY_PATH=" .. dir .. "/usr/lib " .. dir .. "/infer "
                  .. dir .. "/mlp.lnt -n 3 --data data/fashion-mnist-subset")
    assert.is_true(ok, out)
    assert.is_truthy(out:find("accuracy: %d/3"), out)
    out = run("LD_LIBRARY_PATH=" .. dir .. "/usr/lib ldd " .. dir .. "/infer")
    assert.is_truthy(out:find(dir .. "/usr/lib/libluanet.so.0", 1, true), out)
  end)

  it("installs a Lua module that loads from the installed tree", function ()
    local out, ok = run(string.format(
      "LUA_PATH='%s/lua/lmod/?.lua;%s/lua/lmod/?/init.lua' LUA_CPATH='%s/lua/cmod/?.so' "
      .. "lua5.4 -e 'local ln = require \"luanet\"; local nn = require \"luanet.nn\"; "
      .. "print(ln.version, ln.tensor{-1, 2}:relu():sum():get())'", dir, dir, dir))
    assert.is_true(ok, out)
    assert.are.equal(ln.version .. "\t2.0", out:match("^(.-)%s*$"))
  end)

  it("make uninstall removes every file it installed", function ()
    local out, ok = run("make --no-print-directory uninstall " .. vars)
    assert.is_true(ok, out)
    out = run("find " .. dir .. "/usr " .. dir .. "/lua -type f -o -type l")
    assert.are.equal("", out)
  end)
end)
