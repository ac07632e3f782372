//! The C functions Lua sees for the `redis` API and the libraries'
//! Rust helpers: each forwards to the Rust hook of its name in the hooks
//! table, so an error raised by a hook names the script's line, as
//! Redis's C functions do (a tail call keeps the script's frame).

/// The registry slot of the hooks table the trampolines call through.
pub(crate) const HOOKS: &str = "kevy_hooks";

/// The `redis` API functions Lua sees: C functions, as Redis's are (a
/// script's `return redis.call(…)` keeps the script's frame, so an error
/// names the script's line), each forwarding to the Rust hook of its name.
pub(super) const TRAMPOLINES: &[(&str, mlua::ffi::lua_CFunction)] = &[
    ("call", t_call),
    ("pcall", t_pcall),
    ("sha1hex", t_sha1hex),
    ("breakpoint", t_breakpoint),
    ("debug", t_debug),
    ("error_reply", t_error_reply),
    ("status_reply", t_status_reply),
    ("log", t_log),
    ("setresp", t_setresp),
    ("set_repl", t_set_repl),
    ("acl_check_cmd", t_acl_check_cmd),
    ("x:register_function", t_register_function),
    ("x:random", t_random),
    ("x:randomseed", t_randomseed),
    ("x:cjson.encode", t_cjson_encode),
    ("x:cjson.decode", t_cjson_decode),
    ("x:cjson.encode_sparse_array", t_cjson_encode_sparse_array),
    ("x:cjson.encode_max_depth", t_cjson_encode_max_depth),
    ("x:cjson.decode_max_depth", t_cjson_decode_max_depth),
    (
        "x:cjson.encode_number_precision",
        t_cjson_encode_number_precision,
    ),
    ("x:cjson.encode_keep_buffer", t_cjson_encode_keep_buffer),
    (
        "x:cjson.encode_invalid_numbers",
        t_cjson_encode_invalid_numbers,
    ),
    (
        "x:cjson.decode_invalid_numbers",
        t_cjson_decode_invalid_numbers,
    ),
    ("x:cmsgpack.pack", t_msgpack_pack),
    ("x:cmsgpack.unpack", t_msgpack_unpack),
    ("x:cmsgpack.unpack_one", t_msgpack_unpack_one),
    ("x:cmsgpack.unpack_limit", t_msgpack_unpack_limit),
    ("x:struct.pack", t_struct_pack),
    ("x:struct.unpack", t_struct_unpack),
    ("x:struct.size", t_struct_size),
];

macro_rules! trampolines {
    ($($f:ident => $name:literal, $flag:expr;)*) => {$(
        unsafe extern "C-unwind" fn $f(l: *mut mlua::ffi::lua_State) -> std::ffi::c_int {
            // SAFETY: called by Lua with a valid state; see `trampoline`.
            unsafe { trampoline(l, $name, $flag) }
        }
    )*};
}

trampolines! {
    t_call => c"call", Some(true);
    t_pcall => c"call", Some(false);
    t_sha1hex => c"sha1hex", None;
    t_breakpoint => c"breakpoint", None;
    t_debug => c"debug", None;
    t_error_reply => c"error_reply", None;
    t_status_reply => c"status_reply", None;
    t_log => c"log", None;
    t_setresp => c"setresp", None;
    t_set_repl => c"set_repl", None;
    t_acl_check_cmd => c"acl_check_cmd", None;
    t_register_function => c"register_function", None;
    t_random => c"random", None;
    t_randomseed => c"randomseed", None;
    t_cjson_encode => c"cjson_encode", None;
    t_cjson_decode => c"cjson_decode", None;
    t_cjson_encode_sparse_array => c"cjson_encode_sparse_array", None;
    t_cjson_encode_max_depth => c"cjson_encode_max_depth", None;
    t_cjson_decode_max_depth => c"cjson_decode_max_depth", None;
    t_cjson_encode_number_precision => c"cjson_encode_number_precision", None;
    t_cjson_encode_keep_buffer => c"cjson_encode_keep_buffer", None;
    t_cjson_encode_invalid_numbers => c"cjson_encode_invalid_numbers", None;
    t_cjson_decode_invalid_numbers => c"cjson_decode_invalid_numbers", None;
    t_msgpack_pack => c"msgpack_pack", None;
    t_msgpack_unpack => c"msgpack_unpack", None;
    t_msgpack_unpack_one => c"msgpack_unpack_one", None;
    t_msgpack_unpack_limit => c"msgpack_unpack_limit", None;
    t_struct_pack => c"struct_pack", None;
    t_struct_unpack => c"struct_unpack", None;
    t_struct_size => c"struct_size", None;
}

