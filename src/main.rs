use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc malloc: rendering allocates and frees many small
/// strings and JSON values from two threads; see docs/performance.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the 16th entry of `mi_option_e` in
/// mimalloc.h, v2 and v3 alike; libmimalloc-sys 0.1 names the entries around
/// it but not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    release_freed_memory_at_once();
    changeportal::cmd::run(changeportal::cli::Cli::parse())
}

/// Hands memory the program freed back to the kernel at once, instead of
/// after mimalloc's default 10 ms. A build frees large buffers (the records
/// index, the exports: 100+ MB each at 100,000 records) and allocates new
/// ones while the freed pages still count: peak RSS 953-1,036 MB -> 818 MB
/// at 100,000 records, 115 -> 106-113 MB at 10,000 (docs/performance.md).
fn release_freed_memory_at_once() {
    // SAFETY: mi_option_set stores a number in mimalloc's table of options;
    // it is safe to call at any time from any thread, and the purge delay is
    // read each time freed memory is considered for purging.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}
