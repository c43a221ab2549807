-- spec/support/normloss_ref.lua: checks one case of the PyTorch fixtures
-- made by spec/support/make_normloss_ref.py (spec/fixtures/normloss/)
-- through the whole engine: graph, compile, forward, backward of
-- L = sum(y * w). Float inputs are parameters set to the fixture values,
-- int32 inputs constants.
--   local ref = require "spec.support.normloss_ref"
--   for _, c in ipairs(ref.cases()) do ... ref.check(c) ... end
-- check(c) returns the worst relative errors of the output and of the
-- gradients, and the model (for further checks).
local ln = require "luanet"

local M = {}
local dir = "spec/fixtures/normloss/"

function M.cases () return dofile(dir .. "cases.lua") end

function M.load (c, what) return ln.npy_load(dir .. c.name .. "." .. what .. ".npy") end

-- max over elements of |a - b| / max(1, |b|)
local function rel_err (a, b)
  assert(a:numel() == b:numel(), "sizes differ")
  local worst = 0
  for k = 1, a:numel() do
    local x, y = a:flat(k), b:flat(k)
    local e = math.abs(x - y) / math.max(1, math.abs(y))
    if e ~= e then e = math.huge end
    if e > worst then worst = e end
  end
  return worst
end
M.rel_err = rel_err

function M.check (c)
  local g = ln.graph()
  local ins, vals = {}, {}
  for k, kind in ipairs(c.kinds) do
    vals[k] = M.load(c, "in" .. k)
    if kind == "i" then ins[k] = g:const(vals[k])
    elseif kind == "b" then ins[k] = g:buffer("in" .. k, vals[k]:shape(), 0)
    else ins[k] = g:param("in" .. k, vals[k]:shape(), "zeros") end
  end
  local args = {table.unpack(ins)}
  args[#args + 1] = c.attrs
  local y = g:op(c.op, table.unpack(args))
  local w = M.load(c, "w")
  local loss = (y * g:const(w)):sum()
  local m = g:compile{loss = loss, outputs = {y = y}, batch = ln.npy_load(dir .. c.name .. ".in1.npy"):shape()[1] or 1}
  for k, kind in ipairs(c.kinds) do
    if kind ~= "i" then m.core:value(ins[k].id):copy(vals[k]) end
  end
  local out = m:forward(nil, c.training)
  local errs = {out = rel_err(out.y, M.load(c, "out"))}
  m:backward()
  for k, kind in ipairs(c.kinds) do
    if kind == "f" then errs[k] = rel_err(m:grad("in" .. k), M.load(c, "g" .. k)) end
  end
  return errs, m, ins
end

-- one case {title, check} per fixture whose op is in 'ops': forward
-- within 1e-5 and gradients within 1e-4 (relative); the spec gives each
-- to busted's it()
function M.fixture_cases (ops)
  local assert = require "luassert"
  local cases = {}
  for _, c in ipairs(M.cases()) do
    if ops[c.op] then
      cases[#cases + 1] = {c.name .. ": forward within 1e-5, gradients within 1e-4", function ()
        local errs = M.check(c)
        assert.is_true(errs.out <= 1e-5, string.format("%s: output rel. err %.3g", c.name, errs.out))
        for k = 1, #c.kinds do
          if errs[k] then
            assert.is_true(errs[k] <= 1e-4, string.format("%s: input %d gradient rel. err %.3g",
              c.name, k, errs[k]))
          end
        end
      end}
    end
  end
  return cases
end

return M
