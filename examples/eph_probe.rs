use lxc::{CloneFlags, Container, CreateFlags, State};
use std::time::{Duration, Instant};
fn main() {
    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-probe-")
        .tempdir()
        .unwrap();
    let base = Container::new_in("base", lxcpath.path()).unwrap();
    base.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[])
        .unwrap();
    base.clear_config_item("lxc.net").unwrap();
    base.set_config_item("lxc.net.0.type", "empty").unwrap();
    base.save_config(None).unwrap();
    for i in 0..8 {
        let name = format!("e{i}");
        let t = Instant::now();
        let mut marks = vec![];
        let mut m = |w: &str, marks: &mut Vec<String>| {
            marks.push(format!("{w} {:.1}", t.elapsed().as_secs_f64() * 1e3))
        };
        let c = base
            .clone_with(
                Some(&name),
                None,
                CloneFlags::SNAPSHOT,
                Some("overlay"),
                None,
                0,
                &[],
            )
            .unwrap();
        m("clone", &mut marks);
        c.set_config_item("lxc.ephemeral", "1").unwrap();
        c.save_config(None).unwrap();
        m("save", &mut marks);
        let direct = std::env::args().nth(1).is_some();
        let c = if direct {
            c
        } else {
            drop(c);
            Container::new_in(&name, lxcpath.path()).unwrap()
        };
        m("reopen", &mut marks);
        c.start().unwrap();
        m("start", &mut marks);
        c.wait(State::Running, Duration::from_secs(10)).unwrap();
        m("running", &mut marks);
        let st = c.command("/bin/true").status().unwrap();
        assert!(st.success());
        m("true", &mut marks);
        c.stop().unwrap();
        m("stop", &mut marks);
        c.wait(State::Stopped, Duration::from_secs(10)).unwrap();
        m("stopped", &mut marks);
        while c.is_defined() {
            std::thread::sleep(Duration::from_millis(1));
        }
        m("gone", &mut marks);
        println!("{}", marks.join(" | "));
    }
    base.destroy().unwrap();
}
