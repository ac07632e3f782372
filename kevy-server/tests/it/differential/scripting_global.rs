//! Global-mode scripts (keys on both shards, or undeclared keys on another
//! shard): each call on another shard suspends the run until its reply is
//! in, wherever the call sits — inside Lua's `pcall`, a metamethod, a
//! `table.sort` comparator, a `string.gsub` callback, a Lua coroutine, an
//! iterator whose order no rerun could repeat (`pairs` over tables keyed
//! by tables) — with errors half-way keeping their writes, `SELECT` inside
//! the script, multi-shard calls in a loop, functions, and hundreds of
//! remote calls in one script. Every reply as redis-server 7.0's.
//!
//! With two shards, `a` lives on shard 1 and `b` on shard 0.

use super::{run_family, Seq};

const PCALL: &str = "local ok1, v1 = pcall(redis.call, 'incr', KEYS[1]) \
    local ok2, v2 = pcall(function() return redis.call('incr', KEYS[2]) end) \
    local ok3, v3 = pcall(redis.call, 'lpush', KEYS[2], 'x') \
    return {ok1 and 1 or 0, v1, ok2 and 1 or 0, v2, ok3 and 1 or 0, v3}";
const RPCALL: &str = "local e = redis.pcall('lpush', KEYS[1], 'x') \
    local v = redis.pcall('incr', KEYS[2]) return {e['err'], v}";
const SORT: &str = "local t = {KEYS[1], KEYS[2], KEYS[3], KEYS[4]} \
    table.sort(t, function(x, y) \
      return tonumber(redis.call('get', x)) < tonumber(redis.call('get', y)) end) \
    return t";
const META: &str = "local m = setmetatable({}, {__index = function(_, k) \
      return redis.call('get', k) end}) \
    return {m[KEYS[1]], m[KEYS[2]], m[KEYS[1]]}";
const GSUB: &str = "local s = string.gsub(KEYS[1] .. ' ' .. KEYS[2], '%w+', \
      function(k) return redis.call('incr', k) end) return s";
const COROUTINE: &str = "local co = coroutine.wrap(function() \
      for i = 1, 4 do coroutine.yield(redis.call('incr', KEYS[(i % 2) + 1])) end end) \
    return {co(), co(), co(), co()}";
const PAIRS: &str = "local t = {} t[{}] = KEYS[1] t[{}] = KEYS[2] t[{}] = KEYS[1] \
    local sum = 0 \
    for _, k in pairs(t) do sum = sum + redis.call('incrby', k, 10) end \
    return redis.call('mget', KEYS[1], KEYS[2])";
const MANY: &str = "for i = 1, 300 do redis.call('incr', KEYS[1]) redis.call('incr', KEYS[2]) end \
    return redis.call('mget', KEYS[1], KEYS[2])";
const UNDECLARED: &str = "for i = 1, 50 do redis.call('incr', 'a') redis.call('incr', 'b') end \
    return redis.call('mget', 'a', 'b')";
const HALFWAY: &str = "redis.call('set', KEYS[1], 'kept-a') redis.call('set', KEYS[2], 'kept-b') \
    redis.call('incr', KEYS[1])";
const SELECT: &str = "redis.call('select', 1) redis.call('set', KEYS[1], 'one') \
    redis.call('set', KEYS[2], 'two') local r = redis.call('mget', KEYS[1], KEYS[2]) \
    redis.call('select', 0) return {r, redis.call('exists', KEYS[1], KEYS[2])}";
const MULTI_LOOP: &str = "for i = 1, 20 do redis.call('mset', KEYS[1], i, KEYS[2], i * 2) end \
    local n = redis.call('del', KEYS[1], KEYS[2]) \
    redis.call('mset', KEYS[1], 'x', KEYS[2], 'y') \
    return {n, redis.call('mget', KEYS[1], KEYS[2])}";
const LIB: &str = "#!lua name=glib\nredis.register_function('spread', function(keys, args) \
    local out = {} \
    for i = 1, tonumber(args[1]) do \
      local ok, v = pcall(redis.call, 'incr', keys[(i % #keys) + 1]) \
      out[#out + 1] = v end \
    table.sort(out, function(x, y) return redis.call('get', keys[1]) ~= nil and x > y end) \
    return out end)";

pub const SEQUENCES: &[Seq] = &[
    // calls on the other shard inside pcall, redis.pcall errors
    &[
        &["FLUSHALL"],
        &["EVAL", PCALL, "2", "a", "b"],
        &["SET", "b", "str"],
        &["EVAL", PCALL, "2", "a", "b"],
        &["EVAL", RPCALL, "2", "b", "a"],
        &["MGET", "a", "b"],
    ],
    // comparators, metamethods, gsub callbacks, Lua coroutines
    &[
        &["FLUSHALL"],
        &["MSET", "a", "4", "b", "1", "c", "3", "d", "2"],
        &["EVAL", SORT, "4", "a", "b", "c", "d"],
        &["EVAL", META, "2", "a", "b"],
        &["EVAL", GSUB, "2", "a", "b"],
        &["EVAL", COROUTINE, "2", "a", "b"],
        &["MGET", "a", "b", "c", "d"],
    ],
    // an iteration order no rerun could repeat; many remote calls
    &[
        &["FLUSHALL"],
        &["EVAL", PAIRS, "2", "a", "b"],
        &["EVAL", MANY, "2", "a", "b"],
        &["EVAL", UNDECLARED, "0"],
        &["EVAL", UNDECLARED, "1", "b"],
    ],
    // an error half-way keeps the writes; SELECT; multi-shard calls
    &[
        &["FLUSHALL"],
        &["EVAL", HALFWAY, "2", "a", "b"],
        &["MGET", "a", "b"],
        &["EVAL", SELECT, "2", "a", "b"],
        &["SELECT", "1"],
        &["MGET", "a", "b"],
        &["SELECT", "0"],
        &["EVAL", MULTI_LOOP, "2", "a", "b"],
    ],
    // a function across shards
    &[
        &["FLUSHALL"],
        &["FUNCTION", "FLUSH"],
        &["FUNCTION", "LOAD", LIB],
        &["FCALL", "spread", "2", "a", "b", "9"],
        &["MGET", "a", "b"],
        &["FUNCTION", "FLUSH"],
    ],
];

#[test]
fn global_scripts_suspend_anywhere() {
    run_family("scripting_global", SEQUENCES);
}
