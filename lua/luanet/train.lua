-- luanet.train: the training loop. A progress bar on the terminal (done /
-- total, rate, ETA, running loss), evaluation after each epoch,
-- checkpoints with resume, and a PNG plot of the curves.
--
--   local hist = ln.train.fit{model = m, optim = opt, train = ds, test = ts,
--     epochs = 5, batch = 128, input = "x", target = "y", output = "logits",
--     checkpoint = "out/ckpt.lnt", plot = "out/curves.png"}
local M = {}

-- monotonic wall-clock seconds (os.clock counts CPU time of all threads)
local wall = require("luanet.core").wall
M.wall = wall

local function fmt_time (s)
  if s ~= s or s == math.huge then return "--:--" end
  s = math.floor(s + 0.5)
  if s >= 3600 then return string.format("%d:%02d:%02d", s // 3600, s % 3600 // 60, s % 60) end
  return string.format("%02d:%02d", s // 60, s % 60)
end

-- {====== Progress bar ======
local Progress = {}
Progress.__index = Progress

-- a bar for 'total' steps, drawn on 'out' (default io.stderr) when it is a
-- terminal, or every 10% otherwise (so logs stay short)
function M.progress (total, opt)
  opt = opt or {}
  local out = opt.out or io.stderr
  local tty = opt.tty
  if tty == nil then tty = out == io.stderr and require("luanet.core").isatty(2) end
  return setmetatable({total = total, done = 0, start = wall(), out = out, tty = tty,
                       label = opt.label or "", width = opt.width or 30, last = -1}, Progress)
end

function Progress:line (extra)
  local frac = self.total > 0 and self.done / self.total or 1
  local filled = math.floor(frac * self.width + 0.5)
  local el = wall() - self.start
  local rate = el > 0 and self.done / el or 0
  local eta = rate > 0 and (self.total - self.done) / rate or math.huge
  return string.format("%s [%s%s] %d/%d %.1f it/s %s<%s%s", self.label,
    string.rep("=", filled), string.rep(" ", self.width - filled), self.done, self.total,
    rate, fmt_time(el), fmt_time(eta), extra and ("  " .. extra) or "")
end

-- advance by 'n' (default 1); 'extra' is shown at the end of the line
function Progress:update (n, extra)
  self.done = math.min(self.total, self.done + (n or 1))
  if self.tty then
    local t = wall()
    if self.done < self.total and self.drawn and t - self.drawn < 0.1 then return end
    self.drawn = t   -- at most 10 redraws a second
    self.out:write("\r", self:line(extra), "\027[K")
    self.out:flush()
  else
    local decile = math.floor(10 * self.done / math.max(1, self.total))
    if decile ~= self.last and (decile > self.last) then
      self.last = decile
      if self.done == self.total or decile > 0 then
        self.out:write(self:line(extra), "\n")
        self.out:flush()
      end
    end
  end
end

function Progress:finish (extra)
  if self.tty then self.out:write("\r", self:line(extra), "\027[K\n") self.out:flush() end
end
-- }======

-- accuracy of 'model' on data set 'ds' (classification: argmax of output)
function M.evaluate (model, ds, opt)
  opt = opt or {}
  local input, target, output = opt.input or "x", opt.target or "y", opt.output or "logits"
  local batch = opt.batch or model:max_batch()
  local correct, total, loss_sum = 0, 0, 0
  for xb, yb in ds:batches(batch, {shuffle = false}) do
    local out = model:forward({[input] = xb, [target] = yb}, false)
    local logits = out[output]
    local pred = logits:argmax_rows()
    local n = #yb
    for i = 1, n do
      if pred[i] == yb:get(i) then correct = correct + 1 end
    end
    total = total + n
    if out.loss then loss_sum = loss_sum + out.loss * n end
  end
  return correct / math.max(total, 1), loss_sum / math.max(total, 1)
end

local function file_exists (p)
  local f = io.open(p, "rb")
  if f then f:close() end
  return f ~= nil
end

-- fit{...}: train, evaluate each epoch; returns the history table
-- {epoch = {...}, train_loss = {...}, test_acc = {...}, step_loss = {...}}
function M.fit (o)
  local ln = require "luanet"
  local model, opt = o.model, o.optim
  if not model or not opt then error("fit: model and optim are required", 2) end
  if not o.train then error("fit: train data set is required", 2) end
  local epochs, batch = o.epochs or 1, o.batch or model:max_batch()
  local input, target = o.input or "x", o.target or "y"
  local hist = o.history or {epoch = {}, train_loss = {}, test_acc = {}, test_loss = {},
                             step_loss = {}, seconds = {}}
  local first = 1
  if o.checkpoint and o.resume and file_exists(o.checkpoint) then
    local m2, opt2 = ln.load(o.checkpoint)
    for name, t in pairs(m2:params()) do model:param(name):copy(t) end
    if opt2 then
      opt.core:set{lr = opt2:lr()}
      opt.resume_from = opt2
    end
    local hf = io.open(o.checkpoint .. ".history", "r")
    if hf then
      local chunk = load("return " .. hf:read("a"), "history", "t", {})
      hf:close()
      if chunk then hist = chunk() end
    end
    first = #hist.epoch + 1
    if o.schedule then   -- pick the schedule up where the run stopped
      o.schedule.t = #hist.step_loss
      opt:lr(o.schedule:lr(o.schedule.t))
    end
    if o.log ~= false then io.stderr:write(string.format("resumed from %s at epoch %d\n", o.checkpoint, first)) end
  end
  for epoch = first, epochs do
    local nb = o.train:n_batches(batch, o.drop_last)
    local bar = M.progress(nb, {label = string.format("epoch %d/%d", epoch, epochs),
                                tty = o.tty, out = o.progress_out})
    local sum, n, t0 = 0, 0, wall()
    local running
    model:train()
    for xb, yb in o.train:batches(batch, {shuffle = o.shuffle ~= false, drop_last = o.drop_last}) do
      local loss = model:step({[input] = xb, [target] = yb}, opt)
      if o.schedule then o.schedule:step() end
      sum, n = sum + loss * #yb, n + #yb
      running = running and (0.98 * running + 0.02 * loss) or loss
      hist.step_loss[#hist.step_loss + 1] = loss
      if o.on_step then o.on_step(loss, epoch) end
      if o.log ~= false then bar:update(1, string.format("loss %.4f", running)) end
    end
    local secs = wall() - t0
    local acc, tloss
    if o.test then acc, tloss = M.evaluate(model, o.test, {input = input, target = target,
                                            output = o.output, batch = o.eval_batch}) end
    hist.epoch[#hist.epoch + 1] = epoch
    hist.train_loss[#hist.train_loss + 1] = sum / math.max(n, 1)
    hist.test_acc[#hist.test_acc + 1] = acc or 0
    hist.test_loss[#hist.test_loss + 1] = tloss or 0
    hist.seconds[#hist.seconds + 1] = secs
    if o.log ~= false then
      bar:finish(string.format("loss %.4f", running or 0))
      io.stdout:write(string.format("epoch %d: train loss %.4f%s  (%.1f s, %.0f img/s)\n", epoch,
        sum / math.max(n, 1), acc and string.format(", test accuracy %.2f%%", 100 * acc) or "",
        secs, n / math.max(secs, 1e-9)))
      io.stdout:flush()
    end
    if o.checkpoint then
      model:save(o.checkpoint, opt)
      M.save_history(o.checkpoint .. ".history", hist)
    end
    if o.plot then M.plot(o.plot, hist) end
  end
  return hist
end

-- write the history as a Lua table literal (atomically)
function M.save_history (path, hist)
  local parts = {"{"}
  for k, v in pairs(hist) do
    local vals = {}
    for i, x in ipairs(v) do vals[i] = string.format("%.17g", x) end
    parts[#parts + 1] = string.format("%s = {%s},", k, table.concat(vals, ","))
  end
  parts[#parts + 1] = "}"
  local tmp = path .. ".tmp"
  local f = assert(io.open(tmp, "w"))
  f:write(table.concat(parts, "\n"))
  f:close()
  assert(os.rename(tmp, path))
end

-- PNG plot of the curves: training loss per step (smoothed) and test
-- accuracy per epoch
function M.plot (path, hist)
  local plot = require "luanet.plot"
  local xs, ys, acc_x, acc_y = {}, {}, {}, {}
  local nsteps = #hist.step_loss
  local every = math.max(1, nsteps // 400)
  local s
  for i, l in ipairs(hist.step_loss) do
    s = s and (0.95 * s + 0.05 * l) or l
    if i % every == 0 then xs[#xs + 1] = i; ys[#ys + 1] = s end
  end
  local per_epoch = nsteps / math.max(1, #hist.epoch)
  for i, a in ipairs(hist.test_acc) do acc_x[#acc_x + 1] = i * per_epoch; acc_y[#acc_y + 1] = a end
  plot.lines(path, {title = "training", xlabel = "step", series = {
    {name = "train loss (smoothed)", x = xs, y = ys},
    {name = "test accuracy", x = acc_x, y = acc_y},
  }})
end

return M
