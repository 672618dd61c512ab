/**
 * The gateway: one HTTP server carrying GraphQL (Apollo Server 5 over express 5), graphql-ws
 * subscriptions on the same path, and the signed upload/download routes.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express from 'express';
import { type DocumentNode, type ExecutionArgs, GraphQLError, specifiedRules, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { withAccessRules } from './access.ts';
import { type AuthContext, authenticate, isCredentialActive, sha256 } from './auth.ts';
import { createContext, type GatewayServices, type GraphQLContext } from './context.ts';
import { ApiError, httpStatus } from './errors.ts';
import { createHardening, LIMITS, rateLimitKey } from './hardening.ts';
import { mountHttpRoutes } from './http.ts';
import { createRateLimiter } from './rate-limit.ts';
import { mutationResolvers } from './resolvers/mutations.ts';
import { queryResolvers } from './resolvers/queries.ts';
import { subscriptionResolvers } from './resolvers/subscriptions.ts';
import { typeResolvers } from './resolvers/types.ts';
import { ADDRESS_POLICY, addressKey, assertNotThrottled, recordFailure } from './throttle.ts';

const typeDefs = readFileSync(new URL('./schema/schema.graphql', import.meta.url), 'utf8');

export function buildSchema() {
  return makeExecutableSchema({
    typeDefs,
    resolvers: withAccessRules([typeResolvers, queryResolvers, mutationResolvers, subscriptionResolvers] as never) as never,
  });
}

function bearerOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

async function authFrom(
  services: GatewayServices,
  authorization: unknown,
  tenant: unknown,
  clientIp?: string,
  transport: 'http' | 'ws' = 'http',
  bearerSha256?: string,
): Promise<AuthContext | null> {
  const bearer = bearerOf(authorization);
  if (!bearer) return null;
  try {
    try {
      const tenantChoice = typeof tenant === 'string' && tenant ? tenant : undefined;
      // a socket authenticates once per connection and re-checks on its own: only HTTP is cached
      if (transport === 'http') return await services.credentials.authenticate(bearer, tenantChoice, bearerSha256);
      return await authenticate(services.database, bearer, tenantChoice, { secret: services.env.signingSecret });
    } catch (error) {
      // a wrong bearer is a failed sign-in of its address: fresh junk tokens cannot dodge the limit
      if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') {
        await recordFailure(services.database, addressKey(clientIp), ADDRESS_POLICY);
        await assertNotThrottled(services.database, [addressKey(clientIp)]);
      }
      throw error;
    }
  } catch (error) {
    if (error instanceof ApiError) {
      throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: httpStatus(error.code) } } });
    }
    throw error;
  }
}

/**
 * Apollo's express integration (@as-integrations/express5) without its final res.send(): that
 * hashed every answer into an ETag (on POSTs, for answers marked no-store) and re-parsed the
 * content type Apollo had already set. The answer goes out with res.end and its length.
 */
function graphqlHandler(
  apollo: ApolloServer<GraphQLContext>,
  context: (req: express.Request) => Promise<GraphQLContext>,
): express.RequestHandler {
  return async (req, res, next) => {
    try {
      if (!('body' in req)) {
        res.status(500).send('`req.body` is not set: the json middleware must run before GraphQL.');
        return;
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const query = req.url.indexOf('?');
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method.toUpperCase(),
          headers,
          search: query === -1 ? '' : req.url.slice(query),
          body: req.body,
        },
        context: () => context(req),
      });
      for (const [key, value] of answer.headers) res.setHeader(key, value);
      res.statusCode = answer.status ?? 200;
      if (answer.body.kind === 'complete') {
        res.setHeader('content-length', Buffer.byteLength(answer.body.string));
        res.end(req.method === 'HEAD' ? undefined : answer.body.string);
        return;
      }
      for await (const chunk of answer.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      next(error);
    }
  };
}

export interface Gateway {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(services: GatewayServices, listen: { host: string; port: number }): Promise<Gateway> {
  // behind a proxy every socket is the proxy's: the deployment names the header it sets
  const ipHeader = services.env.ANTIDOTE_CLIENT_IP_HEADER?.toLowerCase();
  const clientIp = (req: IncomingMessage): string | undefined => {
    const given = ipHeader ? req.headers[ipHeader] : undefined;
    const value = Array.isArray(given) ? given[0] : given;
    return value?.split(',')[0]?.trim() || req.socket.remoteAddress;
  };
  const schema = buildSchema();
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const { env, log } = services;

  const hardening = createHardening(env, log);
  const limiter = createRateLimiter(env.ANTIDOTE_RATE_LIMIT);
  const tooMany = (retryMs: number) =>
    new GraphQLError('Rate limit exceeded; retry later.', {
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: Math.ceil(retryMs / 1000) },
    });

