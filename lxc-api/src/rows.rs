//! Every row of the table. Methods are in the order of the 5.0.2 header, then `set_timeout`, then
//! the free functions.

use crate::Blocks::{Bounded, Long, Monitor, UpToTimeout};
use crate::Class::*;
use crate::Kind::{Callback, Free, Method, Variadic};
use crate::Needs::{Defined, Running, Stopped};
use crate::Proto::{self, Body};
use crate::{Arg, Class, Config, Effect, Err, ErrorKind, Member};

/// The oldest liblxc this binding supports. Members newer than this are guarded at run time.
pub const OLDEST_SUPPORTED: &str = "4.0.0";

/// What some of liblxc's messages mean, where they do not start with `strerror(errno) - `: a piece
/// of the message and the kind of a failure whose reason holds it.
pub const LOGGED_KINDS: &[(&str, ErrorKind)] = &[
    // A snapshot that does not exist (snapshot_restore, snapshot_destroy).
    ("Could not open snapshot ", ErrorKind::NotFound),
    // A request bigger than liblxc's command socket accepts.
    (" is too large for command ", ErrorKind::InvalidArgument),
];

const fn a(c: &'static str, name: &'static str, class: Class) -> Arg {
    Arg { c, name, class }
}

const fn method(
    name: &'static str,
    c_ret: &'static str,
    args: &'static [Arg],
    err: Err,
    proto: Proto,
    since: &'static str,
) -> Member {
    Member::new(Method, name, c_ret, args, err, proto, since)
}

const fn free(
    name: &'static str,
    c_ret: &'static str,
    args: &'static [Arg],
    err: Err,
    proto: Proto,
    since: &'static str,
) -> Member {
    Member::new(Free, name, c_ret, args, err, proto, since)
}

const BUF: [Arg; 2] = [a("char *", "retv", BufPtr), a("int", "inlen", BufLen)];
const LIST: [Arg; 3] = [
    a("const char *", "lxcpath", OptLxcPath),
    a("char ***", "names", ListNames),
    a("struct lxc_container ***", "cret", ListHandles),
];

const COPIES: &str = "copies the container's storage";

/// The default bounds of the members that run in a child (see `Blocks::Bounded`): a start or
/// stop waits for the monitor (and the hooks it runs); templates may download; copies may be large.
pub const START_STOP_MS: u32 = 120_000;
/// See [`START_STOP_MS`].
pub const STORAGE_MS: u32 = 1_800_000;
const RETURNS_FALSE: &str = "returns false on failure";
const PREDICATE: &str = "is a predicate and cannot fail";

// freeze/unfreeze: liblxc 5.0.2 polls the cgroup v1 freezer with no bound (a concurrent thaw,
// or a task in vfork right after a start, keeps it polling for ever). The declarations drive the
// freezer first (a `pre` function); liblxc's member then finds the state right and tells the
// container's state listeners, in a child that is killed at the deadline.

