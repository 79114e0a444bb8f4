// `Container` is `Send` but not `Sync`: one liblxc object must see one call at a time.
fn check(c: &liblxc::Container) {
    std::thread::scope(|s| {
        s.spawn(|| c.is_defined());
    });
}

fn main() {
    let _ = check;
}
