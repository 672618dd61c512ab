/** Messages between the gateway and its inspection thread. */
export interface InspectionLimits {
  maxUnpackedBytes: number;
  maxRatio: number;
  ratioFloorBytes: number;
  /** Datasets: most decoded pixel bytes, counted as RGBA (what the decoders allocate). */
  maxPixelBytes: number;
  maxImages: number;
}

export type InspectionRequest =
  | { kind: 'model'; bytes: Uint8Array; limits: InspectionLimits }
  | { kind: 'dataset'; bytes: Uint8Array; filename: string; limits: InspectionLimits };

export interface ModelInspection {
  format: string;
  inputShape: number[];
  numClasses: number;
  paramCount: number;
  weightBytes: number;
  files: string[];
}

export interface DatasetInspection {
  count: number;
  /** False for images without labels; numClasses is then null and classHistogram empty. */
  labelled: boolean;
  numClasses: number | null;
  imageShape: [number, number, number];
  classHistogram: number[];
  thumbnailPng: Uint8Array;
}

export type InspectionReply =
  | { ok: true; result: ModelInspection | DatasetInspection }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };
