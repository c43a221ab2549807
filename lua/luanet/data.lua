-- luanet.data: data sets and mini-batches. IDX (MNIST, Fashion-MNIST,
-- gzip'ed or not), .npy, PNG images; shuffled, seeded batches.
local core = require "luanet.core"

local M = {}

-- where the full Fashion-MNIST of Debian's dataset-fashion-mnist lives
M.fashion_mnist_dir = "/usr/share/datasets/fashion-mnist"

-- the bundled subset: data/fashion-mnist-subset beside lua/ in the source
-- tree, or share/luanet/ when installed
local function bundled_dir ()
  local src = debug.getinfo(1, "S").source:match("^@(.*)$") or ""
  local root = src:match("^(.*)lua/luanet/data%.lua$")
  local candidates = {"data/fashion-mnist-subset", "/usr/local/share/luanet/fashion-mnist-subset"}
  if root then table.insert(candidates, 1, (root == "" and "." or root:gsub("/$", "")) .. "/data/fashion-mnist-subset") end
  for _, d in ipairs(candidates) do
    local f = io.open(d .. "/train-labels-idx1-ubyte.gz", "rb")
    if f then f:close(); return d end
  end
  return nil
end
M.bundled_dir = bundled_dir

local function exists (path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local Dataset = {}
Dataset.__index = Dataset
M.Dataset = Dataset

-- a data set from tensors x (N x ...) and y (N): ds.x, ds.y, #ds
function M.dataset (x, y, name)
  if #x ~= #y then
    error(string.format("dataset: x has %d rows but y has %d", #x, #y), 2)
  end
  return setmetatable({x = x, y = y, name = name or "dataset"}, Dataset)
end
Dataset.__len = function (d) return #d.x end
Dataset.__tostring = function (d)
  return string.format("Dataset '%s': %d examples, x %s %s, y %s %s", d.name, #d.x,
    d.x:dtype(), table.concat(d.x:shape(), "x"), d.y:dtype(), table.concat(d.y:shape(), "x"))
end

-- the first n examples (a copy)
function Dataset:head (n)
  n = math.min(n, #self)
  return M.dataset(self.x:rows(1, n), self.y:rows(1, n), self.name)
end

-- x reshaped to 'shape' per example, e.g. {1, 28, 28} for a CNN
function Dataset:view (shape)
  local s = {#self.x}
  for _, d in ipairs(shape) do s[#s + 1] = d end
  return M.dataset(self.x:clone(s), self.y, self.name)
end

-- a permutation of 1..n from the engine's seeded generator (Fisher-Yates)
local function permutation (n, rng)
  local p = {}
  for i = 1, n do p[i] = i end
  for i = n, 2, -1 do
    local j = rng(i)
    p[i], p[j] = p[j], p[i]
  end
  return p
end

-- an integer in 1..n from luanet's generator (so ln.seed() fixes it)
local function engine_rng (n)
  local u = core.random({1}, "uniform"):get(1)
  return math.min(n, math.floor(u * n) + 1)
end

-- for xb, yb, i in ds:batches(128, {shuffle = true}) do ... end
-- The last batch may be smaller (drop_last = true drops it). The order is
-- drawn from the engine's generator when batches() is called (n - 1
-- draws), so the generator's state then fixes it: a resumed epoch sets
-- that state back (core.rng_state) and starts at batch 'start' (default 1)
-- of the same order.
function Dataset:batches (size, opt)
  opt = opt or {}
  if math.type(size) ~= "integer" or size < 1 then
    error("batches: size must be a positive integer, got " .. tostring(size), 2)
  end
  local n = #self
  -- (not 'shuffle == false and nil or ...': that always shuffles)
  local order
  if opt.shuffle ~= false then order = permutation(n, engine_rng) end
  local count = opt.drop_last and (n // size) or ((n + size - 1) // size)
  local start = opt.start or 1
  if math.type(start) ~= "integer" or start < 1 or start > count + 1 then
    error(string.format("batches: start must be an integer in 1..%d, got %s", count + 1,
                        tostring(start)), 2)
  end
  local b = start - 1
  return function ()
    b = b + 1
    if b > count then return nil end
    local first, len = (b - 1) * size + 1, math.min(size, n - (b - 1) * size)
    if order then
      return self.x:gather_rows(order, first, len), self.y:gather_rows(order, first, len), b
    end
    return self.x:rows(first, len), self.y:rows(first, len), b
  end, count
end

-- number of batches of 'size'
function Dataset:n_batches (size, drop_last)
  return drop_last and (#self // size) or ((#self + size - 1) // size)
end

-- IDX file (.gz or plain): images as float32 in [0, 1], labels as int32
function M.idx (path, scale)
  return core.idx_load(path, scale ~= false)
end

-- Fashion-MNIST (or MNIST in the same layout) split "train" or "test".
-- opt.dir: a directory; by default the full set when Debian's package is
-- installed, else the bundled 10,000/2,000 subset. opt.flat = false keeps
-- images as N x 1 x 28 x 28 (for CNNs); the default is N x 784.
function M.fashion_mnist (split, opt)
  opt = opt or {}
  split = split or "train"
  if split ~= "train" and split ~= "test" then
    error("fashion_mnist: split must be 'train' or 'test', got " .. tostring(split), 2)
  end
  local dir = opt.dir
  if not dir then
    if not opt.subset and exists(M.fashion_mnist_dir .. "/train-labels-idx1-ubyte.gz") then
      dir = M.fashion_mnist_dir
    else
      dir = bundled_dir()
    end
  end
  if not dir then error("fashion_mnist: no data found (install dataset-fashion-mnist)", 2) end
  local prefix = split == "train" and "train" or "t10k"
  local x = core.idx_load(dir .. "/" .. prefix .. "-images-idx3-ubyte.gz", true)
  local y = core.idx_load(dir .. "/" .. prefix .. "-labels-idx1-ubyte.gz")
  local s = x:shape()
  if opt.flat == false then x = x:clone({s[1], 1, s[2], s[3]})
  else x = x:clone({s[1], s[2] * s[3]}) end
  local ds = M.dataset(x, y, "fashion-mnist " .. split .. (dir == M.fashion_mnist_dir and "" or " (subset)"))
  ds.dir = dir
  return ds
end

M.classes = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
             "Shirt", "Sneaker", "Bag", "Ankle boot"}

M.npy_load, M.npy_save = core.npy_load, core.npy_save
M.png_load, M.png_save = core.png_load, core.png_save

return M
