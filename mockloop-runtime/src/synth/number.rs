//! Integers and numbers: bounds (inclusive and exclusive, in both the 2020-12
//! numeric and the 3.0 boolean form), `multipleOf`, int32/int64 formats.
use rand::RngExt;
use serde_json::{Map, Value};

use super::generate::Gen;
use super::realistic;

/// Candidates scanned when looking for a multiple of a fractional `multipleOf`.
const SCAN: i64 = 2000;
/// Largest magnitude generated for unbounded integers kept exact in JSON.
const SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Lower and upper bounds of a numeric schema.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    /// The lower bound, if any.
    low: Option<f64>,
    /// Whether the lower bound is excluded.
    low_exclusive: bool,
    /// The upper bound, if any.
    high: Option<f64>,
    /// Whether the upper bound is excluded.
    high_exclusive: bool,
}

impl Bounds {
    /// The bounds declared by `map`.
    fn of(map: &Map<String, Value>) -> Self {
        let mut bounds = Self {
            low: map
                .get("minimum")
                .and_then(Value::as_f64)
                .filter(|x| x.is_finite()),
            low_exclusive: false,
            high: map
                .get("maximum")
                .and_then(Value::as_f64)
                .filter(|x| x.is_finite()),
            high_exclusive: false,
        };
        match map.get("exclusiveMinimum") {
            Some(Value::Bool(true)) => bounds.low_exclusive = bounds.low.is_some(),
            Some(Value::Number(number)) => {
                if let Some(limit) = number.as_f64().filter(|x| x.is_finite())
                    && bounds.low.is_none_or(|low| limit >= low)
                {
                    bounds.low = Some(limit);
                    bounds.low_exclusive = true;
                }
            }
            _ => {}
        }
        match map.get("exclusiveMaximum") {
            Some(Value::Bool(true)) => bounds.high_exclusive = bounds.high.is_some(),
            Some(Value::Number(number)) => {
                if let Some(limit) = number.as_f64().filter(|x| x.is_finite())
                    && bounds.high.is_none_or(|high| limit <= high)
                {
                    bounds.high = Some(limit);
                    bounds.high_exclusive = true;
                }
            }
            _ => {}
        }
        bounds
    }

    /// Whether `value` is within the bounds.
    fn contains(&self, value: f64) -> bool {
        let above = match self.low {
            Some(low) if self.low_exclusive => value > low,
            Some(low) => value >= low,
            None => true,
        };
        let below = match self.high {
            Some(high) if self.high_exclusive => value < high,
            Some(high) => value <= high,
            None => true,
        };
        above && below
    }
}

