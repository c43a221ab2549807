-- conv2d, max_pool2d, avg_pool2d with per-axis kernel, stride, padding and
-- dilation (a number or a pair {h, w}, as torch.nn.functional takes them)
-- and grouped / depthwise convolution: values and gradients against
-- PyTorch (fixtures by spec/support/make_conv_ref.py), finite-difference
-- gradient checks, on both kernel paths (im2col + OpenBLAS, oneDNN); the
-- Lua argument forms; errors; model files from before pair attributes.
local ln = require "luanet"
local ref = require "spec.support.conv_ref"

-- rows of spec.support.conv_ref's 'what' run in a child process on kernel path k
local function child (k, what)
  return require("spec.support.oprun").child_rows("spec.support.conv_ref", k, what)
end

local function same_values (a, b)
  assert.are.same(a:shape(), b:shape())
  for i = 1, a:numel() do assert.are.equal(a:flat(i), b:flat(i)) end
end

describe("conv2d and pools per axis", function ()
  local n_cases = #ref.cases()

  it("match PyTorch: values and every gradient (the default kernels)", function ()
    for _, r in ipairs(ref.run()) do
      assert(r.worst < 1e-5, r.name .. ": relative error " .. r.worst)
    end
  end)

  for _, k in ipairs{"openblas", "onednn"} do
    local want = k == "openblas" and "im2col" or "oneDNN"
    it("match PyTorch on LUANET_KERNELS=" .. k .. " (" .. want .. ")", function ()
      local rows, out = child(k, "run")
      assert.are.equal(n_cases, #rows, out)
      for _, r in ipairs(rows) do
        assert(r.worst < 1e-5, r.name .. ": relative error " .. r.worst)
        if r.name:find("^conv") then
          assert(r.kernel:find(want, 1, true), r.name .. " ran on " .. r.kernel)
        end
      end
    end)

    it("pass finite-difference gradient checks on LUANET_KERNELS=" .. k, function ()
      local rows, out = child(k, "gradchecks")
      assert.are.equal(#ref.fd_cases, #rows, out)
      for _, r in ipairs(rows) do
        assert(r.worst < 1e-2, r.name .. ": relative error " .. r.worst)
      end
    end)
  end

  it("match PyTorch in bf16 mode within bf16 rounding", function ()
    for _, c in ipairs(ref.cases()) do
      if c.op == "conv2d" then
        local g = ln.graph()
        local nodes = {}
        for i, k in ipairs(c.inputs) do nodes[i] = g:param(k, ref.load(c, k):shape(), "zeros") end
        nodes[#nodes + 1] = c.attrs
        local y = g:op("conv2d", table.unpack(nodes))
        local m = g:compile{outputs = {y = y}, batch = 1, precision = "bf16"}
        for _, k in ipairs(c.inputs) do m:param(k):copy(ref.load(c, k)) end
        local err = ref.rel_err(m:forward({}).y, ref.load(c, "y"))
        assert(err < 3e-2, c.name .. ": relative error " .. err)
      end
    end
  end)

  it("take a number or a pair, by name or by position", function ()
    ln.seed(3)
    local x = ln.randn{2, 3, 7, 8}
    same_values(x:max_pool2d(2), x:max_pool2d{kernel = {2, 2}})
    same_values(x:max_pool2d(2), x:max_pool2d{kernel = 2, stride = {2, 2}})
    same_values(x:max_pool2d({2, 3}, 1), x:max_pool2d{kernel = {2, 3}, stride = 1})
    same_values(x:avg_pool2d({3, 2}, {1, 2}, {1, 0}),
                x:avg_pool2d{kernel = {3, 2}, stride = {1, 2}, padding = {1, 0}})
    assert.are.same({2, 3, 6, 6}, x:max_pool2d{kernel = {2, 3}, stride = 1}:shape())
    assert.are.same({2, 3, 4, 3}, x:max_pool2d({2, 3}, 0, {1, 1}):shape())
    local w = ln.randn{6, 1, 3, 3}
    same_values(x:conv2d(w, {stride = 2, groups = 3}),
                x:conv2d(w, {stride = {2, 2}, groups = 3}))
    assert.are.same({2, 6, 3, 6}, x:conv2d(w, {stride = {2, 1}, groups = 3}):shape())
    assert.are.same({2, 6, 5, 8}, x:conv2d(w, {padding = {0, 1}, groups = 3}):shape())
    assert.are.same({2, 6, 3, 6}, x:conv2d(w, {dilation = {2, 1}, groups = 3}):shape())
  end)

  it("refuse bad values with the op, the argument and the shapes", function ()
    local x, w = ln.randn{1, 4, 5, 5}, ln.randn{4, 2, 3, 3}
    local function err (f)
      local ok, e = pcall(f)
      assert.is_false(ok)
      return tostring(e)
    end
    assert.matches("conv2d: stride must be whole numbers >= 1, got 0x1 (input 1x4x5x5)",
      err(function () return x:conv2d(w, {stride = {0, 1}, groups = 2}) end), 1, true)
    assert.matches("conv2d: stride must be whole numbers >= 1, got -1x-1",
      err(function () return x:conv2d(w, {stride = -1, groups = 2}) end), 1, true)
    assert.matches("conv2d: dilation must be whole numbers >= 1, got 1x1.5",
      err(function () return x:conv2d(w, {dilation = {1, 1.5}, groups = 2}) end), 1, true)
    assert.matches("conv2d: padding must be whole numbers >= 0, got -1x0",
      err(function () return x:conv2d(w, {padding = {-1, 0}, groups = 2}) end), 1, true)
    assert.matches("conv2d: groups must be a whole number >= 1, got 0",
      err(function () return x:conv2d(w, {groups = 0}) end), 1, true)
    assert.matches("conv2d: input 1x4x5x5 has 4 channels, not divisible by groups 3",
      err(function () return x:conv2d(ln.randn{3, 1, 3, 3}, {groups = 3}) end), 1, true)
    assert.matches("conv2d: input 1x4x5x5 has 4 channels, weight 4x2x3x3 expects 8 (groups 4)",
      err(function () return x:conv2d(w, {groups = 4}) end), 1, true)
    assert.matches("conv2d: output size 3x0 < 1: kernel 3x3 (dilation 1x3: it spans 3x7) "
      .. "is larger than the padded input 5x5",
      err(function () return x:conv2d(w, {dilation = {1, 3}, groups = 2}) end), 1, true)
    assert.matches("max_pool2d: output size 0x2 < 1: kernel 6x2 is larger than the padded input 5x5",
      err(function () return x:max_pool2d({6, 2}) end), 1, true)
    assert.matches("avg_pool2d: kernel must be whole numbers >= 1, got 0x2",
      err(function () return x:avg_pool2d({0, 2}) end), 1, true)
    assert.matches("max_pool2d: stride (0: the kernel) must be whole numbers >= 0, got 1x0.5",
      err(function () return x:max_pool2d(2, {1, 0.5}) end), 1, true)
    assert.matches("avg_pool2d: padding 0x2 must be at most half the kernel 2x3",
      err(function () return x:avg_pool2d({2, 3}, 1, {0, 2}) end), 1, true)
    assert.matches("max_pool2d: attribute 'kernel' must be a number or a pair {h, w}",
      err(function () return x:max_pool2d{kernel = {2, 2, 2}} end), 1, true)
    assert.matches("conv2d: attribute 'stride' must be a number or a pair {h, w} of numbers",
      err(function () return x:conv2d(w, {stride = {2, "a"}}) end), 1, true)
  end)

  it("load model files saved before pair attributes with the same meaning", function ()
    -- spec/fixtures/old_conv: saved by the build before this change (one
    -- attribute slot per attribute, zeros after them): conv2d stride 2,
    -- padding 1, dilation 2, groups 2, then max_pool2d kernel 3, stride 1,
    -- padding 1, avg_pool2d kernel 2, padding 1; x and the output y it
    -- gave then
    local dir = "spec/fixtures/old_conv/"
    local m = ln.load(dir .. "model.lnt")
    local x, want = ln.npy_load(dir .. "x.npy"), ln.npy_load(dir .. "y.npy")
    local y = m:forward({x = x}).y
    assert.are.same({2, 6, 3, 2}, y:shape())
    assert(ref.rel_err(y, want) < 1e-6)
    local path = os.tmpname()   -- saved again, the same
    m:save(path)
    local y2 = ln.load(path):forward({x = x}).y
    os.remove(path)
    same_values(y, y2)
  end)

  it("save and load per-axis attributes", function ()
    ln.seed(4)
    local g = ln.graph()
    local x = g:input("x", {"B", 2, 9, 8})
    local w = g:param("w", {4, 1, 3, 2}, "torch_default")
    local h = g:op("conv2d", x, w, {stride = {2, 1}, padding = {1, 0}, dilation = {1, 2}, groups = 2})
    local p = g:op("max_pool2d", h, {kernel = {2, 3}, stride = {1, 2}, padding = {1, 0}})
    local m = g:compile{outputs = {y = p}, batch = 2}
    local xv = ln.randn{2, 2, 9, 8}
    local y = m:forward({x = xv}).y:clone()
    assert.are.same({2, 4, 6, 2}, y:shape())
    local path = os.tmpname()
    m:save(path)
    local y2 = ln.load(path):forward({x = xv}).y
    os.remove(path)
    same_values(y, y2)
  end)
end)
