//! The Terraform loader (hcl-edit parsing plus evaluation) on one arbitrary `.tf` file and an
//! arbitrary tfvars file (the input split at the first NUL byte).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (tf, vars) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let (Ok(tf), Ok(vars)) = (std::str::from_utf8(tf), std::str::from_utf8(vars)) else {
        return;
    };
    let files = vec![("/nonexistent/main.tf".into(), tf.to_string())];
    let tfvars = if vars.is_empty() {
        Vec::new()
    } else {
        vec![("/nonexistent/terraform.tfvars".into(), vars.to_string())]
    };
    let _ = lenslint::model::terraform::load_module(files, tfvars, &[]);
});
