//! YAML as found in the wild, turned into JSON values.
//!
//! Non-string mapping keys (`200:` response codes, `true:`, `1.5:`) become
//! strings, `<<` merge keys are applied, tags are dropped, anchors and aliases
//! are expanded by the parser, and non-finite floats become strings.
use serde_json::{Map, Value};
use yaml_serde::Value as Yaml;

/// Parses YAML text into a JSON value.
pub(crate) fn parse(text: &str) -> Result<Value, yaml_serde::Error> {
    let mut yaml: Yaml = yaml_serde::from_str(text)?;
    yaml.apply_merge()?;
    Ok(to_json(yaml))
}

fn to_json(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(mapping) => {
            let mut map = Map::with_capacity(mapping.len());
            for (key, value) in mapping {
                map.insert(key_string(key), to_json(value));
            }
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => to_json(tagged.value),
    }
}

fn number(n: &yaml_serde::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

fn key_string(key: Yaml) -> String {
    match key {
        Yaml::String(s) => s,
        Yaml::Null => "null".to_owned(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Tagged(tagged) => key_string(tagged.value),
        other => to_json(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_keys_become_strings() {
        let value = parse("responses:\n  200:\n    description: ok\n  default: {}\n").unwrap();
        assert_eq!(value["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn anchors_and_merge_keys() {
        let text = "a: &x {k: 1}\nb: *x\nc:\n  <<: *x\n  j: 2\n";
        let value = parse(text).unwrap();
        assert_eq!(value["b"]["k"], 1);
        assert_eq!(value["c"]["k"], 1);
        assert_eq!(value["c"]["j"], 2);
    }
}
