-- luanet.nn convolution and pooling layers: Conv2d (PyTorch's nn.Conv2d
-- initialisation), MaxPool2d, AvgPool2d, and Flatten after them.
local B = require "luanet.nn.base"
local M = {}

-- Conv2d(c_in, c_out, kernel, {stride = 1, padding = 0, dilation = 1,
-- groups = 1, bias = true}): weight [c_out, c_in / groups, k, k] and bias
-- [c_out], both U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = c_in / groups k k
M.Conv2d = B.layer{
  name = "Conv2d", prefix = "conv", op = "conv2d",
  args = {"c_in", "c_out", "kernel"},
  opts = {stride = 1, padding = 0, dilation = 1, groups = 1},
  check = function (self, opt)
    self.bias = opt.bias ~= false
    if self.c_in % self.groups ~= 0 or self.c_out % self.groups ~= 0 then
      error("Conv2d: channels " .. self.c_in .. " -> " .. self.c_out ..
            " not divisible by groups " .. self.groups, 3)
    end
  end,
  params = {
    {"weight", "weight", function (s) return {s.c_out, s.c_in // s.groups, s.kernel, s.kernel} end,
     "torch_default"},
    {"bias_node", "bias", "c_out", "uniform",
     function (s) return 1 / math.sqrt(s.c_in // s.groups * s.kernel * s.kernel) end, when = "bias"},
  },
  attrs = {"stride", "padding", "dilation", "groups"},
  tostring = function (c)
    local extra = ""
    if c.stride ~= 1 then extra = extra .. ", stride " .. c.stride end
    if c.padding ~= 0 then extra = extra .. ", padding " .. c.padding end
    if c.dilation ~= 1 then extra = extra .. ", dilation " .. c.dilation end
    if c.groups ~= 1 then extra = extra .. ", groups " .. c.groups end
    return string.format("Conv2d(%d -> %d, %dx%d%s)", c.c_in, c.c_out, c.kernel, c.kernel, extra)
  end,
}

local MaxPool2d = B.simple("MaxPool2d", "max_pool2d", {"kernel", "stride", "padding"})
M.MaxPool2d = function (k, s, p) return setmetatable({kernel = k, stride = s, padding = p}, MaxPool2d) end
local AvgPool2d = B.simple("AvgPool2d", "avg_pool2d", {"kernel", "stride", "padding"})
M.AvgPool2d = function (k, s, p) return setmetatable({kernel = k, stride = s, padding = p}, AvgPool2d) end
local Flatten = B.simple("Flatten", "flatten", {"start_dim"})
M.Flatten = function () return setmetatable({}, Flatten) end

return M
