import type { PathFact, Tri, Value } from './state.js';

// test(1) and [ ... ] over the model: file tests ask the model, string and number tests compare
// what is known. An answer the check cannot know is "maybe", with what each answer would tell
// about the file tested ([ -x /a/sbin/init ] true means /a/sbin/init is there), so the path that
// follows each answer knows it.

export interface TestFact {
  /** The answer under which this holds. */
  branch: 'yes' | 'no';
  path: string;
  fact: PathFact;
}

export interface TestResult {
  value: Tri;
  facts: TestFact[];
}

const FILE_OPS = new Set(['-e', '-f', '-d', '-x', '-r', '-w', '-s', '-h', '-L', '-c', '-b', '-p', '-S']);

export async function evalTest(args: Value[], stat: (path: string) => Promise<PathFact>): Promise<TestResult> {
  return expr(args, stat);
}

async function expr(args: Value[], stat: (path: string) => Promise<PathFact>): Promise<TestResult> {
  // -o binds looser than -a; both are left to right.
  const o = args.indexOf('-o');
  // Stryker disable next-line StringLiteral: combine reads any op but 'and' as -o
  if (o > 0 && o < args.length - 1) return combine(await expr(args.slice(0, o), stat), await expr(args.slice(o + 1), stat), 'or');
  const a = args.indexOf('-a');
  if (a > 0 && a < args.length - 1) return combine(await expr(args.slice(0, a), stat), await expr(args.slice(a + 1), stat), 'and');
  if (args[0] === '!' && args.length > 1) {
    const r = await expr(args.slice(1), stat);
    return { value: r.value === 'yes' ? 'no' : r.value === 'no' ? 'yes' : 'maybe', facts: r.facts.map((f) => ({ ...f, branch: f.branch === 'yes' ? 'no' : 'yes' })) };
  }
  if (args[0] === '(' && args.at(-1) === ')') return expr(args.slice(1, -1), stat);
  if (args.length === 0) return { value: 'no', facts: [] };
  if (args.length === 1) return known(args[0] === null ? 'maybe' : args[0] !== '' ? 'yes' : 'no');
  if (args.length === 2) return unary(args[0], args[1], stat);
  if (args.length === 3) return binary(args[0], args[1], args[2]);
  return known('maybe');
}

const known = (value: Tri): TestResult => ({ value, facts: [] });

function combine(l: TestResult, r: TestResult, op: 'and' | 'or'): TestResult {
  const value: Tri = op === 'and' ? (l.value === 'no' || r.value === 'no' ? 'no' : l.value === 'yes' && r.value === 'yes' ? 'yes' : 'maybe') : l.value === 'yes' || r.value === 'yes' ? 'yes' : l.value === 'no' && r.value === 'no' ? 'no' : 'maybe';
  // Both parts hold when "a -a b" is true; both fail when "a -o b" is false.
  const keep = op === 'and' ? 'yes' : 'no';
  return { value, facts: [...l.facts, ...r.facts].filter((f) => f.branch === keep) };
}

async function unary(op: Value, operand: Value, stat: (path: string) => Promise<PathFact>): Promise<TestResult> {
  if (op === '-z' || op === '-n') {
    if (operand === null) return known('maybe');
    return known((operand === '') === (op === '-z') ? 'yes' : 'no');
  }
  if (op === null || !FILE_OPS.has(op)) return known('maybe');
  if (operand === null || !operand.startsWith('/')) return known('maybe');
  const st = await stat(operand);
  const kind = op === '-d' ? 'dir' : op === '-f' ? 'file' : undefined;
  if (st.exists === 'no') return known('no');
  if (st.exists === 'yes') {
    if (kind && st.kind && st.kind !== kind) return known('no');
    if (op === '-x' && st.executable === 'no') return known('no');
    if ((!kind || st.kind === kind) && (op !== '-x' || st.executable === 'yes')) {
      if (['-e', '-d', '-f', '-x', '-r'].includes(op)) return known('yes');
    }
  }
  const facts: TestFact[] = [{ branch: 'yes', path: operand, fact: { exists: 'yes', kind, executable: op === '-x' ? 'yes' : undefined } }];
  if (op === '-e') facts.push({ branch: 'no', path: operand, fact: { exists: 'no' } });
  return { value: 'maybe', facts };
}

function binary(l: Value, op: Value, r: Value): TestResult {
  if (l === null || r === null || op === null) return known('maybe');
  switch (op) {
    case '=':
    case '==':
      return known(l === r ? 'yes' : 'no');
    case '!=':
      return known(l !== r ? 'yes' : 'no');
    case '-eq':
    case '-ne':
    case '-lt':
    case '-le':
    case '-gt':
    case '-ge': {
      // Stryker disable next-line MethodExpression: Number() ignores surrounding blanks itself
      const a = Number(l.trim());
      // Stryker disable next-line MethodExpression: Number() ignores surrounding blanks itself
      const b = Number(r.trim());
      if (!Number.isInteger(a) || !Number.isInteger(b)) return known('maybe');
      const v = { '-eq': a === b, '-ne': a !== b, '-lt': a < b, '-le': a <= b, '-gt': a > b, '-ge': a >= b }[op];
      return known(v ? 'yes' : 'no');
    }
  }
  return known('maybe');
}
