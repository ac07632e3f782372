//! Report tests: fixed histories, and the text redis-server 7.0.15 wrote
//! for the same samples at the same second (recorded with `DEBUG SLEEP`
//! under `latency-monitor-threshold 1`).

use super::*;
use crate::accounting::latency::Sample;

fn series(samples: &[(i64, u64)]) -> Series {
    let mut s = Series::default();
    for &(time, ms) in samples {
        s.add(time, ms);
    }
    s
}

/// Four `command` spikes; redis-server answered at [`NOW`].
const HISTORY: &[(i64, u64)] = &[
    (1795469007, 3),
    (1795469008, 40),
    (1795469009, 77),
    (1795469011, 24),
];
const NOW: i64 = 1795469013;

fn setup(slowlog: i64) -> Setup {
    Setup {
        threshold_ms: 1,
        slowlog_slower_than: slowlog,
        hz: 10,
        fsync_always: false,
        huge_pages: false,
    }
}

const SPIKES: &str = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
const SLOWLOG_ENABLE: &str = "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than 1000'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n";
const SLOWLOG_TUNE: &str = "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.\n";
const SLOWLOG_CHECK: &str = "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n";
const LARGE_OBJECTS: &str = "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n";

#[test]
fn analysis_of_a_history() {
    let st = analyze(&series(HISTORY), NOW);
    assert_eq!(
        st,
        Stats {
            samples: 4,
            avg: 36,
            min: 3,
            max: 77,
            mad: 22,
            period: 6,
        }
    );
    // An event sampled this very second spans one second.
    assert_eq!(analyze(&series(&[(NOW, 5)]), NOW).period, 1);
}

#[test]
fn doctor_with_command_spikes_matches_redis() {
    // slowlog-log-slower-than -1 (recorded from redis-server).
    let events = [("command", series(HISTORY))];
    let want = format!(
        "{SPIKES}1. command: 4 latency spikes (average 36ms, mean deviation 22ms, period 1.50 sec). Worst all time event 77ms.\n\n\
         I have a few advices for you:\n\n{SLOWLOG_ENABLE}{SLOWLOG_CHECK}{LARGE_OBJECTS}"
    );
    assert_eq!(doctor(&events, NOW, &setup(-1)), want);
    // The default slow log (10 ms) is above a 1 ms threshold: tune it.
    let tuned = doctor(&events, NOW, &setup(10_000));
    assert!(tuned.contains(&format!("{SLOWLOG_TUNE}{SLOWLOG_CHECK}{LARGE_OBJECTS}")));
    assert!(!tuned.contains(SLOWLOG_ENABLE));
    // At or under the threshold: only the inspection and large objects.
    let fine = doctor(&events, NOW, &setup(1000));
    assert!(fine.ends_with(&format!(
        "I have a few advices for you:\n\n{SLOWLOG_CHECK}{LARGE_OBJECTS}"
    )));
}

#[test]
fn doctor_without_events() {
    let off = Setup::default();
    assert!(doctor(&[], NOW, &off).starts_with("I'm sorry, Dave, I can't do that."));
    let on = setup(10_000);
    assert_eq!(
        doctor(&[], NOW, &on),
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
    );
    // Huge pages are advice even without events.
    let thp = doctor(
        &[],
        NOW,
        &Setup {
            huge_pages: true,
            ..on
        },
    );
    assert!(thp.starts_with(
        "\nI have a few advices for you:\n\n- I detected a non zero amount of anonymous huge pages"
    ));
    // Events seen once keep the report on after monitoring is turned off.
    let events = [("command", series(HISTORY))];
    assert!(doctor(&events, NOW, &off).starts_with(SPIKES));
}

#[test]
fn doctor_advice_per_event() {
    let events = [
        ("fast-command", series(&[(NOW - 1, 2)])),
        ("expire-cycle", series(&[(NOW - 3, 4), (NOW - 2, 6)])),
    ];
    let r = doctor(&events, NOW, &setup(10_000));
    assert!(r.starts_with(&format!(
        "{SPIKES}1. fast-command: 1 latency spikes (average 2ms, mean deviation 0ms, period 1.00 sec). Worst all time event 2ms.\n\
         2. expire-cycle: 2 latency spikes (average 5ms, mean deviation 1ms, period 1.50 sec). Worst all time event 6ms.\n\n\
         I have a few advices for you:\n\n- The system is slow to execute Redis code paths not containing system calls."
    )));
    assert!(r.contains("  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n"));
    assert!(r.ends_with(LARGE_OBJECTS));
    // hz 100 and above: no hz advice.
    let r = doctor(
        &events,
        NOW,
        &Setup {
            hz: 100,
            ..setup(10_000)
        },
    );
    assert!(!r.contains("'hz'"));
    // An event Redis has no advice for.
    let r = doctor(
        &[("while-blocked-cron", series(&[(NOW, 3)]))],
        NOW,
        &setup(10_000),
    );
    assert!(r.ends_with("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n"));
}

