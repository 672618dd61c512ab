/** What `antidote eval` measured, as the --json document and as human lines. */
import type { LabAttackSpec } from '@antidote/core/lab';
import type { CleanReport } from '@antidote/core/metrics';
import type { ModelSignature } from '@antidote/core/models';
import { formatClass, formatCount, formatPercent, formatTable } from './format.ts';
import { ATTACK_SPEC_FILE } from './model-folder.ts';
import { describeTestSet, type TestSet } from './test-set.ts';

export interface MeasuredAttack {
  spec: LabAttackSpec;
  source: 'flags' | typeof ATTACK_SPEC_FILE;
  triggeredImages: number;
  asr: number;
  arr: number;
}

export function buildEvalReport(
  modelDir: string,
  signature: ModelSignature,
  testSet: TestSet,
  clean: CleanReport,
  attack: MeasuredAttack | null,
) {
  const classNames = testSet.images.classNames;
  let attackReport = null;
  if (attack) {
    const { poisonCount, ...spec } = attack.spec;
    attackReport = {
      ...spec,
      // Only a saved spec knows how many images were poisoned; flags describe the trigger alone.
      ...(attack.source === ATTACK_SPEC_FILE ? { poisonCount } : {}),
      source: attack.source,
      targetName: classNames[spec.targetClass] ?? null,
      triggeredImages: attack.triggeredImages,
      asr: attack.asr,
      arr: attack.arr,
    };
  }
  return {
    command: 'eval' as const,
    model: { dir: modelDir, inputShape: signature.inputShape, numClasses: signature.numClasses },
    testSet: { ...testSet.source, images: testSet.images.labels.length },
    cda: clean.cda,
    perClassAccuracy: clean.perClassAccuracy.map((accuracy, i) => ({
      classIndex: i,
      className: classNames[i] ?? String(i),
      accuracy,
    })),
    confusionMatrix: clean.confusionMatrix,
    attack: attackReport,
  };
}

export type EvalReport = ReturnType<typeof buildEvalReport>;

export function evalReportLines(report: EvalReport, testSet: TestSet): string[] {
  const { inputShape, numClasses } = report.model;
  const lines = [
    `Model ${report.model.dir} (${inputShape.join('x')} -> ${numClasses} classes) on the ${describeTestSet(testSet)} (${formatCount(report.testSet.images)} images)`,
    ...formatTable([['CDA', formatPercent(report.cda), 'clean accuracy']], '  '),
    'Per-class accuracy:',
    ...formatTable(
      report.perClassAccuracy.map((c) =>
        c.className === String(c.classIndex)
          ? [c.className, formatPercent(c.accuracy)]
          : [String(c.classIndex), c.className, formatPercent(c.accuracy)],
      ),
      '  ',
    ),
  ];
  const attack = report.attack;
  if (!attack) {
    lines.push(`No attack given (--attack NAME --target N) and no ${ATTACK_SPEC_FILE} in the folder: ASR/ARR not measured.`);
    return lines;
  }
  const from = attack.source === 'flags' ? 'from the command line' : `from ${ATTACK_SPEC_FILE}`;
  lines.push(
    `Attack ${attack.name} -> class ${formatClass(attack.targetClass, testSet.images.classNames)}, seed ${attack.seed}, ${from}:`,
    ...formatTable(
      [
        [
          'ASR',
          formatPercent(attack.asr),
          `of ${formatCount(attack.triggeredImages)} triggered non-target images go to the target`,
        ],
        ['ARR', formatPercent(attack.arr), 'of them are still classified correctly'],
      ],
      '  ',
    ),
  );
  return lines;
}
