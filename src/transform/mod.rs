//! Transformation specs: parsing (`FromStr`), display in the same syntax, and application to raw images.
//!
//! The spec language, one transformation per `-t` (parameters are fixed values or `lo..hi`
//! ranges drawn uniformly; fractions are of the image's width or height):
//!
//! | spec | meaning |
//! |---|---|
//! | `rotate:180`, `rotate:-15..15` | rotate counter-clockwise by degrees about the centre, keeping the frame |
//! | `safe-rotate:-30..30` | rotate, then shrink so the whole image stays in the frame |
//! | `hflip`, `vflip`, `transpose` | mirror left-right, top-bottom, or about the main diagonal |
//! | `rot90` | a random quarter turn (0, 90, 180 or 270 degrees) |
//! | `d4` | a random one of the square's 8 symmetries (turns and mirrored turns) |
//! | `crop:0.7`, `crop:0.6..0.9`, `crop:24x24` | keep a window of that fraction (or that many pixels) at a random position |
//! | `crop:left=0.6` (`right`, `top`, `bottom`, `center`), `crop:center=24x24` | keep that part of the image |
//! | `crop:box=4,4,28,28` | keep the pixels from (x0, y0) up to (x1, y1) |
//! | `sized-crop:height=20..30,ratio=1` | a random window of that height in pixels and width = height × ratio |
//! | `resized-crop:scale=0.08..1,ratio=0.75..1.333` | a window of that share of the area and aspect ratio, as RandomResizedCrop |
//! | `translate:-0.1..0.1`, `translate:x=-0.1..0.1,y=0` | shift by a fraction of width and height |
//! | `scale:0.8..1.2` | scale about the centre, keeping the frame |
//! | `shear:-10..10`, `shear:x=-10..10,y=-5..5` | shear by degrees (`shear:v` is along x) |
//! | `affine:rotate=-15..15,scale=0.9..1.1,translate=-0.05..0.05,shear=-5..5` | all of them at once; also `scale-x`, `scale-y`, `translate-x`, `translate-y`, `shear-x`, `shear-y` |
//! | `elastic:alpha=1,sigma=50` | elastic deformation: random displacements smoothed by a Gaussian of `sigma` pixels, times `alpha` |
//! | `dropout:holes=1..3,size=0.1..0.25,fill=0` | blank out rectangles (`height=`/`width=` apart; `fill=` a grey level, `background` or `ink`) |
//! | `p=0.5:hflip` | apply the step with probability 0.5 |
//! | `A+B` | a pipeline: apply A, then B |
//!
//! A spec parses into a [`Transform`] and displays as the same spec; a malformed one is an
//! error that names the part at fault:
//!
//! ```
//! use augsafe::Transform;
//!
//! let small_turns: Transform = "rotate:-15..15+p=0.5:hflip".parse()?;
//! assert!(small_turns.is_random());
//! assert_eq!(small_turns.to_string(), "rotate:-15..15+p=0.5:hflip");
//!
//! let upside_down: Transform = "rotate:180".parse()?;
//! assert!(!upside_down.is_random() && upside_down.is_square_symmetry());
//!
//! let error = "rotate:fast".parse::<Transform>().unwrap_err();
//! assert!(error.to_string().starts_with("bad transformation 'rotate:fast'"));
//! # Ok::<(), augsafe::Error>(())
//! ```

use std::fmt;

use image::GrayImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::glyph::{GlyphImage, Polarity};

mod geometry;
mod spec;

pub use geometry::rotate;

/// The largest turn a step may ask for, either way, in degrees (ten turns).
pub const MAX_DEGREES: f64 = 3600.0;
/// The largest size in pixels a step may ask for.
pub const MAX_PIXELS: f64 = 100_000.0;
/// The most holes a dropout may cut.
pub const MAX_HOLES: f64 = 1000.0;
/// The strongest elastic deformation.
pub const MAX_ELASTIC_ALPHA: f64 = 10_000.0;
/// The least smoothing of an elastic field, in pixels (below it the blur is no blur, and far
/// below it the blur cannot be made).
pub const MIN_ELASTIC_SIGMA: f64 = 0.1;
/// The most smoothing of an elastic field, in pixels (the blur's cost grows with it).
pub const MAX_ELASTIC_SIGMA: f64 = 1000.0;

