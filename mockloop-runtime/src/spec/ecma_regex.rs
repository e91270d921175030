//! ECMA-262 patterns (what OpenAPI's `pattern` and `patternProperties` are
//! written in) rewritten for the regex engines that check them: the
//! `jsonschema` crate's here, Python's `re` in the generated mock.
//!
//! Real-world specs lean on what ECMA-262 (Annex B) accepts and the others
//! refuse or read differently: a `-` beside a class escape (`[\w-.]`), an
//! unescaped `[` or a set operator (`&&`, `--`, `~~`) inside a class, a `{`
//! that starts no quantifier (`a{,3}`, `{id}`), an identity escape of a
//! letter (`\e`), and named groups written `(?<name>...)`. Each is
//! rewritten to what both engines read as ECMA-262 does; every other
//! character is kept as is. Three readings follow the other engines instead:
//! `\A`, `\z` and `\Z` are anchors (ECMA-262 alone reads them as letters),
//! and `\p{Z}` also takes ASCII whitespace. And `.` is any character but
//! `\n` (ECMA-262 also leaves out `\r`, U+2028 and U+2029), so both
//! engines read it alike.

/// Escaped letters with a meaning of their own (ECMA-262, plus `\p{...}`
/// Unicode properties that authors mean even without the `u` flag).
const MEANINGFUL_ESCAPES: &str = "bBdDsSwWnrtfv0cxukpP";

/// The Unicode separator properties, read with ASCII whitespace too.
const SEPARATORS: [&str; 4] = [r"\p{Z}", r"\pZ", r"\p{Zs}", r"\p{Separator}"];

/// What the previous item inside a character class was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ClassItem {
    /// Nothing yet (just after `[` or `[^`).
    Start,
    /// One literal character, which a `-` may turn into a range start.
    Literal,
    /// A class escape (`\w`) or a completed range (`a-z`).
    Other,
}

/// The pattern rewritten so that `jsonschema` and Python's `re` read it as
/// ECMA-262 does; identical for patterns they already agree on.
pub(crate) fn translate(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut class: Option<ClassItem> = None;
    // Whether the last item outside a class can take a quantifier.
    let mut quantifiable = false;
    let mut i = 0;
    while let Some(&ch) = chars.get(i) {
        if let Some(item) = class {
            i = class_char(&chars, i, item, &mut out, &mut class);
            continue;
        }
        match ch {
            '\\' => {
                i = escape(&chars, i, &mut out, false).1;
                quantifiable = true;
            }
            '[' => {
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class = Some(ClassItem::Start);
                quantifiable = true;
            }
            '{' => {
                match quantifier_end(&chars, i).filter(|_| quantifiable) {
                    Some(end) => {
                        out.extend(&chars[i..end]);
                        i = end;
                    }
                    None => {
                        out.push_str("\\{");
                        i += 1;
                    }
                }
                quantifiable = false;
            }
            '}' => {
                out.push_str("\\}");
                i += 1;
                quantifiable = true;
            }
            '(' => {
                let named = chars.get(i + 1) == Some(&'?')
                    && chars.get(i + 2) == Some(&'<')
                    && !matches!(chars.get(i + 3), Some('=' | '!'));
                if named {
                    out.push_str("(?P<");
                    i += 3;
                } else {
                    out.push('(');
                    i += 1;
                }
                quantifiable = false;
            }
            '|' | '^' => {
                out.push(ch);
                i += 1;
                quantifiable = false;
            }
            '.' => {
                // Any character but a newline, as Python (and so the test
                // tools that generate values for patterns) and the regex
                // crate read it; the jsonschema crate would also refuse
                // `\r`, U+2028 and U+2029, as ECMA-262 does.
                out.push_str("[^\\n]");
                i += 1;
                quantifiable = true;
            }
            _ => {
                out.push(ch);
                i += 1;
                quantifiable = !matches!(ch, '*' | '+' | '?');
            }
        }
    }
    out
}

/// Copies one character (or escape) inside a class; returns the next index.
fn class_char(
    chars: &[char],
    i: usize,
    item: ClassItem,
    out: &mut String,
    class: &mut Option<ClassItem>,
) -> usize {
    let Some(&ch) = chars.get(i) else {
        return i;
    };
    match ch {
        ']' if item != ClassItem::Start || !out.ends_with('[') => {
            out.push(']');
            *class = None;
            i + 1
        }
        '\\' => {
            let (class_escape, next) = escape(chars, i, out, true);
            *class = Some(if class_escape {
                ClassItem::Other
            } else {
                ClassItem::Literal
            });
            next
        }
        '-' => {
            let next = chars.get(i + 1);
            let next_is_atom = match next {
                None | Some(']') => false,
                Some('\\') => !chars.get(i + 2).is_some_and(|c| "dDsSwWpP".contains(*c)),
                Some(_) => true,
            };
            if item == ClassItem::Literal && next_is_atom {
                out.push('-');
                // The range's end is copied next; what follows is no literal.
                let after = class_char(chars, i + 1, ClassItem::Start, out, class);
                if class.is_some() {
                    *class = Some(ClassItem::Other);
                }
                after
            } else {
                // First or last in the class, every engine reads it as is.
                let plain = item == ClassItem::Start || matches!(next, None | Some(']'));
                out.push_str(if plain { "-" } else { "\\-" });
                *class = Some(ClassItem::Literal);
                i + 1
            }
        }
        '[' | '&' | '~' => {
            out.push('\\');
            out.push(ch);
            *class = Some(ClassItem::Literal);
            i + 1
        }
        ']' => {
            // `[]` at the very start of a class: ECMA's empty class.
            out.push_str("\\]");
            *class = Some(ClassItem::Literal);
            i + 1
        }
        _ => {
            out.push(ch);
            *class = Some(ClassItem::Literal);
            i + 1
        }
    }
}

