//! `HELLO [protover [AUTH username password] [SETNAME clientname]]`: picks
//! the connection's protocol (RESP2 or RESP3) and describes the server, as
//! redis-server 7.0 does; `AUTH` authenticates as `AUTH user pass` does
//! (`family::acl`), and an unauthenticated connection is refused.

use kevy_rt::Flow;

use super::Local;
use crate::accounting::REDIS_VERSION;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::family::opts::{keyword, set_name};

/// What a HELLO asks for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Hello<'a> {
    /// The protocol asked for (2 or 3), if any.
    proto: Option<i64>,
    /// `AUTH username password` (the last one given).
    auth: Option<(&'a [u8], &'a [u8])>,
    /// `SETNAME clientname` (the last one given).
    name: Option<&'a [u8]>,
}

/// Parses HELLO's arguments (verb included) in Redis's order: the protocol
/// version first, then the options. Also returns the positions of the AUTH
/// credentials parsed, even when a later option is wrong: Redis redacts
/// them from MONITOR and the slow log as it parses.
fn parse<'a>(args: &[&'a [u8]]) -> (Result<Hello<'a>, Vec<u8>>, Vec<usize>) {
    let mut hello = Hello::default();
    let mut secret = Vec::new();
    let Some(&ver) = args.get(1) else {
        return (Ok(hello), secret);
    };
    let Some(ver) = parse_i64(ver) else {
        let e = b"ERR Protocol version is not an integer or out of range";
        return (Err(e.to_vec()), secret);
    };
    if !(2..=3).contains(&ver) {
        return (
            Err(b"NOPROTO unsupported protocol version".to_vec()),
            secret,
        );
    }
    hello.proto = Some(ver);
    let mut j = 2;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = args[j];
        if keyword(opt, "auth") && more >= 2 {
            hello.auth = Some((args[j + 1], args[j + 2]));
            secret.extend([j + 1, j + 2]);
            j += 3;
        } else if keyword(opt, "setname") && more >= 1 {
            hello.name = Some(args[j + 1]);
            j += 2;
        } else {
            let mut e = b"ERR Syntax error in HELLO option '".to_vec();
            e.extend_from_slice(crate::base::error::cstr(opt));
            e.push(b'\'');
            return (Err(e), secret);
        }
    }
    (Ok(hello), secret)
}

/// The positions of the arguments Redis redacts from MONITOR and the slow
/// log (`(redacted)`): each AUTH option's username and password that HELLO
/// parsed before it stopped (at an invalid version or option).
pub fn redacted(args: kevy_rt::Args<'_>) -> Vec<usize> {
    let args: Vec<&[u8]> = args.iter().collect();
    parse(&args).1
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub fn hello(c: &mut Local<'_>) -> Flow {
    let args: Vec<&[u8]> = c.args.iter().collect();
    let h = match parse(&args).0 {
        Ok(h) => h,
        Err(e) => {
            crate::base::error::write_sanitized(c.out, &e);
            return Flow::Continue;
        }
    };
    if let Some((user, pass)) = h.auth {
        if !crate::family::acl::hello_auth(c, user, pass) {
            return Flow::Continue;
        }
    }
    if let Some(name) = h.name {
        if let Err(e) = set_name(c, name) {
            resp::error(c.out, e);
            return Flow::Continue;
        }
    }
    if !c.session.authenticated {
        resp::error(c.out, b"NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        return Flow::Continue;
    }
    if let Some(ver) = h.proto {
        c.session.resp3 = ver == 3;
        c.out.set_resp3(ver == 3);
        if c.session.subscribed {
            crate::family::pubsub::set_protocol(&mut c.shard.pubsub, c.session, c.cx.conn);
        }
    }
    let out = &mut *c.out;
    resp::map(out, 7);
    resp::bulk(out, b"server");
    resp::bulk(out, b"redis");
    resp::bulk(out, b"version");
    resp::bulk(out, REDIS_VERSION.as_bytes());
    resp::bulk(out, b"proto");
    resp::int(out, if c.session.resp3 { 3 } else { 2 });
    resp::bulk(out, b"id");
    resp::int(out, c.cx.client.id as i64);
    resp::bulk(out, b"mode");
    resp::bulk(out, b"standalone");
    resp::bulk(out, b"role");
    resp::bulk(out, b"master");
    resp::bulk(out, b"modules");
    resp::array(out, 0);
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Hello<'static>, String> {
        let args: Vec<&'static [u8]> = args
            .iter()
            .map(|a| &*Box::leak(a.as_bytes().to_vec().into_boxed_slice()))
            .collect();
        parse(&args).0.map_err(|e| String::from_utf8(e).unwrap())
    }

    #[test]
    fn parses_like_redis() {
        assert_eq!(p(&["HELLO"]).unwrap().proto, None);
        assert_eq!(p(&["HELLO", "3"]).unwrap().proto, Some(3));
        let h = p(&[
            "hello", "2", "auth", "u", "p", "setname", "a", "SETNAME", "b",
        ])
        .unwrap();
        assert_eq!(h.auth, Some((&b"u"[..], &b"p"[..])));
        assert_eq!(h.name, Some(&b"b"[..]));
        let redacted = |args: &[&str]| {
            let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
            super::redacted(kevy_rt::OwnedArgs::from_iter(args.iter().copied()).args())
        };
        assert_eq!(redacted(&["HELLO", "3", "AUTH", "u", "p"]), [3, 4]);
        assert_eq!(
            redacted(&["HELLO", "3", "SETNAME", "n", "AUTH", "u", "p", "AUTH", "v", "q"]),
            [5, 6, 8, 9]
        );
        assert_eq!(
            redacted(&["HELLO", "3", "AUTH", "u", "p", "FOO", "AUTH", "v", "q"]),
            [3, 4]
        );
        assert!(redacted(&["HELLO", "4", "AUTH", "u", "p"]).is_empty());
        assert!(redacted(&["HELLO", "3", "AUTH", "u"]).is_empty());
        for (args, err) in [
            (&["HELLO", "4"][..], "NOPROTO unsupported protocol version"),
            (
                &["HELLO", "1", "FOO"],
                "NOPROTO unsupported protocol version",
            ),
            (
                &["HELLO", "x"],
                "ERR Protocol version is not an integer or out of range",
            ),
            (
                &["HELLO", "3", "AUTH", "default"],
                "ERR Syntax error in HELLO option 'AUTH'",
            ),
            (
                &["HELLO", "3", "SETNAME", "my", "name"],
                "ERR Syntax error in HELLO option 'name'",
            ),
            (
                &["HELLO", "3", "SetName"],
                "ERR Syntax error in HELLO option 'SetName'",
            ),
        ] {
            assert_eq!(p(args).unwrap_err(), err, "{args:?}");
        }
    }
}
