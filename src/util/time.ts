import { UsageError } from './errors.js';

/**
 * SOURCE_DATE_EPOCH as seconds, or undefined when unset. Every timestamp an output carries comes
 * from it when set, so two runs give byte-identical files.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0x7fffffff) throw new UsageError(`SOURCE_DATE_EPOCH="${v}" is not a whole number of seconds between 0 and 2147483647; set it to e.g. $(git log -1 --format=%ct)`);
  return Number(v);
}
