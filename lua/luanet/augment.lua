-- luanet.augment: data augmentation that goes with a model's graph.
--   ln.augment.JointLabel(n_classes, m)   self-supervised label augmentation
local base = require "luanet.nn.base"
local M = {}

-- JointLabel(n_classes, m): Self-supervised Label Augmentation (Lee,
-- Hwang, Shin 2020, arXiv:1910.05872) with the m rotations by 0, 90, 180,
-- 270 degrees (m <= 4): one head over n_classes * m joint labels (class y
-- under rotation r is y * m + r), trained with cross-entropy; at test time
-- the aggregated inference averages the logits z[y * m + r] of the m
-- rotated copies of an input over r before the softmax. The rotations of
-- a sample stay together: the model's input is [B, m, C, H, W] (batch B,
-- so every input of the graph keeps the same batch) and sla:fold(x) turns
-- it into the [B m, C, H, W] batch the network sees (row b m + r).
--   local sla = ln.nn.JointLabel(10, 4)
--   local x = g:input("x", {"B", 4, 1, 28, 28})
--   local yj = g:input("yj", {"B", 4}, "int32")
--   local logits = net(sla:fold(x))                 -- [B 4, 40]
--   loss = sla:loss(logits, yj); outputs = {agg = sla:aggregate(logits)}
--   feeds: {x = sla:augment(xb), yj = sla:labels(yb)}
local JointLabel = {}
JointLabel.__index = JointLabel
M.JointLabel = function (n_classes, m)
  base.positive_int(n_classes, "JointLabel: n_classes")
  base.positive_int(m, "JointLabel: m")
  if m > 4 then error("JointLabel: m must be at most 4 (rotations by 90 degrees), got " .. m, 2) end
  return setmetatable({n_classes = n_classes, m = m, n_joint = n_classes * m, perms = {}}, JointLabel)
end
JointLabel.__tostring = function (s)
  return string.format("JointLabel(%d classes x %d rotations = %d joint labels)", s.n_classes, s.m, s.n_joint)
end

-- the permutation matrix P [HW, HW] with (x viewed [.., HW]) x P = x rotated
-- by r quarter turns counter-clockwise (torch.rot90(x, r, (2, 3)))
local function rot_matrix (hw, r)
  local ln = require "luanet"
  local P = ln.zeros{hw * hw, hw * hw}
  for i = 0, hw - 1 do
    for j = 0, hw - 1 do
      local si, sj = i, j                  -- out[i][j] = x[src(i, j)]
      for _ = 1, r do si, sj = sj, hw - 1 - si end
      P:set(1, si * hw + sj + 1, i * hw + j + 1)
    end
  end
  return P
end

-- images [B, C, H, W] (H = W) -> [B, m, C, H, W]: rotation r of sample b at [b, r]
function JointLabel:augment (x)
  local ln = require "luanet"
  local s = x:shape()
  if #s ~= 4 or s[3] ~= s[4] then
    error("JointLabel:augment: images must be [B, C, H, W] with H = W, got " .. table.concat(s, "x"), 2)
  end
  local flat = x:clone{s[1] * s[2], s[3] * s[4]}
  local parts = {}
  for r = 0, self.m - 1 do
    local key = s[3] .. ":" .. r
    if r > 0 then self.perms[key] = self.perms[key] or rot_matrix(s[3], r) end
    parts[r + 1] = (r == 0 and flat or flat:matmul(self.perms[key])):clone{s[1], 1, s[2], s[3], s[4]}
  end
  return self.m == 1 and parts[1] or ln.concat(parts, 2)
end

-- a node [B, m, C, H, W] -> [B m, C, H, W] for the network
function JointLabel:fold (x)
  local s = x:info().shape
  return x:reshape{-1, s[3], s[4], s[5]}
end

-- labels int32 [B] -> joint labels [B, m]: y * m + r
function JointLabel:labels (y)
  local ln = require "luanet"
  local v = {}
  for b = 1, #y do
    v[b] = {}
    for r = 0, self.m - 1 do v[b][r + 1] = y:get(b) * self.m + r end
  end
  return ln.tensor(v, "int32")
end

-- the training loss: cross-entropy over the joint labels; logits [B m,
-- n_classes m], yj [B, m] (a node) or already flat [B m]
function JointLabel:loss (logits, yj, opt)
  local shape = yj:info().shape
  if #shape == 2 then yj = yj:reshape{-1} end
  if opt then return logits:cross_entropy(yj, opt) end
  return logits:cross_entropy(yj)
end

-- joint logits [B m, n_classes m] (tensor or node) -> [B, n_classes]: the
-- mean over r of z[b m + r, y m + r]
function JointLabel:aggregate (logits)
  local ln = require "luanet"
  local m, n = self.m, self.n_classes
  local mask = ln.zeros{1, m, 1, m}
  for r = 1, m do mask:set(1 / m, 1, r, 1, r) end
  if ln.is_node(logits) then
    return (logits:reshape{-1, m, n, m} * logits.graph:const(mask)):sum({2, 4})
  end
  local s = logits:shape()
  return (logits:clone{s[1] // m, m, n, m} * mask):sum({2, 4})
end

-- the unrotated copies' class logits z[b m, y m] only, [B, n_classes]
-- (single inference), for tensors
function JointLabel:single (logits)
  local s = logits:shape()
  local B = s[1] // self.m
  return logits:clone{B, self.m, self.n_classes, self.m}:slice(2, 1, 1):slice(4, 1, 1):clone{B, self.n_classes}
end

return M
