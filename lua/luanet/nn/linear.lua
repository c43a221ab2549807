-- luanet.nn linear layers: Linear (PyTorch's nn.Linear), Quadratic (Fan,
-- Cong & Wang 2018), CosNet and NobleLinear (NOBLE's low-rank nonlinear
-- branch beside a linear map).
local B = require "luanet.nn.base"
local M = {}

-- {====== Linear ======
-- Linear(n_in, n_out, {bias = true, init = "torch_default", bias_init}):
-- weight [n_out, n_in]; bias ~ U(-1/sqrt(n_in), 1/sqrt(n_in)) as PyTorch,
-- or opt.bias_init (e.g. "zeros", as self-normalizing nets with
-- lecun_normal weights). A third argument that is no table is 'bias'.
local new_linear, Linear = B.layer{
  name = "Linear", prefix = "linear", op = "linear",
  args = {"n_in", "n_out"},
  opts = {init = "torch_default"},
  check = function (self, opt) self.bias, self.bias_init = opt.bias ~= false, opt.bias_init end,
  inputs = function (self, x)
    B.check_features(self, x, self.n_in, string.format("Linear(%d -> %d)", self.n_in, self.n_out), 4)
  end,
  params = {
    {"weight", "weight", function (s) return {s.n_out, s.n_in} end, function (s) return s.init end},
    {"bias_node", "bias", "n_out", function (s) return s.bias_init or "uniform" end,
     function (s) return not s.bias_init and 1 / math.sqrt(s.n_in) or nil end, when = "bias"},
  },
  tostring = function (l)
    return string.format("Linear(%d -> %d%s)", l.n_in, l.n_out, l.bias and "" or ", no bias")
  end,
}
M.Linear = function (n_in, n_out, opt)
  if type(opt) ~= "table" then opt = {bias = opt} end
  return new_linear(n_in, n_out, opt)
end
function Linear:n_params () return self.n_in * self.n_out + (self.bias and self.n_out or 0) end
-- }======

-- {====== Quadratic ======
-- Quadratic(n_in, n_out): (x W_a^T + b_a) * (x W_b^T + b_b) + (x*x) W_c^T + b_c
-- (Fan, Cong & Wang 2018). Starts as a linear layer (W_a, b_a as
-- nn.Linear, W_b = 0, b_b = 1, W_c = 0, b_c = 0), the quadratic terms
-- grown by training, as Fan et al.'s ReLinear initialisation does.
local Quadratic = B.class("Quadratic")
M.Quadratic = function (n_in, n_out, opt)
  B.positive_int(n_in, "Quadratic: n_in")
  B.positive_int(n_out, "Quadratic: n_out")
  opt = opt or {}
  return setmetatable({n_in = n_in, n_out = n_out, bias = opt.bias ~= false, name = opt.name}, Quadratic)
end
function Quadratic:build (x)
  local g, name = B.begin(self, x, "Quadratic", "quadratic", self.n_in)
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
-- }======

-- {====== CosNet and NobleLinear (NOBLE) ======
-- CosNet(r): y = cos(w2 * (cos(w1 * z + p1) M) + p2) on z [..., r], NOBLE's
-- bottleneck nonlinearity. The paper's initialisation could not be read
-- (only its abstract was reachable); we start it near a linear map:
-- w = 1, p = -pi/2 (each cosine is sin, ~ identity near 0), M = I + U(-a, a)
-- with a = 1/sqrt(r) / 4, so cosnet(z) ~ sin(sin(z) M).
local CosNet = B.class("CosNet")
M.CosNet = function (r, opt)
  B.positive_int(r, "CosNet: r")
  opt = opt or {}
  return setmetatable({r = r, omega = opt.omega or 1, phase = opt.phase or -math.pi / 2,
                       name = opt.name}, CosNet)
end
function CosNet:build (z)
  local g, name = B.begin(self, z, "CosNet", "cosnet", self.r)
  local r = self.r
  local function vec (key, val)
    local v = {}
    for j = 1, r do v[j] = val end
    return B.param_values(g, name .. "." .. key, {r}, v)
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
local NobleLinear = B.class("NobleLinear")
M.NobleLinear = function (n_in, n_out, opt)
  B.positive_int(n_in, "NobleLinear: n_in")
  B.positive_int(n_out, "NobleLinear: n_out")
  opt = opt or {}
  local rank = opt.rank or math.max(1, math.min(n_in, n_out) // 16)
  B.positive_int(rank, "NobleLinear: rank")
  return setmetatable({n_in = n_in, n_out = n_out, rank = rank, bias = opt.bias ~= false,
    activation = opt.activation or "cosnet", name = opt.name}, NobleLinear)
end
function NobleLinear:build (x)
  local g, name = B.begin(self, x, "NobleLinear", "noble")
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
-- }======

return M
