//! `struct.pack`, `struct.unpack` and `struct.size`: Roberto Ierusalimschy's
//! `struct` library as Redis 7.0 ships it (`deps/lua/src/lua_struct.c`),
//! on a 64-bit little-endian machine (`long` and `size_t` of 8 bytes,
//! `int` of 4, doubles aligned to 8).
//!
//! Formats: `>` big endian, `<` little endian, `![n]` alignment (8 by
//! default), `x` padding, `b`/`B` `h`/`H` `l`/`L` signed/unsigned
//! byte, short, long, `T` size_t, `i[n]`/`I[n]` integers of n bytes (4 by
//! default, at most 32), `c[n]` n chars (pack: 0 is the whole string;
//! unpack: 0 takes the length from the previous number), `s` a
//! zero-terminated string, `f` float, `d` double, space ignored. Errors
//! and their texts are the C library's, quirks included (a short string's
//! error names the argument after it).

use mlua::{Lua, MultiValue, Value};

use crate::script::values::{fail_plain as fail, lua_number_text, ok};

/// The most bytes an integer format may take.
const MAXINTSIZE: usize = 32;
/// `!` without a number: the alignment of a double.
const MAXALIGN: usize = 8;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endian {
    Big,
    Little,
}

/// Endianness and alignment (`Header`).
struct Header {
    endian: Endian,
    align: usize,
}

impl Header {
    fn new() -> Header {
        Header {
            endian: Endian::Little,
            align: 1,
        }
    }
}

/// An error raised as the C library raises it (`luaL_error`, with the
/// caller's position added by the trampoline).
struct Raise(String);

/// `luaL_argerror(n, msg)` from function `f`.
fn arg_error(n: usize, f: &str, msg: &str) -> Raise {
    Raise(format!("bad argument #{n} to '{f}' ({msg})"))
}

/// Lua's type name of a value, for "expected, got …" (none: `no value`).
fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_) | Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        Some(Value::LightUserData(_)) => "userdata",
        Some(_) => "userdata",
    }
}

/// `lua_tonumber`: numbers, and strings that read as one.
fn to_number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Integer(n) => Some(*n as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => {
            let t = s.to_str().ok()?;
            let t = t.trim();
            if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                return u64::from_str_radix(hex, 16).ok().map(|n| n as f64);
            }
            t.parse::<f64>().ok()
        }
        _ => None,
    }
}

/// `luaL_checknumber(arg)`.
fn check_number(args: &MultiValue, arg: usize, f: &str) -> Result<f64, Raise> {
    let v = args.get(arg - 1);
    to_number(v).ok_or_else(|| arg_error(arg, f, &format!("number expected, got {}", type_name(v))))
}

/// `luaL_checklstring(arg)`: strings, and numbers as `%.14g`.
fn check_string(args: &MultiValue, arg: usize, f: &str) -> Result<Vec<u8>, Raise> {
    match args.get(arg - 1) {
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Integer(n)) => Ok(n.to_string().into_bytes()),
        Some(Value::Number(n)) => Ok(lua_number_text(*n).into_bytes()),
        v => Err(arg_error(
            arg,
            f,
            &format!("string expected, got {}", type_name(v)),
        )),
    }
}

/// The format string up to its first NUL (a C string).
fn format(args: &MultiValue, f: &str) -> Result<Vec<u8>, Raise> {
    let mut fmt = check_string(args, 1, f)?;
    if let Some(end) = fmt.iter().position(|&b| b == 0) {
        fmt.truncate(end);
    }
    Ok(fmt)
}

/// `getnum`: the digits at `*at`, or `default`.
fn getnum(fmt: &[u8], at: &mut usize, default: usize) -> Result<usize, Raise> {
    if !fmt.get(*at).is_some_and(u8::is_ascii_digit) {
        return Ok(default);
    }
    let mut a: i64 = 0;
    while let Some(&d) = fmt.get(*at).filter(|d| d.is_ascii_digit()) {
        let d = i64::from(d - b'0');
        if a > i64::from(i32::MAX) / 10 || a * 10 > i64::from(i32::MAX) - d {
            return Err(Raise("integral size overflow".into()));
        }
        a = a * 10 + d;
        *at += 1;
    }
    Ok(a as usize)
}

/// `optsize`: the size of option `opt` (digits after `c`, `i`, `I` read).
fn optsize(opt: u8, fmt: &[u8], at: &mut usize) -> Result<usize, Raise> {
    Ok(match opt {
        b'B' | b'b' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'x' => 1,
        b'c' => getnum(fmt, at, 1)?,
        b'i' | b'I' => {
            let sz = getnum(fmt, at, 4)?;
            if sz > MAXINTSIZE {
                return Err(Raise(format!(
                    "integral size {sz} is larger than limit of {MAXINTSIZE}"
                )));
            }
            sz
        }
        _ => 0,
    })
}

