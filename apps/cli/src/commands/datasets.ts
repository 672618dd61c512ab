/** `antidote datasets`: the built-in datasets, or a summary of user files read with `--import`. */
import {
  BUILTIN_DATASETS,
  classHistogram,
  detectDatasetFormat,
  type ImageDataset,
  importDataset,
  loadBuiltinDataset,
} from '@antidote/core/datasets';
import type { CommandContext } from '../context.ts';
import { formatCount, formatTable } from '../format.ts';
import { readInputFiles } from '../input-files.ts';

export interface DatasetsOptions {
  import?: string[];
  classNames?: string;
}

interface SplitSummary {
  images: number;
  classHistogram: number[];
}

function splitSummary(dataset: ImageDataset): SplitSummary {
  return { images: dataset.labels.length, classHistogram: classHistogram(dataset) };
}

function shapeText(dataset: Pick<ImageDataset, 'height' | 'width' | 'channels'>): string {
  return `${dataset.height}x${dataset.width}x${dataset.channels}`;
}

function histogramRows(classNames: readonly string[], histogram: readonly number[]): string[][] {
  return classNames.map((name, i) => [String(i), name, formatCount(histogram[i] ?? 0)]);
}

export function parseClassNames(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((name) => name.trim());
}

export async function datasetsCommand(options: DatasetsOptions, ctx: CommandContext): Promise<void> {
  if (options.import) {
    await importSummary(options.import, options, ctx);
    return;
  }
  const datasets = BUILTIN_DATASETS.map((name) => {
    const { train, test } = loadBuiltinDataset(name);
    return {
      name,
      shape: [train.height, train.width, train.channels],
      classNames: [...train.classNames],
      train: splitSummary(train),
      test: splitSummary(test),
    };
  });
  ctx.output.result({ datasets }, () =>
    datasets.flatMap((d) => [
      `${ctx.output.style(d.name, 'bold')}  ${d.shape.join('x')}  train ${formatCount(d.train.images)}  test ${formatCount(d.test.images)}`,
      `  classes: ${d.classNames.map((name, i) => (name === String(i) ? name : `${i} ${name}`)).join(', ')}`,
    ]),
  );
}

async function importSummary(paths: string[], options: DatasetsOptions, ctx: CommandContext): Promise<void> {
  const files = await readInputFiles(paths);
  const classNames = parseClassNames(options.classNames);
  const dataset = await importDataset(files, classNames ? { classNames } : {});
  const histogram = classHistogram(dataset);
  const first = files[0];
  const detected = first ? detectDatasetFormat(first.bytes) : null;
  const summary = {
    files: files.map((f) => f.name),
    format: detected?.format ?? 'unknown',
    gzipped: detected?.gzipped ?? false,
    images: dataset.labels.length,
    shape: [dataset.height, dataset.width, dataset.channels],
    classNames: [...dataset.classNames],
    classHistogram: histogram,
  };
  ctx.output.result(summary, () => [
    `Imported ${summary.files.join(', ')} (${summary.format}${summary.gzipped ? ', gzipped' : ''}):`,
    ...formatTable(
      [
        ['Images', formatCount(summary.images)],
        ['Shape', shapeText(dataset)],
        ['Classes', String(dataset.classNames.length)],
      ],
      '  ',
    ),
    'Class histogram:',
    ...formatTable(histogramRows(dataset.classNames, histogram), '  '),
  ]);
}
