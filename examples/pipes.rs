//! Run programs inside a container with pipes, the `std::process` way: feed stdin, read stdout,
//! get the exit status and stderr. Run as root: `cargo run --example pipes [LXCPATH]`.

use std::io::{BufRead, BufReader, Write};

use liblxc::Stdio;

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("pipes")?;
    let c = lab.running("pipes")?;

    // stdin and stdout as pipes: write lines, close stdin, read the answers line by line.
    let mut child = c
        .command("tr")
        .args(["a-z", "A-Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    writeln!(stdin, "hello from the host")?;
    writeln!(stdin, "second line")?;
    drop(stdin); // EOF: tr ends
    let stdout = child.stdout.take().expect("piped stdout");
    for line in BufReader::new(stdout).lines() {
        println!("tr said: {}", line?);
    }
    println!(
        "tr (pid {} on the host) exited: {}",
        child.id(),
        child.wait()?
    );

    // output(): everything at once, with a failing status and stderr.
    let out = c
        .command("sh")
        .args(["-c", "echo out; echo err >&2; exit 3"])
        .output()?;
    println!(
        "sh: {} stdout {:?} stderr {:?}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}
