/**
 * Process-wide settings that must be in place before the first asynchronous file operation, which is when
 * libuv sizes its thread pool. Blob commits fsync: with the default 4 threads, 16 clients pushing at once
 * queue behind 4 fsyncs. An operator's own UV_THREADPOOL_SIZE always wins.
 */
export function applyRuntimeDefaults() {
  process.env.UV_THREADPOOL_SIZE ??= '16';
}
