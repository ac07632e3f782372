//! `cargo xtask tidy`: formatting, lints, docs and benches, all with warnings
//! denied, plus a check that every Rust module opens with a `//!` doc comment
//! and the layer rule ([`crate::layers`]: no module imports a layer above its
//! own).
//! Every check runs; the task fails if any did.

use std::path::Path;
use std::process::Command;

use crate::run_cmd;
use crate::tools::{cargo, root, rust_files};

fn cargo_in(root: &Path, args: &[&str]) -> Command {
    let mut c = cargo();
    c.current_dir(root).args(args);
    c
}

/// One check, run once.
type Check<'a> = Box<dyn FnOnce() -> Result<(), String> + 'a>;

pub fn run() -> Result<(), String> {
    let root = root();
    let mut doc = cargo_in(&root, &["doc", "--workspace", "--no-deps"]);
    doc.env("RUSTDOCFLAGS", "-D warnings");
    let mut checks: Vec<(&str, Check)> = vec![
        (
            "cargo fmt --check",
            Box::new(|| run_cmd(&mut cargo_in(&root, &["fmt", "--all", "--check"]))),
        ),
        (
            "cargo clippy -D warnings",
            Box::new(|| {
                run_cmd(&mut cargo_in(
                    &root,
                    &[
                        "clippy",
                        "--workspace",
                        "--all-targets",
                        "--",
                        "-D",
                        "warnings",
                    ],
                ))
            }),
        ),
        (
            "cargo doc (RUSTDOCFLAGS=-D warnings)",
            Box::new(move || run_cmd(&mut doc)),
        ),
        (
            "cargo bench --no-run",
            Box::new(|| run_cmd(&mut cargo_in(&root, &["bench", "--workspace", "--no-run"]))),
        ),
        ("//! on every module", Box::new(|| module_docs(&root))),
        (
            "layers (no import of a layer above)",
            Box::new(|| crate::layers::check(&root)),
        ),
    ];
    let mut failed = Vec::new();
    for (name, check) in checks.drain(..) {
        eprintln!("tidy: {name}");
        if let Err(e) = check() {
            eprintln!("tidy: {name}: {e}");
            failed.push(name);
        }
    }
    if failed.is_empty() {
        eprintln!("tidy: all clean");
        Ok(())
    } else {
        Err(format!("tidy failed: {}", failed.join(", ")))
    }
}

/// Every `.rs` file under the workspace's crates must start (after blank lines
/// and attributes) with a `//!` comment.
fn module_docs(root: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    for top in std::fs::read_dir(root)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let p = top.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() && !name.starts_with('.') && name != "target" && name != "docs" {
            rust_files(&p, &mut files);
        }
    }
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with("#!["));
            !first.is_some_and(|l| l.starts_with("//!"))
        })
        .map(|f| f.strip_prefix(root).unwrap_or(f).display().to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("no //! module doc in: {}", missing.join(", ")))
    }
}
