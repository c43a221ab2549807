-- luanet.optim: optimizers (C kernels: one pass per parameter) and
-- learning-rate schedules (Lua).
--
--   local opt = ln.optim.adam(model, {lr = 1e-3, clip_norm = 1})
--   local sched = ln.optim.cosine(opt, {t_max = steps, warmup = 100})
--   ... model:step(feeds, opt); sched:step()
local core = require "luanet.core"

local M = {}

local Optim = {}
Optim.__index = Optim

-- wrap a core optimizer for model 'm'
function M.wrap (copt, m)
  return setmetatable({core = copt, model = m}, Optim)
end

local function model_of (x, fn)
  if type(x) == "table" and x.core and x.params_by_name then return x end
  local mt = type(x) == "table" and getmetatable(x)
  if mt and mt.__model then return mt.__model end
  error(fn .. ": first argument must be a model or model:params(), got " .. type(x), 3)
end

local function make (kind)
  return function (model, opts)
    local m = model_of(model, kind)
    local conf, ortho = {}, nil
    for k, v in pairs(opts or {}) do
      if k == "orthograd" then ortho = v else conf[k] = v end
    end
    local o = M.wrap(core.optim(m.core, kind, conf), m)
    if ortho then M.orthograd(o, type(ortho) == "table" and ortho or nil) end
    return o
  end
end

