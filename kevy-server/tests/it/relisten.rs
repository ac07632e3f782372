//! `CONFIG SET port` and `CONFIG SET bind` while kevy runs: the new
//! listeners are bound first (a port in use or an address that does not
//! resolve fails with Redis's text and changes nothing), the old ones
//! refuse connections before the reply, and every shard then takes its
//! own new ones; connections already made stay.
//! And `bind-source-addr`: a replica's link leaves from that address.

use std::net::{SocketAddr, TcpListener, TcpStream};

use crate::replication::{info, kevy_in, scratch, wait_for, wait_link_up};
use crate::util::{free_port, kevy, Raw};

fn at(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Whether a new connection to `port` is refused.
fn refused(port: u16) -> bool {
    TcpStream::connect(at(port)).is_err()
}

/// PINGs through several new connections to `port` (the kernel spreads
/// them over the shards' listeners: each shard must have taken its own).
fn serves(port: u16) {
    for _ in 0..8 {
        let mut c = Raw::connect(at(port));
        assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    }
}

fn config_error(name: &str, why: &str) -> Vec<u8> {
    format!("-ERR CONFIG SET failed (possibly related to argument '{name}') - {why}\r\n")
        .into_bytes()
}

#[test]
fn config_set_port_moves_every_shard_to_the_new_port() {
    let server = kevy();
    let old = server.addr().port();
    let mut c = Raw::connect(server.addr());
    let new = free_port();
    assert_eq!(
        c.call(&["CONFIG", "SET", "port", &new.to_string()]),
        b"+OK\r\n"
    );
    // The old port refuses at once, before the shards' next tick.
    assert!(refused(old));
    serves(new);
    // The connection made before stays, and reports the new port.
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    assert_eq!(info(&mut c, "server", "tcp_port"), Some(new.to_string()));
    assert_eq!(
        c.call(&["CONFIG", "GET", "port"]),
        format!(
            "*2\r\n$4\r\nport\r\n${}\r\n{new}\r\n",
            new.to_string().len()
        )
        .into_bytes()
    );

    // A port another process listens on: refused, nothing changes.
    let taken = TcpListener::bind(at(0)).expect("a port to hold");
    let taken_port = taken.local_addr().expect("its address").port();
    assert_eq!(
        c.call(&["CONFIG", "SET", "port", &taken_port.to_string()]),
        config_error("port", "Unable to listen on this port. Check server logs.")
    );
    serves(new);
    assert_eq!(info(&mut c, "server", "tcp_port"), Some(new.to_string()));

    // Back to the first port, at once: the shards may still hold it.
    assert_eq!(
        c.call(&["CONFIG", "SET", "port", &old.to_string()]),
        b"+OK\r\n"
    );
    assert!(refused(new));
    serves(old);
    server.stop();
}

#[test]
fn config_set_bind_refuses_a_bad_address_and_can_listen_nowhere() {
    let server = kevy();
    let port = server.addr().port();
    let mut c = Raw::connect(server.addr());
    assert_eq!(
        c.call(&["CONFIG", "SET", "bind", "999.999.999.999"]),
        config_error("bind", "Failed to bind to specified addresses.")
    );
    serves(port);

    // No address: no new TCP client gets in; the connection made stays.
    assert_eq!(c.call(&["CONFIG", "SET", "bind", ""]), b"+OK\r\n");
    assert!(refused(port));
    assert_eq!(
        c.call(&["CONFIG", "GET", "bind"]),
        b"*2\r\n$4\r\nbind\r\n$0\r\n\r\n"
    );

    // An address again, with an optional one the machine lacks.
    assert_eq!(
        c.call(&["CONFIG", "SET", "bind", "127.0.0.1 -192.0.2.1"]),
        b"+OK\r\n"
    );
    serves(port);
    assert_eq!(info(&mut c, "server", "tcp_port"), Some(port.to_string()));
    server.stop();
}

#[test]
fn a_replica_links_from_bind_source_addr() {
    // Loopback is 127.0.0.0/8 on Linux: 127.0.0.2 is this machine too.
    if TcpListener::bind("127.0.0.2:0").is_err() {
        eprintln!("skipped: 127.0.0.2 cannot be bound here");
        return;
    }
    let (pdir, rdir) = (scratch("source-primary"), scratch("source-replica"));
    let primary = kevy_in(&pdir);
    let replica = kevy_in(&rdir);
    let mut p = Raw::connect(primary.addr());
    let mut r = Raw::connect(replica.addr());
    // Protected mode takes 127.0.0.1 and ::1 only, as Redis's.
    assert_eq!(
        p.call(&["CONFIG", "SET", "protected-mode", "no"]),
        b"+OK\r\n"
    );
    assert_eq!(
        r.call(&["CONFIG", "SET", "bind-source-addr", "127.0.0.2"]),
        b"+OK\r\n"
    );
    let port = primary.addr().port().to_string();
    assert_eq!(r.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    wait_link_up(&mut r);
    wait_for("the primary listing its replica", || {
        info(&mut p, "replication", "slave0").is_some()
    });
    let slave = info(&mut p, "replication", "slave0").unwrap_or_default();
    assert!(slave.starts_with("ip=127.0.0.2,"), "slave0:{slave}");
    assert_eq!(r.call(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    replica.stop();
    primary.stop();
    let _ = std::fs::remove_dir_all(&pdir);
    let _ = std::fs::remove_dir_all(&rdir);
}
