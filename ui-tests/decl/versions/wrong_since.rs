use lxc::dsl::AsHandle;
use lxc::dsl::lxc_method;

struct MyC(lxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(set_timeout, since = "5.0.0")]
    pub fn set_timeout(&self, seconds: i32) -> lxc::Result<()>;
}

fn main() {}
