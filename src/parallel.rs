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

/// `f` (with per-thread state made by `init`, such as a buffer to read
/// files into) over every item `produce` yields, in order, starting while
/// `produce` is still going: items are handed out in batches of `batch`
/// to up to one thread per other core (started when the first batch is
/// full, so a short run starts none), and this thread joins them once
/// `produce` ends. Listing a folder of 10,000 specs took a third as long
/// as the `lstat`s that followed it; this way they overlap.
///
/// The results come in their batches, in order (flatten them): joining
/// them into one Vec held two copies of them at the peak, 1 MB for a
/// folder of 10,000 specs.
pub fn map_batches_as_produced<T: Send, S, R: Send>(
    produce: impl Iterator<Item = T>,
    batch: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, T) -> R + Sync,
) -> Vec<Vec<R>> {
    use std::sync::{mpsc, Mutex};
    let helpers = cores().saturating_sub(1).min(7);
    let batch = batch.max(1);
    let (to_workers, batches) = mpsc::channel::<(usize, Vec<T>)>();
    let (to_results, results) = mpsc::channel::<(usize, Vec<R>)>();
    let batches = Mutex::new(batches);
    let (init, f) = (&init, &f);
    // Takes batches until the producer is done and none is left.
    let work = |state: &mut S, to_results: mpsc::Sender<(usize, Vec<R>)>| loop {
        let next = batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        let Ok((index, items)) = next else { break };
        let mapped: Vec<R> = items.into_iter().map(|item| f(state, item)).collect();
        if to_results.send((index, mapped)).is_err() {
            break;
        }
    };
    let mut tail = Vec::new();
    std::thread::scope(|scope| {
        let mut started = false;
        let mut pending = Vec::with_capacity(batch);
        let mut sent = 0;
        for item in produce {
            pending.push(item);
            if pending.len() < batch || helpers == 0 {
                continue;
            }
            if !started {
                started = true;
                for _ in 0..helpers {
                    let to_results = to_results.clone();
                    scope.spawn(move || work(&mut init(), to_results));
                }
            }
            let full = std::mem::replace(&mut pending, Vec::with_capacity(batch));
            // The receiver lives until the scope ends.
            let _ = to_workers.send((sent, full));
            sent += 1;
        }
        drop(to_workers);
        // What is left of the last batch (or everything, with no
        // helpers), then whatever the helpers have not taken yet.
        let mut state = init();
        tail = pending
            .into_iter()
            .map(|item| f(&mut state, item))
            .collect();
        work(&mut state, to_results);
    });
    let mut done: Vec<(usize, Vec<R>)> = results.into_iter().collect();
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter()
        .map(|(_, part)| part)
        .chain(std::iter::once(tail))
        .collect()
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

    #[test]
    fn maps_as_produced_in_order() {
        for count in [0, 1, 255, 256, 257, 5000] {
            let items: Vec<u32> = (0..count).collect();
            assert_eq!(
                super::map_batches_as_produced(items.iter().copied(), 256, || (), |(), n| n * 2)
                    .concat(),
                items.iter().map(|n| n * 2).collect::<Vec<_>>(),
                "{count} items"
            );
        }
    }
}
