//! Scripts and their caller's ACL user against redis-server 7.0: a call
//! the user may not make fails with `scriptVerifyACL`'s texts (command,
//! key, channel) and lands in the ACL log in the `lua` context (its timing
//! and connection line masked); `redis.acl_check_cmd` answers for the
//! user, keys and channels included; `DEBUG SET-DISABLE-DENY-SCRIPTS`
//! lets scripts call `noscript` commands; the global tables' protection
//! against `setmetatable` and `getmetatable` tricks; keys expiring by the
//! script's start time while it runs (Redis's `scriptTimeSnapshot`). Every sequence ends
//! as `default` with its users deleted, since the servers outlive it.
//!
//! With two shards, `a` lives on shard 1 and `b` on shard 0.

use super::{run_family, run_family_debug, Seq};

const BOB: &[&str] = &[
    "ACL",
    "SETUSER",
    "bob",
    "on",
    ">123",
    "+@scripting",
    "+set",
    "+get",
    "+publish",
    "~x*",
    "~a",
    "~b",
    "&ch*",
];

pub const SEQUENCES: &[Seq] = &[
    // calls refused inside scripts, and the log's entries
    &[
        BOB,
        &["ACL", "LOG", "RESET"],
        &["AUTH", "bob", "123"],
        &["EVAL", "return redis.call('hset', 'xx', 'f', 1)", "0"],
        &["EVAL", "return redis.pcall('hset', 'xx', 'f', 1)", "0"],
        &["EVAL", "return redis.call('set', 'yy', 1)", "0"],
        &["EVAL", "return redis.call('set', 'b', 1)", "0"],
        &["EVAL", "return redis.call('set', KEYS[1], 1)", "1", "a"],
        // refused on a's shard, then a call on b's: one log entry
        &["EVAL", "local e = redis.pcall('lpush', KEYS[1], 1); return {e['err'], redis.call('get', 'b')}", "1", "a"],
        &["EVAL", "local e = redis.pcall('lpush', KEYS[1], 1); return {e['err'], redis.call('get', 'a')}", "1", "b"],
        &["EVAL", "return redis.call('get', 'a')", "0"],
        &["EVAL", "return redis.call('set', 'x1', 1)", "0"],
        &["EVAL", "return redis.call('publish', 'zz', 1)", "0"],
        &["EVAL", "return redis.call('publish', 'ch1', 1)", "0"],
        &["EVAL", "redis.call('set', 'a', 2); return redis.call('incr', 'a')", "1", "a"],
        &["EVAL", "local ok = redis.pcall('incr', 'a'); return {ok['err'], redis.call('get', 'a')}", "0"],
        &["EVAL_RO", "return redis.call('hget', 'xx', 'f')", "0"],
        &["AUTH", "default", "x"],
        &["GET", "a"],
        &["ACL", "LOG", "20"],
        &["ACL", "LOG", "RESET"],
        &["ACL", "DELUSER", "bob"],
    ],
    // the script commands themselves, refused as any command (their
    // declared keys too) and logged as `toplevel`
    &[
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=lib\nredis.register_function('f', function(k) return redis.call('get', k[1]) end)",
        ],
        &["ACL", "SETUSER", "bob", "on", ">123", "+get", "~*"],
        &["ACL", "LOG", "RESET"],
        &["AUTH", "bob", "123"],
        &["EVAL", "return 1", "0"],
        &["EVALSHA", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "0"],
        &["FCALL", "f", "1", "a"],
        &["FCALL_RO", "f", "1", "a"],
        &["SCRIPT", "LOAD", "return 1"],
        &["FUNCTION", "LIST"],
        &["SCRIPT", "KILL"],
        &["EVAL_RO", "return 1", "1", "b"],
        &["AUTH", "default", "x"],
        &["ACL", "SETUSER", "bob", "+@scripting", "-function|list"],
        &["AUTH", "bob", "123"],
        &["EVAL", "return redis.call('function', 'list')", "0"],
        &["FUNCTION", "LIST"],
        &["FCALL", "f", "1", "b"],
        &["AUTH", "default", "x"],
        &["ACL", "SETUSER", "bob", "resetkeys", "~a"],
        &["AUTH", "bob", "123"],
        &["FCALL", "f", "1", "b"],
        &["FCALL", "f", "1", "a"],
        &["EVAL", "return 1", "1", "b"],
        &["EVAL", "return 1", "1", "a"],
        &["AUTH", "default", "x"],
        &["ACL", "LOG", "20"],
        &["ACL", "LOG", "RESET"],
        &["ACL", "DELUSER", "bob"],
        &["FUNCTION", "FLUSH"],
    ],
    // redis.acl_check_cmd
    &[
        &["EVAL", "return redis.acl_check_cmd('hset', 'k', 'f', 1)", "0"],
        &["EVAL", "return redis.acl_check_cmd('nosuch')", "0"],
        &["EVAL", "return redis.acl_check_cmd()", "0"],
        &["EVAL", "return redis.acl_check_cmd('get', {})", "0"],
        BOB,
        &["AUTH", "bob", "123"],
        &["EVAL", "return redis.acl_check_cmd('set', 'xx', 1)", "1", "xx"],
        &["EVAL", "return redis.acl_check_cmd('hset', 'xx', 'f', 1)", "1", "xx"],
        &["EVAL", "return redis.acl_check_cmd('set', 'yy', 1)", "0"],
        &["EVAL", "return redis.acl_check_cmd('set', 'b', 1)", "0"],
        &["EVAL", "return redis.acl_check_cmd('set', 'zz', 1)", "0"],
        &["EVAL", "return redis.acl_check_cmd('publish', 'ch1', 'm')", "0"],
        &["EVAL", "return redis.acl_check_cmd('publish', 'zz', 'm')", "0"],
        &["EVAL", "return redis.acl_check_cmd('config')", "0"],
        &["EVAL", "return redis.acl_check_cmd('config', 'nosuch')", "0"],
        &["EVAL", "return redis.acl_check_cmd('invalid-cmd', 'arg')", "0"],
        &["EVAL", "return {redis.acl_check_cmd('get', 'x2'), redis.acl_check_cmd('lpush', 'x2', 1)}", "0"],
        &["AUTH", "default", "x"],
        &["ACL", "LOG"],
        &["ACL", "DELUSER", "bob"],
    ],
    // the global tables cannot be tricked through their metatables
    &[
        &["EVAL", "setmetatable(_G, {})", "0"],
        &["EVAL", "local g = getmetatable(_G)\ng.__index = {}", "0"],
        &["EVAL", "return type(getmetatable(_G))", "0"],
        &["EVAL", "return getmetatable(redis)", "0"],
        &["EVAL", "return getmetatable(cjson)", "0"],
        &["EVAL", "setmetatable(redis, {})", "0"],
        &["EVAL", "setmetatable(string, {})", "0"],
        &["EVAL", "local t = setmetatable({}, {__index = function() return 5 end}); return t.x", "0"],
        &["EVAL", "return type(getmetatable(''))", "0"],
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=trick\nredis.register_function('t1', function() setmetatable(_G, {}) end)\nredis.register_function('t2', function() local g = getmetatable(_G)\n g.__index = {} end)",
        ],
        &["FCALL", "t1", "0"],
        &["FCALL", "t2", "0"],
        &["FUNCTION", "FLUSH"],
    ],
    // a key with a 1 ms deadline lives through the script that set it
    &[
        &["EVAL", BUSY, "1", "a"],
        &["EVAL", BUSY, "1", "b"],
        &["EXISTS", "a", "b"],
    ],
];

