import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { listIsoFiles, readIsoFile, type IsoFile } from '../iso/iso-files.js';
import { InputError } from '../util/errors.js';
import type { ConsoleName } from './context.js';
import type { Finding } from './findings.js';

// Boot media for the check: what the boot loader on an ISO is told to load, and the boot archive
// unpacked (the loader and GRUB gunzip it; dboot then compares its SHA-1 with the hash module:
// usr/src/uts/i86pc/dboot/dboot_startkern.c check_images, "hash mismatch!").

export interface LoaderPlan {
  loader: 'loader' | 'grub2' | 'grub-legacy';
  kernel: string;
  archive: string;
  hash?: string;
  console: ConsoleName;
  /** The speed the boot loader runs the serial port at, and the mode it hands the kernel, when it says. */
  serialSpeed?: number;
  kernelSerialMode?: string;
  config: string;
}

const gzipMagic = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Unpack a boot archive into `dest`: gunzip it when it starts with the gzip magic, as the loader
 * and GRUB do. Returns the SHA-1 and size of what the kernel would be handed.
 */
export async function unpackArchive(head: Buffer, chunks: () => AsyncIterable<Buffer>, dest: string): Promise<{ sha1: string; bytes: number }> {
  const hash = createHash('sha1');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const stages: NodeJS.ReadWriteStream[] = gzipMagic(head) ? [createGunzip(), tap] : [tap];
  await pipeline(Readable.from(chunks()), ...(stages as [NodeJS.ReadWriteStream]), createWriteStream(dest));
  return { sha1: hash.digest('hex'), bytes };
}

/** Unpack a boot archive file. */
export async function unpackArchiveFile(file: string, dest: string): Promise<{ sha1: string; bytes: number }> {
  try {
    const fh = await open(file, 'r');
    const head = Buffer.alloc(2);
    try {
      await fh.read(head, 0, 2, 0);
      // Stryker disable next-line BlockStatement: an unclosed read handle changes no result
    } finally {
      await fh.close();
    }
    return await unpackArchive(head, () => createReadStream(file), dest);
  } catch (e) {
    throw new InputError(`${file} is not a readable boot archive (${(e as Error).message}); it should be a UFS image, gzip'd or not`);
  }
}

function loaderConfValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*=\s*"?([^"#]*)"?/.exec(line);
    if (m) out.set(m[1], m[2].trim());
  }
  return out;
}

const consoleOf = (v: string | undefined): ConsoleName | undefined => {
  const first = v?.split(',').map((s) => s.trim()).find((s) => s === 'ttya' || s === 'ttyb' || s === 'text');
  return first as ConsoleName | undefined;
};

/** Read the boot loader's configuration on an ISO: which kernel, archive, hash and console it boots. */
export async function readLoaderPlan(iso: string, files: IsoFile[]): Promise<LoaderPlan | undefined> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const text = async (p: string) => {
    const f = byPath.get(p);
    return f ? (await readIsoFile(iso, f)).toString('utf8') : undefined;
  };
  const grub2 = await text('boot/grub/grub.cfg');
  if (grub2 !== undefined) return grub2Plan(grub2);
  const loaderConf = await text('boot/loader.conf');
  if (loaderConf !== undefined || byPath.has('boot/loader64.efi') || byPath.has('boot/cdboot')) {
    const values = loaderConfValues([(await text('boot/defaults/loader.conf')) ?? '', loaderConf ?? '', ...(await Promise.all(files.filter((f) => f.path.startsWith('boot/conf.d/')).map((f) => text(f.path))))].join('\n'));
    const isa = (v: string) => v.replace(/\$\{ISADIR\}/g, 'amd64');
    const console = consoleOf(values.get('os_console') ?? values.get('console')) ?? 'text';
    const mode = console !== 'text' ? values.get(`${console}-mode`) : undefined;
    // The mode starts with the speed ("115200,8,n,1,-"); a mode without one says nothing about it.
    const speed = mode === undefined ? undefined : /^\d+/.exec(mode)?.[0];
    return {
      loader: 'loader',
      kernel: `platform/${isa(values.get('kernel') ?? 'i86pc/kernel/${ISADIR}')}/${values.get('bootfile') ?? 'unix'}`.replace(/\/+/g, '/'),
      archive: isa(values.get('boot_archive_name') ?? '/platform/i86pc/${ISADIR}/boot_archive').replace(/^\/+/, ''),
      hash: values.get('boot_archive.hash_load') === 'NO' ? undefined : isa(values.get('boot_archive.hash_name') ?? '/platform/i86pc/${ISADIR}/boot_archive.hash').replace(/^\/+/, ''),
      console,
      serialSpeed: speed === undefined ? undefined : Number(speed),
      kernelSerialMode: mode,
      config: 'boot/loader.conf',
    };
  }
  const menu = await text('boot/grub/menu.lst');
  if (menu !== undefined) return menuLstPlan(menu);
  return undefined;
}

