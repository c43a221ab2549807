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

return M
