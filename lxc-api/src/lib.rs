//! The liblxc API table of lxc-rs: one typed row per member of `struct lxc_container` and per
//! exported free function, holding the member's whole contract.
//!
//! It is the single source of truth, read three times:
//!
//! - by `lxc-macros`, which checks each `#[lxc_method]` declaration against its row and supplies
//!   what the declaration leaves out (the failure convention, the C protocol, the version guard);
//! - by the build script of `lxc-core`, which generates one C trampoline per row (compiled with
//!   `-Werror` against the installed `lxccontainer.h`, so a wrong row fails the build) and one
//!   runtime constant per row;
//! - by the tests, which derive the contract matrix (every member × every container condition)
//!   and the coverage check from it.
//!
//! A row ([`Member`]) says, besides the C types: how the member fails ([`Err`]), what it returns
//! ([`Proto`]), the liblxc release and API extension that brought it, the container condition it
//! needs and whether the runtime refuses the call first ([`Needs`], [`Member::check_first`]), what
//! it needs of the object's configuration ([`Config`]), the effect the runtime verifies after a
//! success liblxc may fake ([`Effect`]), whether it runs in a forked child, whether and how long it
//! blocks ([`Blocks`]), and the kind of each failure liblxc does not explain ([`Silent`],
//! [`LOGGED_KINDS`]). Nothing about a member lives in a list keyed by its name.
//!
//! C types are written exactly as C spells them; the build script maps them to Rust FFI types.
#![deny(missing_docs)]
#![no_std]

mod kind;
mod rows;

pub use kind::ErrorKind;
pub use rows::{LOGGED_KINDS, MEMBERS, OLDEST_SUPPORTED, START_STOP_MS, STORAGE_MS};

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

/// How a C argument is lowered from Rust; each class has a marker type in the runtime.
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
    /// `int` seconds that later calls wait (`set_timeout`): -1 for no limit. Unlike [`Class::Timeout`],
    /// this call itself does not wait.
    Seconds,
    /// `int` terminal number: -1 for the first free one, 0 for the console, 1 and up for a tty.
    TtyNum,
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
    /// `const void *` that is a string or NULL (`mount`'s filesystem data).
    OptData,
    /// `const char *alt_file` of `save_config` (NULL: the container's own file): liblxc gets an
    /// in-memory file, and the runtime writes the target itself ([`Effect::WrittenAtomically`]).
    SaveTarget,
    /// `struct lxc_mount *`: the trampoline passes one of its own, `{ .version = LXC_MOUNT_API_V1 }`.
    MountV1,
    /// `char ***names` of a listing, given by the runtime.
    ListNames,
    /// `struct lxc_container ***cret` of a listing, given by the runtime.
    ListHandles,
    /// Anything else: out-parameters, callbacks, structs. Only a declaration with a body binds it.
    Raw,
}

impl Class {
    /// Whether the declaration has a Rust argument for it (the others are the runtime's or the
    /// trampoline's: buffers, out-arrays, fixed structs).
    pub const fn from_rust(self) -> bool {
        !matches!(
            self,
            Class::BufPtr | Class::BufLen | Class::MountV1 | Class::ListNames | Class::ListHandles
        )
    }

    /// Whether lowering an argument of this class can refuse it (a NUL byte, a bad name, a timeout
    /// out of range), so that the declaration must return `Result`.
    pub const fn may_refuse(self) -> bool {
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
    /// Cannot fail.
    Never,
    /// `false` is failure.
    False,
    /// NULL is failure.
    Null,
    /// NULL is both failure and "none": read as empty.
    NullIsEmpty,
    /// -1 is failure.
    NegOne,
    /// Any negative value is failure.
    Neg,
    /// A negative errno is failure.
    NegErrno,
    /// Any non-zero value is failure (positive ones too).
    NonZero,
}

/// How the member hands its value back: the C protocol the runtime lifts the Rust value from.
/// A declaration's Rust return type says what the caller gets; this says how it is read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Proto {
    /// A status only (`bool`, `int` or `void`): the Rust value is `()`.
    Unit,
    /// A `bool` predicate.
    Bool,
    /// A non-negative `int`.
    Int,
    /// A `pid_t`.
    Pid,
    /// An `int` descriptor the caller owns.
    OwnedFd,
    /// An `int` descriptor liblxc keeps.
    BorrowedFd,
    /// A `const char *` liblxc keeps: copied.
    StaticStr,
    /// A malloc'd `char *`: copied and freed.
    MallocStr,
    /// The two-call length protocol into a caller buffer (`char *retv, int inlen`).
    BufString,
    /// A malloc'd NULL-terminated `char **`.
    StrVec,
    /// A new `struct lxc_container *` reference.
    Container,
    /// A counted array of names or of container references (`list_*_containers`).
    Listing,
    /// Structs, out-parameters or callbacks: the declaration has a body.
    Body,
}

