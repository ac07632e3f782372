//! Cluster and TLS settings. Cluster mode is not built: `cluster-enabled
//! yes` is refused with the reason, and the cluster's other settings are
//! taken as Redis takes them outside cluster mode, where they do nothing.
//! TLS is built (kevy-server reads these at start-up), except for
//! replication links.

use super::*;

const NO_CLUSTER: &str = "cluster mode is not implemented";
const NO_REPLICATION: &str = "replication over TLS is not implemented";
const NO_KEY_PASS: &str = "encrypted private keys are not supported (rustls reads plain PEM keys)";
const NO_DH: &str = "TLS uses ECDHE key exchange only (rustls has no finite-field DH)";

/// TLS settings take effect when the server starts.
fn tls_fixed(cx: &Cx<'_>, v: &str) -> Result<(), String> {
    unchanged_while_running(cx, v, "the TLS settings")
}

/// The cluster and TLS settings.
pub static PARAMS: &[Param] = &[
    Param::new("cluster-enabled", Kind::Bool, "no")
        .flags(IMMUTABLE)
        .refuse(NO_CLUSTER),
    // The cluster's other settings act only in cluster mode: as Redis
    // does without it, kevy takes and lists them.
    Param::new("cluster-config-file", Kind::Str, "nodes.conf").flags(IMMUTABLE),
    Param::new("cluster-port", Kind::Int(0, 65535), "0").flags(IMMUTABLE),
    Param::new("cluster-node-timeout", Kind::Int(0, i64::MAX), "15000"),
    Param::new("cluster-announce-ip", Kind::Str, ""),
    Param::new("cluster-announce-hostname", Kind::Str, "").check(|_, v| hostname(v)),
    Param::new("cluster-announce-port", Kind::Int(0, 65535), "0"),
    Param::new("cluster-announce-bus-port", Kind::Int(0, 65535), "0"),
    Param::new("cluster-announce-tls-port", Kind::Int(0, 65535), "0"),
    Param::new(
        "cluster-preferred-endpoint-type",
        Kind::Enum(&["ip", "hostname", "unknown-endpoint"]),
        "ip",
    ),
    Param::new("cluster-require-full-coverage", Kind::Bool, "yes"),
    Param::new("cluster-replica-no-failover", Kind::Bool, "no").alias("cluster-slave-no-failover"),
    Param::new(
        "cluster-replica-validity-factor",
        Kind::Int(0, i32::MAX as i64),
        "10",
    )
    .alias("cluster-slave-validity-factor"),
    Param::new(
        "cluster-migration-barrier",
        Kind::Int(0, i32::MAX as i64),
        "1",
    ),
    Param::new("cluster-allow-replica-migration", Kind::Bool, "yes"),
    Param::new("cluster-allow-reads-when-down", Kind::Bool, "no"),
    Param::new("cluster-allow-pubsubshard-when-down", Kind::Bool, "yes"),
    Param::new("cluster-link-sendbuf-limit", Kind::Memory(0, u64::MAX), "0"),
    // TLS: read at start-up (kevy-server builds its TLS listeners from
    // them); while running only the same value may be set.
    Param::new("tls-port", Kind::Int(0, 65535), "0").check(tls_fixed),
    Param::new(
        "tls-session-cache-size",
        Kind::Int(0, i32::MAX as i64),
        "20480",
    )
    .check(tls_fixed),
    Param::new(
        "tls-session-cache-timeout",
        Kind::Int(0, i32::MAX as i64),
        "300",
    )
    .check(tls_fixed),
    Param::new("tls-cluster", Kind::Bool, "no").check(tls_fixed),
    Param::new("tls-replication", Kind::Bool, "no").refuse(NO_REPLICATION),
    Param::new(
        "tls-auth-clients",
        Kind::Enum(&["no", "yes", "optional"]),
        "yes",
    )
    .check(tls_fixed),
    Param::new("tls-prefer-server-ciphers", Kind::Bool, "no").check(tls_fixed),
    Param::new("tls-session-caching", Kind::Bool, "yes").check(tls_fixed),
    Param::new("tls-cert-file", Kind::Str, "").check(tls_fixed),
    Param::new("tls-key-file", Kind::Str, "").check(tls_fixed),
    Param::new("tls-key-file-pass", Kind::Str, "").refuse(NO_KEY_PASS),
    Param::new("tls-client-cert-file", Kind::Str, "").refuse(NO_REPLICATION),
    Param::new("tls-client-key-file", Kind::Str, "").refuse(NO_REPLICATION),
    Param::new("tls-client-key-file-pass", Kind::Str, "").refuse(NO_REPLICATION),
    Param::new("tls-dh-params-file", Kind::Str, "").refuse(NO_DH),
    Param::new("tls-ca-cert-file", Kind::Str, "").check(tls_fixed),
    Param::new("tls-ca-cert-dir", Kind::Str, "").check(tls_fixed),
    Param::new("tls-protocols", Kind::Str, "").check(tls_fixed),
    Param::new("tls-ciphers", Kind::Str, "").check(tls_fixed),
    Param::new("tls-ciphersuites", Kind::Str, "").check(tls_fixed),
];

/// Redis's `isValidAnnouncedHostname`.
fn hostname(v: &str) -> Result<(), String> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters".into());
    }
    if v.bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
    {
        Ok(())
    } else {
        Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
    }
}
