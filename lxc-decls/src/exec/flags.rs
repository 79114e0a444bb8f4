//! The flags of `lxc_attach_options_t`: [`AttachFlags`] (`attach_flags`) and [`Namespaces`]
//! (`namespaces`).

use std::ffi::c_int;

#[cfg(doc)]
use super::Command;

bitflags::bitflags! {
    /// Flags of `attach` (`LXC_ATTACH_*`), the `attach_flags` of `lxc_attach_options_t`.
    ///
    /// [`AttachFlags::DEFAULT`] (what a [`Command`] starts with) is liblxc's `LXC_ATTACH_DEFAULT`: the
    /// whole on-by-default mask, so that a flag a newer liblxc adds to it stays on.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct AttachFlags: c_int {
        /// Move the process into the container's cgroup (on by default).
        const MOVE_TO_CGROUP = 0x0000_0001;
        /// Drop the capabilities the container drops (`lxc.cap.drop`; on by default).
        const DROP_CAPABILITIES = 0x0000_0002;
        /// Set the personality of the container's init, or [`Command::personality`] (on by default).
        const SET_PERSONALITY = 0x0000_0004;
        /// Run the program under the container's LSM profile (on by default).
        const LSM_EXEC = 0x0000_0008;
        /// Remount `/proc` and `/sys`; only takes effect when not attaching to the mount namespace.
        const REMOUNT_PROC_SYS = 0x0001_0000;
        /// Apply the LSM profile now rather than at exec (unused by liblxc).
        const LSM_NOW = 0x0002_0000;
        /// Set `PR_SET_NO_NEW_PRIVS` (liblxc 2.1.0).
        const NO_NEW_PRIVS = 0x0004_0000;
        /// Allocate a pseudo-terminal and proxy it: liblxc then blocks until the program exits.
        const TERMINAL = 0x0008_0000;
        /// Use the LSM label of [`Command::lsm_label`] (liblxc 4.0.7).
        const LSM_LABEL = 0x0010_0000;
        /// Set the supplementary groups of [`Command::groups`] (liblxc 4.0.7).
        const SETGROUPS = 0x0020_0000;
        /// `LXC_ATTACH_DEFAULT`: every on-by-default bit (the low 16), including unnamed ones.
        const DEFAULT = 0x0000_FFFF;
    }
}

impl Default for AttachFlags {
    fn default() -> AttachFlags {
        AttachFlags::DEFAULT
    }
}

bitflags::bitflags! {
    /// Namespaces to attach to (`CLONE_NEW*` values), the `namespaces` of `lxc_attach_options_t`.
    ///
    /// A [`Command`] attaches to all of the container's namespaces unless
    /// [`Command::namespaces`] chooses some.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Namespaces: c_int {
        /// The mount namespace (`CLONE_NEWNS`): the container's filesystem.
        const MOUNT = libc::CLONE_NEWNS;
        /// The UTS namespace (`CLONE_NEWUTS`): hostname and domain name.
        const UTS = libc::CLONE_NEWUTS;
        /// The IPC namespace (`CLONE_NEWIPC`).
        const IPC = libc::CLONE_NEWIPC;
        /// The user namespace (`CLONE_NEWUSER`).
        const USER = libc::CLONE_NEWUSER;
        /// The PID namespace (`CLONE_NEWPID`).
        const PID = libc::CLONE_NEWPID;
        /// The network namespace (`CLONE_NEWNET`).
        const NET = libc::CLONE_NEWNET;
        /// The cgroup namespace (`CLONE_NEWCGROUP`).
        const CGROUP = libc::CLONE_NEWCGROUP;
        /// The time namespace (`CLONE_NEWTIME`).
        const TIME = 0x0000_0080;
    }
}
