-- examples/detect.lua: train the small single-stage detector of
-- graphs/detector.lua on the synthetic crowded-shapes set (data/shapes.lua,
-- generated on first use), then evaluate its detections after hard NMS,
-- linear Soft-NMS and Gaussian Soft-NMS (luanet.detect): VOC and COCO AP,
-- per class and mean. Writes PNGs of a few test images with the kept boxes.
local ln = require "luanet"
local detect = require "luanet.detect"
local shapes = require "data.shapes"
local detector = require "graphs.detector"

local opt = ln.cli.parse(arg, [[
usage: luanet examples/detect.lua [options]
Train a centre-grid detector on crowded synthetic shapes; compare hard NMS,
linear Soft-NMS and Gaussian Soft-NMS (Bodla et al. 2017) by AP.]], {
  {"data", "out/shapes", "data directory: <data>/train and <data>/test (generated when missing)"},
  {"train_n", 2000, "training images (generated when the data directory has fewer)"},
  {"test_n", 300, "test images (generated when the data directory has fewer)"},
  {"epochs", 30, "training epochs"},
  {"batch", 32, "mini-batch size"},
  {"lr", 3e-3, "Adam learning rate (cosine decay to 5% over the run)"},
  {"width", 32, "backbone width (channels of the middle stage)"},
  {"radius", 6, "a grid cell is a positive of an object within this many pixels of its centre"},
  {"candidates", 0.01, "class probability above which a cell's box becomes a candidate"},
  {"nms_iou", 0.5, "hard NMS: IoU threshold"},
  {"soft_iou", 0.3, "linear Soft-NMS: N_t"},
  {"sigma", 0.5, "Gaussian Soft-NMS: sigma"},
  {"max_det", 100, "detections kept per image"},
  {"images", 4, "test images drawn to <out>/detect_<k>_<method>.png"},
  {"draw_score", 0.3, "draw the kept boxes scoring at least this"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed (weights, batches; the data has its own seeds)"},
  {"out", "out", "output directory for the PNGs"},
})
if opt.threads > 0 then ln.threads(opt.threads) end
ln.seed(opt.seed)
local function sh (s) return "'" .. s:gsub("'", "'\\''") .. "'" end
os.execute("mkdir -p " .. sh(opt.out))

-- {====== Data ======
local function ensure (dir, n, seed)
  local f = io.open(dir .. "/annotations.csv", "r")
  if f then
    f:close()
    local p = io.popen("ls " .. sh(dir .. "/images") .. " 2>/dev/null | wc -l")
    local have = tonumber(p:read("a")) or 0
    p:close()
    if have >= n then return end
  end
  io.stdout:write(string.format("generating %d images in %s ... ", n, dir)); io.stdout:flush()
  local count = shapes.generate(dir, {n = n, seed = seed})
  print(count .. " objects")
end
ensure(opt.data .. "/train", opt.train_n, 1000 + opt.train_n)
ensure(opt.data .. "/test", opt.test_n, 2000 + opt.test_n)
local train = shapes.load(opt.data .. "/train", {limit = opt.train_n})
local test = shapes.load(opt.data .. "/test", {limit = opt.test_n})
local K, size = #train.classes, train.x:shape()[3]
print(string.format("train: %d images, test: %d images, %dx%d, classes: %s", #train.gts,
  #test.gts, size, size, table.concat(train.classes, ", ")))
-- }======

-- {====== Targets on the centre grid ======
local S, stride = size // detector.stride, detector.stride
local ANCHOR = 16   -- box sizes are predicted as ANCHOR * exp(t)

-- per image: labels (S*S, 0 = background), box targets (4 x S x S) and the
-- positive mask (S x S); a cell is a positive of the object whose centre is
-- nearest among those within 'radius' pixels whose box holds the cell centre
local function targets (gt)
  local labels, bt, mask = {}, {}, {}
  for k = 1, 4 * S * S do bt[k] = 0 end
  for i = 0, S - 1 do
    for j = 0, S - 1 do
      local px, py = (j + 0.5) * stride, (i + 0.5) * stride
      local best, bd = nil, math.huge
      for k, b in ipairs(gt.boxes) do
        local cx, cy = (b[1] + b[3]) / 2, (b[2] + b[4]) / 2
        local d = math.sqrt((px - cx) ^ 2 + (py - cy) ^ 2)
        if d <= opt.radius and px >= b[1] and px <= b[3] and py >= b[2] and py <= b[4] and d < bd then
          best, bd = k, d
        end
      end
      local cell = i * S + j
      labels[cell + 1] = best and gt.labels[best] or 0
      mask[cell + 1] = best and 1 or 0
      if best then
        local b = gt.boxes[best]
        local w, h = b[3] - b[1], b[4] - b[2]
        bt[cell + 1] = ((b[1] + b[3]) / 2 - px) / stride
        bt[S * S + cell + 1] = ((b[2] + b[4]) / 2 - py) / stride
        bt[2 * S * S + cell + 1] = math.log(w / ANCHOR)
        bt[3 * S * S + cell + 1] = math.log(h / ANCHOR)
      end
    end
  end
  return labels, bt, mask
end

local function target_tensors (set)
  local L, T, W = {}, {}, {}
  for i, gt in ipairs(set.gts) do
    local labels, bt, mask = targets(gt)
    L[i] = ln.tensor(labels, "int32")
    T[i] = ln.tensor(bt):reshape(4, S, S)
    W[i] = ln.tensor(mask):reshape(1, S, S)
  end
  return detect.stack(L), detect.stack(T), detect.stack(W)
end
local labels, box_t, box_w = target_tensors(train)
-- }======

-- {====== Model ======
local g = ln.graph()
local net = detector(g, {classes = K, size = size, width = opt.width, train = true})
local model = g:compile{loss = net.loss, outputs = {cls = net.cls}, batch = opt.batch}
local gi = ln.graph()
local inet = detector(gi, {classes = K, size = size, width = opt.width})
local infer = gi:compile{outputs = {probs = inet.probs, box = inet.box}, batch = opt.batch}
print(string.format("detector: %d parameters, grid %dx%d (stride %d)", model:n_params(), S, S, stride))
-- }======

-- {====== Training ======
local adam = ln.optim.adam(model, {lr = opt.lr})
local n = #train.gts
local steps_per_epoch = (n + opt.batch - 1) // opt.batch
local total, step = opt.epochs * steps_per_epoch, 0
local t0 = ln.train.wall()
for epoch = 1, opt.epochs do
  local order = {}
  for i = 1, n do order[i] = i end
  for i = n, 2, -1 do   -- the engine's generator, so --seed fixes the order
    local j = math.min(i, math.floor(ln.rand(1):get(1) * i) + 1)
    order[i], order[j] = order[j], order[i]
  end
  local bar = ln.train.progress(steps_per_epoch, {label = string.format("epoch %d/%d", epoch, opt.epochs)})
  local sum, running = 0, nil
  for b = 1, steps_per_epoch do
    local first, len = (b - 1) * opt.batch + 1, math.min(opt.batch, n - (b - 1) * opt.batch)
    local bw = box_w:gather_rows(order, first, len)
    local npos = math.max(1, bw:sum():item())
    local lr = opt.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / total)))
    adam:set{lr = lr}
    local loss = model:step({
      x = train.x:gather_rows(order, first, len),
      labels = labels:gather_rows(order, first, len),
      cls_w = ln.full({len, S * S}, 1 / (len * S * S)),
      box_t = box_t:gather_rows(order, first, len),
      box_w = bw * (1 / npos)}, adam)
    step = step + 1
    sum = sum + loss
    running = running and (0.95 * running + 0.05 * loss) or loss
    bar:update(1, string.format("loss %.4f", running))
  end
  bar:finish(string.format("loss %.4f", running))
  print(string.format("epoch %d: loss %.4f (%.0f s)", epoch, sum / steps_per_epoch, ln.train.wall() - t0))
end
local train_s = ln.train.wall() - t0
for name, t in pairs(model:params()) do infer:param(name):copy(t) end
-- }======

