//! What the process can learn about itself from the OS: resident memory,
//! the allocator's in-use bytes, transparent huge pages, CPU time, the
//! system's name and memory.
//! Every figure is read when asked (INFO, MEMORY STATS), never cached.

/// Resident set size in bytes (`/proc/self/statm`), 0 when unknown.
pub fn rss_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * page_size()
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

/// Bytes the allocator has handed out and not taken back (glibc's
/// `mallinfo2`: in-use arena chunks plus mmapped blocks), or `None` where
/// the allocator cannot tell.
pub fn allocated_bytes() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads allocator statistics.
        let mi = unsafe { libc::mallinfo2() };
        Some(mi.uordblks as u64 + mi.hblkhd as u64)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// The allocator's name, for `mem_allocator`.
pub const ALLOCATOR: &str = if cfg!(all(target_os = "linux", target_env = "gnu")) {
    "libc"
} else {
    "unknown"
};

/// Returns free memory at the top of the heap to the OS (`malloc_trim`);
/// true when some was released.
pub fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only touches the allocator's own state.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// CPU time in seconds and microseconds: `(sys, user)`.
pub type CpuTime = ((i64, i64), (i64, i64));

/// CPU time of this process (`RUSAGE_SELF`) or of its reaped children.
pub fn cpu(children: bool) -> CpuTime {
    let who = if children {
        libc::RUSAGE_CHILDREN
    } else {
        libc::RUSAGE_SELF
    };
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut ru) } != 0 {
        return ((0, 0), (0, 0));
    }
    (
        (ru.ru_stime.tv_sec as i64, ru.ru_stime.tv_usec as i64),
        (ru.ru_utime.tv_sec as i64, ru.ru_utime.tv_usec as i64),
    )
}

/// `sysname release machine`, like Redis's `os:` field.
pub fn os_name() -> String {
    // SAFETY: uname writes into the zeroed struct we own.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return std::env::consts::OS.to_string();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}

/// Bytes of the process's memory backed by transparent huge pages (the
/// `AnonHugePages:` of `/proc/self/smaps_rollup`, as Redis's
/// `THPGetAnonHugePagesSize` sums it from `smaps`), 0 when unknown.
pub fn anon_huge_pages() -> u64 {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps_rollup") else {
        return 0;
    };
    smaps
        .lines()
        .filter_map(|l| l.strip_prefix("AnonHugePages:"))
        .filter_map(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}

/// Physical memory of the machine in bytes, 0 when unknown.
pub fn total_system_memory() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let pages = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) };
    if pages > 0 {
        pages as u64 * page_size()
    } else {
        0
    }
}

/// Redis's `bytesToHuman`: `1023B`, `1.00K`, `12.35M`, …
pub fn human_bytes(n: u64) -> String {
    const UNITS: [char; 5] = ['K', 'M', 'G', 'T', 'P'];
    if n < 1024 {
        return format!("{n}B");
    }
    for (i, c) in UNITS.iter().enumerate() {
        let unit = 1u64 << (10 * (i + 1));
        if n / unit < 1024 {
            return format!("{:.2}{c}", n as f64 / unit as f64);
        }
    }
    format!("{n}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_plausible() {
        assert!(rss_bytes() > 0);
        if let Some(a) = allocated_bytes() {
            assert!(a > 0);
        }
        let ((ss, su), (us, uu)) = cpu(false);
        assert!(ss >= 0 && us >= 0 && (0..1_000_000).contains(&su) && (0..1_000_000).contains(&uu));
        assert!(!os_name().is_empty());
        assert!(total_system_memory() > 0);
    }

    #[test]
    fn human_like_redis() {
        assert_eq!(human_bytes(0), "0B");
        assert_eq!(human_bytes(1023), "1023B");
        assert_eq!(human_bytes(1024), "1.00K");
        assert_eq!(human_bytes(1_311_248), "1.25M");
        assert_eq!(human_bytes(25_276_502_016), "23.54G");
    }
}
