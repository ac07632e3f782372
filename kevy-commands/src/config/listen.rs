//! Where the server listens, as `bind` and `port` say: the addresses they
//! name, and `CONFIG SET` of either moving the runtime's listeners
//! (`kevy_rt::Settings::relisten`).

use super::{value_in_set, ConfigTable, PARAMS};

/// The addresses `bind` (as set: words, `-addr` optional, `*` every IPv4
/// address, `::*` every IPv6 one) names on `port`: `host:port` each,
/// IPv6 addresses bracketed, with whether it is optional.
pub fn listen_addrs(bind: &str, port: u16) -> Vec<(String, bool)> {
    bind.split_whitespace()
        .map(|w| {
            let (optional, addr) = match w.strip_prefix('-') {
                Some(a) => (true, a),
                None => (false, w),
            };
            let addr = match addr {
                "*" => "0.0.0.0",
                "::*" => "::",
                a => a,
            };
            let addr = if addr.contains(':') && !addr.starts_with('[') {
                format!("[{addr}]:{port}")
            } else {
                format!("{addr}:{port}")
            };
            (addr, optional)
        })
        .collect()
}

impl ConfigTable {
    /// Listens where a `CONFIG SET` of `port` or `bind` (positions in
    /// `idx`, new values `new`, the others' values in `values`) asks, when
    /// either changed: the new listeners are bound before the old ones
    /// close, so a failure changes nothing. Port 0 takes no TCP clients, as
    /// in Redis. A failure names the setting to blame with Redis's text.
    pub(super) fn relisten(
        &self,
        idx: &[usize],
        old: &[String],
        new: &[String],
        values: &[String],
    ) -> Result<(), (usize, String)> {
        let at = |name: &str| idx.iter().position(|&i| PARAMS[i].name == name);
        let (port_k, bind_k) = (at("port"), at("bind"));
        let changed = |k: Option<usize>| k.is_some_and(|k| new[k] != old[k]);
        if !changed(port_k) && !changed(bind_k) {
            return Ok(());
        }
        let Some(settings) = self.settings.get() else {
            return Ok(());
        };
        let value = |name: &str| value_in_set(name, idx, new, values);
        // A new port: that one (0: none). Only a new `bind`: the port
        // listened on (which `--port 0` had the kernel pick), else the
        // configured one.
        let port = match port_k.filter(|&k| new[k] != old[k]) {
            Some(k) => Some(new[k].parse::<u16>().unwrap_or(0)).filter(|&p| p != 0),
            None => Some(
                settings
                    .listening_port()
                    .unwrap_or_else(|| value("port").parse::<u16>().unwrap_or(0)),
            ),
        };
        let addrs = match port {
            None => Vec::new(),
            Some(port) => listen_addrs(&value("bind"), port),
        };
        settings.relisten(&addrs).map(drop).map_err(|_| {
            if changed(port_k) {
                (
                    port_k.unwrap_or(0),
                    "Unable to listen on this port. Check server logs.".to_string(),
                )
            } else {
                (
                    bind_k.unwrap_or(0),
                    "Failed to bind to specified addresses.".to_string(),
                )
            }
        })
    }
}
