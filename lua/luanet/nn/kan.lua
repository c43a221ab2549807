-- luanet.nn.KAN: Kolmogorov-Arnold layers, one op per variant (src/ops/kan.c):
-- B-spline (pykan), ReLU-KAN, AF-KAN, FourierKAN, TruKAN, KAT's rational
-- GR-KAN and S-KAN. Parameters are initialised as the papers' code does.
local B = require "luanet.nn.base"
local M = {}
local param_values = B.param_values

-- KAT's rational initialisations (m = 5, n = 4): a least-squares fit of
-- (a0 + ... + a5 x^5) / (1 + |b1 x + ... + b4 x^4|) to the activation on
-- [-3, 3], made by spec/support/fit_rational.py (GELU rmse 3e-4, swish
-- 3e-7); "identity" is x exactly
local rational_init = {
  gelu = {a = {-0.0005206489855, 0.5000021176, 0.4031606835, 0.07574388289, -0.01165770617,
               -0.003520408771},
          b = {2.376939805e-05, 0.151480746, -6.07664098e-06, -0.007038763896}},
  swish = {a = {4.744692051e-07, 0.5, 0.2499966189, 0.0532502485, 0.005795686645, 0.0002742293925},
           b = {3.060616105e-13, 0.106500497, 2.24878233e-11, 0.0005484587516}},
  identity = {a = {0, 1, 0, 0, 0, 0}, b = {0, 0, 0, 0}},
}

-- 1 / E[F(x)^2] for x ~ N(0, 1) (Simpson on [-10, 10]): KAT's gain
local function rational_gain (ri)
  local n, lo, hi, s = 2000, -10, 10, 0
  for k = 0, n do
    local x = lo + (hi - lo) * k / n
    local P, S, pw = 0, 0, 1
    for d = 0, 5 do
      P = P + ri.a[d + 1] * pw
      if d >= 1 and d <= 4 then S = S + ri.b[d] * pw end
      pw = pw * x
    end
    local f = P / (1 + math.abs(S))
    local w = (k == 0 or k == n) and 1 or (k % 2 == 1 and 4 or 2)
    s = s + w * f * f * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
  end
  return 1 / (s * (hi - lo) / n / 3)
end

-- S-KAN's candidate bases, in the order of the op's coefficient blocks
local s_bases = {"bspline", "chebyshev", "rbf", "fourier"}

local KAN = B.class("KAN")
local kan_variants = {bspline = true, relu = true, af = true, fourier = true, tru = true,
                      rational = true, s = true}

-- the largest divisor of n that is at most k (rational groups)
local function divisor_upto (n, k)
  for d = math.min(n, k), 1, -1 do if n % d == 0 then return d end end
  return 1
end

-- KAN(n_in, n_out, {variant = "bspline", grid = 5, order = 3, range = {-1, 1},
-- bias = true, ...}): y_j = sum_i phi_ij(x_i) on x [..., n_in]. Variants
-- and their options:
--   bspline  w_b silu(x) + w_s sum c B(x): grid, order, range (pykan init)
--   relu     ReLU-KAN bumps with trainable phases: grid, order, range
--   af       AF-KAN: act = "silu", func = "quad1", norm = true, grid, order, range
--   fourier  freq = 4 (cos and sin of x, 2x, ... )
--   tru      TruKAN: degree = 3, knots = 6, range
--   rational KAT's GR-KAN: groups = 8, init = "gelu" | "swish" | "identity"
--   s        S-KAN: grid, order, degree = 4, centers = 8, freq = 4, range;
--            layer:select(model) keeps each node's argmax basis
M.KAN = function (n_in, n_out, opt)
  B.positive_int(n_in, "KAN: n_in")
  B.positive_int(n_out, "KAN: n_out")
  opt = opt or {}
  local v = opt.variant or "bspline"
  if not kan_variants[v] then
    error("KAN: unknown variant '" .. tostring(v) .. "' (bspline, relu, af, fourier, tru, rational, s)", 2)
  end
  local range = opt.range or {-1, 1}
  if type(range) ~= "table" or not (range[2] > range[1]) then
    error("KAN: range must be {lo, hi} with lo < hi", 2)
  end
  local l = setmetatable({n_in = n_in, n_out = n_out, variant = v, range = range,
    grid = opt.grid or 5, order = opt.order or 3, bias = opt.bias ~= false and v ~= "af",
    freq = opt.freq or 4, degree = opt.degree or (v == "s" and 4 or 3), knots = opt.knots or 6,
    centers = opt.centers or 8, act = opt.act or "silu", func = opt.func or "quad1",
    norm = opt.norm ~= false, init = opt.init or "gelu", name = opt.name}, KAN)
  if v == "rational" then
    l.groups = opt.groups or divisor_upto(n_in, 8)
    if n_in % l.groups ~= 0 then
      error(string.format("KAN: %d groups do not divide %d inputs", l.groups, n_in), 2)
    end
    if not rational_init[l.init] then
      error("KAN: rational init must be gelu, swish or identity, got " .. tostring(l.init), 2)
    end
  end
  if v == "s" then
    l.blocks = {l.grid + l.order, l.degree + 1, l.centers, 2 * l.freq}
  end
  return l
