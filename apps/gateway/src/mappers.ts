/** The database rows GraphQL object types resolve from (codegen mappers). */
import type { schema } from '@antidote/db';

export type TenantRow = typeof schema.tenants.$inferSelect;
export type UserRow = Pick<typeof schema.users.$inferSelect, 'id' | 'email' | 'name'>;
export type ModelRow = typeof schema.models.$inferSelect;
export type ModelVersionRow = typeof schema.modelVersions.$inferSelect;
export type DatasetRow = typeof schema.datasets.$inferSelect;
export type JobRow = typeof schema.jobs.$inferSelect;
export type JobEventRow = typeof schema.jobEvents.$inferSelect;
export type FindingRow = typeof schema.findings.$inferSelect;
export type MonitorRow = typeof schema.monitors.$inferSelect;
export type ApiKeyRow = typeof schema.apiKeys.$inferSelect;
export type AuditRow = typeof schema.auditLog.$inferSelect;
