import { describe, expect, it } from 'vitest';
import { describeInference, inferMacros, parseDefines, type MacroLine } from '../../src/manifest/infer-macros.js';
import { UsageError } from '../../src/util/errors.js';

// Build-machine macros (usr/src/pkg/Makefile PKGMOG_DEFINES) inferred from the proto's paths.
// The lines are shaped like the gate's (system-library-python-*-2/-3.mf, developer-build-onbld.mf,
// runtime-perl-module-sun-solaris.mf).

const line = (text: string): MacroLine => ({ file: 'm.mf', line: 1, text });

const LINES = [
  line('$(python2_ONLY)dir path=usr/lib/python$(PYTHON_VERSION)'),
  line('$(python2_ONLY)file path=usr/lib/python$(PYTHON_VERSION)/vendor-packages/zfs/__init__.py'),
  line('$(python2_ONLY)file path=usr/lib/python$(PYTHON_VERSION)/vendor-packages/zfs/__init__.pyc'),
  line('$(python3_ONLY)dir path=usr/lib/python$(PYTHON3_VERSION)'),
  line('$(python3_ONLY)file path=usr/lib/python$(PYTHON3_VERSION)/vendor-packages/zfs/__init__.py'),
  line('$(python3_ONLY)file path=usr/lib/python$(PYTHON3_VERSION)/vendor-packages/zfs/__pycache__/__init__.cpython$(PYTHON3_PKGVERS).pyc'),
  line('$(python2tools_ONLY)dir path=opt/onbld/lib/python$(PYTHON_VERSION)'),
  line('$(python2tools_ONLY)file path=opt/onbld/lib/python$(PYTHON_VERSION)/onbld/Checks/Cddl.py'),
  line('$(python3tools_ONLY)dir path=opt/onbld/lib/python$(PYTHON3_VERSION)'),
  line('$(python3tools_ONLY)file path=opt/onbld/lib/python$(PYTHON3_VERSION)/onbld/Checks/Cddl.py'),
  line('set name=pkg.summary value="Perl $(PERL_VERSION) Sun::Solaris Modules"'),
];

// A proto built with Python 2.7 and 3.9 libraries, and only the Python 3 onbld tools.
const PROTO = [
  'usr/lib/python2.7',
  'usr/lib/python2.7/vendor-packages/zfs/__init__.py',
  'usr/lib/python2.7/vendor-packages/zfs/__init__.pyc',
  'usr/lib/python3.9',
  'usr/lib/python3.9/vendor-packages/zfs/__init__.py',
  'usr/lib/python3.9/vendor-packages/zfs/__pycache__/__init__.cpython-39.pyc',
  'opt/onbld/lib/python3.9',
  'opt/onbld/lib/python3.9/onbld/Checks/Cddl.py',
];

describe('inferMacros', () => {
  it('infers each version from the group of paths it completes, and each switch from what it guards', () => {
    const r = inferMacros(LINES, PROTO);
    expect(r.values).toEqual({ PYTHON_VERSION: '2.7', PYTHON3_VERSION: '3.9', PYTHON3_PKGVERS: '-39', python2_ONLY: '', python3_ONLY: '', python2tools_ONLY: '#', python3tools_ONLY: '' });
    expect(r.ambiguous).toEqual([]);
    // A macro only used outside paths says nothing.
    expect(r.values.PERL_VERSION).toBeUndefined();
  });

  it('does not count single paths: 3.9 has a python$(PYTHON_VERSION)/.../__init__.py too, but not the whole group', () => {
    const r = inferMacros(LINES, PROTO);
    expect(r.inferred.find((i) => i.name === 'PYTHON_VERSION')).toMatchObject({ value: '2.7', paths: 3 });
  });

  it('leaves a macro unknown when two values fit equally, and never overrides a given value', () => {
    const both = [...PROTO, 'opt/onbld/lib/python2.7', 'opt/onbld/lib/python2.7/onbld/Checks/Cddl.py', 'usr/lib/python3.9/vendor-packages/zfs/__init__.pyc'];
    const r = inferMacros(LINES, both);
    expect(r.ambiguous.find((a) => a.name === 'PYTHON_VERSION')?.candidates.sort()).toEqual(['2.7', '3.9']);
    expect(r.values.PYTHON_VERSION).toBeUndefined();
    expect(inferMacros(LINES, both, { PYTHON_VERSION: '2.7' }).values.PYTHON_VERSION).toBeUndefined();
    expect(inferMacros(LINES, both, { PYTHON_VERSION: '2.7' }).values.python2tools_ONLY).toBe('');
  });

  it('two macros naming one place with one value are both left unknown (PERL_ARCH and PERL_ARCH64)', () => {
    const perl = [line('$(BUILDPERL32)dir path=usr/perl5/5.32/lib/$(PERL_ARCH)'), line('$(BUILDPERL64)dir path=usr/perl5/5.32/lib/$(PERL_ARCH64)')];
    const r = inferMacros(perl, ['usr/perl5/5.32/lib/i86pc-solaris-64']);
    expect(r.ambiguous.map((a) => a.name).sort()).toEqual(['PERL_ARCH', 'PERL_ARCH64']);
    expect(describeInference(r).join('\n')).toMatch(/--define PERL_ARCH=VALUE/);
  });

  it('says what it inferred', () => {
    expect(describeInference(inferMacros(LINES, PROTO))[0]).toMatch(/^inferred manifest macros from the proto area: \$\(PYTHON3_PKGVERS\)=-39 .*\$\(python2tools_ONLY\)="#" \(none of the python2tools_ONLY paths is in the proto/);
  });
});

describe('--define', () => {
  it('takes NAME=VALUE, an empty value included, and names a malformed one', () => {
    expect(parseDefines(['PYTHON_VERSION=3.9', 'python2_ONLY=', 'X=a=b'])).toEqual({ PYTHON_VERSION: '3.9', python2_ONLY: '', X: 'a=b' });
    expect(() => parseDefines(['PYTHON_VERSION'])).toThrow(UsageError);
    expect(() => parseDefines(['=3'])).toThrow(/--define "=3" is not NAME=VALUE/);
  });
});
