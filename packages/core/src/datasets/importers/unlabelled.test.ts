import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { imageCount, isUnlabelled } from '../image-dataset.ts';
import { importImageArchive } from './archive.ts';
import { importIdxImages } from './idx.ts';
import { importDataset } from './import-dataset.ts';
import { importNpyImages } from './npy.ts';
import {
  captureAsyncError,
  captureError,
  idxBytes,
  int64Bytes,
  npyBytes,
  pngBytes,
  type Rgba,
  tarBytes,
  zipBytes,
} from './test-fixtures.ts';

const file = (name: string, bytes: Uint8Array) => ({ name, bytes });
const flat = (value: number) => (): Rgba => [value, value, value, 255];
// Two 2x3 images whose pixels encode (image, row, column), so any misplacement shows.
const PIXELS = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => 7 * i + 3);

describe('unlabelled images', () => {
  it('reads a lone IDX images file, gzipped or not, as unlabelled', () => {
    for (const bytes of [idxBytes(0x08, [2, 2, 3], PIXELS), gzipSync(idxBytes(0x08, [2, 2, 3], PIXELS))]) {
      const images = importIdxImages({ images: bytes });
      expect(images).toMatchObject({ labelled: false, height: 2, width: 3, channels: 1, flipAugment: false });
      expect(images).not.toHaveProperty('labels');
      expect(Array.from(images.images)).toEqual(Array.from(PIXELS));
      expect(imageCount(images)).toBe(2);
    }
    expect(captureError(() => importIdxImages({ images: idxBytes(0x08, [2], Uint8Array.of(0, 1)) })).message).toContain(
      'looks like a labels file',
    );
  });

  it('reads a lone .npy images array, NCHW or NHW, as unlabelled', () => {
    const nchw = importNpyImages({ images: npyBytes('|u1', [1, 3, 1, 2], Uint8Array.of(1, 2, 10, 20, 100, 200)) });
    expect(nchw).toMatchObject({ labelled: false, height: 1, width: 2, channels: 3 });
    expect(Array.from(nchw.images)).toEqual([1, 10, 100, 2, 20, 200]);
    const gray = importNpyImages({ images: npyBytes('|u1', [2, 2, 3], PIXELS), flipAugment: true });
    expect(gray).toMatchObject({ labelled: false, channels: 1, flipAugment: true });
    expect(imageCount(gray)).toBe(2);
  });

  it('reads archives of images not in class folders as unlabelled, only when allowed', async () => {
    const root = zipBytes({ 'b.png': pngBytes(3, 2, flat(20)), 'a.png': pngBytes(3, 2, flat(10)) });
    const oneFolder = await tarBytes([
      { name: 'photos/b.png', bytes: pngBytes(3, 2, flat(20)) },
      { name: 'photos/a.png', bytes: pngBytes(3, 2, flat(10)) },
    ]);
    for (const bytes of [root, oneFolder]) {
      const images = await importImageArchive(bytes, { allowUnlabelled: true });
      expect(isUnlabelled(images)).toBe(true);
      expect(images).not.toHaveProperty('labels');
      expect(images).toMatchObject({ height: 2, width: 3, channels: 1 });
      // path order, as for labelled archives
      expect(Array.from(images.images)).toEqual([...new Array(6).fill(10), ...new Array(6).fill(20)]);
    }
    expect((await captureAsyncError(() => importImageArchive(root))).message).toContain('a.png is not inside a class folder');
    expect((await captureAsyncError(() => importImageArchive(oneFolder))).message).toContain('only one class folder (photos)');
    // loose images next to class folders stay an error: which is which cannot be guessed
    const mixed = zipBytes({ 'a/1.png': pngBytes(3, 2, flat(1)), 'loose.png': pngBytes(3, 2, flat(2)) });
    const error = await captureAsyncError(() => importImageArchive(mixed, { allowUnlabelled: true }));
    expect(error.message).toContain('loose.png is not inside a class folder');
  });

  it('routes lone images files to the unlabelled readers and keeps labelled data labelled', async () => {
    const idx = await importDataset([file('images-idx3-ubyte', idxBytes(0x08, [2, 2, 3], PIXELS))], { allowUnlabelled: true });
    expect(isUnlabelled(idx)).toBe(true);
    const npy = await importDataset([file('x.npy', npyBytes('|u1', [2, 2, 3], PIXELS))], { allowUnlabelled: true });
    expect(isUnlabelled(npy)).toBe(true);

    const pair = [file('x.npy', npyBytes('|u1', [2, 2, 3], PIXELS)), file('y.npy', npyBytes('<i8', [2], int64Bytes([1, 0])))];
    const labelled = await importDataset(pair, { allowUnlabelled: true });
    expect(isUnlabelled(labelled)).toBe(false);
    expect(labelled).toMatchObject({ classNames: ['0', '1'] });
    expect(Array.from(!isUnlabelled(labelled) ? labelled.labels : [])).toEqual([1, 0]);
    const classFolders = zipBytes({ 'cats/1.png': pngBytes(3, 2, flat(1)), 'dogs/2.png': pngBytes(3, 2, flat(2)) });
    const archive = await importDataset([file('pets.zip', classFolders)], { allowUnlabelled: true });
    expect(isUnlabelled(archive)).toBe(false);
    expect(archive).toMatchObject({ classNames: ['cats', 'dogs'] });

    // without the option, labels stay required
    const lone = await captureAsyncError(() => importDataset([file('x.npy', npyBytes('|u1', [2, 2, 3], PIXELS))]));
    expect(lone.message).toContain('two files, images and labels');
    // a labels file alone is not images
    const labelsOnly = await captureAsyncError(() =>
      importDataset([file('y.npy', npyBytes('<i8', [2], int64Bytes([1, 0])))], { allowUnlabelled: true }),
    );
    expect(labelsOnly.code).toBe('INVALID_INPUT');
  });
});
