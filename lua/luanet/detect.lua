-- luanet.detect: detection post-processing and evaluation.
--
--   local detect = require "luanet.detect"      -- or ln.detect
--   local keep = detect.nms(boxes, scores, {iou = 0.5})
--   local keep, s = detect.soft_nms(boxes, scores, {method = "gaussian"})
--   local r = detect.evaluate(dets, gts)         -- VOC and COCO AP
--
-- Boxes are float32 tensors N x 4 (or tables of {x1, y1, x2, y2}), in the
-- format 'format' (default "xyxy"; also "xywh" and "cxcywh"). Scores are
-- float32 tensors of N (or tables). Results are new tensors: kept indices
-- (int32, 1-based) in selection order, and for Soft-NMS the decayed
-- scores; the caller's tensors are never modified.
--
-- IoU: continuous coordinates by default, area = (x2 - x1)(y2 - y1);
-- 'pixel = true' uses the inclusive-pixel "+1" convention of the Soft-NMS
-- reference code, area = (x2 - x1 + 1)(y2 - y1 + 1). IoU is 0 when the
-- union is empty (two zero-area boxes in continuous coordinates). IoU and
-- scores are float32 and compared with the thresholds as float32: an IoU
-- equal to 'iou' is not above it; a score equal to score_threshold is kept.
--
-- Ties: the higher score is selected first; among equal scores the box
-- with the lower index. Batched (class-aware) results are ordered by score,
-- descending, ties to the lower index.
--
-- Soft-NMS (Bodla et al. 2017, arXiv:1704.04503): select the box M of
-- highest score, decay every remaining box b by o = IoU(M, b):
-- linear s *= 1 - o if o > iou; gaussian s *= exp(-o^2 / sigma); hard
-- s = 0 if o > iou; discard boxes now below score_threshold; repeat.
-- Boxes below the threshold on input are never selected; a selected box is
-- never discarded. With score_threshold = 0, suppressed boxes of the hard
-- rule stay in the output with score 0 (as in the reference code).
local core = require "luanet.core"
local C = core.detect

local M = {}

M.formats = {"xyxy", "xywh", "cxcywh"}
M.methods = {"linear", "gaussian", "hard"}

local function is_tensor (v) return getmetatable(v) == core.Tensor end

local function oneof (v, list)
  for _, x in ipairs(list) do if v == x then return true end end
  return false
end

-- {====== Arguments ======

-- boxes as a float32 N x 4 tensor
local function tensor_boxes (b, fn, what)
  if is_tensor(b) then return b end
  if type(b) == "table" then
    if #b == 0 then return core.new({0, 4}, "float32") end
    local ok, t = pcall(core.from_table, b, "float32")
    if ok then return t end
    error(fn .. ": " .. what .. ": " .. tostring(t), 4)
  end
  error(fn .. ": " .. what .. " must be a tensor N x 4 or a table of boxes, got " .. type(b), 4)
end

local function tensor_vec (v, fn, what, dtype)
  if is_tensor(v) then return v end
  if type(v) == "table" then
    if #v == 0 then return core.new({0}, dtype) end
    for i = 1, #v do
      if type(v[i]) ~= "number" then
        error(string.format("%s: %s[%d] must be a number, got %s", fn, what, i, type(v[i])), 3)
      end
      if dtype == "int32" and math.type(v[i]) ~= "integer" then
        error(string.format("%s: %s[%d] must be an integer, got %s", fn, what, i, tostring(v[i])), 3)
      end
    end
    return core.from_table(v, dtype)
  end
  error(fn .. ": " .. what .. " must be a tensor or a table of numbers, got " .. type(v), 3)
end

-- check the option table of 'fn' against 'allowed' (name -> checker)
local function options (fn, opt, allowed)
  if opt == nil then return {} end
  if type(opt) ~= "table" then error(fn .. ": options must be a table, got " .. type(opt), 3) end
  for k, v in pairs(opt) do
    local check = allowed[k]
    if not check then
      local names = {}
      for name in pairs(allowed) do names[#names + 1] = name end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (options: %s)", fn, tostring(k),
                          table.concat(names, ", ")), 3)
    end
    local msg = check(v)
    if msg then error(string.format("%s: %s %s, got %s", fn, k, msg, tostring(v)), 3) end
  end
  return opt
end

local function number_in (lo, hi, open_lo)
  return function (v)
    if type(v) ~= "number" or v ~= v then return "must be a number" end
    if (open_lo and v <= lo) or v < lo or v > hi then
      if hi == math.huge then return open_lo and ("must be > " .. lo) or ("must be >= " .. lo) end
      return string.format("must be in [%g, %g]", lo, hi)
    end
  end