impl Gen<'_, '_> {
    /// An integer valid against the numeric keywords of `map`.
    pub(crate) fn integer(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        let bounds = Bounds::of(map);
        let (mut low, mut high) = (-SAFE_INTEGER as i64, SAFE_INTEGER as i64);
        if let Some(limit) = bounds.low {
            low = saturate(if bounds.low_exclusive {
                limit.floor() + 1.0
            } else {
                limit.ceil()
            });
        }
        if let Some(limit) = bounds.high {
            high = saturate(if bounds.high_exclusive {
                limit.ceil() - 1.0
            } else {
                limit.floor()
            });
        }
        match map.get("format").and_then(Value::as_str) {
            Some("int32") => {
                (low, high) = (low.max(i64::from(i32::MIN)), high.min(i64::from(i32::MAX)))
            }
            Some("uint32") => (low, high) = (low.max(0), high.min(i64::from(u32::MAX))),
            Some("int8") => (low, high) = (low.max(-128), high.min(127)),
            Some("uint8") => (low, high) = (low.max(0), high.min(255)),
            Some("int16") => (low, high) = (low.max(-32_768), high.min(32_767)),
            Some("uint16" | "uint64") => low = low.max(0),
            _ => {}
        }
        if low > high {
            return Value::from(low);
        }
        let preferred = realistic::integer_range(hint).unwrap_or((1, 100));
        let small =
            bounds.low.is_some() && bounds.high.is_some() && high.saturating_sub(low) <= 1000;
        let (from, to) = if small {
            (low, high)
        } else {
            narrow(preferred, low, high)
        };
        let multiple = map
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0 && m.is_finite());
        let value = match multiple {
            Some(step) => self.integer_multiple(step, (from, to), (low, high)),
            None => self.rng.random_range(from..=to),
        };
        Value::from(value)
    }

    /// An integer multiple of `step` in the preferred range, else anywhere in
    /// the allowed range, else the preferred start.
    fn integer_multiple(&mut self, step: f64, preferred: (i64, i64), allowed: (i64, i64)) -> i64 {
        if step.fract() == 0.0 {
            let step = saturate(step).max(1);
            for (from, to) in [preferred, allowed] {
                let first = div_ceil(from, step);
                let last = to.div_euclid(step);
                if first <= last {
                    let last = last.min(first.saturating_add(SCAN));
                    return self.rng.random_range(first..=last).saturating_mul(step);
                }
            }
            return preferred.0;
        }
        for (from, to) in [preferred, allowed] {
            let end = to.min(from.saturating_add(SCAN));
            if let Some(found) = (from..=end).find(|value| is_multiple(*value as f64, step)) {
                return found;
            }
        }
        preferred.0
    }

    /// A number valid against the numeric keywords of `map`.
    pub(crate) fn number(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        let bounds = Bounds::of(map);
        let (mut preferred_low, mut preferred_high, decimals) =
            realistic::number_range(hint).unwrap_or((0.0, 100.0, 2));
        if let (Some("float"), None) = (map.get("format").and_then(Value::as_str), bounds.high) {
            preferred_high = preferred_high.min(f64::from(f32::MAX));
        }
        let low = bounds.low.unwrap_or(f64::MIN);
        let high = bounds.high.unwrap_or(f64::MAX);
        if preferred_low < low || preferred_low > high {
            preferred_low = low.max(preferred_low.min(high));
        }
        if preferred_high > high || preferred_high < preferred_low {
            preferred_high = high.min(preferred_low + 100.0);
        }
        if let Some(low) = bounds.low
            && preferred_high < low
        {
            preferred_high = low + 100.0;
        }
        let multiple = map
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0 && m.is_finite());
        let value = match multiple {
            Some(step) => self.number_multiple(step, &bounds, (preferred_low, preferred_high)),
            None => self.number_plain(&bounds, (preferred_low, preferred_high), decimals),
        };
        serde_json::Number::from_f64(value).map_or(Value::from(0), Value::Number)
    }

    /// A number in the bounds, rounded to `decimals` when that stays inside.
    fn number_plain(&mut self, bounds: &Bounds, preferred: (f64, f64), decimals: i32) -> f64 {
        let (from, to) = preferred;
        let raw = if from < to && (to - from).is_finite() {
            self.rng.random_range(from..=to)
        } else {
            from
        };
        let scale = 10f64.powi(decimals);
        let rounded = (raw * scale).round() / scale;
        for candidate in [rounded, raw, (from + to) / 2.0] {
            if candidate.is_finite() && bounds.contains(candidate) {
                return candidate;
            }
        }
        nudge_inside(bounds)
    }

    /// A multiple of `step` in the bounds (checked the way validators check:
    /// `value / step` is an integer).
    fn number_multiple(&mut self, step: f64, bounds: &Bounds, preferred: (f64, f64)) -> f64 {
        let first = (preferred.0 / step).ceil();
        let last = (preferred.1 / step).floor();
        let start = if first <= last && (last - first) < 1e15 {
            first + (self.rng.random_range(0.0..=1.0_f64) * (last - first)).floor()
        } else {
            first
        };
        let decimals = step_decimals(step);
        for offset in 0..SCAN {
            for sign in [1.0, -1.0] {
                let k = start + sign * offset as f64;
                let value = round_to(k * step, decimals);
                if value.is_finite() && bounds.contains(value) && is_multiple(value, step) {
                    return value;
                }
            }
        }
        if bounds.contains(0.0) {
            0.0
        } else {
            nudge_inside(bounds)
        }
    }
}

/// Whether `value / step` is an integer (the check validators make).
fn is_multiple(value: f64, step: f64) -> bool {
    let quotient = value / step;
    quotient.is_finite() && quotient.fract() == 0.0
}

/// Decimals in the shortest representation of `step` (at most 15).
fn step_decimals(step: f64) -> i32 {
    let text = format!("{step}");
    let decimals = text
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len());
    i32::try_from(decimals.min(15)).unwrap_or(15)
}

/// `value` rounded to `decimals` decimals.
fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let rounded = (value * scale).round() / scale;
    if rounded.is_finite() { rounded } else { value }
}

/// A value inside bounds that have no convenient candidate.
fn nudge_inside(bounds: &Bounds) -> f64 {
    match (bounds.low, bounds.high) {
        (Some(low), Some(high)) => (low + high) / 2.0,
        (Some(low), None) => low + 1.0,
        (None, Some(high)) => high - 1.0,
        (None, None) => 0.0,
    }
}

/// The preferred range narrowed to the allowed one; if they do not meet, a
/// range of about 100 values at the allowed edge nearest to it.
fn narrow(preferred: (i64, i64), low: i64, high: i64) -> (i64, i64) {
    let from = preferred.0.max(low);
    let to = preferred.1.min(high);
    if from <= to {
        return (from, to);
    }
    if preferred.1 < low {
        (low, high.min(low.saturating_add(100)))
    } else {
        (low.max(high.saturating_sub(100)), high)
    }
}

/// `value` as an integer, saturating at the i64 range.
#[allow(clippy::cast_possible_truncation)] // `as` saturates, which is the intent
fn saturate(value: f64) -> i64 {
    value as i64
}

/// Ceiling division for a positive divisor.
fn div_ceil(value: i64, divisor: i64) -> i64 {
    let quotient = value.div_euclid(divisor);
    if value.rem_euclid(divisor) == 0 {
        quotient
    } else {
        quotient + 1
    }
}
