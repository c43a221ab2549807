-- graphs/mlp.lua: a multi-layer perceptron on flat inputs.
--   local build = require "graphs.mlp"
--   local net = build(g, {input = x, sizes = {784, 1024, 1024, 10}})
-- Returns {input = x, output = logits, layers = {...}}; ReLU between
-- layers, optional dropout after each hidden activation.
local nn = require "luanet.nn"

return function (g, opt)
  opt = opt or {}
  local sizes = opt.sizes or {784, 1024, 1024, 10}
  local x = opt.input or g:input("x", {"B", sizes[1]})
  local h, layers = x, {}
  for i = 1, #sizes - 1 do
    local layer = nn.Linear(sizes[i], sizes[i + 1])
    layers[#layers + 1] = layer
    h = layer(h)
    if i < #sizes - 1 then
      h = h:relu()
      if opt.dropout and opt.dropout > 0 then h = h:dropout(opt.dropout) end
    end
  end
  return {input = x, output = h, layers = layers}
end
