//! Hostile input through the real binary: files that would make augsafe wait for ever, read
//! without end, or decode gigabytes are refused or skipped with their reason, quickly, and the
//! run goes on where it can.

use std::io::Write;
use std::path::Path;

use crate::util::copy_tree;

/// A PNG of `side`×`side` white pixels: a few hundred kilobytes that decode to `side`² bytes.
fn png_bomb(path: &Path, side: u32) {
    let mut raw = Vec::new();
    let row: Vec<u8> = std::iter::once(0u8)
        .chain(std::iter::repeat_n(255u8, side as usize))
        .collect();
    let mut deflate = flate2::write::ZlibEncoder::new(&mut raw, flate2::Compression::fast());
    for _ in 0..side {
        deflate.write_all(&row).expect("deflate");
    }
    deflate.finish().expect("deflate");
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(data);
        let crc = crc32(&out[start..]);
        out.extend(crc.to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend(side.to_be_bytes());
    header.extend(side.to_be_bytes());
    header.extend([8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &raw);
    chunk(&mut png, b"IEND", &[]);
    std::fs::write(path, png).expect("written");
}

/// The CRC-32 PNG chunks carry.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn skipped_reason(report: &serde_json::Value, ends_with: &str) -> String {
    report["dataset"]["skipped"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|s| s["path"].as_str().is_some_and(|p| p.ends_with(ends_with)))
        })
        .and_then(|s| s["reason"].as_str())
        .unwrap_or_else(|| {
            panic!(
                "{ends_with} is not skipped: {}",
                report["dataset"]["skipped"]
            )
        })
        .to_string()
}

#[cfg(unix)]
#[test]
fn special_files_links_out_and_pixel_bombs_are_skipped_with_their_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("digits");
    copy_tree(Path::new("fixtures/digits"), &data);
    // A 10,000-pixel square: 0.1 GB to decode from a file of a few hundred kilobytes.
    png_bomb(&data.join("3").join("bomb.png"), 10_000);
    // A FIFO blocks whoever opens it; a device never ends; a class linked to / is the whole disk.
    let made = std::process::Command::new("mkfifo")
        .arg(data.join("6").join("fifo.png"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo makes a FIFO");
    std::os::unix::fs::symlink("/dev/zero", data.join("9").join("zero.png")).expect("link");
    std::os::unix::fs::symlink("/", data.join("everything")).expect("link");
    // A link that stays inside the dataset is followed.
    std::os::unix::fs::symlink(
        data.join("1").join("DejaVuSansMono_00.png"),
        data.join("7").join("one.png"),
    )
    .expect("link");

    let output = crate::util::augsafe()
        .args(["scan", "--quiet", "-t", "hflip", "--json", "-"])
        .arg(&data)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("augsafe runs");
    let report = crate::util::report(&output, "scan of hostile files");
    assert!(skipped_reason(&report, "bomb.png").contains("too large"));
    assert!(skipped_reason(&report, "fifo.png").contains("not a regular file"));
    assert!(skipped_reason(&report, "zero.png").contains("leads out of the dataset"));
    assert!(skipped_reason(&report, "everything").contains("leads out of the dataset (to /)"));
    assert_eq!(
        report["dataset"]["classes"].as_array().map(Vec::len),
        Some(10)
    );
}

#[cfg(unix)]
#[test]
fn a_pipeline_that_is_no_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipeline.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo makes a FIFO");
    let output = crate::util::augsafe()
        .args(["scan", "fixtures/digits", "--quiet", "--pipeline"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .expect("augsafe runs");
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("not a regular file"), "{message}");
    assert!(message.contains(&fifo.display().to_string()), "{message}");
}

#[test]
fn a_gzipped_idx_file_is_inflated_no_further_than_its_header_promises() {
    let dir = tempfile::tempdir().expect("tempdir");
    let images = dir.path().join("bomb-images-idx3-ubyte.gz");
    let labels = dir.path().join("bomb-labels-idx1-ubyte");
    // A header for 2 images of 28×28, then 64 MB of zeros (a few kilobytes gzipped).
    let file = std::fs::File::create(&images).expect("created");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(&[0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28])
        .expect("header");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&zeros).expect("zeros");
    }
    gz.finish().expect("gzip");
    std::fs::write(&labels, [0, 0, 8, 1, 0, 0, 0, 2, 0, 1]).expect("labels");
    let output = crate::util::augsafe()
        .args(["scan", "--quiet", "--idx-images"])
        .arg(&images)
        .arg("--idx-labels")
        .arg(&labels)
        .output()
        .expect("augsafe runs");
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("more data than its header promises"),
        "{message}"
    );
    assert!(message.contains("bomb-images-idx3-ubyte.gz"), "{message}");
}

