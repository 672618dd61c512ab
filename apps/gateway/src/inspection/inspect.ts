/**
 * What the inspection thread does with one upload: preflight, then the format's reader. Runs in
 * that thread (thread.ts) in the product, and in the fuzzer's thread (test/security/fuzz.ts);
 * never on the gateway's event loop, as a reader can spin on damaged input (h5wasm does).
 */
import { classHistogram, datasetThumbnailGrid, imageCount, importDataset, isUnlabelled } from '@antidote/core/datasets';
import { classifyModelUpload, describeModelFiles, unpackModelArchive } from '@antidote/core/formats';
import { assertFiniteWeights } from './finite-weights.ts';
import { inspectImportedModel } from './imported-model.ts';
import { preflightArchive } from './preflight.ts';
import type { DatasetInspection, InspectionRequest, ModelInspection } from './protocol.ts';

export type { InspectionLimits, InspectionRequest } from './protocol.ts';

export async function inspectUpload(request: InspectionRequest): Promise<ModelInspection | DatasetInspection> {
  const { bytes, limits } = request;
  preflightArchive(bytes, request.kind, limits);
  if (request.kind === 'model') {
    const upload = classifyModelUpload(bytes);
    if (upload.kind !== 'tfjs-layers') return inspectImportedModel(upload);
    const files = unpackModelArchive(bytes, { maxBytes: limits.maxUnpackedBytes });
    const description = describeModelFiles(files);
    assertFiniteWeights(files);
    return description;
  }
  // decoders hold RGBA (4 bytes a pixel) whatever the channel count: budget for that
  const data = await importDataset([{ name: request.filename || 'dataset', bytes }], {
    maxBytes: Math.max(1, Math.floor(limits.maxPixelBytes / 4)),
    maxImages: limits.maxImages,
    // images alone are trusted data too: scans and repairs label them with the suspect
    allowUnlabelled: true,
  });
  const imageShape: [number, number, number] = [data.height, data.width, data.channels];
  if (isUnlabelled(data)) {
    return {
      count: imageCount(data),
      labelled: false,
      numClasses: null,
      imageShape,
      classHistogram: [],
      thumbnailPng: datasetThumbnailGrid(data),
    };
  }
  return {
    count: data.labels.length,
    labelled: true,
    numClasses: data.classNames.length,
    imageShape,
    classHistogram: classHistogram(data),
    thumbnailPng: datasetThumbnailGrid(data),
  };
}
