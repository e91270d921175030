//! Testing with mocks: what a client under test exercised (`coverage`),
//! load tests (`load`) and contract tests of real APIs (`verify`), sharing
//! the API under test (`api`) and the requests made from its spec
//! (`requests`).
mod api;
pub(crate) mod coverage;
mod coverage_graphql;
pub(crate) mod load;
mod requests;
pub(crate) mod verify;

use crate::error::Error;

/// An invalid argument of a testing tool, named, with what is expected.
pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> Error {
    Error::InvalidArgument {
        name: name.to_owned(),
        reason: reason.into(),
    }
}
