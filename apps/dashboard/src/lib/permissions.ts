/**
 * What each role may do in the UI. The gateway enforces the same rules (FORBIDDEN otherwise);
 * the dashboard only hides or disables what would be refused, and says why.
 */
import type { Role } from '@/lib/graphql/generated';

const RANK: Record<Role, number> = { VIEWER: 0, ANALYST: 1, ADMIN: 2, OWNER: 3 };

export type Capability = 'upload' | 'startJob' | 'cancelJob' | 'manageMonitors' | 'manageApiKeys' | 'viewApiKeys' | 'viewAudit';

const NEEDED: Record<Capability, Role> = {
  upload: 'ANALYST',
  startJob: 'ANALYST',
  cancelJob: 'ANALYST',
  manageMonitors: 'ANALYST',
  manageApiKeys: 'ADMIN',
  viewApiKeys: 'ADMIN',
  viewAudit: 'ADMIN',
};

const WHAT: Record<Capability, string> = {
  upload: 'Uploading models and datasets',
  startJob: 'Starting scans and repairs',
  cancelJob: 'Cancelling jobs',
  manageMonitors: 'Managing monitors',
  manageApiKeys: 'Managing API keys',
  viewApiKeys: 'Seeing the API keys',
  viewAudit: 'Reading the audit log',
};

export function atLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export function can(role: Role, capability: Capability): boolean {
  return atLeast(role, NEEDED[capability]);
}

/** The explanation shown where a control is hidden or disabled. */
export function whyNot(role: Role, capability: Capability): string {
  return `${WHAT[capability]} needs the ${roleLabel(NEEDED[capability])} role or higher; you are ${roleLabel(role)} in this tenant.`;
}

export function roleLabel(role: Role): string {
  return role.charAt(0) + role.slice(1).toLowerCase();
}

/** Roles a user may hand to an API key: never above their own. */
export function grantableRoles(role: Role): Role[] {
  return (Object.keys(RANK) as Role[]).filter((r) => RANK[r] <= RANK[role]).sort((a, b) => RANK[a] - RANK[b]);
}