/// `gettoalign`: padding before an item of `size` at offset `len`.
fn gettoalign(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    size.wrapping_sub(len & size.wrapping_sub(1)) & size.wrapping_sub(1)
}

/// `controloptions`: endianness, alignment, space; anything else is an
/// invalid option.
fn control(opt: u8, fmt: &[u8], at: &mut usize, h: &mut Header, f: &str) -> Result<(), Raise> {
    match opt {
        b' ' => Ok(()),
        b'>' => {
            h.endian = Endian::Big;
            Ok(())
        }
        b'<' => {
            h.endian = Endian::Little;
            Ok(())
        }
        b'!' => {
            let a = getnum(fmt, at, MAXALIGN)?;
            if !a.is_power_of_two() {
                return Err(Raise(format!("alignment {a} is not a power of 2")));
            }
            h.align = a;
            Ok(())
        }
        _ => Err(arg_error(
            1,
            f,
            &format!("invalid format option '{}'", opt as char),
        )),
    }
}

/// `struct.pack(fmt, v…)`.
pub(crate) fn pack(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    match pack_bytes(&args) {
        Ok(b) => Ok(ok([Value::String(lua.create_string(&b)?)])),
        Err(Raise(msg)) => fail(lua, &msg),
    }
}

fn pack_bytes(args: &MultiValue) -> Result<Vec<u8>, Raise> {
    const F: &str = "pack";
    let fmt = format(args, F)?;
    // The C library pushes a nil after its arguments (a mark before its
    // string buffer): the first missing value reads as `nil`, the next ones
    // as `no value`.
    let mut marked = args.clone();
    marked.push_back(Value::Nil);
    let args = &marked;
    let mut h = Header::new();
    let mut arg = 2;
    let mut total = 0usize;
    let mut out = Vec::new();
    let mut at = 0;
    while at < fmt.len() {
        let opt = fmt[at];
        at += 1;
        let mut size = optsize(opt, &fmt, &mut at)?;
        let pad = gettoalign(total, &h, opt, size);
        total = total.wrapping_add(pad);
        out.resize(out.len() + pad, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = check_number(args, arg, F)?;
                arg += 1;
                let mut value = if n < 0.0 { n as i64 as u64 } else { n as u64 };
                let mut buf = [0u8; MAXINTSIZE];
                for k in 0..size {
                    let i = if h.endian == Endian::Little {
                        k
                    } else {
                        size - 1 - k
                    };
                    buf[i] = (value & 0xff) as u8;
                    value >>= 8;
                }
                out.extend_from_slice(&buf[..size]);
            }
            b'x' => out.push(0),
            b'f' => {
                let v = check_number(args, arg, F)? as f32;
                arg += 1;
                out.extend_from_slice(&match h.endian {
                    Endian::Little => v.to_le_bytes(),
                    Endian::Big => v.to_be_bytes(),
                });
            }
            b'd' => {
                let v = check_number(args, arg, F)?;
                arg += 1;
                out.extend_from_slice(&match h.endian {
                    Endian::Little => v.to_le_bytes(),
                    Endian::Big => v.to_be_bytes(),
                });
            }
            b'c' | b's' => {
                let s = check_string(args, arg, F)?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    // The C library checks after moving to the next argument.
                    return Err(arg_error(arg, F, "string too short"));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                    size += 1;
                }
            }
            _ => control(opt, &fmt, &mut at, &mut h, F)?,
        }
        total = total.wrapping_add(size);
    }
    Ok(out)
}

/// `getinteger`: `size` bytes as an integer (the low 64 bits), sign
/// extended when `signed`.
fn getinteger(buf: &[u8], endian: Endian, signed: bool) -> f64 {
    let mut l: u64 = 0;
    let size = buf.len();
    for k in 0..size {
        let i = if endian == Endian::Big {
            k
        } else {
            size - 1 - k
        };
        l = (l << 8) | u64::from(buf[i]);
    }
    if !signed {
        return l as f64;
    }
    // The C shift by `size*8 - 1` takes its count modulo 64 on x86-64.
    let mask = u64::MAX.wrapping_shl((size as u32 * 8).wrapping_sub(1));
    if l & mask != 0 {
        l |= mask;
    }
    l as i64 as f64
}