/// The container condition a member needs. Its error, when it does not hold, is
/// [`Needs::unmet`]. With [`Member::check_first`] the runtime refuses the call before liblxc
/// is touched; otherwise the condition only explains a failure liblxc reported.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Needs {
    /// Any condition: defined or not, running or not.
    Nothing,
    /// A defined container (its configuration is in the lxcpath).
    Defined,
    /// A running (or frozen) container.
    Running,
    /// A defined container that does not run.
    Stopped,
}

impl Needs {
    /// The kind and reason of the error when the container is in `cond` and this is not met, or
    /// `None` when `cond` meets it.
    pub const fn unmet(self, cond: Condition) -> Option<(ErrorKind, &'static str)> {
        const NOT_RUNNING: (ErrorKind, &str) =
            (ErrorKind::NotRunning, "the container is not running");
        const NOT_DEFINED: (ErrorKind, &str) =
            (ErrorKind::NotFound, "the container is not defined");
        const RUNNING: (ErrorKind, &str) = (
            ErrorKind::Running,
            "the container is running; stop it first",
        );
        match (self, cond) {
            (Needs::Nothing, _) => None,
            (Needs::Running, Condition::Running | Condition::Frozen) => None,
            (Needs::Running, _) => Some(NOT_RUNNING),
            (Needs::Defined, Condition::Undefined) => Some(NOT_DEFINED),
            (Needs::Defined, _) => None,
            (Needs::Stopped, Condition::Undefined) => Some(NOT_DEFINED),
            (Needs::Stopped, Condition::Stopped) => None,
            (Needs::Stopped, _) => Some(RUNNING),
        }
    }
}

/// A container condition, as the contract distinguishes them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Condition {
    /// No configuration in the lxcpath (and not running).
    Undefined,
    /// Defined and stopped.
    Stopped,
    /// Running.
    Running,
    /// Running with its processes frozen.
    Frozen,
}

impl Condition {
    /// Every condition, in the order the contract matrix walks them.
    pub const ALL: [Condition; 4] = [
        Condition::Undefined,
        Condition::Stopped,
        Condition::Running,
        Condition::Frozen,
    ];
}

/// What a member needs of the configuration the container object holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Config {
    /// Nothing: liblxc copes with an object that holds none.
    Any,
    /// liblxc dereferences it (a crash otherwise): the runtime refuses an undefined container
    /// ([`ErrorKind::NotFound`]) and an object whose configuration was cleared
    /// ([`ErrorKind::Failed`]) first.
    Required,
    /// liblxc fails, harmlessly and without a word, when the object holds none: the runtime
    /// explains that failure as [`ErrorKind::NotFound`] for a container that is not defined
    /// (its object has none until a configuration item is set) and [`ErrorKind::Failed`] after
    /// `clear_config`. (Checked after the failure, so a success costs nothing.)
    Held,
    /// On a defined container whose object holds none (after `clear_config`), liblxc would run
    /// with its defaults: the runtime refuses it first with this kind and reason.
    Loaded(ErrorKind, &'static str),
    /// liblxc gives an object that holds none a blank configuration first; the runtime makes
    /// it, with the object's own log, so what liblxc logs has somewhere to go.
    Makes,
}

/// The effect of a success that liblxc may report without having it: the runtime checks it after
/// liblxc says yes, and an absent effect is an error of this member, never `Ok`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Effect {
    /// liblxc's success is trusted (or the member has no effect to check).
    Trusted,
    /// The container no longer runs.
    Stopped,
    /// The container is defined.
    Defined,
    /// The container is no longer defined.
    Undefined,
    /// liblxc wrote a file (a [`Class::SaveTarget`] argument) into memory, where it cannot be cut
    /// short; the runtime then writes it to the target atomically (a temporary file in the same
    /// directory, synced, renamed over it), so after a failure the old file is intact and after a
    /// success the new one is complete. liblxc itself does not check its writes (a full
    /// filesystem left a configuration cut at 4,096 bytes, and success).
    WrittenAtomically,
}

/// What a member does with pidfds of the container's init it receives from the monitor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pidfd {
    /// Nothing.
    None,
    /// liblxc (5.0.2 `attach`) leaves one open in the caller per call: the runtime closes it
    /// once no call that may still use it is in flight.
    Leaks,
    /// It hands one to the caller (`init_pidfd`): the runtime never takes it for a leak.
    Returns,
}

