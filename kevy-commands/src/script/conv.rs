//! Redis's conversions between replies and Lua values, both ways.
//!
//! A command's reply (RESP2 or RESP3 bytes, as the script's `setresp`
//! chose) becomes a Lua value as `redisProtocolToLuaType` makes it:
//! integers numbers, bulk strings strings, null bulk and null array
//! `false`, status `{ok=…}`, error `{err=…}`, arrays tables; RESP3 maps
//! `{map={…}}`, sets `{set={member=true}}`, null `nil`, booleans,
//! doubles `{double=n}`, big numbers `{big_number=s}`, verbatim strings
//! `{verbatim_string={format=…, string=…}}`, attributes skipped.
//!
//! A script's result becomes the client's reply as `luaReplyToRedisReply`
//! writes it: strings bulk, numbers integers (truncated), `true` 1 (RESP3:
//! `#t`), `false` null (RESP3 `#f`), tables `err`/`ok`/`double`/
//! `big_number`/`verbatim_string`/`map`/`set` fields first, else an array
//! up to the first `nil`; anything else null.

use mlua::{Lua, Table, Value};

use super::values::error_text;
use crate::base::float::fmt_double;
use crate::base::resp::{self, Reply};

/// Parses one reply from `buf` into a Lua value; the value and the bytes
/// read. `None` on a malformed reply (never from kevy's own writers).
pub(crate) fn to_lua(lua: &Lua, buf: &[u8]) -> mlua::Result<Option<(Value, usize)>> {
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        return Ok(None);
    };
    if nl < 2 {
        return Ok(None);
    }
    let line = &buf[1..nl - 1];
    let after = nl + 1;
    let num = || crate::base::num::parse_i64(line);
    let v = match buf[0] {
        b':' => Value::Number(num().unwrap_or(0) as f64),
        b'$' => {
            let n = num().unwrap_or(-1);
            if n < 0 {
                return Ok(Some((Value::Boolean(false), after)));
            }
            let n = n as usize;
            if buf.len() < after + n + 2 {
                return Ok(None);
            }
            let s = lua.create_string(&buf[after..after + n])?;
            return Ok(Some((Value::String(s), after + n + 2)));
        }
        b'+' => {
            let t = lua.create_table()?;
            t.raw_set("ok", lua.create_string(line)?)?;
            Value::Table(t)
        }
        b'-' => {
            let t = lua.create_table()?;
            let mut text = vec![b'-'];
            text.extend_from_slice(line);
            t.raw_set("err", lua.create_string(error_text(&text))?)?;
            t.raw_set("ignore_error_stats_update", true)?;
            Value::Table(t)
        }
        b'*' | b'~' | b'%' | b'>' | b'|' => {
            let n = num().unwrap_or(-1);
            if n < 0 {
                return Ok(Some((Value::Boolean(false), after)));
            }
            let kind = buf[0];
            let mut at = after;
            let items = lua.create_table()?;
            let count = if kind == b'%' || kind == b'|' {
                n * 2
            } else {
                n
            };
            let mut vals = Vec::with_capacity(count as usize);
            for _ in 0..count {
                let Some((v, used)) = to_lua(lua, &buf[at..])? else {
                    return Ok(None);
                };
                at += used;
                vals.push(v);
            }
            match kind {
                b'|' => {
                    // An attribute: skipped, the reply follows.
                    let Some((v, used)) = to_lua(lua, &buf[at..])? else {
                        return Ok(None);
                    };
                    return Ok(Some((v, at + used)));
                }
                b'%' => {
                    let mut it = vals.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        items.raw_set(k, v)?;
                    }
                    return Ok(Some((wrap(lua, "map", items)?, at)));
                }
                b'~' => {
                    for v in vals {
                        items.raw_set(v, true)?;
                    }
                    return Ok(Some((wrap(lua, "set", items)?, at)));
                }
                _ => {
                    for (i, v) in vals.into_iter().enumerate() {
                        items.raw_set(i + 1, v)?;
                    }
                    return Ok(Some((Value::Table(items), at)));
                }
            }
        }
        b'_' => Value::Nil,
        b'#' => Value::Boolean(line == b"t"),
        b',' => {
            let d = match line {
                b"inf" => f64::INFINITY,
                b"-inf" => f64::NEG_INFINITY,
                _ => crate::base::float::parse_double(line).unwrap_or(f64::NAN),
            };
            let t = lua.create_table()?;
            t.raw_set("double", d)?;
            Value::Table(t)
        }
        b'(' => {
            let t = lua.create_table()?;
            t.raw_set("big_number", lua.create_string(line)?)?;
            Value::Table(t)
        }
        b'=' => {
            let n = num().unwrap_or(0).max(0) as usize;
            if buf.len() < after + n + 2 || n < 4 {
                return Ok(None);
            }
            let body = &buf[after..after + n];
            let inner = lua.create_table()?;
            inner.raw_set("string", lua.create_string(&body[4..])?)?;
            inner.raw_set("format", lua.create_string(&body[..3])?)?;
            return Ok(Some((wrap(lua, "verbatim_string", inner)?, after + n + 2)));
        }
        _ => return Ok(None),
    };
    Ok(Some((v, after)))
}

