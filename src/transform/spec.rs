//! The spec language: parsing with errors that name the bad part, and display back in the same syntax.

use std::fmt;
use std::str::FromStr;

use super::{Affine, Extent, Fill, Param, Side, Step, Transform};
use crate::error::Error;

const KNOWN: &str = "rotate, safe-rotate, hflip, vflip, transpose, rot90, d4, crop, sized-crop, \
                     resized-crop, translate, scale, shear, affine, elastic or dropout";

const SIDES: [(Side, &str); 5] = [
    (Side::Left, "left"),
    (Side::Right, "right"),
    (Side::Top, "top"),
    (Side::Bottom, "bottom"),
    (Side::Center, "center"),
];

fn side_name(side: Side) -> &'static str {
    SIDES
        .iter()
        .find(|(s, _)| *s == side)
        .map_or("center", |(_, name)| name)
}

impl fmt::Display for Extent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extent::Fraction(fraction) => write!(f, "{fraction}"),
            Extent::Pixels(w, h) => write!(f, "{w}x{h}"),
        }
    }
}

impl fmt::Display for Fill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fill::Background => f.write_str("background"),
            Fill::Ink => f.write_str("ink"),
            Fill::Value(v) => write!(f, "{v}"),
        }
    }
}

/// Writes `name:key=value,...`, leaving out the pairs whose value is `None`.
fn write_keyed(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    pairs: &[(&str, Option<String>)],
) -> fmt::Result {
    write!(f, "{name}:")?;
    let mut first = true;
    for (key, value) in pairs {
        if let Some(value) = value {
            if !first {
                f.write_str(",")?;
            }
            write!(f, "{key}={value}")?;
            first = false;
        }
    }
    Ok(())
}

fn unless(param: Param, identity: f64) -> Option<String> {
    (param != Param::Fixed(identity)).then(|| param.to_string())
}

impl fmt::Display for Affine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Affine::IDENTITY {
            return f.write_str("affine:rotate=0");
        }
        let (scale, scale_x, scale_y) = match self.scale_y {
            None => (unless(self.scale_x, 1.0), None, None),
            Some(y) => (None, Some(self.scale_x.to_string()), Some(y.to_string())),
        };
        let (translate, translate_x, translate_y) = if self.translate_x == self.translate_y {
            (unless(self.translate_x, 0.0), None, None)
        } else {
            (
                None,
                unless(self.translate_x, 0.0),
                unless(self.translate_y, 0.0),
            )
        };
        write_keyed(
            f,
            "affine",
            &[
                ("rotate", unless(self.rotate, 0.0)),
                ("scale", scale),
                ("scale-x", scale_x),
                ("scale-y", scale_y),
                ("translate", translate),
                ("translate-x", translate_x),
                ("translate-y", translate_y),
                ("shear", unless(self.shear_x, 0.0)),
                ("shear-y", unless(self.shear_y, 0.0)),
            ],
        )
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Rotate(angle) => write!(f, "rotate:{angle}"),
            Step::SafeRotate(angle) => write!(f, "safe-rotate:{angle}"),
            Step::HFlip => f.write_str("hflip"),
            Step::VFlip => f.write_str("vflip"),
            Step::Transpose => f.write_str("transpose"),
            Step::Rot90 => f.write_str("rot90"),
            Step::D4 => f.write_str("d4"),
            Step::Crop(extent) => write!(f, "crop:{extent}"),
            Step::CropSide(side, fraction) => write!(f, "crop:{}={fraction}", side_name(*side)),
            Step::CropCenterPixels(w, h) => write!(f, "crop:center={w}x{h}"),
            Step::CropBox { x0, y0, x1, y1 } => write!(f, "crop:box={x0},{y0},{x1},{y1}"),
            Step::SizedCrop { height, ratio } => {
                write!(f, "sized-crop:height={height},ratio={ratio}")
            }
            Step::ResizedCrop { scale, ratio } => {
                write!(f, "resized-crop:scale={scale},ratio={ratio}")
            }
            Step::Translate { x, y } if x == y => write!(f, "translate:{x}"),
            Step::Translate { x, y } => write!(f, "translate:x={x},y={y}"),
            Step::Scale(factor) => write!(f, "scale:{factor}"),
            Step::Shear { x, y } if *y == Param::Fixed(0.0) => write!(f, "shear:{x}"),
            Step::Shear { x, y } => write!(f, "shear:x={x},y={y}"),
            Step::Affine(affine) => write!(f, "{affine}"),
            Step::Elastic { alpha, sigma } => write!(f, "elastic:alpha={alpha},sigma={sigma}"),
            Step::Dropout {
                holes,
                height,
                width,
                pixels,
                fill,
            } => {
                let unit = if *pixels { "px" } else { "" };
                if height == width {
                    write!(f, "dropout:holes={holes},size={height}{unit},fill={fill}")
                } else {
                    write!(
                        f,
                        "dropout:holes={holes},height={height}{unit},width={width}{unit},fill={fill}"
                    )
                }
            }
            Step::Maybe(p, inner) => write!(f, "p={p}:{inner}"),
        }
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
            return Err(spec_error(spec, format!("empty spec; expected {KNOWN}")));
        }
        let steps = spec
            .split('+')
            .map(|part| part.trim().parse())
            .collect::<Result<Vec<Step>, _>>()?;
        Ok(Transform { steps })
    }
}

