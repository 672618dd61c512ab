import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importDataset } from './import-dataset.ts';
import { captureAsyncError, cifarRecord, idxBytes, int64Bytes, npyBytes, pngBytes, tarBytes, zipBytes } from './test-fixtures.ts';

const file = (name: string, bytes: Uint8Array) => ({ name, bytes });

describe('importDataset', () => {
  it('imports a single archive with the given options', async () => {
    const archive = await tarBytes([
      { name: 'x/1.png', bytes: pngBytes(2, 2, () => [9, 9, 9, 255]) },
      { name: 'y/2.png', bytes: pngBytes(2, 2, () => [5, 5, 5, 255]) },
    ]);
    const dataset = await importDataset([file('data.tar.gz', gzipSync(archive))], { channels: 3, flipAugment: true });
    expect(dataset).toMatchObject({ classNames: ['x', 'y'], channels: 3, flipAugment: true });
    expect(Array.from(dataset.images)).toEqual([...new Array(12).fill(9), ...new Array(12).fill(5)]);
  });

  it('pairs IDX images and labels by content, whatever their order and names', async () => {
    const images = gzipSync(idxBytes(0x08, [2, 1, 2], Uint8Array.of(1, 2, 3, 4)));
    const labels = idxBytes(0x08, [2], Uint8Array.of(1, 0));
    const dataset = await importDataset([file('a', labels), file('b', images)], { classNames: ['no', 'yes'] });
    expect(Array.from(dataset.images)).toEqual([1, 2, 3, 4]);
    expect(Array.from(dataset.labels)).toEqual([1, 0]);
    expect(dataset.classNames).toEqual(['no', 'yes']);
  });

  it('pairs .npy images and labels and passes the layout', async () => {
    const nchw = npyBytes('|u1', [1, 3, 1, 2], Uint8Array.of(1, 2, 10, 20, 100, 200));
    const labels = npyBytes('<i8', [1], int64Bytes([1]));
    const dataset = await importDataset([file('y.npy', labels), file('x.npy', nchw)], { layout: 'NCHW', classNames: ['a', 'b'] });
    expect(dataset).toMatchObject({ height: 1, width: 2, channels: 3 });
    expect(Array.from(dataset.images)).toEqual([1, 10, 100, 2, 20, 200]);
  });

  it('concatenates CIFAR-10 batches', async () => {
    const dataset = await importDataset([
      file(
        'data_batch_1.bin',
        cifarRecord(4, () => 1),
      ),
      file(
        'test_batch.bin',
        cifarRecord(8, () => 2),
      ),
    ]);
    expect(Array.from(dataset.labels)).toEqual([4, 8]);
    expect(dataset.classNames[8]).toBe('ship');
  });

  it('rejects an unknown format, naming the file and listing the supported formats', async () => {
    const error = await captureAsyncError(() => importDataset([file('train.csv', new TextEncoder().encode('label,p0\n1,0\n'))]));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain('train.csv is not in a supported dataset format');
    for (const format of ['.zip', '.tar(.gz)', 'IDX', '.npy', 'CIFAR-10']) expect(error.message).toContain(format);
  });

  it('rejects mixed formats, incomplete pairs and several archives', async () => {
    const zip = zipBytes({ 'a/1.png': pngBytes(1, 1, () => [0, 0, 0, 255]) });
    const labels = idxBytes(0x08, [1], Uint8Array.of(0));
    const mixed = await captureAsyncError(() => importDataset([file('d.zip', zip), file('l.idx', labels)]));
    expect(mixed.code).toBe('INVALID_INPUT');
    expect(mixed.message).toContain('d.zip (zip archive), l.idx (IDX)');
    const lone = await captureAsyncError(() => importDataset([file('l.idx', labels)]));
    expect(lone.code).toBe('INVALID_INPUT');
    expect(lone.message).toContain('two files, images and labels, but 1 were given');
    const twoLabels = await captureAsyncError(() => importDataset([file('l1', labels), file('l2', labels)]));
    expect(twoLabels.message).toContain('both hold 1-dimensional arrays');
    const archives = await captureAsyncError(() => importDataset([file('a.zip', zip), file('b.zip', zip)]));
    expect(archives.message).toContain('single image archive, not 2');
    expect((await captureAsyncError(() => importDataset([]))).code).toBe('INVALID_INPUT');
  });
});
