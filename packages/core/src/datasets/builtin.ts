/**
 * Built-in real datasets shipped as npm packages (no download at run time): Fashion-MNIST
 * (`fashion-mnist`, 7,000 images per class) and MNIST (`mnist`, ~1,000 digits per class).
 * Reading the packaged JSON is the only file access in core; it is read-only package data.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AntidoteError } from '../errors.ts';
import { type ImageDataset, validateDataset } from './image-dataset.ts';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export const BUILTIN_DATASETS = ['fashion-mnist', 'mnist'] as const;
export type BuiltinDatasetName = (typeof BUILTIN_DATASETS)[number];

export interface TrainTestSplit {
  name: BuiltinDatasetName;
  train: ImageDataset;
  test: ImageDataset;
}

const PIXELS = 28 * 28;
const require = createRequire(import.meta.url);

/**
 * Streams the numbers out of the packaged JSON bytes. JSON.parse would build ~55M boxed JS
 * numbers (gigabytes) for Fashion-MNIST; this scan allocates only the output. Plain integers (all
 * of Fashion-MNIST) are accumulated digit by digit straight from the bytes: decoding the text and
 * slicing a string per number was most of a benchmark job's start-up. Anything else (MNIST's
 * 0..1 floats) goes through Number(). `scale` maps MNIST's 0..1 floats to 0..255.
 */
function parseNumbers(bytes: Buffer, scale: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 2));
  let count = 0;
  let i = bytes.indexOf(91); // '['
  const n = bytes.length;
  while (i >= 0 && i < n) {
    const c = bytes[i] as number;
    if ((c >= 48 && c <= 57) || c === 46) {
      const start = i;
      let integer = 0;
      let plain = true;
      while (i < n) {
        const d = bytes[i] as number;
        if (d >= 48 && d <= 57) integer = integer * 10 + (d - 48);
        else if (d === 46 || d === 101 || d === 69 || d === 45) plain = false;
        else break;
        i++;
      }
      const parsed = plain ? integer : Number(bytes.toString('latin1', start, i));
      const value = scale === 1 ? parsed : Math.round(parsed * scale);
      out[count++] = value < 0 ? 0 : Math.min(value, 255);
    } else {
      i++;
    }
  }
  return out.subarray(0, count);
}

function packageFile(packageName: string, relative: string): string {
  try {
    return path.join(path.dirname(require.resolve(`${packageName}/package.json`)), relative);
  } catch (cause) {
    throw new AntidoteError('NOT_FOUND', `The dataset package "${packageName}" is not installed; run npm ci.`, { cause });
  }
}

interface ClassImages {
  label: number;
  pixels: Uint8Array;
}

function readClasses(packageName: string, folder: string, scale: number): ClassImages[] {
  return Array.from({ length: 10 }, (_, label) => {
    const pixels = parseNumbers(readFileSync(packageFile(packageName, `src/${folder}/${label}.json`)), scale);
    if (pixels.length % PIXELS !== 0) {
      throw new AntidoteError(
        'CORRUPT_FILE',
        `${packageName} class ${label} holds ${pixels.length} values, not a multiple of 784.`,
      );
    }
    return { label, pixels };
  });
}

function assemble(
  classes: ClassImages[],
  pick: (perClass: number) => { trainCount: number; testCount: number },
  classNames: readonly string[],
  flipAugment: boolean,
): { train: ImageDataset; test: ImageDataset } {
  const parts = classes.map(({ label, pixels }) => ({ label, perClass: pixels.length / PIXELS, pixels }));
  const plan = parts.map((p) => ({ ...p, ...pick(p.perClass) }));
  const build = (which: 'train' | 'test'): ImageDataset => {
    const total = plan.reduce((n, p) => n + (which === 'train' ? p.trainCount : p.testCount), 0);
    const images = new Uint8Array(total * PIXELS);
    const labels = new Int32Array(total);
    // Interleave classes (image i of every class, then i+1, ...) so that any prefix is balanced.
    const maxPerClass = Math.max(...plan.map((p) => (which === 'train' ? p.trainCount : p.testCount)));
    let k = 0;
    for (let i = 0; i < maxPerClass; i++) {
      for (const p of plan) {
        const count = which === 'train' ? p.trainCount : p.testCount;
        if (i >= count) continue;
        const source = which === 'train' ? i : p.trainCount + i;
        images.set(p.pixels.subarray(source * PIXELS, (source + 1) * PIXELS), k * PIXELS);
        labels[k++] = p.label;
      }
    }
    return validateDataset({ images, labels, height: 28, width: 28, channels: 1, classNames, flipAugment });
  };
  return { train: build('train'), test: build('test') };
}

const cache = new Map<BuiltinDatasetName, TrainTestSplit>();

/**
 * Fashion-MNIST with the deterministic split of the original dataset: the package stores each
 * class's 6,000 training images first, then its 1,000 test images. Clothing survives a
 * horizontal flip, so flip augmentation is allowed (unlike digits).
 */
export function loadFashionMnist(): TrainTestSplit {
  const cached = cache.get('fashion-mnist');
  if (cached) return cached;
  const classes = readClasses('fashion-mnist', 'clothes', 1);
  const split = assemble(classes, () => ({ trainCount: 6000, testCount: 1000 }), FASHION_MNIST_CLASSES, true);
  const result = { name: 'fashion-mnist' as const, ...split };
  cache.set('fashion-mnist', result);
  return result;
}

/** MNIST digits from the `mnist` package (~1,000 per class): the first 85% of each class train, the rest test. */
export function loadMnist(): TrainTestSplit {
  const cached = cache.get('mnist');
  if (cached) return cached;
  const classes = readClasses('mnist', 'digits', 255);
  const split = assemble(
    classes,
    (perClass) => {
      const trainCount = Math.round(perClass * 0.85);
      return { trainCount, testCount: perClass - trainCount };
    },
    MNIST_CLASSES,
    false,
  );
  const result = { name: 'mnist' as const, ...split };
  cache.set('mnist', result);
  return result;
}

export function loadBuiltinDataset(name: string): TrainTestSplit {
  if (name === 'fashion-mnist') return loadFashionMnist();
  if (name === 'mnist') return loadMnist();
  throw new AntidoteError('NOT_FOUND', `Unknown built-in dataset "${name}"; choose one of ${BUILTIN_DATASETS.join(', ')}.`);
}
