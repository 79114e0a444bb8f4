// `Handle` owns one counted reference; a copy would put it twice. Use `Handle::try_clone`.
fn twice(h: liblxc::dsl::Handle) -> (liblxc::dsl::Handle, liblxc::dsl::Handle) {
    (h.clone(), h)
}

fn main() {
    let _ = twice;
}
