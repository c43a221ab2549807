-- Gradient-check cases for the fixed activations of src/ops/act.c, in the
-- spec/support/gradcheck.lua format. Piecewise ops get explicit values at
-- least 0.1 away from their kinks, so central differences are valid;
-- straight-through ops are checked against their surrogate derivative.
local away = {-1.3, -0.7, -0.25, 0.2, 0.45, 1.1, -0.9, 0.8, 1.6, -1.8, 0.15, -0.35}
-- inputs in (-1, 1) away from fatrelu's threshold (0.4)
local away1 = {-0.9, -0.55, -0.3, -0.12, 0.15, 0.33, 0.52, 0.71, 0.88, -0.77, 0.44, 0.97}

-- fast-sigmoid surrogate of spike with theta = 1, beta = 5
local function fast_sigmoid (x)
  local d = 1 + 5 * math.abs(x - 1)
  return 5 / (d * d)
end

local cases = {
  {op = "relu", inputs = {{shape = {2, 3}, values = {-1, -0.5, 0.25, 0.5, 1, -2}}}},
  {op = "sigmoid", inputs = {{shape = {3, 4}}}},
  {op = "tanh", inputs = {{shape = {3, 4}}}},
  {op = "leaky_relu", inputs = {{shape = {3, 4}, values = away}}},
  {op = "leaky_relu", inputs = {{shape = {3, 4}, values = away}}, attrs = {a = -0.3}},
  {op = "relu6", inputs = {{shape = {2, 4}, values = {-1, -0.3, 0.5, 3, 5.5, 6.5, 5.8, 0.2}}}},
  {op = "hardtanh", inputs = {{shape = {3, 4}, values = away}}},
  {op = "hardtanh", inputs = {{shape = {3, 4}, values = away}}, attrs = {lo = -0.5, hi = 0.6}},
  {op = "elu", inputs = {{shape = {3, 4}, values = away}}, attrs = {alpha = 0.7}},
  {op = "celu", inputs = {{shape = {3, 4}}}, attrs = {alpha = 1.5}, lo = -2, hi = 2},
  {op = "selu", inputs = {{shape = {3, 4}, values = away}}},
  {op = "gelu", inputs = {{shape = {3, 4}}}, lo = -3, hi = 3},
  {op = "gelu", inputs = {{shape = {3, 4}}}, attrs = {approximate = "tanh"}, lo = -3, hi = 3},
  {op = "silu", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "mish", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "softplus", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "softplus", inputs = {{shape = {3, 4}, values = away}}, attrs = {beta = 2, threshold = 2.5}},
  {op = "logsigmoid", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "softsign", inputs = {{shape = {3, 4}}}, lo = -3, hi = 3},
  {op = "squared_relu", inputs = {{shape = {3, 4}, values = away}}},
  {op = "softmax", inputs = {{shape = {3, 5}}}},
  {op = "log_softmax", inputs = {{shape = {3, 5}}}, attrs = {axis = 1}},
  -- stablemax's s(x) has a second-derivative jump at 0: inputs away from it
  {op = "stablemax", inputs = {{shape = {3, 4}, values = away}}},
  {op = "stablemax", inputs = {{shape = {3, 4}, values = away}}, attrs = {axis = 1}},
  {op = "fatrelu", inputs = {{shape = {3, 4}, values = away1}}, attrs = {threshold = 0.4}},
  {op = "biper", inputs = {{shape = {3, 4}}}, attrs = {omega = 2},
   surrogate = function (x) return 2 * math.cos(2 * x) end},
  {op = "sign_ste", inputs = {{shape = {2, 3}, values = {-1.5, -0.4, 0.2, 0.9, 1.3, -0.7}}}, attrs = {clip = true},
   surrogate = function (x) return math.abs(x) <= 1 and 1 or 0 end},
  {op = "round_ste", inputs = {{shape = {3, 4}}}, lo = -3, hi = 3, surrogate = function () return 1 end},
  {op = "step_ste", inputs = {{shape = {3, 4}}}, surrogate = function () return 1 end},
  {op = "spike", inputs = {{shape = {3, 4}}}, lo = 0, hi = 2, surrogate = fast_sigmoid},
  {op = "spike", inputs = {{shape = {2, 3}}}, lo = 0, hi = 2, attrs = {surrogate = "sigmoid", beta = 3, theta = 0.8},
   surrogate = function (x)
     local s = 1 / (1 + math.exp(-3 * (x - 0.8)))
     return 3 * s * (1 - s)
   end},
  {op = "kwta", inputs = {{shape = {2, 5}, values = {0.1, 0.9, -0.4, 0.5, 0.3, -0.8, 0.2, 0.7, 0.6, -0.1}}},
   attrs = {k = 2}},
  {op = "kwta", inputs = {{shape = {2, 2, 2}, values = {0.1, 0.9, -0.4, 0.5, 0.3, -0.8, 0.2, 0.7}}},
   attrs = {frac = 0.5}},
}
return cases
