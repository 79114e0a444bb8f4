//! The environment of the program: the policy liblxc applies (`LXC_ATTACH_CLEAR_ENV`, or
//! `LXC_ATTACH_KEEP_ENV` for [`Command::inherit_env`]), the variables it sets and keeps, and the
//! checks on their names.

use std::ffi::{c_int, CString, OsStr};
use std::os::unix::ffi::OsStrExt;

use lxc_core::__private::Call;
use lxc_core::{ErrorKind, Result};

use super::lower::cstring;
use super::Command;

const LXC_ATTACH_KEEP_ENV: c_int = 0;
const LXC_ATTACH_CLEAR_ENV: c_int = 1;

/// The environment of a run, lowered for C.
pub(super) struct LoweredEnv {
    /// `env_policy`: `LXC_ATTACH_CLEAR_ENV` or `LXC_ATTACH_KEEP_ENV`.
    pub(super) policy: c_int,
    /// `extra_env_vars`: the `KEY=VALUE` pairs liblxc sets.
    pub(super) vars: Vec<CString>,
    /// `extra_keep_env`: the names of the caller's variables liblxc keeps.
    pub(super) keep: Vec<CString>,
}

impl Command<'_> {
    /// The environment policy and variables, lowered for C. A bad variable name is refused first.
    pub(super) fn lower_env(&self, call: &Call<'_>) -> Result<LoweredEnv> {
        let mut env_policy = LXC_ATTACH_CLEAR_ENV;
        let mut vars = Vec::new();
        self.check_env_names(call)?;
        if self.inherit_env {
            if self.vars.values().any(Option::is_none) {
                // liblxc cannot remove a variable from a kept environment: pass the caller's
                // environment explicitly instead, without the removed ones.
                for (k, v) in std::env::vars_os() {
                    if !self.vars.contains_key(&k) {
                        vars.push(env_pair(call, &k, &v)?);
                    }
                }
            } else {
                env_policy = LXC_ATTACH_KEEP_ENV;
            }
        }
        for (k, v) in &self.vars {
            if let Some(v) = v {
                vars.push(env_pair(call, k, v)?);
            }
        }
        let keep = self
            .keep
            .iter()
            .map(|k| cstring(call, "keep_env", k.as_os_str()))
            .collect::<Result<Vec<_>>>()?;
        Ok(LoweredEnv {
            policy: env_policy,
            vars,
            keep,
        })
    }

    /// Refuses a variable name, set or kept, that is empty or contains `=` or a NUL byte.
    fn check_env_names(&self, call: &Call<'_>) -> Result<()> {
        let named = self.vars.keys().map(|k| ("env", k));
        for (what, k) in named.chain(self.keep.iter().map(|k| ("keep_env", k))) {
            let b = k.as_bytes();
            if b.is_empty() || b.contains(&b'=') || b.contains(&0) {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!(
                        "argument `{what}`: environment variable name {k:?} is empty or contains `=` or a NUL byte"
                    )
                    .into(),
                ));
            }
        }
        Ok(())
    }
}

/// `KEY=VALUE`; an error names the variable but never shows its value.
fn env_pair(call: &Call<'_>, k: &OsStr, v: &OsStr) -> Result<CString> {
    let mut kv = k.as_bytes().to_vec();
    kv.push(b'=');
    kv.extend_from_slice(v.as_bytes());
    CString::new(kv).map_err(|e| {
        let (part, at) = match e.nul_position().checked_sub(k.len() + 1) {
            Some(at) => ("value", at),
            None => ("name", e.nul_position()),
        };
        call.error(
            ErrorKind::InvalidArgument,
            format!(
                "argument `env`: the {part} of variable {k:?} contains a NUL byte at position {at}"
            )
            .into(),
        )
    })
}
