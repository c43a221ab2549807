-- The loss ops of src/ops/loss.c: values by hand and against PyTorch 1.13
-- fixtures (spec/support/make_normloss_ref.py), reductions, extreme logits
-- (+-80, +-1e4), Z-loss invariances, error messages. Gradient checks by
-- central differences are in spec/cases/loss.lua.
local ln = require "luanet"
local ref = require "spec.support.normloss_ref"

local near = require("spec.support.near")()
local run = require("spec.support.oprun").run

local function labels (t) return ln.tensor(t, "int32") end
local function softplus (z) return math.max(z, 0) + math.log(1 + math.exp(-math.abs(z))) end

local loss_ops = {nll = true, bce_with_logits = true, l1 = true, smooth_l1 = true, kl_div = true,
                  sigmoid_focal = true, z_loss = true, l2_svm = true, multi_margin = true,
                  focal = true, stablemax_ce = true, soft_infonce = true, router_z_loss = true,
                  load_balance = true, cross_entropy = true}

describe("loss ops", function ()
  describe("match PyTorch 1.13 (fixtures)", function ()
    for _, t in ipairs(ref.fixture_cases(loss_ops)) do it(t[1], t[2]) end
  end)

  describe("by hand", function ()
    it("nll picks -x[i, y_i]; mean, sum, none; ignore_index is left out of the mean", function ()
      local x = ln.tensor{{-1, -2, -3}, {-4, -5, -6}}
      near(x:nll(labels{2, 0}), 3.5)
      near(x:nll(labels{2, 0}, {reduction = "sum"}), 7)
      near(x:nll(labels{2, 0}, {reduction = "none"}), {3, 4})
      near(x:nll(labels{2, -100}), 3)
      near(x:nll(labels{-1, 1}, {ignore_index = -1}), 5)
    end)
    it("bce_with_logits: log 2 at 0; right and finite at +-80 and +-1e4", function ()
      near(ln.tensor{0, 0}:bce_with_logits(ln.tensor{0, 1}), math.log(2))
      local x = ln.tensor{1e4, 1e4, -1e4, -1e4, 80, -80}
      local t = ln.tensor{0, 1, 0, 1, 0, 1}
      near(x:bce_with_logits(t, {reduction = "none"}), {1e4, 0, 0, 1e4, 80, 80})
    end)
    it("l1 and smooth_l1 (beta 1 and 0.5)", function ()
      local a, b = ln.tensor{0.5, 2, -3}, ln.tensor{0, 0, 0}
      near(a:l1(b), 5.5 / 3)
      near(a:smooth_l1(b, {reduction = "none"}), {0.125, 1.5, 2.5})
      near(a:smooth_l1(b, {reduction = "none", beta = 0.5}), {0.25, 1.75, 2.75})
      near(a:smooth_l1(b, {reduction = "none", beta = 0}), {0.5, 2, 3})
    end)
    it("kl_div takes log-probabilities as input (PyTorch's convention)", function ()
      local logq = ln.tensor{{math.log(0.5), math.log(0.5)}}
      local p = ln.tensor{{0.25, 0.75}}
      local want = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
      near(logq:kl_div(p, {reduction = "batchmean"}), want)
      near(logq:kl_div(p), want / 2)
      near(logq:kl_div(ln.tensor{{0, 1}}, {reduction = "sum"}), math.log(2))   -- 0 log 0 = 0
      near(logq:kl_div(p:log(), {reduction = "sum", log_target = 1}), want)
    end)
    it("z_loss = softplus(a (b - z_y)) / a with z standardised over the classes", function ()
      local z = 1 / math.sqrt(2 / 3)        -- [1, 2, 3]: mean 2, std sqrt(2/3)
      near(ln.tensor{{1, 2, 3}}:z_loss(labels{2}), softplus(2 - z))
      near(ln.tensor{{1, 2, 3}}:z_loss(labels{0}, {a = 0.5, b = 3}), softplus(0.5 * (3 + z)) / 0.5)
      near(ln.tensor{{4, 4, 4}}:z_loss(labels{1}), softplus(2))   -- equal logits: z = 0
    end)
    it("z_loss is invariant to shifting and scaling the logits", function ()
      local x = ln.randn(8, 10)
      local y = labels{0, 1, 2, 3, 4, 5, 6, 7}
      local base = x:z_loss(y, {reduction = "none"}):totable()
      for _, f in ipairs{function (t) return t + 7 end, function (t) return t * 3 end,
                         function (t) return t * 1e-3 - 5e-3 end, function (t) return t * 1e3 + 1e3 end} do
        near(f(x):z_loss(y, {reduction = "none"}), base, 1e-5)
      end
      -- while cross-entropy is not scale invariant
      assert.is_true(math.abs((x * 3):cross_entropy(y):item() - x:cross_entropy(y):item()) > 1e-2)
    end)
    it("z_loss is finite and right at logits of +-1e4", function ()
      -- [1e4, -1e4]: z = [1, -1]
      near(ln.tensor{{1e4, -1e4}, {1e4, -1e4}}:z_loss(labels{0, 1}, {reduction = "none"}),
           {softplus(1), softplus(3)})
    end)
    it("l2_svm: one-vs-rest squared hinge", function ()
      near(ln.tensor{{1, 2, 3}}:l2_svm(labels{2}), 4 + 9)
      near(ln.tensor{{-2, -3, 3}}:l2_svm(labels{2}), 0)
      near(ln.tensor{{1e4, -1e4}}:l2_svm(labels{1}), 2 * (1 + 1e4) ^ 2, 1e-6)
    end)
    it("multi_margin: PyTorch's documented example", function ()
      near(ln.tensor{{0.1, 0.2, 0.4, 0.8}}:multi_margin(labels{3}), 0.325)
      near(ln.tensor{{0.1, 0.2, 0.4, 0.8}}:multi_margin(labels{3}, {p = 2}), (0.09 + 0.16 + 0.36) / 4)
    end)
    it("focal: -alpha (1 - p)^gamma log p; cross_entropy at gamma 0, alpha 1", function ()
      near(ln.tensor{{0, 0}}:focal(labels{0}), -0.25 * 0.25 * math.log(0.5))
      local x, y = ln.randn(6, 5), labels{0, 1, 2, 3, 4, 0}
      near(x:focal(y, {gamma = 0, alpha = 1}), x:cross_entropy(y):item())
    end)
    it("focal is finite and right at +-1e4 (p = 1 exactly: loss 0)", function ()
      near(ln.tensor{{1e4, -1e4}, {1e4, -1e4}}:focal(labels{0, 1}, {reduction = "none"}),
           {0, 0.25 * 2e4})
    end)
    it("sigmoid_focal: torchvision's form by hand", function ()
      -- x = 0, t = 1: p_t = 0.5, ce = log 2, alpha_t = 0.25
      near(ln.tensor{0}:sigmoid_focal(ln.tensor{1}), 0.25 * math.log(2) * 0.25)
      near(ln.tensor{1e4, -1e4}:sigmoid_focal(ln.tensor{0, 0}, {reduction = "none"}), {0.75 * 1e4, 0})
    end)
    it("stablemax_ce with s(x) = x + 1 or 1 / (1 - x)", function ()
      near(ln.tensor{{0, 1, -1}}:stablemax_ce(labels{1}), math.log(3.5 / 2))
      local s = 1e4 + 1 + 1 / (1e4 + 1) + 1
      near(ln.tensor{{1e4, -1e4, 0}}:stablemax_ce(labels{1}, {reduction = "none"}),
           {math.log(s * (1e4 + 1))})
    end)
    it("soft_infonce: InfoNCE with weights 1, weighted negatives otherwise", function ()
      local S = ln.tensor{{1, 0}, {0, 1}}
      near(S:soft_infonce({tau = 1, reduction = "none"}), {math.log(1 + math.exp(-1)),
                                                            math.log(1 + math.exp(-1))})
      near(S:soft_infonce(ln.tensor{{5, 2}, {0, 7}}, {tau = 1, reduction = "none"}),
           {math.log(1 + 2 * math.exp(-1)), math.log(1)})
      -- InfoNCE = cross-entropy of S / tau with the diagonal as labels
      local R = ln.randn(5, 5)
      near(R:soft_infonce(), (R * 20):cross_entropy(labels{0, 1, 2, 3, 4}):item(), 1e-5)
    end)
    it("soft_infonce is finite at tau = 0.05 with similarities of +-1e4", function ()
      local S = ln.tensor{{1e4, -1e4}, {1e4, -1e4}}
      near(S:soft_infonce({reduction = "none"}), {0, 4e5})
    end)
    it("router_z_loss = lse^2, load_balance = E sum f P", function ()
      near(ln.tensor{{0, 0}}:router_z_loss(), math.log(2) ^ 2)
      near(ln.tensor{{1e4, 0}}:router_z_loss(), 1e8)
      near(ln.tensor{{1, 0}, {0, 1}}:load_balance(), 1)
      near(ln.tensor{{2, 0}, {2, 0}}:load_balance(), 2 / (1 + math.exp(-2)))
      -- top-2 of 2 experts: f = [0.5, 0.5]
      near(ln.tensor{{2, 0}, {2, 0}}:load_balance({k = 2}), 1)
    end)
  end)

  describe("errors", function ()
    local function err (f, msg) assert.error_matches(f, msg, nil, true) end
    it("name the op, the argument and the shapes", function ()
      err(function () return ln.zeros{2, 5}:nll(labels{1, 7}) end,
          "nll: label 7 out of range [0, 5) (and not ignore_index -100)")
      err(function () return ln.zeros{2, 5}:z_loss(labels{1, 2, 3}) end,
          "z_loss: logits 2x5 and labels 3 do not match (want labels [2])")
      err(function () return ln.zeros{2, 5}:l2_svm(ln.zeros{2}) end,
          "l2_svm: labels (input 2) must be int32")
      err(function () return ln.zeros{5}:focal(labels{1}) end,
          "focal: logits 5 must be float32 [N, C]")
      err(function () return ln.zeros{2, 3}:bce_with_logits(ln.zeros{3, 2}) end,
          "bce_with_logits: input 2x3 and target 3x2 differ")
      err(function () return ln.zeros{2, 3}:multi_margin(labels{0, 1}, {p = 3}) end,
          "multi_margin: p must be 1 or 2, got 3")
      err(function () return ln.zeros{2, 3}:z_loss(labels{0, 1}, {a = 0}) end,
          "z_loss: a 0 must be positive")
      err(function () return ln.zeros{2, 3}:soft_infonce() end,
          "soft_infonce: similarity 2x3 must be a float32 square matrix [N, N]")
      err(function () return ln.zeros{2, 2}:soft_infonce(ln.tensor{{1, -1}, {1, 1}}) end,
          "soft_infonce: weight [1, 2] = -1 must be finite and >= 0")
      err(function () return ln.zeros{2, 2}:stablemax_ce(labels{0, 2}) end,
          "stablemax_ce: label 2 out of range [0, 2)")
      err(function () return ln.zeros{4, 3}:load_balance({k = 4}) end,
          "load_balance: k 4 out of range [1, 3] for router logits 4x3")
      err(function () return ln.zeros{2, 3}:kl_div(ln.zeros{2, 3}, {reduction = "avg"}) end,
          "kl_div")
    end)
  end)

  describe("activation_l1", function ()
    local a = ln.tensor{-1, 2, 0, -3}
    it("is lambda mean|a| (sum, none), times an optional scale input", function ()
      near(a:activation_l1{lambda = 0.5}, 0.75)
      near(a:activation_l1{lambda = 0.5, reduction = "sum"}, 3)
      near(a:activation_l1{lambda = 0.5, reduction = "none"}, {0.5, 1, 0, 1.5})
      near(a:activation_l1(ln.tensor{2}, {lambda = 0.5}), 1.5)
    end)
    it("has da = lambda scale sign(a) / n and dscale = lambda mean|a|", function ()
      local _, g = run("activation_l1", {a, ln.tensor{2}}, {lambda = 0.5})
      near(g[1], {-0.25, 0.25, 0, -0.25})
      near(g[2], {0.75})
    end)
    it("stays exact at +-1e4 and checks the scale's shape", function ()
      near(ln.tensor{1e4, -1e4}:activation_l1(), 1e4)
      assert.error_matches(function () return a:activation_l1(ln.ones{2}) end,
        "activation_l1: scale 2 must have one element", nil, true)
    end)
  end)
end)
