-- spec/support/matmul_ref.lua: the PyTorch cases of
-- spec/fixtures/matmul_bcast (made by spec/support/make_matmul_ref.py)
-- run through the engine: a and b parameters of a compiled graph,
-- L = sum(y * r); run() returns, per case, the largest relative error of
-- y and of both gradients against PyTorch's, and the kernel matmul ran on.
-- spec/matmul_bcast_spec.lua calls it in-process and in child processes
-- with LUANET_KERNELS set.
local ln = require "luanet"
local conv_ref = require "spec.support.conv_ref"

local M = {}
M.dir = "spec/fixtures/matmul_bcast/"

local function load (c, what) return ln.npy_load(M.dir .. c.name .. "." .. what .. ".npy") end
M.load = load

function M.cases () return dofile(M.dir .. "cases.lua") end

-- the graph of one case; precision "fp32" or "bf16"
function M.model (c, precision)
  local g = ln.graph()
  local a, b = g:param("a", c.a, "zeros"), g:param("b", c.b, "zeros")
  local y = g:op("matmul", a, b)
  local r = load(c, "r")
  if #c.y == 0 then r = r:clone({}) end      -- a 0-d y: r was stored as [1]
  local m = g:compile{loss = (y * g:const(r)):sum(), outputs = {y = y}, batch = 1,
                      precision = precision}
  m:param("a"):copy(load(c, "a"))
  m:param("b"):copy(load(c, "b"))
  return m, y
end

function M.run_case (c, precision)
  local m, y = M.model(c, precision)
  local out = m:forward({}, true)
  m:backward()
  local res = {name = c.name, kernel = m.core:kernel(y.id)}
  assert(#out.y:shape() == #c.y, c.name .. ": result has " .. #out.y:shape() .. " dims")
  res.y = conv_ref.rel_err(out.y:clone({out.y:numel()}), load(c, "y"))
  res.da = conv_ref.rel_err(m:grad("a"), load(c, "da"))
  res.db = conv_ref.rel_err(m:grad("b"), load(c, "db"))
  res.worst = math.max(res.y, res.da, res.db)
  return res
end

function M.run (precision)
  local res = {}
  for _, c in ipairs(M.cases()) do res[#res + 1] = M.run_case(c, precision) end
  return res
end

-- finite-difference gradient checks (spec/support/gradcheck.lua)
M.fd_cases = {
  {a = {2, 1, 3, 4}, b = {5, 4, 6}}, {a = {3, 4}, b = {2, 4, 5}},
  {a = {4}, b = {3, 4, 2}}, {a = {3, 2, 4}, b = {4}}, {a = {4}, b = {4}},
  {a = {1, 4, 2, 3}, b = {3, 1, 3, 2}}, {a = {2, 3, 5, 4}, b = {4, 7}},
  {a = {2, 2, 3, 4}, b = {2, 2, 4, 5}},
}

function M.gradchecks ()
  local check = require "spec.support.gradcheck"
  local res = {}
  for _, c in ipairs(M.fd_cases) do
    local name = table.concat(c.a, "x") .. " @ " .. table.concat(c.b, "x")
    res[#res + 1] = {name = name, worst = check{op = "matmul",
      inputs = {{shape = c.a}, {shape = c.b}}}}
  end
  return res
end

return M
