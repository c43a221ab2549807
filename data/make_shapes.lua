-- data/make_shapes.lua: write the synthetic crowded-shapes detection set
-- (see data/shapes.lua): ./luanet data/make_shapes.lua --out DIR --n N.
-- The bundled test set data/shapes-mini was made with
--   ./luanet data/make_shapes.lua --out data/shapes-mini --n 12 --seed 7
local ln = require "luanet"
local opt = ln.cli.parse(arg, [[
usage: luanet data/make_shapes.lua [options]
Write PNG images of crowded, overlapping shapes and annotations.csv.]], {
  {"out", "out/shapes", "output directory (images/ and annotations.csv)"},
  {"n", 100, "number of images"},
  {"seed", 1, "random seed (same seed, same files)"},
  {"size", 64, "image side in pixels"},
  {"max_objects", 8, "objects per image, at most"},
  {"noise", 0.06, "standard deviation of the pixel noise"},
})
local shapes = require "data.shapes"
local t0 = ln.core.wall()
local count = shapes.generate(opt.out, {n = opt.n, seed = opt.seed, size = opt.size,
  max_objects = opt.max_objects, noise = opt.noise})
print(string.format("%s: %d images, %d objects (%.1f s)", opt.out, opt.n, count, ln.core.wall() - t0))
