//! The text of INFO: `# Section\r\nname:value\r\n…`, sections separated by
//! an empty line, with Redis 7.0's field names and number formats.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Report, Sections, SECTIONS};
use crate::base::sys;
use crate::family::spec::catalog;
use crate::shard::ShardState;

/// The INFO text for `sections`, from the merged `total` and the origin
/// shard's view of the server.
pub fn write(shard: &ShardState, sections: Sections, total: &Report) -> String {
    let mut out = String::new();
    let mut first = true;
    for (i, name) in SECTIONS.iter().enumerate() {
        if sections.0 & (1 << i) == 0 {
            continue;
        }
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        let title = match *name {
            "cpu" => "CPU".to_string(),
            n => {
                let mut t = n.to_string();
                t[..1].make_ascii_uppercase();
                t
            }
        };
        let _ = write!(out, "# {title}\r\n");
        let mut s = Fields(&mut out);
        match *name {
            "server" => server(&mut s, shard),
            "clients" => clients(&mut s, shard, total),
            "memory" => memory(&mut s, shard, total),
            "persistence" => persistence(&mut s, shard, total),
            "stats" => stats_section(&mut s, shard, total),
            "replication" => replication(&mut s, shard),
            "cpu" => cpu(&mut s),
            "commandstats" => commandstats(&mut s, total),
            "errorstats" => errorstats(&mut s, total),
            "latencystats" => latencystats(&mut s, shard, total),
            "cluster" => s.field("cluster_enabled", 0),
            "keyspace" => keyspace(&mut s, total),
            _ => {}
        }
    }
    out
}

/// Appends `name:value\r\n` lines.
struct Fields<'a>(&'a mut String);

impl Fields<'_> {
    fn field(&mut self, name: &str, value: impl std::fmt::Display) {
        let _ = write!(self.0, "{name}:{value}\r\n");
    }
}

fn server(s: &mut Fields<'_>, shard: &ShardState) {
    let shared = &shard.server.shared;
    let cfg = &shared.config;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    let uptime = shared.started_at.elapsed().as_secs();
    s.field("redis_version", crate::accounting::REDIS_VERSION);
    s.field("redis_git_sha1", "00000000");
    s.field("redis_git_dirty", 0);
    s.field("redis_build_id", "0");
    s.field("kevy_version", env!("CARGO_PKG_VERSION"));
    s.field("redis_mode", "standalone");
    s.field("os", sys::os_name());
    s.field("arch_bits", usize::BITS);
    s.field("monotonic_clock", "POSIX clock_gettime");
    s.field("multiplexing_api", "epoll");
    // Rust's atomics; no C compiler built the server.
    s.field("atomicvar_api", "c11-builtin");
    s.field("gcc_version", "0.0.0");
    s.field("process_id", std::process::id());
    s.field("process_supervised", "no");
    s.field("run_id", &shared.run_id);
    s.field("tcp_port", shared.listening_port());
    s.field("server_time_usec", now);
    s.field("uptime_in_seconds", uptime);
    s.field("uptime_in_days", uptime / 86_400);
    s.field("hz", cfg.get_i64("hz"));
    s.field("configured_hz", cfg.get_i64("hz"));
    // Redis's LRU clock: seconds, 24 bits.
    s.field("lru_clock", (now / 1_000_000) as u64 & ((1 << 24) - 1));
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    s.field("executable", exe);
    let file = cfg
        .file()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    s.field("config_file", file);
    s.field("io_threads_active", 0);
    let shards = shard.server.info.as_ref().map_or(1, |i| i.nshards);
    s.field("kevy_shards", shards);
}

fn clients(s: &mut Fields<'_>, shard: &ShardState, total: &Report) {
    let connected = shard
        .server
        .info
        .as_ref()
        .map_or(total.clients, |i| i.settings.connected());
    s.field("connected_clients", connected);
    s.field("cluster_connections", 0);
    s.field(
        "maxclients",
        shard.server.shared.config.get_i64("maxclients"),
    );
    s.field("client_recent_max_input_buffer", total.max_input);
    s.field("client_recent_max_output_buffer", total.max_output);
    // Paused clients (a command held back) and parked blocking commands are
    // blocked, as in Redis 7.0; kevy keeps no timeout table (its deadlines
    // live in each shard's heap), so that count stays 0.
    let blocked = shard
        .server
        .info
        .as_ref()
        .map_or(0, |i| i.settings.blocked_clients());
    s.field("blocked_clients", blocked);
    let tracking = shard.dbs[0]
        .limits()
        .switches
        .tracking
        .load(Ordering::Relaxed);
    s.field("tracking_clients", tracking);
    s.field("clients_in_timeout_table", 0);
}

