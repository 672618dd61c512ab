import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/schema/schema.graphql',
  generates: {
    'src/generated/resolvers.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        contextType: '../context.ts#GraphQLContext',
        useIndexSignature: false,
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'Date | string', JSON: 'unknown' },
        mappers: {
          Tenant: '../mappers.ts#TenantRow',
          Model: '../mappers.ts#ModelRow',
          ModelVersion: '../mappers.ts#ModelVersionRow',
          Dataset: '../mappers.ts#DatasetRow',
          Job: '../mappers.ts#JobRow',
          JobEvent: '../mappers.ts#JobEventRow',
          Finding: '../mappers.ts#FindingRow',
          Monitor: '../mappers.ts#MonitorRow',
          ApiKey: '../mappers.ts#ApiKeyRow',
          AuditEntry: '../mappers.ts#AuditRow',
          User: '../mappers.ts#UserRow',
        },
        avoidOptionals: false,
        maybeValue: 'T | null',
        inputMaybeValue: 'T | null | undefined',
      },
    },
  },
};
export default config;
