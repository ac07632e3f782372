//! A dialogue with a connection from inside the gather of its own command
//! (`ClientsOf::converse`, what a script debugger uses), on a real runtime
//! of 2 shards: `TALK` answers each word the client sends until `BYE`,
//! without a reply slot per word; the connection serves as usual after.

use kevy_rt::testing::TestServer;
use kevy_rt::{
    Args, ClientFacts, Clients, Commands, Flow, Gather, Heard, LocalCx, Planned, Resolved, Route,
    Router, ShardInfo,
};
use std::time::Duration;

struct Talk;

/// `TALK`'s state: the connection's id, and what to say next.
struct Plan {
    client: u64,
    say: Vec<u8>,
}

impl Commands for Talk {
    type Shard = ();
    type Cmd = ();
    type Session = u64;
    type Ctx = u64;
    type Part = ();
    type PartReply = ();
    type Plan = Plan;

    fn new_shard(&self, _: ShardInfo) {}

    fn resolve(&self, args: Args<'_>) -> Resolved<()> {
        let route = if args.at(0) == b"TALK" {
            Route::Plan
        } else {
            Route::Local
        };
        Resolved { cmd: (), route }
    }

    fn new_session(&self, client: &ClientFacts) -> u64 {
        client.id
    }

    fn ctx(&self, id: &u64) -> u64 {
        *id
    }

    fn execute(&self, _: &mut (), _: u64, _: (), _: Args<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"-ERR no keyed commands\r\n");
    }

    fn execute_local(
        &self,
        _: &mut (),
        _: &mut u64,
        _: &LocalCx,
        _: (),
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        out.extend_from_slice(b"+");
        out.extend_from_slice(args.at(0));
        out.extend_from_slice(b"\r\n");
        Flow::Continue
    }

    fn plan(
        &self,
        _: &mut (),
        client: u64,
        _: (),
        _: Args<'_>,
        _: &Router,
        _: &mut Vec<(usize, ())>,
    ) -> Planned<Plan> {
        Planned {
            plan: Plan {
                client,
                say: b"+say something\r\n".to_vec(),
            },
            hold: true,
        }
    }

    fn execute_part(&self, _: &mut (), _: u64, _: (), _: &mut Clients<'_, Self>) {}

    fn gather(
        &self,
        _: &mut (),
        _: &mut Plan,
        _: Vec<()>,
        _: &Router,
        _: &mut Vec<(usize, ())>,
        out: &mut Vec<u8>,
    ) -> Gather {
        out.extend_from_slice(b"-ERR no connections lent\r\n");
        Gather::Done
    }

    fn gather_lending(
        &self,
        _: &mut (),
        plan: &mut Plan,
        _: &mut Vec<()>,
        _: &Router,
        _: &mut Vec<(usize, ())>,
        out: &mut Vec<u8>,
        clients: &mut Clients<'_, Self>,
    ) -> Gather {
        let mut heard = 0;
        loop {
            let say = std::mem::take(&mut plan.say);
            match clients.converse(plan.client, &say, Duration::from_millis(50)) {
                Heard::Request(a) if a.args().at(0) == b"BYE" => {
                    out.extend_from_slice(format!(":{heard}\r\n").as_bytes());
                    return Gather::Done;
                }
                Heard::Request(a) => {
                    heard += 1;
                    let words: Vec<String> = a
                        .args()
                        .iter()
                        .map(|w| String::from_utf8_lossy(w).into_owned())
                        .collect();
                    plan.say = format!("+heard {}\r\n", words.join(" ")).into_bytes();
                }
                Heard::Nothing => {}
                Heard::Gone => {
                    out.extend_from_slice(b"-ERR gone\r\n");
                    return Gather::Done;
                }
            }
        }
    }
}

#[test]
fn a_gather_talks_with_its_connection_then_it_serves_as_usual() {
    let server = TestServer::start(Talk, 2);
    // A few connections, so that both shards (and their reactors) talk.
    for _ in 0..4 {
        let mut c = server.connect();
        c.send(b"*1\r\n$4\r\nTALK\r\n");
        assert_eq!(c.reply().unwrap(), b"+say something\r\n");
        // One word at a time, one split across two writes, and an inline one.
        assert_eq!(c.call(&["hello", "world"]), b"+heard hello world\r\n");
        c.send(b"*2\r\n$5\r\nsp");
        std::thread::sleep(Duration::from_millis(20));
        c.send(b"lit\r\n$4\r\nword\r\n");
        assert_eq!(c.reply().unwrap(), b"+heard split word\r\n");
        c.send(b"inline words\r\n");
        assert_eq!(c.reply().unwrap(), b"+heard inline words\r\n");
        // The command's own reply, then the connection goes on.
        assert_eq!(c.call(&["BYE"]), b":3\r\n");
        assert_eq!(c.call(&["PING"]), b"+PING\r\n");
        assert_eq!(
            c.pipeline(&[&["A"], &["B"]]),
            vec![b"+A\r\n".to_vec(), b"+B\r\n".to_vec()]
        );
    }
}

#[test]
fn a_client_that_hangs_up_ends_the_dialogue_and_others_are_served() {
    let server = TestServer::start(Talk, 2);
    for _ in 0..4 {
        let mut c = server.connect();
        c.send(b"*1\r\n$4\r\nTALK\r\n");
        assert_eq!(c.reply().unwrap(), b"+say something\r\n");
        drop(c);
    }
    let mut other = server.connect();
    assert_eq!(other.call(&["PING"]), b"+PING\r\n");
}
