// Make-style macros in manifests, expanded as the gate's usr/src/pkg/Makefile has pkgmogrify do
// for an i386 build (PKGMOG_DEFINES): `$(i386_ONLY)` is empty and `$(sparc_ONLY)` is "#", which
// comments a SPARC-only line out; `$(ARCH64)` is amd64.
//
// Unknown macros: pkgmogrify leaves a macro it has no value for untouched. The gate defines more
// macros whose values depend on the build machine (PERL_VERSION, PYTHON3_VERSION, JAVA_8_ONLY...).
// We leave those untouched too and report them; an action whose line *starts* with one (a
// build-option switch like `$(JAVA_8_ONLY)file ...`) is left out, since we cannot know whether
// the build delivered it. Callers can supply values through `defines`.

/** The release the package versions are built from; only used for pkg.fmri strings. */
const RELEASE = '5.11';

export const I386_DEFINES: Readonly<Record<string, string>> = {
  i386_ONLY: '',
  sparc_ONLY: '#',
  ARCH: 'i386',
  ARCH32: 'i86',
  ARCH64: 'amd64',
  PKGVERS_COMPONENT: `0.${RELEASE}`,
  PKGVERS_BUILTON: RELEASE,
  PKGVERS_BRANCH: '0',
  PKGVERS: `0.${RELEASE},${RELEASE}-0`,
};

export interface Expansion {
  text: string;
  /** Macros that had no value, left in the text as written. */
  unknown: string[];
}

const MACRO = /\$\(([A-Za-z0-9_.]+)\)/g;

/** Expand every `$(NAME)` with a value, repeatedly (a value may hold another macro). */
export function expandMacros(line: string, defines: Readonly<Record<string, string>>): Expansion {
  const unknown = new Set<string>();
  let text = line;
  for (let round = 0; round < 10 && text.includes('$('); round++) {
    let changed = false;
    text = text.replace(MACRO, (whole, name: string) => {
      if (Object.prototype.hasOwnProperty.call(defines, name)) {
        changed = true;
        return defines[name];
      }
      unknown.add(name);
      return whole;
    });
    if (!changed) break;
  }
  return { text, unknown: [...unknown].sort() };
}

/** The macro a line starts with, if it starts with one left unexpanded. */
export function leadingMacro(line: string): string | undefined {
  return /^\$\(([A-Za-z0-9_.]+)\)/.exec(line)?.[1];
}
