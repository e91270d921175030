//! Python identifiers made from attacker-controlled spec text.
//!
//! Every name that reaches generated Python as an identifier goes through
//! [`python_ident`]: the result is always ASCII `[a-z_][a-z0-9_]*`, never a
//! keyword, a builtin or a name `main.py` itself uses, and [`Namespace`]
//! makes it unique within its scope.
use std::collections::BTreeSet;

use heck::ToSnakeCase;

/// Python keywords and soft keywords.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "case", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "match", "nonlocal", "not", "or", "pass", "raise", "return",
    "try", "type", "while", "with", "yield", "_",
];

/// Builtins a handler might use, and names `main.py` defines or imports.
const RESERVED: &[&str] = &[
    "annotated",
    "app",
    "l",
    "bool",
    "bytes",
    "cookie",
    "dict",
    "fastapi",
    "float",
    "header",
    "id",
    "input",
    "int",
    "len",
    "list",
    "main",
    "mock_response",
    "object",
    "path",
    "print",
    "query",
    "request",
    "response",
    "set",
    "str",
    "support",
    "tuple",
    "uvicorn",
];

/// Turns arbitrary text into a snake_case Python identifier.
pub(crate) fn python_ident(text: &str, fallback: &str) -> String {
    let ascii: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut ident = ascii.to_snake_case();
    if ident.is_empty() {
        ident = fallback.to_owned();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert_str(0, &format!("{fallback}_"));
    }
    if KEYWORDS.contains(&ident.as_str()) || RESERVED.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// A scope in which identifiers must be unique.
#[derive(Debug, Default)]
pub(crate) struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A namespace where `reserved` names are already taken.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    /// A unique identifier for `text`: `name`, `name_2`, `name_3`, ...
    pub(crate) fn claim(&mut self, text: &str, fallback: &str) -> String {
        let base = python_ident(text, fallback);
        let mut candidate = base.clone();
        let mut counter = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}_{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitises_hostile_and_awkward_names() {
        assert_eq!(python_ident("showPetById", "op"), "show_pet_by_id");
        assert_eq!(python_ident("pet-id", "p"), "pet_id");
        assert_eq!(python_ident("pet.id", "p"), "pet_id");
        assert_eq!(python_ident("2fa", "p"), "p_2fa");
        assert_eq!(python_ident("class", "p"), "class_");
        assert_eq!(python_ident("id", "p"), "id_");
        assert_eq!(python_ident("", "p"), "p");
        assert_eq!(python_ident("\"); import os; (\"", "p"), "import_os");
        assert_eq!(python_ident("ünïcödé", "p"), "n_c_d");
    }

    #[test]
    fn collisions_get_suffixes() {
        let mut names = Namespace::with_reserved(&["request"]);
        assert_eq!(names.claim("request", "p"), "request_");
        assert_eq!(names.claim("petId", "p"), "pet_id");
        assert_eq!(names.claim("pet_id", "p"), "pet_id_2");
        assert_eq!(names.claim("pet-id", "p"), "pet_id_3");
    }
}
