//! A real Ruby application, Sidekiq 6 (`clients/ruby/sidekiq_app.rb`),
//! against kevy with 2 shards and against redis-server 7.0: jobs pushed one
//! by one and in bulk over two weighted queues, a scheduled job, a failing
//! job retried through the API and then dead, a `sidekiq` process working
//! them (its fetcher blocks in BRPOP over both queues, its poller runs a
//! script, its heartbeat a transaction), and Sidekiq's API reading the
//! state (stats, queues, retry, dead and process sets). Sidekiq's keys
//! (`queue:*`, `schedule`, `retry`, `dead`, `stat:*`, `processes`…) lie on
//! both shards.
//!
//! Needs `ruby` with Sidekiq (Debian: `apt-get install ruby-sidekiq`;
//! `.ci/run` and `cargo xtask test` install it).

use std::path::Path;
use std::process::Command;

use crate::util::{app_lines, kevy, line_value as value, shard_of, RedisServer};

/// Runs the application against the server on `port`: its `name value` lines.
fn sidekiq_app(port: u16) -> Vec<(String, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/clients/ruby/sidekiq_app.rb");
    app_lines(
        Command::new("ruby").arg(&script).arg(port.to_string()),
        &format!("ruby sidekiq_app.rb {port}"),
        "the Sidekiq test needs ruby-sidekiq",
    )
}

#[test]
fn sidekiq_works_jobs_as_with_redis() {
    // The application's keys are spread: the test means both shards.
    let keys = [
        "queue:default",
        "queue:critical",
        "schedule",
        "retry",
        "dead",
        "stat:processed",
    ];
    assert!(keys.iter().any(|k| shard_of(k) == 0) && keys.iter().any(|k| shard_of(k) == 1));

    let server = kevy();
    let on_kevy = sidekiq_app(server.addr().port());
    server.stop();
    let redis = RedisServer::start();
    let on_redis = sidekiq_app(redis.addr().port());
    drop(redis);

    for run in [&on_kevy, &on_redis] {
        assert_eq!(value(run, "done"), "yes");
        assert_eq!(value(run, "enqueued_before"), "211");
        assert_eq!(value(run, "default_size_before"), "201");
        assert_eq!(value(run, "results"), "201");
        assert_eq!(value(run, "results_distinct"), "201");
        assert_eq!(value(run, "results_sum"), "21101");
        assert_eq!(value(run, "urgent"), "30");
        assert_eq!(value(run, "retry_error"), "\"boom 7\"");
        assert_eq!(value(run, "dead_args"), "[7]");
        assert_eq!(value(run, "processes_after"), "0");
        // Every run counts as processed, failures too; how often the
        // failing job ran depends on when `retry_all` met it (on Redis as
        // well): at least twice.
        let num = |name: &str| value(run, name).parse::<u64>().unwrap();
        assert!(num("failed") >= 2, "{run:?}");
        assert_eq!(num("processed"), 211 + num("failed"), "{run:?}");
    }
    let timing = ["processed", "failed"];
    let same = |run: &[(String, String)]| -> Vec<(String, String)> {
        run.iter()
            .filter(|(k, _)| !timing.contains(&k.as_str()))
            .cloned()
            .collect()
    };
    assert_eq!(
        same(&on_kevy),
        same(&on_redis),
        "kevy and redis-server saw different runs"
    );
}
