//! Transformation specs: parsing (`FromStr`), display in the same syntax, and application to raw images.
//!
//! The spec language, one transformation per `-t`:
//!
//! | spec | meaning |
//! |---|---|
//! | `rotate:180`, `rotate:-15..15` | rotate counter-clockwise by an angle in degrees, or by a uniform random angle in a range |
//! | `hflip`, `vflip` | mirror left-right, top-bottom |
//! | `crop:0.7`, `crop:0.6..0.9` | keep a window of that fraction of width and height (or a random fraction in the range) at a random position |
//! | `crop:left=0.6` (`right`, `top`, `bottom`, `center`) | keep that part of the image |
//! | `A+B` | a pipeline: apply A, then B |

use std::fmt;
use std::str::FromStr;

use image::{imageops, GrayImage, Luma};
use imageproc::geometric_transformations::{self as geometry, Border, Interpolation};
use rand::Rng;

use crate::error::Error;

/// A number that is either fixed or drawn uniformly from a closed range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Param {
    /// Always this value.
    Fixed(f64),
    /// A uniform draw from `lo..=hi`.
    Range(f64, f64),
}

impl Param {
    /// The value for one application: the fixed value, or a draw from the range.
    pub fn draw<R: Rng + ?Sized>(self, rng: &mut R) -> f64 {
        match self {
            Param::Fixed(v) => v,
            Param::Range(lo, hi) if lo < hi => rng.random_range(lo..=hi),
            Param::Range(lo, _) => lo,
        }
    }

    fn is_random(self) -> bool {
        matches!(self, Param::Range(lo, hi) if lo < hi)
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Fixed(v) => write!(f, "{v}"),
            Param::Range(lo, hi) => write!(f, "{lo}..{hi}"),
        }
    }
}

/// The part of an image a side crop keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The left part, full height.
    Left,
    /// The right part, full height.
    Right,
    /// The top part, full width.
    Top,
    /// The bottom part, full width.
    Bottom,
    /// A centred window of that fraction of width and height.
    Center,
}

impl Side {
    const ALL: [(Side, &'static str); 5] = [
        (Side::Left, "left"),
        (Side::Right, "right"),
        (Side::Top, "top"),
        (Side::Bottom, "bottom"),
        (Side::Center, "center"),
    ];

    fn name(self) -> &'static str {
        Side::ALL
            .iter()
            .find(|(side, _)| *side == self)
            .map_or("center", |(_, name)| name)
    }
}

/// One step of a transformation pipeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// Rotate counter-clockwise by degrees about the image centre, keeping the frame.
    Rotate(Param),
    /// Mirror left-right.
    HFlip,
    /// Mirror top-bottom.
    VFlip,
    /// Keep a window of this fraction of width and height at a random position.
    Crop(Param),
    /// Keep this fraction of the image on one side (or in the centre).
    CropSide(Side, f64),
}

impl Step {
    fn is_random(self) -> bool {
        match self {
            Step::Rotate(angle) => angle.is_random(),
            Step::Crop(_) => true,
            Step::HFlip | Step::VFlip | Step::CropSide(..) => false,
        }
    }

    fn apply<R: Rng + ?Sized>(self, image: &GrayImage, background: u8, rng: &mut R) -> GrayImage {
        match self {
            Step::Rotate(angle) => rotate(image, angle.draw(rng), background),
            Step::HFlip => imageops::flip_horizontal(image),
            Step::VFlip => imageops::flip_vertical(image),
            Step::Crop(fraction) => {
                let fraction = fraction.draw(rng);
                let (w, h) = image.dimensions();
                let (cw, ch) = (kept(w, fraction), kept(h, fraction));
                let x = rng.random_range(0..=w - cw);
                let y = rng.random_range(0..=h - ch);
                imageops::crop_imm(image, x, y, cw, ch).to_image()
            }
            Step::CropSide(side, fraction) => crop_side(image, side, fraction),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Rotate(angle) => write!(f, "rotate:{angle}"),
            Step::HFlip => f.write_str("hflip"),
            Step::VFlip => f.write_str("vflip"),
            Step::Crop(fraction) => write!(f, "crop:{fraction}"),
            Step::CropSide(side, fraction) => write!(f, "crop:{}={fraction}", side.name()),
        }
    }
}

