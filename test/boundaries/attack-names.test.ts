/**
 * The dashboard's attack selector holds its own copy of the job catalog's attack names (it does
 * not depend on core); a name the catalog does not know is refused by the gateway, so the two
 * lists must stay equal. The dashboard file is read as text, like the stated-defaults check,
 * because its '@/' imports only resolve inside the dashboard's build.
 */
import { readFileSync } from 'node:fs';
// The job catalog's attack enum is core's list (packages/jobs/src/catalog.ts).
import { ATTACK_NAMES as CATALOG_ATTACKS } from '@antidote/core/formats';
import { describe, expect, it } from 'vitest';

const vocabulary = readFileSync(new URL('../../apps/dashboard/src/lib/vocabulary.ts', import.meta.url), 'utf8');

describe('attack names', () => {
  it('are the same in the dashboard selector and the job catalog', () => {
    const list = vocabulary.match(/export const ATTACK_NAMES = \[([\s\S]*?)\] as const;/)?.[1] ?? '';
    const names = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual([...CATALOG_ATTACKS]);
  });
});
