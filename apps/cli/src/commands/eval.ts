/**
 * `antidote eval`: loads a model folder, checks it fits the test images, and reports CDA,
 * per-class accuracy and, when an attack is known (flags or antidote-attack.json), ASR/ARR.
 */
import { AntidoteError } from '@antidote/core/errors';
import { createLabAttack, type LabAttackName, type LabAttackSpec, triggeredSet } from '@antidote/core/lab';
import { evaluateAttack, evaluateClean } from '@antidote/core/metrics';
import { assertModelFitsDataset, loadModelFromFiles } from '@antidote/core/models';
import { parseAttackParams } from '../attack-params.ts';
import type { CommandContext } from '../context.ts';
import { formatCount, formatPercent, formatTable } from '../format.ts';
import { ATTACK_SPEC_FILE, inModelFolder, readAttackSpec, readModelCardDataset, readModelFolder } from '../model-folder.ts';
import { describeTestSet, loadTestSet } from '../test-set.ts';
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
      throw new AntidoteError('INVALID_INPUT', `${stray.join(', ')} describe an attack; add --attack NAME.`);
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
  const { output, cancellation } = ctx;
  await ctx.startRuntime();
  const files = await readModelFolder(options.model);
  let model: Awaited<ReturnType<typeof loadModelFromFiles>>;
  try {
    model = await loadModelFromFiles(files);
  } catch (error) {
    throw inModelFolder(options.model, error);
  }
  try {
    const attack = await resolveEvalAttack(options);
    const recordedDataset = await readModelCardDataset(options.model);
    const classNames = parseClassNames(options.classNames);
    const testSet = await loadTestSet({
      ...(options.dataset !== undefined ? { dataset: options.dataset } : {}),
      ...(options.data !== undefined ? { data: options.data } : {}),
      ...(classNames ? { classNames } : {}),
      recordedDataset,
    });
    const test = testSet.images;
    const signature = assertModelFitsDataset(model, test);
    cancellation.check();
    const clean = await evaluateClean(model, test);
    cancellation.check();
    let attackReport = null;
    if (attack) {
      const triggered = triggeredSet(createLabAttack(attack.spec), test);
      const measured = await evaluateAttack(model, triggered, attack.spec.targetClass);
      attackReport = {
        ...attack.spec,
        source: attack.source,
        targetName: test.classNames[attack.spec.targetClass] ?? null,
        triggeredImages: triggered.labels.length,
        asr: measured.asr,
        arr: measured.arr,
      };
    }
    cancellation.check();
    const result = {
      command: 'eval',
      model: { dir: options.model, inputShape: signature.inputShape, numClasses: signature.numClasses },
      testSet: { ...testSet.source, images: test.labels.length },
      cda: clean.cda,
      perClassAccuracy: clean.perClassAccuracy.map((accuracy, i) => ({
        classIndex: i,
        className: test.classNames[i] ?? String(i),
        accuracy,
      })),
      confusionMatrix: clean.confusionMatrix,
      attack: attackReport,
    };
    output.result(result, () => {
      const lines = [
        `Model ${options.model} (${signature.inputShape.join('x')} -> ${signature.numClasses} classes) on the ${describeTestSet(testSet)} (${formatCount(test.labels.length)} images)`,
        ...formatTable([['CDA', formatPercent(clean.cda), 'clean accuracy']], '  '),
        'Per-class accuracy:',
        ...formatTable(
          result.perClassAccuracy.map((c) => [String(c.classIndex), c.className, formatPercent(c.accuracy)]),
          '  ',
        ),
      ];
      if (attackReport) {
        const from = attackReport.source === 'flags' ? 'from the command line' : `from ${ATTACK_SPEC_FILE}`;
        lines.push(
          `Attack ${attackReport.name} -> class ${attackReport.targetClass} (${attackReport.targetName ?? '?'}), seed ${attackReport.seed}, ${from}:`,
          ...formatTable(
            [
              [
                'ASR',
                formatPercent(attackReport.asr),
                `of ${formatCount(attackReport.triggeredImages)} triggered non-target images go to the target`,
              ],
              ['ARR', formatPercent(attackReport.arr), 'of them are still classified correctly'],
            ],
            '  ',
          ),
        );
      } else {
        lines.push('No attack given (--attack NAME --target N) and no antidote-attack.json in the folder: ASR/ARR not measured.');
      }
      return lines;
    });
  } finally {
    model.dispose();
  }
}
