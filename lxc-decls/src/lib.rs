//! decls
