//! The liblxc API table: the single source of truth for every member of `struct lxc_container` and
//! every exported free function.
//!
//! It is read twice: by `lxc-macros`, which checks each `#[lxc_method]` declaration against it, and by
//! the build script of `lxc-core` (through `#[path]`), which generates one C trampoline per row and
//! compiles them with `-Werror` against the installed `lxccontainer.h`, so a wrong row fails the build.
//!
//! Types are written exactly as C spells them; the build script maps them to Rust FFI types.

/// What a row is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A function-pointer member of `struct lxc_container`.
    Method,
    /// An exported free function of `lxccontainer.h`.
    Free,
    /// A C-variadic member: not callable with a runtime-length list; its array twin covers it.
    Variadic(&'static str),
    /// A free function that exists to be passed as an `lxc_attach_exec_t` callback, never called.
    Callback,
}

/// How a C argument is lowered from Rust; each class has a marker type in `lxc_core::__private::class`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    /// `const char *`, required.
    Str,
    /// `const char *`, NULL allowed.
    OptStr,
    /// `char *` that liblxc only reads (`checkpoint`, `restore`).
    MutStr,
    /// A container name: `const char *`, checked so that it cannot escape the lxcpath.
    Name,
    /// A container name or NULL.
    OptName,
    /// A snapshot name (`snap0`): one path component under the container's `snaps` directory.
    SnapName,
    /// An lxcpath: not empty, at most PATH_MAX bytes.
    LxcPath,
    /// An lxcpath or NULL (the default lxcpath).
    OptLxcPath,
    /// `char *const argv[]`, NULL-terminated, NULL allowed.
    StrArray,
    /// `char **`, NULL-terminated, NULL allowed.
    StrArrayMut,
    /// `bool`.
    Bool,
    /// `int` used as a boolean.
    IntBool,
    /// `int`.
    Int,
    /// `int` seconds: -1 waits forever, 0 does not wait.
    Timeout,
    /// `int` seconds of `wait`: 0 waits forever in liblxc 5.0, so it is refused.
    WaitTimeout,
    /// `const char *` that ends up in a configuration file: no NUL, no newline.
    ConfigStr,
    /// `uint64_t`.
    U64,
    /// `unsigned long`.
    ULong,
    /// `int` bit flags.
    Flags,
    /// `int` file descriptor.
    Fd,
    /// `struct bdev_specs *`, NULL allowed.
    BdevSpecs,
    /// `char *retv` of the two-call length protocol.
    BufPtr,
    /// `int inlen` of the two-call length protocol.
    BufLen,
    /// Anything else: out-parameters, callbacks, structs. Only a `ret = Manual` declaration can bind it.
    Raw,
}

impl Class {
    /// Whether lowering an argument of this class can refuse it (a NUL byte, a bad name, a timeout
    /// out of range), so that the declaration must return `Result`.
    pub fn may_refuse(self) -> bool {
        !matches!(
            self,
            Class::Bool
                | Class::IntBool
                | Class::Int
                | Class::U64
                | Class::ULong
                | Class::Flags
                | Class::Fd
        )
    }
}

/// The failure convention of a member, as liblxc really behaves (see `shared/LXC_API.md` §2-§3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Err {
    Never,
    False,
    Null,
    NullIsEmpty,
    NegOne,
    Neg,
    NegErrno,
    NonZero,
}

/// The container state a member needs; used only to explain a failure after it happened.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Needs {
    Nothing,
    Defined,
    Running,
    Stopped,
}

/// One C argument after the container.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    pub c: &'static str,
    pub name: &'static str,
    pub class: Class,
}

/// One row.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    pub name: &'static str,
    pub kind: Kind,
    pub c_ret: &'static str,
    pub args: &'static [Arg],
    pub err: Err,
    /// First liblxc release whose header has it.
    pub since: &'static str,
    pub api_ext: Option<&'static str>,
    pub needs: Needs,
    /// How it really fails, in words; quoted in declaration errors.
    pub fails: &'static str,
}

