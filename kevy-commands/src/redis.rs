//! [`Redis`], the command set handed to the runtime: its shared state
//! (settings, users, scripts), the builder an embedder configures, the ACL
//! refusals every path shares, and a shard's periodic work.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kevy_rt::{Args, Flow, LocalCx};

use crate::accounting::Shared;
use crate::base::clock::now_ms;
use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::store::limits::MemoryGauge;
use crate::table::Spec;
use crate::tracked::finish;
use crate::{acl, config, family, script, table};
use kevy_rt::Commands;

/// The Redis command set. Configure with the builder methods (or its
/// [`config`](Redis::config)), then hand it to the runtime. Clones share the
/// server state: settings, statistics, logs.
#[derive(Clone, Debug)]
pub struct Redis {
    pub(crate) shared: Arc<Shared>,
    /// The users (also in the config's live settings), at hand for the
    /// per-command context.
    pub(crate) acl: Arc<acl::Acl>,
    /// The scripts (`EVAL`, `SCRIPT LOAD`), shared by every shard.
    pub(crate) scripts: Arc<script::Registry>,
}

impl Default for Redis {
    fn default() -> Redis {
        table::install();
        family::acl::install_commands();
        config::install_rename_hooks(table::rename::hooks());
        let shared = Arc::new(Shared::new());
        let scripts: Arc<script::Registry> = Arc::default();
        let _ = shared.persist.functions.set(scripts.clone());
        let (weak, lua) = (Arc::downgrade(&shared), scripts.clone());
        let _ = shared.persist.aof_loader.set(Box::new(move |nshards| {
            // A weak reference: the state does not keep itself alive.
            let shared = weak.upgrade().ok_or("the server is gone")?;
            let redis = Redis {
                acl: shared.config.live().acl.clone(),
                shared,
                scripts: lua.clone(),
            };
            crate::aofrun::reload(&redis, nshards)
        }));
        // CONFIG SET of the good-replica minimum applies at once (Redis's
        // `updateGoodSlaves`); the tick counts again from the settings.
        for name in ["min-replicas-to-write", "min-replicas-max-lag"] {
            let weak = Arc::downgrade(&shared);
            shared.config.on_change(name, move |_| {
                if let Some(shared) = weak.upgrade() {
                    let n = |s: &str| shared.config.get_i64(s).max(0) as u64;
                    shared
                        .replicas
                        .set_minimum(n("min-replicas-to-write"), n("min-replicas-max-lag"));
                }
            });
        }
        Redis {
            acl: shared.config.live().acl.clone(),
            shared,
            scripts,
        }
    }
}

impl Redis {
    /// The command set with Redis's defaults (16 databases).
    pub fn new() -> Redis {
        Redis::default()
    }

    /// Sets the number of databases `SELECT` can reach (at least 1).
    pub fn databases(self, n: usize) -> Redis {
        let n = n.clamp(1, i32::MAX as usize).to_string();
        let _ = self.shared.config.load("databases", &[&n]);
        self
    }

    /// The number of databases.
    pub fn database_count(&self) -> usize {
        self.shared.config.get_i64("databases").max(1) as usize
    }

    /// The settings (filled by the server from its config file and flags
    /// before it starts; changed by `CONFIG SET` while it runs).
    pub fn config(&self) -> &config::ConfigTable {
        &self.shared.config
    }

    /// The server-wide state.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Loads the users of `aclfile` (at start-up; nothing when it is
    /// not set). Redis's error text on failure.
    pub fn load_acl_file(&self) -> Result<(), String> {
        let path = self.shared.config.get("aclfile").unwrap_or_default();
        if path.is_empty() {
            return Ok(());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("Error loading ACLs, opening file '{path}': {e}"))?;
        let all = self
            .acl
            .pubsub_all
            .load(std::sync::atomic::Ordering::Relaxed);
        let users = family::acl::file::parse(&path, &text, all)?;
        self.acl
            .modify(|t| Ok::<_, String>(family::acl::file::replace(t, users)))
            .map(|_| ())
    }

    /// Refuses a command of a restricted connection on another shard than
    /// its own (`Some(error)`), logging the denial.
    #[cold]
    #[inline(never)]
    pub(crate) fn refuse(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
    ) -> Option<Vec<u8>> {
        let shared = shard.server.shared.clone();
        let info = |user: &[u8]| family::acl::remote_info(&shared, &ctx, cmd, user);
        let who = family::acl::Asker {
            code: ctx.acl,
            multi: false,
            info: &info,
        };
        let err = family::acl::gate(&self.acl, &mut shard.acl, &who, cmd, args)?;
        shard.server.refused(
            table::ids::id_of(cmd),
            &err,
            family::acl::is_sort_refusal(&err),
        );
        Some(err)
    }

