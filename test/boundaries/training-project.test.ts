/**
 * A test that trains a fixture victim in the `unit` project runs beside the whole unit suite with
 * the unit project's patience; on a loaded CI machine its beforeAll timed out (head-probe, 2026-12-07).
 * Every test that builds a trained fixture must be listed among the training tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Read as text: the config sits outside this workspace's TypeScript project.
const config = readFileSync(join(root, 'vitest.config.ts'), 'utf8');
const trainingTests = [...(config.match(/const trainingTests = \[([\s\S]*?)\];/)?.[1] ?? '').matchAll(/'([^']+)'/g)].map(
  (m) => m[1] ?? '',
);
const TRAINS = /\bbackdooredFixture\(|\btrainModel\(|\btrainLabModel\(/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('**/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${source}$`);
}

describe('the training project', () => {
  it('holds every test that trains a fixture model', () => {
    expect(trainingTests.length).toBeGreaterThan(5);
    const patterns = trainingTests.map(globToRegExp);
    const files = ['packages', 'apps'].flatMap((dir) => testFiles(join(root, dir)));
    const training = files
      .filter((file) => TRAINS.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file).split('\\').join('/'));
    expect(training.length).toBeGreaterThan(3);
    const outside = training.filter((file) => !patterns.some((pattern) => pattern.test(file)));
    expect(outside).toEqual([]);
  });
});
