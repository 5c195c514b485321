//! scim-patch (work in progress).
