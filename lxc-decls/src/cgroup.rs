//! cgroup items of a running container, and helpers for memory, CPU and pids that work with both
//! cgroup layouts (v1 controllers and the v2 unified hierarchy).

use std::time::Duration;

use lxc_core::{Error, ErrorKind, Result};
use lxc_macros::lxc_method;

use crate::Container;

/// The cgroup layout a controller of a container lives in, as liblxc sees it on this host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CgroupVersion {
    /// A cgroup v1 controller hierarchy (`memory.limit_in_bytes`, `cpuacct.usage`, …).
    V1,
    /// The cgroup v2 unified hierarchy (`memory.max`, `cpu.stat`, …).
    V2,
}

/// The keys that tell the layouts apart, per controller: a read-only file each layout always has.
const MEMORY_PROBE: [(&str, CgroupVersion); 2] = [
    ("memory.usage_in_bytes", CgroupVersion::V1),
    ("memory.current", CgroupVersion::V2),
];
const CPU_PROBE: [(&str, CgroupVersion); 2] = [
    ("cpuacct.usage", CgroupVersion::V1),
    ("cpu.stat", CgroupVersion::V2),
];

/// cgroup v1 reports "no memory limit" as `i64::MAX` rounded down to a page (`9223372036854771712`
/// with 4 KiB pages); anything within 1 MiB of `i64::MAX` is that.
const V1_UNLIMITED: u64 = i64::MAX as u64 - (1 << 20);

/// The declarations.
impl Container {
    /// The content of the cgroup file `key` of the running container, e.g.
    /// `memory.limit_in_bytes`, `pids.max` or `cpuset.cpus`, exactly as the kernel writes it
    /// (usually with a trailing newline).
    ///
    /// Which keys exist depends on the cgroup layout liblxc uses on this host: cgroup v1 controllers
    /// (`memory.limit_in_bytes`, `memory.usage_in_bytes`, `cpuacct.usage`) or the cgroup v2 unified
    /// hierarchy (`memory.max`, `memory.current`, `cpu.stat`); a key of the other layout fails. The
    /// helpers [`memory_usage`](Container::memory_usage), [`memory_limit`](Container::memory_limit),
    /// [`cpu_usage`](Container::cpu_usage) and [`pids_limit`](Container::pids_limit) pick the right
    /// key themselves.
    ///
    /// A cgroup file that is not UTF-8 is [`InvalidData`](lxc_core::ErrorKind::InvalidData): read
    /// it with [`Container::cgroup_item_bytes`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a key that is not `<controller>.<file>` (empty, no `.`,
    /// a `/`, ending with `.`: checked before liblxc sees it, on every liblxc);
    /// [`ErrorKind::NotFound`] when the container's cgroup has no such file (liblxc 5.0 and later
    /// say `ENOENT`; 4.0 returns -1 for it, which lxc-rs reports the same way, the container being
    /// known to run); [`ErrorKind::NotRunning`] when the container does not run.
    #[lxc_method(get_cgroup_item, pre = Self::cgroup_key, explain = Self::cgroup_read_refused)]
    pub fn cgroup_item(&self, key: &str) -> Result<String>;

    /// The content of the cgroup file `key` of the running container, byte for byte, as
    /// [`Container::cgroup_item`] reads it.
    ///
    /// # Errors
    ///
    /// As [`Container::cgroup_item`].
    #[lxc_method(get_cgroup_item, pre = Self::cgroup_key, explain = Self::cgroup_read_refused)]
    pub fn cgroup_item_bytes(&self, key: &str) -> Result<Vec<u8>>;

    /// Refuses a key that cannot name a cgroup file of a controller.
    fn cgroup_key(&self, key: &str) -> Result<()> {
        match bad_cgroup_key(key) {
            Some(why) => Err(self.error_in(ErrorKind::InvalidArgument, "get_cgroup_item", why)),
            None => Ok(()),
        }
    }

    /// liblxc 4.0 returns -1 (and logs nothing) for a file the running container's cgroup lacks.
    #[cold]
    fn cgroup_read_refused(&self, e: Error, _: &(), key: &str) -> Error {
        if e.kind() != ErrorKind::Failed || e.code() != Some(-1) || !self.is_running() {
            return e;
        }
        e.rephrased(
            ErrorKind::NotFound,
            format!("the container's cgroup has no readable file {key:?}"),
        )
    }

    /// Writes `value` to the cgroup file `key` of the running container, e.g.
    /// `set_cgroup_item("memory.limit_in_bytes", "67108864")`. The change lasts until the container
    /// stops; set `lxc.cgroup.<key>` (v1) or `lxc.cgroup2.<key>` (v2) in the configuration to apply
    /// it at every start.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a key that is not `<controller>.<file>` (as for
    /// [`Container::cgroup_item`]), an empty value (liblxc 4.0 reports success without writing it;
    /// write `"\n"` to empty a file such as `cpuset.cpus`) or a value the kernel refuses; [`ErrorKind::NotFound`] when the
    /// container's cgroup has no file `key`; [`ErrorKind::NotRunning`] when the container does not
    /// run. liblxc logs nothing for these: lxc-rs tells them apart by reading `key` back.
    #[lxc_method(set_cgroup_item, pre = Self::cgroup_file_name, explain = Self::cgroup_write_refused)]
    pub fn set_cgroup_item(&self, key: &str, value: &str) -> Result<()>;

