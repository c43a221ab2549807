-- The vectorised kernels (src/kernels/ln_vmath.h, src/kernels/ln_vmath.c): the elementwise
-- maps call glibc's libmvec (AVX-512, AVX2 or SSE versions of expf, tanhf,
-- log1pf...), and softmax, log_softmax and cross_entropy run their rows
-- through vectorised max, exp and sum. Checked here against references
-- computed in double, over a dense grid (4099 points: every vector width
-- leaves a remainder) and at extreme inputs, values and gradients, and the
-- same under one and two threads. gelu's erf form has its own erfc (a
-- Numerical Recipes fit), checked the same way.
local ln = require "luanet"

-- {====== references in double ======

local D = require "spec.support.dmath"
local expm1, sig, tanh, softplus, erfc = D.expm1, D.sig, D.tanh, D.softplus, D.erfc
local LAM, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
local K = math.sqrt(2 / math.pi)

-- op name, attributes, y(x), dy/dx(x), input range
local cases = {
  {"exp", nil, math.exp, math.exp, -87, 88},
  {"log", nil, math.log, function (x) return 1 / x end, 1e-30, 1e30},
  {"sigmoid", nil, sig, function (x) return sig(x) * sig(-x) end},
  {"tanh", nil, tanh, function (x) local t = tanh(x); return 1 - t * t end},
  {"elu", {alpha = 1}, function (x) return x > 0 and x or expm1(x) end,
   function (x) return x > 0 and 1 or math.exp(x) end},
  {"selu", nil, function (x) return x > 0 and LAM * x or LAM * ALPHA * expm1(x) end,
   function (x) return x > 0 and LAM or LAM * ALPHA * math.exp(x) end},
  {"celu", {alpha = 2}, function (x) return x > 0 and x or 2 * expm1(x / 2) end,
   function (x) return x > 0 and 1 or math.exp(x / 2) end},
  {"silu", nil, function (x) return x * sig(x) end,
   function (x) return sig(x) * (1 + x * sig(-x)) end},
  {"softplus", nil, softplus, sig},
  {"logsigmoid", nil, function (x) return -softplus(-x) end, function (x) return sig(-x) end},
  {"mish", nil, function (x) return x * tanh(softplus(x)) end,
   function (x)
     local t = tanh(softplus(x))
     return t + x * (1 - t * t) * sig(x)
   end},
  {"gelu", nil, function (x) return x * 0.5 * erfc(-x / math.sqrt(2)) end,
   function (x)
     return 0.5 * erfc(-x / math.sqrt(2)) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
   end},
  -- 1 + tanh(u) = 2 sigmoid(2u): no cancellation in the left tail
  {"gelu", {approximate = "tanh"}, function (x)
     return x * sig(2 * K * (x + 0.044715 * x ^ 3))
   end, nil},
}

-- }======

-- the grid: 4099 points over [lo, hi] (log-spaced for log), and extremes
local function grid (lo, hi, name)
  local v = {}
  if name == "log" then
    for i = 0, 4098 do v[#v + 1] = math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * i / 4098) end
    return v
  end
  for i = 0, 4098 do v[#v + 1] = lo + (hi - lo) * i / 4098 end
  for _, e in ipairs{-1e4, -200, -88.7, -30, -1e-7, 0, 1e-7, 30, 88.7, 200, 1e4} do
    if e >= lo and e <= hi then v[#v + 1] = e end
  end
  return v
end

-- forward and the gradient of sum(y) through a compiled graph
local function run (op, attrs, xs, threads)
  local old = ln.threads()
  ln.threads(threads or 1)
  local g = ln.graph()
  local x = g:param("x", {#xs}, "zeros")
  local t = g:value(x)
  for i, v in ipairs(xs) do t:flat(i, v) end
  local y = attrs and g:op(op, x, attrs) or g:op(op, x)
  local m = g:compile{loss = y:sum(), outputs = {y = y}, batch = 1}
  local out = m:forward({}, true).y:clone()
  m:backward()
  local gx = m:grad("x"):clone()
  ln.threads(old)
  return out, gx
end

local function check (what, got, want, x, rtol, atol)
  if want ~= want then return end   -- reference undefined
  if math.abs(want) == math.huge then
    assert(got == want, string.format("%s at x = %.9g: %.9g, want %s", what, x, got, want))
    return
  end
  if not (math.abs(got - want) <= rtol * math.abs(want) + atol) then
    error(string.format("%s at x = %.9g: %.9g, want %.9g", what, x, got, want), 2)
  end
end

-- the float32 input a value becomes
local function f32 (v) return ln.tensor{v}:flat(1) end

describe("vectorised kernels", function ()
  for _, c in ipairs(cases) do
    local name, attrs, f, df, lo, hi = table.unpack(c)
    it(name .. (attrs and attrs.approximate and " (" .. attrs.approximate .. ")" or "") .. ": values and gradients within a few ulp of double, and at extreme inputs", function ()
      local xs = grid(lo or -40, hi or 40, name)
      local y, gx = run(name, attrs, xs)
      for i, v in ipairs(xs) do
        local x = f32(v)
        -- float32 rounding of the result and libmvec's <= 4 ulp, plus the
        -- float rounding of an exponent, which grows with |x|; gradients
        -- formed from the output (tanh: 1 - o^2) lose up to two ulp of 1
        local r = 2e-6 * (1 + math.abs(x))
        check(name, y:flat(i), f(x), x, r, 1e-37)
        if df then check(name .. "'", gx:flat(i), df(x), x, 2 * r, 2.5e-7) end
      end
    end)
  end

  it("give the same bits with one thread and with two", function ()
    local xs = {}
    for i = 1, 100003 do xs[i] = math.sin(i) * 12 end   -- above the parallel threshold
    for _, op in ipairs{"tanh", "gelu", "mish", "exp"} do
      local y1, g1 = run(op, nil, xs, 1)
      local y2, g2 = run(op, nil, xs, 2)
      for i = 1, #xs, 7 do
        assert(y1:flat(i) == y2:flat(i) and g1:flat(i) == g2:flat(i), op .. ": differs at " .. i)
      end
    end
  end)

  it("softmax, log_softmax and cross_entropy rows agree with double", function ()
    local C, N = 1031, 3   -- an odd row length
    local x = ln.zeros{N, C}
    for i = 1, N * C do x:flat(i, math.sin(i * 0.37) * (i % 3 == 0 and 60 or 6)) end
    x:flat(5, 1e4)   -- one row with a huge logit
    local sm, lsm = x:softmax({axis = -1}), x:log_softmax({axis = -1})
    local labels = ln.tensor({0, 500, 1030}, "int32")
    local ce = x:cross_entropy(labels):get()
    local want_ce = 0
    for r = 0, N - 1 do
      local mx = -math.huge
      for k = 1, C do mx = math.max(mx, x:flat(r * C + k)) end
      local s = 0
      for k = 1, C do s = s + math.exp(x:flat(r * C + k) - mx) end
      local lse = mx + math.log(s)
      for k = 1, C do
        local v = x:flat(r * C + k)
        check("softmax", sm:flat(r * C + k), math.exp(v - lse), v, 2e-6 * (1 + math.abs(v - lse)), 1e-37)
        check("log_softmax", lsm:flat(r * C + k), v - lse, v, 2e-6, 2e-6)
      end
      want_ce = want_ce + (lse - x:flat(r * C + labels:flat(r + 1) + 1)) / N
    end
    check("cross_entropy", ce, want_ce, 0, 2e-6, 1e-6)
  end)
end)