-- {====== Detection and evaluation ======
-- candidate boxes of every test image: every (cell, class) whose
-- probability exceeds opt.candidates
local function candidates (set)
  local out, m = {}, #set.gts
  for first = 1, m, opt.batch do
    local len = math.min(opt.batch, m - first + 1)
    local r = infer:forward({x = set.x:rows(first, len)}, false)
    local P, B = r.probs:totable(), r.box:totable()
    for k = 1, len do
      local boxes, scores, classes = {}, {}, {}
      local p, bx = P[k], B[k]
      for i = 1, S do
        for j = 1, S do
          local px, py = (j - 0.5) * stride, (i - 0.5) * stride
          local cx, cy = px + bx[1][i][j] * stride, py + bx[2][i][j] * stride
          local w = ANCHOR * math.exp(math.min(bx[3][i][j], 4))
          local h = ANCHOR * math.exp(math.min(bx[4][i][j], 4))
          for c = 1, K do
            local s = p[c + 1][i][j]
            if s > opt.candidates then
              boxes[#boxes + 1] = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}
              scores[#scores + 1] = s
              classes[#classes + 1] = c
            end
          end
        end
      end
      out[first + k - 1] = {boxes = boxes, scores = scores, classes = classes}
    end
  end
  return out
end

local t1 = ln.train.wall()
local cands = candidates(test)
local methods = {
  {"hard NMS", string.format("iou %.2f", opt.nms_iou), function (c)
    local keep = detect.batched_nms(c.boxes, c.scores, c.classes, {iou = opt.nms_iou, max_det = opt.max_det})
    return keep, nil end},
  {"linear Soft-NMS", string.format("Nt %.2f", opt.soft_iou), function (c)
    return detect.batched_soft_nms(c.boxes, c.scores, c.classes,
      {method = "linear", iou = opt.soft_iou, max_det = opt.max_det}) end},
  {"Gaussian Soft-NMS", string.format("sigma %.2f", opt.sigma), function (c)
    return detect.batched_soft_nms(c.boxes, c.scores, c.classes,
      {method = "gaussian", sigma = opt.sigma, max_det = opt.max_det}) end},
}
local rows, kept_by = {}, {}
local ncand = 0
for _, c in ipairs(cands) do ncand = ncand + #c.scores end
for mi, m in ipairs(methods) do
  local dets, tsec = {}, 0
  for i, c in ipairs(cands) do
    local ts = ln.train.wall()
    local keep, ks = m[3](c)
    tsec = tsec + ln.train.wall() - ts
    local d = {boxes = {}, scores = {}, labels = {}}
    for r = 1, keep:numel() do
      local k = keep:get(r)
      d.boxes[r] = c.boxes[k]
      d.scores[r] = ks and ks:get(r) or c.scores[k]
      d.labels[r] = c.classes[k]
    end
    dets[i] = d
  end
  kept_by[mi] = dets
  local res = detect.evaluate(dets, test.gts, {max_det = opt.max_det})
  local kept = 0
  for _, d in ipairs(dets) do kept = kept + #d.scores end
  rows[#rows + 1] = {string.format("%s (%s)", m[1], m[2]), res}
  m.kept, m.ms = kept / #dets, 1000 * tsec / #dets
end
local eval_s = ln.train.wall() - t1
-- }======

-- {====== Report ======
print(string.format("\n%d test images, %.1f candidates per image (p > %g); AP in %%:", #test.gts,
  ncand / #test.gts, opt.candidates))
local names = {}
for c, name in ipairs(test.classes) do names[c] = name end
print(detect.report(rows, names))
print("")
for _, m in ipairs(methods) do
  print(string.format("%-22s %.1f boxes kept per image, %.3f ms per image", m[1], m.kept, m.ms))
end
local hard, gauss = rows[1][2].coco.map, rows[3][2].coco.map
print(string.format("\nGaussian Soft-NMS - hard NMS: %+.2f COCO AP points, %+.2f VOC AP points",
  100 * (gauss - hard), 100 * (rows[3][2].voc.map - rows[1][2].voc.map)))
print(string.format("training %.0f s, evaluation %.1f s", train_s, eval_s))

-- PNGs: a few test images with the kept boxes of hard NMS and Gaussian
-- Soft-NMS (label: class and score; colour: class)
local tags = {"hard", "linear", "gaussian"}
for i = 1, math.min(opt.images, #test.gts) do
  for _, mi in ipairs({1, 3}) do
    local d = kept_by[mi][i]
    local boxes, labels, classes = {}, {}, {}
    for r = #d.scores, 1, -1 do   -- the best last, so their labels are on top
      if d.scores[r] >= opt.draw_score then
        boxes[#boxes + 1] = d.boxes[r]
        labels[#labels + 1] = string.format("%s %.2f", test.classes[d.labels[r]]:sub(1, 4), d.scores[r])
        classes[#classes + 1] = d.labels[r]
      end
    end
    local path = string.format("%s/detect_%d_%s.png", opt.out, i, tags[mi])
    ln.plot.boxes(path, test.x[i], boxes, {scale = 4, labels = labels, classes = classes})
  end
end
print(string.format("wrote %s/detect_<k>_{hard,gaussian}.png for %d test images", opt.out,
  math.min(opt.images, #test.gts)))
-- }======
