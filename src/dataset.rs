//! Loading an ImageFolder tree (`ROOT/<label>/<image>`) into labelled glyphs; bad files are collected, not fatal.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, ImageReader, Luma};
use rayon::prelude::*;
use serde::Serialize;
use walkdir::WalkDir;

use crate::error::{Error, Result};
use crate::idx::IdxSource;

/// File extensions that are read as images (compared case-insensitively).
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp", "pnm", "pbm", "pgm", "ppm",
];

/// Below this difference between ink and background (out of 255) an image holds no glyph.
pub const MIN_CONTRAST: u8 = 24;

/// Which way round ink and background are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Polarity {
    /// Dark ink on a light background (printed text, most scans).
    DarkOnLight,
    /// Light ink on a dark background (MNIST and its relatives).
    LightOnDark,
}

/// One labelled image, decoded to grey.
#[derive(Clone, Debug)]
pub struct Glyph {
    /// Index into [`Dataset::classes`].
    pub label: usize,
    /// Where the image came from.
    pub path: PathBuf,
    /// The image as decoded, in grey, with any transparency composited onto a background.
    pub image: GrayImage,
    /// The background level; transformations fill what they uncover with it.
    pub background: u8,
    /// Which way round ink and background are in this image.
    pub polarity: Polarity,
}

/// A file that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// A folder of labelled glyphs.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The folder the dataset was read from.
    pub root: PathBuf,
    /// Class labels, sorted; a glyph's `label` indexes this.
    pub classes: Vec<String>,
    /// The usable images, ordered by class and then by path.
    pub glyphs: Vec<Glyph>,
    /// Image files that could not be used.
    pub skipped: Vec<Skipped>,
    /// Files ignored because they are not images (by extension), including files directly under the root.
    pub ignored: usize,
    /// Class folders without a usable image; they are not among `classes`.
    pub empty_classes: Vec<String>,
}

