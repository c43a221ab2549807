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

return M
