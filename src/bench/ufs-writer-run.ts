// Child process for the benchmark: stage a directory and write it as a UFS image, then report the
// time of both steps and the process's peak RSS.
import { readDirTree } from '../proto/dir-reader.js';
import { writeUfsImage } from '../ufs/index.js';

const [root, out] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const tree = await readDirTree(root, { origin: 'proto', mtime: 1767225600 });
const t1 = process.hrtime.bigint();
const r = await writeUfsImage(tree, out, { size: 'auto', time: 1767225600 });
const t2 = process.hrtime.bigint();
process.stdout.write(
  `${JSON.stringify({ stageSeconds: Number(t1 - t0) / 1e9, writeSeconds: Number(t2 - t1) / 1e9, peakRssMiB: process.resourceUsage().maxRSS / 1024, imageBytes: r.sizeBytes, entries: tree.size })}\n`,
);