impl Dataset {
    /// Reads an ImageFolder tree (or, when `root` holds an IDX images/labels pair, that pair: see
    /// [`IdxSource::find_in`]): every folder directly under `root` is a class (its name, decoded
    /// with [`label_from_folder_name`], is the label) and every image file below it a sample.
    ///
    /// Files that cannot be decoded or hold no glyph are listed in [`Dataset::skipped`]; files
    /// that are not images are counted in [`Dataset::ignored`].
    ///
    /// # Errors
    /// [`Error::Read`] when `root` cannot be listed, [`Error::NotEnoughData`] when fewer than two
    /// classes have a usable image.
    pub fn load(root: &Path) -> Result<Dataset> {
        let entries = std::fs::read_dir(root).map_err(|source| Error::Read {
            path: root.to_path_buf(),
            source,
        })?;
        let mut class_dirs = Vec::new();
        let mut ignored = 0;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: root.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                class_dirs.push(path);
            } else {
                ignored += 1;
            }
        }
        class_dirs.sort();
        // A folder that holds an IDX pair is that dataset, whatever else sits beside it.
        if let Some(source) = IdxSource::find_in(root) {
            return Dataset::from_idx(&source);
        }

        // (label, files) per class folder; two folders may decode to one label.
        let mut candidates: Vec<(String, PathBuf)> = Vec::new();
        let mut folder_labels: Vec<String> = Vec::new();
        let mut skipped = Vec::new();
        for dir in &class_dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let label = label_from_folder_name(&name);
            folder_labels.push(label.clone());
            for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        let path = err.path().unwrap_or(dir).to_path_buf();
                        skipped.push(Skipped {
                            path,
                            reason: err.to_string(),
                        });
                        continue;
                    }
                };
                if !entry.file_type().is_file() {
                    continue;
                }
                if has_image_extension(entry.path()) {
                    candidates.push((label.clone(), entry.into_path()));
                } else {
                    ignored += 1;
                }
            }
        }

        let decoded = decode_files(candidates);
        assemble(
            root,
            decoded,
            folder_labels,
            Layout::Folders(class_dirs.len()),
            skipped,
            ignored,
        )
    }

    /// Reads an IDX images/labels pair (MNIST, EMNIST, ...), as [`IdxSource::read`] does.
    ///
    /// # Errors
    /// As [`IdxSource::read`], and [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_idx(source: &IdxSource) -> Result<Dataset> {
        let idx = source.read()?;
        let name = source.images.display().to_string();
        let width = idx.images.len().to_string().len();
        let decoded: Vec<(String, PathBuf, std::result::Result<DecodedGlyph, String>)> = idx
            .images
            .into_par_iter()
            .zip(idx.labels.into_par_iter())
            .enumerate()
            .map(|(i, (image, label))| {
                let path = PathBuf::from(format!("{name}#{i:0width$}"));
                (label, path, glyph_from_grey(image))
            })
            .collect();
        let root = source
            .images
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        assemble(&root, decoded, Vec::new(), Layout::Idx, Vec::new(), 0)
    }

    /// Reads a CSV manifest of `path,label` rows (paths relative to the manifest; a first row
    /// `path,label` is a header), for images that sit in one flat folder.
    ///
    /// # Errors
    /// [`Error::Read`] when the manifest cannot be read, [`Error::Manifest`] for a row that is
    /// not `path,label`, [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_manifest(manifest: &Path) -> Result<Dataset> {
        let text = std::fs::read(manifest).map_err(|source| Error::Read {
            path: manifest.to_path_buf(),
            source,
        })?;
        let base = manifest.parent().unwrap_or(Path::new("."));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&text[..]);
        let mut candidates = Vec::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|err| Error::Manifest {
                path: manifest.to_path_buf(),
                line: line + 1,
                reason: err.to_string(),
            })?;
            let fields: Vec<&str> = record.iter().map(str::trim).collect();
            if line == 0 && fields.first() == Some(&"path") {
                continue;
            }
            match fields[..] {
                [path, label] if !path.is_empty() && !label.is_empty() => {
                    candidates.push((label.to_string(), base.join(path)));
                }
                [""] | [] => {}
                _ => {
                    return Err(Error::Manifest {
                        path: manifest.to_path_buf(),
                        line: line + 1,
                        reason: format!("expected two fields, path,label; found {}", record.len()),
                    })
                }
            }
        }
        let decoded = decode_files(candidates);
        assemble(
            manifest,
            decoded,
            Vec::new(),
            Layout::Manifest,
            Vec::new(),
            0,
        )
    }

    /// Keeps at most `max` glyphs of every class, chosen at random from `seed` (the same seed
    /// keeps the same glyphs), in their original order.
    pub fn sample_per_class(&mut self, max: usize, seed: u64) {
        let mut keep = vec![false; self.glyphs.len()];
        for class in 0..self.classes.len() {
            let members: Vec<usize> = (0..self.glyphs.len())
                .filter(|&i| self.glyphs[i].label == class)
                .collect();
            if members.len() <= max {
                members.iter().for_each(|&i| keep[i] = true);
                continue;
            }
            let mut rng = crate::evaluate::draw_rng(seed, class, usize::MAX, 0);
            for chosen in rand::seq::index::sample(&mut rng, members.len(), max) {
                keep[members[chosen]] = true;
            }
        }
        let mut index = 0;
        self.glyphs.retain(|_| {
            index += 1;
            keep[index - 1]
        });
    }

    /// The most typical background level: the median over all glyphs.
    pub fn background(&self) -> u8 {
        let mut levels: Vec<u8> = self.glyphs.iter().map(|g| g.background).collect();
        levels.sort_unstable();
        levels.get(levels.len() / 2).copied().unwrap_or(255)
    }

    /// How many usable images each class has, in the order of [`Dataset::classes`].
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for glyph in &self.glyphs {
            counts[glyph.label] += 1;
        }
        counts
    }
}

type Decoded = Vec<(String, PathBuf, std::result::Result<DecodedGlyph, String>)>;

/// Reads and decodes each (label, file) in parallel, each file once.
fn decode_files(candidates: Vec<(String, PathBuf)>) -> Decoded {
    candidates
        .into_par_iter()
        .map(|(label, path)| {
            let result = std::fs::read(&path)
                .map_err(|err| format!("cannot read: {err}"))
                .and_then(|bytes| decode_glyph(&bytes));
            (label, path, result)
        })
        .collect()
}

