use liblxc::dsl::AsHandle;
use liblxc::dsl::lxc_method;

struct MyC(liblxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &liblxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    // Three mistakes in one declaration: a misspelt kind, a wrong `since`, a missing argument.
    #[lxc_method(set_config_item, ret = Unt, err = False, since = "6.0.0")]
    pub fn set_config_item(&self, key: &str) -> liblxc::Result<()>;

    // One in each of the next two.
    #[lxc_method(get_confg_item, ret = BufString, err = Neg)]
    pub fn config_item(&self, key: &str) -> liblxc::Result<String>;

    #[lxc_method(freeze, ret = Unit, err = False)]
    pub fn freeze(&mut self) -> liblxc::Result<()>;
}

fn main() {}