impl FromStr for Step {
    type Err = Error;

    fn from_str(part: &str) -> Result<Step, Error> {
        parse_step(part.trim())
    }
}

fn spec_error(spec: &str, reason: impl Into<String>) -> Error {
    Error::Spec {
        spec: spec.to_string(),
        reason: reason.into(),
    }
}

/// The parser of one step; `part` is the step's text, named in every error.
struct Parser<'a> {
    part: &'a str,
}

impl Parser<'_> {
    fn error(&self, reason: impl Into<String>) -> Error {
        spec_error(self.part, reason)
    }

    fn number(&self, text: &str, expected: &str) -> Result<f64, Error> {
        match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(format!(
                "'{}' is not a number; expected {expected}",
                text.trim()
            ))),
        }
    }

    fn param(&self, text: &str, expected: &str) -> Result<Param, Error> {
        match text.split_once("..") {
            Some((lo, hi)) => {
                let lo = self.number(lo, expected)?;
                let hi = self.number(hi, expected)?;
                if lo > hi {
                    return Err(self.error(format!(
                        "range {lo}..{hi} runs backwards; write the smaller value first"
                    )));
                }
                Ok(Param::Range(lo, hi))
            }
            None => Ok(Param::Fixed(self.number(text, expected)?)),
        }
    }

    /// A parameter whose every value must pass `check`, described by `what` in the error.
    fn bounded(
        &self,
        text: &str,
        expected: &str,
        what: &str,
        check: impl Fn(f64) -> bool,
    ) -> Result<Param, Error> {
        let param = self.param(text, expected)?;
        let (lo, hi) = param.bounds();
        for v in [lo, hi] {
            if !check(v) {
                return Err(self.error(format!("{v} is out of range: {what}")));
            }
        }
        Ok(param)
    }

    fn fraction(&self, text: &str) -> Result<Param, Error> {
        self.bounded(
            text,
            "a fraction such as 0.6 or 0.6..0.9",
            "a fraction must be above 0 and at most 1",
            |v| v > 0.0 && v <= 1.0,
        )
    }

    fn pixels(&self, text: &str) -> Result<(u32, u32), Error> {
        let (w, h) = text
            .split_once('x')
            .ok_or_else(|| self.error(format!("'{text}' is not WIDTHxHEIGHT such as 24x24")))?;
        let parse = |t: &str| t.trim().parse::<u32>().ok().filter(|&v| v > 0);
        match (parse(w), parse(h)) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => Err(self.error(format!(
                "'{text}' is not WIDTHxHEIGHT in whole pixels above 0"
            ))),
        }
    }

    /// Splits `key=value,key=value`, refusing unknown and repeated keys.
    fn keyed<'t>(&self, arg: &'t str, allowed: &[&str]) -> Result<Vec<(&'t str, &'t str)>, Error> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for item in arg.split(',') {
            let (key, value) = item.split_once('=').ok_or_else(|| {
                self.error(format!(
                    "'{}' is not key=value; expected keys: {}",
                    item.trim(),
                    allowed.join(", ")
                ))
            })?;
            let key = key.trim();
            if !allowed.contains(&key) {
                return Err(self.error(format!(
                    "unknown key '{key}'; expected {}",
                    allowed.join(", ")
                )));
            }
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(self.error(format!("key '{key}' is given twice")));
            }
            pairs.push((key, value.trim()));
        }
        Ok(pairs)
    }
}

