/**
 * Points of the ASR-vs-CDA trade-off plot: each repair finding's result (with an arrow from
 * its "before"), plus any curve a defense recorded in its details JSON (checkpoints, sweeps).
 */
import { z } from 'zod';

export interface TradeoffFinding {
  id: string;
  kind: string;
  method: string;
  cdaBefore: number | null;
  cdaAfter: number | null;
  asrBefore: number | null;
  asrAfter: number | null;
  details: unknown;
}

export interface TradeoffPoint {
  x: number;
  y: number;
  group: string;
  label: string;
  from?: { x: number; y: number };
  hollow?: boolean;
}

const num = z.number().finite();
const curvePoint = z
  .object({
    cda: num.optional(),
    cdaAfter: num.optional(),
    asr: num.optional(),
    asrAfter: num.optional(),
    label: z.string().optional(),
    step: num.optional(),
  })
  .transform((p) => ({
    cda: p.cda ?? p.cdaAfter,
    asr: p.asr ?? p.asrAfter,
    label: p.label ?? (p.step !== undefined ? `step ${p.step}` : undefined),
  }));

const CURVE_KEYS = ['tradeoff', 'curve', 'checkpoints', 'points', 'sweep'] as const;

function curveFromDetails(
  details: unknown,
): { key: string; points: { cda: number; asr: number; label: string | undefined }[] } | null {
  if (typeof details !== 'object' || details === null) return null;
  for (const key of CURVE_KEYS) {
    const parsed = z.array(curvePoint).safeParse((details as Record<string, unknown>)[key]);
    if (!parsed.success) continue;
    const points = parsed.data.flatMap((p) =>
      p.cda !== undefined && p.asr !== undefined ? [{ cda: p.cda, asr: p.asr, label: p.label }] : [],
    );
    // a curve in fractions (clean accuracy is never <= 1%) is shown in percent like the rest
    const scale = points.every((p) => p.cda <= 1) ? 100 : 1;
    if (points.length) return { key, points: points.map((p) => ({ ...p, cda: p.cda * scale, asr: p.asr * scale })) };
  }
  return null;
}

export function methodLabel(method: string): string {
  return method
    .toLowerCase()
    .split(/[_-]+/)
    .map((w) => (w === 'nad' || w === 'cti' ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

export function tradeoffPoints(findings: TradeoffFinding[]): TradeoffPoint[] {
  const points: TradeoffPoint[] = [];
  const befores = new Set<string>();
  findings.forEach((f, index) => {
    const method = methodLabel(f.method);
    const hasBefore = f.cdaBefore !== null && f.asrBefore !== null;
    if (hasBefore && f.cdaBefore !== null && f.asrBefore !== null) {
      const key = `${f.cdaBefore.toFixed(2)}:${f.asrBefore.toFixed(2)}`;
      if (!befores.has(key)) {
        befores.add(key);
        points.push({
          x: f.cdaBefore,
          y: f.asrBefore,
          group: 'Before repair',
          label: `Before repair ${befores.size}`,
          hollow: true,
        });
      }
    }
    if (f.kind === 'repair' && f.cdaAfter !== null && f.asrAfter !== null) {
      points.push({
        x: f.cdaAfter,
        y: f.asrAfter,
        group: method,
        label: `${method} #${index + 1}`,
        ...(hasBefore && f.cdaBefore !== null && f.asrBefore !== null ? { from: { x: f.cdaBefore, y: f.asrBefore } } : {}),
      });
    }
    const curve = curveFromDetails(f.details);
    curve?.points.forEach((p, i) => {
      points.push({
        x: p.cda,
        y: p.asr,
        group: `${method} (${curve.key})`,
        label: `${method} #${index + 1} ${p.label ?? `point ${i + 1}`}`,
        hollow: true,
      });
    });
  });
  return points;
}
