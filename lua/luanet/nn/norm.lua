-- luanet.nn normalisation layers: BatchNorm, LayerNorm, RMSNorm, GroupNorm,
-- InstanceNorm, EvoNorm B0 / S0 (Liu et al. 2020), and FiLM (feature-wise
-- modulation by a conditioning input, Perez et al. 2017). Scales start
-- at ones, shifts at zeros, running statistics at mean 0 and variance 1.
local B = require "luanet.nn.base"
local M = {}

-- the parameters of an affine normalisation over 'shape' (a field):
-- gamma ".weight" (ones) and beta ".bias" (zeros), each when 'when'
local function affine (shape, when_gamma, when_beta)
  return {"gamma", "weight", shape, "ones", when = when_gamma},
         {"beta", "bias", shape, "zeros", when = when_beta}
end

-- BatchNorm(channels, {eps = 1e-5, momentum = 0.1, ghost = 0}): over [N, C]
-- or [N, C, H, W]; ghost = S > 0 takes training statistics per run of S
-- samples (ghost batch norm; the per-worker statistics of data-parallel
-- training)
local gamma, beta = affine("channels")
M.BatchNorm = B.layer{
  name = "BatchNorm", prefix = "bn", op = "batch_norm",
  args = {"channels"},
  opts = {eps = 1e-5, momentum = 0.1, ghost = 0},
  check = function (self)
    if math.type(self.ghost) ~= "integer" or self.ghost < 0 then
      error("BatchNorm: ghost must be an integer >= 0 (0: the whole batch), got " ..
            tostring(self.ghost), 3)
    end
  end,
  params = {gamma, beta,
            {"running_mean", "running_mean", "channels", buffer = 0},
            {"running_var", "running_var", "channels", buffer = 1}},
  attrs = {"eps", "momentum", "ghost"},
  tostring = function (b)
    return string.format("BatchNorm(%d%s)", b.channels, b.ghost > 0 and ", ghost " .. b.ghost or "")
  end,
}
M.BatchNorm2d, M.BatchNorm1d = M.BatchNorm, M.BatchNorm

-- LayerNorm and RMSNorm: normalized_shape (a number or a list) over the
-- trailing dims; affine (alias elementwise_affine)
local normalized_shape = {"shape", "normalized_shape", check = B.shape_list}
local function affine_opt (self, opt)
  self.affine = opt.affine ~= false and opt.elementwise_affine ~= false
