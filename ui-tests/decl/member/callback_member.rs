use liblxc::dsl::AsHandle;
use liblxc::dsl::lxc_method;

struct MyC(liblxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &liblxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(lxc_attach_run_shell)]
    pub fn run_shell(&self) -> i32;
}

fn main() {}
