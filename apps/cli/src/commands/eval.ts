/**
 * `antidote eval`: loads a model folder, checks it fits the test images, and reports CDA,
 * per-class accuracy and, when an attack is known (flags or antidote-attack.json), ASR/ARR.
 */
import path from 'node:path';
import { triggeredTestSet } from '@antidote/core/attacks';
import { AntidoteError } from '@antidote/core/errors';
import { createLabAttack, type LabAttackName, type LabAttackSpec } from '@antidote/core/lab';
import { evaluateAttack, evaluateClean } from '@antidote/core/metrics';
import { assertModelFitsDataset, loadModelFromFiles } from '@antidote/core/models';
import { parseAttackParams } from '../attack-params.ts';
import type { CommandContext } from '../context.ts';
import { buildEvalReport, evalReportLines, type MeasuredAttack } from '../eval-report.ts';
import { ATTACK_SPEC_FILE, inModelFolder, readAttackSpec, readModelCardDataset, readModelFolder } from '../model-folder.ts';
import { loadTestSet } from '../test-set.ts';
import { parseClassNames } from './datasets.ts';

export interface EvalOptions {
  model: string;
  dataset?: string;
  data?: string[];
  classNames?: string;
  attack?: LabAttackName;
  target?: number;
  seed?: number;
  param?: string[];
}

/** The attack to measure: from flags when --attack is given, else from the model folder, else none. */
export async function resolveEvalAttack(
  options: EvalOptions,
): Promise<{ spec: LabAttackSpec; source: 'flags' | typeof ATTACK_SPEC_FILE } | null> {
  if (options.attack === undefined) {
    const stray = [
      options.target !== undefined && '--target',
      options.seed !== undefined && '--seed',
      options.param && '--param',
    ].filter(Boolean);
    if (stray.length > 0) {
      throw new AntidoteError(
        'INVALID_INPUT',
        `${stray.join(', ')} ${stray.length === 1 ? 'describes' : 'describe'} an attack; add --attack NAME.`,
      );
    }
    const spec = await readAttackSpec(options.model);
    return spec ? { spec, source: ATTACK_SPEC_FILE } : null;
  }
  if (options.target === undefined) {
    throw new AntidoteError('INVALID_INPUT', '--attack needs --target N, the class the backdoor maps triggered images to.');
  }
  const params = parseAttackParams(options.param);
  return {
    // The trigger does not depend on how many images were poisoned; 1 satisfies every attack's validation.
    spec: {
      name: options.attack,
      poisonCount: 1,
      targetClass: options.target,
      seed: options.seed ?? 1,
      ...(Object.keys(params).length > 0 ? { params } : {}),
    },
    source: 'flags',
  };
}

export async function evalCommand(options: EvalOptions, ctx: CommandContext): Promise<void> {
  const { cancellation } = ctx;
  const modelDir = path.resolve(options.model);
  await ctx.startRuntime();
  const files = await readModelFolder(modelDir);
  const model = await loadModelFromFiles(files).catch((error: unknown) => Promise.reject(inModelFolder(modelDir, error)));
  try {
    const attack = await resolveEvalAttack(options);
    const classNames = parseClassNames(options.classNames);
    const testSet = await loadTestSet({
      ...(options.dataset !== undefined ? { dataset: options.dataset } : {}),
      ...(options.data !== undefined ? { data: options.data } : {}),
      ...(classNames ? { classNames } : {}),
      recordedDataset: await readModelCardDataset(modelDir),
    });
    const test = testSet.images;
    const signature = assertModelFitsDataset(model, test);
    cancellation.check();
    const clean = await evaluateClean(model, test);
    cancellation.check();
    let measured: MeasuredAttack | null = null;
    if (attack) {
      const triggered = triggeredTestSet(createLabAttack(attack.spec), test);
      const { asr, arr } = await evaluateAttack(model, triggered, attack.spec.targetClass);
      measured = { ...attack, triggeredImages: triggered.labels.length, asr, arr };
      cancellation.check();
    }
    const report = buildEvalReport(modelDir, signature, testSet, clean, measured);
    ctx.output.result(report, () => evalReportLines(report, testSet));
  } finally {
    model.dispose();
  }
}
