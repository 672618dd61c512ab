import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { detectDatasetFormat } from './detect.ts';
import { cifarRecord, concat, idxBytes, int64Bytes, npyBytes, pngBytes, tarBytes, zipBytes } from './test-fixtures.ts';

describe('detectDatasetFormat', () => {
  it('recognises each format from its content', async () => {
    const png = pngBytes(2, 2, () => [1, 2, 3, 255]);
    const tar = await tarBytes([{ name: 'a/1.png', bytes: png }]);
    const idx = idxBytes(0x08, [1, 2, 2], new Uint8Array(4));
    const npy = npyBytes('<i8', [2], int64Bytes([0, 1]));
    const cases: [Uint8Array, string, boolean][] = [
      [zipBytes({ 'a/1.png': png }), 'zip', false],
      [tar, 'tar', false],
      [gzipSync(tar), 'tar', true],
      [npy, 'npy', false],
      [idx, 'idx', false],
      [gzipSync(idx), 'idx', true],
      [
        concat(
          cifarRecord(3, () => 7),
          cifarRecord(9, () => 1),
        ),
        'cifar10',
        false,
      ],
    ];
    for (const [bytes, format, gzipped] of cases) expect(detectDatasetFormat(bytes)).toEqual({ format, gzipped });
  });

  it('prefers CIFAR-10 when a batch happens to start like an IDX header', () => {
    // Label 0, then red pixels 0, 8, 3: the bytes 00 00 08 03 are also an IDX magic for a 3-D ubyte array.
    const batch = cifarRecord(0, (x, y, c) => (c === 0 && y === 0 && x < 3 ? [0, 8, 3][x]! : 50));
    expect(Array.from(batch.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    expect(detectDatasetFormat(batch).format).toBe('cifar10');
  });

  it('keeps a truncated IDX file as IDX so its importer can explain', () => {
    const idx = idxBytes(0x08, [10, 28, 28], new Uint8Array(100));
    expect(detectDatasetFormat(idx).format).toBe('idx');
  });

  it('returns unknown for anything else', () => {
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('label,pixels\n1,2\n'), gzipSync(Uint8Array.of(1, 2, 3))]) {
      expect(detectDatasetFormat(bytes).format).toBe('unknown');
    }
  });
});
