//! Arbitrary bytes into every reader of input, as properties: whatever the bytes, a reader
//! returns its data or its error, and what it returns can be used (drawn, applied, judged)
//! without a panic. The inputs are fixture files with random edits (flipped, inserted and
//! removed bytes), which reach far deeper than random bytes would, and random text. These run
//! 256 cases each in `cargo test` (`PROPTEST_CASES` sets more); `fuzz/` runs the same readers
//! under coverage-guided fuzzing for longer.

use std::path::{Path, PathBuf};

use augsafe::albumentations::Format;
use augsafe::GlyphImage;
use proptest::prelude::*;

use crate::exercise::{exercise, pipeline};

/// Every file under `dir` whose name ends with `suffix`, read.
fn seeds(dir: &str, suffix: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files.truncate(64);
    assert!(!files.is_empty(), "no seed under {dir} ending {suffix}");
    files
        .iter()
        .map(|f| std::fs::read(f).expect("fixture"))
        .collect()
}

/// One edit: overwrite, insert before or remove the byte at a position (modulo the length).
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    /// Cut the file there.
    Cut(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => any::<usize>().prop_map(Edit::Remove),
        1 => any::<usize>().prop_map(Edit::Cut),
    ]
}

/// A seed with one to eight edits.
fn edited(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(seeds),
        proptest::collection::vec(edit(), 1..8),
    )
        .prop_map(|(mut bytes, edits)| {
            for edit in edits {
                let len = bytes.len().max(1);
                match edit {
                    Edit::Set(i, b) if !bytes.is_empty() => bytes[i % len] = b,
                    Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
                    Edit::Remove(i) if !bytes.is_empty() => {
                        bytes.remove(i % len);
                    }
                    Edit::Cut(i) => bytes.truncate(i % len),
                    _ => {}
                }
            }
            bytes
        })
}

const SPECS: &[&str] = &[
    "rotate:-15..15",
    "crop:0.6..0.9",
    "crop:box=4,4,28,28",
    "sized-crop:height=20..30,ratio=1",
    "resized-crop:scale=0.08..1,ratio=0.75..1.333",
    "affine:rotate=-15..15,scale=0.9..1.1,translate=-0.05..0.05,shear=-5..5",
    "dropout:holes=1..3,size=0.1..0.25,fill=0",
    "p=0.5:hflip+rot90",
    "elastic:alpha=1,sigma=50",
    "shear:x=-10..10,y=-5..5",
    "translate:x=-0.1..0.1,y=0",
    "safe-rotate:-30..30+d4",
];

proptest! {
    #[test]
    fn any_spec_text_is_read_or_refused_and_what_is_read_draws(
        text in prop_oneof![
            edited(SPECS.iter().map(|s| s.as_bytes().to_vec()).collect())
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            "[a-z0-9=:.,+x-]{0,40}",
            ".{0,40}",
        ]
    ) {
        if let Ok(transform) = text.parse::<augsafe::Transform>() {
            // What is read writes back as a spec that reads the same.
            let written = transform.to_string();
            let again: augsafe::Transform = written.parse().expect("a written spec reads back");
            prop_assert_eq!(again.to_string(), written);
            exercise(&transform);
        }
    }

    #[test]
    fn any_json_pipeline_is_read_or_refused_and_what_is_read_applies(
        bytes in edited(seeds("fixtures/pipelines", ".json"))
    ) {
        pipeline(&bytes, Format::Json);
    }

    #[test]
    fn any_yaml_pipeline_is_read_or_refused_and_what_is_read_applies(
        bytes in edited(seeds("fixtures/pipelines", ".yaml"))
    ) {
        pipeline(&bytes, Format::Yaml);
    }

    #[test]
    fn any_idx_bytes_are_read_or_refused(bytes in edited(seeds("fixtures/idx", "ubyte"))) {
        if let Ok(array) = augsafe::dataset::idx::parse_idx(&bytes, Path::new("x-idx3-ubyte")) {
            let elements: usize = array.shape.iter().product();
            prop_assert!(elements <= bytes.len());
        }
    }

    #[test]
    fn any_gzipped_idx_bytes_are_read_or_refused(bytes in edited(seeds("fixtures/idx", ".gz"))) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x-idx3-ubyte.gz");
        std::fs::write(&path, &bytes).expect("written");
        let _ = augsafe::dataset::idx::read_idx(&path);
    }

    #[test]
    fn any_manifest_or_mapping_is_read_or_refused(
        bytes in prop_oneof![
            edited(vec![
                b"path,label\n6/DejaVuSans_00.png,6\n9/DejaVuSans_00.png,9\n".to_vec(),
                b"label,file\n6,6/DejaVuSans_01.png\n9,9/DejaVuSans_01.png\n/dev/zero,0\n".to_vec(),
            ]),
            edited(seeds("fixtures/idx", ".txt")),
            proptest::collection::vec(any::<u8>(), 0..200),
        ]
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::util::copy_tree(Path::new("fixtures/digits/6"), &dir.path().join("6"));
        crate::util::copy_tree(Path::new("fixtures/digits/9"), &dir.path().join("9"));
        let manifest = dir.path().join("list.csv");
        std::fs::write(&manifest, &bytes).expect("written");
        let _ = augsafe::Dataset::from_manifest(&manifest);
        let _ = augsafe::dataset::idx::read_mapping(&manifest);
    }

    #[test]
    fn any_image_bytes_decode_within_the_limits_or_are_refused(
        bytes in edited(seeds("fixtures/digits/8", ".png"))
    ) {
        if let Ok(loaded) = GlyphImage::load(&bytes) {
            prop_assert!(loaded.image.pixels.width() <= 1024 && loaded.image.pixels.height() <= 1024);
            let _ = augsafe::normalize(&loaded.image);
        }
    }
}