end
local function dims_eps (self) return {dims = #self.shape, eps = self.eps} end

-- LayerNorm(normalized_shape, {eps = 1e-5, affine = true, bias = true})
M.LayerNorm = B.layer{
  name = "LayerNorm", prefix = "layernorm", op = "layer_norm",
  args = {normalized_shape},
  opts = {eps = 1e-5},
  check = function (self, opt) affine_opt(self, opt); self.bias = opt.bias ~= false end,
  params = {affine("shape", "affine", function (s) return s.affine and s.bias end)},
  attrs = dims_eps,
  tostring = function (l)
    return string.format("LayerNorm(%s%s)", table.concat(l.shape, "x"), l.affine and "" or ", no affine")
  end,
}

-- RMSNorm(normalized_shape, {eps = 1e-6, affine = true}): gamma ones
M.RMSNorm = B.layer{
  name = "RMSNorm", prefix = "rmsnorm", op = "rms_norm",
  args = {normalized_shape},
  opts = {eps = 1e-6},
  check = affine_opt,
  params = {(affine("shape", "affine"))},
  attrs = dims_eps,
  tostring = function (l) return string.format("RMSNorm(%s)", table.concat(l.shape, "x")) end,
}

-- GroupNorm(num_groups, num_channels, {eps = 1e-5, affine = true}), as
-- PyTorch's (groups must divide the channels)
M.GroupNorm = B.layer{
  name = "GroupNorm", prefix = "groupnorm", op = "group_norm",
  args = {{"groups", "num_groups"}, {"channels", "num_channels"}},
  opts = {eps = 1e-5},
  check = function (self, opt)
    if self.channels % self.groups ~= 0 then
      error(string.format("GroupNorm: %d groups do not divide %d channels", self.groups,
                          self.channels), 3)
    end
    self.affine = opt.affine ~= false
  end,
  params = {affine("channels", "affine", "affine")},
  attrs = {"groups", "eps"},
  tostring = function (l) return string.format("GroupNorm(%d, %d)", l.groups, l.channels) end,
}

-- InstanceNorm(num_features, {eps = 1e-5, affine = false}): PyTorch's
-- InstanceNorm2d defaults (no running statistics)
M.InstanceNorm = B.layer{
  name = "InstanceNorm", prefix = "instancenorm", op = "instance_norm",
  args = {{"channels", "num_features"}},
  opts = {eps = 1e-5},
  check = function (self, opt) self.affine = opt.affine == true end,
  params = {affine("channels", "affine", "affine")},
  attrs = {"eps"},
  tostring = function (l) return string.format("InstanceNorm(%d)", l.channels) end,
}
M.InstanceNorm2d, M.InstanceNorm1d = M.InstanceNorm, M.InstanceNorm

-- EvoNormB0(channels, {eps = 1e-5, momentum = 0.1}) and EvoNormS0(channels,
-- {groups = 32, eps = 1e-5}) (Liu et al. 2020): gamma ones, beta zeros,
-- v1 ones as in the reference code; B0 keeps running_var (ones) for eval.
-- S0's groups: 32, or the largest divisor of the channels below it.
local v1 = {"v1", "v1", "channels", "ones"}
M.EvoNormB0 = B.layer{
  name = "EvoNormB0", prefix = "evonormb0", op = "evonorm_b0",
  args = {"channels"},
  opts = {eps = 1e-5, momentum = 0.1},
  params = {gamma, beta, v1, {"running_var", "running_var", "channels", buffer = 1}},
  attrs = {"eps", "momentum"},
  tostring = function (l) return string.format("EvoNormB0(%d)", l.channels) end,
}

M.EvoNormS0 = B.layer{
  name = "EvoNormS0", prefix = "evonorms0", op = "evonorm_s0",
  args = {"channels"},
  opts = {groups = 32, eps = 1e-5},
  check = function (self)
    B.positive_int(self.groups, "EvoNormS0: groups", 4)
    while self.groups > 1 and self.channels % self.groups ~= 0 do self.groups = self.groups - 1 end
  end,
  params = {gamma, beta, v1},
  attrs = {"groups", "eps"},
  tostring = function (l) return string.format("EvoNormS0(%d, groups %d)", l.channels, l.groups) end,
}

-- FiLM(cond_dim, channels): film(x, z) = gamma(z) * x + beta(z) per sample
-- and channel, gamma and beta two Linear maps of the conditioning z
-- [B, cond_dim] (Perez et al. 2017); gamma's bias starts at 1, so a fresh
-- layer is near the identity. Call as layer(x, z).
local FiLM = B.class("FiLM")
FiLM.__call = function (self, x, z) return self:build(x, z) end
M.FiLM = function (cond_dim, channels, opt)
  B.positive_int(cond_dim, "FiLM: cond_dim")
  B.positive_int(channels, "FiLM: channels")
  opt = opt or {}
  return setmetatable({cond_dim = cond_dim, channels = channels, name = opt.name}, FiLM)
end
function FiLM:build (x, z)
  B.check_node(x, "FiLM")
  B.check_node(z, "FiLM (conditioning z)")
  local g = x.graph
  local name = self.name or g:unique("film")
  local bound = 1 / math.sqrt(self.cond_dim)
  self.wg = g:param(name .. ".gamma.weight", {self.channels, self.cond_dim}, "torch_default")
  self.bg = g:param(name .. ".gamma.bias", {self.channels}, "ones")
  self.wb = g:param(name .. ".beta.weight", {self.channels, self.cond_dim}, "torch_default")
  self.bb = g:param(name .. ".beta.bias", {self.channels}, "uniform", bound)
  return g:op("film", x, g:op("linear", z, self.wg, self.bg), g:op("linear", z, self.wb, self.bb))
end
FiLM.__tostring = function (l) return string.format("FiLM(%d -> %d channels)", l.cond_dim, l.channels) end

return M
