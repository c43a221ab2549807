-- Exact resume: training 2 epochs equals training 1 epoch (or a part of
-- one), stopping, and resuming, bit for bit -- parameters, losses, the
-- schedule's rate -- for the MLP (with dropout: the generator matters) and
-- the CNN, in fp32 and bf16, with Adam (moments and step count) and a
-- cosine schedule. And checkpoints that fail: a truncated file is refused
-- and leaves the model as it was; a failed save leaves the previous file.
local ln = require "luanet"

local N, BATCH = 96, 32            -- 3 steps an epoch
local function data (kind)
  local ds = ln.data.fashion_mnist("train", {subset = true, flat = kind == "mlp"}):head(N)
  return ds
end

local function make (kind, prec)
  local g = ln.graph()
  local net = kind == "mlp" and require("graphs.mlp")(g, {sizes = {784, 48, 10}, dropout = 0.25})
              or require("graphs.cnn")(g, {hidden = 32})
  local y = g:input("y", {"B"}, "int32")
  local m = g:compile{loss = net.output:cross_entropy(y), outputs = {logits = net.output},
                      batch = BATCH, precision = prec}
  local opt = ln.optim.adam(m, {lr = 2e-3, weight_decay = 1e-4})
  local sched = ln.optim.cosine(opt, {t_max = 6, warmup = 2})
  return m, opt, sched
end

local function snapshot (m)
  local s = {}
  for name, t in pairs(m:params()) do s[name] = t:totable() end
  return s
end

