-- The reproductions of the norm / loss papers run end to end on tiny
-- settings (examples/papers/evonorm.lua, zloss.lua, svm.lua): --help,
-- the printed table, and the Z-loss invariance rows.
local function run (cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and code == 0
end

describe("examples/papers (norms and losses)", function ()
  for _, name in ipairs{"evonorm", "zloss", "svm"} do
    it(name .. ".lua --help prints its options", function ()
      local out, ok = run("./luanet examples/papers/" .. name .. ".lua --help")
      assert.is_true(ok, out)
      assert.is_truthy(out:find("usage: luanet examples/papers/" .. name .. ".lua", 1, true), out)
      assert.is_truthy(out:find("--full", 1, true), out)
    end)
  end

  it("evonorm.lua prints the layer x batch table #slow", function ()
    local out, ok = run("./luanet examples/papers/evonorm.lua --epochs 1 --limit 256 --batches 64,4 --width 8 --threads 1 --seeds 1")
    assert.is_true(ok, out)
    for _, l in ipairs{"bn_relu", "evonorm_b0", "evonorm_s0", "b64, 1 ep", "b4, 1 ep", "b4 - b64", "at batch 4: EvoNorm-S0"} do
      assert.is_truthy(out:find(l, 1, true), l .. " missing in:\n" .. out)
    end
  end)

  it("zloss.lua prints accuracy, top-3 error and equal Z-losses under shift and scale #slow", function ()
    local out, ok = run("./luanet examples/papers/zloss.lua --epochs 1 --hidden 32 --seeds 1 --threads 1")
    assert.is_true(ok, out)
    assert.is_truthy(out:find("top-3 error", 1, true), out)
    local zs = {}
    for z in out:gmatch("\n[%w%.%-%+ ]- | +([%d%.]+) | +[%d%.]+") do zs[#zs + 1] = tonumber(z) end
    assert.are.equal(5, #zs, out)
    for i = 2, #zs do assert.is_true(math.abs(zs[i] - zs[1]) <= 1e-5 * math.max(1, zs[1]), out) end
  end)

  it("svm.lua prints both heads #slow", function ()
    local out, ok = run("./luanet examples/papers/svm.lua --epochs 1 --hidden 32 --threads 1")
    assert.is_true(ok, out)
    assert.is_truthy(out:find("L2-SVM (squared hinge)", 1, true), out)
    assert.is_truthy(out:find("softmax cross-entropy", 1, true), out)
    assert.is_truthy(out:find("L2-SVM minus softmax", 1, true), out)
  end)
end)