fn lookup<'t>(pairs: &[(&str, &'t str)], key: &str) -> Option<&'t str> {
    pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

const DEGREES: &str = "an angle in degrees such as 15 or -15..15";

fn parse_step(part: &str) -> Result<Step, Error> {
    let step = parse_step_unchecked(part)?;
    step.check().map_err(|reason| spec_error(part, reason))?;
    Ok(step)
}

fn parse_step_unchecked(part: &str) -> Result<Step, Error> {
    let p = Parser { part };
    if let Some(rest) = part.strip_prefix("p=") {
        let (probability, inner) = rest
            .split_once(':')
            .ok_or_else(|| p.error("a probability needs a step after it: p=0.5:hflip"))?;
        let probability = p.number(probability, "a probability such as 0.5")?;
        if !(0.0..=1.0).contains(&probability) {
            return Err(p.error(format!(
                "probability {probability} is out of range: it must be from 0 to 1"
            )));
        }
        return Ok(Step::Maybe(
            probability,
            Box::new(parse_step(inner.trim())?),
        ));
    }
    let (name, arg) = match part.split_once(':') {
        Some((name, arg)) => (name.trim(), Some(arg.trim()).filter(|a| !a.is_empty())),
        None => (part, None),
    };
    let no_argument = |step: Step| match arg {
        None => Ok(step),
        Some(_) => Err(p.error(format!("{name} takes no argument"))),
    };
    let needs = |example: &str| p.error(format!("{name} needs an argument: {example}"));
    match name {
        "" => Err(p.error(format!("empty step (two '+' in a row?); expected {KNOWN}"))),
        "hflip" => no_argument(Step::HFlip),
        "vflip" => no_argument(Step::VFlip),
        "transpose" => no_argument(Step::Transpose),
        "rot90" => no_argument(Step::Rot90),
        "d4" => no_argument(Step::D4),
        "rotate" => {
            let arg = arg.ok_or_else(|| needs("rotate:180 or rotate:-15..15"))?;
            Ok(Step::Rotate(p.param(arg, DEGREES)?))
        }
        "safe-rotate" => {
            let arg = arg.ok_or_else(|| needs("safe-rotate:-30..30"))?;
            Ok(Step::SafeRotate(p.param(arg, DEGREES)?))
        }
        "crop" => parse_crop(
            &p,
            arg.ok_or_else(|| needs("crop:0.7, crop:0.6..0.9, crop:24x24 or crop:left=0.6"))?,
        ),
        "sized-crop" => {
            let arg = arg.ok_or_else(|| needs("sized-crop:height=20..30,ratio=1"))?;
            let pairs = p.keyed(arg, &["height", "ratio"])?;
            let height = lookup(&pairs, "height")
                .ok_or_else(|| p.error("sized-crop needs height=PIXELS, e.g. height=20..30"))?;
            let height = p.bounded(
                height,
                "a height in pixels such as 20..30",
                "a height must be at least 1 pixel",
                |v| v >= 1.0,
            )?;
            let ratio = match lookup(&pairs, "ratio") {
                Some(r) => p.number(r, "a width/height ratio such as 1")?,
                None => 1.0,
            };
            if ratio <= 0.0 {
                return Err(p.error(format!("ratio {ratio} is out of range: it must be above 0")));
            }
            Ok(Step::SizedCrop { height, ratio })
        }
        "resized-crop" => {
            let pairs = match arg {
                Some(arg) => p.keyed(arg, &["scale", "ratio"])?,
                None => Vec::new(),
            };
            let scale = match lookup(&pairs, "scale") {
                Some(s) => p.fraction(s)?,
                None => Param::Range(0.08, 1.0),
            };
            let ratio = match lookup(&pairs, "ratio") {
                Some(r) => p.bounded(
                    r,
                    "a width/height ratio range such as 0.75..1.333",
                    "a ratio must be above 0",
                    |v| v > 0.0,
                )?,
                None => Param::Range(0.75, 4.0 / 3.0),
            };
            Ok(Step::ResizedCrop { scale, ratio })
        }
        "translate" => {
            let arg =
                arg.ok_or_else(|| needs("translate:-0.1..0.1 or translate:x=-0.1..0.1,y=0"))?;
            let shift = "a fraction of the size such as -0.1..0.1";
            if arg.contains('=') {
                let pairs = p.keyed(arg, &["x", "y"])?;
                let axis =
                    |key| lookup(&pairs, key).map_or(Ok(Param::Fixed(0.0)), |v| p.param(v, shift));
                Ok(Step::Translate {
                    x: axis("x")?,
                    y: axis("y")?,
                })
            } else {
                let both = p.param(arg, shift)?;
                Ok(Step::Translate { x: both, y: both })
            }
        }
        "scale" => {
            let arg = arg.ok_or_else(|| needs("scale:0.8..1.2"))?;
            Ok(Step::Scale(positive_scale(&p, arg)?))
        }
        "shear" => {
            let arg = arg.ok_or_else(|| needs("shear:-10..10 or shear:x=-10..10,y=-5..5"))?;
            if arg.contains('=') {
                let pairs = p.keyed(arg, &["x", "y"])?;
                let axis =
                    |key| lookup(&pairs, key).map_or(Ok(Param::Fixed(0.0)), |v| shear(&p, v));
                Ok(Step::Shear {
                    x: axis("x")?,
                    y: axis("y")?,
                })
            } else {
                Ok(Step::Shear {
                    x: shear(&p, arg)?,
                    y: Param::Fixed(0.0),
                })
            }
        }
        "affine" => parse_affine(
            &p,
            arg.ok_or_else(|| needs("affine:rotate=-15..15,scale=0.9..1.1"))?,
        ),
        "elastic" => {
            let pairs = match arg {
                Some(arg) => p.keyed(arg, &["alpha", "sigma"])?,
                None => Vec::new(),
            };
            let alpha =
                lookup(&pairs, "alpha").map_or(Ok(1.0), |v| p.number(v, "a strength such as 1"))?;
            let sigma = lookup(&pairs, "sigma").map_or(Ok(50.0), |v| {
                p.number(v, "a smoothness in pixels such as 50")
            })?;
            if alpha < 0.0 || sigma <= 0.0 {
                return Err(p.error(format!(
                    "alpha {alpha} must be at least 0 and sigma {sigma} above 0"
                )));
            }
            Ok(Step::Elastic { alpha, sigma })
        }
        "dropout" => parse_dropout(&p, arg),
        _ => Err(p.error(format!("unknown transformation '{name}'; expected {KNOWN}"))),
    }
}