/// A number as an error message shows it: as written for everyday sizes, in scientific
/// notation for huge and tiny ones (`1e308`, not three hundred digits).
pub(crate) fn short_number(v: f64) -> String {
    if v != 0.0 && !(1e-4..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

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

    /// Whether a draw can differ from one application to the next.
    pub fn is_random(self) -> bool {
        matches!(self, Param::Range(lo, hi) if lo < hi)
    }

    /// The smallest and largest values it can take.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Param::Fixed(v) => (v, v),
            Param::Range(lo, hi) => (lo, hi),
        }
    }

    /// A range symmetric about zero, `-v..v` (a fixed zero when `v` is zero).
    pub fn symmetric(v: f64) -> Param {
        let v = v.abs();
        if v == 0.0 {
            Param::Fixed(0.0)
        } else {
            Param::Range(-v, v)
        }
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

/// How large a crop window is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Extent {
    /// A fraction of width and height (fixed or drawn).
    Fraction(Param),
    /// Width and height in pixels (clamped to the image).
    Pixels(u32, u32),
}

/// What a dropped-out rectangle is filled with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// The image's background.
    Background,
    /// Full ink (black on light images, white on dark ones).
    Ink,
    /// A fixed grey level, as Albumentations' `fill`.
    Value(u8),
}

/// Rotation, scale, translation and shear drawn together and applied as one affine warp
/// about the image centre (scale and shear first, then rotation, then translation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// Counter-clockwise rotation, degrees.
    pub rotate: Param,
    /// Horizontal scale factor (also the vertical one when `scale_y` is `None`: one draw, ratio kept).
    pub scale_x: Param,
    /// Vertical scale factor, drawn apart from the horizontal one.
    pub scale_y: Option<Param>,
    /// Horizontal shift, fraction of the width.
    pub translate_x: Param,
    /// Vertical shift, fraction of the height.
    pub translate_y: Param,
    /// Shear along x, degrees (rows above the centre move right for positive values, as in
    /// Albumentations).
    pub shear_x: Param,
    /// Shear along y, degrees (columns right of the centre move up for positive values).
    pub shear_y: Param,
}

impl Affine {
    /// No change at all.
    pub const IDENTITY: Affine = Affine {
        rotate: Param::Fixed(0.0),
        scale_x: Param::Fixed(1.0),
        scale_y: None,
        translate_x: Param::Fixed(0.0),
        translate_y: Param::Fixed(0.0),
        shear_x: Param::Fixed(0.0),
        shear_y: Param::Fixed(0.0),
    };

    fn params(&self) -> [Param; 6] {
        [
            self.rotate,
            self.scale_x,
            self.scale_y.unwrap_or(Param::Fixed(1.0)),
            self.translate_x,
            self.translate_y,
            self.shear_x,
        ]
    }

    fn is_random(&self) -> bool {
        self.params().iter().any(|p| p.is_random()) || self.shear_y.is_random()
    }
}

