//! Hostile input through the real binary: files that would make augsafe wait for ever, read
//! without end, or decode gigabytes are refused or skipped with their reason, quickly, and the
//! run goes on where it can.

use std::io::Write;
use std::path::Path;
use std::process::Output;

use crate::util::copy_tree;

/// A PNG of `side`×`side` pixels, white with a black square in the middle when `ink`: a few
/// hundred kilobytes that decode to `side`² bytes.
fn png_bomb(path: &Path, side: u32, ink: bool) {
    let mut raw = Vec::new();
    let row = |inked: bool| -> Vec<u8> {
        std::iter::once(0u8)
            .chain((0..side).map(|x| {
                if inked && (side / 4..side * 3 / 4).contains(&x) {
                    0
                } else {
                    255
                }
            }))
            .collect()
    };
    let (plain, inked) = (row(false), row(ink));
    let mut deflate = flate2::write::ZlibEncoder::new(&mut raw, flate2::Compression::fast());
    for y in 0..side {
        let middle = (side / 4..side * 3 / 4).contains(&y);
        deflate
            .write_all(if middle { &inked } else { &plain })
            .expect("deflate");
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
    png_bomb(&data.join("3").join("bomb.png"), 10_000, false);
    // A FIFO blocks whoever opens it; a device never ends; a class linked to / is the whole disk.
    let made = std::process::Command::new("mkfifo")
        .arg(data.join("6").join("fifo.png"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo makes a FIFO");
    std::os::unix::fs::symlink("/dev/zero", data.join("9").join("zero.png")).expect("link");
    std::os::unix::fs::symlink("/", data.join("everything")).expect("link");
    // A JPEG cut in half, which the decoder would fill with grey.
    let glyph = image::open("fixtures/digits/8/DejaVuSans_00.png").expect("fixture");
    let mut jpeg = Vec::new();
    glyph
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .expect("encoded");
    std::fs::write(data.join("8").join("cut.jpg"), &jpeg[..jpeg.len() / 2]).expect("written");
    // A link that stays inside the dataset is followed.
    std::os::unix::fs::symlink(
        data.join("1").join("DejaVuSansMono_00.png"),
        data.join("7").join("one.png"),
    )
    .expect("link");

    let output = crate::util::within_ceiling()
        .args(["scan", "--quiet", "-t", "hflip", "--json", "-"])
        .arg(&data)
        .output()
        .expect("augsafe runs");
    let report = crate::util::report(&output, "scan of hostile files");
    assert!(skipped_reason(&report, "bomb.png").contains("too large"));
    assert!(skipped_reason(&report, "fifo.png").contains("not a regular file"));
    assert!(skipped_reason(&report, "zero.png").contains("leads out of the dataset"));
    assert!(skipped_reason(&report, "everything").contains("leads out of the dataset (to /)"));
    assert!(skipped_reason(&report, "cut.jpg").contains("truncated"));
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
    let output = crate::util::within_ceiling()
        .args(["scan", "fixtures/digits", "--quiet", "--pipeline"])
        .arg(&fifo)
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
    // A header for 2 images of 28×28, then 1 GB of zeros (1 MB gzipped): as much as the
    // ceiling's whole address space, were it inflated.
    let file = std::fs::File::create(&images).expect("created");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(&[0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28])
        .expect("header");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        gz.write_all(&zeros).expect("zeros");
    }
    gz.finish().expect("gzip");
    std::fs::write(&labels, [0, 0, 8, 1, 0, 0, 0, 2, 0, 1]).expect("labels");
    let output = crate::util::within_ceiling()
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
        let output = crate::util::within_ceiling()
            .args(&args)
            .output()
            .expect("augsafe runs");
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
    let output = crate::util::within_ceiling()
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
    let output = crate::util::within_ceiling()
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
    let output = crate::util::within_ceiling()
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
    let output = crate::util::within_ceiling()
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
        let output = crate::util::within_ceiling()
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
    let output = crate::util::within_ceiling()
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
    let output = crate::util::within_ceiling()
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
    // Under the ceiling's address space too; `exec` keeps the process the shell started.
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            crate::util::CEILING.0 >> 10
        ))
        .arg(env!("CARGO_BIN_EXE_augsafe"))
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

#[test]
fn every_limit_has_a_flag_that_moves_it() {
    // Lowered below the fixtures' 32x32 PNGs of a few hundred bytes, each limit is met and says
    // which flag moves it.
    for (flag, value, needle) in [
        (
            "--max-file-size",
            "100",
            "is more than the 100 bytes this kind of file may hold (--max-file-size raises the limit)",
        ),
        (
            "--max-image-side",
            "16",
            "too large: more than 16x16 pixels or 1 KB decoded, the most an image may be (--max-image-side raises the limit)",
        ),
    ] {
        let output = crate::util::within_ceiling()
            .args(["scan", "fixtures/digits", "--quiet", flag, value])
            .output()
            .expect("augsafe runs");
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{flag}: {message}");
        assert!(message.contains("180 unreadable files (first: fixtures/digits/0/DejaVuSansMono_00.png: "), "{flag}: {message}");
        assert!(message.contains(needle), "{flag}: {message}");
    }
    // Images larger than --max-glyph-side are reduced as they load, and the report says so.
    let output = crate::util::within_ceiling()
        .args([
            "scan",
            "fixtures/digits",
            "-t",
            "rotate:180",
            "--quiet",
            "--json",
            "-",
        ])
        .args(["--max-glyph-side", "16"])
        .output()
        .expect("augsafe runs");
    let warnings = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = crate::util::report(&output, "scan with small glyphs");
    let reduced = report["dataset"]["reduced"].as_array().expect("reduced");
    assert_eq!(reduced.len(), 180);
    assert_eq!(reduced[0]["width"], 32);
    assert!(
        warnings.contains("180 image(s) larger than 16 pixels a side were reduced as they loaded"),
        "{warnings}"
    );
    assert_eq!(
        report["transforms"][0]["verdict"], "unsafe",
        "6 and 9 still swap"
    );
    // Raised, a limit lets through what it held back: a file of 100 MB (zeros after a PNG)
    // is more than an image may hold, unless --max-file-size allows it.
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("digits");
    copy_tree(Path::new("fixtures/digits"), &data);
    let padded = data.join("6").join("padded.png");
    let mut bytes = std::fs::read("fixtures/digits/6/DejaVuSans_00.png").expect("fixture");
    bytes.resize(100 << 20, 0);
    std::fs::write(&padded, bytes).expect("written");
    let scan = |extra: &[&str]| {
        let output = crate::util::within_ceiling()
            .args(["scan", "--quiet", "-t", "hflip", "--json", "-"])
            .args(extra)
            .arg(&data)
            .output()
            .expect("augsafe runs");
        crate::util::report(&output, "scan with a padded image")
    };
    assert!(skipped_reason(&scan(&[]), "padded.png").contains("100 MB is more than the 64 MB"));
    let report = scan(&["--max-file-size", "128M"]);
    assert_eq!(
        report["dataset"]["skipped"].as_array().map(Vec::len),
        Some(0)
    );
    assert_eq!(report["dataset"]["images"], 181);
    // A size that is no size is a usage error.
    let output = crate::util::run(&["scan", "fixtures/digits", "--max-file-size", "12X"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("'12X' is no size"));
}

/// One case of `fixtures/hostile/`: the numbered case of the campaign it reproduces, the
/// arguments (`{tmp}` is a fresh folder, `{deep}` a YAML file nested 100,000 levels deep), the
/// exit code and what standard error must say.
struct Case {
    case: &'static str,
    args: &'static [&'static str],
    exit: i32,
    says: &'static [&'static str],
}

