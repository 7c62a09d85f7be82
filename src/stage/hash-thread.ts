import { Worker } from 'node:worker_threads';
import type { StagedEntry } from './model.js';

// The sha256 of every file's content, for the manifest, computed on a second thread while the
// main thread reads the same bytes and writes them out (a third of the main thread's time in a
// tar or UFS build was hashing). Bytes are handed over through a small ring of shared slots, many
// files' pieces per slot, so there is one message per megabyte and not one per file; the main
// thread blocks only when every slot is still being hashed. Memory: SLOTS x SLOT_BYTES. Small
// files are handed over too: their hashes used to be computed where they were read, which cost
// a workspace tar build about a quarter of a second more on the main thread (six alternating
// pairs) than copying their bytes into a slot.

const SLOTS = 4;
const SLOT_BYTES = 1 << 20;
/** Pieces noted per message at most (empty files add pieces but no bytes). */
const MAX_PIECES = 4096;

/** The worker: hashes each piece of a slot in order, frees the slot, sends the finished digests. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { data, state, slotBytes } = workerData;
const hashes = new Map();
parentPort.on('message', ({ slot, pieces }) => {
  const base = slot * slotBytes;
  const done = [];
  for (let i = 0; i < pieces.length; i += 4) {
    const id = pieces[i], off = pieces[i + 1], len = pieces[i + 2];
    let h = hashes.get(id);
    if (!h) hashes.set(id, (h = createHash('sha256')));
    if (len > 0) h.update(new Uint8Array(data, base + off, len));
    if (pieces[i + 3] === 1) done.push(id, h.digest('hex'));
    if (pieces[i + 3] !== 0) hashes.delete(id);
  }
  Atomics.store(state, slot, 0);
  Atomics.notify(state, slot);
  if (done.length) parentPort.postMessage(done);
});
`;

export class HashThread {
  private readonly worker: Worker;
  private readonly data: Buffer;
  private readonly state: Int32Array;
  private slot = 0;
  private fill = 0;
  private pieces: number[] = [];
  private nextId = 1;
  /** Files being handed over. */
  private readonly open = new Map<number, StagedEntry>();
  /** Files whose last byte has been handed over and whose digest has not come back. */
  private readonly waiting = new Map<number, StagedEntry>();
  private settled: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor() {
    const shared = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
    this.data = Buffer.from(shared);
    this.state = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    // It holds a hash per file in flight and nothing else: a small heap keeps its footprint small.
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { data: shared, state: this.state, slotBytes: SLOT_BYTES },
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    this.worker.on('message', (done: Array<number | string>) => {
      for (let i = 0; i < done.length; i += 2) {
        const id = done[i] as number;
        const entry = this.waiting.get(id);
        if (entry) entry.sha256 = done[i + 1] as string;
        this.waiting.delete(id);
      }
      if (this.waiting.size === 0) this.wake();
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the hashing thread exited (${code})`)));
    // It must not keep the process alive (after the listeners: adding one refs it again).
    this.worker.unref();
  }

  /** Start hashing a file's content; its sha256 is set on `entry` once settle() resolves. */
  begin(entry: StagedEntry): number {
    const id = this.nextId++;
    this.open.set(id, entry);
    return id;
  }

  /** The next bytes of file `id`, in order. `bytes` may be reused once this returns. */
  update(id: number, bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      if (this.fill === SLOT_BYTES) this.send();
      const n = Math.min(SLOT_BYTES - this.fill, bytes.length - at);
      this.data.set(bytes.subarray(at, at + n), this.slot * SLOT_BYTES + this.fill);
      this.pieces.push(id, this.fill, n, 0);
      this.fill += n;
      at += n;
    }
  }

  /** File `id` has no more bytes. */
  end(id: number): void {
    this.waiting.set(id, this.open.get(id)!);
    this.open.delete(id);
    this.pieces.push(id, 0, 0, 1);
    if (this.pieces.length >= MAX_PIECES * 4) this.send();
  }

  /** File `id` will not be finished (its read failed): forget it. */
  drop(id: number): void {
    this.open.delete(id);
    this.pieces.push(id, 0, 0, 2);
  }

  /** Resolves when every file ended so far has its sha256 on its entry. */
  settle(): Promise<void> {
    if (this.pieces.length) this.send();
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting.size === 0) return Promise.resolve();
    // Someone waits for the thread's answer: keep the process alive until it comes.
    this.worker.ref();
    return new Promise((resolve, reject) => this.settled.push({ resolve, reject }));
  }

  /** Hand the current slot to the worker and wait until the next one is free. */
  private send(): void {
    if (this.failure) throw this.failure;
    Atomics.store(this.state, this.slot, 1);
    this.worker.postMessage({ slot: this.slot, pieces: this.pieces });
    this.pieces = [];
    this.fill = 0;
    this.slot = (this.slot + 1) % SLOTS;
    // The worker frees slots in the order it got them; a minute without one means it is gone.
    for (let waited = 0; Atomics.load(this.state, this.slot) === 1; waited++) {
      if (waited === 60) throw new Error('the hashing thread stopped answering');
      Atomics.wait(this.state, this.slot, 1, 1000);
    }
  }

  private wake(): void {
    this.worker.unref();
    for (const w of this.settled.splice(0)) w.resolve();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.worker.unref();
    for (const w of this.settled.splice(0)) w.reject(this.failure);
  }
}

let shared: HashThread | undefined;

/** The process's hashing thread, started on first use. */
export function hashThread(): HashThread {
  return (shared ??= new HashThread());
}

/** One file's sha256, fed in order; set on the entry once hashThread().settle() resolves. */
export interface FileHasher {
  update(bytes: Uint8Array): void;
  end(): void;
  drop(): void;
}

/** A hasher for `entry`'s content, on the hashing thread. */
export function fileHasher(entry: StagedEntry): FileHasher {
  const thread = hashThread();
  const id = thread.begin(entry);
  return { update: (b) => thread.update(id, b), end: () => thread.end(id), drop: () => thread.drop(id) };
}
