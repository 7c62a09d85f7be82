import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import tarStream from 'tar-stream';

export interface TarMember {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  sha256?: string;
}

/** Read a tar back with tar-stream (a reader we did not write). */
export async function readTar(path: string, gzip = false): Promise<TarMember[]> {
  const out: TarMember[] = [];
  const extract = tarStream.extract();
  extract.on('entry', (h, stream, next) => {
    const hash = createHash('sha256');
    stream.on('data', (c: Buffer) => hash.update(c));
    stream.on('end', () => {
      out.push({ name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, uid: h.uid ?? -1, gid: h.gid ?? -1, size: h.size ?? 0, linkname: h.linkname ?? undefined, devmajor: h.devmajor, devminor: h.devminor, sha256: h.type === 'file' ? hash.digest('hex') : undefined });
      next();
    });
    stream.resume();
  });
  await pipeline(...([createReadStream(path), ...(gzip ? [createGunzip()] : []), extract] as [NodeJS.ReadableStream, NodeJS.WritableStream]));
  return out;
}