/// One step of a transformation pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Rotate counter-clockwise by degrees about the image centre, keeping the frame.
    Rotate(Param),
    /// Rotate, then shrink so that the whole rotated image fits the frame.
    SafeRotate(Param),
    /// Mirror left-right.
    HFlip,
    /// Mirror top-bottom.
    VFlip,
    /// Mirror about the main diagonal (swap rows and columns).
    Transpose,
    /// A random quarter turn.
    Rot90,
    /// A random symmetry of the square (one of 8).
    D4,
    /// Keep a window of this size at a random position.
    Crop(Extent),
    /// Keep this fraction of the image on one side (or in the centre).
    CropSide(Side, f64),
    /// Keep a centred window of this many pixels.
    CropCenterPixels(u32, u32),
    /// Keep the pixels from (x0, y0) up to, not including, (x1, y1).
    CropBox {
        /// Left edge.
        x0: u32,
        /// Top edge.
        y0: u32,
        /// Right edge (exclusive).
        x1: u32,
        /// Bottom edge (exclusive).
        y1: u32,
    },
    /// A window of a random height in pixels and width = height × ratio, at a random position.
    SizedCrop {
        /// Height in pixels.
        height: Param,
        /// Width over height.
        ratio: f64,
    },
    /// A window covering a random share of the area with a random aspect ratio, as torchvision's
    /// and Albumentations' RandomResizedCrop (10 tries, then a centre crop).
    ResizedCrop {
        /// Share of the area.
        scale: Param,
        /// Width over height; drawn uniformly in log space.
        ratio: Param,
    },
    /// Shift by a fraction of width and height.
    Translate {
        /// Horizontal shift.
        x: Param,
        /// Vertical shift.
        y: Param,
    },
    /// Scale about the centre.
    Scale(Param),
    /// Shear by degrees.
    Shear {
        /// Along x.
        x: Param,
        /// Along y.
        y: Param,
    },
    /// A general affine warp.
    Affine(Affine),
    /// Elastic deformation.
    Elastic {
        /// Strength of the displacement.
        alpha: f64,
        /// Smoothness of the displacement field, in pixels.
        sigma: f64,
    },
    /// Blank out random rectangles.
    Dropout {
        /// How many rectangles.
        holes: Param,
        /// Their height, a fraction of the image height (or pixels when `pixels`).
        height: Param,
        /// Their width, a fraction of the image width (or pixels when `pixels`).
        width: Param,
        /// Whether `height` and `width` are in pixels rather than fractions.
        pixels: bool,
        /// What fills them.
        fill: Fill,
    },
    /// Apply the inner step with this probability.
    Maybe(f64, Box<Step>),
}

impl Step {
    /// Whether applying it draws anything at random.
    pub fn is_random(&self) -> bool {
        match self {
            Step::Rotate(angle) | Step::SafeRotate(angle) => angle.is_random(),
            Step::Scale(factor) => factor.is_random(),
            Step::Translate { x, y } | Step::Shear { x, y } => x.is_random() || y.is_random(),
            Step::Affine(affine) => affine.is_random(),
            Step::Crop(extent) => match extent {
                Extent::Fraction(fraction) => fraction.is_random() || fraction.bounds().0 < 1.0,
                Extent::Pixels(..) => true,
            },
            Step::Rot90
            | Step::D4
            | Step::SizedCrop { .. }
            | Step::ResizedCrop { .. }
            | Step::Elastic { .. }
            | Step::Dropout { .. } => true,
            Step::Maybe(p, inner) => (*p > 0.0 && *p < 1.0) || inner.is_random(),
            Step::HFlip
            | Step::VFlip
            | Step::Transpose
            | Step::CropSide(..)
            | Step::CropCenterPixels(..)
            | Step::CropBox { .. } => false,
        }
    }

    /// Applies the step to a raw glyph image; what it uncovers is filled with the image's
    /// background.
    pub fn apply<R: Rng + ?Sized>(&self, glyph: &GlyphImage, rng: &mut R) -> GrayImage {
        geometry::apply_step(self, &glyph.pixels, glyph.background, glyph.polarity, rng)
    }

