import { describe, expect, it } from 'vitest';
import { FindingList, INIT_STEPS, SEVERITIES, STEP_ORDER, STEPS, TRAMPOLINE_STEPS, fatalSummary, formatReport, isFatal, type Finding } from '../../src/check/findings.js';
import { parseInittab } from '../../src/check/inittab.js';
import { forthIncludes, loaderFileFindings } from '../../src/check/loader-files.js';
import { shellWords, simpleCommands } from '../../src/check/shell-words.js';
import { stagedTreeOf } from '../fixtures/elf/tree.js';

// The small building blocks of `compose check`: findings and their report, shell words, inittab
// entries and the loader's Forth includes.

const f = (step: Finding['step'], severity: Finding['severity'], message: string): Finding => ({ step, severity, message, source: `src-${message}`, fix: `fix-${message}` });

describe('findings: the tables', () => {
  it('lists the severities and the boot steps in order', () => {
    expect(SEVERITIES).toEqual(['panic', 'unusable', 'degraded', 'note']);
    expect(STEP_ORDER).toEqual(['loader', 'krtld', 'drivers', 'root', 'console', 'init', 'handover', 'sysinit', 'smf', 'shell']);
    expect(TRAMPOLINE_STEPS).toEqual(['loader', 'krtld', 'drivers', 'root', 'console', 'handover']);
    expect(INIT_STEPS).toEqual(['loader', 'krtld', 'drivers', 'root', 'console', 'init', 'sysinit', 'smf', 'shell']);
    expect(STEPS.smf).toBe('init runs the smf entry (the launcher or svc.startd) and what it starts');
    expect(STEPS.loader).toBe('the boot loader finds unix, the boot archive and its configuration');
  });

  it('panic and unusable are fatal, degraded and note are not', () => {
    expect(SEVERITIES.map((s) => isFatal(f('init', s, 'x')))).toEqual([true, true, false, false]);
  });
});

describe('FindingList', () => {
  it('keeps one finding per step and message', () => {
    const l = new FindingList();
    l.add(f('init', 'panic', 'a'));
    l.add({ ...f('init', 'note', 'a'), fix: 'other' });
    l.add(f('smf', 'panic', 'a'));
    l.add(f('init', 'panic', 'b'));
    expect(l.findings.map((x) => [x.step, x.severity, x.message])).toEqual([
      ['init', 'panic', 'a'],
      ['smf', 'panic', 'a'],
      ['init', 'panic', 'b'],
    ]);
  });

  it('reports the steps with their counts, findings sorted by step then severity', () => {
    const l = new FindingList();
    l.checked('init');
    l.checked('init', 3);
    l.checked('loader', 2);
    l.add(f('shell', 'note', 'n'));
    l.add(f('init', 'degraded', 'd'));
    l.add(f('init', 'panic', 'p'));
    l.add(f('loader', 'note', 'l'));
    const r = l.report('tgt');
    expect(r.target).toBe('tgt');
    expect(r.findings.map((x) => x.message)).toEqual(['l', 'p', 'd', 'n']);
    expect(r.bootable).toBe(false);
    expect(r.steps).toEqual(INIT_STEPS.map((step) => ({ step, title: STEPS[step], checked: step === 'init' ? 4 : step === 'loader' ? 2 : 0, findings: step === 'init' ? 2 : step === 'loader' || step === 'shell' ? 1 : 0 })));
    // The original list is not reordered.
    expect(l.findings.map((x) => x.message)).toEqual(['n', 'd', 'p', 'l']);
  });

  it('sorts by severity inside a step, whatever order they came in', () => {
    const l = new FindingList();
    l.add(f('smf', 'note', 'n'));
    l.add(f('smf', 'degraded', 'd'));
    l.add(f('smf', 'unusable', 'u'));
    l.add(f('krtld', 'note', 'k'));
    expect(l.report('t').findings.map((x) => x.message)).toEqual(['k', 'u', 'd', 'n']);
  });

  it('a report over the trampoline steps adds only steps that have findings', () => {
    const l = new FindingList();
    l.add(f('shell', 'degraded', 's'));
    const r = l.report('t', TRAMPOLINE_STEPS);
    expect(r.steps.map((s) => s.step)).toEqual(['loader', 'krtld', 'drivers', 'root', 'console', 'handover', 'shell']);
    expect(r.bootable).toBe(true);
    const empty = new FindingList().report('t', ['smf']);
    expect(empty).toEqual({ target: 't', findings: [], steps: [{ step: 'smf', title: STEPS.smf, checked: 0, findings: 0 }], bootable: true });
  });

  it('an unusable finding alone makes the image not bootable', () => {
    const l = new FindingList();
    l.add(f('shell', 'unusable', 'u'));
    expect(l.report('t').bootable).toBe(false);
  });
});

