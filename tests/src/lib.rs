//! Shared helpers for the mockloop test suite: a cached Python venv with a
//! generated mock's requirements and the test tools ([`venv`]), a mock
//! running under uvicorn ([`server`]), static checks of the generated Python
//! ([`python`]), a conformance check of every operation ([`conformance`]),
//! a schemathesis run ([`schemathesis`]), a generated mock with its venv
//! ([`fixture`]), and all of it per spec, in parallel ([`pipeline`]).
pub mod backend;
pub mod binary;
pub mod conformance;
mod error;
pub mod fixture;
pub mod logdb;
pub mod paths;
pub mod pipeline;
pub mod python;
pub mod schemathesis;
pub mod server;
pub mod venv;

pub use conformance::{Failure, Report, Secrets, check_all};
pub use error::{Error, Result};
pub use fixture::GeneratedMock;
pub use server::MockServer;
pub use venv::Venv;