    /// Whether every number of the step lies where augsafe can work with it; the reason when
    /// not. The spec parser and the pipeline reader both ask it, so a pipeline file can ask for
    /// nothing a `-t` spec cannot: no value that overflows a range's width, stalls a blur or
    /// allocates without bound.
    ///
    /// # Errors
    /// The first number out of its range, in words.
    pub fn check(&self) -> Result<(), String> {
        let within = |param: Param, what: &str, ok: &dyn Fn(f64) -> bool| -> Result<(), String> {
            let (lo, hi) = param.bounds();
            match [lo, hi].into_iter().find(|v| !v.is_finite() || !ok(*v)) {
                Some(v) => Err(format!("{} is out of range: {what}", short_number(v))),
                None => Ok(()),
            }
        };
        let degrees = |p: Param| {
            within(
                p,
                "an angle must lie within ±3600 degrees (ten turns)",
                &|v| v.abs() <= MAX_DEGREES,
            )
        };
        let shift = |p: Param| {
            within(p, "a shift must lie within ±1 (the whole image)", &|v| {
                v.abs() <= 1.0
            })
        };
        let scale = |p: Param| {
            within(p, "a scale factor must be above 0 and at most 100", &|v| {
                v > 0.0 && v <= 100.0
            })
        };
        let shear = |p: Param| {
            within(
                p,
                "a shear must lie strictly between -90 and 90 degrees",
                &|v| v.abs() < 90.0,
            )
        };
        let fraction = |p: Param| {
            within(p, "a fraction must be above 0 and at most 1", &|v| {
                v > 0.0 && v <= 1.0
            })
        };
        let ratio = |p: Param| {
            within(p, "a ratio must be above 0 and at most 100", &|v| {
                v > 0.0 && v <= 100.0
            })
        };
        let pixels = |p: Param| {
            within(p, "a size in pixels must be from 1 to 100000", &|v| {
                (1.0..=MAX_PIXELS).contains(&v)
            })
        };
        match self {
            Step::Rotate(angle) | Step::SafeRotate(angle) => degrees(*angle),
            Step::Translate { x, y } => shift(*x).and(shift(*y)),
            Step::Scale(factor) => scale(*factor),
            Step::Shear { x, y } => shear(*x).and(shear(*y)),
            Step::Affine(a) => degrees(a.rotate)
                .and(scale(a.scale_x))
                .and(a.scale_y.map_or(Ok(()), scale))
                .and(shift(a.translate_x))
                .and(shift(a.translate_y))
                .and(shear(a.shear_x))
                .and(shear(a.shear_y)),
            Step::Crop(Extent::Fraction(f)) => fraction(*f),
            Step::CropSide(_, f) => fraction(Param::Fixed(*f)),
            Step::SizedCrop { height, ratio: r } => pixels(*height).and(ratio(Param::Fixed(*r))),
            Step::ResizedCrop {
                scale: area,
                ratio: r,
            } => fraction(*area).and(ratio(*r)),
            Step::Elastic { alpha, sigma } => within(
                Param::Fixed(*alpha),
                "alpha must be from 0 to 10000",
                &|v| (0.0..=MAX_ELASTIC_ALPHA).contains(&v),
            )
            .and(within(
                Param::Fixed(*sigma),
                "sigma must be from 0.1 to 1000 pixels",
                &|v| (MIN_ELASTIC_SIGMA..=MAX_ELASTIC_SIGMA).contains(&v),
            )),
            Step::Dropout {
                holes,
                height,
                width,
                pixels: in_pixels,
                ..
            } => within(*holes, "a count of holes must be from 0 to 1000", &|v| {
                (0.0..=MAX_HOLES).contains(&v)
            })
            .and(if *in_pixels {
                pixels(*height).and(pixels(*width))
            } else {
                fraction(*height).and(fraction(*width))
            }),
            Step::Maybe(p, inner) => {
                within(Param::Fixed(*p), "a probability is from 0 to 1", &|v| {
                    (0.0..=1.0).contains(&v)
                })
                .and(inner.check())
            }
            Step::HFlip
            | Step::VFlip
            | Step::Transpose
            | Step::Rot90
            | Step::D4
            | Step::Crop(Extent::Pixels(..))
            | Step::CropCenterPixels(..)
            | Step::CropBox { .. } => Ok(()),
        }
    }

    /// The numbers it draws at random from a range. `None` when it also draws something that
    /// is no such number (which step of a choice, where the holes go, an elastic field), so a
    /// range does not say all it does.
    fn ranges_mut(&mut self) -> Option<Vec<&mut Param>> {
        let params: Vec<&mut Param> = match self {
            Step::Rotate(angle) | Step::SafeRotate(angle) => vec![angle],
            Step::Scale(factor) => vec![factor],
            Step::Translate { x, y } | Step::Shear { x, y } => vec![x, y],
            Step::Affine(affine) => {
                let Affine {
                    rotate,
                    scale_x,
                    scale_y,
                    translate_x,
                    translate_y,
                    shear_x,
                    shear_y,
                } = affine;
                let mut params = vec![rotate, scale_x, translate_x, translate_y, shear_x, shear_y];
                params.extend(scale_y.as_mut());
                params
            }
            // The window's position is drawn too, but evenly over the image whatever its size:
            // the size is what the range says.
            Step::Crop(Extent::Fraction(fraction)) => vec![fraction],
            Step::HFlip
            | Step::VFlip
            | Step::Transpose
            | Step::CropSide(..)
            | Step::CropCenterPixels(..)
            | Step::CropBox { .. } => Vec::new(),
            Step::Crop(Extent::Pixels(..))
            | Step::Rot90
            | Step::D4
            | Step::SizedCrop { .. }
            | Step::ResizedCrop { .. }
            | Step::Elastic { .. }
            | Step::Dropout { .. }
            | Step::Maybe(..) => return None,
        };
        Some(params.into_iter().filter(|p| p.is_random()).collect())
    }

