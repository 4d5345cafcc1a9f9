// wagi-sleep: a WAGI guest in Rust (rustc --target wasm32-wasi): sleeps the milliseconds given as the
// query (std::thread::sleep, which is poll_oneoff with a clock subscription), then says how long it slept.
use std::time::{Duration, Instant};

fn main() {
    let ms: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(ms));
    println!("Content-Type: text/plain\n\nslept={}", start.elapsed().as_millis());
}