/// A transformation: one step or a pipeline of steps applied in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Transform {
    steps: Vec<Step>,
}

impl Transform {
    /// A pipeline of the given steps.
    pub fn new(steps: Vec<Step>) -> Transform {
        Transform { steps }
    }

    /// The steps, in the order they are applied.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Whether applying it draws anything at random (so it is worth drawing several times).
    pub fn is_random(&self) -> bool {
        self.steps.iter().any(|step| step.is_random())
    }

    /// Applies the pipeline to a raw image; what a step uncovers is filled with `background`.
    pub fn apply<R: Rng + ?Sized>(
        &self,
        image: &GrayImage,
        background: u8,
        rng: &mut R,
    ) -> GrayImage {
        let mut current = image.clone();
        for step in &self.steps {
            current = step.apply(&current, background, rng);
        }
        current
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

impl FromStr for Transform {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Transform, Error> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(spec_error(
                spec,
                "empty spec; expected rotate, hflip, vflip or crop",
            ));
        }
        let steps = spec
            .split('+')
            .map(|part| parse_step(part.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Transform { steps })
    }
}

fn spec_error(spec: &str, reason: impl Into<String>) -> Error {
    Error::Spec {
        spec: spec.to_string(),
        reason: reason.into(),
    }
}

fn parse_step(part: &str) -> Result<Step, Error> {
    let (name, arg) = match part.split_once(':') {
        Some((name, arg)) => (name.trim(), Some(arg.trim())),
        None => (part, None),
    };
    match (name, arg) {
        ("", _) => Err(spec_error(
            part,
            "empty step (two '+' in a row?); expected rotate, hflip, vflip or crop",
        )),
        ("hflip" | "vflip", Some(_)) => Err(spec_error(part, format!("{name} takes no argument"))),
        ("hflip", None) => Ok(Step::HFlip),
        ("vflip", None) => Ok(Step::VFlip),
        ("rotate", None) | ("rotate", Some("")) => Err(spec_error(
            part,
            "rotate needs an angle in degrees: rotate:180 or rotate:-15..15",
        )),
        ("rotate", Some(arg)) => {
            let angle = parse_param(
                part,
                arg,
                "an angle in degrees (rotate:180, rotate:-15..15)",
            )?;
            Ok(Step::Rotate(angle))
        }
        ("crop", None) | ("crop", Some("")) => Err(spec_error(
            part,
            "crop needs a fraction: crop:0.7, crop:0.6..0.9 or crop:left=0.6",
        )),
        ("crop", Some(arg)) => match arg.split_once('=') {
            Some((side_name, fraction)) => {
                let side_name = side_name.trim();
                let side = Side::ALL
                    .iter()
                    .find(|(_, name)| *name == side_name)
                    .map(|(side, _)| *side)
                    .ok_or_else(|| {
                        spec_error(
                            part,
                            format!(
                                "unknown crop side '{side_name}'; expected left, right, top, bottom or center"
                            ),
                        )
                    })?;
                let fraction = parse_number(part, fraction.trim(), "a fraction such as 0.6")?;
                check_fraction(part, fraction)?;
                Ok(Step::CropSide(side, fraction))
            }
            None => {
                let fraction = parse_param(
                    part,
                    arg,
                    "a fraction (crop:0.7) or a range (crop:0.6..0.9)",
                )?;
                match fraction {
                    Param::Fixed(v) => check_fraction(part, v)?,
                    Param::Range(lo, hi) => {
                        check_fraction(part, lo)?;
                        check_fraction(part, hi)?;
                    }
                }
                Ok(Step::Crop(fraction))
            }
        },
        _ => Err(spec_error(
            part,
            format!("unknown transformation '{name}'; expected rotate, hflip, vflip or crop"),
        )),
    }
}

fn parse_number(part: &str, text: &str, expected: &str) -> Result<f64, Error> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(spec_error(
            part,
            format!("'{text}' is not a number; expected {expected}"),
        )),
    }
}

