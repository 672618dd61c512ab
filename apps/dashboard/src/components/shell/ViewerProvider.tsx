'use client';
/** Who is signed in and in which tenant, for client components (role-aware controls, live updates). */
import { createContext, type ReactNode, useContext } from 'react';
import type { Role } from '@/lib/graphql/generated';
import { type Capability, can, whyNot } from '@/lib/permissions';

export interface ViewerInfo {
  /** The tenant's slug: what the gateway takes in x-antidote-tenant and connectionParams. */
  tenant: string;
  tenantName: string;
  role: Role;
  userName: string;
}

const ViewerContext = createContext<ViewerInfo | null>(null);

export function ViewerProvider({ value, children }: { value: ViewerInfo; children: ReactNode }) {
  return <ViewerContext.Provider value={value}>{children}</ViewerContext.Provider>;
}

export function useViewer(): ViewerInfo {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer outside ViewerProvider');
  return viewer;
}

export function usePermission(capability: Capability): { allowed: boolean; reason: string } {
  const { role } = useViewer();
  return { allowed: can(role, capability), reason: whyNot(role, capability) };
}
