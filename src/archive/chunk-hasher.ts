import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';

// The archive writer's hashes: the SHA-1 and CRC-32 of the whole image (for boot_archive.hash and
// the gzip trailer) and the sha256 of every chunk (what the next build looks chunks up by).
// - In a rebuild almost every chunk is copied rather than compressed, and these three hashes of the
//   whole image were the main thread's largest cost (a CPU profile of a one-file rebuild of the
//   bench workspace: 0.97 s of its 7.8 s). There they run on two threads beside the image being
//   produced: one the stream's SHA-1 and CRC-32, the other the chunks' sha256 (about 0.55 s each
//   on the bench workspace, against 1.1 s for one thread doing all three).
// - In a cold build every core is busy compressing, and the threads made it slower (12.7 s against
//   11.8 s for the bench workspace, four alternating pairs): there the same work is done on the
//   calling thread, where the chunks are cut.
// Chunks are handed over without copying: the writer gathers them in slots of one shared buffer,
// given to the threads once (a message per chunk that carried its own SharedArrayBuffer cost about
// 90 us to send), and does not reuse a slot until both hashes of it are done.

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { memory, slotBytes } = workerData;
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib');
const sha1 = createHash('sha1');
let crc = 0;
parentPort.on('message', (m) => {
  if (m.end) {
    parentPort.postMessage({ id: m.id, sha1: sha1.digest('hex'), crc: crc >>> 0 });
    return;
  }
  const bytes = new Uint8Array(memory, m.slot * slotBytes, m.length);
  if (m.digest) {
    parentPort.postMessage({ id: m.id, sha256: createHash('sha256').update(bytes).digest('hex') });
  } else {
    sha1.update(bytes);
    crc = crc32(bytes, crc);
    parentPort.postMessage({ id: m.id });
  }
});
`;

interface Answer {
  sha256?: string;
  sha1?: string;
  crc?: number;
}

interface Question {
  slot?: number;
  length?: number;
  /** The chunk's sha256, rather than adding it to the stream's SHA-1 and CRC-32. */
  digest?: boolean;
  /** The stream's SHA-1 and CRC-32. */
  end?: boolean;
}

interface Hashing {
  ask(q: Question): Promise<Answer>;
  close(): Promise<void>;
}

/** What the worker does, done on this thread. */
class HashingHere implements Hashing {
  private readonly sha1: Hash = createHash('sha1');
  private crc = 0;
  private stopped = false;

  constructor(private readonly memory: SharedArrayBuffer, private readonly slotBytes: number) {}

  async ask(q: Question): Promise<Answer> {
    if (this.stopped) throw new Error('archive hashing was stopped');
    if (q.end) return { sha1: this.sha1.digest('hex'), crc: this.crc >>> 0 };
    const bytes = new Uint8Array(this.memory, q.slot! * this.slotBytes, q.length!);
    if (q.digest) return { sha256: createHash('sha256').update(bytes).digest('hex') };
    this.sha1.update(bytes);
    this.crc = crc32(bytes, this.crc);
    return {};
  }

  async close(): Promise<void> {
    this.stopped = true;
  }
}

/** One hashing thread and the questions it has not answered yet. */
class HashingThread implements Hashing {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(workerData: { memory: SharedArrayBuffer; slotBytes: number }) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    this.worker.on('message', (m: Answer & { id: number }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`an archive hashing thread exited (${code})`)));
  }

  ask(message: Question): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('an archive hashing thread was stopped');
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/** Hashes one stream of chunks, in the order they are given, each gathered in one of its slots. */
export class ChunkHasher {
  /** The slots, in shared memory: fill one, hash it, and reuse it once the hash has come back. */
  readonly slots: Buffer[];
  /** The whole stream's SHA-1 and CRC-32. */
  private readonly stream: Hashing;
  /** Each chunk's sha256. */
  private readonly digests: Hashing;

  /** `threads`: on two threads of their own, or (false) on this one. */
  constructor(slots: number, slotBytes: number, threads: boolean) {
    const memory = new SharedArrayBuffer(slots * slotBytes);
    this.slots = Array.from({ length: slots }, (_, i) => Buffer.from(memory, i * slotBytes, slotBytes));
    const make = (): Hashing => (threads ? new HashingThread({ memory, slotBytes }) : new HashingHere(memory, slotBytes));
    this.stream = make();
    this.digests = make();
  }

  /**
   * The sha256 of the first `length` bytes of slot `slot`, once they are also in the stream's
   * SHA-1 and CRC-32. The slot must not change until the promise settles.
   */
  async chunk(slot: number, length: number): Promise<string> {
    const [, d] = await Promise.all([this.stream.ask({ slot, length }), this.digests.ask({ slot, length, digest: true })]);
    return d.sha256!;
  }

  /** The SHA-1 (hex) and CRC-32 of every chunk given so far, in order. */
  async end(): Promise<{ sha1: string; crc: number }> {
    const r = await this.stream.ask({ end: true });
    return { sha1: r.sha1!, crc: r.crc! };
  }

  /** Stop the threads (after end(), or to give up). */
  async close(): Promise<void> {
    await Promise.all([this.stream.close(), this.digests.close()]);
  }
}