  // the upgrade goes through the same per-address limit as HTTP, plus a cap on open sockets
  // parsed and validated once per query text (HTTP has Apollo's document store for the same)
  const validDocuments = new Map<string, DocumentNode>();
  const rememberDocument = (query: string, document: DocumentNode) => {
    if (validDocuments.size >= 1000) validDocuments.delete(validDocuments.keys().next().value ?? '');
    validDocuments.set(query, document);
  };
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxWsMessageBytes });
  const openSockets = new Map<string, number>();
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path !== '/graphql') {
      socket.destroy();
      return;
    }
    const ip = clientIp(req) ?? '';
    if (limiter.take(rateLimitKey(undefined, ip)) > 0 || (openSockets.get(ip) ?? 0) >= LIMITS.maxWsConnectionsPerIp) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wsServer.handleUpgrade(req, socket, head, (ws) => {
      openSockets.set(ip, (openSockets.get(ip) ?? 0) + 1);
      ws.once('close', () => {
        const left = (openSockets.get(ip) ?? 1) - 1;
        if (left > 0) openSockets.set(ip, left);
        else openSockets.delete(ip);
      });
      wsServer.emit('connection', ws, req);
    });
  });
  const wsCleanup = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage; auth?: AuthContext }>(
    {
      schema,
      onConnect: async (ctx) => {
        let auth: AuthContext | null;
        try {
          auth = await authFrom(
            services,
            ctx.connectionParams?.authorization,
            ctx.connectionParams?.tenant,
            clientIp(ctx.extra.request),
            'ws',
          );
        } catch {
          return false;
        }
        if (!auth) return false;
        ctx.extra.auth = auth;
        // a quiet stream still ends when its credential does: re-checked on a timer
        const socket = ctx.extra.socket;
        const timer = setInterval(() => {
          void isCredentialActive(services.database, auth)
            .then((active) => {
              if (!active) socket.close(4403, 'Forbidden: credential revoked or expired');
            })
            .catch(() => {});
        }, env.ANTIDOTE_WS_RECHECK_SECONDS * 1000);
        timer.unref();
        socket.once('close', () => clearInterval(timer));
        return true;
      },
      // every operation meets the HTTP rules: rate limit, token cap, the same validation rules
      onSubscribe: (ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const key = rateLimitKey(bearerOf(ctx.connectionParams?.authorization), clientIp(ctx.extra.request));
        const wait = limiter.take(key);
        if (wait > 0) return [tooMany(wait)];
        let document = validDocuments.get(payload.query);
        if (!document) {
          try {
            document = hardening.parse(payload.query);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error')];
          }
          const errors = validate(schema, document, [...specifiedRules, ...hardening.validationRules]);
          if (errors.length > 0) return errors;
          rememberDocument(payload.query, document);
        }
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) =>
          e.extensions?.code === 'RATE_LIMITED' ? e.toJSON() : (hardening.formatClientErrors([e])[0] ?? e.toJSON()),
        ),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => hardening.formatError(e.toJSON(), e)) } : undefined,
      // the connection's credential is checked again for every operation: a key revoked or a
      // session ended while the socket stays open answers UNAUTHENTICATED as over HTTP (a socket
      // token only had to be valid when the connection opened)
      context: async (ctx) => {
        const auth = ctx.extra.auth;
        const active = auth ? await isCredentialActive(services.database, auth).catch(() => false) : false;
        return createContext(services, active ? (auth ?? null) : null, clientIp(ctx.extra.request));
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    // the process owns its signals (main.ts drains and exits); Apollo's handler would swallow them
    stopOnTerminationSignals: false,
    introspection: !env.production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    plugins: [
      ...(hardening.apolloPlugins as ApolloServerPlugin<GraphQLContext>[]),
      ApolloServerPluginDrainHttpServer({ httpServer: server }) as ApolloServerPlugin<GraphQLContext>,
      ...(env.production ? [ApolloServerPluginLandingPageDisabled() as ApolloServerPlugin<GraphQLContext>] : []),
      // the schema has no cache hints, so Apollo's cache-control plugin only ever answered
      // `no-store`, after a hook on every field of every answer that also wraps every resolver
      ApolloServerPluginCacheControlDisabled() as ApolloServerPlugin<GraphQLContext>,
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
        // a query reads: its page and loaders share one tenant transaction, ended once the answer is ready
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, contextValue }) {
              if (operation?.operation === 'query') contextValue.shareTenantTransaction();
            },
            async willSendResponse({ contextValue, response }) {
              response.http.headers.set('cache-control', 'no-store');
              void contextValue
                ?.release()
                .catch((error: unknown) => log.warn({ err: error }, 'ending a request transaction failed'));
            },
          };
        },
      },
    ],
    validationRules: hardening.validationRules,
    formatError: hardening.formatError,
  });
  await apollo.start();
  await services.credentials.start();

  app.use((req, res, next) => {
    const origin = req.headers.origin;
    if (origin && env.corsOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
      res.setHeader('access-control-allow-headers', 'authorization, content-type, x-antidote-tenant, apollo-require-preflight');
      res.setHeader('access-control-max-age', '600');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });
  app.use((req, res, next) => {
    // a listener and a clock read per request, for a line that is only written at debug level
    if (!log.isLevelEnabled('debug')) {
      next();
      return;
    }
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });
  app.use((req, res, next) => {
    const bearer = bearerOf(req.headers.authorization);
    // the credential cache keys on the same digest: hashed once per request
    const digest = bearer ? sha256(bearer) : undefined;
    res.locals.bearerSha256 = digest;
    const key = rateLimitKey(bearer, clientIp(req), digest);
    const wait = limiter.take(key);
    if (wait > 0) {
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      res.status(429).json({ errors: [{ message: 'Rate limit exceeded; retry later.', extensions: { code: 'RATE_LIMITED' } }] });
      return;
    }
    next();
  });

  mountHttpRoutes(app, services);
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    graphqlHandler(apollo, async (req) =>
      createContext(
        services,
        await authFrom(
          services,
          req.headers.authorization,
          req.headers['x-antidote-tenant'],
          clientIp(req),
          'http',
          req.res?.locals.bearerSha256 as string | undefined,
        ),
        clientIp(req),
      ),
    ),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, 'gateway listening');
  return {
    server,
    url,
    async close() {
      await services.credentials.close();
      await apollo.stop();
      wsServer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
