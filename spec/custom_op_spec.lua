-- examples/custom_op.c: an op registered from outside the engine
-- (ln_op_register) trains, passes a gradient check, and a model using it
-- is saved by the op's name: it loads where the op is registered and is
-- refused, naming the op, where it is not.

-- the example beside the binding this suite loads (build/?.so), or build/
local function example ()
  local dir = package.cpath:match("([^;]-)/%?%.so")
  for _, d in ipairs{dir or "build", "build"} do
    local f = io.open(d .. "/custom_op", "r")
    if f then f:close(); return d .. "/custom_op" end
  end
end

describe("custom op example", function ()
  local exe = example()
  if exe == nil then
    pending("build/custom_op not built (make examples)")
    return
  end
  local path = os.tmpname()
  local p = assert(io.popen(exe .. " " .. path .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  os.remove(path)

  it("runs to the end", function ()
    assert.is_true(ok, out)
    assert.equal(0, code)
  end)

  it("--help prints its usage; an unknown option is refused", function ()
    local h = assert(io.popen(exe .. " --help 2>&1"))
    local usage = h:read("a")
    assert.is_true(h:close(), usage)
    assert.truthy(usage:find("usage: custom_op [--help] [model.lnt]", 1, true), usage)
    local b = assert(io.popen(exe .. " --bogus 2>&1"))
    local err = b:read("a")
    local _, _, rc = b:close()
    assert.equal(2, rc)
    assert.truthy(err:find("custom_op: unknown option --bogus", 1, true), err)
  end)

  it("registers the op in the op table", function ()
    assert.truthy(out:find("registered learned_mish (op #", 1, true), out)
    assert.truthy(out:find('attributes "scale=1"', 1, true), out)
  end)

  it("has a gradient that agrees with central differences", function ()
    local err = tonumber(out:match("gradient check: max relative error (%S+)"))
    assert.is_not_nil(err, out)
    assert.is_true(err < 1e-2, out)
  end)

  it("trains: the loss falls", function ()
    local a, b = out:match("training: loss (%S+) %-> (%S+) after")
    a, b = tonumber(a), tonumber(b)
    assert.is_not_nil(a, out)
    assert.is_true(b < 0.5 * a, out)
  end)

  it("saves by name and loads back with the same predictions", function ()
    assert.truthy(out:find("reloaded: largest prediction difference 0\n", 1, true), out)
  end)

  it("is refused where the op is not registered, naming it", function ()
    assert.truthy(out:find("load without the op: load: .*: unknown op 'learned_mish'"), out)
    assert.truthy(out:find("load in a process without the op: refused, naming the op", 1, true), out)
  end)
end)
