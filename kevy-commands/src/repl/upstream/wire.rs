//! The link's wire: reading the primary's replies and snapshot, sending
//! it commands, measuring whole commands of its stream, and the loopback
//! connection ([`Local`]) that applies the stream to this server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use super::{err, shrink, Result};
use crate::accounting::Shared;
use crate::base::resp;

/// `r.read(buf)`, again when a signal interrupted it (a stopped and
/// continued process must not lose its link).
pub(super) fn read_again(r: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => return other.map_err(err),
        }
    }
}

pub(super) fn ack(out: &mut TcpStream, offset: u64) -> Result<()> {
    let offset = offset.to_string();
    let argv: [&[u8]; 3] = [b"REPLCONF", b"ACK", offset.as_bytes()];
    out.write_all(&encode(&argv)).map_err(err)
}

/// Reads the snapshot: `$<length>` then that many bytes, or a diskless
/// `$EOF:<40-byte mark>` then bytes up to the mark. Newlines before it are
/// the primary's keepalives.
pub(super) fn read_snapshot(r: &mut BufReader<TcpStream>) -> Result<Vec<u8>> {
    let mut line = String::new();
    while line.trim().is_empty() {
        line.clear();
        if r.read_line(&mut line).map_err(err)? == 0 {
            return Err("the primary closed the link before the snapshot".into());
        }
    }
    let head = line.trim_end();
    let Some(rest) = head.strip_prefix('$') else {
        return Err(format!("expected the snapshot, got {head}"));
    };
    if let Some(mark) = rest.strip_prefix("EOF:") {
        let mark = mark.as_bytes().to_vec();
        let mut data = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = read_again(r, &mut chunk)?;
            if n == 0 {
                return Err("the primary closed the link inside the snapshot".into());
            }
            data.extend_from_slice(&chunk[..n]);
            if data.ends_with(&mark) {
                data.truncate(data.len() - mark.len());
                return Ok(data);
            }
        }
    }
    let len: usize = rest.parse().map_err(|_| format!("bad length {head}"))?;
    let mut data = vec![0; len];
    r.read_exact(&mut data).map_err(err)?;
    Ok(data)
}

/// Sends one command and reads its one-line reply (the handshake's).
pub(super) fn call(
    out: &mut TcpStream,
    r: &mut BufReader<TcpStream>,
    argv: &[&[u8]],
) -> Result<String> {
    out.write_all(&encode(argv)).map_err(err)?;
    let mut line = String::new();
    while line.trim().is_empty() {
        line.clear();
        if r.read_line(&mut line).map_err(err)? == 0 {
            return Err("the primary closed the link".into());
        }
    }
    Ok(line.trim_end().to_string())
}

/// `argv` as a RESP command.
pub(super) fn encode<A: AsRef<[u8]>>(argv: &[A]) -> Vec<u8> {
    let mut out = Vec::new();
    resp::array(&mut out, argv.len());
    for a in argv {
        resp::bulk(&mut out, a.as_ref());
    }
    out
}

/// One command of the stream (a RESP array of bulk strings) at the start
/// of `b`, and the bytes it took; `None` until it is complete.
pub(super) fn parse_command(b: &[u8]) -> Option<(Vec<Vec<u8>>, usize)> {
    let (n, mut at) = header(b, 0, b'*')?;
    let mut argv = Vec::with_capacity(n);
    for _ in 0..n {
        let (len, start) = header(b, at, b'$')?;
        let end = start.checked_add(len)?;
        if b.len() < end + 2 {
            return None;
        }
        argv.push(b[start..end].to_vec());
        at = end + 2;
    }
    Some((argv, at))
}

/// `<tag><n>\r\n` at `at`: `n` and where what follows starts.
pub(super) fn header(b: &[u8], at: usize, tag: u8) -> Option<(usize, usize)> {
    if *b.get(at)? != tag {
        return None;
    }
    let end = at + b.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
    let n = std::str::from_utf8(&b[at + 1..end]).ok()?.parse().ok()?;
    Some((n, end + 2))
}

