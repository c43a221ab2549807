-- examples/papers/polycom.lua: PolyReLU and PolyNorm (Zhuo et al. 2024,
-- "Polynomial Composition Activations", arXiv:2411.03884) against ReLU and
-- GELU, in an MLP and in a small transformer block, on Fashion-MNIST.
--
-- The block treats the 28 image rows as 28 tokens: row embedding plus a
-- learned position embedding, pre-norm single-head attention (matmul and
-- softmax) and a pre-norm FFN whose activation is the one compared, both
-- with residuals, mean-pooled into a linear classifier. GELU is the
-- engine's gelu op (exact, erf form), layer norm its layer_norm op.
local ln = require "luanet"

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/polycom.lua [options]
PolyReLU / PolyNorm vs ReLU / GELU (PolyCom) in an MLP and a transformer
block on Fashion-MNIST (the bundled subset unless --full); prints the test
accuracy per activation and model, and writes a PNG of the curves.]], {
  {"epochs", 8, "epochs per run"},
  {"batch", 128, "mini-batch size"},
  {"lr", 1e-3, "Adam learning rate"},
  {"hidden", 256, "MLP hidden width (two hidden layers)"},
  {"dim", 48, "transformer width (FFN 4x)"},
  {"models", "mlp,block", "models to run: mlp, block, or both"},
  {"acts", "relu,gelu,poly_relu,poly_norm", "activations to compare"},
  {"limit", 0, "use only the first N training examples (0: all)"},
  {"full", false, "full Fashion-MNIST when installed (default: bundled subset)"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "first random seed (same initial weights for every activation)"},
  {"seeds", 1, "runs per configuration (seeds seed, seed+1, ...); the table shows means"},
  {"out", "out/polycom", "directory for polycom.png"},
})

if opt.threads > 0 then ln.threads(opt.threads) end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

local function split (s)
  local t = {}
  for w in s:gmatch("[^,%s]+") do t[#t + 1] = w end
  return t
end
local acts, models = split(opt.acts), split(opt.models)

local train = ln.data.fashion_mnist("train", {subset = not opt.full})
local test = ln.data.fashion_mnist("test", {subset = not opt.full})
if opt.limit > 0 then train = train:head(opt.limit) end
print(tostring(train))
print(tostring(test))

-- the compared activations; polynomial ones are the nn layers (w = 1/3)
local function act (name, x)
  if name == "relu" then return x:relu() end
  if name == "gelu" then return x:gelu() end
  if name == "poly_relu" then return ln.nn.PolyReLU()(x) end
  if name == "poly_norm" then return ln.nn.PolyNorm()(x) end
  error("polycom.lua: unknown activation '" .. name .. "'")
end

-- layer norm over the last dim, with gamma and beta
local function layer_norm (x, d, name)
  return ln.nn.LayerNorm(d, {name = name})(x)
end

local function mlp (g, name)
  local x = g:input("x", {"B", 784})
  local h = act(name, ln.nn.Linear(784, opt.hidden)(x))
  h = act(name, ln.nn.Linear(opt.hidden, opt.hidden)(h))
  return ln.nn.Linear(opt.hidden, 10)(h)
end

local function block (g, name)
  local d, T = opt.dim, 28
  local x = g:input("x", {"B", 784})
  local tok = x:reshape{"B", T, 28}
  local h = ln.nn.Linear(28, d)(tok) + g:param("pos", {T, d}, "normal", 0.02)
  -- attention: softmax(Q K^T / sqrt(d)) V, one head
  local a = layer_norm(h, d, "ln1")
  local q = ln.nn.Linear(d, d)(a)
  local k = ln.nn.Linear(d, d)(a)
  local v = ln.nn.Linear(d, d)(a)
  local att = (q:matmul(k:transpose(2, 3)) * (1 / math.sqrt(d))):softmax(-1)
  h = h + ln.nn.Linear(d, d)(att:matmul(v))
  -- FFN with the compared activation
  local f = act(name, ln.nn.Linear(d, 4 * d)(layer_norm(h, d, "ln2")))
  h = h + ln.nn.Linear(4 * d, d)(f)
  return ln.nn.Linear(d, 10)(layer_norm(h, d, "ln3"):mean(2))
end

local builders = {mlp = mlp, block = block}
local results, curves = {}, {}
for _, mname in ipairs(models) do
  if not builders[mname] then error("polycom.lua: --models takes mlp and block, got '" .. mname .. "'") end
  for _, aname in ipairs(acts) do
    local r = {model = mname, act = aname, final = 0, best = 0, loss = 0, secs = 0, accs = {}}
    for run = 1, opt.seeds do
      ln.seed(opt.seed + run - 1)
      local g = ln.graph()
      local logits = builders[mname](g, aname)
      local y = g:input("y", {"B"}, "int32")
      local model = g:compile{loss = logits:cross_entropy(y), outputs = {logits = logits}, batch = opt.batch}
      local adam = ln.optim.adam(model, {lr = opt.lr})
      io.stdout:write(string.format("\n== %s with %s, seed %d (%d parameters)\n", mname, aname,
        opt.seed + run - 1, model:n_params()))
      local t0 = ln.train.wall()
      local hist = ln.train.fit{model = model, optim = adam, train = train, test = test,
        epochs = opt.epochs, batch = opt.batch}
      local best = 0
      for _, a in ipairs(hist.test_acc) do best = math.max(best, a) end
      local final = hist.test_acc[#hist.test_acc]
      r.accs[run] = final
      r.final = r.final + final / opt.seeds
      r.best = r.best + best / opt.seeds
      r.loss = r.loss + hist.train_loss[#hist.train_loss] / opt.seeds
      r.secs = r.secs + (ln.train.wall() - t0)
      r.params = model:n_params()
      if run == 1 then curves[#curves + 1] = {name = mname .. " " .. aname, y = hist.test_acc} end
    end
    results[#results + 1] = r
  end
end

print(string.format("\nPolyCom on Fashion-MNIST (%s, %d train / %d test, %d epochs, Adam %g, %d seed%s)",
  train.name, #train, #test, opt.epochs, opt.lr, opt.seeds, opt.seeds > 1 and "s, means" or ""))
print(string.format("%-6s %-10s %8s %10s %10s %11s %7s  %s", "model", "activation", "params",
  "test acc", "best acc", "train loss", "time", opt.seeds > 1 and "per seed" or ""))
for _, r in ipairs(results) do
  local per = {}
  for i, a in ipairs(r.accs) do per[i] = string.format("%.2f", 100 * a) end
  print(string.format("%-6s %-10s %8d %9.2f%% %9.2f%% %11.4f %6.0fs  %s", r.model, r.act, r.params,
    100 * r.final, 100 * r.best, r.loss, r.secs, opt.seeds > 1 and table.concat(per, " ") or ""))
end

local png = opt.out .. "/polycom.png"
ln.plot.lines(png, {title = "PolyCom: test accuracy", xlabel = "epoch", series = curves})
print("wrote " .. png)
