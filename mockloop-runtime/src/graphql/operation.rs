//! One GraphQL operation, whatever carries it (HTTP or a WebSocket):
//! parsed, validated, bounded in depth, then run against the world.
use std::sync::Arc;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::{Operation, OperationType, Selection, SelectionSet};
use apollo_compiler::resolvers::Execution;
use apollo_compiler::response::JsonMap;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value, json};

use super::data::MAX_DEPTH;
use super::resolve::{Configured, Context, ERROR_MARK, Event, Store, World};

/// An operation ready to run.
pub(crate) struct Prepared {
    document: Arc<Valid<ExecutableDocument>>,
    name: Option<String>,
    variables: JsonMap,
    /// Query, mutation or subscription.
    pub kind: OperationType,
    /// How the log names it: `query GetUser`.
    pub label: String,
    /// The first root field, and its type (a subscription has one).
    pub root_field: Option<(String, apollo_compiler::ast::Type)>,
}

/// Why an operation is not run: the label for the log (`invalid` when no
/// operation was read), and the errors (`[{message, locations}]`).
pub(crate) struct Refused {
    pub label: String,
    pub errors: Value,
}

fn refused(label: &str, message: &str) -> Refused {
    Refused {
        label: label.to_owned(),
        errors: json!([{ "message": message }]),
    }
}

/// Parses and validates `query`, picks the operation, checks its depth
/// and reads the variables.
pub(crate) fn prepare(
    world: &World,
    query: &str,
    operation_name: Option<&str>,
    variables: Map<String, Value>,
) -> Result<Prepared, Refused> {
    let document = world
        .documents
        .get(&world.schema, query)
        .map_err(|errors| Refused {
            label: "invalid".to_owned(),
            errors: Value::clone(&errors),
        })?;
    let operation = document
        .operations
        .get(operation_name)
        .map_err(|err| refused("invalid", &err.message().to_string()))?;
    let label = operation_label(operation);
    let depth = selection_depth(&document, &operation.selection_set, 0);
    if depth > MAX_DEPTH {
        return Err(refused(
            &label,
            &format!(
                "the query is nested {depth} levels deep; the mock answers at most {MAX_DEPTH}"
            ),
        ));
    }
    let variables: JsonMap = serde_json::from_value(Value::Object(variables))
        .map_err(|err| refused(&label, &format!("variables: {err}")))?;
    let root_field = operation
        .selection_set
        .selections
        .iter()
        .find_map(|s| match s {
            Selection::Field(field) => Some((field.name.to_string(), field.definition.ty.clone())),
            _ => None,
        });
    Ok(Prepared {
        kind: operation.operation_type,
        name: operation.name.as_ref().map(|n| n.to_string()),
        label,
        root_field,
        variables,
        document,
    })
}

/// What running an operation gave.
pub(crate) struct Outcome {
    /// `{data, errors?}`, or `{errors}` when the variables were refused.
    pub body: Value,
    /// Whether the variables were refused (a request error, not a result).
    pub request_error: bool,
    /// What the mutations did, for subscriptions.
    pub events: Vec<Event>,
}

/// Runs a prepared operation; `root_index` numbers the root object (a
/// subscription's event count), `event` is what a subscription answers.
pub(crate) fn run(
    world: &World,
    store: Option<&dyn Store>,
    configured: Option<Configured<'_>>,
    prepared: &Prepared,
    root_index: u64,
    event: Option<Event>,
) -> Outcome {
    let Ok(operation) = prepared.document.operations.get(prepared.name.as_deref()) else {
        return Outcome {
            body: json!({"errors": [{"message": "the operation is gone"}]}),
            request_error: true,
            events: Vec::new(),
        };
    };
    let context = Context::new(world, store, configured).with_event(event);
    let root = world.root(operation.object_type().as_str(), root_index, &context);
    let executed = Execution::new(&world.schema, &prepared.document)
        .operation(operation)
        .raw_variable_values(&prepared.variables)
        .enable_schema_introspection(true)
        .execute_sync(&root);
    let events = context.take_events();
    match executed {
        Ok(response) => {
            let mut body = Map::new();
            body.insert(
                "data".to_owned(),
                serde_json::to_value(&response.data).unwrap_or(Value::Null),
            );
            if !response.errors.is_empty() {
                let errors = serde_json::to_value(&response.errors).unwrap_or(Value::Null);
                body.insert("errors".to_owned(), field_errors(errors));
            }
            Outcome {
                body: Value::Object(body),
                request_error: false,
                events,
            }
        }
        Err(err) => Outcome {
            body: json!({
                "errors": [serde_json::to_value(err.to_graphql_error(&prepared.document.sources))
                    .unwrap_or(Value::Null)]
            }),
            request_error: true,
            events,
        },
    }
}

/// Field errors as the resolvers meant them: without the executor's
/// `resolver error: ` prefix, and an override's error object (message and
/// extensions) restored.
fn field_errors(mut errors: Value) -> Value {
    for error in errors.as_array_mut().into_iter().flatten() {
        let Some(message) = error.get("message").and_then(Value::as_str) else {
            continue;
        };
        let message = message.strip_prefix("resolver error: ").unwrap_or(message);
        if let Some(given) = message.strip_prefix(ERROR_MARK) {
            if let Ok(Value::Object(given)) = serde_json::from_str::<Value>(given) {
                error["message"] = given.get("message").cloned().unwrap_or(Value::Null);
                if let Some(extensions) = given.get("extensions").filter(|e| e.is_object()) {
                    error["extensions"] = extensions.clone();
                }
            }
        } else {
            error["message"] = Value::String(message.to_owned());
        }
    }
    errors
}

/// `query GetUser`, `mutation`, ...: how the log names an operation.
fn operation_label(operation: &Operation) -> String {
    let kind = match operation.operation_type {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    match &operation.name {
        Some(name) => format!("{kind} {name}"),
        None => kind.to_owned(),
    }
}

/// The deepest nesting of selection sets, fragments followed.
fn selection_depth(document: &ExecutableDocument, set: &SelectionSet, level: usize) -> usize {
    if level > MAX_DEPTH {
        return level;
    }
    set.selections
        .iter()
        .map(|selection| match selection {
            Selection::Field(field) if field.selection_set.selections.is_empty() => level,
            Selection::Field(field) => selection_depth(document, &field.selection_set, level + 1),
            Selection::InlineFragment(inline) => {
                selection_depth(document, &inline.selection_set, level)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.fragment_name)
                .map_or(level, |fragment| {
                    selection_depth(document, &fragment.selection_set, level)
                }),
        })
        .max()
        .unwrap_or(level)
}
