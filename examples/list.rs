//! List the containers of an lxcpath: defined, running, all, with their states. Makes two busybox
//! containers and starts one. Run as root: `cargo run --example list [LXCPATH]`.

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("list")?;
    lab.busybox("idle")?;
    lab.running("busy")?;

    let lxcpath = Some(lab.path());
    println!("defined: {:?}", liblxc::defined_container_names(lxcpath)?);
    println!("active:  {:?}", liblxc::active_container_names(lxcpath)?);
    for c in liblxc::all_containers(lxcpath)? {
        let pid = c.init_pid().map_or("-".to_owned(), |p| p.to_string());
        println!("{:<6} {:<8} init pid {pid}", c.name(), c.state()?);
    }
    Ok(())
}
