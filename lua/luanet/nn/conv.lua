-- luanet.nn convolution and pooling layers: Conv2d (PyTorch's nn.Conv2d
-- initialisation), MaxPool2d, AvgPool2d, and Flatten after them.
local B = require "luanet.nn.base"
local M = {}

-- a kernel, stride, padding or dilation: a number or a pair {h, w}
local function hw (v)
  if type(v) == "table" then return v[1], v[2] end
  return v, v
end
local function show (v)
  local h, w = hw(v)
  return h == w and tostring(h) or h .. "x" .. w
end

-- Conv2d(c_in, c_out, kernel, {stride = 1, padding = 0, dilation = 1,
-- groups = 1, bias = true}): kernel, stride, padding and dilation a number
-- or a pair {h, w}, as in PyTorch; weight [c_out, c_in / groups, kh, kw]
-- and bias [c_out], both U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in =
-- c_in / groups kh kw
M.Conv2d = B.layer{
  name = "Conv2d", prefix = "conv", op = "conv2d",
  args = {"c_in", "c_out", {"kernel", "kernel", check = function (v, what)
    if type(v) ~= "table" then B.positive_int(v, what, 4); return v end
    if #v ~= 2 then error(what .. " must be a number or a pair {h, w}", 4) end
    B.positive_int(v[1], what .. "[1]", 4)
    B.positive_int(v[2], what .. "[2]", 4)
    return v
  end}},
  opts = {stride = 1, padding = 0, dilation = 1, groups = 1},
  check = function (self, opt)
    self.bias = opt.bias ~= false
    self.kh, self.kw = hw(self.kernel)
    if self.c_in % self.groups ~= 0 or self.c_out % self.groups ~= 0 then
      error("Conv2d: channels " .. self.c_in .. " -> " .. self.c_out ..
            " not divisible by groups " .. self.groups, 3)
    end
  end,
  params = {
    {"weight", "weight", function (s) return {s.c_out, s.c_in // s.groups, s.kh, s.kw} end,
     "torch_default"},
    {"bias_node", "bias", "c_out", "uniform",
     function (s) return 1 / math.sqrt(s.c_in // s.groups * s.kh * s.kw) end, when = "bias"},
  },
  attrs = {"stride", "padding", "dilation", "groups"},
  tostring = function (c)
    local extra = ""
    if show(c.stride) ~= "1" then extra = extra .. ", stride " .. show(c.stride) end
    if show(c.padding) ~= "0" then extra = extra .. ", padding " .. show(c.padding) end
    if show(c.dilation) ~= "1" then extra = extra .. ", dilation " .. show(c.dilation) end
    if c.groups ~= 1 then extra = extra .. ", groups " .. c.groups end
    return string.format("Conv2d(%d -> %d, %dx%d%s)", c.c_in, c.c_out, c.kh, c.kw, extra)
  end,
}

local MaxPool2d = B.simple("MaxPool2d", "max_pool2d", {"kernel", "stride", "padding"})
M.MaxPool2d = function (k, s, p) return setmetatable({kernel = k, stride = s, padding = p}, MaxPool2d) end
local AvgPool2d = B.simple("AvgPool2d", "avg_pool2d", {"kernel", "stride", "padding"})
M.AvgPool2d = function (k, s, p) return setmetatable({kernel = k, stride = s, padding = p}, AvgPool2d) end
local Flatten = B.simple("Flatten", "flatten", {"start_dim"})
M.Flatten = function () return setmetatable({}, Flatten) end

return M
