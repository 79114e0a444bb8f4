//! The contract matrix (issue 10): every method row of the API table (`lxc_api::MEMBERS`) × every
//! container condition (not defined, defined and stopped, running, frozen), on real busybox
//! containers.
//!
//! The expected outcome of a cell is derived from the row alone:
//!
//! 1. a member newer than the running liblxc (or whose API extension it lacks) is `Unsupported`;
//! 2. else, when the runtime refuses the call first ([`Member::refused_in`]), that kind;
//! 3. else, when the condition does not meet the row's needs ([`lxc_api::Needs::unmet`]), that kind
//!    (the documented error);
//! 4. else success, **and** the member's effect must be observed: an `Ok` without it fails.
//!
//! Each member has a probe in [`PROBES`]: a closure that calls its Rust method with benign arguments
//! and checks the effect. A method row with neither a probe nor a [`SKIPPED`] entry fails the test,
//! naming it. Where the documented contract of a member differs from the derivation in a cell, its
//! probe says so with an override and a reason. Where liblxc or lxc-rs does not keep the contract,
//! the cell is listed in [`KNOWN_GAPS`] (and fails once the gap is gone, so the entry goes too).
//!
//! Each member gets its own lxcpath and one container, set to each condition in turn before its
//! cell (created, started, frozen, re-created after a probe destroyed it); members run in parallel
//! on a few threads. Every cell has its own deadline, and the whole matrix runs under the watchdog
//! of `tests/common`, so a hang fails the test instead of hanging CI.
mod common;

use std::collections::{BTreeMap, VecDeque};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use liblxc::{
    CloneFlags, Container, CreateFlags, ErrorKind, MigrateCommand, MigrateFeatures, MigrateOptions,
    MigrateOutcome, MountFlags, State, UnmountFlags, Version,
};
use lxc_api::{Condition, Kind, Member, MEMBERS};

/// The container every member's lxcpath holds.
const NAME: &str = "c";
/// How long one cell (setting the condition and the call) may take before it counts as hung.
const CELL_LIMIT: Duration = Duration::from_secs(40);
/// How long the whole matrix may take before the watchdog fails the test.
const MATRIX_LIMIT: Duration = Duration::from_secs(300);
/// Members probed at once (`LXC_RS_MATRIX_JOBS` overrides it).
const JOBS: usize = 5;
const SECS_10: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The tables

/// Method rows with no probe at all, with the reason. Empty: every member has one, and the cells a
/// machine cannot check are skipped one by one (see [`Probe::success_needs`]).
const SKIPPED: &[(&str, &str)] = &[];

/// Cells where liblxc or lxc-rs does not keep the contract the row states: (member, condition,
/// what happens). The cell must still fail this way; once it passes, the entry must go.
const KNOWN_GAPS: &[(&str, Condition, &str)] = &[];

/// How long a cell listed in `KNOWN_GAPS` may take: a known hang need not use all of `CELL_LIMIT`.
const GAP_LIMIT: Duration = Duration::from_secs(20);

/// What a cell must do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// Succeed, with the effect observed.
    Ok,
    /// Fail with this kind.
    Err(ErrorKind),
}

/// Why a probe did not succeed.
enum Fail {
    /// The member's call failed.
    Call(liblxc::Error),
    /// The call succeeded, but its effect is not there.
    Effect(String),
    /// What the probe prepares for the call (a file, a host device) could not be made.
    Setup(String),
}

impl From<liblxc::Error> for Fail {
    fn from(e: liblxc::Error) -> Fail {
        Fail::Call(e)
    }
}

type Step = fn(&Ctx<'_>) -> Result<(), String>;

/// What a member needs of the stopped container before its cells: `make` runs after each creation,
/// and again (the container stopped first) before any cell where `ready` says it is gone.
#[derive(Clone, Copy)]
struct Prep {
    ready: Option<fn(&Ctx<'_>) -> bool>,
    make: Step,
}

/// The probe of one member.
#[derive(Clone, Copy)]
struct Probe {
    /// The C name of the member (its row in `lxc_api::MEMBERS`).
    member: &'static str,
    /// Calls the member's Rust method with benign arguments and checks its effect.
    call: fn(&Ctx<'_>) -> Result<(), Fail>,
    /// What the stopped container needs (configuration, a snapshot).
    prep: Option<Prep>,
    /// What the running, unfrozen container needs before a running or frozen cell.
    live: Option<Step>,
    /// Why a success cannot be checked on this machine, if it cannot: such cells are skipped.
    success_needs: Option<fn() -> Option<String>>,
    /// Cells whose documented outcome differs from the derivation: (condition, outcome, why).
    overrides: &'static [(Condition, Outcome, &'static str)],
    /// Why the effect of a success cannot be observed through the API, if it cannot.
    unobservable: Option<&'static str>,
}

impl Probe {
    const fn new(member: &'static str, call: fn(&Ctx<'_>) -> Result<(), Fail>) -> Probe {
        Probe {
            member,
            call,
            prep: None,
            live: None,
            success_needs: None,
            overrides: &[],
            unobservable: None,
        }
    }

    const fn prep(mut self, make: Step) -> Probe {
        self.prep = Some(Prep { ready: None, make });
        self
    }

    const fn prep_until(mut self, ready: fn(&Ctx<'_>) -> bool, make: Step) -> Probe {
        self.prep = Some(Prep {
            ready: Some(ready),
            make,
        });
        self
    }

    const fn live(mut self, step: Step) -> Probe {
        self.live = Some(step);
        self
    }

    const fn success_needs(mut self, why: fn() -> Option<String>) -> Probe {
        self.success_needs = Some(why);
        self
    }

    const fn overrides(mut self, o: &'static [(Condition, Outcome, &'static str)]) -> Probe {
        self.overrides = o;
        self
    }

    const fn unobservable(mut self, why: &'static str) -> Probe {
        self.unobservable = Some(why);
        self
    }
}

const NOT_RUNNING_IS_EMPTY: &str =
    "documented: liblxc's NULL means both \"none\" and \"failed\", so a \
     container that does not run gives Ok(vec![]), not NotRunning";
const CREATE_EXISTS: &str = "documented (create_with, # Errors): an existing container is \
     AlreadyExists; the row cannot say \"needs an undefined container\" (Needs has no such variant)";

