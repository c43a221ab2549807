-- spec/support/conv_ref.lua: the PyTorch cases of spec/fixtures/conv_axes
-- (made by spec/support/make_conv_ref.py) run through the engine: each op
-- in a compiled graph with its inputs as parameters, L = sum(y * r);
-- run() returns, per case, the largest relative error of y and of each
-- gradient against PyTorch's, and the kernel the op ran on. The conv spec
-- calls it in-process and in child processes with LUANET_KERNELS set.
local ln = require "luanet"

local M = {}
M.dir = "spec/fixtures/conv_axes/"

local function load (c, what) return ln.npy_load(M.dir .. c.name .. "." .. what .. ".npy") end
M.load = load

-- max |a - b| / max(max |b|, 1)
local function rel_err (a, b)
  local d, m = 0, 1
  assert(a:numel() == b:numel(), "sizes differ")
  for i = 1, a:numel() do
    d = math.max(d, math.abs(a:flat(i) - b:flat(i)))
    m = math.max(m, math.abs(b:flat(i)))
  end
  return d / m
end
M.rel_err = rel_err

function M.run_case (c)
  local g = ln.graph()
  local nodes = {}
  for i, k in ipairs(c.inputs) do
    local t = load(c, k)
    nodes[i] = g:param(k, t:shape(), "zeros")
  end
  local args = {table.unpack(nodes)}
  args[#args + 1] = c.attrs
  local y = g:op(c.op, table.unpack(args))
  local loss = (y * g:const(load(c, "r"))):sum()
  local m = g:compile{loss = loss, outputs = {y = y}, batch = 1}
  for _, k in ipairs(c.inputs) do m:param(k):copy(load(c, k)) end
  local out = m:forward({}, true)
  m:backward()
  local r = {name = c.name, kernel = m.core:kernel(y.id), y = rel_err(out.y, load(c, "y"))}
  r.worst = r.y
  for _, k in ipairs(c.inputs) do
    r["d" .. k] = rel_err(m:grad(k), load(c, "d" .. k))
    r.worst = math.max(r.worst, r["d" .. k])
  end
  return r
end

function M.cases () return dofile(M.dir .. "cases.lua") end

function M.run ()
  local res = {}
  for _, c in ipairs(M.cases()) do res[#res + 1] = M.run_case(c) end
  return res
end

-- n distinct values 0.05 apart in a scrambled order (37 is prime to
-- every n used): max_pool2d's finite differences (step 1e-2) then never
-- move the maximum of a window
local function spaced (n)
  local v = {}
  for k = 1, n do v[k] = ((k * 37) % n) * 0.05 - n * 0.025 end
  return v
end

-- finite-difference gradient checks (spec/support/gradcheck.lua) of
-- per-axis kernel, stride, padding, dilation and of groups
M.fd_cases = {
  {name = "conv2d stride {2, 1}, padding {1, 0}, dilation {1, 2}, groups 2, bias",
   op = "conv2d", inputs = {{shape = {2, 4, 7, 6}}, {shape = {4, 2, 3, 2}}, {shape = {4}}},
   attrs = {stride = {2, 1}, padding = {1, 0}, dilation = {1, 2}, groups = 2}},
  {name = "conv2d 1x3 kernel, stride {1, 2}, padding {0, 1}, dilation {2, 1}",
   op = "conv2d", inputs = {{shape = {1, 3, 6, 7}}, {shape = {2, 3, 1, 3}}},
   attrs = {stride = {1, 2}, padding = {0, 1}, dilation = {2, 1}}},
  {name = "conv2d depthwise 3x3 (groups = channels), padding 1, bias",
   op = "conv2d", inputs = {{shape = {2, 3, 5, 5}}, {shape = {3, 1, 3, 3}}, {shape = {3}}},
   attrs = {padding = 1, groups = 3}},
  {name = "conv2d depthwise, channel multiplier 2, stride 2, padding {2, 1}",
   op = "conv2d", inputs = {{shape = {1, 2, 7, 6}}, {shape = {4, 1, 5, 3}}},
   attrs = {stride = 2, padding = {2, 1}, groups = 2}},
  {name = "max_pool2d kernel {2, 3}, stride {1, 2}, padding {1, 1}",
   op = "max_pool2d", inputs = {{shape = {2, 2, 5, 7}, values = spaced(140)}},
   attrs = {kernel = {2, 3}, stride = {1, 2}, padding = {1, 1}}},
  {name = "max_pool2d kernel {3, 2}, stride = kernel, padding {1, 0}",
   op = "max_pool2d", inputs = {{shape = {1, 2, 7, 6}, values = spaced(84)}},
   attrs = {kernel = {3, 2}, padding = {1, 0}}},
  {name = "avg_pool2d kernel {2, 3}, stride {2, 1}, padding {1, 1}",
   op = "avg_pool2d", inputs = {{shape = {2, 2, 5, 7}}},
   attrs = {kernel = {2, 3}, stride = {2, 1}, padding = {1, 1}}},
}

function M.gradchecks ()
  local check = require "spec.support.gradcheck"
  local res = {}
  for _, c in ipairs(M.fd_cases) do
    res[#res + 1] = {name = c.name, worst = check(c)}
  end
  return res
end

return M
