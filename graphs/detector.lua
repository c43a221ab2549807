-- graphs/detector.lua: a small single-stage detector on a centre grid.
-- A CNN backbone (stride 4) feeds two 3x3 heads on every grid cell:
-- class logits (background + K classes) and a box (dx, dy, log w, log h):
-- the box centre is the cell centre + stride * (dx, dy), its size
-- 'anchor' * exp(log w), exp(log h). Cells near an object's centre are its
-- positives, so an object gets several nearby predictions, which NMS or
-- Soft-NMS must sort out.
--   local net = require "graphs.detector"(g, {classes = 3, size = 64, train = true})
--   net.loss, net.cls (B x (K+1) x S x S logits), net.probs, net.box
-- With 'train', the graph also takes the targets (see M.targets in
-- examples/detect.lua): labels (B x S*S int32, 0 = background), cls_w (B x
-- S*S, weights of the per-cell cross-entropy), box_t (B x 4 x S x S) and
-- box_w (B x 1 x S x S, weights of the per-cell smooth-L1); the loss is
-- sum(cls_w * CE) + box_weight * sum(box_w * smooth_l1(box - box_t)).
local nn = require "luanet.nn"

-- Huber / smooth-L1 with threshold beta, from engine ops: with
-- a = |d| and q = min(a, beta): 0.5 q^2 / beta + (a - q) equals 0.5 d^2 / beta
-- for |d| < beta and |d| - beta / 2 beyond. Kept in one function so an
-- engine smooth_l1 op can replace it.
local function smooth_l1 (d, beta)
  beta = beta or 1
  local a = d:abs()
  local q = a:clamp(-3.4e38, beta)
  return q:square():mul_scalar(0.5 / beta) + (a - q)
end

local function conv (c_in, c_out, x)
  return nn.Conv2d(c_in, c_out, 3, {padding = 1})(x)
end

local builder = {}
builder.smooth_l1 = smooth_l1
builder.stride = 4

setmetatable(builder, {__call = function (_, g, opt)
  opt = opt or {}
  local K, size, w = opt.classes or 3, opt.size or 64, opt.width or 32
  local S = size // 4
  local x = g:input("x", {"B", 3, size, size})
  local h = conv(3, w // 2, x):relu():max_pool2d(2)
  h = conv(w // 2, w, h):relu():max_pool2d(2)
  h = conv(w, 2 * w, h):relu()
  h = conv(2 * w, 2 * w, h):relu()
  local cls = conv(2 * w, K + 1, h)
  local box = conv(2 * w, 4, h)
  local net = {input = x, cls = cls, box = box, probs = cls:softmax(2), grid = S,
               stride = 4, classes = K}
  if opt.train then
    local labels = g:input("labels", {"B", S * S}, "int32")
    local cls_w = g:input("cls_w", {"B", S * S})
    local box_t = g:input("box_t", {"B", 4, S, S})
    local box_w = g:input("box_w", {"B", 1, S, S})
    local logits = cls:permute({1, 3, 4, 2}):reshape({-1, K + 1})
    local ce = logits:cross_entropy(labels:reshape({-1}), {reduction = "none"})
    local loss_cls = (ce * cls_w:reshape({-1})):sum()
    local loss_box = (smooth_l1(box - box_t, opt.beta or 1) * box_w):sum()
    net.loss_cls, net.loss_box = loss_cls, loss_box
    net.loss = loss_cls + loss_box:mul_scalar(opt.box_weight or 1)
  end
  return net
end})

return builder
