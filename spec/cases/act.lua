-- Gradient-check cases for the activation family (src/ops/act.c), in the
-- spec/support/gradcheck.lua format. Piecewise ops get explicit values at
-- least 0.1 away from their kinks, so central differences are valid.
local away = {-1.3, -0.7, -0.25, 0.2, 0.45, 1.1, -0.9, 0.8, 1.6, -1.8, 0.15, -0.35}
local cases = {
  {op = "leaky_relu", inputs = {{shape = {3, 4}, values = away}}},
  {op = "leaky_relu", inputs = {{shape = {3, 4}, values = away}}, attrs = {a = -0.3}},
  {op = "prelu", inputs = {{shape = {2, 3, 2}, values = away}, {shape = {3}, values = {0.25, -0.5, 1.5}}}},
  {op = "prelu", inputs = {{shape = {4, 3}, values = away}, {shape = {1}, values = {0.3}}}},
  {op = "relu6", inputs = {{shape = {2, 4}, values = {-1, -0.3, 0.5, 3, 5.5, 6.5, 5.8, 0.2}}}},
  {op = "hardtanh", inputs = {{shape = {3, 4}, values = away}}},
  {op = "hardtanh", inputs = {{shape = {3, 4}, values = away}}, attrs = {lo = -0.5, hi = 0.6}},
  {op = "elu", inputs = {{shape = {3, 4}, values = away}}, attrs = {alpha = 0.7}},
  {op = "celu", inputs = {{shape = {3, 4}}}, attrs = {alpha = 1.5}, lo = -2, hi = 2},
  {op = "selu", inputs = {{shape = {3, 4}, values = away}}},
  {op = "alpha_dropout", inputs = {{shape = {4, 5}}}, attrs = {p = 0.3}, training = true, reseed = 7},
  {op = "gelu", inputs = {{shape = {3, 4}}}, lo = -3, hi = 3},
  {op = "gelu", inputs = {{shape = {3, 4}}}, attrs = {approximate = "tanh"}, lo = -3, hi = 3},
  {op = "silu", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "swish", inputs = {{shape = {2, 3, 2}}, {shape = {3}, values = {1, 0.5, -1.5}}}, lo = -3, hi = 3},
  {op = "swish", inputs = {{shape = {4, 3}}, {shape = {1}, values = {1.3}}}, lo = -3, hi = 3},
  {op = "mish", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "softplus", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "softplus", inputs = {{shape = {3, 4}, values = away}}, attrs = {beta = 2, threshold = 2.5}},
  {op = "logsigmoid", inputs = {{shape = {3, 4}}}, lo = -4, hi = 4},
  {op = "softsign", inputs = {{shape = {3, 4}}}, lo = -3, hi = 3},
  {op = "squared_relu", inputs = {{shape = {3, 4}, values = away}}},
}
return cases
