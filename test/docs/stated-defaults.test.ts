/**
 * The defaults API users and dashboard users read are written out as text (SDL descriptions, form
 * hints); this keeps that text equal to the defaults core actually runs with, so a retuned default
 * cannot leave the docs behind again (steps 300 -> 600 once had to be changed in four places).
 */
import { readFileSync } from 'node:fs';
import { PIVOTAL_TUNING_DEFAULTS, TRIGGER_INVERSION_DEFAULTS } from '@antidote/core/defenses';
import { describe, expect, it } from 'vitest';

const read = (relative: string) => readFileSync(new URL(relative, import.meta.url), 'utf8');
const sdl = read('../../apps/gateway/src/schema/schema.graphql');
const forms = read('../../apps/dashboard/src/components/jobs/StartJobForms.tsx');

/** The "(default N)" stated in the description of `field` in `input name { ... }`. */
function sdlDefault(input: string, field: string): number {
  const block = sdl.match(new RegExp(`input ${input} \\{([\\s\\S]*?)\\n\\}`))?.[1] ?? '';
  const described = block.match(new RegExp(`"([^"]*)"\\s*\\n\\s*${field}:`))?.[1] ?? '';
  const stated = described.match(/\(default ([\d,.]+)\)/)?.[1];
  if (stated === undefined) throw new Error(`${input}.${field} states no default`);
  return Number(stated.replaceAll(',', ''));
}

/** The "default N" stated in the hint of the dashboard field with this id. */
function hintDefault(id: string): number {
  const hint = forms.match(new RegExp(`id="${id}"[\\s\\S]*?hint="([^"]*)"`))?.[1] ?? '';
  const stated = hint.match(/default ([\d,.]+)/)?.[1];
  if (stated === undefined) throw new Error(`${id} states no default`);
  return Number(stated.replaceAll(',', ''));
}

describe('defaults stated in the API schema and the dashboard', () => {
  it('match the scan defaults core runs with', () => {
    expect(sdlDefault('StartScanInput', 'steps')).toBe(TRIGGER_INVERSION_DEFAULTS.steps);
    expect(sdlDefault('StartScanInput', 'referenceSteps')).toBe(PIVOTAL_TUNING_DEFAULTS.steps);
    expect(hintDefault('scan-steps')).toBe(TRIGGER_INVERSION_DEFAULTS.steps);
    expect(hintDefault('scan-reference-steps')).toBe(PIVOTAL_TUNING_DEFAULTS.steps);
  });

  it('match the trigger families and the patch area core runs with', () => {
    const families = sdl.match(/"([^"]*)"\s*\n\s*triggerFamilies: \[TriggerFamily!\]/)?.[1] ?? '';
    const stated = families.match(/\(default \[([A-Z, ]+)\]\)/)?.[1]?.split(', ');
    expect(stated?.map((f) => f.toLowerCase())).toEqual([...TRIGGER_INVERSION_DEFAULTS.triggerFamilies]);
    const patch = sdl.match(/"([^"]*)"\s*\n\s*PATCH\n/)?.[1] ?? '';
    expect(Number(patch.match(/at most ([\d.]+)% of the image/)?.[1])).toBe(TRIGGER_INVERSION_DEFAULTS.patchArea * 100);
    const warp = sdl.match(/"([^"]*)"\s*\n\s*WARP\n/)?.[1] ?? '';
    expect(Number(warp.match(/(\d+)x\d+ control grid/)?.[1])).toBe(TRIGGER_INVERSION_DEFAULTS.warpGrid);
    expect(Number(warp.match(/more than ([\d.]+) px/)?.[1])).toBe(TRIGGER_INVERSION_DEFAULTS.warpMaxShift);
  });

  it('match the repair budget core runs with', () => {
    expect(sdlDefault('StartRepairInput', 'cdaBudget')).toBe(PIVOTAL_TUNING_DEFAULTS.accuracyBudget * 100);
  });
});