/// One probe per method row.
const PROBES: &[Probe] = &[
    Probe::new("is_defined", |x| {
        let d = x.c.is_defined();
        effect(d == (x.cond != Condition::Undefined), || {
            format!("is_defined() = {d}")
        })
    }),
    Probe::new("state", |x| {
        let s = x.c.state()?;
        effect(s == x.state(), || format!("state() = {s:?}"))
    }),
    Probe::new("is_running", |x| {
        let r = x.c.is_running();
        effect(r == x.runs(), || format!("is_running() = {r}"))
    }),
    Probe::new("freeze", |x| {
        x.c.freeze()?;
        let s = look(x.c.state())?;
        effect(s == State::Frozen, || format!("state afterwards: {s:?}"))
    }),
    Probe::new("unfreeze", |x| {
        x.c.unfreeze()?;
        let s = look(x.c.state())?;
        effect(s == State::Running, || format!("state afterwards: {s:?}"))
    }),
    Probe::new("init_pid", |x| {
        let pid = x.c.init_pid().map(|p| p as i32)?;
        effect(
            pid > 1 && Path::new(&format!("/proc/{pid}")).exists(),
            || format!("init_pid() = {pid}, not a live process"),
        )
    }),
    Probe::new("load_config", |x| {
        let file = x.file("load.conf");
        let value = format!("loaded-{}", x.tag);
        std::fs::write(&file, format!("lxc.uts.name = {value}\n")).map_err(setup)?;
        x.c.load_config(Some(&file))?;
        let got = look(x.c.config_item("lxc.uts.name"))?;
        effect(got == value, || {
            format!("lxc.uts.name = {got:?} after loading {value:?}")
        })
    }),
    Probe::new("start", |x| {
        x.c.start()?;
        effect(
            common::eventually(SECS_10, || matches!(x.c.state(), Ok(State::Running))),
            || format!("not RUNNING 10 s after start: {:?}", x.c.state()),
        )
    }),
    Probe::new("stop", |x| {
        x.c.stop()?;
        effect(!x.c.is_running(), || "the container still runs".into())
    }),
    Probe::new("want_daemonize", |x| {
        x.c.want_daemonize(false)?;
        if x.cond == Condition::Stopped {
            // A foreground start returns only once the container stopped: it still blocks while
            // the container runs, which shows the flag took. (It holds its handle and the clones:
            // another handle stops it.)
            let foreground = look(x.c.try_clone())?;
            let other = look(Container::new_in(NAME, x.lxcpath))?;
            let start = std::thread::spawn(move || foreground.start());
            let ran = common::eventually(Duration::from_secs(30), || other.is_running());
            let blocked = !start.is_finished();
            let _ = other.stop();
            let r = start
                .join()
                .map_err(|_| Fail::Effect("the start panicked".into()))?;
            return effect(ran && blocked && r.is_ok(), || {
                format!(
                    "foreground start: ran {ran}, blocked while running {blocked}, returned {r:?}"
                )
            });
        }
        Ok(())
    })
    .unobservable("want_daemonize(false) shows only in a start, checked in the stopped cell"),
    Probe::new("want_close_all_fds", |x| {
        x.c.want_close_all_fds(true)?;
        Ok(())
    })
    .unobservable("the flag only changes what a start closes; nothing reads it back"),
    Probe::new("config_file_name", |x| {
        let p = x.c.config_file_name()?;
        let want = x.lxcpath.join(NAME).join("config");
        effect(p == want, || {
            format!("{} instead of {}", p.display(), want.display())
        })
    }),
    Probe::new("wait", |x| {
        let want = x.state();
        x.c.wait(want, Duration::from_secs(2))?;
        let s = look(x.c.state())?;
        effect(s == want, || format!("waited for {want:?}, state is {s:?}"))
    }),
    Probe::new("set_config_item", |x| {
        let value = format!("set-{}", x.tag);
        x.c.set_config_item("lxc.uts.name", &value)?;
        let got = look(x.c.config_item("lxc.uts.name"))?;
        effect(got == value, || {
            format!("read back {got:?} instead of {value:?}")
        })
    }),
    Probe::new("destroy", |x| {
        x.c.destroy()?;
        let dir = x.lxcpath.join(NAME);
        effect(!x.c.is_defined() && !dir.exists(), || {
            format!("still defined, or {} is left", dir.display())
        })
    }),
    Probe::new("save_config", |x| {
        let file = x.file("saved.conf");
        x.c.save_config(Some(&file))?;
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        // An undefined container saves liblxc's default configuration.
        let ok = file.exists()
            && (x.cond == Condition::Undefined
                || (text.contains("lxc.uts.name = ") && text.contains("lxc.net.0.type = empty")));
        effect(ok, || format!("{} holds {text:?}", file.display()))
    }),
    Probe::new("create", |x| {
        x.c.create_with(
            Some("busybox"),
            None,
            None,
            CreateFlags::QUIET,
            &[] as &[&str],
        )?;
        let rootfs = x.lxcpath.join(NAME).join("rootfs");
        effect(x.c.is_defined() && rootfs.is_dir(), || {
            format!("not defined, or no {}", rootfs.display())
        })
    })
    .overrides(&[
        (
            Condition::Stopped,
            Outcome::Err(ErrorKind::AlreadyExists),
            CREATE_EXISTS,
        ),
        (
            Condition::Running,
            Outcome::Err(ErrorKind::AlreadyExists),
            CREATE_EXISTS,
        ),
        (
            Condition::Frozen,
            Outcome::Err(ErrorKind::AlreadyExists),
            CREATE_EXISTS,
        ),
    ]),
    Probe::new("rename", |x| {
        let new = x.other("renamed");
        x.c.rename(&new)?;
        let renamed = look(Container::new_in(&new, x.lxcpath))?;
        effect(renamed.is_defined() && !x.c.is_defined(), || {
            format!(
                "{new:?} defined: {}, old name still defined: {}",
                renamed.is_defined(),
                x.c.is_defined()
            )
        })
    }),
    Probe::new("reboot", |x| {
        let before = x.c.init_pid().map(|p| p as i32).ok();
        x.c.reboot()?;
        if x.cond == Condition::Frozen {
            // The reboot signal waits in the frozen init; it acts once the container is thawed.
            look(x.c.unfreeze())?;
        }
        rebooted(x, before)
    }),
    Probe::new("shutdown", |x| {
        x.c.shutdown(SECS_10)?;
        effect(!x.c.is_running(), || "the container still runs".into())
    }),
    Probe::new("clear_config", |x| {
        x.c.clear_config();
        let r = x.c.config_item("lxc.uts.name");
        effect(r.is_err(), || format!("a key still reads as {r:?}"))
    }),
    Probe::new("clear_config_item", |x| {
        x.c.clear_config_item("lxc.uts.name")?;
        let got = look(x.c.config_item("lxc.uts.name"))?;
        effect(got.is_empty(), || format!("lxc.uts.name is still {got:?}"))
    }),
    Probe::new("get_config_item", |x| {
        let got = x.c.config_item("lxc.uts.name")?;
        let want = if x.cond == Condition::Undefined {
            ""
        } else {
            NAME
        };
        effect(got == want, || {
            format!("lxc.uts.name = {got:?}, not {want:?}")
        })
    }),
    Probe::new("get_running_config_item", |x| {
        let got = x.c.running_config_item("lxc.uts.name")?;
        effect(got == NAME, || format!("lxc.uts.name = {got:?}"))
    }),
    // With a prefix, as the row's `needs(Defined)` holds for it: keys(None) lists every key
    // liblxc knows, on an undefined container too.
    Probe::new("get_keys", |x| {
        let keys = x.c.keys(Some("lxc.net.0"))?;
        effect(keys.contains("type"), || {
            format!("keys of lxc.net.0: {keys:?}")
        })
    }),
    Probe::new("get_interfaces", |x| {
        let names = x.c.interfaces()?;
        let ok = if x.runs() {
            names.iter().any(|n| n == "lo")
        } else {
            names.is_empty()
        };
        effect(ok, || format!("interfaces: {names:?}"))
    })
    .overrides(&[
        (Condition::Undefined, Outcome::Ok, NOT_RUNNING_IS_EMPTY),
        (Condition::Stopped, Outcome::Ok, NOT_RUNNING_IS_EMPTY),
    ]),
    Probe::new("get_ips", |x| {
        let ips = x.c.ip_strings(Some("lo"), Some("inet"), 0)?;
        let ok = if x.runs() {
            ips == ["127.0.0.1"]
        } else {
            ips.is_empty()
        };
        effect(ok, || format!("IPv4 addresses of lo: {ips:?}"))
    })
    // An empty network leaves lo down, without 127.0.0.1.
    .live(|x| {
        let st =
            x.c.command("sh")
                .args(["-c", "ip link set lo up || ifconfig lo up"])
                .status();
        match st {
            Ok(s) if s.success() => Ok(()),
            other => Err(format!("bring lo up first: {other:?}")),
        }
    })
    .overrides(&[
        (Condition::Undefined, Outcome::Ok, NOT_RUNNING_IS_EMPTY),
        (Condition::Stopped, Outcome::Ok, NOT_RUNNING_IS_EMPTY),
    ]),
    Probe::new("get_cgroup_item", |x| {
        // pids.current: the same key in both cgroup layouts.
        let v = x.c.cgroup_item("pids.current")?;
        effect(v.trim().parse::<u64>().is_ok_and(|n| n >= 1), || {
            format!("pids.current = {v:?}")
        })
    }),
    Probe::new("set_cgroup_item", |x| {
        x.c.set_cgroup_item("pids.max", "1000")?;
        let v = look(x.c.cgroup_item("pids.max"))?;
        effect(v.trim() == "1000", || format!("pids.max reads {v:?}"))
    }),
    Probe::new("get_config_path", |x| {
        let p = x.c.config_path()?;
        effect(p == x.lxcpath, || format!("{}", p.display()))
    }),
    Probe::new("set_config_path", |x| {
        let alt = x.file("alt-lxcpath");
        std::fs::create_dir_all(&alt).map_err(setup)?;
        x.c.set_config_path(&alt)?;
        let p = look(x.c.config_path())?;
        effect(p == alt, || format!("config_path() = {}", p.display()))
    }),
    Probe::new("clone", |x| {
        let new = x.other("copy");
        let copy = x.c.clone_with(
            Some(&new),
            None,
            CloneFlags::empty(),
            None,
            None,
            0,
            &[] as &[&str],
        )?;
        drop(copy);
        let opened = look(Container::new_in(&new, x.lxcpath))?;
        effect(opened.is_defined(), || format!("{new:?} is not defined"))
    }),
    Probe::new("console_getfd", |x| {
        let fd = x.c.console_fd(None)?;
        // SAFETY: isatty only inspects the descriptor, which `fd` keeps open.
        let tty = unsafe { libc::isatty(fd.ptx.as_raw_fd()) } == 1;
        effect(fd.tty_num >= 1 && tty, || {
            format!("terminal {} (ptx is a terminal: {tty})", fd.tty_num)
        })
    }),
    Probe::new("console", |x| {
        let null = std::fs::File::options()
            .read(true)
            .write(true)
            .open("/dev/null")
            .map_err(setup)?;
        let n = null.as_fd();
        x.c.console(None, n, n, n, 1)?;
        Ok(())
    })
    .success_needs(|| {
        Some(
            "an interactive session needs the process's terminal, calls setsid() and blocks until \
             the escape key is typed"
                .into(),
        )
    }),
    Probe::new("attach", |x| {
        let status = x.c.command("/bin/true").status()?;
        effect(status.success(), || format!("/bin/true: {status}"))
    }),
    Probe::new("attach_run_wait", |x| {
        let status = x.c.command("/bin/true").run_wait()?;
        effect(status.success(), || format!("/bin/true: {status}"))
    }),
    Probe::new("snapshot", |x| {
        let n = x.c.snapshot(None)?;
        let dir = x.snap(&format!("snap{n}"));
        effect(dir.join("config").exists(), || {
            format!("no {}", dir.display())
        })
    }),
    Probe::new("snapshot_list", |x| {
        let listed: Vec<String> = x.c.snapshots()?.into_iter().map(|s| s.name).collect();
        let on_disk = x.snaps_on_disk();
        effect(!listed.is_empty() && listed == on_disk, || {
            format!("listed {listed:?}, on disk {on_disk:?}")
        })
    })
    .prep_until(has_snap0, take_snap0),
    Probe::new("snapshot_restore", |x| {
        let new = x.other("restored");
        x.c.snapshot_restore("snap0", Some(&new))?;
        let restored = look(Container::new_in(&new, x.lxcpath))?;
        effect(restored.is_defined(), || format!("{new:?} is not defined"))
    })
    .prep_until(has_snap0, take_snap0),
    Probe::new("snapshot_destroy", |x| {
        x.c.snapshot_destroy("snap0")?;
        effect(!x.snap("snap0").exists(), || "snap0 is still there".into())
    })
    .prep_until(has_snap0, take_snap0),
    Probe::new("may_control", |x| {
        effect(x.c.may_control(), || "false for root".into())
    }),
    Probe::new("add_device_node", |x| {
        let node = host_node(x).map_err(Fail::Setup)?;
        x.c.add_device_node(&node, None)?;
        let inside = look(x.c.init_pid().map(|p| p as i32))?;
        effect(is_zero_node(inside, &node), || {
            format!("no device 1:5 at {} inside", node.display())
        })
    }),
    Probe::new("remove_device_node", |x| {
        let node = host_node(x).map_err(Fail::Setup)?;
        x.c.remove_device_node(&node, None)?;
        let inside = look(x.c.init_pid().map(|p| p as i32))?;
        let path = format!("/proc/{inside}/root{}", node.display());
        effect(std::fs::symlink_metadata(&path).is_err(), || {
            format!("{} is still there inside", node.display())
        })
    })
    .live(|x| {
        let node = host_node(x)?;
        x.c.add_device_node(&node, None)
            .map_err(|e| format!("add_device_node first: {e}"))
    }),
    Probe::new("attach_interface", |x| {
        let dev = veth(x, 'a').map_err(Fail::Setup)?;
        let inside = format!("in{}", x.tag);
        x.c.attach_interface(&dev, Some(&inside))?;
        let names = look(x.c.interfaces())?;
        effect(!link_exists(&dev) && names.contains(&inside), || {
            format!(
                "{dev} on the host: {}; inside: {names:?}",
                link_exists(&dev)
            )
        })
    }),
    Probe::new("detach_interface", |x| {
        let dev = veth_name(x, 'd');
        let inside = format!("dt{}", x.tag);
        x.c.detach_interface(&inside, Some(&dev))?;
        let names = look(x.c.interfaces())?;
        effect(link_exists(&dev) && !names.contains(&inside), || {
            format!(
                "{dev} on the host: {}; inside: {names:?}",
                link_exists(&dev)
            )
        })
    })
    .live(|x| {
        let dev = veth(x, 'd')?;
        x.c.attach_interface(&dev, Some(&format!("dt{}", x.tag)))
            .map_err(|e| format!("attach_interface first: {e}"))
    }),
    Probe::new("checkpoint", |x| {
        let dir = x.file("ckpt");
        x.c.checkpoint(
            &dir,
            liblxc::AfterCheckpoint::KeepRunning,
            liblxc::CriuVerbosity::Normal,
        )?;
        let images = std::fs::read_dir(&dir).map_or(0, |d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".img"))
                .count()
        });
        effect(images > 0, || {
            format!("no CRIU images in {}", dir.display())
        })
    })
    .success_needs(criu_broken),
    Probe::new("restore", |x| {
        let dir = x.file("ckpt");
        if x.cond == Condition::Stopped && criu_broken().is_none() {
            // Only with a working CRIU: a checkpoint to restore from.
            x.c.start()
                .map_err(|e| Fail::Setup(format!("start: {e}")))?;
            x.c.wait(State::Running, SECS_10)
                .map_err(|e| Fail::Setup(format!("wait: {e}")))?;
            x.c.checkpoint(
                &dir,
                liblxc::AfterCheckpoint::Stop,
                liblxc::CriuVerbosity::Normal,
            )
            .map_err(|e| Fail::Setup(format!("checkpoint: {e}")))?;
        }
        x.c.restore(&dir, liblxc::CriuVerbosity::Normal)?;
        effect(x.c.is_running(), || "not running after restore".into())
    })
    .success_needs(criu_broken),
    Probe::new("destroy_with_snapshots", |x| {
        x.c.destroy_with_snapshots()?;
        let dir = x.lxcpath.join(NAME);
        effect(!x.c.is_defined() && !dir.exists(), || {
            format!("still defined, or {} is left", dir.display())
        })
    })
    .prep_until(has_snap0, take_snap0),
    Probe::new("snapshot_destroy_all", |x| {
        x.c.snapshot_destroy_all()?;
        let left = x.snaps_on_disk();
        effect(left.is_empty(), || format!("left: {left:?}"))
    })
    .prep_until(has_snap0, take_snap0),
    Probe::new("migrate", |x| {
        // The feature check: the command that needs nothing, as the row says.
        let asked = MigrateFeatures::MEM_TRACK | MigrateFeatures::LAZY_PAGES;
        let opts = {
            let mut __o = MigrateOptions::default();
            __o.features_to_check = asked;
            __o
        };
        let out = x.c.migrate(MigrateCommand::FeatureCheck, &opts)?;
        let want = *criu_features();
        effect(
            matches!(out, MigrateOutcome::Features(f) if f.requested == asked && f.supported == want),
            || format!("{out:?}; criu check says {want:?}"),
        )
    }),
    Probe::new("console_log", |x| {
        x.c.console_log()?;
        Ok(())
    })
    .prep(|x| set_and_save(x.c, "lxc.console.buffer.size", "4096"))
    .unobservable("what the ring buffer holds cannot be predicted; a read of it is the effect"),
    Probe::new("reboot2", |x| {
        let before = x.c.init_pid().map(|p| p as i32).ok();
        x.c.reboot2(SECS_10)?;
        rebooted(x, before)
    }),
    Probe::new("mount", |x| {
        let target = format!("/mnt/inj-{}", x.tag);
        x.c.mount(
            None,
            Path::new(&target),
            Some("tmpfs"),
            MountFlags::empty(),
            Some("size=1m"),
        )?;
        let pid = look(x.c.init_pid().map(|p| p as i32))?;
        effect(mounted(pid, &target), || {
            format!("{target} is not mounted inside")
        })
    })
    .prep(shmounts),
    Probe::new("umount", |x| {
        x.c.umount(Path::new(UMOUNT_TARGET), UnmountFlags::empty())?;
        let pid = look(x.c.init_pid().map(|p| p as i32))?;
        effect(!mounted(pid, UMOUNT_TARGET), || {
            format!("{UMOUNT_TARGET} is still mounted inside")
        })
    })
    .live(|x| {
        let pid =
            x.c.init_pid()
                .map(|p| p as i32)
                .map_err(|e| e.to_string())?;
        if mounted(pid, UMOUNT_TARGET) {
            return Ok(());
        }
        let script = format!("mkdir -p {UMOUNT_TARGET} && mount -t tmpfs none {UMOUNT_TARGET}");
        let st = x.c.command("sh").args(["-c", &script]).status();
        match st {
            Ok(s) if s.success() => Ok(()),
            other => Err(format!("mount inside first: {other:?}")),
        }
    }),
    Probe::new("seccomp_notify_fd", |x| {
        let fd = x.c.seccomp_notify_fd()?;
        effect(is_seccomp_notifier(&fd), || "not a seccomp notifier".into())
    })
    .success_needs(|| {
        Some(
            "the descriptor is only in a process that started the container in the foreground, \
             which blocks that thread until the container stops"
                .into(),
        )
    }),
    Probe::new("seccomp_notify_fd_active", |x| {
        let fd = x.c.seccomp_notify_fd_active()?;
        effect(is_seccomp_notifier(&fd), || "not a seccomp notifier".into())
    })
    .prep(|x| {
        let profile = x.lxcpath.join("notify.seccomp");
        std::fs::write(&profile, "2\ndenylist\nkexec_load notify\n").map_err(|e| e.to_string())?;
        set_and_save(x.c, "lxc.seccomp.profile", &profile.to_string_lossy())
    }),
    Probe::new("init_pidfd", |x| {
        let fd = x.c.init_pidfd()?;
        let pid = look(x.c.init_pid().map(|p| p as i32))?;
        let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd()))
            .unwrap_or_default();
        effect(info.contains(&format!("Pid:\t{pid}\n")), || {
            format!("not a pidfd of init {pid}: {info:?}")
        })
    }),
    Probe::new("devpts_fd", |x| {
        let fd = x.c.devpts_fd()?;
        // SAFETY: statfs is plain data, filled by fstatfs for an open descriptor.
        let mut st: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is open; `st` is a valid out-pointer.
        let r = unsafe { libc::fstatfs(fd.as_raw_fd(), &mut st) };
        effect(r == 0 && st.f_type == 0x1cd1, || {
            format!("f_type {:#x}, not devpts", st.f_type)
        })
    }),
    Probe::new("set_timeout", |x| {
        x.c.set_timeout(Some(Duration::from_secs(5)))?;
        Ok(())
    })
    .unobservable("the timeout only bounds monitor queries that answer anyway"),
];