fn parse_param(part: &str, arg: &str, expected: &str) -> Result<Param, Error> {
    match arg.split_once("..") {
        Some((lo, hi)) => {
            let lo = parse_number(part, lo.trim(), expected)?;
            let hi = parse_number(part, hi.trim(), expected)?;
            if lo > hi {
                return Err(spec_error(
                    part,
                    format!("range {lo}..{hi} runs backwards; write the smaller value first"),
                ));
            }
            Ok(Param::Range(lo, hi))
        }
        None => Ok(Param::Fixed(parse_number(part, arg, expected)?)),
    }
}

fn check_fraction(part: &str, fraction: f64) -> Result<(), Error> {
    if fraction > 0.0 && fraction <= 1.0 {
        Ok(())
    } else {
        Err(spec_error(
            part,
            format!("crop fraction {fraction} is outside 0 (exclusive) to 1 (inclusive)"),
        ))
    }
}

/// The transformations scanned when none is given: small and quarter-turn rotations, both
/// flips, random crops and a crop from each side.
pub fn default_set() -> Vec<Transform> {
    [
        "rotate:-10..10",
        "rotate:90",
        "rotate:180",
        "rotate:270",
        "hflip",
        "vflip",
        "crop:0.7..0.9",
        "crop:left=0.5",
        "crop:right=0.5",
        "crop:top=0.5",
        "crop:bottom=0.5",
        "crop:center=0.7",
    ]
    .iter()
    .filter_map(|spec| spec.parse().ok())
    .collect()
}

/// Pixels kept along a side of `length` by a crop of `fraction`: at least one.
fn kept(length: u32, fraction: f64) -> u32 {
    ((f64::from(length) * fraction).round() as u32).clamp(1, length.max(1))
}

fn crop_side(image: &GrayImage, side: Side, fraction: f64) -> GrayImage {
    let (w, h) = image.dimensions();
    let (cw, ch) = (kept(w, fraction), kept(h, fraction));
    let (x, y, cw, ch) = match side {
        Side::Left => (0, 0, cw, h),
        Side::Right => (w - cw, 0, cw, h),
        Side::Top => (0, 0, w, ch),
        Side::Bottom => (0, h - ch, w, ch),
        Side::Center => ((w - cw) / 2, (h - ch) / 2, cw, ch),
    };
    imageops::crop_imm(image, x, y, cw, ch).to_image()
}

/// Rotates counter-clockwise by `degrees` about the image centre, keeping the frame; quarter
/// turns are exact pixel moves, other angles are resampled bilinearly.
pub fn rotate(image: &GrayImage, degrees: f64, background: u8) -> GrayImage {
    let turn = degrees.rem_euclid(360.0);
    let near = |target: f64| (turn - target).abs() < 1e-9;
    if near(0.0) || near(360.0) {
        image.clone()
    } else if near(90.0) {
        geometry::rotate270(image)
    } else if near(180.0) {
        geometry::rotate180(image)
    } else if near(270.0) {
        geometry::rotate90(image)
    } else {
        rotate_resampled(image, degrees, background)
    }
}

