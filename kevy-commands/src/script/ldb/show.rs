//! How the debugger shows things: Lua values (`ldbCatStackValue`), Redis
//! replies in a human form (`ldbRedisProtocolToHuman`), source lines, and
//! strings quoted as Redis's `sdscatrepr` quotes them.

use mlua::Value;

/// Nesting past which a value is not shown (`LDB_MAX_VALUES_DEPTH`:
/// `LUA_MINSTACK / 2`).
const MAX_DEPTH: usize = 10;

/// `bytes` quoted and escaped as `sdscatrepr` does.
pub(crate) fn repr(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' | b'"' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(b),
            b => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// A number as C's `%g` prints it.
pub(crate) fn number(n: f64) -> String {
    crate::script::values::printf_number(n, c"%g")
}

/// A Lua value as the debugger shows it (`ldbCatStackValueRec`): strings
/// quoted, tables as `{1; 2}` when they are arrays, `{[k]=v; …}` else,
/// functions and other references by address.
pub(crate) fn value(out: &mut Vec<u8>, v: &Value) {
    value_at(out, v, 0);
}

fn value_at(out: &mut Vec<u8>, v: &Value, level: usize) {
    if level == MAX_DEPTH {
        out.extend_from_slice(b"<max recursion level reached! Nested table?>");
        return;
    }
    let level = level + 1;
    match v {
        Value::String(s) => repr(out, &s.as_bytes()),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(n) => out.extend_from_slice(number(*n as f64).as_bytes()),
        Value::Number(n) => out.extend_from_slice(number(*n).as_bytes()),
        Value::Nil => out.extend_from_slice(b"nil"),
        Value::Table(t) => {
            let mut expected = 1.0;
            let mut array = true;
            let (mut as_array, mut as_map) = (Vec::new(), Vec::new());
            for pair in t.clone().pairs::<Value, Value>() {
                let Ok((k, v)) = pair else {
                    break;
                };
                let index = match k {
                    Value::Integer(n) => Some(n as f64),
                    Value::Number(n) => Some(n),
                    _ => None,
                };
                if array && index != Some(expected) {
                    array = false;
                }
                value_at(&mut as_array, &v, level);
                as_array.extend_from_slice(b"; ");
                as_map.push(b'[');
                value_at(&mut as_map, &k, level);
                as_map.extend_from_slice(b"]=");
                value_at(&mut as_map, &v, level);
                as_map.extend_from_slice(b"; ");
                expected += 1.0;
            }
            let shown = if array { &mut as_array } else { &mut as_map };
            shown.truncate(shown.len().saturating_sub(2));
            out.push(b'{');
            out.extend_from_slice(shown);
            out.push(b'}');
        }
        other => {
            let kind = match other {
                Value::Function(_) => "function",
                Value::UserData(_) => "userdata",
                Value::Thread(_) => "thread",
                Value::LightUserData(_) => "light-userdata",
                _ => "unknown",
            };
            out.extend_from_slice(format!("\"{kind}@{:p}\"", other.to_pointer()).as_bytes());
        }
    }
}

/// A reply (RESP2 or RESP3) in the debugger's human form
/// (`ldbRedisProtocolToHuman`): `"+OK"`, `1`, `"bulk"`, `NULL`,
/// `[1,"a"]`, `~(…)`, `{k => v,…}`, `(null)`, `#true`, `(double) 1.5`.
pub(crate) fn reply(out: &mut Vec<u8>, r: &[u8]) {
    human(out, r);
}

/// One reply of `r` appended to `out`; the bytes after it.
fn human<'a>(out: &mut Vec<u8>, r: &'a [u8]) -> &'a [u8] {
    let Some((&kind, rest)) = r.split_first() else {
        return r;
    };
    let Some(eol) = memchr::memmem::find(rest, b"\r\n") else {
        return &[];
    };
    let (line, after) = (&rest[..eol], &rest[eol + 2..]);
    let count = || {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    match kind {
        b':' => {
            out.extend_from_slice(line);
            after
        }
        b'$' => {
            let n = count();
            if n < 0 {
                out.extend_from_slice(b"NULL");
                return after;
            }
            let n = (n as usize).min(after.len());
            repr(out, &after[..n]);
            after.get(n + 2..).unwrap_or_default()
        }
        b'+' | b'-' => {
            repr(out, &r[..eol + 1]);
            after
        }
        b'*' | b'~' => {
            let n = count();
            if kind == b'*' && n < 0 {
                out.extend_from_slice(b"NULL");
                return after;
            }
            out.extend_from_slice(if kind == b'*' { b"[" } else { b"~(" });
            let mut at = after;
            for j in 0..n.max(0) {
                at = human(out, at);
                if j != n - 1 {
                    out.push(b',');
                }
            }
            out.push(if kind == b'*' { b']' } else { b')' });
            at
        }
        b'%' => {
            let n = count();
            out.push(b'{');
            let mut at = after;
            for j in 0..n.max(0) {
                at = human(out, at);
                out.extend_from_slice(b" => ");
                at = human(out, at);
                if j != n - 1 {
                    out.push(b',');
                }
            }
            out.push(b'}');
            at
        }
        b'_' => {
            out.extend_from_slice(b"(null)");
            after
        }
        b'#' => {
            out.extend_from_slice(if line.first() == Some(&b't') {
                b"#true"
            } else {
                b"#false"
            });
            after
        }
        b',' => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(line);
            after
        }
        // Big numbers, verbatim strings, attributes: Redis's debugger
        // shows nothing of them.
        _ => after,
    }
}

/// Source line `n` (1-based) as `list` shows it: `->` marks the current
/// line, `#` a breakpoint (`ldbLogSourceLine`).
pub(crate) fn source_line(lines: &[Vec<u8>], n: usize, current: bool, bp: bool) -> Vec<u8> {
    let text: &[u8] = match n.checked_sub(1).and_then(|i| lines.get(i)) {
        Some(l) => l,
        None => b"<out of range source code line>",
    };
    let prefix: &[u8] = match (current, bp) {
        (true, true) => b"->#",
        (true, false) => b"-> ",
        (false, true) => b"  #",
        (false, false) => b"   ",
    };
    let mut out = prefix.to_vec();
    out.extend_from_slice(format!("{n:<3} ").as_bytes());
    out.extend_from_slice(text);
    out
}