end

-- basis functions per input edge
function KAN:basis_size ()
  local v = self.variant
  if v == "bspline" or v == "relu" or v == "af" then return self.grid + self.order end
  if v == "fourier" then return 2 * self.freq end
  if v == "tru" then return self.degree + 1 + self.knots end
  if v == "s" then return self.blocks[1] + self.blocks[2] + self.blocks[3] + self.blocks[4] end
  return 0
end

-- interval starts then ends of the ReLU-KAN / AF-KAN bumps: the B-spline
-- supports, s_j = lo + (j - k) h, e_j = s_j + (k + 1) h
local function phases (self, copies)
  local lo, h, k = self.range[1], (self.range[2] - self.range[1]) / self.grid, self.order
  local K, v = self.grid + self.order, {}
  for part = 0, 1 do
    for _ = 1, copies do
      for j = 0, K - 1 do v[#v + 1] = lo + (j - k) * h + part * (k + 1) * h end
    end
  end
  return v
end

function KAN:build (x)
  local g, name = B.begin(self, x, "KAN", "kan", self.n_in)
  local v, n_in, n_out, K = self.variant, self.n_in, self.n_out, self:basis_size()
  local lo, hi = self.range[1], self.range[2]
  local p = {}
  self.names = {}
  local function param (key, shp, init, a)
    self.names[key] = name .. "." .. key
    p[key] = g:param(self.names[key], shp, init, a)
    return p[key]
  end
  local function values (key, shp, vals)
    self.names[key] = name .. "." .. key
    p[key] = param_values(g, self.names[key], shp, vals)
    return p[key]
  end
  local args, attrs
  if v == "bspline" then
    -- pykan KANLayer: coefficients fitted to noise of scale 0.5 / G (about
    -- U(-0.25/G, 0.25/G)), scale_base ~ U(-1, 1)/sqrt(n_in), scale_sp = 1/sqrt(n_in)
    args = {param("coef", {n_out, n_in, K}, "uniform", 0.25 / self.grid),
            param("w_base", {n_out, n_in}, "uniform", 1 / math.sqrt(n_in)),
            param("w_spline", {n_out, n_in}, "const", 1 / math.sqrt(n_in))}
    attrs = {grid = self.grid, order = self.order, lo = lo, hi = hi}
  elseif v == "relu" then
    -- ReLU-KAN: the coefficients are a Conv2d over [K, n_in] (PyTorch's
    -- default init), the phases per input, trainable
    args = {param("coef", {n_out, n_in, K}, "uniform", 1 / math.sqrt(n_in * K)),
            values("phase", {2, n_in, K}, phases(self, n_in))}
  elseif v == "af" then
    -- AF-KAN: phases shared by the inputs; attention Linear(K, 1) with
    -- PyTorch's init and temperature sqrt(n_in); LayerNorm (1, 0); W kaiming
    local at = param("attn", {K + 2}, "uniform", 1 / math.sqrt(K))
    g:value(at):flat(K + 2, math.sqrt(n_in))
    args = {values("phase", {2, K}, phases(self, 1)), at,
            param("weight", {n_out, n_in}, "torch_default")}
    if self.norm then
      local nv = {}
      for i = 1, n_in do nv[i], nv[n_in + i] = 1, 0 end
      args[4] = values("norm", {2, n_in}, nv)
    end
    attrs = {act = self.act, func = self.func}
  elseif v == "fourier" then
    -- FourierKAN: N(0, 1 / (n_in F))
    args = {param("coef", {n_out, n_in, K}, "normal", 1 / math.sqrt(n_in * self.freq))}
  elseif v == "tru" then
    -- TruKAN: N(0, 0.01^2)
    args = {param("coef", {n_out, n_in, K}, "normal", 0.01)}
    attrs = {degree = self.degree, lo = lo, hi = hi}
  elseif v == "rational" then
    local ri, av, bv = rational_init[self.init], {}, {}
    for _ = 1, self.groups do
      for _, c in ipairs(ri.a) do av[#av + 1] = c end
      for _, c in ipairs(ri.b) do bv[#bv + 1] = c end
    end
    -- KAT's variance-preserving init: W ~ N(0, gain / n_in) with
    -- gain = 1 / E[F(x)^2], x ~ N(0, 1), for the initial rational F
    args = {values("num", {self.groups, 6}, av), values("den", {self.groups, 4}, bv),
            param("weight", {n_out, n_in}, "normal", math.sqrt(rational_gain(ri) / n_in))}
  else -- s
    args = {param("coef", {n_out, n_in, K}, "normal", 1 / math.sqrt(n_in * K)),
            param("theta", {n_out, #s_bases}, "zeros")}
    attrs = {grid = self.grid, order = self.order, lo = lo, hi = hi, degree = self.degree,
             centers = self.centers, freq = self.freq}
  end
  if self.bias then
    local b = v == "relu" and param("bias", {n_out}, "uniform", 1 / math.sqrt(n_in * K))
           or param("bias", {n_out}, "zeros")
    args[#args + 1] = b
  end
  self.params = p
  args[#args + 1] = attrs or {}
  local op = ({bspline = "kan_bspline", relu = "relu_kan", af = "af_kan", fourier = "fourier_kan",
               tru = "tru_kan", rational = "rational_kan", s = "s_kan"})[v]
  return g:op(op, x, table.unpack(args))
end

function KAN:n_params ()
  local v, n_in, n_out, K = self.variant, self.n_in, self.n_out, self:basis_size()
  local b = self.bias and n_out or 0
  if v == "bspline" then return n_out * n_in * (K + 2) + b end
  if v == "relu" then return n_out * n_in * K + 2 * n_in * K + b end
  if v == "af" then return n_out * n_in + 2 * K + K + 2 + (self.norm and 2 * n_in or 0) end
  if v == "rational" then return self.groups * 10 + n_out * n_in + b end
  if v == "s" then return n_out * n_in * K + n_out * #s_bases + b end
  return n_out * n_in * K + b
end

-- S-KAN: the softmax weight of every basis at every node, from a model's
-- parameters: {{bspline = p, chebyshev = p, ...}, ...} one table per node
function KAN:selection (model)
  if self.variant ~= "s" then error("selection: only for KAN variant 's'", 2) end
  local th = model:param(self.names.theta)
  local out = {}
  for j = 1, self.n_out do
    local mx, e, sum = -math.huge, {}, 0
    for q = 1, #s_bases do mx = math.max(mx, th:get(j, q)) end
    for q = 1, #s_bases do e[q] = math.exp(th:get(j, q) - mx); sum = sum + e[q] end
    out[j] = {}
    for q, nm in ipairs(s_bases) do out[j][nm] = e[q] / sum end
  end
  return out
end

-- S-KAN after training: keep each node's argmax basis. Sets its selector
-- to one-hot (0 for the kept basis, -1e4 for the others, so softmax is
-- exactly 1 / 0 and its gradient 0) and zeroes the other bases'
-- coefficients. Returns the kept basis name per node.
function KAN:select (model)
  if self.variant ~= "s" then error("select: only for KAN variant 's'", 2) end
  local th, coef = model:param(self.names.theta), model:param(self.names.coef)
  local K, kept = self:basis_size(), {}
  for j = 1, self.n_out do
    local best = 1
    for q = 2, #s_bases do if th:get(j, q) > th:get(j, best) then best = q end end
    kept[j] = s_bases[best]
    local off = 0
    for q = 1, #s_bases do
      th:set(q == best and 0 or -1e4, j, q)
      if q ~= best then
        for i = 1, self.n_in do
          for m = off + 1, off + self.blocks[q] do coef:set(0, j, i, m) end
        end
      end
      off = off + self.blocks[q]
    end
  end
  return kept
end

KAN.__tostring = function (l)
  local v, extra = l.variant, ""
  if v == "bspline" or v == "relu" or v == "af" or v == "s" then
    extra = string.format(", grid %d, order %d", l.grid, l.order)
  end
  if v == "af" then extra = extra .. ", " .. l.act .. ", " .. l.func end
  if v == "fourier" then extra = ", freq " .. l.freq end
  if v == "tru" then extra = string.format(", degree %d, %d knots", l.degree, l.knots) end
  if v == "rational" then extra = string.format(", %d groups, init %s", l.groups, l.init) end
  return string.format("KAN(%d -> %d, %s%s%s)", l.n_in, l.n_out, v, extra,
                       l.bias and "" or ", no bias")
end

return M
