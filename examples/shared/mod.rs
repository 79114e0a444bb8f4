//! What the examples share: the lxcpath they work in, and cleanup of what they made.
//!
//! The lxcpath is the first command-line argument, else `LXC_RS_EXAMPLE_LXCPATH`, else a new
//! temporary directory (removed at the end). An example never touches `/var/lib/lxc` unless told
//! to. Every container an example makes through [`Lab`] is stopped and destroyed when the `Lab`
//! goes, even when a step failed.
#![allow(dead_code)] // each example uses part of it

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use liblxc::{Container, CreateFlags, CreateOptions, State};

/// The lxcpath of one example run, and the containers it made there.
pub struct Lab {
    path: PathBuf,
    _temp: Option<tempfile::TempDir>,
    made: RefCell<Vec<String>>,
}

impl Lab {
    /// The lxcpath from the command line or `LXC_RS_EXAMPLE_LXCPATH`, else a temporary one.
    pub fn new(example: &str) -> std::io::Result<Lab> {
        let given = std::env::args_os()
            .nth(1)
            .or_else(|| std::env::var_os("LXC_RS_EXAMPLE_LXCPATH"));
        let (path, temp) = match given {
            Some(p) => {
                std::fs::create_dir_all(&p)?;
                (PathBuf::from(p), None)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix(&format!("lxc-rs-{example}-"))
                    .tempdir()?;
                (t.path().to_owned(), Some(t))
            }
        };
        println!("{example}: lxcpath {}", path.display());
        Ok(Lab {
            path,
            _temp: temp,
            made: RefCell::new(Vec::new()),
        })
    }

    /// The lxcpath.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Notes `name` for cleanup.
    pub fn track(&self, name: &str) {
        self.made.borrow_mut().push(name.to_owned());
    }

    /// A handle on `name` in the lxcpath, noted for cleanup.
    pub fn container(&self, name: &str) -> liblxc::Result<Container> {
        self.track(name);
        Container::new_in(name, &self.path)
    }

    /// A new busybox container without network (this machine has no `lxcbr0`), saved.
    pub fn busybox(&self, name: &str) -> liblxc::Result<Container> {
        let c = self.container(name)?;
        c.create_with_options(&CreateOptions::new("busybox").flags(CreateFlags::QUIET))?;
        c.clear_config_item("lxc.net")?;
        c.set_config_item("lxc.net.0.type", "empty")?;
        c.save_config(None)?;
        Ok(c)
    }

    /// A busybox container, started and running.
    pub fn running(&self, name: &str) -> liblxc::Result<Container> {
        let c = self.busybox(name)?;
        c.start()?;
        c.wait(State::Running, Duration::from_secs(10))?;
        Ok(c)
    }
}

/// Waits (up to 10 s) until the container's busybox init handles the halt and reboot signals: it
/// blocks them and waits with `sigtimedwait`. A signal sent before that is dropped (a namespace's
/// init ignores signals it neither handles nor blocks), so a `shutdown` right after a start would
/// wait for its timeout.
pub fn wait_for_init(c: &Container) {
    let Ok(pid) = c.init_pid() else { return };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let mask = |field: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
                .unwrap_or(0)
        };
        // SIGUSR1 (10) and SIGTERM (15), busybox init's reboot and halt signals besides SIGPWR.
        if (mask("SigBlk:") | mask("SigCgt:")) & (1 << 9 | 1 << 14) == (1 << 9 | 1 << 14) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for name in self.made.borrow().iter().rev() {
            let Ok(c) = Container::new_in(name, &self.path) else {
                continue;
            };
            if c.is_running() {
                let _ = c.stop();
                let _ = c.wait(State::Stopped, Duration::from_secs(10));
            }
            if c.is_defined() {
                let _ = c.destroy_with_snapshots();
            }
        }
    }
}
