//! [`single_shard!`](crate::single_shard): the multi-shard half of a
//! [`Commands`](crate::Commands) impl written once, for command sets whose
//! commands each run on one shard.

/// Writes the multi-shard half of a [`Commands`](crate::Commands) impl for a command set whose
/// commands each run on one shard — it routes with [`Route::Local`](crate::Route::Local),
/// [`Route::Key`](crate::Route::Key), or [`Route::Keys`](crate::Route::Keys) whose keys share a shard. `Part`,
/// `PartReply` and `Plan` become `()`, and a request that would need planning
/// (a [`Route::Plan`](crate::Route::Plan), or keys over several shards) plans no part and is
/// answered with the given reply bytes — by default RESP's
/// `-ERR keys on several shards: this command set runs on one shard only`
/// (pass a reply in your protocol when it is not RESP).
///
/// Associated types cannot have defaults in stable Rust, so without this a
/// single-shard command set spells out three types and three no-op methods.
///
/// ```
/// use kevy_rt::{Args, Commands, Flow, LocalCx, Resolved, Route, ShardInfo};
///
/// /// `HIT key`: counts hits per key, each key on its shard.
/// struct Hits;
///
/// impl Commands for Hits {
///     type Shard = std::collections::HashMap<Vec<u8>, i64>;
///     type Cmd = ();
///     type Session = ();
///     type Ctx = ();
///     kevy_rt::single_shard!();
///
///     fn new_shard(&self, _: ShardInfo) -> Self::Shard {
///         Default::default()
///     }
///     fn resolve(&self, args: Args<'_>) -> Resolved<()> {
///         let route = if args.len() == 2 { Route::Key(1) } else { Route::Local };
///         Resolved { cmd: (), route }
///     }
///     fn ctx(&self, _: &()) {}
///     fn execute(&self, hits: &mut Self::Shard, _: (), _: (), args: Args<'_>, out: &mut Vec<u8>) {
///         let n = hits.entry(args.at(1).to_vec()).or_default();
///         *n += 1;
///         out.extend_from_slice(format!(":{n}\r\n").as_bytes());
///     }
///     fn execute_local(
///         &self,
///         _: &mut Self::Shard,
///         _: &mut (),
///         _: &LocalCx,
///         _: (),
///         _: Args<'_>,
///         out: &mut Vec<u8>,
///     ) -> Flow {
///         out.extend_from_slice(b"-ERR usage: HIT key\r\n");
///         Flow::Continue
///     }
/// }
///
/// let mut h = kevy_rt::testing::Harness::new(Hits, 2);
/// assert_eq!(h.run(&["HIT", "a"]), b":1\r\n");
/// ```
#[macro_export]
macro_rules! single_shard {
    () => {
        $crate::single_shard!(
            b"-ERR keys on several shards: this command set runs on one shard only\r\n"
        );
    };
    ($reply:expr) => {
        type Part = ();
        type PartReply = ();
        type Plan = ();

        fn plan(
            &self,
            _: &mut Self::Shard,
            _: Self::Ctx,
            _: Self::Cmd,
            _: $crate::Args<'_>,
            _: &$crate::Router,
            _: &mut ::std::vec::Vec<(usize, ())>,
        ) -> $crate::Planned<()> {
            // No parts: the runtime gathers at once, with no replies.
            $crate::Planned {
                plan: (),
                hold: false,
            }
        }

        fn execute_part(
            &self,
            _: &mut Self::Shard,
            _: Self::Ctx,
            _: (),
            _: &mut $crate::Clients<'_, Self>,
        ) {
        }

        fn gather(
            &self,
            _: &mut Self::Shard,
            _: &mut (),
            _: ::std::vec::Vec<()>,
            _: &$crate::Router,
            _: &mut ::std::vec::Vec<(usize, ())>,
            out: &mut ::std::vec::Vec<u8>,
        ) -> $crate::Gather {
            out.extend_from_slice($reply);
            $crate::Gather::Done
        }
    };
}