-- fit 'kind' at 'prec'; o: extra fields for fit
local function fit (kind, prec, ds, o, seed)
  ln.seed(seed or 5)
  local m, opt, sched = make(kind, prec)
  local lrs = {}
  local t = {model = m, optim = opt, train = ds, test = ds:head(BATCH), batch = BATCH, epochs = 2, schedule = sched,
             log = false, on_step = function () lrs[#lrs + 1] = opt:lr() end}
  for k, v in pairs(o or {}) do t[k] = v end
  local hist = ln.train.fit(t)
  return m, opt, hist, lrs
end

local function tmpdir ()
  local d = os.tmpname()
  os.remove(d)
  os.execute("mkdir -p '" .. d .. "'")
  return d
end

local function same_bits (a, b, what)
  local na, nb = 0, 0
  for name, va in pairs(a) do
    na = na + 1
    assert.are.same(va, b[name], what .. ": parameter " .. name .. " differs")
  end
  for _ in pairs(b) do nb = nb + 1 end
  assert.are.equal(na, nb)
end

describe("exact resume", function ()
  local threads
  setup(function () threads = ln.threads(); ln.threads(2) end)
  teardown(function () ln.threads(threads) end)

  for _, kind in ipairs{"mlp", "cnn"} do
    for _, prec in ipairs{"fp32", "bf16"} do
      -- the CNN's trainings take minutes under Valgrind: #slow (the main
      -- busted pass runs them; memcheck and the sanitizers run the MLP's)
      it(string.format("%s %s: 1 + 1 epochs (and 1.33 + 0.67) give the bits of 2%s",
                       kind, prec, kind == "cnn" and " #slow" or ""), function ()
        local ds = data(kind)
        local dir = tmpdir()
        local ck = dir .. "/ck.lnt"
        local m2, opt2, h2 = fit(kind, prec, ds)
        local want = snapshot(m2)
        assert.are.equal(6, opt2:steps())
        assert.are.equal(6, #h2.step_loss)

        -- 1 epoch, stop; a fresh process state (another seed: another
        -- init, another generator state), resume for the second
        fit(kind, prec, ds, {epochs = 1, checkpoint = ck})
        local m, opt, h, lrs = fit(kind, prec, ds, {checkpoint = ck, resume = true}, 77)
        same_bits(want, snapshot(m), "1 + 1 epochs")
        assert.are.equal(6, opt:steps())
        assert.are.same(h2.step_loss, h.step_loss)
        assert.are.same(h2.train_loss, h.train_loss)
        assert.are.same(h2.test_loss, h.test_loss)
        assert.are.same({1, 2}, h.epoch)
        assert.are.equal(3, #lrs)   -- the rates of steps 4..6, as the schedule gives them
        for k, lr in ipairs(lrs) do
          local t = 3 + k
          local p = math.min(1, (t - 2) / 4)
          assert.is_true(math.abs(lr - 2e-3 * (1 + math.cos(math.pi * p)) / 2) < 1e-12,
                         string.format("step %d: lr %.17g", t, lr))
        end

        -- stop inside the second epoch (after step 4 of 6), resume
        os.remove(ck)
        local _, _, hs = fit(kind, prec, ds, {checkpoint = ck, max_steps = 4})
        assert.are.equal(4, #hs.step_loss)
        assert.are.same({1}, hs.epoch)
        m, opt, h = fit(kind, prec, ds, {checkpoint = ck, resume = true}, 78)
        same_bits(want, snapshot(m), "1.33 + 0.67 epochs")
        assert.are.same(h2.step_loss, h.step_loss)
        assert.are.same(h2.train_loss, h.train_loss)
        os.execute("rm -rf '" .. dir .. "'")
      end)
    end
  end

  it("stops inside the first epoch and resumes there, twice", function ()
    local ds = data("mlp")
    local dir = tmpdir()
    local ck = dir .. "/ck.lnt"
    local m2 = fit("mlp", "fp32", ds)
    local want = snapshot(m2)
    fit("mlp", "fp32", ds, {checkpoint = ck, max_steps = 1})
    fit("mlp", "fp32", ds, {checkpoint = ck, resume = true, max_steps = 2}, 9)
    local m, _, h = fit("mlp", "fp32", ds, {checkpoint = ck, resume = true}, 10)
    same_bits(want, snapshot(m), "1/3 + 1/3 + 4/3 epochs")
    assert.are.equal(6, #h.step_loss)
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("saves every checkpoint_every steps inside an epoch", function ()
    local ds = data("mlp")
    local dir = tmpdir()
    local ck = dir .. "/ck.lnt"
    local saves = 0
    fit("mlp", "fp32", ds, {checkpoint = ck, checkpoint_every = 2, epochs = 1,
      on_step = function () local f = io.open(ck, "rb"); if f then f:close(); saves = saves + 1 end end})
    assert.are.equal(1, saves)   -- after step 2, seen at step 3; step 3 ends the epoch
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("refuses a mid-epoch checkpoint for another batch size or data set", function ()
    local ds = data("mlp")
    local dir = tmpdir()
    local ck = dir .. "/ck.lnt"
    fit("mlp", "fp32", ds, {checkpoint = ck, max_steps = 1})
    assert.error_matches(function () fit("mlp", "fp32", ds:head(64), {checkpoint = ck, resume = true}) end,
      "stopped in epoch 1 after batch 1 of a run with batch 32 over 96 examples", nil, true)
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("refuses a truncated checkpoint and leaves the model as it was", function ()
    local ds = data("mlp")
    local dir = tmpdir()
    local ck = dir .. "/ck.lnt"
    fit("mlp", "fp32", ds, {checkpoint = ck, epochs = 1})
    local f = assert(io.open(ck, "rb")); local s = f:read("a"); f:close()
    local good = dir .. "/good.lnt"
    f = assert(io.open(good, "wb")); f:write(s); f:close()
    f = assert(io.open(ck, "wb")); f:write(s:sub(1, #s - 100)); f:close()
    ln.seed(5)
    local m, opt = make("mlp", "fp32")
    local before = snapshot(m)
    assert.error_matches(function ()
      ln.train.fit{model = m, optim = opt, train = ds, batch = BATCH, epochs = 2, log = false,
                   checkpoint = ck, resume = true}
    end, "load: " .. ck .. ": checksum mismatch (file truncated or corrupted)", nil, true)
    same_bits(before, snapshot(m), "after the refused restore")
    assert.are.equal(0, opt:steps())
    -- the good copy restores
    local ok, err = pcall(m.core.restore, m.core, good, opt.core)
    assert.is_true(ok, err)
    assert.are.equal(3, opt:steps())
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("keeps the previous checkpoint when a save fails, and resumes from it exactly", function ()
    local ds = data("mlp")
    local dir = tmpdir()
    local ck = dir .. "/ck.lnt"
    local want = snapshot((fit("mlp", "fp32", ds)))
    fit("mlp", "fp32", ds, {checkpoint = ck, epochs = 1})
    local f = assert(io.open(ck, "rb")); local good = f:read("a"); f:close()
    -- a partial write left behind by a crash, then a save that cannot
    -- write its temp file: the checkpoint is the epoch 1 one throughout
    f = assert(io.open(ck .. ".tmp", "wb")); f:write(good:sub(1, 200)); f:close()
    os.remove(ck .. ".tmp")
    os.execute("mkdir -p '" .. ck .. ".tmp'")
    assert.error_matches(function () fit("mlp", "fp32", ds, {checkpoint = ck, resume = true}) end,
      "save: " .. ck .. ".tmp", nil, true)
    f = assert(io.open(ck, "rb")); assert.are.equal(good, f:read("a")); f:close()
    os.execute("rmdir '" .. ck .. ".tmp'")
    local m = fit("mlp", "fp32", ds, {checkpoint = ck, resume = true}, 3)
    same_bits(want, snapshot(m), "resumed from the kept checkpoint")
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("restores the generator: the stream goes on from where it was read", function ()
    ln.seed(12)
    ln.rand(3)
    local s = ln.rng_state()
    local a = ln.rand(5):totable()
    ln.seed(99)
    assert.are.equal(s, ln.rng_state(s))
    assert.are.same(a, ln.rand(5):totable())
    assert.error_matches(function () ln.rng_state(string.rep("\0", 32)) end,
      "rng_set: the all-zero state", nil, true)
    assert.error_matches(function () ln.rng_state("short") end,
      "a state is 32 bytes", nil, true)
  end)
end)
