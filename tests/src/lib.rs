//! Shared helpers for the mockloop test suite.
