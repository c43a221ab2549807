-- The reproductions of the norm / loss papers run end to end on tiny
-- settings (examples/papers/evonorm.lua, zloss.lua, svm.lua,
-- grokking.lua): --help, the printed table, the Z-loss invariance rows,
-- the grokking tables and PNGs.
local papers = require "spec.support.papers"
local run = papers.run

describe("examples/papers (norms and losses)", function ()
  for _, t in ipairs(papers.help_cases{"evonorm", "zloss", "svm"}) do it(t[1], t[2]) end

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

  it("grokking.lua --help prints its options", function ()
    local out, ok = run("./luanet examples/papers/grokking.lua --help")
    assert.is_true(ok, out)
    assert.is_truthy(out:find("usage: luanet examples/papers/grokking.lua", 1, true), out)
    for _, o in ipairs{"--p ", "--train_frac", "--steps", "--runs", "--out"} do
      assert.is_truthy(out:find(o, 1, true), o .. " missing in:\n" .. out)
    end
  end)

  it("grokking.lua prints the accuracy and collapse tables and writes both PNGs", function ()
    local dir = os.tmpname()
    os.remove(dir)
    local out, ok = run("./luanet examples/papers/grokking.lua --p 7 --width 8 --steps 12 --log 3"
      .. " --threads 1 --out " .. dir)
    assert.is_true(ok, out)
    for _, l in ipairs{"(a + b) mod 7: 49 pairs, 24 for training, 25 for testing",
                       "train / test accuracy (%) over the steps", "Softmax Collapse",
                       "softmax CE + orthograd", "StableMax CE + orthograd", "test>=90% at"} do
      assert.is_truthy(out:find(l, 1, true), l .. " missing in:\n" .. out)
    end
    -- one accuracy row per shown step: 0, 3, 6, 9 (the first four) and 12 (the last)
    local rows = 0
    for _ in out:gmatch("\n +%d+ |%s+[%d%.]+ /%s+[%d%.]+ |") do rows = rows + 1 end
    assert.are.equal(5, rows, out)
    for _, f in ipairs{"grokking_accuracy.png", "grokking_logits.png"} do
      local fh = io.open(dir .. "/" .. f, "rb")
      assert.is_truthy(fh, f .. " not written")
      assert.are.equal("\137PNG", fh:read(4))
      fh:close()
      os.remove(dir .. "/" .. f)
    end
    os.remove(dir)
  end)

  it("grokking.lua rejects an unknown run", function ()
    local out, ok = run("./luanet examples/papers/grokking.lua --runs ce,nope --steps 1")
    assert.is_falsy(ok)
    assert.is_truthy(out:find("unknown run 'nope'", 1, true), out)
  end)

  it("svm.lua prints both heads #slow", function ()
    local out, ok = run("./luanet examples/papers/svm.lua --epochs 1 --hidden 32 --threads 1")
    assert.is_true(ok, out)
    assert.is_truthy(out:find("L2-SVM (squared hinge)", 1, true), out)
    assert.is_truthy(out:find("softmax cross-entropy", 1, true), out)
    assert.is_truthy(out:find("L2-SVM minus softmax", 1, true), out)
  end)
end)
