//! The checks and explanations of the configuration-item members (`set_config_item`,
//! `config_item`, `running_config_item`, `keys`): values liblxc accepts but that cannot work, keys
//! that are prefixes, and liblxc 4.0's `-1` told apart from 5.0's `-22`.

use lxc_core::Result;

use crate::container::MAX_KEY_LEN;
use crate::Container;

/// Checks and explanations named by the declarations in container.rs.
impl Container {
    /// liblxc 4.0 logs nothing for a key it does not know (5.0 names it): the error names the key.
    #[cold]
    pub(crate) fn name_the_key(
        &self,
        e: lxc_core::Error,
        _: &(),
        key: &str,
        _: &str,
    ) -> lxc_core::Error {
        if e.reason().contains(key) {
            return e;
        }
        let kind = e.kind();
        let why = format!("{} (key {key:?})", e.reason());
        e.rephrased(kind, why)
    }

    pub(crate) fn possible_value(&self, key: &str, value: &str) -> Result<()> {
        match impossible_value(key, value) {
            Some(why) => {
                Err(self.error_in(lxc_core::ErrorKind::InvalidArgument, "set_config_item", why))
            }
            None => Ok(()),
        }
    }

    /// Refuses a key that ends with `.` (see `a_prefix`).
    pub(crate) fn not_a_prefix(&self, key: &str) -> Result<()> {
        match a_prefix(key) {
            Some(why) => {
                Err(self.error_in(lxc_core::ErrorKind::InvalidArgument, "get_config_item", why))
            }
            None => Ok(()),
        }
    }

    /// liblxc 4.0 returns -1 for an unknown key (5.0: -22): the same error on both.
    #[cold]
    pub(crate) fn unknown_key(&self, e: lxc_core::Error, _: &(), key: &str) -> lxc_core::Error {
        if e.kind() != lxc_core::ErrorKind::Failed || e.code() != Some(-1) {
            return e;
        }
        // liblxc's table names prefixes for indexed and open-ended keys (`lxc.net` for
        // `lxc.net.0.type`, `lxc.cgroup` for `lxc.cgroup.memory.limit_in_bytes`): a key is known
        // when it, or a prefix of it ending before a `.`, is.
        let known = std::iter::once(key)
            .chain(key.match_indices('.').map(|(i, _)| &key[..i]))
            .any(|k| !matches!(crate::free::config_item_is_supported(k), Ok(false)));
        if known {
            return e;
        }
        e.rephrased(
            lxc_core::ErrorKind::InvalidArgument,
            format!("liblxc does not know the configuration key {key:?}"),
        )
    }

    /// Refuses a key no configuration has: the monitor reads a command's data up to a limit and
    /// resets the connection past it, so a long key got `Failed` ("Connection reset by peer") or
    /// `NotFound`, depending on how far it was sent when the monitor gave up.
    pub(crate) fn key_fits(&self, key: &str) -> Result<()> {
        if key.len() > MAX_KEY_LEN {
            return Err(self.error_in(
                lxc_core::ErrorKind::InvalidArgument,
                "get_running_config_item",
                format!(
                    "the key is {} bytes long; no configuration key is longer than {MAX_KEY_LEN}",
                    key.len()
                ),
            ));
        }
        Ok(())
    }

    /// liblxc 4.0 returns -1 for an unknown prefix (5.0: -22): the same error on both.
    #[cold]
    pub(crate) fn unknown_prefix(
        &self,
        e: lxc_core::Error,
        _: &(),
        prefix: Option<&str>,
    ) -> lxc_core::Error {
        match prefix {
            Some(p) if e.kind() == lxc_core::ErrorKind::Failed && e.code() == Some(-1) => e
                .rephrased(
                    lxc_core::ErrorKind::InvalidArgument,
                    format!("liblxc knows no configuration keys under {p:?}"),
                ),
            _ => e,
        }
    }
}

/// Why `value` cannot work for `key`, for the keys whose values liblxc 5.0.2 accepts unchecked.
fn impossible_value(key: &str, value: &str) -> Option<String> {
    if let Some(why) = a_prefix(key) {
        return Some(why);
    }
    if value.is_empty() {
        return None;
    }
    let net_field = key
        .strip_prefix("lxc.net.")
        .and_then(|r| r.split_once('.'))
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, field)| field);
    let ok = match (net_field, key) {
        (Some("mtu"), _) => value
            .parse::<u32>()
            .is_ok_and(|m| (68..=65535).contains(&m)),
        (Some("hwaddr"), _) => {
            let parts: Vec<&str> = value.split(':').collect();
            parts.len() == 6
                && parts.iter().all(|p| {
                    p.len() == 2
                        && p.bytes()
                            .all(|b| b.is_ascii_hexdigit() || b == b'x' || b == b'X')
                })
        }
        (_, "lxc.signal.halt" | "lxc.signal.reboot" | "lxc.signal.stop") => {
            match value.parse::<i64>() {
                Ok(n) => (1..=64).contains(&n),
                // A name (`SIGPWR`, `PWR`, `SIGRTMIN+3`): liblxc checks those itself.
                Err(_) => true,
            }
        }
        _ => true,
    };
    (!ok).then(|| {
        let shown: String = value.chars().take(64).collect();
        format!("{shown:?} cannot work as {key}")
    })
}

/// A key that ends with `.` (`lxc.sysctl.`, `lxc.uts.name.`) names a prefix, never an item:
/// liblxc 5.0 refuses it, 4.0 sets an empty sysctl or reads the key without the dot.
fn a_prefix(key: &str) -> Option<String> {
    key.ends_with('.').then(|| {
        format!("{key:?} ends with `.`: it is a prefix, not a configuration key (list the keys under it with `keys`)")
    })
}
