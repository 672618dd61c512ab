/** Opaque global IDs (Relay): base64url("Type:uuid"). The type is checked on every decode. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const NODE_TYPES = [
  'Tenant',
  'Model',
  'ModelVersion',
  'Dataset',
  'Job',
  'Finding',
  'Monitor',
  'ApiKey',
  'AuditEntry',
  'Upload',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export function toGlobalId(type: NodeType, id: string | number): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export function fromGlobalId(globalId: string): { type: NodeType; id: string } | null {
  if (typeof globalId !== 'string' || globalId.length > 200) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const type = decoded.slice(0, colon) as NodeType;
  const id = decoded.slice(colon + 1);
  if (!NODE_TYPES.includes(type)) return null;
  if (type === 'AuditEntry' ? !/^\d{1,18}$/.test(id) : !UUID.test(id)) return null;
  return { type, id };
}

/** Decodes an ID that must be of `type`; null when it is malformed or of another type. */
export function decodeId(globalId: string, type: NodeType): string | null {
  const parsed = fromGlobalId(globalId);
  return parsed && parsed.type === type ? parsed.id : null;
}