// ---------------------------------------------------------------------------------------------
// What a probe sees

/// One cell, as its probe sees it.
struct Ctx<'a> {
    /// A fresh handle on the container, in the cell's condition.
    c: &'a Container,
    lxcpath: &'a Path,
    cond: Condition,
    /// One letter per condition (`u`, `s`, `r`, `f`), for names that must differ between cells.
    tag: char,
    /// The member's index in `PROBES`, for host names that must differ between members.
    idx: usize,
}

impl Ctx<'_> {
    /// The state `state()` reports in this condition.
    fn state(&self) -> State {
        match self.cond {
            Condition::Undefined | Condition::Stopped => State::Stopped,
            Condition::Running => State::Running,
            Condition::Frozen => State::Frozen,
        }
    }

    fn runs(&self) -> bool {
        matches!(self.cond, Condition::Running | Condition::Frozen)
    }

    /// A file of this cell in the lxcpath (not in a container).
    fn file(&self, stem: &str) -> PathBuf {
        self.lxcpath.join(format!("{stem}-{}", self.tag))
    }

    /// A container name of this cell.
    fn other(&self, stem: &str) -> String {
        format!("{stem}-{}", self.tag)
    }

    fn snap(&self, name: &str) -> PathBuf {
        self.lxcpath.join(NAME).join("snaps").join(name)
    }

    fn snaps_on_disk(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.lxcpath.join(NAME).join("snaps"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("snap"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

fn effect(ok: bool, what: impl FnOnce() -> String) -> Result<(), Fail> {
    if ok {
        Ok(())
    } else {
        Err(Fail::Effect(what()))
    }
}

/// A query made to observe an effect: its failure is a missing effect, not the member's error.
fn look<T>(r: liblxc::Result<T>) -> Result<T, Fail> {
    r.map_err(|e| Fail::Effect(format!("cannot observe the effect: {e}")))
}

fn setup(e: std::io::Error) -> Fail {
    Fail::Setup(e.to_string())
}

fn set_and_save(c: &Container, key: &str, value: &str) -> Result<(), String> {
    c.set_config_item(key, value)
        .and_then(|()| c.save_config(None))
        .map_err(|e| format!("{key} = {value}: {e}"))
}

fn has_snap0(x: &Ctx<'_>) -> bool {
    x.snap("snap0").join("config").exists()
}

fn take_snap0(x: &Ctx<'_>) -> Result<(), String> {
    if has_snap0(x) {
        return Ok(());
    }
    match x.c.snapshot(None) {
        Ok(0) => Ok(()),
        Ok(n) => Err(format!("the snapshot is snap{n}, not snap0")),
        Err(e) => Err(format!("snapshot: {e}")),
    }
}

/// After a reboot: init is another process, and the container runs.
fn rebooted(x: &Ctx<'_>, before: Option<i32>) -> Result<(), Fail> {
    let replaced = common::eventually(Duration::from_secs(20), || {
        matches!(x.c.init_pid().map(|p| p as i32), Ok(p) if Some(p) != before)
            && matches!(x.c.state(), Ok(State::Running))
    });
    effect(replaced, || {
        format!(
            "init {before:?} was not replaced within 20 s (init now {:?}, state {:?})",
            x.c.init_pid().map(|p| p as i32).ok(),
            x.c.state()
        )
    })
}

const UMOUNT_TARGET: &str = "/mnt/um";

fn mounted(pid: i32, target: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/mounts"))
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_whitespace().nth(1) == Some(target))
}

fn is_seccomp_notifier(fd: &impl AsRawFd) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .is_ok_and(|l| l.to_string_lossy().contains("seccomp"))
}

/// Why CRIU cannot dump or restore here (`criu check` fails), if it cannot.
fn criu_broken() -> Option<String> {
    static CHECK: OnceLock<Option<String>> = OnceLock::new();
    CHECK
        .get_or_init(|| {
            if common::in_chroot() {
                return Some("CRIU cannot dump a container started in a chroot (scripts/distro-test): it finds no master for the console pty, or a root that is not its mount namespace's".into());
            }
            match std::process::Command::new("criu").arg("check").output() {
                Err(e) => Some(format!("no criu executable ({e})")),
                Ok(o) if o.status.success() => None,
                Ok(o) => {
                    let text = String::from_utf8_lossy(&o.stderr).into_owned()
                        + &String::from_utf8_lossy(&o.stdout);
                    let first = text
                        .lines()
                        .find(|l| l.contains("Error"))
                        .unwrap_or("")
                        .trim();
                    Some(format!(
                        "CRIU does not work on this machine (`criu check`: {first})"
                    ))
                }
            }
        })
        .clone()
}

/// The features `criu check --feature` confirms, as liblxc's feature check asks for them.
fn criu_features() -> &'static MigrateFeatures {
    static FEATURES: OnceLock<MigrateFeatures> = OnceLock::new();
    FEATURES.get_or_init(|| {
        let has = |f: &str| {
            std::process::Command::new("criu")
                .args(["check", "--feature", f])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let mut out = MigrateFeatures::empty();
        if has("mem_dirty_track") {
            out |= MigrateFeatures::MEM_TRACK;
        }
        if has("uffd-noncoop") {
            out |= MigrateFeatures::LAZY_PAGES;
        }
        out
    })
}

// ---------------------------------------------------------------------------------------------
// Host resources (device nodes, veth pairs, shared mount points), removed when the member is done

#[derive(Debug)]
enum HostThing {
    Node(PathBuf),
    Link(String),
    Mount(PathBuf),
}

/// Every host resource made, by member index: removed when the member is done, or by the watchdog.
static HOST: Mutex<Vec<(usize, HostThing)>> = Mutex::new(Vec::new());

fn track(idx: usize, t: HostThing) {
    HOST.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((idx, t));
}

fn release(idx: Option<usize>) {
    let mine: Vec<HostThing> = {
        let mut all = HOST.lock().unwrap_or_else(|p| p.into_inner());
        let (mine, rest) = std::mem::take(&mut *all)
            .into_iter()
            .partition(|(i, _)| idx.is_none_or(|want| *i == want));
        *all = rest;
        mine.into_iter().map(|(_, t)| t).collect()
    };
    for t in mine {
        match t {
            HostThing::Node(p) => {
                let _ = std::fs::remove_file(p);
            }
            HostThing::Link(name) => {
                if link_exists(&name) {
                    let _ = std::process::Command::new("ip")
                        .args(["link", "del", &name])
                        .output();
                }
            }
            HostThing::Mount(p) => unmount_all(&p),
        }
    }
}

fn unmount_all(p: &Path) {
    let Ok(c) = CString::new(p.as_os_str().as_encoded_bytes()) else {
        return;
    };
    // liblxc mounts its own tmpfs over the shmounts path: unmount until nothing is left.
    for _ in 0..4 {
        // SAFETY: a valid C string; a failure (nothing mounted) ends the loop.
        if unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) } != 0 {
            break;
        }
    }
}

