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
                       init = opt.init or "torch_default", bias_init = opt.bias_init,
                       name = opt.name}, Linear)
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
    -- PyTorch: bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); or opt.bias_init
    -- (e.g. "zeros", as self-normalizing nets with lecun_normal weights)
    if self.bias_init then
      self.bias_node = g:param(name .. ".bias", {self.n_out}, self.bias_init)
    else
      self.bias_node = g:param(name .. ".bias", {self.n_out}, "uniform", 1 / math.sqrt(self.n_in))
    end
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
-- BatchNorm(channels, {eps = 1e-5, momentum = 0.1, ghost = 0}): over [N, C]
-- or [N, C, H, W]; ghost = S > 0 takes training statistics per run of S
-- samples (ghost batch norm; the per-worker statistics of data-parallel
-- training)
local BatchNorm = class("BatchNorm")
M.BatchNorm = function (channels, opt)
  positive_int(channels, "BatchNorm: channels")
  opt = opt or {}
  local ghost = opt.ghost or 0
  if math.type(ghost) ~= "integer" or ghost < 0 then
    error("BatchNorm: ghost must be an integer >= 0 (0: the whole batch), got " .. tostring(ghost), 2)
  end
  return setmetatable({channels = channels, eps = opt.eps or 1e-5,
                       momentum = opt.momentum or 0.1, ghost = ghost, name = opt.name}, BatchNorm)
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
              self.running_var, {eps = self.eps, momentum = self.momentum, ghost = self.ghost})
end
BatchNorm.__tostring = function (b)
  return string.format("BatchNorm(%d%s)", b.channels, b.ghost > 0 and ", ghost " .. b.ghost or "")
end
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

