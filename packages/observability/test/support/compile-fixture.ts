import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import ts from 'typescript';

import { packageDir, printHopPath } from './fixture-positions.js';

// Later compilations reuse the parsed source files of the previous one; only emit options differ.
let previousProgram: ts.Program | undefined;

/** How the compiled fixture refers to its source map. */
export type SourceMapMode = 'file' | 'inline' | 'none';

/**
 * Compiles the print-hop fixture and the package sources it imports with the TypeScript API into
 * `outRoot/out`, keeping the package's layout, and makes `outRoot` an ES module package whose
 * `node_modules` is the package's own. Returns the compiled path of a source file.
 */
export function compileFixture(outRoot: string, mode: SourceMapMode): (sourcePath: string) => string {
  const outDir = join(outRoot, 'out');
  const program = ts.createProgram({
    rootNames: [printHopPath],
    ...(previousProgram === undefined ? {} : { oldProgram: previousProgram }),
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      rootDir: packageDir,
      outDir,
      sourceMap: mode === 'file',
      inlineSourceMap: mode === 'inline',
      types: ['node'],
      skipLibCheck: true,
      strict: true,
      noEmitOnError: false,
    },
  });
  previousProgram = program;

  const result = program.emit();
  if (result.emitSkipped) throw new Error('TypeScript skipped emitting the caller fixture');

  mkdirSync(outRoot, { recursive: true });
  writeFileSync(join(outRoot, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(packageDir, 'node_modules'), join(outRoot, 'node_modules'), 'dir');

  return (sourcePath) => join(outDir, sourcePath.slice(packageDir.length + 1).replace(/\.ts$/, '.js'));
}
