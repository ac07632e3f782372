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

criterion_group!(benches, bench_resolve, bench_execute);
criterion_main!(benches);
