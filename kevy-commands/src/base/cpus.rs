//! The CPUs of the helper threads: `bgsave_cpulist`, `aof_rewrite_cpulist`
//! and `bio_cpulist` (Redis's names; `server_cpulist`, the shards', is read
//! by kevy-server when it builds the runtime).
//!
//! A helper thread started by a shard would inherit that shard's one CPU
//! (`kevy_rt::cpus`); [`place`] puts it on its list, or on every CPU the
//! process may use when the list is empty (the default).

use std::sync::Mutex;

/// Which helper thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Helper {
    /// A background save (`bgsave_cpulist`).
    Bgsave = 0,
    /// An AOF rewrite (`aof_rewrite_cpulist`).
    AofRewrite = 1,
    /// Lazy freeing and the AOF's fsync (`bio_cpulist`: Redis's background
    /// I/O threads).
    Bio = 2,
}

/// Each helper's CPUs (empty: any the process may use).
static LISTS: [Mutex<Vec<usize>>; 3] = [
    Mutex::new(Vec::new()),
    Mutex::new(Vec::new()),
    Mutex::new(Vec::new()),
];

fn lock(h: Helper) -> std::sync::MutexGuard<'static, Vec<usize>> {
    LISTS[h as usize]
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Parses a setting's value: empty, or a CPU list in Redis's syntax.
pub fn parse(v: &str) -> Result<Vec<usize>, String> {
    if v.trim().is_empty() {
        return Ok(Vec::new());
    }
    kevy_rt::cpus::parse_cpu_list(v).ok_or_else(|| format!("Invalid CPU list '{v}'"))
}

/// Sets `h`'s list from a setting's value.
pub fn set(h: Helper, v: &str) -> Result<(), String> {
    *lock(h) = parse(v)?;
    Ok(())
}

/// Puts the calling (new) helper thread on `h`'s CPUs. Best effort.
pub fn place(h: Helper) {
    let cpus = lock(h).clone();
    let _ = kevy_rt::cpus::place(&cpus);
}

/// Held by tests that set the process's lists.
#[cfg(test)]
pub(crate) static TEST_LOCK: Mutex<()> = Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_or_are_refused() {
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse("0-3:2,7"), Ok(vec![0, 2, 7]));
        assert_eq!(parse("3-1"), Err("Invalid CPU list '3-1'".into()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_helper_started_by_a_pinned_thread_gets_its_own_cpus() {
        let _serial = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let all = kevy_rt::cpus::allowed_cpus();
        std::thread::spawn(move || {
            kevy_rt::cpus::place(&all[..1]).unwrap();
            let (unset, listed) = std::thread::spawn(move || {
                // Bio's list is empty: every CPU the process may use.
                place(Helper::Bio);
                let unset = kevy_rt::cpus::thread_cpus().unwrap();
                *lock(Helper::Bgsave) = vec![all[all.len() - 1]];
                place(Helper::Bgsave);
                (unset, kevy_rt::cpus::thread_cpus().unwrap())
            })
            .join()
            .unwrap();
            assert_eq!(unset, kevy_rt::cpus::allowed_cpus());
            assert_eq!(listed.len(), 1);
        })
        .join()
        .unwrap();
        *lock(Helper::Bgsave) = Vec::new();
    }
}
