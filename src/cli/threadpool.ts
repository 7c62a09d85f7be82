import { availableParallelism } from 'node:os';

// Compression runs in libuv's thread pool, 4 threads unless told otherwise: on a machine with
// more cores, give it one per core. Imported first by the CLI, before anything uses the pool
// (its size is fixed at first use); a user's own UV_THREADPOOL_SIZE wins.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism()));
