// `Container` is `Send`: moving it into a thread (or a clone of it into another) compiles.
fn in_thread(c: liblxc::Container) -> bool {
    std::thread::spawn(move || c.is_defined()).join().unwrap()
}

fn clones_in_two_threads(c: liblxc::Container) -> liblxc::Result<()> {
    let d = c.try_clone()?;
    let a = std::thread::spawn(move || c.is_running());
    let b = std::thread::spawn(move || d.is_running());
    let _ = (a.join().unwrap(), b.join().unwrap());
    Ok(())
}

fn main() {
    let _ = (in_thread, clones_in_two_threads);
}
