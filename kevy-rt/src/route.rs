//! Turning a [`Route`] into the place a command runs. Shared by the reactor and
//! the in-process [`Harness`](crate::testing::Harness), so both route alike.

use crate::args::Args;
use crate::commands::Route;
use crate::router::Router;

/// Where one command runs, seen from the shard `here` that decoded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `execute_local` on the connection's shard.
    Local,
    /// `execute` on this shard (possibly `here`).
    Shard(usize),
    /// A multi-shard operation.
    Plan,
}

/// Resolves `route` for `args` on shard `here`.
#[inline]
pub(crate) fn target(route: Route, args: Args<'_>, router: &Router, here: usize) -> Target {
    match route {
        Route::Local => Target::Local,
        Route::Plan => Target::Plan,
        // The usual keyed command, without the walk's closure (a call per
        // key that was not inlined).
        Route::Key(i) if (i as usize) < args.len() => {
            Target::Shard(router.shard_of(args.at(i as usize)))
        }
        Route::Key(_) | Route::Keys { .. } => {
            let mut owner = None;
            let one = route.for_each_key(args, |key| {
                let s = router.shard_of(key);
                *owner.get_or_insert(s) == s
            });
            if one {
                Target::Shard(owner.unwrap_or(here))
            } else {
                Target::Plan
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::OwnedArgs;

    #[test]
    fn keys_on_one_shard_run_there() {
        let r = Router::new(4);
        let a: OwnedArgs = ["PUTALL", "{t}a", "1", "{t}b", "2"].into_iter().collect();
        let route = Route::Keys {
            first: 1,
            last: -1,
            step: 2,
        };
        assert_eq!(
            target(route, a.args(), &r, 0),
            Target::Shard(r.shard_of(b"t"))
        );
        let a: OwnedArgs = (0..64).map(|i| format!("k{i}")).collect();
        let route = Route::Keys {
            first: 1,
            last: -1,
            step: 1,
        };
        assert_eq!(target(route, a.args(), &r, 0), Target::Plan);
        let a: OwnedArgs = ["X"].into_iter().collect();
        assert_eq!(target(route, a.args(), &r, 3), Target::Shard(3));
        assert_eq!(target(Route::Local, a.args(), &r, 3), Target::Local);
    }
}
