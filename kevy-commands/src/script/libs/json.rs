//! `cjson`: Redis's lua-cjson 2.1.0 — `encode` (numbers
//! `%.14g`, `/` escaped, empty tables as `{}`, sparse arrays refused past
//! ratio 2 and 10 items, NaN and infinities refused, 1000 levels deep at
//! most: the defaults of the options in [`config`], which the
//! `cjson.encode_max_depth(…)`… functions change), `decode` (JSON `null`
//! as `cjson.null`), `null`.

use mlua::{LightUserData, Lua, Table, Value};

use super::super::values::{fail_plain as fail, lua_number_text, ok};

pub(crate) mod config;

/// Installs `cjson` in the globals of `lua`.
pub(crate) fn install(lua: &Lua) -> mlua::Result<()> {
    let t = lua.create_table()?;
    // `cjson.null`: the NULL light userdata, as lua-cjson's.
    t.set(
        "null",
        Value::LightUserData(LightUserData(std::ptr::null_mut())),
    )?;
    lua.globals().set("cjson", t)?;
    Ok(())
}

/// `cjson.encode(v)`.
pub(crate) fn encode(lua: &Lua, args: mlua::MultiValue) -> mlua::Result<mlua::MultiValue> {
    if args.len() != 1 {
        return fail(lua, "bad argument #1 to 'encode' (expected 1 argument)");
    }
    let mut out = Vec::new();
    let cfg = config::get();
    match write(&cfg, &args[0], &mut out, 0) {
        Ok(()) => Ok(ok([Value::String(lua.create_string(&out)?)])),
        Err(e) => fail(lua, &e),
    }
}

fn write(cfg: &config::Config, v: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        // lua-cjson formats every number alike (`%.14g`: 2^60 has an exponent).
        Value::Integer(n) => number(cfg, *n as f64, out)?,
        Value::Number(n) => number(cfg, *n, out)?,
        Value::String(s) => string(&s.as_bytes(), out),
        Value::Table(t) => {
            if depth as i64 + 1 > cfg.encode_max_depth {
                return Err(format!(
                    "Cannot serialise, excessive nesting ({})",
                    depth + 1
                ));
            }
            table(cfg, t, out, depth + 1)?;
        }
        other => {
            return Err(format!(
                "Cannot serialise {}: type not supported",
                other.type_name()
            ))
        }
    }
    Ok(())
}

fn string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c if c < 0x20 || c == 0x7f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

/// A number as lua-cjson writes it: `%.14g` (`encode_number_precision`
/// digits), NaN and infinities refused, written, or `null`
/// (`encode_invalid_numbers`).
fn number(cfg: &config::Config, n: f64, out: &mut Vec<u8>) -> Result<(), String> {
    if !n.is_finite() {
        match cfg.encode_invalid {
            0 => return Err("Cannot serialise number: must not be NaN or Inf".into()),
            1 if n.is_nan() => out.extend_from_slice(b"nan"),
            1 => out.extend_from_slice(if n > 0.0 { b"inf" } else { b"-inf" }),
            _ => out.extend_from_slice(b"null"),
        }
        return Ok(());
    }
    if cfg.precision == 14 {
        out.extend_from_slice(lua_number_text(n).as_bytes());
    } else {
        out.extend_from_slice(precise(n, cfg.precision).as_bytes());
    }
    Ok(())
}

/// `%.<digits>g` through the C library, as lua-cjson's fpconv.
fn precise(n: f64, digits: i64) -> String {
    let mut buf = [0u8; 64];
    let fmt = b"%.*g\0";
    // SAFETY: `buf` is 64 bytes and `%.*g` with at most 14 digits of a
    // double never needs more; the format is NUL-terminated and takes an
    // int precision then a double, as passed.
    let len = unsafe {
        libc::snprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            fmt.as_ptr().cast(),
            digits as libc::c_int,
            n,
        )
    };
    String::from_utf8_lossy(&buf[..(len.max(0) as usize).min(buf.len())]).into_owned()
}