describe('formatReport and fatalSummary', () => {
  it('writes a line per step and each finding with its source and fix', () => {
    const l = new FindingList();
    l.checked('loader', 2);
    l.add(f('loader', 'note', 'l1'));
    l.add(f('loader', 'panic', 'l2'));
    l.add(f('root', 'degraded', 'r1'));
    const r = l.report('img', ['loader', 'krtld', 'root']);
    expect(formatReport(r)).toBe(
      [
        'boot check of img: will NOT boot to a usable shell',
        `  PANIC    loader  ${STEPS.loader} (2 checked, 2 findings)`,
        `  ok       krtld   ${STEPS.krtld} (0 checked)`,
        `  DEGRADED root    ${STEPS.root} (0 checked, 1 finding)`,
        '',
        'panic: [loader] l2',
        '  source: src-l2',
        '  fix: fix-l2',
        '',
        'note: [loader] l1',
        '  source: src-l1',
        '  fix: fix-l1',
        '',
        'degraded: [root] r1',
        '  source: src-r1',
        '  fix: fix-r1',
        '',
      ].join('\n'),
    );
    expect(fatalSummary(r)).toBe('  panic: l2 (src-l2); fix: fix-l2');
  });

  it('says a clean image boots to a shell', () => {
    const r = new FindingList().report('clean', ['shell']);
    expect(formatReport(r)).toBe(`boot check of clean: boots to a shell\n  ok       shell   ${STEPS.shell} (0 checked)\n`);
    expect(fatalSummary(r)).toBe('');
  });

  it('lists every fatal finding, one per line', () => {
    const l = new FindingList();
    l.add(f('init', 'unusable', 'u'));
    l.add(f('init', 'note', 'n'));
    l.add(f('loader', 'panic', 'p'));
    expect(fatalSummary(l.report('t'))).toBe('  panic: p (src-p); fix: fix-p\n  unusable: u (src-u); fix: fix-u');
  });
});

describe('shellWords', () => {
  it('splits on blanks and removes quotes', () => {
    expect(shellWords("  a\t'b c'\"d e\"f  ")).toEqual(['a', 'b cd ef']);
    expect(shellWords("x 'unclosed rest")).toEqual(['x', 'unclosed rest']);
    expect(shellWords('x "unclosed')).toEqual(['x', 'unclosed']);
    expect(shellWords("''")).toEqual(['']);
    expect(shellWords("a '' b")).toEqual(['a', '', 'b']);
  });

  it('takes a backslash as quoting the next character, except at the end', () => {
    expect(shellWords('a\\ b c')).toEqual(['a b', 'c']);
    expect(shellWords('\\#x')).toEqual(['#x']);
    expect(shellWords('a \\')).toEqual(['a', '\\']);
    expect(shellWords('a \\b')).toEqual(['a', 'b']);
  });

  it('drops comments that start a word only', () => {
    expect(shellWords('a b#c # d e')).toEqual(['a', 'b#c']);
    expect(shellWords('#all')).toEqual([]);
    expect(shellWords("'x'#y")).toEqual(['x#y']);
  });

  it('splits operators off words', () => {
    expect(shellWords('a;b&&c||d|e&f')).toEqual(['a', ';', 'b', '&&', 'c', '||', 'd', '|', 'e', '&', 'f']);
    expect(shellWords('a ; b')).toEqual(['a', ';', 'b']);
    expect(shellWords('a &&b')).toEqual(['a', '&&', 'b']);
  });

  it('keeps & and | inside a redirection word, but not ;', () => {
    expect(shellWords('cmd 2>&1 >|f <&0')).toEqual(['cmd', '2>&1', '>|f', '<&0']);
    expect(shellWords('cmd >;x')).toEqual(['cmd', '>', ';', 'x']);
    expect(shellWords('cmd 12>&2')).toEqual(['cmd', '12>&2']);
    expect(shellWords('cmd a>&1')).toEqual(['cmd', 'a>', '&', '1']);
    expect(shellWords('cmd >x&')).toEqual(['cmd', '>x', '&']);
  });
});

