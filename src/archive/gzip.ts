import { closeSync, createReadStream, createWriteStream, openSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants } from 'node:zlib';
import { spawn } from 'node:child_process';
import { which } from '../util/which.js';
import { basename } from 'node:path';
import { track } from '../util/children.js';
import { ComposeError, EXIT } from '../util/errors.js';
import { classifyToolFailure } from '../util/fs-errors.js';

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
    // pigz writes straight into the output file's descriptor: no bytes pass through this process.
    const fd = openSync(output, 'w');
    try {
      await runToFd(pigz, [`-${level}`, '-n', '-m', '-c', input], fd, output);
    } finally {
      closeSync(fd);
    }
    return { tool: 'pigz', bytes: (await stat(output)).size };
  }
  const out = createWriteStream(output);
  await pipeline(createReadStream(input, { highWaterMark: 1 << 20 }), createGzip({ level, chunkSize: 1 << 16, strategy: constants.Z_DEFAULT_STRATEGY }), out);
  return { tool: 'node-zlib', bytes: out.bytesWritten };
}

/** Run a program with its stdout on an open file descriptor; reject with its stderr on failure. */
function runToFd(program: string, args: string[], fd: number, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(program, args, { stdio: ['ignore', fd, 'pipe'] }));
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const what = `${basename(program)} failed (${signal ? `killed by ${signal}` : `exit ${code}`}): ${stderr.trim() || 'no message'}`;
      reject(classifyToolFailure(basename(program), stderr, target) ?? new ComposeError(`${what}; compressing ${target}`, EXIT.internal));
    });
  });
}
