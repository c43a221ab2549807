-- Gradient-check cases for the KAN family (src/ops/kan.c). Values are
-- chosen away from kinks: rational_kan's |Q| kinks at x = 0, relu_kan's
-- bumps need ordered phases.
local function seq (n, f) local t = {} for k = 1, n do t[k] = f(k) end return t end

-- ReLU-KAN phases for grid 5, order 3 on [-1, 1]: s_k = -1 + (k - 4) 0.4, e = s + 1.6
local function relu_phase (n_in, K)
  local v = {}
  for part = 0, 1 do
    for _ = 1, n_in do
      for k = 1, K do v[#v + 1] = -1 + (k - 4) * 0.4 + part * 1.6 + 0.013 * k end
    end
  end
  return v
end
local af_phase = seq(16, function (k) return k <= 8 and -1 + (k - 4) * 0.4 or -1 + (k - 12) * 0.4 + 1.6 end)

return {
  {op = "kan_bspline", inputs = {{shape = {3, 2}, values = {-0.7, 0.15, 0.52, -0.33, 1.31, -1.44}},
   {shape = {2, 2, 8}}, {shape = {2, 2}}, {shape = {2, 2}}, {shape = {2}}}},
  {op = "kan_bspline", inputs = {{shape = {2, 3}}, {shape = {2, 3, 6}}, {shape = {2, 3}}, {shape = {2, 3}}},
   attrs = {grid = 4, order = 2, lo = -2, hi = 1.5}},
  {op = "relu_kan", inputs = {{shape = {3, 2}}, {shape = {2, 2, 8}}, {shape = {2, 2, 8}, values = relu_phase(2, 8)},
   {shape = {2}}}},
  -- min-max over the batch: x chosen so that the extremes stay apart under
  -- the finite-difference steps (a switch of argmin is a kink)
  {op = "af_kan", inputs = {{shape = {3, 3}, values = {-0.9, 0.35, 0.8, 0.1, -0.45, 0.6, -0.2, 0.95, -0.7}},
   {shape = {2, 8}, values = af_phase},
   {shape = {10}, values = {0.3, -0.2, 0.5, 0.1, -0.4, 0.25, 0.05, -0.15, 0.1, 1.7}},
   {shape = {2, 3}}, {shape = {2, 3}, values = {1.1, 0.9, 1.2, 0.1, -0.2, 0.05}}}},
  {op = "af_kan", inputs = {{shape = {4, 2}}, {shape = {2, 8}, values = af_phase},
   {shape = {10}, values = {0.3, -0.2, 0.5, 0.1, -0.4, 0.25, 0.05, -0.15, 0.1, 0.6}},
   {shape = {3, 2}}}, attrs = {act = "tanh", func = "sum_prod", normalize = 0}},
  {op = "fourier_kan", inputs = {{shape = {3, 2}}, {shape = {2, 2, 6}}, {shape = {2}}}},
  {op = "tru_kan", inputs = {{shape = {3, 2}, values = {-0.9, 0.3, 0.7, -0.1, 0.55, -0.45}},
   {shape = {2, 2, 8}}, {shape = {2}}}},
  {op = "rational_kan", inputs = {{shape = {3, 4}, values = seq(12, function (k) return (k % 2 == 0 and 1 or -1) * (0.2 + 0.07 * k) end)},
   {shape = {2, 6}}, {shape = {2, 4}}, {shape = {3, 4}}, {shape = {3}}}},
  {op = "s_kan", inputs = {{shape = {3, 2}}, {shape = {2, 2, 29}}, {shape = {2, 4}}, {shape = {2}}}},
  {op = "quadratic", inputs = {{shape = {3, 4}}, {shape = {3, 2, 4}}, {shape = {3, 2}}}},
  {op = "cosnet", inputs = {{shape = {3, 4}}, {shape = {4}}, {shape = {4}}, {shape = {4, 4}},
   {shape = {4}}, {shape = {4}}}},
}
