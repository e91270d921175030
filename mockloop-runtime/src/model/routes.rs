//! Base paths, FastAPI routes and their registration order.
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use super::Operation;

/// The HTTP methods a path item can hold, in the order handlers are emitted.
pub(super) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The path prefix the API is served under, from `servers[0].url`.
///
/// Server variables take their defaults; an absolute URL contributes its
/// path; `/` and an absent server give `""`.
pub(super) fn base_path(servers: &[openapiv3::Server]) -> String {
    let Some(server) = servers.first() else {
        return String::new();
    };
    let mut url = server.url.clone();
    if let Some(variables) = &server.variables {
        for (name, variable) in variables {
            url = url.replace(&format!("{{{name}}}"), &variable.default);
        }
    }
    // After the authority: `scheme://host/...`, or `//host/...` (a
    // network-path reference: GoDaddy's `//api.ote-godaddy.com`).
    let authority = url
        .find("://")
        .map(|scheme_end| scheme_end + 3)
        .or_else(|| url.starts_with("//").then_some(2));
    let path = match authority {
        Some(start) => {
            let rest = &url[start..];
            rest.find('/').map_or("", |slash| &rest[slash..])
        }
        None if url.starts_with('/') => url.as_str(),
        None => "",
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let cleaned: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty() && !segment.contains(['{', '}']))
        .collect();
    if cleaned.is_empty() {
        String::new()
    } else {
        format!("/{}", cleaned.join("/"))
    }
}

/// The names of the `{parameters}` in a path template, in order.
pub(super) fn template_params(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(after[..close].to_owned());
        rest = &after[close + 1..];
    }
    names
}

/// The FastAPI route for a template: base path plus the template with each
/// parameter name replaced by its Python identifier.
pub(super) fn fastapi_route(
    base_path: &str,
    template: &str,
    idents: &IndexMap<String, String>,
) -> String {
    let mut route = String::from(base_path);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        route.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            rest = after;
            continue;
        };
        let name = &after[..close];
        route.push('{');
        route.push_str(idents.get(name).map_or(name, String::as_str));
        route.push('}');
        rest = &after[close + 1..];
    }
    route.push_str(rest);
    if !route.starts_with('/') {
        route.insert(0, '/');
    }
    route
}

/// Gives each operation whose route has empty segments (`/a//b/{id}`, or
/// `//x` under a base path) its collapsed route as an alias, unless an
/// operation of the same method already answers there.
pub(super) fn collapsed_aliases(operations: &mut [Operation]) {
    let mut taken: HashSet<(String, String)> = operations
        .iter()
        .map(|op| (op.method.clone(), shape(&op.route)))
        .collect();
    for op in operations.iter_mut() {
        let collapsed = collapse(&op.route);
        if collapsed != op.route && taken.insert((op.method.clone(), shape(&collapsed))) {
            op.route_aliases.push(collapsed);
        }
    }
}

/// Fills in each operation's `route_group`: the operations of its method
/// whose routes have its shape, when there are several or it has
/// conditions.
pub(super) fn route_groups(operations: &mut [Operation]) {
    let mut groups: HashMap<(String, String), Vec<String>> = HashMap::new();
    for op in operations.iter() {
        groups
            .entry((op.method.clone(), shape(&op.route)))
            .or_default()
            .push(op.key.clone());
    }
    for op in operations.iter_mut() {
        if let Some(keys) = groups.get(&(op.method.clone(), shape(&op.route)))
            && (keys.len() > 1 || !op.conditions.is_empty())
        {
            op.route_group.clone_from(keys);
        }
    }
}

/// A route with runs of `/` collapsed to one (a trailing one kept as is).
fn collapse(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    for ch in route.chars() {
        if ch == '/' && out.ends_with('/') {
            continue;
        }
        out.push(ch);
    }
    out
}

/// A route with every parameter name blanked: two routes of one shape
/// match the same requests.
fn shape(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    let mut in_param = false;
    for ch in route.chars() {
        match ch {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(ch),
        }
    }
    out
}

/// Orders routes so that Starlette, which takes the first match, prefers
/// literal segments over parameters: `/pets/mine` before `/pets/{id}`.
pub(super) fn route_order(a: (&str, &str), b: (&str, &str)) -> Ordering {
    let rank = |segment: &str| match (
        segment.starts_with('{') && segment.ends_with('}'),
        segment.contains('{'),
    ) {
        (true, _) => 2,
        (false, true) => 1,
        (false, false) => 0,
    };
    let a_segments = a.0.split('/');
    let b_segments = b.0.split('/');
    for pair in a_segments.zip(b_segments) {
        let ordering = rank(pair.0)
            .cmp(&rank(pair.1))
            .then_with(|| pair.0.cmp(pair.1));
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    a.0.split('/')
        .count()
        .cmp(&b.0.split('/').count())
        .then_with(|| method_rank(a.1).cmp(&method_rank(b.1)))
}

fn method_rank(method: &str) -> usize {
    METHODS
        .iter()
        .position(|known| known.eq_ignore_ascii_case(method))
        .unwrap_or(METHODS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str) -> Vec<openapiv3::Server> {
        vec![openapiv3::Server {
            url: url.to_owned(),
            ..Default::default()
        }]
    }

    #[test]
    fn base_paths() {
        assert_eq!(base_path(&[]), "");
        assert_eq!(base_path(&server("http://petstore.swagger.io/v1")), "/v1");
        assert_eq!(base_path(&server("/api/v3/")), "/api/v3");
        assert_eq!(base_path(&server("https://example.com")), "");
        assert_eq!(base_path(&server("/")), "");
        assert_eq!(base_path(&server("{scheme}://host/{unknown}/x")), "/x");
        assert_eq!(base_path(&server("//api.example.com")), "");
        assert_eq!(base_path(&server("//api.example.com/v2")), "/v2");
    }

    #[test]
    fn routes_rename_params() {
        let idents = IndexMap::from([("pet-id".to_owned(), "pet_id".to_owned())]);
        assert_eq!(
            fastapi_route("/v1", "/pets/{pet-id}/x", &idents),
            "/v1/pets/{pet_id}/x"
        );
        assert_eq!(template_params("/a/{b}/{c}.json"), vec!["b", "c"]);
    }

    #[test]
    fn collapsing() {
        assert_eq!(collapse("/v1//a///b/{id}"), "/v1/a/b/{id}");
        assert_eq!(collapse("//ping"), "/ping");
        assert_eq!(shape("/a/{x}/b/{y_z}"), "/a/{}/b/{}");
    }

    #[test]
    fn literal_segments_first() {
        assert_eq!(
            route_order(("/pets/mine", "get"), ("/pets/{id}", "get")),
            Ordering::Less
        );
        assert_eq!(
            route_order(("/pets/{id}", "get"), ("/pets/{id}.json", "get")),
            Ordering::Greater
        );
        assert_eq!(
            route_order(("/pets", "get"), ("/pets", "post")),
            Ordering::Less
        );
    }
}