const NOT_REGULAR: &str = "not a regular file (a folder, FIFO, device or socket)";

const CORPUS: &[Case] = &[
    Case {
        case: "1: a manifest row naming /dev/zero",
        args: &[
            "scan",
            "-t",
            "hflip",
            "--manifest",
            "fixtures/hostile/manifests/dev-zero.csv",
        ],
        exit: 0,
        says: &[
            "/dev/zero: cannot read: not a regular file",
            "manifest row(s) point outside",
        ],
    },
    Case {
        case: "1: a device as the manifest",
        args: &["scan", "--manifest", "/dev/zero"],
        exit: 1,
        says: &["cannot read /dev/zero", NOT_REGULAR],
    },
    Case {
        case: "1: a device as the pipeline",
        args: &["scan", "fixtures/digits", "--pipeline", "/dev/zero"],
        exit: 1,
        says: &["/dev/zero", NOT_REGULAR],
    },
    Case {
        case: "1: a device as the IDX images",
        args: &[
            "scan",
            "--idx-images",
            "/dev/zero",
            "--idx-labels",
            "fixtures/idx/digits-labels-idx1-ubyte",
        ],
        exit: 1,
        says: &["/dev/zero", NOT_REGULAR],
    },
    Case {
        case: "1: a device as the IDX mapping",
        args: &[
            "scan",
            "--idx-images",
            "fixtures/idx/digits-images-idx3-ubyte",
            "--idx-labels",
            "fixtures/idx/digits-labels-idx1-ubyte",
            "--idx-mapping",
            "/dev/zero",
        ],
        exit: 1,
        says: &["/dev/zero", NOT_REGULAR],
    },
    Case {
        case: "1: a device as a font",
        args: &["render", "--font", "/dev/zero", "--out", "{tmp}/rendered"],
        exit: 1,
        says: &["/dev/zero", NOT_REGULAR],
    },
    Case {
        case: "5: a billion holes",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/holes.json",
        ],
        exit: 1,
        says: &["holes.json", "CoarseDropout: 1e9 is out of range"],
    },
    Case {
        case: "5: a blur of sigma 1e4 (40 s on 54 images)",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/sigma-slow.json",
        ],
        exit: 1,
        says: &["sigma-slow.json", "ElasticTransform: 10000 is out of range"],
    },
    Case {
        case: "5: a blur of sigma 1e9 (16 GB)",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/sigma-huge.json",
        ],
        exit: 1,
        says: &["sigma-huge.json", "ElasticTransform: 1e9 is out of range"],
    },
    Case {
        case: "5: SomeOf n of 1e15 (8 PB)",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/someof-n.json",
        ],
        exit: 1,
        says: &["someof-n.json", "SomeOf chooses at most 1000"],
    },
    Case {
        case: "5: YAML nested 100,000 deep",
        args: &["scan", "fixtures/digits", "--pipeline", "{deep}"],
        exit: 1,
        says: &["deep.yaml", "nested deeper than 128 levels"],
    },
    Case {
        case: "6: a rotation's width overflows",
        args: &["scan", "fixtures/digits", "-t", "rotate:-1e308..1e308"],
        exit: 2,
        says: &["-1e308 is out of range: an angle must lie within ±3600 degrees"],
    },
    Case {
        case: "6: a shift's width overflows",
        args: &["scan", "fixtures/digits", "-t", "translate:-1e308..1e308"],
        exit: 2,
        says: &["-1e308 is out of range: a shift must lie within ±1"],
    },
    Case {
        case: "6: an affine rotation's width overflows",
        args: &[
            "scan",
            "fixtures/digits",
            "-t",
            "affine:rotate=-1e308..1e308",
        ],
        exit: 2,
        says: &["-1e308 is out of range"],
    },
    Case {
        case: "6: a blur that is 0 as f32",
        args: &[
            "scan",
            "fixtures/digits",
            "-t",
            "elastic:alpha=1,sigma=1e-50",
        ],
        exit: 2,
        says: &["1e-50 is out of range: sigma must be from 0.1 to 1000 pixels"],
    },
    Case {
        case: "6: a pipeline Rotate of limit 1e308, in scan",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/rotate-limit.json",
        ],
        exit: 1,
        says: &["rotate-limit.json", "Rotate: -1e308 is out of range"],
    },
    Case {
        case: "6: a pipeline Rotate of limit 1e308, in recommend",
        args: &[
            "recommend",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/rotate-limit.json",
            "--out",
            "{tmp}/safe.json",
        ],
        exit: 1,
        says: &["rotate-limit.json", "Rotate: -1e308 is out of range"],
    },
    Case {
        case: "6: a pipeline blur of sigma 1e-50",
        args: &[
            "recommend",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/sigma-tiny.json",
            "--out",
            "{tmp}/safe.json",
        ],
        exit: 1,
        says: &["sigma-tiny.json", "ElasticTransform: 1e-50 is out of range"],
    },
    Case {
        case: "6: a sweep whose count of values overflows",
        args: &[
            "sweep",
            "fixtures/digits",
            "--op",
            "rotate",
            "--range=-1e308..1e308",
            "--step",
            "1e307",
        ],
        exit: 2,
        says: &["bad sweep '-1e308..1e308 step 1e307': more than 10^15 values are too many"],
    },
    Case {
        case: "7: p: .nan",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/nan-p.yaml",
        ],
        exit: 1,
        says: &[
            "nan-p.yaml",
            "transforms[0].p': .nan is not a finite number",
        ],
    },
    Case {
        case: "7: p: .inf",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/inf-p.yaml",
        ],
        exit: 1,
        says: &[
            "inf-p.yaml",
            "transforms[0].p': .inf is not a finite number",
        ],
    },
    Case {
        case: "7: limit: .inf",
        args: &[
            "scan",
            "fixtures/digits",
            "--pipeline",
            "fixtures/hostile/pipelines/inf-limit.yaml",
        ],
        exit: 1,
        says: &["inf-limit.yaml", "limit[1]': .inf is not a finite number"],
    },
    Case {
        case: "8: a mapping naming two indices alike",
        args: &[
            "scan",
            "--idx-images",
            "fixtures/idx/digits-images-idx3-ubyte",
            "--idx-labels",
            "fixtures/idx/digits-labels-idx1-ubyte",
            "--idx-mapping",
            "fixtures/hostile/mappings/duplicate-name.txt",
        ],
        exit: 1,
        says: &["duplicate-name.txt", "'six' names two indices (6 and 9)"],
    },
    Case {
        case: "8: a mapping naming an index twice",
        args: &[
            "scan",
            "--idx-images",
            "fixtures/idx/digits-images-idx3-ubyte",
            "--idx-labels",
            "fixtures/idx/digits-labels-idx1-ubyte",
            "--idx-mapping",
            "fixtures/hostile/mappings/duplicate-index.txt",
        ],
        exit: 1,
        says: &["duplicate-index.txt", "index 1 is named twice"],
    },
];

