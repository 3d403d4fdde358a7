//! The one table of the Albumentations classes augsafe knows (1.x and 2.x names).
//!
//! A class is a composition, a geometric transform augsafe evaluates, a photometric one it
//! passes through, or one it knows but does not evaluate. A geometric entry says everything the
//! reader, the applier and the editor need: how its fields become a [`Step`], which fields
//! narrow it toward "no change", and which fields hold its fill. Supporting a new class is one
//! entry here (and, only if no [`Step`] does what it does, a new step in `crate::transform`).

use serde_json::Value;

use super::read::Fields;
use crate::error::Result;
use crate::transform::{Affine, Extent, Fill, Param, Step};

/// One Albumentations class.
pub(super) struct Class {
    /// The short class name, as `__class_fullname__` ends.
    pub name: &'static str,
    /// What augsafe does with it.
    pub kind: Kind,
}

/// What augsafe does with a class.
pub(super) enum Kind {
    /// A composition of other transforms (`transforms`).
    Composition(Composition),
    /// A geometric transform augsafe applies.
    Geometric(Geometric),
    /// A photometric transform: it changes pixel values but moves nothing, so it is passed
    /// through.
    Photometric,
    /// A transform augsafe knows of but does not model: left out and listed.
    NotEvaluated,
}

/// How a composition applies its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Composition {
    /// In order, each with its own `p`.
    Sequence,
    /// One, with the children's `p` as weights.
    OneOf,
    /// `n` of them.
    SomeOf,
    /// The first with probability `p`, else the last.
    OneOrOther,
}

/// A geometric class.
pub(super) struct Geometric {
    /// Its fields read into what it does (errors name the class and the field).
    pub read: fn(&Fields) -> Result<Geometry>,
    /// The fields that narrow it toward "no change", and what "no change" is for each.
    pub narrowing: &'static [(&'static str, Toward)],
    /// The fields that hold its fill level, in the order they are read (the names differ
    /// between versions); empty when it uncovers nothing. The reader takes the first one set;
    /// the editor sets every one present, or adds the first.
    pub fill: &'static [&'static str],
}

/// What a geometric class's fields say.
pub(super) struct Geometry {
    /// What it does.
    pub step: Step,
    /// The grey level it fills uncovered pixels with (`None`: the image's background).
    pub fill: Option<u8>,
    /// Where augsafe's version differs from Albumentations', in words.
    pub notes: Vec<String>,
}

impl Geometry {
    fn of(step: Step) -> Result<Geometry> {
        Ok(Geometry {
            step,
            fill: None,
            notes: vec![],
        })
    }
}

/// The value a narrowing field moves toward.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Toward {
    /// This value: an angle or shift of 0, a scale of 1.
    Value(f64),
    /// A size of 0, where sizes of 1 or more are whole pixels that stay whole and at least 1
    /// (smaller ones are fractions of the image).
    Size,
    /// An aspect ratio of 1, on a log scale, so that 1/2 and 2 narrow alike.
    Ratio,
}

/// The fill fields of transforms that uncover a border: 2.x `fill`, 1.x `value` (`cval` for
/// Affine).
const BORDER_FILL: &[&str] = &["fill", "value", "cval"];
/// The fill fields of dropped-out holes: 2.x `fill`, 1.x `fill_value`.
const HOLE_FILL: &[&str] = &["fill", "fill_value"];

const fn composition(name: &'static str, how: Composition) -> Class {
    Class {
        name,
        kind: Kind::Composition(how),
    }
}

const fn geometric(
    name: &'static str,
    read: fn(&Fields) -> Result<Geometry>,
    narrowing: &'static [(&'static str, Toward)],
    fill: &'static [&'static str],
) -> Class {
    Class {
        name,
        kind: Kind::Geometric(Geometric {
            read,
            narrowing,
            fill,
        }),
    }
}

const fn photometric(name: &'static str) -> Class {
    Class {
        name,
        kind: Kind::Photometric,
    }
}

const fn not_evaluated(name: &'static str) -> Class {
    Class {
        name,
        kind: Kind::NotEvaluated,
    }
}