/// Copies the escape at `chars[i]` (a `\`), inside a class or not;
/// returns whether it is a class escape (`\d`, `\w`, `\p{..}`, ...) and
/// the index after it.
fn escape(chars: &[char], i: usize, out: &mut String, in_class: bool) -> (bool, usize) {
    let Some(&next) = chars.get(i + 1) else {
        out.push_str("\\\\");
        return (false, i + 1);
    };
    if matches!(next, 'A' | 'z' | 'Z') && !in_class {
        // Anchors everywhere but in a strict ECMA-262 engine, and what
        // their authors mean (AWS's `\A(25[0-5]|...)\z`); both engines read
        // `\A` and `\z` (Python's `regex` included).
        out.push_str(if next == 'A' { "\\A" } else { "\\z" });
        return (false, i + 2);
    }
    if next.is_ascii_alphabetic() && !MEANINGFUL_ESCAPES.contains(next) {
        // ECMA-262 Annex B: an identity escape, the letter itself.
        out.push(next);
        return (false, i + 2);
    }
    let mut end = i + 2;
    let mut written = format!("\\{next}");
    if matches!(next, 'p' | 'P') && chars.get(end) == Some(&'{') {
        while let Some(&c) = chars.get(end) {
            written.push(c);
            end += 1;
            if c == '}' {
                break;
            }
        }
    }
    if SEPARATORS.contains(&written.as_str()) {
        // ASCII whitespace too: test tools generate it for these as valid
        // (schemathesis reads `\p{Z}` as `[ \t\n\r\f\v]`), in AWS's tag
        // patterns (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`) above all.
        let wider = format!("{written}\\t\\n\\x0B\\f\\r");
        written = if in_class {
            wider
        } else {
            format!("[{wider}]")
        };
    }
    out.push_str(&written);
    (
        matches!(next, 'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'p' | 'P'),
        end,
    )
}

/// The index after a quantifier `{n}`, `{n,}` or `{n,m}` starting at `i`.
fn quantifier_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let start = *j;
        while chars.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
        *j > start
    };
    if !digits(&mut j) {
        return None;
    }
    if chars.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    (chars.get(j) == Some(&'}')).then_some(j + 1)
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn compatible_patterns_are_unchanged() {
        for pattern in [
            r"^[a-z0-9-]+$",
            r"^\d{4}-\d{2}-\d{2}$",
            r"^(?:[A-Za-z0-9+/]{4})*$",
            r"^[^\s@]+@[^\s@]+\.[^\s@]+$",
            r"^\p{L}+$",
            r"(?<=a)b(?!c)",
            r"^[\w.-]+$",
            r"a{2,}b{1,3}",
            r"^\/repos\/[^/]+$",
            r"[a-zA-Z_][a-zA-Z0-9_]*",
            r"[\s-]",
            r"[-a]",
        ] {
            assert_eq!(translate(pattern), pattern, "{pattern}");
        }
    }

    #[test]
    fn ecma_only_forms_are_rewritten() {
        for (pattern, expected) in [
            (r"^[\w-.]+$", r"^[\w\-.]+$"),
            (r"^[a-z-\d]+$", r"^[a-z\-\d]+$"),
            (r"[\s-a]", r"[\s\-a]"),
            (r"a{,3}", r"a\{,3\}"),
            (r"^{id}$", r"^\{id\}$"),
            (r"[[a]", r"[\[a]"),
            (r"[a&&b]", r"[a\&\&b]"),
            (r"(?<year>\d{4})", r"(?P<year>\d{4})"),
            (r"\e\A\z", r"e\A\z"),
            (r"\Aab\Z", r"\Aab\z"),
            (r"[\A]", r"[A]"),
            (r"[a-z-_]", r"[a-z\-_]"),
            (
                r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$",
                r"^[\p{L}\p{Z}\t\n\x0B\f\r\p{N}_.:/=+\-@]*$",
            ),
            (r"^a\p{Z}+b$", r"^a[\p{Z}\t\n\x0B\f\r]+b$"),
            (r"^.+$", r"^[^\n]+$"),
            (r"^a\.b[.]$", r"^a\.b[.]$"),
        ] {
            assert_eq!(translate(pattern), expected, "{pattern}");
        }
    }
}
