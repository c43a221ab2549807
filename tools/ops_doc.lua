-- tools/ops_doc.lua: write docs/ops.md, the op reference, from the op
-- table (name, arity, attributes with defaults, formula, paper).
--   ./luanet tools/ops_doc.lua > docs/ops.md      (make docs)
local ln = require "luanet"

local function attrs (spec)
  if spec == "" then return "" end
  local out = {}
  for item in spec:gmatch("[^,]+") do
    local name, def = item:match("^[@#]*([^=]+)=?(.*)$")
    local pair = def:match("^(.-):2$")
    if pair then out[#out + 1] = "`" .. name .. "` = " .. pair .. " (or a pair {h, w})"
    elseif def == "[]" then out[#out + 1] = "`" .. name .. "` (list)"
    elseif def:find("|", 1, true) then
      out[#out + 1] = "`" .. name .. "` = " .. def:gsub("|", " \\| ") .. " (first is default)"
    elseif def == "" then out[#out + 1] = "`" .. name .. "`"
    else out[#out + 1] = "`" .. name .. "` = " .. def end
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
  "tensor method (`t:name(...)`); attributes go in a trailing table.\n\n",
  "| op | inputs | attributes (defaults) | formula | paper |\n",
  "|---|---|---|---|---|\n")
for _, name in ipairs(names) do
  local i = ln.op_info(name)
  local doc = i.doc:gsub("|", "\\|")
  io.write(string.format("| `%s` | %s | %s | %s%s | %s |\n", name, arity(i), attrs(i.attrs),
    doc, i.has_grad and "" or " (no gradient)", i.paper))
end
io.write("\n", #names, " ops.\n")