const ZERO: Toward = Toward::Value(0.0);
const ONE: Toward = Toward::Value(1.0);

/// Every class augsafe knows.
static CLASSES: &[Class] = &[
    composition("Compose", Composition::Sequence),
    composition("Sequential", Composition::Sequence),
    composition("ReplayCompose", Composition::Sequence),
    composition("OneOf", Composition::OneOf),
    composition("SomeOf", Composition::SomeOf),
    composition("OneOrOther", Composition::OneOrOther),
    // Geometric: evaluated.
    geometric("HorizontalFlip", |_| Geometry::of(Step::HFlip), &[], &[]),
    geometric("VerticalFlip", |_| Geometry::of(Step::VFlip), &[], &[]),
    geometric("Transpose", |_| Geometry::of(Step::Transpose), &[], &[]),
    geometric("RandomRotate90", |_| Geometry::of(Step::Rot90), &[], &[]),
    geometric("D4", |_| Geometry::of(Step::D4), &[], &[]),
    // Albumentations 2.x's name for D4.
    geometric("SquareSymmetry", |_| Geometry::of(Step::D4), &[], &[]),
    geometric(
        "Rotate",
        |fields| read_rotation(fields, Step::Rotate),
        &[("limit", ZERO)],
        BORDER_FILL,
    ),
    geometric(
        "SafeRotate",
        |fields| read_rotation(fields, Step::SafeRotate),
        &[("limit", ZERO)],
        BORDER_FILL,
    ),
    geometric(
        "ShiftScaleRotate",
        read_shift_scale_rotate,
        &[
            ("rotate_limit", ZERO),
            ("shift_limit", ZERO),
            ("shift_limit_x", ZERO),
            ("shift_limit_y", ZERO),
            ("scale_limit", ZERO),
        ],
        BORDER_FILL,
    ),
    geometric(
        "Affine",
        read_affine,
        &[
            ("rotate", ZERO),
            ("scale", ONE),
            ("translate_percent", ZERO),
            ("translate_px", ZERO),
            ("shear", ZERO),
        ],
        BORDER_FILL,
    ),
    geometric("RandomCrop", read_random_crop, &[], &[]),
    geometric("CenterCrop", read_center_crop, &[], &[]),
    geometric("Crop", read_crop, &[], &[]),
    geometric(
        "RandomResizedCrop",
        read_random_resized_crop,
        &[("scale", ONE), ("ratio", Toward::Ratio)],
        &[],
    ),
    geometric("RandomSizedCrop", read_random_sized_crop, &[], &[]),
    geometric(
        "ElasticTransform",
        read_elastic,
        &[("alpha", ZERO)],
        BORDER_FILL,
    ),
    geometric(
        "CoarseDropout",
        read_coarse_dropout,
        &[
            ("hole_height_range", Toward::Size),
            ("hole_width_range", Toward::Size),
            ("max_height", Toward::Size),
            ("max_width", Toward::Size),
            ("min_height", Toward::Size),
            ("min_width", Toward::Size),
        ],
        HOLE_FILL,
    ),
    // Photometric: they change pixel values but move nothing.
    photometric("AdditiveNoise"),
    photometric("AdvancedBlur"),
    photometric("AutoContrast"),
    photometric("Blur"),
    photometric("CLAHE"),
    photometric("ChannelDropout"),
    photometric("ChannelShuffle"),
    photometric("ChromaticAberration"),
    photometric("ColorJitter"),
    photometric("Defocus"),
    photometric("Downscale"),
    photometric("Emboss"),
    photometric("Equalize"),
    photometric("FancyPCA"),
    photometric("FromFloat"),
    photometric("GaussNoise"),
    photometric("GaussianBlur"),
    photometric("GlassBlur"),
    photometric("HueSaturationValue"),
    photometric("ISONoise"),
    photometric("Illumination"),
    photometric("ImageCompression"),
    photometric("MedianBlur"),
    photometric("MotionBlur"),
    photometric("MultiplicativeNoise"),
    photometric("NoOp"),
    photometric("Normalize"),
    photometric("PlanckianJitter"),
    photometric("PlasmaBrightnessContrast"),
    photometric("PlasmaShadow"),
    photometric("Posterize"),
    photometric("RGBShift"),
    photometric("RandomBrightnessContrast"),
    photometric("RandomFog"),
    photometric("RandomGamma"),
    photometric("RandomRain"),
    photometric("RandomShadow"),
    photometric("RandomSnow"),
    photometric("RandomSunFlare"),
    photometric("RandomToneCurve"),
    photometric("RingingOvershoot"),
    photometric("SaltAndPepper"),
    photometric("Sharpen"),
    photometric("ShotNoise"),
    photometric("Solarize"),
    photometric("Spatter"),
    photometric("ToFloat"),
    photometric("ToGray"),
    photometric("ToRGB"),
    photometric("ToSepia"),
    photometric("UnsharpMask"),
    photometric("ZoomBlur"),
    // Known (1.x and 2.x) but not modelled.
    not_evaluated("AtLeastOneBBoxRandomCrop"),
    not_evaluated("BBoxSafeRandomCrop"),
    not_evaluated("CenterCrop3D"),
    not_evaluated("CoarseDropout3D"),
    not_evaluated("ConstrainedCoarseDropout"),
    not_evaluated("CropAndPad"),
    not_evaluated("CropNonEmptyMaskIfExists"),
    not_evaluated("CubicSymmetry"),
    not_evaluated("Erasing"),
    not_evaluated("FDA"),
    not_evaluated("FrequencyMasking"),
    not_evaluated("GridDistortion"),
    not_evaluated("GridDropout"),
    not_evaluated("GridElasticDeform"),
    not_evaluated("HEStain"),
    not_evaluated("HistogramMatching"),
    not_evaluated("InvertImg"),
    not_evaluated("Lambda"),
    not_evaluated("LongestMaxSize"),
    not_evaluated("MaskDropout"),
    not_evaluated("Morphological"),
    not_evaluated("Mosaic"),
    not_evaluated("OpticalDistortion"),
    not_evaluated("OverlayElements"),
    not_evaluated("Pad"),
    not_evaluated("Pad3D"),
    not_evaluated("PadIfNeeded"),
    not_evaluated("PadIfNeeded3D"),
    not_evaluated("Perspective"),
    not_evaluated("PiecewiseAffine"),
    not_evaluated("PixelDistributionAdaptation"),
    not_evaluated("PixelDropout"),
    not_evaluated("RandomCrop3D"),
    not_evaluated("RandomCropFromBorders"),
    not_evaluated("RandomCropNearBBox"),
    not_evaluated("RandomGravel"),
    not_evaluated("RandomGridShuffle"),
    not_evaluated("RandomOrder"),
    not_evaluated("RandomScale"),
    not_evaluated("RandomSizedBBoxSafeCrop"),
    not_evaluated("Resize"),
    not_evaluated("SelectiveChannelTransform"),
    not_evaluated("SmallestMaxSize"),
    not_evaluated("Superpixels"),
    not_evaluated("TemplateTransform"),
    not_evaluated("TextImage"),
    not_evaluated("ThinPlateSpline"),
    not_evaluated("TimeMasking"),
    not_evaluated("TimeReverse"),
    not_evaluated("XYMasking"),
    not_evaluated("RandomSizedCrop3D"),
    not_evaluated("JpegCompression"),
    not_evaluated("RandomContrast"),
    not_evaluated("RandomBrightness"),
    not_evaluated("IAAAffine"),
    not_evaluated("IAAPerspective"),
    not_evaluated("IAAPiecewiseAffine"),
    not_evaluated("Cutout"),
    not_evaluated("Flip"),
    not_evaluated("RandomResizedCrop3D"),
];