#[test]
fn no_output_lands_in_the_input_or_on_another_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("digits");
    copy_tree(Path::new("fixtures/digits"), &data);
    let pipeline = dir.path().join("rotate.json");
    std::fs::copy("fixtures/pipelines/v2/rotate.json", &pipeline).expect("copied");
    let before = std::fs::read(&pipeline).expect("read");
    let data_arg = data.display().to_string();
    let inside_json = data.join("6").join("report.png").display().to_string();
    let inside_examples = data.join("examples").display().to_string();
    // Folders still to be made inside the dataset are inside it too.
    let deep_examples = data.join("new").join("deeper").display().to_string();
    let pipeline_arg = pipeline.display().to_string();
    let npy = dir.path().join("t.npy").display().to_string();
    let labels = dir.path().join("t.labels.txt").display().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // A report inside a class folder would be read as an image of it by the next scan.
        (
            vec!["scan", &data_arg, "--json", &inside_json],
            "inside the dataset",
        ),
        (
            vec!["scan", &data_arg, "--examples-dir", &inside_examples],
            "inside the dataset",
        ),
        (
            vec!["scan", &data_arg, "--examples-dir", &deep_examples],
            "inside the dataset",
        ),
        (
            vec![
                "scan",
                &data_arg,
                "--pipeline",
                &pipeline_arg,
                "--json",
                &pipeline_arg,
            ],
            "is an input of this run",
        ),
        (
            vec![
                "recommend",
                &data_arg,
                "--pipeline",
                &pipeline_arg,
                "--out",
                &pipeline_arg,
            ],
            "is an input of this run",
        ),
        // The labels file written beside the templates is an output too.
        (
            vec![
                "scan",
                &data_arg,
                "--save-templates",
                &npy,
                "--json",
                &labels,
            ],
            "both name",
        ),
    ];
    for (args, needle) in cases {
        let output = crate::util::run(&args);
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(needle), "{args:?}: {message}");
    }
    assert!(!data.join("6").join("report.png").exists());
    assert!(!data.join("examples").exists());
    assert!(!data.join("new").exists());
    assert_eq!(std::fs::read(&pipeline).expect("read"), before);
}

#[cfg(unix)]
#[test]
fn labels_with_markup_or_control_characters_stay_data_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("labels");
    // Three digit classes under names that are markup, a terminal escape sequence (retitle the
    // window) and a line break.
    let names = [
        ("6", "<img src=x onerror=alert(1)>\nrow"),
        ("9", "\u{1b}]0;pwned\u{7}"),
        ("2", "two"),
    ];
    for (digit, name) in names {
        copy_tree(&Path::new("fixtures/digits").join(digit), &data.join(name));
    }
    let markdown = dir.path().join("report.md");
    let output = crate::util::augsafe()
        .args(["scan", "-t", "rotate:180", "--color", "never", "--markdown"])
        .arg(&markdown)
        .arg(&data)
        .output()
        .expect("augsafe runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "a control character reached the terminal: {table:?}"
    );
    assert!(table.contains("\\u{1b}]0;pwned\\u{7}"), "{table}");
    assert!(table.contains(">\\u{a}row"), "{table}");
    let md = std::fs::read_to_string(&markdown).expect("markdown");
    assert!(!md.contains("<img"), "{md}");
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"), "{md}");
    assert!(!md.contains('\u{1b}'), "{md}");
    // The sweep's plot stays well-formed XML: no control character in its text.
    let svg = dir.path().join("plot.svg");
    let output = crate::util::augsafe()
        .args([
            "sweep", "--op", "rotate", "--range", "0..180", "--step", "90", "--quiet", "--plot",
        ])
        .arg(&svg)
        .arg(&data)
        .output()
        .expect("augsafe runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let svg = std::fs::read_to_string(&svg).expect("svg");
    assert!(
        !svg.chars().any(|c| c.is_control() && c != '\n'),
        "a control character in the SVG"
    );
    assert!(!svg.contains("<img"), "markup in the SVG");
}

#[test]
fn long_class_names_still_get_their_strips_and_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("long");
    // 120 Cyrillic letters: 240 bytes as a folder name, 600 in a strip's ASCII-safe form.
    let six = "ж".repeat(120);
    let nine = "щ".repeat(120);
    copy_tree(&Path::new("fixtures/digits").join("6"), &data.join(&six));
    copy_tree(&Path::new("fixtures/digits").join("9"), &data.join(&nine));
    let strips = dir.path().join("strips");
    let json = dir.path().join("report.json");
    let output = crate::util::augsafe()
        .args([
            "scan",
            "-t",
            "rotate:180",
            "--quiet",
            "--examples",
            "2",
            "--examples-dir",
        ])
        .arg(&strips)
        .arg("--json")
        .arg(&json)
        .arg(&data)
        .output()
        .expect("augsafe runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(json.exists(), "the JSON report");
    let names: Vec<String> = std::fs::read_dir(&strips)
        .expect("strips written")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names.iter().all(|n| n.len() < 200 && n.contains('~')),
        "{names:?}"
    );
}