    fn cgroup_file_name(&self, key: &str, value: &str) -> Result<()> {
        let why = bad_cgroup_key(key).or_else(|| {
            value.is_empty().then(|| {
                format!("an empty value for {key:?}: write \"\\n\" to empty a cgroup file (liblxc 4.0 writes nothing for \"\" and reports success)")
            })
        });
        match why {
            Some(why) => Err(self.error_in(ErrorKind::InvalidArgument, "set_cgroup_item", why)),
            None => Ok(()),
        }
    }

    /// liblxc logs nothing when the write fails: reading `key` back tells a missing file from a
    /// value the kernel refused.
    #[cold]
    fn cgroup_write_refused(&self, e: Error, _: &(), key: &str, value: &str) -> Error {
        if e.kind() != ErrorKind::Failed || !e.reason().contains("logged no reason") {
            return e;
        }
        let shown: String = value.chars().take(64).collect();
        match self.cgroup_item(key) {
            Err(_) => e.rephrased(
                ErrorKind::NotFound,
                format!("the container's cgroup has no readable file {key:?}"),
            ),
            Ok(_) => e.rephrased(
                ErrorKind::InvalidArgument,
                format!("the kernel refused the value {shown:?} for {key:?}"),
            ),
        }
    }
}

/// Helpers that know the key names of both cgroup layouts.
impl Container {
    /// The cgroup layout of the container's memory controller: [`CgroupVersion::V1`] when
    /// `memory.usage_in_bytes` can be read, [`CgroupVersion::V2`] when `memory.current` can.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container is not running; `get_cgroup_item` errors when
    /// neither file can be read (no memory controller for the container).
    pub fn memory_cgroup_version(&self) -> Result<CgroupVersion> {
        self.probe(&MEMORY_PROBE).map(|(v, _)| v)
    }

    /// The memory the container uses now, in bytes (`memory.usage_in_bytes` on cgroup v1,
    /// `memory.current` on cgroup v2; both count the page cache).
    ///
    /// # Errors
    ///
    /// As [`Container::memory_cgroup_version`]; [`ErrorKind::InvalidData`] when the value is not a
    /// number.
    pub fn memory_usage(&self) -> Result<u64> {
        let (_, text) = self.probe(&MEMORY_PROBE)?;
        parse_u64(self, MEMORY_PROBE[0].0, &text)
    }

    /// The container's memory limit in bytes (`memory.limit_in_bytes` on cgroup v1, `memory.max` on
    /// cgroup v2); `None` when it has none.
    ///
    /// # Errors
    ///
    /// As [`Container::memory_cgroup_version`] and [`Container::cgroup_item`];
    /// [`ErrorKind::InvalidData`] when the value is not a number.
    pub fn memory_limit(&self) -> Result<Option<u64>> {
        let key = match self.memory_cgroup_version()? {
            CgroupVersion::V1 => "memory.limit_in_bytes",
            CgroupVersion::V2 => "memory.max",
        };
        let text = self.cgroup_item(key)?;
        if text.trim() == "max" {
            return Ok(None);
        }
        let v = parse_u64(self, key, &text)?;
        Ok((v < V1_UNLIMITED).then_some(v))
    }

    /// Sets the container's memory limit (`memory.limit_in_bytes` on cgroup v1, `memory.max` on
    /// cgroup v2); `None` removes it. The kernel rounds the value down to a whole page. It lasts until
    /// the container stops.
    ///
    /// # Errors
    ///
    /// As [`Container::memory_cgroup_version`] and [`Container::set_cgroup_item`]: the kernel refuses
    /// a v1 limit below what the container already uses.
    pub fn set_memory_limit(&self, bytes: Option<u64>) -> Result<()> {
        match (self.memory_cgroup_version()?, bytes) {
            (CgroupVersion::V1, Some(b)) => {
                self.set_cgroup_item("memory.limit_in_bytes", &b.to_string())
            }
            (CgroupVersion::V1, None) => self.set_cgroup_item("memory.limit_in_bytes", "-1"),
            (CgroupVersion::V2, Some(b)) => self.set_cgroup_item("memory.max", &b.to_string()),
            (CgroupVersion::V2, None) => self.set_cgroup_item("memory.max", "max"),
        }
    }

