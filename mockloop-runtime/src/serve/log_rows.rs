//! Request-log entries as `request_logs` rows: redacted, encoded, and the
//! conversions that repeat from request to request (the same client's
//! headers, the same bodies and queries) remembered, so each is done once.
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::SystemTime;

use foldhash::fast::RandomState;
use rusqlite::Statement;

use super::log_entry::{self, EntryView};
use super::redaction::Redactor;
use super::request::percent_decode;

/// The `request_logs` columns each entry fills.
pub(crate) const COLUMNS: usize = 17;
/// Bodies up to this size are remembered with their logged form.
const MEMO_BODY_LIMIT: usize = 4096;
/// Entries a memo keeps before it starts over.
const MEMO_ENTRIES: usize = 4096;

/// Converted headers: their JSON, the user agent and the session id.
#[derive(Clone)]
struct Headers {
    json: Rc<str>,
    user_agent: Option<Rc<str>>,
    session_id: Option<Rc<str>>,
}

/// One entry's row, ready to bind.
pub(crate) struct Row<'e> {
    entry: EntryView<'e>,
    timestamp: String,
    path: Cow<'e, str>,
    query: Rc<str>,
    headers: Headers,
    request_body: Option<Rc<str>>,
    response_body: Option<Rc<str>>,
}

impl Row<'_> {
    /// Binds the row's values to parameters `offset + 1 ..= offset + 17`.
    pub(crate) fn bind(
        &self,
        statement: &mut Statement<'_>,
        offset: usize,
    ) -> rusqlite::Result<()> {
        let entry = &self.entry;
        let at = |column: usize| offset + column;
        statement.raw_bind_parameter(at(1), self.timestamp.as_str())?;
        statement.raw_bind_parameter(at(2), entry.method)?;
        statement.raw_bind_parameter(at(3), &*self.path)?;
        statement.raw_bind_parameter(at(4), &*self.query)?;
        statement.raw_bind_parameter(at(5), entry.status_code)?;
        statement.raw_bind_parameter(at(6), entry.process_time_ms)?;
        statement.raw_bind_parameter(at(7), entry.client_host)?;
        statement.raw_bind_parameter(at(8), &*self.headers.json)?;
        statement.raw_bind_parameter(at(9), self.request_body.as_deref())?;
        statement.raw_bind_parameter(at(10), self.response_body.as_deref())?;
        statement.raw_bind_parameter(
            at(11),
            i64::try_from(entry.response_size).unwrap_or(i64::MAX),
        )?;
        statement.raw_bind_parameter(at(12), self.headers.user_agent.as_deref())?;
        statement.raw_bind_parameter(at(13), self.headers.session_id.as_deref())?;
        statement.raw_bind_parameter(at(14), entry.correlation_id)?;
        statement.raw_bind_parameter(at(15), entry.test_scenario)?;
        statement.raw_bind_parameter(at(16), i64::from(entry.is_admin))?;
        statement.raw_bind_parameter(at(17), entry.operation_key)?;
        Ok(())
    }
}

/// Turns entries into rows (in the writer thread only).
pub(crate) struct RowMaker {
    redactor: Redactor,
    /// By the headers' encoding.
    headers: HashMap<Box<[u8]>, Headers, RandomState>,
    bodies: HashMap<Box<[u8]>, Option<Rc<str>>, RandomState>,
    queries: HashMap<Box<str>, Rc<str>, RandomState>,
    /// The whole second last formatted, and its text up to the dot.
    second: (u64, String),
    empty: Rc<str>,
}

/// The value remembered for `key`, made and remembered if there is none.
fn remember<K, V>(
    memo: &mut HashMap<Box<K>, V, RandomState>,
    key: &K,
    make: impl FnOnce() -> V,
) -> V
where
    K: std::hash::Hash + Eq + ?Sized,
    Box<K>: for<'k> From<&'k K>,
    V: Clone,
{
    if let Some(found) = memo.get(key) {
        return found.clone();
    }
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
    let value = make();
    memo.insert(Box::from(key), value.clone());
    value
}

fn body(data: &[u8], redactor: &Redactor) -> Option<Rc<str>> {
    if data.is_empty() {
        return None;
    }
    Some(Rc::from(
        redactor.body(String::from_utf8_lossy(data).into_owned()),
    ))
}

impl RowMaker {
    pub(crate) fn new(redactor: Redactor) -> Self {
        Self {
            redactor,
            headers: HashMap::default(),
            bodies: HashMap::default(),
            queries: HashMap::default(),
            second: (u64::MAX, String::new()),
            empty: Rc::from(""),
        }
    }

    /// The row of an entry, secrets redacted.
    pub(crate) fn row<'e>(&mut self, entry: EntryView<'e>) -> Row<'e> {
        let path = if entry.raw_path.contains('%') {
            Cow::Owned(percent_decode(entry.raw_path))
        } else {
            Cow::Borrowed(entry.raw_path)
        };
        Row {
            timestamp: self.timestamp(entry.started),
            path,
            query: self.query(entry.query),
            headers: self.headers(entry.headers),
            request_body: self.body(entry.request_body),
            response_body: self.body(entry.response_body),
            entry,
        }
    }

    /// `2024-05-01T12:00:00.123Z`: UTC, with milliseconds (the part up to
    /// the second formatted once per second).
    fn timestamp(&mut self, moment: SystemTime) -> String {
        let since = moment
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let whole = since.as_secs();
        if self.second.0 != whole {
            let text = chrono::DateTime::<chrono::Utc>::from(moment)
                .format("%Y-%m-%dT%H:%M:%S.")
                .to_string();
            self.second = (whole, text);
        }
        let mut out = String::with_capacity(24);
        out.push_str(&self.second.1);
        let millis = since.subsec_millis();
        for digit in [millis / 100, millis / 10 % 10, millis % 10] {
            out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
        }
        out.push('Z');
        out
    }

    fn headers(&mut self, headers: log_entry::Headers<'_>) -> Headers {
        let redactor = &self.redactor;
        remember(&mut self.headers, headers.bytes, || {
            let pairs: Vec<(String, String)> = headers
                .iter()
                .map(|(name, value)| {
                    (
                        String::from_utf8_lossy(name).into_owned(),
                        value.iter().map(|&b| char::from(b)).collect(),
                    )
                })
                .collect();
            let (json, user_agent, session_id) = redactor.headers(&pairs);
            Headers {
                json: Rc::from(json),
                user_agent: user_agent.map(Rc::from),
                session_id: session_id.map(Rc::from),
            }
        })
    }

    fn body(&mut self, data: &[u8]) -> Option<Rc<str>> {
        if data.len() > MEMO_BODY_LIMIT {
            return body(data, &self.redactor);
        }
        let redactor = &self.redactor;
        remember(&mut self.bodies, data, || body(data, redactor))
    }

    fn query(&mut self, text: &str) -> Rc<str> {
        if text.is_empty() {
            return Rc::clone(&self.empty);
        }
        let redactor = &self.redactor;
        remember(&mut self.queries, text, || Rc::from(redactor.query(text)))
    }
}
