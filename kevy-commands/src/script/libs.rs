//! The libraries Redis adds to its Lua: `bit` (LuaBitOp's functions on
//! 32-bit integers) and Redis's `math.random` (the 48-bit `lrand48`
//! generator of Redis's `rand.c`, the same sequence on every platform).
//! `cjson` ([`json`]), `cmsgpack` ([`msgpack`]) and `struct` ([`structs`]).

use std::cell::Cell;

use mlua::{Lua, MultiValue, Value};

use super::values::{fail_plain as fail, ok};

pub(crate) mod json;
pub(crate) mod msgpack;
pub(crate) mod structs;

/// Installs `bit` in the globals of `lua`.
pub(crate) fn install(lua: &Lua) -> mlua::Result<()> {
    let bit = lua.create_table()?;
    bit.set(
        "tobit",
        lua.create_function(|_, x: f64| Ok(tobit(x) as f64))?,
    )?;
    bit.set(
        "bnot",
        lua.create_function(|_, x: f64| Ok(!tobit(x) as f64))?,
    )?;
    bit.set(
        "bswap",
        lua.create_function(|_, x: f64| Ok(tobit(x).swap_bytes() as f64))?,
    )?;
    bit.set("band", fold(lua, |a, b| a & b)?)?;
    bit.set("bor", fold(lua, |a, b| a | b)?)?;
    bit.set("bxor", fold(lua, |a, b| a ^ b)?)?;
    bit.set("lshift", shift(lua, |x, n| x.wrapping_shl(n))?)?;
    bit.set(
        "rshift",
        shift(lua, |x, n| ((x as u32).wrapping_shr(n)) as i32)?,
    )?;
    bit.set("arshift", shift(lua, |x, n| x.wrapping_shr(n))?)?;
    bit.set("rol", shift(lua, |x, n| (x as u32).rotate_left(n) as i32)?)?;
    bit.set("ror", shift(lua, |x, n| (x as u32).rotate_right(n) as i32)?)?;
    bit.set(
        "tohex",
        lua.create_function(|_, (x, n): (f64, Option<f64>)| Ok(tohex(tobit(x), n.map(tobit))))?,
    )?;
    lua.globals().set("bit", bit)?;
    // `struct`'s functions are filled in by the sandbox (C trampolines).
    lua.globals().set("struct", lua.create_table()?)?;
    json::install(lua)?;
    msgpack::install(lua)
}

/// LuaBitOp's number to 32-bit integer: rounded, modulo 2^32 (the low
/// word of `x + 2^52 + 2^51`).
pub(crate) fn tobit(x: f64) -> i32 {
    (x + 6_755_399_441_055_744.0).to_bits() as u32 as i32
}

/// `bit.tohex(x [, n])`: `n` hex digits (8 by default), uppercase when
/// `n` is negative.
fn tohex(x: i32, n: Option<i32>) -> String {
    let n = n.unwrap_or(8);
    let (upper, n) = if n < 0 { (true, -n) } else { (false, n) };
    let n = n.clamp(1, 8) as usize;
    let digits = if upper {
        format!("{:08X}", x as u32)
    } else {
        format!("{:08x}", x as u32)
    };
    digits[8 - n..].to_string()
}

fn fold(lua: &Lua, f: fn(i32, i32) -> i32) -> mlua::Result<mlua::Function> {
    lua.create_function(move |_, (first, rest): (f64, mlua::Variadic<f64>)| {
        Ok(rest.iter().fold(tobit(first), |acc, &x| f(acc, tobit(x))) as f64)
    })
}

fn shift(lua: &Lua, f: fn(i32, u32) -> i32) -> mlua::Result<mlua::Function> {
    lua.create_function(move |_, (x, n): (f64, f64)| Ok(f(tobit(x), (tobit(n) & 31) as u32) as f64))
}

thread_local! {
    /// The `lrand48` state (Redis's initial seed).
    static RAND: Cell<u64> = const { Cell::new(0x1234_ABCD_330E) };
}

/// Redis's `redisLrand48`: the next 31-bit value.
fn lrand48() -> i32 {
    RAND.with(|s| {
        let x = s.get().wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB) & ((1 << 48) - 1);
        s.set(x);
        (x >> 17) as i32
    })
}

