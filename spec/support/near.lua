-- spec/support/near.lua: value assertions shared by the op specs.
--   local near, finite = require("spec.support.near")()
-- near(t, want, tol): t (tensor or nested table) equals 'want' element by
-- element within tol (default 1e-5) relative to max(1, |want|), never NaN.
-- finite(t): no NaN or infinity in tensor t.
local ln = require "luanet"

local function near (t, want, tol)
  local got = ln.is_tensor(t) and t:totable() or t
  local function cmp (a, b)
    if type(b) == "table" then
      if #a ~= #b then error(string.format("got %d elements, want %d", #a, #b), 0) end
      for i = 1, #b do cmp(a[i], b[i]) end
    elseif not (a == a and math.abs(a - b) <= (tol or 1e-5) * math.max(1, math.abs(b))) then
      error(string.format("got %.9g, want %.9g", a, b), 0)
    end
  end
  cmp(got, want)
end

local function finite (t)
  for k = 1, t:numel() do
    local v = t:flat(k)
    if v ~= v or v == math.huge or v == -math.huge then return false end
  end
  return true
end

return function () return near, finite end