/// A host character device with the numbers of `/dev/zero`, unique to this member and cell.
fn host_node(x: &Ctx<'_>) -> Result<PathBuf, String> {
    use std::os::unix::fs::MetadataExt;
    let path = PathBuf::from(format!(
        "/dev/lxcrs-mx-{}-{}-{}",
        std::process::id(),
        x.idx,
        x.tag
    ));
    if path.exists() {
        return Ok(path);
    }
    let rdev = std::fs::metadata("/dev/zero")
        .map_err(|e| format!("/dev/zero: {e}"))?
        .rdev();
    let c = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: a valid C string; the result is checked.
    if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o600, rdev) } != 0 {
        return Err(format!(
            "mknod {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        ));
    }
    track(x.idx, HostThing::Node(path.clone()));
    Ok(path)
}

/// Whether `node` is a character device 1:5 inside the container of init `pid`.
fn is_zero_node(pid: i32, node: &Path) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(zero) = std::fs::metadata("/dev/zero") else {
        return false;
    };
    std::fs::symlink_metadata(format!("/proc/{pid}/root{}", node.display()))
        .is_ok_and(|m| m.file_type().is_char_device() && m.rdev() == zero.rdev())
}

fn link_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

/// The name of this cell's host interface (`end` tells the two ends of a pair apart).
fn veth_name(x: &Ctx<'_>, end: char) -> String {
    format!("mx{}x{}{}{end}", std::process::id() % 1000, x.idx, x.tag)
}

