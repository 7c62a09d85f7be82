// Loaded with `node --import`: records every package the process loads, one line per resolved
// module under node_modules, in the file named by RECORD_IMPORTS.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS } });
