import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the package directory. */
export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The fixture whose `recordHop` call the caller tests locate. */
export const hopFixturePath = join(packageDir, 'test', 'fixtures', 'caller', 'record-hop-fixture.ts');

/** The script that prints the fixture's hop as JSON. */
export const printHopPath = join(packageDir, 'test', 'fixtures', 'caller', 'print-hop.ts');

/** Marker comment on the fixture line that calls `recordHop`. */
export const HOP_MARKER = 'fixture: hop call site';

/**
 * Returns the 1-based line that ends with the comment `// marker` in `filePath` and the 1-based
 * column of `callee` on that line. Throws when no line or more than one line has the comment.
 */
export function markedPosition(filePath: string, marker: string, callee: string): { line: number; column: number } {
  const lines = readFileSync(filePath, 'utf8').split('\n');
  const indexes = lines.flatMap((text, index) => (text.trimEnd().endsWith(`// ${marker}`) ? [index] : []));
  if (indexes.length !== 1) throw new Error(`expected exactly one line with "${marker}" in ${filePath}, found ${indexes.length}`);

  const index = indexes[0]!;
  const column = lines[index]!.indexOf(callee);
  if (column < 0) throw new Error(`"${callee}" is not on the marked line of ${filePath}`);
  return { line: index + 1, column: column + 1 };
}
