//! The `format`s a request is checked against (as `mockloop_mock/schemas.py`
//! checks them) and `multipleOf` in decimal arithmetic.
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Number, Value};

/// A format mockloop asserts on requests; any other is an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Int32,
    Int64,
    Uri,
    Date,
    DateTime,
    Email,
    Hostname,
    Time,
    Uuid,
    Ipv4,
    Ipv6,
    Duration,
}

/// A scheme, then only the characters RFC 3986 allows (others
/// percent-encoded).
static URI: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$",
    )
    .ok()
});
static DATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").ok());
static DATE_TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
    )
    .ok()
});
static HOSTNAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$",
    )
    .ok()
});
static TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$",
    )
    .ok()
});

/// RFC 3339's duration (appendix A), which JSON Schema's `duration` is:
/// `P1D`, `PT1H30M`, `P1W`; no fractions, each unit after the larger ones.
static DURATION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^P(?:(?:[0-9]+D|[0-9]+M(?:[0-9]+D)?|[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?)(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)|[0-9]+W)$",
    )
    .ok()
});

impl Format {
    /// The format of this name, if mockloop asserts it.
    pub(crate) fn named(name: &str) -> Option<Self> {
        Some(match name {
            "int32" => Self::Int32,
            "int64" => Self::Int64,
            "uri" => Self::Uri,
            "date" => Self::Date,
            "date-time" => Self::DateTime,
            "email" => Self::Email,
            "hostname" => Self::Hostname,
            "time" => Self::Time,
            "uuid" => Self::Uuid,
            "ipv4" => Self::Ipv4,
            "ipv6" => Self::Ipv6,
            "duration" => Self::Duration,
            _ => return None,
        })
    }

    /// The format's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Int32 => "int32",
            Self::Int64 => "int64",
            Self::Uri => "uri",
            Self::Date => "date",
            Self::DateTime => "date-time",
            Self::Email => "email",
            Self::Hostname => "hostname",
            Self::Time => "time",
            Self::Uuid => "uuid",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Duration => "duration",
        }
    }

    /// Whether the format is a numeric range (checked even when not strict).
    pub(crate) fn is_range(self) -> bool {
        matches!(self, Self::Int32 | Self::Int64)
    }

    /// Whether `""` passes on a schema of several types (nullable).
    pub(crate) fn lenient_when_empty(self) -> bool {
        matches!(self, Self::DateTime | Self::Time)
    }

    /// Whether a value passes (values of other types always do).
    pub(crate) fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (Self::Int32, Value::Number(n)) => in_range(n, 32),
            (Self::Int64, Value::Number(n)) => in_range(n, 64),
            (_, Value::String(text)) => self.accepts_text(text),
            _ => true,
        }
    }

    fn accepts_text(self, text: &str) -> bool {
        match self {
            Self::Int32 | Self::Int64 => true,
            Self::Uri => matches(&URI, text),
            Self::Date => is_date(text),
            Self::DateTime => DATE_TIME
                .as_ref()
                .and_then(|re| re.captures(text))
                .and_then(|caps| caps.get(1))
                .is_some_and(|date| is_date(date.as_str())),
            Self::Email => match text.rsplit_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.is_empty()
                        && !text.chars().any(char::is_whitespace)
                }
                None => false,
            },
            Self::Hostname => (1..=253).contains(&text.chars().count()) && matches(&HOSTNAME, text),
            Self::Time => matches(&TIME, text),
            Self::Uuid => is_uuid(text),
            Self::Ipv4 => text.parse::<Ipv4Addr>().is_ok(),
            Self::Ipv6 => text.parse::<Ipv6Addr>().is_ok(),
            Self::Duration => matches(&DURATION, text),
        }
    }
}

fn matches(regex: &LazyLock<Option<Regex>>, text: &str) -> bool {
    regex.as_ref().is_some_and(|re| re.is_match(text))
}

fn is_date(text: &str) -> bool {
    matches(&DATE, text) && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(index, ch)| match index {
            8 | 13 | 18 | 23 => ch == '-',
            _ => ch.is_ascii_hexdigit(),
        })
}

