/** The inspection thread: parses one uploaded archive off the gateway's event loop, then exits. */
import { parentPort, workerData } from 'node:worker_threads';
import { classHistogram, datasetThumbnailGrid, importDataset } from '@antidote/core/datasets';
import { isAntidoteError } from '@antidote/core/errors';
import { classifyModelUpload, describeModelFiles, unpackModelArchive } from '@antidote/core/formats';
import { assertFiniteWeights } from './finite-weights.ts';
import { inspectImportedModel } from './imported-model.ts';
import { preflightArchive } from './preflight.ts';
import type { InspectionReply, InspectionRequest } from './protocol.ts';

async function inspect(request: InspectionRequest): Promise<InspectionReply> {
  const { bytes, limits } = request;
  preflightArchive(bytes, request.kind, limits);
  if (request.kind === 'model') {
    const upload = classifyModelUpload(bytes);
    if (upload.kind !== 'tfjs-layers') return { ok: true, result: await inspectImportedModel(upload) };
    const files = unpackModelArchive(bytes, { maxBytes: limits.maxUnpackedBytes });
    const description = describeModelFiles(files);
    assertFiniteWeights(files);
    return { ok: true, result: description };
  }
  // decoders hold RGBA (4 bytes a pixel) whatever the channel count: budget for that
  const dataset = await importDataset([{ name: request.filename || 'dataset', bytes }], {
    maxBytes: Math.max(1, Math.floor(limits.maxPixelBytes / 4)),
    maxImages: limits.maxImages,
  });
  return {
    ok: true,
    result: {
      count: dataset.labels.length,
      numClasses: dataset.classNames.length,
      imageShape: [dataset.height, dataset.width, dataset.channels],
      classHistogram: classHistogram(dataset),
      thumbnailPng: datasetThumbnailGrid(dataset),
    },
  };
}

try {
  parentPort?.postMessage(await inspect(workerData as InspectionRequest));
} catch (error) {
  const reply: InspectionReply = isAntidoteError(error)
    ? { ok: false, error: { code: error.code, message: error.message, details: { ...(error.details ?? {}) } } }
    : { ok: false, error: { code: 'CORRUPT_FILE', message: 'The file could not be read.' } };
  parentPort?.postMessage(reply);
}
