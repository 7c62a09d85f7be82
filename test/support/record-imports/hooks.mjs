// The resolve hook behind register.mjs (module hooks run on a thread of their own).
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(r.url);
  if (m && file) appendFileSync(file, `${m[1]}\n`);
  return r;
}
