//! The library's modules form layers: each imports only from layers below its own, as the
//! table in ARCHITECTURE.md says. The table is read from that file, so the document and the
//! code cannot drift apart: a new module must be placed in it, and an import that reaches up
//! (or sideways, within a layer) fails here with the file and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Module → layer, from the rows of ARCHITECTURE.md's layer table: `| 2 | `classify`, ... |`.
fn layers() -> BTreeMap<String, usize> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).expect("ARCHITECTURE.md is readable");
    let mut layers = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, layer, modules, ..] = cells[..] else {
            continue;
        };
        let Ok(layer) = layer.parse::<usize>() else {
            continue;
        };
        for name in modules.split('`').skip(1).step_by(2) {
            let name = name.trim_end_matches('/');
            assert!(
                layers.insert(name.to_string(), layer).is_none(),
                "ARCHITECTURE.md places `{name}` twice"
            );
        }
    }
    assert!(!layers.is_empty(), "ARCHITECTURE.md has no layer table");
    layers
}

/// Every `.rs` file of the library with the top-level module it belongs to (`src/scan/draw.rs`
/// belongs to `scan`); the crate root and the binary are not layers.
fn library_files() -> Vec<(String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("src is readable").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("below src");
            let first = relative
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            let module = first.trim_end_matches(".rs").to_string();
            if !["lib", "main", "cli"].contains(&module.as_str()) {
                files.push((module, path));
            }
        }
    }
    files.sort();
    files
}

/// The top-level modules a line of code names through `crate::` (or `$crate::` in a macro).
fn imported_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = &rest[..at];
        rest = &rest[at + "crate::".len()..];
        // `augsafe_crate::x` or `mycrate::x` are other paths.
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
    }
    // `use crate::{a::x, b::{y, z}};`: the first name of each item at the group's own depth.
    if let Some(group) = code.split("crate::{").nth(1) {
        let (mut depth, mut at_start, mut name) = (0usize, true, String::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => at_start = true,
                c if at_start && (c.is_alphanumeric() || c == '_') => name.push(c),
                c if at_start && !name.is_empty() && !c.is_whitespace() || c == ':' => {
                    if !name.is_empty() {
                        found.push(std::mem::take(&mut name));
                    }
                    at_start = false;
                }
                _ => {}
            }
        }
        if !name.is_empty() {
            found.push(name);
        }
    }
    found
}

/// What breaks the layering among `files` (module, path, source text), one line each.
fn violations(
    layers: &BTreeMap<String, usize>,
    files: &[(String, PathBuf, String)],
) -> Vec<String> {
    let mut wrong = Vec::new();
    for (module, path, text) in files {
        let Some(&own) = layers.get(module) else {
            wrong.push(format!(
                "{}: module `{module}` is in no layer of ARCHITECTURE.md",
                path.display()
            ));
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            for imported in imported_modules(line) {
                if &imported == module {
                    continue;
                }
                match layers.get(&imported) {
                    Some(&layer) if layer < own => {}
                    Some(&layer) => wrong.push(format!(
                        "{}:{}: `{module}` (layer {own}) imports `{imported}` (layer {layer})",
                        path.display(),
                        number + 1
                    )),
                    None => wrong.push(format!(
                        "{}:{}: `{imported}` is in no layer of ARCHITECTURE.md",
                        path.display(),
                        number + 1
                    )),
                }
            }
        }
    }
    wrong
}

#[test]
fn every_module_imports_only_from_layers_below_its_own() {
    let files: Vec<(String, PathBuf, String)> = library_files()
        .into_iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(&path).expect("source is readable");
            (module, path, text)
        })
        .collect();
    let wrong = violations(&layers(), &files);
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn imports_up_sideways_or_into_no_layer_are_caught() {
    let layers: BTreeMap<String, usize> = [("glyph", 0), ("rng", 0), ("scan", 4)]
        .into_iter()
        .map(|(m, l)| (m.to_string(), l))
        .collect();
    let file = |module: &str, text: &str| {
        (
            module.to_string(),
            PathBuf::from(format!("src/{module}.rs")),
            text.to_string(),
        )
    };
    let fine = [file(
        "scan",
        "use crate::glyph::GlyphImage;\nuse crate::scan::x;",
    )];
    assert!(violations(&layers, &fine).is_empty());
    let broken = [
        file("glyph", "// fine: crate::scan\nuse crate::scan::Scan;"),
        file("rng", "use crate::{glyph::Polarity};"),
        file("scan", "crate::unknown::thing();"),
        file("newcomer", ""),
    ];
    let wrong = violations(&layers, &broken);
    assert_eq!(wrong.len(), 4, "{wrong:#?}");
    assert!(wrong[0].starts_with("src/glyph.rs:2: `glyph` (layer 0) imports `scan` (layer 4)"));
    assert!(wrong[1].contains("`rng` (layer 0) imports `glyph` (layer 0)"));
    assert!(wrong[2].contains("`unknown` is in no layer"));
    assert!(wrong[3].contains("module `newcomer` is in no layer"));
}

#[test]
fn the_import_reader_finds_paths_and_groups() {
    assert_eq!(imported_modules("use crate::glyph::Polarity;"), ["glyph"]);
    assert_eq!(
        imported_modules("use crate::{error::Error, rng::{draw_rng, splitmix}};"),
        ["error", "rng"]
    );
    assert_eq!(
        imported_modules("    $crate::simd::wide_fn! { // crate::report"),
        ["simd"]
    );
    assert!(imported_modules("let x = mycrate::scan::run();").is_empty());
}