/// Whether a member can block, and what bounds it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Blocks {
    /// It returns promptly.
    No,
    /// Up to its timeout argument (a [`Class::Timeout`] or [`Class::WaitTimeout`] argument).
    UpToTimeout,
    /// Up to its timeout argument, but liblxc gives up at once when it cannot ask the container
    /// yet (no monitor runs): the runtime asks again until the timeout has passed, so a timeout
    /// is never reported early.
    Polls,
    /// It asks the container's monitor over its command socket, and the monitor answers at once
    /// (liblxc 6.0 bounds it with `set_timeout`).
    Monitor,
    /// Until the container's processes end or storage is copied: the reason, in words. Nothing
    /// bounds it but what the caller controls (a program it runs, a key it types).
    Long(&'static str),
    /// Until something liblxc waits for without a bound (the reason, in words): it runs in a
    /// forked child ([`Member::in_child`]) that is killed, with every process it started, after
    /// the handle's call limit, or this many milliseconds when the handle sets none; the call is
    /// then [`ErrorKind::Timeout`].
    Bounded(&'static str, u32),
    /// liblxc's own wait has no bound: it runs in a forked child ([`Member::in_child`]) that
    /// is killed after this many milliseconds, unless the declaration's `pre` function set
    /// another deadline; the call is then [`ErrorKind::Timeout`].
    Killed(u32),
}

/// The kind and reason of a failure liblxc reports without logging anything: whatever errno it
/// leaves is stale, and the table's words are the better explanation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Silent {
    /// The kind the failure gets.
    pub kind: ErrorKind,
    /// Why, in words.
    pub reason: &'static str,
}

/// One C argument after the container.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    /// The C type.
    pub c: &'static str,
    /// The C name.
    pub name: &'static str,
    /// How it is lowered.
    pub class: Class,
}

/// One row: a member and its whole contract.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    /// The C name.
    pub name: &'static str,
    /// What it is.
    pub kind: Kind,
    /// The C return type.
    pub c_ret: &'static str,
    /// The C arguments after the container.
    pub args: &'static [Arg],
    /// How it fails.
    pub err: Err,
    /// How it hands its value back.
    pub proto: Proto,
    /// First liblxc release whose header has it.
    pub since: &'static str,
    /// The API extension that announces it.
    pub api_ext: Option<&'static str>,
    /// The container condition it needs.
    pub needs: Needs,
    /// Whether the runtime checks [`Member::needs`] before calling (liblxc reports success
    /// without effect, or crashes, when it does not hold), rather than only to explain a failure.
    pub check_first: bool,
    /// What it needs of the object's configuration.
    pub config: Config,
    /// The effect the runtime checks after a success.
    pub effect: Effect,
    /// What it does with pidfds of the container's init.
    pub pidfd: Pidfd,
    /// Whether it writes into the lxcpath: a failure is explained by the filesystem's state
    /// first ([`ErrorKind::StorageFull`], [`ErrorKind::ReadOnly`]), naming the path.
    pub writes: bool,
    /// Whether the runtime refuses it first, with [`ErrorKind::Frozen`], on a frozen container:
    /// its processes cannot act on it (a signal waits, an attached program does not start), so
    /// liblxc would block or report a timeout while the effect comes later, when it is thawed.
    pub not_frozen: bool,
    /// Whether it runs in a forked child: liblxc's own child made with the raw `clone()` can
    /// deadlock on another thread's stdio lock, or liblxc frees state the caller's thread
    /// still points at. Only the result comes back.
    pub in_child: bool,
    /// Whether and how long it blocks.
    pub blocks: Blocks,
    /// For a member given a timeout: what did not happen when it runs out, in words (the
    /// `Timeout` error's reason); empty for the generic words.
    pub timeout_means: &'static str,
    /// The failure liblxc reports without a word.
    pub silent: Option<Silent>,
    /// How it really fails, in words; quoted in declaration errors and in error messages.
    pub fails: &'static str,
    /// The Rust method that returns this member's value as bytes, for a member whose text liblxc
    /// does not promise to be UTF-8 (a configuration value, a cgroup file): the `InvalidData`
    /// error of the text getter names it.
    pub bytes: Option<&'static str>,
}

impl Member {
    /// A row with the plain contract: needs nothing, trusted, does not block.
    pub const fn new(
        kind: Kind,
        name: &'static str,
        c_ret: &'static str,
        args: &'static [Arg],
        err: Err,
        proto: Proto,
        since: &'static str,
    ) -> Member {
        Member {
            name,
            kind,
            c_ret,
            args,
            err,
            proto,
            since,
            api_ext: None,
            needs: Needs::Nothing,
            check_first: false,
            config: Config::Any,
            not_frozen: false,
            pidfd: Pidfd::None,
            writes: false,
            effect: Effect::Trusted,
            in_child: false,
            blocks: Blocks::No,
            timeout_means: "",
            silent: None,
            fails: "",
            bytes: None,
        }
    }

