-- Gradient-check cases for the ops of src/ops/shape.c that move elements.
return {
  {op = "reshape", inputs = {{shape = {2, 6}}}, attrs = {shape = {3, -1}}},
  {op = "flatten", inputs = {{shape = {2, 3, 2}}}},
  {op = "transpose", inputs = {{shape = {2, 3, 4}}}, attrs = {dim0 = 1, dim1 = 3}},
  {op = "permute", inputs = {{shape = {2, 3, 4}}}, attrs = {perm = {3, 1, 2}}},
  {op = "slice", inputs = {{shape = {5, 3}}}, attrs = {axis = 1, start = 2, stop = 4}},
  {op = "concat", inputs = {{shape = {2, 3}}, {shape = {2, 2}}}, attrs = {axis = 2}},
}
