-- luanet: tensors, graphs and models over the C engine (luanet.core).
--
-- Dimensions and indices are 1-based, as everywhere in Lua (and Torch7);
-- negative dimensions count from the end (-1 is the last).
local core = require "luanet.core"

local ln = {}
ln.core = core
ln.version = core.version

local Tensor = core.Tensor.__index   -- the C methods; we add more below
local TensorMT = core.Tensor

-- {====== Op calling convention ======

-- How each op takes its arguments from Lua comes from the op table: the
-- markers of its attribute spec (src/core/ln_op.c), as core.op_info
-- returns them: positional arguments, axes (1-based here, 0-based in the
-- engine), start/stop indices (1-based, inclusive), lists that take "B".
local op_meta = setmetatable({}, {__index = function (t, op)
  local ok, info = pcall(core.op_info, op)
  local m = {positional = {}, attr = {}}
  if ok then
    m.positional = info.positional
    for _, a in ipairs(info.attr_info) do m.attr[a.name] = a end
  end
  t[op] = m
  return m
end})

local END = 2147483647   -- an engine stop index past any dimension

-- a 1-based position (axis, start index) as a 0-based one; 0 and
-- negatives (from the end) stay as they are
local function to0 (v)
  if math.type(v) == "integer" and v > 0 then return v - 1 end
  return v
end

-- a 1-based inclusive stop as the engine's exclusive one: positives stay,
-- -1 (the last) is the end, -k ends before the k-1 last
local function stop0 (v)
  if math.type(v) == "integer" and v < 0 then return v == -1 and END or v + 1 end
  return v
end

-- one Lua-side value of attribute 'a' (an op_info attr_info entry) as
-- the engine takes it
local function engine_value (a, v)
  if a.list and math.type(v) == "integer" then v = {v} end
  if a.list and type(v) == "table" then
    local l = {}
    for i, d in ipairs(v) do
      if a.batch and d == "B" then d = -1 elseif a.axis then d = to0(d) end
      l[i] = d
    end
    return l
  end
  if a.axis or a.start then return to0(v) end
  if a.stop then return stop0(v) end
  return v
end

-- turn Lua-side attributes into engine attributes (unknown names pass,
-- for the engine to refuse)
local function engine_attrs (op, attrs)
  local spec, out = op_meta[op].attr, {}
  for k, v in pairs(attrs) do
    out[k] = spec[k] and engine_value(spec[k], v) or v
  end
  return out
end

-- split '...' into inputs (for which 'is_input' holds) and attributes
local function split_args (op, is_input, ...)
  local args, inputs, attrs, pos = table.pack(...), {}, {}, op_meta[op].positional
  local np = 0
  for i = 1, args.n do
    local a = args[i]
    if is_input(a) then inputs[#inputs + 1] = a
    elseif type(a) == "table" and i == args.n and getmetatable(a) == nil
           and (a[1] == nil or not pos[np + 1]) then
      for k, v in pairs(a) do attrs[k] = v end   -- the attribute table
    else
      np = np + 1
      local name = pos[np]
      if not name then
        error(op .. ": unexpected argument #" .. i .. " (" .. type(a) .. ")", 3)
      end
      if a ~= nil then attrs[name] = a end
    end
  end
  return inputs, engine_attrs(op, attrs)
end

-- }======

-- {====== Tensors ======

local function is_tensor (v) return getmetatable(v) == TensorMT end
ln.is_tensor = is_tensor

local function shape_of (s, ...)
  if type(s) == "table" then return s end
  return {s, ...}
end

-- ln.tensor(nested table | tensor, dtype): a new tensor
function ln.tensor (t, dtype)
  if is_tensor(t) then return t:clone() end
  if type(t) == "number" then t = {t} end
  return core.from_table(t, dtype)
end
function ln.zeros (shape, dtype) return core.new(shape, dtype) end
function ln.ones (shape, dtype) return core.new(shape, dtype):fill(1) end
function ln.full (shape, v, dtype) return core.new(shape, dtype):fill(v) end
function ln.randn (s, ...) return core.random(shape_of(s, ...), "normal") end
function ln.rand (s, ...) return core.random(shape_of(s, ...), "uniform") end
function ln.arange (a, b, step)
  if not b then a, b = 1, a end
  step = step or 1
  local v = {}
  for x = a, b, step do v[#v + 1] = x end
  local int = math.type(a) == "integer" and math.type(step) == "integer"
  return core.from_table(v, int and "int32" or "float32")
end

local function eager (op, self, ...)
  local inputs, attrs = split_args(op, is_tensor, self, ...)
  inputs[#inputs + 1] = attrs
  return core.eager(op, table.unpack(inputs))
end

-- every op of the engine as a tensor method: t:relu(), t:matmul(u), ...
for _, op in ipairs(core.ops()) do
  if Tensor[op] == nil then
    Tensor[op] = function (self, ...) return eager(op, self, ...) end
  end
end
Tensor.reshape = function (self, s, ...) return self:clone(shape_of(s, ...)) end
Tensor.view = Tensor.reshape
Tensor.size = function (self, d)
  local s = self:shape()
  if d then return s[d < 0 and #s + d + 1 or d] end
  return s
end
Tensor.item = function (self) return self:get() end
Tensor.eval = function (self, op, ...) return eager(op, self, ...) end

-- binary operators: tensor op tensor, tensor op number, number op tensor
local function binop (op, scalar_op, rscalar)
  return function (a, b)
    if type(a) == "number" then return rscalar(b, a) end
    if type(b) == "number" then return scalar_op(a, b) end
    return core.eager(op, a, b)
  end
end
TensorMT.__add = binop("add", function (t, c) return core.eager("add_scalar", t, {c = c}) end,
  function (t, c) return core.eager("add_scalar", t, {c = c}) end)
TensorMT.__sub = binop("sub", function (t, c) return core.eager("add_scalar", t, {c = -c}) end,
  function (t, c) return core.eager("add_scalar", core.eager("neg", t), {c = c}) end)
TensorMT.__mul = binop("mul", function (t, c) return core.eager("mul_scalar", t, {c = c}) end,
  function (t, c) return core.eager("mul_scalar", t, {c = c}) end)
TensorMT.__div = binop("div", function (t, c) return core.eager("mul_scalar", t, {c = 1 / c}) end,
  function (t, c) return core.eager("rdiv_scalar", t, {c = c}) end)
TensorMT.__unm = function (t) return core.eager("neg", t) end

-- t[i]: an element of a 1-D tensor, or row i (a copy) of a larger one
TensorMT.__index = function (t, k)
  if math.type(k) == "integer" then
    local s = t:shape()
    if #s == 1 then return t:get(k) end
    if #s == 0 then error("cannot index a scalar tensor", 2) end
    if k < 1 or k > s[1] then error("index " .. k .. " out of range 1.." .. s[1], 2) end
    local row = t:rows(k, 1)
    table.remove(s, 1)
    return row:clone(s)
  end
  return Tensor[k]
end

local function fmt_num (v, int)
  if int then return string.format("%d", v) end
  if v ~= v then return "nan" end
  local a = math.abs(v)
  if a ~= 0 and (a >= 1e5 or a < 1e-4) then return string.format("%.4e", v) end
  return string.format("%.4f", v)
end

-- nested rows of values with at most 3 leading and 3 trailing entries
local function fmt_block (t, shape, d, offset, strides, int, indent)
  local n = shape[d]
  local parts, skip = {}, n > 6
  for i = 1, n do
    if skip and i == 4 then parts[#parts + 1] = "..." end
    if not skip or i <= 3 or i > n - 3 then
      local off = offset + (i - 1) * strides[d]
      if d == #shape then parts[#parts + 1] = fmt_num(t:flat(off + 1), int)
      else parts[#parts + 1] = fmt_block(t, shape, d + 1, off, strides, int, indent .. " ") end
    end
  end
  local sep = d == #shape and ", " or (",\n" .. indent .. " ")
  return "[" .. table.concat(parts, sep) .. "]"
end

TensorMT.__tostring = function (t)
  local shape, dt = t:shape(), t:dtype()
  local head = string.format("luanet.Tensor %s %s", dt,
                             #shape == 0 and "scalar" or table.concat(shape, "x"))
  if t:numel() == 0 then return head .. " []" end
  if #shape == 0 then return head .. " " .. fmt_num(t:flat(1), dt == "int32") end
  local strides, s = {}, 1
  for d = #shape, 1, -1 do strides[d] = s; s = s * shape[d] end
  local body = fmt_block(t, shape, 1, 0, strides, dt == "int32", "")
  if t:numel() > 36 then
    local lo, hi, mean = t:stats()
    head = head .. string.format("  (min %s, max %s, mean %s)", fmt_num(lo),
                                 fmt_num(hi), fmt_num(mean))
  end
  return head .. "\n" .. body
end

-- }======

-- {====== Graphs and nodes ======

local Graph = {}
Graph.__index = Graph
local Node = {}
ln.Node = Node

local function is_node (v) return getmetatable(v) == Node end
ln.is_node = is_node

local function node (g, id) return setmetatable({graph = g, id = id}, Node) end

-- ln.graph(): an empty graph to build a model on
function ln.graph ()
  return setmetatable({core = core.graph(), counters = {}}, Graph)
end

-- a fresh name "prefix<k>" for layers, unique in this graph
function Graph:unique (prefix)
  local k = (self.counters[prefix] or 0) + 1
  self.counters[prefix] = k
  return prefix .. k
end

-- g:input(name, shape, dtype): shape may start with "B" (the batch)
function Graph:input (name, shape, dtype)
  return node(self, self.core:input(name, shape, dtype))
end

-- g:param(name, shape, init, a): init is one of ln.inits, default kaiming_uniform
function Graph:param (name, shape, init, a)
  return node(self, self.core:param(name, shape, init, a))
end

function Graph:buffer (name, shape, value)
  return node(self, self.core:buffer(name, shape, value))
end

function Graph:const (t, name)
  if not is_tensor(t) then t = ln.tensor(t) end
  return node(self, self.core:const(t, name))
end

function Graph:op (op, ...)
  local inputs, attrs = split_args(op, is_node, ...)
  local ids = {}
  for i, n in ipairs(inputs) do
    if n.graph ~= self then error(op .. ": input " .. i .. " belongs to another graph", 2) end
    ids[i] = n.id
  end
  ids[#ids + 1] = attrs
  return node(self, self.core:op(op, table.unpack(ids)))
end

function Graph:size () return self.core:size() end
function Graph:node (id) return self.core:node(id) end
function Graph:value (n) return self.core:value(is_node(n) and n.id or n) end

Graph.__tostring = function (g)
  local ok, s = pcall(function () return g.core:size() end)
  if not ok then return tostring(g.core) end
  local lines = {string.format("luanet.Graph (%d nodes)", s)}
  for id = 1, s do
    local info = g.core:node(id)
    local shape = table.concat(info.shape, "x")
    if info.batched then shape = "B" .. shape:gsub("^%d+", "") end
    lines[#lines + 1] = string.format("  #%-3d %-12s %-16s %s%s", id, info.op,
      shape, info.name,
      #info.inputs > 0 and ("  <- " .. table.concat(info.inputs, ", ")) or "")
  end
  return table.concat(lines, "\n")
end

-- every op as a node method: h:relu(), x:linear(w, b), logits:cross_entropy(y)
for _, op in ipairs(core.ops()) do
  Node[op] = function (self, ...) return self.graph:op(op, self, ...) end
end
Node.__index = function (n, k)
  local v = Node[k]
  if v ~= nil then return v end
  if k == "shape" then return n.graph.core:node(n.id).shape end
  return nil
end
function Node:info () return self.graph.core:node(self.id) end
function Node:name (s)
  if s then self.graph.core:set_name(self.id, s); return self end
  return self.graph.core:node(self.id).name
end
-- x:linear(n_out): creates its weight and bias; x:linear(w, b): given ones
function Node:linear (w, b, opts)
  if math.type(w) == "integer" then
    return require("luanet.nn").Linear(self:info().shape[#self:info().shape], w, b)(self)
  end
  if b then return self.graph:op("linear", self, w, b) end
  return self.graph:op("linear", self, w)
end

local function node_binop (op, scalar, rscalar)
  return function (a, b)
    if type(a) == "number" then return rscalar(b, a) end
    if type(b) == "number" then return scalar(a, b) end
    return a.graph:op(op, a, b)
  end
end
Node.__add = node_binop("add", function (n, c) return n:add_scalar(c) end,
  function (n, c) return n:add_scalar(c) end)
Node.__sub = node_binop("sub", function (n, c) return n:add_scalar(-c) end,
  function (n, c) return n:neg():add_scalar(c) end)
Node.__mul = node_binop("mul", function (n, c) return n:mul_scalar(c) end,
  function (n, c) return n:mul_scalar(c) end)
Node.__div = node_binop("div", function (n, c) return n:mul_scalar(1 / c) end,
  function (n, c) return n:rdiv_scalar(c) end)
Node.__unm = function (n) return n:neg() end
Node.__tostring = function (n)
  local i = n:info()
  local shape = table.concat(i.shape, "x")
  if i.batched then shape = "B" .. shape:gsub("^%d+", "") end
  return string.format("luanet.Node #%d %s %s%s", n.id, i.op, shape,
                       i.name ~= "" and (" '" .. i.name .. "'") or "")
end

-- ln.concat({a, b, ...}, dim): tensors or nodes
function ln.concat (list, dim)
  local first = list[1]
  if is_node(first) then
    local args = {}
    for i, n in ipairs(list) do args[i] = n end
    args[#args + 1] = {axis = dim or 1}
    return first.graph:op("concat", table.unpack(args))
  end
  local args = {}
  for i, t in ipairs(list) do args[i] = t end
  args[#args + 1] = engine_attrs("concat", {axis = dim or 1})
  return core.eager("concat", table.unpack(args))
end

-- }======

-- {====== Models ======

local Model = {}
Model.__index = Model
ln.Model = Model

-- wrap a core model: names of inputs, outputs and parameters
local function wrap_model (cm)
  local m = setmetatable({core = cm, outputs = {}, inputs = {}, params_by_name = {},
                          param_ids = cm:params(), training = true}, Model)
  for _, id in ipairs(cm:outputs()) do
    local name = cm:node(id).name
    m.outputs[name ~= "" and name or ("out" .. id)] = id
  end
  for id = 1, cm:size() do
    local info = cm:node(id)
    if info.kind == "input" then m.inputs[#m.inputs + 1] = info.name end
    if info.kind == "param" then
      m.params_by_name[info.name ~= "" and info.name or ("param" .. id)] = id
    end
  end
  m.loss_id = cm:loss()
  return m
end

-- g:compile{loss = node, outputs = {name = node, ...}, batch = 128,
--            precision = "fp32" | "bf16", fuse = true}
-- precision "bf16": mixed precision, the matrix products (matmul, linear,
-- conv2d) take bf16 inputs and accumulate in float32; parameters,
-- gradients, optimizer state and every other op stay float32.
-- fuse = false runs every node on its own: no relu folded into the matrix
-- product before it, no chains of elementwise ops run block by block.
function Graph:compile (opt)
  opt = opt or {}
  local outs = {}
  for name, n in pairs(opt.outputs or {}) do
    if not is_node(n) then error("compile: output '" .. tostring(name) .. "' is not a node", 2) end
    if type(name) == "string" and n:name() ~= name then
      local ok, err = pcall(self.core.set_name, self.core, n.id, name)
      if not ok then error(err, 2) end
    end
    outs[#outs + 1] = n.id
  end
  table.sort(outs)
  if opt.loss ~= nil and not is_node(opt.loss) then error("compile: loss is not a node", 2) end
  if opt.loss and opt.loss:name() == "" then self.core:set_name(opt.loss.id, "loss") end
  for id = 1, self.core:size() do   -- name parameters so files and users see them
    local info = self.core:node(id)
    if info.kind == "param" and info.name == "" then self.core:set_name(id, "param" .. id) end
  end
  local batch = opt.batch or 128
  local prec = opt.precision or "fp32"
  if prec ~= "fp32" and prec ~= "bf16" then
    error("compile: precision must be 'fp32' or 'bf16', got '" .. tostring(prec) .. "'", 2)
  end
  local cm = core.compile(self.core, opt.loss and opt.loss.id, outs, batch, opt.fuse ~= false)
  if prec ~= "fp32" then cm:precision(prec) end
  return wrap_model(cm)
end

-- ln.load(path): model (and its optimizer when saved with one)
function ln.load (path)
  local cm, copt = core.load(path)
  local m = wrap_model(cm)
  if copt then copt = require("luanet.optim").wrap(copt, m) end
  return m, copt
end

-- model:precision() -> "fp32" | "bf16"; model:precision("bf16") switches
-- (the kernels are prepared again; between runs)
function Model:precision (p) return self.core:precision(p) end

function Model:train () self.training = true; return self end
function Model:eval () self.training = false; return self end
Model.evaluate = Model.eval

-- feed a table {name = tensor}; every input the model needs must be there
function Model:feed (feeds)
  if type(feeds) ~= "table" then error("forward: feeds must be a table {name = tensor}", 3) end
  for name, t in pairs(feeds) do
    self.core:feed(name, t)
  end
end

-- model:forward(feeds, training): outputs {name = tensor} (views, valid
-- until the next run)
function Model:forward (feeds, training)
  if feeds then self:feed(feeds) end
  if training == nil then training = self.training end
  self.core:forward(training)
  local out = {}
  for name, id in pairs(self.outputs) do out[name] = self.core:value(id) end
  if self.loss_id then out.loss = self.core:scalar(self.loss_id) end
  return out
end

function Model:backward () self.core:backward() end

-- model:step(feeds, opt): forward (training), backward, update; the loss
function Model:step (feeds, opt)
  self:feed(feeds)
  self.core:forward(true)
  self.core:backward()
  opt:step()
  return self.core:scalar(self.loss_id)
end

-- loss value of the last run
function Model:loss () return self.core:scalar(self.loss_id) end

-- the id of 'name' in 'ids' (outputs or parameters by name); else an
-- error at the caller of method 'fn'
local function id_of (ids, name, fn, what)
  local id = ids[name]
  if not id then error(fn .. ": the model has no " .. what .. " '" .. tostring(name) .. "'", 3) end
  return id
end
function Model:output (name)
  return self.core:value(id_of(self.outputs, name, "output", "output"))
end

-- {name = get(core, id)} over the parameters
local function per_param (m, get)
  local p = {}
  for name, id in pairs(m.params_by_name) do p[name] = get(m.core, id) end
  return p
end
-- parameters by name (tensors viewing the model's memory)
function Model:params ()
  return setmetatable(per_param(self, self.core.value), {__model = self})
end
function Model:param (name)
  return self.core:value(id_of(self.params_by_name, name, "param", "parameter"))
end
function Model:grads () return per_param(self, self.core.grad) end
function Model:grad (name)
  return self.core:grad(id_of(self.params_by_name, name, "grad", "parameter"))
end
-- model:batch(): the batch size of the last feed (the run-time size);
-- model:max_batch(): the compiled maximum (g:compile{batch = ...})
function Model:batch () return self.core:batch() end
function Model:max_batch () return self.core:max_batch() end
function Model:memory () return self.core:memory() end
-- model:chains() -> elementwise chains fused, ops in them, values that
-- live in the chains' block buffers only
function Model:chains () return self.core:chains() end
function Model:save (path, opt) self.core:save(path, opt and (opt.core or opt)) end
function Model:n_params ()
  local n = 0
  for _, id in pairs(self.params_by_name) do n = n + self.core:node(id).numel end
  return n
end

-- model:profile(feeds, steps): time 'steps' training steps (forward and
-- backward) per node; returns rows {id, op, name, fwd, bwd, share} sorted
-- by time, and the total seconds per step
function Model:profile (feeds, steps)
  steps = steps or 10
  local cm = self.core
  self:feed(feeds)
  cm:forward(true); if self.loss_id then cm:backward() end   -- warm up
  cm:profile(true)
  for _ = 1, steps do
    cm:forward(true)
    if self.loss_id then cm:backward() end
  end
  local rows, total = {}, 0
  for _, id in ipairs(cm:order()) do
    local f, b = cm:times(id)
    local info = cm:node(id)
    rows[#rows + 1] = {id = id, op = info.op, name = info.name, fwd = f / steps, bwd = b / steps}
    total = total + (f + b) / steps
  end
  cm:profile(false)
  for _, r in ipairs(rows) do r.share = (r.fwd + r.bwd) / math.max(total, 1e-12) end
  table.sort(rows, function (a, b) return a.fwd + a.bwd > b.fwd + b.bwd end)
  return rows, total
end

local function human_bytes (b)
  if b >= 1048576 then return string.format("%.2f MiB", b / 1048576) end
  if b >= 1024 then return string.format("%.1f KiB", b / 1024) end
  return b .. " B"
end
ln.human_bytes = human_bytes

Model.__tostring = function (m)
  local cm = m.core
  local lines = {string.format("luanet.Model: %d nodes, batch <= %d", cm:size(), cm:max_batch())}
  lines[#lines + 1] = string.format("  %-4s %-14s %-18s %-16s %s", "#", "op", "shape", "name", "params")
  for id = 1, cm:size() do
    local i = cm:node(id)
    local shape = table.concat(i.shape, "x")
    if i.batched then shape = "B" .. shape:gsub("^%d+", "") end
    lines[#lines + 1] = string.format("  %-4d %-14s %-18s %-16s %s", id, i.op, shape,
      i.name, i.kind == "param" and tostring(i.numel) or "")
  end
  local planned, naive = cm:memory()
  lines[#lines + 1] = string.format("  parameters: %d", m:n_params())
  local chains, chained, elided = cm:chains()
  if chains > 0 then
    lines[#lines + 1] = string.format("  fused: %d elementwise chain%s of %d ops, %d value%s in cache only",
      chains, chains == 1 and "" or "s", chained, elided, elided == 1 and "" or "s")
  end
  lines[#lines + 1] = string.format("  memory: %s planned, %s naive (%.0f%%)",
    human_bytes(planned), human_bytes(naive), 100 * planned / math.max(naive, 1))
  return table.concat(lines, "\n")
end

-- }======

-- {====== Module-level functions ======

ln.seed = core.seed
-- ln.rng_state() -> the generator's state (32 bytes); ln.rng_state(s) sets
-- it back (the stream goes on from there; checkpoints keep it)
ln.rng_state = core.rng_state
ln.threads = core.threads
ln.inits = {"zeros", "ones", "const", "uniform", "normal", "xavier_uniform",
            "xavier_normal", "kaiming_uniform", "kaiming_normal", "lecun_normal",
            "torch_default"}
-- names of every op, in table order
function ln.ops () return core.ops() end
function ln.op_info (name) return core.op_info(name) end

-- a description of the build and run-time configuration
-- the vector instruction set of an OpenBLAS core (its kernels' widest)
local core_isa = {SapphireRapids = "AMX/AVX-512", Cooperlake = "AVX-512 with BF16",
  SkylakeX = "AVX-512", Haswell = "AVX2", Zen = "AVX2", SandyBridge = "AVX",
  Sandybridge = "AVX", Bulldozer = "AVX", Piledriver = "AVX", Steamroller = "AVX",
  Excavator = "AVX2", Nehalem = "SSE4.2", Prescott = "SSE3", Core2 = "SSSE3"}

function ln.config ()
  local corename, how = core.blas()
  local dnnl, isa, cvt, policy = core.dnnl()
  return string.format("luanet %s\n  BLAS: OpenBLAS core %s, ISA %s (%s)\n" ..
    "  %s: ISA %s (kernels: %s)\n  bf16 conversion: %s\n  threads: %d (OpenMP wait policy: %s)\n  ops: %d",
    core.version, corename, core_isa[corename] or "?", how, dnnl, isa, policy, cvt,
    core.threads(), os.getenv("OMP_WAIT_POLICY") or (os.getenv("GOMP_SPINCOUNT") and "spin count " ..
    os.getenv("GOMP_SPINCOUNT")) or "libgomp default, spin then sleep", #core.ops())
end

ln.npy_load, ln.npy_save = core.npy_load, core.npy_save

-- submodules, loaded on first use: ln.nn, ln.optim, ln.data, ln.train, ln.plot
setmetatable(ln, {__index = function (t, k)
  local ok, mod = pcall(require, "luanet." .. k)
  if ok then rawset(t, k, mod); return mod end
  if not tostring(mod):find("module 'luanet." .. k .. "' not found", 1, true) then
    error(mod, 2)
  end
  return nil
end})

-- }======

return ln
