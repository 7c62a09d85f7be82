import { ContentInspector } from '../closure/inspect.js';
import { tracePath } from '../closure/trace-path.js';
import { resolveLibrary } from '../closure/userland.js';
import type { ElfInfo } from '../elf/read-elf.js';
import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';

// SMF cannot start without libraries illumos-gate does not build: svc.startd links libbe (libzfs ->
// libz, libpkcs11 -> libcrypto; libinstzones -> libxml2) and svccfg links libxml2. A proto area
// alone boots to init, which then restarts svc.startd forever. So before an smf image is written,
// every ELF program SMF runs on the way to multi-user must find all its libraries (transitively,
// with the closure's own ld.so.1 search rules), and the error says which adjunct supplies each.

/** Directories whose ELF programs SMF runs (daemons, helpers and method binaries). */
export const SMF_PROGRAM_DIRS = ['lib/svc/bin', 'lib/svc/method'];

/**
 * Further programs the boot to multi-user runs: the SMF commands (manifest-import calls svccfg,
 * svcadm and svcprop), bootadm (the boot-archive method; filesystem/usr requires that service)
 * and ttymon (console-login).
 */
export const SMF_PROGRAMS = ['usr/sbin/svccfg', 'usr/sbin/svcadm', 'usr/bin/svcs', 'usr/bin/svcprop', 'sbin/bootadm', 'usr/lib/saf/ttymon'];

/** Where a library illumos-gate does not build normally comes from. */
const ADJUNCT_HINTS: Array<[RegExp, string]> = [
  [/^libxml2\.so(\.|$)/, 'libxml2'],
  [/^libz\.so(\.|$)/, 'zlib'],
  [/^lib(crypto|ssl)\.so(\.|$)/, 'OpenSSL'],
  [/^libgcc_s\.so(\.|$)/, 'the GCC runtime'],
  [/^libstdc\+\+\.so(\.|$)/, 'the GCC runtime'],
  [/^libexpat\.so(\.|$)/, 'expat'],
  [/^libffi\.so(\.|$)/, 'libffi'],
  [/^libpcre2?(-[0-9a-z]+)?\.so(\.|$)/, 'PCRE'],
  [/^libncursesw?\.so(\.|$)/, 'ncurses'],
  [/^libreadline\.so(\.|$)/, 'GNU readline'],
  [/^liblzma\.so(\.|$)/, 'xz'],
  [/^libcurl\.so(\.|$)/, 'curl'],
  [/^libpython3/, 'Python'],
];

/** The package that normally supplies a library missing from an illumos-gate build, if we know it. */
export function adjunctHint(library: string): string | undefined {
  const base = library.slice(library.lastIndexOf('/') + 1);
  return ADJUNCT_HINTS.find(([re]) => re.test(base))?.[1];
}

export interface MissingLibrary {
  /** The program SMF runs. */
  program: string;
  /** The DT_NEEDED name (or the PT_INTERP path) that cannot be found. */
  library: string;
  /** The object that needs it, when it is a library of the program rather than the program. */
  neededBy?: string;
  /** The ELF class of the object that needs it: an adjunct must supply the library in that class. */
  elfClass?: 32 | 64;
  interpreter?: boolean;
}

export interface LibraryCheck {
  /** Programs examined (ELF executables only; a missing program is the required-files check's business). */
  programs: string[];
  missing: MissingLibrary[];
  /** Objects that are ELF but could not be read; their needs are unknown. */
  unreadable: Array<{ path: string; error: string }>;
}

/** Candidate program paths: every entry of the SMF directories, the SMF commands, the extras. */
function candidatePaths(tree: StagedTree, extra: string[]): string[] {
  const paths = new Set<string>([...SMF_PROGRAMS, ...extra]);
  for (const dir of SMF_PROGRAM_DIRS) {
    const d = tracePath(tree, dir);
    if (d?.entry.type === 'dir') for (const child of tree.children(d.entry.path)) paths.add(child);
  }
  return [...paths].sort();
}

/**
 * Walk each SMF program's libraries through the image and report every one ld.so.1 would not
 * find. `extra` adds programs (sshd when a key is installed).
 */
export async function checkSmfLibraries(tree: StagedTree, extra: string[] = []): Promise<LibraryCheck> {
  const inspector = new ContentInspector(tree);
  const result: LibraryCheck = { programs: [], missing: [], unreadable: [] };
  const unreadable = new Map<string, string>();
  const programs: Array<{ path: string; info: ElfInfo }> = [];
  for (const path of candidatePaths(tree, extra)) {
    const traced = tracePath(tree, path);
    if (!traced || (traced.entry.type !== 'file' && traced.entry.type !== 'hardlink')) continue;
    const what = await inspector.inspect(traced.entry);
    if (what.kind === 'error') unreadable.set(path, what.error);
    // Programs only: a relocatable object or a library without an interpreter is nothing SMF runs.
    if (what.kind === 'elf' && (what.info.type === 'exec' || (what.info.type === 'dyn' && what.info.interp))) programs.push({ path, info: what.info });
  }
  for (const p of programs) {
    result.programs.push(p.path);
    if (p.info.interp && !tracePath(tree, p.info.interp)) result.missing.push({ program: p.path, library: p.info.interp, interpreter: true });
    const seen = new Set<string>([p.path]);
    const queue: Array<{ path: string; info: ElfInfo }> = [p];
    while (queue.length) {
      const obj = queue.shift()!;
      for (const name of obj.info.needed) {
        const found = await resolveLibrary(tree, inspector, obj.path, obj.info, name);
        if (!found) {
          if (!result.missing.some((m) => m.program === p.path && m.library === name)) {
            result.missing.push({ program: p.path, library: name, ...(obj.path === p.path ? {} : { neededBy: obj.path }), elfClass: obj.info.elfClass });
          }
          continue;
        }
        if (seen.has(found.entry.path)) continue;
        seen.add(found.entry.path);
        const what = await inspector.inspect(found.entry);
        if (what.kind === 'elf') queue.push({ path: found.entry.path, info: what.info });
        else if (what.kind === 'error') unreadable.set(found.entry.path, what.error);
      }
    }
  }
  result.unreadable = [...unreadable].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, error]) => ({ path, error }));
  return result;
}

const LIST_LIMIT = 40;

function describe(m: MissingLibrary): string {
  const what = m.interpreter ? `missing program interpreter ${m.library}` : `missing ${m.elfClass ? `${m.elfClass}-bit ` : ''}${m.library}`;
  const via = m.neededBy ? `, needed by /${m.neededBy}` : '';
  const hint = m.interpreter ? undefined : adjunctHint(m.library);
  return `  /${m.program}: ${what}${via}${hint ? ` (normally supplied by ${hint})` : ''}`;
}

/** The build's error for a library check, or undefined when SMF has all it needs. */
export function smfLibrariesError(check: Pick<LibraryCheck, 'missing'>, profile: string): InputError | undefined {
  if (check.missing.length === 0) return undefined;
  const lines = check.missing.slice(0, LIST_LIMIT).map(describe);
  if (check.missing.length > LIST_LIMIT) lines.push(`  ... and ${check.missing.length - LIST_LIMIT} more`);
  return new InputError(
    [`profile ${profile} boots through SMF, but SMF programs need libraries the image does not have; supply them with --adjunct <dir|tarball> (README: "The adjunct"), or use the pureboot profile:`, ...lines].join('\n'),
  );
}
