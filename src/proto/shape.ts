// What makes a directory tree a proto area: the directories every illumos-gate build installs.

export const PROTO_SHAPE = ['kernel', 'platform/i86pc/kernel', 'usr', 'etc'] as const;

/** The shape directories missing from a tree, given a predicate saying whether a path is a directory. */
export function missingShape(isDir: (path: string) => boolean): string[] {
  return PROTO_SHAPE.filter((p) => !isDir(p));
}

export function describeMissing(where: string, missing: string[]): string {
  return `${where} is not an illumos proto area: it has no ${missing.map((m) => `${m}/`).join(', ')} (a proto area such as proto/root_i386 has ${PROTO_SHAPE.map((m) => `${m}/`).join(', ')})`;
}
