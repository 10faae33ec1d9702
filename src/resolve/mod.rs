//! The resolve stage: what a template itself decides. CloudFormation intrinsics are resolved
//! here ([`cfn`]); Terraform expressions are evaluated as the module is loaded
//! (`model::terraform`), since HCL keeps expressions unevaluated in its tree.

pub mod cfn;
