/**
 * Adversarial tenancy suite, run against PGlite and Postgres: tenant A builds real data through
 * the API (models, versions, dataset, jobs, a finding, a monitor with a webhook, API keys, audit
 * entries, uploads); tenant B (owner session, viewer session, admin API key) then tries every
 * query, mutation, subscription and signed link on it and must get nothing and change nothing.
 * Resolvers carry no tenant filter by design, so the "RLS alone" blocks prove isolation on the
 * database itself. The KNOWN BUG/GAP blocks at the end pin bugs found here until they are fixed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Database, postgresError, schema, type Tx } from '@antidote/db';
import { assembleServices, createLogger, readGatewayEnv, startGateway } from '@antidote/gateway';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { appendJobEvent } from '@antidote/jobs';
import { signToken } from '@antidote/storage';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildArchives,
  createUploadSlot,
  mutate,
  ok,
  type Payload,
  rawId,
  record,
  type Session,
  sleep,
  stringsIn,
  type UploadSlot,
  type UserErrorShape,
  uploadBytes,
  waitFor,
  wsClient,
} from './support.ts';

const rowsOf = (result: unknown) => (result as { rows: Record<string, unknown>[] }).rows;

/** Tables holding tenant rows, with a column that orders them stably. */
const TENANT_TABLES: readonly (readonly [string, string])[] = [
  ['models', 'id'],
  ['model_versions', 'id'],
  ['datasets', 'id'],
  ['jobs', 'id'],
  ['job_events', 'id'],
  ['findings', 'id'],
  ['monitors', 'id'],
  ['api_keys', 'id'],
  ['audit_log', 'id'],
  ['uploads', 'id'],
  ['artifacts', 'sha256'],
  ['memberships', 'user_id'],
];

const USER_ERRORS = 'userErrors { code message field }';
const Q = {
  registerModel: `mutation($i: RegisterModelInput!) { registerModel(input: $i) { model { id name } version { id sha256 downloadUrl } ${USER_ERRORS} } }`,
  addModelVersion: `mutation($i: AddModelVersionInput!) { addModelVersion(input: $i) { version { id sha256 } monitorJobs { id } ${USER_ERRORS} } }`,
  registerDataset: `mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { dataset { id sha256 thumbnailsUrl } ${USER_ERRORS} } }`,
  startScan: `mutation($i: StartScanInput!) { startScan(input: $i) { job { id state } ${USER_ERRORS} } }`,
  startRepair: `mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id state } ${USER_ERRORS} } }`,
  startSweep: `mutation($i: StartSweepInput!) { startSweep(input: $i) { job { id } ${USER_ERRORS} } }`,
  cancelJob: `mutation($i: CancelJobInput!) { cancelJob(input: $i) { job { id state } ${USER_ERRORS} } }`,
  createUpload: `mutation($i: CreateUploadInput!) { createUpload(input: $i) { upload { id url } ${USER_ERRORS} } }`,
  createApiKey: `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id prefix } ${USER_ERRORS} } }`,
  revokeApiKey: `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { id revokedAt } ${USER_ERRORS} } }`,
  createMonitor: `mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { monitor { id } ${USER_ERRORS} } }`,
  updateMonitor: `mutation($i: UpdateMonitorInput!) { updateMonitor(input: $i) { monitor { id name enabled } ${USER_ERRORS} } }`,
  deleteMonitor: `mutation($i: DeleteMonitorInput!) { deleteMonitor(input: $i) { deletedId ${USER_ERRORS} } }`,
  testMonitorWebhook: `mutation($i: TestMonitorWebhookInput!) { testMonitorWebhook(input: $i) { deliveries { url status } ${USER_ERRORS} } }`,
} as const;

interface ApiKeyMade {
  id: string;
  secret: string;
  prefix: string;
}

/** What a tenant built through the API: global IDs unless the name says raw/sha. */
interface TenantWorld {
  slug: string;
  tenantId: string;
  tenantGid: string;
  owner: Session;
  key: ApiKeyMade;
  model: string;
  versions: string[];
  versionShas: string[];
  dataset: string;
  datasetSha: string;
  thumbnailsUrl: string;
  downloadUrl: string;
  monitor: string;
  scanJob: string;
  jobs: string[];
  finding: string;
  reportHtmlUrl: string;
  uploads: (UploadSlot & { sha256: string })[];
}

/** A tiny webhook receiver: counts every delivery. */
async function startHookServer(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, server };
}

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('token') ?? '';
}

function withToken(url: string, token: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('token', token);
  return parsed.toString();
}

