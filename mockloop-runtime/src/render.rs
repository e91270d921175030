//! Rendering the FastAPI project.
