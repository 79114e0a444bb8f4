//! Raw declarations of the generated trampolines and of `glue.c`.
//!
//! Every liblxc struct is opaque here: fields are read and written only by C compiled against the
//! installed headers (I-2). The `extern` block of trampolines is generated from the API table; each
//! trampoline is named `lxcrs_v1_<member>` and takes the container first.
#![allow(missing_docs)]

use core::ffi::{c_char, c_int, c_void};
use core::marker::{PhantomData, PhantomPinned};

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// `struct lxc_container`.
    LxcContainer;
    /// `struct bdev_specs`.
    BdevSpecsC;
    /// `struct lxc_snapshot`.
    LxcSnapshot;
    /// `struct migrate_opts`.
    MigrateOpts;
    /// `struct lxc_console_log`.
    LxcConsoleLog;
    /// `struct lxc_mount`.
    LxcMount;
    /// `struct lxc_log`.
    LxcLog;
    /// `lxc_attach_options_t`.
    LxcAttachOptions;
}

/// `lxc_attach_exec_t`.
pub type LxcAttachExec = Option<unsafe extern "C" fn(payload: *mut c_void) -> c_int>;

include!(concat!(env!("OUT_DIR"), "/ffi.rs"));

#[cfg(feature = "dlopen")]
unsafe extern "C" {
    pub fn lxcrs_glue_dl_error() -> *const c_char;
}

unsafe extern "C" {
    pub fn lxcrs_glue_name(c: *mut LxcContainer) -> *const c_char;
    pub fn lxcrs_glue_error_num(c: *mut LxcContainer) -> c_int;
    pub fn lxcrs_glue_daemonize(c: *mut LxcContainer) -> c_int;
    pub fn lxcrs_glue_header_version() -> *const c_char;
    pub fn lxcrs_glue_bdev_specs_new(
        fstype: *const c_char,
        fssize: u64,
        zfsroot: *const c_char,
        lvm_vg: *const c_char,
        lvm_lv: *const c_char,
        lvm_thinpool: *const c_char,
        dir: *const c_char,
        rbd_name: *const c_char,
        rbd_pool: *const c_char,
    ) -> *mut BdevSpecsC;
    pub fn lxcrs_glue_bdev_specs_free(s: *mut BdevSpecsC);
    pub fn lxcrs_glue_snapshot_field(s: *mut LxcSnapshot, i: c_int, field: c_int) -> *const c_char;
    pub fn lxcrs_glue_snapshots_free(s: *mut LxcSnapshot, n: c_int);
    pub fn lxcrs_glue_log_init(
        name: *const c_char,
        lxcpath: *const c_char,
        file: *const c_char,
        level: *const c_char,
        prefix: *const c_char,
        quiet: bool,
    ) -> c_int;
    pub fn lxcrs_glue_attach_options_new(
        attach_flags: c_int,
        namespaces: c_int,
        personality: core::ffi::c_long,
        initial_cwd: *const c_char,
        uid: libc::uid_t,
        gid: libc::gid_t,
        env_policy: c_int,
        extra_env_vars: *mut *mut c_char,
        extra_keep_env: *mut *mut c_char,
        stdin_fd: c_int,
        stdout_fd: c_int,
        stderr_fd: c_int,
        lsm_label: *const c_char,
        groups_size: usize,
        groups_list: *const libc::gid_t,
    ) -> *mut LxcAttachOptions;
    pub fn lxcrs_glue_attach_options_free(o: *mut LxcAttachOptions);
    /// `console_log` with a `struct lxc_console_log` built in C; `*data` is malloc'd (or NULL),
    /// `*read_max` bytes, not NUL-terminated.
    pub fn lxcrs_glue_console_log(
        c: *mut LxcContainer,
        clear: bool,
        read: bool,
        read_max: *mut u64,
        data: *mut *mut c_char,
    ) -> c_int;
    /// Whether the container object has a configuration loaded (`c->lxc_conf`).
    pub fn lxcrs_glue_has_config(c: *mut LxcContainer) -> bool;
    /// The container object's configuration (`c->lxc_conf`), as an opaque pointer; null for none.
    pub fn lxcrs_glue_conf(c: *mut LxcContainer) -> *mut core::ffi::c_void;
    /// A zero-filled `struct migrate_opts` at the installed header's size (written to `size`).
    pub fn lxcrs_glue_migrate_opts_new(
        directory: *const c_char,
        verbose: bool,
        stop: bool,
        predump_dir: *const c_char,
        pageserver_address: *const c_char,
        pageserver_port: *const c_char,
        preserves_inodes: bool,
        action_script: *const c_char,
        disable_skip_in_flight: bool,
        ghost_limit: u64,
        features_to_check: u64,
        size: *mut core::ffi::c_uint,
    ) -> *mut MigrateOpts;
    pub fn lxcrs_glue_migrate_opts_features(o: *const MigrateOpts) -> u64;
    pub fn lxcrs_glue_migrate_opts_free(o: *mut MigrateOpts);
    /// `MIGRATE_*` command `i` (0 pre-dump, 1 dump, 2 restore, 3 feature check) of the header.
    pub fn lxcrs_glue_migrate_cmd(i: c_int) -> core::ffi::c_uint;
    /// `FEATURE_*` bit `i` (0 mem track, 1 lazy pages) of the header.
    pub fn lxcrs_glue_migrate_feature(i: c_int) -> u64;
}
