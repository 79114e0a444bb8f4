use liblxc::dsl::AsHandle;
use liblxc::dsl::lxc_method;

struct MyC(liblxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &liblxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    // `snapshot_list` fills an array of `struct lxc_snapshot`: only a body can read it.
    #[lxc_method(snapshot_list)]
    pub fn snapshots(&self) -> liblxc::Result<Vec<String>>;
}

fn main() {}
