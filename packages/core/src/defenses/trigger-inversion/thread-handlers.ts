/** Compute-thread handlers of Calibrated Trigger Inversion: one class's inversion per call. */
import type * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { AntidoteError } from '../../errors.ts';
import type { ThreadContext, ThreadHandlers } from '../../parallel/handler.ts';
import { invertClass } from './invert-class.ts';

/** Store keys of what CTI sends every thread before its classes. */
export const CTI_SUSPECT = 'cti:suspect';
export const CTI_REPAIRED = 'cti:repaired';
export const CTI_SPLITS = 'cti:splits';

export const ctiHandlers = {
  'cti-class': (request: Parameters<typeof invertClass>[4], { store }: ThreadContext) => {
    const model = store.get(CTI_SUSPECT) as tf.LayersModel | undefined;
    const repaired = store.get(CTI_REPAIRED) as tf.LayersModel | undefined;
    const splits = store.get(CTI_SPLITS) as { fit: ImageDataset; validation: ImageDataset } | undefined;
    if (!model || !repaired || !splits)
      throw new AntidoteError('INTERNAL', 'cti-class ran before the models and splits were sent.');
    return invertClass(model, repaired, splits.fit, splits.validation, request);
  },
} satisfies ThreadHandlers;
