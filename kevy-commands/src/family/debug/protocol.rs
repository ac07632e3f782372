//! `DEBUG PROTOCOL type`: one reply of each RESP type, as Redis 7.0's
//! `debugCommand` writes them (RESP2 clients get the RESP2 shape).

use crate::base::resp::{self, Reply};

/// The reply Redis gives to `DEBUG PROTOCOL name`.
pub fn protocol(out: &mut Reply<'_>, name: &[u8]) {
    let resp3 = out.resp3();
    let is = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
    if is("string") {
        resp::bulk(out, b"Hello World");
    } else if is("integer") {
        resp::int(out, 12345);
    } else if is("double") {
        resp::double_text(out, b"3.141");
    } else if is("bignum") {
        let n = b"1234567999999999999999999999999999999";
        if resp3 {
            out.extend_from_slice(b"(");
            out.extend_from_slice(n);
            out.extend_from_slice(b"\r\n");
        } else {
            resp::bulk(out, n);
        }
    } else if is("null") {
        resp::null(out);
    } else if is("array") || is("set") {
        match is("set") {
            true => resp::set(out, 3),
            false => resp::array(out, 3),
        }
        (0..3).for_each(|j| resp::int(out, j));
    } else if is("map") {
        resp::map(out, 3);
        for j in 0..3 {
            resp::int(out, j);
            resp::boolean(out, j == 1);
        }
    } else if is("attrib") {
        if resp3 {
            out.extend_from_slice(b"|1\r\n");
            resp::bulk(out, b"key-popularity");
            resp::array(out, 2);
            resp::bulk(out, b"key:123");
            resp::int(out, 90);
        }
        resp::bulk(out, b"Some real reply following the attribute");
    } else if is("push") {
        if !resp3 {
            resp::error(out, b"ERR RESP2 is not supported by this command");
            return;
        }
        out.extend_from_slice(b">2\r\n");
        resp::bulk(out, b"server-cpu-usage");
        resp::int(out, 42);
        resp::bulk(out, b"Some real reply following the push reply");
    } else if is("true") || is("false") {
        resp::boolean(out, is("true"));
    } else if is("verbatim") {
        resp::verbatim(out, b"This is a verbatim\nstring");
    } else {
        resp::error(out, b"ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
}
