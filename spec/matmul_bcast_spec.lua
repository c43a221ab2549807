-- matmul broadcasts as torch.matmul: 1-D operands as a row / a column
-- (dropped from the result), batch dims broadcast from the right; values
-- and both gradients against PyTorch (fixtures by
-- spec/support/make_matmul_ref.py) and finite differences, on both
-- kernel paths (LUANET_KERNELS=openblas, onednn), in bf16; the fast paths
-- kept where they were; errors.
local ln = require "luanet"
local ref = require "spec.support.matmul_ref"

-- rows of spec.support.matmul_ref's 'what' run in a child process on kernel path k
local function child (k, what)
  return require("spec.support.oprun").child_rows("spec.support.matmul_ref", k, what)
end

-- cases whose batch dims are equal or absent on b: oneDNN's or OpenBLAS's
-- product as before (one batched product, or a's rows folded)
local fast = {fold_4d_2d = true, dot = true, batched_vec = true, same_4d = true, vec_mat = true}

describe("matmul broadcasting", function ()
  it("matches PyTorch: shapes, values, both gradients", function ()
    for _, c in ipairs(ref.cases()) do
      local a, b = ln.npy_load(ref.dir .. c.name .. ".a.npy"), ln.npy_load(ref.dir .. c.name .. ".b.npy")
      assert.are.same(c.y, a:matmul(b):shape(), c.name)
    end
    for _, r in ipairs(ref.run()) do
      assert(r.worst < 1e-5, r.name .. ": relative error " .. r.worst)
    end
  end)

  for _, k in ipairs{"openblas", "onednn"} do
    it("matches PyTorch on LUANET_KERNELS=" .. k .. ", fast paths kept", function ()
      local rows, out = child(k, "run")
      assert.are.equal(#ref.cases(), #rows, out)
      for _, r in ipairs(rows) do
        assert(r.worst < 1e-5, r.name .. ": relative error " .. r.worst)
        if fast[r.name] then
          local want = k == "onednn" and "oneDNN" or "OpenBLAS"
          assert(r.kernel:find(want, 1, true), r.name .. " ran on '" .. r.kernel .. "'")
        end
      end
    end)

    it("passes finite-difference gradient checks on LUANET_KERNELS=" .. k, function ()
      local rows, out = child(k, "gradchecks")
      assert.are.equal(#ref.fd_cases, #rows, out)
      for _, r in ipairs(rows) do
        assert(r.worst < 1e-2, r.name .. ": relative error " .. r.worst)
      end
    end)
  end

  it("matches PyTorch in bf16 mode within bf16 rounding", function ()
    for _, c in ipairs(ref.cases()) do
      local r = ref.run_case(c, "bf16")
      assert(r.worst < 3e-2, r.name .. ": relative error " .. r.worst)
      if not fast[c.name] then
        assert(r.kernel:find("bf16 inputs", 1, true), c.name .. " ran on " .. r.kernel)
      end
    end
  end)

  it("fuses a relu after a broadcast product", function ()
    local c = ref.cases()[1]
    local g = ln.graph()
    local a, b = g:param("a", c.a, "zeros"), g:param("b", c.b, "zeros")
    local y = g:op("matmul", a, b):relu()
    local m = g:compile{outputs = {y = y}, batch = 1}
    m:param("a"):copy(ref.load(c, "a"))
    m:param("b"):copy(ref.load(c, "b"))
    local got, want = m:forward({}).y, ref.load(c, "y")
    for i = 1, want:numel() do
      assert(math.abs(got:flat(i) - math.max(want:flat(i), 0)) < 1e-5)
    end
  end)

  it("works eagerly and in a graph with a batch input: [B, H, T, D] x [D, E]", function ()
    ln.seed(8)
    local g = ln.graph()
    local x = g:input("x", {"B", 2, 3, 4})
    local w = g:param("w", {4, 5}, "torch_default")
    local y = x:matmul(w)
    assert.are.same({2, 2, 3, 5}, y.shape)
    local m = g:compile{outputs = {y = y}, batch = 3}
    local xv = ln.randn{3, 2, 3, 4}
    local got = m:forward({x = xv}).y
    local want = xv:matmul(m:param("w"))
    assert.are.same({3, 2, 3, 5}, got:shape())
    for i = 1, want:numel() do assert(math.abs(got:flat(i) - want:flat(i)) < 1e-5) end
  end)

  it("names the shapes when they do not fit or broadcast", function ()
    local function err (a, b)
      local ok, e = pcall(function () return ln.zeros(a):matmul(ln.zeros(b)) end)
      assert.is_false(ok)
      return tostring(e)
    end
    assert.matches("matmul: batch dims of 2x3x4 and 3x4x5 do not broadcast (batch dim 1 of the result: 2 vs 3)",
      err({2, 3, 4}, {3, 4, 5}), 1, true)
    assert.matches("matmul: batch dims of 2x1x3x4 and 3x5x4x6 do not broadcast (batch dim 1 of the result: 2 vs 3)",
      err({2, 1, 3, 4}, {3, 5, 4, 6}), 1, true)
    assert.matches("matmul: shapes 4 and 3 do not fit (4 vs 3)", err({4}, {3}), 1, true)
    assert.matches("matmul: shapes 2x5 and 3x4x2 do not fit (5 vs 4)", err({2, 5}, {3, 4, 2}), 1, true)
    assert.matches("matmul: inputs scalar and 3 need at least 1 dim", err({}, {3}), 1, true)
  end)
end)
