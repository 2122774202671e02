// The product's version, from package.json: one level above api/ in the sources, two above dist/api/ when compiled.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function productVersion(from: string = __dirname): string {
  for (const up of ['..', join('..', '..')]) {
    const path = join(from, up, 'package.json');
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  throw new Error(`package.json not found above ${from}`);
}
