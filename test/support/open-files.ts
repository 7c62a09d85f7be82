import { readdirSync, readlinkSync } from 'node:fs';

/** The files this process has open under `dir` (a descriptor left open shows here). */
export const openUnder = (dir: string): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return [];
    }
  });
