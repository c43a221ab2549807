-- data/shapes.lua: a synthetic detection set of crowded, overlapping
-- shapes (rectangles, ellipses, triangles) on noisy backgrounds, written
-- as PNG images plus one annotation file; and its loader.
--
--   local shapes = require "data.shapes"
--   shapes.generate("out/shapes/train", {n = 2000, seed = 1})
--   local set = shapes.load("out/shapes/train")   -- x, gts, classes, paths
--
-- Objects come in clusters (1 to 3 per image, up to 8 objects), so their
-- boxes overlap heavily; later objects occlude earlier ones, but every
-- object keeps at least 'min_visible' of its pixels in sight. Boxes are the
-- whole (amodal) extent of each shape, xyxy in continuous pixel
-- coordinates. The annotation file annotations.csv has one line per object:
-- image,label,x1,y1,x2,y2 (label 1-based, names in a '# classes:' line).
-- The generator draws from Lua's own generator seeded with 'seed', so a
-- seed gives the same files on every machine (Lua 5.4's xoshiro256**).
local M = {}

M.classes = {"rect", "ellipse", "triangle"}

local floor, max, min, sqrt = math.floor, math.max, math.min, math.sqrt

local function gauss (rnd)
  local u, v = 1 - rnd(), rnd()
  return sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)
end

-- is the pixel centre (px, py) inside object o (shrunk by 'inset' pixels)?
local function inside (o, px, py, inset)
  local x1, y1, x2, y2 = o.x1 + inset, o.y1 + inset, o.x2 - inset, o.y2 - inset
  if px < x1 or px >= x2 or py < y1 or py >= y2 then return false end
  if o.label == 1 then return true end
  local cx, cy, hw, hh = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2, (y2 - y1) / 2
  if o.label == 2 then
    local dx, dy = (px - cx) / hw, (py - cy) / hh
    return dx * dx + dy * dy <= 1
  end
  -- triangle: apex at the top centre, base along the bottom edge
  return math.abs(px - cx) <= (py - y1) / (y2 - y1) * hw
end

-- index of the top-most object covering pixel (x, y), or 0
local function top_at (objs, n, x, y)
  local px, py = x + 0.5, y + 0.5
  for k = n, 1, -1 do
    if inside(objs[k], px, py, 0) then return k end
  end
  return 0
end

-- visible fraction of every object of objs[1..n] on a size x size canvas
local function visibility (objs, n, size)
  local total, seen = {}, {}
  for k = 1, n do total[k], seen[k] = 0, 0 end
  for y = 0, size - 1 do
    for x = 0, size - 1 do
      local px, py = x + 0.5, y + 0.5
      local top = 0
      for k = 1, n do
        if inside(objs[k], px, py, 0) then total[k] = total[k] + 1; top = k end
      end
      if top > 0 then seen[top] = seen[top] + 1 end
    end
  end
  local v = {}
  for k = 1, n do v[k] = total[k] > 0 and seen[k] / total[k] or 0 end
  return v
end

