//! The normalised API model that templates see.
