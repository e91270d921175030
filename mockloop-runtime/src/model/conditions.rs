//! Path keys that carry a fragment or a query (`/#X-Amz-Target=Svc.Op`,
//! `/#Action=SendMessage`, `/current?city={city}`): several operations on
//! one path, told apart by a header or query parameter. APIs.guru's AWS
//! descriptions (thousands of operations) and others are written this way;
//! clients send the path alone, so routing checks the rest.
use serde::Serialize;

use super::{Param, ParamLocation};

/// What a request must carry, beyond its path, to reach an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteCondition {
    /// Where it is read: `header`, `query`, or `any` (a header, else a
    /// query parameter) when the operation declares no parameter of that name.
    #[serde(rename = "in")]
    pub location: &'static str,
    /// The header or query parameter name.
    pub name: String,
    /// The value it must have; `None`: any value, as long as it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The path parameter (by its Python identifier) that receives the value,
    /// for a query written as a template (`?city={city}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

/// The path part of a path key: what comes before its `?` or `#`.
pub(super) fn path_part(path: &str) -> &str {
    path.find(['?', '#']).map_or(path, |at| &path[..at])
}

/// The conditions a path key's query and fragment set; `params` are the
/// operation's parameters (their declared locations and identifiers).
pub(super) fn conditions(path: &str, params: &[Param]) -> Vec<RouteCondition> {
    let Some(at) = path.find(['?', '#']) else {
        return Vec::new();
    };
    let rest = &path[at..];
    let (query, fragment) = match rest.strip_prefix('?') {
        Some(after) => after.split_once('#').unwrap_or((after, "")),
        None => ("", &rest[1..]),
    };
    let mut found = Vec::new();
    for (pairs, from_query) in [(query, true), (fragment, false)] {
        for pair in pairs.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = match pair.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (pair, None),
            };
            if name.is_empty() {
                continue;
            }
            let location = if from_query {
                "query"
            } else {
                declared_location(name, params)
            };
            let template = value
                .and_then(|value| value.strip_prefix('{'))
                .and_then(|value| value.strip_suffix('}'));
            let param = template.map(|name| {
                params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == name)
                    .map_or_else(|| name.to_owned(), |p| p.ident.clone())
            });
            found.push(RouteCondition {
                location,
                name: name.to_owned(),
                value: if template.is_some() {
                    None
                } else {
                    value.map(str::to_owned)
                },
                param,
            });
        }
    }
    found
}

/// Where the operation declares parameter `name`: its header or query
/// parameter, else either.
fn declared_location(name: &str, params: &[Param]) -> &'static str {
    if params
        .iter()
        .any(|p| p.location == ParamLocation::Header && p.name.eq_ignore_ascii_case(name))
    {
        "header"
    } else if params
        .iter()
        .any(|p| p.location == ParamLocation::Query && p.name == name)
    {
        "query"
    } else {
        "any"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_and_queries() {
        assert_eq!(path_part("/#X-Amz-Target=Svc.Op"), "/");
        assert_eq!(
            path_part("/current?city={city}&country={country}"),
            "/current"
        );
        assert_eq!(path_part("/pets/{id}"), "/pets/{id}");
        let found = conditions("/#X-Amz-Target=Svc.Op", &[]);
        assert_eq!(
            found,
            vec![RouteCondition {
                location: "any",
                name: "X-Amz-Target".to_owned(),
                value: Some("Svc.Op".to_owned()),
                param: None,
            }]
        );
        let found = conditions("/current?city={city}&units=m#tagKeys", &[]);
        let names: Vec<(&str, &str, Option<&str>, Option<&str>)> = found
            .iter()
            .map(|c| {
                (
                    c.location,
                    c.name.as_str(),
                    c.value.as_deref(),
                    c.param.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("query", "city", None, Some("city")),
                ("query", "units", Some("m"), None),
                ("any", "tagKeys", None, None),
            ]
        );
        assert!(conditions("/plain/{id}", &[]).is_empty());
    }
}
