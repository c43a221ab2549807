-- Gradient-check cases for the core ops (elem, reduce, shape, nn, conv,
-- norm families). Each file in spec/cases/ returns a list of cases for
-- spec/support/gradcheck.lua; spec/ops_spec.lua runs them all.
local pos = {lo = 0.5, hi = 2}       -- for log, sqrt, pow, division
local cases = {
  {op = "neg", inputs = {{shape = {3, 4}}}},
  {op = "abs", inputs = {{shape = {3, 4}, values = {-2, -1.5, -0.7, -0.3, 0.3, 0.6, 0.9, 1.2, 1.5, -1.1, 0.4, 2}}}},
  {op = "exp", inputs = {{shape = {3, 4}}}},
  {op = "log", inputs = {{shape = {3, 4}}}, lo = pos.lo, hi = pos.hi},
  {op = "sqrt", inputs = {{shape = {3, 4}}}, lo = pos.lo, hi = pos.hi},
  {op = "square", inputs = {{shape = {3, 4}}}},
  {op = "relu", inputs = {{shape = {2, 3}, values = {-1, -0.5, 0.25, 0.5, 1, -2}}}},
  {op = "sigmoid", inputs = {{shape = {3, 4}}}},
  {op = "tanh", inputs = {{shape = {3, 4}}}},
  {op = "pow", inputs = {{shape = {3, 4}}}, attrs = {p = 3}, lo = pos.lo, hi = pos.hi},
  {op = "clamp", inputs = {{shape = {2, 3}, values = {-2, -0.3, 0.2, 0.4, 1.5, 0.9}}}, attrs = {min = -0.5, max = 0.5}},
  {op = "add_scalar", inputs = {{shape = {5}}}, attrs = {c = 2}},
  {op = "mul_scalar", inputs = {{shape = {5}}}, attrs = {c = -3}},
  {op = "rdiv_scalar", inputs = {{shape = {5}}}, attrs = {c = 2}, lo = pos.lo, hi = pos.hi},
  {op = "add", inputs = {{shape = {3, 4}}, {shape = {4}}}},
  {op = "sub", inputs = {{shape = {2, 1, 3}}, {shape = {4, 1}}}},
  {op = "mul", inputs = {{shape = {3, 4}}, {shape = {3, 1}}}},
  {op = "div", inputs = {{shape = {3, 4}}, {shape = {4}}}, lo = pos.lo, hi = pos.hi},
  {op = "maximum", inputs = {{shape = {2, 2}, values = {1, -1, 0.5, 2}}, {shape = {2, 2}, values = {0, 0.3, 1.5, -1}}}},
  {op = "minimum", inputs = {{shape = {2, 2}, values = {1, -1, 0.5, 2}}, {shape = {2, 2}, values = {0, 0.3, 1.5, -1}}}},
  {op = "sum", inputs = {{shape = {2, 3, 4}}}, attrs = {axes = {2}, keepdim = true}},
  {op = "mean", inputs = {{shape = {2, 3, 4}}}, attrs = {axes = {1, 3}}},
  {op = "max", inputs = {{shape = {2, 3}, values = {1, 5, 2, -1, 0.5, 3}}}, attrs = {axes = {2}}},
  {op = "var", inputs = {{shape = {3, 4}}}, attrs = {axes = {-1}}},
  {op = "reshape", inputs = {{shape = {2, 6}}}, attrs = {shape = {3, -1}}},
  {op = "flatten", inputs = {{shape = {2, 3, 2}}}},
  {op = "transpose", inputs = {{shape = {2, 3, 4}}}, attrs = {dim0 = 1, dim1 = 3}},
  {op = "permute", inputs = {{shape = {2, 3, 4}}}, attrs = {perm = {3, 1, 2}}},
  {op = "slice", inputs = {{shape = {5, 3}}}, attrs = {axis = 1, start = 2, stop = 4}},
  {op = "concat", inputs = {{shape = {2, 3}}, {shape = {2, 2}}}, attrs = {axis = 2}},
  {op = "matmul", inputs = {{shape = {2, 3, 4}}, {shape = {4, 5}}}},
  {op = "linear", inputs = {{shape = {3, 4}}, {shape = {5, 4}}, {shape = {5}}}},
  {op = "embedding", inputs = {{shape = {4}, int = {0, 2, 2, 1}}, {shape = {3, 5}}}},
  {op = "softmax", inputs = {{shape = {3, 5}}}},
  {op = "log_softmax", inputs = {{shape = {3, 5}}}, attrs = {axis = 1}},
  {op = "cross_entropy", inputs = {{shape = {4, 5}}, {shape = {4}, int = {0, 4, 2, 2}}},
   attrs = {label_smoothing = 0.1}},
  {op = "mse", inputs = {{shape = {3, 4}}, {shape = {3, 4}}}},
  {op = "dropout", inputs = {{shape = {4, 5}}}, attrs = {p = 0.3}, training = true, reseed = 7},
  {op = "conv2d", inputs = {{shape = {2, 4, 5, 5}}, {shape = {6, 2, 3, 3}}, {shape = {6}}},
   attrs = {stride = 2, padding = 1, dilation = 1, groups = 2}},
  {op = "max_pool2d", inputs = {{shape = {1, 2, 4, 4}}}, attrs = {kernel = 2}},
  {op = "avg_pool2d", inputs = {{shape = {1, 2, 5, 5}}}, attrs = {kernel = 3, stride = 2, padding = 1}},
  {op = "batch_norm", inputs = {{shape = {4, 3, 2, 2}}, {shape = {3}}, {shape = {3}},
   {shape = {3}, nograd = true}, {shape = {3}, nograd = true, values = {1, 1, 1}}}, training = true},
  {op = "batch_norm", inputs = {{shape = {5, 2, 3, 1}}, {shape = {2}}, {shape = {2}},
   {shape = {2}, nograd = true}, {shape = {2}, nograd = true, values = {1, 1}}}, training = true,
   attrs = {ghost = 2}},
}
-- max_pool2d: distinct values so that no window has a tie
for _, c in ipairs(cases) do
  if c.op == "max_pool2d" then
    c.inputs[1].values = {}
    for k = 1, 32 do c.inputs[1].values[k] = ((k * 37) % 32) / 16 - 1 end
  end
end
return cases
