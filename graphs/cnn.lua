-- graphs/cnn.lua: the small CNN for 28x28 gray images:
-- conv5x5x32 pad 2 - relu - maxpool 2 - conv5x5x64 pad 2 - relu - maxpool 2
-- - fc 1024 - relu - fc classes.
--   local net = require "graphs.cnn"(g, {classes = 10})
local nn = require "luanet.nn"

return function (g, opt)
  opt = opt or {}
  local c, hw = opt.channels or 1, opt.size or 28
  local x = opt.input or g:input("x", {"B", c, hw, hw})
  local h = nn.Conv2d(c, 32, 5, {padding = 2})(x):relu():max_pool2d(2)
  h = nn.Conv2d(32, 64, 5, {padding = 2})(h):relu():max_pool2d(2)
  local side = hw // 4
  h = h:flatten(2)
  h = nn.Linear(64 * side * side, opt.hidden or 1024)(h):relu()
  if opt.dropout and opt.dropout > 0 then h = h:dropout(opt.dropout) end
  local logits = nn.Linear(opt.hidden or 1024, opt.classes or 10)(h)
  return {input = x, output = logits}
end
