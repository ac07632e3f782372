//! The layer rule of `cargo xtask tidy`: a crate's top-level modules are
//! sorted into ordered layers, and no module may import one of a layer
//! above its own (so no import cycle crosses a layer). [`LAYERS`] is the
//! one declared list (ARCHITECTURE.md draws the same).
//!
//! Every `crate::…` path in a file's code (in `use` lines and in
//! expressions, `crate::{a, b::c}` groups included) and every `super::…`
//! path that climbs to the crate root names a top-level module, hence a
//! layer. Comments, test files (`tests.rs`, files under `tests/`,
//! `testutil.rs`) and inline `#[cfg(test)] mod … {` blocks are not read:
//! tests may drive a module through the layers above it.

use std::path::Path;

/// One crate's layers, bottom first: `(layer, its top-level modules)`.
/// `lib` is the crate root (`lib.rs` and items it defines or re-exports).
pub type Layers = &'static [(&'static str, &'static [&'static str])];

/// The declared layers, per crate directory.
pub const LAYERS: &[(&str, Layers)] = &[
    (
        "kevy-commands",
        &[
            ("base", &["base"]),
            ("model", &["model"]),
            ("store", &["store", "persist"]),
            (
                "shard",
                &[
                    "config",
                    "accounting",
                    "session",
                    "shard",
                    "aof",
                    "acl",
                    "repl",
                ],
            ),
            ("cross", &["cross"]),
            ("commands", &["family"]),
            ("table", &["table"]),
            (
                "lib",
                &[
                    "lib",
                    "commands",
                    "dispatch",
                    "events",
                    "exec",
                    "limits",
                    "persistence",
                    "script",
                    "tracked",
                    "aofrun",
                    "pause",
                    "redis",
                    "run",
                    "planning",
                ],
            ),
        ],
    ),
    (
        "kevy-rt",
        &[
            (
                "primitives",
                &[
                    "args", "ring", "router", "sched", "cpus", "stream", "tls", "listen",
                ],
            ),
            ("wire", &["resp"]),
            (
                "vocabulary",
                &["stats", "push", "settings", "clients", "lock", "park"],
            ),
            ("trait", &["commands"]),
            (
                "reactor parts",
                &["route", "msg", "mesh", "conn", "reactor"],
            ),
            ("reactor", &["shard"]),
            ("runtimes", &["runtime", "testing", "lib"]),
        ],
    ),
];

/// A use of a layer above the importing file's.
#[derive(Debug, PartialEq, Eq)]
pub struct Violation {
    /// The importing file, relative to the crate's `src`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The importing file's layer.
    pub from: &'static str,
    /// The imported module and its layer.
    pub module: String,
    /// The imported module's layer.
    pub to: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: layer `{}` imports `{}` of layer `{}` above it",
            self.file, self.line, self.from, self.module, self.to
        )
    }
}

/// Checks every crate of [`LAYERS`] under `root`; one line per violation.
pub fn check(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    for (krate, layers) in LAYERS {
        let src = root.join(krate).join("src");
        let mut files = Vec::new();
        crate::tools::rust_files(&src, &mut files);
        files.sort();
        for f in files {
            let rel = f.strip_prefix(&src).unwrap_or(&f);
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{rel}: {e}"))?;
            match check_file(layers, &rel, &text) {
                Ok(vs) => problems.extend(vs.iter().map(|v| format!("{krate}/src/{v}"))),
                Err(e) => problems.push(format!("{krate}/src/{rel}: {e}")),
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("\n{}", problems.join("\n")))
    }
}

/// Whether `rel` (a path under `src`) is test code.
fn is_test_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "tests.rs" || name == "testutil.rs" || rel.split('/').any(|c| c == "tests")
}

