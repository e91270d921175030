//! mockloop-runtime: turns an OpenAPI/Swagger description into a runnable
//! FastAPI mock server project.
//!
//! The pipeline is `spec` (load and normalise any version into one
//! OpenAPI-3.0-shaped document with JSON Schema 2020-12 schemas), `model`
//! (routes, parameters, responses), `synth` (example bodies valid against
//! their schemas) and `render` (the embedded templates).
#![deny(missing_docs)]

// The derive's output names `::mockloop_runtime`, also inside this crate.
extern crate self as mockloop_runtime;

mod admin_client;
mod analysis;
mod discovery;
mod error;
mod graphql;
mod logs;
mod manage;
mod model;
mod render;
mod serve;
mod spec;
mod synth;
mod testing;
mod tool_input;

pub use model::{ApiModel, Operation, Param, ParamLocation, RequestBody, ResponseSpec};

pub use admin_client::AdminClient;
pub use analysis::{
    EndpointStats, Latency, Report, SessionStats, SlowEndpoint, TimeRange, TrafficBucket, analyze,
    latency, percentile,
};
pub use discovery::{
    Discovery, DiscoveryOptions, GeneratedMock, RunningServer, ServerKind, discover,
};
pub use error::{Error, Result, error_chain};
pub use logs::{
    LOG_DB_RELATIVE, LogFilter, LogPage, LogStore, RequestLog, database_migrations,
    database_schema_version, migrate_database,
};
pub use manage::{
    EngineKind, Listed, ServerEntry, StartOptions, Started, StopReport, Target, list_servers,
    restart_server, start_server, state_dir, stop_server,
};
pub use testing::coverage::{Coverage, CoverageOptions, OperationCoverage, Refusal, coverage};
pub use testing::load::{
    LatencySummary, LoadErrors, LoadOptions, LoadProgress, LoadReport, OperationLoad, Timing,
    run_load_test,
};
pub use testing::verify::{OperationVerdict, VerifyOptions, VerifyReport, Violation, verify_api};

#[doc = include_str!("../../mockloop-macros/attributes.md")]
pub use mockloop_macros::ToolInput;
pub use render::{
    GeneratedProject, RenderOptions, generate_project, render_project, write_project,
};
pub use serve::{
    MockFiles, NativeServer, ServeOptions, ServedMock, load_sources, start as start_native,
};
pub use spec::{ImportOptions, LoadedSpec, SpecVersion, load_spec, load_spec_str, load_spec_with};
#[doc(hidden)]
pub use tool_input::__private;
pub use tool_input::{ToolInput, ToolSchema};

/// The version of this generator, recorded in every generated manifest.
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");
