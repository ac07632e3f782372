//! kevy-rt's modules form layers: each imports (`crate::…`, outside doc
//! comments and tests) only modules of a lower layer or of its own, so the
//! trait module (alone in its layer) depends on nothing that depends on it. ARCHITECTURE.md draws
//! the same table.

use std::collections::BTreeMap;
use std::path::Path;

/// Every module of `src/`, lowest layer first.
const LAYERS: &[&[&str]] = &[
    // Primitives: argument spans, rings, key hashing, sockets.
    &[
        "args", "ring", "router", "sched", "cpus", "stream", "tls", "listen",
    ],
    // The wire format.
    &["resp"],
    // Vocabulary the trait speaks: counters, live settings, connection facts,
    // pushed output, key locks, parking.
    &["stats", "push", "settings", "clients", "lock", "park"],
    // The trait.
    &["commands"],
    // What the reactor is made of.
    &["route", "msg", "mesh", "conn", "reactor"],
    // The reactor.
    &["shard"],
    // Runtimes: the real one and the in-process test driver.
    &["runtime", "testing"],
];

/// Items `lib.rs` re-exports at the crate root, with the module defining them.
const ROOT: &[(&str, &str)] = &[
    ("Args", "args"),
    ("OwnedArgs", "args"),
    ("Span", "args"),
    ("ClientFacts", "clients"),
    ("ClientOf", "clients"),
    ("ClientsOf", "clients"),
    ("Busy", "clients"),
    ("BusyRequest", "clients"),
    ("Heard", "clients"),
    ("Stopping", "settings"),
    ("Client", "commands"),
    ("Clients", "commands"),
    ("Commands", "commands"),
    ("Flow", "commands"),
    ("Gather", "commands"),
    ("LocalCx", "commands"),
    ("LockSet", "lock"),
    ("Park", "park"),
    ("ReadyKeys", "park"),
    ("Served", "park"),
    ("Unpark", "park"),
    ("Planned", "commands"),
    ("Prefetch", "commands"),
    ("Resolved", "commands"),
    ("Route", "commands"),
    ("ShardInfo", "commands"),
    ("Decoded", "resp"),
    ("Limits", "resp"),
    ("ConnHandle", "push"),
    ("OutputLimit", "push"),
    ("Outbox", "push"),
    ("IoBackend", "reactor"),
    ("ShardSched", "sched"),
    ("ShardCpus", "cpus"),
    ("Router", "router"),
    ("Builder", "runtime"),
    ("Runtime", "runtime"),
    ("Server", "runtime"),
    ("Stopper", "runtime"),
    ("Settings", "settings"),
    ("ShardStats", "stats"),
    ("Stats", "stats"),
];

/// The modules `text` names through `crate::`, code only.
fn imports(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            // `$crate::…` in a macro names the crate from the user's side.
            let in_macro = rest[..at].ends_with('$');
            rest = &rest[at + "crate::".len()..];
            if in_macro {
                continue;
            }
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .collect(),
                None => rest
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .take(1)
                    .collect(),
            };
            for n in names.into_iter().filter(|n| !n.is_empty()) {
                let module = ROOT.iter().find(|(item, _)| *item == n).map_or(n, |r| r.1);
                found.push(module.to_string());
            }
        }
    }
    found
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

#[test]
fn modules_import_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && p.file_name()
                    .is_some_and(|n| n != "tests.rs" && n != "lib.rs")
            {
                let rel = p.strip_prefix(&src).expect("under src");
                let module = rel
                    .iter()
                    .next()
                    .and_then(|c| c.to_str())
                    .map(|c| c.trim_end_matches(".rs").to_string())
                    .expect("module name");
                files.insert(p.clone(), module);
            }
        }
    }
    let mut wrong = Vec::new();
    for (path, module) in &files {
        let Some(own) = layer_of(module) else {
            wrong.push(format!("{module}: in no layer (add it to LAYERS)"));
            continue;
        };
        let text = std::fs::read_to_string(path).expect("read a module");
        for dep in imports(&text) {
            match layer_of(&dep) {
                Some(l) if l > own => {
                    wrong.push(format!("{}: imports {dep}, a higher layer", path.display()))
                }
                Some(_) => {}
                None => wrong.push(format!("{}: imports unknown {dep}", path.display())),
            }
        }
    }
    assert!(files.len() >= 16, "found only {} modules", files.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