/// Builds a dataset from decoded glyphs: classes are the labels with a usable image, sorted;
/// failures become skipped entries; fewer than two classes is an error.
fn assemble(
    root: &Path,
    decoded: Decoded,
    folder_labels: Vec<String>,
    layout: Layout,
    mut skipped: Vec<Skipped>,
    ignored: usize,
) -> Result<Dataset> {
    // Distinct labels first (a set of a few dozen), not a sort of one label per image.
    // Sets made in parallel pieces and merged; then each image's class index, in parallel too
    // (814,255 string comparisons each way for EMNIST).
    let classes: Vec<String> = decoded
        .par_iter()
        .filter(|(_, _, result)| result.is_ok())
        .fold(
            std::collections::BTreeSet::<&str>::new,
            |mut set, (label, _, _)| {
                set.insert(label.as_str());
                set
            },
        )
        .reduce(std::collections::BTreeSet::new, |mut a, b| {
            a.extend(b);
            a
        })
        .into_iter()
        .map(str::to_string)
        .collect();
    let indices: Vec<usize> = decoded
        .par_iter()
        .map(|(label, _, _)| classes.binary_search(label).unwrap_or_default())
        .collect();

    let mut glyphs = Vec::with_capacity(decoded.len());
    for ((_, path, result), index) in decoded.into_iter().zip(indices) {
        match result {
            Ok(decoded) => {
                glyphs.push(Glyph {
                    label: index,
                    path,
                    image: decoded.image,
                    background: decoded.background,
                    polarity: decoded.polarity,
                });
            }
            Err(reason) => skipped.push(Skipped { path, reason }),
        }
    }
    // By class, then by path. Images read in path order (IDX files, most folders) need only
    // the stable sort by class, without comparing a path per comparison.
    if glyphs
        .par_windows(2)
        .all(|pair| pair[0].path <= pair[1].path)
    {
        // A counting sort: each glyph moves once, into its class's run.
        let mut starts = vec![0usize; classes.len() + 1];
        for glyph in &glyphs {
            starts[glyph.label + 1] += 1;
        }
        for c in 0..classes.len() {
            starts[c + 1] += starts[c];
        }
        let mut runs: Vec<Vec<Glyph>> = (0..classes.len())
            .map(|c| Vec::with_capacity(starts[c + 1] - starts[c]))
            .collect();
        for glyph in glyphs.drain(..) {
            runs[glyph.label].push(glyph);
        }
        glyphs.extend(runs.into_iter().flatten());
    } else {
        glyphs.par_sort_by(|a, b| a.label.cmp(&b.label).then_with(|| a.path.cmp(&b.path)));
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));

    let mut empty_classes: Vec<String> = folder_labels
        .into_iter()
        .filter(|label| classes.binary_search(label).is_err())
        .collect();
    empty_classes.sort();
    empty_classes.dedup();

    if glyphs.is_empty() || classes.len() < 2 {
        return Err(Error::NotEnoughData {
            root: root.to_path_buf(),
            found: describe_shortfall(layout, &classes, glyphs.len(), &skipped),
        });
    }
    Ok(Dataset {
        root: root.to_path_buf(),
        classes,
        glyphs,
        skipped,
        ignored,
        empty_classes,
    })
}

/// Where glyphs were read from, for saying what was found when there are too few.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// An ImageFolder tree with this many class folders.
    Folders(usize),
    /// A CSV manifest.
    Manifest,
    /// An IDX images/labels pair.
    Idx,
}

fn describe_shortfall(
    layout: Layout,
    classes: &[String],
    images: usize,
    skipped: &[Skipped],
) -> String {
    let mut found = match layout {
        Layout::Folders(folders) => format!("found {folders} class folder{}, ", plural(folders)),
        Layout::Manifest | Layout::Idx => "found ".to_string(),
    };
    found.push_str(&format!(
        "{images} usable image{} in {} class{}",
        plural(images),
        classes.len(),
        if classes.len() == 1 { "" } else { "es" },
    ));
    if let [only] = classes {
        found.push_str(&format!(" ('{only}')"));
    }
    if !skipped.is_empty() {
        found.push_str(&format!(
            " and {} unreadable file{}",
            skipped.len(),
            plural(skipped.len())
        ));
    }
    found.push_str(match layout {
        Layout::Folders(_) => {
            "; augsafe needs at least two classes with images, laid out as ROOT/<label>/<image>"
        }
        Layout::Manifest => "; augsafe needs at least two classes, as rows of path,label",
        Layout::Idx => "; augsafe needs at least two different labels in the IDX labels file",
    });
    found
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(ext))
        })
}

