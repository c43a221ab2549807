-- Gradient-check cases for the losses of src/ops/loss.c. Inputs with
-- kinks (l1, hinge and margin losses, stablemax at 0, top-k routing) get
-- explicit values at least 0.05 away from them.
local labels = {0, 4, 2, 2}
local function ramp (n, lo, hi)    -- n values spread over [lo, hi], no repeats
  local v = {}
  for k = 1, n do v[k] = lo + (hi - lo) * (((k * 7) % n) + 0.5) / n end
  return v
end
local probs = ramp(12, 0.05, 0.95)
local away = {}                    -- |x| >= 0.1: stablemax is smooth there
for k, v in ipairs(ramp(20, -2, 2)) do away[k] = v + (v >= 0 and 0.1 or -0.1) end

local away_l1 = {-0.9, -0.55, -0.3, -0.12, 0.15, 0.33, 0.52, 0.71, 0.88, -0.77, 0.44, 0.97}    -- activation_l1: away from 0
return {
  {op = "cross_entropy", inputs = {{shape = {4, 5}}, {shape = {4}, int = {0, 4, 2, 2}}},
   attrs = {label_smoothing = 0.1}},
  {op = "mse", inputs = {{shape = {3, 4}}, {shape = {3, 4}}}},
  {op = "nll", inputs = {{shape = {4, 5}}, {shape = {4}, int = labels}}},
  {op = "nll", inputs = {{shape = {4, 5}}, {shape = {4}, int = {1, -100, 3, 0}}},
   attrs = {reduction = "sum"}},
  {op = "bce_with_logits", inputs = {{shape = {3, 4}}, {shape = {3, 4}, values = probs}}},
  {op = "l1", inputs = {{shape = {3, 4}, values = ramp(12, -1, 1)},
   {shape = {3, 4}, values = {0.5, -0.5, 0.3, 0, 0.9, -0.2, 0.1, 0.7, -0.8, 0.4, -0.9, 0.6}}},
   attrs = {reduction = "sum"}},
  {op = "smooth_l1", inputs = {{shape = {3, 4}, values = ramp(12, -2, 2)},
   {shape = {3, 4}, values = {0.5, -0.5, 0.3, 0, 0.9, -0.2, 0.1, 0.7, -0.8, 0.4, -0.9, 0.6}}}},
  {op = "kl_div", inputs = {{shape = {3, 4}}, {shape = {3, 4}, values = probs}},
   attrs = {reduction = "batchmean"}},
  {op = "kl_div", inputs = {{shape = {3, 4}}, {shape = {3, 4}}},
   attrs = {log_target = 1, reduction = "none"}},
  {op = "sigmoid_focal", inputs = {{shape = {3, 4}}, {shape = {3, 4}, values = probs}}},
  {op = "z_loss", inputs = {{shape = {4, 5}}, {shape = {4}, int = labels}}},
  {op = "z_loss", inputs = {{shape = {3, 6}}, {shape = {3}, int = {5, 0, 1}}},
   attrs = {a = 0.5, b = 1, reduction = "none"}},
  {op = "l2_svm", inputs = {{shape = {4, 5}, values = ramp(20, -1.6, 1.6)},
   {shape = {4}, int = labels}}},
  {op = "multi_margin", inputs = {{shape = {4, 5}, values = ramp(20, -1, 1)},
   {shape = {4}, int = labels}}},
  {op = "multi_margin", inputs = {{shape = {4, 5}, values = ramp(20, -1, 1)},
   {shape = {4}, int = labels}}, attrs = {p = 2, margin = 0.7}},
  {op = "focal", inputs = {{shape = {4, 5}}, {shape = {4}, int = labels}}},
  {op = "focal", inputs = {{shape = {4, 5}}, {shape = {4}, int = labels}},
   attrs = {gamma = 0.5, alpha = 1, reduction = "sum"}},
  {op = "stablemax_ce", inputs = {{shape = {4, 5}, values = away},
   {shape = {4}, int = labels}}},
  {op = "soft_infonce", inputs = {{shape = {4, 4}}}, attrs = {tau = 0.2}, h = 3e-3},
  {op = "soft_infonce", inputs = {{shape = {4, 4}}, {shape = {4, 4}, values = ramp(16, 0.2, 2)}},
   attrs = {tau = 0.5, reduction = "none"}, h = 3e-3},
  {op = "router_z_loss", inputs = {{shape = {4, 6}}}},
  {op = "load_balance", inputs = {{shape = {6, 4}, values = ramp(24, -1, 1)}}},
  {op = "load_balance", inputs = {{shape = {6, 4}, values = ramp(24, -1, 1)}}, attrs = {k = 2}},
  {op = "activation_l1", inputs = {{shape = {3, 4}, values = away_l1}}, attrs = {lambda = 0.5}},
  {op = "activation_l1", inputs = {{shape = {3, 4}, values = away_l1}, {shape = {1}, values = {0.7}}},
   attrs = {lambda = 2, reduction = "sum"}},
  {op = "activation_l1", inputs = {{shape = {2, 3}, values = away_l1}}, attrs = {reduction = "none"}},
}
