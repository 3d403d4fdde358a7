//! Where augsafe asks the processor for its wide vector units, chosen at run time so one
//! binary runs everywhere. One module per concern, each fast path next to its portable twin:
//!
//! - this module: the [`Tier`] of vector instructions (detected once, capped by the
//!   `AUGSAFE_SIMD` environment variable) and [`wide_fn`], which compiles an ordinary kernel
//!   function once per tier and dispatches to the right copy;
//! - `dot8`: the exact 8-bit template dot products ([`PackedTemplates`]: a kernel for
//!   AVX-512 VNNI, and below it the integer loop compiled for each tier);
//! - `fused`: fused-multiply-add lane sums side by side, four vectors with one
//!   ([`fused_lanes_four`]) or with four ([`fused_lanes_tile`]; AVX2 with FMA, AVX-512).
//!
//! This is the only module with `unsafe` code: calling a function compiled for features the
//! baseline x86-64 target lacks is unsafe until the processor has been asked, and the kernels
//! load vectors through pointers. Every result is identical on every tier: the integer sums
//! are exact, and the floating-point loops run the same operations in the same order whatever
//! the vector width (Rust never fuses a multiply and an add on its own). The tests check that
//! on every tier the machine has, against the baseline.
//!
//! # `AUGSAFE_SIMD`
//!
//! Read once, the first time a tier is asked for. `baseline`, `avx2`, `avx512` or
//! `avx512vnni` (any case) caps the tier used: a value above what the processor has gives
//! what it has, so the variable can only slow a run down, never make it unsound. Unset or
//! empty means the processor's best. Any other value is ignored (the processor's best is used)
//! with a one-time note on stderr, so a typo does not silently pass for a forced tier.
#![allow(unsafe_code)]

mod dot8;
mod fused;

pub(crate) use dot8::PackedTemplates;
pub(crate) use fused::{fused_lanes_four, fused_lanes_tile};

use std::sync::OnceLock;

/// The environment variable that caps the vector tier (see the module documentation).
const TIER_VARIABLE: &str = "AUGSAFE_SIMD";

/// A level of vector instructions, lowest first; each includes the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tier {
    /// Whatever the compilation target guarantees (SSE2 on x86-64); the portable code.
    Baseline,
    /// AVX2 with fused multiply-add: the [`wide_fn`] kernels and [`fused_lanes_four`] are
    /// compiled for it.
    Avx2Fma,
    /// AVX-512 F, BW, VL and DQ (with AVX2 and FMA): [`wide_fn`] kernels and
    /// [`fused_lanes_four`].
    Avx512,
    /// [`Tier::Avx512`] with VNNI: also the 8-bit template products.
    Avx512Vnni,
}

impl Tier {
    /// Every tier, lowest first.
    pub(crate) const ALL: [Tier; 4] = [
        Tier::Baseline,
        Tier::Avx2Fma,
        Tier::Avx512,
        Tier::Avx512Vnni,
    ];

    /// The tier's name as `AUGSAFE_SIMD` spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tier::Baseline => "baseline",
            Tier::Avx2Fma => "avx2",
            Tier::Avx512 => "avx512",
            Tier::Avx512Vnni => "avx512vnni",
        }
    }

    /// The best tier the processor has (asked once).
    // Elsewhere than x86-64 there is one tier, and nothing to cap.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn detected() -> Tier {
        tiers().detected
    }

    /// The tier the program uses: the processor's best, capped by `AUGSAFE_SIMD` (read once).
    #[inline]
    pub(crate) fn selected() -> Tier {
        tiers().selected
    }

    /// Every tier the processor has, lowest first: the ones tests run.
    #[cfg(test)]
    pub(crate) fn available() -> Vec<Tier> {
        let detected = Tier::detected();
        Tier::ALL.into_iter().filter(|&t| t <= detected).collect()
    }

    /// This tier, or the processor's best if that is lower. Every dispatch goes through this,
    /// so asking for a tier the processor lacks is safe: it runs the best one below it.
    #[inline]
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn supported(self) -> Tier {
        self.min(Tier::detected())
    }

    fn parse(value: &str) -> Option<Tier> {
        let value = value.trim();
        Tier::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(value))
    }
}

/// The processor's best tier and the one in use, settled together on first use.
struct Tiers {
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    detected: Tier,
    selected: Tier,
}

