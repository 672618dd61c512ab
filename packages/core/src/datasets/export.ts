/**
 * Images and datasets back to files: PNG for one image (e.g. an inverted trigger shown in the UI)
 * and a zip of class folders that `importImageArchive` reads back with the same labels.
 */
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { AntidoteError } from '../errors.ts';
import { type ImageDataset, imageSize } from './image-dataset.ts';

export interface PixelImage {
  /** HWC pixels: floats in [0, 1] (Float32Array) or bytes 0..255 (Uint8Array). */
  pixels: Float32Array | Uint8Array;
  height: number;
  width: number;
  /** 1 (grayscale), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

export interface PngOptions {
  /** Integer nearest-neighbour upscaling, so tiny images stay visible. Default 1. */
  scale?: number;
}

/** Encodes an image as an RGBA PNG. */
export function encodePng(image: PixelImage, options: PngOptions = {}): Uint8Array {
  const { pixels, height, width, channels } = image;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) {
    throw new AntidoteError('INVALID_INPUT', `scale must be an integer in 1..64, got ${scale}.`);
  }
  if (![1, 3, 4].includes(channels) || !(height > 0 && width > 0) || pixels.length !== height * width * channels) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Cannot encode ${pixels.length} values as a ${height}x${width}x${channels} image (1, 3 or 4 channels).`,
    );
  }
  const toByte =
    pixels instanceof Uint8Array
      ? (v: number) => v
      : (v: number) => (Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0);
  const png = new PNG({ width: width * scale, height: height * scale });
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const src = (Math.floor(y / scale) * width + Math.floor(x / scale)) * channels;
      const dst = (y * width * scale + x) * 4;
      const r = toByte(pixels[src] ?? 0);
      png.data[dst] = r;
      png.data[dst + 1] = channels === 1 ? r : toByte(pixels[src + 1] ?? 0);
      png.data[dst + 2] = channels === 1 ? r : toByte(pixels[src + 2] ?? 0);
      png.data[dst + 3] = channels === 4 ? toByte(pixels[src + 3] ?? 0) : 255;
    }
  }
  const encoded = PNG.sync.write(png);
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/**
 * A zip of `<NN>_<class>/<index>.png`, readable by `importImageArchive` / `importDataset`. Folder
 * names start with the class index so that the importer's sorted class order keeps every label;
 * the class names read back carry that prefix.
 */
export function exportImageArchive(dataset: ImageDataset): Uint8Array {
  const { height, width, channels, classNames } = dataset;
  const size = imageSize(dataset);
  const digits = String(Math.max(0, classNames.length - 1)).length;
  const folders = classNames.map((name, i) => `${String(i).padStart(digits, '0')}_${name.replace(/[^A-Za-z0-9._-]+/g, '-')}`);
  const files: Record<string, Uint8Array> = {};
  const imageDigits = String(Math.max(0, dataset.labels.length - 1)).length;
  dataset.labels.forEach((label, i) => {
    const folder = folders[label];
    if (folder === undefined) throw new AntidoteError('CLASS_MISMATCH', `Label ${label} of image ${i} has no class name.`);
    const pixels = dataset.images.subarray(i * size, (i + 1) * size);
    files[`${folder}/${String(i).padStart(imageDigits, '0')}.png`] = encodePng({ pixels, height, width, channels });
  });
  // PNG data is already deflated.
  return zipSync(files, { level: 0, mtime: new Date('2000-01-01T00:00:00Z') });
}
