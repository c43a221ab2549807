-- spec/support/dmath.lua: reference functions in double without
-- cancellation, for checking float32 kernels (Lua has no log1p, expm1,
-- tanh or a stable sigmoid).
local M = {}

function M.log1p (u)
  local w = 1 + u
  if w == 1 then return u end
  return math.log(w) * u / (w - 1)
end

function M.expm1 (x)
  local u = math.exp(x)
  if u == 1 then return x end
  if u - 1 == -1 then return -1 end
  return (u - 1) * x / math.log(u)
end

function M.sig (z)
  if z >= 0 then return 1 / (1 + math.exp(-z)) end
  local e = math.exp(z)
  return e / (1 + e)
end

function M.softplus (z) return math.max(z, 0) + M.log1p(math.exp(-math.abs(z))) end

function M.tanh (x)
  if math.abs(x) > 20 then return x > 0 and 1 or -1 end
  local e = M.expm1(2 * x)
  return e / (e + 2)
end

-- erfc in double: the Taylor series of erf below 2.5, the continued
-- fraction erfc(z) = exp(-z^2) / sqrt(pi) / (z + 1/2 / (z + 1 / (z + 3/2 /
-- (z + ...)))) above (evaluated bottom-up, 200 terms)
function M.erfc (z)
  if z < 0 then return 2 - M.erfc(-z) end
  if z < 2.5 then
    local term, sum, n = z, z, 0
    repeat
      n = n + 1
      term = -term * z * z / n
      sum = sum + term / (2 * n + 1)
    until math.abs(term / (2 * n + 1)) <= 1e-17 * math.abs(sum)
    return 1 - 2 / math.sqrt(math.pi) * sum
  end
  local f = z
  for k = 200, 1, -1 do f = z + (k / 2) / f end
  return math.exp(-z * z) / math.sqrt(math.pi) / f
end

return M
