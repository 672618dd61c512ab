'use client';

import { useRef } from 'react';
import { useFormStatus } from 'react-dom';
import { switchTenantAction } from '@/lib/actions/tenant';
import type { Role } from '@/lib/graphql/generated';
import { roleLabel } from '@/lib/permissions';

export interface TenantOption {
  id: string;
  name: string;
  slug: string;
  role: Role;
}

function Submit() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className="button button-small" disabled={pending}>
      {pending ? 'Switching…' : 'Switch'}
    </button>
  );
}

/** Chooses the tenant among the user's memberships; submits on change (the button is the no-JS path). */
export function TenantSwitcher({ current, tenants }: { current: string; tenants: TenantOption[] }) {
  const form = useRef<HTMLFormElement>(null);
  if (tenants.length <= 1) {
    const only = tenants[0];
    return only ? <span className="user">Tenant: {only.name}</span> : null;
  }
  return (
    <form ref={form} action={switchTenantAction} className="tenant-switcher">
      <label htmlFor="tenant-switcher">Tenant</label>
      <select id="tenant-switcher" name="tenant" defaultValue={current} onChange={() => form.current?.requestSubmit()}>
        {tenants.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name} ({roleLabel(t.role)})
          </option>
        ))}
      </select>
      <Submit />
    </form>
  );
}
