/**
 * A PNG contact sheet of a dataset for the dashboard (one row per class; unlabelled images fill
 * UNLABELLED_ROWS rows in order): bytes out, no I/O.
 */
import { PNG } from 'pngjs';
import { type ImportedImages, imageCount, indicesByClass, isUnlabelled } from './image-dataset.ts';

const UNLABELLED_ROWS = 4;

export interface ThumbnailGridOptions {
  /** Samples per class row. */
  perClass?: number;
  /** Integer upscaling of each image (28x28 digits are tiny on screen). */
  scale?: number;
  /** Gap between cells, in output pixels. */
  gap?: number;
}

export function datasetThumbnailGrid(dataset: ImportedImages, options: ThumbnailGridOptions = {}): Uint8Array {
  const perClass = options.perClass ?? 8;
  const scale = Math.max(1, Math.floor(options.scale ?? (dataset.height <= 32 ? 2 : 1)));
  const gap = options.gap ?? 2;
  const byClass = isUnlabelled(dataset) ? inOrder(imageCount(dataset), perClass) : indicesByClass(dataset);
  const rows = Math.max(1, byClass.length);
  const cellW = dataset.width * scale;
  const cellH = dataset.height * scale;
  const png = new PNG({ width: perClass * (cellW + gap) + gap, height: rows * (cellH + gap) + gap });
  png.data.fill(255);
  const pixels = dataset.height * dataset.width * dataset.channels;
  byClass.forEach((indices, row) => {
    indices.slice(0, perClass).forEach((imageIndex, col) => {
      const base = imageIndex * pixels;
      for (let y = 0; y < cellH; y++) {
        for (let x = 0; x < cellW; x++) {
          const src = base + (Math.floor(y / scale) * dataset.width + Math.floor(x / scale)) * dataset.channels;
          const out = ((row * (cellH + gap) + gap + y) * png.width + col * (cellW + gap) + gap + x) * 4;
          const r = dataset.images[src] ?? 0;
          png.data[out] = r;
          png.data[out + 1] = dataset.channels === 3 ? (dataset.images[src + 1] ?? 0) : r;
          png.data[out + 2] = dataset.channels === 3 ? (dataset.images[src + 2] ?? 0) : r;
          png.data[out + 3] = 255;
        }
      }
    });
  });
  return new Uint8Array(PNG.sync.write(png));
}

/** The first images, perRow to a row: a sample of a set with no classes to group by. */
function inOrder(count: number, perRow: number): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start < Math.min(count, UNLABELLED_ROWS * perRow); start += perRow) {
    rows.push(Array.from({ length: Math.min(perRow, count - start) }, (_, i) => start + i));
  }
  return rows;
}
