//! Strings for JSON Schema / OpenAPI `format`s. Dates come from a fixed base
//! date plus a seeded offset (no clock).
use fake::Fake;
use fake::faker::internet::en::{IPv4, IPv6, SafeEmail};
use fake::faker::lorem::en::Word;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Days from 1970-01-01 to the base date 2024-01-01.
const BASE_DAY: i64 = 19_723;
/// Dates are spread over this many days after the base date.
const DAY_SPREAD: i64 = 730;

/// A string in `format`, or `None` for formats without a special shape.
pub(crate) fn format_string(format: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let text = match format {
        "date-time" => date_time(rng),
        "date" => date(rng),
        "time" => {
            let seconds = rng.random_range(0..86_400);
            format!("{}Z", clock(seconds))
        }
        "duration" => format!("PT{}H{}M", rng.random_range(1..24), rng.random_range(1..60)),
        "uuid" => uuid(rng),
        "email" | "idn-email" => email(rng),
        "uri" | "url" | "iri" => format!("https://example.com/{}", slug(rng)),
        "uri-reference" | "iri-reference" => {
            format!("/{}/{}", slug(rng), rng.random_range(1..1000))
        }
        "uri-template" => format!("https://example.com/{}/{{id}}", slug(rng)),
        "hostname" | "idn-hostname" => format!("{}.example.com", slug(rng)),
        "ipv4" => IPv4().fake_with_rng(rng),
        "ipv6" => IPv6().fake_with_rng(rng),
        "byte" => base64(&random_bytes(rng, 12)),
        "binary" => alphanumeric(rng, 16),
        "password" => alphanumeric(rng, 12),
        "regex" => "^[a-z]+$".to_owned(),
        "json-pointer" => format!("/{}/{}", slug(rng), rng.random_range(0..10)),
        "relative-json-pointer" => format!("{}/{}", rng.random_range(0..3), slug(rng)),
        _ => return None,
    };
    Some(text)
}

/// An RFC 3339 date-time (UTC).
pub(crate) fn date_time(rng: &mut ChaCha8Rng) -> String {
    let seconds = rng.random_range(0..86_400);
    format!("{}T{}Z", date(rng), clock(seconds))
}

/// An RFC 3339 full-date.
pub(crate) fn date(rng: &mut ChaCha8Rng) -> String {
    let (year, month, day) = civil_from_days(BASE_DAY + rng.random_range(0..DAY_SPREAD));
    format!("{year:04}-{month:02}-{day:02}")
}

/// `hh:mm:ss` for a number of seconds into the day.
fn clock(seconds: i64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A version-4 UUID from seeded bytes.
pub(crate) fn uuid(rng: &mut ChaCha8Rng) -> String {
    let mut bytes = random_bytes(rng, 16);
    if let Some(byte) = bytes.get_mut(6) {
        *byte = (*byte & 0x0f) | 0x40;
    }
    if let Some(byte) = bytes.get_mut(8) {
        *byte = (*byte & 0x3f) | 0x80;
    }
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A safe (example-domain) email address.
pub(crate) fn email(rng: &mut ChaCha8Rng) -> String {
    SafeEmail().fake_with_rng(rng)
}

/// A lower-case word usable in URLs and host names.
pub(crate) fn slug(rng: &mut ChaCha8Rng) -> String {
    let word: String = Word().fake_with_rng(rng);
    let cleaned: String = word
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if cleaned.is_empty() {
        "item".to_owned()
    } else {
        cleaned
    }
}

/// `count` seeded bytes.
fn random_bytes(rng: &mut ChaCha8Rng, count: usize) -> Vec<u8> {
    (0..count).map(|_| rng.random::<u8>()).collect()
}

/// `length` random ASCII letters and digits.
pub(crate) fn alphanumeric(rng: &mut ChaCha8Rng, length: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..length)
        .map(|_| {
            let index = rng.random_range(0..ALPHABET.len());
            char::from(ALPHABET.get(index).copied().unwrap_or(b'a'))
        })
        .collect()
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |index: u32| char::from(ALPHABET[(index & 63) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let first = u32::from(chunk.first().copied().unwrap_or(0));
        let second = u32::from(chunk.get(1).copied().unwrap_or(0));
        let third = u32::from(chunk.get(2).copied().unwrap_or(0));
        let group = (first << 16) | (second << 8) | third;
        out.push(symbol(group >> 18));
        out.push(symbol(group >> 12));
        out.push(if chunk.len() > 1 {
            symbol(group >> 6)
        } else {
            '='
        });
        out.push(if chunk.len() > 2 { symbol(group) } else { '=' });
    }
    out
}
