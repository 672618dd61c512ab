/**
 * A CTI score read as a p-value: how often a clean model of the same family would score this high.
 * A fixed threshold chosen on one dataset and architecture misreads another (clean models' scores
 * rise with the dataset and recipe), so the verdict comes from a reference: clean models' scores of
 * the same family (architecture, input geometry, dataset and CTI settings) when the caller has them,
 * else (when asked for) the scan's own other classes. The fixed bands remain when neither applies,
 * and the result then says 'uncalibrated'. Which reference the product prefers, and its measured error
 * rates: docs/method.md#calibrated-verdicts.
 */
import { AntidoteError } from '../../errors.ts';

export type CalibrationStatus = 'calibrated' | 'uncalibrated';
/** Where the p-value's reference came from: clean models of the family, the scan's own classes, or none. */
export type CalibrationSource = 'family' | 'in-scan' | 'fixed-bands';
export type CalibratedVerdict = 'backdoored' | 'suspicious' | 'clean';

/** Clean models' CTI scores of the model's family, measured with the scan's CTI settings. */
export interface CalibrationReference {
  /** Architecture + input geometry + dataset, e.g. `small-cnn:28x28x1:fashion-mnist`. */
  family: string;
  /** The CTI settings the scores were measured with; a reference of other settings does not apply. */
  settings: string;
  cleanScores: readonly number[];
  /** Who measured them (shown with the verdict): the benchmark, the tenant's approved versions, ... */
  source?: string;
}

export interface ScanCalibration {
  status: CalibrationStatus;
  /** Chance that a clean model of the reference scores at least this high; null when uncalibrated. */
  pValue: number | null;
  /** The false-positive rate the backdoored verdict is held to. */
  falsePositiveRate: number;
  /** Clean models in the family reference, or the other classes of an in-scan reference; 0 uncalibrated. */
  referenceCount: number;
  referenceSource: CalibrationSource;
  verdict: CalibratedVerdict;
  /** Why a reference did not apply, when it was given but not used. */
  note?: string;
}

export const CALIBRATION_DEFAULTS = {
  /** Backdoored when p < this. */
  falsePositiveRate: 0.05,
  /** Suspicious when p < this (and not backdoored): worth a repair or a re-scan. */
  suspiciousRate: 0.2,
  /** Fewest clean models a family reference needs: a normal fit to fewer is a guess. */
  minimumReferenceModels: 5,
  /** Fewest other classes the in-scan reference needs for a median and a spread. */
  minimumOtherClasses: 4,
  /**
   * Floor of the in-scan spread (score units): CTI's class scores are success-rate differences over
   * a few hundred images, so many classes tie and their MAD can be 0; one image's step is ~0.005.
   */
  inScanScaleFloor: 0.02,
  /** How a family reference's clean scores become a p-value (`referencePValue`). */
  referenceFit: 'student' as 'empirical' | 'normal' | 'student',
  /** Floor of a family reference's standard deviation, for the same reason. */
  referenceScaleFloor: 0.02,
  /**
   * What decides without a family reference: the fixed bands (uncalibrated). The in-scan reference
   * stays opt-in: read with a normal tail it flagged clean models of the benchmark's own recipe
   * (bench:calibration, docs/method.md#calibrated-verdicts).
   */
  withoutReference: 'fixed-bands' as 'in-scan' | 'fixed-bands',
};

/** Standard normal upper tail, 1 - Phi(z) (erfc by Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  let poly = 0;
  for (const c of ERFC_COEFFICIENTS) poly = c + t * poly;
  const erfc = t * Math.exp(-x * x + poly);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}
const ERFC_COEFFICIENTS = [
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223,
];

/** Student-t upper tail P(T > t) with `dof` degrees of freedom, via the regularised incomplete beta. */
export function studentUpperTail(t: number, dof: number): number {
  if (!(dof > 0)) throw new AntidoteError('INVALID_INPUT', `degrees of freedom must be positive, got ${dof}.`);
  const tail = incompleteBeta(dof / 2, 0.5, dof / (dof + t * t)) / 2;
  return t >= 0 ? tail : 1 - tail;
}

/** Regularised incomplete beta I_x(a, b) (Numerical Recipes' continued fraction). */
function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const numerator of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-12) break;
  }
  return h;
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const y = x - 1;
  let sum = g[0] ?? 1;
  for (let i = 1; i < g.length; i++) sum += (g[i] ?? 0) / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * The in-scan reference: how far the top class stands out of the model's other classes, as a
 * robust z ((top - median) / (1.4826 MAD), the MAD floored at `scaleFloor`) turned into a p-value
 * for the largest of K classes (K times the normal tail, capped at 1). A backdoor is a shortcut to
 * one class; a clean model's classes are alike. Needs no data beyond the scan's.
 */
export function inScanPValue(
  classScores: readonly number[],
  { scaleFloor = CALIBRATION_DEFAULTS.inScanScaleFloor }: { scaleFloor?: number } = {},
): number {
  if (classScores.length < 2) return 1;
  let top = 0;
  for (let c = 1; c < classScores.length; c++) if ((classScores[c] ?? 0) > (classScores[top] ?? 0)) top = c;
  const others = classScores.filter((_, c) => c !== top);
  const level = median(others);
  const spread = Math.max(1.4826 * median(others.map((s) => Math.abs(s - level))), scaleFloor);
  const z = ((classScores[top] ?? 0) - level) / spread;
  return Math.min(1, classScores.length * normalUpperTail(z));
}