end
local is_bool = function (v) if type(v) ~= "boolean" then return "must be a boolean" end end
local is_format = function (v)
  if not oneof(v, M.formats) then return "must be 'xyxy', 'xywh' or 'cxcywh'" end
end
local is_method = function (v)
  if not oneof(v, M.methods) then return "must be 'linear', 'gaussian' or 'hard'" end
end
local is_count = function (v)
  if math.type(v) ~= "integer" or v < 1 then return "must be a positive integer" end
end

local BOX_OPTS = {pixel = is_bool, format = is_format}
local NMS_OPTS = {iou = number_in(0, 1), pixel = is_bool, format = is_format, max_det = is_count}
local SOFT_OPTS = {method = is_method, iou = number_in(0, 1), sigma = number_in(0, math.huge, true),
                   score_threshold = number_in(0, math.huge), max_det = is_count,
                   pixel = is_bool, format = is_format}

-- xyxy boxes from 'b' in format 'fmt', checked (finite, x2 >= x1, y2 >= y1)
local function xyxy (b, fmt, fn, what)
  b = tensor_boxes(b, fn, what)
  if fmt and fmt ~= "xyxy" then
    local ok, t = pcall(C.convert, b, fmt, "xyxy")
    if not ok then error((tostring(t):gsub("^convert:", fn .. ":")), 3) end
    b = t
  end
  local ok, err = pcall(C.check, b, fn, what)
  if not ok then error(err, 3) end
  return b
end

-- call a C function, blaming our caller's caller for its errors
local function call (f, ...)
  local r = table.pack(pcall(f, ...))
  if not r[1] then error(r[2], 3) end
  return table.unpack(r, 2, r.n)
end

-- }======

-- {====== Boxes and IoU ======

-- detect.convert(boxes, from, to): a new N x 4 tensor in format 'to'
function M.convert (boxes, from, to)
  if not oneof(from, M.formats) then
    error("convert: from must be 'xyxy', 'xywh' or 'cxcywh', got " .. tostring(from), 2)
  end
  if not oneof(to, M.formats) then
    error("convert: to must be 'xyxy', 'xywh' or 'cxcywh', got " .. tostring(to), 2)
  end
  return call(C.convert, tensor_boxes(boxes, "convert", "boxes"), from, to)
end

-- detect.stack({t1, t2, ...}): one tensor K x shape from K tensors of the
-- same shape and type (images and targets into one batch)
function M.stack (list)
  if type(list) ~= "table" then error("stack: expects a list of tensors, got " .. type(list), 2) end
  return call(C.stack, list)
end

-- detect.area(boxes, {pixel, format}): areas, a tensor of N
function M.area (boxes, opt)
  opt = options("area", opt, BOX_OPTS)
  return call(C.area, xyxy(boxes, opt.format, "area", "boxes"), opt.pixel or false)
end

-- detect.iou(a, b, {pixel, format}): the N x M matrix of IoU(a[i], b[j])
function M.iou (a, b, opt)
  opt = options("iou", opt, BOX_OPTS)
  return call(C.iou, xyxy(a, opt.format, "iou", "boxes1"), xyxy(b, opt.format, "iou", "boxes2"),
              opt.pixel or false)
end

-- }======

-- {====== NMS and Soft-NMS ======

-- detect.nms(boxes, scores, {iou = 0.5, pixel, format, max_det}): kept
-- indices (int32, 1-based) by decreasing score. A box is discarded when its
-- IoU with a kept box of higher score exceeds 'iou'.
function M.nms (boxes, scores, opt)
  opt = options("nms", opt, NMS_OPTS)
  local b = xyxy(boxes, opt.format, "nms", "boxes")
  return call(C.nms, b, tensor_vec(scores, "nms", "scores", "float32"), opt.iou or 0.5,
              opt.pixel or false, opt.max_det)
end

-- detect.soft_nms(boxes, scores, {method = "linear", iou = 0.3, sigma = 0.5,
-- score_threshold = 0.001, max_det, pixel, format}): kept indices (int32,
-- 1-based) in selection order and their decayed scores (float32)
function M.soft_nms (boxes, scores, opt)
  opt = options("soft_nms", opt, SOFT_OPTS)
  local b = xyxy(boxes, opt.format, "soft_nms", "boxes")
  return call(C.soft_nms, b, tensor_vec(scores, "soft_nms", "scores", "float32"),
              opt.method or "linear", opt.iou or 0.3, opt.sigma or 0.5,
              opt.score_threshold or 0.001, opt.max_det, opt.pixel or false)
end

-- detect.batched_nms(boxes, scores, classes, opt): nms within each class
-- (classes: int32 tensor or table of integers); kept indices by score
function M.batched_nms (boxes, scores, classes, opt)
  opt = options("batched_nms", opt, NMS_OPTS)
  local b = xyxy(boxes, opt.format, "batched_nms", "boxes")
  return call(C.batched_nms, b, tensor_vec(scores, "batched_nms", "scores", "float32"),
              tensor_vec(classes, "batched_nms", "classes", "int32"), opt.iou or 0.5,
              opt.pixel or false, opt.max_det)
end

-- detect.batched_soft_nms(boxes, scores, classes, opt): soft_nms within
-- each class; kept indices and decayed scores, by score; max_det bounds
-- the whole list
function M.batched_soft_nms (boxes, scores, classes, opt)
  opt = options("batched_soft_nms", opt, SOFT_OPTS)
  local b = xyxy(boxes, opt.format, "batched_soft_nms", "boxes")
  return call(C.batched_soft_nms, b, tensor_vec(scores, "batched_soft_nms", "scores", "float32"),
              tensor_vec(classes, "batched_soft_nms", "classes", "int32"), opt.method or "linear",
              opt.iou or 0.3, opt.sigma or 0.5, opt.score_threshold or 0.001, opt.max_det,
              opt.pixel or false)
end

-- }======

