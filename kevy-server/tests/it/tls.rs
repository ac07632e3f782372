//! TLS with real clients and certificates made by the test (rcgen): a CA, a
//! server certificate for `localhost`/127.0.0.1 and a client certificate it
//! signed. kevy listens for plain and TLS connections side by side on every
//! shard; the `redis` crate (`tls-rustls`), `redis-cli --tls` and a raw
//! rustls client (one byte per record) talk to it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use kevy_commands::Redis;
use kevy_rt::tls::rustls;
use kevy_rt::tls::{ClientAuth, TlsConfig};
use kevy_rt::{Runtime, Server};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use crate::util::{bulk, encode_str, noise, Raw};

/// PEM files of a test PKI, in a directory removed on drop.
pub struct Pki {
    pub dir: PathBuf,
}

impl Pki {
    /// A CA, a server certificate and a client certificate, written to a
    /// fresh directory (`ca.crt`, `server.crt/.key`, `client.crt/.key`).
    pub fn new(tag: &str) -> Pki {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("tls-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "kevy test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = ca.self_signed(&ca_key).unwrap();
        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose, name: &str| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(names).unwrap();
            p.distinguished_name.push(DnType::CommonName, name);
            p.extended_key_usages = vec![usage];
            let cert = p.signed_by(&key, &ca, &ca_key).unwrap();
            std::fs::write(dir.join(format!("{name}.crt")), cert.pem()).unwrap();
            std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
        };
        leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
            "server",
        );
        leaf(vec![], ExtendedKeyUsagePurpose::ClientAuth, "client");
        std::fs::write(dir.join("ca.crt"), ca.pem()).unwrap();
        Pki { dir }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).unwrap()
    }

    /// kevy's TLS configuration for these files.
    pub fn config(&self, client_auth: ClientAuth) -> TlsConfig {
        TlsConfig {
            cert_file: self.dir.join("server.crt"),
            key_file: self.dir.join("server.key"),
            ca_cert_file: Some(self.dir.join("ca.crt")),
            client_auth,
            ..TlsConfig::default()
        }
    }

    /// A `redis` crate client of `addr` over TLS, with the client
    /// certificate or without.
    pub fn client(&self, addr: SocketAddr, with_cert: bool) -> redis::Client {
        let certs = redis::TlsCertificates {
            client_tls: with_cert.then(|| redis::ClientTlsConfig {
                client_cert: self.read("client.crt"),
                client_key: self.read("client.key"),
            }),
            root_cert: Some(self.read("ca.crt")),
        };
        redis::Client::build_with_tls(format!("rediss://localhost:{}", addr.port()), certs).unwrap()
    }

    /// `redis-cli` arguments for a TLS connection to `addr`.
    pub fn cli_args(&self, addr: SocketAddr, with_cert: bool) -> Vec<String> {
        let mut a = vec![
            "-p".into(),
            addr.port().to_string(),
            "--tls".into(),
            "--cacert".into(),
            self.path("ca.crt"),
        ];
        if with_cert {
            a.extend([
                "--cert".into(),
                self.path("client.crt"),
                "--key".into(),
                self.path("client.key"),
            ]);
        }
        a
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// kevy on `shards` shards with a plain and a TLS listener.
pub fn kevy_tls(pki: &Pki, auth: ClientAuth, shards: usize) -> Server {
    let redis = Redis::default();
    crate::util::no_snapshots(&redis);
    let rt = Runtime::builder(redis.clone())
        .bind("127.0.0.1:0")
        .tls("127.0.0.1:0", pki.config(auth).load().expect("TLS config"))
        .shards(shards)
        .build()
        .expect("build the kevy runtime");
    redis.shared().set_listening_port(rt.local_addr().port());
    rt.start().expect("start the kevy runtime")
}

fn cli(args: &[String], cmd: &[&str]) -> (bool, String) {
    let out = Command::new("redis-cli")
        .args(args)
        .args(cmd)
        .output()
        .expect("redis-cli is installed");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success() && !text.contains("Error"), text)
}

