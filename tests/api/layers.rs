//! The house's layers, lowest first. A module may name (`crate::x`) only
//! modules of lower layers: the platform knows no feature, a feature knows
//! only what it stands on, and only the composition root names them all.
//! A new feature folder goes on the layer above everything it uses.

use std::collections::BTreeMap;
use std::path::Path;

const LAYERS: &[&[&str]] = &[
    // Plumbing: words, time, storage, settings, errors.
    &["text", "time"],
    &["db", "privacy"],
    &["config", "error"],
    // The platform (context, timers, outbox, cursors, worker) and the HTTP shell.
    &["platform"],
    &["web"],
    // Domain knowledge without people in it.
    &["taxonomy", "triage"],
    // The page frame and its words.
    &["ui"],
    // Features, each above what it uses.
    &["auth"],
    &["org"],
    &["people"],
    &["directory", "attachments"],
    &["routing"],
    &["cases"],
    &["channels", "open311", "print", "centre", "notify"],
    &["wecom", "campaigns", "patrols"],
    // The demo district, the composition root, and the tools that start it.
    &["demo"],
    &["app"],
    &["server"],
    &["bench"],
    &["cli"],
];

/// `crate::db_row!` and `crate::text_enum!` are the storage layer's macros.
fn module_of(name: &str) -> &str {
    match name {
        "db_row" | "text_enum" => "db",
        other => other,
    }
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `crate::x` a file names outside its tests, with the line.
fn references(text: &str) -> Vec<(usize, String)> {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let name: String = rest[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            out.push((n + 1, name));
            rest = &rest[at + 7..];
        }
    }
    out
}

fn upward_references(src: &Path) -> (Vec<String>, Vec<String>) {
    let (mut upward, mut unplaced) = (Vec::new(), Vec::new());
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let top = rel
            .components()
            .next()
            .expect("a component")
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "main" || top == "lib" {
            continue;
        }
        let Some(own) = layer_of(&top) else {
            if seen.insert(top.clone(), ()).is_none() {
                unplaced.push(top);
            }
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read");
        for (line, name) in references(&text) {
            let module = module_of(&name);
            if module == top || module.is_empty() {
                continue;
            }
            match layer_of(module) {
                Some(theirs) if theirs < own => {}
                Some(_) => upward
                    .push(format!("src/{}:{line} names crate::{module} (a layer not below `{top}`)", rel.display())),
                None => {
                    if seen.insert(module.to_string(), ()).is_none() {
                        unplaced.push(module.to_string());
                    }
                }
            }
        }
    }
    (upward, unplaced)
}

#[test]
fn no_module_names_one_above_it() {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let (upward, unplaced) = upward_references(src);
    assert!(unplaced.is_empty(), "modules without a layer in tests/api/layers.rs: {unplaced:?}");
    assert!(upward.is_empty(), "{} references go up (or sideways):\n{}", upward.len(), upward.join("\n"));
}

/// A feature's SQL lives in its `store.rs` (or the modules its rules need),
/// never in the files that speak HTTP.
#[test]
fn no_sql_where_http_is_spoken() {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut found = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let http = name == "api.rs" || name == "pages.rs" || path.parent().is_some_and(|p| p.ends_with("pages"));
            if path.is_dir() {
                dirs.push(path);
            } else if http && path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                for (n, line) in text.lines().enumerate() {
                    if line.contains("query(") || line.contains("query_dyn(") {
                        found.push(format!("{}:{}", path.strip_prefix(src).expect("under src").display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL outside store.rs, in files that speak HTTP:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_an_upward_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("platform")).expect("dir");
    std::fs::write(dir.path().join("platform/mod.rs"), "use crate::cases::Case;\nuse crate::db::Db;\n").expect("write");
    let (upward, unplaced) = upward_references(dir.path());
    assert!(unplaced.is_empty(), "{unplaced:?}");
    assert_eq!(upward, ["src/platform/mod.rs:1 names crate::cases (a layer not below `platform`)"]);
}