fn positive_scale(p: &Parser<'_>, text: &str) -> Result<Param, Error> {
    p.bounded(
        text,
        "a scale factor such as 0.8..1.2",
        "a scale factor must be above 0",
        |v| v > 0.0,
    )
}

fn shear(p: &Parser<'_>, text: &str) -> Result<Param, Error> {
    p.bounded(
        text,
        DEGREES,
        "a shear must lie strictly between -90 and 90 degrees",
        |v| v.abs() < 90.0,
    )
}

fn parse_crop(p: &Parser<'_>, arg: &str) -> Result<Step, Error> {
    match arg.split_once('=') {
        Some(("box", coordinates)) => {
            let values: Vec<u32> = coordinates
                .split(',')
                .map(|v| v.trim().parse::<u32>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    p.error(format!(
                        "'{coordinates}' is not x0,y0,x1,y1 in whole pixels"
                    ))
                })?;
            match values[..] {
                [x0, y0, x1, y1] if x1 > x0 && y1 > y0 => Ok(Step::CropBox { x0, y0, x1, y1 }),
                [_, _, _, _] => {
                    Err(p.error("the box is empty: x1 must exceed x0 and y1 must exceed y0"))
                }
                _ => Err(p.error(format!(
                    "'{coordinates}' is not x0,y0,x1,y1: four numbers are needed"
                ))),
            }
        }
        Some((side_name, size)) => {
            let side_name = side_name.trim();
            let side = SIDES
                .iter()
                .find(|(_, name)| *name == side_name)
                .map(|(side, _)| *side)
                .ok_or_else(|| {
                    p.error(format!(
                        "unknown crop side '{side_name}'; expected left, right, top, bottom, center or box"
                    ))
                })?;
            if side == Side::Center && size.contains('x') {
                let (w, h) = p.pixels(size)?;
                return Ok(Step::CropCenterPixels(w, h));
            }
            match p.fraction(size)? {
                Param::Fixed(fraction) => Ok(Step::CropSide(side, fraction)),
                Param::Range(..) => {
                    Err(p.error("a side crop keeps a fixed fraction, such as crop:left=0.6"))
                }
            }
        }
        None if arg.contains('x') => {
            let (w, h) = p.pixels(arg)?;
            Ok(Step::Crop(Extent::Pixels(w, h)))
        }
        None => Ok(Step::Crop(Extent::Fraction(p.fraction(arg)?))),
    }
}

