//! What the pools keep: small batches always, a big one only while big
//! batches are the traffic (not a one-off big reply).

use super::*;
use crate::{Args, Flow, LocalCx, Resolved, Route, ShardInfo};

/// A command set with nothing in it: the pools only need its types.
struct Nothing;

impl Commands for Nothing {
    type Shard = ();
    type Cmd = ();
    type Session = ();
    type Ctx = ();
    crate::single_shard!();

    fn new_shard(&self, _: ShardInfo) {}
    fn resolve(&self, _: Args<'_>) -> Resolved<()> {
        Resolved {
            cmd: (),
            route: Route::Local,
        }
    }
    fn ctx(&self, _: &()) {}
    fn execute(&self, _: &mut (), _: (), _: (), _: Args<'_>, _: &mut Vec<u8>) {}
    fn execute_local(
        &self,
        _: &mut (),
        _: &mut (),
        _: &LocalCx,
        _: (),
        _: Args<'_>,
        _: &mut Vec<u8>,
    ) -> Flow {
        Flow::Continue
    }
}

/// New reply buffers holding `n` bytes of reply.
fn reply_of(_: &mut Pools<Nothing>, n: usize) -> ReplyBufs<Nothing> {
    ReplyBufs {
        data: vec![b'x'; n],
        items: Vec::new(),
        parts: Vec::new(),
    }
}

/// The biggest reply buffer pooled, home or waiting to go home.
fn biggest(pools: &Pools<Nothing>) -> usize {
    let home = pools.replies.iter();
    let away = pools.to_return.iter().flatten();
    home.chain(away)
        .map(|b| b.data.capacity())
        .max()
        .unwrap_or(0)
}

#[test]
fn a_one_off_big_reply_leaves_no_big_buffer_pooled() {
    let mut pools: Pools<Nothing> = Pools::new(2);
    // Small traffic: its buffers are kept.
    let b = reply_of(&mut pools, 4 << 10);
    pools.put_replies(b);
    assert_eq!(pools.replies.len(), 1);
    pools.trim();
    // A 150 KB reply after a tick of small traffic: freed, whether it
    // comes back home or waits to be sent home.
    let b = reply_of(&mut pools, 150 << 10);
    pools.put_replies(b);
    let b = reply_of(&mut pools, 150 << 10);
    pools.return_replies(1, b);
    assert_eq!(pools.replies.len(), 1);
    assert!(biggest(&pools) < 64 << 10);
    // Once a tick has seen big batches, they are the traffic: kept (up to
    // POOL_MAX_BYTES), and trimmed back only after a tick of small ones.
    pools.trim();
    let b = reply_of(&mut pools, 150 << 10);
    pools.put_replies(b);
    assert_eq!(pools.replies.len(), 2);
    assert!(biggest(&pools) >= 150 << 10);
    let b = reply_of(&mut pools, 2 * POOL_MAX_BYTES);
    pools.return_replies(1, b);
    assert!(pools.to_return[1].is_empty(), "past POOL_MAX_BYTES");
    pools.trim();
    pools.trim();
    assert!(biggest(&pools) <= POOL_TRIM_BYTES);
    // A whole idle tick frees everything and forgets the big traffic.
    pools.release();
    let b = reply_of(&mut pools, 150 << 10);
    pools.put_replies(b);
    assert!(pools.replies.is_empty());
}
