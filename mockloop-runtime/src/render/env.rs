//! The one template environment, fed from the templates embedded at build time.
//!
//! In Python templates (`*.py.j2`) the formatter refuses to print any string
//! that did not come out of the `py`, `ident` or `pytype` filter, so spec
//! text can only ever appear as an escaped literal or a checked identifier.
//! Values are never parsed as templates, so Jinja syntax in spec text comes
//! out literally.
use include_dir::{Dir, include_dir};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior};

use super::python::{is_identifier, is_param_type, string_literal};

/// Every template, compiled into the binary.
static TEMPLATES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../templates");

/// Builds the template environment.
pub(super) fn environment() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.set_loader(|name| {
        Ok(TEMPLATES
            .get_file(name)
            .and_then(|file| file.contents_utf8())
            .map(str::to_owned))
    });
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(format_value);
    env.add_filter("py", |text: &str| {
        Value::from_safe_string(string_literal(text))
    });
    env.add_filter("ident", |text: &str| {
        checked(text, is_identifier(text), "identifier")
    });
    env.add_filter("md", markdown_text);
    env.add_filter("pytype", |text: &str| {
        checked(text, is_param_type(text), "parameter type")
    });
    Ok(env)
}

/// One embedded file's text, e.g. `fastapi/mockloop_mock/static/admin.html`.
pub(crate) fn embedded_file(path: &str) -> Option<&'static str> {
    TEMPLATES
        .get_file(path)
        .and_then(|file| file.contents_utf8())
}

/// The embedded files below `folder` that are copied verbatim (not `.j2`).
pub(super) fn static_files(folder: &str) -> Vec<(String, &'static str)> {
    let mut files = Vec::new();
    collect_static(&TEMPLATES, folder, &mut files);
    files.sort();
    files
}

fn collect_static(dir: &'static Dir<'static>, folder: &str, out: &mut Vec<(String, &'static str)>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if path.starts_with(folder)
            && !path.ends_with(".j2")
            && !is_tool_artifact(&path)
            && let Some(text) = file.contents_utf8()
        {
            out.push((path, text));
        }
    }
    for sub in dir.dirs() {
        collect_static(sub, folder, out);
    }
}

/// Caches that tools leave in a checkout (`.ruff_cache/`, `__pycache__/`):
/// never part of a generated project, even if they were embedded.
fn is_tool_artifact(path: &str) -> bool {
    path.split('/')
        .any(|part| part == "__pycache__" || part == ".ruff_cache" || part.ends_with(".pyc"))
}

/// The names of every `.j2` template, for tests.
#[cfg(test)]
pub(super) fn template_names() -> Vec<String> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<String>) {
        for file in dir.files() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            if path.ends_with(".j2") {
                out.push(path);
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut names = Vec::new();
    walk(&TEMPLATES, &mut names);
    names
}

/// Spec text as inert Markdown: one line, HTML and Markdown syntax escaped.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn checked(text: &str, ok: bool, what: &str) -> Result<Value, Error> {
    if ok {
        Ok(Value::from_safe_string(text.to_owned()))
    } else {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{text:?} is not a valid {what}"),
        ))
    }
}

fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    let python = state.name().ends_with(".py.j2");
    if python && value.as_str().is_some() && !value.is_safe() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "a plain string reached Python source; pass it through |py, |ident or |pytype",
        ));
    }
    minijinja::escape_formatter(out, state, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let env = environment().unwrap();
        let names = template_names();
        assert!(!names.is_empty());
        for name in names {
            env.get_template(&name)
                .unwrap_or_else(|err| panic!("{name}: {err:#}"));
        }
    }

    #[test]
    fn python_templates_refuse_raw_strings() {
        let mut env = environment().unwrap();
        env.add_template_owned("t.py.j2", "x = {{ value }}\n".to_owned())
            .unwrap();
        let template = env.get_template("t.py.j2").unwrap();
        assert!(
            template
                .render(minijinja::context! { value => "os.system('id')" })
                .is_err()
        );
        assert_eq!(
            template.render(minijinja::context! { value => 3 }).unwrap(),
            "x = 3\n"
        );
        env.add_template_owned("u.py.j2", "x = {{ value|py }}\n".to_owned())
            .unwrap();
        let template = env.get_template("u.py.j2").unwrap();
        assert_eq!(
            template
                .render(minijinja::context! { value => "{{ 7*7 }}\"" })
                .unwrap(),
            "x = \"{{ 7*7 }}\\\"\"\n"
        );
    }
}
