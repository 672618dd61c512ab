/** A PNG contact sheet of a dataset (one row per class) for the dashboard: bytes out, no I/O. */
import { PNG } from 'pngjs';
import { type ImageDataset, indicesByClass } from './image-dataset.ts';

export interface ThumbnailGridOptions {
  /** Samples per class row. */
  perClass?: number;
  /** Integer upscaling of each image (28x28 digits are tiny on screen). */
  scale?: number;
  /** Gap between cells, in output pixels. */
  gap?: number;
}

export function datasetThumbnailGrid(dataset: ImageDataset, options: ThumbnailGridOptions = {}): Uint8Array {
  const perClass = options.perClass ?? 8;
  const scale = Math.max(1, Math.floor(options.scale ?? (dataset.height <= 32 ? 2 : 1)));
  const gap = options.gap ?? 2;
  const byClass = indicesByClass(dataset);
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
