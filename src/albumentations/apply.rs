//! The applier: a pipeline applied to a glyph as training applies it, with Albumentations'
//! choices for `OneOf`, `SomeOf` and `OneOrOther`.

use image::GrayImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Leaf, Node, Pipeline};
use crate::glyph::GlyphImage;
use crate::transform::{Augment, RangePart};

/// `node` applied to `glyph` (unless its probability says not, or `forced`); the result keeps
/// the glyph's background and polarity for the nodes after it.
fn apply_node(node: &Node, glyph: GlyphImage, rng: &mut ChaCha8Rng, forced: bool) -> GlyphImage {
    // Every node draws for its probability, applied or not, so siblings see stable streams.
    let roll: f64 = rng.random();
    let p = match node {
        Node::Sequence { p, .. } | Node::OneOf { p, .. } | Node::SomeOf { p, .. } => *p,
        Node::Leaf(leaf) => leaf.p,
        Node::OneOrOther { .. } | Node::PassThrough { .. } | Node::NotEvaluated { .. } => 1.0,
    };
    if !forced && roll >= p {
        return glyph;
    }
    match node {
        Node::Sequence { children, .. } => children
            .iter()
            .fold(glyph, |glyph, child| apply_node(child, glyph, rng, false)),
        Node::OneOf { children, .. } => {
            let total: f64 = children.iter().map(node_p).sum();
            if total <= 0.0 {
                return glyph;
            }
            let mut pick = rng.random_range(0.0..total);
            for child in children {
                let weight = node_p(child);
                if pick < weight {
                    return apply_node(child, glyph, rng, true);
                }
                pick -= weight;
            }
            glyph
        }
        Node::SomeOf {
            n,
            replace,
            weighted,
            children,
            ..
        } => {
            let weights: Vec<f64> = children
                .iter()
                .map(|c| if *weighted { node_p(c) } else { 1.0 })
                .collect();
            let mut chosen = choose(rng, &weights, *n, *replace);
            chosen.sort_unstable();
            chosen
                .into_iter()
                .fold(glyph, |glyph, i| match children.get(i) {
                    Some(child) => apply_node(child, glyph, rng, *weighted),
                    None => glyph,
                })
        }
        Node::OneOrOther { p, first, second } => {
            let child = if roll < *p { first } else { second };
            apply_node(child, glyph, rng, true)
        }
        Node::Leaf(leaf) => {
            let pixels = leaf.augment(&glyph, rng);
            glyph.with_pixels(pixels)
        }
        Node::PassThrough { .. } | Node::NotEvaluated { .. } => glyph,
    }
}

/// `n` indices drawn with the given weights, with or without replacement.
fn choose(rng: &mut ChaCha8Rng, weights: &[f64], n: usize, replace: bool) -> Vec<usize> {
    let mut remaining: Vec<f64> = weights.iter().map(|w| w.max(0.0)).collect();
    let mut chosen = Vec::with_capacity(n);
    for _ in 0..n {
        let total: f64 = remaining.iter().sum();
        if total <= 0.0 {
            break;
        }
        let mut pick = rng.random_range(0.0..total);
        let index = remaining
            .iter()
            .position(|&w| {
                let hit = pick < w;
                pick -= w;
                hit
            })
            .unwrap_or(remaining.len() - 1);
        chosen.push(index);
        if !replace {
            remaining[index] = 0.0;
        }
    }
    chosen
}

fn node_p(node: &Node) -> f64 {
    match node {
        Node::Sequence { p, .. }
        | Node::OneOf { p, .. }
        | Node::SomeOf { p, .. }
        | Node::OneOrOther { p, .. } => *p,
        Node::Leaf(leaf) => leaf.p,
        Node::PassThrough { .. } | Node::NotEvaluated { .. } => 1.0,
    }
}

impl Augment for Pipeline {
    fn augment(&self, glyph: &GlyphImage, rng: &mut ChaCha8Rng) -> GrayImage {
        apply_node(&self.root, glyph.clone(), rng, false).pixels
    }

    fn is_random(&self) -> bool {
        true
    }

    fn stream(&self) -> u64 {
        crate::rng::stream_of("pipeline")
    }
}

/// One geometric transform of a pipeline applied every time (its `p` set aside), what it
/// uncovers filled with its own fill: on its own, to see what it does when it fires, and as a
/// step of its pipeline.
impl Augment for Leaf {
    fn augment(&self, glyph: &GlyphImage, rng: &mut ChaCha8Rng) -> GrayImage {
        match self.fill {
            Some(fill) if fill != glyph.background => {
                let filled = GlyphImage::new(glyph.pixels.clone(), fill, glyph.polarity);
                self.step.apply(&filled, rng)
            }
            _ => self.step.apply(glyph, rng),
        }
    }

    fn is_random(&self) -> bool {
        self.step.is_random()
    }

    /// Named by its place in the pipeline (not its class, so that `SquareSymmetry` draws as
    /// its new name `D4` does), so that narrowing or refilling it keeps its draws.
    fn stream(&self) -> u64 {
        crate::rng::stream_of(&format!("component {:?}", self.location))
    }

    fn parts(&self, n: u32) -> Vec<RangePart<Box<dyn Augment>>> {
        self.step
            .parts(n)
            .unwrap_or_default()
            .into_iter()
            .map(|RangePart { from, to, part }| RangePart {
                from,
                to,
                part: Box::new(Leaf {
                    step: part,
                    ..self.clone()
                }) as Box<dyn Augment>,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{compose, parse};
    use super::*;
    use crate::glyph::Polarity;
    use rand::SeedableRng;

    #[test]
    fn compositions_pick_as_albumentations_does() {
        let pipeline = parse(&compose(
            r#"{"__class_fullname__": "OneOf", "p": 1.0, "transforms": [
                  {"__class_fullname__": "HorizontalFlip", "p": 3.0e-1},
                  {"__class_fullname__": "VerticalFlip", "p": 0.9}]}"#,
        ))
        .unwrap();
        let image = GrayImage::from_fn(4, 4, |x, y| image::Luma([(y * 4 + x) as u8]));
        let (mut h, mut v) = (0, 0);
        for seed in 0..1200u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let glyph = GlyphImage::new(image.clone(), 0, Polarity::LightOnDark);
            let out = pipeline.augment(&glyph, &mut rng);
            if out == image::imageops::flip_horizontal(&image) {
                h += 1;
            } else if out == image::imageops::flip_vertical(&image) {
                v += 1;
            }
        }
        // Weights 0.3 : 0.9, each child applied for sure once chosen.
        assert_eq!(h + v, 1200);
        assert!((240..360).contains(&h), "{h}");
    }
}
