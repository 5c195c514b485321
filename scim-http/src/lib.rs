//! scim-http (work in progress).