/// Length of the RESP2 reply at the start of `b`, once complete.
pub(super) fn reply_len(b: &[u8]) -> Option<usize> {
    let end = b.windows(2).position(|w| w == b"\r\n")?;
    match b.first()? {
        b'+' | b'-' | b':' => Some(end + 2),
        b'$' => {
            let n: i64 = std::str::from_utf8(&b[1..end]).ok()?.parse().ok()?;
            if n < 0 {
                return Some(end + 2);
            }
            let total = end + 2 + n as usize + 2;
            (b.len() >= total).then_some(total)
        }
        b'*' => {
            let n: i64 = std::str::from_utf8(&b[1..end]).ok()?.parse().ok()?;
            let mut at = end + 2;
            for _ in 0..n.max(0) {
                at += reply_len(&b[at..])?;
            }
            Some(at)
        }
        _ => None,
    }
}

/// The loopback connection that applies the stream.
pub(super) struct Local {
    sock: TcpStream,
    buf: Vec<u8>,
}

impl Local {
    /// Connects to this server and shows the link's `secret`.
    pub(super) fn connect(shared: &Shared, secret: &str) -> Result<Local> {
        let port = shared.listening_port() as u16;
        let sock = TcpStream::connect(("127.0.0.1", port)).map_err(err)?;
        let _ = sock.set_nodelay(true);
        let mut local = Local {
            sock,
            buf: Vec::new(),
        };
        // Under `requirepass` the connection authenticates first (the
        // secret then makes it the link whatever the ACL says).
        let pass = shared.config.get("requirepass").unwrap_or_default();
        if !pass.is_empty() {
            let reply = local.call(&[b"AUTH", pass.as_bytes()])?;
            if reply != "+OK" {
                return Err(format!("the local link could not authenticate: {reply}"));
            }
        }
        let reply = local.call(&[b"REPLCONF", b"MASTER-LINK", secret.as_bytes()])?;
        if reply != "+OK" {
            return Err(format!("the local link was refused: {reply}"));
        }
        Ok(local)
    }

    pub(super) fn send<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Result<()> {
        self.sock.write_all(&encode(argv)).map_err(err)
    }

    /// Reads and drops `n` replies.
    pub(super) fn skip_replies(&mut self, n: usize) -> Result<()> {
        for _ in 0..n {
            self.reply()?;
        }
        Ok(())
    }

    fn reply(&mut self) -> Result<Vec<u8>> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            if let Some(n) = reply_len(&self.buf) {
                let reply = self.buf.drain(..n).collect();
                shrink(&mut self.buf);
                return Ok(reply);
            }
            let n = read_again(&mut self.sock, &mut chunk)?;
            if n == 0 {
                return Err("the local link closed".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends one command and returns its reply's first line.
    pub(super) fn call(&mut self, argv: &[&[u8]]) -> Result<String> {
        self.send(argv)?;
        let r = self.reply()?;
        let text = String::from_utf8_lossy(&r).into_owned();
        Ok(text.lines().next().unwrap_or_default().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_commands_are_taken_whole() {
        let cmd = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n";
        let (argv, used) = parse_command(cmd).expect("a command");
        assert_eq!(argv, [b"SELECT".to_vec(), b"0".to_vec()]);
        assert_eq!(parse_command(&cmd[used..]).map(|c| c.1), Some(14));
        for cut in 1..used {
            assert_eq!(parse_command(&cmd[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn replies_are_measured_whole() {
        let r = b"*2\r\n+QUEUED\r\n*2\r\n$1\r\na\r\n$-1\r\n:1\r\n";
        assert_eq!(reply_len(r), Some(r.len() - 4));
        assert_eq!(reply_len(b"$3\r\nab"), None);
        assert_eq!(reply_len(b"-ERR x\r\n"), Some(8));
    }
}