-- the objects of one image
local function place (rnd, opt)
  local size = opt.size
  local clusters = {}
  for c = 1, 1 + floor(rnd() * opt.max_clusters) do
    clusters[c] = {size * (0.2 + 0.6 * rnd()), size * (0.2 + 0.6 * rnd())}
  end
  local want = opt.min_objects + floor(rnd() * (opt.max_objects - opt.min_objects + 1))
  local objs = {}
  for _ = 1, want * 6 do
    if #objs >= want then break end
    local c = clusters[1 + floor(rnd() * #clusters)]
    local s = opt.min_size + rnd() * (opt.max_size - opt.min_size)
    local a = math.exp((rnd() - 0.5) * 0.6)      -- aspect in [0.74, 1.35]
    local w, h = s * a, s / a
    local cx = c[1] + gauss(rnd) * opt.spread
    local cy = c[2] + gauss(rnd) * opt.spread
    cx = min(max(cx, w / 2), size - w / 2)
    cy = min(max(cy, h / 2), size - h / 2)
    local o = {label = 1 + floor(rnd() * #M.classes), x1 = cx - w / 2, y1 = cy - h / 2,
               x2 = cx + w / 2, y2 = cy + h / 2}
    objs[#objs + 1] = o
    local v = visibility(objs, #objs, size)
    for k = 1, #objs do
      if v[k] < opt.min_visible then objs[#objs] = nil; break end
    end
  end
  return objs
end

local function colour (rnd, bg)
  for _ = 1, 50 do
    local c = {rnd(), rnd(), rnd()}
    local d = math.abs(c[1] - bg[1]) + math.abs(c[2] - bg[2]) + math.abs(c[3] - bg[3])
    if d > 0.6 then return c end
  end
  return {1 - bg[1], 1 - bg[2], 1 - bg[3]}
end

-- the pixels (flat 3 x size x size array in [0, 1]) of one image
local function render (rnd, objs, opt)
  local size, noise = opt.size, opt.noise
  local bg0, bg1 = {rnd(), rnd(), rnd()}, {rnd(), rnd(), rnd()}
  local bgmean = {(bg0[1] + bg1[1]) / 2, (bg0[2] + bg1[2]) / 2, (bg0[3] + bg1[3]) / 2}
  for _, o in ipairs(objs) do o.col = colour(rnd, bgmean) end
  local px, plane = {}, size * size
  for y = 0, size - 1 do
    for x = 0, size - 1 do
      local t = (x + y) / (2 * size - 2)
      local k = top_at(objs, #objs, x, y)
      local col
      if k > 0 then
        local o = objs[k]
        col = o.col
        if not inside(o, x + 0.5, y + 0.5, 1.2) then   -- a darker outline
          col = {col[1] * 0.45, col[2] * 0.45, col[3] * 0.45}
        end
      end
      for ch = 1, 3 do
        local v = col and col[ch] or (bg0[ch] * (1 - t) + bg1[ch] * t)
        v = v + noise * gauss(rnd)
        px[(ch - 1) * plane + y * size + x + 1] = v < 0 and 0 or (v > 1 and 1 or v)
      end
    end
  end
  return px
end

local DEFAULTS = {n = 100, size = 64, seed = 1, min_objects = 3, max_objects = 8,
                  max_clusters = 3, min_size = 10, max_size = 26, spread = 6,
                  min_visible = 0.4, noise = 0.06}

-- generate(dir, opt): write opt.n images to dir/images/ and
-- dir/annotations.csv; returns the number of objects written
function M.generate (dir, opt)
  local o = {}
  for k, v in pairs(DEFAULTS) do o[k] = v end
  for k, v in pairs(opt or {}) do
    if DEFAULTS[k] == nil then error("shapes.generate: unknown option '" .. tostring(k) .. "'", 2) end
    o[k] = v
  end
  local core = require "luanet.core"
  local rng = math.random
  math.randomseed(o.seed)
  local rnd = function () return rng() end
  assert(os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "/images'"))
  local lines = {"# classes: " .. table.concat(M.classes, ","), "image,label,x1,y1,x2,y2"}
  local count = 0
  for i = 1, o.n do
    local objs = place(rnd, o)
    local px = render(rnd, objs, o)
    local name = string.format("images/%05d.png", i)
    core.png_save(dir .. "/" .. name, px, 3, o.size, o.size)
    for _, ob in ipairs(objs) do
      lines[#lines + 1] = string.format("%s,%d,%.2f,%.2f,%.2f,%.2f", name, ob.label,
                                        ob.x1, ob.y1, ob.x2, ob.y2)
      count = count + 1
    end
  end
  local f = assert(io.open(dir .. "/annotations.csv", "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  return count
end

-- load(dir, opt): the set written by generate: {x = tensor N x 3 x H x W,
-- gts = {{boxes = {{x1, y1, x2, y2}, ...}, labels = {...}}, ...},
-- paths = {...}, classes = {...}}; opt.limit keeps the first images only
function M.load (dir, opt)
  opt = opt or {}
  local f, err = io.open(dir .. "/annotations.csv", "r")
  if not f then error("shapes.load: " .. tostring(err), 2) end
  local classes, order, by = M.classes, {}, {}
  for line in f:lines() do
    local names = line:match("^# classes: (.*)$")
    if names then
      classes = {}
      for c in names:gmatch("[^,]+") do classes[#classes + 1] = c end
    elseif not line:match("^image,") and line ~= "" then
      local img, lab, a, b, c, d = line:match("^([^,]+),(%d+),([^,]+),([^,]+),([^,]+),([^,]+)$")
      if not img then f:close(); error("shapes.load: bad line '" .. line .. "'", 2) end
      if not by[img] then by[img] = {boxes = {}, labels = {}}; order[#order + 1] = img end
      local g = by[img]
      g.boxes[#g.boxes + 1] = {tonumber(a), tonumber(b), tonumber(c), tonumber(d)}
      g.labels[#g.labels + 1] = math.tointeger(tonumber(lab))
    end
  end
  f:close()
  -- images without objects have no line: list the folder's PNGs too
  local p = io.popen("ls '" .. dir:gsub("'", "'\\''") .. "/images' 2>/dev/null")
  if p then
    for name in p:lines() do
      local img = "images/" .. name
      if name:match("%.png$") and not by[img] then by[img] = {boxes = {}, labels = {}}; order[#order + 1] = img end
    end
    p:close()
  end
  table.sort(order)
  if opt.limit and opt.limit < #order then
    for k = #order, opt.limit + 1, -1 do order[k] = nil end
  end
  local core = require "luanet.core"
  local imgs, gts = {}, {}
  for i, img in ipairs(order) do
    imgs[i] = core.png_load(dir .. "/" .. img)
    gts[i] = by[img]
  end
  local x = core.detect.stack(imgs)
  return {x = x, gts = gts, paths = order, classes = classes, dir = dir}
end

return M