/// Every row.
pub const MEMBERS: &[Member] = &[
    method("is_defined", "bool", &[], Err::Never, Proto::Bool, "0.9.0").fails(PREDICATE),
    method("state", "const char *", &[], Err::Null, Proto::StaticStr, "0.9.0")
        .blocks(Monitor)
        .fails("returns NULL only for a NULL container, and \"INVALID STATE\" when the monitor cannot be asked"),
    method("is_running", "bool", &[], Err::Never, Proto::Bool, "0.9.0")
        .blocks(Monitor)
        .fails(PREDICATE),
    method("freeze", "bool", &[], Err::False, Proto::Unit, "0.9.0")
        .needs_first(Running)
        .in_child()
        .blocks(crate::Blocks::Killed(10_000))
        .fails(RETURNS_FALSE),
    method("unfreeze", "bool", &[], Err::False, Proto::Unit, "0.9.0")
        .needs_first(Running)
        .in_child()
        .blocks(crate::Blocks::Killed(10_000))
        .fails(RETURNS_FALSE),
    method("init_pid", "pid_t", &[], Err::NegOne, Proto::Pid, "0.9.0")
        .needs(Running)
        .blocks(Monitor)
        .fails("returns -1 when the container is not running"),
    method("load_config", "bool", &[a("const char *", "alt_file", OptStr)], Err::False, Proto::Unit, "0.9.0")
        .config(Config::Makes)
        .fails(RETURNS_FALSE),
    method("start", "bool", &[a("int", "useinit", IntBool), a("char * const *", "argv", StrArray)], Err::False, Proto::Unit, "0.9.0")
        .needs(Stopped)
        .in_child()
        .blocks(Bounded("until the container's init runs (and the hooks before it end), or after a failure until its monitor has cleaned up (post-stop hooks, an ephemeral container's removal)", START_STOP_MS))
        .fails(RETURNS_FALSE),
    Member::new(Variadic("C-variadic: `start` with an argv array covers it"), "startl", "bool", &[a("int", "useinit", IntBool)], Err::False, Proto::Unit, "0.9.0"),
    // liblxc 5.0.2 returns true for a container that does not run, and for one that is not
    // defined: refused first.
    method("stop", "bool", &[], Err::False, Proto::Unit, "0.9.0")
        .needs_first(Running)
        .effect(Effect::Stopped)
        .in_child()
        .blocks(Bounded("until the container's monitor is gone", START_STOP_MS))
        .fails(RETURNS_FALSE),
    method("want_daemonize", "bool", &[a("bool", "state", Bool)], Err::False, Proto::Unit, "0.9.0")
        .config(Config::Held)
        .fails("returns false when no configuration is loaded"),
    method("want_close_all_fds", "bool", &[a("bool", "state", Bool)], Err::False, Proto::Unit, "1.0.0")
        .config(Config::Held)
        .fails("returns false when no configuration is loaded"),
    method("config_file_name", "char *", &[], Err::Null, Proto::MallocStr, "0.9.0")
        .fails("returns NULL on failure"),
    method("wait", "bool", &[a("const char *", "state", Str), a("int", "timeout", WaitTimeout)], Err::False, Proto::Unit, "0.9.0")
        .blocks(crate::Blocks::Polls)
        .times_out("the container did not reach the state waited for")
        .fails("returns false on timeout or error, and at once when the container has no monitor"),
    method("set_config_item", "bool", &[a("const char *", "key", ConfigStr), a("const char *", "value", ConfigStr)], Err::False, Proto::Unit, "0.9.0")
        .config(Config::Makes)
        .silent(ErrorKind::InvalidArgument, "liblxc refused the key or its value: an unknown key, an index it cannot add, or a value it cannot parse for that key")
        .fails(RETURNS_FALSE),
    method("destroy", "bool", &[], Err::False, Proto::Unit, "0.9.0")
        .writes()
        .needs(Stopped)
        .effect(Effect::Undefined)
        .in_child()
        .blocks(Bounded("removes the container's storage (and runs its destroy hooks)", STORAGE_MS))
        .fails(RETURNS_FALSE),
    method("save_config", "bool", &[a("const char *", "alt_file", SaveTarget)], Err::False, Proto::Unit, "0.9.0")
        .effect(Effect::WrittenAtomically)
        .writes()
        .config(Config::Loaded(ErrorKind::Failed, "this object holds no configuration (clear_config was called); call load_config first, or liblxc would write its defaults"))
        .fails(RETURNS_FALSE),
    // create frees the object's configuration midway and loads a new one while liblxc's
    // thread-local pointer still names the freed one, which its log then reads: it runs in a child,
    // which also keeps create's process-wide umask change to itself.
    method("create", "bool", &[a("const char *", "t", OptStr), a("const char *", "bdevtype", OptStr), a("struct bdev_specs *", "specs", BdevSpecs), a("int", "flags", Flags), a("char * const *", "argv", StrArray)], Err::False, Proto::Unit, "0.9.0")
        .writes()
        .config(Config::Loaded(ErrorKind::AlreadyExists, "the container already exists (this object's configuration was cleared; liblxc would run the template over it)"))
        .effect(Effect::Defined)
        .in_child()
        .blocks(Bounded("until the template ends", STORAGE_MS))
        .fails(RETURNS_FALSE),
    Member::new(Variadic("C-variadic: `create` with an argv array covers it"), "createl", "bool", &[a("const char *", "t", OptStr), a("const char *", "bdevtype", OptStr), a("struct bdev_specs *", "specs", BdevSpecs), a("int", "flags", Flags)], Err::False, Proto::Unit, "0.9.0"),
    method("rename", "bool", &[a("const char *", "newname", Name)], Err::False, Proto::Unit, "1.0.0")
        .writes()
        .needs(Stopped)
        .in_child()
        .blocks(Bounded(COPIES, STORAGE_MS))
        .fails(RETURNS_FALSE),
    method("reboot", "bool", &[], Err::False, Proto::Unit, "1.0.0")
        .needs(Running)
        .not_frozen()
        .fails(RETURNS_FALSE),
    method("shutdown", "bool", &[a("int", "timeout", Timeout)], Err::False, Proto::Unit, "0.9.0")
        .not_frozen()
        .blocks(UpToTimeout)
        .times_out("the container did not stop after its init was sent the halt signal")
        .fails("returns false on timeout or error"),
    method("clear_config", "void", &[], Err::Never, Proto::Unit, "1.0.0")
        .fails("returns nothing and cannot fail"),
    method("clear_config_item", "bool", &[a("const char *", "key", ConfigStr)], Err::False, Proto::Unit, "0.9.0")
        .config(Config::Held)
        .silent(ErrorKind::InvalidArgument, "liblxc refused the key: an unknown key or one it cannot clear")
        .fails(RETURNS_FALSE),
    method("get_config_item", "int", &[a("const char *", "key", Str), BUF[0], BUF[1]], Err::Neg, Proto::BufString, "0.9.0")
        .config(Config::Held)
        .fails("returns -1 without a configuration and -22 (-EINVAL) for an unknown key")
        .bytes("config_item_bytes"),
    method("get_running_config_item", "char *", &[a("const char *", "key", Str)], Err::Null, Proto::MallocStr, "1.0.0")
        .needs(Running)
        .blocks(Monitor)
        .silent(ErrorKind::NotFound, "the running container's monitor has no value for this key (an unknown key, or one that is not set)")
        .fails("returns NULL on failure")
        .bytes("running_config_item_bytes"),
    method("get_keys", "int", &[a("const char *", "key", OptStr), BUF[0], BUF[1]], Err::Neg, Proto::BufString, "0.9.0")
        .needs(Defined)
        .fails("returns -1 or a negative errno"),
    method("get_interfaces", "char **", &[], Err::NullIsEmpty, Proto::StrVec, "1.0.0")
        .needs(Running)
        .fails("returns NULL both for an error and for no interfaces"),
    method("get_ips", "char **", &[a("const char *", "interface", OptStr), a("const char *", "family", OptStr), a("int", "scope", Int)], Err::NullIsEmpty, Proto::StrVec, "1.0.0")
        .needs(Running)
        .fails("returns NULL both for an error and for no addresses"),
    method("get_cgroup_item", "int", &[a("const char *", "subsys", Str), BUF[0], BUF[1]], Err::Neg, Proto::BufString, "0.9.0")
        .needs(Running)
        .fails("returns -1 when stopped and a negative errno for a bad key")
        .bytes("cgroup_item_bytes"),
    method("set_cgroup_item", "bool", &[a("const char *", "subsys", Str), a("const char *", "value", Str)], Err::False, Proto::Unit, "0.9.0")
        .needs(Running)
        .fails(RETURNS_FALSE),
    method("get_config_path", "const char *", &[], Err::Null, Proto::StaticStr, "0.9.0")
        .fails("returns NULL only when no lxcpath is set"),
    method("set_config_path", "bool", &[a("const char *", "path", LxcPath)], Err::False, Proto::Unit, "0.9.0")
        .fails(RETURNS_FALSE),
    // liblxc dereferences the configuration (a crash without one) and copies in a raw clone()
    // child (a deadlock on another thread's stdio lock): checked first, run in a forked child.
    method("clone", "struct lxc_container *", &[a("const char *", "newname", OptName), a("const char *", "lxcpath", OptLxcPath), a("int", "flags", Flags), a("const char *", "bdevtype", OptStr), a("const char *", "bdevdata", OptStr), a("uint64_t", "newsize", U64), a("char **", "hookargs", StrArrayMut)], Err::Null, Proto::Container, "0.9.0")
        .writes()
        .needs(Stopped)
        .config(Config::Required)
        .in_child()
        .blocks(Bounded(COPIES, STORAGE_MS))
        .fails("returns NULL on failure"),
    method("console_getfd", "int", &[a("int *", "ttynum", Raw), a("int *", "ptxfd", Raw)], Err::Neg, Body, "1.0.0")
        .needs(Running)
        .blocks(Monitor)
        .fails("returns -1 or a negative errno"),
    method("console", "int", &[a("int", "ttynum", TtyNum), a("int", "stdinfd", Fd), a("int", "stdoutfd", Fd), a("int", "stderrfd", Fd), a("int", "escape", Int)], Err::NegOne, Proto::Unit, "1.0.0")
        .needs(Running)
        .blocks(Long("until the escape key is typed"))
        .fails("returns -1 on failure"),
    // Running is checked first: liblxc 5.0.2's attach of a container that is not running leaves
    // a descriptor of /proc/<caller> open in the caller, one per call.
    method("attach", "int", &[a("lxc_attach_exec_t", "exec_function", Raw), a("void *", "exec_payload", Raw), a("lxc_attach_options_t *", "options", Raw), a("pid_t *", "attached_process", Raw)], Err::Neg, Body, "1.0.0")
        .needs_first(Running)
        .not_frozen()
        .pidfd(crate::Pidfd::Leaks)
        .fails("returns -1 or a negative errno"),
    method("attach_run_wait", "int", &[a("lxc_attach_options_t *", "options", Raw), a("const char *", "program", Str), a("const char * const *", "argv", Raw)], Err::Neg, Body, "1.0.0")
        .needs_first(Running)
        .not_frozen()
        .pidfd(crate::Pidfd::Leaks)
        .blocks(Long("until the program exits"))
        .fails("returns a negative value when attaching fails, else a raw wait status"),
    Member::new(Variadic("C-variadic: `attach_run_wait` with an argv array covers it"), "attach_run_waitl", "int", &[a("lxc_attach_options_t *", "options", Raw), a("const char *", "program", Str), a("const char *", "arg", Str)], Err::Neg, Body, "1.0.0"),
    method("snapshot", "int", &[a("const char *", "commentfile", OptStr)], Err::NegOne, Proto::Int, "1.0.0")
        .writes()
        .needs(Stopped)
        .config(Config::Required)
        .in_child()
        .blocks(Bounded(COPIES, STORAGE_MS))
        .fails("returns -1 on failure"),
    method("snapshot_list", "int", &[a("struct lxc_snapshot **", "snapshots", Raw)], Err::Neg, Body, "1.0.0")
        .needs(Defined)
        .fails("returns -1 on failure"),
    method("snapshot_restore", "bool", &[a("const char *", "snapname", SnapName), a("const char *", "newname", OptName)], Err::False, Proto::Unit, "1.0.0")
        .writes()
        .needs(Defined)
        .config(Config::Required)
        .in_child()
        .blocks(Bounded(COPIES, STORAGE_MS))
        .fails(RETURNS_FALSE),
    method("snapshot_destroy", "bool", &[a("const char *", "snapname", SnapName)], Err::False, Proto::Unit, "1.0.0")
        .writes()
        .needs(Defined)
        .fails(RETURNS_FALSE),
    method("may_control", "bool", &[], Err::Never, Proto::Bool, "1.0.0").fails(PREDICATE),
    method("add_device_node", "bool", &[a("const char *", "src_path", Str), a("const char *", "dest_path", OptStr)], Err::False, Proto::Unit, "1.0.0")
        .needs(Running)
        .fails(RETURNS_FALSE),
    method("remove_device_node", "bool", &[a("const char *", "src_path", Str), a("const char *", "dest_path", OptStr)], Err::False, Proto::Unit, "1.0.0")
        .needs(Running)
        .fails(RETURNS_FALSE),
    method("attach_interface", "bool", &[a("const char *", "dev", Str), a("const char *", "dst_dev", OptStr)], Err::False, Proto::Unit, "1.1.0")
        .needs(Running)
        .fails(RETURNS_FALSE),
    method("detach_interface", "bool", &[a("const char *", "dev", Str), a("const char *", "dst_dev", OptStr)], Err::False, Proto::Unit, "1.1.0")
        .needs(Running)
        .fails(RETURNS_FALSE),
    method("checkpoint", "bool", &[a("char *", "directory", MutStr), a("bool", "stop", Bool), a("bool", "verbose", Bool)], Err::False, Proto::Unit, "1.1.0")
        .needs(Running)
        .config(Config::Required)
        .blocks(Long("CRIU dumps the container"))
        .fails(RETURNS_FALSE),
    method("restore", "bool", &[a("char *", "directory", MutStr), a("bool", "verbose", Bool)], Err::False, Proto::Unit, "1.1.0")
        .needs(Stopped)
        .config(Config::Required)
        .blocks(Long("CRIU restores the container"))
        .fails(RETURNS_FALSE),
    method("destroy_with_snapshots", "bool", &[], Err::False, Proto::Unit, "1.1.0")
        .writes()
        .needs(Stopped)
        .effect(Effect::Undefined)
        .in_child()
        .blocks(Bounded("removes the container's storage (and runs its destroy hooks)", STORAGE_MS))
        .fails("returns false on failure, also when the container never had snapshots"),
    method("snapshot_destroy_all", "bool", &[], Err::False, Proto::Unit, "1.1.0")
        .writes()
        .needs(Defined)
        .fails("returns false on failure, also when the container never had snapshots"),
    method("migrate", "int", &[a("unsigned int", "cmd", Raw), a("struct migrate_opts *", "opts", Raw), a("unsigned int", "size", Raw)], Err::NonZero, Body, "2.0.0")
        .blocks(Long("CRIU dumps or restores the container"))
        .fails("returns +1 when CRIU fails and a negative value otherwise"),
    method("console_log", "int", &[a("struct lxc_console_log *", "log", Raw)], Err::NegErrno, Body, "3.0.0")
        .ext("console_log")
        .needs(Running)
        .blocks(Monitor)
        .fails("returns a negative errno"),
    // liblxc 5.0.2 returns true without rebooting anything when the container does not run.
    method("reboot2", "bool", &[a("int", "timeout", Timeout)], Err::False, Proto::Unit, "3.0.0")
        .ext("reboot2")
        .needs_first(Running)
        .not_frozen()
        .blocks(UpToTimeout)
        .times_out("the container did not restart")
        .fails("returns false on timeout or error"),
    method("mount", "int", &[a("const char *", "source", OptStr), a("const char *", "target", Str), a("const char *", "filesystemtype", OptStr), a("unsigned long", "mountflags", ULong), a("const void *", "data", OptData), a("struct lxc_mount *", "mnt", MountV1)], Err::NonZero, Proto::Unit, "3.1.0")
        .ext("mount_injection")
        .needs(Running)
        .fails("returns -22 (-EINVAL) without shmounts, -1, or a positive value when it cannot create its temporary mount point"),
    method("umount", "int", &[a("const char *", "target", Str), a("unsigned long", "mountflags", ULong), a("struct lxc_mount *", "mnt", MountV1)], Err::NonZero, Proto::Unit, "3.1.0")
        .ext("mount_injection")
        .needs(Running)
        .fails("returns +1 when the unmount fails in the container and a negative value otherwise"),
    method("seccomp_notify_fd", "int", &[], Err::Neg, Proto::BorrowedFd, "3.2.0")
        .ext("seccomp_notify")
        .needs(Running)
        .fails("returns -1 or a negative errno"),
    method("seccomp_notify_fd_active", "int", &[], Err::NegErrno, Proto::OwnedFd, "4.0.5")
        .ext("seccomp_notify_fd_active")
        .needs(Running)
        .blocks(Monitor)
        .fails("returns a negative errno"),
    method("init_pidfd", "int", &[], Err::NegErrno, Proto::OwnedFd, "4.0.0")
        .ext("pidfd")
        .needs(Running)
        .pidfd(crate::Pidfd::Returns)
        .blocks(Monitor)
        .fails("returns a negative errno"),
    method("devpts_fd", "int", &[], Err::NegErrno, Proto::OwnedFd, "4.0.5")
        .ext("devpts_fd")
        .needs(Running)
        .blocks(Monitor)
        .fails("returns a negative errno"),
    method("set_timeout", "bool", &[a("int", "timeout", Seconds)], Err::False, Proto::Unit, "6.0.0")
        .fails("returns false for a timeout that is neither -1 nor positive"),
    // Free functions.
    free("lxc_container_new", "struct lxc_container *", &[a("const char *", "name", Name), a("const char *", "configpath", OptLxcPath)], Err::Null, Proto::Container, "0.9.0")
        .fails("returns NULL on failure"),
    free("lxc_container_get", "int", &[a("struct lxc_container *", "c", Raw)], Err::False, Body, "0.9.0")
        .fails("returns 0 on failure and 1 on success"),
    free("lxc_container_put", "int", &[a("struct lxc_container *", "c", Raw)], Err::NegOne, Body, "0.9.0")
        .fails("returns -1 on failure"),
    free("lxc_get_wait_states", "int", &[a("const char **", "states", Raw)], Err::Never, Body, "0.9.0")
        .fails("cannot fail"),
    free("lxc_get_global_config_item", "const char *", &[a("const char *", "key", Str)], Err::Null, Proto::StaticStr, "1.0.0")
        .fails("returns NULL with errno EINVAL for an unknown key, and NULL for an unset one"),
    free("lxc_get_version", "const char *", &[], Err::Never, Proto::StaticStr, "0.9.0")
        .fails("cannot fail"),
    free("list_defined_containers", "int", &LIST, Err::Neg, Proto::Listing, "1.0.0")
        .fails("returns -1 on failure"),
    free("list_active_containers", "int", &LIST, Err::Neg, Proto::Listing, "1.0.0")
        .blocks(Monitor)
        .fails("returns -1 on failure"),
    free("list_all_containers", "int", &LIST, Err::Neg, Proto::Listing, "1.0.0")
        .blocks(Monitor)
        .fails("returns a negative value on failure"),
    free("lxc_log_init", "int", &[a("struct lxc_log *", "log", Raw)], Err::Neg, Body, "2.1.0")
        .ext("lxc_log")
        .fails("returns -1 or -22 (-EINVAL)"),
    free("lxc_log_close", "void", &[], Err::Never, Proto::Unit, "1.0.2")
        .fails("returns nothing and cannot fail"),
    free("lxc_config_item_is_supported", "bool", &[a("const char *", "key", Str)], Err::Never, Proto::Bool, "2.1.0")
        .ext("lxc_config_item_is_supported")
        .fails(PREDICATE),
    free("lxc_has_api_extension", "bool", &[a("const char *", "extension", Str)], Err::Never, Proto::Bool, "3.1.0")
        .fails(PREDICATE),
    Member::new(Callback, "lxc_attach_run_command", "int", &[a("void *", "payload", Raw)], Err::Never, Body, "1.0.0")
        .fails("is passed as a callback, never called"),
    Member::new(Callback, "lxc_attach_run_shell", "int", &[a("void *", "payload", Raw)], Err::Never, Body, "1.0.0")
        .fails("is passed as a callback, never called"),
];
