-- luanet.nn activation layers over the ops of src/ops/act.c and elem.c,
-- with PyTorch's names and defaults, for Sequential (the parameter-free
-- ones are also node methods: h:gelu{approximate = "tanh"},
-- h:leaky_relu(0.2)); PReLU and Swish with their learnable parameter;
-- Dropout and AlphaDropout.
local B = require "luanet.nn.base"
local M = {}

-- a parameter-free layer whose positional arguments are the op's
-- attributes 'fields', in order
local function act_layer (name, op, fields)
  local c = B.simple(name, op, fields)
  return function (...)
    local l, args = {}, {...}
    for i, f in ipairs(fields or {}) do l[f] = args[i] end
    return setmetatable(l, c)
  end
end
M.ReLU = act_layer("ReLU", "relu")
M.Sigmoid = act_layer("Sigmoid", "sigmoid")
M.Tanh = act_layer("Tanh", "tanh")
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

-- Dropout(p = 0.5) and AlphaDropout(p = 0.5): p in [0, 1)
local function dropout (name, op)
  local make = act_layer(name, op, {"p"})
  return function (p)
    p = p or 0.5
    if type(p) ~= "number" or p < 0 or p >= 1 then
      error(name .. ": p must be in [0, 1), got " .. tostring(p), 2)
    end
    return make(p)
  end
end
M.Dropout = dropout("Dropout", "dropout")
M.AlphaDropout = dropout("AlphaDropout", "alpha_dropout")

-- a layer whose op takes one learnable parameter of 'channels' elements
-- (1: shared) after the input, constant 'default' unless given:
-- (channels, init) or ({channels = n, init = v, name = s})
local function channel_param_layer (cname, op, prefix, pname, default)
  local new, c = B.layer{
    name = cname, prefix = prefix, op = op,
    inputs = function (self, x)
      local info = x:info()
      local shape = info.shape
      if self.channels > 1 and (#shape < 2 or shape[2] ~= self.channels) then
        local s = table.concat(shape, "x")
        if info.batched then s = "B" .. s:gsub("^%d+", "") end
        error(string.format("%s(%d): input %s has no dim 2 of %d channels", cname, self.channels,
          s, self.channels), 3)
      end
    end,
    params = {{pname, pname, "channels", "const", function (s) return s.init end}},
    attrs = function () return {} end,
    tostring = function (l) return string.format("%s(%d, init %g)", cname, l.channels, l.init) end,
  }
  function c:n_params () return self.channels end
  return function (channels, init)
    local opt = type(channels) == "table" and channels or {channels = channels, init = init}
    local n = opt.channels or 1
    B.positive_int(n, cname .. ": channels")
    local v = opt.init or default
    if type(v) ~= "number" then error(cname .. ": init must be a number, got " .. type(v), 2) end
    local l = new({name = opt.name})
    l.channels, l.init = n, v
    return l
  end
end
-- PReLU(channels = 1, init = 0.25): y = x if x > 0 else w_c x, w learnable
M.PReLU = channel_param_layer("PReLU", "prelu", "prelu", "weight", 0.25)
-- Swish(channels = 1, init = 1): y = x sigmoid(beta_c x), beta learnable
M.Swish = channel_param_layer("Swish", "swish", "swish", "beta", 1)

return M
