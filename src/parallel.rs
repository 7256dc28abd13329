//! Sharing work among threads. Reading and parsing 10,000 specs, or a few
//! thousand branch trees, is the slow part of `new`, `list` and `check`;
//! two cores halve it.

/// `f` over every item, in order, the items split among up to 8 threads
/// (one per `per_thread` items at least, never more than the cores).
pub fn map<T: Sync, R: Send>(items: &[T], per_thread: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, per_thread, || (), |(), item| f(item))
}

/// Like [`map`], with per-thread state made by `init` (for instance a
/// git2 `Repository`, which cannot be shared between threads).
pub fn map_with<T: Sync, S, R: Send>(
    items: &[T],
    per_thread: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = cores().min(items.len() / per_thread.max(1)).clamp(1, 8);
    if threads == 1 {
        let mut state = init();
        return items.iter().map(|item| f(&mut state, item)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let (init, f) = (&init, &f);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut state = init();
                    part.iter()
                        .map(|item| f(&mut state, item))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The cores this process may use, asked once: std reads the cgroup files
/// (three opens) on every call, and `list --all-branches` maps over each
/// branch's few specs, thousands of times.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_with_and_without_threads() {
        let items: Vec<u32> = (0..5000).collect();
        assert_eq!(
            super::map(&items, 256, |n| n * 2),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&items[..3], 256, |n| n + 1), vec![1, 2, 3]);
    }
}