/// Members that crash liblxc 5.0.2 (a NULL dereference) when the container is not defined or its
/// object holds no configuration (after `clear_config`): the runtime checks both before calling.
pub const NEEDS_CONFIG: &[&str] = &["snapshot", "snapshot_restore", "clone"];

/// Members that copy a rootfs: liblxc does it in a child made with the raw `clone()` syscall, which
/// deadlocks when another thread held glibc's stdio lock at that instant. The generated trampoline
/// runs them in a `fork()`ed child instead (see glue.c); only their result comes back.
///
/// `create` runs there too: it frees the object's configuration midway and loads a new one while
/// liblxc's thread-local pointer still names the freed one, which its log then reads (see glue.c).
/// The child also keeps create's process-wide umask change to itself. The runtime loads the new
/// configuration into the caller's object afterwards, as create would have.
pub const IN_CHILD: &[&str] = &["snapshot", "snapshot_restore", "clone", "rename", "create"];

/// Members that liblxc 5.0.2 reports as done when the container does not run (`reboot2` returns
/// true without rebooting anything): the runtime refuses them first with `NotRunning`.
pub const RUNNING_FIRST: &[&str] = &["reboot2"];

/// Members that liblxc 5.0.2 runs with its default configuration when the object of a defined
/// container holds none (after `clear_config`): `save_config` would overwrite the file with
/// defaults, and `create` would run its template again. The runtime refuses them first, with this
/// kind and reason (member, kind, reason).
pub const LOADED_FIRST: &[(&str, &str, &str)] = &[
    ("save_config", "Failed", "this object holds no configuration (clear_config was called); call load_config first, or liblxc would write its defaults"),
    ("create", "AlreadyExists", "the container already exists (this object's configuration was cleared; liblxc would run the template over it)"),
];

/// What some of liblxc's messages mean, where they do not start with `strerror(errno) - `: a piece
/// of the message and the kind of a failure whose reason holds it.
pub const LOGGED_KINDS: &[(&str, &str)] = &[
    // A snapshot that does not exist (snapshot_restore, snapshot_destroy).
    ("Could not open snapshot ", "NotFound"),
    // A request bigger than liblxc's command socket accepts.
    (" is too large for command ", "InvalidArgument"),
];

/// Members that give an object holding no configuration a blank one before anything else
/// (`lxc_conf_init`). The runtime makes it first, with the object's own log (see lxc-core's
/// logcap), so what they log has somewhere to go.
pub const MAKES_CONFIG: &[&str] = &["load_config", "set_config_item"];

/// Members that fail without logging anything when liblxc refuses what the caller gave: the
/// reason (and kind) the runtime gives when liblxc logged none and the state explains nothing
/// (member, kind, reason). Whatever errno they leave is stale and does not count.
pub const SILENT: &[(&str, &str, &str)] = &[
    ("set_config_item", "InvalidArgument", "liblxc refused the key or its value: an unknown key, an index it cannot add, or a value it cannot parse for that key"),
    ("clear_config_item", "InvalidArgument", "liblxc refused the key: an unknown key or one it cannot clear"),
    ("get_running_config_item", "NotFound", "the running container's monitor has no value for this key (an unknown key, or one that is not set)"),
];

/// The oldest liblxc this binding supports. Members newer than this must carry `since`.
pub const OLDEST_SUPPORTED: &str = "4.0.0";

const fn a(c: &'static str, name: &'static str, class: Class) -> Arg {
    Arg { c, name, class }
}

macro_rules! row {
    ($kind:expr, $name:ident, $ret:literal, [$($arg:expr),*], $err:ident, $since:literal, $ext:expr, $needs:ident, $fails:literal) => {
        Member {
            name: stringify!($name),
            kind: $kind,
            c_ret: $ret,
            args: &[$($arg),*],
            err: Err::$err,
            since: $since,
            api_ext: $ext,
            needs: Needs::$needs,
            fails: $fails,
        }
    };
}

use Class::*;
use Kind::{Callback, Free, Method, Variadic};

