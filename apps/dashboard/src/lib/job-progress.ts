/**
 * What a job's event history says: latest progress/phase/step, an ETA from the recent progress
 * rate, and the numeric metrics over time for the live charts.
 */
import type { JobState } from '@/lib/graphql/generated';
import { stateAfterEvent } from './vocabulary';

export interface ProgressEvent {
  seq: number;
  type: string;
  phase: string | null;
  step: number | null;
  totalSteps: number | null;
  progress: number | null;
  message: string | null;
  metrics: unknown;
  createdAt: string;
}

export interface ProgressSummary {
  state: JobState;
  progress: number;
  phase: string | null;
  step: number | null;
  totalSteps: number | null;
  /** Seconds left at the recent rate, or null when it cannot be told. */
  etaSeconds: number | null;
  lastSeq: number;
  failure: string | null;
}

/** Merges events by seq (replays and live updates overlap), oldest first. */
export function mergeEvents<E extends { seq: number }>(current: E[], incoming: E[]): E[] {
  if (incoming.length === 0) return current;
  const bySeq = new Map(current.map((e) => [e.seq, e]));
  for (const event of incoming) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

const ETA_WINDOW = 30;

export function summarize(
  events: ProgressEvent[],
  initial: { state: JobState; progress: number; phase: string | null },
): ProgressSummary {
  let state = initial.state;
  let progress = initial.progress;
  let phase = initial.phase;
  let step: number | null = null;
  let totalSteps: number | null = null;
  let failure: string | null = null;
  let attemptStart = 0;
  events.forEach((event, index) => {
    state = stateAfterEvent(event.type, state);
    if (event.type === 'started' || event.type === 'retrying') attemptStart = index;
    if (event.progress !== null) progress = event.progress;
    if (event.phase !== null) phase = event.phase;
    if (event.step !== null) step = event.step;
    if (event.totalSteps !== null) totalSteps = event.totalSteps;
    if (event.type === 'failed') failure = event.message;
  });
  if (state === 'SUCCEEDED') progress = 1;

  let etaSeconds: number | null = null;
  if (state === 'RUNNING') {
    const recent = events
      .slice(attemptStart)
      .filter((e) => e.progress !== null)
      .slice(-ETA_WINDOW);
    const first = recent[0];
    const last = recent[recent.length - 1];
    if (first && last && first !== last && first.progress !== null && last.progress !== null) {
      const seconds = (Date.parse(last.createdAt) - Date.parse(first.createdAt)) / 1000;
      const rate = (last.progress - first.progress) / seconds;
      if (seconds > 0 && rate > 0) etaSeconds = (1 - last.progress) / rate;
    }
  }
  return { state, progress, phase, step, totalSteps, etaSeconds, lastSeq: events[events.length - 1]?.seq ?? 0, failure };
}

export interface MetricSeries {
  name: string;
  points: { x: number; y: number }[];
}

const MAX_METRICS = 8;

/** One series per metric name (numbers only), x = event seq. */
export function metricSeries(events: ProgressEvent[]): MetricSeries[] {
  const series = new Map<string, { x: number; y: number }[]>();
  for (const event of events) {
    if (typeof event.metrics !== 'object' || event.metrics === null || Array.isArray(event.metrics)) continue;
    for (const [name, value] of Object.entries(event.metrics as Record<string, unknown>)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      let points = series.get(name);
      if (!points) {
        if (series.size >= MAX_METRICS) continue;
        points = [];
        series.set(name, points);
      }
      points.push({ x: event.seq, y: value });
    }
  }
  return [...series.entries()].map(([name, points]) => ({ name, points }));
}
