-- examples/papers/kan.lua: function fitting with every KAN variant of
-- luanet (B-spline KAN, ReLU-KAN, AF-KAN, FourierKAN, TruKAN, KAT's
-- rational GR-KAN, S-KAN, and a quadratic-neuron net) against an MLP of
-- about the B-spline KAN's parameter count; held-out RMSE and parameters.
--
-- Tasks: the toy functions of the KAN paper (Liu et al. 2024,
-- arXiv:2404.19756, section 3.1), which the S-KAN paper (arXiv:2408.08338)
-- also fits: J0(20x); exp(sin(pi x) + y^2); xy;
-- exp((sin(pi (x1^2 + x2^2)) + sin(pi (x3^2 + x4^2))) / 2); and the 100-d
-- exp(mean_i sin^2(pi x_i / 2)) (--tasks picks them). Inputs uniform on
-- [-1, 1], 1000 training and 1000 test points (pykan's create_dataset),
-- full-batch Adam with a cosine schedule, the same for every model.
local ln = require "luanet"
local nn = ln.nn

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/kan.lua [options]
Fit the KAN paper's toy functions with each KAN variant and an MLP of about
equal parameter count; prints test RMSE and parameter counts, and writes a
PNG of the test RMSE over training for one task.]], {
  {"tasks", "bessel,expsin,xy,exp4", "tasks: bessel, expsin, xy, exp4, exp100 (the 100-d task adds ~4 minutes)"},
  {"models", "mlp,bspline,relu,af,fourier,tru,rational,s,quadratic", "models to compare"},
  {"steps", 3000, "full-batch Adam steps per model"},
  {"lr", 1e-2, "Adam learning rate (cosine decay to lr/100)"},
  {"train", 1000, "training points"},
  {"test", 1000, "held-out test points"},
  {"select_steps", 500, "S-KAN: fine-tuning steps (lr / 3) after keeping each node's argmax basis"},
  {"threads", 1, "threads (0: all cores; these nets are small, one thread is fastest)"},
  {"seed", 1, "random seed (data and initial weights)"},
  {"plot", "expsin", "task whose test-RMSE curves go to the PNG"},
  {"out", "out/kan", "directory for kan.png"},
})
if opt.threads > 0 then ln.threads(opt.threads) end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