/// With `DEBUG` on both servers.
pub const DEBUG_SEQUENCES: &[Seq] = &[
    // DEBUG SET-DISABLE-DENY-SCRIPTS
    &[
        &[
            "EVAL",
            "return redis.call('debug', 'protocol', 'bignum')",
            "0",
        ],
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"],
        &[
            "EVAL",
            "return redis.call('debug', 'protocol', 'bignum')",
            "0",
        ],
        &[
            "EVAL",
            "redis.setresp(3); return redis.call('debug', 'protocol', 'map')",
            "0",
        ],
        &[
            "EVAL",
            "redis.setresp(3); return redis.call('debug', 'protocol', 'double')",
            "0",
        ],
        &["EVAL", "return redis.call('debug', 'protocol', 'set')", "0"],
        &["EVAL", "return type(redis.call('client', 'list'))", "0"],
        &["EVAL", "return redis.call('debug', 'sleep', 0)", "0"],
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0.5"],
        &[
            "EVAL",
            "return redis.call('debug', 'protocol', 'bignum')",
            "0",
        ],
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS"],
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"],
    ],
    // keys expire by the script's start while it runs, on either shard,
    // declared or not (the run going global on DEBUG's plan)
    &[
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"],
        &["EVAL", SLEEPY, "0"],
        &["EXISTS", "key"],
        &["EVAL", SLEEPY_KEYS, "1", "a"],
        &["EVAL", SLEEPY_KEYS, "1", "b"],
        &["EXISTS", "a", "b"],
        &["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
        &["SET", "key", "value", "PX", "1"],
        &["DEBUG", "SLEEP", "0.01"],
        &["EVAL", "return redis.call('EXISTS', 'key')", "0"],
        &["EXISTS", "key"],
        &["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"],
    ],
];

const SLEEPY: &str = "redis.call('SET', 'key', 'value', 'PX', '1'); redis.call('DEBUG', 'SLEEP', 0.01); return redis.call('EXISTS', 'key')";
const SLEEPY_KEYS: &str = "redis.call('SET', KEYS[1], 'value', 'PX', '1'); redis.call('DEBUG', 'SLEEP', 0.01); return {redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[1])}";
/// Waits 3 ms of the server's clock without DEBUG.
const BUSY: &str = "redis.call('SET', KEYS[1], 'v', 'PX', 1); local t = redis.call('TIME'); repeat local n = redis.call('TIME') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 3000; return {redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[1])}";

#[test]
fn scripts_and_acl() {
    run_family("scripting_acl", SEQUENCES);
}

#[test]
fn scripts_with_debug() {
    run_family_debug("scripting_debug", DEBUG_SEQUENCES);
}