fn in_range(number: &Number, bits: u32) -> bool {
    let limit = 2f64.powi(bits as i32 - 1);
    if let Some(value) = number.as_i64() {
        let value = value as i128;
        return -(1i128 << (bits - 1)) <= value && value < (1i128 << (bits - 1));
    }
    if number.as_u64().is_some() {
        return bits > 64;
    }
    // A whole number beyond i64 is parsed as the nearest f64, which may
    // round onto -2^63 exactly: such a value is out of the int64 range
    // (one that fits would have been read as an i64).
    number.as_f64().is_some_and(|value| {
        let low_ok = if bits == 64 {
            -limit < value
        } else {
            -limit <= value
        };
        low_ok && value < limit
    })
}

/// Whether `value` is a multiple of `step`, in exact decimal arithmetic on
/// the numbers as written (their shortest decimal forms).
pub(crate) fn is_multiple(value: &Number, step: &Number) -> bool {
    if let (Some(value), Some(step)) = (value.as_i64(), step.as_i64()) {
        return step == 0 || value % step == 0;
    }
    match (decimal(value), decimal(step)) {
        (Some((a, p)), Some((b, q))) if b != 0 => {
            let scale = p.max(q);
            let (Some(a), Some(b)) = (scaled(a, scale - p), scaled(b, scale - q)) else {
                return float_multiple(value, step);
            };
            a % b == 0
        }
        _ => float_multiple(value, step),
    }
}

fn float_multiple(value: &Number, step: &Number) -> bool {
    match (value.as_f64(), step.as_f64()) {
        (Some(value), Some(step)) if step != 0.0 => {
            let quotient = value / step;
            (quotient - quotient.round()).abs() < 1e-9
        }
        _ => true,
    }
}

fn scaled(mantissa: i128, by: u32) -> Option<i128> {
    10i128
        .checked_pow(by)
        .and_then(|factor| mantissa.checked_mul(factor))
}

/// A number as `mantissa × 10^-exponent`.
fn decimal(number: &Number) -> Option<(i128, u32)> {
    let text = match number.as_f64() {
        Some(value) if number.is_f64() => format!("{value:?}"),
        _ => number.to_string(),
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().ok()?),
        None => (text.as_str(), 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
    let places = fraction.len() as i32 - exponent;
    if places >= 0 {
        Some((digits, u32::try_from(places).ok()?))
    } else {
        Some((scaled(digits, places.unsigned_abs())?, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn number(value: Value) -> Number {
        match value {
            Value::Number(n) => n,
            _ => Number::from(0),
        }
    }

    #[test]
    fn decimal_multiples() {
        assert!(is_multiple(&number(json!(9999.98)), &number(json!(0.01))));
        assert!(!is_multiple(&number(json!(0.015)), &number(json!(0.01))));
        assert!(is_multiple(&number(json!(10)), &number(json!(2.5))));
        assert!(!is_multiple(&number(json!(7)), &number(json!(2))));
    }

    #[test]
    fn formats() {
        assert!(Format::DateTime.accepts(&json!("2024-02-29T10:00:00Z")));
        assert!(!Format::DateTime.accepts(&json!("2023-02-29T10:00:00Z")));
        assert!(Format::Uuid.accepts(&json!("123e4567-e89b-12d3-a456-426614174000")));
        assert!(!Format::Int32.accepts(&json!(2_147_483_648_i64)));
        assert!(Format::Int32.accepts(&json!(-2_147_483_648_i64)));
        let beyond: Value = serde_json::from_str("-9223372036854775809").unwrap_or_default();
        assert!(!Format::Int64.accepts(&beyond));
        assert!(Format::Int64.accepts(&json!(i64::MIN)));
        assert!(!Format::Email.accepts(&json!("a b@c")));
        for (text, valid) in [
            ("P1D", true),
            ("PT1H30M", true),
            ("P1Y2M3DT4H5M6S", true),
            ("P1W", true),
            ("P0D", true),
            ("PT0.5S", false),
            ("P1DT", false),
            ("PT", false),
            ("P1Y1D", false),
            ("PT1H1S", false),
            ("p1d", false),
        ] {
            assert_eq!(Format::Duration.accepts(&json!(text)), valid, "{text}");
        }
    }
}