/// A veth pair on the host; returns the end to move (the peer stays, so the pair can be deleted).
fn veth(x: &Ctx<'_>, end: char) -> Result<String, String> {
    let dev = veth_name(x, end);
    let peer = veth_name(x, end.to_ascii_uppercase());
    if !link_exists(&dev) && !link_exists(&peer) {
        let out = std::process::Command::new("ip")
            .args(["link", "add", &dev, "type", "veth", "peer", "name", &peer])
            .output()
            .map_err(|e| format!("ip: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "ip link add {dev}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        track(x.idx, HostThing::Link(peer));
        track(x.idx, HostThing::Link(dev.clone()));
    }
    Ok(dev)
}

/// `lxc.mount.auto = shmounts:…` on a shared host mount point in the lxcpath, for `mount`.
fn shmounts(x: &Ctx<'_>) -> Result<(), String> {
    let host = x.lxcpath.join("shm");
    if !host.exists() {
        common::shared_tmpfs(&host)?;
        track(x.idx, HostThing::Mount(host.clone()));
    }
    set_and_save(
        x.c,
        "lxc.mount.auto",
        &format!("shmounts:{}:/dev/.lxc-mounts", host.display()),
    )
}

// ---------------------------------------------------------------------------------------------
// Setting a condition

fn err(what: &str) -> impl FnOnce(liblxc::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn create_busybox(c: &Container) -> Result<(), String> {
    c.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )
    .map_err(err("create"))?;
    empty_network(c)
}

/// No lxcbr0 here: the container gets an empty network.
fn empty_network(c: &Container) -> Result<(), String> {
    c.clear_config_item("lxc.net")
        .map_err(err("clear lxc.net"))?;
    set_and_save(c, "lxc.net.0.type", "empty")
}

fn to_stopped(c: &Container) -> Result<(), String> {
    if matches!(c.state(), Ok(State::Frozen)) {
        c.unfreeze().map_err(err("unfreeze"))?;
    }
    if c.is_running() {
        c.stop().map_err(err("stop"))?;
    }
    Ok(())
}

/// Running, settled (freezing a container that is still starting can hang liblxc's freeze), and
/// with an init that handles its halt and reboot signals (also after a probe rebooted it).
fn to_running(c: &Container) -> Result<(), String> {
    if matches!(c.state(), Ok(State::Frozen)) {
        c.unfreeze().map_err(err("unfreeze"))?;
    }
    if !c.is_running() {
        c.start().map_err(err("start"))?;
        c.wait(State::Running, SECS_10)
            .map_err(err("wait RUNNING"))?;
    }
    common::wait_booted(c, SECS_10);
    let pid = c.init_pid().map(|p| p as i32).map_err(err("init_pid"))?;
    if !common::eventually(SECS_10, || common::init_handles_signals(pid)) {
        return Err(format!(
            "busybox init never got ready for signals: {}",
            common::init_signal_report(pid)
        ));
    }
    Ok(())
}

/// Brings the member's container to `cond`: creates it (and its preparation) when needed, starts,
/// stops, freezes or thaws it.
fn set_condition(probe: &Probe, lxcpath: &Path, cond: Condition, idx: usize) -> Result<(), String> {
    let h = Container::new_in(NAME, lxcpath).map_err(err("open"))?;
    let ctx = Ctx {
        c: &h,
        lxcpath,
        cond,
        tag: tag(cond),
        idx,
    };
    if cond == Condition::Undefined {
        return if h.is_defined() {
            Err("the container is already defined".into())
        } else {
            Ok(())
        };
    }
    if !h.is_defined() {
        create_busybox(&h)?;
        if let Some(p) = probe.prep {
            (p.make)(&ctx)?;
        }
    } else {
        // A probe (create) may have left liblxc's default network, which needs lxcbr0.
        if h.config_item("lxc.net.0.type").ok().as_deref() != Some("empty") {
            to_stopped(&h)?;
            empty_network(&h)?;
        }
        if let Some(Prep {
            ready: Some(ready),
            make,
        }) = probe.prep
        {
            if !ready(&ctx) {
                to_stopped(&h)?;
                make(&ctx)?;
            }
        }
    }
    match cond {
        Condition::Undefined => unreachable!(),
        Condition::Stopped => to_stopped(&h)?,
        Condition::Running | Condition::Frozen => {
            let frozen = matches!(h.state(), Ok(State::Frozen));
            if !frozen || cond == Condition::Running || probe.live.is_some() {
                to_running(&h)?;
                if let Some(live) = probe.live {
                    live(&ctx)?;
                }
            }
            if cond == Condition::Frozen && !matches!(h.state(), Ok(State::Frozen)) {
                h.freeze().map_err(err("freeze"))?;
            }
        }
    }
    let want = ctx.state();
    match h.state() {
        Ok(s) if s == want => Ok(()),
        other => Err(format!("the container is {other:?}, not {want:?}")),
    }
}

fn tag(cond: Condition) -> char {
    match cond {
        Condition::Undefined => 'u',
        Condition::Stopped => 's',
        Condition::Running => 'r',
        Condition::Frozen => 'f',
    }
}

// ---------------------------------------------------------------------------------------------
// Expected outcomes and verdicts

/// Whether the running liblxc has the member (its release and API extension).
fn in_runtime(row: &Member) -> bool {
    let since = Version::parse(row.since).expect("a row's `since` is a version");
    liblxc::runtime_version().at_least(since)
        && row
            .api_ext
            .is_none_or(|e| liblxc::has_api_extension(e).unwrap_or(false))
}

/// The outcome the row gives for `cond`, and where it comes from.
fn derived(row: &Member, cond: Condition) -> (Outcome, String) {
    if !in_runtime(row) {
        return (
            Outcome::Err(ErrorKind::Unsupported),
            format!(
                "liblxc {} lacks it (since {})",
                liblxc::runtime_version(),
                row.since
            ),
        );
    }
    if let Some(k) = row.refused_in(cond) {
        return (Outcome::Err(k), "refused before liblxc is called".into());
    }
    if let Some((k, why)) = row.needs.unmet(cond) {
        return (Outcome::Err(k), format!("needs {:?}: {why}", row.needs));
    }
    (Outcome::Ok, format!("needs {:?}: met", row.needs))
}

/// What a cell did.
#[derive(Debug)]
enum Got {
    Ok,
    Err {
        kind: ErrorKind,
        op: &'static str,
        container: Option<String>,
        msg: String,
    },
    NoEffect(String),
    Setup(String),
    Hung(&'static str, Duration),
    NotRun(String),
}

impl std::fmt::Display for Got {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Got::Ok => write!(f, "Ok"),
            Got::Err { kind, msg, .. } => write!(f, "Err({kind:?}): {msg}"),
            Got::NoEffect(why) => write!(f, "Ok without its effect: {why}"),
            Got::Setup(why) => write!(f, "setting up the cell failed: {why}"),
            Got::Hung(phase, limit) => write!(f, "hung in {phase} for {} s", limit.as_secs()),
            Got::NotRun(why) => write!(f, "not run: {why}"),
        }
    }
}

#[derive(Debug)]
enum Verdict {
    Pass,
    Skipped(String),
    KnownGap(&'static str, String),
    Mismatch(String),
    GapGone(&'static str),
}

struct Cell {
    member: &'static str,
    cond: Condition,
    expected: Outcome,
    source: String,
    verdict: Verdict,
}

fn judge(member: &'static str, expected: Outcome, got: &Got) -> Result<(), String> {
    match (expected, got) {
        (Outcome::Ok, Got::Ok) => Ok(()),
        (
            Outcome::Err(want),
            Got::Err {
                kind,
                op,
                container,
                ..
            },
        ) => {
            if *op != member {
                Err(format!("the error is of `{op}`, not of `{member}`: {got}"))
            } else if *kind != want {
                Err(format!("{got}"))
            } else if container.as_deref() != Some(NAME) {
                Err(format!("the error names container {container:?}: {got}"))
            } else {
                Ok(())
            }
        }
        _ => Err(format!("{got}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Running the matrix

/// The cells under way, with their lxcpaths, for the watchdog's report and clean-up.
static UNDER_WAY: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());

/// The watchdog's report: what is under way. It also cleans up those lxcpaths and the host
/// resources, which the watchdog's own clean-up (of one lxcpath) cannot reach.
fn report_and_clean() -> String {
    let under_way = UNDER_WAY.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let names: Vec<&String> = under_way.keys().collect();
    let msg = format!("cells under way: {names:?}");
    common::loud(&msg);
    for path in under_way.values() {
        common::force_cleanup(path);
        unmount_all(&path.join("shm"));
        let _ = std::fs::remove_dir_all(path);
    }
    release(None);
    msg
}

/// Runs one cell on its own thread, for at most `limit`.
fn run_cell(
    pi: usize,
    row: &'static Member,
    lxcpath: &Path,
    cond: Condition,
    limit: Duration,
) -> Got {
    let probe = &PROBES[pi];
    let phase = Arc::new(Mutex::new("setting the condition"));
    let (tx, rx) = mpsc::channel();
    let path = lxcpath.to_path_buf();
    let ph = Arc::clone(&phase);
    let worker = std::thread::Builder::new()
        .name(format!("{}-{}", row.name, tag(cond)))
        .spawn(move || {
            let got = (|| {
                if let Err(why) = set_condition(probe, &path, cond, pi) {
                    return Got::Setup(why);
                }
                *ph.lock().unwrap() = "the call";
                let c = match Container::new_in(NAME, &path) {
                    Ok(c) => c,
                    Err(e) => return Got::Setup(format!("open: {e}")),
                };
                let ctx = Ctx {
                    c: &c,
                    lxcpath: &path,
                    cond,
                    tag: tag(cond),
                    idx: pi,
                };
                match (probe.call)(&ctx) {
                    Ok(()) => Got::Ok,
                    Err(Fail::Call(e)) => Got::Err {
                        kind: e.kind(),
                        op: e.operation(),
                        container: e.container().map(str::to_owned),
                        msg: e.to_string(),
                    },
                    Err(Fail::Effect(why)) => Got::NoEffect(why),
                    Err(Fail::Setup(why)) => Got::Setup(why),
                }
            })();
            let _ = tx.send(got);
        })
        .expect("spawn a cell thread");
    match rx.recv_timeout(limit) {
        Ok(got) => {
            let _ = worker.join();
            got
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(p) => Got::Setup(format!(
                "the cell panicked: {}",
                p.downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| p.downcast_ref::<&str>().copied())
                    .unwrap_or("?")
            )),
            Ok(()) => Got::Setup("the cell ended without a result".into()),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let phase = *phase.lock().unwrap();
            // Thaw and stop what hangs, so that the thread can return.
            common::force_cleanup(lxcpath);
            if rx.recv_timeout(Duration::from_secs(20)).is_ok() {
                let _ = worker.join();
            }
            Got::Hung(phase, limit)
        }
    }
}

/// Runs the four cells of one member in its own lxcpath.
fn run_member(pi: usize, row: &'static Member, cells: &Mutex<Vec<Cell>>) {
    let probe = &PROBES[pi];
    let lx = common::Lxcpath::new(&format!("contract_matrix:{}", row.name))
        .expect("prerequisites were checked");
    let mut hung = None;
    for cond in Condition::ALL {
        let (mut expected, mut source) = derived(row, cond);
        if let Some((_, o, why)) = probe.overrides.iter().find(|(c, ..)| *c == cond) {
            expected = *o;
            source = format!("override: {why}");
        }
        let gap = KNOWN_GAPS
            .iter()
            .find(|(m, c, _)| *m == row.name && *c == cond)
            .map(|(.., why)| *why);
        let skip = match (expected, probe.success_needs) {
            (Outcome::Ok, Some(needs)) => needs(),
            _ => None,
        };
        let verdict = if let Some(why) = skip {
            Verdict::Skipped(why)
        } else {
            let label = format!("{} × {cond:?}", row.name);
            let got = match &hung {
                Some(why) => Got::NotRun(format!("{why} before")),
                None => {
                    UNDER_WAY
                        .lock()
                        .unwrap()
                        .insert(label.clone(), lx.path().to_path_buf());
                    let limit = if gap.is_some() { GAP_LIMIT } else { CELL_LIMIT };
                    let got = run_cell(pi, row, lx.path(), cond, limit);
                    UNDER_WAY.lock().unwrap().remove(&label);
                    got
                }
            };
            if let Got::Hung(phase, _) = got {
                hung = Some(format!("the {cond:?} cell hung in {phase}"));
            }
            match (judge(row.name, expected, &got), gap) {
                (Ok(()), None) => Verdict::Pass,
                (Ok(()), Some(why)) => Verdict::GapGone(why),
                (Err(why), Some(gap)) if !matches!(got, Got::Setup(_) | Got::NotRun(_)) => {
                    Verdict::KnownGap(gap, why)
                }
                (Err(why), _) => Verdict::Mismatch(why),
            }
        };
        cells.lock().unwrap().push(Cell {
            member: row.name,
            cond,
            expected,
            source,
            verdict,
        });
    }
    // Thaw, stop and destroy every container (copies, renamed and restored ones too), then the
    // host resources, then the lxcpath itself.
    common::force_cleanup(lx.path());
    release(Some(pi));
    drop(lx);
}

fn short(o: Outcome) -> String {
    match o {
        Outcome::Ok => "Ok".into(),
        Outcome::Err(k) => format!("{k:?}"),
    }
}

#[test]
fn contract_matrix() {
    // Every method row has a probe or a reason; every probe and reason has a method row. Checked
    // first: it needs no container.
    let mut problems = Vec::new();
    let mut todo = VecDeque::new();
    let mut skipped_members = Vec::new();
    for row in MEMBERS.iter().filter(|m| m.kind == Kind::Method) {
        let probe = PROBES.iter().position(|p| p.member == row.name);
        let skip = SKIPPED.iter().find(|(m, _)| *m == row.name);
        match (probe, skip) {
            (Some(pi), None) => todo.push_back((pi, row)),
            (None, Some((_, why))) => skipped_members.push((row.name, *why)),
            (None, None) => problems.push(format!(
                "method row `{}` has no probe in PROBES and no entry in SKIPPED: add one",
                row.name
            )),
            (Some(_), Some(_)) => problems.push(format!(
                "`{}` has both a probe and a SKIPPED entry",
                row.name
            )),
        }
    }
    for name in PROBES
        .iter()
        .map(|p| p.member)
        .chain(SKIPPED.iter().map(|s| s.0))
        .chain(KNOWN_GAPS.iter().map(|g| g.0))
    {
        if !MEMBERS
            .iter()
            .any(|m| m.kind == Kind::Method && m.name == name)
        {
            problems.push(format!("`{name}` is listed here but is not a method row"));
        }
    }
    for (i, p) in PROBES.iter().enumerate() {
        if PROBES[..i].iter().any(|q| q.member == p.member) {
            problems.push(format!("`{}` has two probes", p.member));
        }
    }

    let Some(lx) = common::Lxcpath::new(concat!(module_path!(), ":contract_matrix")) else {
        // No real containers here (and that is allowed): only the table was checked.
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        return;
    };
    let t0 = Instant::now();
    let jobs = std::env::var("LXC_RS_MATRIX_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(JOBS)
        .max(1);

    let cells = Arc::new(Mutex::new(Vec::new()));
    let queue = Arc::new(Mutex::new(todo));
    let work_cells = Arc::clone(&cells);
    common::with_watchdog(
        "contract_matrix",
        MATRIX_LIMIT,
        lx.path(),
        report_and_clean,
        move || {
            let workers: Vec<_> = (0..jobs)
                .map(|i| {
                    let queue = Arc::clone(&queue);
                    let cells = Arc::clone(&work_cells);
                    std::thread::Builder::new()
                        .name(format!("matrix-{i}"))
                        .spawn(move || loop {
                            let Some((pi, row)) = queue.lock().unwrap().pop_front() else {
                                break;
                            };
                            let t = Instant::now();
                            run_member(pi, row, &cells);
                            eprintln!("  {:<26} {:>5.1} s", row.name, t.elapsed().as_secs_f64());
                        })
                        .expect("spawn a worker")
                })
                .collect();
            for w in workers {
                w.join().expect("a matrix worker panicked");
            }
        },
    );

    // The report.
    let mut cells = std::mem::take(&mut *cells.lock().unwrap());
    let order = |m: &str| {
        MEMBERS
            .iter()
            .position(|r| r.name == m)
            .unwrap_or(usize::MAX)
    };
    let col = |c: Condition| Condition::ALL.iter().position(|x| *x == c).unwrap_or(0);
    cells.sort_by_key(|c| (order(c.member), col(c.cond)));
    for (name, why) in &skipped_members {
        for cond in Condition::ALL {
            cells.push(Cell {
                member: name,
                cond,
                expected: Outcome::Ok,
                source: "SKIPPED".into(),
                verdict: Verdict::Skipped((*why).into()),
            });
        }
    }
    eprintln!(
        "\ncontract matrix: {:<26} {:<18} {:<18} {:<18} {:<18}",
        "member", "Undefined", "Stopped", "Running", "Frozen"
    );
    let mut line = String::new();
    let mut current = "";
    for c in &cells {
        if c.member != current {
            if !line.is_empty() {
                eprintln!("{line}");
            }
            current = c.member;
            line = format!("                 {:<26}", c.member);
        }
        let mark = match c.verdict {
            Verdict::Pass => "",
            Verdict::Skipped(_) => " skip",
            Verdict::KnownGap(..) => " GAP",
            Verdict::Mismatch(_) | Verdict::GapGone(_) => " FAIL",
        };
        line += &format!(" {:<18}", format!("{}{mark}", short(c.expected)));
    }
    eprintln!("{line}");

    let checked = cells
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Skipped(_)))
        .count();
    let skipped: Vec<&Cell> = cells
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Skipped(_)))
        .collect();
    let count = |f: fn(&Verdict) -> bool| cells.iter().filter(|c| f(&c.verdict)).count();
    eprintln!(
        "\n{} method rows × {} conditions = {} cells: {checked} checked ({} as the row says, {} \
         known gaps, {} failed), {} skipped; {} overrides ({} rows are not methods: free \
         functions, variadics, callbacks)",
        cells.len() / Condition::ALL.len(),
        Condition::ALL.len(),
        cells.len(),
        count(|v| matches!(v, Verdict::Pass)),
        count(|v| matches!(v, Verdict::KnownGap(..))),
        count(|v| matches!(v, Verdict::Mismatch(_) | Verdict::GapGone(_))),
        skipped.len(),
        cells
            .iter()
            .filter(|c| c.source.starts_with("override"))
            .count(),
        MEMBERS.iter().filter(|m| m.kind != Kind::Method).count()
    );
    for c in &skipped {
        if let Verdict::Skipped(why) = &c.verdict {
            eprintln!("  skipped {} × {:?}: {why}", c.member, c.cond);
        }
    }
    for c in cells.iter().filter(|c| c.source.starts_with("override")) {
        eprintln!(
            "  override {} × {:?} = {}: {}",
            c.member,
            c.cond,
            short(c.expected),
            c.source
        );
    }
    for p in PROBES {
        if let Some(why) = p.unobservable {
            eprintln!("  effect not fully observable, {}: {why}", p.member);
        }
    }
    for c in &cells {
        if let Verdict::KnownGap(gap, got) = &c.verdict {
            eprintln!(
                "  KNOWN GAP {} × {:?}: {gap}\n      expected {} ({}); got {got}",
                c.member,
                c.cond,
                short(c.expected),
                c.source
            );
        }
    }
    for c in &cells {
        match &c.verdict {
            Verdict::Mismatch(got) => problems.push(format!(
                "{} × {:?}: expected {} ({}); got {got}",
                c.member,
                c.cond,
                short(c.expected),
                c.source
            )),
            Verdict::GapGone(gap) => problems.push(format!(
                "{} × {:?}: the known gap is gone (it now gives {} as expected): remove it from \
                 KNOWN_GAPS ({gap})",
                c.member,
                c.cond,
                short(c.expected)
            )),
            _ => {}
        }
    }
    eprintln!(
        "matrix took {:.1} s on {jobs} threads",
        t0.elapsed().as_secs_f64()
    );
    assert!(
        problems.is_empty(),
        "{} contract mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