fn memory(s: &mut Fields<'_>, shard: &ShardState, total: &Report) {
    let shared = &shard.server.shared;
    let (now, peak) = shared.memory();
    let used = match total.used_at_plan {
        0 => now,
        at_plan => at_plan,
    };
    let rss = sys::rss_bytes();
    let startup = shared
        .config
        .live()
        .memory
        .startup()
        .unwrap_or(shared.startup_memory);
    let system = sys::total_system_memory();
    s.field("used_memory", used);
    s.field("used_memory_human", sys::human_bytes(used));
    s.field("used_memory_rss", rss);
    s.field("used_memory_rss_human", sys::human_bytes(rss));
    s.field("used_memory_peak", peak);
    s.field("used_memory_peak_human", sys::human_bytes(peak));
    s.field("used_memory_peak_perc", percent(used, peak));
    let settings = shard.server.info.as_ref().map(|i| &*i.settings);
    let uncounted = shared.uncounted(settings);
    // Replicas: their replication buffers (kevy keeps no backlog: all of
    // it is theirs, as Redis counts what exceeds the backlog) and their
    // query buffers.
    let replicas = uncounted.replicas + total.replica_query;
    let overhead = (startup + total.client_memory + replicas + uncounted.aof).min(used);
    s.field("used_memory_overhead", overhead);
    s.field("used_memory_startup", startup);
    let dataset = used.saturating_sub(overhead);
    s.field("used_memory_dataset", dataset);
    s.field(
        "used_memory_dataset_perc",
        percent(dataset, used.saturating_sub(startup)),
    );
    // What the allocator holds: kevy counts allocations, not pages.
    s.field("allocator_allocated", used);
    s.field("allocator_active", used);
    s.field("allocator_resident", rss);
    s.field("total_system_memory", system);
    s.field("total_system_memory_human", sys::human_bytes(system));
    // Scripts: the cache's figures (the interpreters' own memory is not
    // summed over the shards' threads yet); no functions yet.
    let cached = shared.scripts[0].load(std::sync::atomic::Ordering::Relaxed);
    let script_bytes = shared.scripts[1].load(std::sync::atomic::Ordering::Relaxed);
    s.field("used_memory_lua", 0);
    s.field("used_memory_vm_eval", 0);
    s.field("used_memory_lua_human", "0B");
    s.field("used_memory_scripts_eval", script_bytes);
    s.field("number_of_cached_scripts", cached);
    s.field("number_of_functions", 0);
    s.field("number_of_libraries", 0);
    s.field("used_memory_vm_functions", 0);
    s.field("used_memory_vm_total", 0);
    s.field("used_memory_vm_total_human", "0B");
    s.field("used_memory_functions", 0);
    s.field("used_memory_scripts", script_bytes);
    s.field("used_memory_scripts_human", sys::human_bytes(script_bytes));
    let limits = &shared.config.live().memory;
    let max = limits.maxmemory();
    s.field("maxmemory", max);
    s.field("maxmemory_human", sys::human_bytes(max));
    s.field("maxmemory_policy", limits.policy().name());
    let ratio = if used == 0 {
        0.0
    } else {
        rss as f64 / used as f64
    };
    s.field("allocator_frag_ratio", "1.00");
    s.field("allocator_frag_bytes", 0);
    s.field("allocator_rss_ratio", format!("{ratio:.2}"));
    s.field("allocator_rss_bytes", rss as i64 - used as i64);
    s.field("rss_overhead_ratio", "1.00");
    s.field("rss_overhead_bytes", 0);
    s.field("mem_fragmentation_ratio", format!("{ratio:.2}"));
    s.field("mem_fragmentation_bytes", rss as i64 - used as i64);
    // What maxmemory leaves out: replicas' output and the append-only
    // file's buffer (Redis's `freeMemoryGetNotCountedMemory`).
    s.field("mem_not_counted_for_evict", uncounted.total());
    // The bytes the backlog holds, as Redis counts the part of its
    // shared replication buffer up to the backlog's size (no cluster bus).
    let backlog = shard.server.shared.replicas.backlog_info();
    s.field("mem_replication_backlog", backlog.map_or(0, |b| b.2));
    s.field("mem_total_replication_buffers", uncounted.replicas);
    s.field("mem_clients_slaves", replicas);
    s.field("mem_clients_normal", total.client_memory);
    s.field("mem_cluster_links", 0);
    s.field("mem_aof_buffer", uncounted.aof);
    let allocator = if limits.gauge().is_some() || sys::allocated_bytes().is_some() {
        sys::ALLOCATOR
    } else {
        "unknown (used_memory is the resident size)"
    };
    s.field("mem_allocator", allocator);
    s.field("active_defrag_running", 0);
    // Values are freed where they are dropped, never in the background.
    s.field(
        "lazyfree_pending_objects",
        crate::store::lazyfree::pending(),
    );
    s.field("lazyfreed_objects", crate::store::lazyfree::freed());
}