#[test]
fn graph_matches_redis() {
    let s = series(HISTORY);
    assert_eq!(
        String::from_utf8(graph("command", &s, NOW)).unwrap(),
        "command - high 77 ms, low 3 ms (all time high 77 ms)\n\
         --------------------------------------------------------------------------------\n  \
         # \n _| \n ||_\n_|||\n    \n6542\nssss\n"
    );
}

#[test]
fn graph_labels_read_as_ages() {
    assert_eq!(ago(0), "0s");
    assert_eq!(ago(59), "59s");
    assert_eq!(ago(60), "1m");
    assert_eq!(ago(3599), "59m");
    assert_eq!(ago(3600), "1h");
    assert_eq!(ago(86399), "23h");
    assert_eq!(ago(86400 * 3), "3d");
    let mut s = Series::default();
    s.samples.push_back(Sample {
        time: NOW - 7200,
        ms: 9,
    });
    s.max = 12;
    let g = String::from_utf8(graph("fast-command", &s, NOW)).unwrap();
    assert!(g.starts_with("fast-command - high 9 ms, low 9 ms (all time high 12 ms)\n"));
    assert!(g.ends_with("_\n \n2\nh\n"), "{g:?}");
}

/// 90 seconds of `command` spikes (unix seconds after [`LONG_START`], ms):
/// more than a graph's 80 columns, ages in minutes and seconds.
#[rustfmt::skip]
const LONG: &[(i64, u64)] = &[
    (0, 3), (2, 40), (3, 77), (4, 24), (6, 300), (7, 8), (8, 45), (10, 92), (11, 87), (12, 66),
    (13, 13), (15, 50), (16, 87), (17, 34), (18, 71), (20, 18), (21, 55), (22, 92), (23, 39),
    (25, 76), (26, 23), (27, 60), (28, 7), (30, 44), (31, 81), (32, 28), (34, 65), (35, 12),
    (36, 49), (37, 86), (39, 33), (40, 70), (41, 17), (42, 54), (44, 91), (45, 38), (46, 75),
    (47, 22), (49, 59), (50, 6), (51, 43), (53, 80), (54, 27), (55, 64), (56, 11), (58, 48),
    (59, 85), (60, 32), (61, 69), (63, 16), (64, 53), (65, 90), (66, 37), (68, 74), (69, 21),
    (70, 58), (71, 5), (73, 42), (74, 79), (75, 26), (77, 63), (78, 10), (79, 47), (80, 84),
    (82, 31), (83, 68), (84, 15), (85, 52), (87, 89), (88, 36), (89, 73), (90, 20), (92, 57),
    (93, 4), (94, 41), (96, 78), (97, 25), (98, 62), (99, 9), (101, 46), (102, 83), (103, 30),
    (104, 67), (106, 14), (107, 51), (108, 88), (109, 35), (111, 72), (112, 19), (113, 56)
];
const LONG_START: i64 = 1795469006;
/// When redis-server answered DOCTOR for [`LONG`].
const LONG_NOW: i64 = LONG_START + 116;
/// When it answered GRAPH, the second before.
const LONG_GRAPH_NOW: i64 = LONG_START + 115;

fn long() -> Series {
    series(
        &LONG
            .iter()
            .map(|&(t, ms)| (LONG_START + t, ms))
            .collect::<Vec<_>>(),
    )
}

#[test]
fn doctor_of_a_long_history_matches_redis() {
    let want = concat!(
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n",
        "\n",
        "1. command: 90 latency spikes (average 50ms, mean deviation 25ms, period 1.29 sec). Worst all time event 300ms.\n",
        "\n",
        "I have a few advices for you:\n",
        "\n",
        "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.\n",
        "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n",
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n",
);
    assert_eq!(
        doctor(&[("command", long())], LONG_NOW, &setup(10_000)),
        want
    );
}

#[test]
fn graph_of_a_long_history_wraps_like_redis() {
    let want = concat!(
        "command - high 300 ms, low 3 ms (all time high 300 ms)\n",
        "--------------------------------------------------------------------------------\n",
        "    #                                                                           \n",
        "    |                                                                           \n",
        "    |  __   _    _      _    _    _      _    _    _      _    _    _      _    \n",
        "_o#_|_o||#_o|o#_#|o#_#_o|o#_o|o#_#|o#_#_o|_#_o|o#_#|o#_#_o|_#_o|o#_o|o#_#_o|_#_o\n",
        "                                                                                \n",
        "11111111111111111111111111111111111111111111555555554444444433333333222222211111\n",
        "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm976542109765421087653210876532198764\n",
        "                                            ssssssssssssssssssssssssssssssssssss\n",
        "\n",
        "          \n",
        "          \n",
        "_    _    \n",
        "|o#_o|o#_#\n",
        "          \n",
        "1119876432\n",
        "321sssssss\n",
        "sss       \n",
    );
    let got = String::from_utf8(graph("command", &long(), LONG_GRAPH_NOW)).unwrap();
    assert_eq!(got, want);
}