describe('simpleCommands', () => {
  it('finds each command with its args, redirections and line', () => {
    const text = ['# comment line', '  # indented comment', 'a x >/dev/null 2>&1; b y < /dev/console', 'FOO=1 BAR=2 if ! c 2<>/dev/msglog', "'' d", ': >> f'].join('\n');
    expect(simpleCommands(text)).toEqual([
      { command: 'a', args: ['x'], redirects: ['/dev/null'], line: 3 },
      { command: 'b', args: ['y'], redirects: ['/dev/console'], line: 3 },
      { command: 'c', args: [], redirects: ['/dev/msglog'], line: 4 },
      { command: 'd', args: [], redirects: [], line: 5 },
      { command: ':', args: [], redirects: ['f'], line: 6 },
    ]);
  });

  it('takes quoted operators and redirections, and words with # inside, as plain words', () => {
    expect(simpleCommands("echo 'a;' '&x' '|y' 'x>y' '>a\rb'")).toEqual([{ command: 'echo', args: ['a;', '&x', '|y', 'x>y', '>a\rb'], redirects: [], line: 1 }]);
    expect(simpleCommands('a b#c\nx#y')).toEqual([
      { command: 'a', args: ['b#c'], redirects: [], line: 1 },
      { command: 'x#y', args: [], redirects: [], line: 2 },
    ]);
  });

  it('keeps a redirection before the command with it', () => {
    expect(simpleCommands('>/dev/x cmd arg')).toEqual([{ command: 'cmd', args: ['arg'], redirects: ['/dev/x'], line: 1 }]);
  });

  it('keeps a line of redirections alone, with an empty command', () => {
    expect(simpleCommands('> /out\n< /in 2>&1')).toEqual([
      { command: '', args: [], redirects: ['/out'], line: 1 },
      { command: '', args: [], redirects: ['/in'], line: 2 },
    ]);
  });

  it('ignores a redirection operator at the end of the line and dup redirections', () => {
    expect(simpleCommands('cmd >')).toEqual([{ command: 'cmd', args: [], redirects: [], line: 1 }]);
    expect(simpleCommands('cmd <&3 x')).toEqual([{ command: 'cmd', args: ['x'], redirects: [], line: 1 }]);
    expect(simpleCommands('>&2')).toEqual([]);
  });

  it('skips keywords and assignments only in command position', () => {
    expect(simpleCommands('then exec time { ( for do done y z')).toEqual([{ command: 'y', args: ['z'], line: 1, redirects: [] }]);
    expect(simpleCommands('while until case esac elif else fi } ) x')).toEqual([{ command: 'x', args: [], line: 1, redirects: [] }]);
    expect(simpleCommands('x A=1 if')).toEqual([{ command: 'x', args: ['A=1', 'if'], line: 1, redirects: [] }]);
    expect(simpleCommands('_a9=1 1b=2')).toEqual([{ command: '1b=2', args: [], line: 1, redirects: [] }]);
    expect(simpleCommands('x=1')).toEqual([]);
  });
});