#[test]
fn redis_crate_over_tls_on_two_and_three_shards() {
    let pki = Pki::new("crate");
    for shards in [2, 3] {
        let server = kevy_tls(&pki, ClientAuth::Required, shards);
        let tls = server.tls_addr().unwrap();
        let mut c = pki.client(tls, true).get_connection().unwrap();
        // Keys on every shard, one by one and as a multi-shard MSET/MGET.
        for i in 0..200 {
            let () = redis::cmd("SET")
                .arg(format!("k{i}"))
                .arg(i)
                .query(&mut c)
                .unwrap();
        }
        let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        let got: Vec<i64> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        assert_eq!(got, (0..200).collect::<Vec<i64>>());
        // A pipeline of 2,000 commands (written whole before any reply is read).
        let mut p = redis::pipe();
        for i in 0..1000 {
            p.cmd("INCR").arg(format!("n{}", i % 37)).ignore();
            p.cmd("GET").arg(format!("k{}", i % 200));
        }
        let gets: Vec<i64> = p.query(&mut c).unwrap();
        assert_eq!(gets.len(), 1000);
        assert!(gets.iter().enumerate().all(|(i, &v)| v == (i % 200) as i64));
        // Large values span many TLS records both ways.
        for len in [1 << 20, 3 << 20] {
            let v = noise(len, len as u64);
            let () = redis::cmd("SET").arg("big").arg(&v).query(&mut c).unwrap();
            let back: Vec<u8> = redis::cmd("GET").arg("big").query(&mut c).unwrap();
            assert!(back == v, "a {len}-byte value came back changed");
        }
        // Ten 1 MB replies pipelined: output far past the socket buffer.
        let mut p = redis::pipe();
        for _ in 0..10 {
            p.cmd("GET").arg("big");
        }
        let many: Vec<Vec<u8>> = p.query(&mut c).unwrap();
        assert!(many.iter().all(|b| b.len() == 3 << 20));
        // The plain listener serves the same data beside it.
        let mut plain = Raw::connect(server.addr());
        assert_eq!(plain.call(&["GET", "k7"]), bulk(b"7"));
        assert_eq!(plain.call(&["DBSIZE"]), b":238\r\n");
        server.stop();
    }
}

#[test]
fn client_certificates_yes_optional_no() {
    let pki = Pki::new("auth");
    let server = kevy_tls(&pki, ClientAuth::Required, 2);
    let tls = server.tls_addr().unwrap();
    // tls-auth-clients yes: no certificate, no connection.
    let refused = pki
        .client(tls, false)
        .get_connection()
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
    assert!(refused.is_err(), "a client without a certificate got in");
    let (ok, out) = cli(&pki.cli_args(tls, false), &["PING"]);
    assert!(!ok, "redis-cli without a certificate: {out}");
    let (ok, out) = cli(&pki.cli_args(tls, true), &["PING"]);
    assert!(ok && out.trim() == "PONG", "{out}");
    server.stop();

    for auth in [ClientAuth::Optional, ClientAuth::No] {
        let server = kevy_tls(&pki, auth, 2);
        let tls = server.tls_addr().unwrap();
        for with_cert in [false, true] {
            if auth == ClientAuth::No && with_cert {
                continue;
            }
            let mut c = pki.client(tls, with_cert).get_connection().unwrap();
            let pong: String = redis::cmd("PING").query(&mut c).unwrap();
            assert_eq!(pong, "PONG", "{auth:?}, certificate: {with_cert}");
        }
        server.stop();
    }
}

#[test]
fn redis_cli_over_tls() {
    let pki = Pki::new("cli");
    let server = kevy_tls(&pki, ClientAuth::Required, 2);
    let args = pki.cli_args(server.tls_addr().unwrap(), true);
    for i in 0..20 {
        let (ok, out) = cli(&args, &["SET", &format!("key:{i}"), &format!("v{i}")]);
        assert!(ok && out.trim() == "OK", "{out}");
    }
    let (ok, out) = cli(&args, &["GET", "key:13"]);
    assert!(ok && out.trim() == "v13", "{out}");
    let (ok, out) = cli(&args, &["DBSIZE"]);
    assert!(ok && out.trim() == "20", "{out}");
    // A pipe of commands through one connection (`--pipe` mode).
    let input: Vec<u8> = (0..500)
        .flat_map(|i| encode_str(&["RPUSH", "list", &i.to_string()]))
        .collect();
    let mut child = Command::new("redis-cli")
        .args(&args)
        .arg("--pipe")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("errors: 0, replies: 500"), "{text}");
    let (_, out) = cli(&args, &["LLEN", "list"]);
    assert_eq!(out.trim(), "500");
    server.stop();
}

