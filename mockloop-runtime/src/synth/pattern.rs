//! Strings matching a `pattern` (ECMA-262 regex, unanchored), generated
//! with `rand_regex` from a simplified syntax tree.
use std::collections::HashMap;

use rand::Rng;
use rand::distr::Distribution;
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Repetition};

/// Samples tried to meet `minLength`/`maxLength`.
const SAMPLES: usize = 24;

/// Compiled generators by pattern and repeat bound; `None` records a
/// pattern that cannot be generated from.
#[derive(Default)]
pub(crate) struct PatternCache {
    /// The compiled generators.
    compiled: HashMap<(String, u32), Option<rand_regex::Regex>>,
}

impl PatternCache {
    /// A string matching `pattern` whose length (in code points) is within
    /// `min..=max` if possible; `None` if the pattern is not supported.
    pub(crate) fn sample<R: Rng + ?Sized>(
        &mut self,
        pattern: &str,
        min: usize,
        max: usize,
        rng: &mut R,
    ) -> Option<String> {
        let repeat = u32::try_from(max.clamp(1, 16)).unwrap_or(16);
        let mut best: Option<String> = None;
        // Shorter open repeats when the samples come out too long (`.*` on
        // both sides of a 36-character id).
        for repeat in [repeat, 2, 0] {
            let Some(generator) = self
                .compiled
                .entry((pattern.to_owned(), repeat))
                .or_insert_with(|| compile(pattern, repeat))
                .as_ref()
            else {
                continue;
            };
            let mut too_long = false;
            for _ in 0..SAMPLES {
                let sample: Result<String, std::string::FromUtf8Error> = generator.sample(rng);
                let Ok(sample) = sample else {
                    continue;
                };
                let length = sample.chars().count();
                if (min..=max).contains(&length) {
                    return Some(sample);
                }
                too_long |= length > max;
                if best.is_none() {
                    best = Some(sample);
                }
            }
            if !too_long {
                break;
            }
        }
        let mut best = best?;
        // A pattern open at the end still matches with more text after it.
        if best.chars().count() < min && !ends_anchored(pattern) {
            while best.chars().count() < min {
                best.push('a');
            }
        }
        Some(best)
    }
}

/// Whether the pattern ends with an end anchor.
fn ends_anchored(pattern: &str) -> bool {
    pattern.ends_with('$') && !pattern.ends_with("\\$")
}

/// A generator for `pattern`, or `None` if it cannot be parsed even after
/// dropping lookaround groups.
fn compile(pattern: &str, repeat: u32) -> Option<rand_regex::Regex> {
    let hir = parse(pattern).or_else(|| parse(&strip_lookaround(pattern)))?;
    rand_regex::Regex::with_hir(simplify(hir), repeat).ok()
}

/// The syntax tree of `pattern` (Unicode mode, as ECMA `u`).
fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()
}

/// `pattern` without `(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)` groups.
fn strip_lookaround(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut index = 0;
    while index < chars.len() {
        let rest = &chars[index..];
        let is_look = rest.starts_with(&['(', '?', '='])
            || rest.starts_with(&['(', '?', '!'])
            || rest.starts_with(&['(', '?', '<', '='])
            || rest.starts_with(&['(', '?', '<', '!']);
        if is_look {
            index = skip_group(&chars, index);
            continue;
        }
        if chars[index] == '\\' {
            out.push('\\');
            if let Some(next) = chars.get(index + 1) {
                out.push(*next);
            }
            index += 2;
            continue;
        }
        out.push(chars[index]);
        index += 1;
    }
    out
}

/// The index just after the group opening at `start` (escapes and classes
/// taken into account).
fn skip_group(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut in_class = false;
    let mut index = start;
    while index < chars.len() {
        match chars[index] {
            '\\' => index += 1,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return index + 1;
                }
            }
            _ => {}
        }
        index += 1;
    }
    chars.len()
}

/// The tree with anchors and word boundaries removed (patterns are searched,
/// so dropping them keeps a match) and character classes narrowed to
/// printable ASCII when they allow any.
fn simplify(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Class(Class::Unicode(class)) => Hir::class(Class::Unicode(printable(class))),
        HirKind::Repetition(repetition) => Hir::repetition(Repetition {
            sub: Box::new(simplify(*repetition.sub)),
            ..repetition
        }),
        HirKind::Capture(capture) => simplify(*capture.sub),
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(simplify).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.into_iter().map(simplify).collect()),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Class(class) => Hir::class(class),
        HirKind::Empty => Hir::empty(),
    }
}

/// `class` restricted to printable ASCII, unless that leaves nothing.
fn printable(class: ClassUnicode) -> ClassUnicode {
    let mut narrowed = class.clone();
    narrowed.intersect(&ClassUnicode::new([ClassUnicodeRange::new(' ', '~')]));
    if narrowed.ranges().is_empty() {
        class
    } else {
        narrowed
    }
}
