/*
** luanet.c -- the 'luanet' interpreter: Lua 5.4 with the engine preloaded
** (global 'ln'), scripts, -e, -i, and a REPL with readline and history.
*/
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "luanet.h"

LUAMOD_API int luaopen_luanet_core (lua_State *L);   /* lua/binding/lnlib.c */

#define PROGNAME    "luanet"
#define HISTFILE    ".luanet_history"   /* in $HOME */
#define HISTMAX     1000                 /* history entries kept */
#define PROMPT1     "> "
#define PROMPT2     ">> "
#define EOFMARK     "<eof>"

static lua_State *globalL = NULL;   /* for the SIGINT handler */

/* the usage text, to 'f' (stdout for --help, stderr after a bad option) */
static void usage (FILE *f) {
  fprintf(f,
    "usage: " PROGNAME " [options] [script [args]]\n"
    "Available options are:\n"
    "  -e stat   execute string 'stat'\n"
    "  -i        enter interactive mode after executing 'script'\n"
    "  -l mod    require library 'mod' into global 'mod'\n"
    "  -v        show version and configuration\n"
    "  --        stop handling options\n"
    "  -         stop handling options and execute stdin\n"
    "  --help    show this help\n"
    "With no arguments, a REPL on a terminal, otherwise stdin runs as a\n"
    "script. The global 'ln' holds require \"luanet\".\n");
  fflush(f);
}

/* print an error message to stderr, prefixed by the program name when
** 'prog' is not NULL */
static void l_message (const char *prog, const char *msg) {
  if (prog) fprintf(stderr, "%s: ", prog);
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
}

/* print the message on top of the stack (if any) and pop it */
static int report (lua_State *L, int status, const char *prog) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    l_message(prog, msg ? msg : "(error object is not a string)");
    lua_pop(L, 1);
  }
  return status;
}

/* {====== Running code ====== */

/* hook set by the SIGINT handler: raise an error in the running code */
static void lstop (lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

/* SIGINT while Lua runs: stop at the next hook (lua.c's way), a second
** Ctrl-C kills the process */
static void laction (int i) {
  int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  signal(i, SIG_DFL);
  lua_sethook(globalL, lstop, flag, 1);
}

/* message handler: turn the error object into a string with a traceback */
static int msghandler (lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/*
** Call the function on the stack (below 'narg' arguments) in protected
** mode with a traceback, with Ctrl-C able to interrupt it. Results as
** lua_pcall.
*/
static int docall (lua_State *L, int narg, int nres) {
  int status, base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  globalL = L;
  signal(SIGINT, laction);
  status = lua_pcall(L, narg, nres, base);
  signal(SIGINT, SIG_DFL);
  lua_remove(L, base);
  return status;
}

static int dochunk (lua_State *L, int status) {
  if (status == LUA_OK) status = docall(L, 0, 0);
  return report(L, status, PROGNAME);
}

static int dostring (lua_State *L, const char *s, const char *name) {
  return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* 'globname = require(modname)' for option -l (mod or g=mod) */
static int dolibrary (lua_State *L, char *spec) {
  char *eq = strchr(spec, '=');
  const char *modname = eq ? eq + 1 : spec;
  int status;
  if (eq) *eq = '\0';
  lua_getglobal(L, "require");
  lua_pushstring(L, modname);
  status = docall(L, 1, 1);
  if (status == LUA_OK) lua_setglobal(L, spec);
  return report(L, status, PROGNAME);
}

/* push the script arguments arg[1..#arg] and return how many */
static int pushargs (lua_State *L) {
  int i, n;
  if (lua_getglobal(L, "arg") != LUA_TTABLE)
    luaL_error(L, "'arg' is not a table");
  n = (int)luaL_len(L, -1);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  for (i = 1; i <= n; i++) lua_rawgeti(L, -i, i);
  lua_remove(L, -i);   /* the table */
  return n;
}

/* run script 'argv[0]' ("-" = stdin) with the script arguments as '...' */
static int handle_script (lua_State *L, char **argv) {
  const char *fname = argv[0];
  int status;
  if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0)
    fname = NULL;   /* stdin */
  status = luaL_loadfile(L, fname);
  if (status == LUA_OK) {
    int n = pushargs(L);
    status = docall(L, n, LUA_MULTRET);
  }
  return report(L, status, PROGNAME);
}

/* LUA_INIT_5_4 or LUA_INIT: "@file" or a chunk, as lua5.4 does */
static int handle_luainit (lua_State *L) {
  const char *name = "=LUA_INIT_5_4";
  const char *init = getenv(name + 1);
  if (init == NULL) {
    name = "=LUA_INIT";
    init = getenv(name + 1);
  }
  if (init == NULL) return LUA_OK;
  if (init[0] == '@') return dochunk(L, luaL_loadfile(L, init + 1));
  return dostring(L, init, name);
}

/* }====== */

/* {====== Start-up: paths, module, version ====== */

/*
** When the executable sits in a build directory of a source tree
** (<root>/build/luanet-bin, with <root>/lua/luanet/init.lua), prepend the
** tree's Lua directories to package.path so the tree runs uninstalled.
*/
static void set_tree_path (lua_State *L) {
  char exe[PATH_MAX], probe[PATH_MAX + 64], root[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  char *slash;
  if (n <= 0) return;
  exe[n] = '\0';
  if ((slash = strrchr(exe, '/')) == NULL) return;
  *slash = '\0';   /* the executable's directory */
  snprintf(probe, sizeof(probe), "%s/../lua/luanet/init.lua", exe);
  if (access(probe, R_OK) != 0) return;
  snprintf(probe, sizeof(probe), "%s/..", exe);
  if (realpath(probe, root) == NULL) return;
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;%s/?.lua;%s", root, root,
                  root, lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
  lua_setfield(L, -3, "path");
  lua_pop(L, 2);
}

/* package.preload["luanet.core"] = luaopen_luanet_core */
static void preload_core (lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_luanet_core);
  lua_setfield(L, -2, "luanet.core");
  lua_pop(L, 1);
}

/* global 'ln' = require "luanet"; on failure say why and go on without */
static void load_ln (lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "luanet");
  if (lua_pcall(L, 1, 1, 0) == LUA_OK)
    lua_setglobal(L, "ln");
  else {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, PROGNAME ": cannot load luanet: %s\n",
            msg ? msg : "(error object is not a string)");
    fflush(stderr);
    lua_pop(L, 1);
  }
}