/// A rustls client that writes its requests one byte per TLS record and
/// reads replies a few bytes at a time: every partial read and write on
/// the server side.
#[test]
fn requests_in_one_byte_records_and_tiny_reads() {
    let pki = Pki::new("bytes");
    let server = kevy_tls(&pki, ClientAuth::Required, 2);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let ca = CertificateDer::from_pem_file(pki.dir.join("ca.crt")).unwrap();
    roots.add(ca).unwrap();
    let cert = CertificateDer::from_pem_file(pki.dir.join("client.crt")).unwrap();
    let key = PrivateKeyDer::from_pem_file(pki.dir.join("client.key")).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(vec![cert], key)
        .unwrap();
    let name = "localhost".try_into().unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = TcpStream::connect(server.tls_addr().unwrap()).unwrap();
    let mut s = rustls::StreamOwned::new(conn, sock);
    let mut pipeline = Vec::new();
    let mut want = Vec::new();
    for i in 0..50 {
        let key = format!("key{i}");
        let value = format!("{}", i * 7);
        pipeline.extend(encode_str(&["SET", &key, &value]));
        pipeline.extend(encode_str(&["GET", &key]));
        want.extend_from_slice(b"+OK\r\n");
        want.extend(bulk(value.as_bytes()));
    }
    for b in &pipeline {
        s.write_all(std::slice::from_ref(b)).unwrap();
        s.flush().unwrap();
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 7];
    while got.len() < want.len() {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {} bytes", got.len());
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
    // QUIT: +OK, then the server closes (with close_notify).
    s.write_all(&encode_str(&["QUIT"])).unwrap();
    s.flush().unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert_eq!(rest, b"+OK\r\n");
    server.stop();
}

/// The binary: `--tls-port` with the files, CONFIG GET of the settings, and
/// a start-up refused with the reason when a file is wrong.
#[test]
fn the_binary_serves_tls_and_reports_its_settings() {
    let pki = Pki::new("bin");
    let port = crate::util::free_port().to_string();
    let (cert, key, ca) = (
        pki.path("server.crt"),
        pki.path("server.key"),
        pki.path("ca.crt"),
    );
    let bin = crate::binary::Binary::spawn_with(&[
        "--port",
        "0",
        "--threads",
        "2",
        "--tls-port",
        &port,
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca,
        "--tls-protocols",
        "TLSv1.2 TLSv1.3",
        "--tls-ciphersuites",
        "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
    ]);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let args = pki.cli_args(addr, true);
    let (ok, out) = cli(&args, &["CONFIG", "GET", "tls-*"]);
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let get = |name: &str| {
        let i = lines.iter().position(|l| *l == name).expect(name);
        lines[i + 1].to_string()
    };
    assert_eq!(get("tls-port"), port);
    assert_eq!(get("tls-cert-file"), cert);
    assert_eq!(get("tls-auth-clients"), "yes");
    assert_eq!(get("tls-protocols"), "TLSv1.2 TLSv1.3");
    let (_, out) = cli(&args, &["CONFIG", "SET", "tls-port", "1"]);
    assert!(
        out.starts_with("ERR") && out.contains("cannot change the TLS settings"),
        "{out}"
    );
    drop(bin);

    for (flag, value, why) in [
        ("--tls-protocols", "TLSv1.1", "TLSv1.1 is not supported"),
        (
            "--tls-ciphers",
            "RC4-MD5",
            "unsupported TLS 1.2 cipher 'RC4-MD5'",
        ),
        ("--tls-key-file", cert.as_str(), "private key"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
            .args(["--port", "0", "--tls-port", &port])
            .args(["--tls-cert-file", &cert, "--tls-ca-cert-file", &ca])
            .args(["--tls-key-file", &key, flag, value])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && text.contains(why),
            "{flag} {value}: {text}"
        );
    }
}
