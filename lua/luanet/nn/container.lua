-- luanet.nn layers made of layers: Sequential, and AugmentedShortcut
-- (PanGu-pi's shortcuts around a layer).
local B = require "luanet.nn.base"
local Linear = require("luanet.nn.linear").Linear
local M = {}

-- {====== Sequential ======
-- Sequential(l1, l2, ...) or Sequential{l1, l2, ...}: the layers in turn
local Sequential = B.class("Sequential")
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

-- {====== AugmentedShortcut ======
-- AugmentedShortcut(f, dim, {n = 1, activation = "gelu", rank = nil}):
-- y = x + f(x) + sum_i sigma(x Theta_i), PanGu-pi's augmented shortcuts
-- (Wang et al. 2023, arXiv:2312.17276, after Tang et al. 2021) around a
-- layer f that maps dim -> dim. Theta_i is dim x dim (nn.Linear's init, no
-- bias), or a bottleneck dim -> rank -> dim when rank is given.
local AugmentedShortcut = B.class("AugmentedShortcut")
M.AugmentedShortcut = function (f, dim, opt)
  if type(f) ~= "table" or not f.build then error("AugmentedShortcut: f must be a layer", 2) end
  B.positive_int(dim, "AugmentedShortcut: dim")
  opt = opt or {}
  local n = opt.n or 1
  if math.type(n) ~= "integer" or n < 0 then error("AugmentedShortcut: n must be an integer >= 0", 2) end
  if opt.rank ~= nil then B.positive_int(opt.rank, "AugmentedShortcut: rank") end
  return setmetatable({f = f, dim = dim, n = n, rank = opt.rank,
    activation = opt.activation or B.default_act(), name = opt.name}, AugmentedShortcut)
end
function AugmentedShortcut:build (x)
  local g, name = B.begin(self, x, "AugmentedShortcut", "augshort", self.dim)
  local y = x + self.f:build(x)
  for i = 1, self.n do
    local t
    if self.rank then
      t = Linear(self.dim, self.rank, {bias = false, name = name .. "." .. i .. ".down"}):build(x)
      t = g:op(self.activation, t)
      t = Linear(self.rank, self.dim, {bias = false, name = name .. "." .. i .. ".up"}):build(t)
    else
      t = g:op(self.activation, Linear(self.dim, self.dim, {bias = false, name = name .. "." .. i}):build(x))
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
