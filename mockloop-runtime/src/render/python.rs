//! Python source fragments made from untrusted text.
//!
//! Spec text only ever reaches generated Python through [`string_literal`],
//! which yields a double-quoted literal with every character outside
//! printable ASCII escaped (so neither quotes, newlines nor bidirectional
//! control characters can change how the code reads or runs).
use std::fmt::Write as _;

/// A Python string literal that evaluates to exactly `text`.
pub(crate) fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if u32::from(c) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Whether `text` is a plain ASCII Python identifier.
pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `text` is one of the parameter types the model declares.
pub(crate) fn is_param_type(text: &str) -> bool {
    const SCALARS: &[&str] = &["int", "float", "bool", "str"];
    SCALARS.contains(&text)
        || text
            .strip_prefix("list[")
            .and_then(|rest| rest.strip_suffix(']'))
            .is_some_and(|inner| SCALARS.contains(&inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_everything_dangerous() {
        assert_eq!(string_literal("plain"), "\"plain\"");
        assert_eq!(string_literal("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(
            string_literal("x\n\"\"\"; import os"),
            "\"x\\n\\\"\\\"\\\"; import os\""
        );
        assert_eq!(string_literal("é\u{202e}😀"), "\"\\xe9\\u202e\\U0001f600\"");
        assert_eq!(string_literal("{{ 7*7 }}"), "\"{{ 7*7 }}\"");
    }

    #[test]
    fn identifiers_and_types() {
        assert!(is_identifier("show_pet_by_id"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier("1a"));
        assert!(is_param_type("list[int]"));
        assert!(!is_param_type("list[os.system('x')]"));
    }
}
