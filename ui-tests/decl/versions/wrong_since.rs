use liblxc::dsl::AsHandle;
use liblxc::dsl::lxc_method;

struct MyC(liblxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &liblxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(set_timeout, since = "5.0.0")]
    pub fn set_timeout(&self, seconds: i32) -> liblxc::Result<()>;
}

fn main() {}