/// `a` as a percentage of `b`, Redis's `%.2f%%`.
fn percent(a: u64, b: u64) -> String {
    let p = if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    };
    format!("{p:.2}%")
}

fn persistence(s: &mut Fields<'_>, shard: &ShardState, total: &Report) {
    // RDB saving and loading are real (no fork: no copy-on-write figures);
    // no append-only file yet.
    use std::sync::atomic::Ordering::Relaxed;
    let p = &shard.server.shared.persist;
    let job = p.job();
    s.field("loading", p.loading.load(Relaxed) as u8);
    s.field("async_loading", 0);
    s.field("current_cow_peak", 0);
    s.field("current_cow_size", 0);
    s.field("current_cow_size_age", 0);
    s.field("current_fork_perc", "0.00");
    s.field("current_save_keys_processed", 0);
    s.field("current_save_keys_total", 0);
    let saved = p.dirty_saved.load(Relaxed);
    s.field(
        "rdb_changes_since_last_save",
        total.dirty.saturating_sub(saved),
    );
    s.field("rdb_bgsave_in_progress", job.is_some() as u8);
    s.field("rdb_last_save_time", p.last_save.load(Relaxed));
    let ok = p.last_bgsave_ok.load(Relaxed);
    s.field("rdb_last_bgsave_status", if ok { "ok" } else { "err" });
    s.field("rdb_last_bgsave_time_sec", p.last_bgsave_secs.load(Relaxed));
    let current = job
        .as_ref()
        .map_or(-1, |j| j.started.elapsed().as_secs() as i64);
    s.field("rdb_current_bgsave_time_sec", current);
    s.field("rdb_saves", p.saves.load(Relaxed));
    s.field("rdb_last_cow_size", 0);
    s.field(
        "rdb_last_load_keys_expired",
        p.last_load_expired.load(Relaxed),
    );
    s.field(
        "rdb_last_load_keys_loaded",
        p.last_load_loaded.load(Relaxed),
    );
    let aof = &shard.server.shared.aof;
    let st = aof.stats();
    let on = aof.is_enabled();
    let ok = |b: bool| if b { "ok" } else { "err" };
    s.field("aof_enabled", on as u8);
    // A rewrite asked for with no background save in its way starts at the
    // rewrite thread's next look (within 100 ms); Redis forks it at once
    // (`startAppendOnly`), so it counts as running, what clients wait on
    // before relying on the file (`DEBUG LOADAOF` before it started would
    // load the empty base).
    let starting = aof.scheduled() && job.is_none();
    s.field(
        "aof_rewrite_in_progress",
        (aof.rewriting() || starting) as u8,
    );
    s.field(
        "aof_rewrite_scheduled",
        (aof.scheduled() && !starting) as u8,
    );
    s.field("aof_last_rewrite_time_sec", st.last_rewrite_secs);
    let running = match aof.rewriting() {
        true => (crate::base::clock::now_ms() as u64).saturating_sub(st.started_ms) as i64 / 1000,
        false => -1,
    };
    s.field("aof_current_rewrite_time_sec", running);
    s.field(
        "aof_last_bgrewrite_status",
        ok(st.last_rewrite_ok || st.rewrites == 0 && st.failures == 0),
    );
    s.field("aof_rewrites", st.rewrites);
    s.field("aof_rewrites_consecutive_failures", st.failures);
    s.field("aof_last_write_status", ok(!st.write_error));
    s.field("aof_last_cow_size", 0);
    s.field("module_fork_in_progress", 0);
    s.field("module_fork_last_cow_size", 0);
    if on {
        s.field("aof_current_size", st.current_size);
        s.field("aof_base_size", st.base_size);
        s.field("aof_pending_rewrite", 0);
        s.field("aof_buffer_length", 0);
        s.field("aof_pending_bio_fsync", 0);
        s.field("aof_delayed_fsync", st.delayed_fsync);
    }
}

