-- Gradient-check cases for the reductions of src/ops/reduce.c.
return {
  {op = "sum", inputs = {{shape = {2, 3, 4}}}, attrs = {axes = {2}, keepdim = true}},
  {op = "mean", inputs = {{shape = {2, 3, 4}}}, attrs = {axes = {1, 3}}},
  {op = "max", inputs = {{shape = {2, 3}, values = {1, 5, 2, -1, 0.5, 3}}}, attrs = {axes = {2}}},
  {op = "var", inputs = {{shape = {3, 4}}}, attrs = {axes = {-1}}},
}
