import { describe, expect, it } from 'vitest';
import { ActionSyntaxError, parseActionLine } from '../../src/manifest/parse-action.js';
import { expandMacros, I386_DEFINES } from '../../src/manifest/macros.js';
import { splitWords } from '../../src/manifest/split-words.js';
import { applyTransforms, literalPrefix, parseTransform, TransformAbort } from '../../src/manifest/transforms.js';
import type { ManifestAction } from '../../src/manifest/action.js';
import { pythonReplacement } from '../../src/manifest/python-regex.js';

const attrs = (line: string) => Object.fromEntries(parseActionLine(line).attrs);
const action = (line: string): ManifestAction => ({ ...parseActionLine(line), manifest: 'm.p5m', file: 'm.p5m', line: 1 });
const run = (line: string, ...transforms: string[]) =>
  applyTransforms(
    action(line),
    transforms.map((t, i) => parseTransform(t, 't', i + 1)),
    { pkgAttrs: new Map([['pkg.fmri', ['pkg:/test@1']]]) },
  ).map((a) => ({ type: a.type, ...Object.fromEntries(a.attrs) }));

describe('parseActionLine', () => {
  it('parses repeated attributes into lists, in order', () => {
    expect(attrs('driver name=e1000g alias=pci8086,1000 alias=pci8086,1001 perms="* 0666 root sys"')).toEqual({
      name: ['e1000g'],
      alias: ['pci8086,1000', 'pci8086,1001'],
      perms: ['* 0666 root sys'],
    });
  });

  it('keeps quoted values with spaces, both quote styles, and unquoted values holding "="', () => {
    expect(attrs(`legacy pkg=SUNWcsd desc="core entries for /dev" name='Core "Solaris" Devices'`)).toEqual({
      pkg: ['SUNWcsd'],
      desc: ['core entries for /dev'],
      name: ['Core "Solaris" Devices'],
    });
    expect(attrs('driver name=openeepr policy=write_priv_set=all')).toEqual({ name: ['openeepr'], policy: ['write_priv_set=all'] });
  });

  it('unescapes only the quote and the backslash inside quotes, keeping "\\t" for devlink', () => {
    expect(attrs(String.raw`set name=d value="a \"b\" c\\d"`).value).toEqual(['a "b" c\\d']);
    expect(attrs(String.raw`driver name=tpm devlink="type=ddi_pseudo;name=tpm\t\D"`).devlink).toEqual([String.raw`type=ddi_pseudo;name=tpm\t\D`]);
  });

  it('joins adjacent quoted strings', () => {
    expect(attrs(`set name=x value="ab"'cd'`).value).toEqual(['abcd']);
  });

  it('takes a payload only on file, license and signature actions', () => {
    expect(parseActionLine('license cr_Sun license=cr_Sun').payload).toBe('cr_Sun');
    expect(() => parseActionLine('dir foo path=x')).toThrow(/takes no payload/);
  });

  it('rejects malformed lines', () => {
    expect(() => parseActionLine('frob path=x')).toThrow(/unknown action type "frob"/);
    expect(() => parseActionLine('dir')).toThrow(ActionSyntaxError);
    expect(() => parseActionLine('dir path=')).toThrow(/has no value/);
    expect(() => parseActionLine('dir path="unterminated')).toThrow(/unfinished quoted value/);
    expect(() => parseActionLine('dir path=x group')).toThrow(/has no "=value"/);
    expect(() => parseActionLine('dir pa"th=x')).toThrow(/quote in attribute name/);
  });
});

describe('macros', () => {
  it('expands the i386 defines of the gate', () => {
    expect(expandMacros('$(i386_ONLY)file path=kernel/drv/$(ARCH64)/x', I386_DEFINES).text).toBe('file path=kernel/drv/amd64/x');
    expect(expandMacros('$(sparc_ONLY)driver name=dad', I386_DEFINES).text).toBe('#driver name=dad');
    expect(expandMacros('dir path=usr/lib/$(ARCH32)', I386_DEFINES).text).toBe('dir path=usr/lib/i86');
    expect(expandMacros('set name=variant.arch value=$(ARCH)', I386_DEFINES).text).toBe('set name=variant.arch value=i386');
  });

  it('leaves unknown macros as written and names them', () => {
    expect(expandMacros('file path=usr/perl5/$(PERL_VERSION)/x', I386_DEFINES)).toEqual({ text: 'file path=usr/perl5/$(PERL_VERSION)/x', unknown: ['PERL_VERSION'] });
  });
});

