import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { withByteSource, type ByteSource } from '../elf/byte-source.js';
import { describeElfError, readElfInfo, type ElfInfo } from '../elf/read-elf.js';
import { concurrencyLimit } from './limit.js';

// What a kept file is, as far as dependencies go: an ELF object (with its needs), a script (with
// its #! interpreter), or plain data. Each file's content is examined once, however many paths
// (hardlinks) lead to it, and only a bounded number of files are open at a time.

export type Inspection =
  | { kind: 'elf'; info: ElfInfo }
  | { kind: 'script'; interpreter: string; text?: string }
  | { kind: 'data' }
  | { kind: 'error'; error: string };

/** Scripts up to this size are read whole so the paths they mention can be kept. */
export const SCRIPT_TEXT_LIMIT = 64 * 1024;
const OPEN_FILES = 48;

async function readHead(src: ByteSource, max: number): Promise<Buffer> {
  return src.read(0, Math.min(src.size, max));
}

/** The interpreter path of a "#!" line, or undefined when the file does not start with one. */
export function shebangInterpreter(head: Buffer): string | undefined {
  if (head.length < 3 || head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const nl = head.indexOf(0x0a);
  // Stryker disable next-line EqualityOperator: the head starts with "#!", so a newline is never at index 0
  const line = head.toString('latin1', 2, nl < 0 ? Math.min(head.length, 256) : nl).trim();
  // Stryker disable next-line Regex: the line is trimmed and only the first word is taken, so splitting on one blank or a run of them gives the same word
  const interpreter = line.split(/[ \t]+/)[0];
  return interpreter || undefined;
}

export class ContentInspector {
  private readonly cache = new Map<string, Promise<Inspection>>();
  private readonly limit = concurrencyLimit(OPEN_FILES);

  constructor(private readonly tree: StagedTree) {}

  /** Examine a file or hardlink entry's content. */
  inspect(entry: StagedEntry): Promise<Inspection> {
    let owner: StagedEntry;
    try {
      owner = this.tree.contentOwner(entry);
    } catch (e) {
      return Promise.resolve({ kind: 'error', error: (e as Error).message });
    }
    let p = this.cache.get(owner.path);
    if (!p) {
      p = this.limit(() => this.examine(owner));
      this.cache.set(owner.path, p);
    }
    return p;
  }

  /** The start of a file's content as text (for small configuration files such as etc/mach). */
  async readText(entry: StagedEntry, max: number): Promise<string | undefined> {
    const owner = this.tree.contentOwner(entry);
    if (!owner.source) return undefined;
    const source = owner.source;
    return this.limit(() => withByteSource(source, owner.size, async (src) => (await readHead(src, max)).toString('utf8')));
  }

  private async examine(owner: StagedEntry): Promise<Inspection> {
    if (!owner.source) return { kind: 'data' };
    try {
      return await withByteSource(owner.source, owner.size, async (src) => {
        const info = await readElfInfo(src);
        if (info) return { kind: 'elf', info };
        const head = await readHead(src, owner.size <= SCRIPT_TEXT_LIMIT ? SCRIPT_TEXT_LIMIT : 256);
        const interpreter = shebangInterpreter(head);
        if (!interpreter) return { kind: 'data' };
        return { kind: 'script', interpreter, text: owner.size <= SCRIPT_TEXT_LIMIT ? head.toString('utf8') : undefined };
      });
    } catch (e) {
      return { kind: 'error', error: describeElfError(e) };
    }
  }
}