    /// The stand-in `spec` resolves to when the server refuses it whatever
    /// its arguments and keys: while a script is busy (`-BUSY`), or on a
    /// stale replica (`-MASTERDOWN`), or while the start-up load runs
    /// (`-LOADING`). Three relaxed loads when none holds.
    #[inline]
    pub(crate) fn stand_in(&self, spec: &'static Spec, args: Args<'_>) -> Option<&'static Spec> {
        // Redis's order: a stale replica's refusal, then loading's, then a
        // busy script's.
        family::replica::stale_refusal(&self.shared, spec)
            .or_else(|| family::persist::loading_refusal(&self.shared, spec))
            .or_else(|| self.scripts.watch.refusal(spec, args))
    }

    /// Refuses a script command (`EVAL`, `FCALL`, `SCRIPT`, `FUNCTION`…) of
    /// a restricted connection, planned with its session: `Some(error)`
    /// when refused, logged with the client's line.
    #[cold]
    #[inline(never)]
    pub(crate) fn refuse_isolated(
        &self,
        shard: &mut ShardState,
        session: &Session,
        cx: &LocalCx,
        code: u32,
        cmd: &'static Spec,
        args: Args<'_>,
    ) -> Option<Vec<u8>> {
        let shared = shard.server.shared.clone();
        let info = |_: &[u8]| family::acl::client_line(&shared, &cx.client, session, Some(cmd));
        let who = family::acl::Asker {
            code,
            multi: session.multi.is_some(),
            info: &info,
        };
        let err = family::acl::gate(&self.acl, &mut shard.acl, &who, cmd, args)?;
        shard.server.refused(
            table::ids::id_of(cmd),
            &err,
            family::acl::is_sort_refusal(&err),
        );
        Some(err)
    }

    /// Refuses a local command (or one queued in `MULTI`) of a restricted
    /// connection: `Some(flow)` when refused, the error written.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn refuse_local(
        &self,
        shard: &mut ShardState,
        session: &mut Session,
        cx: &LocalCx,
        code: u32,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Option<Flow> {
        let shared = shard.server.shared.clone();
        let err = {
            let s: &Session = session;
            let info = |_: &[u8]| family::acl::client_line(&shared, &cx.client, s, Some(cmd));
            let who = family::acl::Asker {
                code,
                multi: s.multi.is_some(),
                info: &info,
            };
            family::acl::gate(&self.acl, &mut shard.acl, &who, cmd, args)?
        };
        if let Some(m) = session.multi.as_mut() {
            m.dirty = true;
        }
        shard.server.refused(
            table::ids::id_of(cmd),
            &err,
            family::acl::is_sort_refusal(&err),
        );
        let mark = out.len();
        out.extend_from_slice(&err);
        finish(out, mark, session.end_command());
        Some(Flow::Continue)
    }

    /// Counts memory with `gauge` (`used_memory`, `maxmemory`): the
    /// embedder's allocator. Without one, eviction estimates from the
    /// allocator's statistics (see [`crate::shard::evict`]).
    pub fn memory_gauge(self, gauge: &'static dyn MemoryGauge) -> Redis {
        self.shared.config.live().memory.set_gauge(gauge);
        self
    }
}

/// Percent of the tick interval the active expiry may use: Redis's
/// `ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC` (25) plus 2 for each step of
/// `active-expire-effort` past 1.
fn expire_budget_percent(effort: i64) -> u32 {
    25 + 2 * (effort.clamp(1, 10) as u32 - 1)
}

impl Redis {
    /// A shard's periodic work (`Commands::tick`): the clock, active
    /// expiry within its budget, background saves, eviction, tracking
    /// broadcasts and the expired keys' log.
    pub(crate) fn tick_shard(&self, shard: &mut ShardState) {
        // Replicas' streams pushed since the last drain are delivered by now.
        let taken = std::mem::take(&mut shard.repl_taken);
        self.shared.replicas.release(taken);
        crate::persistence::install_when_loaded(shard);
        shard.tick_clock(now_ms());
        shard.server.sample_meter(now_ms());
        if self
            .shared
            .cron_paused
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        if self
            .shared
            .active_expire
            .load(std::sync::atomic::Ordering::Relaxed)
            && self
                .shared
                .scripts_global
                .load(std::sync::atomic::Ordering::Relaxed)
                == 0
            && shard
                .server
                .info
                .as_ref()
                .is_none_or(|i| i.settings.paused().is_none())
        {
            let effort = self.shared.config.get_i64("active-expire-effort");
            let budget = self.tick_interval() * expire_budget_percent(effort) / 100;
            let t0 = Instant::now();
            shard.active_expire(
                now_ms(),
                Instant::now() + budget.max(Duration::from_millis(1)),
            );
            let ms = t0.elapsed().as_millis() as u64;
            shard.server.event("expire-cycle", ms);
        }
        family::persist::tick(shard);
        shard.limit_tracking();
        family::repl::ping_replicas(shard);
        family::migrate::link::expire();
        shard.evict_tick();
        for db in &mut shard.dbs {
            db.shrink_if_sparse();
        }
        shard.flush_signals(0);
        shard.broadcast_tracking();
        if shard.aof.on {
            shard.log_expired_all();
        }
    }
}
