import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MessageHopJson } from '../src/hop.js';
import { hopToJSON } from '../src/hop.js';
import { compileFixture } from './support/compile-fixture.js';
import { HOP_MARKER, hopFixturePath, markedPosition, packageDir, printHopPath } from './support/fixture-positions.js';
import { recordFixtureHop } from './fixtures/caller/record-hop-fixture.js';

const FIXTURE_RELATIVE_PATH = 'packages/observability/test/fixtures/caller/record-hop-fixture.ts';
const expected = markedPosition(hopFixturePath, HOP_MARKER, 'recordHop(');

const temporaryRoots: string[] = [];

function temporaryRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'whizbang-caller-'));
  temporaryRoots.push(root);
  return root;
}

function runNode(args: string[]): MessageHopJson {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['WHIZBANG_SOURCE_ROOT'];

  const output = execFileSync(process.execPath, args, { cwd: packageDir, env, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(output) as MessageHopJson;
}

function expectFixtureSource(hop: MessageHopJson): void {
  expect(hop.caller.origin).toBe('source-map');
  expect(hop.caller.filePath).toBe(hopFixturePath);
  expect(hop.caller.relativePath).toBe(FIXTURE_RELATIVE_PATH);
  expect(hop.caller.line).toBe(expected.line);
  expect(hop.caller.column).toBe(expected.column);
  expect(hop.caller.functionName).toBe('recordFixtureHop');
}

afterAll(() => {
  for (const root of temporaryRoots) rmSync(root, { recursive: true, force: true });
});

describe('caller resolution in a compiled child process', () => {
  let withMapFiles: (sourcePath: string) => string;
  let withInlineMaps: (sourcePath: string) => string;
  let withoutMaps: (sourcePath: string) => string;
  let unmappedRoot: string;

  beforeAll(() => {
    withMapFiles = compileFixture(temporaryRoot(), 'file');
    withInlineMaps = compileFixture(temporaryRoot(), 'inline');
    unmappedRoot = temporaryRoot();
    withoutMaps = compileFixture(unmappedRoot, 'none');
  });

  it('maps through .js.map files', () => {
    expect(existsSync(`${withMapFiles(hopFixturePath)}.map`)).toBe(true);

    expectFixtureSource(runNode([withMapFiles(printHopPath)]));
  });

  it('maps through inline data: URL maps', () => {
    expect(readFileSync(withInlineMaps(hopFixturePath), 'utf8')).toContain('sourceMappingURL=data:application/json;base64,');

    expectFixtureSource(runNode([withInlineMaps(printHopPath)]));
  });

  it('maps under --enable-source-maps', () => {
    expectFixtureSource(runNode(['--enable-source-maps', withMapFiles(printHopPath)]));
  });

  it('reports the compiled position without a map', () => {
    const compiledFixture = withoutMaps(hopFixturePath);
    const compiledPosition = markedPosition(compiledFixture, HOP_MARKER, 'recordHop(');
    mkdirSync(join(unmappedRoot, '.git'));

    const hop = runNode([withoutMaps(printHopPath)]);

    expect(hop.caller.origin).toBe('compiled');
    expect(hop.caller.filePath).toBe(compiledFixture);
    expect(hop.caller.relativePath).toBe('out/test/fixtures/caller/record-hop-fixture.js');
    expect(hop.caller.line).toBe(compiledPosition.line);
    expect(hop.caller.column).toBe(compiledPosition.column);
    expect(compiledPosition.line).not.toBe(expected.line);
  });
});

describe('caller resolution under loaders', () => {
  it('maps under tsx', () => {
    expectFixtureSource(runNode(['--import', 'tsx', printHopPath]));
  });

  it('maps inside vitest', () => {
    expectFixtureSource(hopToJSON(recordFixtureHop()));
  });
});
