//! The Rust log analysis on known rows: exact figures, the admin search's
//! filters, and agreement with the mock's own `analysis.py` on the same rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use mockloop_runtime::{LogFilter, LogStore, analyze};
use mockloop_tests::logdb::{self, Row};
use serde_json::{Value, json};

fn row(
    ts: &str,
    method: &str,
    path: &str,
    status: u16,
    ms: f64,
    session: Option<&str>,
    op: Option<&str>,
) -> Row {
    Row {
        timestamp: format!("2024-05-01T{ts}Z"),
        method: method.to_owned(),
        path: path.to_owned(),
        status_code: status,
        process_time_ms: ms,
        session_id: session.map(str::to_owned),
        is_admin: false,
        operation_key: op.map(str::to_owned),
    }
}

fn known_rows() -> Vec<Row> {
    let mut admin = row(
        "12:02:30.000",
        "GET",
        "/admin/api/logs/search",
        200,
        5.0,
        None,
        None,
    );
    admin.is_admin = true;
    vec![
        row(
            "12:00:00.000",
            "GET",
            "/pets",
            200,
            10.0,
            Some("a"),
            Some("GET /pets"),
        ),
        row(
            "12:00:10.000",
            "GET",
            "/pets",
            200,
            20.0,
            Some("a"),
            Some("GET /pets"),
        ),
        row(
            "12:00:59.999",
            "GET",
            "/pets",
            500,
            30.0,
            Some("b"),
            Some("GET /pets"),
        ),
        row(
            "12:01:00.000",
            "GET",
            "/pets/1",
            200,
            40.0,
            None,
            Some("GET /pets/{id}"),
        ),
        row(
            "12:01:30.000",
            "POST",
            "/pets",
            201,
            50.0,
            Some("b"),
            Some("POST /pets"),
        ),
        row("12:02:00.000", "GET", "/nope", 404, 1.0, None, None),
        admin,
    ]
}

fn store(rows: Vec<Row>) -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db/request_logs.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    logdb::write(&db, rows).unwrap();
    let store = LogStore::open(dir.path()).unwrap();
    (dir, store)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn known_rows_give_exact_figures() {
    let (_dir, store) = store(known_rows());
    let report = store.analyze(&LogFilter::default()).unwrap();
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["total_requests"], 6);
    assert_eq!(v["methods"], json!({"GET": 5, "POST": 1}));
    assert_eq!(
        v["status_codes"],
        json!({"200": 3, "201": 1, "404": 1, "500": 1})
    );
    assert_eq!(v["status_classes"], json!({"2xx": 4, "4xx": 1, "5xx": 1}));
    assert_eq!(v["error_count"], 2);
    assert!(close(report.error_rate, 1.0 / 3.0));
    let l = &report.latency_ms;
    assert_eq!((l.min, l.max), (1.0, 50.0));
    assert!(close(l.mean, 151.0 / 6.0));
    assert!(
        close(l.p50, 25.0) && close(l.p90, 45.0) && close(l.p95, 47.5) && close(l.p99, 49.5),
        "{l:?}"
    );
    let endpoints: Vec<(&str, u64, u64)> = report
        .endpoints
        .iter()
        .map(|e| (e.endpoint.as_str(), e.count, e.error_count))
        .collect();
    assert_eq!(
        endpoints,
        [
            ("GET /pets", 3, 1),
            ("GET /nope", 1, 1),
            ("GET /pets/{id}", 1, 0),
            ("POST /pets", 1, 0)
        ]
    );
    assert!(close(report.endpoints[0].latency_ms.p95, 29.0));
    let slowest: Vec<&str> = report
        .slowest_endpoints
        .iter()
        .map(|e| e.endpoint.as_str())
        .collect();
    assert_eq!(
        slowest,
        ["POST /pets", "GET /pets/{id}", "GET /pets", "GET /nope"]
    );
    assert_eq!(report.sessions, 2);
    assert_eq!(
        v["top_sessions"],
        json!([
            {"session_id": "a", "count": 2, "error_count": 0, "first": "2024-05-01T12:00:00.000Z", "last": "2024-05-01T12:00:10.000Z"},
            {"session_id": "b", "count": 2, "error_count": 1, "first": "2024-05-01T12:00:59.999Z", "last": "2024-05-01T12:01:30.000Z"},
        ])
    );
    assert_eq!(
        v["traffic"],
        json!([
            {"minute": "2024-05-01T12:00", "count": 3, "error_count": 1},
            {"minute": "2024-05-01T12:01", "count": 2, "error_count": 0},
            {"minute": "2024-05-01T12:02", "count": 1, "error_count": 1},
        ])
    );
    assert_eq!(
        v["time_range"],
        json!({"first": "2024-05-01T12:00:00.000Z", "last": "2024-05-01T12:02:00.000Z"})
    );
    assert!(report.insights[0].starts_with("6 requests to 4 endpoints"));
    assert!(
        report.recommendations.iter().any(|r| r.contains("404")),
        "{:?}",
        report.recommendations
    );
    // The in-memory analysis of the same rows agrees.
    let rows = store.rows(&LogFilter::default()).unwrap();
    assert_eq!(analyze(&rows), report);
}

