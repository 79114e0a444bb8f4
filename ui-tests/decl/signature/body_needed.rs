use lxc::dsl::AsHandle;
use lxc::dsl::lxc_method;

struct MyC(lxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    // `snapshot_list` fills an array of `struct lxc_snapshot`: only a body can read it.
    #[lxc_method(snapshot_list)]
    pub fn snapshots(&self) -> lxc::Result<Vec<String>>;
}

fn main() {}
