//! `cmsgpack`: Redis's lua_cmsgpack — `pack(v…)` (integral numbers as the
//! smallest integer encoding, others float 32 when exact, else float 64;
//! strings fixstr/str8/str16/str32; tables whose keys are exactly 1..n as
//! arrays, others as maps; tables nested 16 deep and unsupported types as
//! nil), `unpack(s)`, `unpack_one(s [, offset])`, `unpack_limit(s, limit
//! [, offset])`.

use mlua::{Lua, MultiValue, Table, Value};

use super::super::values::{fail_plain, ok};

/// Deepest table nesting `pack` follows (deeper tables pack as nil).
const MAX_NESTING: usize = 16;

/// Installs the `cmsgpack` table (its functions are the trampolines the
/// sandbox adds).
pub(crate) fn install(lua: &Lua) -> mlua::Result<()> {
    lua.globals().set("cmsgpack", lua.create_table()?)
}

/// `cmsgpack.pack(v…)`.
pub(crate) fn pack(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    if args.is_empty() {
        return fail_plain(
            lua,
            "bad argument #0 to 'pack' (MessagePack pack needs input.)",
        );
    }
    let mut out = Vec::new();
    for v in args.iter() {
        encode(v, &mut out, 0)?;
    }
    Ok(ok([Value::String(lua.create_string(&out)?)]))
}

fn encode(v: &Value, out: &mut Vec<u8>, level: usize) -> mlua::Result<()> {
    match v {
        Value::String(s) => bytes(&s.as_bytes(), out),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(n) => int(*n, out),
        Value::Number(n) => number(*n, out),
        Value::Table(t) if level < MAX_NESTING => table(t, out, level)?,
        _ => out.push(0xc0),
    }
    Ok(())
}

fn number(n: f64, out: &mut Vec<u8>) {
    let int_range = -9.223_372_036_854_776e18..9.223_372_036_854_776e18;
    if (n as i64) as f64 == n && int_range.contains(&n) {
        int(n as i64, out);
    } else if (n as f32) as f64 == n || n.is_nan() {
        out.push(0xca);
        out.extend_from_slice(&(n as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn bytes(s: &[u8], out: &mut Vec<u8>) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

fn header(n: usize, fix: u8, b16: u8, b32: u8, out: &mut Vec<u8>) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn table(t: &Table, out: &mut Vec<u8>, level: usize) -> mlua::Result<()> {
    // Two walks, holding one pair at a time: a table of 100,000 entries
    // collected at once would hold as many references (past Lua's stack).
    let mut max = 0.0f64;
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
            if n.is_nan() || n <= 0.0 || n.fract() != 0.0 || n > i32::MAX as f64 {
                array = false;
            } else {
                max = max.max(n);
            }
        }
        Ok(())
    })?;
    if array && max as usize == count {
        let len = t.raw_len();
        header(len, 0x90, 0xdc, 0xdd, out);
        for i in 1..=len {
            encode(&t.raw_get::<Value>(i)?, out, level + 1)?;
        }
    } else {
        header(count, 0x80, 0xde, 0xdf, out);
        t.for_each(|k: Value, v: Value| {
            encode(&k, out, level + 1)?;
            encode(&v, out, level + 1)
        })?;
    }
    Ok(())
}

/// Why a decode failed.
enum Bad {
    Missing,
    Format,
}

/// `cmsgpack.unpack(s)`: every value.
pub(crate) fn unpack(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    unpack_full(lua, args.front(), 0, 0)
}

/// `cmsgpack.unpack_one(s [, offset])`: the next offset (-1 at the end)
/// and one value.
pub(crate) fn unpack_one(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let offset = args.get(1).and_then(as_int).unwrap_or(0);
    unpack_full(lua, args.front(), 1, offset)
}

/// `cmsgpack.unpack_limit(s, limit [, offset])`.
pub(crate) fn unpack_limit(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let Some(limit) = args.get(1).and_then(as_int) else {
        return fail_plain(
            lua,
            "bad argument #2 to 'unpack_limit' (number expected, got no value)",
        );
    };
    let offset = args.get(2).and_then(as_int).unwrap_or(0);
    unpack_full(lua, args.front(), limit, offset)
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(n) => Some(*n),
        Value::Number(n) => Some(*n as i64),
        Value::String(s) => s
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .map(|n| n as i64),
        _ => None,
    }
}

