//! Hot paths of the command set: resolving a verb in the command table, and
//! GET / SET executed on one shard.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kevy_commands::{Ctx, Redis};
use kevy_rt::{Commands, OwnedArgs, ShardInfo};

fn args(words: &[&str]) -> OwnedArgs {
    words.iter().collect()
}

fn bench_resolve(c: &mut Criterion) {
    let redis = Redis::new();
    let mut g = c.benchmark_group("resolve");
    g.throughput(Throughput::Elements(1));
    for words in [
        &["GET", "key:000000000001"][..],
        &["set", "key:000000000001", "xxx"][..],
        &["INCRBYFLOAT", "key", "1.5"][..],
        &["NOTACOMMAND", "x"][..],
    ] {
        let a = args(words);
        g.bench_function(words[0], |b| {
            b.iter(|| black_box(redis.resolve(black_box(a.args()))))
        });
    }
    g.finish();
}

fn bench_execute(c: &mut Criterion) {
    let redis = Redis::new();
    let mut shard = redis.new_shard(ShardInfo::new(0, 1));
    let ctx = Ctx::default();
    let keys: Vec<String> = (0..10_000).map(|i| format!("key:{i:012}")).collect();
    for k in &keys {
        let a = args(&["SET", k, "xxx"]);
        let cmd = redis.resolve(a.args()).cmd;
        redis.execute(&mut shard, ctx, cmd, a.args(), &mut Vec::new());
    }
    let mut g = c.benchmark_group("execute");
    g.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(1 << 16);
    let gets: Vec<OwnedArgs> = keys.iter().map(|k| args(&["GET", k])).collect();
    let sets: Vec<OwnedArgs> = keys.iter().map(|k| args(&["SET", k, "yyy"])).collect();
    for (name, cmds) in [("get_hit", &gets), ("set_overwrite", &sets)] {
        let cmd = redis.resolve(cmds[0].args()).cmd;
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let a = cmds[i % cmds.len()].args();
                i += 1;
                redis.execute(&mut shard, ctx, cmd, a, &mut out);
                black_box(out.len())
            })
        });
    }
    let miss = args(&["GET", "no-such-key"]);
    let cmd = redis.resolve(miss.args()).cmd;
    g.bench_function("get_miss", |b| {
        b.iter(|| {
            out.clear();
            redis.execute(&mut shard, ctx, cmd, miss.args(), &mut out);
            black_box(out.len())
        })
    });
    g.finish();
}

/// GET and SET over a shard of 500,000 keys (what each of two shards holds
/// after the issue-3 memory load), visited in a scattered order: the cost of
/// the keyspace's memory accesses, not of a cache-resident table.
fn bench_execute_large(c: &mut Criterion) {
    const KEYS: usize = 500_000;
    let redis = Redis::new();
    let mut shard = redis.new_shard(ShardInfo::new(0, 1));
    let ctx = Ctx::default();
    let key = |i: usize| format!("key:{i}");
    let set = redis.resolve(args(&["SET", "k", "v"]).args()).cmd;
    let get = redis.resolve(args(&["GET", "k"]).args()).cmd;
    for i in 0..KEYS {
        let a = args(&["SET", &key(i), "value:0123456789"]);
        redis.execute(&mut shard, ctx, set, a.args(), &mut Vec::new());
    }
    // A fixed scattered order of 64K keys (a multiplicative walk).
    let order: Vec<usize> = (0..65_536)
        .map(|i| (i * 2_654_435_761usize) % KEYS)
        .collect();
    let gets: Vec<OwnedArgs> = order.iter().map(|&i| args(&["GET", &key(i)])).collect();
    let sets: Vec<OwnedArgs> = order
        .iter()
        .map(|&i| args(&["SET", &key(i), "value:9876543210"]))
        .collect();
    let mut g = c.benchmark_group("execute_500k");
    g.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(1 << 16);
    for (name, cmd, cmds) in [("get_hit", get, &gets), ("set_overwrite", set, &sets)] {
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let a = cmds[i % cmds.len()].args();
                i += 1;
                redis.execute(&mut shard, ctx, cmd, a, &mut out);
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_resolve, bench_execute, bench_execute_large);
criterion_main!(benches);