describe('splitWords', () => {
  it('splits like shlex', () => {
    expect(splitWords('mode 0755')).toEqual(['mode', '0755']);
    expect(splitWords(`hotline "Please contact your local service provider"`)).toEqual(['hotline', 'Please contact your local service provider']);
    expect(splitWords(`a 'b c' d\\ e "f\\"g"`)).toEqual(['a', 'b c', 'd e', 'f"g']);
  });
});

describe('transforms', () => {
  it('default sets an attribute only when it is absent', () => {
    const t = '<transform file path=.*kernel/drv/.+ -> default mode 0755>';
    expect(run('file path=kernel/drv/amd64/e1000g group=sys', t.slice(1, -1))).toEqual([{ type: 'file', path: ['kernel/drv/amd64/e1000g'], group: ['sys'], mode: ['0755'] }]);
    expect(run('file path=kernel/drv/amd64/e1000g mode=0700', t.slice(1, -1))[0].mode).toEqual(['0700']);
  });

  it('matches from the start of the value only (re.match), and every value of the attribute', () => {
    expect(run('file path=usr/kernel/drv/x', 'transform file path=kernel/ -> set mode 0700')[0].mode).toBeUndefined();
    expect(run('file path=usr/kernel/drv/x', 'transform file path=.*kernel/ -> set mode 0700')[0].mode).toEqual(['0700']);
    expect(run('driver name=a alias=pci1 alias=usb2', 'transform driver alias=pci -> set class x')[0].class).toBeUndefined();
  });

  it('honours the action-type list and negative lookbehind', () => {
    const t = 'transform file path=.*kernel/.+(?<!\\.conf)$ -> default reboot-needed true';
    expect(run('file path=kernel/drv/e1000g.conf', t)[0]['reboot-needed']).toBeUndefined();
    expect(run('file path=kernel/drv/amd64/e1000g', t)[0]['reboot-needed']).toEqual(['true']);
    expect(run('dir path=kernel/drv', 'transform file link -> set owner bin')[0].owner).toBeUndefined();
  });

  it('supports add, drop, delete and edit', () => {
    expect(run('driver name=a alias=x', 'transform driver -> add alias y')[0].alias).toEqual(['x', 'y']);
    expect(run('file path=a/b', 'transform file path=a/.* -> drop')).toEqual([]);
    const z = run('file path=a variant.opensolaris.zone=__NODEFAULT', 'transform file -> delete variant.opensolaris.zone __NODEFAULT');
    expect(z[0]['variant.opensolaris.zone']).toBeUndefined();
    expect(run('file path=usr/lib/a.so.1', 'transform file path=usr/lib/(.*) -> edit path ^usr/lib/ usr/lib/64/')[0].path).toEqual(['usr/lib/64/a.so.1']);
  });

  it('substitutes attributes, package attributes and match groups', () => {
    expect(run('file path=usr/bin/ls', 'transform file path=usr/(bin)/.* -> set note %<1>:%(path):%{pkg.fmri}')[0].note).toEqual(['bin:usr/bin/ls:pkg:/test@1']);
  });

  it('emits new actions, which the transforms then see too', () => {
    const out = run('file path=usr/bin/ls', 'transform file path=usr/bin/(.*) -> emit link path=bin/%<1> target=../usr/bin/%<1>', 'transform link -> default owner root');
    expect(out).toEqual([
      { type: 'file', path: ['usr/bin/ls'] },
      { type: 'link', path: ['bin/ls'], target: ['../usr/bin/ls'], owner: ['root'] },
    ]);
  });

  it('abort stops the package', () => {
    expect(() => run('set name=pkg.fmri value=x', 'transform set name=pkg.fmri -> abort')).toThrow(TransformAbort);
  });

  it('rejects unknown operations and malformed arguments', () => {
    expect(() => parseTransform('transform file -> frobnicate x', 'f', 3)).toThrow(/unknown transform operation "frobnicate"/);
    expect(() => parseTransform('transform file -> default mode', 'f', 3)).toThrow(/attribute and a value/);
    expect(() => parseTransform('transform file default mode 0755', 'f', 3)).toThrow(/no "->"/);
  });

  it('converts Python replacement syntax', () => {
    expect(pythonReplacement('\\1-\\g<2>-$')).toBe('$1-$2-$$');
  });
});

describe('literalPrefix', () => {
  it('takes the literal start of a pattern, minus a quantified last character, and nothing with alternation', () => {
    expect(literalPrefix('usr/share/lib/mailx/.+')).toBe('usr/share/lib/mailx/');
    expect(literalPrefix('.*kernel/drv/.+')).toBe('');
    expect(literalPrefix('usr/lib/ab?c')).toBe('usr/lib/a');
    expect(literalPrefix('kernel$')).toBe('kernel');
    expect(literalPrefix('a|b')).toBe('');
    expect(literalPrefix('lib\\.so')).toBe('lib');
  });
});
