//! The values the Rust hooks answer with, and the texts they build: a
//! hook's success (`true, v…`), its failures (a plain error string for the
//! libraries, Redis's `{err=…}` table for the `redis` API), Redis's error
//! text rules and Lua 5.1's number formatting. Below the interpreter
//! (`vm`) and the libraries alike, naming neither.

use mlua::{Lua, MultiValue, Table, Value};

/// What a library function answers to have its C frame raise the plain
/// string `msg` (as `luaL_error` does: the error handler makes it
/// `ERR msg`, a `pcall` sees the string).
pub(crate) fn fail_plain(lua: &Lua, msg: &str) -> mlua::Result<MultiValue> {
    Ok(MultiValue::from_iter([
        Value::Boolean(false),
        Value::String(lua.create_string(msg)?),
    ]))
}

/// A hook's success: `true, v…`.
pub(crate) fn ok(vals: impl IntoIterator<Item = Value>) -> MultiValue {
    let mut m = MultiValue::new();
    m.push_back(Value::Boolean(true));
    m.extend(vals);
    m
}

/// How Lua 5.1 prints a number (`%.14g`).
pub(crate) fn lua_number_text(n: f64) -> String {
    printf_number(n, c"%.14g")
}

/// `n` through the C library's `printf` with `fmt`, one of the `%g`
/// formats (`%g`, `%.14g`, `%.17g`).
pub(crate) fn printf_number(n: f64, fmt: &std::ffi::CStr) -> String {
    let mut buf = [0u8; 64];
    let len = {
        // SAFETY: `buf` is 64 bytes, which a `%g` format of a double never
        // exceeds (at most 17 digits, sign, point and exponent); `fmt` is
        // NUL-terminated and takes exactly one double.
        unsafe { libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), n) }
    };
    String::from_utf8_lossy(&buf[..(len.max(0) as usize).min(buf.len())]).into_owned()
}

/// What a helper answers to have its Lua wrapper raise `{err=msg}`
/// (Redis's `luaPushError`: a message without `-CODE` gets `ERR`):
/// `false, table`.
pub(crate) fn fail(lua: &Lua, msg: &str) -> mlua::Result<MultiValue> {
    Ok(MultiValue::from_iter([
        Value::Boolean(false),
        Value::Table(error_table(lua, msg.as_bytes())?),
    ]))
}

/// Redis's `luaPushErrorBuff`: `-CODE msg` keeps its code, a message
/// without one gets `ERR`; trailing CR/LF trimmed. The table `{err=…}`.
pub(crate) fn error_table(lua: &Lua, text: &[u8]) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("err", lua.create_string(error_text(text))?)?;
    Ok(t)
}

/// The `err` string of [`error_table`].
pub(crate) fn error_text(text: &[u8]) -> Vec<u8> {
    let (code, msg): (&[u8], &[u8]) = match text.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&b| b == b' ') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", text),
    };
    let mut msg = msg;
    while let Some((&c, rest)) = msg.split_last() {
        if c == b'\r' || c == b'\n' {
            msg = rest;
        } else {
            break;
        }
    }
    while let Some((&c, rest)) = msg.split_first() {
        if c == b'\r' || c == b'\n' {
            msg = rest;
        } else {
            break;
        }
    }
    let mut out = code.to_vec();
    out.push(b' ');
    out.extend_from_slice(msg);
    out
}
