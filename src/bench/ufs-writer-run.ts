// Child process for the benchmark: stage a directory and write it as a UFS image, then report the
// writer's own wall time and the process's peak RSS (which includes staging).
import { readDirTree } from '../proto/dir-reader.js';
import { writeUfsImage } from '../ufs/index.js';

const [root, out] = process.argv.slice(2);
const tree = await readDirTree(root, { origin: 'proto', mtime: 1767225600 });
const start = process.hrtime.bigint();
const r = await writeUfsImage(tree, out, { size: 'auto', time: 1767225600 });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(`${JSON.stringify({ seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, imageBytes: r.sizeBytes, entries: tree.size })}\n`);
