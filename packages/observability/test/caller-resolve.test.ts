import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { createCallSite } from '../src/caller/capture.js';
import { clearResolvedPositions } from '../src/caller/resolve.js';
import { registerSourceMapProvider } from '../src/caller/source-maps.js';
import { setSourceRoot, SOURCE_ROOT_ENV } from '../src/caller/source-root.js';

// A map whose only segment sends generated line 1, column 0 onwards to line 3, column 4 of
// ../src/app.ts ("AAEI": column 0, source 0, line +2, column +4).
const APP_MAP = { version: 3 as const, sources: ['../src/app.ts'], names: [], mappings: 'AAEI' };

const roots: string[] = [];

function checkout(files: Record<string, string>, marker: '.git' | 'pnpm-workspace.yaml' | 'none' = '.git'): string {
  const root = mkdtempSync(join(tmpdir(), 'whizbang-checkout-'));
  roots.push(root);
  if (marker === '.git') mkdirSync(join(root, '.git'));
  if (marker === 'pnpm-workspace.yaml') writeFileSync(join(root, marker), 'packages: []\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function withMapFile(): Record<string, string> {
  return {
    'dist/app.js': 'export const answer = 42;\n//# sourceMappingURL=app.js.map\n',
    'dist/app.js.map': JSON.stringify(APP_MAP),
    'src/app.ts': 'line 1\nline 2\n    export const answer: number = 42;\n',
  };
}

afterEach(() => {
  delete process.env[SOURCE_ROOT_ENV];
  setSourceRoot(undefined);
});

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('source map lookup', () => {
  it('maps through a map file next to the code', () => {
    const root = checkout(withMapFile());

    const position = createCallSite({ functionName: 'main', fileName: join(root, 'dist/app.js'), line: 1, column: 8 }).resolve();

    expect(position).toEqual({
      functionName: 'main',
      filePath: join(root, 'src/app.ts'),
      relativePath: 'src/app.ts',
      line: 3,
      column: 5,
      origin: 'source-map',
    });
  });

  it('maps through an inline base64 map', () => {
    const encoded = Buffer.from(JSON.stringify(APP_MAP)).toString('base64');
    const root = checkout({ 'dist/app.js': `x();\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${encoded}\n` });

    const position = createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve();

    expect(position.origin).toBe('source-map');
    expect(position.relativePath).toBe('src/app.ts');
    expect(position.line).toBe(3);
  });

  it('maps through an inline URL-encoded map', () => {
    const encoded = encodeURIComponent(JSON.stringify(APP_MAP));
    const root = checkout({ 'dist/app.js': `x();\n//# sourceMappingURL=data:application/json,${encoded}\n` });

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().line).toBe(3);
  });

  it('accepts file:// URLs as ESM reports them', () => {
    const root = checkout(withMapFile());
    const url = pathToFileURL(join(root, 'dist/app.js')).href;

    const position = createCallSite({ fileName: url, line: 1, column: 1 }).resolve();

    expect(position.filePath).toBe(join(root, 'src/app.ts'));
    expect(position.filePath).not.toMatch(/^file:/);
  });

  it('reports compiled positions without a map', () => {
    const root = checkout({ 'dist/app.js': 'x();\n' });

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve()).toEqual({
      functionName: undefined,
      filePath: join(root, 'dist/app.js'),
      relativePath: 'dist/app.js',
      line: 1,
      column: 1,
      origin: 'compiled',
    });
  });

  it('keeps each function name at a shared position', () => {
    const fileName = join(checkout({ 'dist/app.js': 'x();\n' }), 'dist/app.js');

    const first = createCallSite({ functionName: 'first', fileName, line: 1, column: 1 }).resolve();
    const second = createCallSite({ functionName: 'second', fileName, line: 1, column: 1 }).resolve();

    expect(first.functionName).toBe('first');
    expect(second.functionName).toBe('second');
  });

  it('tells apart positions on very long lines and in very long files', () => {
    const fileName = join(checkout({ 'dist/app.js': 'x();\n' }), 'dist/app.js');
    const positions = [
      { line: 1, column: 2 ** 32 },
      { line: 2, column: 1 },
      { line: 2 ** 20, column: 1 },
      { line: 2 ** 20 + 1, column: 1 },
      { line: 3, column: 2 ** 32 + 1 },
    ];

    const resolved = positions.map((position) => createCallSite({ fileName, ...position }).resolve());

    expect(resolved.map(({ line, column }) => ({ line, column }))).toStrictEqual(positions);
  });

  it('ignores the phrase inside code', () => {
    const root = checkout({ 'dist/app.js': 'const text = "sourceMappingURL=app.js.map";\n' });

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().origin).toBe('compiled');
  });

  it('treats broken maps as no map', () => {
    const root = checkout({
      'dist/bad-json.js': 'x();\n//# sourceMappingURL=bad-json.js.map\n',
      'dist/bad-json.js.map': '{ not json',
      'dist/missing.js': 'x();\n//# sourceMappingURL=missing.js.map\n',
      'dist/remote.js': 'x();\n//# sourceMappingURL=https://example.invalid/remote.js.map\n',
      'dist/bad-data.js': 'x();\n//# sourceMappingURL=data:application/json;base64\n',
    });

    for (const file of ['bad-json.js', 'missing.js', 'remote.js', 'bad-data.js']) {
      const position = createCallSite({ fileName: join(root, 'dist', file), line: 1, column: 1 }).resolve();

      expect(position.origin).toBe('compiled');
      expect(position.filePath).toBe(join(root, 'dist', file));
    }
  });

  it('keeps the compiled position where the map has no segment', () => {
    const root = checkout(withMapFile());

    const position = createCallSite({ fileName: join(root, 'dist/app.js'), line: 2, column: 1 }).resolve();

    expect(position.origin).toBe('compiled');
    expect(position.line).toBe(2);
  });

  it('asks registered providers first', () => {
    const root = checkout({ 'dist/loaded.js': 'x();\n' });
    const fileName = join(root, 'dist/loaded.js');
    const asked: string[] = [];
    const unregister = registerSourceMapProvider((name) => {
      asked.push(name);
      return name === fileName ? { map: APP_MAP } : undefined;
    });
    try {
      expect(createCallSite({ fileName, line: 1, column: 1 }).resolve().relativePath).toBe('src/app.ts');
      expect(asked).toContain(fileName);
    } finally {
      unregister();
    }
  });

  it('survives a throwing provider', () => {
    const root = checkout({ 'dist/app.js': 'x();\n' });
    const unregister = registerSourceMapProvider(() => {
      throw new Error('provider failed');
    });
    try {
      expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().origin).toBe('compiled');
    } finally {
      unregister();
    }
    expect(() => registerSourceMapProvider('nope' as never)).toThrow(TypeError);
  });

  it('returns unknown for positions without a file', () => {
    for (const fileName of [undefined, '', 'node:internal/process/task_queues', 'data:text/javascript,x()', 'relative/app.js']) {
      expect(createCallSite({ fileName, line: 1, column: 1 }).resolve().origin).toBe('unknown');
    }
  });

  it('reports a file without line as compiled', () => {
    const root = checkout({ 'dist/app.js': 'x();\n' });

    expect(createCallSite({ fileName: join(root, 'dist/app.js') }).resolve()).toMatchObject({ origin: 'compiled', line: undefined });
  });

  it('rejects invalid compiled positions', () => {
    expect(() => createCallSite(null as never)).toThrow(TypeError);
    expect(() => createCallSite({ fileName: 3 as never })).toThrow(/position\.fileName/);
    expect(() => createCallSite({ functionName: 3 as never })).toThrow(/position\.functionName/);
    expect(() => createCallSite({ fileName: '/a.js', line: 0 })).toThrow(RangeError);
    expect(() => createCallSite({ fileName: '/a.js', column: 1.5 })).toThrow(/position\.column/);
  });

  it('resolves again after the cache is cleared', () => {
    const root = checkout({ 'dist/app.js': 'x();\n' });
    const fileName = join(root, 'dist/app.js');
    const before = createCallSite({ fileName, line: 1, column: 1 }).resolve();

    writeFileSync(join(root, 'dist/app.js.map'), JSON.stringify(APP_MAP));
    writeFileSync(fileName, 'x();\n//# sourceMappingURL=app.js.map\n');

    expect(createCallSite({ fileName, line: 1, column: 1 }).resolve()).toBe(before);
    clearResolvedPositions();
    expect(createCallSite({ fileName, line: 1, column: 1 }).resolve().origin).toBe('source-map');
  });
});