/// A decoded image ready to become a [`Glyph`].
#[derive(Clone, Debug)]
pub struct DecodedGlyph {
    /// The image in grey.
    pub image: GrayImage,
    /// Its background level.
    pub background: u8,
    /// Which way round ink and background are.
    pub polarity: Polarity,
}

/// Decodes an image file's bytes (any supported format, bit depth and colour type) into grey,
/// compositing transparency onto a background that contrasts with the ink, and detects the
/// background level and polarity.
///
/// # Errors
/// A reason in words when the bytes are empty, cannot be decoded, or hold no glyph.
pub fn decode_glyph(bytes: &[u8]) -> std::result::Result<DecodedGlyph, String> {
    if bytes.is_empty() {
        return Err("empty file (0 bytes)".to_string());
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|err| format!("cannot detect the format: {err}"))?;
    if reader.format().is_none() {
        return Err("not a recognised image format".to_string());
    }
    let image = reader
        .decode()
        .map_err(|err| format!("cannot decode: {err}"))?;
    glyph_from_image(&image)
}

/// Turns a decoded image into a grey glyph image with its background and polarity.
///
/// # Errors
/// A reason in words when the image is empty or holds no glyph.
pub fn glyph_from_image(image: &DynamicImage) -> std::result::Result<DecodedGlyph, String> {
    if image.width() == 0 || image.height() == 0 {
        return Err("image has no pixels".to_string());
    }
    glyph_from_grey(to_grey(image))
}

/// Turns a grey image into a glyph with its background and polarity.
///
/// # Errors
/// A reason in words when the image is empty or holds no glyph.
pub fn glyph_from_grey(grey: GrayImage) -> std::result::Result<DecodedGlyph, String> {
    if grey.width() == 0 || grey.height() == 0 {
        return Err("image has no pixels".to_string());
    }
    let background = border_median(&grey);
    let (polarity, contrast) = polarity_and_contrast(&grey, background);
    if contrast < MIN_CONTRAST {
        return Err(format!(
            "no glyph: the image is blank (largest difference from the background is {contrast}/255)"
        ));
    }
    Ok(DecodedGlyph {
        image: grey,
        background,
        polarity,
    })
}

/// Grey conversion; where there is transparency, the colour under it is chosen to contrast with
/// what is opaque, so dark ink on a transparent sheet and light ink on one both stay visible.
fn to_grey(image: &DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        let luma = image.to_luma32f();
        return GrayImage::from_fn(luma.width(), luma.height(), |x, y| {
            Luma([to_u8(luma.get_pixel(x, y)[0])])
        });
    }
    let rgba = image.to_rgba32f();
    let mut weighted = 0.0f64;
    let mut weight = 0.0f64;
    for p in rgba.pixels() {
        let luma = luminance(p.0[0], p.0[1], p.0[2]);
        weighted += f64::from(luma * p.0[3]);
        weight += f64::from(p.0[3]);
    }
    let opaque_mean = if weight > 0.0 { weighted / weight } else { 0.0 };
    let under = if opaque_mean < 0.5 { 1.0 } else { 0.0 };
    GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let alpha = p[3].clamp(0.0, 1.0);
        Luma([to_u8(
            luminance(p[0], p[1], p[2]) * alpha + under * (1.0 - alpha),
        )])
    })
}

