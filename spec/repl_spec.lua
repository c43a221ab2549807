-- The luanet executable: command-line modes, and the REPL driven over a
-- pty with tmux. Run from the repository root (./luanet must be built).

local EXE = "./luanet"

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", [['\'']]) .. "'"
end

-- run a shell command; return its output (stdout and stderr) and exit code
local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1", "r"))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

local function has_tmux()
  return os.execute("command -v tmux >/dev/null 2>&1") == true
end

local function sleep(s)
  os.execute("sleep " .. s)
end

describe("luanet (executable)", function()
  it("is built at ./luanet", function()
    local f = io.open(EXE, "r")
    assert.is_not_nil(f, "./luanet is missing: run make first")
    f:close()
  end)

  describe("command line", function()
    it("runs -e chunks in order", function()
      local out, code = run(EXE .. " -e 'x = 1 + 2' -e 'print(x)'")
      assert.are.equal(0, code)
      assert.are.equal("3\n", out)
    end)

    it("prints its version and configuration with -v", function()
      local out, code = run(EXE .. " -v")
      assert.are.equal(0, code)
      assert.matches("^luanet %d+%.%d+%.%d+ %(Lua 5%.4%.%d+%)\n", out)
    end)

    it("prints usage with --help and exits 0", function()
      local out, code = run(EXE .. " --help")
      assert.are.equal(0, code)
      assert.matches("usage: luanet", out, 1, true)
    end)

    it("refuses an unknown option with status 1", function()
      local out, code = run(EXE .. " -Z")
      assert.are.equal(1, code)
      assert.matches("unrecognized option '-Z'", out, 1, true)
    end)

    it("preloads the engine as the global 'ln'", function()
      local out, code = run(EXE .. " -e 'print(type(ln))'")
      assert.are.equal(0, code)
      assert.are.equal("table\n", out)
    end)

    it("gives a script 'arg' and '...' as lua5.4 does", function()
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      f:write([[
print(arg[0], arg[1], arg[2], #arg, select("#", ...))
print(arg[-1], arg[-2])
]])
      f:close()
      local out, code = run(EXE .. " -e 'y = 0' " .. sh_quote(path) .. " one two")
      os.remove(path)
      assert.are.equal(0, code)
      assert.are.equal(path .. "\tone\ttwo\t2\t2\ny = 0\t-e\n", out)
    end)

    it("runs stdin as a script when it is not a terminal", function()
      local out, code = run("echo 'print(6 * 7)' | " .. EXE)
      assert.are.equal(0, code)
      assert.are.equal("42\n", out)
      out, code = run("echo 'print(...)' | " .. EXE .. " - a b")
      assert.are.equal(0, code)
      assert.are.equal("a\tb\n", out)
    end)

    it("exits with status 1 and a traceback on an error", function()
      local out, code = run(EXE .. " -e 'error(\"bad thing\")'")
      assert.are.equal(1, code)
      assert.matches("luanet: (command line):1: bad thing", out, 1, true)
      assert.matches("stack traceback:", out, 1, true)
      out, code = run(EXE .. " /nonexistent/script.lua")
      assert.are.equal(1, code)
      assert.matches("luanet: cannot open /nonexistent/script.lua", out, 1, true)
    end)
  end)

  describe("REPL", function()
    if not has_tmux() then
      pending("tmux is not installed: REPL checks skipped")
      return
    end

    local id = 0
    local sock, home

    -- tmux on a private socket, so no user session is touched
    local function tmux(args)
      return run("tmux -L " .. sock .. " " .. args)
    end

    -- start the REPL in a detached 100x40 session; return its name
    local function start()
      id = id + 1
      local name = "repl" .. id
      local cmd = "cd " .. sh_quote(os.getenv("PWD") or ".") .. " && HOME=" ..
        sh_quote(home) .. " exec " .. EXE
      local _, code = tmux("new-session -d -s " .. name ..
                           " -x 100 -y 40 " .. sh_quote(cmd))
      assert.are.equal(0, code)
      return name
    end

    -- the screen's text; tmux drops trailing blanks, so an idle prompt
    -- is a line ">" (PROMPT below)
    local function screen(name)
      return (tmux("capture-pane -p -t " .. name))
    end
    local PROMPT = "\n>\n"

    -- poll the screen until 'want' (plain text) shows up, up to 5 s
    local function wait_for(name, want)
      local s
      for _ = 1, 100 do
        s = screen(name)
        if s:find(want, 1, true) then return s end
        sleep(0.05)
      end
      error("timed out waiting for " .. string.format("%q", want) ..
            "; screen:\n" .. tostring(s), 2)
    end

    -- type a line literally (no tmux key names), then Enter
    local function type_line(name, text)
      tmux("send-keys -t " .. name .. " -l " .. sh_quote(text))
      tmux("send-keys -t " .. name .. " Enter")
    end

    before_each(function()
      sock = "luanet-spec-" .. tostring(os.time()) .. "-" ..
        tostring(math.random(1, 1e9))
      home = os.tmpname()
      os.remove(home)
      os.execute("mkdir -p " .. sh_quote(home))
    end)

    after_each(function()
      tmux("kill-server")
      os.execute("rm -rf " .. sh_quote(home))
    end)

    it("prints the value of an expression", function()
      local s = start()
      wait_for(s, PROMPT)
      type_line(s, "1+1")
      local out = wait_for(s, "> 1+1\n2\n")
      assert.matches("luanet %d+%.%d+%.%d+", out)
    end)

    it("reports an error and goes on", function()
      local s = start()
      wait_for(s, PROMPT)
      type_line(s, 'error("boom")')
      wait_for(s, "boom")
      type_line(s, "40 + 2")
      wait_for(s, "> 40 + 2\n42\n")
    end)

    it("continues an unfinished statement on '>>' lines", function()
      local s = start()
      wait_for(s, PROMPT)
      type_line(s, "for i = 1, 3 do")
      wait_for(s, "\n>>\n")
      type_line(s, "print('v' .. i * 10)")
      type_line(s, "end")
      wait_for(s, ">> end\nv10\nv20\nv30\n")
    end)

    it("prints every result with tostring", function()
      local s = start()
      wait_for(s, PROMPT)
      type_line(s, "setmetatable({}, {__tostring = function() return 'T!' end}), nil, 3")
      local out = wait_for(s, "T!")   -- tmux shows tabs as spaces
      assert.matches("\nT!%s+nil%s+3\n", out)
    end)

    it("exits on Ctrl-D and saves its history", function()
      local s = start()
      wait_for(s, PROMPT)
      type_line(s, "x = 5")
      wait_for(s, "> x = 5\n>\n")
      tmux("send-keys -t " .. s .. " C-d")
      local gone = false
      for _ = 1, 100 do
        local _, code = tmux("has-session -t " .. s)
        if code ~= 0 then gone = true; break end
        sleep(0.05)
      end
      assert.is_true(gone, "the REPL did not exit on Ctrl-D")
      local f = io.open(home .. "/.luanet_history", "r")
      assert.is_not_nil(f, "no history file")
      local h = f:read("a")
      f:close()
      assert.matches("x = 5", h, 1, true)
    end)
  end)
end)