#[test]
fn filters_match_the_admin_search() {
    let (_dir, store) = store(known_rows());
    let count = |filter: LogFilter| store.analyze(&filter).unwrap().total_requests;
    let f = LogFilter::default;
    assert_eq!(
        count(LogFilter {
            include_admin: true,
            ..f()
        }),
        7
    );
    assert_eq!(
        count(LogFilter {
            method: Some("post".into()),
            ..f()
        }),
        1
    );
    assert_eq!(
        count(LogFilter {
            path_pattern: Some(r"^/pets/\d+$".into()),
            ..f()
        }),
        1
    );
    assert_eq!(
        count(LogFilter {
            path_pattern: Some("pets".into()),
            ..f()
        }),
        5
    );
    assert_eq!(
        count(LogFilter {
            status_code: Some(500),
            ..f()
        }),
        1
    );
    assert_eq!(
        count(LogFilter {
            time_from: Some("2024-05-01T12:01".into()),
            ..f()
        }),
        3
    );
    assert_eq!(
        count(LogFilter {
            time_to: Some("2024-05-01T14:00:59.999+02:00".into()),
            ..f()
        }),
        3
    );
    assert_eq!(
        count(LogFilter {
            session_id: Some("b".into()),
            ..f()
        }),
        2
    );
    assert_eq!(
        count(LogFilter {
            limit: Some(2),
            offset: 1,
            ..f()
        }),
        2
    );
    let page = store
        .search(&LogFilter {
            limit: Some(2),
            offset: 1,
            ..f()
        })
        .unwrap();
    assert_eq!(page.total_count, 6);
    let ids: Vec<i64> = page.logs.iter().map(|r| r.id).collect();
    assert_eq!(ids, [5, 4]);
    assert_eq!(store.search(&f()).unwrap().limit, Some(100));
    for bad in [
        LogFilter {
            time_from: Some("soon".into()),
            ..f()
        },
        LogFilter {
            status_code: Some(99),
            ..f()
        },
        LogFilter {
            limit: Some(10_001),
            ..f()
        },
        LogFilter {
            path_pattern: Some("a".repeat(501)),
            ..f()
        },
    ] {
        assert!(store.analyze(&bad).is_err(), "{bad:?}");
    }
}

/// The mock's `analysis.py`, run with Python on the rows the admin API
/// would read, gives the same figures.
#[test]
fn same_figures_as_the_mocks_analysis_py() {
    let (dir, store) = store(logdb::synthetic(20_000).collect());
    let ours = serde_json::to_value(store.analyze(&LogFilter::default()).unwrap()).unwrap();
    let script = r#"
import importlib.util, json, sqlite3, sys
spec = importlib.util.spec_from_file_location("analysis", sys.argv[1])
analysis = importlib.util.module_from_spec(spec)
spec.loader.exec_module(analysis)
db = sqlite3.connect(sys.argv[2])
db.row_factory = sqlite3.Row
rows = [dict(r) for r in db.execute("SELECT * FROM request_logs WHERE is_admin = 0 ORDER BY id DESC")]
print(json.dumps(analysis.analyze(rows)))
"#;
    let analysis_py =
        mockloop_tests::paths::workspace_root().join("templates/fastapi/mockloop_mock/analysis.py");
    let output = Command::new(mockloop_tests::venv::base_python())
        .args(["-c", script])
        .arg(&analysis_py)
        .arg(dir.path().join("db/request_logs.db"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "total_requests",
        "time_range",
        "methods",
        "status_codes",
        "error_count",
        "error_rate",
        "sessions",
        "traffic",
    ] {
        assert_eq!(ours[key], theirs[key], "{key}");
    }
    let same_latency = |a: &Value, b: &Value, what: &str| {
        for key in ["min", "max", "p50", "p90", "p95", "p99"] {
            assert_eq!(a[key], b[key], "{what} {key}");
        }
        assert!(
            close(a["mean"].as_f64().unwrap(), b["mean"].as_f64().unwrap()),
            "{what} mean"
        );
    };
    same_latency(&ours["latency_ms"], &theirs["latency_ms"], "overall");
    let (ours_e, theirs_e) = (
        ours["endpoints"].as_array().unwrap(),
        theirs["endpoints"].as_array().unwrap(),
    );
    assert_eq!(ours_e.len(), theirs_e.len());
    for (a, b) in ours_e.iter().zip(theirs_e) {
        for key in [
            "endpoint",
            "count",
            "error_count",
            "error_rate",
            "status_codes",
        ] {
            assert_eq!(a[key], b[key], "{key}");
        }
        same_latency(
            &a["latency_ms"],
            &b["latency_ms"],
            a["endpoint"].as_str().unwrap(),
        );
    }
    assert_eq!(
        ours["insights"].as_array().unwrap()[..3],
        theirs["insights"].as_array().unwrap()[..3]
    );
}