/** The default entry of a grub.cfg: its multiboot line, modules and console. */
function grub2Plan(cfg: string): LoaderPlan {
  const def = Number(/^\s*set\s+default=(\d+)/m.exec(cfg)?.[1] ?? 0);
  const speed = /^\s*serial\b[^\n]*--speed=(\d+)/m.exec(cfg)?.[1];
  const entries = cfg.split(/^\s*menuentry\b/m).slice(1);
  const entry = entries[def] ?? entries[0] ?? '';
  const kernelLine = /^\s*multiboot2?\s+(\S+)(.*)$/m.exec(entry);
  const modules = [...entry.matchAll(/^\s*module2?\s+(?:--nounzip\s+)?(\S+)(.*)$/gm)];
  const rootfs = modules.find((m) => /type=rootfs/.test(m[2])) ?? modules[0];
  const hash = modules.find((m) => /type=hash/.test(m[2]));
  return {
    loader: 'grub2',
    kernel: (kernelLine?.[1] ?? '').replace(/^\/+/, ''),
    archive: (rootfs?.[1] ?? '').replace(/^\/+/, ''),
    hash: hash?.[1].replace(/^\/+/, ''),
    console: consoleOf(/console=([A-Za-z,]+)/.exec(kernelLine?.[2] ?? '')?.[1]) ?? 'text',
    serialSpeed: speed ? Number(speed) : undefined,
    config: 'boot/grub/grub.cfg',
  };
}

function menuLstPlan(menu: string): LoaderPlan {
  const def = Number(/^\s*default\s+(\d+)/m.exec(menu)?.[1] ?? 0);
  const speed = /^\s*serial\b[^\n]*--speed=(\d+)/m.exec(menu)?.[1];
  const entries = menu.split(/^\s*title\b/m).slice(1);
  const entry = entries[def] ?? entries[0] ?? '';
  const kernelLine = /^\s*kernel\$?\s+(\S+)(.*)$/m.exec(entry);
  const module = /^\s*module\$?\s+(\S+)/m.exec(entry);
  const args = kernelLine?.[2] ?? '';
  const console = consoleOf(/console=([A-Za-z]+)/.exec(args)?.[1]) ?? 'text';
  // GRUB legacy expands $ISADIR in kernel$ and module$ lines alike (amd64 on a 64-bit CPU).
  const isa = (v: string) => v.replace(/\$ISADIR/g, 'amd64').replace(/^\/+/, '');
  return {
    loader: 'grub-legacy',
    kernel: isa(kernelLine?.[1] ?? ''),
    archive: isa(module?.[1] ?? ''),
    console,
    serialSpeed: speed ? Number(speed) : undefined,
    kernelSerialMode: new RegExp(`${console}-mode="?([0-9a-z,-]+)`).exec(args)?.[1],
    config: 'boot/grub/menu.lst',
  };
}

export interface UnpackedIso {
  plan: LoaderPlan;
  /** The archive, unpacked to the caller's path. */
  archiveBytes: number;
  findings: Finding[];
}

/** Read an ISO's loader plan, check what it names, and unpack its archive to `dest`. */
export async function unpackIso(iso: string, dest: string): Promise<UnpackedIso> {
  const files = await listIsoFiles(iso);
  const plan = await readLoaderPlan(iso, files);
  if (!plan) throw new InputError(`${iso} holds no boot loader configuration (boot/loader.conf, boot/grub/grub.cfg or boot/grub/menu.lst); is it an illumos boot ISO?`);
  const findings: Finding[] = [];
  const byPath = new Map(files.map((f) => [f.path, f]));
  const source = `usr/src/boot/forth/loader.conf; usr/src/uts/i86pc/dboot/dboot_startkern.c (${plan.config})`;
  if (!byPath.has(plan.kernel)) findings.push({ step: 'loader', severity: 'panic', message: `${plan.config} boots /${plan.kernel}, which is not on the ISO`, source, fix: 'rebuild the ISO (compose puts unix at platform/i86pc/kernel/amd64/unix)' });
  const archive = byPath.get(plan.archive);
  if (!archive) throw new InputError(`${iso}: ${plan.config} loads the boot archive /${plan.archive}, which is not on the ISO`);
  let unpacked;
  try {
    unpacked = await unpackArchive(await readIsoFile(iso, archive, 0, 2), () => isoChunks(iso, archive), dest);
  } catch (e) {
    throw new InputError(`${iso}: the boot archive /${plan.archive} cannot be unpacked (${(e as Error).message})`);
  }
  if (plan.hash) {
    const h = byPath.get(plan.hash);
    if (!h) findings.push({ step: 'loader', severity: 'panic', message: `${plan.config} loads the hash /${plan.hash}, which is not on the ISO`, source, fix: 'rebuild the ISO so the hash travels with its archive' });
    else {
      const want = (await readIsoFile(iso, h)).toString('latin1').trim();
      if (want !== unpacked.sha1) findings.push({ step: 'loader', severity: 'panic', message: `the boot archive's SHA-1 is ${unpacked.sha1}, but /${plan.hash} says ${want}: dboot panics with "hash mismatch!"`, source: 'usr/src/uts/i86pc/dboot/dboot_startkern.c check_images', fix: 'rebuild: the archive and its hash must come from the same build' });
    }
  }
  return { plan, archiveBytes: unpacked.bytes, findings };
}

async function* isoChunks(iso: string, file: IsoFile): AsyncGenerator<Buffer> {
  const fh = await open(iso, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    // Stryker disable next-line EqualityOperator: at off == size the read asks for 0 bytes and the loop breaks
    for (let off = 0; off < file.size; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, file.size - off), file.offset + off);
      if (bytesRead === 0) break;
      yield Buffer.from(buf.subarray(0, bytesRead));
      off += bytesRead;
    }
    // Stryker disable next-line BlockStatement: an unclosed read handle changes no result
  } finally {
    await fh.close();
  }
}