/// The class called `name` (short, without module path), if augsafe knows it.
pub(super) fn find(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|class| class.name == name)
}

/// The geometric class called `name`, if augsafe evaluates it.
pub(super) fn geometric_class(name: &str) -> Option<&'static Geometric> {
    match find(name) {
        Some(Class {
            kind: Kind::Geometric(geometric),
            ..
        }) => Some(geometric),
        _ => None,
    }
}

/// A range from two numbers, fixed when they are equal.
pub(super) fn param(lo: f64, hi: f64) -> Param {
    if lo == hi {
        Param::Fixed(lo)
    } else {
        Param::Range(lo.min(hi), lo.max(hi))
    }
}

/// `Rotate` and `SafeRotate`: an angle `limit` and a border.
fn read_rotation(fields: &Fields, rotation: fn(Param) -> Step) -> Result<Geometry> {
    let angle = fields.range("limit", 90.0, true)?;
    let (fill, notes) = fields.border()?;
    Ok(Geometry {
        step: rotation(angle),
        fill,
        notes,
    })
}

fn read_shift_scale_rotate(fields: &Fields) -> Result<Geometry> {
    let shift = fields.range("shift_limit", 0.0625, true).ok();
    let shift_x = fields
        .optional_range("shift_limit_x")?
        .or(shift)
        .unwrap_or(Param::symmetric(0.0625));
    let shift_y = fields
        .optional_range("shift_limit_y")?
        .or(shift)
        .unwrap_or(Param::symmetric(0.0625));
    let scale = fields.range("scale_limit", 0.1, true)?;
    let (lo, hi) = scale.bounds();
    let rotate = fields.range("rotate_limit", 45.0, true)?;
    let (fill, notes) = fields.border()?;
    Ok(Geometry {
        step: Step::Affine(Affine {
            rotate,
            scale_x: fields.positive(param(1.0 + lo, 1.0 + hi), "scale_limit")?,
            translate_x: shift_x,
            translate_y: shift_y,
            ..Affine::IDENTITY
        }),
        fill,
        notes,
    })
}

