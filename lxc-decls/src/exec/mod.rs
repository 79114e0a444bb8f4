//! Running programs inside a container, the [`std::process::Command`] way: [`Container::command`]
//! builds a [`Command`], which runs with [`status`](Command::status), [`output`](Command::output) or
//! [`spawn`](Command::spawn) (a [`Child`] to wait on).
//!
//! Every call goes through liblxc's `attach`: the caller forks, the fork enters the container's
//! namespaces and clones the attached process, which becomes a child of the calling process. Each call
//! builds a fresh `lxc_attach_options_t` in C (liblxc writes into it), and the program is started by an
//! `exec_function` (`closure::run_program`) that reports a failed `execvp` through a close-on-exec pipe, so a
//! program that does not exist is an error, not an exit status 127.
//!
//! liblxc 5.0.2's `attach` leaves one pidfd of the container's init open in a single-threaded
//! caller per call; lxc-rs closes it once no run on that container is in flight, so the
//! caller's descriptor table stays flat. A pidfd of that init the caller opens itself
//! (`pidfd_open`) while a run is in flight would be taken for it: use
//! [`Container::init_pidfd`], whose descriptors are never touched.
//!
//! The parts:
//!
//! - `flags`: [`AttachFlags`] and [`Namespaces`];
//! - `command`: the [`Command`] builder, and [`Container::command`] and [`Container::attach_fn`]
//!   that make one;
//! - `stdio`: [`Stdio`], and the descriptors and pipes one run's standard streams get;
//! - `env`: the environment the program gets (policy, variable names, `KEY=VALUE`);
//! - `lower`: a [`Command`] lowered for C, and the `lxc_attach_options_t` built from it;
//! - `attach`: the runs of a [`Command`] (`spawn`, `status`, `output`, `run_wait`), the `attach`
//!   and `attach_run_wait` declarations they call, and the report of a failed `execvp`;
//! - `closure`: the `lxc_attach_exec_t`s: a program (`execvp`, its failure reported through a
//!   pipe) or a closure of [`Container::attach_fn`];
//! - `child`: [`Child`], `waitpid` and reading its output;
//! - `reaper`: the thread that reaps dropped children;
//! - `held`: the children a caller holds while their container stops (reaped meanwhile).

mod attach;
mod child;
mod closure;
mod command;
mod env;
mod flags;
mod held;
mod lower;
mod reaper;
mod stdio;

pub(crate) use self::child::pidfd_open;
pub use self::child::Child;
pub use self::command::{Command, Personality};
pub use self::flags::{AttachFlags, Namespaces};
pub(crate) use self::held::Reaping;
pub use self::stdio::Stdio;

#[cfg(doc)]
use crate::Container;
