//! The list `get_keys` returns.

use std::fmt;

use lxc_core::__private::ret::FromCBytes;
use lxc_core::__private::Call;
use lxc_core::Result;

/// Configuration keys, as [`Container::keys`](crate::Container::keys) returns them: one string
/// from liblxc, split into lines on demand (one allocation for the whole list).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyList(String);

impl KeyList {
    /// The keys, in liblxc's order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.lines().filter(|l| !l.is_empty())
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Whether `key` is in the list.
    pub fn contains(&self, key: &str) -> bool {
        self.iter().any(|k| k == key)
    }

    /// The keys as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl fmt::Debug for KeyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a KeyList {
    type Item = &'a str;
    type IntoIter = Box<dyn Iterator<Item = &'a str> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for KeyList {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl From<KeyList> for Vec<String> {
    fn from(k: KeyList) -> Vec<String> {
        k.to_vec()
    }
}

impl FromCBytes for KeyList {
    #[inline]
    fn from_c_bytes(b: &[u8], call: &Call<'_>) -> Result<KeyList> {
        String::from_c_bytes(b, call).map(KeyList)
    }

    #[inline]
    fn from_c_vec(v: Vec<u8>, call: &Call<'_>) -> Result<KeyList> {
        String::from_c_vec(v, call).map(KeyList)
    }
}
