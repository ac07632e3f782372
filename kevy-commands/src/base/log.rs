//! Log lines the command set reports (Redis's `serverLog` calls: a client
//! evicted, …) to a sink the embedder installs: `kevy-server` writes them
//! in Redis's log format, a test may keep them. Without a sink they go
//! nowhere. Rare events only: never on a command's path.

use std::sync::OnceLock;

/// A line's level (Redis's `LL_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `LL_DEBUG`.
    Debug,
    /// `LL_VERBOSE`.
    Verbose,
    /// `LL_NOTICE`.
    Notice,
    /// `LL_WARNING`.
    Warning,
}

/// What receives the lines.
pub type SinkFn = Box<dyn Fn(Level, &str) + Send + Sync>;

/// A server's log sink, set once.
#[derive(Default)]
pub struct Sink(OnceLock<SinkFn>);

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Sink(set)"
        } else {
            "Sink(none)"
        })
    }
}

impl Sink {
    /// Installs `f` (a second call changes nothing: false).
    pub fn set(&self, f: impl Fn(Level, &str) + Send + Sync + 'static) -> bool {
        self.0.set(Box::new(f)).is_ok()
    }

    /// Reports `msg` at `level`.
    pub fn log(&self, level: Level, msg: &str) {
        if let Some(f) = self.0.get() {
            f(level, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn lines_reach_the_sink_once_set() {
        let sink = Sink::default();
        sink.log(Level::Notice, "lost");
        let got = Arc::new(Mutex::new(Vec::new()));
        let keep = got.clone();
        assert!(sink.set(move |l, m| keep.lock().unwrap().push((l, m.to_string()))));
        assert!(!sink.set(|_, _| {}));
        sink.log(Level::Warning, "kept");
        assert_eq!(*got.lock().unwrap(), [(Level::Warning, "kept".to_string())]);
    }
}