fn parse_affine(p: &Parser<'_>, arg: &str) -> Result<Step, Error> {
    let pairs = p.keyed(
        arg,
        &[
            "rotate",
            "scale",
            "scale-x",
            "scale-y",
            "translate",
            "translate-x",
            "translate-y",
            "shear",
            "shear-x",
            "shear-y",
        ],
    )?;
    let shift = "a fraction of the size such as -0.1..0.1";
    let get = |key: &str, parse: &dyn Fn(&str) -> Result<Param, Error>| {
        lookup(&pairs, key).map(parse).transpose()
    };
    let scale = |t: &str| positive_scale(p, t);
    let shift_param = |t: &str| p.param(t, shift);
    let shear_param = |t: &str| shear(p, t);
    if lookup(&pairs, "scale").is_some()
        && (lookup(&pairs, "scale-x").is_some() || lookup(&pairs, "scale-y").is_some())
    {
        return Err(p.error("give either scale or scale-x/scale-y"));
    }
    let mut affine = Affine::IDENTITY;
    if let Some(rotate) = get("rotate", &|t| p.param(t, DEGREES))? {
        affine.rotate = rotate;
    }
    if let Some(both) = get("scale", &scale)? {
        affine.scale_x = both;
    }
    let scale_x = get("scale-x", &scale)?;
    let scale_y = get("scale-y", &scale)?;
    if scale_x.is_some() || scale_y.is_some() {
        affine.scale_x = scale_x.unwrap_or(Param::Fixed(1.0));
        affine.scale_y = Some(scale_y.unwrap_or(Param::Fixed(1.0)));
    }
    if let Some(both) = get("translate", &shift_param)? {
        affine.translate_x = both;
        affine.translate_y = both;
    }
    if let Some(x) = get("translate-x", &shift_param)? {
        affine.translate_x = x;
    }
    if let Some(y) = get("translate-y", &shift_param)? {
        affine.translate_y = y;
    }
    if let Some(x) = get("shear", &shear_param)? {
        affine.shear_x = x;
    }
    if let Some(x) = get("shear-x", &shear_param)? {
        affine.shear_x = x;
    }
    if let Some(y) = get("shear-y", &shear_param)? {
        affine.shear_y = y;
    }
    Ok(Step::Affine(affine))
}

