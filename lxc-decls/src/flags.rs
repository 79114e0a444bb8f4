//! Flag sets, as `bitflags` types. Their values are checked against the installed header by a test.

use std::ffi::c_int;

use lxc_core::__private::FlagsArg;

bitflags::bitflags! {
    /// Flags of `create` (`LXC_CREATE_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct CreateFlags: c_int {
        /// Run the template with stdin from `/dev/zero` and its output to `/dev/null`.
        const QUIET = 1 << 0;
    }
}

bitflags::bitflags! {
    /// Flags of `clone` (`LXC_CLONE_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct CloneFlags: c_int {
        /// Keep the hostname of the original.
        const KEEP_NAME = 1 << 0;
        /// Keep the MAC addresses of the original.
        const KEEP_MAC_ADDR = 1 << 1;
        /// Make a snapshot (copy-on-write) instead of a copy.
        const SNAPSHOT = 1 << 2;
        /// Keep the backing store type of the original.
        const KEEP_BDEV_TYPE = 1 << 3;
        /// Snapshot if the backing store supports it, else copy.
        const MAYBE_SNAPSHOT = 1 << 4;
        /// Allow cloning a running container.
        const ALLOW_RUNNING = 1 << 6;
    }
}

impl FlagsArg for CreateFlags {
    #[inline]
    fn to_c_int(&self) -> c_int {
        self.bits()
    }
}

impl FlagsArg for CloneFlags {
    #[inline]
    fn to_c_int(&self) -> c_int {
        self.bits()
    }
}
