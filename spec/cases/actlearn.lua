-- Gradient-check cases for the actlearn family (paper activations with
-- learnable parameters, src/ops/actlearn.c). Values are given where the op
-- has a kink, so that central differences (h = 1e-2) never straddle it;
-- straight-through ops are checked against their surrogate derivative.
local away = {-0.9, -0.55, -0.3, -0.12, 0.15, 0.33, 0.52, 0.71, 0.88, -0.77, 0.44, 0.97}
local pos = {0.6, 0.9, 1.3, 0.75, 1.1, 1.6}

-- fast-sigmoid surrogate of spike with theta = 1, beta = 5
local function fast_sigmoid (x)
  local d = 1 + 5 * math.abs(x - 1)
  return 5 / (d * d)
end

return {
  {op = "poly_relu", inputs = {{shape = {3, 4}, values = away}, {shape = {3}, values = {0.4, -0.3, 0.5}},
   {shape = {1}, values = {0.1}}}},
  {op = "poly_norm", inputs = {{shape = {2, 5}}, {shape = {3}, values = {0.3, 0.5, -0.2}},
   {shape = {1}, values = {0.05}}}},
  {op = "poly_norm", inputs = {{shape = {3, 4}, values = away}, {shape = {2}, values = {0.7, -0.4}},
   {shape = {1}, values = {0}}}, attrs = {eps = 1e-3}},
  {op = "fatrelu", inputs = {{shape = {3, 4}, values = away}}, attrs = {threshold = 0.4}},
  {op = "clipped_relu", inputs = {{shape = {2, 3}, values = {-0.5, 0.3, 1.2, 0.8, -0.1, 0.4}},
   {shape = {3}, values = {0.6, 0.5, 0.9}}}},
  {op = "clipped_relu", inputs = {{shape = {3, 4}, values = away}, {shape = {1}, values = {0.6}}}},
  {op = "dice", inputs = {{shape = {4, 3}}, {shape = {3}, values = {0.2, -0.4, 0.5}},
   {shape = {3}, nograd = true}, {shape = {3}, nograd = true, values = {1, 1, 1}}}, training = true},
  {op = "dice", inputs = {{shape = {2, 2, 3}}, {shape = {2}, values = {0.3, 0.1}},
   {shape = {2}, nograd = true, values = {0.1, -0.2}}, {shape = {2}, nograd = true, values = {0.8, 1.2}}}},
  {op = "ash", inputs = {{shape = {2, 5}}, {shape = {1}, values = {1.5}}, {shape = {1}, values = {0.4}}}},
  {op = "ash", inputs = {{shape = {3, 2, 2}}, {shape = {1}, values = {2}}}, attrs = {k = 0.25}},
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
  {op = "rbf", inputs = {{shape = {2, 3}}, {shape = {3}, values = {0.1, -0.2, 0.3}}, {shape = {3}, values = {0.7, 1.1, 0.9}}}},
  {op = "rbf", inputs = {{shape = {3, 2}}, {shape = {1}, values = {0.2}}, {shape = {1}, values = {0.8}}}},
  {op = "rbf_kernel", inputs = {{shape = {3, 2}}, {shape = {4, 2}}, {shape = {4}, values = {0.8, 1.2, 0.6, 1.0}}}},
  {op = "eml", inputs = {{shape = {2, 3}}, {shape = {2, 3}, values = pos}}},
  {op = "tau_gate", inputs = {{shape = {2, 3}}, {shape = {3}, values = {0.1, -0.2, 0.3}},
   {shape = {3}, values = {1.2, 0.8, 1}}}, attrs = {mode = "sigmoid", temperature = 0.5}},
  {op = "tau_gate", inputs = {{shape = {3, 4}, values = away}, {shape = {1}, values = {0.02}},
   {shape = {4}, values = {1.5, 0.5, 1, 2}}}},
  {op = "series_informed", inputs = {{shape = {3, 4}}, {shape = {4}, values = {0.25, 0.3, 0.2, 0.25}},
   {shape = {4}, values = {-1, -0.3, 0.3, 1}}}},
  {op = "kwta", inputs = {{shape = {2, 5}, values = {0.1, 0.9, -0.4, 0.5, 0.3, -0.8, 0.2, 0.7, 0.6, -0.1}}},
   attrs = {k = 2}},
  {op = "kwta", inputs = {{shape = {2, 2, 2}, values = {0.1, 0.9, -0.4, 0.5, 0.3, -0.8, 0.2, 0.7}}},
   attrs = {frac = 0.5}},
  {op = "soft_threshold_lif", inputs = {{shape = {2, 4, 3}}, {shape = {1}, values = {0.8}}}, lo = -1, hi = 2},
  {op = "soft_threshold_lif", inputs = {{shape = {1, 3, 2}}, {shape = {2}, values = {0.5, 1.5}}},
   attrs = {theta = 0.5, beta = 0.8}},
  {op = "activation_l1", inputs = {{shape = {3, 4}, values = away}}, attrs = {lambda = 0.5}},
  {op = "activation_l1", inputs = {{shape = {3, 4}, values = away}, {shape = {1}, values = {0.7}}},
   attrs = {lambda = 2, reduction = "sum"}},
  {op = "activation_l1", inputs = {{shape = {2, 3}, values = away}}, attrs = {reduction = "none"}},
}
