//! Observations and recommendations in plain words.
//!
//! [`insights`] says what the mock's analysis says (same sentences);
//! [`recommendations`] adds what to do next, naming the tool calls.
use super::Report;

/// p95 above this many milliseconds is called slow.
pub const SLOW_MS: f64 = 1000.0;

/// Plain-word observations, like the mock's `analysis.insights`.
pub(crate) fn insights(report: &Report) -> Vec<String> {
    let total = report.total_requests;
    let (Some(busiest), Some(slowest)) =
        (report.endpoints.first(), report.slowest_endpoints.first())
    else {
        return vec!["No requests match these filters.".to_owned()];
    };
    let mut notes = vec![format!(
        "{total} requests to {} endpoints.",
        report.endpoints.len()
    )];
    if report.error_rate > 0.0 {
        notes.push(format!(
            "{:.1}% of requests failed (status 400 or more).",
            report.error_rate * 100.0
        ));
    } else {
        notes.push("No request failed.".to_owned());
    }
    notes.push(format!(
        "The busiest endpoint is {} ({} requests).",
        busiest.endpoint, busiest.count
    ));
    notes.push(format!(
        "The slowest endpoint at p95 is {} ({:.1} ms).",
        slowest.endpoint, slowest.p95_ms
    ));
    if report.latency_ms.p95 > SLOW_MS {
        notes.push(format!("p95 latency is above {SLOW_MS:.0} ms."));
    }
    notes.extend(failing(report).take(5).map(|e| {
        format!(
            "{} fails often ({:.0}% of {}).",
            e.endpoint,
            e.error_rate * 100.0,
            e.count
        )
    }));
    notes
}

fn failing(report: &Report) -> impl Iterator<Item = &super::EndpointStats> {
    report
        .endpoints
        .iter()
        .filter(|e| e.error_rate >= 0.5 && e.count >= 5)
}

fn status_count(report: &Report, code: &str) -> u64 {
    report.status_codes.get(code).copied().unwrap_or_default()
}

/// Concrete next steps.
pub(crate) fn recommendations(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    if report.total_requests == 0 {
        out.push(
            "Send requests to the mock, or widen the filters (time_from/time_to, method, \
             path_pattern; include_admin=true also counts admin API calls)."
                .to_owned(),
        );
        return out;
    }
    let not_found = status_count(report, "404");
    if not_found > 0 {
        let unmatched: Vec<&str> = report
            .endpoints
            .iter()
            .filter(|e| e.status_codes.contains_key("404"))
            .take(3)
            .map(|e| e.endpoint.as_str())
            .collect();
        out.push(format!(
            "{not_found} requests got 404 (e.g. {}): check the paths against the spec's routes \
             and base path, or add the missing operations to the spec and regenerate.",
            unmatched.join(", ")
        ));
    }
    let invalid = status_count(report, "400") + status_count(report, "422");
    if invalid > 0 {
        out.push(format!(
            "{invalid} requests were rejected as invalid (400/422): compare their bodies and \
             parameters with the spec (query_mock_logs with status_code=422 shows them)."
        ));
    }
    let denied = status_count(report, "401") + status_count(report, "403");
    if denied > 0 {
        out.push(format!(
            "{denied} requests were refused (401/403): send the credentials the spec's security \
             schemes require, or regenerate with auth_enabled=false."
        ));
    }
    let server_errors = report
        .status_classes
        .get("5xx")
        .copied()
        .unwrap_or_default();
    if server_errors > 0 {
        out.push(format!(
            "{server_errors} requests got a 5xx: if a scenario or an override injects faults \
             (error_rate, status_code), manage_mock_data with operation=list_scenarios shows it \
             and operation=reset clears overrides."
        ));
    }
    for endpoint in failing(report).take(3) {
        out.push(format!(
            "Look at {} first: {:.0}% of its {} requests failed \
             (query_mock_logs with path_pattern and analyze=true narrows it down).",
            endpoint.endpoint,
            endpoint.error_rate * 100.0,
            endpoint.count
        ));
    }
    if let Some(slow) = report.slowest_endpoints.first()
        && slow.p95_ms > SLOW_MS
    {
        out.push(format!(
            "{} is slow (p95 {:.0} ms): check delay_ms in the active scenario or its override, \
             or lower it with manage_mock_data operation=update_response.",
            slow.endpoint, slow.p95_ms
        ));
    }
    if report.sessions == 0 {
        out.push(
            "No request carried an X-Session-Id header: send one per test run to compare runs \
             (session_id filters by it)."
                .to_owned(),
        );
    }
    if out.is_empty() {
        out.push("Nothing to fix: every request succeeded quickly.".to_owned());
    }
    out
}