/// Lua's `luaL_checkint` on argument `i` (0-based) of `fname`: a number, or
/// a string Lua reads as one, truncated; otherwise Lua's `bad argument`
/// text naming the type it got (`no value` past the last argument).
fn check_int(args: &MultiValue, i: usize, fname: &str) -> Result<i32, String> {
    let got = match args.get(i) {
        Some(Value::Integer(n)) => return Ok(*n as i32),
        Some(Value::Number(n)) => return Ok(*n as i32),
        Some(Value::String(s)) => match s.to_str().ok().and_then(|t| lua_number(&t)) {
            Some(n) => return Ok(n as i32),
            None => "string",
        },
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        Some(_) => "userdata",
    };
    Err(format!(
        "bad argument #{} to '{fname}' (number expected, got {got})",
        i + 1
    ))
}

/// A string as Lua 5.1's `lua_tonumber` reads it: decimal or `0x` hex,
/// surrounded by optional whitespace.
fn lua_number(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        let v = u64::from_str_radix(hex, 16).ok()? as f64;
        return Some(if neg { -v } else { v });
    }
    t.parse::<f64>().ok()
}

/// `math.random([m [, n]])` on Redis's generator.
pub(crate) fn random(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let max = i32::MAX as f64;
    let r = (lrand48() % i32::MAX) as f64 / max;
    let n = match args.len() {
        0 => r,
        1 => match check_int(&args, 0, "random") {
            Ok(u) if u >= 1 => (r * u as f64).floor() + 1.0,
            Ok(_) => return fail(lua, "bad argument #1 to 'random' (interval is empty)"),
            Err(e) => return fail(lua, &e),
        },
        2 => {
            let l = match check_int(&args, 0, "random") {
                Ok(l) => l,
                Err(e) => return fail(lua, &e),
            };
            match check_int(&args, 1, "random") {
                Ok(u) if l <= u => (r * (u as f64 - l as f64 + 1.0)).floor() + l as f64,
                Ok(_) => return fail(lua, "bad argument #2 to 'random' (interval is empty)"),
                Err(e) => return fail(lua, &e),
            }
        }
        _ => return fail(lua, "wrong number of arguments"),
    };
    Ok(ok([Value::Number(n)]))
}

/// `math.randomseed(n)`: Redis's `redisSrand48` (`luaL_checkint`, so a
/// numeric string such as an `ARGV` element is a seed).
pub(crate) fn randomseed(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let seed = match check_int(&args, 0, "randomseed") {
        Ok(n) => n,
        Err(e) => return fail(lua, &e),
    };
    RAND.with(|s| s.set(((seed as u32 as u64) << 16) | 0x330E));
    Ok(ok([]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tobit_wraps_and_rounds() {
        assert_eq!(tobit(0xffff_ffffu32 as f64), -1);
        assert_eq!(tobit(2.5), 2);
        assert_eq!(tobit(-1.0), -1);
        assert_eq!(tohex(255, None), "000000ff");
        assert_eq!(tohex(255, Some(-2)), "FF");
    }

    #[test]
    fn checkint_reads_numbers_and_numeric_strings_as_lua() {
        let lua = Lua::new();
        let args = |vs: Vec<Value>| MultiValue::from_iter(vs);
        let s = |t: &str| Value::String(lua.create_string(t).unwrap());
        assert_eq!(check_int(&args(vec![s(" 10 ")]), 0, "randomseed"), Ok(10));
        assert_eq!(check_int(&args(vec![s("0x10")]), 0, "randomseed"), Ok(16));
        assert_eq!(
            check_int(&args(vec![Value::Number(7.9)]), 0, "random"),
            Ok(7)
        );
        assert_eq!(
            check_int(&args(vec![s("x")]), 0, "randomseed"),
            Err("bad argument #1 to 'randomseed' (number expected, got string)".into())
        );
        assert_eq!(
            check_int(&args(vec![]), 0, "randomseed"),
            Err("bad argument #1 to 'randomseed' (number expected, got no value)".into())
        );
        assert_eq!(
            check_int(
                &args(vec![Value::Integer(1), Value::Boolean(true)]),
                1,
                "random"
            ),
            Err("bad argument #2 to 'random' (number expected, got boolean)".into())
        );
    }
}
