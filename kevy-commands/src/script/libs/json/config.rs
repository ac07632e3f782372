//! lua-cjson's configuration functions (`cjson.encode_max_depth(n)`…), as
//! Redis's bundled lua-cjson 2.1.0 has them: each sets its option when given
//! an argument and answers the option's value. The settings belong to the
//! interpreter (one per shard thread here, as Redis has one per server)
//! and last until a new interpreter starts.

use std::cell::Cell;

use mlua::{Lua, MultiValue, Value};

use super::super::super::values::{fail_plain as fail, ok};

/// The options, with lua-cjson's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    /// Encode an excessively sparse array as an object (else an error).
    pub sparse_convert: bool,
    /// An array is excessively sparse past this many times its items (0: never).
    pub sparse_ratio: i64,
    /// Arrays up to this index are never excessively sparse.
    pub sparse_safe: i64,
    /// Deepest nesting `encode` accepts.
    pub encode_max_depth: i64,
    /// Deepest nesting `decode` accepts.
    pub decode_max_depth: i64,
    /// Significant digits of an encoded number (1 to 14).
    pub precision: i64,
    /// Kept for `encode_keep_buffer`'s answer (the encoder keeps no buffer).
    pub keep_buffer: bool,
    /// NaN and infinities: 0 refused, 1 written as `nan`/`inf`, 2 as `null`.
    pub encode_invalid: u8,
    /// Whether `decode` takes `nan`, `inf` and hexadecimal numbers.
    pub decode_invalid: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            precision: 14,
            keep_buffer: true,
            encode_invalid: 0,
            decode_invalid: true,
        }
    }
}

thread_local! {
    static CONFIG: Cell<Config> = Cell::new(Config::default());
}

/// The interpreter's current options.
pub(crate) fn get() -> Config {
    CONFIG.with(Cell::get)
}

/// Back to the defaults (a new interpreter).
pub(crate) fn reset() {
    CONFIG.with(|c| c.set(Config::default()));
}

fn set(f: impl FnOnce(&mut Config)) -> Config {
    CONFIG.with(|c| {
        let mut cfg = c.get();
        f(&mut cfg);
        c.set(cfg);
        cfg
    })
}

/// `luaL_checkinteger` and the range check of `json_integer_option`.
fn integer(name: &str, v: &Value, i: usize, min: i64, max: i64) -> Result<Option<i64>, String> {
    let n = match v {
        Value::Nil => return Ok(None),
        Value::Integer(n) => *n,
        Value::Number(n) => *n as i64,
        Value::String(s) => match std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok())
        {
            Some(n) => n as i64,
            None => {
                return Err(format!(
                    "bad argument #{i} to '{name}' (number expected, got string)"
                ))
            }
        },
        other => {
            return Err(format!(
                "bad argument #{i} to '{name}' (number expected, got {})",
                other.type_name()
            ))
        }
    };
    if n < min || n > max {
        // lua-cjson's check always names argument 1.
        return Err(format!(
            "bad argument #1 to '{name}' (expected integer between {min} and {max})"
        ));
    }
    Ok(Some(n))
}

/// `json_enum_option`: a boolean, or one of `options` by name.
fn choice(name: &str, v: &Value, i: usize, options: &[&str]) -> Result<Option<u8>, String> {
    match v {
        Value::Nil => Ok(None),
        Value::Boolean(b) => Ok(Some(*b as u8)),
        Value::String(s) => {
            let s = s.as_bytes();
            match options.iter().position(|o| o.as_bytes() == &s[..]) {
                Some(p) => Ok(Some(p as u8)),
                None => Err(format!(
                    "bad argument #{i} to '{name}' (invalid option '{}')",
                    String::from_utf8_lossy(&s)
                )),
            }
        }
        other => Err(format!(
            "bad argument #{i} to '{name}' (string expected, got {})",
            other.type_name()
        )),
    }
}

/// `json_arg_init`: at most `n` arguments.
fn arity(name: &str, args: &MultiValue, n: usize) -> Result<(), String> {
    if args.len() > n {
        return Err(format!(
            "bad argument #{} to '{name}' (found too many arguments)",
            n + 1
        ));
    }
    Ok(())
}

