#!/usr/bin/env node
// Command-line wrapper around test/support/linux-reader.ts, for looking at an image by hand:
//
//   node test/support/linux-reader/read-image.mjs IMAGE FSTYPE [MOUNT-OPTIONS] [--json] [--no-hash] [--log] [--timeout=MS]
//   node test/support/linux-reader/read-image.mjs --prepare
//
// Prints one line per entry (type, mode, uid, gid, nlink, size, sha256/target/rdev, path), then the
// kernel's messages about the mount. --json prints the whole result instead; --log adds the full
// kernel log. Exit status: 0 when the mount worked, 1 when it did not, 2 on errors.
// The TypeScript module is loaded through Vite (a dependency of vitest), so no build step is needed.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { runnerImport } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const { module: reader } = await runnerImport(join(here, '..', 'linux-reader.ts'));

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')).map((a) => a.replace(/=.*/, '')));
const timeoutArg = args.find((a) => a.startsWith('--timeout='));
const [image, fstype, options] = args.filter((a) => !a.startsWith('--'));

const TYPE_CHAR = { file: 'f', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's' };

try {
  if (flags.has('--prepare')) {
    const t0 = Date.now();
    const p = await reader.prepareLinuxReader({ verbose: true });
    console.log(`${JSON.stringify(p)} (${Date.now() - t0} ms)`);
    process.exit(0);
  }
  if (!image || !fstype) {
    console.error('usage: read-image.mjs IMAGE FSTYPE [MOUNT-OPTIONS] [--json] [--no-hash] [--log] [--timeout=MS] | --prepare');
    process.exit(2);
  }
  const r = await reader.readImage(image, {
    fstype,
    options,
    hash: !flags.has('--no-hash'),
    ...(timeoutArg ? { timeoutMs: Number(timeoutArg.slice('--timeout='.length)) } : {}),
  });
  if (flags.has('--json')) {
    console.log(JSON.stringify(r, null, 2));
  } else {
    for (const e of r.entries) {
      const extra =
        e.sha256 ?? (e.target !== undefined ? `-> ${e.target}` : e.rdev ? `${e.rdev.major},${e.rdev.minor}` : '-');
      console.log(
        [TYPE_CHAR[e.type], e.mode.toString(8).padStart(4, '0'), e.uid, e.gid, e.nlink, e.size, extra, `/${e.path}`].join('\t'),
      );
    }
    console.log(`# mount ${r.mountOk ? 'ok' : `FAILED: ${r.mountError}`}; ${r.entries.length} entries; ${r.durationMs} ms`);
    for (const w of r.warnings) console.log(`# kernel: ${w}`);
    for (const w of r.walkErrors) console.log(`# error: ${w}`);
    for (const w of r.parseErrors) console.log(`# unparsed: ${w}`);
    if (flags.has('--log')) for (const l of r.kernelLog) console.log(`# log: ${l}`);
  }
  process.exit(r.mountOk ? 0 : 1);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
}
