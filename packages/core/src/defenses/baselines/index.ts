/**
 * The baseline defenses the paper compares Pivotal Tuning against (method.md, "Baseline defenses
 * compared in the paper"), implemented honestly: every choice uses only held-out trusted data.
 */

import type { Detector, RepairDefense } from '../types.ts';
import { type FinePruningOptions, finePruningDefense } from './fine-pruning.ts';
import { type FineTuningOptions, fineTuningDefense } from './fine-tuning.ts';
import { type NadOptions, nadDefense } from './nad.ts';
import { type NeuralCleanseRepairOptions, neuralCleanseDefense, neuralCleanseDetector } from './neural-cleanse.ts';

export * from './fine-pruning.ts';
export * from './fine-tuning.ts';
export * from './nad.ts';
export * from './neural-cleanse.ts';
export * from './strip.ts';

export const BASELINE_REPAIR_NAMES = ['fine-tuning', 'fine-pruning', 'nad', 'neural-cleanse'] as const;
export type BaselineRepairName = (typeof BASELINE_REPAIR_NAMES)[number];

/** The baseline repairs by name; each takes its own options on top of `DefenseOptions`. */
export const BASELINE_DEFENSES: {
  readonly 'fine-tuning': RepairDefense<FineTuningOptions>;
  readonly 'fine-pruning': RepairDefense<FinePruningOptions>;
  readonly nad: RepairDefense<NadOptions>;
  readonly 'neural-cleanse': RepairDefense<NeuralCleanseRepairOptions>;
} = {
  'fine-tuning': fineTuningDefense,
  'fine-pruning': finePruningDefense,
  nad: nadDefense,
  'neural-cleanse': neuralCleanseDefense,
};

/** Model-level baseline detectors (STRIP is input-level: see `stripDetector`). */
export const BASELINE_DETECTORS: { readonly 'neural-cleanse': Detector } = {
  'neural-cleanse': neuralCleanseDetector,
};
