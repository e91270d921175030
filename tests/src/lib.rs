//! Shared helpers for the mockloop test suite: a cached Python venv with a
//! generated mock's requirements and the test tools ([`venv`]), a mock
//! running under uvicorn ([`server`]), static checks of the generated Python
//! ([`python`]), a conformance check of every operation ([`conformance`]),
//! a schemathesis run ([`schemathesis`]), a generated mock with its venv
//! ([`fixture`]), and all of it per spec, in parallel ([`pipeline`]).
pub mod backend;
pub mod bench;
pub mod binary;
pub mod conformance;
mod error;
pub mod fixture;
pub mod logdb;
pub mod net;
pub mod paths;
pub mod peers;
pub mod pipeline;
pub mod python;
pub mod recorded;
pub mod schemathesis;
pub mod server;
pub mod venv;

pub use conformance::{Failure, Report, Secrets, check_all};
pub use error::{Error, Result};
pub use fixture::GeneratedMock;
pub use server::{Engine, MockServer};
pub use venv::Venv;

/// Runs each named test function (`fn name(engine: Engine)`) once per
/// engine, as the tests `name::fastapi` and `name::native`: one behaviour,
/// pinned once, checked on both engines.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn fastapi() {
                    super::$name($crate::Engine::FastApi);
                }

                #[test]
                fn native() {
                    super::$name($crate::Engine::Native);
                }
            }
        )*
    };
}
