//! Unit tests of `tls`.
use super::*;

#[test]
fn protocols_parse_and_refuse_what_rustls_lacks() {
    let mut c = TlsConfig {
        protocols: "TLSv1.3".into(),
        ..TlsConfig::default()
    };
    assert_eq!(c.versions().unwrap(), vec![&rustls::version::TLS13]);
    c.protocols = "tlsv1.2  TLSv1.3 TLSv1.2".into();
    assert_eq!(c.versions().unwrap().len(), 2);
    c.protocols = String::new();
    assert_eq!(c.versions().unwrap().len(), 2);
    c.protocols = "TLSv1.1 TLSv1.2".into();
    assert!(c
        .versions()
        .unwrap_err()
        .contains("TLSv1.1 is not supported"));
    c.protocols = "SSLv3".into();
    assert!(c.versions().unwrap_err().contains("Invalid tls-protocols"));
}

#[test]
fn cipher_names_openssl_or_iana() {
    let all = pick_suites("", false, "cipher").unwrap();
    assert_eq!(all.len(), 6);
    let two = pick_suites(
        "ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        false,
        "cipher",
    )
    .unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(
        pick_suites("TLS_AES_256_GCM_SHA384", true, "x")
            .unwrap()
            .len(),
        1
    );
    // A TLS 1.3 suite is not a TLS 1.2 cipher, and OpenSSL's cipher
    // strings are not understood.
    let e = pick_suites("TLS_AES_256_GCM_SHA384", false, "TLS 1.2 cipher").unwrap_err();
    assert!(
        e.contains("unsupported TLS 1.2 cipher 'TLS_AES_256_GCM_SHA384'"),
        "{e}"
    );
    assert!(pick_suites("DEFAULT:!MEDIUM", false, "cipher").is_err());
}

fn write_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (c, k) = (dir.join("c.pem"), dir.join("k.pem"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    (c, k)
}

#[test]
fn load_checks_files_and_client_auth() {
    let dir = std::env::temp_dir().join(format!("kevy-tls-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = write_pair(&dir);
    let mut c = TlsConfig {
        cert_file: cert.clone(),
        key_file: key.clone(),
        client_auth: ClientAuth::No,
        ..TlsConfig::default()
    };
    assert!(c.load().is_ok());
    // Client certificates need a CA to check them against.
    c.client_auth = ClientAuth::Required;
    assert!(c.load().unwrap_err().contains("tls-ca-cert-file"));
    c.ca_cert_file = Some(cert.clone());
    assert!(c.load().is_ok());
    c.ca_cert_file = None;
    c.ca_cert_dir = Some(dir.clone());
    c.client_auth = ClientAuth::Optional;
    assert!(c.load().is_ok());
    c.key_file = dir.join("missing.pem");
    assert!(c.load().unwrap_err().contains("private key"));
    c.key_file = cert.clone();
    assert!(c.load().is_err());
    c.key_file = key;
    c.protocols = "TLSv1.3".into();
    c.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256".into();
    // TLS 1.2 ciphers are not looked at when TLS 1.2 is off.
    c.ciphers = "nonsense".into();
    assert!(c.load().is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}
