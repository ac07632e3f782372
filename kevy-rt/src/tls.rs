//! TLS as a transport: a server configuration built from PEM files
//! ([`TlsConfig`]) and the per-connection session (`TlsSession`) that
//! turns a socket's records into plaintext and back, with rustls (its `ring`
//! provider: no system OpenSSL).
//!
//! A TLS connection's session state lives with the connection on its home
//! shard: only that shard reads or writes its socket (a peer shard never
//! writes a direct reply to it, see `shard/input.rs`). The plain path does
//! not pass through here.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use rustls;
use rustls::crypto::{ring as provider, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, SupportedCipherSuite};

use crate::stream::Stream;

/// Plaintext a session takes ahead of the socket (written once encrypted):
/// output waits in the connection's buffer, not in the session.
const SEND_LIMIT: usize = 64 * 1024;

/// Whether clients must present a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// No client certificate is asked for.
    No,
    /// A certificate signed by a configured CA is required.
    #[default]
    Required,
    /// A certificate is asked for and checked if given, but not required.
    Optional,
}

/// What a TLS listener is configured from (file paths and option strings,
/// as a server's configuration names them).
#[derive(Clone, Debug, Default)]
pub struct TlsConfig {
    /// The server's certificate chain (PEM).
    pub cert_file: PathBuf,
    /// The server's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// CA certificates (PEM) that client certificates must chain to.
    pub ca_cert_file: Option<PathBuf>,
    /// A directory whose PEM files hold more such CA certificates.
    pub ca_cert_dir: Option<PathBuf>,
    /// Client certificate verification.
    pub client_auth: ClientAuth,
    /// Protocol versions, space separated (`TLSv1.2 TLSv1.3`); empty: both.
    pub protocols: String,
    /// TLS 1.2 cipher suites, colon separated (OpenSSL or IANA names); empty: all.
    pub ciphers: String,
    /// TLS 1.3 cipher suites, colon separated; empty: all.
    pub ciphersuites: String,
}

