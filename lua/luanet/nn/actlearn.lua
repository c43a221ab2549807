-- luanet.nn paper activations with learnable parameters, over the ops of
-- src/ops/actlearn.c: PolyReLU / PolyNorm (PolyCom), ClippedReLU (ProAct),
-- Dice (DIN), ASH, RBF, Gating (Dopamine), SeriesInformed (PanGu-pi),
-- SoftThresholdLIF (UltraLIF). Parameters start with the initialisation of
-- each paper (see docs/ops.md).
local B = require "luanet.nn.base"
local M = {}

-- the standard normal quantile (Acklam's approximation, rel. error ~1e-9)
local function probit (p)
  local a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
  local b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01}
  local c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
  local d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00}
  local function tail (q)
    return (((((c[1] * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) * q + c[6]) /
           ((((d[1] * q + d[2]) * q + d[3]) * q + d[4]) * q + 1)
  end
  if p < 0.02425 then return tail(math.sqrt(-2 * math.log(p))) end
  if p > 1 - 0.02425 then return -tail(math.sqrt(-2 * math.log(1 - p))) end
  local q = p - 0.5
  local r = q * q
  return (((((a[1] * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * r + a[6]) * q /
         (((((b[1] * r + b[2]) * r + b[3]) * r + b[4]) * r + b[5]) * r + 1)
end
M.probit = probit

-- PolyReLU / PolyNorm (PolyCom): w_i = 1/r, b = 0; (order = 3, opt) or (opt)
local function polycom (cname, op)
  local new = B.layer{
    name = cname, prefix = (op:gsub("_", "")), op = op,
    args = {"order"},
    opts = {eps = 1e-6},
    params = {{"weight", "weight", "order", "const", function (s) return 1 / s.order end},
              {"bias", "bias", 1, "zeros"}},
    attrs = function (self) return op == "poly_norm" and {eps = self.eps} or {} end,
    tostring = function (l) return string.format("%s(order=%d)", cname, l.order) end,
  }
  return function (order, opt)
    if type(order) == "table" then order, opt = nil, order end
    opt = opt or {}
    return new(order or opt.order or 3, opt)
  end
end
M.PolyReLU = polycom("PolyReLU", "poly_relu")
M.PolyNorm = polycom("PolyNorm", "poly_norm")

-- ClippedReLU (ProAct): min(max(0, x), T); mode "neuron" (T per neuron,
-- the input's non-batch shape) or "layer" (one T); T starts at 'init'
-- (default 6) until calibrate() sets it from a calibration batch
local ClippedReLU = B.class("ClippedReLU")
M.ClippedReLU = function (opt)
  opt = opt or {}
  local mode = opt.mode or "neuron"
  if mode ~= "neuron" and mode ~= "layer" then
    error("ClippedReLU: mode must be 'neuron' or 'layer', got " .. tostring(mode), 2)
  end
  return setmetatable({mode = mode, init = opt.init or 6, name = opt.name}, ClippedReLU)
end
function ClippedReLU:build (x)
  local g, name = B.begin(self, x, "ClippedReLU", "clippedrelu")
  self.input = x
  self.shape = self.mode == "layer" and {1} or B.feature_shape(x)
  self.threshold_name = name .. ".threshold"
  self.threshold = g:param(self.threshold_name, self.shape, "const", self.init)
  return g:op("clipped_relu", x, self.threshold)
end
-- layer:calibrate(model, data): T = the maximum activation (per neuron, or
-- over the layer) of a calibration batch, as ProAct initialises it. 'data'
-- is the pre-activation tensor, or feeds {x = ...} for a model compiled
-- with this layer's input among its outputs. Returns the thresholds.
function ClippedReLU:calibrate (model, data)
  if not self.input then error("ClippedReLU:calibrate: build the layer first", 2) end
  local ln = require "luanet"
  local pre = data
  if not ln.is_tensor(data) then
    model:forward(data, false)
    local ok, v = pcall(model.core.value, model.core, self.input.id)
    if not ok then
      error("ClippedReLU:calibrate: compile the model with this layer's input among its " ..
            "outputs (outputs = {..., pre = layer.input}), or pass the pre-activations", 2)
    end
    pre = v
  end
  local t = model:param(self.threshold_name)
  local n, P = pre:numel(), t:numel()
  if n % P ~= 0 then error("ClippedReLU:calibrate: activations do not fit the thresholds", 2) end
  local mx = {}
  for k = 1, n do
    local j = (k - 1) % P + 1
    local v = pre:flat(k)
    if mx[j] == nil or v > mx[j] then mx[j] = v end
  end
  for j = 1, P do t:flat(j, math.max(mx[j], 0)) end
  return t
end
ClippedReLU.__tostring = function (l) return "ClippedReLU(" .. l.mode .. "-wise)" end

-- Dice (DIN): alpha per channel (init 0), running statistics as BatchNorm
M.Dice = B.layer{
  name = "Dice", prefix = "dice", op = "dice",
  args = {"channels"},
  opts = {eps = 1e-8, momentum = 0.1},
  params = {{"alpha", "alpha", "channels", "zeros"},
            {"running_mean", "running_mean", "channels", buffer = 0},
            {"running_var", "running_var", "channels", buffer = 1}},
  attrs = {"eps", "momentum"},
  tostring = function (d) return string.format("Dice(%d)", d.channels) end,
}

-- ASH (Adaptive SwisH): a (init 1) and z (init Phi^-1(1 - k)) learnable;
-- opt.learn_z = false keeps z at its start
M.ASH = B.layer{
  name = "ASH", prefix = "ash", op = "ash",
  opts = {k = 0.1},
  check = function (self, opt)
    local k = self.k
    if type(k) ~= "number" or k <= 0 or k >= 1 then error("ASH: k must be in (0, 1), got " .. tostring(k), 3) end
    self.learn_z = opt.learn_z ~= false
  end,
  params = {{"a", "a", 1, "ones"},
            {"z", "z", 1, "const", function (s) return probit(1 - s.k) end, when = "learn_z"}},
  attrs = {"k"},
  tostring = function (l) return string.format("ASH(k=%g)", l.k) end,
}

-- RBF: Gaussian units around learnable centres [K, n_in] (init N(0, 1))
-- with widths [K] (init 1); with n_out, a Linear(K -> n_out) on top
-- (y = sum_k w_k exp(-|x - c_k|^2 / (2 sigma_k^2)) + b)
local RBF = B.class("RBF")
M.RBF = function (n_in, n_centres, n_out, opt)
  B.positive_int(n_in, "RBF: n_in")
  B.positive_int(n_centres, "RBF: n_centres")
  if n_out ~= nil then B.positive_int(n_out, "RBF: n_out") end
  opt = opt or {}
  return setmetatable({n_in = n_in, n_centres = n_centres, n_out = n_out,
                       width = opt.width or 1, name = opt.name}, RBF)
end
function RBF:build (x)
  B.check_node(x, "RBF")
  B.check_features(self, x, self.n_in, string.format("RBF(%d -> %d)", self.n_in, self.n_centres))
  local g = x.graph
  local name = self.name or g:unique("rbf")
  self.centres = g:param(name .. ".centres", {self.n_centres, self.n_in}, "normal", 1)
  self.widths = g:param(name .. ".widths", {self.n_centres}, "const", self.width)
  local phi = g:op("rbf_kernel", x, self.centres, self.widths)
  if not self.n_out then return phi end
  self.linear = require("luanet.nn.linear").Linear(self.n_centres, self.n_out, {name = name .. ".out"})
  return self.linear(phi)
end
RBF.__tostring = function (r)
  return string.format("RBF(%d -> %d centres%s)", r.n_in, r.n_centres,
                       r.n_out and (" -> " .. r.n_out) or "")
end

-- Gating (Dopamine): y = g relu(x - tau) per neuron (tau init 0, g init 1);
-- opt.mode "sigmoid" / "hard" for the smooth and hardened gates
local function per_neuron (_, x) return B.feature_shape(x) end
M.Gating = B.layer{
  name = "Gating", prefix = "gate", op = "tau_gate",
  opts = {mode = "relu", temperature = 0.1},
  params = {{"tau", "tau", per_neuron, "zeros"}, {"gain", "gain", per_neuron, "ones"}},
  attrs = {"mode", "temperature"},
  tostring = function (l) return "Gating(" .. l.mode .. ")" end,
}

-- SeriesInformed (PanGu-pi): sum_i a_i GELU(x + b_i), a_i = 1/n, b_i
-- spread evenly over [-1, 1]
local SeriesInformed = B.class("SeriesInformed")
M.SeriesInformed = function (n, opt)
  if type(n) == "table" then n, opt = nil, n end
  opt = opt or {}
  n = n or opt.n or 4
  B.positive_int(n, "SeriesInformed: n")
  return setmetatable({n = n, spread = opt.spread or 1, name = opt.name}, SeriesInformed)
end
function SeriesInformed:build (x)
  local g, name = B.begin(self, x, "SeriesInformed", "series")
  local a, b = {}, {}
  for i = 1, self.n do
    a[i] = 1 / self.n
    b[i] = self.n == 1 and 0 or self.spread * (2 * (i - 1) / (self.n - 1) - 1)
  end
  self.a = B.param_values(g, name .. ".a", a)
  self.b = B.param_values(g, name .. ".b", b)
  return g:op("series_informed", x, self.a, self.b)
end
SeriesInformed.__tostring = function (l) return string.format("SeriesInformed(n=%d)", l.n) end

-- SoftThresholdLIF (UltraLIF) over x [B, T, features...]: eps kept as
-- clamp(exp(log_eps), 0.1, 20) as in the paper's code (log_eps init log 1);
-- opt.per_neuron for one eps per neuron
local SoftThresholdLIF = B.class("SoftThresholdLIF")
M.SoftThresholdLIF = function (opt)
  opt = opt or {}
  local eps = opt.eps or 1
  if type(eps) ~= "number" or eps <= 0 then error("SoftThresholdLIF: eps must be positive", 2) end
  return setmetatable({eps = eps, theta = opt.theta or 1, beta = opt.beta or 0.9,
                       per_neuron = opt.per_neuron or false, name = opt.name}, SoftThresholdLIF)
end
function SoftThresholdLIF:build (x)
  local g, name = B.begin(self, x, "SoftThresholdLIF", "lif")
  local s = x:info().shape
  if #s < 3 then
    error("SoftThresholdLIF: input must be [B, T, features...], got " .. table.concat(s, "x"), 2)
  end
  local shape = {1}
  if self.per_neuron then
    shape = {}
    for i = 3, #s do shape[#shape + 1] = s[i] end
  end
  self.log_eps = g:param(name .. ".log_eps", shape, "const", math.log(self.eps))
  local eps = self.log_eps:exp():clamp(0.1, 20)
  return g:op("soft_threshold_lif", x, eps, {theta = self.theta, beta = self.beta})
end
SoftThresholdLIF.__tostring = function (l)
  return string.format("SoftThresholdLIF(theta=%g, beta=%g)", l.theta, l.beta)
end

return M
