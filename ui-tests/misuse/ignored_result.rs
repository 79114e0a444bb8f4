#![deny(unused_must_use)]

// A failed `stop` must not go unnoticed.
fn stop(c: &liblxc::Container) {
    c.stop();
}

fn main() {
    let _ = stop;
}
