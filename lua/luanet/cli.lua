-- luanet.cli: command-line options for scripts, with --help generated
-- from the same table.
--   local opt = ln.cli.parse(arg, "train.lua: train a model", {
--     {"model", "mlp", "mlp or cnn"}, {"epochs", 5, "epochs"}, {"quiet", false, "no output"}})
-- Options are --name value (or --name=value); booleans are flags.
local M = {}

local function usage (about, spec)
  local lines = {about, "", "options:"}
  for _, s in ipairs(spec) do
    local name, default, help = s[1], s[2], s[3]
    local shown = type(default) == "boolean" and "" or (" " .. string.upper(name))
    lines[#lines + 1] = string.format("  --%-22s %s%s", name .. shown, help,
      (default ~= nil and type(default) ~= "boolean") and (" (default " .. tostring(default) .. ")") or "")
  end
  lines[#lines + 1] = string.format("  --%-22s %s", "help", "show this help and exit")
  return table.concat(lines, "\n")
end
M.usage = usage

-- parse 'args' (a script's 'arg'); on --help print usage and exit 0; on a
-- bad option print the error and usage to stderr and exit 2
function M.parse (args, about, spec)
  local opt, by = {}, {}
  for _, s in ipairs(spec) do opt[s[1]] = s[2]; by[s[1]] = s end
  local i = 1
  local function fail (msg)
    io.stderr:write(msg, "\n\n", usage(about, spec), "\n")
    os.exit(2)
  end
  while args[i] do
    local a = args[i]
    local name, val = a:match("^%-%-([%w_%-]+)=(.*)$")
    if not name then name = a:match("^%-%-([%w_%-]+)$") end
    if not name then fail("unexpected argument '" .. a .. "'") end
    name = name:gsub("%-", "_")
    if name == "help" then print(usage(about, spec)); os.exit(0) end
    local s = by[name]
    if not s then fail("unknown option --" .. name) end
    if type(s[2]) == "boolean" and val == nil then
      opt[name] = true
    else
      if val == nil then i = i + 1; val = args[i] end
      if val == nil then fail("option --" .. name .. " needs a value") end
      if type(s[2]) == "number" then
        local v = math.tointeger(tonumber(val)) or tonumber(val)
        if v == nil then fail("option --" .. name .. " needs a number, got '" .. val .. "'") end
        opt[name] = v
      elseif type(s[2]) == "boolean" then
        opt[name] = (val == "true" or val == "1" or val == "yes")
      else
        opt[name] = val
      end
    end
    i = i + 1
  end
  return opt
end

return M