#[test]
fn every_case_of_the_hostile_corpus_ends_within_the_ceiling_with_its_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = dir.path().join("deep.yaml");
    std::fs::write(
        &deep,
        format!(
            "__version__: 2.0.8\ntransform: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    )
    .expect("written");
    let tmp = dir.path().display().to_string();
    let deep = deep.display().to_string();
    for case in CORPUS {
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| a.replace("{tmp}", &tmp).replace("{deep}", &deep))
            .collect();
        let output = crate::util::within_ceiling()
            .args(&args)
            .args((case.args[0] != "render").then_some("--quiet"))
            .output()
            .expect("augsafe runs");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(!message.contains("panicked"), "{}: {message}", case.case);
        assert_eq!(
            output.status.code(),
            Some(case.exit),
            "{}: {message}",
            case.case
        );
        for needle in case.says {
            assert!(
                message.contains(needle),
                "{}: no '{needle}' in {message}",
                case.case
            );
        }
    }
}

/// Scans the fixture digits with `copies` inked PNGs of `side`×`side` pixels added to class 5,
/// under the ceiling, with `extra` arguments; the folder lives as long as the guard returned.
fn scan_with_copies(side: u32, copies: usize, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("digits");
    copy_tree(Path::new("fixtures/digits"), &data);
    let first = data.join("5").join("large00.png");
    png_bomb(&first, side, true);
    for i in 1..copies {
        std::fs::copy(&first, data.join("5").join(format!("large{i:02}.png"))).expect("copied");
    }
    let output = crate::util::within_ceiling()
        .args(["scan", "--quiet", "-t", "hflip", "--json", "-"])
        .args(extra)
        .arg(&data)
        .output()
        .expect("augsafe runs");
    (output, dir)
}