/// Past this many arguments, `redis.call`'s trampoline hands them over
/// as one table (see `trampoline`).
const PACK_OVER: std::ffi::c_int = 64;

/// The light userdata that marks arguments packed in a table (the busy
/// check's marker is the null pointer).
pub(crate) const PACKED: usize = 1;

/// Calls hook `name` (with `flag` first when given) on the caller's
/// arguments. The hook answers `true, results…` or `false, error`: the
/// results are returned, the error raised from this C frame.
///
/// # Safety
/// `l` is the running Lua state. `lua_call` and `lua_error` may unwind
/// (longjmp) through this frame: nothing here owns a Rust value with a
/// destructor, only the raw state pointer and integers.
unsafe fn trampoline(
    l: *mut mlua::ffi::lua_State,
    name: &std::ffi::CStr,
    flag: Option<bool>,
) -> std::ffi::c_int {
    use mlua::ffi;
    // SAFETY: stack operations on the running state `l`, within the
    // LUA_MINSTACK (20) slots a C function is given (three pushes at most beyond
    // its arguments before the call; packing pushes two, the table and one
    // copy, then leaves two values).
    unsafe {
        let mut n = ffi::lua_gettop(l);
        if flag.is_some() && n > PACK_OVER {
            // `redis.call` with many arguments (`unpack` of a big table):
            // one table of them, behind the PACKED marker, instead of as
            // many values (each held as a reference past Lua's stack).
            // The arguments are already on the stack; the table and one
            // copy at a time take two more slots.
            ffi::lua_createtable(l, n, 0);
            for i in 1..=n {
                ffi::lua_pushvalue(l, i);
                ffi::lua_rawseti(l, -2, i.into());
            }
            ffi::lua_replace(l, 1);
            ffi::lua_settop(l, 1);
            ffi::lua_pushlightuserdata(l, PACKED as *mut std::ffi::c_void);
            ffi::lua_insert(l, 1);
            n = 2;
        }
        ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, c"kevy_hooks".as_ptr());
        ffi::lua_getfield(l, -1, name.as_ptr());
        ffi::lua_remove(l, -2);
        ffi::lua_insert(l, 1);
        if let Some(f) = flag {
            ffi::lua_pushboolean(l, f as std::ffi::c_int);
            ffi::lua_insert(l, 2);
            n += 1;
        }
        ffi::lua_call(l, n, ffi::LUA_MULTRET);
        let results = ffi::lua_gettop(l);
        if results >= 2 && ffi::lua_type(l, 1) == ffi::LUA_TBOOLEAN && ffi::lua_toboolean(l, 1) == 0
        {
            if ffi::lua_type(l, 2) == ffi::LUA_TSTRING {
                // A plain message gets its caller's position, as
                // `luaL_error` gives it (`user_script:1: …`).
                ffi::luaL_where(l, 1);
                ffi::lua_pushvalue(l, 2);
                ffi::lua_concat(l, 2);
            } else {
                ffi::lua_pushvalue(l, 2);
            }
            ffi::lua_error(l);
        }
        if results == 0 {
            return 0;
        }
        ffi::lua_remove(l, 1);
        results - 1
    }
}