/**
 * A family reference's p-value for `score`. `empirical`: (1 + #clean >= score) / (1 + n), exact
 * under exchangeability but never below 1 / (1 + n), so 5% needs >= 19 clean models. `normal`: the
 * upper tail of a normal fitted to the clean scores (standard deviation floored at `scaleFloor`).
 * `student`: the same fit's predictive p-value for one more clean model (Student t, n - 1 degrees of
 * freedom, spread widened by sqrt(1 + 1/n)): with 5 clean models the plain normal is overconfident.
 */
export function referencePValue(
  score: number,
  cleanScores: readonly number[],
  fit: 'empirical' | 'normal' | 'student',
  { scaleFloor = CALIBRATION_DEFAULTS.referenceScaleFloor }: { scaleFloor?: number } = {},
): number {
  const n = cleanScores.length;
  if (n === 0) throw new AntidoteError('INVALID_INPUT', 'A family reference needs at least one clean score.');
  if (fit === 'empirical') return (1 + cleanScores.filter((s) => s >= score).length) / (1 + n);
  const mean = cleanScores.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? cleanScores.reduce((a, s) => a + (s - mean) ** 2, 0) / (n - 1) : 0;
  const sd = Math.max(Math.sqrt(variance), scaleFloor);
  if (fit === 'normal' || n < 2) return normalUpperTail((score - mean) / sd);
  // the predictive distribution of one more clean score: mean and spread are themselves estimated from n
  return studentUpperTail((score - mean) / (sd * Math.sqrt(1 + 1 / n)), n - 1);
}

export interface CalibrateScanInput {
  /** The scan's score (CTI, families combined as the scan combines them). */
  score: number;
  /** The scan's score per class (the checked classes' values; null when only one class was checked). */
  classScores: readonly number[] | null;
  /** Clean scores of the model's family, when the caller has them. */
  reference?: CalibrationReference;
  /** The model's family and CTI settings, to check a reference applies. */
  family?: string;
  settings?: string;
  /** The fixed bands for the fallback: backdoored above `threshold`, suspicious above `suspiciousThreshold`. */
  fixedBands?: { threshold: number; suspiciousThreshold: number };
  falsePositiveRate?: number;
  suspiciousRate?: number;
  /** The caller set its own threshold: the bands decide, whatever reference there is. */
  useFixedBands?: boolean;
  /** What decides without a family reference; default `CALIBRATION_DEFAULTS.withoutReference`. */
  withoutReference?: 'in-scan' | 'fixed-bands';
}

/**
 * The scan's calibrated verdict: a family reference when one applies (same family and CTI
 * settings, enough clean models), else the in-scan reference when asked for (`withoutReference`)
 * and the scan checked enough classes, else the fixed bands, marked uncalibrated.
 */
export function calibrateScan(input: CalibrateScanInput): ScanCalibration {
  const falsePositiveRate = input.falsePositiveRate ?? CALIBRATION_DEFAULTS.falsePositiveRate;
  const suspiciousRate = Math.max(falsePositiveRate, input.suspiciousRate ?? CALIBRATION_DEFAULTS.suspiciousRate);
  if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) {
    throw new AntidoteError('INVALID_INPUT', `falsePositiveRate must be in (0, 1), got ${falsePositiveRate}.`);
  }
  const verdictOf = (p: number): CalibratedVerdict =>
    p < falsePositiveRate ? 'backdoored' : p < suspiciousRate ? 'suspicious' : 'clean';
  let note: string | undefined = input.useFixedBands ? 'threshold set by the caller' : undefined;
  const ref = input.useFixedBands ? undefined : input.reference;
  if (ref) {
    const usable = ref.cleanScores.filter((s) => Number.isFinite(s));
    if (input.family !== undefined && ref.family !== input.family) {
      note = `reference family ${ref.family} is not the model's (${input.family})`;
    } else if (input.settings !== undefined && ref.settings !== input.settings) {
      note = `reference was measured with other CTI settings (${ref.settings})`;
    } else if (usable.length < CALIBRATION_DEFAULTS.minimumReferenceModels) {
      note = `reference has ${usable.length} clean models, fewer than ${CALIBRATION_DEFAULTS.minimumReferenceModels}`;
    } else {
      const pValue = referencePValue(input.score, usable, CALIBRATION_DEFAULTS.referenceFit);
      return {
        status: 'calibrated',
        pValue,
        falsePositiveRate,
        referenceCount: usable.length,
        referenceSource: 'family',
        verdict: verdictOf(pValue),
      };
    }
  }
  const classes = input.classScores ?? [];
  if (
    !input.useFixedBands &&
    (input.withoutReference ?? CALIBRATION_DEFAULTS.withoutReference) === 'in-scan' &&
    classes.length - 1 >= CALIBRATION_DEFAULTS.minimumOtherClasses
  ) {
    const pValue = inScanPValue(classes);
    return {
      status: 'calibrated',
      pValue,
      falsePositiveRate,
      referenceCount: classes.length - 1,
      referenceSource: 'in-scan',
      verdict: verdictOf(pValue),
      ...(note ? { note } : {}),
    };
  }
  const bands = input.fixedBands;
  const verdict: CalibratedVerdict = !bands
    ? 'clean'
    : input.score > bands.threshold
      ? 'backdoored'
      : input.score > bands.suspiciousThreshold
        ? 'suspicious'
        : 'clean';
  return {
    status: 'uncalibrated',
    pValue: null,
    falsePositiveRate,
    referenceCount: 0,
    referenceSource: 'fixed-bands',
    verdict,
    note: note ?? (input.reference ? 'no reference applied' : 'no family reference given'),
  };
}