/// The cipher suites rustls offers: OpenSSL's name, then IANA's.
fn suites() -> [(&'static str, &'static str, SupportedCipherSuite); 9] {
    use provider::cipher_suite as cs;
    [
        (
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_128_GCM_SHA256",
            cs::TLS13_AES_128_GCM_SHA256,
        ),
        (
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_256_GCM_SHA384",
            cs::TLS13_AES_256_GCM_SHA384,
        ),
        (
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            cs::TLS13_CHACHA20_POLY1305_SHA256,
        ),
        (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-RSA-AES256-GCM-SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-RSA-CHACHA20-POLY1305",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ]
}

/// The suites of one protocol version named in `list` (all of them when empty).
fn pick_suites(list: &str, tls13: bool, what: &str) -> Result<Vec<SupportedCipherSuite>, String> {
    let known: Vec<_> = suites()
        .into_iter()
        .filter(|(_, _, s)| matches!(s, SupportedCipherSuite::Tls13(_)) == tls13)
        .collect();
    if list.trim().is_empty() {
        return Ok(known.iter().map(|k| k.2).collect());
    }
    let mut picked = Vec::new();
    for name in list.split(':').map(str::trim).filter(|n| !n.is_empty()) {
        match known
            .iter()
            .find(|(o, i, _)| o.eq_ignore_ascii_case(name) || i.eq_ignore_ascii_case(name))
        {
            Some(k) if !picked.contains(&k.2) => picked.push(k.2),
            Some(_) => {}
            None => {
                let names: Vec<_> = known.iter().map(|k| k.0).collect();
                return Err(format!(
                    "unsupported {what} '{name}' (supported: {})",
                    names.join(":")
                ));
            }
        }
    }
    Ok(picked)
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("Failed to load certificates from {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("No certificate found in {}", path.display()));
    }
    Ok(certs)
}

impl TlsConfig {
    /// The versions named in `protocols`.
    fn versions(&self) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
        let mut v = Vec::new();
        for p in self.protocols.split_whitespace() {
            let version = if p.eq_ignore_ascii_case("TLSv1.2") {
                &rustls::version::TLS12
            } else if p.eq_ignore_ascii_case("TLSv1.3") {
                &rustls::version::TLS13
            } else if p.eq_ignore_ascii_case("TLSv1") || p.eq_ignore_ascii_case("TLSv1.1") {
                return Err(format!("{p} is not supported (TLSv1.2 and TLSv1.3 are)"));
            } else {
                return Err(format!("Invalid tls-protocols specified: {p}"));
            };
            if !v.contains(&version) {
                v.push(version);
            }
        }
        if v.is_empty() {
            v = vec![&rustls::version::TLS12, &rustls::version::TLS13];
        }
        Ok(v)
    }

    /// The CA certificates client certificates are checked against.
    fn roots(&self) -> Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        if let Some(f) = &self.ca_cert_file {
            for c in read_certs(f)? {
                roots
                    .add(c)
                    .map_err(|e| format!("Bad CA certificate in {}: {e}", f.display()))?;
            }
        }
        if let Some(d) = &self.ca_cert_dir {
            let entries =
                std::fs::read_dir(d).map_err(|e| format!("Failed to read {}: {e}", d.display()))?;
            for e in entries.flatten() {
                // Like OpenSSL's CA directory: files that are not PEM
                // certificates are passed over.
                if let Ok(certs) = read_certs(&e.path()) {
                    for c in certs {
                        let _ = roots.add(c);
                    }
                }
            }
        }
        Ok(roots)
    }

    /// Loads the files and builds the rustls configuration; the error says
    /// which setting or file is wrong.
    pub fn load(&self) -> Result<Arc<ServerConfig>, String> {
        let versions = self.versions()?;
        let mut cipher_suites = Vec::new();
        if versions.contains(&&rustls::version::TLS13) {
            cipher_suites.extend(pick_suites(
                &self.ciphersuites,
                true,
                "TLS 1.3 ciphersuite",
            )?);
        }
        if versions.contains(&&rustls::version::TLS12) {
            cipher_suites.extend(pick_suites(&self.ciphers, false, "TLS 1.2 cipher")?);
        }
        if cipher_suites.is_empty() {
            return Err("no cipher suite left for the configured protocols".into());
        }
        let provider = Arc::new(CryptoProvider {
            cipher_suites,
            ..provider::default_provider()
        });
        let certs = read_certs(&self.cert_file)?;
        let key = PrivateKeyDer::from_pem_file(&self.key_file).map_err(|e| {
            format!(
                "Failed to load private key from {}: {e}",
                self.key_file.display()
            )
        })?;
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| format!("TLS configuration: {e}"))?;
        let builder = if self.client_auth == ClientAuth::No {
            builder.with_no_client_auth()
        } else {
            if self.ca_cert_file.is_none() && self.ca_cert_dir.is_none() {
                return Err("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!".into());
            }
            let roots = self.roots()?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if self.client_auth == ClientAuth::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier
                .build()
                .map_err(|e| format!("Client certificate verification: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        };
        let config = builder
            .with_single_cert(certs, key)
            .map_err(|e| format!("The certificate and key do not fit together: {e}"))?;
        Ok(Arc::new(config))
    }
}

/// One TLS connection's session (rustls' state machine over the socket).
pub(crate) struct TlsSession {
    conn: ServerConnection,
}

impl TlsSession {
    /// A session for a newly accepted connection.
    pub(crate) fn new(config: &Arc<ServerConfig>) -> io::Result<TlsSession> {
        let mut conn = ServerConnection::new(config.clone()).map_err(io::Error::other)?;
        conn.set_buffer_limit(Some(SEND_LIMIT));
        Ok(TlsSession { conn })
    }

    /// Reads plaintext into `buf`: what the session holds already, else
    /// records read from `sock` (answering the handshake on the way).
    /// `WouldBlock` once the socket is drained with nothing to give; `Ok(0)`
    /// at the end (with or without the peer's `close_notify`).
    pub(crate) fn read(&mut self, sock: &Stream, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.conn.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            let mut s = sock;
            self.conn.read_tls(&mut s)?;
            if let Err(e) = self.conn.process_new_packets() {
                // Send the alert rustls prepared, then give up.
                let _ = self.flush(sock);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
            if self.conn.wants_write() {
                match self.flush(sock) {
                    Err(e) if e.kind() != io::ErrorKind::WouldBlock => return Err(e),
                    _ => {}
                }
            }
        }
    }

    /// Takes up to [`SEND_LIMIT`] bytes of `buf` once what the session
    /// already encrypted has gone out, and sends what it can. `WouldBlock`
    /// while earlier records still wait for the socket.
    pub(crate) fn write(&mut self, sock: &Stream, buf: &[u8]) -> io::Result<usize> {
        self.flush(sock)?;
        let n = self.conn.writer().write(buf)?;
        match self.flush(sock) {
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
            _ => Ok(n),
        }
    }

    /// Sends the records the session holds; `WouldBlock` when the socket
    /// is full before the last.
    pub(crate) fn flush(&mut self, sock: &Stream) -> io::Result<()> {
        let mut s = sock;
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut s)? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        Ok(())
    }

    /// Records are waiting for the socket.
    pub(crate) fn unsent(&self) -> bool {
        self.conn.wants_write()
    }

    /// Says goodbye (`close_notify`), best effort, before the socket closes.
    pub(crate) fn close(&mut self, sock: &Stream) {
        self.conn.send_close_notify();
        let _ = self.flush(sock);
    }
}

#[cfg(test)]
mod tests;
