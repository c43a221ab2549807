-- tools/ops_doc.lua: write docs/ops.md, the op reference, from the op
-- table (name, arity, positional arguments, attributes with their markers
-- and defaults, formula, paper).
--   ./luanet tools/ops_doc.lua > docs/ops.md      (make docs)
local ln = require "luanet"

local END = 2147483647   -- the engine's stop past any dimension

-- a default as a Lua caller writes it: axes and start indices 1-based,
-- stop indices inclusive (the engine keeps them 0-based, stops
-- exclusive); other values as the spec writes them ('text')
local function lua_default (a, text)
  local v = a.default
  if not (a.axis or a.start or a.stop) or math.type(v) ~= "integer" then return text end
  if (a.axis or a.start) and v >= 0 then v = v + 1 end
  if a.stop then v = (v == END) and -1 or (v < 0 and v - 1 or v) end
  return tostring(v)
end

-- what kind of value an attribute is, from its markers
local function kind (a)
  local k = {}
  if a.axis then k[#k + 1] = a.list and "list of axes" or "axis" end
  if a.start then k[#k + 1] = "start index" end
  if a.stop then k[#k + 1] = "stop index" end
  if a.list and not a.axis then k[#k + 1] = "list" end
  if a.batch then k[#k + 1] = "\"B\" = batch" end
  return #k > 0 and (" (" .. table.concat(k, ", ") .. ")") or ""
end

local function attrs (info)
  local out, text = {}, {}
  for item in info.attrs:gmatch("[^,]+") do text[#text + 1] = item:match("=(.*)$") end
  for i, a in ipairs(info.attr_info) do
    local s = "`" .. a.name .. "`" .. kind(a)
    local pair = text[i] and text[i]:match("^(.-):2$")
    if a.enum then
      s = s .. " = " .. table.concat(a.enum, " \\| ") .. " (first is default)"
    elseif pair then s = s .. " = " .. lua_default(a, pair) .. " (or a pair {h, w})"
    elseif not a.list then s = s .. " = " .. lua_default(a, text[i]) end
    out[#out + 1] = s
  end
  return table.concat(out, ", ")
end

local function arity (i)
  if i.min_in == i.max_in then return tostring(i.min_in) end
  return i.min_in .. "–" .. i.max_in
end

local names = ln.ops()
table.sort(names)
io.write("# luanet op reference\n\n",
  "Generated from the op table by `make docs` (tools/ops_doc.lua); do not edit.\n",
  "Every op is a graph node (`g:op(name, ...)`, or a node method) and an eager\n",
  "tensor method (`t:name(...)`); attributes go in a trailing table, and the\n",
  "positional ones may also follow the tensor inputs, in the order listed\n",
  "(`t:sum(2, true)` is `t:sum{axes = {2}, keepdim = true}`).\n\n",
  "From Lua, as everywhere in luanet, positions count from 1: an axis is\n",
  "1-based and negatives count from the end (-1 the last); a start and a\n",
  "stop index are 1-based and inclusive (stop -1: to the end); a list takes\n",
  "a single integer as a list of one. Defaults are shown as Lua takes them.\n",
  "The markers come from each op's attribute spec (src/core/ln_op.c).\n\n",
  "| op | inputs | positional | attributes (defaults) | formula | paper |\n",
  "|---|---|---|---|---|---|\n")
for _, name in ipairs(names) do
  local i = ln.op_info(name)
  local doc = i.doc:gsub("|", "\\|")
  local pos = #i.positional > 0 and table.concat(i.positional, ", ") or ""
  io.write(string.format("| `%s` | %s | %s | %s | %s%s | %s |\n", name, arity(i), pos,
    attrs(i), doc, i.has_grad and "" or " (no gradient)", i.paper))
end
io.write("\n", #names, " ops.\n")
