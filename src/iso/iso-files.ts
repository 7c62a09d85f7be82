import { run } from '../util/children.js';
import { open } from 'node:fs/promises';
import { InputError } from '../util/errors.js';
import { requireTool } from './tools.js';

// Reading files out of an ISO 9660 image without mounting or extracting it: xorriso reports where
// each file's data starts (`-exec report_lba`), and the bytes are read from the image at that
// offset. xorriso wrote the image, so it is the reader we trust for its directory; the data is
// one contiguous extent per file (xorriso splits only files over 4 GiB, which an ISO of ours
// never holds; such a file is reported and skipped).

const SECTOR = 2048;

export interface IsoFile {
  /** Path inside the ISO, without the leading slash (Rock Ridge names). */
  path: string;
  /** Byte offset of the data in the image. */
  offset: number;
  size: number;
}

const REPORT = /^File data lba:\s*(\d+)\s*,\s*(\d+)\s*,\s*\d+\s*,\s*(\d+)\s*,\s*'(.*)'\s*$/;

/** Every regular file of an ISO with where its data lies. */
export async function listIsoFiles(iso: string): Promise<IsoFile[]> {
  const xorriso = await requireTool('xorriso', 'to read ISO 9660 images');
  const r = await run(xorriso, ['-no_rc', '-indev', iso, '-find', '/', '-type', 'f', '-exec', 'report_lba', '--'], { reject: false, all: true });
  if (r.exitCode !== 0) throw new InputError(`${iso} is not a readable ISO 9660 image (xorriso: ${String(r.all ?? '').trim().split('\n').pop()})`);
  const files: IsoFile[] = [];
  for (const line of String(r.stdout ?? '').split('\n')) {
    const m = REPORT.exec(line.trim());
    if (!m || m[1] !== '0') continue; // extent 0 only: multi-extent files are not ours
    files.push({ path: m[4].replace(/^\/+/, '').replace(/'\\''/g, "'"), offset: Number(m[2]) * SECTOR, size: Number(m[3]) });
  }
  return files;
}

/** `length` bytes of an ISO file's data at `at` (clamped to the file). */
export async function readIsoFile(iso: string, file: IsoFile, at = 0, length = file.size): Promise<Buffer> {
  const start = Math.max(0, Math.min(at, file.size));
  const n = Math.max(0, Math.min(length, file.size - start));
  const fh = await open(iso, 'r');
  try {
    const buf = Buffer.alloc(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await fh.read(buf, done, n - done, file.offset + start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  } finally {
    await fh.close();
  }
}
