-- Gradient-check cases for convolution and pooling (src/ops/conv.c).
local cases = {
  {op = "conv2d", inputs = {{shape = {2, 4, 5, 5}}, {shape = {6, 2, 3, 3}}, {shape = {6}}},
   attrs = {stride = 2, padding = 1, dilation = 1, groups = 2}},
  {op = "max_pool2d", inputs = {{shape = {1, 2, 4, 4}}}, attrs = {kernel = 2}},
  {op = "avg_pool2d", inputs = {{shape = {1, 2, 5, 5}}}, attrs = {kernel = 3, stride = 2, padding = 1}},
}
-- max_pool2d: distinct values so that no window has a tie
for _, c in ipairs(cases) do
  if c.op == "max_pool2d" then
    c.inputs[1].values = {}
    for k = 1, 32 do c.inputs[1].values[k] = ((k * 37) % 32) / 16 - 1 end
  end
end
return cases
