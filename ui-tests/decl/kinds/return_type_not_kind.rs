use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(snapshot, ret = Int, err = NegOne)]
    pub fn snapshot(&self, comment_file: Option<&str>) -> lxc_core::Result<std::path::PathBuf>;
}

fn main() {}