    /// For a step that draws exactly one number at random from a range, and nothing else, the
    /// step cut into `n` equal parts of that range, each with its bounds: drawing part `d` on
    /// draw `d` covers the range as evenly as drawing it whole, and shows which part of it
    /// does the harm. `None` for any other step, or `n` below 2.
    pub fn parts(&self, n: u32) -> Option<Vec<RangePart<Step>>> {
        if n < 2 {
            return None;
        }
        let mut probe = self.clone();
        let ranges = probe.ranges_mut()?;
        let [range] = ranges.as_slice() else {
            return None;
        };
        let (lo, hi) = range.bounds();
        let at = |i: u32| ((lo + (hi - lo) * f64::from(i) / f64::from(n)) * 1e9).round() / 1e9;
        Some(
            (0..n)
                .map(|i| {
                    let mut part = self.clone();
                    if let Some(mut ranges) = part.ranges_mut() {
                        if let Some(range) = ranges.first_mut() {
                            **range = Param::Range(at(i), at(i + 1));
                        }
                    }
                    RangePart {
                        from: at(i),
                        to: at(i + 1),
                        part,
                    }
                })
                .collect(),
        )
    }
}

/// One of the equal parts a random range is cut into ([`Step::parts`]): its bounds, and what
/// draws from that part alone.
#[derive(Clone, Debug, PartialEq)]
pub struct RangePart<T> {
    /// Where the part starts.
    pub from: f64,
    /// Where it ends.
    pub to: f64,
    /// The step, transformation or component with its range cut to the part.
    pub part: T,
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
        self.steps.iter().any(Step::is_random)
    }

    /// Whether the pipeline only moves pixels of a square around, the same way every time
    /// (flips, transposition, quarter turns): then it commutes with normalisation, and the
    /// canonical glyph of the result is the canonical glyph of the original, moved alike.
    pub fn is_square_symmetry(&self) -> bool {
        !self.steps.is_empty()
            && self.steps.iter().all(|step| match step {
                Step::HFlip | Step::VFlip | Step::Transpose => true,
                Step::Rotate(Param::Fixed(degrees)) => {
                    let turn = degrees.rem_euclid(90.0);
                    turn < 1e-9 || 90.0 - turn < 1e-9
                }
                _ => false,
            })
    }

    /// For a [square symmetry](Transform::is_square_symmetry), where each pixel of a
    /// `side`×`side` result comes from: `map[y * side + x]` is the index of its source. Found by
    /// applying the pipeline to images of the column and row numbers, so it agrees with
    /// [`Transform::apply`] by construction. `None` for other pipelines or `side` above 256.
    pub fn square_permutation(&self, side: u32) -> Option<Vec<u16>> {
        if !self.is_square_symmetry() || side == 0 || side > 256 {
            return None;
        }
        let coordinate = |pick: fn(u32, u32) -> u32| {
            GrayImage::from_fn(side, side, |x, y| image::Luma([pick(x, y) as u8]))
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut moved = |pick| {
            let glyph = GlyphImage::new(coordinate(pick), 0, Polarity::DarkOnLight);
            self.apply(&glyph, &mut rng)
        };
        let columns = moved(|x, _| x);
        let rows = moved(|_, y| y);
        if columns.dimensions() != (side, side) || rows.dimensions() != (side, side) {
            return None;
        }
        Some(
            columns
                .as_raw()
                .iter()
                .zip(rows.as_raw())
                .map(|(&x, &y)| (u32::from(y) * side + u32::from(x)) as u16)
                .collect(),
        )
    }

    /// For a pipeline whose only random step draws one number from a range ([`Step::parts`]),
    /// the pipeline with that range cut into `n` equal parts; `None` otherwise.
    pub fn parts(&self, n: u32) -> Option<Vec<RangePart<Transform>>> {
        let random: Vec<usize> = (0..self.steps.len())
            .filter(|&i| self.steps[i].is_random())
            .collect();
        let [only] = random.as_slice() else {
            return None;
        };
        let parts = self.steps[*only].parts(n)?;
        Some(
            parts
                .into_iter()
                .map(|RangePart { from, to, part }| {
                    let mut steps = self.steps.clone();
                    steps[*only] = part;
                    RangePart {
                        from,
                        to,
                        part: Transform { steps },
                    }
                })
                .collect(),
        )
    }

    /// Applies the pipeline to a raw glyph image; what a step uncovers is filled with the
    /// image's background.
    pub fn apply<R: Rng + ?Sized>(&self, glyph: &GlyphImage, rng: &mut R) -> GrayImage {
        let Some((first, rest)) = self.steps.split_first() else {
            return glyph.pixels.clone();
        };
        // The first step reads the original: no copy of it is made first.
        let mut current = first.apply(glyph, rng);
        for step in rest {
            current = step.apply(&glyph.with_pixels(current), rng);
        }
        current
    }
}