fn luminance(r: f32, g: f32, b: f32) -> f32 {
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

fn to_u8(value: f32) -> u8 {
    (value.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The median of the outermost ring of pixels: glyphs rarely touch all four edges.
fn border_median(image: &GrayImage) -> u8 {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut histogram = [0u32; 256];
    let mut count = |values: &[u8]| {
        for &v in values {
            histogram[usize::from(v)] += 1;
        }
    };
    let mut rows = image.as_raw().chunks_exact(w.max(1)).take(h);
    // The first and last rows whole, then the two ends of every row between.
    if let Some(first) = rows.next() {
        count(first);
    }
    if let Some(last) = rows.next_back() {
        count(last);
    }
    for row in rows {
        if let [left, .., right] = row {
            count(&[*left, *right]);
        } else {
            count(row);
        }
    }
    let total: u32 = histogram.iter().sum();
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen * 2 >= total {
            return value as u8;
        }
    }
    255
}

/// Which side of the background the ink is on (the side where most of the difference lies;
/// dark on light when the sides are even) and the largest difference from the background, in
/// one pass that vectorises.
fn polarity_and_contrast(image: &GrayImage, background: u8) -> (Polarity, u8) {
    let (mut darker, mut lighter, mut contrast) = (0u64, 0u64, 0u8);
    // Sums of up to 2^24 pixels' differences fit a u32; the chunks keep the inner loop in
    // 32-bit lanes.
    for chunk in image.as_raw().chunks(1 << 24) {
        let (mut dark, mut light) = (0u32, 0u32);
        for &v in chunk {
            let (d, l) = (background.saturating_sub(v), v.saturating_sub(background));
            dark += u32::from(d);
            light += u32::from(l);
            // One of the two is zero.
            contrast = contrast.max(d | l);
        }
        darker += u64::from(dark);
        lighter += u64::from(light);
    }
    let polarity = if lighter > darker {
        Polarity::LightOnDark
    } else {
        Polarity::DarkOnLight
    };
    (polarity, contrast)
}

/// The label a class folder stands for.
///
/// Folders written by `augsafe render` encode every label that is not a lower-case ASCII letter
/// or a digit as `U+XXXX` followed by an optional `_` and a readable form (`U+0041_A` for `A`),
/// so that `A` and `a` never collide on a case-insensitive file system. Any other folder name is
/// the label itself, as in the ImageFolder convention.
pub fn label_from_folder_name(name: &str) -> String {
    let decoded = name
        .strip_prefix("U+")
        .or_else(|| name.strip_prefix("u+"))
        .and_then(|rest| {
            let hex_end = rest
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(rest.len());
            let (hex, tail) = rest.split_at(hex_end);
            let tail_ok = tail.is_empty() || tail.starts_with('_');
            if (4..=6).contains(&hex.len()) && tail_ok {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else {
                None
            }
        });
    match decoded {
        Some(c) => c.to_string(),
        None => name.to_string(),
    }
}

/// The folder name `augsafe render` gives a one-character label (see [`label_from_folder_name`]).
pub fn folder_name_for_char(c: char) -> String {
    if c.is_ascii_lowercase() || c.is_ascii_digit() {
        c.to_string()
    } else if c.is_alphanumeric() {
        format!("U+{:04X}_{c}", u32::from(c))
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, LumaA, Rgba};

    #[test]
    fn background_polarity_and_contrast_of_small_images() {
        // Every shape from one pixel to a few, against the definitions pixel by pixel.
        for (w, h) in [(1, 1), (1, 3), (3, 1), (2, 2), (2, 5), (4, 4), (7, 3)] {
            for seed in 0..20u32 {
                let image = GrayImage::from_fn(w, h, |x, y| {
                    Luma([((x * 37 + y * 91 + seed * 53) % 7 * 40) as u8])
                });
                let mut ring: Vec<u8> = image
                    .enumerate_pixels()
                    .filter(|&(x, y, _)| x == 0 || y == 0 || x + 1 == w || y + 1 == h)
                    .map(|(_, _, p)| p[0])
                    .collect();
                ring.sort_unstable();
                // The lower median, as the histogram walk finds it.
                let median = ring[(ring.len() - 1) / 2];
                assert_eq!(border_median(&image), median, "{w}x{h} {seed}");
                let (mut darker, mut lighter) = (0u64, 0u64);
                for p in image.pixels() {
                    if p[0] < median {
                        darker += u64::from(median - p[0]);
                    } else {
                        lighter += u64::from(p[0] - median);
                    }
                }
                let polarity = if lighter > darker {
                    Polarity::LightOnDark
                } else {
                    Polarity::DarkOnLight
                };
                let contrast = image.pixels().map(|p| p[0].abs_diff(median)).max();
                assert_eq!(
                    polarity_and_contrast(&image, median),
                    (polarity, contrast.unwrap_or(0)),
                    "{w}x{h} {seed}"
                );
            }
        }
    }

    fn encode_png(image: &DynamicImage) -> Vec<u8> {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    fn square_on(background: u8, ink: u8) -> GrayImage {
        GrayImage::from_fn(8, 8, |x, y| {
            if (2..6).contains(&x) && (2..6).contains(&y) {
                Luma([ink])
            } else {
                Luma([background])
            }
        })
    }

    #[test]
    fn folder_names_round_trip_and_never_collide_by_case() {
        let chars: Vec<char> = ('0'..='9')
            .chain('a'..='z')
            .chain('A'..='Z')
            .chain(['%', 'é', 'É'])
            .collect();
        let mut folded: Vec<String> = chars
            .iter()
            .map(|&c| folder_name_for_char(c).to_lowercase())
            .collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), chars.len());
        for c in chars {
            assert_eq!(
                label_from_folder_name(&folder_name_for_char(c)),
                c.to_string()
            );
        }
    }

    #[test]
    fn plain_folder_names_are_labels() {
        assert_eq!(label_from_folder_name("cat"), "cat");
        assert_eq!(label_from_folder_name("U+"), "U+");
        assert_eq!(label_from_folder_name("U+12"), "U+12");
        assert_eq!(label_from_folder_name("U+0041x"), "U+0041x");
        assert_eq!(label_from_folder_name("u+0062"), "b");
    }

    #[test]
    fn detects_both_polarities() {
        let dark = glyph_from_image(&DynamicImage::ImageLuma8(square_on(250, 10))).unwrap();
        assert_eq!(
            (dark.background, dark.polarity),
            (250, Polarity::DarkOnLight)
        );
        let light = glyph_from_image(&DynamicImage::ImageLuma8(square_on(3, 200))).unwrap();
        assert_eq!(
            (light.background, light.polarity),
            (3, Polarity::LightOnDark)
        );
    }

    #[test]
    fn blank_and_empty_inputs_are_refused_with_a_reason() {
        assert!(decode_glyph(&[]).unwrap_err().contains("0 bytes"));
        assert!(decode_glyph(b"hello, not an image")
            .unwrap_err()
            .contains("format"));
        let blank = encode_png(&DynamicImage::ImageLuma8(GrayImage::from_pixel(
            8,
            8,
            Luma([9]),
        )));
        assert!(decode_glyph(&blank).unwrap_err().contains("blank"));
        let png = encode_png(&DynamicImage::ImageLuma8(square_on(255, 0)));
        assert!(decode_glyph(&png[..png.len() / 2])
            .unwrap_err()
            .contains("decode"));
    }

    #[test]
    fn transparency_is_composited_so_the_ink_stays_visible() {
        for ink in [0u8, 255] {
            let rgba = ImageBuffer::from_fn(8, 8, |x, y| {
                let alpha = if (2..6).contains(&x) && (2..6).contains(&y) {
                    255
                } else {
                    0
                };
                Rgba([ink, ink, ink, alpha])
            });
            let glyph = glyph_from_image(&DynamicImage::ImageRgba8(rgba)).unwrap();
            assert_eq!(glyph.image.get_pixel(3, 3)[0], ink);
            assert_eq!(glyph.background, 255 - ink);
        }
        let grey_alpha = ImageBuffer::from_fn(8, 8, |x, y| {
            LumaA([
                0u8,
                if (3..5).contains(&x) && (1..7).contains(&y) {
                    255
                } else {
                    0
                },
            ])
        });
        let glyph = glyph_from_image(&DynamicImage::ImageLumaA8(grey_alpha)).unwrap();
        assert_eq!(glyph.polarity, Polarity::DarkOnLight);
    }

    #[test]
    fn sixteen_bit_grey_keeps_its_levels() {
        let wide = ImageBuffer::from_fn(8, 8, |x, y| {
            Luma([if (2..6).contains(&x) && (2..6).contains(&y) {
                65535u16
            } else {
                0
            }])
        });
        let glyph = decode_glyph(&encode_png(&DynamicImage::ImageLuma16(wide))).unwrap();
        assert_eq!(glyph.image.get_pixel(3, 3)[0], 255);
        assert_eq!(glyph.polarity, Polarity::LightOnDark);
    }
}
