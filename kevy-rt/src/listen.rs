//! Binding the listeners: every `bind` address, one listener per shard on
//! each (`SO_REUSEPORT`, after a moment's exclusive claim of the port), the
//! optional addresses (`-addr`) skipped where the machine lacks them, and
//! the Unix socket.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;

use mio::net::TcpListener;
use socket2::{Domain, Protocol, Socket, Type};

/// `n` listeners on `addr` (one per shard), and the address they got.
pub(crate) fn listen_n(
    addr: SocketAddr,
    n: usize,
    backlog: i32,
) -> io::Result<(Vec<TcpListener>, SocketAddr)> {
    let bound = claim(addr)?;
    listen_n_unclaimed(bound, n, backlog)
}

/// `n` listeners on `addr` without claiming it first.
fn listen_n_unclaimed(
    addr: SocketAddr,
    n: usize,
    backlog: i32,
) -> io::Result<(Vec<TcpListener>, SocketAddr)> {
    let mut out = Vec::with_capacity(n);
    let mut bound = addr;
    for _ in 0..n {
        let l = listen(bound, backlog)?;
        bound = l.local_addr()?;
        out.push(l);
    }
    Ok((out, bound))
}

/// Listeners bound on all of `addrs` (`host:port`, optional ones skipped
/// when their address is unavailable), `n` per address (one per shard):
/// per shard its listeners, and the addresses bound. On an error, whether
/// it was a port picked for the first address already taken on a later
/// one (worth another try).
#[allow(clippy::type_complexity)]
pub(crate) fn bind_listeners(
    addrs: &[(String, bool)],
    n: usize,
    backlog: i32,
) -> Result<(Vec<Vec<TcpListener>>, Vec<SocketAddr>), (io::Error, bool)> {
    bind_listeners_beside(addrs, n, backlog, &[])
}

/// [`bind_listeners`] while the server already listens on `current`: a
/// port among theirs is not claimed first (the server's own listeners hold
/// it; the new ones join them through `SO_REUSEPORT` until the old close).
#[allow(clippy::type_complexity)]
pub(crate) fn bind_listeners_beside(
    addrs: &[(String, bool)],
    n: usize,
    backlog: i32,
    current: &[SocketAddr],
) -> Result<(Vec<Vec<TcpListener>>, Vec<SocketAddr>), (io::Error, bool)> {
    let mut listeners: Vec<Vec<TcpListener>> = (0..n).map(|_| Vec::new()).collect();
    let mut bound_addrs: Vec<SocketAddr> = Vec::new();
    for (text, optional) in addrs {
        let resolved = match text.to_socket_addrs() {
            Ok(mut a) => a
                .next()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind")),
            Err(e) => Err(e),
        };
        let mut addr = match resolved {
            Ok(a) => a,
            Err(_) if *optional => continue,
            Err(e) => return Err((e, false)),
        };
        let mut borrowed = false;
        if addr.port() == 0 {
            if let Some(first) = bound_addrs.first() {
                addr.set_port(first.port());
                borrowed = true;
            }
        }
        let ours = addr.port() != 0 && current.iter().any(|c| c.port() == addr.port());
        let listened = if ours {
            listen_n_unclaimed(addr, n, backlog)
        } else {
            listen_n(addr, n, backlog)
        };
        match listened {
            Ok((ls, bound)) => {
                for (shard, l) in ls.into_iter().enumerate() {
                    listeners[shard].push(l);
                }
                bound_addrs.push(bound);
            }
            Err(e) if *optional && unavailable(&e) => continue,
            Err(e) => {
                let again = borrowed && e.kind() == io::ErrorKind::AddrInUse;
                return Err((e, again));
            }
        }
    }
    Ok((listeners, bound_addrs))
}

/// The address or its protocol does not exist on this machine (what an
/// optional bind address may hit), as opposed to, say, the port being taken.
fn unavailable(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::EADDRNOTAVAIL
                | libc::EAFNOSUPPORT
                | libc::EPROTONOSUPPORT
                | libc::ENOPROTOOPT
                | libc::ESOCKTNOSUPPORT
                | libc::EPFNOSUPPORT
        )
    )
}

/// Binds `addr` alone for a moment (no `SO_REUSEPORT`) and lets it go,
/// giving back the address (port 0: the port the kernel chose). The shards'
/// listeners share their port through `SO_REUSEPORT`, which shares it as
/// gladly with another process's listeners: a second server started on a
/// port in use would silently take part of the clients. Here a port in use
/// fails, as Redis's bind does ("Address already in use").
fn claim(addr: SocketAddr) -> io::Result<SocketAddr> {
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    sock.bind(&addr.into())?;
    sock.local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP address"))
}

fn listen(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        // As Redis: an IPv6 listener takes IPv6 only, so `0.0.0.0` and `::`
        // can share a port.
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    sock.set_reuse_port(true)?;
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    sock.listen(backlog)?;
    Ok(TcpListener::from_std(sock.into()))
}

pub(crate) fn listen_unix(
    path: &Path,
    perm: Option<u32>,
) -> io::Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let l = std::os::unix::net::UnixListener::bind(path)?;
    if let Some(mode) = perm {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    l.set_nonblocking(true)?;
    Ok(l)
}
