/** A TF.js layers model as files, and the limits every reader of such files applies. No TensorFlow here. */

export const MODEL_JSON = 'model.json';
/** Refuse absurd uploads before allocating: 512 MB of weights is ~128M float32 parameters. */
export const MAX_MODEL_BYTES = 512 * 1024 * 1024;

/** A model as files: `model.json` plus the weight files it names, keyed by relative path. */
export type ModelFiles = Record<string, Uint8Array>;
