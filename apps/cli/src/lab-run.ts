/**
 * The shared body of `train`, `poison` and `demo`: load a built-in dataset, train a model with
 * `trainLabModel` (clean or poisoned) behind a progress bar, save the model folder with its
 * sidecars, and report the measured numbers.
 */
import path from 'node:path';
import { type BuiltinDatasetName, loadBuiltinDataset } from '@antidote/core/datasets';
import { DEFAULT_RECIPE, type LabAttackSpec, type TrainRecipe, trainLabModel } from '@antidote/core/lab';
import { saveModelToFiles } from '@antidote/core/models';
import type { CommandContext } from './context.ts';
import { formatClass, formatCount, formatDuration, formatPercent, formatTable } from './format.ts';
import { assertOutputFolder, removeAttackSpec, writeAttackSpec, writeModelCard, writeModelFolder } from './model-folder.ts';
import { createProgressReporter } from './progress.ts';

export interface LabRunOptions {
  dataset: string;
  recipe: Partial<TrainRecipe>;
  attack?: LabAttackSpec;
  out: string;
}

export interface LabRunReport {
  dataset: { name: BuiltinDatasetName; trainImages: number; testImages: number; classNames: readonly string[] };
  recipe: TrainRecipe;
  attack: (LabAttackSpec & { poisonedImages: number }) | null;
  backend: string;
  cda: number;
  asr: number | null;
  arr: number | null;
  trainSeconds: number;
  wallSeconds: number;
  imagesPerSecond: number;
  model: { dir: string; files: string[] };
}

function describeRecipe(recipe: TrainRecipe): string {
  const epochs = `${recipe.epochs} epoch${recipe.epochs === 1 ? '' : 's'}`;
  return `${recipe.architecture}, ${epochs}, batch ${recipe.batchSize}, ${recipe.optimizer} lr ${recipe.learningRate}, seed ${recipe.seed}`;
}

export async function runLabTraining(ctx: CommandContext, options: LabRunOptions): Promise<LabRunReport> {
  const { output, cancellation } = ctx;
  const outDir = path.resolve(options.out);
  await assertOutputFolder(outDir);
  const runtime = await ctx.startRuntime();
  const recipe: TrainRecipe = { ...DEFAULT_RECIPE, ...options.recipe };
  const { name, train, test } = loadBuiltinDataset(options.dataset);
  cancellation.check();
  const what = options.attack
    ? `${options.attack.name}-poisoned model (${options.attack.poisonCount} poisoned images -> class ${options.attack.targetClass})`
    : 'clean model';
  output.note(
    `Training a ${what} on ${name} (${formatCount(train.labels.length)} images): ${describeRecipe(recipe)}, ${runtime.backend} backend.`,
  );
  const progress = createProgressReporter(output, options.attack ? 'poison' : 'train', cancellation.signal);
  progress.start(Math.round(recipe.epochs * Math.ceil(train.labels.length / recipe.batchSize)));
  let result: Awaited<ReturnType<typeof trainLabModel>>;
  try {
    result = await trainLabModel({
      train,
      test,
      recipe,
      ...(options.attack ? { attack: options.attack } : {}),
      signal: cancellation.signal,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
  }
  try {
    // Ctrl-C during the final evaluation: stop before saving anything.
    cancellation.check();
    const files = await writeModelFolder(outDir, await saveModelToFiles(result.model));
    if (options.attack) {
      await writeAttackSpec(outDir, options.attack);
      files.push('antidote-attack.json');
    } else {
      await removeAttackSpec(outDir);
    }
    await writeModelCard(outDir, {
      dataset: name,
      architecture: recipe.architecture,
      recipe: { ...recipe },
      cda: result.cda,
      asr: result.asr,
      arr: result.arr,
      backend: runtime.backend,
      trainSeconds: result.trainSeconds,
      createdAt: new Date().toISOString(),
    });
    files.push('antidote-model.json');
    return {
      dataset: { name, trainImages: train.labels.length, testImages: test.labels.length, classNames: train.classNames },
      recipe: result.recipe,
      attack: options.attack ? { ...options.attack, poisonedImages: result.poisonedIndices.length } : null,
      backend: runtime.backend,
      cda: result.cda,
      asr: result.asr,
      arr: result.arr,
      trainSeconds: result.trainSeconds,
      wallSeconds: (performance.now() - ctx.startedAt) / 1000,
      imagesPerSecond: result.imagesPerSecond,
      model: { dir: outDir, files },
    };
  } finally {
    result.model.dispose();
  }
}

/** The human summary of a training run (the --json output is the report itself). */
export function labReportLines(report: LabRunReport): string[] {
  const rows: string[][] = [
    ['CDA', formatPercent(report.cda), `clean accuracy on ${formatCount(report.dataset.testImages)} test images`],
  ];
  if (report.attack && report.asr !== null && report.arr !== null) {
    const target = formatClass(report.attack.targetClass, report.dataset.classNames);
    rows.push(
      ['ASR', formatPercent(report.asr), `triggered non-target test images classified as ${target}`],
      ['ARR', formatPercent(report.arr), 'triggered test images still classified correctly'],
    );
  }
  rows.push(
    [
      'Wall time',
      formatDuration(report.wallSeconds),
      `training ${formatDuration(report.trainSeconds)} at ${formatCount(report.imagesPerSecond)} img/s`,
    ],
    ['Saved', report.model.dir, report.model.files.join(', ')],
  );
  return formatTable(rows, '  ');
}
