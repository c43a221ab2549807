-- Helpers for the specs that run examples/papers/*.lua end to end.
local M = {}

-- run a shell command; its output (stdout and stderr) and whether it exited 0
function M.run (cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and code == 0
end

-- a new empty directory
function M.tmpdir ()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. d))
  return d
end

function M.exists (path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- one case {title, check} per example: 'name.lua --help' prints its
-- usage and --full; the spec gives each to busted's it()
function M.help_cases (names)
  local assert = require "luassert"
  local cases = {}
  for _, name in ipairs(names) do
    cases[#cases + 1] = {name .. ".lua --help prints its options", function ()
      local out, ok = M.run("./luanet examples/papers/" .. name .. ".lua --help")
      assert.is_true(ok, out)
      assert.is_truthy(out:find("usage: luanet examples/papers/" .. name .. ".lua", 1, true), out)
      assert.is_truthy(out:find("--full", 1, true), out)
    end}
  end
  return cases
end

return M
