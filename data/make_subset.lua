-- make_subset.lua: a class-balanced subset of an IDX data set.
--
-- Reads on stdin an uncompressed IDX labels file (magic 0x00000801)
-- followed by the matching images file (0x00000803), keeps the first
-- 'per_class' examples of each class in file order, and writes the two
-- subset files (uncompressed IDX) to the paths given.
--
--   { gzip -dc labels.gz; gzip -dc images.gz; } |
--     lua5.4 make_subset.lua 1000 out-labels out-images
local per_class = tonumber(arg[1])
local out_labels, out_images = arg[2], arg[3]
if not (per_class and out_labels and out_images) then
  io.stderr:write("usage: make_subset.lua PER_CLASS OUT_LABELS OUT_IMAGES\n")
  os.exit(2)
end

local inp = io.stdin

local function fail(msg)
  io.stderr:write("make_subset.lua: ", msg, "\n")
  os.exit(1)
end

local function read(n, what)
  local s = inp:read(n)
  if s == nil or #s ~= n then fail("truncated input (" .. what .. ")") end
  return s
end

-- IDX header: magic and 'ndim' big-endian sizes
local function header(want_magic, what)
  local magic = string.unpack(">I4", read(4, what))
  if magic ~= want_magic then
    fail(string.format("%s: bad magic 0x%08x", what, magic))
  end
  local dims = {}
  for i = 1, magic & 0xff do dims[i] = string.unpack(">I4", read(4, what)) end
  return dims
end

local ldims = header(0x00000801, "labels")
local n = ldims[1]
local labels = read(n, "labels")
local idims = header(0x00000803, "images")
if idims[1] ~= n then fail("labels and images differ in count") end
local size = idims[2] * idims[3]

-- choose: the first 'per_class' of each class, in file order
local count, keep, nkeep = {}, {}, 0
for i = 1, n do
  local c = labels:byte(i)
  count[c] = (count[c] or 0) + 1
  if count[c] <= per_class then
    keep[i] = true
    nkeep = nkeep + 1
  end
end
for c, k in pairs(count) do
  if k < per_class then
    fail(string.format("class %d has only %d examples", c, k))
  end
end

local fl = assert(io.open(out_labels, "wb"))
local fi = assert(io.open(out_images, "wb"))
fl:write(string.pack(">I4I4", 0x00000801, nkeep))
fi:write(string.pack(">I4I4I4I4", 0x00000803, nkeep, idims[2], idims[3]))
local sel = {}
for i = 1, n do
  local img = read(size, "images")
  if keep[i] then
    sel[#sel + 1] = labels:sub(i, i)
    fi:write(img)
  end
end
fl:write(table.concat(sel))
assert(fl:close())
assert(fi:close())
io.stderr:write(string.format("%s: %d of %d examples\n", out_labels, nkeep, n))
