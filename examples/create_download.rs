//! Create a container with the `download` template and its typed options. This machine reaches no
//! image server, so by default it prints the template arguments the options give and what create
//! says; set `LXC_RS_EXAMPLE_DOWNLOAD=1` on a host with network to really download. Run as root:
//! `cargo run --example create_download [LXCPATH]`.

use liblxc::{CreateOptions, DownloadOptions};

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("create_download")?;
    let mut download = DownloadOptions::new("alpine", "3.19", "amd64");
    download.variant = Some("default".into());
    let opts = CreateOptions::download(download);
    println!("the download template gets: {:?}", opts.template_args()?);

    if std::env::var_os("LXC_RS_EXAMPLE_DOWNLOAD").is_none() {
        println!("not downloading (set LXC_RS_EXAMPLE_DOWNLOAD=1 to)");
        return Ok(());
    }
    let c = lab.container("alpine")?;
    match c.create_with_options(&opts) {
        Ok(()) => println!(
            "created {}: rootfs {}",
            c.name(),
            c.config_item("lxc.rootfs.path")?
        ),
        Err(e) => println!("create failed: {:?}: {e}", e.kind()),
    }
    Ok(())
}