    /// Sets the API extension.
    pub const fn ext(mut self, e: &'static str) -> Member {
        self.api_ext = Some(e);
        self
    }

    /// Sets the condition, checked only to explain a failure.
    pub const fn needs(mut self, n: Needs) -> Member {
        self.needs = n;
        self
    }

    /// Sets the condition, checked before the call.
    pub const fn needs_first(mut self, n: Needs) -> Member {
        self.needs = n;
        self.check_first = true;
        self
    }

    /// Sets what it needs of the configuration.
    pub const fn config(mut self, c: Config) -> Member {
        self.config = c;
        self
    }

    /// Sets what it does with pidfds of the container's init.
    pub const fn pidfd(mut self, p: Pidfd) -> Member {
        self.pidfd = p;
        self
    }

    /// Marks it as writing into the lxcpath.
    pub const fn writes(mut self) -> Member {
        self.writes = true;
        self
    }

    /// Refuses it first on a frozen container.
    pub const fn not_frozen(mut self) -> Member {
        self.not_frozen = true;
        self
    }

    /// Sets the effect checked after a success.
    pub const fn effect(mut self, e: Effect) -> Member {
        self.effect = e;
        self
    }

    /// Runs it in a forked child.
    pub const fn in_child(mut self) -> Member {
        self.in_child = true;
        self
    }

    /// Sets how it blocks.
    pub const fn blocks(mut self, b: Blocks) -> Member {
        self.blocks = b;
        self
    }

    /// Sets what did not happen when its timeout runs out.
    pub const fn times_out(mut self, what: &'static str) -> Member {
        self.timeout_means = what;
        self
    }

    /// Sets the failure liblxc does not explain.
    pub const fn silent(mut self, kind: ErrorKind, reason: &'static str) -> Member {
        self.silent = Some(Silent { kind, reason });
        self
    }

    /// Sets how it fails, in words.
    pub const fn fails(mut self, f: &'static str) -> Member {
        self.fails = f;
        self
    }

    /// Names the Rust method that returns the value as bytes (see [`Member::bytes`]).
    pub const fn bytes(mut self, method: &'static str) -> Member {
        self.bytes = Some(method);
        self
    }

    /// Whether a failure may be the timeout argument running out.
    pub fn timed(&self) -> bool {
        self.args
            .iter()
            .any(|a| matches!(a.class, Class::Timeout | Class::WaitTimeout))
    }

    /// Whether the runtime guard must check the running liblxc before touching it (the member is
    /// newer than [`OLDEST_SUPPORTED`]).
    pub fn newer_than_oldest(&self) -> bool {
        version_triple(self.since) > version_triple(OLDEST_SUPPORTED)
    }

    /// What the contract says of a call in `cond` whatever liblxc answers: `Some` error kind
    /// when the runtime refuses it (first, or when explaining liblxc's failure: a missing
    /// configuration), `None` when liblxc decides.
    pub const fn refused_in(&self, cond: Condition) -> Option<ErrorKind> {
        if let (Config::Required | Config::Held, Condition::Undefined) = (self.config, cond) {
            return Some(ErrorKind::NotFound);
        }
        if let (true, Condition::Frozen) = (self.not_frozen, cond) {
            return Some(ErrorKind::Frozen);
        }
        if !self.check_first {
            return None;
        }
        match self.needs.unmet(cond) {
            Some((k, _)) => Some(k),
            None => None,
        }
    }
}

/// The row for `name`, if any.
pub fn find(name: &str) -> Option<&'static Member> {
    MEMBERS.iter().find(|m| m.name == name)
}

/// The index of the row for `name` in [`MEMBERS`], if any.
pub fn index_of(name: &str) -> Option<usize> {
    MEMBERS.iter().position(|m| m.name == name)
}

/// The shape of a C return type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CRet {
    /// `void`
    Void,
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `pid_t`
    Pid,
    /// `const char *`
    ConstStr,
    /// `char *`
    MallocStr,
    /// `char **`
    StrVec,
    /// `struct lxc_container *`
    Container,
}

impl CRet {
    /// The shape of `c_ret`.
    ///
    /// # Panics
    ///
    /// On a C type no row uses (a mistake in the table, caught by its tests).
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

    /// Whether it is a pointer.
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
