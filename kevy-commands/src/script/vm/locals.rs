//! A running script's local variables, for the debugger's `print`
//! (Redis's `ldbPrint`/`ldbPrintAll` read them with `lua_getlocal`, which
//! mlua does not wrap).

use mlua::{Lua, MultiValue, Value};

/// The innermost local named `name` in any Lua frame, or (`None`) every
/// local of the innermost Lua frame, as `(name, value)` pairs, innermost
/// first. Called from a hook: the frames are the running script's.
pub(crate) fn locals(lua: &Lua, name: Option<&[u8]>) -> mlua::Result<Vec<(Vec<u8>, Value)>> {
    use mlua::ffi;
    // SAFETY: `exec_raw` runs the closure as a protected C function on the
    // running state `l`. It walks the frames with `lua_getstack` into a
    // zeroed `lua_Debug` it owns, reads each frame's kind (`lua_getinfo`
    // "S", whose `what` points at a static string) and its locals
    // (`lua_getlocal` pushes one value, or nothing when it returns null);
    // every push is preceded by `lua_checkstack`, and whatever is left on
    // the stack (name, value pairs) is what `exec_raw` returns. Nothing
    // here owns a Rust value with a destructor across a call that may
    // raise (`lua_checkstack` and `lua_pushlstring` raise only on memory
    // errors, which unwind to `exec_raw`'s protected call).
    let found: MultiValue = unsafe {
        lua.exec_raw((), |l| {
            let mut ar: ffi::lua_Debug = std::mem::zeroed();
            let mut level = 0;
            while ffi::lua_getstack(l, level, &mut ar) != 0 {
                level += 1;
                if ffi::lua_getinfo(l, c"S".as_ptr(), &mut ar) == 0
                    || (!ar.what.is_null() && std::ffi::CStr::from_ptr(ar.what).to_bytes() == b"C")
                {
                    continue;
                }
                let mut i = 1;
                loop {
                    if ffi::lua_checkstack(l, 3) == 0 {
                        return;
                    }
                    let n = ffi::lua_getlocal(l, &ar, i);
                    if n.is_null() {
                        break;
                    }
                    i += 1;
                    let local = std::ffi::CStr::from_ptr(n).to_bytes();
                    match name {
                        Some(want) if local != want => ffi::lua_pop(l, 1),
                        _ => {
                            ffi::lua_pushlstring(l, local.as_ptr().cast(), local.len());
                            ffi::lua_insert(l, -2);
                            if name.is_some() {
                                return;
                            }
                        }
                    }
                }
                if name.is_none() {
                    return;
                }
            }
        })
    }?;
    let mut out = Vec::new();
    let mut it = found.into_iter();
    while let (Some(Value::String(n)), Some(v)) = (it.next(), it.next()) {
        out.push((n.as_bytes().to_vec(), v));
    }
    Ok(out)
}