#[test]
fn pixel_bombs_are_refused_before_they_are_decoded() {
    // 40 PNGs of 20000x20000 pixels, 19 MB on disk: each took 3.7 GB and 18 s, together an
    // abort after 4 minutes. Now each is refused from its header.
    let (output, _dir) = scan_with_copies(20_000, 40, &[]);
    let report = crate::util::report(&output, "scan with 40 pixel bombs");
    let skipped = report["dataset"]["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 40);
    assert!(skipped.iter().all(|s| s["reason"]
        .as_str()
        .is_some_and(|r| r.starts_with("too large: more than 8192x8192"))));
    assert_eq!(report["dataset"]["images"], 180);
}

#[test]
fn large_images_decode_a_few_at_a_time_and_are_kept_reduced() {
    // 16 PNGs of 8000x8000 pixels on 16 threads: 64 MB each decoded, 1 GB at once without a
    // budget, which the ceiling does not allow; the dataset keeps 1000x1000 copies.
    let (output, _dir) = scan_with_copies(8000, 16, &["--threads", "16"]);
    let warnings = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = crate::util::report(&output, "scan with 16 large images");
    assert_eq!(report["dataset"]["images"], 196);
    let reduced = report["dataset"]["reduced"].as_array().expect("reduced");
    assert_eq!(reduced.len(), 16);
    assert_eq!(
        (reduced[0]["width"].as_u64(), reduced[0]["height"].as_u64()),
        (Some(8000), Some(8000))
    );
    assert!(
        warnings.contains("16 image(s) larger than 1024 pixels a side were reduced as they loaded"),
        "{warnings}"
    );
}