const BUF: [Arg; 2] = [a("char *", "retv", BufPtr), a("int", "inlen", BufLen)];

/// Every row. Methods are in the order of the 5.0.2 header, then `set_timeout`, then free functions.
pub const MEMBERS: &[Member] = &[
    row!(Method, is_defined, "bool", [], Never, "0.9.0", None, Nothing, "is a predicate and cannot fail"),
    row!(Method, state, "const char *", [], Null, "0.9.0", None, Nothing, "returns NULL only for a NULL container, and \"INVALID STATE\" when the monitor cannot be asked"),
    row!(Method, is_running, "bool", [], Never, "0.9.0", None, Nothing, "is a predicate and cannot fail"),
    row!(Method, freeze, "bool", [], False, "0.9.0", None, Running, "returns false on failure"),
    row!(Method, unfreeze, "bool", [], False, "0.9.0", None, Running, "returns false on failure"),
    row!(Method, init_pid, "pid_t", [], NegOne, "0.9.0", None, Running, "returns -1 when the container is not running"),
    row!(Method, load_config, "bool", [a("const char *", "alt_file", OptStr)], False, "0.9.0", None, Nothing, "returns false on failure"),
    row!(Method, start, "bool", [a("int", "useinit", IntBool), a("char * const *", "argv", StrArray)], False, "0.9.0", None, Stopped, "returns false on failure"),
    row!(Variadic("C-variadic: `start` with an argv array covers it"), startl, "bool", [a("int", "useinit", IntBool)], False, "0.9.0", None, Stopped, "returns false on failure"),
    row!(Method, stop, "bool", [], False, "0.9.0", None, Running, "returns false on failure"),
    row!(Method, want_daemonize, "bool", [a("bool", "state", Bool)], False, "0.9.0", None, Nothing, "returns false when no configuration is loaded"),
    row!(Method, want_close_all_fds, "bool", [a("bool", "state", Bool)], False, "1.0.0", None, Nothing, "returns false when no configuration is loaded"),
    row!(Method, config_file_name, "char *", [], Null, "0.9.0", None, Nothing, "returns NULL on failure"),
    row!(Method, wait, "bool", [a("const char *", "state", Str), a("int", "timeout", WaitTimeout)], False, "0.9.0", None, Nothing, "returns false on timeout or error"),
    row!(Method, set_config_item, "bool", [a("const char *", "key", ConfigStr), a("const char *", "value", ConfigStr)], False, "0.9.0", None, Nothing, "returns false on failure"),
    row!(Method, destroy, "bool", [], False, "0.9.0", None, Stopped, "returns false on failure"),
    row!(Method, save_config, "bool", [a("const char *", "alt_file", OptStr)], False, "0.9.0", None, Nothing, "returns false on failure"),
    row!(Method, create, "bool", [a("const char *", "t", OptStr), a("const char *", "bdevtype", OptStr), a("struct bdev_specs *", "specs", BdevSpecs), a("int", "flags", Flags), a("char * const *", "argv", StrArray)], False, "0.9.0", None, Nothing, "returns false on failure"),
    row!(Variadic("C-variadic: `create` with an argv array covers it"), createl, "bool", [a("const char *", "t", OptStr), a("const char *", "bdevtype", OptStr), a("struct bdev_specs *", "specs", BdevSpecs), a("int", "flags", Flags)], False, "0.9.0", None, Nothing, "returns false on failure"),
    row!(Method, rename, "bool", [a("const char *", "newname", Name)], False, "1.0.0", None, Stopped, "returns false on failure"),
    row!(Method, reboot, "bool", [], False, "1.0.0", None, Running, "returns false on failure"),
    row!(Method, shutdown, "bool", [a("int", "timeout", Timeout)], False, "0.9.0", None, Nothing, "returns false on timeout or error"),
    row!(Method, clear_config, "void", [], Never, "1.0.0", None, Nothing, "returns nothing and cannot fail"),
    row!(Method, clear_config_item, "bool", [a("const char *", "key", ConfigStr)], False, "0.9.0", None, Nothing, "returns false on failure"),
    row!(Method, get_config_item, "int", [a("const char *", "key", Str), BUF[0], BUF[1]], Neg, "0.9.0", None, Nothing, "returns -1 without a configuration and -22 (-EINVAL) for an unknown key"),
    row!(Method, get_running_config_item, "char *", [a("const char *", "key", Str)], Null, "1.0.0", None, Running, "returns NULL on failure"),
    row!(Method, get_keys, "int", [a("const char *", "key", OptStr), BUF[0], BUF[1]], Neg, "0.9.0", None, Defined, "returns -1 or a negative errno"),
    row!(Method, get_interfaces, "char **", [], NullIsEmpty, "1.0.0", None, Running, "returns NULL both for an error and for no interfaces"),
    row!(Method, get_ips, "char **", [a("const char *", "interface", OptStr), a("const char *", "family", OptStr), a("int", "scope", Int)], NullIsEmpty, "1.0.0", None, Running, "returns NULL both for an error and for no addresses"),
    row!(Method, get_cgroup_item, "int", [a("const char *", "subsys", Str), BUF[0], BUF[1]], Neg, "0.9.0", None, Running, "returns -1 when stopped and a negative errno for a bad key"),
    row!(Method, set_cgroup_item, "bool", [a("const char *", "subsys", Str), a("const char *", "value", Str)], False, "0.9.0", None, Running, "returns false on failure"),
    row!(Method, get_config_path, "const char *", [], Null, "0.9.0", None, Nothing, "returns NULL only when no lxcpath is set"),
    row!(Method, set_config_path, "bool", [a("const char *", "path", LxcPath)], False, "0.9.0", None, Nothing, "returns false on failure"),
    row!(Method, clone, "struct lxc_container *", [a("const char *", "newname", OptName), a("const char *", "lxcpath", OptLxcPath), a("int", "flags", Flags), a("const char *", "bdevtype", OptStr), a("const char *", "bdevdata", OptStr), a("uint64_t", "newsize", U64), a("char **", "hookargs", StrArrayMut)], Null, "0.9.0", None, Stopped, "returns NULL on failure"),
    row!(Method, console_getfd, "int", [a("int *", "ttynum", Raw), a("int *", "ptxfd", Raw)], Neg, "1.0.0", None, Running, "returns -1 or a negative errno"),
    row!(Method, console, "int", [a("int", "ttynum", Int), a("int", "stdinfd", Fd), a("int", "stdoutfd", Fd), a("int", "stderrfd", Fd), a("int", "escape", Int)], NegOne, "1.0.0", None, Running, "returns -1 on failure"),
    row!(Method, attach, "int", [a("lxc_attach_exec_t", "exec_function", Raw), a("void *", "exec_payload", Raw), a("lxc_attach_options_t *", "options", Raw), a("pid_t *", "attached_process", Raw)], Neg, "1.0.0", None, Running, "returns -1 or a negative errno"),
    row!(Method, attach_run_wait, "int", [a("lxc_attach_options_t *", "options", Raw), a("const char *", "program", Str), a("const char * const *", "argv", Raw)], Neg, "1.0.0", None, Running, "returns a negative value when attaching fails, else a raw wait status"),
    row!(Variadic("C-variadic: `attach_run_wait` with an argv array covers it"), attach_run_waitl, "int", [a("lxc_attach_options_t *", "options", Raw), a("const char *", "program", Str), a("const char *", "arg", Str)], Neg, "1.0.0", None, Running, "returns a negative value when attaching fails"),
    row!(Method, snapshot, "int", [a("const char *", "commentfile", OptStr)], NegOne, "1.0.0", None, Stopped, "returns -1 on failure"),
    row!(Method, snapshot_list, "int", [a("struct lxc_snapshot **", "snapshots", Raw)], Neg, "1.0.0", None, Defined, "returns -1 on failure"),
    row!(Method, snapshot_restore, "bool", [a("const char *", "snapname", SnapName), a("const char *", "newname", OptName)], False, "1.0.0", None, Defined, "returns false on failure"),
    row!(Method, snapshot_destroy, "bool", [a("const char *", "snapname", SnapName)], False, "1.0.0", None, Defined, "returns false on failure"),
    row!(Method, may_control, "bool", [], Never, "1.0.0", None, Nothing, "is a predicate and cannot fail"),
    row!(Method, add_device_node, "bool", [a("const char *", "src_path", Str), a("const char *", "dest_path", OptStr)], False, "1.0.0", None, Running, "returns false on failure"),
    row!(Method, remove_device_node, "bool", [a("const char *", "src_path", Str), a("const char *", "dest_path", OptStr)], False, "1.0.0", None, Running, "returns false on failure"),
    row!(Method, attach_interface, "bool", [a("const char *", "dev", Str), a("const char *", "dst_dev", OptStr)], False, "1.1.0", None, Running, "returns false on failure"),
    row!(Method, detach_interface, "bool", [a("const char *", "dev", Str), a("const char *", "dst_dev", OptStr)], False, "1.1.0", None, Running, "returns false on failure"),
    row!(Method, checkpoint, "bool", [a("char *", "directory", MutStr), a("bool", "stop", Bool), a("bool", "verbose", Bool)], False, "1.1.0", None, Running, "returns false on failure"),
    row!(Method, restore, "bool", [a("char *", "directory", MutStr), a("bool", "verbose", Bool)], False, "1.1.0", None, Stopped, "returns false on failure"),
    row!(Method, destroy_with_snapshots, "bool", [], False, "1.1.0", None, Stopped, "returns false on failure, also when the container never had snapshots"),
    row!(Method, snapshot_destroy_all, "bool", [], False, "1.1.0", None, Defined, "returns false on failure, also when the container never had snapshots"),
    row!(Method, migrate, "int", [a("unsigned int", "cmd", Raw), a("struct migrate_opts *", "opts", Raw), a("unsigned int", "size", Raw)], NonZero, "2.0.0", None, Nothing, "returns +1 when CRIU fails and a negative value otherwise"),
    row!(Method, console_log, "int", [a("struct lxc_console_log *", "log", Raw)], NegErrno, "3.0.0", Some("console_log"), Running, "returns a negative errno"),
    row!(Method, reboot2, "bool", [a("int", "timeout", Timeout)], False, "3.0.0", Some("reboot2"), Running, "returns false on timeout or error"),
    row!(Method, mount, "int", [a("const char *", "source", OptStr), a("const char *", "target", Str), a("const char *", "filesystemtype", OptStr), a("unsigned long", "mountflags", ULong), a("const void *", "data", Raw), a("struct lxc_mount *", "mnt", Raw)], NonZero, "3.1.0", Some("mount_injection"), Running, "returns -22 (-EINVAL) without shmounts, -1, or a positive value when it cannot create its temporary mount point"),
    row!(Method, umount, "int", [a("const char *", "target", Str), a("unsigned long", "mountflags", ULong), a("struct lxc_mount *", "mnt", Raw)], NonZero, "3.1.0", Some("mount_injection"), Running, "returns +1 when the unmount fails in the container and a negative value otherwise"),
    row!(Method, seccomp_notify_fd, "int", [], Neg, "3.2.0", Some("seccomp_notify"), Running, "returns -1 or a negative errno"),
    row!(Method, seccomp_notify_fd_active, "int", [], NegErrno, "4.0.5", Some("seccomp_notify_fd_active"), Running, "returns a negative errno"),
    row!(Method, init_pidfd, "int", [], NegErrno, "4.0.0", Some("pidfd"), Running, "returns a negative errno"),
    row!(Method, devpts_fd, "int", [], NegErrno, "4.0.5", Some("devpts_fd"), Running, "returns a negative errno"),
    row!(Method, set_timeout, "bool", [a("int", "timeout", Int)], False, "6.0.0", None, Nothing, "returns false for a timeout that is neither -1 nor positive"),
    // Free functions.
    row!(Free, lxc_container_new, "struct lxc_container *", [a("const char *", "name", Name), a("const char *", "configpath", OptLxcPath)], Null, "0.9.0", None, Nothing, "returns NULL on failure"),
    row!(Free, lxc_container_get, "int", [a("struct lxc_container *", "c", Raw)], False, "0.9.0", None, Nothing, "returns 0 on failure and 1 on success"),
    row!(Free, lxc_container_put, "int", [a("struct lxc_container *", "c", Raw)], NegOne, "0.9.0", None, Nothing, "returns -1 on failure"),
    row!(Free, lxc_get_wait_states, "int", [a("const char **", "states", Raw)], Never, "0.9.0", None, Nothing, "cannot fail"),
    row!(Free, lxc_get_global_config_item, "const char *", [a("const char *", "key", Str)], Null, "1.0.0", None, Nothing, "returns NULL with errno EINVAL for an unknown key, and NULL for an unset one"),
    row!(Free, lxc_get_version, "const char *", [], Never, "0.9.0", None, Nothing, "cannot fail"),
    row!(Free, list_defined_containers, "int", [a("const char *", "lxcpath", OptStr), a("char ***", "names", Raw), a("struct lxc_container ***", "cret", Raw)], Neg, "1.0.0", None, Nothing, "returns -1 on failure"),
    row!(Free, list_active_containers, "int", [a("const char *", "lxcpath", OptStr), a("char ***", "names", Raw), a("struct lxc_container ***", "cret", Raw)], Neg, "1.0.0", None, Nothing, "returns -1 on failure"),
    row!(Free, list_all_containers, "int", [a("const char *", "lxcpath", OptStr), a("char ***", "names", Raw), a("struct lxc_container ***", "cret", Raw)], Neg, "1.0.0", None, Nothing, "returns a negative value on failure"),
    row!(Free, lxc_log_init, "int", [a("struct lxc_log *", "log", Raw)], Neg, "2.1.0", Some("lxc_log"), Nothing, "returns -1 or -22 (-EINVAL)"),
    row!(Free, lxc_log_close, "void", [], Never, "1.0.2", None, Nothing, "returns nothing and cannot fail"),
    row!(Free, lxc_config_item_is_supported, "bool", [a("const char *", "key", Str)], Never, "2.1.0", Some("lxc_config_item_is_supported"), Nothing, "is a predicate and cannot fail"),
    row!(Free, lxc_has_api_extension, "bool", [a("const char *", "extension", Str)], Never, "3.1.0", None, Nothing, "is a predicate and cannot fail"),
    row!(Callback, lxc_attach_run_command, "int", [a("void *", "payload", Raw)], Never, "1.0.0", None, Nothing, "is passed as a callback, never called"),
    row!(Callback, lxc_attach_run_shell, "int", [a("void *", "payload", Raw)], Never, "1.0.0", None, Nothing, "is passed as a callback, never called"),
];

/// The row for `name`, if any.
pub fn find(name: &str) -> Option<&'static Member> {
    MEMBERS.iter().find(|m| m.name == name)
}

/// The shape of a C return type, as far as `ret =` kinds care.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CRet {
    Void,
    Bool,
    Int,
    Pid,
    ConstStr,
    MallocStr,
    StrVec,
    Container,
}

impl CRet {
    pub fn of(c_ret: &str) -> CRet {
        match c_ret {
            "void" => CRet::Void,
            "bool" => CRet::Bool,
            "int" => CRet::Int,
            "pid_t" => CRet::Pid,
            "const char *" => CRet::ConstStr,
            "char *" => CRet::MallocStr,
            "char **" => CRet::StrVec,
            "struct lxc_container *" => CRet::Container,
            other => panic!("API table: unknown C return type `{other}`"),
        }
    }

    pub fn is_pointer(self) -> bool {
        matches!(
            self,
            CRet::ConstStr | CRet::MallocStr | CRet::StrVec | CRet::Container
        )
    }
}

/// Parses `"5.0.2"` into a comparable triple.
pub fn version_triple(v: &str) -> (u32, u32, u32) {
    let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}