/* "luanet 0.1.0 (Lua 5.4.x)" and the configuration: ln.config() (less a
** first line repeating "luanet <version>") when there is one, else what
** the engine says itself */
static void print_version (lua_State *L) {
  int done = 0, top = lua_gettop(L);
  printf(PROGNAME " " LN_VERSION " (" LUA_RELEASE ")\n");
  if (lua_getglobal(L, "ln") == LUA_TTABLE &&
      lua_getfield(L, -1, "config") == LUA_TFUNCTION) {
    if (lua_pcall(L, 0, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
      const char *s = lua_tostring(L, -1), *own = PROGNAME " " LN_VERSION "\n";
      size_t len;
      if (strncmp(s, own, strlen(own)) == 0) s += strlen(own);   /* said above */
      len = strlen(s);
      printf("%s%s", s, (len > 0 && s[len - 1] == '\n') ? "" : "\n");
      done = 1;
    }
  }
  lua_settop(L, top);
  if (!done) {
    if (ln_init_runtime() != LN_OK)
      printf("BLAS: not loaded (%s)\n", ln_errmsg());
    else
      printf("BLAS: %s (%s), oneDNN: %s, ISA %s, threads: %d\n", ln_blas_core(),
             ln_blas_info(), ln_dnnl_info(), ln_dnnl_isa_info(), ln_get_threads());
  }
  fflush(stdout);
}

/* }====== */

/* {====== REPL ====== */

static char histpath[PATH_MAX];   /* "" when there is no $HOME */

/* read a line with 'prompt'; NULL at end of input. The caller frees it. */
static char *read_line (const char *prompt) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  if (isatty(STDIN_FILENO)) return readline(prompt);
  fputs(prompt, stdout);
  fflush(stdout);
  if ((n = getline(&line, &cap, stdin)) < 0) {
    free(line);
    return NULL;
  }
  if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
  return line;
}

/* is the syntax error on top of the stack about a statement that is not
** finished yet (message ends in "<eof>")? pops it if so */
static int incomplete (lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t lmsg;
    const char *msg = lua_tolstring(L, -1, &lmsg);
    size_t lmark = sizeof(EOFMARK) - 1;
    if (lmsg >= lmark && strcmp(msg + lmsg - lmark, EOFMARK) == 0) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}