/// The module path of the file at `rel`: `a/b.rs` is `[a, b]`, `lib.rs`
/// is `[]`.
fn module_path(rel: &str) -> Vec<&str> {
    let stem = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<&str> = stem.split('/').collect();
    if matches!(parts.last(), Some(&"mod")) {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// The layer (index and name) holding top-level module `m` (`lib` for
/// the crate root).
fn layer_of(layers: Layers, m: &str) -> Option<(usize, &'static str)> {
    layers
        .iter()
        .enumerate()
        .find(|(_, (_, mods))| mods.contains(&m))
        .map(|(i, (name, _))| (i, *name))
}

/// The violations of file `rel` whose text is `text`; an error when the
/// file's own module is in no layer.
pub fn check_file(layers: Layers, rel: &str, text: &str) -> Result<Vec<Violation>, String> {
    if is_test_file(rel) {
        return Ok(Vec::new());
    }
    let path = module_path(rel);
    let own = path.first().copied().unwrap_or("lib");
    let Some((mine, from)) = layer_of(layers, own) else {
        return Err(format!("module `{own}` is in no declared layer"));
    };
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let code = strip_comment(line);
        if code.trim() == "#[cfg(test)]" {
            let next = lines.peek().map(|(_, l)| l.trim()).unwrap_or("");
            if next.starts_with("mod ") && next.ends_with('{') {
                skip_block(&mut lines);
                continue;
            }
        }
        for m in imported(code, &path) {
            // A root item (`crate::Redis`) is the root's.
            let Some((theirs, to)) = layer_of(layers, &m).or_else(|| layer_of(layers, "lib"))
            else {
                continue;
            };
            if theirs > mine {
                out.push(Violation {
                    file: rel.to_string(),
                    line: i + 1,
                    from,
                    module: m,
                    to,
                });
            }
        }
    }
    Ok(out)
}

/// Consumes the lines of a `{ … }` block whose opening line is next.
fn skip_block<'a>(lines: &mut impl Iterator<Item = (usize, &'a str)>) {
    let mut depth = 0i64;
    for (_, l) in lines {
        let code = strip_comment(l);
        depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
        if depth <= 0 {
            return;
        }
    }
}

