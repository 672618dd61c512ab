export { createSession, hashPassword } from './auth.ts';
export type { GatewayServices, GraphQLContext } from './context.ts';
export { type GatewayEnv, readGatewayEnv } from './env.ts';
export { buildSchema, type Gateway, startGateway } from './server.ts';
export { assembleServices, createLogger, openDatabaseFromEnv } from './services.ts';
