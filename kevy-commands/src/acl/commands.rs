//! The commands as ACL rules see them: an id per command and subcommand
//! (the table's counter index), its full name, ACL categories, parent and
//! subcommands. The command table installs the list once (this layer
//! sits below it); before that there is no command.

use std::sync::OnceLock;

/// Redis 7.0's ACL categories, in `ACL CAT` order; a category's bit is
/// `1 << index`.
pub const CATEGORIES: [&str; 21] = [
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// The bit of category `name` (case-insensitive), if it is one.
pub fn category(name: &[u8]) -> Option<u32> {
    CATEGORIES
        .iter()
        .position(|c| c.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| 1 << i)
}

/// The bits of categories named as the table prints them (`@read`).
pub fn categories_of(names: &[&str]) -> u32 {
    names
        .iter()
        .filter_map(|n| category(n.trim_start_matches('@').as_bytes()))
        .fold(0, |a, b| a | b)
}

/// One command or subcommand.
#[derive(Clone, Debug)]
pub struct CmdInfo {
    /// Full name, lowercase (`get`, `config|get`).
    pub name: &'static str,
    /// Category bits.
    pub cats: u32,
    /// The container's id, for a subcommand.
    pub parent: Option<usize>,
    /// The subcommands' ids, for a container.
    pub subs: Vec<usize>,
    /// Allowed before authentication (`no_auth`): never denied.
    pub no_auth: bool,
}

static LIST: OnceLock<Vec<CmdInfo>> = OnceLock::new();

/// Installs the command list, indexed by id (once; later calls keep the
/// first).
pub fn install(list: Vec<CmdInfo>) {
    let _ = LIST.set(list);
}

/// Every command, by id.
pub fn all() -> &'static [CmdInfo] {
    LIST.get().map_or(&[], Vec::as_slice)
}

/// Command `id`.
pub fn get(id: usize) -> Option<&'static CmdInfo> {
    all().get(id)
}

/// The id of the command of full name `name` (`get`, `config|get`),
/// case-insensitively.
pub fn lookup(name: &[u8]) -> Option<usize> {
    all()
        .iter()
        .position(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Words of a command bitmap.
pub fn words() -> usize {
    all().len().div_ceil(64).max(1)
}