describe('resolution cache', () => {
  it('drops the oldest position beyond 10,000', () => {
    const root = checkout({ 'dist/app.js': 'x();\n' });
    const fileName = join(root, 'dist/app.js');
    clearResolvedPositions();
    const first = createCallSite({ fileName, line: 1, column: 1 }).resolve();

    for (let line = 2; line <= 10_000; line++) createCallSite({ fileName, line, column: 1 }).resolve();
    expect(createCallSite({ fileName, line: 1, column: 1 }).resolve()).toBe(first);

    // The cache is full and line 1 is its oldest entry, so one more position pushes it out.
    createCallSite({ fileName, line: 10_001, column: 1 }).resolve();
    const again = createCallSite({ fileName, line: 1, column: 1 }).resolve();

    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});

describe('repository-relative paths', () => {
  it('match across two checkout roots', () => {
    const laptop = checkout(withMapFile());
    const ci = checkout(withMapFile(), 'pnpm-workspace.yaml');

    const fromLaptop = createCallSite({ fileName: join(laptop, 'dist/app.js'), line: 1, column: 1 }).resolve();
    const fromCi = createCallSite({ fileName: pathToFileURL(join(ci, 'dist/app.js')).href, line: 1, column: 1 }).resolve();

    expect(fromLaptop.filePath).not.toBe(fromCi.filePath);
    expect(fromLaptop.relativePath).toBe('src/app.ts');
    expect(fromCi.relativePath).toBe(fromLaptop.relativePath);
  });

  it('use the nearest marker directory', () => {
    const root = checkout({ 'packages/shop/dist/app.js': 'x();\n', 'packages/shop/.git': 'gitdir: ../../.git/modules/shop\n' });

    expect(createCallSite({ fileName: join(root, 'packages/shop/dist/app.js'), line: 1, column: 1 }).resolve().relativePath).toBe(
      'dist/app.js',
    );
  });

  it('are undefined outside any repository', () => {
    const root = checkout({ 'dist/app.js': 'x();\n' }, 'none');

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().relativePath).toBeUndefined();
  });

  it('follow setSourceRoot', () => {
    const root = checkout(withMapFile());
    const site = createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 });
    expect(site.resolve().relativePath).toBe('src/app.ts');

    setSourceRoot(join(root, 'src'));

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().relativePath).toBe('app.ts');
  });

  it('fall back to discovery outside the configured root', () => {
    const root = checkout(withMapFile());
    setSourceRoot(join(root, 'elsewhere'));

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().relativePath).toBe('src/app.ts');
  });

  it('follow the environment variable', () => {
    const root = checkout(withMapFile());
    process.env[SOURCE_ROOT_ENV] = join(root, 'src');
    setSourceRoot(undefined);

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().relativePath).toBe('app.ts');
  });

  it('prefer setSourceRoot over the environment', () => {
    const root = checkout(withMapFile());
    process.env[SOURCE_ROOT_ENV] = join(root, 'src');
    setSourceRoot(root);

    expect(createCallSite({ fileName: join(root, 'dist/app.js'), line: 1, column: 1 }).resolve().relativePath).toBe('src/app.ts');
  });

  it('reject an invalid source root', () => {
    expect(() => setSourceRoot('')).toThrow(TypeError);
    expect(() => setSourceRoot(42 as never)).toThrow(/directory/);
  });
});