/** Changes the last signature character: the HMAC no longer matches. */
function tamperSignature(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -1)}${last}`;
}

/** Rewrites a claim but keeps the original signature. */
function tamperClaims(token: string, changes: Record<string, unknown>): string {
  const [version, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url');
  return `${version}.${forged}.${signature}`;
}

describe.each(['pglite', 'postgres'] as const)('tenant isolation (%s)', (backend) => {
  let gw: TestGateway;
  let hook: Awaited<ReturnType<typeof startHookServer>>;
  let A: TenantWorld;
  let B: TenantWorld;
  let bViewer: Session;
  let bOpenUpload: UploadSlot;
  let aOpenUpload: UploadSlot;
  /** Every global ID of tenant A that a Node query can resolve (Upload IDs are not nodes). */
  let aNodeIds: string[];
  /** Strings that only tenant A's data contains: raw ids, digests, secrets, webhook URL. */
  let aFingerprints: string[];

  async function buildTenant(slug: string, archives: { model: Uint8Array; model2: Uint8Array; dataset: Uint8Array }) {
    const owner = await gw.signUp(slug, 'owner');
    const token = owner.token;
    const modelUpload = await uploadBytes(gw, token, 'MODEL', 'classifier.zip', archives.model);
    const registered = await mutate<{
      model: { id: string };
      version: { id: string; sha256: string; downloadUrl: string };
    }>(gw, token, Q.registerModel, {
      i: { name: 'fraud-cnn', description: `${slug} production model`, uploadId: modelUpload.id },
    });
    const datasetUpload = await uploadBytes(gw, token, 'DATASET', 'trusted.zip', archives.dataset);
    const dataset = await mutate<{ dataset: { id: string; sha256: string; thumbnailsUrl: string } }>(
      gw,
      token,
      Q.registerDataset,
      {
        i: { name: 'trusted', uploadId: datasetUpload.id },
      },
    );
    const monitor = await mutate<{ monitor: { id: string } }>(gw, token, Q.createMonitor, {
      i: {
        name: 'nightly',
        modelId: registered.model.id,
        datasetId: dataset.dataset.id,
        intervalMinutes: 60,
        webhooks: [{ url: `${hook.url}/hook-${slug}`, secret: `${slug}-webhook-secret-0123456789` }],
      },
    });
    // a new version: the monitor starts a scan of it
    const secondUpload = await uploadBytes(gw, token, 'MODEL', 'classifier-v2.zip', archives.model2);
    const added = await mutate<{ version: { id: string; sha256: string }; monitorJobs: { id: string }[] }>(
      gw,
      token,
      Q.addModelVersion,
      { i: { modelId: registered.model.id, uploadId: secondUpload.id } },
    );
    const scan = await mutate<{ job: { id: string } }>(gw, token, Q.startScan, {
      i: { modelVersionId: registered.version.id, datasetId: dataset.dataset.id, idempotencyKey: 'nightly-1', seed: 1 },
    });
    const repair = await mutate<{ job: { id: string } }>(gw, token, Q.startRepair, {
      i: { modelVersionId: added.version.id, datasetId: dataset.dataset.id, method: 'PIVOTAL_TUNING' },
    });
    const key = await mutate<{ secret: string; apiKey: { id: string; prefix: string } }>(gw, token, Q.createApiKey, {
      i: { name: 'ci', role: 'ADMIN' },
    });
    // the API key works too: a scan started by CI
    const byKey = await mutate<{ job: { id: string } }>(gw, key.secret, Q.startScan, {
      i: { modelVersionId: added.version.id, datasetId: dataset.dataset.id, idempotencyKey: 'ci-2' },
    });
    // a finding, as a worker would write it (no worker runs here)
    const [finding] = await gw.database.withTenant(owner.tenantId, (tx) =>
      tx
        .insert(schema.findings)
        .values({
          tenantId: owner.tenantId,
          jobId: rawId(scan.job.id),
          modelVersionId: rawId(registered.version.id),
          datasetId: rawId(dataset.dataset.id),
          kind: 'detection',
          method: 'cti',
          score: 0.93,
          threshold: 0.5,
          verdict: 'backdoored',
          suspectedTarget: 3,
        })
        .returning(),
    );
    if (!finding) throw new Error('finding insert returned nothing');
    const reports = await ok<{ findings: { edges: { node: { id: string; reportHtmlUrl: string } }[] } }>(
      gw,
      token,
      '{ findings(first: 5) { edges { node { id reportHtmlUrl } } } }',
    );
    const me = await ok<{ me: { tenant: { id: string } } }>(gw, token, '{ me { tenant { id } } }');
    const world: TenantWorld = {
      slug,
      tenantId: owner.tenantId,
      tenantGid: me.me.tenant.id,
      owner,
      key: { id: key.apiKey.id, secret: key.secret, prefix: key.apiKey.prefix },
      model: registered.model.id,
      versions: [registered.version.id, added.version.id],
      versionShas: [registered.version.sha256, added.version.sha256],
      dataset: dataset.dataset.id,
      datasetSha: dataset.dataset.sha256,
      thumbnailsUrl: dataset.dataset.thumbnailsUrl,
      downloadUrl: registered.version.downloadUrl,
      monitor: monitor.monitor.id,
      scanJob: scan.job.id,
      jobs: [scan.job.id, repair.job.id, byKey.job.id, ...added.monitorJobs.map((j) => j.id)],
      finding: reports.findings.edges[0]?.node.id ?? '',
      reportHtmlUrl: reports.findings.edges[0]?.node.reportHtmlUrl ?? '',
      uploads: [modelUpload, datasetUpload, secondUpload],
    };
    return world;
  }

  beforeAll(async () => {
    const archives = await buildArchives();
    hook = await startHookServer();
    gw = await startTestGateway({ backend, env: { ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS: '1' } });
    A = await buildTenant('acme', { model: archives.models[0], model2: archives.models[1], dataset: archives.datasets[0] });
    // B deliberately reuses A's names and idempotency keys; its bytes differ (B-only digests)
    B = await buildTenant('globex', { model: archives.models[2], model2: archives.models[2], dataset: archives.datasets[1] });
    bViewer = await gw.signUp('globex', 'viewer');
    aOpenUpload = await createUploadSlot(gw, A.owner.token, 'MODEL', 'open.zip', 1000);
    bOpenUpload = await createUploadSlot(gw, B.owner.token, 'MODEL', 'open.zip', 1000);

    const audit = await ok<{ auditLog: { edges: { node: { id: string } }[] } }>(
      gw,
      A.owner.token,
      '{ auditLog(first: 100) { edges { node { id } } } }',
    );
    aNodeIds = [
      A.tenantGid,
      A.model,
      ...A.versions,
      A.dataset,
      A.monitor,
      ...A.jobs,
      A.finding,
      A.key.id,
      ...audit.auditLog.edges.map((e) => e.node.id),
    ];
    aFingerprints = [
      A.tenantId,
      A.owner.userId,
      ...aNodeIds.map(rawId).filter((id) => id.length > 20),
      ...A.versionShas,
      A.datasetSha,
      A.key.prefix,
      `${hook.url}/hook-acme`,
    ];
  });

  afterAll(async () => {
    await gw?.close();
    await new Promise((resolve) => hook?.server.close(resolve));
  });

  /** B's callers: the same attacks run as each of them. */
  const callers = () => [
    { name: 'B owner session', token: B.owner.token },
    { name: 'B viewer session', token: bViewer.token },
    { name: 'B admin API key', token: B.key.secret },
  ];

  /** Tenant A's rows on the owner connection (no RLS): the ground truth "unchanged" compares. */
  async function snapshotOf(tenantId: string): Promise<string> {
    const out: Record<string, unknown> = {};
    for (const [table, order] of TENANT_TABLES) {
      const rows = rowsOf(
        await gw.database.db.execute(
          sql`select * from ${sql.identifier(table)} where tenant_id = ${tenantId} order by ${sql.identifier(order)}`,
        ),
      );
      // advisory: an API key's first use of the minute stamps it; not a change made by anyone
      out[table] = rows.map(({ last_used_at: _, ...rest }) => rest);
    }
    return JSON.stringify(out);
  }

  async function countOf(table: string, tenantId: string): Promise<number> {
    const rows = rowsOf(
      await gw.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${tenantId}`),
    );
    return Number(rows[0]?.n ?? -1);
  }

  it('gives A its own IDs back (positive control: every A ID used below is valid)', async () => {
    for (const id of aNodeIds) {
      const res = await ok<{ node: { id: string } | null }>(gw, A.owner.token, 'query($id: ID!) { node(id: $id) { id } }', {
        id,
      });
      expect(res.node, `A reading its own ${Buffer.from(id, 'base64url').toString()}`).toEqual({ id });
    }
    expect(aNodeIds.length).toBeGreaterThanOrEqual(12);
  });

  it('B resolves none of A global IDs through node(id), as owner, viewer and API key', async () => {
    for (const caller of callers()) {
      for (const id of [...aNodeIds, ...A.uploads.map((u) => u.id), aOpenUpload.id]) {
        const res = await gw.gql<{ node: unknown }>(caller.token, 'query($id: ID!) { node(id: $id) { id __typename } }', { id });
        expect(res.errors, caller.name).toBeUndefined();
        expect(res.data?.node, `${caller.name} reading ${Buffer.from(id, 'base64url').toString()}`).toBeNull();
      }
    }
  });

  it('B connections, filters, me, overview and verifyAuditChain only cover B', async () => {
    // several requests: one query with everything exceeds the gateway's cost limit
    const queries = [
      '{ me { tenant { id slug } memberships { tenant { id } } } overview { modelCount runningJobs recentJobs { id } } }',
      '{ models(first: 100) { totalCount edges { node { id name latestVersion { id sha256 } } } } }',
      '{ more: models(first: 100) { edges { node { versions { totalCount } monitors { id } } } } }',
      '{ datasets(first: 100) { totalCount edges { node { id sha256 } } } monitors(first: 100) { totalCount edges { node { id webhooks { url } } } } }',
      '{ jobs(first: 100) { totalCount edges { node { id modelVersion { id } dataset { id } } } } }',
      '{ moreJobs: jobs(first: 100) { edges { node { events { jobId seq } findings { id } } } } }',
      '{ findings(first: 100) { totalCount edges { node { id modelVersion { id } job { id } } } } }',
    ];
    // keys and the audit log are for admins (a viewer is refused: test/security/authorization)
    const adminQueries = [
      '{ apiKeys(first: 100) { totalCount edges { node { id prefix } } } auditLog(first: 100) { totalCount edges { node { id actor target } } } }',
      '{ verifyAuditChain { ok count headHash } }',
    ];
    type Conn = { totalCount: number; edges: { node: { id: string } }[] };
    type Answer = {
      me: { tenant: { id: string; slug: string }; memberships: { tenant: { id: string } }[] };
      models: Conn;
      datasets: Conn;
      jobs: Conn;
      findings: Conn;
      monitors: Conn;
      apiKeys: Conn;
      auditLog: Conn;
      overview: { modelCount: number; runningJobs: number; recentJobs: { id: string }[] };
      verifyAuditChain: { ok: boolean; count: number; headHash: string };
    };
    const aChain = await ok<{ verifyAuditChain: { count: number; headHash: string } }>(
      gw,
      A.owner.token,
      '{ verifyAuditChain { count headHash } }',
    );
    for (const caller of callers()) {
      const admin = caller.token !== bViewer.token;
      const res = Object.assign(
        {},
        ...(await Promise.all([...queries, ...(admin ? adminQueries : [])].map((q) => ok<Partial<Answer>>(gw, caller.token, q)))),
      ) as Answer;
      // nothing of A anywhere in the answer
      const strings = stringsIn(res);
      for (const fingerprint of aFingerprints) expect(strings.join('\n'), caller.name).not.toContain(fingerprint);
      for (const id of aNodeIds) expect(strings, caller.name).not.toContain(id);
      // the counts are B's own, to the row
      expect(res.me.tenant).toEqual({ id: B.tenantGid, slug: 'globex' });
      expect(res.models.totalCount).toBe(await countOf('models', B.tenantId));
      expect(res.datasets.totalCount).toBe(await countOf('datasets', B.tenantId));
      expect(res.jobs.totalCount).toBe(await countOf('jobs', B.tenantId));
      expect(res.findings.totalCount).toBe(await countOf('findings', B.tenantId));
      expect(res.monitors.totalCount).toBe(await countOf('monitors', B.tenantId));
      expect(res.overview.modelCount).toBe(await countOf('models', B.tenantId));
      expect(res.overview.runningJobs).toBe(B.jobs.length);
      expect(res.overview.recentJobs.every((j) => B.jobs.includes(j.id))).toBe(true);
      if (!admin) continue;
      expect(res.apiKeys.totalCount).toBe(await countOf('api_keys', B.tenantId));
      // the audit chain B verifies is B's: its own entries, its own head
      const bAudit = await countOf('audit_log', B.tenantId);
      expect(res.verifyAuditChain.ok).toBe(true);
      expect(res.verifyAuditChain.count).toBe(bAudit);
      expect(res.auditLog.totalCount).toBe(bAudit);
      expect(res.verifyAuditChain.headHash).not.toBe(aChain.verifyAuditChain.headHash);
      expect(aChain.verifyAuditChain.count).toBe(await countOf('audit_log', A.tenantId));
    }
    // filters that name A's things find nothing either
    const filtered = await ok<{
      models: { totalCount: number };
      auditLog: { totalCount: number };
      jobs: { edges: { node: { id: string } }[] };
    }>(
      gw,
      B.owner.token,
      'query($actor: String!) { models(search: "fraud") { totalCount } auditLog(actor: $actor) { totalCount } jobs(first: 100, state: QUEUED) { edges { node { id } } } }',
      { actor: `user:${A.owner.userId}` },
    );
    expect(filtered.models.totalCount).toBe(1);
    expect(filtered.auditLog.totalCount).toBe(0);
    expect(filtered.jobs.edges.map((e) => e.node.id).sort()).toEqual([...B.jobs].sort());
    // memberships of a B user list B only
    const me = await ok<{ me: { memberships: { tenant: { id: string } }[] } }>(
      gw,
      bViewer.token,
      '{ me { memberships { tenant { id } } } }',
    );
    expect(me.me.memberships).toEqual([{ tenant: { id: B.tenantGid } }]);
  });

  it('B reusing A names and idempotency keys gets its own objects, not A ones (no cross-tenant CONFLICT oracle)', () => {
    expect(B.model).not.toBe(A.model);
    expect(B.dataset).not.toBe(A.dataset);
    // same idempotency key "nightly-1" in both tenants: two jobs, not A's job handed to B
    expect(B.scanJob).not.toBe(A.scanJob);
    expect(new Set([...A.jobs, ...B.jobs]).size).toBe(A.jobs.length + B.jobs.length);
    // B's archives are its own bytes, so these digests are B-only
    for (const sha of B.versionShas) expect(A.versionShas).not.toContain(sha);
  });

  it('a name taken in the same tenant is a CONFLICT that names it', async () => {
    const archives = await buildArchives();
    const modelUpload = await uploadBytes(gw, B.owner.token, 'MODEL', 'again.zip', archives.models[2]);
    const datasetUpload = await uploadBytes(gw, B.owner.token, 'DATASET', 'again.zip', archives.datasets[1]);
    const model = await ok<{ registerModel: Payload<object> }>(gw, B.owner.token, Q.registerModel, {
      i: { name: 'fraud-cnn', uploadId: modelUpload.id },
    });
    expect(model.registerModel.userErrors).toEqual([
      expect.objectContaining({ code: 'CONFLICT', message: 'A model named "fraud-cnn" exists; add a version to it instead.' }),
    ]);
    const dataset = await ok<{ registerDataset: Payload<object> }>(gw, B.owner.token, Q.registerDataset, {
      i: { name: 'trusted', uploadId: datasetUpload.id },
    });
    expect(dataset.registerDataset.userErrors).toEqual([
      expect.objectContaining({ code: 'CONFLICT', message: 'A dataset named "trusted" exists.' }),
    ]);
  });

  it('every mutation with A IDs answers NOT_FOUND to B and leaves A unchanged', async () => {
    const before = await snapshotOf(A.tenantId);
    const hitsBefore = hook.hits.length;
    // uploads register once: B's own registered uploads are spent, so B brings a fresh one
    const bModelUpload = (await uploadBytes(gw, B.owner.token, 'MODEL', 'fresh.zip', (await buildArchives()).models[2])).id;
    const aModelUpload = A.uploads[0]?.id ?? '';
    const aDatasetUpload = A.uploads[1]?.id ?? '';
    const [aV1 = '', aV2 = ''] = A.versions;
    const [bV1 = ''] = B.versions;
    const attacks: { name: keyof typeof Q; input: Record<string, unknown>; field: string }[] = [
      { name: 'addModelVersion', input: { modelId: A.model, uploadId: bModelUpload }, field: 'modelId' },
      { name: 'addModelVersion', input: { modelId: B.model, uploadId: aModelUpload }, field: 'uploadId' },
      { name: 'registerModel', input: { name: 'stolen', uploadId: aModelUpload }, field: 'uploadId' },
      { name: 'registerModel', input: { name: 'stolen-open', uploadId: aOpenUpload.id }, field: 'uploadId' },
      { name: 'registerDataset', input: { name: 'stolen', uploadId: aDatasetUpload }, field: 'uploadId' },
      { name: 'startScan', input: { modelVersionId: aV1, datasetId: B.dataset }, field: 'modelVersionId' },
      { name: 'startScan', input: { modelVersionId: bV1, datasetId: A.dataset }, field: 'datasetId' },
      {
        name: 'startScan',
        input: { modelVersionId: aV2, datasetId: A.dataset, idempotencyKey: 'nightly-1' },
        field: 'modelVersionId',
      },
      { name: 'startRepair', input: { modelVersionId: aV1, datasetId: B.dataset }, field: 'modelVersionId' },
      { name: 'startRepair', input: { modelVersionId: bV1, datasetId: A.dataset }, field: 'datasetId' },
      { name: 'cancelJob', input: { jobId: A.scanJob }, field: 'jobId' },
      { name: 'revokeApiKey', input: { id: A.key.id }, field: 'id' },
      { name: 'createMonitor', input: { name: 'spy', modelId: A.model, datasetId: B.dataset }, field: 'modelId' },
      { name: 'createMonitor', input: { name: 'spy', modelId: B.model, datasetId: A.dataset }, field: 'datasetId' },
      {
        name: 'updateMonitor',
        input: {
          id: A.monitor,
          name: 'pwned',
          enabled: false,
          webhooks: [{ url: `${hook.url}/attacker`, secret: 'x'.repeat(20) }],
        },
        field: 'id',
      },
      { name: 'deleteMonitor', input: { id: A.monitor }, field: 'id' },
      { name: 'testMonitorWebhook', input: { id: A.monitor }, field: 'id' },
    ];
    for (const caller of callers()) {
      for (const attack of attacks) {
        const res = await gw.gql<Record<string, Payload<Record<string, unknown>>>>(caller.token, Q[attack.name], {
          i: attack.input,
        });
        const label = `${caller.name}: ${attack.name}(${attack.field} of A)`;
        expect(res.errors, label).toBeUndefined();
        const payload = res.data?.[attack.name];
        const codes = payload?.userErrors.map((e: UserErrorShape) => e.code);
        // the viewer may be stopped by its role first; everyone else must hit the missing row
        if (caller.token === bViewer.token) expect(codes, label).toEqual([expect.stringMatching(/^(NOT_FOUND|FORBIDDEN)$/)]);
        else {
          expect(codes, label).toEqual(['NOT_FOUND']);
          expect(payload?.userErrors[0]?.field, label).toEqual(['input', attack.field]);
        }
        for (const [key, value] of Object.entries(payload ?? {})) {
          if (key === 'userErrors') continue;
          expect(value, `${label}: ${key}`).toEqual(Array.isArray(value) ? [] : null);
        }
      }
    }
    // not one byte of A changed, and A's webhook was never called
    expect(await snapshotOf(A.tenantId)).toBe(before);
    expect(hook.hits.length).toBe(hitsBefore);
    // A's key still works, A's monitor still fires (positive control for the webhook counter)
    const me = await ok<{ me: { tenant: { id: string } } }>(gw, A.key.secret, '{ me { tenant { id } } }');
    expect(me.me.tenant.id).toBe(A.tenantGid);
    const fired = await mutate<{ deliveries: { status: string }[] }>(gw, A.owner.token, Q.testMonitorWebhook, {
      i: { id: A.monitor },
    });
    expect(fired.deliveries).toEqual([{ url: `${hook.url}/hook-acme`, status: 'delivered' }]);
    expect(hook.hits).toEqual([...hook.hits.slice(0, hitsBefore), '/hook-acme']);
  });

  it('B viewer is FORBIDDEN to start jobs, upload, create keys or monitors, or cancel', async () => {
    const before = await snapshotOf(B.tenantId);
    const [bV1 = ''] = B.versions;
    const viewerKey = await mutate<{ secret: string }>(gw, B.owner.token, Q.createApiKey, {
      i: { name: 'viewer-key', role: 'VIEWER' },
    });
    const afterKey = await snapshotOf(B.tenantId);
    const attempts: [keyof typeof Q, Record<string, unknown>][] = [
      ['startScan', { modelVersionId: bV1, datasetId: B.dataset }],
      ['startRepair', { modelVersionId: bV1, datasetId: B.dataset }],
      ['startSweep', { attack: 'badnets', poisonCounts: [10] }],
      ['cancelJob', { jobId: B.scanJob }],
      ['createUpload', { purpose: 'MODEL', filename: 'm.zip', sizeBytes: 100 }],
      ['registerModel', { name: 'viewer-model', uploadId: B.uploads[0]?.id }],
      ['addModelVersion', { modelId: B.model, uploadId: B.uploads[0]?.id }],
      ['registerDataset', { name: 'viewer-data', uploadId: B.uploads[1]?.id }],
      ['createApiKey', { name: 'escalate', role: 'ADMIN' }],
      ['revokeApiKey', { id: B.key.id }],
      ['createMonitor', { name: 'viewer-monitor', modelId: B.model, datasetId: B.dataset }],
      ['updateMonitor', { id: B.monitor, enabled: false }],
      ['deleteMonitor', { id: B.monitor }],
      ['testMonitorWebhook', { id: B.monitor }],
    ];
    for (const [who, token] of [
      ['viewer session', bViewer.token],
      ['viewer API key', viewerKey.secret],
    ] as const) {
      for (const [name, input] of attempts) {
        const res = await gw.gql<Record<string, Payload<Record<string, unknown>>>>(token, Q[name], { i: input });
        expect(res.errors, `${who}: ${name}`).toBeUndefined();
        expect(
          res.data?.[name]?.userErrors.map((e) => e.code),
          `${who}: ${name}`,
        ).toEqual(['FORBIDDEN']);
      }
    }
    // B's job is still queued, nothing was created, revoked or deleted
    expect(await snapshotOf(B.tenantId)).toBe(afterKey);
    expect(before).not.toBe(afterKey); // (the owner's createApiKey did change B: the snapshot is sensitive)
    const job = await ok<{ node: { state: string } }>(
      gw,
      B.owner.token,
      'query($id: ID!) { node(id: $id) { ... on Job { state } } }',
      {
        id: B.scanJob,
      },
    );
    expect(job.node.state).toBe('QUEUED');
  });

  it('a session of an A-only member asking for tenant B is FORBIDDEN; A API key with B header still sees only A', async () => {
    for (const choice of [B.tenantId, B.slug, B.tenantGid, '00000000-0000-4000-8000-000000000000']) {
      const res = await gw.gql(A.owner.token, '{ me { tenant { id } } models { totalCount } }', undefined, choice);
      expect(res.errors?.[0]?.extensions?.code, `header ${choice}`).toBe('FORBIDDEN');
      expect(res.data ?? null).toBeNull();
      const raw = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${A.owner.token}`, 'x-antidote-tenant': choice },
        body: JSON.stringify({ query: '{ models { totalCount } }' }),
      });
      expect(raw.status).toBe(403);
    }
    // the B viewer asking for A: same answer
    const reverse = await gw.gql(bViewer.token, '{ models { totalCount } }', undefined, A.slug);
    expect(reverse.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // positive control: choosing one's own tenant by slug works
    const own = await ok<{ me: { tenant: { id: string } } }>(gw, A.owner.token, '{ me { tenant { id } } }', undefined, A.slug);
    expect(own.me.tenant.id).toBe(A.tenantGid);
    // API keys are bound to their tenant: the header is ignored
    for (const choice of [B.tenantId, B.slug]) {
      const res = await ok<{ me: { tenant: { id: string } }; models: { edges: { node: { id: string } }[] } }>(
        gw,
        A.key.secret,
        '{ me { tenant { id } } models(first: 100) { edges { node { id } } } }',
        undefined,
        choice,
      );
      expect(res.me.tenant.id).toBe(A.tenantGid);
      expect(res.models.edges.map((e) => e.node.id)).toEqual([A.model]);
    }
    // over graphql-ws: the A session asking for B is refused at connect (4403)
    const refused = wsClient(gw, { authorization: `Bearer ${A.owner.token}`, tenant: B.tenantId });
    const bySlug = wsClient(gw, { authorization: `Bearer ${A.owner.token}`, tenant: B.slug });
    const keyWs = wsClient(gw, { authorization: `Bearer ${A.key.secret}`, tenant: B.tenantId });
    try {
      for (const client of [refused, bySlug]) {
        const rec = record(client, '{ me { tenant { id } } }');
        await waitFor(() => rec.ended, 'refused connection');
        expect(rec.events).toEqual([]);
        expect((rec.error as { code?: number }).code).toBe(4403);
      }
      const viaKey = record<{ me: { tenant: { id: string } } }>(keyWs, '{ me { tenant { id } } }');
      await waitFor(() => viaKey.ended, 'API key query over ws');
      expect(viaKey.error).toBeUndefined();
      expect(viaKey.events).toEqual([{ me: { tenant: { id: A.tenantGid } } }]);
    } finally {
      await Promise.all([refused.dispose(), bySlug.dispose(), keyWs.dispose()]);
    }
  });

  it('subscriptions: jobProgress on an A job fails for B; B tenantEvents gets none of A events', async () => {
    type Event = { jobId: string; seq: number; type: string; message: string | null };
    const emit = (world: TenantWorld, job: string, message: string) =>
      gw.database.withTenant(world.tenantId, (tx) => appendJobEvent(tx, world.tenantId, rawId(job), { type: 'log', message }));
    const bOwnerWs = wsClient(gw, { authorization: `Bearer ${B.owner.token}` });
    const bKeyWs = wsClient(gw, { authorization: `Bearer ${B.key.secret}` });
    const bViewerWs = wsClient(gw, { authorization: `Bearer ${bViewer.token}`, tenant: B.slug });
    const aWs = wsClient(gw, { authorization: `Bearer ${A.owner.token}` });
    try {
      const progress = 'subscription($id: ID!) { jobProgress(jobId: $id) { jobId seq type } }';
      for (const client of [bOwnerWs, bKeyWs, bViewerWs]) {
        for (const job of A.jobs) {
          const rec = record<{ jobProgress: Event }>(client, progress, { id: job });
          await waitFor(() => rec.ended, 'jobProgress of an A job to fail');
          expect(rec.events).toEqual([]);
          expect(JSON.stringify(rec.error)).toContain('NOT_FOUND');
        }
      }
      // positive control: A follows its own job and gets the stored history
      const own = record<{ jobProgress: Event }>(aWs, progress, { id: A.scanJob });
      await waitFor(() => own.events.length >= 1, 'A jobProgress history');
      expect(own.events[0]?.jobProgress).toMatchObject({ jobId: A.scanJob, seq: 1, type: 'queued' });
      own.stop();

      const tenantEvents = 'subscription { tenantEvents { jobId seq type message } }';
      const bStreams = [bOwnerWs, bKeyWs, bViewerWs].map((c) => record<{ tenantEvents: Event }>(c, tenantEvents));
      const aStream = record<{ tenantEvents: Event }>(aWs, tenantEvents);
      const messages = (rec: { events: { tenantEvents: Event }[] }) => rec.events.map((e) => e.tenantEvents.message);
      // subscriptions have no "ready" signal: emit a marker until every stream has seen one
      for (let i = 0; !bStreams.every((s) => messages(s).includes('b-ready')); i++) {
        if (i > 100) throw new Error('B tenantEvents never became live');
        await emit(B, B.scanJob, 'b-ready');
        await sleep(100);
      }
      for (let i = 0; !messages(aStream).includes('a-ready'); i++) {
        if (i > 100) throw new Error('A tenantEvents never became live');
        await emit(A, A.scanJob, 'a-ready');
        await sleep(100);
      }
      // a worker of A reports progress on every A job
      for (const job of A.jobs) {
        await gw.database.withTenant(A.tenantId, (tx) =>
          appendJobEvent(tx, A.tenantId, rawId(job), {
            type: 'progress',
            phase: 'scan',
            step: 1,
            totalSteps: 2,
            progress: 0.5,
            message: 'a-secret',
          }),
        );
      }
      await emit(B, B.scanJob, 'b-done');
      await waitFor(
        () =>
          bStreams.every((s) => messages(s).includes('b-done')) &&
          messages(aStream).filter((m) => m === 'a-secret').length === A.jobs.length,
        'the closing marker',
      );
      await sleep(300);
      for (const stream of bStreams) {
        expect(stream.error).toBeUndefined();
        expect(new Set(stream.events.map((e) => e.tenantEvents.jobId))).toEqual(new Set([B.scanJob]));
        expect(messages(stream).filter((m) => m?.startsWith('a-'))).toEqual([]);
      }
      expect(aStream.events.every((e) => A.jobs.includes(e.tenantEvents.jobId))).toBe(true);
      for (const s of [...bStreams, aStream]) s.stop();
    } finally {
      await Promise.all([bOwnerWs, bKeyWs, bViewerWs, aWs].map((c) => c.dispose()));
    }
  });

  it('the event hub itself (no resolver check) replays nothing of an A job to a B subscriber', async () => {
    const controller = new AbortController();
    const leaked: unknown[] = [];
    const reader = (async () => {
      for await (const event of gw.services.hub.subscribe({
        tenantId: B.tenantId,
        jobId: rawId(A.scanJob),
        signal: controller.signal,
      }))
        leaked.push(event);
    })();
    await sleep(200);
    await gw.database.withTenant(A.tenantId, (tx) =>
      appendJobEvent(tx, A.tenantId, rawId(A.scanJob), { type: 'log', message: 'late' }),
    );
    await sleep(300);
    controller.abort();
    await reader;
    expect(leaked).toEqual([]);
    // positive control: the same call for A replays A's stored history
    const history = new AbortController();
    const seen: { type: string }[] = [];
    for await (const event of gw.services.hub.subscribe({
      tenantId: A.tenantId,
      jobId: rawId(A.scanJob),
      signal: history.signal,
    })) {
      seen.push(event);
      if (event.message === 'late') history.abort();
    }
    expect(seen[0]?.type).toBe('queued');
    expect(seen.length).toBeGreaterThan(3);
  });

  it('signed upload links: bound to one upload and tenant, tamper-proof, single-use', async () => {
    const put = (url: string, bytes = new Uint8Array([1, 2, 3])) => fetch(url, { method: 'PUT', body: bytes });
    const aToken = tokenOf(aOpenUpload.url);
    const bUrl = new URL(bOpenUpload.url);
    // A's token on B's upload path (or any other upload path) is refused before any lookup
    expect((await put(withToken(bOpenUpload.url, aToken))).status).toBe(403);
    expect((await put(`${gw.url}/uploads/${rawId(B.uploads[0]?.id ?? '')}?token=${aToken}`)).status).toBe(403);
    // tampered tokens: a changed signature, or claims rewritten to B / to B's upload
    expect((await put(withToken(aOpenUpload.url, tamperSignature(aToken)))).status).toBe(401);
    expect((await put(withToken(aOpenUpload.url, tamperClaims(aToken, { tenantId: B.tenantId })))).status).toBe(401);
    expect(
      (await put(withToken(bOpenUpload.url, tamperClaims(aToken, { uploadId: bUrl.pathname.split('/').pop() })))).status,
    ).toBe(401);
    // an upload token is not a download or report token (refused; the exact status is a known bug below)
    for (const path of [`/artifacts/${A.datasetSha}/x.zip`, `/reports/${rawId(A.finding)}.html`]) {
      const res = await fetch(`${gw.url}${path}?token=${aToken}`);
      expect(res.ok, path).toBe(false);
      expect(((await res.json()) as { error?: { code?: string } }).error?.code, path).toMatch(/^(FORBIDDEN|INTERNAL)$/);
    }
    // a token the gateway signed for tenant A but naming B's upload (a minting bug): the row is
    // looked up under A's RLS and is not there
    const misminted = signToken(gw.services.env.signingSecret, {
      tenantId: A.tenantId,
      purpose: 'upload',
      uploadId: rawId(bOpenUpload.id),
      maxBytes: 1000,
      expiresAt: Date.now() + 60_000,
    });
    expect((await put(withToken(bOpenUpload.url, misminted))).status).toBe(404);
    // expired tokens stop working
    const expired = signToken(gw.services.env.signingSecret, {
      tenantId: A.tenantId,
      purpose: 'upload',
      uploadId: rawId(aOpenUpload.id),
      expiresAt: Date.now() - 1,
    });
    expect((await put(withToken(aOpenUpload.url, expired))).status).toBe(401);
    // none of that touched either open upload: both still accept their own bytes, exactly once
    expect((await put(bOpenUpload.url)).status).toBe(200);
    expect((await put(aOpenUpload.url)).status).toBe(200);
    expect((await put(aOpenUpload.url)).status).toBe(404);
    // and the completed uploads belong to their own tenant only
    const [bRow] = rowsOf(
      await gw.database.db.execute(sql`select tenant_id, sha256 from uploads where id = ${rawId(bOpenUpload.id)}`),
    );
    expect(bRow?.tenant_id).toBe(B.tenantId);
    const visibleToA = rowsOf(await gw.database.withTenant(A.tenantId, (tx) => tx.execute(sql`select id from uploads`)));
    expect(visibleToA.map((r) => r.id)).not.toContain(rawId(bOpenUpload.id));
  });

  it('signed download and report links: bound to digest/finding and tenant; RLS stops mis-minted ones', async () => {
    const archives = await buildArchives();
    const get = (url: string) => fetch(url);
    const [aSha = ''] = A.versionShas;
    const [bSha = ''] = B.versionShas;
    const aToken = tokenOf(A.downloadUrl);
    const bToken = tokenOf(B.downloadUrl);
    // positive controls: each tenant downloads its own bytes
    const own = await get(A.downloadUrl);
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).equals(Buffer.from(archives.models[0]))).toBe(true);
    expect((await get(A.thumbnailsUrl)).headers.get('content-type')).toBe('image/png');
    expect((await get(B.downloadUrl)).status).toBe(200);
    // A's token on a B-only digest, B's token on A's digest, either on a made-up digest: refused
    expect((await get(`${gw.url}/artifacts/${bSha}/m.zip?token=${aToken}`)).status).toBe(403);
    expect((await get(`${gw.url}/artifacts/${aSha}/m.zip?token=${bToken}`)).status).toBe(403);
    expect((await get(`${gw.url}/artifacts/${B.datasetSha}/d.zip?token=${aToken}`)).status).toBe(403);
    expect((await get(`${gw.url}/artifacts/${'0'.repeat(64)}/x?token=${aToken}`)).status).toBe(403);
    // tampered: signature, or claims rewritten to B's digest / to tenant B
    expect((await get(withToken(A.downloadUrl, tamperSignature(aToken)))).status).toBe(401);
    expect((await get(`${gw.url}/artifacts/${bSha}/m.zip?token=${tamperClaims(aToken, { sha256: bSha })}`)).status).toBe(401);
    expect((await get(withToken(B.downloadUrl, tamperClaims(aToken, { tenantId: B.tenantId })))).status).toBe(401);
    // mis-minted (signed for tenant A, naming a digest only B owns): the artifacts row is read
    // under A's RLS, so the shared content store is never reached
    for (const [tenant, sha] of [
      [A.tenantId, bSha],
      [A.tenantId, B.datasetSha],
      [B.tenantId, aSha],
    ] as const) {
      const token = signToken(gw.services.env.signingSecret, {
        tenantId: tenant,
        purpose: 'download',
        sha256: sha,
        expiresAt: Date.now() + 60_000,
      });
      const res = await get(`${gw.url}/artifacts/${sha}/m.zip?token=${token}`);
      expect(res.status, `${tenant === A.tenantId ? 'A' : 'B'} token for ${sha}`).toBe(404);
      expect(await res.text()).not.toContain('PK');
    }
    // reports: A's link opens A's finding only
    const report = await get(A.reportHtmlUrl);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain(A.versionShas[0]);
    const reportToken = tokenOf(A.reportHtmlUrl);
    const bFinding = rawId(B.finding);
    expect((await get(`${gw.url}/reports/${bFinding}.html?token=${reportToken}`)).status).toBe(403);
    expect((await get(`${gw.url}/reports/${bFinding}.pdf?token=${reportToken}`)).status).toBe(403);
    expect((await get(`${gw.url}/reports/${rawId(A.finding)}.html?token=${aToken}`)).status).toBe(403);
    expect(
      (await get(`${gw.url}/reports/${bFinding}.html?token=${tamperClaims(reportToken, { uploadId: bFinding })}`)).status,
    ).toBe(401);
    const mintedReport = signToken(gw.services.env.signingSecret, {
      tenantId: A.tenantId,
      purpose: 'download',
      uploadId: bFinding,
      expiresAt: Date.now() + 60_000,
    });
    const leaked = await get(`${gw.url}/reports/${bFinding}.html?token=${mintedReport}`);
    expect(leaked.status).toBe(404);
    expect(await leaked.text()).not.toContain(B.versionShas[0]);
  });

  it('RLS alone: WHERE-less queries under withTenant(B) return only B rows; without RLS they return A rows', async () => {
    for (const [table] of TENANT_TABLES) {
      const query = sql`select * from ${sql.identifier(table)}`;
      const asB = rowsOf(await gw.database.withTenant(B.tenantId, (tx) => tx.execute(query)));
      expect(asB.length, `${table} has B rows`).toBeGreaterThan(0);
      expect(
        asB.filter((r) => r.tenant_id !== B.tenantId),
        `${table} under B`,
      ).toEqual([]);
      // the same statement on the owner connection and as the service role (both bypass RLS):
      // A's rows are there, so the statement alone would leak
      const owner = rowsOf(await gw.database.db.execute(query));
      expect(owner.filter((r) => r.tenant_id === A.tenantId).length, `${table} on the owner connection`).toBeGreaterThan(0);
      const service = rowsOf(await gw.database.asService((tx) => tx.execute(query)));
      expect(service.filter((r) => r.tenant_id === A.tenantId).length, `${table} as service`).toBeGreaterThan(0);
    }
    const tenants = rowsOf(await gw.database.withTenant(B.tenantId, (tx) => tx.execute(sql`select id from tenants`)));
    expect(tenants).toEqual([{ id: B.tenantId }]);
    // and a join across tables cannot reach A through a foreign key either
    const joined = rowsOf(
      await gw.database.withTenant(B.tenantId, (tx) =>
        tx.execute(sql`select f.id from findings f join model_versions v on v.id = f.model_version_id join models m on m.id = v.model_id
          where m.id = ${rawId(A.model)}`),
      ),
    );
    expect(joined).toEqual([]);
  });

  it('RLS alone: the same resolvers over a database handle whose withTenant skips RLS serve A data to B', async () => {
    // a second gateway in this process, same database, same resolvers; only withTenant differs:
    // it opens a plain owner transaction (no `set local role`, no app.tenant_id)
    const database = gw.database;
    const unscoped: Database = {
      ...database,
      withTenant: <T>(_tenantId: string, fn: (tx: Tx) => Promise<T>) => database.db.transaction(fn),
    };
    const env = readGatewayEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ANTIDOTE_RATE_LIMIT: '100000' });
    const services = await assembleServices(env, {
      database: unscoped,
      store: gw.services.store,
      log: createLogger('silent', 'no-rls'),
      queue: gw.services.queue,
    });
    const leaky = await startGateway(services, { host: '127.0.0.1', port: 0 });
    services.setPublicUrl(leaky.url);
    const ask = async (url: string, query: string, variables?: Record<string, unknown>) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${B.owner.token}` },
        body: JSON.stringify({ query, variables }),
      });
      return JSON.stringify(await response.json());
    };
    try {
      const list = '{ models(first: 100) { edges { node { id } } } jobs(first: 100) { edges { node { id } } } }';
      const node = 'query($id: ID!) { node(id: $id) { id } }';
      // B's own session, the real gateway: nothing of A
      expect(await ask(gw.url, list)).not.toContain(A.model);
      expect(await ask(gw.url, node, { id: A.finding })).not.toContain(A.finding);
      // the same request through the same resolvers without RLS: A's rows come back
      const leakedList = await ask(leaky.url, list);
      expect(leakedList).toContain(A.model);
      expect(leakedList).toContain(A.scanJob);
      expect(await ask(leaky.url, node, { id: A.finding })).toContain(A.finding);
      expect(await ask(leaky.url, node, { id: A.key.id })).toContain(A.key.id);
    } finally {
      await leaky.close();
      await services.hub.close();
    }
  });

  it('every table with a tenant_id column has RLS enabled and forced, and only tenant_id = app.tenant_id policies', async () => {
    const tables = rowsOf(
      await gw.database.db.execute(sql`
        select col.table_schema as schema, col.table_name as name, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
        from information_schema.columns col
        join pg_namespace n on n.nspname = col.table_schema
        join pg_class c on c.relnamespace = n.oid and c.relname = col.table_name
        where col.column_name = 'tenant_id' and c.relkind in ('r', 'p')
          and col.table_schema not in ('pg_catalog', 'information_schema')
        order by 1, 2`),
    ) as { schema: string; name: string; enabled: boolean; forced: boolean }[];
    const names = tables.map((t) => t.name);
    // the suite's own list is covered (guards against a query that silently finds nothing)
    for (const [table] of TENANT_TABLES) expect(names).toContain(table);
    expect(names).toContain('webhook_deliveries');
    const policies = rowsOf(
      await gw.database.db.execute(sql`
        select schemaname as schema, tablename as name, policyname, permissive, roles::text[] as roles, cmd, qual, with_check
        from pg_policies where schemaname not in ('pg_catalog', 'information_schema')`),
    ) as {
      schema: string;
      name: string;
      policyname: string;
      permissive: string;
      roles: string[];
      cmd: string;
      qual: string | null;
      with_check: string | null;
    }[];
    const tenantCheck = /\btenant_id = \(?NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)?::uuid/i;
    for (const table of [...tables, { schema: 'public', name: 'tenants', enabled: true, forced: true }]) {
      const label = `${table.schema}.${table.name}`;
      const [cls] = rowsOf(
        await gw.database.db.execute(
          sql`select relrowsecurity as enabled, relforcerowsecurity as forced from pg_class where oid = to_regclass(${label})`,
        ),
      );
      expect(cls, label).toEqual({ enabled: true, forced: true });
      const own = policies.filter((p) => p.schema === table.schema && p.name === table.name);
      expect(own.length, `${label} has a policy`).toBeGreaterThan(0);
      const check = table.name === 'tenants' ? /\bid = \(?NULLIF\(current_setting\('app\.tenant_id'::text, true\)/i : tenantCheck;
      for (const policy of own) {
        // permissive policies are OR-ed: any one without the tenant test would open the table
        expect(policy.roles, `${label}.${policy.policyname}`).toEqual(['antidote_app']);
        expect(policy.cmd, `${label}.${policy.policyname}`).toBe('ALL');
        expect(policy.qual, `${label}.${policy.policyname} USING`).toMatch(check);
        expect(policy.with_check, `${label}.${policy.policyname} WITH CHECK`).toMatch(check);
      }
    }
    // the request role can neither bypass RLS nor own (and so alter) a table
    const [role] = rowsOf(
      await gw.database.db.execute(sql`select rolsuper, rolbypassrls from pg_roles where rolname = 'antidote_app'`),
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = rowsOf(await gw.database.db.execute(sql`select tablename from pg_tables where tableowner = 'antidote_app'`));
    expect(owned).toEqual([]);
  });

  it('RLS fails closed: no tenant set sees nothing, foreign tenant_id writes are rejected, blanket writes touch only B', async () => {
    const asAppRole = (setting: string | null) =>
      gw.database.db.transaction(async (tx) => {
        await tx.execute(sql`set local role antidote_app`);
        if (setting !== null) await tx.execute(sql`select set_config('app.tenant_id', ${setting}, true)`);
        const out: Record<string, number> = {};
        for (const [table] of TENANT_TABLES) {
          out[table] = rowsOf(await tx.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`)).map((r) =>
            Number(r.n),
          )[0] as number;
        }
        return out;
      });
    const zero = Object.fromEntries(TENANT_TABLES.map(([t]) => [t, 0]));
    expect(await asAppRole(null)).toEqual(zero);
    expect(await asAppRole('')).toEqual(zero);
    expect(await asAppRole('00000000-0000-4000-8000-000000000000')).toEqual(zero);

    // B writing a row labelled as A's: WITH CHECK refuses it
    const planted = await gw.database
      .withTenant(B.tenantId, (tx) => tx.insert(schema.models).values({ tenantId: A.tenantId, name: 'planted' }))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(postgresError(planted)?.code).toBe('42501');
    // B moving its own row into A: refused as well
    const moved = await gw.database
      .withTenant(B.tenantId, (tx) => tx.execute(sql`update models set tenant_id = ${A.tenantId}`))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(postgresError(moved)?.code).toBe('42501');

    // blanket UPDATE/DELETE without WHERE under B, rolled back: only B's rows are touched
    const before = await snapshotOf(A.tenantId);
    const touched: Record<string, unknown>[] = [];
    const rollback = new Error('rollback');
    const outcome = await gw.database
      .withTenant(B.tenantId, async (tx) => {
        touched.push(...rowsOf(await tx.execute(sql`update jobs set state = 'cancelled' returning tenant_id`)));
        touched.push(...rowsOf(await tx.execute(sql`update api_keys set revoked_at = now() returning tenant_id`)));
        touched.push(...rowsOf(await tx.execute(sql`delete from monitors returning tenant_id`)));
        touched.push(...rowsOf(await tx.execute(sql`delete from models returning tenant_id`)));
        throw rollback;
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(rollback);
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.filter((r) => r.tenant_id !== B.tenantId)).toEqual([]);
    expect(await snapshotOf(A.tenantId)).toBe(before);
  });

  // ---- regressions of bugs this suite found, and one known gap that still stands ----------------

  it('an open graphql-ws connection stops working once its API key is revoked or its session ends', async () => {
    const key = await mutate<{ secret: string; apiKey: { id: string } }>(gw, A.owner.token, Q.createApiKey, {
      i: { name: 'leaked', role: 'ADMIN' },
    });
    const session = await gw.signUp('acme', 'analyst');
    const keyWs = wsClient(gw, { authorization: `Bearer ${key.secret}` });
    const sessionWs = wsClient(gw, { authorization: `Bearer ${session.token}` });
    const run = async (client: ReturnType<typeof wsClient>, query: string) => {
      const rec = record<Record<string, unknown>>(client, query);
      await waitFor(() => rec.ended, 'a ws operation');
      return rec;
    };
    try {
      // both sockets open and authenticated; a subscription keeps them connected
      const streams = [
        record(keyWs, 'subscription { tenantEvents { seq } }'),
        record(sessionWs, 'subscription { tenantEvents { seq } }'),
      ];
      expect((await run(keyWs, '{ me { role } }')).events).toEqual([{ me: { role: 'ADMIN' } }]);
      expect((await run(sessionWs, '{ me { role } }')).events).toEqual([{ me: { role: 'ANALYST' } }]);
      await mutate(gw, A.owner.token, Q.revokeApiKey, { i: { id: key.apiKey.id } });
      await ok(gw, session.token, 'mutation { signOut }');
      // over HTTP both credentials are dead
      expect((await gw.gql(key.secret, '{ me { role } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await gw.gql(session.token, '{ me { role } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // over the sockets opened before, they still read the tenant's data and even mint a new key
      const afterRevoke = await run(keyWs, '{ models(first: 5) { edges { node { id } } } }');
      const afterSignOut = await run(sessionWs, '{ models(first: 5) { edges { node { id } } } }');
      const minted = await run(
        keyWs,
        'mutation { createApiKey(input: { name: "persist", role: ADMIN }) { secret userErrors { code } } }',
      );
      const stillWorks = (rec: { events: unknown[] }) => JSON.stringify(rec.events).includes(A.model);
      expect(stillWorks(afterRevoke)).toBe(false);
      expect(stillWorks(afterSignOut)).toBe(false);
      expect(JSON.stringify(minted.events)).not.toContain('"secret":"ak_');
      for (const stream of streams) stream.stop();
    } finally {
      await Promise.all([keyWs.dispose(), sessionWs.dispose()]);
    }
  });

  it('a token of the wrong purpose on /artifacts or /reports answers 403', async () => {
    const uploadToken = tokenOf(aOpenUpload.url);
    const statuses = [];
    for (const path of [`/artifacts/${A.datasetSha}/x.zip`, `/reports/${rawId(A.finding)}.html`]) {
      statuses.push((await fetch(`${gw.url}${path}?token=${uploadToken}`)).status);
    }
    // the upload route maps the same error to 403; these two routes do not look at error.status
    expect(statuses).toEqual([403, 403]);
  });

  it('ModelVersion.health follows its latest detection finding', async () => {
    const [aV1 = ''] = A.versions;
    const res = await ok<{ node: { health: string; findings: { verdict: string }[] } }>(
      gw,
      A.owner.token,
      'query($id: ID!) { node(id: $id) { ... on ModelVersion { health findings { verdict } } } }',
      { id: aV1 },
    );
    expect(res.node.findings).toEqual([{ verdict: 'BACKDOORED' }]);
    expect(res.node.health).toBe('BACKDOORED');
  });

  it('the database refuses rows of B that reference A rows by foreign key (tenant-composite keys)', async () => {
    const outcome = await gw.database
      .withTenant(B.tenantId, (tx) =>
        tx
          .insert(schema.monitors)
          .values({ tenantId: B.tenantId, modelId: rawId(A.model), datasetId: rawId(A.dataset), name: 'x' }),
      )
      .catch((error: unknown) => error);
    expect(String((outcome as { cause?: unknown })?.cause ?? outcome)).toMatch(/foreign key/);
  });
});
