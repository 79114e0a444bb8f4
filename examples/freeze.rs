//! Freeze a running container (its processes stop getting CPU), show that a program cannot run in
//! it while frozen, and thaw it. Run as root: `cargo run --example freeze [LXCPATH]`.

use std::time::Duration;

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("freeze")?;
    let c = lab.running("icy")?;
    println!("state: {}", c.state()?);

    c.freeze()?;
    println!("after freeze(): {}", c.state()?);
    match c.command("true").status() {
        Ok(s) => println!("ran a program while frozen?! {s}"),
        Err(e) => println!("a program in a frozen container: {:?}: {e}", e.kind()),
    }

    c.unfreeze_timeout(Duration::from_secs(10))?;
    println!("after unfreeze(): {}", c.state()?);
    println!("`true` now exits with {}", c.command("true").status()?);
    Ok(())
}
