-- The activation reproductions (examples/papers/selu.lua, elu.lua,
-- proact.lua) run end to end on tiny settings: --help, the printed tables
-- and the PNG plots.
local papers = require "spec.support.papers"
local run, tmpdir, exists = papers.run, papers.tmpdir, papers.exists

describe("examples/papers (activations)", function ()
  for _, t in ipairs(papers.help_cases{"selu", "elu", "proact"}) do it(t[1], t[2]) end

  it("selu.lua prints per-layer statistics, the summary and writes its plots #slow", function ()
    local d = tmpdir()
    local out, ok = run("./luanet examples/papers/selu.lua --depth 6 --width 48 --epochs 1 --limit 512"
      .. " --stats 256 --threads 1 --out " .. d)
    assert.is_true(ok, out)
    for _, l in ipairs{"per-layer activation statistics", "SELU (training mode)", "ReLU He mean, var",
                       "SELU+lecun+alpha_dropout", "ReLU, default init", "in bounds", "claim: SELU"} do
      assert.is_truthy(out:find(l, 1, true), l .. " missing in:\n" .. out)
    end
    assert.is_true(exists(d .. "/selu_layer_stats.png") and exists(d .. "/selu_curves.png"))
    os.execute("rm -rf " .. d)
  end)

  it("elu.lua prints the loss table and the loss levels and writes its plot #slow", function ()
    local d = tmpdir()
    local out, ok = run("./luanet examples/papers/elu.lua --depth 2 --width 32 --epochs 1 --limit 640"
      .. " --every 4 --threads 1 --out " .. d)
    assert.is_true(ok, out)
    for _, l in ipairs{"training loss (whole training set", "ELU/ReLU", "loss <=", "claim (ELU learns faster)"} do
      assert.is_truthy(out:find(l, 1, true), l .. " missing in:\n" .. out)
    end
    assert.is_true(exists(d .. "/elu_vs_relu.png"))
    os.execute("rm -rf " .. d)
  end)

  it("proact.lua prints the fault tables and the claims and writes its plot #slow", function ()
    local d = tmpdir()
    local out, ok = run("./luanet examples/papers/proact.lua --hidden 32 --layers 2 --epochs 1 --limit 1500"
      .. " --val 300 --calib 256 --t_epochs 1 --trials 2 --bers 1e-5,1e-3 --act_bers 1e-3"
      .. " --threads 1 --out " .. d)
    assert.is_true(ok, out)
    for _, l in ipairs{"bit flips in weights and biases", "bit flips in the linear layers' outputs",
                       "ReLU  ", "layer-wise, calibrated", "neuron-wise, ProAct", "HyReLU (hybrid), ProAct",
                       "claim: at equal clean accuracy", "ProAct against the calibrated thresholds",
                       "HyReLU at BER 0.001"} do
      assert.is_truthy(out:find(l, 1, true), l .. " missing in:\n" .. out)
    end
    -- every accuracy is a percentage, none NaN, whatever the faults did
    local row = out:match("\nReLU [^\n]+")
    local n = 0
    for v in row:gmatch("([%d.]+)%%") do
      n = n + 1
      assert.is_true(tonumber(v) >= 0 and tonumber(v) <= 100, row)
    end
    assert.are.equal(3, n, row)
    assert.is_true(exists(d .. "/proact.png"))
    os.execute("rm -rf " .. d)
  end)

  it("proact.lua rejects a bad option value", function ()
    local out, ok = run("./luanet examples/papers/proact.lua --variants relu,foo")
    assert.is_falsy(ok)
    assert.is_truthy(out:find("unknown variant 'foo'", 1, true), out)
    out, ok = run("./luanet examples/papers/proact.lua --bers 2")
    assert.is_falsy(ok)
    assert.is_truthy(out:find("--bers needs numbers in 0..1, got '2'", 1, true), out)
  end)
end)
