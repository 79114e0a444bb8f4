//! Exec: create a busybox container in a temporary lxcpath, start it, run programs inside it with
//! `Container::command` (the `std::process::Command` way), print what they wrote and how they
//! exited, then stop and destroy it. Run as root:
//!
//! ```sh
//! cargo run --example exec
//! ```

use std::time::Duration;

use liblxc::{Container, State};

/// Removes the container and the temporary lxcpath even when a step fails.
struct Cleanup<'a> {
    container: &'a Container,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if self.container.is_running() {
            let _ = self.container.stop();
        }
        if self.container.is_defined() {
            let _ = self.container.destroy();
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lxcpath = tempfile::Builder::new().prefix("lxc-rs-exec-").tempdir()?;
    let c = Container::new_in("exec-example", lxcpath.path())?;
    let _cleanup = Cleanup { container: &c };

    c.create_with(Some("busybox"), None, None, liblxc::CreateFlags::QUIET, &[])?;
    // This machine has no lxcbr0 bridge: give the container an empty network namespace.
    c.clear_config_item("lxc.net")?;
    c.set_config_item("lxc.net.0.type", "empty")?;
    c.save_config(None)?;
    c.start()?;
    c.wait(State::Running, Duration::from_secs(10))?;
    println!("container {:?} is {}", c.name(), c.state()?);

    for (program, args) in [("uname", &["-a"][..]), ("ls", &["/"][..])] {
        let out = c.command(program).args(args).output()?;
        println!("$ {program} {}", args.join(" "));
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        println!("exit code: {:?}", out.status.code());
    }

    // Statuses are decoded, and a missing program is an error rather than exit status 127.
    let status = c.command("sh").args(["-c", "exit 3"]).status()?;
    println!("$ sh -c 'exit 3'\nexit code: {:?}", status.code());
    match c.command("no-such-program").status() {
        Ok(s) => println!("no-such-program exited with {s}"),
        Err(e) => println!("no-such-program: {e} (kind {:?})", e.kind()),
    }

    c.stop()?;
    c.wait(State::Stopped, Duration::from_secs(10))?;
    c.destroy()?;
    println!("stopped and destroyed");
    Ok(())
}
