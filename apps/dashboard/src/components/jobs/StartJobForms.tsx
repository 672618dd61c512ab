'use client';
/** "Start scan" and "Start repair": server actions that redirect to the new job's live page. */
import Link from 'next/link';
import { Field, FormMessage, fieldProps, RestrictedNote } from '@/components/Field';
import { usePermission } from '@/components/shell/ViewerProvider';
import { useFormAction } from '@/components/useFormAction';
import { startRepairAction, startScanAction } from '@/lib/actions/jobs';
import { type FormState, idle } from '@/lib/forms';
import { ATTACK_NAMES, REPAIR_METHODS } from '@/lib/vocabulary';

export interface VersionOption {
  id: string;
  label: string;
}

export interface DatasetOption {
  id: string;
  label: string;
}

interface Props {
  versions: VersionOption[];
  datasets: DatasetOption[];
  defaultVersionId: string | undefined;
  /** Fresh per page render: a double submit starts one job, not two. */
  idempotencyKey: string;
}

function errorsOf(state: FormState): Record<string, string> {
  return state.ok === false ? state.fieldErrors : {};
}

function Targets({
  prefix,
  versions,
  datasets,
  defaultVersionId,
  errors,
}: Omit<Props, 'idempotencyKey'> & { prefix: string; errors: Record<string, string> }) {
  return (
    <div className="form-row">
      <Field id={`${prefix}-version`} label="Model version" error={errors.modelVersionId}>
        <select name="modelVersionId" defaultValue={defaultVersionId} {...fieldProps(`${prefix}-version`, errors.modelVersionId)}>
          {versions.map((v) => (
            <option key={v.id} value={v.id}>
              {v.label}
            </option>
          ))}
        </select>
      </Field>
      <Field id={`${prefix}-dataset`} label="Trusted dataset" error={errors.datasetId}>
        <select name="datasetId" {...fieldProps(`${prefix}-dataset`, errors.datasetId)}>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      </Field>
    </div>
  );
}

