//! `SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP` (`SCRIPT DEBUG` is the
//! session's: `script::plan`).

use kevy_rt::Args;

use super::shebang;
use crate::base::resp::{self, Reply};
use crate::script::vm;
use crate::table::Spec;

/// `SCRIPT HELP` (redis-server 7.0's text).
const HELP: &[&str] = &[
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
];

/// `SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP`.
pub(crate) fn script_command(
    redis: &crate::Redis,
    shard: &crate::shard::ShardState,
    cmd: &Spec,
    args: Args<'_>,
    out: &mut Reply<'_>,
) {
    let registry = &redis.scripts;
    match cmd.name {
        // SCRIPT LOAD script
        "script|load" => {
            let body = args.at(2);
            let (_, skip) = match shebang(body) {
                Ok(x) => x,
                Err(e) => return resp::error(out, format!("ERR {e}").as_bytes()),
            };
            let sha = crate::script::sha1_hex(body);
            let compiled = vm::with_spare(|vm| vm.compile(&sha, &body[skip..]).map(|_| ()));
            match compiled {
                Some(Err(e)) => resp::error(
                    out,
                    format!("ERR Error compiling script (new function): {e}").as_bytes(),
                ),
                _ => {
                    registry.add(body, &shard.server.shared.scripts);
                    resp::bulk(out, sha.as_bytes());
                }
            }
        }
        // SCRIPT EXISTS sha1 [sha1 ...]
        "script|exists" => {
            resp::array(out, args.len() - 2);
            for i in 2..args.len() {
                let sha = String::from_utf8_lossy(args.at(i)).to_ascii_lowercase();
                resp::int(out, registry.body(&sha).is_some() as i64);
            }
        }
        // SCRIPT FLUSH [ASYNC|SYNC]
        "script|flush" => {
            if args.len() > 3
                || (args.len() == 3
                    && !args.at(2).eq_ignore_ascii_case(b"sync")
                    && !args.at(2).eq_ignore_ascii_case(b"async"))
            {
                return resp::error(out, b"ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            }
            registry.flush(&shard.server.shared.scripts);
            resp::ok(out);
        }
        // SCRIPT KILL
        "script|kill" => registry.watch.kill(true, out),
        // SCRIPT HELP
        "script|help" => {
            resp::array(out, HELP.len());
            for line in HELP {
                resp::simple(out, line.as_bytes());
            }
        }
        // SCRIPT DEBUG inside EXEC (outside, `script::plan` sets the
        // session's mode): Redis finds the transaction's replies pending.
        "script|debug" => resp::error(out, b"ERR SCRIPT DEBUG must be called outside a pipeline"),
        _ => resp::error(out, b"ERR internal error: unknown SCRIPT subcommand"),
    }
}