/// `{name = inner}`.
fn wrap(lua: &Lua, name: &str, inner: Table) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set(name, inner)?;
    Ok(Value::Table(t))
}

/// Writes a script's result `v` as the reply (`luaReplyToRedisReply`):
/// `script_resp3` is the protocol the script chose (`redis.setresp`),
/// which decides how booleans travel in RESP2.
pub(crate) fn write_reply(
    out: &mut Reply<'_>,
    v: &Value,
    script_resp3: bool,
    depth: usize,
) -> mlua::Result<()> {
    if depth > 1000 {
        resp::error(out, b"ERR reached lua stack limit");
        return Ok(());
    }
    match v {
        Value::String(s) => resp::bulk(out, &s.as_bytes()),
        Value::Boolean(b) => {
            if !script_resp3 {
                if *b {
                    resp::int(out, 1);
                } else {
                    resp::null(out);
                }
            } else {
                resp::boolean(out, *b);
            }
        }
        Value::Integer(n) => resp::int(out, *n),
        Value::Number(n) => resp::int(out, number_to_i64(*n)),
        Value::Table(t) => write_table(out, t, script_resp3, depth)?,
        _ => resp::null(out),
    }
    Ok(())
}

/// C's `(long long)` cast of a Lua number, as Redis replies it (x86's
/// conversion: out of range and NaN become `i64::MIN`).
fn number_to_i64(n: f64) -> i64 {
    if n.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

fn write_table(out: &mut Reply<'_>, t: &Table, resp3: bool, depth: usize) -> mlua::Result<()> {
    if let Value::String(e) = t.raw_get::<Value>("err")? {
        let mut line = e.as_bytes().to_vec();
        for b in line.iter_mut() {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        resp::error(out, &line);
        super::run::note_error(t, &line, depth);
        return Ok(());
    }
    if let Value::String(s) = t.raw_get::<Value>("ok")? {
        let mut line = s.as_bytes().to_vec();
        for b in line.iter_mut() {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        resp::simple(out, &line);
        return Ok(());
    }
    match t.raw_get::<Value>("double")? {
        Value::Number(d) => return write_double(out, d),
        Value::Integer(d) => return write_double(out, d as f64),
        _ => {}
    }
    if let Value::String(s) = t.raw_get::<Value>("big_number")? {
        let mut text = s.as_bytes().to_vec();
        for b in text.iter_mut() {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        if out.resp3() {
            out.push(b'(');
            out.extend_from_slice(&text);
            out.extend_from_slice(b"\r\n");
        } else {
            resp::bulk(out, &text);
        }
        return Ok(());
    }
    if let Value::Table(vt) = t.raw_get::<Value>("verbatim_string")? {
        if let (Value::String(f), Value::String(s)) = (
            vt.raw_get::<Value>("format")?,
            vt.raw_get::<Value>("string")?,
        ) {
            let (f, s) = (f.as_bytes(), s.as_bytes());
            if out.resp3() {
                out.extend_from_slice(format!("={}\r\n", s.len() + 4).as_bytes());
                let mut fmt = f.to_vec();
                fmt.resize(3, b' ');
                out.extend_from_slice(&fmt);
                out.push(b':');
                out.extend_from_slice(&s);
                out.extend_from_slice(b"\r\n");
            } else {
                resp::bulk(out, &s);
            }
            return Ok(());
        }
    }
    if let Value::Table(m) = t.raw_get::<Value>("map")? {
        let pairs: Vec<(Value, Value)> = m.pairs::<Value, Value>().collect::<mlua::Result<_>>()?;
        resp::map(out, pairs.len());
        for (k, v) in &pairs {
            write_reply(out, k, resp3, depth + 1)?;
            write_reply(out, v, resp3, depth + 1)?;
        }
        return Ok(());
    }
    if let Value::Table(s) = t.raw_get::<Value>("set")? {
        let keys: Vec<Value> = s
            .pairs::<Value, Value>()
            .map(|p| p.map(|(k, _)| k))
            .collect::<mlua::Result<_>>()?;
        resp::set(out, keys.len());
        for k in &keys {
            write_reply(out, k, resp3, depth + 1)?;
        }
        return Ok(());
    }
    let mut items = Vec::new();
    loop {
        let v: Value = t.raw_get(items.len() + 1)?;
        if v.is_nil() {
            break;
        }
        items.push(v);
    }
    resp::array(out, items.len());
    for v in &items {
        write_reply(out, v, resp3, depth + 1)?;
    }
    Ok(())
}

/// `addReplyDouble`: RESP3 `,d`; RESP2 the `%.17g` text as a bulk string.
fn write_double(out: &mut Reply<'_>, d: f64) -> mlua::Result<()> {
    let mut buf = [0u8; 32];
    let text = fmt_double(d, &mut buf);
    if out.resp3() {
        out.push(b',');
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    } else {
        resp::bulk(out, text);
    }
    Ok(())
}
