-- spec/support/gradcheck.lua: central-difference gradient check of one op
-- through the whole engine (graph, compile, memory plan, backward).
--
--   check{op = "mul", inputs = {{shape = {2, 3}}, {shape = {3}}}, attrs = {...}}
-- returns the max relative error over every float input's gradient.
-- Float inputs are parameters filled with uniform values in [lo, hi]
-- (default [-1, 1]); {int = {...}, shape = ...} inputs are int32 constants.
-- With c.surrogate (a function of x), the first input's gradient is
-- checked against w * c.surrogate(x) instead (straight-through ops).
local ln = require "luanet"

-- a small deterministic generator, independent of ln.seed
local function lcg (seed)
  local s = seed
  return function ()
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  end
end

return function (c)
  local rnd = lcg(c.seed or 42)
  local lo, hi = c.lo or -1, c.hi or 1
  local g = ln.graph()
  local ins, params = {}, {}
  for i, spec in ipairs(c.inputs) do
    if spec.int then
      ins[i] = g:const(ln.tensor(spec.int, "int32"):clone(spec.shape))
    else
      ins[i] = g:param("in" .. i, spec.shape, "zeros")
      local t = g:value(ins[i])
      for k = 1, t:numel() do
        t:flat(k, spec.values and spec.values[k] or (lo + (hi - lo) * rnd()))
      end
      if not spec.nograd then params[#params + 1] = {name = "in" .. i, node = ins[i]} end
    end
  end
  local args = {table.unpack(ins)}
  args[#args + 1] = c.attrs or {}
  local y = g:op(c.op, table.unpack(args))
  -- L = sum(y * w) with fixed random weights w
  local n = 1
  for _, d in ipairs(y.shape) do n = n * d end
  local w = ln.zeros(#y.shape > 0 and y.shape or {1})
  for k = 1, w:numel() do w:flat(k, 2 * rnd() - 1) end
  if #y.shape == 0 then w = w:clone({}) end
  local loss = (y * g:const(w)):sum()
  local model = g:compile{loss = loss, batch = c.batch or 2}
  local function run ()
    if c.reseed then ln.seed(c.reseed) end
    model.core:forward(c.training or false)
    return model.core:scalar(model.loss_id)
  end
  run()
  model.core:backward()
  local h, worst = c.h or 1e-2, 0
  if c.surrogate then
    -- straight-through and surrogate-gradient ops: by design their backward
    -- is not the derivative of the forward, so it is compared with the
    -- documented surrogate derivative c.surrogate(x) of the (elementwise)
    -- op's first input instead of central differences
    local v, gr = model:param("in1"), model:grad("in1")
    for k = 1, v:numel() do
      local want, got = w:flat(k) * c.surrogate(v:flat(k)), gr:flat(k)
      local err = math.abs(want - got) / math.max(math.abs(want), math.abs(got), 1e-2)
      if err > worst then worst = err end
    end
    return worst, model
  end
  for _, p in ipairs(params) do
    local v, gr = model:param(p.name), model:grad(p.name)
    for k = 1, v:numel() do
      local x0 = v:flat(k)
      v:flat(k, x0 + h); local lp = run()
      v:flat(k, x0 - h); local lm = run()
      v:flat(k, x0)
      local num, ana = (lp - lm) / (2 * h), gr:flat(k)
      local den = math.max(math.abs(num), math.abs(ana), 1e-2)
      local err = math.abs(num - ana) / den
      if err > worst then worst = err end
    end
  end
  return worst, model
end
