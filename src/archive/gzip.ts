import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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
    // pigz writes the file itself: no bytes pass through this process.
    await execa(pigz, [`-${level}`, '-n', '-m', '-c', input], { stdout: { file: output } });
    return { tool: 'pigz', bytes: (await stat(output)).size };
  }
  const out = createWriteStream(output);
  await pipeline(createReadStream(input, { highWaterMark: 1 << 20 }), createGzip({ level, chunkSize: 1 << 16, strategy: constants.Z_DEFAULT_STRATEGY }), out);
  return { tool: 'node-zlib', bytes: out.bytesWritten };
}
