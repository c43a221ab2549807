-- Running one op through a compiled graph, for the op specs: run (any
-- inputs, each a parameter), through_graph (x and an optional weight, with
-- an upstream gradient) and close (elementwise tolerance check).
local ln = require "luanet"
local M = {}

-- |got - want| <= rtol |want| + atol, elementwise over tensors or numbers
function M.close (got, want, rtol, atol, what)
  local n = type(want) == "number" and 1 or want:numel()
  for k = 1, n do
    local a = type(got) == "number" and got or got:flat(k)
    local b = type(want) == "number" and want or want:flat(k)
    if not (math.abs(a - b) <= rtol * math.abs(b) + (atol or 0)) then
      error(string.format("%s: element %d is %.9g, want %.9g", what or "value", k, a, b), 2)
    end
  end
end

-- run 'op' on x (and parameter w) through a compiled graph: y and the
-- gradients of L = sum(gy * y) for x and w
function M.through_graph (op, x, w, gy, attrs, training)
  local g = ln.graph()
  local xn = g:param("x", x:shape(), "zeros")
  local args = {xn}
  if w then args[2] = g:param("w", w:shape(), "zeros") end
  args[#args + 1] = attrs or {}
  local y = g:op(op, table.unpack(args))
  local loss = (y * g:const(gy)):sum()
  local m = g:compile{loss = loss, outputs = {y = y}, batch = x:shape()[1]}
  m:param("x"):copy(x)
  if w then m:param("w"):copy(w) end
  local out = m:forward({}, training or false)
  m:backward()
  return out.y:clone(), m:grad("x"):clone(), w and m:grad("w"):clone()
end

-- run 'op' on tensors 'ins' (each a graph parameter) with L = sum(y * wt)
-- (wt = ones by default); returns y and the gradient of every input
function M.run (op, ins, attrs, opt)
  opt = opt or {}
  local g = ln.graph()
  local nodes = {}
  for i, t in ipairs(ins) do nodes[i] = g:param("p" .. i, t:shape(), "zeros") end
  local args = {table.unpack(nodes)}
  args[#args + 1] = attrs or {}
  local y = g:op(op, table.unpack(args))
  local w = opt.w or ln.ones(#y.shape > 0 and y.shape or {1})
  if #y.shape == 0 then w = w:clone({}) end
  local loss = (y * g:const(w)):sum()
  local m = g:compile{loss = loss, outputs = {y = y}, batch = 1}
  for i, t in ipairs(ins) do m:param("p" .. i):copy(t) end
  m.core:forward(opt.training or false)
  local out = m:output("y"):clone()
  m.core:backward()
  local grads = {}
  for i = 1, #ins do grads[i] = m:grad("p" .. i):clone() end
  return out, grads, m
end

-- the rows {name, kernel, worst} that require(module)[what]() returns,
-- computed in a child ./luanet with LUANET_KERNELS=k (the kernel path is
-- chosen at start-up); also the child's whole output, for messages
function M.child_rows (module, k, what)
  local out = require("spec.support.papers").run("LUANET_KERNELS=" .. k .. " ./luanet -e '"
    .. "for _, r in ipairs(require(\"" .. module .. "\")." .. what .. "()) do "
    .. "print(r.name .. \"\\t\" .. (r.kernel or \"\") .. \"\\t\" .. r.worst) end'")
  local rows = {}
  for name, kern, worst in out:gmatch("([^\n\t]+)\t([^\n\t]*)\t([^\n\t]+)\n") do
    rows[#rows + 1] = {name = name, kernel = kern, worst = tonumber(worst)}
  end
  return rows, out
end

return M