fn arg(args: &MultiValue, i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

fn answer(lua: &Lua, r: Result<Vec<Value>, String>) -> mlua::Result<MultiValue> {
    match r {
        Ok(v) => Ok(ok(v)),
        Err(e) => fail(lua, &e),
    }
}

const ON_OFF: &[&str] = &["off", "on"];

/// `cjson.encode_sparse_array([convert[, ratio[, safe]]])`.
pub(crate) fn encode_sparse_array(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let name = "encode_sparse_array";
    let r = (|| {
        arity(name, &args, 3)?;
        let convert = choice(name, &arg(&args, 0), 1, ON_OFF)?;
        let ratio = integer(name, &arg(&args, 1), 2, 0, i32::MAX as i64)?;
        let safe = integer(name, &arg(&args, 2), 3, 0, i32::MAX as i64)?;
        let c = set(|c| {
            if let Some(v) = convert {
                c.sparse_convert = v != 0;
            }
            if let Some(v) = ratio {
                c.sparse_ratio = v;
            }
            if let Some(v) = safe {
                c.sparse_safe = v;
            }
        });
        Ok(vec![
            Value::Boolean(c.sparse_convert),
            Value::Integer(c.sparse_ratio as _),
            Value::Integer(c.sparse_safe as _),
        ])
    })();
    answer(lua, r)
}

/// One integer option: `cjson.<name>([n])`.
fn integer_option(
    lua: &Lua,
    args: MultiValue,
    name: &str,
    (min, max): (i64, i64),
    field: fn(&mut Config) -> &mut i64,
) -> mlua::Result<MultiValue> {
    let r = (|| {
        arity(name, &args, 1)?;
        let v = integer(name, &arg(&args, 0), 1, min, max)?;
        let c = set(|c| {
            if let Some(v) = v {
                *field(c) = v;
            }
        });
        let mut c = c;
        Ok(vec![Value::Integer(*field(&mut c) as _)])
    })();
    answer(lua, r)
}

/// `cjson.encode_max_depth([depth])`.
pub(crate) fn encode_max_depth(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    integer_option(lua, args, "encode_max_depth", (1, i32::MAX as i64), |c| {
        &mut c.encode_max_depth
    })
}

/// `cjson.decode_max_depth([depth])`.
pub(crate) fn decode_max_depth(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    integer_option(lua, args, "decode_max_depth", (1, i32::MAX as i64), |c| {
        &mut c.decode_max_depth
    })
}

/// `cjson.encode_number_precision([digits])`.
pub(crate) fn encode_number_precision(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    integer_option(lua, args, "encode_number_precision", (1, 14), |c| {
        &mut c.precision
    })
}

/// `cjson.encode_keep_buffer([bool])`.
pub(crate) fn encode_keep_buffer(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let name = "encode_keep_buffer";
    let r = (|| {
        arity(name, &args, 1)?;
        let v = choice(name, &arg(&args, 0), 1, ON_OFF)?;
        let c = set(|c| {
            if let Some(v) = v {
                c.keep_buffer = v != 0;
            }
        });
        Ok(vec![Value::Boolean(c.keep_buffer)])
    })();
    answer(lua, r)
}

/// `cjson.encode_invalid_numbers([bool | "null"])`.
pub(crate) fn encode_invalid_numbers(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let name = "encode_invalid_numbers";
    let r = (|| {
        arity(name, &args, 1)?;
        let v = choice(name, &arg(&args, 0), 1, &["off", "on", "null"])?;
        let c = set(|c| {
            if let Some(v) = v {
                c.encode_invalid = v;
            }
        });
        Ok(vec![match c.encode_invalid {
            0 => Value::Boolean(false),
            1 => Value::Boolean(true),
            _ => Value::String(lua.create_string("null").map_err(|e| e.to_string())?),
        }])
    })();
    answer(lua, r)
}

/// `cjson.decode_invalid_numbers([bool])`.
pub(crate) fn decode_invalid_numbers(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let name = "decode_invalid_numbers";
    let r = (|| {
        arity(name, &args, 1)?;
        let v = choice(name, &arg(&args, 0), 1, ON_OFF)?;
        let c = set(|c| {
            if let Some(v) = v {
                c.decode_invalid = v != 0;
            }
        });
        Ok(vec![Value::Boolean(c.decode_invalid)])
    })();
    answer(lua, r)
}
