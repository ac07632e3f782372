//! Hot paths of the runtime: RESP decoding, key routing and ring throughput.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kevy_rt::resp::{decode, Decoded, Limits};
use kevy_rt::ring::ring;
use kevy_rt::router::Router;
use kevy_rt::Span;

fn pipeline(n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..n {
        let key = format!("key:{i:012}");
        v.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$3\r\nxxx\r\n",
                key.len()
            )
            .as_bytes(),
        );
    }
    v
}

/// Decodes every request of `input`, over and over.
fn decode_all(b: &mut criterion::Bencher<'_>, input: &[u8], limits: &Limits) {
    let mut buf = input.to_vec();
    let mut spans: Vec<Span> = Vec::with_capacity(8);
    b.iter(|| {
        let mut pos = 0;
        while pos < buf.len() {
            spans.clear();
            match decode(&mut buf[pos..], &mut spans, limits) {
                Decoded::Command { consumed } => pos += consumed,
                other => panic!("bench input must decode: {other:?}"),
            }
            black_box(&spans);
        }
    })
}

fn bench_decode(c: &mut Criterion) {
    let limits = Limits::default();
    let mut g = c.benchmark_group("decode");
    let input = pipeline(16);
    g.throughput(Throughput::Elements(16));
    g.bench_function("multibulk_set_x16", |b| decode_all(b, &input, &limits));
    let inline = b"SET key:000000000001 xxx\r\n".repeat(16);
    g.bench_function("inline_set_x16", |b| decode_all(b, &inline, &limits));
    g.finish();
}

fn bench_ring(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring");
    g.throughput(Throughput::Elements(1));
    g.bench_function("push_pop_same_thread", |b| {
        let (mut p, mut cons) = ring::<u64>(1024);
        b.iter(|| {
            let _ = p.push(black_box(7));
            black_box(cons.pop());
        })
    });
    const N: u64 = 1 << 20;
    g.throughput(Throughput::Elements(N));
    g.bench_function("two_threads_1M", |b| {
        b.iter(|| {
            let (mut p, mut cons) = ring::<u64>(1024);
            let t = std::thread::spawn(move || {
                let mut i = 0;
                while i < N {
                    if p.push(i).is_ok() {
                        i += 1;
                    } else {
                        std::hint::spin_loop();
                    }
                }
            });
            let mut got = 0;
            while got < N {
                if cons.pop().is_some() {
                    got += 1;
                } else {
                    std::hint::spin_loop();
                }
            }
            t.join().unwrap();
        })
    });
    g.finish();
}

/// Key → shard: a plain key (hashed and checked for `{` in one pass) and a
/// tagged one (the tag found, then hashed).
fn bench_route(c: &mut Criterion) {
    let mut g = c.benchmark_group("route");
    let router = Router::new(2);
    let keys: Vec<Vec<u8>> = (0..1024)
        .map(|i| format!("key:{i:012}").into_bytes())
        .collect();
    g.throughput(Throughput::Elements(keys.len() as u64));
    g.bench_function("plain_16b_x1024", |b| {
        b.iter(|| {
            keys.iter()
                .map(|k| router.shard_of(black_box(k)))
                .sum::<usize>()
        })
    });
    let tagged: Vec<Vec<u8>> = (0..1024)
        .map(|i| format!("{{user:{i}}}:name").into_bytes())
        .collect();
    g.bench_function("tagged_x1024", |b| {
        b.iter(|| {
            tagged
                .iter()
                .map(|k| router.shard_of(black_box(k)))
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decode, bench_route, bench_ring);
criterion_main!(benches);