fn read_affine(fields: &Fields) -> Result<Geometry> {
    let (fill, mut notes) = fields.border()?;
    let keep_ratio = fields.flag("keep_ratio").unwrap_or(false);
    let (scale_x, scale_y) = fields.axes("scale", 1.0)?;
    let scale_x = fields.positive(scale_x, "scale")?;
    let scale_y = fields.positive(scale_y, "scale")?;
    let (translate_x, translate_y) = fields.axes("translate_percent", 0.0)?;
    if let Some(px) = fields.get("translate_px").filter(|v| !v.is_null()) {
        if px
            .to_string()
            .chars()
            .any(|c| c.is_ascii_digit() && c != '0')
        {
            notes.push("translate_px is not modelled; only translate_percent is".into());
        }
    }
    let (shear_x, shear_y) = fields.axes("shear", 0.0)?;
    if fields.flag("fit_output") == Some(true) {
        notes.push("fit_output is not modelled: the frame is kept".into());
    }
    let rotate = fields
        .optional_range("rotate")?
        .unwrap_or(Param::Fixed(0.0));
    Ok(Geometry {
        step: Step::Affine(Affine {
            rotate,
            scale_x,
            // Without keep_ratio, Albumentations draws the two scales apart, even from equal
            // ranges.
            scale_y: (!keep_ratio && (scale_x != scale_y || scale_y.is_random()))
                .then_some(scale_y),
            translate_x,
            translate_y,
            shear_x,
            shear_y,
        }),
        fill,
        notes,
    })
}

fn read_random_crop(fields: &Fields) -> Result<Geometry> {
    let (w, h) = fields.size(&["width", "height"])?;
    Geometry::of(Step::Crop(Extent::Pixels(w, h)))
}

fn read_center_crop(fields: &Fields) -> Result<Geometry> {
    let (w, h) = fields.size(&["width", "height"])?;
    Geometry::of(Step::CropCenterPixels(w, h))
}

fn read_crop(fields: &Fields) -> Result<Geometry> {
    let coordinate = |key: &str| fields.count(key).map(|v| v.unwrap_or(0) as u32);
    let (x0, y0, x1, y1) = (
        coordinate("x_min")?,
        coordinate("y_min")?,
        coordinate("x_max")?,
        coordinate("y_max")?,
    );
    if x1 <= x0 || y1 <= y0 {
        return Err(fields.error(
            "x_max",
            "the box is empty: x_max must exceed x_min and y_max y_min",
        ));
    }
    Geometry::of(Step::CropBox { x0, y0, x1, y1 })
}

