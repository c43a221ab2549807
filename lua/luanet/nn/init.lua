-- luanet.nn: layers that build nodes on a graph. A layer is called on a
-- node and returns the output node: ln.nn.Linear(784, 512)(x):relu().
-- Parameters are created on the input's graph with PyTorch's default
-- initialisation (or the paper's) and named "<layer><k>.weight" / ".bias".
-- One file per family, all names gathered here:
--   base.lua       checks, the layer class, declarative layers with parameters
--   linear.lua     Linear, Quadratic, CosNet, NobleLinear
--   conv.lua       Conv2d, MaxPool2d, AvgPool2d, Flatten
--   norm.lua       BatchNorm, LayerNorm, RMSNorm, GroupNorm, InstanceNorm,
--                  EvoNormB0, EvoNormS0, FiLM
--   act.lua        ReLU, GELU, ... (PyTorch's activations), PReLU, Swish,
--                  Dropout, AlphaDropout
--   actlearn.lua   paper activations with parameters: PolyReLU, PolyNorm,
--                  ClippedReLU, Dice, ASH, RBF, Gating, SeriesInformed,
--                  SoftThresholdLIF (and probit)
--   kan.lua        KAN (every variant)
--   container.lua  Sequential, AugmentedShortcut
-- JointLabel (luanet.augment) and soft_infonce_weights (luanet.losses)
-- are reachable here too under their former names.
local M = {}

for _, family in ipairs{"linear", "conv", "norm", "act", "actlearn", "kan", "container"} do
  for k, v in pairs(require("luanet.nn." .. family)) do
    assert(M[k] == nil, "luanet.nn: " .. k .. " defined twice")
    M[k] = v
  end
end

M.JointLabel = require("luanet.augment").JointLabel
M.soft_infonce_weights = require("luanet.losses").soft_infonce_weights

return M
