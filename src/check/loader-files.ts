import { posix } from 'node:path';
import { readStagedText } from '../state/read-staged.js';
import type { StagedTree } from '../stage/tree.js';
import type { Finding } from './findings.js';

// What the illumos loader reads next, once pxeboot or loader64.efi has been fetched: over TFTP,
// from the boot server's tree, the same files it reads from a disk. Its start-up script
// /boot/loader.rc includes /boot/forth/loader.4th, whose "initialize" reads
// /boot/defaults/loader.conf (kernel name, module paths) before the loader.conf compose writes;
// loader.4th and beastie.4th include further Forth files. The loader is Forth-only (there is no
// Lua loader under usr/src/boot). A file that "include" names and TFTP cannot fetch stops the
// script: the loader sits at its "OK" prompt and never loads the kernel.

const SOURCE = 'usr/src/boot/forth/loader.4th (initialize, include_conf_files); the i386 loader\'s loader.rc (include /boot/forth/loader.4th, beastie.4th)';

/** "include <file>" lines of a Forth file (try-include is optional and left out). */
export function forthIncludes(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\\\s.*$/, '').trim();
    const m = /^include\s+(\S+)/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/** Findings for a network boot with the illumos loader: the files it fetches after the NBP. */
export async function loaderFileFindings(tree: StagedTree): Promise<Finding[]> {
  const findings: Finding[] = [];
  const missing = (path: string, who: string) =>
    findings.push({
      severity: 'panic',
      step: 'loader',
      rule: 'loader.tftp-file',
      message: `/${path}, which ${who}, is not in the image's boot/: the loader fetches it by TFTP after pxeboot or loader64.efi, fails, and stops at its prompt without loading the kernel`,
      source: SOURCE,
      fix: `keep /${path} (the proto's boot/ from the loader package; the PXE tree copies the image's boot/)`,
    });
  const seen = new Set<string>();
  const visit = async (path: string, who: string): Promise<void> => {
    if (seen.has(path)) return;
    seen.add(path);
    const text = await readStagedText(tree, path).catch(() => undefined);
    if (text === undefined) {
      missing(path, who);
      return;
    }
    for (const inc of forthIncludes(text)) {
      const target = posix.normalize(inc.startsWith('/') ? inc.slice(1) : posix.join(posix.dirname(path), inc));
      await visit(target, `/${path} includes`);
    }
  };
  await visit('boot/loader.rc', 'the loader runs first');
  // loader.4th's initialize reads the defaults before any loader.conf.
  if ((await readStagedText(tree, 'boot/defaults/loader.conf').catch(() => undefined)) === undefined) missing('boot/defaults/loader.conf', 'loader.4th reads first (kernel and module settings)');
  return findings;
}
