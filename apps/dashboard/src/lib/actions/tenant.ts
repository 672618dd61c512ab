'use server';
/** Switching tenants: remember the choice in a cookie, after checking the membership. */
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { getViewerContext } from '@/lib/gateway/server';
import { TENANT_COOKIE } from '@/lib/gateway/tenant';

export async function switchTenantAction(formData: FormData): Promise<void> {
  const chosen = formData.get('tenant');
  const context = await getViewerContext();
  if (typeof chosen !== 'string' || !context.ok) redirect('/');
  const membership = context.data.viewer.memberships.find((m) => m.tenant.id === chosen || m.tenant.slug === chosen);
  if (membership) {
    (await cookies()).set(TENANT_COOKIE, membership.tenant.slug, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      maxAge: 365 * 24 * 3600,
    });
  }
  // Objects of the previous tenant do not exist in the new one: start from the overview.
  redirect('/');
}
