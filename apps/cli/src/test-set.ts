/**
 * The images `eval` measures on: a built-in dataset's test split (`--dataset`), user files
 * (`--data`, any format importDataset reads), or the dataset recorded in antidote-model.json.
 */
import { BUILTIN_DATASETS, type ImageDataset, importDataset, loadBuiltinDataset } from '@antidote/core/datasets';
import { AntidoteError } from '@antidote/core/errors';
import { readInputFiles } from './input-files.ts';

export const DEFAULT_EVAL_DATASET = 'fashion-mnist';

export interface TestSetChoice {
  dataset?: string;
  data?: string[];
  classNames?: readonly string[];
  /** The dataset named in the model folder's antidote-model.json, if any. */
  recordedDataset?: string | null;
}

export interface TestSet {
  /** Where the images came from, for messages and the JSON output. */
  source: { kind: 'builtin'; name: string; split: 'test' } | { kind: 'files'; files: string[] };
  images: ImageDataset;
}

export async function loadTestSet(choice: TestSetChoice): Promise<TestSet> {
  if (choice.dataset !== undefined && choice.data !== undefined) {
    throw new AntidoteError('INVALID_INPUT', 'Give either --dataset (a built-in dataset) or --data (your files), not both.');
  }
  if (choice.data !== undefined) {
    const files = await readInputFiles(choice.data);
    const images = await importDataset(files, choice.classNames ? { classNames: choice.classNames } : {});
    return { source: { kind: 'files', files: files.map((f) => f.name) }, images };
  }
  const name = choice.dataset ?? choice.recordedDataset ?? DEFAULT_EVAL_DATASET;
  if (!(BUILTIN_DATASETS as readonly string[]).includes(name)) {
    throw new AntidoteError('NOT_FOUND', `Unknown built-in dataset "${name}"; choose one of ${BUILTIN_DATASETS.join(', ')}.`);
  }
  return { source: { kind: 'builtin', name, split: 'test' }, images: loadBuiltinDataset(name).test };
}

export function describeTestSet(testSet: TestSet): string {
  return testSet.source.kind === 'builtin' ? `${testSet.source.name} test split` : `imported ${testSet.source.files.join(', ')}`;
}
