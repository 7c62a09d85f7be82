import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../util/errors.js';
import { expandMacros, leadingMacro } from './macros.js';
import { parseTransform, type Transform } from './transforms.js';

// Reading a manifest (or a transforms file) the way pkgmogrify's read_file does: lines are
// trimmed; a line ending in a backslash continues on the next; macros are expanded on the joined
// line; `<include FILE>` splices another file in place; `<transform ...>` adds a transform; lines
// starting with '#' (including those a `$(sparc_ONLY)` turned into comments) are comments.

export interface ActionLine {
  text: string;
  file: string;
  /** First physical line of the (possibly continued) action. */
  line: number;
}

export interface ReadState {
  defines: Readonly<Record<string, string>>;
  /** Directories searched for `<include>` files after the including file's own directory. */
  includeDirs: string[];
  transforms: Transform[];
  actions: ActionLine[];
  /** Unknown macro name -> "file:line" of its first use. */
  unknownMacros: Map<string, string>;
  /** Lines left out because they start with a macro that has no value. */
  leftOut: ActionLine[];
  /** Files being read, to catch include loops. */
  stack: string[];
  /** Every file read (the manifest, its includes, the transform files): what a cached result depends on. */
  read: Set<string>;
}

export function newReadState(defines: Readonly<Record<string, string>>, includeDirs: string[]): ReadState {
  return { defines, includeDirs, transforms: [], actions: [], unknownMacros: new Map(), leftOut: [], stack: [], read: new Set() };
}

function findInclude(name: string, from: string, dirs: string[]): { path?: string; tried: string[] } {
  if (isAbsolute(name)) return { path: existsSync(name) ? name : undefined, tried: [name] };
  const tried: string[] = [];
  for (const dir of [dirname(from), ...dirs]) {
    const p = join(dir, name);
    if (tried.includes(p)) continue;
    tried.push(p);
    if (existsSync(p) && statSync(p).isFile()) return { path: p, tried };
  }
  return { tried };
}

/** Read one file into the state: its transforms, its action lines, and those of its includes. */
export async function readManifestLines(file: string, state: ReadState): Promise<void> {
  if (state.stack.includes(file)) throw new InputError(`${file}: included from itself (${[...state.stack, file].join(' -> ')})`);
  let text: string;
  try {
    // A synchronous read: manifests are small, and on a gate's 530 an awaited read each cost more
    // main-thread time than the reading itself (measured: about a fifth of the load).
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read manifest ${file}: ${(e as Error).message}`);
  }
  state.read.add(file);
  state.stack.push(file);
  const lines = text.split('\n');
  let pending = '';
  let pendingStart = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].trim();
    if (!raw) continue;
    if (raw.endsWith('\\')) {
      if (!pending) pendingStart = lineNo;
      pending += raw.slice(0, -1);
      continue;
    }
    const start = pending ? pendingStart : lineNo;
    const joined = pending + raw;
    pending = '';
    const fail = (what: string): never => {
      throw new InputError(`${file}:${start}: ${what}`);
    };
    const { text: expanded, unknown } = expandMacros(joined, state.defines);
    const line = expanded.trim();
    if (!line || line.startsWith('#')) continue;
    for (const name of unknown) if (!state.unknownMacros.has(name)) state.unknownMacros.set(name, `${file}:${start}`);
    if (line.startsWith('<') && !line.endsWith('>')) fail(`the directive "${line.length > 60 ? `${line.slice(0, 60)}...` : line}" has no closing ">"`);
    if (line.startsWith('<') && line.endsWith('>')) {
      const inner = line.slice(1, -1);
      if (/^include\s/.test(inner)) {
        const name = inner.slice(7).trim().replace(/^"+|"+$/g, '');
        const found = findInclude(name, file, state.includeDirs);
        if (!found.path) fail(`included file "${name}" not found (looked for ${found.tried.join(', ')})`);
        await readManifestLines(found.path!, state);
      } else if (/^transform\s/.test(inner)) {
        try {
          state.transforms.push(parseTransform(inner, file, start));
        } catch (e) {
          fail((e as Error).message);
        }
      } else fail(`unknown directive ${line}`);
      continue;
    }
    const entry = { text: line, file, line: start };
    const lead = leadingMacro(line);
    if (lead !== undefined) state.leftOut.push(entry);
    else state.actions.push(entry);
  }
  if (pending) throw new InputError(`${file}:${pendingStart}: the last line ends with a backslash continuation but the file ends there`);
  state.stack.pop();
}