local function split (s)
  local t = {}
  for w in s:gmatch("[^,%s]+") do t[#t + 1] = w end
  return t
end

-- J0 by its integral (1/pi) int_0^pi cos(z sin t) dt, Simpson on 200 panels
local function bessel_j0 (z)
  local n, s = 200, 0
  for k = 0, n do
    local t = math.pi * k / n
    local w = (k == 0 or k == n) and 1 or (k % 2 == 1 and 4 or 2)
    s = s + w * math.cos(z * math.sin(t))
  end
  return s * (math.pi / n) / 3 / math.pi
end

-- name = {inputs, KAN widths (the paper's shapes), f(x as a Lua list),
-- label, basis options}; J0(20x) swings 6 times over [-1, 1], so its bases
-- are finer (the KAN paper refines its grid for it)
local tasks = {
  bessel = {1, {1, 1}, function (x) return bessel_j0(20 * x[1]) end, "J0(20x)",
            {grid = 20, freq = 10, knots = 20, centers = 20}},
  expsin = {2, {2, 5, 1}, function (x) return math.exp(math.sin(math.pi * x[1]) + x[2] ^ 2) end,
            "exp(sin(pi x) + y^2)"},
  xy = {2, {2, 2, 1}, function (x) return x[1] * x[2] end, "xy"},
  exp4 = {4, {4, 4, 2, 1}, function (x)
    return math.exp((math.sin(math.pi * (x[1] ^ 2 + x[2] ^ 2)) + math.sin(math.pi * (x[3] ^ 2 + x[4] ^ 2))) / 2)
  end, "exp((sin(pi(x1^2+x2^2)) + sin(pi(x3^2+x4^2)))/2)"},
  exp100 = {100, {100, 1, 1}, function (x)
    local s = 0
    for i = 1, 100 do s = s + math.sin(math.pi * x[i] / 2) ^ 2 end
    return math.exp(s / 100)
  end, "exp(mean sin^2(pi x_i / 2)), 100-d"},
}

-- uniform points on [-1, 1]^d and f at them
local function dataset (task, n)
  local d, f = task[1], task[3]
  local X, Y = ln.rand{n, d} * 2 - 1, ln.zeros{n, 1}
  for r = 1, n do
    local x = {}
    for i = 1, d do x[i] = X:get(r, i) end
    Y:set(f(x), r, 1)
  end
  return X, Y
end

-- the layers of one model on the task's widths
local function kan_layers (variant, widths, basis)
  local layers = {}
  for k = 1, #widths - 1 do
    local o = {variant = variant}
    for key, v in pairs(basis or {}) do o[key] = v end
    -- AF-KAN's layer norm over 1 or 2 features collapses them (its norm
    -- is meant for image features): off here, as its code allows
    if variant == "af" then o.norm = false end
    -- KAT's block: rational initialised as identity before the first
    -- linear map, as GELU after it
    if variant == "rational" then o.init = k == 1 and "identity" or "gelu" end
    layers[k] = nn.KAN(widths[k], widths[k + 1], o)
  end
  return layers
end

local function count (layers)
  local n = 0
  for _, l in ipairs(layers) do if l.n_params then n = n + l:n_params() end end
  return n
end

-- MLP d -> h -> h -> 1 (tanh) with about 'target' parameters
local function mlp_layers (d, target)
  local best
  for h = 1, 512 do
    local p = d * h + h + h * h + h + h + 1
    if not best or math.abs(p - target) < math.abs(best[2] - target) then best = {h, p} end
  end
  local h = best[1]
  return {nn.Linear(d, h), nn.Tanh(), nn.Linear(h, h), nn.Tanh(), nn.Linear(h, 1)}, h
end

-- quadratic neurons on the KAN's widths, tanh between layers
local function quadratic_layers (widths)
  local layers = {}
  for k = 1, #widths - 1 do
    layers[#layers + 1] = nn.Quadratic(widths[k], widths[k + 1])
    if k < #widths - 1 then layers[#layers + 1] = nn.Tanh() end
  end
  return layers
end

local function rmse (m, X, Y)
  local out = m:forward({x = X, y = Y}, false)
  return math.sqrt(out.loss)
end

-- train 'layers' on the task; returns test RMSE, params, curve, model
local function fit (layers, d, Xtr, Ytr, Xte, Yte, steps)
  local g = ln.graph()
  local x, y = g:input("x", {"B", d}), g:input("y", {"B", 1})
  local out = x
  for _, l in ipairs(layers) do out = l(out) end
  local m = g:compile{loss = out:mse(y), outputs = {out = out}, batch = math.max(opt.train, opt.test)}
  local o = ln.optim.adam(m, {lr = opt.lr})
  local sched = ln.optim.cosine(o, {t_max = steps, eta_min = opt.lr / 100})
  local curve, every = {}, math.max(1, steps // 50)
  for s = 1, steps do
    m:step({x = Xtr, y = Ytr}, o)
    sched:step()
    if s % every == 0 then curve[#curve + 1] = {s, rmse(m, Xte, Yte)} end
  end
  return rmse(m, Xte, Yte), m:n_params(), curve, m, o
end

local task_names, model_names = split(opt.tasks), split(opt.models)
for _, t in ipairs(task_names) do
  if not tasks[t] then io.stderr:write("kan.lua: unknown task '", t, "'\n"); os.exit(2) end
end
local results, curves = {}, {}
local t_start = ln.core.wall()
for _, tname in ipairs(task_names) do
  local task = tasks[tname]
  ln.seed(opt.seed)
  local Xtr, Ytr = dataset(task, opt.train)
  local Xte, Yte = dataset(task, opt.test)
  local d, widths = task[1], task[2]
  results[tname] = {}
  local kan_params = count(kan_layers("bspline", widths, task[5]))
  io.write(string.format("%s: %s, KAN %s\n", tname, task[4], table.concat(widths, "-")))
  for _, mname in ipairs(model_names) do
    ln.seed(opt.seed + 1)
    local layers, note
    if mname == "mlp" then
      local h
      layers, h = mlp_layers(d, kan_params)
      note = string.format("%d-%d-%d-1 tanh", d, h, h)
    elseif mname == "quadratic" then
      layers = quadratic_layers(widths)
    else
      layers = kan_layers(mname, widths, task[5])
    end
    local t0 = ln.core.wall()
    local err, np, curve, m, o = fit(layers, d, Xtr, Ytr, Xte, Yte, opt.steps)
    results[tname][mname] = {rmse = err, params = np, note = note, time = ln.core.wall() - t0}
    curves[tname] = curves[tname] or {}
    curves[tname][mname] = curve
    io.write(string.format("  %-10s rmse %.3e  params %6d  %.1fs%s\n", mname, err, np,
                           ln.core.wall() - t0, note and ("  (" .. note .. ")") or ""))
    if mname == "s" then
      -- S-KAN's last phase: keep each node's argmax basis, fine-tune
      local kept = {}
      for _, l in ipairs(layers) do
        l.kept = l:select(m)
        for _, b in ipairs(l.kept) do kept[b] = (kept[b] or 0) + 1 end
      end
      o:lr(opt.lr / 3)
      local X, Y = Xtr, Ytr
      for _ = 1, opt.select_steps do m:step({x = X, y = Y}, o) end
      local parts = {}
      for _, b in ipairs{"bspline", "chebyshev", "rbf", "fourier"} do
        if kept[b] then parts[#parts + 1] = b .. " x" .. kept[b] end
      end
      local err2 = rmse(m, Xte, Yte)
      -- parameters left: each node's kept block of coefficients, and biases
      local left = 0
      for _, l in ipairs(layers) do
        local q = {bspline = 1, chebyshev = 2, rbf = 3, fourier = 4}
        for _, b in ipairs(l.kept) do left = left + l.n_in * l.blocks[q[b]] end
        if l.bias then left = left + l.n_out end
      end
      results[tname]["s kept"] = {rmse = err2, params = left, note = table.concat(parts, ", ")}
      io.write(string.format("  %-10s rmse %.3e  params %6d  (argmax basis per node: %s)\n",
                             "s kept", err2, left, table.concat(parts, ", ")))
    end
  end
end

-- the table: one row per model, RMSE and parameters per task
local rows = {}
for _, mname in ipairs(model_names) do
  rows[#rows + 1] = mname
  if mname == "s" then rows[#rows + 1] = "s kept" end
end
print()
print("test RMSE (parameters); " .. opt.train .. " training points, " .. opt.steps .. " Adam steps")
local head = string.format("%-10s", "model")
for _, t in ipairs(task_names) do head = head .. string.format(" | %-20s", t) end
print(head)
print(string.rep("-", #head))
for _, mname in ipairs(rows) do
  local line = string.format("%-10s", mname)
  for _, t in ipairs(task_names) do
    local r = results[t][mname]
    line = line .. string.format(" | %-20s", r and string.format("%.2e (%d)", r.rmse, r.params) or "")
  end
  print(line)
end
local best = {}
for _, t in ipairs(task_names) do
  local b
  for _, mname in ipairs(rows) do
    local r = results[t][mname]
    if r and (not b or r.rmse < results[t][b].rmse) then b = mname end
  end
  best[#best + 1] = t .. ": " .. b
end
print("lowest RMSE per task: " .. table.concat(best, ", "))
print(string.format("total time %.0f s", ln.core.wall() - t_start))

if curves[opt.plot] then
  local series = {}
  for _, mname in ipairs(model_names) do
    local c = curves[opt.plot][mname]
    if c then
      local xs, ys = {}, {}
      for k, p in ipairs(c) do xs[k], ys[k] = p[1], math.log(p[2], 10) end
      series[#series + 1] = {name = mname, x = xs, y = ys}
    end
  end
  local path = ln.plot.lines(opt.out .. "/kan.png", {title = "test RMSE, " .. tasks[opt.plot][4],
    xlabel = "Adam step", ylabel = "log10 RMSE", series = series})
  print("wrote " .. path)
end
