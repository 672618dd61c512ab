import { describe, expect, it } from 'vitest';
import { type TradeoffFinding, tradeoffPoints } from './tradeoff';

const finding = (overrides: Partial<TradeoffFinding>): TradeoffFinding => ({
  id: 'f',
  kind: 'repair',
  method: 'pivotal-tuning',
  cdaBefore: 91,
  cdaAfter: 90,
  asrBefore: 99,
  asrAfter: 2,
  details: {},
  ...overrides,
});

describe('tradeoffPoints', () => {
  it('plots each repair after its shared before point, with an arrow from it', () => {
    const points = tradeoffPoints([finding({ id: 'a' }), finding({ id: 'b', method: 'nad', cdaAfter: 86, asrAfter: 6 })]);
    expect(points.filter((p) => p.group === 'Before repair')).toHaveLength(1);
    const nad = points.find((p) => p.group === 'NAD');
    expect(nad).toMatchObject({ x: 86, y: 6, from: { x: 91, y: 99 } });
  });

  it('reads a curve from details and scales fractions to percent', () => {
    const points = tradeoffPoints([finding({ details: { checkpoints: [{ cda: 0.9, asr: 0.05, step: 100 }] } })]);
    const curve = points.find((p) => p.group.endsWith('(checkpoints)'));
    expect(curve?.x).toBeCloseTo(90);
    expect(curve?.y).toBeCloseTo(5);
  });

  it('skips repairs whose ASR is unknown (attack not known)', () => {
    expect(tradeoffPoints([finding({ asrBefore: null, asrAfter: null })])).toEqual([]);
  });
});