fn rotate_resampled(image: &GrayImage, degrees: f64, background: u8) -> GrayImage {
    let (w, h) = image.dimensions();
    let centre = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
    // imageproc turns clockwise in image coordinates; the spec's angles turn counter-clockwise.
    geometry::rotate(
        image,
        centre,
        -(degrees.to_radians() as f32),
        Interpolation::Bilinear,
        Border::Constant(Luma([background])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn numbered(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| Luma([(y * w + x) as u8]))
    }

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    fn apply(spec: &str, image: &GrayImage) -> GrayImage {
        spec.parse::<Transform>()
            .unwrap()
            .apply(image, 0, &mut rng())
    }

    #[test]
    fn specs_display_as_written() {
        for spec in [
            "rotate:180",
            "rotate:-15..15",
            "hflip",
            "vflip",
            "crop:0.7",
            "crop:0.6..0.9",
            "crop:left=0.5",
            "crop:center=0.5",
            "rotate:90+hflip+crop:bottom=0.5",
        ] {
            assert_eq!(spec.parse::<Transform>().unwrap().to_string(), spec);
        }
        let spaced: Transform = " rotate: 45 + hflip ".parse().unwrap();
        assert_eq!(spaced.to_string(), "rotate:45+hflip");
    }

    #[test]
    fn malformed_specs_name_the_bad_part() {
        let cases = [
            ("spin:90", "spin:90", "unknown transformation 'spin'"),
            ("rotate", "rotate", "needs an angle"),
            ("hflip+rotate:abc", "rotate:abc", "'abc' is not a number"),
            ("rotate:15..-15", "rotate:15..-15", "runs backwards"),
            ("crop:1.5", "crop:1.5", "outside 0"),
            ("crop:0", "crop:0", "outside 0"),
            (
                "crop:middle=0.5",
                "crop:middle=0.5",
                "unknown crop side 'middle'",
            ),
            ("hflip:2", "hflip:2", "takes no argument"),
            ("hflip++vflip", "", "empty step"),
            ("", "", "empty spec"),
            ("rotate:nan", "rotate:nan", "not a number"),
        ];
        for (spec, part, reason) in cases {
            match spec.parse::<Transform>() {
                Err(Error::Spec {
                    spec: got,
                    reason: why,
                }) => {
                    assert_eq!(got, part, "{spec}");
                    assert!(why.contains(reason), "{spec}: {why}");
                }
                other => panic!("{spec}: {other:?}"),
            }
        }
    }

    #[test]
    fn quarter_turns_go_counter_clockwise() {
        let image = numbered(3, 2);
        let turned = rotate(&image, 90.0, 0);
        assert_eq!(turned.dimensions(), (2, 3));
        // The top-right pixel of the original ends up top-left.
        assert_eq!(turned.get_pixel(0, 0), image.get_pixel(2, 0));
        assert_eq!(turned.get_pixel(0, 2), image.get_pixel(0, 0));
        assert_eq!(rotate(&image, -270.0, 0), turned);
        assert_eq!(rotate(&image, 180.0, 0), geometry::rotate180(&image));
    }

    #[test]
    fn resampled_rotation_agrees_with_the_exact_quarter_turn() {
        let image = numbered(5, 5);
        let exact = rotate(&image, 90.0, 0);
        let resampled = rotate_resampled(&image, 90.0, 0);
        for (a, b) in exact.pixels().zip(resampled.pixels()) {
            assert!(a[0].abs_diff(b[0]) <= 1, "{a:?} {b:?}");
        }
    }

    #[test]
    fn rotation_fills_the_uncovered_corners_with_the_background() {
        let image = GrayImage::from_pixel(9, 9, Luma([10]));
        let turned = rotate(&image, 45.0, 200);
        assert_eq!(turned.get_pixel(0, 0)[0], 200);
        assert_eq!(turned.get_pixel(4, 4)[0], 10);
    }

    #[test]
    fn flips_mirror() {
        let image = numbered(3, 2);
        assert_eq!(
            apply("hflip", &image).get_pixel(0, 0),
            image.get_pixel(2, 0)
        );
        assert_eq!(
            apply("vflip", &image).get_pixel(0, 0),
            image.get_pixel(0, 1)
        );
    }

    #[test]
    fn side_crops_keep_their_side() {
        let image = numbered(10, 10);
        let left = apply("crop:left=0.6", &image);
        assert_eq!(left.dimensions(), (6, 10));
        assert_eq!(left.get_pixel(0, 0), image.get_pixel(0, 0));
        let right = apply("crop:right=0.6", &image);
        assert_eq!(right.dimensions(), (6, 10));
        assert_eq!(right.get_pixel(5, 9), image.get_pixel(9, 9));
        let top = apply("crop:top=0.3", &image);
        assert_eq!(top.dimensions(), (10, 3));
        assert_eq!(top.get_pixel(0, 0), image.get_pixel(0, 0));
        let bottom = apply("crop:bottom=0.3", &image);
        assert_eq!(bottom.get_pixel(0, 0), image.get_pixel(0, 7));
        let centre = apply("crop:center=0.6", &image);
        assert_eq!(centre.dimensions(), (6, 6));
        assert_eq!(centre.get_pixel(0, 0), image.get_pixel(2, 2));
    }

    #[test]
    fn random_draws_follow_the_generator() {
        let image = numbered(20, 20);
        let spec: Transform = "rotate:-30..30+crop:0.5..0.9".parse().unwrap();
        assert!(spec.is_random());
        assert!(!"rotate:90+hflip".parse::<Transform>().unwrap().is_random());
        let a = spec.apply(&image, 0, &mut ChaCha8Rng::seed_from_u64(1));
        let b = spec.apply(&image, 0, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(a, b);
        let draws: Vec<GrayImage> = (0..8)
            .map(|seed| spec.apply(&image, 0, &mut ChaCha8Rng::seed_from_u64(seed)))
            .collect();
        assert!(draws.iter().any(|d| d != &a));
    }

    #[test]
    fn the_default_set_covers_every_kind() {
        let specs: Vec<String> = default_set().iter().map(ToString::to_string).collect();
        assert_eq!(specs.len(), 12);
        for needed in [
            "rotate:-10..10",
            "rotate:90",
            "rotate:180",
            "rotate:270",
            "hflip",
            "vflip",
            "crop:0.7..0.9",
        ] {
            assert!(specs.iter().any(|s| s == needed), "{needed}");
        }
        for side in ["left", "right", "top", "bottom", "center"] {
            let prefix = format!("crop:{side}=");
            assert!(specs.iter().any(|s| s.starts_with(&prefix)), "{side}");
        }
    }

    fn any_image() -> impl Strategy<Value = GrayImage> {
        (1u32..12, 1u32..12, any::<u64>()).prop_map(|(w, h, seed)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            GrayImage::from_fn(w, h, |_, _| Luma([rand::Rng::random(&mut rng)]))
        })
    }

    proptest! {
        #[test]
        fn two_flips_are_the_identity(image in any_image()) {
            prop_assert_eq!(apply("hflip+hflip", &image), image.clone());
            prop_assert_eq!(apply("vflip+vflip", &image), image.clone());
            prop_assert_eq!(apply("hflip+vflip", &image), apply("rotate:180", &image));
        }

        #[test]
        fn four_quarter_turns_are_the_identity(image in any_image()) {
            prop_assert_eq!(apply("rotate:90+rotate:90+rotate:90+rotate:90", &image), image.clone());
            prop_assert_eq!(apply("rotate:90+rotate:-90", &image), image.clone());
            prop_assert_eq!(apply("rotate:270", &image), apply("rotate:90+rotate:180", &image));
        }

        #[test]
        fn crops_keep_the_fraction_asked_for(image in any_image(), fraction in 0.05f64..=1.0) {
            let (w, h) = image.dimensions();
            let random = Transform::new(vec![Step::Crop(Param::Fixed(fraction))]);
            let cropped = random.apply(&image, 0, &mut rng());
            prop_assert_eq!(cropped.dimensions(), (kept(w, fraction), kept(h, fraction)));
            prop_assert_eq!(crop_side(&image, Side::Left, fraction).height(), h);
            prop_assert_eq!(crop_side(&image, Side::Top, fraction).width(), w);
        }

        #[test]
        fn complementary_side_crops_tile_the_image(image in any_image(), split in 1u32..12) {
            let (w, h) = image.dimensions();
            prop_assume!(split < w);
            let left = crop_side(&image, Side::Left, f64::from(split) / f64::from(w));
            let right = crop_side(&image, Side::Right, f64::from(w - split) / f64::from(w));
            prop_assert_eq!(left.width() + right.width(), w);
            let rebuilt = GrayImage::from_fn(w, h, |x, y| {
                if x < left.width() {
                    *left.get_pixel(x, y)
                } else {
                    *right.get_pixel(x - left.width(), y)
                }
            });
            prop_assert_eq!(rebuilt, image);
        }
    }
}
