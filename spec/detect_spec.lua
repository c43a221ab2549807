-- luanet.detect: boxes, IoU, NMS, Soft-NMS, AP. The expected values are
-- worked out by hand in the comments (boxes are xyxy).
local ln = require "luanet"
local detect = require "luanet.detect"

local function list (t)   -- a tensor as a plain table (empty for none)
  if t:numel() == 0 then return {} end
  return t:totable()
end

local function near_list (expected, got, tol)
  assert.are.equal(#expected, #got)
  for i = 1, #expected do assert.near(expected[i], got[i], tol or 1e-6) end
end

-- a plain Lua NMS / Soft-NMS straight from the paper's Algorithm 1, to
-- check the C kernels on random boxes
local function ref_iou (a, b)
  local w = math.max(0, math.min(a[3], b[3]) - math.max(a[1], b[1]))
  local h = math.max(0, math.min(a[4], b[4]) - math.max(a[2], b[2]))
  local i = w * h
  local u = (a[3] - a[1]) * (a[4] - a[2]) + (b[3] - b[1]) * (b[4] - b[2]) - i
  return u > 0 and i / u or 0
end

local function ref_soft (boxes, scores, method, nt, sigma, thr)
  local s, alive, keep, ks = {}, {}, {}, {}
  for i = 1, #boxes do s[i] = scores[i]; alive[i] = scores[i] >= thr end
  while true do
    local m
    for i = 1, #boxes do if alive[i] and (not m or s[i] > s[m]) then m = i end end
    if not m then break end
    keep[#keep + 1], ks[#ks + 1], alive[m] = m, s[m], false
    for i = 1, #boxes do
      if alive[i] then
        local o = ref_iou(boxes[m], boxes[i])
        if method == "linear" then if o > nt then s[i] = s[i] * (1 - o) end
        elseif method == "gaussian" then s[i] = s[i] * math.exp(-o * o / sigma)
        elseif o > nt then s[i] = 0 end
        if s[i] < thr then alive[i] = false end
      end
    end
  end
  return keep, ks
end

-- clustered random boxes with scores, as tables
local function random_boxes (n, seed)
  ln.seed(seed)
  local u = ln.rand(n * 7):totable()
  local boxes, scores = {}, {}
  for i = 1, n do
    local k = (i - 1) * 7
    local cx = 20 * math.floor(u[k + 1] * 4) + 4 * u[k + 2]
    local cy = 20 * math.floor(u[k + 3] * 4) + 4 * u[k + 4]
    local w, h = 6 + 10 * u[k + 5], 6 + 10 * u[k + 6]
    boxes[i] = {cx, cy, cx + w, cy + h}
    scores[i] = (math.floor(u[k + 7] * 50) + 1) / 51   -- many ties, none 0
  end
  return boxes, scores
end

describe("luanet.detect", function()
  describe("convert", function()
    it("converts between xyxy, xywh and cxcywh", function()
      local b = ln.tensor{{1, 2, 5, 8}}
      assert.are.same({{1, 2, 4, 6}}, detect.convert(b, "xyxy", "xywh"):totable())
      assert.are.same({{3, 5, 4, 6}}, detect.convert(b, "xyxy", "cxcywh"):totable())
      assert.are.same({{1, 2, 5, 8}}, detect.convert(ln.tensor{{3, 5, 4, 6}}, "cxcywh", "xyxy"):totable())
      assert.are.same({{3, 5, 4, 6}}, detect.convert(ln.tensor{{1, 2, 4, 6}}, "xywh", "cxcywh"):totable())
      assert.are.same({1, 2, 5, 8}, b:totable()[1])   -- the input is untouched
    end)
    it("names a bad format", function()
      assert.error_matches(function () detect.convert({{0, 0, 1, 1}}, "xyxy", "yxyx") end,
        "convert: to must be 'xyxy', 'xywh' or 'cxcywh', got yxyx", nil, true)
    end)
  end)

  describe("iou", function()
    local a = {{0, 0, 2, 2}, {0, 0, 1, 1}, {1, 1, 1, 1}, {0, 0, 4, 4}}
    local b = {{1, 1, 3, 3}, {1, 0, 2, 1}, {1, 1, 1, 1}, {1, 1, 3, 3}}
    it("in continuous coordinates (the default)", function()
      local m = detect.iou(a, b):totable()
      assert.near(1 / 7, m[1][1], 1e-7)   -- overlap 1x1, union 4 + 4 - 1
      assert.are.equal(0, m[2][2])        -- touching edges share no area
      assert.are.equal(0, m[3][3])        -- two zero-area boxes: empty union -> 0
      assert.near(0.25, m[4][4], 1e-7)    -- 2x2 inside 4x4
      assert.are.equal(0, m[3][4])        -- a point inside a box: no area
    end)
    it("in the +1 pixel convention of the reference code", function()
      local m = detect.iou(a, b, {pixel = true}):totable()
      assert.near(4 / 14, m[1][1], 1e-7)  -- 3x3 boxes, overlap 2x2
      assert.near(2 / 6, m[2][2], 1e-7)   -- 2x2 boxes sharing a 1x2 column
      assert.are.equal(1, m[3][3])        -- a one-pixel box with itself
      assert.near(9 / 25, m[4][4], 1e-7)  -- 3x3 inside 5x5
      assert.near(1 / 9, m[3][1], 1e-7)   -- one pixel inside a 3x3 box
    end)
    it("takes other formats and gives N x M", function()
      -- cxcywh (1, 1, 2, 2) is xyxy (0, 0, 2, 2); (2, 2, 2, 2) is (1, 1, 3, 3)
      local m = detect.iou({{1, 1, 2, 2}}, {{1, 1, 2, 2}, {2, 2, 2, 2}}, {format = "cxcywh"})
      assert.are.same({1, 2}, m:shape())
      assert.near(1, m:get(1, 1), 1e-7)
      assert.near(1 / 7, m:get(1, 2), 1e-7)
    end)
    it("area in both conventions", function()
      assert.are.same({4, 0}, detect.area({{0, 0, 2, 2}, {3, 3, 3, 3}}):totable())
      assert.are.same({9, 1}, detect.area({{0, 0, 2, 2}, {3, 3, 3, 3}}, {pixel = true}):totable())
    end)
  end)

  describe("nms", function()
    it("keeps nothing of no boxes and the one box of one", function()
      assert.are.same({}, list(detect.nms({}, {})))
      assert.are.same({}, list(detect.nms(ln.zeros({0, 4}), ln.zeros({0}))))
      assert.are.same({1}, list(detect.nms({{0, 0, 1, 1}}, {0.3})))
    end)
    it("breaks equal scores by the lower index", function()
      local disjoint = {{0, 0, 1, 1}, {5, 5, 6, 6}, {9, 9, 10, 10}}
      assert.are.same({1, 2, 3}, list(detect.nms(disjoint, {0.5, 0.5, 0.5})))
      assert.are.same({2, 1, 3}, list(detect.nms(disjoint, {0.5, 0.7, 0.5})))
      local same = {{0, 0, 4, 4}, {0, 0, 4, 4}, {0, 0, 4, 4}}
      assert.are.same({2}, list(detect.nms(same, {0.2, 0.6, 0.6})))
    end)
    it("keeps only the best of identical boxes", function()
      local same = {{1, 1, 5, 5}, {1, 1, 5, 5}, {1, 1, 5, 5}}
      assert.are.same({3}, list(detect.nms(same, {0.1, 0.2, 0.3})))
    end)
    it("suppresses above the IoU threshold, not at it", function()
      -- M; b2 IoU 0.6 with M; b3 IoU 0.5; b4 IoU 0.4 (b3, b4 do not overlap)
      local boxes = {{0, 0, 10, 10}, {0, 0, 10, 6}, {0, 0, 10, 5}, {0, 5, 10, 9}}
      local scores = {0.9, 0.8, 0.7, 0.6}
      assert.are.same({1, 3, 4}, list(detect.nms(boxes, scores, {iou = 0.5})))
      assert.are.same({1, 4}, list(detect.nms(boxes, scores, {iou = 0.45})))
      -- at 0.6 b2 stays, and suppresses b3 (IoU 50/60 with it)
      assert.are.same({1, 2, 4}, list(detect.nms(boxes, scores, {iou = 0.6})))
      assert.are.same({1, 3}, list(detect.nms(boxes, scores, {iou = 0.5, max_det = 2})))
    end)
    it("zero-area boxes: no overlap in continuous coordinates, one pixel with +1", function()
      local pts = {{5, 5, 5, 5}, {5, 5, 5, 5}}
      assert.are.same({1, 2}, list(detect.nms(pts, {0.9, 0.8})))
      assert.are.same({1}, list(detect.nms(pts, {0.9, 0.8}, {pixel = true})))
    end)
    it("does not modify its inputs", function()
      local b, s = ln.tensor{{0, 0, 2, 2}, {0, 0, 2, 2}}, ln.tensor{0.1, 0.9}
      detect.nms(b, s)
      detect.soft_nms(b, s, {method = "gaussian"})
      detect.batched_soft_nms(b, s, {1, 1})
      assert.are.same({{0, 0, 2, 2}, {0, 0, 2, 2}}, b:totable())
      assert.near(0.1, s:get(1), 1e-7)
      assert.near(0.9, s:get(2), 1e-7)
    end)
    it("agrees with a plain greedy NMS on random clustered boxes", function()
      local boxes, scores = random_boxes(300, 3)
      for _, thr in ipairs({0.3, 0.5, 0.7}) do
        local keep = list(detect.nms(boxes, scores, {iou = thr}))
        -- hard NMS is Soft-NMS with the hard rule and no score threshold
        local ref = ref_soft(boxes, scores, "hard", thr, 0.5, 1e-30)
        assert.are.same(ref, keep)
      end
    end)
  end)

  describe("soft_nms", function()
    -- A; B IoU 0.5 with A; C far away; D IoU 0.8 with A and 0.625 with B
    local boxes = {{0, 0, 10, 10}, {0, 0, 10, 5}, {20, 0, 30, 10}, {0, 0, 10, 8}}
    local scores = {0.9, 0.8, 0.7, 0.6}

    it("linear: s (1 - IoU) above N_t, in the paper's selection order", function()
      -- A (.9); B .8 * .5 = .4, D .6 * .2 = .12; C (.7); B (.4); D .12 * .375
      local keep, s = detect.soft_nms(boxes, scores)
      assert.are.same({1, 3, 2, 4}, list(keep))
      near_list({0.9, 0.7, 0.4, 0.045}, list(s))
    end)
    it("gaussian: s exp(-IoU^2 / sigma) for every box", function()
      local e = math.exp
      local keep, s = detect.soft_nms(boxes, scores, {method = "gaussian"})
      assert.are.same({1, 3, 2, 4}, list(keep))
      near_list({0.9, 0.7, 0.8 * e(-0.25 / 0.5), 0.6 * e(-0.64 / 0.5) * e(-0.625 ^ 2 / 0.5)}, list(s))
      -- a wider sigma decays less: B (.8 e^-.125 = .706) now comes before C
      keep, s = detect.soft_nms(boxes, scores, {method = "gaussian", sigma = 2})
      assert.are.same({1, 2, 3, 4}, list(keep))
      near_list({0.9, 0.8 * e(-0.25 / 2), 0.7, 0.6 * e(-0.64 / 2) * e(-0.625 ^ 2 / 2)}, list(s))
    end)
    it("hard: zero above N_t, then dropped by the threshold", function()
      local keep, s = detect.soft_nms(boxes, scores, {method = "hard"})
      assert.are.same({1, 3}, list(keep))
      near_list({0.9, 0.7}, list(s))
      -- with no threshold the suppressed boxes stay, at score 0 (reference code)
      keep, s = detect.soft_nms(boxes, scores, {method = "hard", score_threshold = 0})
      assert.are.same({1, 3, 2, 4}, list(keep))
      near_list({0.9, 0.7, 0, 0}, list(s))
    end)
    it("IoU straddling N_t: decayed above it, untouched at it", function()
      -- IoU 0.3 exactly (3/10) and 0.31
      local b = {{0, 0, 10, 10}, {0, 0, 10, 3}, {0, 20, 10, 23.1}, {0, 20, 10, 30}}
      local keep, s = detect.soft_nms(b, {0.9, 0.5, 0.5, 0.8})
      assert.are.same({1, 4, 2, 3}, list(keep))
      near_list({0.9, 0.8, 0.5, 0.5 * (1 - 0.31)}, list(s), 1e-6)
    end)
    it("scores straddling the threshold: kept at it, dropped below it", function()
      -- B decays to .4 exactly, D to .12 then .045
      local keep, s = detect.soft_nms(boxes, scores, {score_threshold = 0.4})
      assert.are.same({1, 3, 2}, list(keep))
      near_list({0.9, 0.7, 0.4}, list(s))
      keep = detect.soft_nms(boxes, scores, {score_threshold = 0.05})
      assert.are.same({1, 3, 2}, list(keep))
      keep = detect.soft_nms(boxes, scores, {score_threshold = 0.04})
      assert.are.same({1, 3, 2, 4}, list(keep))
      -- a box below the threshold on input is never selected
      keep = detect.soft_nms({{0, 0, 1, 1}, {5, 5, 6, 6}}, {0.0005, 0.5})
      assert.are.same({2}, list(keep))
    end)
    it("never drops the selected box itself", function()
      -- linear would give M weight 1 - IoU(M, M) = 0 if M were rescored
      local keep, s = detect.soft_nms({{0, 0, 4, 4}}, {0.002})
      assert.are.same({1}, list(keep))
      near_list({0.002}, list(s))
      keep, s = detect.soft_nms({{0, 0, 4, 4}, {0, 0, 4, 4}}, {0.5, 0.4}, {method = "hard"})
      assert.are.same({1}, list(keep))
      near_list({0.5}, list(s))
    end)
    it("all boxes identical", function()
      local same = {{2, 2, 6, 6}, {2, 2, 6, 6}, {2, 2, 6, 6}}
      local keep, s = detect.soft_nms(same, {0.8, 0.9, 0.7})
      assert.are.same({2}, list(keep))                  -- linear: 1 - 1 = 0
      near_list({0.9}, list(s))
      keep, s = detect.soft_nms(same, {0.8, 0.9, 0.7}, {method = "gaussian"})
      assert.are.same({2, 1, 3}, list(keep))            -- each round multiplies by e^-2
      near_list({0.9, 0.8 * math.exp(-2), 0.7 * math.exp(-4)}, list(s))
    end)
    it("equal scores: the lower index first", function()
      local keep = detect.soft_nms({{0, 0, 1, 1}, {5, 5, 6, 6}, {9, 9, 10, 10}}, {0.5, 0.5, 0.5})
      assert.are.same({1, 2, 3}, list(keep))
      local keep2, s = detect.soft_nms({{0, 0, 4, 4}, {0, 0, 4, 4}}, {0.6, 0.6}, {method = "gaussian"})
      assert.are.same({1, 2}, list(keep2))
      near_list({0.6, 0.6 * math.exp(-2)}, list(s))
    end)
    it("zero-area boxes, no boxes, a single box, max_det", function()
      local keep, s = detect.soft_nms({{3, 3, 3, 3}, {3, 3, 3, 3}}, {0.9, 0.8})
      assert.are.same({1, 2}, list(keep))               -- IoU 0: untouched
      near_list({0.9, 0.8}, list(s))
      keep = detect.soft_nms({{3, 3, 3, 3}, {3, 3, 3, 3}}, {0.9, 0.8}, {pixel = true})
      assert.are.same({1}, list(keep))                  -- IoU 1 with +1: 0.8 * 0
      keep, s = detect.soft_nms({}, {})
      assert.are.same({}, list(keep))
      assert.are.same({}, list(s))
      keep = detect.soft_nms(boxes, scores, {max_det = 2})
      assert.are.same({1, 3}, list(keep))
    end)
    it("agrees with Algorithm 1 written plainly, for every rule", function()
      local b, sc = random_boxes(250, 5)
      for _, m in ipairs({"linear", "gaussian", "hard"}) do
        local keep, s = detect.soft_nms(b, sc, {method = m})
        local rk, rs = ref_soft(b, sc, m, 0.3, 0.5, 0.001)
        assert.are.same(rk, list(keep))
        near_list(rs, list(s), 1e-5)
      end
    end)
  end)

  describe("batched", function()
    it("suppresses within a class only, merged by score", function()
      local same = {{0, 0, 4, 4}, {0, 0, 4, 4}, {0, 0, 4, 4}, {10, 10, 12, 12}}
      local keep = detect.batched_nms(same, {0.5, 0.9, 0.7, 0.7}, {1, 2, 1, 2})
      assert.are.same({2, 3, 4}, list(keep))   -- .9 (class 2), .7 (3, class 1), .7 (4)
      local k2, s = detect.batched_soft_nms(same, {0.5, 0.9, 0.7, 0.7}, {1, 2, 1, 2},
                                            {method = "gaussian"})
      assert.are.same({2, 3, 4, 1}, list(k2))
      near_list({0.9, 0.7, 0.7, 0.5 * math.exp(-2)}, list(s))
      assert.are.same({2, 3}, list(detect.batched_nms(same, {0.5, 0.9, 0.7, 0.7}, {1, 2, 1, 2},
                                                      {max_det = 2})))
    end)
    it("equals per-class calls on random boxes", function()
      local b, sc = random_boxes(200, 9)
      local cls = {}
      for i = 1, #b do cls[i] = i % 3 end
      local keep, s = detect.batched_soft_nms(b, sc, cls, {method = "gaussian"})
      local want = {}
      for c = 0, 2 do
        local sub, ssub, map = {}, {}, {}
        for i = 1, #b do
          if cls[i] == c then sub[#sub + 1] = b[i]; ssub[#ssub + 1] = sc[i]; map[#map + 1] = i end
        end
        local k, ks = detect.soft_nms(sub, ssub, {method = "gaussian"})
        for r, v in ipairs(list(k)) do want[#want + 1] = {map[v], ks:get(r)} end
      end
      table.sort(want, function (x, y)
        if x[2] ~= y[2] then return x[2] > y[2] end
        return x[1] < y[1]
      end)
      local kl, sl = list(keep), list(s)
      assert.are.equal(#want, #kl)
      for r = 1, #want do
        assert.are.equal(want[r][1], kl[r])
        assert.are.equal(want[r][2], sl[r])
      end
    end)
  end)

  describe("bad input", function()
    local b, s = {{0, 0, 1, 1}, {0, 0, 2, 2}}, {0.5, 0.4}
    it("wrong shapes", function()
      assert.error_matches(function () detect.nms(ln.zeros({2, 5}), ln.zeros({2})) end,
        "nms: boxes must be a float32 tensor N x 4, got float32 2x5", nil, true)
      assert.error_matches(function () detect.nms(b, {0.5}) end,
        "nms: scores must be a float32 tensor of 2 entries (one per box), got float32 1", nil, true)
      assert.error_matches(function () detect.soft_nms(b, ln.zeros({2, 1})) end,
        "soft_nms: scores must be a float32 tensor of 2 entries", nil, true)
      assert.error_matches(function () detect.batched_nms(b, s, ln.tensor{1, 2}) end,
        "batched_nms: classes must be a int32 tensor of 2 entries (one per box), got float32 2", nil, true)
      assert.error_matches(function () detect.batched_nms(b, s, {1, 2.5}) end,
        "batched_nms: classes[2] must be an integer, got 2.5", nil, true)
      assert.error_matches(function () detect.iou({{0, 0, 1}}, b) end,
        "iou: boxes1", nil, true)
      assert.error_matches(function () detect.nms("boxes", s) end,
        "nms: boxes must be a tensor N x 4 or a table of boxes, got string", nil, true)
    end)
    it("NaN scores", function()
      assert.error_matches(function () detect.nms(b, {0.5, 0 / 0}) end,
        "nms: scores[2] is NaN", nil, true)
      assert.error_matches(function () detect.soft_nms(b, {0 / 0, 0.5}) end,
        "soft_nms: scores[1] is NaN", nil, true)
      assert.error_matches(function () detect.batched_soft_nms(b, {1 / 0, 0.5}, {1, 1}) end,
        "batched_soft_nms: scores[1] is infinite", nil, true)
    end)
    it("x2 < x1, y2 < y1, non-finite coordinates", function()
      assert.error_matches(function () detect.nms({{0, 0, 1, 1}, {3, 0, 2, 1}}, s) end,
        "nms: boxes[2] has x2 < x1 (2 < 3)", nil, true)
      assert.error_matches(function () detect.soft_nms({{0, 5, 1, 1}}, {0.5}) end,
        "soft_nms: boxes[1] has y2 < y1 (1 < 5)", nil, true)
      assert.error_matches(function () detect.iou({{0, 0, 1, 1}}, {{0, 0, 0 / 0, 1}}) end,
        "iou: boxes2[1] has a non-finite coordinate", nil, true)
      assert.error_matches(function () detect.nms({{0, 0, -1, 1}}, {0.5}, {format = "xywh"}) end,
        "nms: boxes[1] has x2 < x1", nil, true)
    end)
    it("unknown method, negative sigma, bad options", function()
      assert.error_matches(function () detect.soft_nms(b, s, {method = "cubic"}) end,
        "soft_nms: method must be 'linear', 'gaussian' or 'hard', got cubic", nil, true)
      assert.error_matches(function () detect.soft_nms(b, s, {sigma = -0.5}) end,
        "soft_nms: sigma must be > 0, got -0.5", nil, true)
      assert.error_matches(function () detect.soft_nms(b, s, {sigma = 0}) end,
        "soft_nms: sigma must be > 0, got 0", nil, true)
      assert.error_matches(function () detect.soft_nms(b, s, {score_threshold = -1}) end,
        "soft_nms: score_threshold must be >= 0, got -1", nil, true)
      assert.error_matches(function () detect.nms(b, s, {iou = 1.5}) end,
        "nms: iou must be in [0, 1], got 1.5", nil, true)
      assert.error_matches(function () detect.nms(b, s, {max_det = 0}) end,
        "nms: max_det must be a positive integer, got 0", nil, true)
      assert.error_matches(function () detect.nms(b, s, {thresh = 0.5}) end,
        "nms: unknown option 'thresh' (options: format, iou, max_det, pixel)", nil, true)
      assert.error_matches(function () detect.iou(b, b, {format = "yxyx"}) end,
        "iou: format must be 'xyxy', 'xywh' or 'cxcywh', got yxyx", nil, true)
    end)
    it("the C kernels check on their own too", function()
      local C = ln.core.detect
      assert.error_matches(function () C.soft_nms(ln.tensor{{0, 0, 1, 1}}, ln.tensor{0.5}, "gaussian", 0.3, -2) end,
        "soft_nms: sigma must be > 0, got -2", nil, true)
      assert.error_matches(function () C.soft_nms(ln.tensor{{0, 0, 1, 1}}, ln.tensor{0.5}, "bogus") end,
        "bad argument #3 to 'soft_nms' (invalid option 'bogus')", nil, true)
    end)
  end)

  describe("average_precision", function()
    -- ranks: TP, TP, FP, TP of 4 objects: recall .25 .5 .5 .75
    local rec, prec = {0.25, 0.5, 0.5, 0.75}, {1, 1, 2 / 3, 0.75}
    it("all-point: area under the precision envelope", function()
      assert.near(0.25 + 0.25 + 0.25 * 0.75, detect.average_precision(rec, prec, "all"), 1e-12)
    end)
    it("11-point: max precision at recall >= 0, .1, ..., 1", function()
      -- r = 0 .. .5: 1 (six points); .6, .7: .75; .8 .. 1: 0
      assert.near((6 + 1.5) / 11, detect.average_precision(rec, prec, "11"), 1e-12)
    end)
    it("COCO 101-point", function()
      -- r = 0 .. .5 (51 points): 1; .51 .. .75 (25 points): .75; above: 0
      assert.near((51 + 25 * 0.75) / 101, detect.average_precision(rec, prec, "coco"), 1e-12)
    end)
  end)

  describe("evaluate", function()
    it("one class: VOC and COCO by hand", function()
      -- dets by score: A (=G1) TP, B (=G1 again) FP, C (IoU .68 with G1) FP, D (=G2) TP
      -- recall .5 .5 .5 1, precision 1 .5 .33 .5
      local dets = {{boxes = {{0, 0, 10, 10}, {1, 1, 11, 11}, {20, 20, 30, 30}, {0, 0, 10, 10}},
                     scores = {0.9, 0.8, 0.7, 0.95}, labels = {1, 1, 1, 1}}}
      local gts = {{boxes = {{0, 0, 10, 10}, {20, 20, 30, 30}}, labels = {1, 1}}}
      local r = detect.evaluate(dets, gts)
      assert.near(0.5 + 0.5 * 0.5, r.voc.map, 1e-12)
      assert.near((6 + 5 * 0.5) / 11, r.voc11.map, 1e-12)
      assert.near((51 + 50 * 0.5) / 101, r.coco.map50, 1e-12)
      assert.near((51 + 50 * 0.5) / 101, r.coco.map, 1e-12)   -- IoUs are 1 or < .5
      assert.near(r.coco.map, r.coco.ap[1], 1e-12)
    end)
    it("COCO averages over IoU .5:.05:.95", function()
      -- one object, one detection of IoU .77: a hit for t = .5 .. .75 (6 of 10)
      local r = detect.evaluate({{boxes = {{0, 0, 10, 7.7}}, scores = {0.9}, labels = {2}}},
                                {{boxes = {{0, 0, 10, 10}}, labels = {2}}})
      assert.near(0.6, r.coco.map, 1e-12)
      -- precision is tp / (tp + fp + eps), as in cocoeval
      assert.near(1, r.coco.map50, 1e-12)
      assert.near(1, r.coco.map75, 1e-12)
      assert.are.equal(1, r.voc.map)
      assert.are.same({2}, r.classes)
    end)
    it("VOC takes the best-overlap object even when taken; COCO the best free one", function()
      -- D1 = G1; D2 has IoU .818 with G1 (taken) and .538 with G2
      local dets = {{boxes = {{0, 0, 10, 10}, {0, 1, 10, 11}}, scores = {0.9, 0.8}, labels = {1, 1}}}
      local gts = {{boxes = {{0, 0, 10, 10}, {0, 4, 10, 14}}, labels = {1, 1}}}
      local r = detect.evaluate(dets, gts)
      assert.near(0.5, r.voc.map, 1e-12)                  -- D2 is a false positive
      assert.near(6 / 11, r.voc11.map, 1e-12)
      assert.near(1, r.coco.map50, 1e-12)                 -- D2 matches G2 at t = .5
      assert.near(51 / 101, r.coco.map75, 1e-12)
      assert.near((1 + 9 * 51 / 101) / 10, r.coco.map, 1e-12)
    end)
    it("per class and mean; classes without objects stay out; misses count", function()
      local dets = {
        {boxes = {{0, 0, 4, 4}, {10, 10, 14, 14}}, scores = {0.9, 0.8}, labels = {1, 3}},
        {boxes = {}, scores = {}, labels = {}},
      }
      local gts = {
        {boxes = {{0, 0, 4, 4}}, labels = {1}},
        {boxes = {{0, 0, 4, 4}}, labels = {2}},   -- class 2: never detected
      }
      local r = detect.evaluate(dets, gts)
      assert.are.same({1, 2}, r.classes)
      assert.are.equal(1, r.voc.ap[1])
      assert.are.equal(0, r.voc.ap[2])
      assert.is_nil(r.voc.ap[3])                           -- no object of class 3
      assert.near(0.5, r.voc.map, 1e-12)
      assert.near(0.5, r.coco.map, 1e-12)
      assert.are.equal(2, r.n_classes)
      assert.is_string(detect.report({{"test", r}}, {"a", "b"}))
    end)
    it("checks its input", function()
      assert.error_matches(function () detect.evaluate({}, {{boxes = {}, labels = {}}}) end,
        "evaluate: 0 images of detections but 1 of ground truth", nil, true)
      assert.error_matches(function ()
        detect.evaluate({{boxes = {{0, 0, 1, 1}}, scores = {0.5, 0.4}, labels = {1}}},
                        {{boxes = {}, labels = {}}})
      end, "evaluate: image 1: 1 detection boxes, 2 scores, 1 labels", nil, true)
      assert.error_matches(function ()
        detect.evaluate({{boxes = {{0, 0, 1, 1}}, scores = {0 / 0}, labels = {1}}},
                        {{boxes = {}, labels = {}}})
      end, "scores[1] is NaN", nil, true)
    end)
  end)

  describe("stack and plot.boxes", function()
    it("stacks tensors of one shape", function()
      local t = detect.stack({ln.tensor{1, 2}, ln.tensor{3, 4}})
      assert.are.same({{1, 2}, {3, 4}}, t:totable())
      assert.error_matches(function () detect.stack({ln.tensor{1, 2}, ln.tensor{3}}) end,
        "stack: tensor 2 is 1, tensor 1 is 2", nil, true)
    end)
    it("draws boxes on an image", function()
      local plot = require "luanet.plot"
      local px, w, h = plot.render_boxes(ln.zeros({1, 8, 8}), {{1, 1, 5, 5}}, {scale = 2,
        colors = {{1, 0, 0}}})
      assert.are.equal(16, w)
      assert.are.equal(16, h)
      assert.are.equal(1, px[2 * 16 + 2 + 1])               -- red corner at (2, 2)
      assert.are.equal(0, px[16 * 16 + 2 * 16 + 2 + 1])     -- green plane
      assert.are.equal(0, px[4 * 16 + 4 + 1])               -- inside: the image
    end)
  end)

  describe("the crowded-shapes set", function()
    it("loads the bundled set: PNG images and boxes inside them", function()
      local shapes = require "data.shapes"
      local set = shapes.load("data/shapes-mini")
      local n = #set.gts
      assert.is_true(n >= 8)
      assert.are.same({n, 3, 64, 64}, set.x:shape())
      assert.are.same({"rect", "ellipse", "triangle"}, set.classes)
      local overlapping = 0
      for _, g in ipairs(set.gts) do
        for k, b in ipairs(g.boxes) do
          assert.is_true(b[1] >= 0 and b[2] >= 0 and b[3] <= 64 and b[4] <= 64 and b[3] > b[1])
          assert.is_true(g.labels[k] >= 1 and g.labels[k] <= 3)
        end
        local m = detect.iou(g.boxes, g.boxes):totable()
        for i = 1, #g.boxes do
          for j = i + 1, #g.boxes do if m[i][j] > 0.3 then overlapping = overlapping + 1 end end
        end
      end
      assert.is_true(overlapping >= n)   -- crowded: pairs with IoU > .3 abound
    end)
    it("regenerates the bundled set bit for bit from its seed", function()
      local shapes = require "data.shapes"
      local dir = os.tmpname()
      os.remove(dir)
      shapes.generate(dir, {n = 2, seed = 7})
      local f1 = assert(io.open(dir .. "/images/00002.png", "rb"))
      local f2 = assert(io.open("data/shapes-mini/images/00002.png", "rb"))
      assert.are.equal(f2:read("a"), f1:read("a"))
      f1:close(); f2:close()
      os.execute("rm -rf '" .. dir .. "'")
    end)
  end)
end)

describe("examples/detect.lua", function()
  local function run (args)
    local p = assert(io.popen("./luanet examples/detect.lua " .. args .. " 2>&1", "r"))
    local out = p:read("a")
    local ok = p:close()
    return out, ok
  end
  it("documents every option in --help", function()
    local out, ok = run("--help")
    assert.is_true(ok)
    for _, o in ipairs({"data", "train_n", "test_n", "epochs", "batch", "lr", "width", "radius",
                        "candidates", "nms_iou", "soft_iou", "sigma", "max_det", "images",
                        "draw_score", "threads", "seed", "out"}) do
      assert.is_truthy(out:find("--" .. o, 1, true), o)
    end
  end)
  it("trains a tiny detector, prints the AP table and draws PNGs #slow", function()
    local dir = os.tmpname()
    os.remove(dir)
    local out, ok = run(string.format("--data %s/data --train_n 24 --test_n 6 --epochs 1 " ..
      "--batch 8 --images 1 --out %s/out", dir, dir))
    assert.is_true(ok, out)
    for _, m in ipairs({"hard NMS", "linear Soft%-NMS", "Gaussian Soft%-NMS", "COCO AP per class"}) do
      assert.matches(m, out)
    end
    local f = io.open(dir .. "/out/detect_1_gaussian.png", "rb")
    assert.is_not_nil(f)
    f:close()
    local img = ln.data.png_load(dir .. "/out/detect_1_hard.png")
    assert.are.same({3, 256, 256}, img:shape())
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)
