//! Unique, valid component names for bundled and hoisted schemas.
use std::collections::HashSet;

/// The names in use in the schema container.
pub(crate) struct Names {
    used: HashSet<String>,
}

impl Names {
    /// Starts from the names already in the container.
    pub(crate) fn new(existing: impl IntoIterator<Item = String>) -> Names {
        Names {
            used: existing.into_iter().collect(),
        }
    }

    /// A fresh name based on `base`: characters outside `[A-Za-z0-9._-]`
    /// become `_`, and `_2`, `_3`, … is appended on a clash.
    pub(crate) fn claim(&mut self, base: &str) -> String {
        let mut clean: String = base
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if clean.trim_matches('_').is_empty() {
            clean = "Schema".to_owned();
        }
        let mut name = clean.clone();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{clean}_{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_and_clean() {
        let mut names = Names::new(["Pet".to_owned()]);
        assert_eq!(names.claim("Pet"), "Pet_2");
        assert_eq!(names.claim("Pet"), "Pet_3");
        assert_eq!(names.claim("a b/c"), "a_b_c");
        assert_eq!(names.claim(""), "Schema");
    }
}
