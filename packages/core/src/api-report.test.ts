import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderApiReport } from '../scripts/api-report.ts';

const coreDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('@antidote/core public API', () => {
  it('matches api-report.md (regenerate with npm run api-report -w @antidote/core when the change is meant)', () => {
    expect(renderApiReport()).toBe(readFileSync(path.join(coreDir, 'api-report.md'), 'utf8'));
  }, 60_000);

  it('has no root entry and no export * in any entry file', () => {
    const pkg = JSON.parse(readFileSync(path.join(coreDir, 'package.json'), 'utf8')) as { exports: Record<string, string> };
    expect(Object.keys(pkg.exports)).not.toContain('.');
    for (const file of Object.values(pkg.exports)) {
      expect(readFileSync(path.join(coreDir, file), 'utf8'), file).not.toMatch(/export \*/);
    }
  });
});
