//! The real Kubernetes tier: kbdash against a real kube-apiserver and etcd built from the Go
//! module proxy (`scripts/real-k8s.sh`, testenv/README.md), with kbdash's KubeBlocks CRDs
//! installed. Skipped, with the reason printed, when the binaries are not built, unless
//! `KBDASH_REQUIRE_REAL_K8S=1` (CI) makes that a failure.

mod admission;
mod protocol;
mod rbac;
mod server;
mod support;
mod watch;
