-- Gradient-check cases for the activations with learnable parameters
-- (src/ops/actlearn.c). Values are given where the op has a kink, so that
-- central differences (h = 1e-2) never straddle it.
local away = {-0.9, -0.55, -0.3, -0.12, 0.15, 0.33, 0.52, 0.71, 0.88, -0.77, 0.44, 0.97}
local wide = {-1.3, -0.7, -0.25, 0.2, 0.45, 1.1, -0.9, 0.8, 1.6, -1.8, 0.15, -0.35}

return {
  {op = "prelu", inputs = {{shape = {2, 3, 2}, values = wide}, {shape = {3}, values = {0.25, -0.5, 1.5}}}},
  {op = "prelu", inputs = {{shape = {4, 3}, values = wide}, {shape = {1}, values = {0.3}}}},
  {op = "swish", inputs = {{shape = {2, 3, 2}}, {shape = {3}, values = {1, 0.5, -1.5}}}, lo = -3, hi = 3},
  {op = "swish", inputs = {{shape = {4, 3}}, {shape = {1}, values = {1.3}}}, lo = -3, hi = 3},
  {op = "poly_relu", inputs = {{shape = {3, 4}, values = away}, {shape = {3}, values = {0.4, -0.3, 0.5}},
   {shape = {1}, values = {0.1}}}},
  {op = "poly_norm", inputs = {{shape = {2, 5}}, {shape = {3}, values = {0.3, 0.5, -0.2}},
   {shape = {1}, values = {0.05}}}},
  {op = "poly_norm", inputs = {{shape = {3, 4}, values = away}, {shape = {2}, values = {0.7, -0.4}},
   {shape = {1}, values = {0}}}, attrs = {eps = 1e-3}},
  {op = "clipped_relu", inputs = {{shape = {2, 3}, values = {-0.5, 0.3, 1.2, 0.8, -0.1, 0.4}},
   {shape = {3}, values = {0.6, 0.5, 0.9}}}},
  {op = "clipped_relu", inputs = {{shape = {3, 4}, values = away}, {shape = {1}, values = {0.6}}}},
  {op = "dice", inputs = {{shape = {4, 3}}, {shape = {3}, values = {0.2, -0.4, 0.5}},
   {shape = {3}, nograd = true}, {shape = {3}, nograd = true, values = {1, 1, 1}}}, training = true},
  {op = "dice", inputs = {{shape = {2, 2, 3}}, {shape = {2}, values = {0.3, 0.1}},
   {shape = {2}, nograd = true, values = {0.1, -0.2}}, {shape = {2}, nograd = true, values = {0.8, 1.2}}}},
  {op = "ash", inputs = {{shape = {2, 5}}, {shape = {1}, values = {1.5}}, {shape = {1}, values = {0.4}}}},
  {op = "ash", inputs = {{shape = {3, 2, 2}}, {shape = {1}, values = {2}}}, attrs = {k = 0.25}},
  {op = "rbf", inputs = {{shape = {2, 3}}, {shape = {3}, values = {0.1, -0.2, 0.3}}, {shape = {3}, values = {0.7, 1.1, 0.9}}}},
  {op = "rbf", inputs = {{shape = {3, 2}}, {shape = {1}, values = {0.2}}, {shape = {1}, values = {0.8}}}},
  {op = "rbf_kernel", inputs = {{shape = {3, 2}}, {shape = {4, 2}}, {shape = {4}, values = {0.8, 1.2, 0.6, 1.0}}}},
  {op = "tau_gate", inputs = {{shape = {2, 3}}, {shape = {3}, values = {0.1, -0.2, 0.3}},
   {shape = {3}, values = {1.2, 0.8, 1}}}, attrs = {mode = "sigmoid", temperature = 0.5}},
  {op = "tau_gate", inputs = {{shape = {3, 4}, values = away}, {shape = {1}, values = {0.02}},
   {shape = {4}, values = {1.5, 0.5, 1, 2}}}},
  {op = "series_informed", inputs = {{shape = {3, 4}}, {shape = {4}, values = {0.25, 0.3, 0.2, 0.25}},
   {shape = {4}, values = {-1, -0.3, 0.3, 1}}}},
  {op = "soft_threshold_lif", inputs = {{shape = {2, 4, 3}}, {shape = {1}, values = {0.8}}}, lo = -1, hi = 2},
  {op = "soft_threshold_lif", inputs = {{shape = {1, 3, 2}}, {shape = {2}, values = {0.5, 1.5}}},
   attrs = {theta = 0.5, beta = 0.8}},
}
