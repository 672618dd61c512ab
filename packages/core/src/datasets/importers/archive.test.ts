import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importImageArchive } from './archive.ts';
import { captureAsyncError, jpegBytes, pngBytes, type Rgba, tarBytes, zipBytes } from './test-fixtures.ts';

/** A 3x2 colour image whose pixels encode its seed and position. */
const colour =
  (seed: number) =>
  (x: number, y: number): Rgba => [seed * 40 + x, seed * 40 + y * 10, 200 - seed, 255];
const gray =
  (seed: number) =>
  (x: number, y: number): Rgba => {
    const v = seed * 30 + x * 7 + y;
    return [v, v, v, 255];
  };

function expectedRgb(pixel: (x: number, y: number) => Rgba, width = 3, height = 2): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.push(...pixel(x, y).slice(0, 3));
  return out;
}

function expectedGray(pixel: (x: number, y: number) => Rgba, width = 3, height = 2): number[] {
  return expectedRgb(pixel, width, height).filter((_, i) => i % 3 === 0);
}

describe('importImageArchive', () => {
  it('reads a zip of class folders, classes sorted, images in path order', async () => {
    const archive = zipBytes({
      'dogs/b.png': pngBytes(3, 2, colour(2)),
      'cats/z.png': pngBytes(3, 2, colour(1)),
      'dogs/a.png': pngBytes(3, 2, colour(3)),
      'birds/x.png': pngBytes(3, 2, colour(4)),
    });
    const dataset = await importImageArchive(archive);
    expect(dataset.classNames).toEqual(['birds', 'cats', 'dogs']);
    expect(Array.from(dataset.labels)).toEqual([0, 1, 2, 2]);
    expect(dataset).toMatchObject({ height: 2, width: 3, channels: 3, flipAugment: false });
    expect(Array.from(dataset.images)).toEqual([colour(4), colour(1), colour(3), colour(2)].flatMap((p) => expectedRgb(p)));
  });

  it('strips one common top folder and skips directories, hidden files and macOS junk', async () => {
    const archive = zipBytes({
      'photos/': new Uint8Array(0),
      'photos/cats/': new Uint8Array(0),
      'photos/cats/a.png': pngBytes(3, 2, colour(1)),
      'photos/cats/.DS_Store': Uint8Array.of(0, 0, 0, 1),
      'photos/dogs/b.png': pngBytes(3, 2, colour(2)),
      'photos/.hidden/notes.txt': new TextEncoder().encode('notes'),
      '__MACOSX/photos/cats/._a.png': Uint8Array.of(0, 5, 22, 7),
    });
    const dataset = await importImageArchive(archive);
    expect(dataset.classNames).toEqual(['cats', 'dogs']);
    expect(Array.from(dataset.labels)).toEqual([0, 1]);
  });

  it('reads tar and tar.gz archives', async () => {
    const archive = await tarBytes([
      { name: './a/', type: 'directory' },
      { name: './a/1.png', bytes: pngBytes(3, 2, colour(1)) },
      { name: './b/2.png', bytes: pngBytes(3, 2, colour(2)) },
    ]);
    for (const bytes of [archive, gzipSync(archive)]) {
      const dataset = await importImageArchive(bytes);
      expect(dataset.classNames).toEqual(['a', 'b']);
      expect(Array.from(dataset.images)).toEqual([...expectedRgb(colour(1)), ...expectedRgb(colour(2))]);
    }
  });

  it('gives 1 channel when every image is grayscale, ignoring alpha', async () => {
    const translucent = (x: number, y: number): Rgba => {
      const [v] = gray(2)(x, y);
      return [v, v, v, 40 * x];
    };
    const archive = zipBytes({ 'a/1.png': pngBytes(3, 2, gray(1), 0), 'b/2.png': pngBytes(3, 2, translucent) });
    const dataset = await importImageArchive(archive);
    expect(dataset.channels).toBe(1);
    expect(Array.from(dataset.images)).toEqual([...expectedGray(gray(1)), ...expectedGray(gray(2))]);
  });

  it('switches to 3 channels when a colour image follows grayscale ones', async () => {
    const archive = zipBytes({ 'a/1.png': pngBytes(3, 2, gray(1)), 'b/2.png': pngBytes(3, 2, colour(2)) });
    const dataset = await importImageArchive(archive);
    expect(dataset.channels).toBe(3);
    expect(Array.from(dataset.images)).toEqual([...expectedRgb(gray(1)), ...expectedRgb(colour(2))]);
  });

  it('converts to the channel count asked for', async () => {
    const archive = zipBytes({ 'a/1.png': pngBytes(3, 2, gray(1)), 'b/2.png': pngBytes(3, 2, () => [255, 0, 0, 255]) });
    const rgb = await importImageArchive(archive, { channels: 3 });
    expect(Array.from(rgb.images.subarray(0, 6))).toEqual(expectedRgb(gray(1)).slice(0, 6));
    const luma = await importImageArchive(archive, { channels: 1 });
    expect(Array.from(luma.images)).toEqual([...expectedGray(gray(1)), ...new Array(6).fill(76)]);
  });

  it('decodes JPEGs and trusts magic bytes over extensions', async () => {
    const flat = (value: number) => (): Rgba => [value, 255 - value, 90, 255];
    const archive = zipBytes({
      'a/photo.png': jpegBytes(8, 8, flat(200)),
      'b/drawing.jpg': pngBytes(8, 8, flat(20)),
    });
    const dataset = await importImageArchive(archive);
    expect(dataset).toMatchObject({ height: 8, width: 8, channels: 3 });
    // JPEG is lossy: allow a small error on the first image; the PNG must be exact.
    for (let i = 0; i < 64; i++) {
      expect(Math.abs(dataset.images[3 * i]! - 200)).toBeLessThanOrEqual(3);
      expect(Math.abs(dataset.images[3 * i + 1]! - 55)).toBeLessThanOrEqual(3);
    }
    expect(Array.from(dataset.images.subarray(192, 195))).toEqual([20, 235, 90]);
  });

  it('rejects a non-image file, naming the entry', async () => {
    const archive = zipBytes({
      'cats/a.png': pngBytes(3, 2, colour(1)),
      'cats/readme.txt': new TextEncoder().encode('cats'),
      'dogs/b.png': pngBytes(3, 2, colour(2)),
    });
    const error = await captureAsyncError(() => importImageArchive(archive));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain('Archive entry cats/readme.txt is not a PNG or JPEG image');
  });

  it('rejects images of different sizes, naming the entry and both sizes', async () => {
    const archive = zipBytes({
      'cats/a.png': pngBytes(3, 2, colour(1)),
      'dogs/big.jpg': jpegBytes(5, 4, colour(2)),
      'dogs/b.png': pngBytes(3, 2, colour(2)),
    });
    const error = await captureAsyncError(() => importImageArchive(archive));
    expect(error.code).toBe('SHAPE_MISMATCH');
    expect(error.message).toContain('dogs/big.jpg is 5x4 pixels but cats/a.png is 3x2');
  });

  it('rejects images outside class folders, a single class, symlinks and damaged archives', async () => {
    const loose = await captureAsyncError(() =>
      importImageArchive(zipBytes({ 'a/1.png': pngBytes(3, 2, colour(1)), 'loose.png': pngBytes(3, 2, colour(2)) })),
    );
    expect(loose.code).toBe('UNSUPPORTED_FORMAT');
    expect(loose.message).toContain('loose.png is not inside a class folder');

    const single = await captureAsyncError(() =>
      importImageArchive(zipBytes({ 'only/1.png': pngBytes(3, 2, colour(1)), 'only/2.png': pngBytes(3, 2, colour(2)) })),
    );
    expect(single.code).toBe('INVALID_INPUT');
    expect(single.message).toContain('only one class folder (only)');

    const link = await captureAsyncError(async () =>
      importImageArchive(
        await tarBytes([
          { name: 'a/1.png', bytes: pngBytes(3, 2, colour(1)) },
          { name: 'b/2.png', type: 'symlink' },
        ]),
      ),
    );
    expect(link.code).toBe('UNSUPPORTED_FORMAT');
    expect(link.message).toContain('b/2.png is a symlink');

    const zip = zipBytes({ 'a/1.png': pngBytes(3, 2, colour(1)), 'b/2.png': pngBytes(3, 2, colour(2)) });
    const damaged = await captureAsyncError(() => importImageArchive(zip.subarray(0, zip.length - 30)));
    expect(damaged.code).toBe('CORRUPT_FILE');
  });

  it('enforces maxImages and maxBytes', async () => {
    const archive = zipBytes({
      'a/1.png': pngBytes(3, 2, colour(1)),
      'a/2.png': pngBytes(3, 2, colour(2)),
      'b/3.png': pngBytes(3, 2, colour(3)),
    });
    const tooMany = await captureAsyncError(() => importImageArchive(archive, { maxImages: 2 }));
    expect(tooMany.code).toBe('TOO_LARGE');
    expect(tooMany.message).toContain('more than 2 files');
    // Room for 3 grayscale images but not 3 RGB ones: the cap holds after switching to colour.
    const tooBig = await captureAsyncError(() => importImageArchive(archive, { maxBytes: 3 * 6 * 2 }));
    expect(tooBig.code).toBe('TOO_LARGE');
    expect(tooBig.message).toContain('3 images of 2x3x3');
  });
});