#[inline]
fn tiers() -> &'static Tiers {
    static TIERS: OnceLock<Tiers> = OnceLock::new();
    TIERS.get_or_init(|| {
        let detected = detect();
        let value = std::env::var_os(TIER_VARIABLE);
        let value = value.as_ref().map(|v| v.to_string_lossy());
        let (selected, note) = choose(detected, value.as_deref());
        if let Some(note) = note {
            eprintln!("note: {note}");
        }
        Tiers { detected, selected }
    })
}

/// The tier to use on a processor whose best is `detected`, given the value of
/// `AUGSAFE_SIMD` (`None` when unset), and a note to print when the value is not understood.
fn choose(detected: Tier, requested: Option<&str>) -> (Tier, Option<String>) {
    let Some(requested) = requested.filter(|v| !v.trim().is_empty()) else {
        return (detected, None);
    };
    match Tier::parse(requested) {
        Some(tier) => (tier.min(detected), None),
        None => {
            let names: Vec<_> = Tier::ALL.iter().map(|t| t.name()).collect();
            let note = format!(
                "{TIER_VARIABLE}={requested:?} is not one of {}; using {}",
                names.join(", "),
                detected.name()
            );
            (detected, Some(note))
        }
    }
}

/// The processor's best tier. Each tier asks for every feature the code compiled for it
/// enables, so a tier is only ever reported when all its code may run.
fn detect() -> Tier {
    #[cfg(target_arch = "x86_64")]
    {
        use std::is_x86_feature_detected as has;
        let avx2_fma = has!("avx2") && has!("fma");
        let avx512 =
            avx2_fma && has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq");
        if avx512 && has!("avx512vnni") {
            return Tier::Avx512Vnni;
        }
        if avx512 {
            return Tier::Avx512;
        }
        if avx2_fma {
            return Tier::Avx2Fma;
        }
    }
    Tier::Baseline
}

/// Checks that `run` gives the same lines on every tier the processor has as on the baseline,
/// line by line so a failure shows the first that differs, and says which tiers ran.
#[cfg(test)]
pub(crate) fn same_on_every_tier<T: PartialEq + std::fmt::Debug>(
    what: &str,
    run: impl Fn(Tier) -> Vec<T>,
) {
    let expected = run(Tier::Baseline);
    on_every_tier(what, |tier| {
        let got = run(tier);
        assert_eq!(got.len(), expected.len(), "{what} on {tier:?}");
        for (got, expected) in got.iter().zip(&expected) {
            assert_eq!(got, expected, "{what} on {tier:?}");
        }
    });
}

/// Runs `check` on every tier the processor has and says on stderr which ran (visible with
/// `--nocapture`), so a test's output shows what it covered on this machine.
#[cfg(test)]
pub(crate) fn on_every_tier(what: &str, mut check: impl FnMut(Tier)) {
    let available = Tier::available();
    for &tier in &available {
        check(tier);
    }
    let names = |tiers: &[Tier]| {
        let names: Vec<_> = tiers.iter().map(|t| t.name()).collect();
        names.join(", ")
    };
    let missing: Vec<_> = Tier::ALL
        .into_iter()
        .filter(|t| !available.contains(t))
        .collect();
    eprintln!(
        "{what}: ran on {} (not on this processor: {})",
        names(&available),
        if missing.is_empty() {
            "none".to_string()
        } else {
            names(&missing)
        }
    );
}

