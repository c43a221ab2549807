-- The op table is the only source of op metadata: op_info reports the
-- markers of each attribute spec (positional, axis, start/stop index,
-- lists taking "B"), and the Lua wrappers follow them for every op.
local ln = require "luanet"
local core = ln.core

local function attr (info, name)
  for _, a in ipairs(info.attr_info) do if a.name == name then return a end end
end

-- run op on t through the Lua wrapper (1-based) and through the engine
-- directly (0-based): same success, same shape, same values
local function same_result (op, t, lua_attrs, engine_attrs)
  local ok1, a = pcall(t.eval, t, op, lua_attrs)
  local ok2, b = pcall(core.eager, op, t, engine_attrs)
  assert(ok1 == ok2, op .. ": Lua call " .. tostring(ok1) .. " (" .. tostring(a) ..
         "), engine call " .. tostring(ok2) .. " (" .. tostring(b) .. ")")
  if not ok1 then return false end
  assert.are.same(b:shape(), a:shape())
  assert.are.same(b:totable(), a:totable())
  return true
end

describe("op_info", function ()
  it("reports positional arguments in spec order", function ()
    assert.are.same({"axes", "keepdim", "correction"}, ln.op_info("var").positional)
    assert.are.same({"axis", "start", "stop", "step"}, ln.op_info("slice").positional)
    assert.are.same({"approximate"}, ln.op_info("gelu").positional)
    assert.are.same({}, ln.op_info("relu").positional)
    local conv = ln.op_info("conv2d")
    for _, a in ipairs(conv.attr_info) do assert.is_nil(a.positional) end
  end)

  it("marks axes, start/stop indices and lists taking B", function ()
    local sum = ln.op_info("sum")
    local axes = attr(sum, "axes")
    assert.are.same({true, true, 1}, {axes.axis, axes.list, axes.positional})
    assert.is_false(attr(sum, "keepdim").axis)
    local slice = ln.op_info("slice")
    assert.is_true(attr(slice, "axis").axis)
    assert.are.same({true, false}, {attr(slice, "start").start, attr(slice, "start").axis})
    assert.is_true(attr(slice, "stop").stop)
    assert.is_false(attr(slice, "step").stop)
    assert.is_true(attr(ln.op_info("reshape"), "shape").batch)
    assert.is_false(attr(ln.op_info("permute"), "perm").batch)
    assert.is_true(attr(ln.op_info("transpose"), "dim1").axis)
  end)

  it("gives defaults as the engine keeps them, enums by name", function ()
    local gelu = attr(ln.op_info("gelu"), "approximate")
    assert.are.same({"none", "tanh"}, gelu.enum)
    assert.are.equal("none", gelu.default)
    assert.are.equal(-1, attr(ln.op_info("softmax"), "axis").default)
    assert.are.equal(2147483647, attr(ln.op_info("slice"), "stop").default)
    assert.are.equal(0.01, attr(ln.op_info("leaky_relu"), "a").default)
    assert.are.same({}, attr(ln.op_info("reshape"), "shape").default)
    -- the spec string keeps its markers; attr_names are bare
    assert.are.equal("@#axes=[],@keepdim=0", ln.op_info("sum").attrs)
    assert.are.same({"axes", "keepdim"}, ln.op_info("sum").attr_names)
  end)

  it("is what every op's attribute list is made of", function ()
    for _, op in ipairs(ln.ops()) do
      local info = ln.op_info(op)
      assert.are.equal(#info.attr_names, #info.attr_info)
      local seen = 0
      for i, a in ipairs(info.attr_info) do
        assert.are.equal(info.attr_names[i], a.name)
        assert.is_nil(a.name:find("[@#^$]"), op .. ": marker left in " .. a.name)
        if a.positional then
          seen = seen + 1
          assert.are.equal(a.name, info.positional[a.positional])
        end
        if a.batch then assert.is_true(a.list) end
      end
      assert.are.equal(seen, #info.positional)
    end
  end)
end)

describe("wrappers derived from the op table", function ()
  ln.seed(7)
  local x3 = ln.randn(2, 3, 4)

  it("take 1-based and negative axes for every op with an axis", function ()
    local checked, ran = 0, 0
    for _, op in ipairs(ln.ops()) do
      local info = ln.op_info(op)
      if info.min_in == 1 then
        for _, a in ipairs(info.attr_info) do
          if a.axis then
            checked = checked + 1
            for k = 1, 3 do   -- 1-based from Lua, 0-based in the engine
              local v, e = k, k - 1
              if a.list then v, e = {v}, {e} end
              if same_result(op, x3, {[a.name] = v}, {[a.name] = e}) then ran = ran + 1 end
              v = -k          -- from the end: the same in both
              if a.list then v = {v} end
              if same_result(op, x3, {[a.name] = v}, {[a.name] = v}) then ran = ran + 1 end
            end
            if a.list then   -- every axis, last first
              same_result(op, x3, {[a.name] = {3, 2, 1}}, {[a.name] = {2, 1, 0}})
              same_result(op, x3, {[a.name] = {-1, -2, -3}}, {[a.name] = {-1, -2, -3}})
              -- a single integer is a list of one
              same_result(op, x3, {[a.name] = 2}, {[a.name] = {1}})
            end
          end
        end
      end
    end
    -- sum, mean, max, var, flatten (2), transpose (2), permute, slice,
    -- concat, softmax, log_softmax at the least
    assert.is_true(checked >= 13, "only " .. checked .. " axis attributes")
    assert.is_true(ran >= 60, "only " .. ran .. " calls succeeded")
  end)

  it("take the positional arguments of every op as the attribute table", function ()
    local x4 = ln.rand(2, 3, 4, 4) + 0.5
    local n = 0
    for _, op in ipairs(ln.ops()) do
      local info = ln.op_info(op)
      if info.min_in == 1 and #info.positional > 0 then
        local args, named = {}, {}
        for i, name in ipairs(info.positional) do
          local a = attr(info, name)
          if not a.list then args[i] = a.default; named[name] = a.default end
        end
        local ok1, a = pcall(x4.eval, x4, op, table.unpack(args, 1, #info.positional))
        local ok2, b = pcall(x4.eval, x4, op, named)
        assert(ok1 == ok2, op .. ": " .. tostring(a) .. " / " .. tostring(b))
        if ok1 then   -- (reshape has no shape without its list)
          assert.are.same(b:totable(), a:totable())
          n = n + 1
        end
      end
    end
    assert.is_true(n >= 25, "only " .. n .. " ops with positional arguments")
  end)

  it("index slices from 1, inclusive at both ends, negatives from the end", function ()
    local t = ln.tensor({10, 20, 30, 40, 50})
    assert.are.same({20, 30, 40}, t:slice(1, 2, 4):totable())
    assert.are.same({40, 50}, t:slice(1, -2, -1):totable())
    assert.are.same({10, 20, 30, 40}, t:slice(1, 1, -2):totable())
    assert.are.same({10, 30, 50}, t:slice(1, 1, 5, 2):totable())
    -- the same in a graph
    local g = ln.graph()
    local y = g:input("x", {5}):slice(1, 2, -2)
    assert.are.same({3}, y.shape)
  end)

  it("take B for the batch in a list that allows it, and only there", function ()
    local g = ln.graph()
    local x = g:input("x", {"B", 3, 4})
    assert.are.same({x.shape[1], 12}, x:reshape({"B", 12}).shape)
    assert.has_error(function () x:permute({"B", 1, 2}) end)
  end)

  it("refuse extra positional arguments with the op's name", function ()
    local t = ln.tensor({1, 2, 3})
    assert.has_error(function () t:eval("sum", 1, true, 5) end,
                     "sum: unexpected argument #4 (number)")
    assert.has_error(function () t:relu(2) end, "relu: unexpected argument #2 (number)")
  end)
end)
