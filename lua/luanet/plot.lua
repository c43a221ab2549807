-- luanet.plot: PNG line plots with no external tool. The image is drawn
-- into a plain Lua array (C x H x W floats in [0, 1]) with a built-in 5x7
-- bitmap font, and saved with the core's PNG writer.
--
--   plot.lines("loss.png", {title = "loss", xlabel = "epoch",
--     series = {{name = "train", x = {1, 2, 3}, y = {0.9, 0.5, 0.4}},
--               {name = "test", y = {1.0, 0.7, 0.6}}}})
local M = {}

local floor, ceil, abs, max, min = math.floor, math.ceil, math.abs, math.max, math.min

-- {====== Font: 5x7 glyphs, rows top to bottom, '#' = ink ======

local GLYPH_ROWS = {
  ["0"] = ".###. #...# #..## #.#.# ##..# #...# .###.",
  ["1"] = "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  ["2"] = ".###. #...# ....# ...#. ..#.. .#... #####",
  ["3"] = "##### ...#. ..#.. ...#. ....# #...# .###.",
  ["4"] = "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  ["5"] = "##### #.... ####. ....# ....# #...# .###.",
  ["6"] = "..##. .#... #.... ####. #...# #...# .###.",
  ["7"] = "##### ....# ...#. ..#.. .#... .#... .#...",
  ["8"] = ".###. #...# #...# .###. #...# #...# .###.",
  ["9"] = ".###. #...# #...# .#### ....# ...#. .##..",
  A = ".###. #...# #...# ##### #...# #...# #...#",
  B = "####. #...# #...# ####. #...# #...# ####.",
  C = ".###. #...# #.... #.... #.... #...# .###.",
  D = "###.. #..#. #...# #...# #...# #..#. ###..",
  E = "##### #.... #.... ####. #.... #.... #####",
  F = "##### #.... #.... ####. #.... #.... #....",
  G = ".###. #...# #.... #.### #...# #...# .####",
  H = "#...# #...# #...# ##### #...# #...# #...#",
  I = ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  J = "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K = "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L = "#.... #.... #.... #.... #.... #.... #####",
  M = "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N = "#...# #...# ##..# #.#.# #..## #...# #...#",
  O = ".###. #...# #...# #...# #...# #...# .###.",
  P = "####. #...# #...# ####. #.... #.... #....",
  Q = ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R = "####. #...# #...# ####. #.#.. #..#. #...#",
  S = ".#### #.... #.... .###. ....# ....# ####.",
  T = "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U = "#...# #...# #...# #...# #...# #...# .###.",
  V = "#...# #...# #...# #...# #...# .#.#. ..#..",
  W = "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X = "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y = "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z = "##### ....# ...#. ..#.. .#... #.... #####",
  a = "..... ..... .###. ....# .#### #...# .####",
  b = "#.... #.... #.##. ##..# #...# #...# ####.",
  c = "..... ..... .###. #.... #.... #...# .###.",
  d = "....# ....# .##.# #..## #...# #...# .####",
  e = "..... ..... .###. #...# ##### #.... .###.",
  f = "..##. .#..# .#... ###.. .#... .#... .#...",
  g = "..... .#### #...# #...# .#### ....# .###.",
  h = "#.... #.... #.##. ##..# #...# #...# #...#",
  i = "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
  j = "...#. ..... ..##. ...#. ...#. #..#. .##..",
  k = "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
  l = ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  m = "..... ..... ##.#. #.#.# #.#.# #...# #...#",
  n = "..... ..... #.##. ##..# #...# #...# #...#",
  o = "..... ..... .###. #...# #...# #...# .###.",
  p = "..... ..... ####. #...# ####. #.... #....",
  q = "..... ..... .##.# #..## .#### ....# ....#",
  r = "..... ..... #.##. ##..# #.... #.... #....",
  s = "..... ..... .###. #.... .###. ....# ####.",
  t = ".#... .#... ###.. .#... .#... .#..# ..##.",
  u = "..... ..... #...# #...# #...# #..## .##.#",
  v = "..... ..... #...# #...# #...# .#.#. ..#..",
  w = "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x = "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y = "..... ..... #...# #...# .#### ....# .###.",
  z = "..... ..... ##### ...#. ..#.. .#... #####",
  [" "] = "..... ..... ..... ..... ..... ..... .....",
  ["."] = "..... ..... ..... ..... ..... .##.. .##..",
  [","] = "..... ..... ..... ..... .##.. ..#.. .#...",
  ["-"] = "..... ..... ..... ##### ..... ..... .....",
  ["+"] = "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  [":"] = "..... .##.. .##.. ..... .##.. .##.. .....",
  [";"] = "..... .##.. .##.. ..... .##.. ..#.. .#...",
  ["("] = "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  [")"] = ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  ["["] = ".###. .#... .#... .#... .#... .#... .###.",
  ["]"] = ".###. ...#. ...#. ...#. ...#. ...#. .###.",
  ["/"] = "..... ....# ...#. ..#.. .#... #.... .....",
  ["_"] = "..... ..... ..... ..... ..... ..... #####",
  ["="] = "..... ..... ##### ..... ##### ..... .....",
  ["%"] = "##... ##..# ...#. ..#.. .#... #..## ...##",
  ["'"] = "..#.. ..#.. .#... ..... ..... ..... .....",
  ['"'] = ".#.#. .#.#. .#.#. ..... ..... ..... .....",
  ["!"] = "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
  ["?"] = ".###. #...# ....# ...#. ..#.. ..... ..#..",
  ["<"] = "...#. ..#.. .#... #.... .#... ..#.. ...#.",
  [">"] = ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
  ["*"] = "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
  ["#"] = ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  ["^"] = "..#.. .#.#. #...# ..... ..... ..... .....",
  ["|"] = "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  ["&"] = ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#",
  ["@"] = ".###. #...# ....# .##.# #.#.# #.#.# .###.",
  ["~"] = "..... ..... .#... #.#.# ...#. ..... .....",
}

local GLYPH_W, GLYPH_H, ADVANCE = 5, 7, 6

-- glyphs as lists of ink offsets {dx, dy, ...}, parsed once
local GLYPHS = {}
for ch, rows in pairs(GLYPH_ROWS) do
  local ink, y = {}, 0
  for row in rows:gmatch("%S+") do
    for x = 1, GLYPH_W do
      if row:sub(x, x) == "#" then
        ink[#ink + 1] = x - 1
        ink[#ink + 1] = y
      end
    end
    y = y + 1
  end
  GLYPHS[ch] = ink
end

-- }======

-- {====== Canvas: a flat C x H x W array of floats ======

local Canvas = {}
Canvas.__index = Canvas

local function new_canvas(w, h, bg)
  local c = {w = w, h = h, plane = w * h, px = {}}
  local px, n = c.px, w * h
  for k = 0, 2 do
    local v = bg[k + 1]
    for i = k * n + 1, (k + 1) * n do px[i] = v end
  end
  return setmetatable(c, Canvas)
end

-- set pixel (x, y) (0-based, clipped to the canvas) to colour 'col'
function Canvas:set(x, y, col)
  if x < 0 or y < 0 or x >= self.w or y >= self.h then return end
  local i = y * self.w + x + 1
  local px, n = self.px, self.plane
  px[i], px[i + n], px[i + 2 * n] = col[1], col[2], col[3]
end

-- filled rectangle [x0, x1] x [y0, y1], inclusive
function Canvas:fill(x0, y0, x1, y1, col)
  for y = y0, y1 do
    for x = x0, x1 do self:set(x, y, col) end
  end
end

-- a line 'width' pixels thick (Bresenham), clipped to 'clip' when given
-- ({x0, y0, x1, y1})
function Canvas:line(x0, y0, x1, y1, col, width, clip)
  width = width or 1
  local dx, dy = abs(x1 - x0), -abs(y1 - y0)
  local sx, sy = x0 < x1 and 1 or -1, y0 < y1 and 1 or -1
  local err = dx + dy
  local lo = -floor((width - 1) / 2)
  local hi = lo + width - 1
  -- a line far outside the canvas is not worth stepping through
  if max(dx, -dy) > 4 * (self.w + self.h) then return end
  while true do
    for oy = lo, hi do
      for ox = lo, hi do
        local x, y = x0 + ox, y0 + oy
        if not clip or (x >= clip[1] and x <= clip[3] and y >= clip[2] and
                        y <= clip[4]) then
          self:set(x, y, col)
        end
      end
    end
    if x0 == x1 and y0 == y1 then break end
    local e2 = 2 * err
    if e2 >= dy then err = err + dy; x0 = x0 + sx end
    if e2 <= dx then err = err + dx; y0 = y0 + sy end
  end
end

-- width in pixels of 'text' at 'scale'
local function text_width(text, scale)
  local n = #text
  if n == 0 then return 0 end
  return (n * ADVANCE - 1) * (scale or 1)
end

-- draw 'text' with its top-left corner at (x, y); 'vertical' turns it
-- 90 degrees counter-clockwise (reading bottom to top, (x, y) is then the
-- bottom-left corner)
function Canvas:text(text, x, y, col, scale, vertical)
  scale = scale or 1
  for k = 1, #text do
    local ch = text:sub(k, k)
    local ink = GLYPHS[ch] or GLYPHS[ch:upper()] or GLYPHS["?"]
    local ox = (k - 1) * ADVANCE * scale
    for j = 1, #ink, 2 do
      local gx, gy = ox + ink[j] * scale, ink[j + 1] * scale
      for sy = 0, scale - 1 do
        for sx = 0, scale - 1 do
          if vertical then
            self:set(x + gy + sy, y - gx - sx, col)
          else
            self:set(x + gx + sx, y + gy + sy, col)
          end
        end
      end
    end
  end
end

-- }======

-- {====== Axes ======

-- Heckbert's nice numbers: a round number near 'x' (1, 2, 5 x 10^k)
local function nice(x, round)
  local e = floor(math.log(x, 10))
  local f = x / 10 ^ e
  local nf
  if round then
    nf = f < 1.5 and 1 or f < 3 and 2 or f < 7 and 5 or 10
  else
    nf = f <= 1 and 1 or f <= 2 and 2 or f <= 5 and 5 or 10
  end
  return nf * 10 ^ e
end

-- round axis limits and a tick step covering [lo, hi] with ~'n' ticks
local function ticks(lo, hi, n)
  if hi - lo < 1e-12 * max(abs(lo), abs(hi), 1e-300) then   -- flat data
    local pad = lo ~= 0 and abs(lo) * 0.1 or 1
    lo, hi = lo - pad, hi + pad
  end
  local step = nice((hi - lo) / (n - 1), true)
  local a, b = floor(lo / step) * step, ceil(hi / step) * step
  return a, b, step
end

-- a tick label for 'v' given the step between ticks
local function tick_label(v, step)
  if abs(v) < step * 1e-6 then v = 0 end
  local big = max(abs(v), step)
  if big >= 1e6 or step < 1e-4 then
    return (string.format("%.3g", v))
  end
  local digits = max(0, -floor(math.log(step, 10) + 1e-9))
  return (string.format("%." .. digits .. "f", v))
end

local function finite(v)
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

-- }======

local PALETTE = {   -- matplotlib's tab10
  {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
  {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
  {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
  {0.090, 0.745, 0.812},
}
local WHITE, BLACK = {1, 1, 1}, {0, 0, 0}
local GRID, TEXT = {0.88, 0.88, 0.88}, {0.15, 0.15, 0.15}

local function check_series(series)
  if type(series) ~= "table" or #series == 0 then
    error("plot: 'series' must be a non-empty list of {name=, x=, y=}", 3)
  end
  for k, s in ipairs(series) do
    if type(s) ~= "table" or type(s.y) ~= "table" then
      error("plot: series " .. k .. " has no 'y' list", 3)
    end
    if s.x ~= nil and (type(s.x) ~= "table" or #s.x ~= #s.y) then
      error("plot: series " .. k .. ": 'x' and 'y' differ in length", 3)
    end
  end
end

-- Render a line plot (options as plot.lines) into a flat array of
-- 3 x H x W floats in [0, 1]; returns the array, W and H.
function M.render_lines(opts)
  if type(opts) ~= "table" then error("plot: options table expected", 2) end
  local series = opts.series
  check_series(series)
  local W, H = opts.width or 640, opts.height or 400
  if math.type(W) ~= "integer" or math.type(H) ~= "integer" or W < 64 or H < 48 then
    error("plot: width and height must be integers >= 64 x 48", 2)
  end
  local title, xlabel, ylabel = opts.title, opts.xlabel, opts.ylabel
  local lw = opts.line_width or 2

  -- data range over the finite points
  local xlo, xhi, ylo, yhi = math.huge, -math.huge, math.huge, -math.huge
  for _, s in ipairs(series) do
    for i = 1, #s.y do
      local x, y = s.x and s.x[i] or i, s.y[i]
      if finite(x) and finite(y) then
        xlo, xhi = min(xlo, x), max(xhi, x)
        ylo, yhi = min(ylo, y), max(yhi, y)
      end
    end
  end
  if xlo > xhi then xlo, xhi, ylo, yhi = 0, 1, 0, 1 end   -- nothing to draw
  local ya, yb, ystep = ticks(ylo, yhi, 6)

  -- tick labels decide the margins
  local ylabels, ywidest = {}, 0
  for v = ya, yb + ystep * 0.5, ystep do
    local s = tick_label(v, ystep)
    ylabels[#ylabels + 1] = {v, s}
    ywidest = max(ywidest, text_width(s))
  end
  local left = 8 + ywidest + 8 + (ylabel and 12 or 0)
  local right = 16
  local top = title and 34 or 14
  local bottom = 8 + 7 + 8 + (xlabel and 14 or 0)
  local pw, ph = W - left - right, H - top - bottom
  if pw < 16 or ph < 16 then error("plot: image too small for its labels", 2) end
  local x0, y0, x1, y1 = left, top, left + pw - 1, top + ph - 1
  -- as many x ticks (up to 10) as fit side by side with their labels
  local xa, xb, xstep
  for n = 10, 2, -1 do
    xa, xb, xstep = ticks(xlo, xhi, n)
    local count, widest = 0, 0
    for v = xa, xb + xstep * 0.5, xstep do
      count = count + 1
      widest = max(widest, text_width(tick_label(v, xstep)))
    end
    if count * (widest + 10) <= pw then break end
  end
  local function px(x) return floor(x0 + (x - xa) / (xb - xa) * (pw - 1) + 0.5) end
  local function py(y) return floor(y1 - (y - ya) / (yb - ya) * (ph - 1) + 0.5) end

  local c = new_canvas(W, H, WHITE)

  -- grid, ticks and their labels
  for _, t in ipairs(ylabels) do
    local y = py(t[1])
    c:line(x0, y, x1, y, GRID)
    c:line(x0 - 4, y, x0 - 1, y, BLACK)
    c:text(t[2], x0 - 8 - text_width(t[2]), y - 3, TEXT)
  end
  for v = xa, xb + xstep * 0.5, xstep do
    local x, s = px(v), tick_label(v, xstep)
    c:line(x, y0, x, y1, GRID)
    c:line(x, y1 + 1, x, y1 + 4, BLACK)
    c:text(s, x - floor(text_width(s) / 2), y1 + 8, TEXT)
  end
  -- axes box
  c:line(x0, y0, x1, y0, BLACK); c:line(x0, y1, x1, y1, BLACK)
  c:line(x0, y0, x0, y1, BLACK); c:line(x1, y0, x1, y1, BLACK)

  -- the series: polylines broken at non-finite points
  local clip = {x0 + 1, y0 + 1, x1 - 1, y1 - 1}
  for k, s in ipairs(series) do
    local col = s.color or PALETTE[(k - 1) % #PALETTE + 1]
    local lx, ly, n = nil, nil, 0
    for i = 1, #s.y do
      local x, y = s.x and s.x[i] or i, s.y[i]
      if finite(x) and finite(y) then
        local X, Y = px(x), py(y)
        if lx then c:line(lx, ly, X, Y, col, lw, clip) end
        lx, ly, n = X, Y, n + 1
      else
        lx = nil
      end
    end
    if n == 1 then c:line(lx, ly, lx, ly, col, lw + 2, clip) end   -- a dot
  end

  -- legend, top right inside the axes
  local names, wmax = {}, 0
  for k, s in ipairs(series) do
    if s.name ~= nil then
      names[#names + 1] = {tostring(s.name), s.color or PALETTE[(k - 1) % #PALETTE + 1]}
      wmax = max(wmax, text_width(tostring(s.name)))
    end
  end
  if #names > 0 then
    local bw, bh = wmax + 34, #names * 12 + 6
    local bx1, by0 = x1 - 8, y0 + 8
    local bx0, by1 = bx1 - bw, by0 + bh
    c:fill(bx0, by0, bx1, by1, WHITE)
    c:line(bx0, by0, bx1, by0, GRID); c:line(bx0, by1, bx1, by1, GRID)
    c:line(bx0, by0, bx0, by1, GRID); c:line(bx1, by0, bx1, by1, GRID)
    for i, e in ipairs(names) do
      local ty = by0 + 4 + (i - 1) * 12
      c:line(bx0 + 6, ty + 3, bx0 + 22, ty + 3, e[2], 2)
      c:text(e[1], bx0 + 28, ty, TEXT)
    end
  end

  -- title and axis labels
  if title then
    local s = tostring(title)
    local scale = text_width(s, 2) <= W - 8 and 2 or 1   -- long: small print
    c:text(s, max(4, floor((W - text_width(s, scale)) / 2)), 8 + 4 * (2 - scale),
           BLACK, scale)
  end
  if xlabel then
    local s = tostring(xlabel)
    c:text(s, x0 + floor((pw - text_width(s)) / 2), H - 4 - 7, TEXT)
  end
  if ylabel then
    local s = tostring(ylabel)
    c:text(s, 4, y0 + floor((ph + text_width(s)) / 2), TEXT, 1, true)
  end
  return c.px, W, H
end

-- plot.lines(path, opts): draw the line plot described by 'opts' and save
-- it as an RGB PNG at 'path'. opts: series = {{name=, x=, y=, color=}, ...}
-- (x defaults to 1..#y, color to a palette), title, xlabel, ylabel, width
-- (640), height (400), line_width (2). Returns 'path'.
function M.lines(path, opts)
  if type(path) ~= "string" then error("plot.lines: path must be a string", 2) end
  local px, W, H = M.render_lines(opts)
  local core = require "luanet.core"
  if type(core.png_save) ~= "function" then
    error("plot.lines: this luanet.core has no png_save", 2)
  end
  core.png_save(path, px, 3, H, W)
  return path
end

-- {====== Images with boxes ======

-- Render 'image' (a tensor C x H x W in [0, 1], C = 1 or 3; or a flat
-- array with opt.channels/height/width) scaled by opt.scale (an integer,
-- nearest neighbour, default 1) with the xyxy boxes of 'boxes' (a tensor
-- N x 4 or a table of {x1, y1, x2, y2}, in image pixels) drawn on it.
-- opt: labels (a string per box, drawn above it), colors (an {r, g, b} per
-- box) or classes (an integer per box: the palette colour of that class),
-- line_width (1). Returns the flat 3 x H x W array, W and H.
function M.render_boxes(image, boxes, opt)
  opt = opt or {}
  local scale = opt.scale or 1
  if math.type(scale) ~= "integer" or scale < 1 then
    error("plot.boxes: scale must be a positive integer, got " .. tostring(scale), 2)
  end
  local src, C, H, W
  if type(image) == "table" then
    src, C, H, W = image, opt.channels or 3, opt.height, opt.width
  elseif type(image) == "userdata" and image.shape then
    local s = image:shape()
    if #s ~= 3 or (s[1] ~= 1 and s[1] ~= 3) then
      error("plot.boxes: image must be a tensor C x H x W with C = 1 or 3, got "
            .. table.concat(s, "x"), 2)
    end
    C, H, W = s[1], s[2], s[3]
    src = image
  else
    error("plot.boxes: image must be a tensor C x H x W, got " .. type(image), 2)
  end
  local c = new_canvas(W * scale, H * scale, WHITE)
  local px, plane = c.px, c.plane
  local get = type(src) == "table" and function(k) return src[k] end
              or function(k) return src:flat(k) end
  for ch = 0, 2 do
    local sc = C == 1 and 0 or ch
    for y = 0, H - 1 do
      for x = 0, W - 1 do
        local v = get(sc * H * W + y * W + x + 1)
        v = v < 0 and 0 or (v > 1 and 1 or v)
        for dy = 0, scale - 1 do
          local row = ch * plane + (y * scale + dy) * c.w + x * scale + 1
          for dx = 0, scale - 1 do px[row + dx] = v end
        end
      end
    end
  end
  if type(boxes) == "userdata" and boxes.totable then
    boxes = boxes:numel() > 0 and boxes:totable() or {}
  end
  local lw = opt.line_width or 1
  for i, b in ipairs(boxes or {}) do
    local col = opt.colors and opt.colors[i]
      or (opt.classes and PALETTE[(opt.classes[i] - 1) % #PALETTE + 1])
      or PALETTE[(i - 1) % #PALETTE + 1]
    local x0, y0 = floor(b[1] * scale + 0.5), floor(b[2] * scale + 0.5)
    local x1, y1 = floor(b[3] * scale + 0.5) - 1, floor(b[4] * scale + 0.5) - 1
    if x1 < x0 then x1 = x0 end
    if y1 < y0 then y1 = y0 end
    c:line(x0, y0, x1, y0, col, lw); c:line(x0, y1, x1, y1, col, lw)
    c:line(x0, y0, x0, y1, col, lw); c:line(x1, y0, x1, y1, col, lw)
    local label = opt.labels and opt.labels[i]
    if label then
      label = tostring(label)
      local tw = text_width(label)
      local ty = y0 - 9 >= 0 and y0 - 9 or y0 + 1
      c:fill(x0, ty, x0 + tw + 1, ty + 8, col)
      c:text(label, x0 + 1, ty + 1, WHITE)
    end
  end
  return c.px, c.w, c.h
end

-- plot.boxes(path, image, boxes, opt): render_boxes saved as an RGB PNG
-- at 'path'. Returns 'path'.
function M.boxes(path, image, boxes, opt)
  if type(path) ~= "string" then error("plot.boxes: path must be a string", 2) end
  local px, W, H = M.render_boxes(image, boxes, opt)
  require("luanet.core").png_save(path, px, 3, H, W)
  return path
end

-- }======

return M
