import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants } from 'node:zlib';
import { execa } from 'execa';
import { which } from '../util/which.js';

export interface GzipResult {
  tool: 'pigz' | 'node-zlib';
  bytes: number;
}

/**
 * gzip a file into a single, valid, reproducible gzip stream (no name, no timestamp). pigz uses
 * every core and its output does not depend on the thread count; without it Node's zlib does the
 * job on one core.
 */
export async function gzipFile(input: string, output: string, level: number): Promise<GzipResult> {
  const pigz = await which('pigz');
  if (pigz) {
    const out = createWriteStream(output);
    const child = execa(pigz, [`-${level}`, '-n', '-m', '-c', input], { stdout: 'pipe', buffer: false });
    await Promise.all([pipeline(child.stdout!, out), child]);
    return { tool: 'pigz', bytes: out.bytesWritten };
  }
  const out = createWriteStream(output);
  await pipeline(createReadStream(input, { highWaterMark: 1 << 20 }), createGzip({ level, chunkSize: 1 << 16, strategy: constants.Z_DEFAULT_STRATEGY }), out);
  return { tool: 'node-zlib', bytes: out.bytesWritten };
}
