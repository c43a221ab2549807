-- luanet.losses: helpers that go with the loss ops (src/ops/loss.c).
--   ln.losses.soft_infonce_weights(sim, opt)   the weights of soft_infonce
local M = {}

-- soft_infonce_weights(sim, {alpha = 1, beta = 1, t = 1}): the negative
-- weights of Soft-InfoNCE (Li et al. 2023) from an estimator's similarity
-- matrix 'sim' [N, N] (a tensor or a node), as the authors' code computes
-- them: p_ij = softmax over the negatives j != i of sim_ij / t, w_ij =
-- max(0.1, (beta - alpha p_ij) / (beta - alpha / (N - 1))); the diagonal
-- (unused by soft_infonce) is 1. alpha = 0 gives InfoNCE (w = 1).
function M.soft_infonce_weights (sim, opt)
  local ln = require "luanet"
  opt = opt or {}
  local alpha, beta, t = opt.alpha or 1, opt.beta or 1, opt.t or 1
  local shape = ln.is_node(sim) and sim:info().shape or sim:shape()
  local n = shape[1]
  if #shape ~= 2 or shape[2] ~= n or n < 2 then
    error("soft_infonce_weights: sim must be a square matrix [N, N] with N >= 2, got "
          .. table.concat(shape, "x"), 2)
  end
  if beta - alpha / (n - 1) == 0 then error("soft_infonce_weights: beta = alpha / (N - 1)", 2) end
  local mask, eye = ln.zeros{n, n}, ln.zeros{n, n}
  for i = 1, n do mask:set(-1e30, i, i); eye:set(1, i, i) end
  local p
  if ln.is_node(sim) then
    p = (sim * (1 / t) + sim.graph:const(mask)):softmax()
    local w = (p * (-alpha / (beta - alpha / (n - 1))) + beta / (beta - alpha / (n - 1)))
    return w:clamp(0.1, 1e30) * sim.graph:const(1 - eye) + sim.graph:const(eye)
  end
  p = (sim * (1 / t) + mask):softmax()
  local w = p * (-alpha / (beta - alpha / (n - 1))) + beta / (beta - alpha / (n - 1))
  return w:clamp(0.1, 1e30) * (1 - eye) + eye
end

return M
