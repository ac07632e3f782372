//! MODULE: kevy loads no modules. LIST answers an empty list and HELP
//! Redis's text; LOAD, LOADEX and UNLOAD are refused as Redis refuses them
//! while `enable-module-command` is `no`, the only value kevy accepts for
//! it (the configuration refuses the others: modules are not
//! implemented).

use kevy_rt::Flow;

use super::opts::write_help;
use super::Local;
use crate::base::resp;

const NOT_ALLOWED: &[u8] = b"ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

const HELP: &[&str] = &[
    "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LIST",
    "    Return a list of loaded modules.",
    "LOAD <path> [<arg> ...]",
    "    Load a module library from <path>, passing to it any optional arguments.",
    "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
    "    Load a module library from <path>, while passing it module configurations and optional arguments.",
    "UNLOAD <name>",
    "    Unload a module.",
    "HELP",
    "    Prints this help.",
];

/// MODULE HELP
pub fn help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, HELP);
    Flow::Continue
}

/// MODULE LIST
///
/// No module is ever loaded: an empty list.
pub fn list(c: &mut Local<'_>) -> Flow {
    resp::array(c.out, 0);
    Flow::Continue
}

/// MODULE LOAD path [arg …] | MODULE LOADEX path [CONFIG name value …] [ARGS arg …] |
/// MODULE UNLOAD name
///
/// Redis's refusal while `enable-module-command` is `no`.
pub fn refuse(c: &mut Local<'_>) -> Flow {
    resp::error(c.out, NOT_ALLOWED);
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use crate::testutil::{harness, run};

    /// Refused as redis-server 7.0.15 refuses them by default; the setting
    /// that would allow them is refused by the configuration.
    #[test]
    fn load_and_unload_are_refused_and_cannot_be_enabled() {
        let mut h = harness();
        for cmd in [
            &["MODULE", "LOAD", "/x.so"][..],
            &["MODULE", "LOADEX", "/x.so", "ARGS", "a"],
            &["MODULE", "UNLOAD", "x"],
        ] {
            let reply = String::from_utf8_lossy(&run(&mut h, cmd)).into_owned();
            assert!(
                reply.starts_with("-ERR MODULE command not allowed. If the enable-module-command"),
                "{reply}"
            );
        }
        assert_eq!(run(&mut h, &["MODULE", "LIST"]), b"*0\r\n");
        for value in ["yes", "local"] {
            let refused = h
                .commands()
                .config()
                .load("enable-module-command", &[value]);
            assert!(refused.is_err(), "{value}");
        }
    }
}