fn stats_section(s: &mut Fields<'_>, shard: &ShardState, total: &Report) {
    let calls: u64 = total.stats.cmds.iter().map(|c| c.calls).sum();
    let [ops, input, output] = total.rates_milli;
    let kbps = |milli: u64| format!("{:.2}", milli as f64 / 1000.0 / 1024.0);
    s.field("total_connections_received", total.accepted);
    s.field("total_commands_processed", calls);
    s.field("instantaneous_ops_per_sec", ops / 1000);
    s.field("total_net_input_bytes", total.net_in);
    s.field("total_net_output_bytes", total.net_out);
    // Replication traffic is not counted apart from clients' yet.
    s.field("total_net_repl_input_bytes", 0);
    s.field("total_net_repl_output_bytes", 0);
    s.field("instantaneous_input_kbps", kbps(input));
    s.field("instantaneous_output_kbps", kbps(output));
    s.field("instantaneous_input_repl_kbps", "0.00");
    s.field("instantaneous_output_repl_kbps", "0.00");
    s.field("rejected_connections", total.rejected);
    let [full, partial_ok, partial_err] = shard.server.shared.replicas.sync_counts();
    s.field("sync_full", full);
    s.field("sync_partial_ok", partial_ok);
    s.field("sync_partial_err", partial_err);
    s.field("expired_keys", total.expired);
    let stale = total.stale_ppm as f64 / total.shards.max(1) as f64 / 1e4;
    s.field("expired_stale_perc", format!("{stale:.2}"));
    s.field("expired_time_cap_reached_count", total.time_cap);
    s.field("expire_cycle_cpu_milliseconds", 0);
    s.field("evicted_keys", total.evicted);
    s.field("evicted_clients", total.evicted_clients);
    s.field("total_eviction_exceeded_time", 0);
    s.field("current_eviction_exceeded_time", 0);
    s.field("keyspace_hits", total.hits);
    s.field("keyspace_misses", total.misses);
    // Subscriptions live on their connections' shards: a name subscribed
    // on several counts once.
    let [channels, patterns, shard_channels] = total.pubsub_counts();
    s.field("pubsub_channels", channels);
    s.field("pubsub_patterns", patterns);
    s.field("pubsubshard_channels", shard_channels);
    // No fork: background saves and rewrites are counted where Redis
    // forks (no replica, no defragmentation either).
    s.field("latest_fork_usec", 0);
    s.field(
        "total_forks",
        shard
            .server
            .shared
            .persist
            .forks
            .load(std::sync::atomic::Ordering::Relaxed),
    );
    s.field(
        "migrate_cached_sockets",
        crate::family::migrate::link::cached(),
    );
    s.field("slave_expires_tracked_keys", 0);
    s.field("active_defrag_hits", 0);
    s.field("active_defrag_misses", 0);
    s.field("active_defrag_key_hits", 0);
    s.field("active_defrag_key_misses", 0);
    s.field("total_active_defrag_time", 0);
    s.field("current_active_defrag_time", 0);
    s.field("tracking_total_keys", total.tracking[0]);
    s.field("tracking_total_items", total.tracking[1]);
    s.field("tracking_total_prefixes", total.tracking[2]);
    s.field("unexpected_error_replies", 0);
    s.field("total_error_replies", total.stats.error_total());
    s.field("dump_payload_sanitizations", 0);
    // The runtime counts bytes, not read and write calls.
    s.field("total_reads_processed", 0);
    s.field("total_writes_processed", 0);
    s.field("io_threaded_reads_processed", 0);
    s.field("io_threaded_writes_processed", 0);
    let (shrinks, expands) = shard
        .server
        .info
        .as_ref()
        .map_or((0, 0), |i| i.settings.reply_resizes());
    s.field("reply_buffer_shrinks", shrinks);
    s.field("reply_buffer_expands", expands);
}