/// `struct.unpack(fmt, data [, pos])`: the values, then the position
/// after them.
pub(crate) fn unpack(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    const F: &str = "unpack";
    let parsed = (|| {
        let fmt = format(&args, F)?;
        let data = check_string(&args, 2, F)?;
        let pos = match args.get(2) {
            None | Some(Value::Nil) => 1usize,
            v => match to_number(v) {
                Some(n) => n as i64 as usize,
                None => {
                    return Err(arg_error(
                        3,
                        F,
                        &format!("number expected, got {}", type_name(v)),
                    ))
                }
            },
        };
        if pos == 0 {
            return Err(arg_error(3, F, "offset must be 1 or greater"));
        }
        Ok((fmt, data, pos - 1))
    })();
    let (fmt, data, mut pos) = match parsed {
        Ok(x) => x,
        Err(Raise(msg)) => return fail(lua, &msg),
    };
    let ld = data.len();
    let mut h = Header::new();
    let mut results: Vec<Value> = Vec::new();
    let mut at = 0;
    let too_short = || arg_error(2, F, "data string too short");
    while at < fmt.len() {
        let opt = fmt[at];
        at += 1;
        let step = (|| -> Result<usize, Raise> {
            let mut size = optsize(opt, &fmt, &mut at)?;
            pos = pos.wrapping_add(gettoalign(pos, &h, opt, size));
            if !(size <= ld && pos <= ld - size) {
                return Err(too_short());
            }
            match opt {
                b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                    let v = getinteger(&data[pos..pos + size], h.endian, opt.is_ascii_lowercase());
                    results.push(Value::Number(v));
                }
                b'x' => {}
                b'f' => {
                    let mut b = [0u8; 4];
                    b.copy_from_slice(&data[pos..pos + 4]);
                    let v = match h.endian {
                        Endian::Little => f32::from_le_bytes(b),
                        Endian::Big => f32::from_be_bytes(b),
                    };
                    results.push(Value::Number(f64::from(v)));
                }
                b'd' => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&data[pos..pos + 8]);
                    let v = match h.endian {
                        Endian::Little => f64::from_le_bytes(b),
                        Endian::Big => f64::from_be_bytes(b),
                    };
                    results.push(Value::Number(v));
                }
                b'c' => {
                    if size == 0 {
                        let prev = results.last().and_then(|v| to_number(Some(v)));
                        let Some(n) = prev else {
                            return Err(Raise("format 'c0' needs a previous size".into()));
                        };
                        size = n as i64 as usize;
                        results.pop();
                        if !(size <= ld && pos <= ld - size) {
                            return Err(too_short());
                        }
                    }
                    results.push(Value::String(
                        lua.create_string(&data[pos..pos + size])
                            .map_err(|e| Raise(e.to_string()))?,
                    ));
                }
                b's' => {
                    let Some(len) = data[pos..].iter().position(|&b| b == 0) else {
                        return Err(Raise("unfinished string in data".into()));
                    };
                    size = len + 1;
                    results.push(Value::String(
                        lua.create_string(&data[pos..pos + len])
                            .map_err(|e| Raise(e.to_string()))?,
                    ));
                }
                _ => control(opt, &fmt, &mut at, &mut h, F)?,
            }
            Ok(size)
        })();
        match step {
            Ok(size) => pos = pos.wrapping_add(size),
            Err(Raise(msg)) => return fail(lua, &msg),
        }
    }
    results.push(Value::Number(pos.wrapping_add(1) as f64));
    Ok(ok(results))
}

/// `struct.size(fmt)`: the bytes `pack` makes of `fmt`.
pub(crate) fn size(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    const F: &str = "size";
    let measured = (|| {
        let fmt = format(&args, F)?;
        let mut h = Header::new();
        let mut pos = 0usize;
        let mut at = 0;
        while at < fmt.len() {
            let opt = fmt[at];
            at += 1;
            let size = optsize(opt, &fmt, &mut at)?;
            pos = pos.wrapping_add(gettoalign(pos, &h, opt, size));
            if opt == b's' {
                return Err(arg_error(1, F, "option 's' has no fixed size"));
            } else if opt == b'c' && size == 0 {
                return Err(arg_error(1, F, "option 'c0' has no fixed size"));
            }
            if !opt.is_ascii_alphanumeric() {
                control(opt, &fmt, &mut at, &mut h, F)?;
            }
            pos = pos.wrapping_add(size);
        }
        Ok(pos)
    })();
    match measured {
        Ok(n) => Ok(ok([Value::Number(n as f64)])),
        Err(Raise(msg)) => fail(lua, &msg),
    }
}
