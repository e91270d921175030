//! Routing as Starlette routes a FastAPI app: routes are tried in order,
//! `{name}` matches one path segment, a path that matches only with
//! another method is a 405, and one that matches only with (or without)
//! a trailing slash is redirected there.
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
}

impl Router {
    /// Adds a route; `template` is a FastAPI path (`/pets/{pet_id}`).
    pub(crate) fn add(&mut self, method: &str, template: &str, handler: Handler) {
        let (regex, names) = compile(template);
        let literal_prefix = template.split('{').next().unwrap_or_default().to_owned();
        self.routes.push(Route {
            method: method.to_ascii_uppercase(),
            template: template.to_owned(),
            literal_prefix,
            regex,
            names,
            handler,
        });
    }

    /// Routes a request's (decoded) path.
    pub(crate) fn find(&self, method: &str, path: &str) -> Matched<'_> {
        let mut partial = None;
        for route in &self.routes {
            if let Some(params) = route.matches(path) {
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
            if self.routes.iter().any(|r| r.matches(&toggled).is_some()) {
                return Matched::Redirect(toggled);
            }
        }
        Matched::NotFound
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

    #[test]
    fn starlette_order_and_methods() {
        let mut router = Router::default();
        router.add("GET", "/pets/mine", Handler::Api(0));
        router.add("GET", "/pets/{id_}", Handler::Api(1));
        router.add("POST", "/pets", Handler::Api(2));
        match router.find("GET", "/pets/7") {
            Matched::Found(route, params) => {
                assert_eq!(route.handler, Handler::Api(1));
                assert_eq!(params, vec![("id_".to_owned(), "7".to_owned())]);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(router.find("GET", "/pets/mine"), Matched::Found(r, _) if r.handler == Handler::Api(0))
        );
        assert!(matches!(
            router.find("GET", "/pets"),
            Matched::MethodNotAllowed(_)
        ));
        assert!(matches!(router.find("POST", "/pets/"), Matched::Redirect(p) if p == "/pets"));
        assert!(matches!(router.find("GET", "/nope"), Matched::NotFound));
        assert!(matches!(router.find("GET", "/pets/a/b"), Matched::NotFound));
    }
}
