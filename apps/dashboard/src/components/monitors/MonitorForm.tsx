'use client';
/** Creating or editing a monitor; webhooks are url + secret rows (secrets are write-only). */
import { useEffect, useState } from 'react';
import { Field, FormMessage, fieldProps } from '@/components/Field';
import { useFormAction } from '@/components/useFormAction';
import { createMonitorAction, updateMonitorAction } from '@/lib/actions/monitors';
import { type FormState, idle } from '@/lib/forms';

export interface Option {
  id: string;
  name: string;
}

export interface MonitorValues {
  id: string;
  name: string;
  enabled: boolean;
  scanOnNewVersion: boolean;
  intervalMinutes: number | null;
  scoreThreshold: number | null;
  webhookUrls: string[];
}

type Props = { mode: 'create'; models: Option[]; datasets: Option[] } | { mode: 'edit'; monitor: MonitorValues };

export function MonitorForm(props: Props) {
  const editing = props.mode === 'edit';
  const [state, formProps, pending] = useFormAction<FormState>(editing ? updateMonitorAction : createMonitorAction, idle);
  const errors = state.ok === false ? state.fieldErrors : {};
  const prefix = editing ? `monitor-${props.monitor.id}` : 'monitor-new';
  const initial = editing ? props.monitor : null;
  const [rows, setRows] = useState<number[]>(() => (editing ? [] : [0]));
  const [replace, setReplace] = useState(!editing);
  const [formKey, setFormKey] = useState(0);

  // a created monitor clears the form for the next one
  useEffect(() => {
    if (state.ok && !editing) {
      setFormKey((k) => k + 1);
      setRows([0]);
    }
  }, [state, editing]);

  if (!editing && (props.models.length === 0 || props.datasets.length === 0)) {
    return <p className="hint">A monitor needs a model and a trusted dataset: register them first.</p>;
  }

  return (
    <form key={formKey} {...formProps} className="form" noValidate>
      <FormMessage state={state} />
      {editing ? <input type="hidden" name="id" value={props.monitor.id} /> : null}
      <Field id={`${prefix}-name`} label="Name" error={errors.name}>
        <input
          type="text"
          name="name"
          defaultValue={initial?.name}
          maxLength={100}
          {...fieldProps(`${prefix}-name`, errors.name)}
        />
      </Field>
      {!editing ? (
        <div className="form-row">
          <Field id={`${prefix}-model`} label="Model to watch" error={errors.modelId}>
            <select name="modelId" {...fieldProps(`${prefix}-model`, errors.modelId)}>
              {props.models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id={`${prefix}-dataset`} label="Trusted dataset for scans" error={errors.datasetId}>
            <select name="datasetId" {...fieldProps(`${prefix}-dataset`, errors.datasetId)}>
              {props.datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
      ) : null}
      <div className="stack">
        <label className="checkbox" htmlFor={`${prefix}-enabled`}>
          <input id={`${prefix}-enabled`} type="checkbox" name="enabled" defaultChecked={initial?.enabled ?? true} />
          <span>Enabled</span>
        </label>
        <label className="checkbox" htmlFor={`${prefix}-auto`}>
          <input
            id={`${prefix}-auto`}
            type="checkbox"
            name="scanOnNewVersion"
            defaultChecked={initial?.scanOnNewVersion ?? true}
          />
          <span>Scan every new version automatically</span>
        </label>
      </div>
      <div className="form-row">
        <Field
          id={`${prefix}-interval`}
          label="Re-scan interval (minutes)"
          hint="Empty: no periodic re-scan."
          error={errors.intervalMinutes}
        >
          <input
            type="number"
            name="intervalMinutes"
            min={1}
            step={1}
            defaultValue={initial?.intervalMinutes ?? ''}
            {...fieldProps(`${prefix}-interval`, errors.intervalMinutes, true)}
          />
        </Field>
        <Field
          id={`${prefix}-threshold`}
          label="Alert score threshold"
          hint="Empty: the detector’s calibrated default."
          error={errors.scoreThreshold}
        >
          <input
            type="number"
            name="scoreThreshold"
            min={0}
            max={1}
            step="any"
            defaultValue={initial?.scoreThreshold ?? ''}
            {...fieldProps(`${prefix}-threshold`, errors.scoreThreshold, true)}
          />
        </Field>
      </div>
      <fieldset>
        <legend>Webhooks</legend>
        {editing ? (
          <>
            <p className="small muted">
              {initial?.webhookUrls.length ? `Current: ${initial.webhookUrls.join(', ')}.` : 'No webhooks yet.'} Secrets cannot be
              read back, so changing webhooks means entering them again.
            </p>
            <label className="checkbox" htmlFor={`${prefix}-replace`}>
              <input
                id={`${prefix}-replace`}
                type="checkbox"
                name="replaceWebhooks"
                checked={replace}
                onChange={(e) => {
                  setReplace(e.target.checked);
                  if (e.target.checked && rows.length === 0) setRows([0]);
                }}
              />
              <span>Replace the webhooks with the list below (an empty list removes them)</span>
            </label>
          </>
        ) : (
          <p className="small muted">
            Each delivery is signed with HMAC-SHA256 of the body under the secret, in the <code>X-Antidote-Signature</code>{' '}
            header.
          </p>
        )}
        {errors.webhooks ? <span className="field-error">{errors.webhooks}</span> : null}
        {replace
          ? rows.map((row, index) => (
              <div className="form-row" key={row}>
                <Field
                  id={`${prefix}-hook-url-${row}`}
                  label={`Webhook ${index + 1} URL`}
                  error={errors[`webhooks.${index}.url`]}
                >
                  <input
                    type="url"
                    name="webhookUrl"
                    placeholder="https://example.com/antidote"
                    {...fieldProps(`${prefix}-hook-url-${row}`, errors[`webhooks.${index}.url`])}
                  />
                </Field>
                <Field
                  id={`${prefix}-hook-secret-${row}`}
                  label={`Webhook ${index + 1} secret`}
                  error={errors[`webhooks.${index}.secret`]}
                >
                  <input
                    type="password"
                    name="webhookSecret"
                    autoComplete="new-password"
                    {...fieldProps(`${prefix}-hook-secret-${row}`, errors[`webhooks.${index}.secret`])}
                  />
                </Field>
                <div style={{ alignSelf: 'end' }}>
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={`Remove webhook ${index + 1}`}
                    onClick={() => setRows((r) => r.filter((x) => x !== row))}
                  >
                    Remove
                  </button>
                </div>
              </div>
            ))
          : null}
        {replace ? (
          <div>
            <button type="button" className="button button-small" onClick={() => setRows((r) => [...r, Math.max(-1, ...r) + 1])}>
              Add webhook
            </button>
          </div>
        ) : null}
      </fieldset>
      <div>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Saving…' : editing ? 'Save changes' : 'Create monitor'}
        </button>
      </div>
    </form>
  );
}
