//! The container's network: its interfaces and addresses, seen from inside its network namespace, and
//! moving host interfaces in and out.
//!
//! # "None" and "error" look the same
//!
//! liblxc's `get_interfaces` and `get_ips` return NULL both when there is nothing to report and when
//! they fail (they fork a child that enters the container's network namespace; a failed fork, a failed
//! `setns` or a failed netlink dump all come back as NULL). lxc-rs cannot tell the two apart, so both
//! are an empty list:
//!
//! - a **stopped** container gives `Ok(vec![])` (there is no namespace to enter), not
//!   [`ErrorKind::NotRunning`];
//! - a running container whose namespace could not be entered also gives `Ok(vec![])`.
//!
//! Check [`Container::is_running`] first when the difference matters; [`Container::wait_for_ips`]
//! does.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use lxc_core::{ErrorKind, Result};
use lxc_macros::lxc_method;

use crate::Container;

/// An IP address family, to filter [`Container::ips`] with.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum IpFamily {
    /// IPv4 (`AF_INET`; liblxc's `"inet"`).
    V4,
    /// IPv6 (`AF_INET6`; liblxc's `"inet6"`).
    V6,
}

impl IpFamily {
    /// liblxc's name for the family, as `get_ips` takes it: `"inet"` or `"inet6"`.
    pub fn as_str(self) -> &'static str {
        match self {
            IpFamily::V4 => "inet",
            IpFamily::V6 => "inet6",
        }
    }

    /// The family of `addr`.
    pub fn of(addr: &IpAddr) -> IpFamily {
        match addr {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        }
    }
}

impl fmt::Display for IpFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest pause between two polls of [`Container::wait_for_ips`].
const MAX_POLL_PAUSE: Duration = Duration::from_millis(250);
/// The first pause of [`Container::wait_for_ips`]; it doubles up to [`MAX_POLL_PAUSE`].
const FIRST_POLL_PAUSE: Duration = Duration::from_millis(10);

/// The declarations.
impl Container {
    /// The names of the network interfaces in the running container's network namespace, `lo`
    /// included, each once, in the kernel's order.
    ///
    /// liblxc forks a child that enters the namespace and lists it. Its NULL means both "none" and
    /// "failed" (fork, `setns` or the netlink dump failed), and lxc-rs cannot tell them apart: both
    /// are an empty list. So a **stopped** container gives `Ok(vec![])`, not
    /// [`ErrorKind::NotRunning`]; check [`Container::is_running`] when the difference matters.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`] when an interface name is not UTF-8. Never for liblxc's own
    /// failure, which looks like an empty list.
    #[lxc_method(get_interfaces)]
    pub fn interfaces(&self) -> Result<Vec<String>>;

    /// The addresses of the running container as liblxc formats them (`inet_ntop`: `"10.0.3.2"`,
    /// `"fd00::2"`, no prefix length, no `%scope` suffix). Prefer [`Container::ips`], which parses them.
    ///
    /// - `interface`: only this interface; `None`: every interface **except `lo`**.
    /// - `family`: `Some("inet")` (IPv4) or `Some("inet6")` (IPv6); `None`: both. Any other string
    ///   matches nothing and gives an empty list.
    /// - `scope` applies to IPv6 only and is compared with the address's `sin6_scope_id`: `0` selects
    ///   the addresses without a scope id (global and unique-local ones, what you usually want), and
    ///   the interface index (inside the container) selects that interface's link-local `fe80::`
    ///   addresses. IPv4 addresses are reported whatever `scope` is.
    ///
    /// liblxc's NULL means both "none" and "failed" (fork, `setns` or the netlink dump failed), and
    /// lxc-rs cannot tell them apart: both are an empty list. So a **stopped** container gives
    /// `Ok(vec![])`, not [`ErrorKind::NotRunning`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a NUL byte in `interface` or `family` (liblxc is not
    /// called); [`ErrorKind::InvalidData`] when an entry is not UTF-8. Never for liblxc's own
    /// failure, which looks like an empty list.
    #[lxc_method(get_ips)]
    pub fn ip_strings(
        &self,
        interface: Option<&str>,
        family: Option<&str>,
        scope: i32,
    ) -> Result<Vec<String>>;