-- {====== Paper activations with parameters (actlearn) ======
-- Layers over the ops of src/ops/actlearn.c; their parameters are graph
-- parameters with the initialisation of each paper (see docs/ops.md).

-- a parameter filled with the values of the list 'vals'
local function param_values (g, name, vals)
  local p = g:param(name, {#vals}, "zeros")
  local t = g:value(p)
  for i, v in ipairs(vals) do t:flat(i, v) end
  return p
end

-- the non-batch shape of node x (its trailing dims after the first)
local function feature_shape (x)
  local s, out = x:info().shape, {}
  for i = 2, #s do out[#out + 1] = s[i] end
  return out
end

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

-- PolyReLU / PolyNorm (PolyCom): w_i = 1/r, b = 0
local function polycom (cname, op)
  local c = class(cname)
  c.build = function (self, x)
    check_node(x, cname)
    local g = x.graph
    local name = self.name or g:unique((op:gsub("_", "")))
    self.weight = g:param(name .. ".weight", {self.order}, "const", 1 / self.order)
    self.bias = g:param(name .. ".bias", {1}, "zeros")
    local attrs = {}
    if op == "poly_norm" then attrs.eps = self.eps end
    return g:op(op, x, self.weight, self.bias, attrs)
  end
  c.__tostring = function (l) return string.format("%s(order=%d)", cname, l.order) end
  return function (order, opt)
    if type(order) == "table" then order, opt = nil, order end
    opt = opt or {}
    order = order or opt.order or 3
    positive_int(order, cname .. ": order")
    return setmetatable({order = order, eps = opt.eps or 1e-6, name = opt.name}, c)
  end
end
M.PolyReLU = polycom("PolyReLU", "poly_relu")
M.PolyNorm = polycom("PolyNorm", "poly_norm")

-- ClippedReLU (ProAct): min(max(0, x), T); mode "neuron" (T per neuron,
-- the input's non-batch shape) or "layer" (one T); T starts at 'init'
-- (default 6) until calibrate() sets it from a calibration batch
local ClippedReLU = class("ClippedReLU")
M.ClippedReLU = function (opt)
  opt = opt or {}
  local mode = opt.mode or "neuron"
  if mode ~= "neuron" and mode ~= "layer" then
    error("ClippedReLU: mode must be 'neuron' or 'layer', got " .. tostring(mode), 2)
  end
  return setmetatable({mode = mode, init = opt.init or 6, name = opt.name}, ClippedReLU)
end
function ClippedReLU:build (x)
  check_node(x, "ClippedReLU")
  local g = x.graph
  local name = self.name or g:unique("clippedrelu")
  self.input = x
  self.shape = self.mode == "layer" and {1} or feature_shape(x)
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
local Dice = class("Dice")
M.Dice = function (channels, opt)
  positive_int(channels, "Dice: channels")
  opt = opt or {}
  return setmetatable({channels = channels, eps = opt.eps or 1e-8,
                       momentum = opt.momentum or 0.1, name = opt.name}, Dice)
end
function Dice:build (x)
  check_node(x, "Dice")
  local g, c = x.graph, self.channels
  local name = self.name or g:unique("dice")
  self.alpha = g:param(name .. ".alpha", {c}, "zeros")
  self.running_mean = g:buffer(name .. ".running_mean", {c}, 0)
  self.running_var = g:buffer(name .. ".running_var", {c}, 1)
  return g:op("dice", x, self.alpha, self.running_mean, self.running_var,
              {eps = self.eps, momentum = self.momentum})
end
Dice.__tostring = function (d) return string.format("Dice(%d)", d.channels) end

-- ASH (Adaptive SwisH): a (init 1) and z (init Phi^-1(1 - k)) learnable
local ASH = class("ASH")
M.ASH = function (opt)
  opt = opt or {}
  local k = opt.k or 0.1
  if type(k) ~= "number" or k <= 0 or k >= 1 then error("ASH: k must be in (0, 1), got " .. tostring(k), 2) end
  return setmetatable({k = k, learn_z = opt.learn_z ~= false, name = opt.name}, ASH)
end
function ASH:build (x)
  check_node(x, "ASH")
  local g = x.graph
  local name = self.name or g:unique("ash")
  self.a = g:param(name .. ".a", {1}, "ones")
  if not self.learn_z then return g:op("ash", x, self.a, {k = self.k}) end
  self.z = g:param(name .. ".z", {1}, "const", probit(1 - self.k))
  return g:op("ash", x, self.a, self.z, {k = self.k})
end
ASH.__tostring = function (l) return string.format("ASH(k=%g)", l.k) end

-- RBF: Gaussian units around learnable centres [K, n_in] (init N(0, 1))
-- with widths [K] (init 1); with n_out, a Linear(K -> n_out) on top
-- (y = sum_k w_k exp(-|x - c_k|^2 / (2 sigma_k^2)) + b)
local RBF = class("RBF")
M.RBF = function (n_in, n_centres, n_out, opt)
  positive_int(n_in, "RBF: n_in")
  positive_int(n_centres, "RBF: n_centres")
  if n_out ~= nil then positive_int(n_out, "RBF: n_out") end
  opt = opt or {}
  return setmetatable({n_in = n_in, n_centres = n_centres, n_out = n_out,
                       width = opt.width or 1, name = opt.name}, RBF)
end
function RBF:build (x)
  check_node(x, "RBF")
  local g = x.graph
  local name = self.name or g:unique("rbf")
  local shape = x:info().shape
  if shape[#shape] ~= self.n_in then
    error(string.format("RBF(%d -> %d): input has %d features (shape %s)", self.n_in,
      self.n_centres, shape[#shape], table.concat(shape, "x")), 2)
  end
  self.centres = g:param(name .. ".centres", {self.n_centres, self.n_in}, "normal", 1)
  self.widths = g:param(name .. ".widths", {self.n_centres}, "const", self.width)
  local phi = g:op("rbf_kernel", x, self.centres, self.widths)
  if not self.n_out then return phi end
  self.linear = M.Linear(self.n_centres, self.n_out, {name = name .. ".out"})
  return self.linear(phi)
end
RBF.__tostring = function (r)
  return string.format("RBF(%d -> %d centres%s)", r.n_in, r.n_centres,
                       r.n_out and (" -> " .. r.n_out) or "")
end

-- Gating (Dopamine): y = g relu(x - tau) per neuron (tau init 0, g init 1);
-- opt.mode "sigmoid" / "hard" for the smooth and hardened gates
local Gating = class("Gating")
M.Gating = function (opt)
  opt = opt or {}
  return setmetatable({mode = opt.mode or "relu", temperature = opt.temperature or 0.1,
                       name = opt.name}, Gating)
end
function Gating:build (x)
  check_node(x, "Gating")
  local g = x.graph
  local name = self.name or g:unique("gate")
  local shape = feature_shape(x)
  self.tau = g:param(name .. ".tau", shape, "zeros")
  self.gain = g:param(name .. ".gain", shape, "ones")
  return g:op("tau_gate", x, self.tau, self.gain, {mode = self.mode, temperature = self.temperature})
end
Gating.__tostring = function (l) return "Gating(" .. l.mode .. ")" end

-- SeriesInformed (PanGu-pi): sum_i a_i GELU(x + b_i), a_i = 1/n, b_i
-- spread evenly over [-1, 1]
local SeriesInformed = class("SeriesInformed")
M.SeriesInformed = function (n, opt)
  if type(n) == "table" then n, opt = nil, n end
  opt = opt or {}
  n = n or opt.n or 4
  positive_int(n, "SeriesInformed: n")
  return setmetatable({n = n, spread = opt.spread or 1, name = opt.name}, SeriesInformed)
end
function SeriesInformed:build (x)
  check_node(x, "SeriesInformed")
  local g = x.graph
  local name = self.name or g:unique("series")
  local a, b = {}, {}
  for i = 1, self.n do
    a[i] = 1 / self.n
    b[i] = self.n == 1 and 0 or self.spread * (2 * (i - 1) / (self.n - 1) - 1)
  end
  self.a = param_values(g, name .. ".a", a)
  self.b = param_values(g, name .. ".b", b)
  return g:op("series_informed", x, self.a, self.b)
end
SeriesInformed.__tostring = function (l) return string.format("SeriesInformed(n=%d)", l.n) end

-- SoftThresholdLIF (UltraLIF) over x [B, T, features...]: eps kept as
-- clamp(exp(log_eps), 0.1, 20) as in the paper's code (log_eps init log 1);
-- opt.per_neuron for one eps per neuron
local SoftThresholdLIF = class("SoftThresholdLIF")
M.SoftThresholdLIF = function (opt)
  opt = opt or {}
  local eps = opt.eps or 1
  if type(eps) ~= "number" or eps <= 0 then error("SoftThresholdLIF: eps must be positive", 2) end
  return setmetatable({eps = eps, theta = opt.theta or 1, beta = opt.beta or 0.9,
                       per_neuron = opt.per_neuron or false, name = opt.name}, SoftThresholdLIF)
end
function SoftThresholdLIF:build (x)
  check_node(x, "SoftThresholdLIF")
  local g = x.graph
  local name = self.name or g:unique("lif")
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
-- }======

-- {====== Normalisations, FiLM, Self-supervised Label Augmentation (normloss) ======

-- a shape given as a number or a list of numbers
local function shape_list (s, what)
  if math.type(s) == "integer" then s = {s} end
  if type(s) ~= "table" or #s == 0 then
    error(what .. " must be a positive integer or a list of them", 3)
  end
  for _, d in ipairs(s) do positive_int(d, what) end
  return s
end

-- LayerNorm(normalized_shape, {eps = 1e-5, affine = true, bias = true}):
-- over the trailing dims 'normalized_shape'; gamma ones, beta zeros
local LayerNorm = class("LayerNorm")
M.LayerNorm = function (shape, opt)
  opt = opt or {}
  return setmetatable({shape = shape_list(shape, "LayerNorm: normalized_shape"),
    eps = opt.eps or 1e-5, affine = opt.affine ~= false and opt.elementwise_affine ~= false,
    bias = opt.bias ~= false, name = opt.name}, LayerNorm)
end
function LayerNorm:build (x)
  check_node(x, "LayerNorm")
  local g = x.graph
  local name = self.name or g:unique("layernorm")
  local attrs = {dims = #self.shape, eps = self.eps}
  if not self.affine then return g:op("layer_norm", x, attrs) end
  self.gamma = g:param(name .. ".weight", self.shape, "ones")
  if not self.bias then return g:op("layer_norm", x, self.gamma, attrs) end
  self.beta = g:param(name .. ".bias", self.shape, "zeros")
  return g:op("layer_norm", x, self.gamma, self.beta, attrs)
end
LayerNorm.__tostring = function (l)
  return string.format("LayerNorm(%s%s)", table.concat(l.shape, "x"), l.affine and "" or ", no affine")
end

-- RMSNorm(normalized_shape, {eps = 1e-6, affine = true}): gamma ones
local RMSNorm = class("RMSNorm")
M.RMSNorm = function (shape, opt)
  opt = opt or {}
  return setmetatable({shape = shape_list(shape, "RMSNorm: normalized_shape"),
    eps = opt.eps or 1e-6, affine = opt.affine ~= false and opt.elementwise_affine ~= false,
    name = opt.name}, RMSNorm)
end
function RMSNorm:build (x)
  check_node(x, "RMSNorm")
  local g = x.graph
  local name = self.name or g:unique("rmsnorm")
  local attrs = {dims = #self.shape, eps = self.eps}
  if not self.affine then return g:op("rms_norm", x, attrs) end
  self.gamma = g:param(name .. ".weight", self.shape, "ones")
  return g:op("rms_norm", x, self.gamma, attrs)
end
RMSNorm.__tostring = function (l) return string.format("RMSNorm(%s)", table.concat(l.shape, "x")) end

-- GroupNorm(num_groups, num_channels, {eps = 1e-5, affine = true}), as
-- PyTorch's (groups must divide the channels)
local GroupNorm = class("GroupNorm")
M.GroupNorm = function (groups, channels, opt)
  positive_int(groups, "GroupNorm: num_groups")
  positive_int(channels, "GroupNorm: num_channels")
  if channels % groups ~= 0 then
    error(string.format("GroupNorm: %d groups do not divide %d channels", groups, channels), 2)
  end
  opt = opt or {}
  return setmetatable({groups = groups, channels = channels, eps = opt.eps or 1e-5,
    affine = opt.affine ~= false, name = opt.name}, GroupNorm)
end
function GroupNorm:build (x)
  check_node(x, "GroupNorm")
  local g = x.graph
  local name = self.name or g:unique("groupnorm")
  local attrs = {groups = self.groups, eps = self.eps}
  if not self.affine then return g:op("group_norm", x, attrs) end
  self.gamma = g:param(name .. ".weight", {self.channels}, "ones")
  self.beta = g:param(name .. ".bias", {self.channels}, "zeros")
  return g:op("group_norm", x, self.gamma, self.beta, attrs)
end
GroupNorm.__tostring = function (l) return string.format("GroupNorm(%d, %d)", l.groups, l.channels) end

-- InstanceNorm(num_features, {eps = 1e-5, affine = false}): PyTorch's
-- InstanceNorm2d defaults (no running statistics)
local InstanceNorm = class("InstanceNorm")
M.InstanceNorm = function (channels, opt)
  positive_int(channels, "InstanceNorm: num_features")
  opt = opt or {}
  return setmetatable({channels = channels, eps = opt.eps or 1e-5, affine = opt.affine == true,
    name = opt.name}, InstanceNorm)
end
M.InstanceNorm2d, M.InstanceNorm1d = M.InstanceNorm, M.InstanceNorm
function InstanceNorm:build (x)
  check_node(x, "InstanceNorm")
  local g = x.graph
  local name = self.name or g:unique("instancenorm")
  if not self.affine then return g:op("instance_norm", x, {eps = self.eps}) end
  self.gamma = g:param(name .. ".weight", {self.channels}, "ones")
  self.beta = g:param(name .. ".bias", {self.channels}, "zeros")
  return g:op("instance_norm", x, self.gamma, self.beta, {eps = self.eps})
end
InstanceNorm.__tostring = function (l) return string.format("InstanceNorm(%d)", l.channels) end

-- EvoNormB0(channels, {eps = 1e-5, momentum = 0.1}) and EvoNormS0(channels,
-- {groups = 32, eps = 1e-5}) (Liu et al. 2020): gamma ones, beta zeros,
-- v1 ones as in the reference code; B0 keeps running_var (ones) for eval.
-- S0's groups: 32, or the largest divisor of the channels below it.
local EvoNormB0 = class("EvoNormB0")
M.EvoNormB0 = function (channels, opt)
  positive_int(channels, "EvoNormB0: channels")
  opt = opt or {}
  return setmetatable({channels = channels, eps = opt.eps or 1e-5,
    momentum = opt.momentum or 0.1, name = opt.name}, EvoNormB0)
end
function EvoNormB0:build (x)
  check_node(x, "EvoNormB0")
  local g, c = x.graph, self.channels
  local name = self.name or g:unique("evonormb0")
  self.gamma = g:param(name .. ".weight", {c}, "ones")
  self.beta = g:param(name .. ".bias", {c}, "zeros")
  self.v1 = g:param(name .. ".v1", {c}, "ones")
  self.running_var = g:buffer(name .. ".running_var", {c}, 1)
  return g:op("evonorm_b0", x, self.gamma, self.beta, self.v1, self.running_var,
              {eps = self.eps, momentum = self.momentum})
end
EvoNormB0.__tostring = function (l) return string.format("EvoNormB0(%d)", l.channels) end

local EvoNormS0 = class("EvoNormS0")
M.EvoNormS0 = function (channels, opt)
  positive_int(channels, "EvoNormS0: channels")
  opt = opt or {}
  local groups = opt.groups or 32
  positive_int(groups, "EvoNormS0: groups")
  while groups > 1 and channels % groups ~= 0 do groups = groups - 1 end
  return setmetatable({channels = channels, groups = groups, eps = opt.eps or 1e-5,
    name = opt.name}, EvoNormS0)
end
function EvoNormS0:build (x)
  check_node(x, "EvoNormS0")
  local g, c = x.graph, self.channels
  local name = self.name or g:unique("evonorms0")
  self.gamma = g:param(name .. ".weight", {c}, "ones")
  self.beta = g:param(name .. ".bias", {c}, "zeros")
  self.v1 = g:param(name .. ".v1", {c}, "ones")
  return g:op("evonorm_s0", x, self.gamma, self.beta, self.v1, {groups = self.groups, eps = self.eps})
end
EvoNormS0.__tostring = function (l) return string.format("EvoNormS0(%d, groups %d)", l.channels, l.groups) end

-- FiLM(cond_dim, channels): film(x, z) = gamma(z) * x + beta(z) per sample
-- and channel, gamma and beta two Linear maps of the conditioning z
-- [B, cond_dim] (Perez et al. 2017); gamma's bias starts at 1, so a fresh
-- layer is near the identity. Call as layer(x, z).
local FiLM = class("FiLM")
FiLM.__call = function (self, x, z) return self:build(x, z) end
M.FiLM = function (cond_dim, channels, opt)
  positive_int(cond_dim, "FiLM: cond_dim")
  positive_int(channels, "FiLM: channels")
  opt = opt or {}
  return setmetatable({cond_dim = cond_dim, channels = channels, name = opt.name}, FiLM)
end
function FiLM:build (x, z)
  check_node(x, "FiLM")
  check_node(z, "FiLM (conditioning z)")
  local g = x.graph
  local name = self.name or g:unique("film")
  local bound = 1 / math.sqrt(self.cond_dim)
  self.wg = g:param(name .. ".gamma.weight", {self.channels, self.cond_dim}, "torch_default")
  self.bg = g:param(name .. ".gamma.bias", {self.channels}, "ones")
  self.wb = g:param(name .. ".beta.weight", {self.channels, self.cond_dim}, "torch_default")
  self.bb = g:param(name .. ".beta.bias", {self.channels}, "uniform", bound)
  return g:op("film", x, g:op("linear", z, self.wg, self.bg), g:op("linear", z, self.wb, self.bb))
end
FiLM.__tostring = function (l) return string.format("FiLM(%d -> %d channels)", l.cond_dim, l.channels) end

-- soft_infonce_weights(sim, {alpha = 1, beta = 1, t = 1}): the negative
-- weights of Soft-InfoNCE (Li et al. 2023) from an estimator's similarity
-- matrix 'sim' [N, N] (a tensor or a node), as the authors' code computes
-- them: p_ij = softmax over the negatives j != i of sim_ij / t, w_ij =
-- max(0.1, (beta - alpha p_ij) / (beta - alpha / (N - 1))); the diagonal
-- (unused by soft_infonce) is 1. alpha = 0 gives InfoNCE (w = 1).
function M.soft_infonce_weights (sim, opt)
  local ln = require "luanet"
  opt = opt or {}
  local alpha, beta, t = opt.alpha or 1, opt.beta or 1, opt.t or 1
  local shape = ln.is_node(sim) and sim:info().shape or sim:shape()
  local n = shape[1]
  if #shape ~= 2 or shape[2] ~= n or n < 2 then
    error("soft_infonce_weights: sim must be a square matrix [N, N] with N >= 2, got "
          .. table.concat(shape, "x"), 2)
  end
  if beta - alpha / (n - 1) == 0 then error("soft_infonce_weights: beta = alpha / (N - 1)", 2) end
  local mask, eye = ln.zeros{n, n}, ln.zeros{n, n}
  for i = 1, n do mask:set(-1e30, i, i); eye:set(1, i, i) end
  local p
  if ln.is_node(sim) then
    p = (sim * (1 / t) + sim.graph:const(mask)):softmax()
    local w = (p * (-alpha / (beta - alpha / (n - 1))) + beta / (beta - alpha / (n - 1)))
    return w:clamp(0.1, 1e30) * sim.graph:const(1 - eye) + sim.graph:const(eye)
  end
  p = (sim * (1 / t) + mask):softmax()
  local w = p * (-alpha / (beta - alpha / (n - 1))) + beta / (beta - alpha / (n - 1))
  return w:clamp(0.1, 1e30) * (1 - eye) + eye
end

-- JointLabel(n_classes, m): Self-supervised Label Augmentation (Lee,
-- Hwang, Shin 2020, arXiv:1910.05872) with the m rotations by 0, 90, 180,
-- 270 degrees (m <= 4): one head over n_classes * m joint labels (class y
-- under rotation r is y * m + r), trained with cross-entropy; at test time
-- the aggregated inference averages the logits z[y * m + r] of the m
-- rotated copies of an input over r before the softmax. The rotations of
-- a sample stay together: the model's input is [B, m, C, H, W] (batch B,
-- so every input of the graph keeps the same batch) and sla:fold(x) turns
-- it into the [B m, C, H, W] batch the network sees (row b m + r).
--   local sla = ln.nn.JointLabel(10, 4)
--   local x = g:input("x", {"B", 4, 1, 28, 28})
--   local yj = g:input("yj", {"B", 4}, "int32")
--   local logits = net(sla:fold(x))                 -- [B 4, 40]
--   loss = sla:loss(logits, yj); outputs = {agg = sla:aggregate(logits)}
--   feeds: {x = sla:augment(xb), yj = sla:labels(yb)}
local JointLabel = {}
JointLabel.__index = JointLabel
M.JointLabel = function (n_classes, m)
  positive_int(n_classes, "JointLabel: n_classes")
  positive_int(m, "JointLabel: m")
  if m > 4 then error("JointLabel: m must be at most 4 (rotations by 90 degrees), got " .. m, 2) end
  return setmetatable({n_classes = n_classes, m = m, n_joint = n_classes * m, perms = {}}, JointLabel)
end
JointLabel.__tostring = function (s)
  return string.format("JointLabel(%d classes x %d rotations = %d joint labels)", s.n_classes, s.m, s.n_joint)
end

-- the permutation matrix P [HW, HW] with (x viewed [.., HW]) x P = x rotated
-- by r quarter turns counter-clockwise (torch.rot90(x, r, (2, 3)))
local function rot_matrix (hw, r)
  local ln = require "luanet"
  local P = ln.zeros{hw * hw, hw * hw}
  for i = 0, hw - 1 do
    for j = 0, hw - 1 do
      local si, sj = i, j                  -- out[i][j] = x[src(i, j)]
      for _ = 1, r do si, sj = sj, hw - 1 - si end
      P:set(1, si * hw + sj + 1, i * hw + j + 1)
    end
  end
  return P
end

-- images [B, C, H, W] (H = W) -> [B, m, C, H, W]: rotation r of sample b at [b, r]
function JointLabel:augment (x)
  local ln = require "luanet"
  local s = x:shape()
  if #s ~= 4 or s[3] ~= s[4] then
    error("JointLabel:augment: images must be [B, C, H, W] with H = W, got " .. table.concat(s, "x"), 2)
  end
  local flat = x:clone{s[1] * s[2], s[3] * s[4]}
  local parts = {}
  for r = 0, self.m - 1 do
    local key = s[3] .. ":" .. r
    if r > 0 then self.perms[key] = self.perms[key] or rot_matrix(s[3], r) end
    parts[r + 1] = (r == 0 and flat or flat:matmul(self.perms[key])):clone{s[1], 1, s[2], s[3], s[4]}
  end
  return self.m == 1 and parts[1] or ln.concat(parts, 2)
end

-- a node [B, m, C, H, W] -> [B m, C, H, W] for the network
function JointLabel:fold (x)
  local s = x:info().shape
  return x:reshape{-1, s[3], s[4], s[5]}
end

-- labels int32 [B] -> joint labels [B, m]: y * m + r
function JointLabel:labels (y)
  local ln = require "luanet"
  local v = {}
  for b = 1, #y do
    v[b] = {}
    for r = 0, self.m - 1 do v[b][r + 1] = y:get(b) * self.m + r end
  end
  return ln.tensor(v, "int32")
end

-- the training loss: cross-entropy over the joint labels; logits [B m,
-- n_classes m], yj [B, m] (a node) or already flat [B m]
function JointLabel:loss (logits, yj, opt)
  local shape = yj:info().shape
  if #shape == 2 then yj = yj:reshape{-1} end
  if opt then return logits:cross_entropy(yj, opt) end
  return logits:cross_entropy(yj)
end

-- joint logits [B m, n_classes m] (tensor or node) -> [B, n_classes]: the
-- mean over r of z[b m + r, y m + r]
function JointLabel:aggregate (logits)
  local ln = require "luanet"
  local m, n = self.m, self.n_classes
  local mask = ln.zeros{1, m, 1, m}
  for r = 1, m do mask:set(1 / m, 1, r, 1, r) end
  if ln.is_node(logits) then
    return (logits:reshape{-1, m, n, m} * logits.graph:const(mask)):sum({2, 4})
  end
  local s = logits:shape()
  return (logits:clone{s[1] // m, m, n, m} * mask):sum({2, 4})
end

-- the unrotated copies' class logits z[b m, y m] only, [B, n_classes]
-- (single inference), for tensors
function JointLabel:single (logits)
  local s = logits:shape()
  local B = s[1] // self.m
  return logits:clone{B, self.m, self.n_classes, self.m}:slice(2, 1, 1):slice(4, 1, 1):clone{B, self.n_classes}
end
-- }======

-- {====== Activations (src/ops/act.c) ======
-- The parameter-free ones are also node methods (h:gelu{approximate =
-- "tanh"}, h:leaky_relu(0.2)); here as layers with PyTorch's names and
-- defaults, for Sequential.
local function act_layer (name, op, fields)
  local c = simple(name, op, fields)
  return function (...)
    local l, args = {}, {...}
    for i, f in ipairs(fields or {}) do l[f] = args[i] end
    return setmetatable(l, c)
  end
end
M.LeakyReLU = act_layer("LeakyReLU", "leaky_relu", {"a"})
M.ReLU6 = act_layer("ReLU6", "relu6")
M.Hardtanh = act_layer("Hardtanh", "hardtanh", {"lo", "hi"})
M.ELU = act_layer("ELU", "elu", {"alpha"})
M.CELU = act_layer("CELU", "celu", {"alpha"})
M.SELU = act_layer("SELU", "selu")
M.GELU = act_layer("GELU", "gelu", {"approximate"})
M.SiLU = act_layer("SiLU", "silu")
M.Mish = act_layer("Mish", "mish")
M.Softplus = act_layer("Softplus", "softplus", {"beta", "threshold"})
M.LogSigmoid = act_layer("LogSigmoid", "logsigmoid")
M.Softsign = act_layer("Softsign", "softsign")
M.SquaredReLU = act_layer("SquaredReLU", "squared_relu")
local alpha_dropout = act_layer("AlphaDropout", "alpha_dropout", {"p"})
M.AlphaDropout = function (p)
  p = p or 0.5
  if type(p) ~= "number" or p < 0 or p >= 1 then
    error("AlphaDropout: p must be in [0, 1), got " .. tostring(p), 2)
  end
  return alpha_dropout(p)
end

-- a layer whose op takes one learnable parameter of 'channels' elements
-- (1: shared) after the input: prelu's slopes, swish's beta
local function channel_param_layer (cname, op, prefix, pname, default)
  local c = class(cname)
  local make = function (channels, init)
    local opt = type(channels) == "table" and channels or {channels = channels, init = init}
    local n = opt.channels or 1
    positive_int(n, cname .. ": channels")
    local v = opt.init or default
    if type(v) ~= "number" then error(cname .. ": init must be a number, got " .. type(v), 3) end
    return setmetatable({channels = n, init = v, name = opt.name}, c)
  end
  function c:build (x)
    check_node(x, cname)
    local g = x.graph
    local info = x:info()
    local shape = info.shape
    if self.channels > 1 and (#shape < 2 or shape[2] ~= self.channels) then
      local s = table.concat(shape, "x")
      if info.batched then s = "B" .. s:gsub("^%d+", "") end
      error(string.format("%s(%d): input %s has no dim 2 of %d channels", cname, self.channels,
        s, self.channels), 2)
    end
    local name = self.name or g:unique(prefix)
    self[pname] = g:param(name .. "." .. pname, {self.channels}, "const", self.init)
    return g:op(op, x, self[pname])
  end
  function c:n_params () return self.channels end
  c.__tostring = function (l)
    return string.format("%s(%d, init %g)", cname, l.channels, l.init)
  end
  return make
end
-- PReLU(channels = 1, init = 0.25): y = x if x > 0 else w_c x, w learnable
M.PReLU = channel_param_layer("PReLU", "prelu", "prelu", "weight", 0.25)
-- Swish(channels = 1, init = 1): y = x sigmoid(beta_c x), beta learnable
M.Swish = channel_param_layer("Swish", "swish", "swish", "beta", 1)
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