    /// The CPU time all processes of the container have used, user and system together
    /// (`cpuacct.usage` on cgroup v1, `usage_usec` of `cpu.stat` on cgroup v2).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container is not running; `get_cgroup_item` errors when
    /// neither file can be read; [`ErrorKind::InvalidData`] when the value cannot be parsed.
    pub fn cpu_usage(&self) -> Result<Duration> {
        let (version, text) = self.probe(&CPU_PROBE)?;
        match version {
            CgroupVersion::V1 => parse_u64(self, CPU_PROBE[0].0, &text).map(Duration::from_nanos),
            CgroupVersion::V2 => text
                .lines()
                .find_map(|l| l.strip_prefix("usage_usec "))
                .ok_or_else(|| invalid(self, CPU_PROBE[1].0, "it has no `usage_usec` line".into()))
                .and_then(|v| parse_u64(self, CPU_PROBE[1].0, v))
                .map(Duration::from_micros),
        }
    }

    /// The most processes (and threads) the container may have (`pids.max`); `None` when unlimited.
    ///
    /// # Errors
    ///
    /// As [`Container::cgroup_item`]; [`ErrorKind::InvalidData`] when the value is not a number.
    pub fn pids_limit(&self) -> Result<Option<u64>> {
        let text = self.cgroup_item("pids.max")?;
        if text.trim() == "max" {
            return Ok(None);
        }
        parse_u64(self, "pids.max", &text).map(Some)
    }

    /// Sets the most processes (and threads) the container may have (`pids.max`); `None` removes
    /// the limit. It lasts until the container stops.
    ///
    /// # Errors
    ///
    /// As [`Container::set_cgroup_item`].
    pub fn set_pids_limit(&self, limit: Option<u64>) -> Result<()> {
        match limit {
            Some(n) => self.set_cgroup_item("pids.max", &n.to_string()),
            None => self.set_cgroup_item("pids.max", "max"),
        }
    }

    /// How many processes (and threads) the container has now (`pids.current`).
    ///
    /// # Errors
    ///
    /// As [`Container::cgroup_item`]; [`ErrorKind::InvalidData`] when the value is not a number.
    pub fn pids_current(&self) -> Result<u64> {
        let text = self.cgroup_item("pids.current")?;
        parse_u64(self, "pids.current", &text)
    }

    /// Reads the first key of `probe` that exists, and says which layout it belongs to.
    fn probe(&self, probe: &[(&str, CgroupVersion)]) -> Result<(CgroupVersion, String)> {
        let mut first: Option<Error> = None;
        for (key, version) in probe {
            match self.cgroup_item(key) {
                Ok(text) => return Ok((*version, text)),
                Err(e) if matches!(e.kind(), ErrorKind::NotRunning | ErrorKind::Unsupported) => {
                    return Err(e)
                }
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        let tried: Vec<String> = probe
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k} (cgroup {})",
                    if *v == CgroupVersion::V1 { "v1" } else { "v2" }
                )
            })
            .collect();
        let Some(e) = first else {
            return Err(self.error_in(ErrorKind::Failed, "get_cgroup_item", "nothing to probe"));
        };
        let mut out = Error::new(
            e.kind(),
            "get_cgroup_item",
            format!(
                "the container has neither {}: {}",
                tried.join(" nor "),
                e.reason()
            ),
        );
        if let Some(code) = e.code() {
            out = out.with_code(code);
        }
        if let Some(errno) = e.raw_os_error() {
            out = out.with_errno(errno);
        }
        Err(out)
    }
}

/// Why `key` cannot name a controller's cgroup file (`<controller>.<file>`, no `/`), if it cannot.
/// liblxc takes the part before the first `.` as the controller; every cgroup file has one.
fn bad_cgroup_key(key: &str) -> Option<String> {
    let ok = !key.contains('/')
        && key.split_once('.').is_some_and(|(controller, file)| {
            !controller.is_empty() && !file.is_empty() && !file.ends_with('.')
        });
    (!ok).then(|| {
        format!("{key:?} is not the name of a cgroup file (`<controller>.<file>`, e.g. `pids.max`)")
    })
}

fn invalid(c: &Container, key: &str, why: String) -> Error {
    Error::new(ErrorKind::InvalidData, "get_cgroup_item", why)
        .with_argument(key)
        .with_container(c.name())
}

fn parse_u64(c: &Container, key: &str, text: &str) -> Result<u64> {
    text.trim()
        .parse()
        .map_err(|e| invalid(c, key, format!("{:?} is not a number ({e})", text.trim())))
}

#[cfg(test)]
mod tests {
    use super::V1_UNLIMITED;

    #[test]
    fn v1_unlimited_covers_every_page_size() {
        for page in [4096u64, 16384, 65536] {
            let unlimited = (i64::MAX as u64) / page * page;
            assert!(unlimited >= V1_UNLIMITED, "page size {page}");
        }
    }

    // A real limit (64 TiB) stays below the sentinel.
    const _: () = assert!(64u64 << 40 < V1_UNLIMITED);
}
