//! Realistic values chosen from a property name (`hint`), made with `fake`.
use fake::Fake;
use fake::faker::address::en::{
    BuildingNumber, CityName, CountryCode, CountryName, StateName, StreetName, StreetSuffix,
    ZipCode,
};
use fake::faker::company::en::CompanyName;
use fake::faker::currency::en::CurrencyCode;
use fake::faker::filesystem::en::{FileName, MimeType, Semver};
use fake::faker::internet::en::{IPv4, Username};
use fake::faker::lorem::en::{Sentence, Words};
use fake::faker::name::en::{FirstName, LastName, Name};
use fake::faker::phone_number::en::PhoneNumber;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::format::{date, date_time, email, slug, uuid};

/// The words of a property name, lower-cased: `createdAt`, `created_at` and
/// `created-at` all give `["created", "at"]`.
pub(crate) fn words(hint: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in hint.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A realistic string for a property called `hint`, if the name suggests one.
pub(crate) fn string(hint: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let words = words(hint);
    let has = |options: &[&str]| words.iter().any(|word| options.contains(&word.as_str()));
    let last = words.last().map(String::as_str).unwrap_or_default();
    let joined = words.concat();
    let text = if has(&["email", "mail"]) {
        email(rng)
    } else if has(&["url", "uri", "href", "link", "website", "homepage"]) {
        format!("https://example.com/{}", slug(rng))
    } else if joined == "firstname"
        || joined == "givenname"
        || (has(&["first", "given"]) && last == "name")
    {
        FirstName().fake_with_rng(rng)
    } else if joined == "lastname"
        || has(&["surname", "family"])
        || (has(&["last"]) && last == "name")
    {
        LastName().fake_with_rng(rng)
    } else if has(&["username", "login", "handle", "nickname", "user"]) && !has(&["id"]) {
        Username().fake_with_rng(rng)
    } else if has(&["company", "organization", "organisation", "employer"]) && last != "id" {
        CompanyName().fake_with_rng(rng)
    } else if matches!(
        joined.as_str(),
        "name" | "fullname" | "displayname" | "author" | "owner" | "contact"
    ) {
        Name().fake_with_rng(rng)
    } else if has(&["phone", "mobile", "telephone", "tel", "fax"]) {
        PhoneNumber().fake_with_rng(rng)
    } else if has(&["city", "town"]) {
        CityName().fake_with_rng(rng)
    } else if has(&["country"]) {
        if has(&["code", "iso"]) {
            CountryCode().fake_with_rng(rng)
        } else {
            CountryName().fake_with_rng(rng)
        }
    } else if has(&["state", "province", "region"]) && !has(&["status"]) {
        StateName().fake_with_rng(rng)
    } else if has(&["street", "address", "line1"]) {
        let number: String = BuildingNumber().fake_with_rng(rng);
        let street: String = StreetName().fake_with_rng(rng);
        let suffix: String = StreetSuffix().fake_with_rng(rng);
        format!("{number} {street} {suffix}")
    } else if has(&["zip", "zipcode", "postal", "postcode"]) {
        ZipCode().fake_with_rng(rng)
    } else if has(&["currency"]) {
        CurrencyCode().fake_with_rng(rng)
    } else if has(&["ip"]) {
        IPv4().fake_with_rng(rng)
    } else if has(&["uuid", "guid"]) || joined == "id" {
        uuid(rng)
    } else if has(&["color", "colour"]) {
        format!("#{:06x}", rng.random_range(0..0x0100_0000_u32))
    } else if has(&["version"]) {
        Semver().fake_with_rng(rng)
    } else if has(&["filename", "file"]) {
        FileName().fake_with_rng(rng)
    } else if has(&["mime", "mimetype"]) || joined == "contenttype" {
        MimeType().fake_with_rng(rng)
    } else if last == "at" || has(&["timestamp", "datetime"]) {
        date_time(rng)
    } else if has(&["date", "birthday", "dob"]) {
        date(rng)
    } else if has(&[
        "description",
        "summary",
        "bio",
        "body",
        "message",
        "comment",
        "text",
        "note",
        "notes",
        "content",
    ]) {
        Sentence(4..10).fake_with_rng(rng)
    } else if has(&["title", "subject", "headline", "label"]) {
        let words: Vec<String> = Words(2..4).fake_with_rng(rng);
        capitalize(&words.join(" "))
    } else {
        return None;
    };
    Some(text)
}

/// A preferred integer range for a property called `hint`.
pub(crate) fn integer_range(hint: &str) -> Option<(i64, i64)> {
    let words = words(hint);
    let has = |options: &[&str]| words.iter().any(|word| options.contains(&word.as_str()));
    let range = if has(&["id", "number", "num"]) {
        (1, 100_000)
    } else if has(&["age"]) {
        (18, 90)
    } else if has(&["year"]) {
        (1990, 2030)
    } else if has(&["month"]) {
        (1, 12)
    } else if has(&["day"]) {
        (1, 28)
    } else if has(&["port"]) {
        (1024, 65_535)
    } else if has(&[
        "percent",
        "percentage",
        "count",
        "total",
        "size",
        "quantity",
        "qty",
        "length",
        "limit",
        "page",
        "per",
    ]) {
        (0, 100)
    } else if has(&["price", "amount", "cost"]) {
        (1, 1000)
    } else {
        return None;
    };
    Some(range)
}

/// A preferred number range and decimals for a property called `hint`.
pub(crate) fn number_range(hint: &str) -> Option<(f64, f64, i32)> {
    let words = words(hint);
    let has = |options: &[&str]| words.iter().any(|word| options.contains(&word.as_str()));
    let range = if has(&["latitude", "lat"]) {
        (-90.0, 90.0, 6)
    } else if has(&["longitude", "lng", "lon", "long"]) {
        (-180.0, 180.0, 6)
    } else if has(&[
        "price", "amount", "cost", "total", "balance", "fee", "salary",
    ]) {
        (1.0, 1000.0, 2)
    } else if has(&["percent", "percentage", "rate", "ratio", "score"]) {
        (0.0, 100.0, 2)
    } else {
        return None;
    };
    Some(range)
}

/// `text` with its first letter in upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