-- {====== Average precision ======

-- detect.average_precision(recall, precision, method): AP from the
-- precision/recall points of a ranked list (Lua arrays, rank order).
--   "all":  VOC 2010+ all-point interpolation: the area under the
--           precision envelope (max precision at recall >= r).
--   "11":   VOC 2007 11-point: mean over r = 0, 0.1, ..., 1 of the max
--           precision at recall >= r (0 when none).
--   "coco": COCO's 101 points r = 0, 0.01, ..., 1: the envelope's value at
--           the first rank whose recall reaches r (0 when none).
function M.average_precision (rec, prec, method)
  method = method or "all"
  local n = #rec
  if #prec ~= n then error("average_precision: recall and precision differ in length", 2) end
  if method == "all" then
    local mrec, mpre = {0}, {0}
    for i = 1, n do mrec[i + 1] = rec[i]; mpre[i + 1] = prec[i] end
    mrec[n + 2], mpre[n + 2] = 1, 0
    for i = n + 1, 1, -1 do mpre[i] = math.max(mpre[i], mpre[i + 1]) end
    local ap = 0
    for i = 1, n + 1 do
      if mrec[i + 1] ~= mrec[i] then ap = ap + (mrec[i + 1] - mrec[i]) * mpre[i + 1] end
    end
    return ap
  elseif method == "11" then
    local ap = 0
    for k = 0, 10 do
      local t, p = k * 0.1, 0      -- numpy's arange(0, 1.1, 0.1) values
      for i = 1, n do if rec[i] >= t and prec[i] > p then p = prec[i] end end
      ap = ap + p / 11
    end
    return ap
  elseif method == "coco" then
    local env = {}
    for i = 1, n do env[i] = prec[i] end
    for i = n, 2, -1 do if env[i] > env[i - 1] then env[i - 1] = env[i] end end
    local sum, i = 0, 1
    for k = 0, 100 do
      local r = k == 100 and 1.0 or k * 0.01   -- numpy's linspace(0, 1, 101)
      while i <= n and rec[i] < r do i = i + 1 end
      if i <= n then sum = sum + env[i] end
    end
    return sum / 101
  end
  error("average_precision: method must be 'all', '11' or 'coco', got " .. tostring(method), 2)
end

-- the IoU thresholds .5:.05:.95 as COCO's numpy linspace computes them
local COCO_IOUS = {}
do
  local step = (0.95 - 0.5) / 9
  for k = 0, 8 do COCO_IOUS[k + 1] = k * step + 0.5 end
  COCO_IOUS[10] = 0.95
end
M.coco_ious = COCO_IOUS

-- per image: plain Lua arrays of boxes, scores, labels, and the det x gt
-- IoU matrix (rows of the matrix as tables)
local function prepare (dets, gts, pixel)
  if type(dets) ~= "table" or type(gts) ~= "table" then
    error("evaluate: dets and gts must be lists (one entry per image)", 3)
  end
  if #dets ~= #gts then
    error(string.format("evaluate: %d images of detections but %d of ground truth", #dets, #gts), 3)
  end
  local images = {}
  for i = 1, #gts do
    local d, g = dets[i], gts[i]
    local what = "evaluate: image " .. i
    if type(d) ~= "table" or type(g) ~= "table" then error(what .. ": entries must be tables", 3) end
    local db = xyxy(d.boxes or {}, nil, "evaluate", "image " .. i .. " detection boxes")
    local gb = xyxy(g.boxes or {}, nil, "evaluate", "image " .. i .. " ground-truth boxes")
    local nd, ng = #db:shape() == 2 and db:shape()[1] or 0, gb:shape()[1]
    local ds = tensor_vec(d.scores or {}, "evaluate", "image " .. i .. " scores", "float32")
    local dl = tensor_vec(d.labels or {}, "evaluate", "image " .. i .. " detection labels", "int32")
    local gl = tensor_vec(g.labels or {}, "evaluate", "image " .. i .. " ground-truth labels", "int32")
    if ds:numel() ~= nd or dl:numel() ~= nd then
      error(string.format("%s: %d detection boxes, %d scores, %d labels", what, nd, ds:numel(), dl:numel()), 3)
    end
    if gl:numel() ~= ng then
      error(string.format("%s: %d ground-truth boxes but %d labels", what, ng, gl:numel()), 3)
    end
    local scores = nd > 0 and ds:totable() or {}
    for k = 1, nd do
      if scores[k] ~= scores[k] then error(string.format("%s: scores[%d] is NaN", what, k), 3) end
    end
    local iou = (nd > 0 and ng > 0) and C.iou(db, gb, pixel or false):totable() or {}
    images[i] = {scores = scores, labels = nd > 0 and dl:totable() or {},
                 glabels = ng > 0 and gl:totable() or {}, iou = iou, nd = nd, ng = ng}
  end
  return images
end

-- stable order of detection records by score, descending
local function by_score (list)
  table.sort(list, function (a, b)
    if a.score ~= b.score then return a.score > b.score end
    if a.img ~= b.img then return a.img < b.img end
    return a.k < b.k
  end)
end

-- VOC (voc_eval.py): detections of class c over all images by score; each
-- takes the ground truth of max IoU in its image; a true positive when that
-- IoU > thr and the box is not taken yet, else a false positive
local function voc_class (images, c, thr, method)
  local list, npos = {}, 0
  for i, im in ipairs(images) do
    for k = 1, im.nd do
      if im.labels[k] == c then list[#list + 1] = {score = im.scores[k], img = i, k = k} end
    end
    for j = 1, im.ng do if im.glabels[j] == c then npos = npos + 1 end end
  end
  if npos == 0 then return nil end
  by_score(list)
  local used, tp, fp, rec, prec = {}, 0, 0, {}, {}
  for r, d in ipairs(list) do
    local im, best, jbest = images[d.img], -math.huge, nil
    for j = 1, im.ng do
      if im.glabels[j] == c and im.iou[d.k][j] > best then best, jbest = im.iou[d.k][j], j end
    end
    local key = jbest and (d.img .. ":" .. jbest)
    if jbest and best > thr and not used[key] then used[key] = true; tp = tp + 1
    else fp = fp + 1 end
    rec[r], prec[r] = tp / npos, tp / math.max(tp + fp, 2.220446049250313e-16)
  end
  return M.average_precision(rec, prec, method)
end

-- COCO (cocoeval.py, box IoU, area "all", no crowd): per image, the top
-- max_det detections of class c by score; each matches the unmatched
-- ground truth of highest IoU >= t; then per class over all images by
-- score, 101-point AP, for each t of .5:.05:.95
local function coco_class (images, c, max_det)
  local records, npos = {}, 0
  for i, im in ipairs(images) do
    local dl = {}
    for k = 1, im.nd do
      if im.labels[k] == c then dl[#dl + 1] = {score = im.scores[k], img = i, k = k} end
    end
    by_score(dl)
    local gl = {}
    for j = 1, im.ng do if im.glabels[j] == c then gl[#gl + 1] = j end end
    npos = npos + #gl
    for r = 1, math.min(#dl, max_det) do
      local d = dl[r]
      d.rank = #records + 1
      d.tp = {}
      records[#records + 1] = d
    end
    for t, thr in ipairs(COCO_IOUS) do
      local taken = {}
      for r = 1, math.min(#dl, max_det) do
        local d, best, m = dl[r], math.min(thr, 1 - 1e-10), nil
        for _, j in ipairs(gl) do
          if not taken[j] and im.iou[d.k][j] >= best then best, m = im.iou[d.k][j], j end
        end
        if m then taken[m] = true end
        d.tp[t] = m ~= nil
      end
    end
  end
  if npos == 0 then return nil end
  -- COCO concatenates per image, then a stable sort by score
  table.sort(records, function (a, b)
    if a.score ~= b.score then return a.score > b.score end
    return a.rank < b.rank
  end)
  local aps = {}
  for t = 1, #COCO_IOUS do
    local tp, fp, rec, prec = 0, 0, {}, {}
    for r, d in ipairs(records) do
      if d.tp[t] then tp = tp + 1 else fp = fp + 1 end
      rec[r], prec[r] = tp / npos, tp / (tp + fp + 2.220446049250313e-16)
    end
    aps[t] = M.average_precision(rec, prec, "coco")
  end
  return aps
end

-- detect.evaluate(dets, gts, opt): AP per class and mean, VOC and COCO style.
--   dets[i] = {boxes = N x 4, scores = N, labels = N} for image i (xyxy)
--   gts[i]  = {boxes = G x 4, labels = G}
--   opt: classes (list of labels; default every label of the ground
--   truth), iou (VOC threshold, 0.5), max_det (COCO's per image and class
--   limit, 100), pixel (VOC's "+1" IoU; COCO is always continuous)
-- Returns {classes = {...}, voc = {ap = {[c] = ...}, map}, voc11 = {...},
--   coco = {ap = {[c]}, ap50 = {[c]}, ap75 = {[c]}, map, map50, map75}}.
-- Classes without ground truth get no AP and stay out of the means.
function M.evaluate (dets, gts, opt)
  opt = options("evaluate", opt, {classes = function (v)
      if type(v) ~= "table" then return "must be a list of integer labels" end end,
    iou = number_in(0, 1), max_det = is_count, pixel = is_bool})
  local images = prepare(dets, gts, opt.pixel)
  local coco_images = opt.pixel and prepare(dets, gts, false) or images
  local classes = opt.classes
  if not classes then
    local seen = {}
    classes = {}
    for _, im in ipairs(images) do
      for _, c in ipairs(im.glabels) do
        if not seen[c] then seen[c] = true; classes[#classes + 1] = c end
      end
    end
    table.sort(classes)
  end
  local res = {classes = classes, voc = {ap = {}}, voc11 = {ap = {}},
               coco = {ap = {}, ap50 = {}, ap75 = {}}}
  local thr, max_det = opt.iou or 0.5, opt.max_det or 100
  local sums, count = {0, 0, 0, 0, 0}, 0
  for _, c in ipairs(classes) do
    local a = voc_class(images, c, thr, "all")
    if a then
      local a11 = voc_class(images, c, thr, "11")
      local aps = coco_class(coco_images, c, max_det)
      local mean = 0
      for _, v in ipairs(aps) do mean = mean + v / #aps end
      res.voc.ap[c], res.voc11.ap[c] = a, a11
      res.coco.ap[c], res.coco.ap50[c], res.coco.ap75[c] = mean, aps[1], aps[6]
      sums[1], sums[2] = sums[1] + a, sums[2] + a11
      sums[3], sums[4], sums[5] = sums[3] + mean, sums[4] + aps[1], sums[5] + aps[6]
      count = count + 1
    end
  end
  local function mean (s) return count > 0 and s / count or 0 end
  res.voc.map, res.voc11.map = mean(sums[1]), mean(sums[2])
  res.coco.map, res.coco.map50, res.coco.map75 = mean(sums[3]), mean(sums[4]), mean(sums[5])
  res.n_classes = count
  return res
end

-- detect.report(rows, names): a text table of evaluate() results;
-- rows = {{"name", result}, ...}, names = {[label] = "name"} (optional)
function M.report (rows, names)
  names = names or {}
  local out = {string.format("%-32s %8s %8s %8s %8s %8s", "method", "VOC AP", "VOC07", "COCO AP",
                             "AP50", "AP75")}
  for _, row in ipairs(rows) do
    local r = row[2]
    out[#out + 1] = string.format("%-32s %8.2f %8.2f %8.2f %8.2f %8.2f", row[1], 100 * r.voc.map,
      100 * r.voc11.map, 100 * r.coco.map, 100 * r.coco.map50, 100 * r.coco.map75)
  end
  local first = rows[1] and rows[1][2]
  if first then
    out[#out + 1] = ""
    local head = {string.format("%-32s", "COCO AP per class")}
    for _, c in ipairs(first.classes) do head[#head + 1] = string.format("%9s", names[c] or tostring(c)) end
    out[#out + 1] = table.concat(head, " ")
    for _, row in ipairs(rows) do
      local line = {string.format("%-32s", row[1])}
      for _, c in ipairs(first.classes) do
        local v = row[2].coco.ap[c]
        line[#line + 1] = string.format("%9s", v and string.format("%.2f", 100 * v) or "-")
      end
      out[#out + 1] = table.concat(line, " ")
    end
  end
  return table.concat(out, "\n")
end

-- }======

return M
