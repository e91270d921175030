//! Testing with mocks: what a client under test exercised (`coverage`),
//! load tests (`load`) and contract tests of real APIs (`verify`), sharing
//! the requests made from a spec (`requests`).
pub(crate) mod coverage;