/// `line` without a trailing `//` comment (string literals holding `//`
/// are rare enough in `use` lines and paths to be ignored).
fn strip_comment(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// The top-level modules the paths on `code` name, for a file whose
/// module path is `path`: `crate::x…`, `crate::{x…, y…}`, and `super::`
/// chains that reach the root.
fn imported(code: &str, path: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let b = code.as_bytes();
    let ident_before = |i: usize| {
        i > 0
            && (b[i - 1].is_ascii_alphanumeric()
                || b[i - 1] == b'_'
                || b[i - 1] == b'$'
                || b[i - 1] == b':')
    };
    let mut i = 0;
    while i < b.len() {
        if code[i..].starts_with("crate::") && !ident_before(i) {
            let rest = &code[i + 7..];
            if let Some(group) = rest.strip_prefix('{') {
                out.extend(group_heads(group));
            } else {
                out.push(ident(rest).to_string());
            }
            i += 7;
        } else if code[i..].starts_with("super::") && !ident_before(i) {
            // The file's own module is `path`; each `super` climbs one.
            let mut level = path.len();
            let mut rest = &code[i..];
            while let Some(r) = rest.strip_prefix("super::") {
                level = level.saturating_sub(1);
                rest = r;
            }
            let consumed = code[i..].len() - rest.len();
            if level == 0 {
                if let Some(group) = rest.strip_prefix('{') {
                    out.extend(group_heads(group));
                } else {
                    out.push(ident(rest).to_string());
                }
            }
            i += consumed;
        } else {
            i += 1;
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first identifier of each top-level item of a `{a::b, c, d::{e}}`
/// group whose opening brace is already consumed (up to its closing brace
/// or the end of the line).
fn group_heads(s: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && (c.is_ascii_alphabetic() || c == '_') => {
                heads.push(ident(&s[i..]).to_string());
                start = false;
            }
            _ => {}
        }
    }
    heads
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Layers = &[
        ("low", &["base"]),
        ("mid", &["store", "shard"]),
        ("top", &["family", "lib"]),
    ];

    fn lines(rel: &str, text: &str) -> Vec<(usize, String)> {
        check_file(L, rel, text)
            .unwrap()
            .into_iter()
            .map(|v| (v.line, v.module))
            .collect()
    }

    #[test]
    fn downward_and_sideways_imports_pass() {
        let text =
            "//! doc\nuse crate::base::x;\nuse crate::shard::Y;\nfn f() { crate::store::g(); }\n";
        assert_eq!(lines("store/db.rs", text), []);
    }

    #[test]
    fn upward_imports_are_reported_with_their_line() {
        let text = "//! doc\nuse crate::base::x;\nuse crate::family::f;\n\nfn g() { crate::family::h(); }\n";
        assert_eq!(
            lines("store/db.rs", text),
            [(3, "family".to_string()), (5, "family".to_string())]
        );
        let v = &check_file(L, "store/db.rs", text).unwrap()[0];
        assert_eq!(
            v.to_string(),
            "store/db.rs:3: layer `mid` imports `family` of layer `top` above it"
        );
    }

    #[test]
    fn groups_name_each_module() {
        let text = "use crate::{base::x, family::{a, b}, Redis};\n";
        assert_eq!(
            lines("base/num.rs", text),
            [(1, "family".to_string()), (1, "Redis".to_string())]
        );
    }

    #[test]
    fn root_items_belong_to_the_root_layer() {
        assert_eq!(
            lines("shard.rs", "use crate::Ctx;\n"),
            [(1, "Ctx".to_string())]
        );
        assert_eq!(lines("family/x.rs", "use crate::Ctx;\n"), []);
    }

    #[test]
    fn super_paths_that_reach_the_root_count() {
        // store/db/node.rs is module store::db::node: super::super is store.
        assert_eq!(lines("store/db/node.rs", "use super::super::x;\n"), []);
        assert_eq!(
            lines("store/db/node.rs", "use super::super::super::family::f;\n"),
            [(1, "family".to_string())]
        );
        assert_eq!(
            lines("store.rs", "use super::family;\n"),
            [(1, "family".to_string())]
        );
    }

    #[test]
    fn comments_tests_and_test_files_are_not_read() {
        let text = "//! see [`crate::family`]\nuse crate::base::x; // crate::family\n\
                    #[cfg(test)]\nmod tests {\n    use crate::family::f;\n    fn g() {\n    }\n}\n";
        assert_eq!(lines("base/num.rs", text), []);
        assert_eq!(lines("base/num/tests.rs", "use crate::family::f;\n"), []);
        assert_eq!(lines("testutil.rs", "use crate::family::f;\n"), []);
        // Code after the test module is read again.
        let after = format!("{text}fn h() {{ crate::family::f(); }}\n");
        assert_eq!(lines("base/num.rs", &after), [(9, "family".to_string())]);
    }

    #[test]
    fn a_module_in_no_layer_is_an_error() {
        assert!(check_file(L, "stray.rs", "").is_err());
        assert!(check_file(L, "lib.rs", "use crate::family::x;\n").is_ok());
    }

    #[test]
    fn dollar_crate_and_longer_names_are_not_paths() {
        assert_eq!(
            lines(
                "base/x.rs",
                "let a = $crate::family::f; my_crate::family::g;\n"
            ),
            []
        );
    }

    #[test]
    fn families_may_not_read_the_table_above_them() {
        let commands = LAYERS
            .iter()
            .find(|(k, _)| *k == "kevy-commands")
            .map(|(_, l)| *l)
            .unwrap();
        let f = |rel: &str, text: &str| check_file(commands, rel, text).unwrap().len();
        assert_eq!(f("family/command.rs", "use crate::table::COMMANDS;\n"), 1);
        assert_eq!(f("cross.rs", "use crate::table::find;\n"), 1);
        assert_eq!(
            f("family/command.rs", "use crate::family::spec::Spec;\n"),
            0
        );
        assert_eq!(f("table/ids.rs", "use crate::family::monitor;\n"), 0);
    }

    #[test]
    fn cross_names_no_family() {
        let commands = LAYERS
            .iter()
            .find(|(k, _)| *k == "kevy-commands")
            .map(|(_, l)| *l)
            .unwrap();
        let f = |rel: &str, text: &str| check_file(commands, rel, text).unwrap().len();
        assert_eq!(f("cross/keys.rs", "use crate::family::sort;\n"), 1);
        assert_eq!(f("family/zset/cross.rs", "use crate::cross::Plan;\n"), 0);
        assert_eq!(f("dispatch/admin.rs", "use crate::family::info;\n"), 0);
    }

    #[test]
    fn the_workspace_keeps_its_layers() {
        if let Err(e) = check(&crate::tools::root()) {
            panic!("layer violations:{e}");
        }
    }
}
