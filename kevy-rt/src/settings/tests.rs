//! The two pauses: `CLIENT PAUSE`'s timed one and a command set's held one.

use std::time::{Duration, SystemTime};

use super::Settings;

fn later(ms: u64) -> SystemTime {
    SystemTime::now() + Duration::from_millis(ms)
}

#[test]
fn a_held_pause_outlives_unpause_and_the_stricter_mode_wins() {
    let s = Settings::default();
    assert_eq!(s.paused(), None);
    s.hold(Some(true));
    assert_eq!(s.paused(), Some(true));
    // A timed pause of everything over it, then its end: writes stay held.
    s.pause(later(60_000), false);
    assert_eq!(s.paused(), Some(false));
    s.unpause();
    assert_eq!(s.paused(), Some(true));
    s.hold(None);
    assert_eq!(s.paused(), None);
}

#[test]
fn a_timed_pause_outlives_the_held_one_and_ends_on_time() {
    let s = Settings::default();
    s.pause(later(60_000), true);
    s.hold(Some(false));
    assert_eq!(s.paused(), Some(false));
    s.hold(None);
    assert_eq!(s.paused(), Some(true));
    s.unpause();
    assert_eq!(s.paused(), None);
    // A timed pause already over while a held one is in force.
    s.hold(Some(true));
    s.pause(SystemTime::now(), false);
    assert_eq!(s.paused(), Some(true));
    s.hold(None);
    assert_eq!(s.paused(), None);
}