function Advanced({ prefix, errors }: { prefix: string; errors: Record<string, string> }) {
  return (
    <details>
      <summary>Advanced: seed and known attack (benchmarks)</summary>
      <div className="form-row" style={{ marginTop: '0.75rem' }}>
        <Field id={`${prefix}-seed`} label="Seed (optional)" error={errors.seed}>
          <input type="number" name="seed" step={1} {...fieldProps(`${prefix}-seed`, errors.seed)} />
        </Field>
        <Field
          id={`${prefix}-attack`}
          label="Known attack (optional)"
          hint="Also measure this attack’s success rate; never used to make decisions."
          error={errors.attackName}
        >
          <select name="attackName" defaultValue="" {...fieldProps(`${prefix}-attack`, errors.attackName, true)}>
            <option value="">None</option>
            {ATTACK_NAMES.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${prefix}-target`} label="Attack target class" error={errors.attackTarget}>
          <input type="number" name="attackTarget" min={0} step={1} {...fieldProps(`${prefix}-target`, errors.attackTarget)} />
        </Field>
      </div>
    </details>
  );
}

function Prerequisites({ versions, datasets }: { versions: VersionOption[]; datasets: DatasetOption[] }) {
  if (versions.length === 0) return <p className="hint">This model has no version to work on yet.</p>;
  if (datasets.length === 0) {
    return (
      <p className="hint">
        Scans and repairs need a small trusted dataset: <Link href="/datasets">register one</Link> first.
      </p>
    );
  }
  return null;
}

export function StartScanForm(props: Props) {
  const permission = usePermission('startJob');
  const [state, formProps, pending] = useFormAction<FormState>(startScanAction, idle);
  if (!permission.allowed) return <RestrictedNote>{permission.reason}</RestrictedNote>;
  const missing = <Prerequisites versions={props.versions} datasets={props.datasets} />;
  if (props.versions.length === 0 || props.datasets.length === 0) return missing;
  const errors = errorsOf(state);
  return (
    <form {...formProps} className="form" noValidate>
      <FormMessage state={state} />
      <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
      <Targets prefix="scan" {...props} errors={errors} />
      <Field
        id="scan-threshold"
        label="Detection threshold (optional)"
        hint="Score in (0, 1] above which the model is called backdoored; empty = the calibrated default."
        error={errors.threshold}
      >
        <input
          type="number"
          name="threshold"
          min={0}
          max={1}
          step="any"
          {...fieldProps('scan-threshold', errors.threshold, true)}
        />
      </Field>
      <div className="form-row">
        <Field
          id="scan-classes"
          label="Classes to check (optional)"
          hint="Class indices, e.g. 0, 3, 7; empty = all. Fewer classes scan faster."
          error={errors.candidateClasses}
        >
          <input
            type="text"
            name="candidateClasses"
            autoComplete="off"
            {...fieldProps('scan-classes', errors.candidateClasses, true)}
          />
        </Field>
        <Field
          id="scan-steps"
          label="Steps per class (optional)"
          hint="Trigger optimisation steps per class and shape; default 50."
          error={errors.steps}
        >
          <input type="number" name="steps" min={1} step={1} {...fieldProps('scan-steps', errors.steps, true)} />
        </Field>
        <Field
          id="scan-reference-steps"
          label="Reference repair steps (optional)"
          hint="Pivotal Tuning steps of the reference the triggers are calibrated against; default 600. Fewer = faster, less reliable."
          error={errors.referenceSteps}
        >
          <input
            type="number"
            name="referenceSteps"
            min={1}
            step={1}
            {...fieldProps('scan-reference-steps', errors.referenceSteps, true)}
          />
        </Field>
      </div>
      <fieldset>
        <legend>Trigger shapes to look for (none ticked: the two defaults)</legend>
        <label className="checkbox" htmlFor="scan-patch">
          <input id="scan-patch" type="checkbox" name="patchTriggers" defaultChecked />
          <span>Small stamped (patch) triggers, and blends</span>
        </label>
        <label className="checkbox" htmlFor="scan-warp">
          <input id="scan-warp" type="checkbox" name="warpTriggers" defaultChecked />
          <span>Smooth warps of the image (WaNet-style)</span>
        </label>
        <label className="checkbox" htmlFor="scan-additive">
          <input id="scan-additive" type="checkbox" name="additiveTriggers" />
          <span>Faint full-image (additive) triggers: the original method's shape; about doubles the time</span>
        </label>
      </fieldset>
      <Advanced prefix="scan" errors={errors} />
      <div>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Starting…' : 'Start scan'}
        </button>
      </div>
    </form>
  );
}

export function StartRepairForm(props: Props) {
  const permission = usePermission('startJob');
  const [state, formProps, pending] = useFormAction<FormState>(startRepairAction, idle);
  if (!permission.allowed) return <RestrictedNote>{permission.reason}</RestrictedNote>;
  if (props.versions.length === 0 || props.datasets.length === 0)
    return <Prerequisites versions={props.versions} datasets={props.datasets} />;
  const errors = errorsOf(state);
  return (
    <form {...formProps} className="form" noValidate>
      <FormMessage state={state} />
      <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
      <Targets prefix="repair" {...props} errors={errors} />
      <div className="form-row">
        <Field id="repair-method" label="Method" error={errors.method}>
          <select name="method" defaultValue="PIVOTAL_TUNING" {...fieldProps('repair-method', errors.method)}>
            {REPAIR_METHODS.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="repair-budget"
          label="Accuracy budget (points)"
          hint="Largest clean-accuracy drop allowed; default 2."
          error={errors.cdaBudget}
        >
          <input
            type="number"
            name="cdaBudget"
            min={0}
            max={100}
            step="any"
            defaultValue={2}
            {...fieldProps('repair-budget', errors.cdaBudget, true)}
          />
        </Field>
        <Field id="repair-steps" label="Steps (optional)" error={errors.steps}>
          <input type="number" name="steps" min={1} step={1} {...fieldProps('repair-steps', errors.steps)} />
        </Field>
      </div>
      <Advanced prefix="repair" errors={errors} />
      <div>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Starting…' : 'Start repair'}
        </button>
      </div>
    </form>
  );
}
