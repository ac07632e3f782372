//! MODULE: kevy loads no modules (Redis modules are C libraries written
//! against Redis's own module API). LIST answers an empty list and HELP
//! Redis's text. LOAD, LOADEX and UNLOAD are refused as Redis refuses them
//! while `enable-module-command` does not allow the client (`no`, the
//! default; `local` from another host); where it does, they fail as
//! Redis's fail for a library it cannot load and a name it has not loaded.

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

/// Whether `enable-module-command` lets this client load and unload.
fn allowed(c: &Local<'_>) -> bool {
    let setting = c.shard.server.shared.config.get("enable-module-command");
    crate::config::protected_enabled(setting.as_deref(), c.cx.client.local())
}

/// MODULE LOAD path [arg …] | MODULE LOADEX path [CONFIG name value …] [ARGS arg …]
///
/// Refused unless `enable-module-command` allows the client; else the
/// library is not loaded (logged, as Redis logs a failed `dlopen`) and
/// the reply is Redis's for a module that failed to load.
pub fn load(c: &mut Local<'_>) -> Flow {
    if !allowed(c) {
        resp::error(c.out, NOT_ALLOWED);
        return Flow::Continue;
    }
    let path = String::from_utf8_lossy(c.args.at(2)).into_owned();
    c.shard.server.shared.log.log(
        crate::base::log::Level::Warning,
        &format!("Module {path} failed to load: kevy-server does not load Redis modules"),
    );
    resp::error(
        c.out,
        b"ERR Error loading the extension. Please check the server logs.",
    );
    Flow::Continue
}

/// MODULE UNLOAD name
///
/// Refused unless `enable-module-command` allows the client; else no
/// module of that name is loaded (none ever is).
pub fn unload(c: &mut Local<'_>) -> Flow {
    if !allowed(c) {
        resp::error(c.out, NOT_ALLOWED);
        return Flow::Continue;
    }
    resp::error(
        c.out,
        b"ERR Error unloading module: no such module with that name",
    );
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use crate::testutil::{harness, run};

    /// Refused as redis-server 7.0.15 refuses them by default
    /// (`enable-module-command no`).
    #[test]
    fn load_and_unload_are_refused_by_default() {
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
    }

    /// Allowed, they fail as Redis's fail with nothing loadable: the
    /// library is not loaded, and no module of that name is loaded.
    #[test]
    fn when_allowed_load_fails_and_unload_finds_nothing() {
        let mut h = harness();
        h.commands()
            .config()
            .load("enable-module-command", &["yes"])
            .expect("accepted");
        for cmd in [
            &["MODULE", "LOAD", "/x.so"][..],
            &["MODULE", "LOADEX", "/x.so"],
        ] {
            assert_eq!(
                run(&mut h, cmd),
                b"-ERR Error loading the extension. Please check the server logs.\r\n"
            );
        }
        assert_eq!(
            run(&mut h, &["MODULE", "UNLOAD", "x"]),
            b"-ERR Error unloading module: no such module with that name\r\n"
        );
        assert_eq!(run(&mut h, &["MODULE", "LIST"]), b"*0\r\n");
    }
}
