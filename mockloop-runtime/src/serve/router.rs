//! Routing as Starlette routes a FastAPI app: routes are tried in order,
//! `{name}` matches one path segment, a path that matches only with
//! another method is a 405, and one that matches only with (or without)
//! a trailing slash is redirected there.
use std::collections::HashMap;

use regex::Regex;

/// What answers a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    /// The API operation at this index of the catalog.
    Api(usize),
    /// One of the mock's own endpoints.
    Own(Own),
}

/// The mock's own endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Own {
    LogsSearch,
    LogsAnalyze,
    ScenariosList,
    ScenarioCreate,
    ScenarioActive,
    ScenarioDeactivate,
    ScenarioGet,
    ScenarioReplace,
    ScenarioDelete,
    ScenarioActivate,
    OverridesList,
    OverrideSet,
    OverridesClear,
    Info,
    AdminPage,
    Health,
    OpenApi,
    Docs,
    Token,
    WebhooksList,
    WebhookRegister,
    WebhookEvents,
    WebhookFire,
    WebhookDelete,
    WebhookTest,
    WebhookDeliveries,
    StorageShow,
    StorageEnable,
    StorageDisable,
    StorageClear,
}

/// One route.
#[derive(Debug)]
pub(crate) struct Route {
    method: String,
    template: String,
    literal_prefix: String,
    regex: Option<Regex>,
    names: Vec<String>,
    pub(crate) handler: Handler,
    /// The operations (by index) that share this route's paths, when it
    /// is an API route that shares them or has conditions.
    group: Vec<usize>,
}

/// Path parameters, by the route's names.
pub(crate) type Params = Vec<(String, String)>;

/// How a request fits an operation (by index), given the path parameters
/// it would have there.
pub(crate) type FitOf<'f> = dyn Fn(usize, &[(String, String)]) -> Fit + 'f;

/// How a request fits an operation of a group.
pub(crate) struct Fit {
    /// The path parameters its conditions bind; `None` when the request
    /// does not meet them.
    pub(crate) bound: Option<Params>,
    /// Whether its path parameters are valid.
    pub(crate) valid: bool,
}

impl Route {
    /// `METHOD template`: how the log names the route of a request.
    pub(crate) fn key(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// The route's HTTP method.
    pub(crate) fn method(&self) -> &str {
        &self.method
    }

    fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        if !path.starts_with(&self.literal_prefix) {
            return None;
        }
        let Some(regex) = &self.regex else {
            return (path == self.template).then(Vec::new);
        };
        let captures = regex.captures(path)?;
        Some(
            self.names
                .iter()
                .enumerate()
                .map(|(index, name)| {
                    let value = captures.get(index + 1).map_or("", |m| m.as_str());
                    (name.clone(), value.to_owned())
                })
                .collect(),
        )
    }
}

