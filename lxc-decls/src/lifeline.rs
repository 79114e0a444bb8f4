//! The lifeline of an ephemeral copy: a helper process that removes the copy when the process that
//! made it dies without removing it.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Waits for end of file on its standard input, whose only writer is this process (the pipe's end
/// here is close-on-exec, and liblxc's monitor closes what it inherits), then destroys the copy
/// (stopping it first) and removes its directory if only the reserved, empty directory is left.
/// The copy's name and lxcpath come as `$1` and `$2`: nothing is pasted into the script.
const SCRIPT: &str = r#"read -r _; lxc-destroy -f -n "$1" -P "$2"; rmdir -- "$2/$1""#;

/// The helper process of one copy. [`Lifeline::release`] ends it without removing anything.
#[derive(Debug)]
pub(crate) struct Lifeline {
    child: Child,
}

impl Lifeline {
    /// Starts the helper for copy `name` in `lxcpath`.
    pub(crate) fn spawn(name: &str, lxcpath: &Path) -> std::io::Result<Lifeline> {
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("lxc-rs-lifeline")
            .arg(name)
            .arg(lxcpath)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A terminal's Ctrl-C goes to the foreground process group: not to the helper, which
            // must outlive the process it watches.
            .process_group(0)
            .spawn()?;
        Ok(Lifeline { child })
    }

    /// Ends the helper (the copy is gone, or its removal is someone else's now) and reaps it.
    pub(crate) fn release(mut self) {
        // SIGKILL: the helper never gets to read end of file. No write to the pipe: the helper
        // may have died, and a write would raise SIGPIPE in a caller that did not ignore it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
