//! Large sorted sets, generated at run time.

/// Large sets (skiplist encoding): many members, ranks, ranges, removals,
/// conversions by member length, stores that come back compact.
pub fn sequences() -> Vec<Vec<Vec<String>>> {
    let cmd = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let mut big = cmd("ZADD big");
    for i in 0..150 {
        big.push(format!("{}", i % 50));
        big.push(format!("m{i:03}"));
    }
    let mut seq = vec![big];
    for c in [
        "ZCARD big",
        "ZRANK big m077",
        "ZREVRANK big m077",
        "ZSCORE big m149",
        "ZRANGE big 0 4 WITHSCORES",
        "ZRANGE big -3 -1",
        "ZRANGE big 70 72 REV",
        "ZRANGEBYSCORE big 10 10",
        "ZRANGEBYSCORE big (48 +inf WITHSCORES",
        "ZREVRANGEBYSCORE big 2 (1 LIMIT 1 2",
        "ZCOUNT big 10 20",
        "ZCOUNT big (10 (20",
        "ZINCRBY big 100 m000",
        "ZRANK big m000",
        "ZADD big -5 m149",
        "ZRANGE big 0 1",
        "ZREM big m001 m002",
        "ZREMRANGEBYRANK big 0 9",
        "ZRANGE big 0 2 WITHSCORES",
        "ZREMRANGEBYSCORE big 40 45",
        "ZCARD big",
        "ZPOPMAX big 2",
        "ZPOPMIN big",
        "ZRANDMEMBER big 1000 WITHSCORES",
        "ZSCAN big 0 COUNT 1000",
        "ZRANGESTORE small big 0 4",
        "ZRANGE small 0 -1 WITHSCORES",
        "ZSCAN small 0",
        "ZUNIONSTORE u 2 big small",
        "ZCARD u",
        "ZINTERSTORE i 2 big small WEIGHTS 1 0",
        "ZSCAN i 0",
        "ZDIFF 2 big small",
    ] {
        seq.push(cmd(c));
    }
    let mut lex = cmd("ZADD lex");
    for i in 0..140 {
        lex.push("0".into());
        lex.push(format!("w{i:03}"));
    }
    let mut lexseq = vec![lex];
    for c in [
        "ZRANGEBYLEX lex [w010 [w013",
        "ZREVRANGEBYLEX lex (w100 - LIMIT 0 3",
        "ZLEXCOUNT lex [w050 +",
        "ZLEXCOUNT lex (w050 (w060",
        "ZREMRANGEBYLEX lex - (w130",
        "ZRANGE lex 0 -1",
    ] {
        lexseq.push(cmd(c));
    }
    let long = "x".repeat(65);
    let mut member = vec![
        cmd(&format!("ZADD z 1 {long} 2 b -0 c")),
        cmd("ZSCORE z c"),
        cmd("ZRANGE z 0 -1 WITHSCORES"),
        cmd("ZSCAN z 0"),
        cmd("ZADD p 1 a -0 n"),
        cmd(&format!("ZADD p 2 {long}")),
        cmd("ZSCAN p 0"),
        cmd("ZSCORE p n"),
        cmd("ZINCRBY p -0 a"),
    ];
    member.push(cmd("ZREM p a n"));
    member.push(cmd(&format!("ZREM p {long}")));
    member.push(cmd("EXISTS p"));
    // A set reaching 129 members converts, one of 128 stays compact.
    let mut count = cmd("ZADD c");
    for i in 0..128 {
        count.push(format!("{i}"));
        count.push(format!("e{i}"));
    }
    let conv = vec![
        count,
        cmd("ZSCAN c 0 MATCH e12?"),
        cmd("ZADD c 1.5 extra"),
        cmd("ZSCAN c 0 MATCH e12? COUNT 1000"),
        cmd("ZREM c extra"),
        cmd("ZSCAN c 0 MATCH e12? COUNT 1000"),
    ];
    vec![seq, lexseq, member, conv]
}
