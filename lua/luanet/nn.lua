-- luanet.nn: layers that build nodes on a graph. A layer is called on a
-- node and returns the output node: ln.nn.Linear(784, 512)(x):relu().
-- Parameters are created on the input's graph with PyTorch's default
-- initialisation and named "<layer><k>.weight" / ".bias".
local M = {}

local function positive_int (v, what)
  if math.type(v) ~= "integer" or v <= 0 then
    error(what .. " must be a positive integer, got " .. tostring(v), 3)
  end
end

local function check_node (x, what)
  local ln = require "luanet"
  if not ln.is_node(x) then
    error(what .. ": input must be a graph node, got " .. type(x), 3)
  end
end

-- a class whose instances are callable: layer(x) == layer:build(x)
local function class (name)
  local c = {}
  c.__index = c
  c.__name = name
  c.__call = function (self, x) return self:build(x) end
  return c
end

-- {====== Linear ======
local Linear = class("Linear")
M.Linear = function (n_in, n_out, opt)
  positive_int(n_in, "Linear: n_in")
  positive_int(n_out, "Linear: n_out")
  if type(opt) ~= "table" then opt = {bias = opt} end
  return setmetatable({n_in = n_in, n_out = n_out, bias = opt.bias ~= false,
                       init = opt.init or "torch_default", name = opt.name}, Linear)
end
function Linear:build (x)
  check_node(x, "Linear")
  local g = x.graph
  local name = self.name or g:unique("linear")
  local shape = x:info().shape
  if shape[#shape] ~= self.n_in then
    error(string.format("Linear(%d -> %d): input has %d features (shape %s)",
      self.n_in, self.n_out, shape[#shape], table.concat(shape, "x")), 2)
  end
  self.weight = g:param(name .. ".weight", {self.n_out, self.n_in}, self.init)
  if self.bias then
    -- PyTorch: bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    self.bias_node = g:param(name .. ".bias", {self.n_out}, "uniform", 1 / math.sqrt(self.n_in))
    return g:op("linear", x, self.weight, self.bias_node)
  end
  return g:op("linear", x, self.weight)
end
function Linear:n_params () return self.n_in * self.n_out + (self.bias and self.n_out or 0) end
Linear.__tostring = function (l)
  return string.format("Linear(%d -> %d%s)", l.n_in, l.n_out, l.bias and "" or ", no bias")
end
-- }======

-- {====== Conv2d ======
local Conv2d = class("Conv2d")
M.Conv2d = function (c_in, c_out, kernel, opt)
  positive_int(c_in, "Conv2d: c_in")
  positive_int(c_out, "Conv2d: c_out")
  positive_int(kernel, "Conv2d: kernel")
  opt = opt or {}
  local groups = opt.groups or 1
  if c_in % groups ~= 0 or c_out % groups ~= 0 then
    error("Conv2d: channels " .. c_in .. " -> " .. c_out .. " not divisible by groups " .. groups, 2)
  end
  return setmetatable({c_in = c_in, c_out = c_out, kernel = kernel,
    stride = opt.stride or 1, padding = opt.padding or 0, dilation = opt.dilation or 1,
    groups = groups, bias = opt.bias ~= false, name = opt.name}, Conv2d)
end
function Conv2d:build (x)
  check_node(x, "Conv2d")
  local g = x.graph
  local name = self.name or g:unique("conv")
  local k = self.kernel
  self.weight = g:param(name .. ".weight", {self.c_out, self.c_in // self.groups, k, k}, "torch_default")
  local attrs = {stride = self.stride, padding = self.padding, dilation = self.dilation,
                 groups = self.groups}
  if self.bias then
    local fan_in = self.c_in // self.groups * k * k
    self.bias_node = g:param(name .. ".bias", {self.c_out}, "uniform", 1 / math.sqrt(fan_in))
    return g:op("conv2d", x, self.weight, self.bias_node, attrs)
  end
  return g:op("conv2d", x, self.weight, attrs)
end
Conv2d.__tostring = function (c)
  local extra = ""
  if c.stride ~= 1 then extra = extra .. ", stride " .. c.stride end
  if c.padding ~= 0 then extra = extra .. ", padding " .. c.padding end
  if c.dilation ~= 1 then extra = extra .. ", dilation " .. c.dilation end
  if c.groups ~= 1 then extra = extra .. ", groups " .. c.groups end
  return string.format("Conv2d(%d -> %d, %dx%d%s)", c.c_in, c.c_out, c.kernel, c.kernel, extra)
end
-- }======

-- {====== BatchNorm ======
local BatchNorm = class("BatchNorm")
M.BatchNorm = function (channels, opt)
  positive_int(channels, "BatchNorm: channels")
  opt = opt or {}
  return setmetatable({channels = channels, eps = opt.eps or 1e-5,
                       momentum = opt.momentum or 0.1, name = opt.name}, BatchNorm)
end
M.BatchNorm2d, M.BatchNorm1d = M.BatchNorm, M.BatchNorm
function BatchNorm:build (x)
  check_node(x, "BatchNorm")
  local g, c = x.graph, self.channels
  local name = self.name or g:unique("bn")
  self.gamma = g:param(name .. ".weight", {c}, "ones")
  self.beta = g:param(name .. ".bias", {c}, "zeros")
  self.running_mean = g:buffer(name .. ".running_mean", {c}, 0)
  self.running_var = g:buffer(name .. ".running_var", {c}, 1)
  return g:op("batch_norm", x, self.gamma, self.beta, self.running_mean,
              self.running_var, {eps = self.eps, momentum = self.momentum})
end
BatchNorm.__tostring = function (b) return string.format("BatchNorm(%d)", b.channels) end
-- }======

-- {====== Parameter-free layers ======
local function simple (name, op, fields)
  local c = class(name)
  c.__tostring = function (l)
    local parts = {}
    for _, f in ipairs(fields or {}) do
      if l[f] ~= nil then parts[#parts + 1] = f .. "=" .. tostring(l[f]) end
    end
    return name .. "(" .. table.concat(parts, ", ") .. ")"
  end
  c.build = function (self, x)
    check_node(x, name)
    local attrs = {}
    for _, f in ipairs(fields or {}) do attrs[f] = self[f] end
    return x.graph:op(op, x, attrs)
  end
  return c
end

local Dropout = simple("Dropout", "dropout", {"p"})
M.Dropout = function (p)
  p = p or 0.5
  if type(p) ~= "number" or p < 0 or p >= 1 then
    error("Dropout: p must be in [0, 1), got " .. tostring(p), 2)
  end
  return setmetatable({p = p}, Dropout)
end
local ReLU = simple("ReLU", "relu")
M.ReLU = function () return setmetatable({}, ReLU) end
local Sigmoid = simple("Sigmoid", "sigmoid")
M.Sigmoid = function () return setmetatable({}, Sigmoid) end
local Tanh = simple("Tanh", "tanh")
M.Tanh = function () return setmetatable({}, Tanh) end
local Flatten = simple("Flatten", "flatten", {"start_dim"})
M.Flatten = function () return setmetatable({}, Flatten) end
local MaxPool2d = simple("MaxPool2d", "max_pool2d", {"kernel", "stride", "padding"})
M.MaxPool2d = function (k, s, p) return setmetatable({kernel = k, stride = s, padding = p}, MaxPool2d) end
local AvgPool2d = simple("AvgPool2d", "avg_pool2d", {"kernel", "stride", "padding"})
M.AvgPool2d = function (k, s, p) return setmetatable({kernel = k, stride = s, padding = p}, AvgPool2d) end
-- }======

-- {====== Sequential ======
local Sequential = class("Sequential")
M.Sequential = function (...)
  local layers = {...}
  if #layers == 1 and getmetatable(layers[1]) == nil and type(layers[1]) == "table" then
    layers = layers[1]
  end
  for i, l in ipairs(layers) do
    if type(l) ~= "table" or not l.build then
      error("Sequential: entry " .. i .. " is not a layer", 2)
    end
  end
  return setmetatable({layers = layers}, Sequential)
end
function Sequential:add (layer) self.layers[#self.layers + 1] = layer; return self end
function Sequential:build (x)
  for _, l in ipairs(self.layers) do x = l:build(x) end
  return x
end
Sequential.__tostring = function (s)
  local lines = {"Sequential("}
  for i, l in ipairs(s.layers) do lines[#lines + 1] = string.format("  (%d) %s", i, tostring(l)) end
  lines[#lines + 1] = ")"
  return table.concat(lines, "\n")
end
-- }======

-- {====== KAN and learnable-activation layers ======
-- nn.KAN (one op per variant, src/ops/kan.c), nn.Quadratic, nn.CosNet,
-- nn.NobleLinear and nn.AugmentedShortcut. Parameters are initialised as
-- the papers' code does; see each constructor.

-- a parameter holding given values (a flat Lua list, in row-major order)
local function param_values (g, name, shape, values)
  local node = g:param(name, shape, "zeros")
  local t = g:value(node)
  for k = 1, #values do t:flat(k, values[k]) end
  return node
end

local function has_op (name)
  local ln = require "luanet"
  for _, op in ipairs(ln.ops()) do if op == name then return true end end
  return false
end

-- the default activation of the wrapping layers: GELU where the op table
-- has it (the papers' choice), else tanh
local function default_act () return has_op("gelu") and "gelu" or "tanh" end

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

local KAN = class("KAN")
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
  positive_int(n_in, "KAN: n_in")
  positive_int(n_out, "KAN: n_out")
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
  check_node(x, "KAN")
  local g = x.graph
  local shape = x:info().shape
  if shape[#shape] ~= self.n_in then
    error(string.format("%s: input has %d features (shape %s)", tostring(self), shape[#shape],
      table.concat(shape, "x")), 2)
  end
  local name = self.name or g:unique("kan")
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

-- Quadratic(n_in, n_out): (x W_a^T + b_a) * (x W_b^T + b_b) + (x*x) W_c^T + b_c
-- (Fan, Cong & Wang 2018). Starts as a linear layer (W_a, b_a as
-- nn.Linear, W_b = 0, b_b = 1, W_c = 0, b_c = 0), the quadratic terms
-- grown by training, as Fan et al.'s ReLinear initialisation does.
local Quadratic = class("Quadratic")
M.Quadratic = function (n_in, n_out, opt)
  positive_int(n_in, "Quadratic: n_in")
  positive_int(n_out, "Quadratic: n_out")
  opt = opt or {}
  return setmetatable({n_in = n_in, n_out = n_out, bias = opt.bias ~= false, name = opt.name}, Quadratic)
end
function Quadratic:build (x)
  check_node(x, "Quadratic")
  local g = x.graph
  local shape = x:info().shape
  if shape[#shape] ~= self.n_in then
    error(string.format("%s: input has %d features (shape %s)", tostring(self), shape[#shape],
      table.concat(shape, "x")), 2)
  end
  local name = self.name or g:unique("quadratic")
  local n_in, n_out = self.n_in, self.n_out
  -- W_a as nn.Linear; W_b, W_c zero
  self.weight = g:param(name .. ".weight", {3, n_out, n_in}, "uniform", 1 / math.sqrt(n_in))
  local w = g:value(self.weight)
  for k = n_out * n_in + 1, 3 * n_out * n_in do w:flat(k, 0) end
  if not self.bias then return g:op("quadratic", x, self.weight) end
  self.bias_node = g:param(name .. ".bias", {3, n_out}, "uniform", 1 / math.sqrt(n_in))
  local b = g:value(self.bias_node)
  for j = 1, n_out do b:flat(n_out + j, 1); b:flat(2 * n_out + j, 0) end
  return g:op("quadratic", x, self.weight, self.bias_node)
end
function Quadratic:n_params () return 3 * self.n_out * self.n_in + (self.bias and 3 * self.n_out or 0) end
Quadratic.__tostring = function (q)
  return string.format("Quadratic(%d -> %d%s)", q.n_in, q.n_out, q.bias and "" or ", no bias")
end

-- CosNet(r): y = cos(w2 * (cos(w1 * z + p1) M) + p2) on z [..., r], NOBLE's
-- bottleneck nonlinearity. The paper's initialisation could not be read
-- (only its abstract was reachable); we start it near a linear map:
-- w = 1, p = -pi/2 (each cosine is sin, ~ identity near 0), M = I + U(-a, a)
-- with a = 1/sqrt(r) / 4, so cosnet(z) ~ sin(sin(z) M).
local CosNet = class("CosNet")
M.CosNet = function (r, opt)
  positive_int(r, "CosNet: r")
  opt = opt or {}
  return setmetatable({r = r, omega = opt.omega or 1, phase = opt.phase or -math.pi / 2,
                       name = opt.name}, CosNet)
end
function CosNet:build (z)
  check_node(z, "CosNet")
  local g, r = z.graph, self.r
  local shape = z:info().shape
  if shape[#shape] ~= r then
    error(string.format("%s: input has %d features (shape %s)", tostring(self), shape[#shape],
      table.concat(shape, "x")), 2)
  end
  local name = self.name or g:unique("cosnet")
  local function vec (key, val)
    local v = {}
    for j = 1, r do v[j] = val end
    return param_values(g, name .. "." .. key, {r}, v)
  end
  self.omega1, self.phi1 = vec("omega1", self.omega), vec("phi1", self.phase)
  self.mix = g:param(name .. ".M", {r, r}, "uniform", 0.25 / math.sqrt(r))
  local m = g:value(self.mix)
  for i = 1, r do m:set(m:get(i, i) + 1, i, i) end
  self.omega2, self.phi2 = vec("omega2", self.omega), vec("phi2", self.phase)
  return g:op("cosnet", z, self.omega1, self.phi1, self.mix, self.omega2, self.phi2)
end
function CosNet:n_params () return self.r * self.r + 4 * self.r end
CosNet.__tostring = function (c) return string.format("CosNet(%d)", c.r) end

-- NobleLinear(n_in, n_out, {rank = r, activation = "cosnet", bias = true}):
-- y = x W^T + b + sigma(x W_down^T) W_up^T, NOBLE's permanent low-rank
-- nonlinear branch beside a linear layer (arXiv:2603.06492). W and b as
-- nn.Linear, W_down as nn.Linear(n_in, r), W_up = 0 so training starts
-- from the plain linear layer. rank defaults to max(1, min(n_in, n_out) / 16);
-- activation is "cosnet" or any unary op name.
local NobleLinear = class("NobleLinear")
M.NobleLinear = function (n_in, n_out, opt)
  positive_int(n_in, "NobleLinear: n_in")
  positive_int(n_out, "NobleLinear: n_out")
  opt = opt or {}
  local rank = opt.rank or math.max(1, math.min(n_in, n_out) // 16)
  positive_int(rank, "NobleLinear: rank")
  return setmetatable({n_in = n_in, n_out = n_out, rank = rank, bias = opt.bias ~= false,
    activation = opt.activation or "cosnet", name = opt.name}, NobleLinear)
end
function NobleLinear:build (x)
  check_node(x, "NobleLinear")
  local g = x.graph
  local name = self.name or g:unique("noble")
  self.linear = M.Linear(self.n_in, self.n_out, {bias = self.bias, name = name .. ".linear"})
  local y = self.linear:build(x)
  local z = M.Linear(self.n_in, self.rank, {bias = false, name = name .. ".down"}):build(x)
  local h
  if self.activation == "cosnet" then
    self.cosnet = M.CosNet(self.rank, {name = name .. ".cosnet"})
    h = self.cosnet:build(z)
  else
    h = g:op(self.activation, z)
  end
  self.up = g:param(name .. ".up.weight", {self.n_out, self.rank}, "zeros")
  return y + g:op("linear", h, self.up)
end
function NobleLinear:n_params ()
  local n = self.n_in * self.n_out + (self.bias and self.n_out or 0)
  n = n + self.rank * (self.n_in + self.n_out)
  if self.activation == "cosnet" then n = n + self.rank * self.rank + 4 * self.rank end
  return n
end
NobleLinear.__tostring = function (l)
  return string.format("NobleLinear(%d -> %d, rank %d, %s%s)", l.n_in, l.n_out, l.rank,
                       l.activation, l.bias and "" or ", no bias")
end

-- AugmentedShortcut(f, dim, {n = 1, activation = "gelu", rank = nil}):
-- y = x + f(x) + sum_i sigma(x Theta_i), PanGu-pi's augmented shortcuts
-- (Wang et al. 2023, arXiv:2312.17276, after Tang et al. 2021) around a
-- layer f that maps dim -> dim. Theta_i is dim x dim (nn.Linear's init, no
-- bias), or a bottleneck dim -> rank -> dim when rank is given.
local AugmentedShortcut = class("AugmentedShortcut")
M.AugmentedShortcut = function (f, dim, opt)
  if type(f) ~= "table" or not f.build then error("AugmentedShortcut: f must be a layer", 2) end
  positive_int(dim, "AugmentedShortcut: dim")
  opt = opt or {}
  local n = opt.n or 1
  if math.type(n) ~= "integer" or n < 0 then error("AugmentedShortcut: n must be an integer >= 0", 2) end
  if opt.rank ~= nil then positive_int(opt.rank, "AugmentedShortcut: rank") end
  return setmetatable({f = f, dim = dim, n = n, rank = opt.rank,
    activation = opt.activation or default_act(), name = opt.name}, AugmentedShortcut)
end
function AugmentedShortcut:build (x)
  check_node(x, "AugmentedShortcut")
  local g = x.graph
  local shape = x:info().shape
  if shape[#shape] ~= self.dim then
    error(string.format("%s: input has %d features (shape %s)", tostring(self), shape[#shape],
      table.concat(shape, "x")), 2)
  end
  local name = self.name or g:unique("augshort")
  local y = x + self.f:build(x)
  for i = 1, self.n do
    local t
    if self.rank then
      t = M.Linear(self.dim, self.rank, {bias = false, name = name .. "." .. i .. ".down"}):build(x)
      t = g:op(self.activation, t)
      t = M.Linear(self.rank, self.dim, {bias = false, name = name .. "." .. i .. ".up"}):build(t)
    else
      t = g:op(self.activation, M.Linear(self.dim, self.dim, {bias = false, name = name .. "." .. i}):build(x))
    end
    y = y + t
  end
  return y
end
function AugmentedShortcut:n_params ()
  local per = self.rank and 2 * self.dim * self.rank or self.dim * self.dim
  return self.n * per + (self.f.n_params and self.f:n_params() or 0)
end
AugmentedShortcut.__tostring = function (a)
  return string.format("AugmentedShortcut(%d, %d shortcut%s%s, %s, f = %s)", a.dim, a.n,
    a.n == 1 and "" or "s", a.rank and (" of rank " .. a.rank) or "", a.activation, tostring(a.f))
end
-- }======

return M
