//! The effects' count and wrapping.

use super::*;

#[test]
fn counts_commands_but_not_selects() {
    let mut f = Fragment::default();
    assert_eq!(commands(&f.bytes), 0);
    f.command(0, &["SET", "k", "v"]);
    assert_eq!(commands(&f.bytes), 1);
    f.command(3, &["INCR", "n"]);
    assert_eq!(commands(&f.bytes), 2);
    f.command(3, &["SET", "bin", "a\r\nb$*"]);
    assert_eq!(commands(&f.bytes), 3);
}

#[test]
fn one_write_alone_several_wrapped() {
    let mut shard = ShardState::new(1, 0);
    shard.aof.on = true;
    let mut one = Fragment::default();
    one.command(0, &["SET", "k", "v"]);
    write(&mut shard, &one);
    assert_eq!(commands(&shard.aof.main.bytes), 1);
    let mut two = Fragment::default();
    two.command(1, &["SET", "a", "1"]);
    two.command(1, &["SET", "b", "2"]);
    write(&mut shard, &two);
    let text = String::from_utf8_lossy(&shard.aof.main.bytes).to_string();
    assert!(text.contains("MULTI"), "{text}");
    assert!(text.ends_with("$4\r\nEXEC\r\n"), "{text}");
    assert_eq!(commands(&shard.aof.main.bytes), 5);
    // Inside EXEC's capture: appended as they are.
    shard.aof.start_capture();
    write(&mut shard, &two);
    let cap = shard.aof.end_capture();
    assert_eq!(commands(&cap.bytes), 2);
    // Nothing written logs nothing.
    let before = shard.aof.main.bytes.len();
    write(&mut shard, &Fragment::default());
    assert_eq!(shard.aof.main.bytes.len(), before);
}
