-- Gradient-check cases for the products of src/ops/products.c.
return {
  {op = "matmul", inputs = {{shape = {2, 3, 4}}, {shape = {4, 5}}}},
  {op = "linear", inputs = {{shape = {3, 4}}, {shape = {5, 4}}, {shape = {5}}}},
  {op = "embedding", inputs = {{shape = {4}, int = {0, 2, 2, 1}}, {shape = {3, 5}}}},
}
