local plot = require "luanet.plot"
local has_core, core = pcall(require, "luanet.core")

-- count pixels of colour 'col' (within 0.01) in a flat 3 x H x W image
local function count_colour(px, w, h, col)
  local n, plane = 0, w * h
  for i = 1, plane do
    if math.abs(px[i] - col[1]) < 0.01 and math.abs(px[i + plane] - col[2]) < 0.01
       and math.abs(px[i + 2 * plane] - col[3]) < 0.01 then
      n = n + 1
    end
  end
  return n
end

local function sample()
  local x, a, b = {}, {}, {}
  for i = 1, 20 do
    x[i] = i
    a[i] = 1 / i
    b[i] = 0.5 + 0.1 * math.sin(i)
  end
  return {title = "loss", xlabel = "epoch", ylabel = "value",
          series = {{name = "train", x = x, y = a},
                    {name = "test", x = x, y = b, color = {1, 0, 0}}}}
end

describe("luanet.plot", function()
  describe("render_lines", function()
    it("draws a 3 x H x W image in [0, 1] of the asked size", function()
      local opts = sample()
      opts.width, opts.height = 320, 200
      local px, w, h = plot.render_lines(opts)
      assert.are.equal(320, w)
      assert.are.equal(200, h)
      assert.are.equal(3 * 320 * 200, #px)
      for i = 1, #px do
        assert(px[i] >= 0 and px[i] <= 1, "pixel out of range")
      end
    end)

    it("draws each series in its colour, and text in black", function()
      local px, w, h = plot.render_lines(sample())
      assert.is_true(count_colour(px, w, h, {1, 0, 0}) > 100)              -- test
      assert.is_true(count_colour(px, w, h, {0.122, 0.467, 0.706}) > 100)  -- train
      assert.is_true(count_colour(px, w, h, {0, 0, 0}) > 100)              -- axes, title
    end)

    it("skips non-finite points and draws a single point", function()
      local px, w, h = plot.render_lines{series = {
        {name = "gaps", y = {1, 0 / 0, 3, math.huge, 2}, color = {0, 1, 0}},
        {name = "dot", x = {2}, y = {2}, color = {0, 0, 1}}}}
      assert.is_true(count_colour(px, w, h, {0, 1, 0}) > 10)
      assert.is_true(count_colour(px, w, h, {0, 0, 1}) > 4)
    end)

    it("rejects a plot with no series or mismatched x and y", function()
      assert.error_matches(function() plot.render_lines{series = {}} end,
                           "'series' must be a non-empty list", nil, true)
      assert.error_matches(function()
        plot.render_lines{series = {{x = {1, 2}, y = {1}}}}
      end, "'x' and 'y' differ in length", nil, true)
      assert.error_matches(function()
        plot.render_lines{series = {{y = {1}}}, width = 10}
      end, "width and height", nil, true)
    end)
  end)

  describe("lines", function()
    if not (has_core and type(core.png_save) == "function") then
      pending("luanet.core.png_save is not available")
      return
    end

    it("writes a PNG that loads back as 3 x H x W", function()
      local path = os.tmpname()
      local opts = sample()
      opts.width, opts.height = 400, 300
      assert.are.equal(path, plot.lines(path, opts))
      local f = assert(io.open(path, "rb"))
      local sig = f:read(8)
      f:close()
      assert.are.equal("\137PNG\r\n\26\n", sig)
      local t = core.png_load(path)
      os.remove(path)
      assert.are.same({3, 300, 400}, t:shape())
    end)
  end)
end)