describe('parseInittab', () => {
  it('reads entries, continuations and process fields with colons', () => {
    const text = ['# comment', '   ', ' ap : : sysinit : /sbin/autopush -f /etc/iu.ap ', 'bad:entry:only', 'sm::sysinit:/x a:b \\', 'c', '  #x:y:z:w', 'p3:s1234:powerfail:/sbin/sh -c "\\', 'echo"', ''].join('\n');
    expect(parseInittab(text)).toEqual([
      { id: 'ap', rstate: '', action: 'sysinit', process: '/sbin/autopush -f /etc/iu.ap', line: 3 },
      { id: 'sm', rstate: '', action: 'sysinit', process: '/x a:b c', line: 5 },
      { id: 'p3', rstate: 's1234', action: 'powerfail', process: '/sbin/sh -c "echo"', line: 8 },
    ]);
  });

  it('keeps a trailing backslash on the last line', () => {
    expect(parseInittab('a::b:c\\')).toEqual([{ id: 'a', rstate: '', action: 'b', process: 'c\\', line: 1 }]);
  });

  it('takes a line with a leading blank and text as an entry', () => {
    expect(parseInittab(' x:1:2:3')).toEqual([{ id: 'x', rstate: '1', action: '2', process: '3', line: 1 }]);
  });
});

describe('forthIncludes', () => {
  it('takes include lines, not try-include, and drops \\ comments', () => {
    const text = ['include /boot/a.4th', '  include   rel.4th  \\ comment', 'try-include /boot/b.4th', '\\ include /boot/c.4th', 'include\\ x', 's" x" include', 'include', 'include/y'].join('\n');
    expect(forthIncludes(text)).toEqual(['/boot/a.4th', 'rel.4th']);
    expect(forthIncludes('include \\ x\ninclude \\ xy')).toEqual([]);
    // A comment runs to the end of the line; a stray CR ends no comment.
    expect(forthIncludes('include \\ foo\r')).toEqual(['\\']);
  });
});

describe('loaderFileFindings', () => {
  it('follows absolute and relative includes, once each, and names who includes a missing file', async () => {
    const tree = stagedTreeOf({
      'boot/loader.rc': 'include /boot/forth/loader.4th\ninclude /boot/forth/loader.4th\n',
      'boot/forth/loader.4th': 'include support.4th\ninclude ../forth/./loader.4th\ninclude gone.4th\n',
      'boot/forth/support.4th': 'include /boot/forth/loader.4th\n',
      'boot/defaults/loader.conf': 'x\n',
    });
    const f = await loaderFileFindings(tree);
    expect(f).toEqual([
      {
        severity: 'panic',
        step: 'loader',
        rule: 'loader.tftp-file',
        message: "/boot/forth/gone.4th, which /boot/forth/loader.4th includes, is not in the image's boot/: the loader fetches it by TFTP after pxeboot or loader64.efi, fails, and stops at its prompt without loading the kernel",
        source: "usr/src/boot/forth/loader.4th (initialize, include_conf_files); the i386 loader's loader.rc (include /boot/forth/loader.4th, beastie.4th)",
        fix: "keep /boot/forth/gone.4th (the proto's boot/ from the loader package; the PXE tree copies the image's boot/)",
      },
    ]);
  });

  it('says what reads loader.rc and the defaults when they are missing', async () => {
    const f = await loaderFileFindings(stagedTreeOf({}));
    expect(f.map((x) => x.message)).toEqual([
      "/boot/loader.rc, which the loader runs first, is not in the image's boot/: the loader fetches it by TFTP after pxeboot or loader64.efi, fails, and stops at its prompt without loading the kernel",
      "/boot/defaults/loader.conf, which loader.4th reads first (kernel and module settings), is not in the image's boot/: the loader fetches it by TFTP after pxeboot or loader64.efi, fails, and stops at its prompt without loading the kernel",
    ]);
  });
});
