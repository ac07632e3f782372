//! What the tasks need from outside the workspace — Debian packages, Python
//! and Node packages — installed when missing, and small process helpers.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run_cmd;

/// True when `prog` can be found on the PATH.
pub fn have(prog: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {prog} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// True when running as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

/// Installs Debian `packages` unless every program in `progs` is on the PATH.
fn ensure_apt(progs: &[&str], packages: &[&str]) -> Result<(), String> {
    if progs.iter().all(|p| have(p)) {
        return Ok(());
    }
    eprintln!("xtask: {} missing", progs.join("/"));
    apt_install(packages)
}

/// Installs Debian `packages`.
fn apt_install(packages: &[&str]) -> Result<(), String> {
    eprintln!("xtask: installing Debian's {}", packages.join(" "));
    let sudo = if is_root() { "" } else { "sudo " };
    run_cmd(Command::new("sh").args([
        "-c",
        &format!(
            "{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq {}",
            packages.join(" ")
        ),
    ]))
}

/// A real Redis 7.0 (`redis-server`, `redis-cli`, `redis-benchmark`): the
/// differential tests and the benchmark compare kevy with it. (Debian's package
/// may start a service on 6379; tasks use their own ports.)
pub fn ensure_redis() -> Result<(), String> {
    ensure_apt(
        &["redis-server", "redis-cli", "redis-benchmark"],
        &["redis-server", "redis-tools"],
    )
}

/// A real memcached 1.6: the memcached example is compared with it.
pub fn ensure_memcached() -> Result<(), String> {
    ensure_apt(&["memcached"], &["memcached"])
}

/// The Python client libraries the tests drive servers with: `pymemcache`
/// (the memcached example's tests) and redis-py (`redis`, kevy-server's).
pub fn ensure_python_clients() -> Result<(), String> {
    ensure_py("pymemcache", "pymemcache")?;
    ensure_py("redis", "redis")
}

/// Sidekiq and its Ruby (kevy-server's `sidekiq` test), from Debian.
pub fn ensure_ruby_clients() -> Result<(), String> {
    let present = Command::new("ruby")
        .args(["-e", "require 'sidekiq'"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask: Ruby's Sidekiq missing");
    apt_install(&["ruby-sidekiq"])
}

/// The Node applications kevy-server's tests run (BullMQ, redlock:
/// `kevy-server/tests/it/clients/node`), at the versions its
/// `package-lock.json` pins; Node itself from Debian when missing.
pub fn ensure_node_clients() -> Result<(), String> {
    let dir = root().join("kevy-server/tests/it/clients/node");
    if dir.join("node_modules/bullmq").is_dir() && have("node") {
        return Ok(());
    }
    ensure_apt(&["node", "npm"], &["nodejs", "npm"])?;
    eprintln!(
        "xtask: Node packages missing; npm ci --prefix {}",
        dir.display()
    );
    run_cmd(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir),
    )
}

/// Python package `package`, importable as `module`.
fn ensure_py(module: &str, package: &str) -> Result<(), String> {
    let present = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    if !have("python3") {
        ensure_apt(&["python3"], &["python3", "python3-pip"])?;
    }
    eprintln!("xtask: {package} missing; pip install {package}");
    let pip = |extra: &[&str]| {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "pip", "install", "-q", package])
            .args(extra);
        cmd.status().is_ok_and(|s| s.success())
    };
    // A Debian-managed Python refuses plain installs (PEP 668); a CI box may
    // have no pip at all.
    if pip(&[]) || pip(&["--break-system-packages"]) {
        return Ok(());
    }
    ensure_apt(&["pip3"], &["python3-pip"])?;
    if pip(&[]) || pip(&["--break-system-packages"]) {
        Ok(())
    } else {
        Err(format!("cannot pip install {package}"))
    }
}

/// The cargo to run (the one running us, when known).
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Cargo's target directory for this workspace (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            root().join(dir)
        };
    }
    let meta = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    json_string(&meta, "target_directory")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The string value of the first `"key":"…"` in a JSON text (no escapes
/// beyond `\\` and `\"` expected).
pub fn json_string(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let end = json[at..].find('"')?;
    Some(json[at..at + end].replace("\\\\", "\\"))
}

/// The number value of the first `"key":<number>` after `from` in a JSON text.
pub fn json_number(json: &str, key: &str) -> Option<f64> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = json[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Every `.rs` file under `dir` (but not under a `target` directory).
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "target") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
