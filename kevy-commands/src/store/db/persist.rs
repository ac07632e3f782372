//! What persistence needs of a database: every entry with its
//! deadline and access data (an RDB save, [`Db::for_each_to_save`]), and
//! setting a key's access data from a file or `RESTORE … IDLETIME | FREQ`
//! ([`Db::set_access`]).

use super::{Clock, Db, Ms, TICKS_PER_SECOND};
use crate::model::value::Value;
use crate::store::lfu;

impl Db {
    /// Calls `f` with every entry: key, value, deadline, seconds since its
    /// last access and its LFU counter after decay (Redis's
    /// `estimateObjectIdleTime` / `LFUDecrAndReturn`), in table order.
    /// Keys whose deadline has passed but that are still held are saved
    /// too, as Redis 7.0's `rdbSave` saves them: a primary loading the file
    /// drops them and counts them (`rdb_last_load_keys_expired`).
    pub fn for_each_to_save(&self, mut f: impl FnMut(&[u8], &Value, Option<Ms>, u64, u8)) {
        let (_, decay) = self.limits.lfu_params();
        let minute = lfu::minutes(self.lru_clock);
        for e in self.table.iter() {
            let at = self.deadline(e);
            let idle = (self.lru_clock.wrapping_sub(e.lru()) / TICKS_PER_SECOND) as u64;
            let freq = lfu::decayed(e.lfu(), minute, decay).min(255) as u8;
            f(e.key(), e.value(), at, idle, freq);
        }
    }

    /// Sets a live `key`'s access data as Redis's `objectSetLRUOrLFU`:
    /// under an LFU policy the counter `freq`, otherwise an access `idle`
    /// seconds ago. False when the key is missing.
    pub fn set_access(
        &mut self,
        key: &[u8],
        idle: Option<u64>,
        freq: Option<u8>,
        now: &Clock,
    ) -> bool {
        let Ok(idx) = self.probe(key, now) else {
            return false;
        };
        let clock = self.lru_clock;
        let lfu_policy = self.limits.lfu();
        if let Some(e) = self.table.get_bucket_mut(idx) {
            if lfu_policy {
                if let Some(freq) = freq {
                    e.set_lfu((lfu::minutes(clock) << 8) | freq as u32);
                }
            } else if let Some(idle) = idle {
                let ticks = idle
                    .saturating_mul(TICKS_PER_SECOND as u64)
                    .min(u32::MAX as u64 / 2);
                e.set_lru(clock.wrapping_sub(ticks as u32));
            }
        }
        true
    }
}