/// What routing found for a request.
#[derive(Debug)]
pub(crate) enum Matched<'r> {
    /// A route and its path parameters (by the route's names).
    Found(&'r Route, Vec<(String, String)>),
    /// The path has a route, but not for this method.
    MethodNotAllowed(&'r Route),
    /// The path with its trailing slash toggled has a route.
    Redirect(String),
    /// Nothing.
    NotFound,
}

/// Every route, in the order they are tried.
#[derive(Debug, Default)]
pub(crate) struct Router {
    routes: Vec<Route>,
    /// The first route of each API operation, by operation index.
    primary: HashMap<usize, usize>,
}

impl Router {
    /// Adds a route; `template` is a FastAPI path (`/pets/{pet_id}`).
    pub(crate) fn add(&mut self, method: &str, template: &str, handler: Handler) {
        self.add_grouped(method, template, handler, Vec::new());
    }

    /// Adds an API route that shares its paths with the operations of
    /// `group` (or has conditions): of those, a request goes to the one
    /// [`Router::find`]'s `fit` chooses.
    pub(crate) fn add_grouped(
        &mut self,
        method: &str,
        template: &str,
        handler: Handler,
        group: Vec<usize>,
    ) {
        let (regex, names) = compile(template);
        let literal_prefix = template.split('{').next().unwrap_or_default().to_owned();
        if let Handler::Api(op) = handler {
            self.primary.entry(op).or_insert(self.routes.len());
        }
        self.routes.push(Route {
            method: method.to_ascii_uppercase(),
            template: template.to_owned(),
            literal_prefix,
            regex,
            names,
            handler,
            group,
        });
    }

    /// Routes a request's (decoded) path. `fit` says how the request fits
    /// an operation of a group, with the path parameters it would have
    /// there: the group's first operation whose conditions the request
    /// meets and whose path parameters are valid answers, else its first
    /// whose conditions it meets; a route whose conditions are not met is
    /// passed over (as the FastAPI mock's `MockRoute` does).
    pub(crate) fn find(&self, method: &str, path: &str, fit: &FitOf<'_>) -> Matched<'_> {
        let mut partial = None;
        // Groups already chosen among (by their first operation): none of
        // their operations took the request, so the others are passed over.
        let mut tried: Vec<usize> = Vec::new();
        for route in &self.routes {
            if let Some(params) = route.matches(path) {
                if let (Some(&first), Handler::Api(op)) = (route.group.first(), route.handler) {
                    if route.method != method {
                        if fit(op, &params).bound.is_some() {
                            partial.get_or_insert(route);
                        }
                        continue;
                    }
                    if tried.contains(&first) {
                        continue;
                    }
                    if let Some((chosen, params)) = self.choose(&route.group, path, fit) {
                        return Matched::Found(chosen, params);
                    }
                    tried.push(first);
                    continue;
                }
                if route.method == method {
                    return Matched::Found(route, params);
                }
                partial.get_or_insert(route);
            }
        }
        if let Some(route) = partial {
            return Matched::MethodNotAllowed(route);
        }
        if path != "/" {
            let toggled = match path.strip_suffix('/') {
                Some(stripped) => stripped.trim_end_matches('/').to_owned(),
                None => format!("{path}/"),
            };
            let redirects = |route: &Route| {
                route
                    .matches(&toggled)
                    .is_some_and(|params| match route.handler {
                        Handler::Api(op) if !route.group.is_empty() => {
                            fit(op, &params).bound.is_some()
                        }
                        _ => true,
                    })
            };
            if self.routes.iter().any(redirects) {
                return Matched::Redirect(toggled);
            }
        }
        Matched::NotFound
    }

    /// The route a group's operations give a request, with its path
    /// parameters (those its conditions bind included).
    fn choose(&self, group: &[usize], path: &str, fit: &FitOf<'_>) -> Option<(&Route, Params)> {
        let mut first = None;
        for op in group {
            let Some(route) = self.primary.get(op).and_then(|&at| self.routes.get(at)) else {
                continue;
            };
            let Some(mut params) = route.matches(path) else {
                continue;
            };
            let found = fit(*op, &params);
            let Some(bound) = found.bound else {
                continue;
            };
            params.extend(bound);
            if found.valid {
                return Some((route, params));
            }
            first.get_or_insert((route, params));
        }
        first
    }
}

/// The regex of a template with parameters (`None` for a literal path) and
/// the parameter names in order.
fn compile(template: &str) -> (Option<Regex>, Vec<String>) {
    if !template.contains('{') {
        return (None, Vec::new());
    }
    let mut pattern = String::from("^");
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        pattern.push_str(&regex::escape(&rest[..open]));
        pattern.push_str("([^/]+)");
        names.push(rest[open + 1..close].to_owned());
        rest = &rest[close + 1..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    (Regex::new(&pattern).ok(), names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Routes with no conditions and every path valid.
    fn find<'r>(router: &'r Router, method: &str, path: &str) -> Matched<'r> {
        router.find(method, path, &|_, _| Fit {
            bound: Some(Vec::new()),
            valid: true,
        })
    }

    #[test]
    fn starlette_order_and_methods() {
        let mut router = Router::default();
        router.add("GET", "/pets/mine", Handler::Api(0));
        router.add("GET", "/pets/{id_}", Handler::Api(1));
        router.add("POST", "/pets", Handler::Api(2));
        match find(&router, "GET", "/pets/7") {
            Matched::Found(route, params) => {
                assert_eq!(route.handler, Handler::Api(1));
                assert_eq!(params, vec![("id_".to_owned(), "7".to_owned())]);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(find(&router, "GET", "/pets/mine"), Matched::Found(r, _) if r.handler == Handler::Api(0))
        );
        assert!(matches!(
            find(&router, "GET", "/pets"),
            Matched::MethodNotAllowed(_)
        ));
        assert!(matches!(find(&router, "POST", "/pets/"), Matched::Redirect(p) if p == "/pets"));
        assert!(matches!(find(&router, "GET", "/nope"), Matched::NotFound));
        assert!(matches!(
            find(&router, "GET", "/pets/a/b"),
            Matched::NotFound
        ));
    }
}