    /// Moves the host network device `dev` into the running container's network namespace, renamed
    /// to `dst` (`None`: keeps its name).
    ///
    /// liblxc first brings `dev` down if it is up; it arrives down in the container. A virtual device
    /// (veth, dummy, macvlan) that is still inside when the container stops is destroyed with the
    /// namespace; a physical one returns to the host. Needs root (liblxc refuses it unprivileged).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a name that is empty, longer than 15 bytes or holds a NUL
    /// byte; [`ErrorKind::NotRunning`] when the container is not running; [`ErrorKind::NotFound`]
    /// when `dev` does not exist on the host (checked before liblxc is called); `Failed` when
    /// liblxc cannot move the device (`dst` is taken in the container, …).
    #[lxc_method(attach_interface, pre = Self::interface_to_attach)]
    pub fn attach_interface(&self, dev: &str, dst: Option<&str>) -> Result<()>;

    fn interface_to_attach(&self, dev: &str, dst: Option<&str>) -> Result<()> {
        let bad = |kind, why: String| Err(self.error_in(kind, "attach_interface", why));
        for name in std::iter::once(dev).chain(dst) {
            if let Some(why) = bad_ifname(name) {
                return bad(ErrorKind::InvalidArgument, why);
            }
        }
        if !self.is_running() {
            return Ok(());
        }
        if let Ok(c) = std::ffi::CString::new(dev) {
            // SAFETY: if_nametoindex reads a NUL-terminated string that outlives the call.
            if unsafe { libc::if_nametoindex(c.as_ptr()) } == 0 {
                return bad(
                    ErrorKind::NotFound,
                    format!("there is no network device {dev:?} on the host"),
                );
            }
        }
        Ok(())
    }

    /// Moves the network device `dev` out of the running container back to the host (the network
    /// namespace of the calling process), renamed to `dst` (`None`: keeps its name). liblxc brings it
    /// down inside the container first.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a name that is empty, longer than 15 bytes or holds a NUL
    /// byte (liblxc is not called); [`ErrorKind::NotRunning`] when the container is not running;
    /// `Failed` when liblxc cannot move the device (no such device in the container, `dst` taken on
    /// the host, …).
    #[lxc_method(detach_interface, pre = Self::interface_to_detach)]
    pub fn detach_interface(&self, dev: &str, dst: Option<&str>) -> Result<()>;

    fn interface_to_detach(&self, dev: &str, dst: Option<&str>) -> Result<()> {
        for name in std::iter::once(dev).chain(dst) {
            if let Some(why) = bad_ifname(name) {
                return Err(self.error_in(ErrorKind::InvalidArgument, "detach_interface", why));
            }
        }
        Ok(())
    }
}

/// Hand-written conveniences on top of the declarations.
impl Container {
    /// The addresses of the running container, parsed: IPv4 and global-scope IPv6 addresses of
    /// `interface` (`None`: every interface except `lo`), of `family` (`None`: both), in the kernel's
    /// order.
    ///
    /// IPv6 link-local (`fe80::/10`) addresses are not included: liblxc selects IPv6 addresses by
    /// scope id and this asks for scope `0` (global); use [`Container::ip_strings`] with the interface
    /// index for link-local ones. A stopped container gives an empty list: liblxc's NULL means both
    /// "none" and "failed", and lxc-rs cannot tell them apart ([`Container::wait_for_ips`] checks
    /// whether the container runs).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a NUL byte in `interface`; [`ErrorKind::InvalidData`]
    /// naming the entry when liblxc reports an address that does not parse as an [`IpAddr`] (never
    /// seen: liblxc formats them with `inet_ntop`), or one of another family than asked for. Nothing
    /// is skipped silently.
    #[doc(alias = "get_ips")]
    pub fn ips(&self, interface: Option<&str>, family: Option<IpFamily>) -> Result<Vec<IpAddr>> {
        let raw = self.ip_strings(interface, family.map(IpFamily::as_str), 0)?;
        raw.iter()
            .map(|entry| {
                let addr = IpAddr::from_str(entry).map_err(|e| {
                    self.error_in(
                        ErrorKind::InvalidData,
                        "get_ips",
                        format!("liblxc reported {entry:?}, which is not an IP address: {e}"),
                    )
                })?;
                match family {
                    Some(f) if IpFamily::of(&addr) != f => Err(self.error_in(
                        ErrorKind::InvalidData,
                        "get_ips",
                        format!("liblxc reported {entry:?} when asked for {f} addresses only"),
                    )),
                    _ => Ok(addr),
                }
            })
            .collect()
    }

