-- Gradient-check cases for the normalisations of src/ops/norm.c beyond
-- batch_norm (which is in core.lua): layer_norm, rms_norm, group_norm,
-- instance_norm, evonorm_b0, evonorm_s0, film.

-- evonorm_b0 switches between its batch and instance branches at
-- max(a, b): with these inputs and v1 = {1.5, -0.7}, half of the elements
-- take each branch and every one is at least 0.38 away from the switch
-- (found by a small search), so central differences stay on one branch
local b0_x = {0.9, 0.85, -0.2, 0.7, 0.6, -0.8, -0.7, -0.65, 0.85, 0.95, -0.55, 0.9,
              0.65, -0.8, 0.7, -0.65, -0.2, -0.5, 0.55, -0.15, 0.5, 0.5, 0.25, 0.75}

return {
  {op = "batch_norm", inputs = {{shape = {4, 3, 2, 2}}, {shape = {3}}, {shape = {3}},
   {shape = {3}, nograd = true}, {shape = {3}, nograd = true, values = {1, 1, 1}}}, training = true},
  {op = "batch_norm", inputs = {{shape = {5, 2, 3, 1}}, {shape = {2}}, {shape = {2}},
   {shape = {2}, nograd = true}, {shape = {2}, nograd = true, values = {1, 1}}}, training = true,
   attrs = {ghost = 2}},
  {op = "layer_norm", inputs = {{shape = {3, 4}}, {shape = {4}}, {shape = {4}}}},
  {op = "layer_norm", inputs = {{shape = {2, 3, 4}}, {shape = {3, 4}}}, attrs = {dims = 2}},
  {op = "layer_norm", inputs = {{shape = {4, 5}}}},
  {op = "rms_norm", inputs = {{shape = {3, 5}}, {shape = {5}}}},
  {op = "rms_norm", inputs = {{shape = {2, 2, 3}}}, attrs = {dims = 2}},
  {op = "group_norm", inputs = {{shape = {2, 4, 3, 3}}, {shape = {4}}, {shape = {4}}},
   attrs = {groups = 2}},
  {op = "group_norm", inputs = {{shape = {3, 6, 3}}}, attrs = {groups = 3}},
  {op = "instance_norm", inputs = {{shape = {2, 3, 2, 2}}, {shape = {3}}, {shape = {3}}}},
  {op = "evonorm_b0", inputs = {{shape = {3, 2, 2, 2}, values = b0_x},
   {shape = {2}, values = {1.2, 0.8}}, {shape = {2}},
   {shape = {2}, values = {1.5, -0.7}}, {shape = {2}, nograd = true, values = {1, 1}}},
   training = true},
  {op = "evonorm_b0", inputs = {{shape = {3, 2, 2, 2}, values = b0_x},
   {shape = {2}, values = {1.2, 0.8}}, {shape = {2}},
   {shape = {2}, values = {1.5, -0.7}}, {shape = {2}, nograd = true, values = {0.3, 0.5}}}},
  {op = "evonorm_s0", inputs = {{shape = {2, 4, 2, 2}}, {shape = {4}}, {shape = {4}},
   {shape = {4}}}, attrs = {groups = 2}},
  {op = "film", inputs = {{shape = {2, 3, 2, 2}}, {shape = {2, 3}}, {shape = {2, 3}}}},
  {op = "film", inputs = {{shape = {2, 3}}, {shape = {2, 3}}}},
}