fn parse_dropout(p: &Parser<'_>, arg: Option<&str>) -> Result<Step, Error> {
    let pairs = match arg {
        Some(arg) => p.keyed(arg, &["holes", "size", "height", "width", "fill"])?,
        None => Vec::new(),
    };
    let holes = match lookup(&pairs, "holes") {
        Some(h) => p.bounded(
            h,
            "a count such as 1..3",
            "a count must be from 0 to 1000",
            |v| (0.0..=1000.0).contains(&v),
        )?,
        None => Param::Range(1.0, 2.0),
    };
    // Sizes are fractions of the image, or pixels with a `px` suffix (all of them alike).
    let sizes: Vec<(&str, &str)> = ["size", "height", "width"]
        .iter()
        .filter_map(|&key| lookup(&pairs, key).map(|v| (key, v)))
        .collect();
    let pixels = sizes.iter().any(|(_, v)| v.ends_with("px"));
    if pixels && !sizes.iter().all(|(_, v)| v.ends_with("px")) {
        return Err(p.error("give every hole size in pixels (px) or every one as a fraction"));
    }
    let parse_size = |key: &str| -> Result<Option<Param>, Error> {
        match lookup(&pairs, key) {
            None => Ok(None),
            Some(v) if pixels => p
                .bounded(
                    v.trim_end_matches("px"),
                    "a size in pixels such as 2..6px",
                    "a hole is at least 1 pixel",
                    |x| x >= 1.0,
                )
                .map(Some),
            Some(v) => p.fraction(v).map(Some),
        }
    };
    let size = parse_size("size")?;
    let height = parse_size("height")?;
    let width = parse_size("width")?;
    let default = Param::Range(0.1, 0.2);
    let fill = match lookup(&pairs, "fill") {
        None => Fill::Value(0),
        Some("background") => Fill::Background,
        Some("ink") => Fill::Ink,
        Some(level) => Fill::Value(level.parse::<u8>().map_err(|_| {
            p.error(format!(
                "fill '{level}' is not a grey level 0-255, background or ink"
            ))
        })?),
    };
    Ok(Step::Dropout {
        holes,
        height: height.or(size).unwrap_or(default),
        width: width.or(size).unwrap_or(default),
        pixels,
        fill,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_display_as_written() {
        for spec in [
            "rotate:180",
            "rotate:-15..15",
            "safe-rotate:-30..30",
            "hflip",
            "vflip",
            "transpose",
            "rot90",
            "d4",
            "crop:0.7",
            "crop:0.6..0.9",
            "crop:24x24",
            "crop:left=0.6",
            "crop:center=0.5",
            "crop:center=24x20",
            "crop:box=4,4,28,28",
            "sized-crop:height=20..30,ratio=1",
            "resized-crop:scale=0.6..1,ratio=0.75..1.25",
            "translate:-0.1..0.1",
            "translate:x=-0.1..0.1,y=0",
            "scale:0.8..1.2",
            "shear:-10..10",
            "shear:x=-10..10,y=-5..5",
            "affine:rotate=-15..15,scale=0.9..1.1,translate=-0.05..0.05,shear=-5..5",
            "affine:scale-x=0.9..1.1,scale-y=0.8..1.2,translate-x=0.1,shear-y=3",
            "affine:rotate=0",
            "elastic:alpha=1,sigma=50",
            "dropout:holes=1..3,size=0.1..0.25,fill=0",
            "dropout:holes=2,height=0.1,width=0.3,fill=background",
            "dropout:holes=1..3,size=2..6px,fill=ink",
            "p=0.5:hflip",
            "p=0.25:rotate:-90..90",
            "rotate:90+hflip+crop:bottom=0.5",
        ] {
            assert_eq!(spec.parse::<Transform>().unwrap().to_string(), spec);
        }
        let spaced: Transform = " rotate: 45 + hflip ".parse().unwrap();
        assert_eq!(spaced.to_string(), "rotate:45+hflip");
        let defaults: Transform = "resized-crop+elastic+dropout".parse().unwrap();
        assert_eq!(
            defaults.to_string(),
            "resized-crop:scale=0.08..1,ratio=0.75..1.3333333333333333+elastic:alpha=1,sigma=50+dropout:holes=1..2,size=0.1..0.2,fill=0"
        );
    }

    #[test]
    fn malformed_specs_name_the_bad_part() {
        let cases = [
            ("spin:90", "spin:90", "unknown transformation 'spin'"),
            ("rotate", "rotate", "needs an argument"),
            ("hflip+rotate:abc", "rotate:abc", "'abc' is not a number"),
            ("rotate:15..-15", "rotate:15..-15", "runs backwards"),
            ("crop:1.5", "crop:1.5", "out of range"),
            ("crop:0", "crop:0", "out of range"),
            (
                "crop:middle=0.5",
                "crop:middle=0.5",
                "unknown crop side 'middle'",
            ),
            ("crop:left=0.2..0.5", "crop:left=0.2..0.5", "fixed fraction"),
            ("crop:0x24", "crop:0x24", "WIDTHxHEIGHT"),
            ("crop:box=4,4,2,28", "crop:box=4,4,2,28", "empty"),
            ("crop:box=4,4", "crop:box=4,4", "four numbers"),
            ("hflip:2", "hflip:2", "takes no argument"),
            ("hflip++vflip", "", "empty step"),
            ("", "", "empty spec"),
            ("rotate:nan", "rotate:nan", "not a number"),
            ("scale:0..2", "scale:0..2", "above 0"),
            ("shear:95", "shear:95", "between -90 and 90"),
            // Values whose width overflows, or whose blur cannot be made: refused, not a panic.
            (
                "rotate:-1e308..1e308",
                "rotate:-1e308..1e308",
                "-1e308 is out of range",
            ),
            (
                "translate:-1e308..1e308",
                "translate:-1e308..1e308",
                "within ±1",
            ),
            (
                "affine:rotate=-1e308..1e308",
                "affine:rotate=-1e308..1e308",
                "within ±3600 degrees",
            ),
            (
                "elastic:alpha=1,sigma=1e-50",
                "elastic:alpha=1,sigma=1e-50",
                "1e-50 is out of range: sigma must be from 0.1 to 1000",
            ),
            ("p=0.5:rotate:1e9", "rotate:1e9", "1e9 is out of range"),
            ("scale:0.5..1e9", "scale:0.5..1e9", "at most 100"),
            ("affine:spin=3", "affine:spin=3", "unknown key 'spin'"),
            (
                "affine:rotate=3,rotate=4",
                "affine:rotate=3,rotate=4",
                "twice",
            ),
            (
                "affine:scale=1,scale-x=2",
                "affine:scale=1,scale-x=2",
                "either scale",
            ),
            (
                "translate:x=0.1,z=0",
                "translate:x=0.1,z=0",
                "unknown key 'z'",
            ),
            ("dropout:fill=grey", "dropout:fill=grey", "grey level"),
            (
                "dropout:height=2px,width=0.5",
                "dropout:height=2px,width=0.5",
                "every hole size",
            ),
            ("elastic:sigma=0", "elastic:sigma=0", "sigma"),
            ("sized-crop:ratio=1", "sized-crop:ratio=1", "needs height"),
            ("p=1.5:hflip", "p=1.5:hflip", "probability 1.5"),
            ("p=0.5", "p=0.5", "needs a step"),
            ("p=0.5:spin", "spin", "unknown transformation"),
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
    fn randomness_is_known_per_step() {
        let random = [
            "rotate:-5..5",
            "rot90",
            "d4",
            "crop:0.9",
            "crop:24x24",
            "p=0.5:hflip",
            "resized-crop",
            "elastic",
            "dropout",
            "affine:translate=-0.1..0.1",
        ];
        for spec in random {
            assert!(spec.parse::<Transform>().unwrap().is_random(), "{spec}");
        }
        let fixed = [
            "rotate:5",
            "hflip",
            "transpose",
            "crop:1",
            "crop:left=0.5",
            "crop:box=0,0,4,4",
            "p=1:vflip",
            "affine:rotate=10,scale=0.9",
            "shear:10",
        ];
        for spec in fixed {
            assert!(!spec.parse::<Transform>().unwrap().is_random(), "{spec}");
        }
    }
}