fn table(cfg: &config::Config, t: &Table, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
    // An array: every key a positive integer, not too sparse. lua-cjson
    // keeps the largest key in a C int: a key past its range converts to
    // INT_MIN on x86, which makes the table an object. Two walks holding
    // one pair at a time (a table of 100,000 entries collected at once
    // would hold as many references, past Lua's stack).
    let mut max = 0i32;
    let mut array = true;
    let mut count = 0usize;
    t.for_each(|k: Value, _: Value| {
        count += 1;
        if array {
            let n = match k {
                Value::Integer(n) => n as f64,
                Value::Number(n) => n,
                _ => f64::NAN,
            };
            if n.is_nan() || n < 1.0 || n.fract() != 0.0 {
                array = false;
            } else if n > f64::from(max) {
                max = if n <= f64::from(i32::MAX) {
                    n as i32
                } else {
                    i32::MIN
                };
            }
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    array &= count > 0 && max > 0;
    if array
        && cfg.sparse_ratio > 0
        && i64::from(max) > count as i64 * cfg.sparse_ratio
        && i64::from(max) > cfg.sparse_safe
    {
        if !cfg.sparse_convert {
            return Err("Cannot serialise table: excessively sparse array".into());
        }
        array = false;
    }
    if array {
        out.push(b'[');
        for i in 1..=max {
            if i > 1 {
                out.push(b',');
            }
            let v: Value = t.raw_get(i).map_err(|e| e.to_string())?;
            write(cfg, &v, out, depth)?;
        }
        out.push(b']');
        return Ok(());
    }
    out.push(b'{');
    let mut first = true;
    let mut failed = None;
    let walked = t.for_each(|k: Value, v: Value| {
        if !first {
            out.push(b',');
        }
        first = false;
        let r = match k {
            Value::String(s) => {
                string(&s.as_bytes(), out);
                Ok(())
            }
            Value::Integer(_) | Value::Number(_) => {
                let n = match k {
                    Value::Integer(n) => n as f64,
                    Value::Number(n) => n,
                    _ => 0.0,
                };
                out.push(b'"');
                let r = number(cfg, n, out);
                out.push(b'"');
                r
            }
            _ => Err("Cannot serialise table: table key must be a number or string".into()),
        };
        let r = r.and_then(|()| {
            out.push(b':');
            write(cfg, &v, out, depth)
        });
        match r {
            Ok(()) => Ok(()),
            Err(e) => {
                failed = Some(e);
                // Stops the walk; the message is in `failed`.
                Err(mlua::Error::RuntimeError(String::new()))
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    walked.map_err(|e| e.to_string())?;
    out.push(b'}');
    Ok(())
}

/// `cjson.decode(text)`.
pub(crate) fn decode(lua: &Lua, args: mlua::MultiValue) -> mlua::Result<mlua::MultiValue> {
    let text = match args.front() {
        Some(Value::String(s)) if args.len() == 1 => s.as_bytes().to_vec(),
        _ => return fail(lua, "bad argument #1 to 'decode' (string expected)"),
    };
    let max_depth = config::get().decode_max_depth;
    let mut p = Parser {
        s: &text,
        at: 0,
        max_depth,
    };
    let v = match p.value(lua, 0) {
        Ok(v) => v,
        Err(e) => return fail(lua, &e),
    };
    p.ws();
    if p.at < text.len() {
        return fail(
            lua,
            &format!(
                "Expected the end but found invalid token at character {}",
                p.at + 1
            ),
        );
    }
    Ok(ok([v]))
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
    /// `decode_max_depth`.
    max_depth: i64,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.at < self.s.len() && matches!(self.s[self.at], b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
    }

    fn invalid(&self, want: &str) -> String {
        let found = if self.at >= self.s.len() {
            "T_END"
        } else {
            "invalid token"
        };
        format!(
            "Expected {want} but found {found} at character {}",
            self.at + 1
        )
    }

    fn value(&mut self, lua: &Lua, depth: usize) -> Result<Value, String> {
        self.ws();
        let Some(&c) = self.s.get(self.at) else {
            return Err(self.invalid("value"));
        };
        let e = |e: mlua::Error| e.to_string();
        match c {
            b'{' | b'[' if depth as i64 + 1 > self.max_depth => Err(format!(
                "Found too many nested data structures ({}) at character {}",
                depth + 1,
                self.at + 1
            )),
            b'{' => {
                self.at += 1;
                let t = lua.create_table().map_err(e)?;
                self.ws();
                if self.s.get(self.at) == Some(&b'}') {
                    self.at += 1;
                    return Ok(Value::Table(t));
                }
                loop {
                    self.ws();
                    if self.s.get(self.at) != Some(&b'"') {
                        return Err(self.invalid("object key string"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.at) != Some(&b':') {
                        return Err(self.invalid("colon"));
                    }
                    self.at += 1;
                    let v = self.value(lua, depth + 1)?;
                    t.raw_set(lua.create_string(&k).map_err(e)?, v).map_err(e)?;
                    self.ws();
                    match self.s.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Value::Table(t));
                        }
                        _ => return Err(self.invalid("comma or object end")),
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let t = lua.create_table().map_err(e)?;
                self.ws();
                if self.s.get(self.at) == Some(&b']') {
                    self.at += 1;
                    return Ok(Value::Table(t));
                }
                let mut i = 1;
                loop {
                    let v = self.value(lua, depth + 1)?;
                    t.raw_set(i, v).map_err(e)?;
                    i += 1;
                    self.ws();
                    match self.s.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Value::Table(t));
                        }
                        _ => return Err(self.invalid("comma or array end")),
                    }
                }
            }
            b'"' => {
                let s = self.string()?;
                Ok(Value::String(lua.create_string(&s).map_err(e)?))
            }
            b't' if self.s[self.at..].starts_with(b"true") => {
                self.at += 4;
                Ok(Value::Boolean(true))
            }
            b'f' if self.s[self.at..].starts_with(b"false") => {
                self.at += 5;
                Ok(Value::Boolean(false))
            }
            b'n' if self.s[self.at..].starts_with(b"null") => {
                self.at += 4;
                Ok(Value::LightUserData(LightUserData(std::ptr::null_mut())))
            }
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                while self.at < self.s.len()
                    && matches!(
                        self.s[self.at],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.at += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.at]).unwrap_or("");
                match text.parse::<f64>() {
                    Ok(n) => Ok(Value::Number(n)),
                    Err(_) => {
                        self.at = start;
                        Err(self.invalid("value"))
                    }
                }
            }
            _ => Err(self.invalid("value")),
        }
    }

    /// A string token (at its opening quote), unescaped.
    fn string(&mut self) -> Result<Vec<u8>, String> {
        let start = self.at;
        self.at += 1;
        let mut out = Vec::new();
        while let Some(&c) = self.s.get(self.at) {
            self.at += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let Some(&e) = self.s.get(self.at) else { break };
                    self.at += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4().ok_or_else(|| self.bad(start))?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.at..].starts_with(b"\\u")
                            {
                                self.at += 2;
                                let lo = self.hex4().ok_or_else(|| self.bad(start))?;
                                cp = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3ff);
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(self.bad(start)),
                    }
                }
                c => out.push(c),
            }
        }
        Err(self.bad(start))
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.at..self.at + 4)?;
        let n = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        self.at += 4;
        Some(n)
    }

    fn bad(&self, start: usize) -> String {
        format!(
            "Expected value but found invalid token at character {}",
            start + 1
        )
    }
}