/// Anything that turns a raw glyph image into an augmented one: a [`Transform`], or a whole
/// training pipeline read from a file.
pub trait Augment: Sync {
    /// Applies it to a raw glyph image, drawing from `rng`.
    fn augment(&self, glyph: &GlyphImage, rng: &mut ChaCha8Rng) -> GrayImage;

    /// Whether it draws anything at random (so it is worth drawing several times).
    fn is_random(&self) -> bool;

    /// The stream its random draws come from ([`crate::rng::stream_of`] a name that says what
    /// it is), so that it draws the same values wherever it is listed and whatever runs
    /// beside it.
    fn stream(&self) -> u64;

    /// For one that only moves the pixels of a square around, always the same way, where
    /// each pixel of a `side`×`side` result comes from (see [`Transform::square_permutation`]).
    fn square_permutation(&self, _side: u32) -> Option<Vec<u16>> {
        None
    }

    /// For one whose randomness is one number drawn from a range, itself with that range cut
    /// into `n` equal parts ([`Step::parts`]); empty otherwise. A part draws from the stream of
    /// the whole.
    fn parts(&self, _n: u32) -> Vec<RangePart<Box<dyn Augment>>> {
        Vec::new()
    }
}

impl Augment for Transform {
    fn augment(&self, glyph: &GlyphImage, rng: &mut ChaCha8Rng) -> GrayImage {
        self.apply(glyph, rng)
    }

    fn is_random(&self) -> bool {
        Transform::is_random(self)
    }

    fn stream(&self) -> u64 {
        crate::rng::stream_of(&self.to_string())
    }

    fn square_permutation(&self, side: u32) -> Option<Vec<u16>> {
        Transform::square_permutation(self, side)
    }

