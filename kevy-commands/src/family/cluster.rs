//! CLUSTER, READONLY, READWRITE and ASKING on a server without cluster
//! mode (kevy, like redis-server with `cluster-enabled no`): every
//! subcommand Redis knows is in the command table — so COMMAND, ACL rules
//! and arity checks see them as Redis does — and each answers Redis's
//! refusal. kevy shards inside one process; it does not join a Redis
//! cluster.

use kevy_rt::Flow;

use super::Local;
use crate::base::resp;

/// Redis's reply to a cluster command when cluster mode is off.
pub const DISABLED: &[u8] = b"ERR This instance has cluster support disabled";

/// `CLUSTER <subcommand> ...`, `READONLY`, `READWRITE`, `ASKING`: refused,
/// as cluster support is disabled.
pub fn disabled(c: &mut Local<'_>) -> Flow {
    resp::error(c.out, DISABLED);
    Flow::Continue
}
