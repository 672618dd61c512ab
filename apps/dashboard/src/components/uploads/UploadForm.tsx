'use client';
/**
 * Registering a model, a new model version or a dataset: reserve an upload (server action),
 * PUT the bytes straight to the gateway from the browser, then register the upload. Errors
 * from any step land next to the field they concern.
 */
import { useRouter } from 'next/navigation';
import { type FormEvent, useRef, useState } from 'react';
import { Field, fieldProps, RestrictedNote } from '@/components/Field';
import { ProgressBar } from '@/components/ProgressBar';
import { usePermission } from '@/components/shell/ViewerProvider';
import { addModelVersionAction, createUploadAction, registerDatasetAction, registerModelAction } from '@/lib/actions/uploads';
import { formatBytes } from '@/lib/format';
import type { FieldErrors } from '@/lib/forms';
import { putFile } from './put-file';

export type UploadMode = { kind: 'model' } | { kind: 'version'; modelId: string } | { kind: 'dataset' };

type Step = 'idle' | 'reserving' | 'uploading' | 'registering' | 'done';

const ACCEPT: Record<UploadMode['kind'], string> = {
  model: '.zip,application/zip',
  version: '.zip,application/zip',
  dataset: '.zip,.tar,.tgz,.gz,.npy,.idx,.bin,.ubyte,application/zip,application/x-tar,application/octet-stream',
};

const FILE_HINT: Record<UploadMode['kind'], string> = {
  model: 'A TensorFlow.js layers model, zipped: model.json plus its weight shards.',
  version: 'A TensorFlow.js layers model, zipped: model.json plus its weight shards.',
  dataset: 'A zip or tar of one folder per class (PNG/JPEG), IDX files, a NumPy .npy, or CIFAR-10 binary batches.',
};

const SUBMIT: Record<UploadMode['kind'], string> = {
  model: 'Upload and register model',
  version: 'Upload new version',
  dataset: 'Upload and register dataset',
};

export function UploadForm({ mode }: { mode: UploadMode }) {
  const router = useRouter();
  const permission = usePermission('upload');
  const [step, setStep] = useState<Step>('idle');
  const [progress, setProgress] = useState(0);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const prefix = `upload-${mode.kind}`;

  if (!permission.allowed) return <RestrictedNote>{permission.reason}</RestrictedNote>;

  const busy = step === 'reserving' || step === 'uploading' || step === 'registering';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const file = data.get('file');
    const name = String(data.get('name') ?? '').trim();
    const description = String(data.get('description') ?? '').trim();
    const local: FieldErrors = {};
    if (mode.kind !== 'version' && !name)
      local.name = mode.kind === 'model' ? 'Give the model a name.' : 'Give the dataset a name.';
    if (!(file instanceof File) || file.size === 0) local.file = 'Choose a non-empty file.';
    setErrors(local);
    setMessage(null);
    setSuccess(null);
    if (Object.keys(local).length || !(file instanceof File)) return;

    setStep('reserving');
    const reserved = await createUploadAction({
      purpose: mode.kind === 'dataset' ? 'DATASET' : 'MODEL',
      filename: file.name,
      sizeBytes: file.size,
    });
    if (!reserved.ok) return fail(reserved.fieldErrors, reserved.message);
    if (file.size > reserved.data.maxBytes) {
      return fail({ file: `The file is ${formatBytes(file.size)}; the limit is ${formatBytes(reserved.data.maxBytes)}.` }, null);
    }

    setStep('uploading');
    setProgress(0);
    abort.current = new AbortController();
    try {
      await putFile(reserved.data.url, file, setProgress, abort.current.signal);
    } catch (error) {
      return fail({ file: error instanceof Error ? error.message : 'The upload failed.' }, null);
    } finally {
      abort.current = null;
    }

    setStep('registering');
    const uploadId = reserved.data.id;
    if (mode.kind === 'model') {
      const registered = await registerModelAction({ name, description: description || undefined, uploadId });
      if (!registered.ok) return fail(registered.fieldErrors, registered.message);
      finish(form, 'Model registered.');
      router.push(`/models/${encodeURIComponent(registered.data.modelId)}`);
    } else if (mode.kind === 'version') {
      const added = await addModelVersionAction({ modelId: mode.modelId, uploadId });
      if (!added.ok) return fail(added.fieldErrors, added.message);
      const scans = added.data.monitorJobs;
      finish(
        form,
        `Version ${added.data.version} added${scans ? `; monitors started ${scans} scan${scans > 1 ? 's' : ''}` : ''}.`,
      );
      router.refresh();
    } else {
      const registered = await registerDatasetAction({ name, uploadId });
      if (!registered.ok) return fail(registered.fieldErrors, registered.message);
      finish(form, 'Dataset registered.');
      router.push(`/datasets/${encodeURIComponent(registered.data.datasetId)}`);
    }
  }

  function fail(fieldErrors: FieldErrors, formMessage: string | null) {
    setErrors(fieldErrors);
    setMessage(formMessage ?? (Object.keys(fieldErrors).length ? null : 'The upload failed.'));
    setStep('idle');
  }

  function finish(form: HTMLFormElement, text: string) {
    form.reset();
    setStep('done');
    setSuccess(text);
  }

  const status =
    step === 'reserving'
      ? 'Preparing the upload…'
      : step === 'uploading'
        ? `Uploading… ${Math.round(progress * 100)}%`
        : step === 'registering'
          ? 'Checking the file…'
          : null;

  return (
    <form className="form" onSubmit={submit} noValidate>
      {message ? (
        <div className="alert alert-error" role="alert">
          {message}
        </div>
      ) : null}
      {success ? (
        <div className="alert alert-success" role="status">
          {success}
        </div>
      ) : null}
      {mode.kind !== 'version' ? (
        <Field id={`${prefix}-name`} label="Name" error={errors.name}>
          <input
            type="text"
            name="name"
            maxLength={100}
            autoComplete="off"
            disabled={busy}
            {...fieldProps(`${prefix}-name`, errors.name)}
          />
        </Field>
      ) : null}
      {mode.kind === 'model' ? (
        <Field id={`${prefix}-description`} label="Description (optional)" error={errors.description}>
          <textarea
            name="description"
            rows={2}
            maxLength={2000}
            disabled={busy}
            {...fieldProps(`${prefix}-description`, errors.description)}
          />
        </Field>
      ) : null}
      <Field
        id={`${prefix}-file`}
        label={mode.kind === 'dataset' ? 'Dataset file' : 'Model archive (.zip)'}
        hint={FILE_HINT[mode.kind]}
        error={errors.file}
      >
        <input
          type="file"
          name="file"
          accept={ACCEPT[mode.kind]}
          disabled={busy}
          {...fieldProps(`${prefix}-file`, errors.file, FILE_HINT[mode.kind])}
        />
      </Field>
      {status ? (
        <div className="stack" role="status">
          <span className="small">{status}</span>
          {step === 'uploading' ? <ProgressBar value={progress} label="Upload progress" /> : null}
        </div>
      ) : null}
      <div className="row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {SUBMIT[mode.kind]}
        </button>
        {step === 'uploading' ? (
          <button type="button" className="button" onClick={() => abort.current?.abort()}>
            Cancel upload
          </button>
        ) : null}
      </div>
    </form>
  );
}