    /// Waits until the running container has at least one address as [`Container::ips`] reports it
    /// (for `interface` and `family`, global scope), and returns them.
    ///
    /// It polls: first after 10 ms, then twice as long each time up to 250 ms, never past `timeout`.
    /// Each poll forks a child that enters the container's network namespace (about a millisecond).
    /// A zero `timeout` looks once. The wait is bounded by `timeout`; a `timeout` too large for
    /// [`Instant`] (such as [`Duration::MAX`]) waits until an address appears or the container stops.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::Timeout`] when no address appeared within `timeout`;
    /// - [`ErrorKind::NotRunning`] as soon as the container is seen not running (it has no network
    ///   namespace, so no address can appear);
    /// - as [`Container::ips`] for a NUL byte or an unparsable entry.
    pub fn wait_for_ips(
        &self,
        interface: Option<&str>,
        family: Option<IpFamily>,
        timeout: Duration,
    ) -> Result<Vec<IpAddr>> {
        let started = Instant::now();
        let deadline = started.checked_add(timeout);
        let mut pause = FIRST_POLL_PAUSE;
        loop {
            let found = self.ips(interface, family)?;
            if !found.is_empty() {
                return Ok(found);
            }
            if !self.is_running() {
                return Err(self.error_in(
                    ErrorKind::NotRunning,
                    "wait_for_ips",
                    "the container is not running, so no address can appear",
                ));
            }
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => MAX_POLL_PAUSE,
            };
            if left.is_zero() {
                let what = match (interface, family) {
                    (Some(i), Some(f)) => format!("no {f} address on {i:?}"),
                    (Some(i), None) => format!("no address on {i:?}"),
                    (None, Some(f)) => format!("no {f} address on any interface but lo"),
                    (None, None) => "no address on any interface but lo".to_owned(),
                };
                return Err(self.error_in(
                    ErrorKind::Timeout,
                    "wait_for_ips",
                    format!("{what} within {timeout:?} (waited {:?})", started.elapsed()),
                ));
            }
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(MAX_POLL_PAUSE);
        }
    }
}

/// Why `name` cannot be a network device name (the kernel's rules: 1 to 15 bytes, no `/`, no
/// white space, no NUL, not `.` or `..`).
fn bad_ifname(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name
            .bytes()
            .any(|b| b == b'/' || b == 0 || b == b':' || b.is_ascii_whitespace());
    (!ok).then(|| {
        let shown: String = name.chars().take(40).collect();
        format!(
            "{shown:?}{} is not a network device name (1 to 15 bytes, no `/`, `:`, white space or NUL)",
            if shown.len() < name.len() { "…" } else { "" }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_are_liblxcs() {
        assert_eq!(IpFamily::V4.as_str(), "inet");
        assert_eq!(IpFamily::V6.as_str(), "inet6");
        assert_eq!(IpFamily::of(&"10.1.2.3".parse().unwrap()), IpFamily::V4);
        assert_eq!(IpFamily::of(&"fd00::2".parse().unwrap()), IpFamily::V6);
        assert_eq!(IpFamily::V6.to_string(), "inet6");
    }
}
