-- luanet.train: the training loop. A progress bar on the terminal (done /
-- total, rate, ETA, running loss), evaluation after each epoch,
-- checkpoints with resume, and a PNG plot of the curves.
--
--   local hist = ln.train.fit{model = m, optim = opt, train = ds, test = ts,
--     epochs = 5, batch = 128, input = "x", target = "y", output = "logits",
--     checkpoint = "out/ckpt.lnt", plot = "out/curves.png"}
--   -- later, or after a crash: the same call with resume = true goes on
--   -- from the checkpoint and ends with the bits of an uninterrupted run
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

-- {====== Checkpoints: the loop's position, as a Lua table literal kept
-- in the model file (ln_model_save_ex's extra bytes) ======

local function literal (v)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    if v ~= v then return "0/0" end
    if v == math.huge then return "1/0" end
    if v == -math.huge then return "-1/0" end
    return string.format("%a", v)   -- exact
  end
  if t ~= "table" then error("checkpoint: cannot store a " .. t, 3) end
  local parts = {}
  for i, x in ipairs(v) do parts[i] = literal(x) end
  local keys = {}
  for k in pairs(v) do
    if type(k) == "string" then keys[#keys + 1] = k
    elseif math.type(k) ~= "integer" or k < 1 or k > #v then
      error("checkpoint: cannot store the key " .. tostring(k), 3)
    end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = string.format("[%q] = %s", k, literal(v[k])) end
  return "{" .. table.concat(parts, ",") .. "}"
end
M.literal = literal

local function read_literal (s, path)
  local chunk = load("return " .. s, "=checkpoint", "t", {})
  local ok, v = pcall(chunk or error, "")
  if not chunk or not ok or type(v) ~= "table" then
    error("fit: " .. path .. ": the training position in the checkpoint is unreadable", 3)
  end
  return v
end

-- save model, optimizer and position 'pos' to 'path' in one atomic write;
-- the history also to path.history (for tools and plots)
local function save_checkpoint (model, opt, path, pos)
  model.core:save(path, opt.core, literal(pos))
  M.save_history(path .. ".history", pos.history)
end

-- restore model and optimizer from 'path'; the position saved with them,
-- or, from a checkpoint of an older luanet (no position), one made from
-- path.history as that version did
local function restore_checkpoint (model, opt, path)
  local extra = model.core:restore(path, opt.core)
  if extra then return read_literal(extra, path) end
  local hist
  local hf = io.open(path .. ".history", "r")
  if hf then
    local chunk = load("return " .. hf:read("a"), "history", "t", {})
    hf:close()
    if chunk then hist = chunk() end
  end
  if not hist then error("fit: " .. path .. " holds no training position and " .. path ..
                         ".history is missing", 3) end
  return {epoch = #hist.epoch + 1, batch = 0, sched_t = #hist.step_loss, history = hist,
          old = true}
end

-- }======

-- fit{...}: train, evaluate each epoch; returns the history table
-- {epoch = {...}, train_loss = {...}, test_acc = {...}, step_loss = {...}}
--
-- With 'checkpoint', the model, the optimizer (moments, step count), the
-- schedule's step, the generator's state and the data order's position
-- are saved after each epoch (and every 'checkpoint_every' steps), in one
-- atomic write; 'resume' = true restores all of it from there, so a run
-- stopped and resumed gives the bits of a run never stopped (same thread
-- count). 'max_steps' stops after that many steps in all (a checkpoint is
-- saved there): a way to stop mid-epoch.
function M.fit (o)
  local core = require "luanet.core"
  local model, opt = o.model, o.optim
  if not model or not opt then error("fit: model and optim are required", 2) end
  if not o.train then error("fit: train data set is required", 2) end
  local epochs, batch = o.epochs or 1, o.batch or model:max_batch()
  local input, target = o.input or "x", o.target or "y"
  local shuffle = o.shuffle ~= false
  local hist = o.history or {epoch = {}, train_loss = {}, test_acc = {}, test_loss = {},
                             step_loss = {}, seconds = {}}
  local first, pos = 1, nil
  if o.checkpoint and o.resume and file_exists(o.checkpoint) then
    pos = restore_checkpoint(model, opt, o.checkpoint)
    hist, first = pos.history, pos.epoch
    if o.schedule then   -- pick the schedule up where the run stopped
      o.schedule.t = pos.sched_t
      if pos.old then opt:lr(o.schedule:lr(o.schedule.t)) end   -- else restored with opt
    end
    if pos.batch > 0 and (pos.batch_size ~= batch or pos.n_train ~= #o.train or
                          pos.shuffle ~= shuffle or pos.drop_last ~= (o.drop_last or false)) then
      error(string.format("fit: %s stopped in epoch %d after batch %d of a run with batch %d " ..
        "over %d examples (shuffle %s, drop_last %s); this run has batch %d over %d (%s, %s)",
        o.checkpoint, pos.epoch, pos.batch, pos.batch_size, pos.n_train, pos.shuffle,
        pos.drop_last, batch, #o.train, shuffle, o.drop_last or false), 2)
    end
    if pos.rng then core.rng_state(pos.rng) end
    if o.log ~= false then
      io.stderr:write(string.format("resumed from %s at epoch %d%s\n", o.checkpoint, first,
        pos.batch > 0 and string.format(", batch %d", pos.batch + 1) or ""))
    end
  end
  -- the position after batch b of 'epoch' (b = 0: before the epoch)
  local function position (epoch, b, ep)
    return {epoch = epoch, batch = b, rng = core.rng_state(), rng_epoch = b > 0 and ep.rng or nil,
            sum = ep.sum, n = ep.n, running = ep.running, secs = ep.secs,
            sched_t = o.schedule and o.schedule.t or 0, history = hist,
            batch_size = batch, n_train = #o.train, shuffle = shuffle,
            drop_last = o.drop_last or false}
  end
  for epoch = first, epochs do
    local nb = o.train:n_batches(batch, o.drop_last)
    local bar = M.progress(nb, {label = string.format("epoch %d/%d", epoch, epochs),
                                tty = o.tty, out = o.progress_out})
    local ep = {sum = 0, n = 0, secs = 0}
    local start = 1
    if pos and pos.batch > 0 and epoch == first then   -- resume inside the epoch
      ep = {sum = pos.sum, n = pos.n, running = pos.running, secs = pos.secs}
      start = pos.batch + 1
      core.rng_state(pos.rng_epoch)   -- the generator as the epoch began: its order
    end
    ep.rng = core.rng_state()
    local batches = o.train:batches(batch, {shuffle = shuffle, drop_last = o.drop_last,
                                            start = start})
    if start > 1 then
      core.rng_state(pos.rng)   -- and as it was when the run stopped
      if o.log ~= false then bar:update(start - 1) end
    end
    local t0 = wall()
    model:train()
    for xb, yb, b in batches do
      local loss = model:step({[input] = xb, [target] = yb}, opt)
      if o.schedule then o.schedule:step() end
      ep.sum, ep.n = ep.sum + loss * #yb, ep.n + #yb
      ep.running = ep.running and (0.98 * ep.running + 0.02 * loss) or loss
      hist.step_loss[#hist.step_loss + 1] = loss
      if o.on_step then o.on_step(loss, epoch) end
      if o.log ~= false then bar:update(1, string.format("loss %.4f", ep.running)) end
      local steps = #hist.step_loss
      local stop = o.max_steps and steps >= o.max_steps
      if o.checkpoint and b < nb and (stop or (o.checkpoint_every and steps % o.checkpoint_every == 0)) then
        ep.secs = ep.secs + (wall() - t0); t0 = wall()
        save_checkpoint(model, opt, o.checkpoint, position(epoch, b, ep))
      end
      if stop and b < nb then
        if o.log ~= false then bar:finish(string.format("loss %.4f (stopped at step %d)", ep.running, steps)) end
        return hist
      end
    end
    local secs = ep.secs + (wall() - t0)
    local sum, n = ep.sum, ep.n
    local acc, tloss
    if o.test then acc, tloss = M.evaluate(model, o.test, {input = input, target = target,
                                            output = o.output, batch = o.eval_batch}) end
    hist.epoch[#hist.epoch + 1] = epoch
    hist.train_loss[#hist.train_loss + 1] = sum / math.max(n, 1)
    hist.test_acc[#hist.test_acc + 1] = acc or 0
    hist.test_loss[#hist.test_loss + 1] = tloss or 0
    hist.seconds[#hist.seconds + 1] = secs
    if o.log ~= false then
      bar:finish(string.format("loss %.4f", ep.running or 0))
      io.stdout:write(string.format("epoch %d: train loss %.4f%s  (%.1f s, %.0f img/s)\n", epoch,
        sum / math.max(n, 1), acc and string.format(", test accuracy %.2f%%", 100 * acc) or "",
        secs, n / math.max(secs, 1e-9)))
      io.stdout:flush()
    end
    if o.checkpoint then save_checkpoint(model, opt, o.checkpoint, position(epoch + 1, 0, {})) end
    if o.plot then M.plot(o.plot, hist) end
    if o.max_steps and #hist.step_loss >= o.max_steps then break end
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
