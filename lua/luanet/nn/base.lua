-- luanet.nn.base: what every layer family shares -- argument checks, the
-- callable class, and base.layer, which turns a declarative description
-- of a layer with parameters (its arguments, options, parameters and op)
-- into its constructor and build method.
local B = {}

-- v must be a positive integer; 'level' 3 blames whoever called the
-- constructor that checks it
function B.positive_int (v, what, level)
  if math.type(v) ~= "integer" or v <= 0 then
    error(what .. " must be a positive integer, got " .. tostring(v), level or 3)
  end
end

function B.check_node (x, what, level)
  local ln = require "luanet"
  if not ln.is_node(x) then
    error(what .. ": input must be a graph node, got " .. type(x), level or 3)
  end
end

-- x's last dim must be n: "<label>: input has 3 features (shape 2x3)";
-- label defaults to tostring(layer)
function B.check_features (layer, x, n, label, level)
  local shape = x:info().shape
  if shape[#shape] ~= n then
    error(string.format("%s: input has %d features (shape %s)", label or tostring(layer),
      shape[#shape], table.concat(shape, "x")), level or 3)
  end
end

-- the start of a build: x must be a node (with n_in features when given);
-- returns x's graph and the layer's name, self.name or "<prefix><k>"
function B.begin (self, x, cname, prefix, n_in)
  B.check_node(x, cname, 4)
  if n_in then B.check_features(self, x, n_in, nil, 4) end
  local g = x.graph
  return g, self.name or g:unique(prefix)
end

-- a class whose instances are callable: layer(x) == layer:build(x)
function B.class (name)
  local c = {}
  c.__index = c
  c.__name = name
  c.__call = function (self, x) return self:build(x) end
  return c
end

-- a layer class without parameters over op 'op': its fields (a list of
-- names) are the op's attributes and show in tostring
function B.simple (name, op, fields)
  local c = B.class(name)
  c.__tostring = function (l)
    local parts = {}
    for _, f in ipairs(fields or {}) do
      if l[f] ~= nil then parts[#parts + 1] = f .. "=" .. tostring(l[f]) end
    end
    return name .. "(" .. table.concat(parts, ", ") .. ")"
  end
  c.build = function (self, x)
    B.check_node(x, name)
    local attrs = {}
    for _, f in ipairs(fields or {}) do attrs[f] = self[f] end
    return x.graph:op(op, x, attrs)
  end
  return c
end

-- the non-batch shape of node x (its trailing dims after the first)
function B.feature_shape (x)
  local s, out = x:info().shape, {}
  for i = 2, #s do out[#out + 1] = s[i] end
  return out
end

-- a parameter holding given values (a flat list, row-major); shape
-- defaults to {#values}
function B.param_values (g, name, shape, values)
  if values == nil then shape, values = {#shape}, shape end
  local node = g:param(name, shape, "zeros")
  local t = g:value(node)
  for k = 1, #values do t:flat(k, values[k]) end
  return node
end

-- a shape given as a number or a list of numbers
function B.shape_list (s, what)
  if math.type(s) == "integer" then s = {s} end
  if type(s) ~= "table" or #s == 0 then
    error(what .. " must be a positive integer or a list of them", 3)
  end
  for _, d in ipairs(s) do B.positive_int(d, what, 4) end
  return s
end

function B.has_op (name)
  local ln = require "luanet"
  for _, op in ipairs(ln.ops()) do if op == name then return true end end
  return false
end

-- the default activation of the wrapping layers: GELU where the op table
-- has it (the papers' choice), else tanh
function B.default_act () return B.has_op("gelu") and "gelu" or "tanh" end

-- {====== Declarative layers with parameters ======
-- base.layer(spec) returns (constructor, class) for a layer
--   name      class name, also in error messages ("Dice: channels ...")
--   prefix    name prefix of its parameters: "<prefix><k>.<key>"
--   op        the op it applies: op(x, <parameters in order>, attrs)
--   args      positional constructor arguments, positive integers: a
--             field name, or {field, label, check = f} where the message
--             names 'label' and f(value, "<name>: <label>") checks and
--             returns the value (default B.positive_int)
--   opts      {field = default}: fields read from the options table
--             (the last argument); every layer also takes opt.name
--   check     function (self, opt) run by the constructor after the
--             fields are set (further checks: error level 3)
--   params    list of {field, key, shape, init, a, buffer = value, when}:
--             a parameter (a buffer when 'buffer' is given: its fill
--             value) named "<name>.<key>", kept as self[field]; shape is
--             a field name (a number or a list there), a table, or a
--             function (self, x); init and a are values or functions
--             (self); 'when' (a field name or function (self)) skips it
--             when false
--   attrs     list of field names passed as op attributes, or a function
--             (self) returning the attribute table
--   inputs    optional function (self, x) checking x before the
--             parameters are made (error level 3 blames the caller of build)
--   tostring  function (self) for __tostring
local function value_of (self, v, x)
  if type(v) == "function" then return v(self, x) end
  return v
end

local function shape_of (self, s, x)
  if type(s) == "string" then s = self[s] end
  s = value_of(self, s, x)
  if type(s) == "number" then return {s} end
  return s
end

local function wanted (self, when)
  if when == nil then return true end
  if type(when) == "string" then return self[when] end
  return when(self)
end

function B.layer (spec)
  local c = B.class(spec.name)
  c.__tostring = spec.tostring
  local function new (...)
    local args, self = {...}, {}
    for i, a in ipairs(spec.args or {}) do
      local field, label, check = a, a, nil
      if type(a) == "table" then field, label, check = a[1], a[2], a.check end
      if check then
        self[field] = check(args[i], spec.name .. ": " .. label)
      else
        B.positive_int(args[i], spec.name .. ": " .. label, 3)
        self[field] = args[i]
      end
    end
    local opt = args[#(spec.args or {}) + 1] or {}
    for field, default in pairs(spec.opts or {}) do self[field] = opt[field] or default end
    self.name = opt.name
    setmetatable(self, c)
    if spec.check then spec.check(self, opt) end
    return self
  end
  function c:build (x)
    if spec.inputs then B.check_node(x, spec.name); spec.inputs(self, x) end
    local g, name = B.begin(self, x, spec.name, spec.prefix)
    local ins = {}
    for _, p in ipairs(spec.params) do
      local field, key = p[1], p[2]
      if wanted(self, p.when) then
        local shape = shape_of(self, p[3], x)
        if p.buffer ~= nil then
          self[field] = g:buffer(name .. "." .. key, shape, p.buffer)
        else
          self[field] = g:param(name .. "." .. key, shape, value_of(self, p[4]),
                                value_of(self, p[5]))
        end
        ins[#ins + 1] = self[field]
      end
    end
    local attrs = spec.attrs
    if type(attrs) == "function" then
      attrs = attrs(self)
    else
      local t = {}
      for _, f in ipairs(attrs or {}) do t[f] = self[f] end
      attrs = t
    end
    ins[#ins + 1] = attrs
    return g:op(spec.op, x, table.unpack(ins))
  end
  return new, c
end
-- }======

return B
