import { isActionType, PAYLOAD_TYPES, type ActionType } from './action.js';

// Tokenising one action line the way pkg(5)'s action parser does: the first word is the action
// type; then `key=value` pairs separated by blanks. A value is either unquoted (up to the next
// blank, and may itself contain '=' and quotes) or quoted with " or '; inside quotes a backslash
// escapes only the quote character and itself, every other backslash stays (so a driver action's
// `devlink=...\t\D` keeps its literal "\t"). Two quoted strings in a row are concatenated. A
// leading word without '=' is the payload, allowed only on file, license and signature actions.

export class ActionSyntaxError extends Error {}

export interface ParsedAction {
  type: ActionType;
  payload?: string;
  attrs: Map<string, string[]>;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n';

export function parseActionLine(text: string): ParsedAction {
  const firstBlank = text.search(/[ \t\n]/);
  if (firstBlank < 0) throw new ActionSyntaxError(`"${text}" has no attributes`);
  const type = text.slice(0, firstBlank);
  if (!isActionType(type)) throw new ActionSyntaxError(`unknown action type "${type}"`);
  return { type, ...parseAttributes(text.slice(firstBlank), PAYLOAD_TYPES.has(type)) };
}

/** Parse `key=value ...` (and an optional leading payload word) into repeated attributes. */
export function parseAttributes(text: string, payloadAllowed: boolean): { payload?: string; attrs: Map<string, string[]> } {
  const attrs = new Map<string, string[]>();
  let payload: string | undefined;
  const add = (key: string, value: string, concat: boolean) => {
    const list = attrs.get(key);
    if (!list) attrs.set(key, [value]);
    else if (concat) list[list.length - 1] += value;
    else list.push(value);
  };
  let i = 0;
  let lastWasQuoted = false;
  let lastKey = '';
  while (i < text.length) {
    if (isBlank(text[i])) {
      i++;
      continue;
    }
    // Two adjacent quoted values are joined into one, as pkg does.
    if (lastWasQuoted && (text[i] === '"' || text[i] === "'")) {
      const { value, end } = readQuoted(text, i);
      add(lastKey, value, true);
      i = end;
      continue;
    }
    lastWasQuoted = false;
    const start = i;
    while (i < text.length && !isBlank(text[i]) && text[i] !== '=') {
      if (text[i] === '"' || text[i] === "'") throw new ActionSyntaxError(`quote in attribute name at "${text.slice(start, i + 1)}"`);
      i++;
    }
    const key = text.slice(start, i);
    if (i >= text.length || isBlank(text[i])) {
      if (attrs.size > 0 || payload !== undefined) throw new ActionSyntaxError(`"${key}" has no "=value"`);
      if (!payloadAllowed) throw new ActionSyntaxError(`"${key}": this action type takes no payload`);
      payload = key;
      continue;
    }
    if (key === '') throw new ActionSyntaxError(`missing attribute name before "${text.slice(i, i + 20)}"`);
    i++; // past '='
    if (i >= text.length || isBlank(text[i])) throw new ActionSyntaxError(`attribute "${key}" has no value`);
    let value: string;
    if (text[i] === '"' || text[i] === "'") {
      const q = readQuoted(text, i);
      value = q.value;
      i = q.end;
      lastWasQuoted = true;
    } else {
      const vs = i;
      while (i < text.length && !isBlank(text[i])) i++;
      value = text.slice(vs, i);
    }
    if (key === 'data') throw new ActionSyntaxError('"data" is not a valid attribute name');
    if (key === 'hash') {
      if (!payloadAllowed) throw new ActionSyntaxError('"hash": this action type takes no payload');
      if (payload !== undefined && payload !== value) throw new ActionSyntaxError('hash attribute differs from the positional hash');
      payload = value;
    } else add(key, value, false);
    lastKey = key;
  }
  return { payload, attrs };
}

function readQuoted(text: string, open: number): { value: string; end: number } {
  const quote = text[open];
  let value = '';
  let i = open + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && (text[i + 1] === quote || text[i + 1] === '\\')) {
      value += text[i + 1];
      i += 2;
      continue;
    }
    if (c === quote) return { value, end: i + 1 };
    value += c;
    i++;
  }
  throw new ActionSyntaxError(`unfinished quoted value ${text.slice(open, open + 40)}`);
}