    fn parts(&self, n: u32) -> Vec<RangePart<Box<dyn Augment>>> {
        Transform::parts(self, n)
            .unwrap_or_default()
            .into_iter()
            .map(|RangePart { from, to, part }| RangePart {
                from,
                to,
                part: Box::new(part) as Box<dyn Augment>,
            })
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use imageproc::gray_image;

    /// `spec` applied to `image` (on a background of 0, light ink).
    fn apply(spec: &str, image: &GrayImage) -> GrayImage {
        let transform: Transform = spec.parse().unwrap();
        let glyph = GlyphImage::new(image.clone(), 0, Polarity::LightOnDark);
        transform.apply(&glyph, &mut ChaCha8Rng::seed_from_u64(1))
    }

    #[test]
    fn a_single_random_range_is_cut_into_equal_parts() {
        let parts = |spec: &str, n: u32| -> Option<Vec<(f64, f64, String)>> {
            let transform: Transform = spec.parse().unwrap();
            transform.parts(n).map(|parts| {
                parts
                    .into_iter()
                    .map(|p| (p.from, p.to, p.part.to_string()))
                    .collect()
            })
        };
        assert_eq!(
            parts("rotate:-30..30", 3),
            Some(vec![
                (-30.0, -10.0, "rotate:-30..-10".to_string()),
                (-10.0, 10.0, "rotate:-10..10".to_string()),
                (10.0, 30.0, "rotate:10..30".to_string()),
            ])
        );
        // Decimal bounds print as written, not as their binary sums.
        let crop = parts("crop:0.6..0.9", 3).unwrap();
        assert_eq!(crop[1].2, "crop:0.7..0.8");
        // The fixed steps around it stay; only the one range is cut.
        assert_eq!(
            parts("hflip+scale:0.8..1.2", 2).unwrap()[1].2,
            "hflip+scale:1..1.2"
        );
        assert_eq!(
            parts("affine:rotate=-10..10,scale=1.1", 2).unwrap()[0].2,
            "affine:rotate=-10..0,scale=1.1"
        );
        // Two ranges, a choice among steps, randomness that is not a range, or fewer than two
        // parts: no parts.
        for spec in [
            "crop:0.6..0.9+rotate:-10..10",
            "translate:-0.1..0.1",
            "p=0.5:rotate:-10..10",
            "rot90",
            "elastic:alpha=1,sigma=50",
            "hflip",
        ] {
            assert_eq!(parts(spec, 5), None, "{spec}");
        }
        assert_eq!(parts("rotate:-30..30", 1), None);
    }

    #[test]
    fn flips_turns_and_transposition_move_every_pixel_where_they_should() {
        let image = gray_image!(
            1, 2, 3;
            4, 5, 6);
        assert_eq!(
            apply("hflip", &image),
            gray_image!(
            3, 2, 1;
            6, 5, 4)
        );
        assert_eq!(
            apply("vflip", &image),
            gray_image!(
            4, 5, 6;
            1, 2, 3)
        );
        assert_eq!(
            apply("transpose", &image),
            gray_image!(
            1, 4;
            2, 5;
            3, 6)
        );
        // Counter-clockwise: the right column becomes the top row.
        assert_eq!(
            apply("rotate:90", &image),
            gray_image!(
            3, 6;
            2, 5;
            1, 4)
        );
        assert_eq!(
            apply("rotate:180", &image),
            gray_image!(
            6, 5, 4;
            3, 2, 1)
        );
        assert_eq!(
            apply("rotate:270", &image),
            gray_image!(
            4, 1;
            5, 2;
            6, 3)
        );
        assert_eq!(apply("rotate:-90", &image), apply("rotate:270", &image));
        assert_eq!(apply("rotate:360", &image), image);
        assert_eq!(apply("hflip+vflip", &image), apply("rotate:180", &image));
    }

    #[test]
    fn fixed_crops_keep_exactly_their_part() {
        let image = gray_image!(
             1,  2,  3,  4;
             5,  6,  7,  8;
             9, 10, 11, 12;
            13, 14, 15, 16);
        assert_eq!(
            apply("crop:left=0.5", &image),
            gray_image!(
             1,  2;
             5,  6;
             9, 10;
            13, 14)
        );
        assert_eq!(
            apply("crop:right=0.25", &image),
            gray_image!(
             4;
             8;
            12;
            16)
        );
        assert_eq!(
            apply("crop:top=0.5", &image),
            gray_image!(
            1, 2, 3, 4;
            5, 6, 7, 8)
        );
        assert_eq!(
            apply("crop:bottom=0.25", &image),
            gray_image!(13, 14, 15, 16)
        );
        assert_eq!(
            apply("crop:center=0.5", &image),
            gray_image!(
             6,  7;
            10, 11)
        );
        assert_eq!(
            apply("crop:center=2x2", &image),
            gray_image!(
             6,  7;
            10, 11)
        );
        assert_eq!(
            apply("crop:box=1,2,4,4", &image),
            gray_image!(
            10, 11, 12;
            14, 15, 16)
        );
    }
}
