//! include_dir does not track embedded files on stable (include_dir#77), so
//! tell cargo to rebuild when any template changes.
fn main() {
    println!("cargo:rerun-if-changed=../templates");
}