#[cfg(unix)]
#[test]
fn folders_that_would_merge_are_told_or_kept_apart() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("merge");
    // `A/` and `U+0041_A/` (render's encoding) both stand for A.
    copy_tree(&Path::new("fixtures/digits").join("1"), &data.join("A"));
    copy_tree(
        &Path::new("fixtures/digits").join("7"),
        &data.join("U+0041_A"),
    );
    // Latin-1 `été` and `àté`: not UTF-8, and different.
    let ete = std::ffi::OsStr::from_bytes(b"\xe9t\xe9");
    let ate = std::ffi::OsStr::from_bytes(b"\xe0t\xe9");
    copy_tree(&Path::new("fixtures/digits").join("6"), &data.join(ete));
    copy_tree(&Path::new("fixtures/digits").join("9"), &data.join(ate));
    let output = crate::util::augsafe()
        .args(["scan", "-t", "hflip", "--json", "-"])
        .arg(&data)
        .output()
        .expect("augsafe runs");
    let warnings = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = crate::util::report(&output, "scan of merging folders");
    let classes: Vec<&str> = report["dataset"]["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(classes, ["A", "\\xe0t\\xe9", "\\xe9t\\xe9"]);
    assert_eq!(
        report["dataset"]["merged_folders"][0],
        "A (folders A/, U+0041_A/)"
    );
    assert!(
        warnings.contains("several folders read as one class: A (folders A/, U+0041_A/)"),
        "{warnings}"
    );
}

#[test]
fn a_mapping_that_names_an_index_twice_or_two_indices_alike_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text, needle) in [
        (
            "names.txt",
            "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nsix\n",
            "'six' names two indices (6 and 9)",
        ),
        (
            "indices.txt",
            "0 48\n1 49\n1 50\n",
            "index 1 is named twice",
        ),
    ] {
        let mapping = dir.path().join(name);
        std::fs::write(&mapping, text).expect("written");
        let output = crate::util::augsafe()
            .args([
                "scan",
                "--quiet",
                "--idx-images",
                "fixtures/idx/digits-images-idx3-ubyte",
                "--idx-labels",
                "fixtures/idx/digits-labels-idx1-ubyte",
                "--idx-mapping",
            ])
            .arg(&mapping)
            .output()
            .expect("augsafe runs");
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {message}");
        assert!(message.contains(needle), "{name}: {message}");
        assert!(message.contains(name), "{name}: {message}");
    }
}

#[test]
fn idx_files_named_without_a_folder_have_the_current_folder_as_root() {
    let output = crate::util::augsafe()
        .current_dir("fixtures/idx")
        .args([
            "scan",
            "--quiet",
            "-t",
            "hflip",
            "--json",
            "-",
            "--idx-images",
            "digits-images-idx3-ubyte",
            "--idx-labels",
            "digits-labels-idx1-ubyte",
        ])
        .output()
        .expect("augsafe runs");
    let report = crate::util::report(&output, "scan of bare IDX names");
    assert_eq!(report["dataset"]["root"], ".");
}

#[test]
fn manifest_rows_that_leave_its_folder_are_read_and_said() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("lists");
    std::fs::create_dir(&folder).expect("folder");
    let digits = std::fs::canonicalize("fixtures/digits").expect("fixtures");
    copy_tree(&digits.join("9"), &dir.path().join("nines"));
    let mut rows = String::from("path,label\n");
    for name in [
        "DejaVuSans_00.png",
        "DejaVuSans_01.png",
        "DejaVuSans_02.png",
    ] {
        rows.push_str(&format!("{},6\n", digits.join("6").join(name).display()));
        rows.push_str(&format!("../nines/{name},9\n"));
    }
    let manifest = folder.join("list.csv");
    std::fs::write(&manifest, rows).expect("written");
    let output = crate::util::augsafe()
        .args(["scan", "-t", "rotate:180", "--json", "-", "--manifest"])
        .arg(&manifest)
        .output()
        .expect("augsafe runs");
    let warnings = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = crate::util::report(&output, "scan of a manifest that points away");
    assert_eq!(report["dataset"]["images"], 6);
    assert_eq!(
        report["dataset"]["outside_manifest"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
    assert!(
        warnings.contains("6 manifest row(s) point outside the manifest's folder"),
        "{warnings}"
    );
}

#[cfg(unix)]
#[test]
fn an_interrupt_ends_the_run_as_a_shell_expects_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    // Long enough to be interrupted: many draws of a rotation over every glyph.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_augsafe"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "scan",
            "fixtures/glyphs",
            "-t",
            "rotate:-10..10",
            "--draws",
            "2000",
            "--quiet",
            "--json",
        ])
        .arg(&json)
        .spawn()
        .expect("augsafe starts");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|s| s.success()), "kill sends SIGINT");
    let status = child.wait().expect("augsafe ends");
    assert_eq!(status.code(), Some(130), "{status:?}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listing")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