static void add_to_history (const char *line) {
  if (line[0] != '\0' && isatty(STDIN_FILENO)) add_history(line);
}

/*
** Read one statement, and compile it: first as 'return <line>' (so an
** expression prints its value), else as a statement, reading '>>'
** continuation lines while it is incomplete. Leaves the chunk (or an
** error message) on the stack; returns -1 at end of input.
*/
static int loadline (lua_State *L) {
  char *line = read_line(PROMPT1);
  int status;
  if (line == NULL) return -1;
  lua_settop(L, 0);
  lua_pushstring(L, line);
  free(line);
  {
    const char *ret = lua_pushfstring(L, "return %s;", lua_tostring(L, 1));
    status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
    if (status == LUA_OK) {
      lua_remove(L, -2);   /* the 'return' string */
      add_to_history(lua_tostring(L, 1));
      lua_remove(L, 1);    /* the line */
      return LUA_OK;
    }
    lua_pop(L, 2);         /* error and 'return' string */
  }
  for (;;) {   /* a statement, perhaps on several lines */
    size_t len;
    const char *code = lua_tolstring(L, 1, &len);
    status = luaL_loadbuffer(L, code, len, "=stdin");
    if (!incomplete(L, status)) break;
    if ((line = read_line(PROMPT2)) == NULL) {   /* input ends mid-statement */
      status = luaL_loadbuffer(L, code, len, "=stdin");   /* the error again */
      break;
    }
    lua_pushliteral(L, "\n");
    lua_pushstring(L, line);
    free(line);
    lua_concat(L, 3);   /* line .. "\n" .. more */
  }
  add_to_history(lua_tostring(L, 1));
  lua_remove(L, 1);
  return status;
}

/* print the values on the stack with the global 'print' (which honours
** __tostring) */
static void print_results (lua_State *L) {
  int n = lua_gettop(L);
  if (n == 0) return;
  luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
  lua_getglobal(L, "print");
  lua_insert(L, 1);
  if (lua_pcall(L, n, 0, 0) != LUA_OK)
    l_message(PROGNAME, lua_pushfstring(L, "error calling 'print' (%s)",
                                        lua_tostring(L, -1)));
}

/* the read-eval-print loop; ends at end of input (Ctrl-D) */
static void do_repl (lua_State *L) {
  const char *home = getenv("HOME");
  int status, tty = isatty(STDIN_FILENO);
  if (tty) {
    rl_readline_name = PROGNAME;
    if (home && home[0]) {
      snprintf(histpath, sizeof(histpath), "%s/" HISTFILE, home);
      read_history(histpath);   /* errors ignored */
    }
    stifle_history(HISTMAX);
  }
  while ((status = loadline(L)) != -1) {
    if (status == LUA_OK) status = docall(L, 0, LUA_MULTRET);
    if (status == LUA_OK) print_results(L);
    else report(L, status, NULL);
    lua_settop(L, 0);
  }
  lua_settop(L, 0);
  if (tty && histpath[0]) write_history(histpath);   /* errors ignored */
  fputs("\n", stdout);
  fflush(stdout);
}

/* }====== */

/* {====== Arguments and main ====== */

#define has_error  1   /* bad option */
#define has_i      2   /* -i */
#define has_v      4   /* -v */
#define has_e      8   /* -e */
#define has_help  16   /* --help */
#define has_noarg 32   /* -e or -l without its argument */

/*
** Scan the options: return the flags and set '*first' to the index of the
** script (argc when there is none). -e and -l take an argument.
*/
static int collectargs (char **argv, int *first) {
  int args = 0, i;
  for (i = 1; argv[i] != NULL; i++) {
    *first = i;
    if (argv[i][0] != '-') return args;   /* the script */
    switch (argv[i][1]) {
      case '-':
        if (strcmp(argv[i], "--help") == 0) return args | has_help;
        if (argv[i][2] != '\0') return has_error;
        *first = i + 1;
        return args;
      case '\0':   /* '-': stdin is the script */
        return args;
      case 'i':
        if (argv[i][2] != '\0') return has_error;
        args |= has_i | has_v;   /* -i implies -v, as in lua5.4 */
        break;
      case 'v':
        if (argv[i][2] != '\0') return has_error;
        args |= has_v;
        break;
      case 'h':
        if (argv[i][2] != '\0') return has_error;
        return args | has_help;
      case 'e':
        args |= has_e;
        /* FALLTHROUGH */
      case 'l':   /* both take an argument, attached or next */
        if (argv[i][2] == '\0') {
          if (argv[i + 1] == NULL || argv[i + 1][0] == '-')
            return has_error | has_noarg;
          i++;
        }
        break;
      default:
        return has_error;
    }
  }
  *first = i;
  return args;
}

