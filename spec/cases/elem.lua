-- Gradient-check cases for the elementwise ops of src/ops/elem.c (the
-- unary maps, the broadcasting binary ops, eml, dropout and alpha_dropout).
-- Each file in spec/cases/ returns a list of cases for
-- spec/support/gradcheck.lua; spec/ops_spec.lua runs them all.
local pos = {lo = 0.5, hi = 2}       -- for log, sqrt, pow, division
return {
  {op = "neg", inputs = {{shape = {3, 4}}}},
  {op = "abs", inputs = {{shape = {3, 4}, values = {-2, -1.5, -0.7, -0.3, 0.3, 0.6, 0.9, 1.2, 1.5, -1.1, 0.4, 2}}}},
  {op = "exp", inputs = {{shape = {3, 4}}}},
  {op = "log", inputs = {{shape = {3, 4}}}, lo = pos.lo, hi = pos.hi},
  {op = "sqrt", inputs = {{shape = {3, 4}}}, lo = pos.lo, hi = pos.hi},
  {op = "square", inputs = {{shape = {3, 4}}}},
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
  {op = "eml", inputs = {{shape = {2, 3}}, {shape = {2, 3}, values = {0.6, 0.9, 1.3, 0.75, 1.1, 1.6}}}},
  {op = "dropout", inputs = {{shape = {4, 5}}}, attrs = {p = 0.3}, training = true, reseed = 7},
  {op = "alpha_dropout", inputs = {{shape = {4, 5}}}, attrs = {p = 0.3}, training = true, reseed = 7},
}
