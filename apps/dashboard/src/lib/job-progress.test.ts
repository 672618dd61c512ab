import { describe, expect, it } from 'vitest';
import { mergeEvents, metricSeries, type ProgressEvent, summarize } from './job-progress';

function event(seq: number, type: string, extra: Partial<ProgressEvent> = {}): ProgressEvent {
  return {
    seq,
    type,
    phase: null,
    step: null,
    totalSteps: null,
    progress: null,
    message: null,
    metrics: null,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq * 10)).toISOString(),
    ...extra,
  };
}

describe('job progress', () => {
  it('merges replayed and live events by seq, oldest first', () => {
    const merged = mergeEvents([event(1, 'queued'), event(3, 'progress')], [event(2, 'started'), event(3, 'progress')]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('estimates the time left from the progress rate of the current attempt', () => {
    const events = [
      event(1, 'queued'),
      event(2, 'started'),
      event(3, 'progress', { progress: 0.1, phase: 'repair', step: 10, totalSteps: 100 }),
      event(4, 'progress', { progress: 0.3, phase: 'repair', step: 30, totalSteps: 100 }),
    ];
    const summary = summarize(events, { state: 'QUEUED', progress: 0, phase: null });
    expect(summary.state).toBe('RUNNING');
    expect(summary.progress).toBeCloseTo(0.3);
    expect(summary.step).toBe(30);
    // 0.2 per 10 s -> 0.7 left takes 35 s
    expect(summary.etaSeconds).toBeCloseTo(35);
  });

  it('reports the failure message and no ETA once the job failed', () => {
    const events = [
      event(1, 'started'),
      event(2, 'progress', { progress: 0.5 }),
      event(3, 'failed', { message: 'CORRUPT_FILE: bad weights' }),
    ];
    const summary = summarize(events, { state: 'RUNNING', progress: 0, phase: null });
    expect(summary.state).toBe('FAILED');
    expect(summary.failure).toBe('CORRUPT_FILE: bad weights');
    expect(summary.etaSeconds).toBeNull();
  });

  it('turns numeric metrics into one series per name and ignores the rest', () => {
    const series = metricSeries([
      event(1, 'progress', { metrics: { loss: 2, accuracy: 0.5 } }),
      event(2, 'progress', { metrics: { loss: 1, note: 'x' } }),
      event(3, 'log', { metrics: null }),
    ]);
    expect(series).toEqual([
      {
        name: 'loss',
        points: [
          { x: 1, y: 2 },
          { x: 2, y: 1 },
        ],
      },
      { name: 'accuracy', points: [{ x: 1, y: 0.5 }] },
    ]);
  });
});