/* run -e and -l options in order; 0 if one of them failed */
static int runargs (lua_State *L, char **argv, int n) {
  int i;
  for (i = 1; i < n; i++) {
    int opt = argv[i][1];
    if (opt == 'e' || opt == 'l') {
      char *extra = argv[i] + 2;
      int status;
      if (*extra == '\0') extra = argv[++i];
      status = opt == 'e' ? dostring(L, extra, "=(command line)")
                          : dolibrary(L, extra);
      if (status != LUA_OK) return 0;
    }
  }
  return 1;
}

/*
** global 'arg': arg[0] is the script (or the program with none), the
** script's arguments are positive, the interpreter and options negative.
*/
static void createargtable (lua_State *L, char **argv, int argc, int script) {
  int i, narg;
  if (script == argc) script = 0;
  narg = argc - (script + 1);
  lua_createtable(L, narg, script + 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

/* the protected main: everything that can raise runs in here */
static int pmain (lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int script = argc, args = collectargs(argv, &script);
  luaL_checkversion(L);
  if (args & has_error) {
    fprintf(stderr, (args & has_noarg) ? PROGNAME ": '%s' needs an argument\n"
                    : PROGNAME ": unrecognized option '%s'\n", argv[script]);
    usage(stderr);
    return 0;
  }
  if (args & has_help) {
    usage(stdout);
    lua_pushboolean(L, 1);
    return 1;
  }
  luaL_openlibs(L);
  preload_core(L);
  set_tree_path(L);
  createargtable(L, argv, argc, script);
  lua_gc(L, LUA_GCGEN, 0, 0);
  if (handle_luainit(L) != LUA_OK) return 0;
  load_ln(L);
  if (args & has_v) print_version(L);
  if (!runargs(L, argv, script)) return 0;
  if (script < argc && handle_script(L, argv + script) != LUA_OK) return 0;
  if (args & has_i)
    do_repl(L);
  else if (script == argc && !(args & (has_e | has_v))) {
    if (isatty(STDIN_FILENO)) {
      print_version(L);
      do_repl(L);
    } else if (dochunk(L, luaL_loadfile(L, NULL)) != LUA_OK)
      return 0;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/*
** libgomp reads its wait policy once, as it loads, before main. By default
** an idle worker spins for 300,000 rounds at each barrier, then sleeps;
** when other processes keep the cores busy, spinning workers take the
** core from the thread they wait for, and sleeping ones (passive) are slow
** to wake for the many short parallel regions of small batches. Measured
** here, 2 threads, images/s of MLP training and seconds of 500 batch-4
** steps (evonorm.lua), for spin counts 300,000 / 3,000 / 0 (passive):
** idle 8.7k / 14.1k / 13.2k and 0.90 s (3,000) against 4.09 s (passive);
** beside another such training 2.4k / 7.4k / 8.0k img/s and 9.5 / 2.0 /
** 3.9 s. So luanet starts itself again once with GOMP_SPINCOUNT=3000,
** unless the user chose a policy, or it runs under valgrind, whose tool
** would not follow the exec. If the exec fails, it goes on as it is.
*/
static void wait_briefly (char **argv) {
  const char *pre = getenv("LD_PRELOAD");
  if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
  if (pre && strstr(pre, "vgpreload")) return;
  if (setenv("GOMP_SPINCOUNT", "3000", 1) != 0) return;
  execv("/proc/self/exe", argv);
}

int main (int argc, char **argv) {
  static char *noargs[] = {(char *)PROGNAME, NULL};
  int status, ok;
  lua_State *L;
  if (argc >= 1 && argv[0] != NULL) wait_briefly(argv);
  L = luaL_newstate();
  if (L == NULL) {
    l_message(PROGNAME, "cannot create state: not enough memory");
    return EXIT_FAILURE;
  }
  if (argc < 1 || argv[0] == NULL) { argc = 1; argv = noargs; }
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lua_pcall(L, 2, 1, 0);
  ok = lua_toboolean(L, -1);
  report(L, status, PROGNAME);
  lua_close(L);
  return (ok && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* }====== */