fn read_random_resized_crop(fields: &Fields) -> Result<Geometry> {
    let scale = fields
        .optional_range("scale")?
        .unwrap_or(Param::Range(0.08, 1.0));
    let ratio = fields
        .optional_range("ratio")?
        .unwrap_or(Param::Range(0.75, 4.0 / 3.0));
    let (lo, hi) = scale.bounds();
    if !(lo > 0.0 && hi <= 1.0) {
        return Err(fields.error("scale", format!("{lo}..{hi} must lie in (0, 1]")));
    }
    if ratio.bounds().0 <= 0.0 {
        return Err(fields.error("ratio", "must be above 0"));
    }
    Geometry::of(Step::ResizedCrop { scale, ratio })
}

fn read_random_sized_crop(fields: &Fields) -> Result<Geometry> {
    let height = fields
        .optional_range("min_max_height")?
        .ok_or_else(|| fields.error("min_max_height", "missing"))?;
    if height.bounds().0 < 1.0 {
        return Err(fields.error("min_max_height", "heights must be at least 1 pixel"));
    }
    let ratio = fields.number("w2h_ratio")?.unwrap_or(1.0);
    if ratio <= 0.0 {
        return Err(fields.error("w2h_ratio", "must be above 0"));
    }
    Geometry::of(Step::SizedCrop { height, ratio })
}

fn read_elastic(fields: &Fields) -> Result<Geometry> {
    let alpha = fields.number("alpha")?.unwrap_or(1.0);
    let sigma = fields.number("sigma")?.unwrap_or(50.0);
    if alpha < 0.0 || sigma <= 0.0 {
        return Err(fields.error("sigma", "alpha must be at least 0 and sigma above 0"));
    }
    let (fill, mut notes) = fields.border()?;
    if fields.number("alpha_affine")?.is_some_and(|a| a > 0.0) {
        notes.push("alpha_affine (Albumentations 1.3) is not modelled".into());
    }
    Ok(Geometry {
        step: Step::Elastic { alpha, sigma },
        fill,
        notes,
    })
}

fn read_coarse_dropout(fields: &Fields) -> Result<Geometry> {
    // 2.x: *_range fields; 1.x: min_/max_ fields.
    let either = |range: &str, min: &str, max: &str| -> Result<Param> {
        match fields.optional_range(range)? {
            Some(range) => Ok(range),
            None => {
                let max = fields.number(max)?.unwrap_or(8.0);
                Ok(param(fields.number(min)?.unwrap_or(max), max))
            }
        }
    };
    let holes = either("num_holes_range", "min_holes", "max_holes")?;
    let height = either("hole_height_range", "min_height", "max_height")?;
    let width = either("hole_width_range", "min_width", "max_width")?;
    // Albumentations reads sizes of 1 or more as pixels, smaller ones as fractions.
    let pixels = height.bounds().1 >= 1.0
        && width.bounds().1 >= 1.0
        && (height.bounds().0 >= 1.0 || height.bounds().1 > 1.0);
    let level = fields.fill_level()?.unwrap_or(0);
    Geometry::of(Step::Dropout {
        holes,
        height,
        width,
        pixels,
        fill: Fill::Value(level),
    })
}

/// The class of a serialised transform (short name), or `""` when it names none.
pub(super) fn class_of(node: &Value) -> &str {
    node.get("__class_fullname__")
        .and_then(Value::as_str)
        .map(super::short_class_name)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_listed_once() {
        let mut names: Vec<&str> = CLASSES.iter().map(|class| class.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a class is listed twice");
    }

    #[test]
    fn only_geometric_classes_narrow_or_fill() {
        for class in CLASSES {
            if let Kind::Geometric(geometric) = &class.kind {
                for (field, _) in geometric.narrowing {
                    assert!(
                        !geometric.fill.contains(field),
                        "{}: {field} both narrows and fills",
                        class.name
                    );
                }
            }
        }
        assert!(geometric_class("Compose").is_none());
        assert!(geometric_class("GaussNoise").is_none());
        assert_eq!(
            geometric_class("Rotate").map(|g| g.narrowing),
            Some(&[("limit", ZERO)][..])
        );
    }
}
