//! lxc