fn replication(s: &mut Fields<'_>, shard: &ShardState) {
    let replicas = &shard.server.shared.replicas;
    let shown = replicas.shown();
    let up = &shard.server.shared.upstream;
    let upstream = up.master();
    let mut offset = replicas.offset();
    if let Some((host, port)) = &upstream {
        use crate::repl::upstream::State;
        let state = up.state();
        offset = up.offset();
        s.field("role", "slave");
        s.field("master_host", host);
        s.field("master_port", port);
        s.field(
            "master_link_status",
            if state == State::Connected {
                "up"
            } else {
                "down"
            },
        );
        s.field("master_last_io_seconds_ago", up.last_io_secs());
        s.field("master_sync_in_progress", u8::from(state == State::Sync));
        s.field("slave_read_repl_offset", up.read_offset().max(offset));
        s.field("slave_repl_offset", offset);
        s.field(
            "slave_priority",
            shard.server.shared.config.get_i64("replica-priority"),
        );
        s.field(
            "slave_read_only",
            u8::from(shard.server.shared.config.get_bool("replica-read-only")),
        );
        s.field(
            "replica_announced",
            u8::from(shard.server.shared.config.get_bool("replica-announced")),
        );
    } else {
        s.field("role", "master");
    }
    s.field("connected_slaves", shown.len());
    for (i, r) in shown.iter().enumerate() {
        let state = if r.online { "online" } else { "wait_bgsave" };
        s.field(
            &format!("slave{i}"),
            format!(
                "ip={},port={},state={state},offset={},lag=0",
                r.ip, r.port, r.acked
            ),
        );
    }
    s.field(
        "master_failover_state",
        shard.server.shared.failover.phase().name(),
    );
    s.field("master_replid", shard.server.shared.repl_id());
    let shared = &shard.server.shared;
    match shared.repl_id2() {
        Some((id, end)) => {
            s.field("master_replid2", id);
            s.field("master_repl_offset", offset);
            s.field("second_repl_offset", end);
        }
        None => {
            s.field("master_replid2", "0".repeat(40));
            s.field("master_repl_offset", offset);
            s.field("second_repl_offset", -1);
        }
    }
    match shared.replicas.backlog_info() {
        Some((size, first, len)) => {
            s.field("repl_backlog_active", 1);
            s.field("repl_backlog_size", size);
            s.field("repl_backlog_first_byte_offset", first);
            s.field("repl_backlog_histlen", len);
        }
        None => {
            s.field("repl_backlog_active", 0);
            s.field(
                "repl_backlog_size",
                crate::family::repl::backlog_size(shared),
            );
            s.field("repl_backlog_first_byte_offset", 0);
            s.field("repl_backlog_histlen", 0);
        }
    }
}

fn cpu(s: &mut Fields<'_>) {
    let t = |(sec, usec): (i64, i64)| format!("{sec}.{usec:06}");
    let (sys_self, user_self) = sys::cpu(false);
    let (sys_kids, user_kids) = sys::cpu(true);
    s.field("used_cpu_sys", t(sys_self));
    s.field("used_cpu_user", t(user_self));
    s.field("used_cpu_sys_children", t(sys_kids));
    s.field("used_cpu_user_children", t(user_kids));
    // Every shard is a main thread; the process's figures.
    s.field("used_cpu_sys_main_thread", t(sys_self));
    s.field("used_cpu_user_main_thread", t(user_self));
}

fn commandstats(s: &mut Fields<'_>, total: &Report) {
    for (id, c) in total.stats.cmds.iter().enumerate() {
        let Some(spec) = (catalog().spec_of)(id) else {
            continue;
        };
        if c.is_empty() {
            continue;
        }
        let usec = c.ns / 1000;
        let per = if c.calls == 0 {
            0.0
        } else {
            usec as f64 / c.calls as f64
        };
        s.field(
            &format!("cmdstat_{}", spec.name),
            format!(
                "calls={},usec={usec},usec_per_call={per:.2},rejected_calls={},failed_calls={}",
                c.calls, c.rejected, c.failed
            ),
        );
    }
}

fn errorstats(s: &mut Fields<'_>, total: &Report) {
    let mut errors = total.stats.errors.clone();
    errors.sort();
    for (code, n) in errors {
        s.field(
            &format!("errorstat_{}", String::from_utf8_lossy(&code)),
            format!("count={n}"),
        );
    }
}

fn latencystats(s: &mut Fields<'_>, shard: &ShardState, total: &Report) {
    let cfg = &shard.server.shared.config;
    let percentiles: Vec<f64> = cfg
        .get("latency-tracking-info-percentiles")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    if !cfg.live().latency_tracking.load(Ordering::Relaxed) {
        return;
    }
    for (id, c) in total.stats.cmds.iter().enumerate() {
        let (Some(spec), Some(h)) = ((catalog().spec_of)(id), &c.hist) else {
            continue;
        };
        if h.total() == 0 {
            continue;
        }
        let values: Vec<String> = percentiles
            .iter()
            .map(|p| format!("p{p}={:.3}", h.percentile(*p) as f64 / 1000.0))
            .collect();
        s.field(
            &format!("latency_percentiles_usec_{}", spec.name),
            values.join(","),
        );
    }
}

fn keyspace(s: &mut Fields<'_>, total: &Report) {
    for (i, d) in total.dbs.iter().enumerate() {
        if d.keys == 0 {
            continue;
        }
        let avg = d.ttl_sum.checked_div(d.ttl_samples).unwrap_or(0);
        s.field(
            &format!("db{i}"),
            format!("keys={},expires={},avg_ttl={avg}", d.keys, d.expires),
        );
    }
}