fn unpack_full(lua: &Lua, s: Option<&Value>, limit: i64, offset: i64) -> mlua::Result<MultiValue> {
    let s = match s {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(Value::Integer(n)) => n.to_string().into_bytes(),
        Some(Value::Number(n)) => super::super::values::lua_number_text(*n).into_bytes(),
        _ => return fail_plain(lua, "bad argument #1 to 'unpack' (string expected)"),
    };
    let all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        return fail_plain(
            lua,
            &format!(
                "Invalid request to unpack with offset of {offset} and limit of {}.",
                s.len()
            ),
        );
    }
    if offset as usize > s.len() {
        return fail_plain(
            lua,
            &format!(
                "Start offset {offset} greater than input length {}.",
                s.len()
            ),
        );
    }
    let limit = if all { i64::MAX } else { limit };
    let mut at = offset as usize;
    let mut vals = Vec::new();
    while at < s.len() && (vals.len() as i64) < limit {
        match decode(lua, &s, &mut at)? {
            Ok(v) => vals.push(v),
            Err(Bad::Missing) => return fail_plain(lua, "Missing bytes in input."),
            Err(Bad::Format) => return fail_plain(lua, "Bad data format in input."),
        }
    }
    if !all {
        let next = if at >= s.len() { -1 } else { at as i64 };
        vals.insert(0, Value::Number(next as f64));
    }
    Ok(ok(vals))
}

fn take<'a>(s: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], Bad> {
    let b = s.get(*at..*at + n).ok_or(Bad::Missing)?;
    *at += n;
    Ok(b)
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

fn decode(lua: &Lua, s: &[u8], at: &mut usize) -> mlua::Result<Result<Value, Bad>> {
    let c = match take(s, at, 1) {
        Ok(b) => b[0],
        Err(e) => return Ok(Err(e)),
    };
    macro_rules! get {
        ($n:expr) => {
            match take(s, at, $n) {
                Ok(b) => b,
                Err(e) => return Ok(Err(e)),
            }
        };
    }
    let num = |n: f64| Ok(Ok(Value::Number(n)));
    match c {
        0x00..=0x7f => num(c as f64),
        0xe0..=0xff => num(c as i8 as f64),
        0xcc => num(get!(1)[0] as f64),
        0xcd => num(be(get!(2)) as f64),
        0xce => num(be(get!(4)) as f64),
        0xcf => num(be(get!(8)) as f64),
        0xd0 => num(get!(1)[0] as i8 as f64),
        0xd1 => num(be(get!(2)) as u16 as i16 as f64),
        0xd2 => num(be(get!(4)) as u32 as i32 as f64),
        0xd3 => num(be(get!(8)) as i64 as f64),
        0xc0 => Ok(Ok(Value::Nil)),
        0xc2 => Ok(Ok(Value::Boolean(false))),
        0xc3 => Ok(Ok(Value::Boolean(true))),
        0xca => num(f32::from_bits(be(get!(4)) as u32) as f64),
        0xcb => num(f64::from_bits(be(get!(8)))),
        0xa0..=0xbf | 0xd9 | 0xda | 0xdb | 0xc4 | 0xc5 | 0xc6 => {
            let n = match c {
                0xa0..=0xbf => (c & 0x1f) as usize,
                0xd9 | 0xc4 => get!(1)[0] as usize,
                0xda | 0xc5 => be(get!(2)) as usize,
                _ => be(get!(4)) as usize,
            };
            let b = get!(n);
            Ok(Ok(Value::String(lua.create_string(b)?)))
        }
        0x90..=0x9f | 0xdc | 0xdd => {
            let n = match c {
                0x90..=0x9f => (c & 0x0f) as usize,
                0xdc => be(get!(2)) as usize,
                _ => be(get!(4)) as usize,
            };
            let t = lua.create_table()?;
            for i in 1..=n {
                match decode(lua, s, at)? {
                    Ok(v) => t.raw_set(i, v)?,
                    Err(e) => return Ok(Err(e)),
                }
            }
            Ok(Ok(Value::Table(t)))
        }
        0x80..=0x8f | 0xde | 0xdf => {
            let n = match c {
                0x80..=0x8f => (c & 0x0f) as usize,
                0xde => be(get!(2)) as usize,
                _ => be(get!(4)) as usize,
            };
            let t = lua.create_table()?;
            for _ in 0..n {
                let k = match decode(lua, s, at)? {
                    Ok(v) => v,
                    Err(e) => return Ok(Err(e)),
                };
                let v = match decode(lua, s, at)? {
                    Ok(v) => v,
                    Err(e) => return Ok(Err(e)),
                };
                if !k.is_nil() {
                    t.raw_set(k, v)?;
                }
            }
            Ok(Ok(Value::Table(t)))
        }
        _ => Ok(Err(Bad::Format)),
    }
}
