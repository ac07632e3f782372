//! A session changed by a local command is seen by the commands pipelined
//! behind it, in one write, on one shard and two: their context is taken at
//! their turn, [`Commands::dispatched`] runs once for each, and the lookahead
//! does not resolve or prefetch past a local command. Driven through
//! `kevy_rt::testing::TestServer`.

use std::cell::RefCell;
use std::collections::HashMap;

use kevy_rt::testing::TestServer;
use kevy_rt::{Args, Commands, Flow, LocalCx, Prefetch, Resolved, Route, ShardInfo};

/// `SEL n` (local): the session's number; `AT key`: the number the command
/// runs with; `N key`: how many keyed commands the connection sent before;
/// `BAD` (local): prefetches that saw another `SEL` than their command.
struct Sessions;

#[derive(Default)]
struct Shard {
    /// Per key, the contexts prefetches saw, oldest first.
    prefetched: RefCell<HashMap<Vec<u8>, Vec<Ctx>>>,
    /// Prefetches that saw another `SEL` than their command.
    stale: u64,
}

#[derive(Default)]
struct Session {
    sel: u64,
    sent: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ctx {
    sel: u64,
    sent: u64,
}

#[derive(Clone, Copy)]
enum Verb {
    Sel,
    At,
    N,
    Bad,
}

impl Commands for Sessions {
    type Shard = Shard;
    type Cmd = Verb;
    type Session = Session;
    type Ctx = Ctx;
    kevy_rt::single_shard!();

    fn new_shard(&self, _: ShardInfo) -> Shard {
        Shard::default()
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let (cmd, route) = match args.at(0) {
            b"AT" => (Verb::At, Route::Key(1)),
            b"N" => (Verb::N, Route::Key(1)),
            b"SEL" => (Verb::Sel, Route::Local),
            _ => (Verb::Bad, Route::Local),
        };
        Resolved { cmd, route }
    }

    fn ctx(&self, s: &Session) -> Ctx {
        Ctx {
            sel: s.sel,
            sent: s.sent,
        }
    }

    fn dispatched(&self, s: &mut Session) {
        s.sent += 1;
    }

    fn prefetch(&self, shard: &Shard, ctx: &Ctx, _: Verb, args: Args<'_>, _: Prefetch) {
        let mut seen = shard.prefetched.borrow_mut();
        seen.entry(args.at(1).to_vec()).or_default().push(*ctx);
    }

    fn execute(&self, shard: &mut Shard, ctx: Ctx, cmd: Verb, args: Args<'_>, out: &mut Vec<u8>) {
        let seen = shard.prefetched.get_mut().remove(args.at(1));
        // A prefetch's context may lag in per-command counts (it runs while
        // the command before is still to be dispatched), never in what a
        // local command set.
        shard.stale += seen.iter().flatten().filter(|c| c.sel != ctx.sel).count() as u64;
        let n = match cmd {
            Verb::N => ctx.sent,
            _ => ctx.sel,
        };
        out.extend_from_slice(format!(":{n}\r\n").as_bytes());
    }

    fn execute_local(
        &self,
        shard: &mut Shard,
        s: &mut Session,
        _: &LocalCx,
        cmd: Verb,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd {
            Verb::Sel => {
                s.sel = std::str::from_utf8(args.at(1))
                    .ok()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                out.extend_from_slice(b"+OK\r\n");
            }
            _ => out.extend_from_slice(format!(":{}\r\n", shard.stale).as_bytes()),
        }
        Flow::Continue
    }
}

#[test]
fn local_commands_change_the_session_of_the_next_pipelined_command() {
    for shards in [1, 2] {
        let server = TestServer::start(Sessions, shards);
        let mut c = server.connect();
        // Keys on every shard, so that some commands run where the
        // connection lives (and are prefetched) and some are forwarded.
        let keys: Vec<String> = (0..8).map(|i| format!("k{i}")).collect();
        let mut pipeline = Vec::new();
        let mut want = Vec::new();
        for (round, k) in keys.iter().enumerate() {
            pipeline.push(vec!["SEL".to_string(), round.to_string()]);
            want.push("+OK\r\n".to_string());
            for k2 in [k.as_str(), "a", "b", "c"] {
                pipeline.push(vec!["AT".to_string(), k2.to_string()]);
                want.push(format!(":{round}\r\n"));
            }
        }
        let cmds: Vec<&[String]> = pipeline.iter().map(|c| c.as_slice()).collect();
        let got: Vec<String> = c
            .pipeline(&cmds)
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect();
        assert_eq!(got, want, "{shards} shard(s)");
        // Keyed commands are counted once each, in order.
        let ns: Vec<&[&str]> = vec![&["N", "a"], &["N", "b"], &["N", "c"], &["N", "a"]];
        let before = 4 * keys.len() as u64;
        let got = c.pipeline(&ns);
        let want: Vec<Vec<u8>> = (0..4)
            .map(|i| format!(":{}\r\n", before + i).into_bytes())
            .collect();
        assert_eq!(got, want, "{shards} shard(s)");
        // No prefetch ran with a session its command did not have (the
        // connection's shard, where BAD runs, is the one that prefetches).
        assert_eq!(c.call(&["BAD"]), b":0\r\n", "{shards} shard(s)");
    }
}