/// Defines a safe function `$name` that runs `$kernel` — an `#[inline(always)]` function
/// taking the same arguments — compiled for the tier in use ([`Tier::selected`]): for AVX-512,
/// for AVX2 with fused multiply-add, or as it stands (the baseline x86-64 vector unit). Also
/// defines `$on(tier, args…)`, the same on a tier of the caller's choice (capped by what the
/// processor has), for tests that run every tier:
///
/// ```text
/// crate::simd::wide_fn! {
///     /// The dot product of two feature vectors (see [`dot_kernel`]).
///     fn dot(a: &[f32], b: &[f32]) -> f32 = dot_kernel;
///     fn dot_on(tier, ..);
/// }
/// ```
///
/// The kernel is inlined into each copy, so its loops are vectorised for each; all give the
/// same result, since only the vector width differs: floating-point operations are never
/// reordered, and the kernels fuse multiply-adds only where they say so (`mul_add`, exactly
/// rounded everywhere; without the instruction it is a library call, slow but the same).
///
/// Heavy work a kernel hands on belongs in `#[inline(always)]` functions, not closures: a
/// closure the compiler does not inline is compiled for the baseline, outside the tier (a
/// closure around the four-wide dot product made judging 12% slower).
///
/// The kernel is named by path, never written inside the macro, so rustfmt formats it. This
/// macro is where every call into a tier's copy is written, under the one check that makes
/// it sound.
macro_rules! wide_fn {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $kernel:path;
        fn $on:ident(tier, ..);
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            $on($crate::simd::Tier::selected(), $($arg),*)
        }

        #[doc = concat!(
            "[`", stringify!($name), "`] on `tier`, or on the best tier below it that the ",
            "processor has."
        )]
        #[inline]
        $vis fn $on(tier: $crate::simd::Tier, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma,avx512f,avx512bw,avx512vl,avx512dq")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $kernel($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn avx2_fma($($arg: $ty),*) $(-> $ret)? {
                    $kernel($($arg),*)
                }
                match tier.supported() {
                    $crate::simd::Tier::Avx512 | $crate::simd::Tier::Avx512Vnni => {
                        // SAFETY: `supported` caps the tier at the processor's, and both
                        // AVX-512 tiers are detected only with every feature `avx512` enables.
                        #[allow(unsafe_code)]
                        return unsafe { avx512($($arg),*) };
                    }
                    $crate::simd::Tier::Avx2Fma => {
                        // SAFETY: `supported` caps the tier at the processor's, and this tier
                        // is detected only with AVX2 and FMA, all `avx2_fma` enables.
                        #[allow(unsafe_code)]
                        return unsafe { avx2_fma($($arg),*) };
                    }
                    $crate::simd::Tier::Baseline => {}
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            let _ = tier;
            $kernel($($arg),*)
        }
    };
}
pub(crate) use wide_fn;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_caps_the_tier_at_what_the_processor_has() {
        use Tier::*;
        // Unset or empty: the processor's best.
        assert_eq!(choose(Avx2Fma, None), (Avx2Fma, None));
        assert_eq!(choose(Avx512Vnni, Some("  ")), (Avx512Vnni, None));
        // Lower than the processor's: that tier.
        assert_eq!(choose(Avx512Vnni, Some("avx2")), (Avx2Fma, None));
        assert_eq!(choose(Avx512Vnni, Some("avx512")), (Avx512, None));
        assert_eq!(choose(Avx2Fma, Some("baseline")), (Baseline, None));
        assert_eq!(choose(Avx2Fma, Some(" AVX2 ")), (Avx2Fma, None));
        // Higher: capped to what the processor has.
        assert_eq!(choose(Avx2Fma, Some("avx512")), (Avx2Fma, None));
        assert_eq!(choose(Avx2Fma, Some("avx512vnni")), (Avx2Fma, None));
        assert_eq!(choose(Baseline, Some("avx2")), (Baseline, None));
        assert_eq!(choose(Avx512, Some("avx512vnni")), (Avx512, None));
        // Unknown: the processor's best, with a note naming the value.
        let (tier, note) = choose(Avx512, Some("sse9"));
        assert_eq!(tier, Avx512);
        assert!(note.is_some_and(|n| n.contains("\"sse9\"") && n.contains("avx512vnni")));
        // Every name reads back as its tier.
        for tier in Tier::ALL {
            assert_eq!(choose(Avx512Vnni, Some(tier.name())), (tier, None));
        }
    }

    #[test]
    fn the_processor_has_the_baseline_and_the_tier_in_use() {
        let available = Tier::available();
        assert_eq!(available.first(), Some(&Tier::Baseline));
        assert!(available.contains(&Tier::selected()));
        assert_eq!(available.last(), Some(&Tier::detected()));
        for tier in Tier::ALL {
            assert!(tier.supported() <= Tier::detected());
            assert_eq!(available.contains(&tier), tier.supported() == tier);
        }
    }

    #[inline(always)]
    fn sum_of_squares(values: &[f32]) -> f32 {
        values.iter().map(|v| v * v).sum()
    }

    wide_fn! {
        fn wide_sum_of_squares(values: &[f32]) -> f32 = sum_of_squares;
        fn wide_sum_of_squares_on(tier, ..);
    }

    #[test]
    fn every_tier_returns_what_the_kernel_does() {
        let data: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let expected = sum_of_squares(&data).to_bits();
        assert_eq!(wide_sum_of_squares(&data).to_bits(), expected);
        on_every_tier("wide_fn sum of squares", |tier| {
            let got = wide_sum_of_squares_on(tier, &data).to_bits();
            assert_eq!(got, expected, "{tier:?}");
        });
    }
}