-- The options of each optimizer and their defaults come from the engine's
-- table (ln_optconf_field, src/train/ln_optim.c): M.options() lists them,
-- M.options_markdown() is the table README.md shows. Every optimizer also
-- takes clip_norm, and orthograd (below). An option the optimizer does
-- not use is an error, as in PyTorch.
-- SGD: lr, momentum, dampening, nesterov, weight_decay (PyTorch's rule)
M.sgd = make("sgd")
-- Adam: lr, betas = {b1, b2} (or beta1, beta2), eps, weight_decay (L2,
-- added to the gradient)
M.adam = make("adam")
-- AdamW: weight_decay decoupled (p <- p - lr * wd * p), default 0.01
M.adamw = make("adamw")
-- RMSprop: lr, alpha, eps, momentum, weight_decay
M.rmsprop = make("rmsprop")

-- {{name, type = "number" | "boolean", doc, kinds = {sgd = true, ...},
--   default = {sgd = 0.01, ...}}, ...}: the engine's table, in its order
M.options = core.optim_fields
M.kinds = {"sgd", "adam", "adamw", "rmsprop"}

-- the options as a Markdown table: a column per optimizer with the
-- default where it takes the option
function M.options_markdown ()
  local lines = {"| option | " .. table.concat(M.kinds, " | ") .. " | meaning |",
                 "|---" .. string.rep("|---", #M.kinds + 1) .. "|"}
  for _, f in ipairs(M.options()) do
    local cells = {}
    for i, k in ipairs(M.kinds) do
      local d = f.default[k]
      cells[i] = d == nil and "-" or (type(d) == "boolean" and tostring(d) or string.format("%g", d))
    end
    lines[#lines + 1] = string.format("| `%s` | %s | %s |", f.name, table.concat(cells, " | "), f.doc)
  end
  return table.concat(lines, "\n")
end

-- one update from the model's current gradients; returns the global
-- gradient norm (before clipping)
function Optim:step ()
  if self.ortho then self.ortho.cos = core.orthograd(self.model.core, self.ortho.renorm) end
  return self.core:step()
end
function Optim:set (t) self.core:set(t); return self end
function Optim:get (k) return self.core:get(k) end
function Optim:steps () return self.core:steps() end
function Optim:lr (v)
  if v then self.core:set{lr = v} end
  return self.core:get("lr")
end
Optim.__tostring = function (o) return tostring(o.core) end

-- clip the model's gradients to global L2 norm 'max'; returns the norm
function M.clip_grad_norm (model, max)
  return core.clip_grad_norm(model_of(model, "clip_grad_norm").core, max)
end

-- {====== ⊥Grad ======

-- ln.optim.orthograd(opt, {renorm = false}): before each update of 'opt',
-- project every parameter's gradient orthogonal to the parameter,
-- g <- g - (g.w / w.w) w (Prieto et al. 2025, "Grokking at the Edge of
-- Numerical Stability", arXiv:2501.04697): the component along w only
-- scales the logits (naive loss minimisation). renorm = true rescales the
-- projected gradient to the original norm, as the authors' code does.
-- Also as an option: ln.optim.adamw(model, {lr = 1e-3, orthograd = true}).
-- opt.ortho.cos holds the largest |cos(g, w)| of the last step.
function M.orthograd (opt, o)
  if getmetatable(opt) ~= Optim then error("orthograd: first argument must be an optimizer", 2) end
  opt.ortho = {renorm = o and o.renorm or false, cos = 0}
  return opt
end

-- }======

-- {====== Schedules: each has :step() (call once per iteration or epoch)
-- and :lr(t) (the rate at step t, 0-based) ======

local Schedule = {}
Schedule.__index = Schedule

local function schedule (opt, f)
  if getmetatable(opt) ~= Optim then error("schedule: first argument must be an optimizer", 3) end
  local s = setmetatable({opt = opt, base = opt:lr(), t = 0, f = f}, Schedule)
  opt:lr(f(0, s.base))
  return s
end

function Schedule:lr (t) return self.f(t, self.base) end
function Schedule:step ()
  self.t = self.t + 1
  self.opt:lr(self.f(self.t, self.base))
  return self.opt:lr()
end

-- lr * gamma^floor(t / step_size)
function M.step_lr (opt, o)
  local size, gamma = o.step_size, o.gamma or 0.1
  if math.type(size) ~= "integer" or size < 1 then error("step_lr: step_size must be a positive integer", 2) end
  return schedule(opt, function (t, base) return base * gamma ^ (t // size) end)
end

-- linear warmup over 'warmup' steps, then cosine from lr to eta_min at t_max
function M.cosine (opt, o)
  local tmax, warm, eta = o.t_max, o.warmup or 0, o.eta_min or 0
  if type(tmax) ~= "number" or tmax <= 0 then error("cosine: t_max must be positive", 2) end
  return schedule(opt, function (t, base)
    if t < warm then return base * (t + 1) / warm end
    local p = math.min(1, (t - warm) / math.max(1, tmax - warm))
    return eta + (base - eta) * (1 + math.cos(math.pi * p)) / 2
  end)
end

-- linear warmup from 0 to lr over 'warmup' steps, then constant
function M.warmup (opt, o)
  local warm = o.warmup
  if math.type(warm) ~= "integer" or warm < 1 then error("warmup: warmup must be a positive integer", 2) end
  return schedule(opt, function (t, base) return base * math.min(1, (t + 1) / warm) end)
end

-- }======

-- {====== ProSparse: the sine schedule of the activation regulariser ======
-- Song et al. 2024 (ProSparse, arXiv:2402.13516) raise the factor lambda of
-- activation_l1 stage by stage along sine curves: in stage i, for t in
-- (t_{i-1}, t_i], lambda(t) = lambda_{i-1} + (lambda_i - lambda_{i-1})
-- sin(pi/2 (t - t_{i-1}) / (t_i - t_{i-1})); lambda_0 = start at t_0 = 0;
-- after the last stage lambda stays at its target.
--
--   local s = ln.optim.prosparse_schedule{stages = {100, 300}, targets = {1e-3, 1e-2}}
--   s:attach(model, "l1.scale")   -- a one-element buffer fed to activation_l1
--   ... model:step(feeds, opt); s:step()
local SineSchedule = {}
SineSchedule.__index = SineSchedule

function M.prosparse_schedule (o)
  if type(o) ~= "table" or type(o.stages) ~= "table" or type(o.targets) ~= "table" then
    error("prosparse_schedule: needs {stages = {t_1, ...}, targets = {lambda_1, ...}}", 2)
  end
  if #o.stages == 0 or #o.stages ~= #o.targets then
    error(string.format("prosparse_schedule: %d stages but %d targets", #o.stages, #o.targets), 2)
  end
  local prev = 0
  for i, t in ipairs(o.stages) do
    if type(t) ~= "number" or t <= prev then
      error("prosparse_schedule: stage ends must increase from 0, got " .. tostring(t) ..
            " at stage " .. i, 2)
    end
    if type(o.targets[i]) ~= "number" then
      error("prosparse_schedule: target " .. i .. " is not a number", 2)
    end
    prev = t
  end
  return setmetatable({stages = o.stages, targets = o.targets, start = o.start or 0, t = 0},
                      SineSchedule)
end

-- lambda at step t (default: the current step)
function SineSchedule:value (t)
  t = t or self.t
  local t0, l0 = 0, self.start
  for i, ti in ipairs(self.stages) do
    local li = self.targets[i]
    if t <= ti then
      if t <= t0 then return l0 end
      return l0 + (li - l0) * math.sin(math.pi / 2 * (t - t0) / (ti - t0))
    end
    t0, l0 = ti, li
  end
  return l0
end

-- write lambda into 'model''s one-element node 'name' (a buffer or input)
-- now and after every step
function SineSchedule:attach (model, name)
  local id = model.core:find(name)
  if not id then error("prosparse_schedule: the model has no node '" .. tostring(name) .. "'", 2) end
  self.target = model.core:value(id)
  self.target:fill(self:value())
  return self
end

-- advance one step; returns the new lambda
function SineSchedule:step ()
  self.t = self.t + 1
  local v = self:value()
  if self.target then self.target:fill(v) end
  return v
end

-- }======

return M
