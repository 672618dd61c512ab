import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { TenantRow, ModelRow, ModelVersionRow, DatasetRow, JobRow, JobEventRow, FindingRow, MonitorRow, ApiKeyRow, AuditRow, UserRow } from '../mappers.ts';
import type { GraphQLContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Antidote public API. Every object is tenant-scoped: the tenant comes from the API key, or for a
   * signed-in user from the `x-antidote-tenant` header (id or slug; default: the first membership).
   * IDs are opaque global IDs. Lists are Relay connections (first <= 100). Mutations never throw for
   * user mistakes: they return `userErrors` with a stable `code`.
   */
  DateTime: { input: Date | string; output: Date | string; }
  JSON: { input: unknown; output: unknown; }
};

export type AddModelVersionInput = {
  modelId: Scalars['ID']['input'];
  /** ONNX/Keras only: the model's preprocessing with the fields of antidote.json (layout, size, channels, channelOrder, scale, mean, std, resize); overrides sidecars in the upload, checked when the first job imports the version. */
  preprocessing?: InputMaybe<Scalars['JSON']['input']>;
  uploadId: Scalars['ID']['input'];
};

export type AddModelVersionPayload = {
  __typename?: 'AddModelVersionPayload';
  /** Scans started by monitors of this model. */
  monitorJobs: Array<Job>;
  userErrors: Array<UserError>;
  version?: Maybe<ModelVersion>;
};

export type ApiKey = Node & {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** First characters of the key, to recognise it; the secret is shown once at creation. */
  prefix: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  role: Role;
  scopes: Array<Scalars['String']['output']>;
};

export type ApiKeyConnection = {
  __typename?: 'ApiKeyConnection';
  edges: Array<ApiKeyEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ApiKeyEdge = {
  __typename?: 'ApiKeyEdge';
  cursor: Scalars['String']['output'];
  node: ApiKey;
};

export type ApiKeyPayload = {
  __typename?: 'ApiKeyPayload';
  apiKey?: Maybe<ApiKey>;
  userErrors: Array<UserError>;
};

/** A signed statement of the chain's head, to keep outside Antidote (notary, ticket, WORM storage). */
export type AuditAnchor = {
  __typename?: 'AuditAnchor';
  anchoredAt: Scalars['String']['output'];
  headHash: Scalars['String']['output'];
  /** HMAC-SHA256 of the fields above with a key that never enters the database. */
  mac: Scalars['String']['output'];
  seq: Scalars['Int']['output'];
  /** The tenant's raw id, as signed. */
  tenantId: Scalars['String']['output'];
};

export type AuditAnchorInput = {
  anchoredAt: Scalars['String']['input'];
  headHash: Scalars['String']['input'];
  mac: Scalars['String']['input'];
  seq: Scalars['Int']['input'];
  tenantId: Scalars['String']['input'];
};

export type AuditChainVerification = {
  __typename?: 'AuditChainVerification';
  brokenAtSeq?: Maybe<Scalars['Int']['output']>;
  count: Scalars['Int']['output'];
  headHash?: Maybe<Scalars['String']['output']>;
  ok: Scalars['Boolean']['output'];
  /** True when an anchor names an entry the chain no longer holds (its newest entries were removed). */
  truncated?: Maybe<Scalars['Boolean']['output']>;
};

export type AuditEntry = Node & {
  __typename?: 'AuditEntry';
  action: Scalars['String']['output'];
  actor: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  details: Scalars['JSON']['output'];
  hash: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  prevHash: Scalars['String']['output'];
  seq: Scalars['Int']['output'];
  target: Scalars['String']['output'];
};

export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  edges: Array<AuditEntryEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  cursor: Scalars['String']['output'];
  node: AuditEntry;
};

/** A detection's verdict as a false-positive rate: how often a clean model would score this high. */
export type Calibration = {
  __typename?: 'Calibration';
  /** The false-positive rate the backdoored verdict is held to (p below it); null for findings older than calibration. */
  falsePositiveRate?: Maybe<Scalars['Float']['output']>;
  /** Why a given reference did not apply, or why the bands decided. */
  note?: Maybe<Scalars['String']['output']>;
  /** Chance that a clean model of the reference scores at least this high; null when uncalibrated. */
  pValue?: Maybe<Scalars['Float']['output']>;
  /** Clean models in the family reference, or the other classes of an in-scan reference; 0 when uncalibrated. */
  referenceCount: Scalars['Int']['output'];
  referenceSource: CalibrationSource;
  status: CalibrationStatus;
};

/** Clean models' CTI scores of one family (architecture + input geometry + dataset). */
export type CalibrationReferenceInput = {
  cleanScores: Array<Scalars['Float']['input']>;
  /** The family, e.g. small-cnn:28x28x1:fashion-mnist. */
  family: Scalars['String']['input'];
  /** The scan settings the scores were measured with: a finding's params.calibrationSettings; a reference of other settings does not apply. */
  settings: Scalars['String']['input'];
  /** Who measured them (shown with the verdict). */
  source?: InputMaybe<Scalars['String']['input']>;
};

export type CalibrationSource =
  /** Clean models' scores of the model's family (architecture, input geometry, dataset), measured with the scan's settings. */
  | 'FAMILY'
  /** No reference: the fixed score bands. */
  | 'FIXED_BANDS'
  /** The scan's own other classes: how far the suspected class stands out of them. */
  | 'IN_SCAN';

/** How a detection's score became its verdict. */
export type CalibrationStatus =
  /** Read as a p-value against a reference (clean models of the family, or the scan's own classes). */
  | 'CALIBRATED'
  /** No reference applied: the fixed score bands decided (or the caller's own threshold). */
  | 'UNCALIBRATED';

export type CancelJobInput = {
  jobId: Scalars['ID']['input'];
};

export type CreateApiKeyInput = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  name: Scalars['String']['input'];
  role: Role;
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  apiKey?: Maybe<ApiKey>;
  /** The secret, shown this once. */
  secret?: Maybe<Scalars['String']['output']>;
  userErrors: Array<UserError>;
};

export type CreateMonitorInput = {
  datasetId: Scalars['ID']['input'];
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  intervalMinutes?: InputMaybe<Scalars['Int']['input']>;
  modelId: Scalars['ID']['input'];
  name: Scalars['String']['input'];
  scanOnNewVersion?: InputMaybe<Scalars['Boolean']['input']>;
  scoreThreshold?: InputMaybe<Scalars['Float']['input']>;
  webhooks?: InputMaybe<Array<WebhookInput>>;
};

export type CreateUploadInput = {
  filename: Scalars['String']['input'];
  purpose: UploadPurpose;
  /** Declared size; the upload is cut off when more bytes arrive. */
  sizeBytes: Scalars['Int']['input'];
};

export type CreateUploadPayload = {
  __typename?: 'CreateUploadPayload';
  upload?: Maybe<Upload>;
  userErrors: Array<UserError>;
};

export type Dataset = Node & {
  __typename?: 'Dataset';
  /** Images per class; empty when the dataset is unlabelled. */
  classHistogram: Array<Scalars['Int']['output']>;
  count: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  format: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  imageShape: Array<Scalars['Int']['output']>;
  /**
   * False when the upload held images without labels (a lone IDX or .npy images file, or an archive
   * of images not in class folders). Scans and repairs then label the images with the suspect
   * model's own predictions, so their held-out figures are agreement with the suspect, not accuracy;
   * evaluations and baseline repairs refuse such a dataset.
   */
  labelled: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  /** Classes in the labels; null when the dataset is unlabelled (the model's class count is used). */
  numClasses?: Maybe<Scalars['Int']['output']>;
  sha256: Scalars['String']['output'];
  /** Signed URL of a PNG grid of sample images (one row per class); null when none was made. */
  thumbnailsUrl?: Maybe<Scalars['String']['output']>;
};

export type DatasetConnection = {
  __typename?: 'DatasetConnection';
  edges: Array<DatasetEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type DatasetEdge = {
  __typename?: 'DatasetEdge';
  cursor: Scalars['String']['output'];
  node: Dataset;
};

export type DeleteMonitorInput = {
  id: Scalars['ID']['input'];
};

export type DeleteMonitorPayload = {
  __typename?: 'DeleteMonitorPayload';
  deletedId?: Maybe<Scalars['ID']['output']>;
  userErrors: Array<UserError>;
};

export type ErrorCode =
  | 'CLASS_MISMATCH'
  | 'CONFLICT'
  | 'CORRUPT_FILE'
  | 'FORBIDDEN'
  | 'INTERNAL'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  /** A per-plan quota (jobs at once, sweep size, monitors, storage) would be exceeded. */
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'SHAPE_MISMATCH'
  | 'TOO_LARGE'
  | 'UNAUTHENTICATED'
  | 'UNSUPPORTED_FORMAT';

export type Fidelity = {
  __typename?: 'Fidelity';
  /** trusted (the job's dataset) or noise (seeded, when the dataset does not fit). */
  inputs: Scalars['String']['output'];
  /** Largest |logit difference| between ONNX Runtime and Antidote's model. */
  maxAbsDiff: Scalars['Float']['output'];
  /** Largest |ONNX Runtime output|, the scale maxAbsDiff is relative to. */
  maxAbsOutput: Scalars['Float']['output'];
  /** Inputs compared. */
  n: Scalars['Int']['output'];
  /** Share of inputs (0..1) whose top-1 class agrees; scans and repairs need 0.999 unless overridden. */
  top1Agreement: Scalars['Float']['output'];
};

export type Finding = Node & {
  __typename?: 'Finding';
  asrAfter?: Maybe<Scalars['Float']['output']>;
  /** Attack success rate (percent), only when the attack was known (benchmarks, demos). */
  asrBefore?: Maybe<Scalars['Float']['output']>;
  /** Detections: how the score became the verdict (p-value and its reference, or UNCALIBRATED fixed bands); null for repairs. */
  calibration?: Maybe<Calibration>;
  cdaAfter?: Maybe<Scalars['Float']['output']>;
  /**
   * Clean accuracy (percent) on held-out trusted data, before and after repair. When the dataset was
   * unlabelled (params.heldOutMetric "agreement"), agreement with the suspect's predictions instead;
   * null for a scan of such a dataset.
   */
  cdaBefore?: Maybe<Scalars['Float']['output']>;
  createdAt: Scalars['DateTime']['output'];
  dataset?: Maybe<Dataset>;
  details: Scalars['JSON']['output'];
  /** Repairs: what shows the backdoor is gone. */
  evidence?: Maybe<RepairEvidence>;
  /** Repairs: the trade-offs the run saw on held-out trusted data (clean accuracy vs a known attack). */
  frontier: Array<RepairTradeoff>;
  id: Scalars['ID']['output'];
  job?: Maybe<Job>;
  /** Repairs: the run whose checkpoint was kept (Pivotal Tuning makes more when the first keeps nothing). */
  keptRun?: Maybe<Scalars['String']['output']>;
  /** detection | repair */
  kind: Scalars['String']['output'];
  method: Scalars['String']['output'];
  modelVersion: ModelVersion;
  params: Scalars['JSON']['output'];
  /** Repairs: why the repair is not called one (empty when it is). */
  reasons: Array<Scalars['String']['output']>;
  repairedVersion?: Maybe<ModelVersion>;
  /** Signed URLs of the report for auditors. */
  reportHtmlUrl: Scalars['String']['output'];
  reportPdfUrl: Scalars['String']['output'];
  /** Repairs: runs made. */
  runs?: Maybe<Scalars['Int']['output']>;
  score?: Maybe<Scalars['Float']['output']>;
  suspectedTarget?: Maybe<Scalars['Int']['output']>;
  threshold?: Maybe<Scalars['Float']['output']>;
  /** Signed URL of the inverted trigger (PNG), when the method produces one. */
  triggerImageUrl?: Maybe<Scalars['String']['output']>;
  verdict: Verdict;
};

export type FindingConnection = {
  __typename?: 'FindingConnection';
  edges: Array<FindingEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type FindingEdge = {
  __typename?: 'FindingEdge';
  cursor: Scalars['String']['output'];
  node: Finding;
};

/** Roll-up of a model version's findings: the latest detection decides; a repaired child wins. */
export type Health =
  | 'BACKDOORED'
  | 'CLEAN'
  | 'REPAIRED'
  | 'SUSPICIOUS'
  | 'UNSCANNED';

export type HealthCount = {
  __typename?: 'HealthCount';
  count: Scalars['Int']['output'];
  health: Health;
};

export type Job = Node & {
  __typename?: 'Job';
  attempts: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  dataset?: Maybe<Dataset>;
  error?: Maybe<JobError>;
  /** Scans and repairs: time and memory foreseen before the long work started (null until then). */
  estimate?: Maybe<JobEstimate>;
  /** Stored progress history, oldest first. */
  events: Array<JobEvent>;
  findings: Array<Finding>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  idempotencyKey?: Maybe<Scalars['String']['output']>;
  kind: JobKind;
  modelVersion?: Maybe<ModelVersion>;
  params: Scalars['JSON']['output'];
  phase?: Maybe<Scalars['String']['output']>;
  /** 0..1 */
  progress: Scalars['Float']['output'];
  /** What the job produced beyond findings: a sweep's table per poison count, an evaluation's figures. */
  result?: Maybe<Scalars['JSON']['output']>;
  /** Signed URL of the job's plot (sweeps: robustness and detectability against poison count), SVG. */
  resultPlotUrl?: Maybe<Scalars['String']['output']>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  state: JobState;
};


export type JobEventsArgs = {
  afterSeq?: InputMaybe<Scalars['Int']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type JobConnection = {
  __typename?: 'JobConnection';
  edges: Array<JobEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type JobEdge = {
  __typename?: 'JobEdge';
  cursor: Scalars['String']['output'];
  node: Job;
};

export type JobError = {
  __typename?: 'JobError';
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/** A job's cost foreseen from the model's FLOPs, the images it will process and the throughput the worker measured with this model. */
export type JobEstimate = {
  __typename?: 'JobEstimate';
  estimatedAt: Scalars['DateTime']['output'];
  /** The attempt's time limit set from the estimate (never below the job kind's default). */
  expireInSeconds: Scalars['Int']['output'];
  gflop: Scalars['Float']['output'];
  /** Training GFLOP/s measured on the worker with this model. */
  gflopsPerSecond: Scalars['Float']['output'];
  peakMemoryMb: Scalars['Float']['output'];
  seconds: Scalars['Float']['output'];
};

export type JobEvent = {
  __typename?: 'JobEvent';
  createdAt: Scalars['DateTime']['output'];
  jobId: Scalars['ID']['output'];
  message?: Maybe<Scalars['String']['output']>;
  metrics?: Maybe<Scalars['JSON']['output']>;
  phase?: Maybe<Scalars['String']['output']>;
  progress?: Maybe<Scalars['Float']['output']>;
  seq: Scalars['Int']['output'];
  step?: Maybe<Scalars['Int']['output']>;
  totalSteps?: Maybe<Scalars['Int']['output']>;
  /** queued | started | progress | checkpoint | log | retrying | succeeded | failed | cancelled */
  type: Scalars['String']['output'];
};

export type JobKind =
  | 'EVALUATE'
  | 'REPAIR'
  | 'SCAN'
  | 'SWEEP';

export type JobPayload = {
  __typename?: 'JobPayload';
  job?: Maybe<Job>;
  userErrors: Array<UserError>;
};

export type JobState =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type KnownAttackInput = {
  /** badnets | blend | wanet | adaptive-blend | adaptive-patch | trigger-scattered-badnets | sig | label-consistent | clean-label-wanet | refool | low-frequency | bpp */
  name: Scalars['String']['input'];
  targetClass: Scalars['Int']['input'];
};

export type Membership = {
  __typename?: 'Membership';
  role: Role;
  tenant: Tenant;
};

export type Model = Node & {
  __typename?: 'Model';
  createdAt: Scalars['DateTime']['output'];
  description: Scalars['String']['output'];
  health: Health;
  id: Scalars['ID']['output'];
  latestVersion?: Maybe<ModelVersion>;
  monitors: Array<Monitor>;
  name: Scalars['String']['output'];
  versionCount: Scalars['Int']['output'];
  versions: ModelVersionConnection;
};


export type ModelVersionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ModelConnection = {
  __typename?: 'ModelConnection';
  edges: Array<ModelEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ModelEdge = {
  __typename?: 'ModelEdge';
  cursor: Scalars['String']['output'];
  node: Model;
};

export type ModelVersion = Node & {
  __typename?: 'ModelVersion';
  /** Repaired versions made from this one. */
  children: Array<ModelVersion>;
  classNames?: Maybe<Array<Scalars['String']['output']>>;
  createdAt: Scalars['DateTime']['output'];
  /** Signed URL of the model as stored, valid 15 minutes: a TF.js archive (zip with model.json + weights), or for ONNX/Keras versions the customer's own file (repairs: the original graph with the repaired weights). */
  downloadUrl: Scalars['String']['output'];
  /** ONNX versions: agreement of the converted model (or, for a repair, of the written file) with ONNX Runtime. */
  fidelity?: Maybe<Fidelity>;
  findings: Array<Finding>;
  format: Scalars['String']['output'];
  health: Health;
  id: Scalars['ID']['output'];
  inputShape: Array<Scalars['Int']['output']>;
  model: Model;
  numClasses: Scalars['Int']['output'];
  paramCount: Scalars['Int']['output'];
  /** The version this one was repaired from (lineage original -> repaired). */
  parent?: Maybe<ModelVersion>;
  /** ONNX/Keras versions: the input preprocessing every scan, repair and evaluation applies; null until the first job imports the version, and for TF.js archives. */
  preprocessing?: Maybe<Preprocessing>;
  sha256: Scalars['String']['output'];
  version: Scalars['Int']['output'];
};

export type ModelVersionConnection = {
  __typename?: 'ModelVersionConnection';
  edges: Array<ModelVersionEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ModelVersionEdge = {
  __typename?: 'ModelVersionEdge';
  cursor: Scalars['String']['output'];
  node: ModelVersion;
};

export type Monitor = Node & {
  __typename?: 'Monitor';
  createdAt: Scalars['DateTime']['output'];
  dataset: Dataset;
  enabled: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  intervalMinutes?: Maybe<Scalars['Int']['output']>;
  lastRunAt?: Maybe<Scalars['DateTime']['output']>;
  model: Model;
  name: Scalars['String']['output'];
  nextRunAt?: Maybe<Scalars['DateTime']['output']>;
  scanOnNewVersion: Scalars['Boolean']['output'];
  scoreThreshold?: Maybe<Scalars['Float']['output']>;
  webhooks: Array<Webhook>;
};

export type MonitorConnection = {
  __typename?: 'MonitorConnection';
  edges: Array<MonitorEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type MonitorEdge = {
  __typename?: 'MonitorEdge';
  cursor: Scalars['String']['output'];
  node: Monitor;
};

export type MonitorPayload = {
  __typename?: 'MonitorPayload';
  monitor?: Maybe<Monitor>;
  userErrors: Array<UserError>;
};

export type Mutation = {
  __typename?: 'Mutation';
  addModelVersion: AddModelVersionPayload;
  cancelJob: JobPayload;
  createApiKey: CreateApiKeyPayload;
  createMonitor: MonitorPayload;
  /** A short-lived token for the WebSocket, bound to this session and tenant (page JavaScript gets this, never the session token). */
  createSocketToken: SocketTokenPayload;
  createUpload: CreateUploadPayload;
  deleteMonitor: DeleteMonitorPayload;
  registerDataset: RegisterDatasetPayload;
  registerModel: RegisterModelPayload;
  revokeApiKey: ApiKeyPayload;
  signIn: SignInPayload;
  /** Single sign-on: exchanges a verified OIDC id_token of an existing user for a session. */
  signInWithOidc: SignInPayload;
  signOut: Scalars['Boolean']['output'];
  /** Clean accuracy (and a known attack's success) of a version on a dataset; figures in the job's final event. */
  startEvaluation: JobPayload;
  startRepair: JobPayload;
  startScan: JobPayload;
  startSweep: JobPayload;
  testMonitorWebhook: TestMonitorWebhookPayload;
  updateMonitor: MonitorPayload;
};


export type MutationAddModelVersionArgs = {
  input: AddModelVersionInput;
};


export type MutationCancelJobArgs = {
  input: CancelJobInput;
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateMonitorArgs = {
  input: CreateMonitorInput;
};


export type MutationCreateUploadArgs = {
  input: CreateUploadInput;
};


export type MutationDeleteMonitorArgs = {
  input: DeleteMonitorInput;
};


export type MutationRegisterDatasetArgs = {
  input: RegisterDatasetInput;
};


export type MutationRegisterModelArgs = {
  input: RegisterModelInput;
};


export type MutationRevokeApiKeyArgs = {
  input: RevokeApiKeyInput;
};


export type MutationSignInArgs = {
  input: SignInInput;
};


export type MutationSignInWithOidcArgs = {
  input: SignInWithOidcInput;
};


export type MutationStartEvaluationArgs = {
  input: StartEvaluationInput;
};


export type MutationStartRepairArgs = {
  input: StartRepairInput;
};


export type MutationStartScanArgs = {
  input: StartScanInput;
};


export type MutationStartSweepArgs = {
  input: StartSweepInput;
};


export type MutationTestMonitorWebhookArgs = {
  input: TestMonitorWebhookInput;
};


export type MutationUpdateMonitorArgs = {
  input: UpdateMonitorInput;
};

export type Node = {
  id: Scalars['ID']['output'];
};

export type Overview = {
  __typename?: 'Overview';
  findingsTrend: Array<TrendPoint>;
  healthCounts: Array<HealthCount>;
  modelCount: Scalars['Int']['output'];
  recentJobs: Array<Job>;
  runningJobs: Scalars['Int']['output'];
};


export type OverviewFindingsTrendArgs = {
  days?: InputMaybe<Scalars['Int']['input']>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Preprocessing = {
  __typename?: 'Preprocessing';
  /** RGB or BGR. */
  channelOrder: Scalars['String']['output'];
  channels: Scalars['Int']['output'];
  /** Fields nobody declared (upload, antidote.json, preprocessor_config.json) that took Antidote's defaults. */
  defaulted: Array<Scalars['String']['output']>;
  height: Scalars['Int']['output'];
  /** Layout of the model file's input tensor: NCHW or NHWC. */
  layout: Scalars['String']['output'];
  mean: Array<Scalars['Float']['output']>;
  /** How datasets are resized to the model's input: bilinear or nearest (half-pixel centres). */
  resize: Scalars['String']['output'];
  /** Multiplier for 0..255 pixel values. */
  scale: Scalars['Float']['output'];
  std: Array<Scalars['Float']['output']>;
  width: Scalars['Int']['output'];
};

export type Query = {
  __typename?: 'Query';
  apiKeys: ApiKeyConnection;
  /** A signed anchor of the chain's current head, for export. */
  auditAnchor: AuditAnchor;
  auditLog: AuditEntryConnection;
  datasets: DatasetConnection;
  findings: FindingConnection;
  jobs: JobConnection;
  me: Viewer;
  models: ModelConnection;
  monitors: MonitorConnection;
  node?: Maybe<Node>;
  overview: Overview;
  /** Recomputes the chain; with anchors exported earlier it also detects rewritten or removed newest entries. */
  verifyAuditChain: AuditChainVerification;
  workers: Array<WorkerInfo>;
};


export type QueryApiKeysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryAuditLogArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  actor?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryDatasetsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryFindingsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  verdict?: InputMaybe<Verdict>;
};


export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  kind?: InputMaybe<JobKind>;
  state?: InputMaybe<JobState>;
};


export type QueryModelsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryMonitorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


export type QueryVerifyAuditChainArgs = {
  anchors?: InputMaybe<Array<AuditAnchorInput>>;
};

export type Quota = {
  __typename?: 'Quota';
  maxMonitors: Scalars['Int']['output'];
  /** Jobs queued or running at once. */
  maxQueuedJobs: Scalars['Int']['output'];
  /** Jobs running at once; more wait in the queue while the tenant is at this number. */
  maxRunningJobs: Scalars['Int']['output'];
  maxSweepEpochs: Scalars['Float']['output'];
  maxSweepModels: Scalars['Int']['output'];
  minMonitorIntervalMinutes: Scalars['Int']['output'];
  monitors: Scalars['Int']['output'];
  /** free, standard or enterprise */
  plan: Scalars['String']['output'];
  /** Jobs queued or running now. */
  queuedJobs: Scalars['Int']['output'];
  runningJobs: Scalars['Int']['output'];
  /** Bytes (a Float: storage passes 2^31). */
  storageBytes: Scalars['Float']['output'];
  usedStorageBytes: Scalars['Float']['output'];
};

export type RegisterDatasetInput = {
  name: Scalars['String']['input'];
  uploadId: Scalars['ID']['input'];
};

export type RegisterDatasetPayload = {
  __typename?: 'RegisterDatasetPayload';
  dataset?: Maybe<Dataset>;
  userErrors: Array<UserError>;
};

export type RegisterModelInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** ONNX/Keras only: the model's preprocessing with the fields of antidote.json (layout, size, channels, channelOrder, scale, mean, std, resize); overrides sidecars in the upload, checked when the first job imports the version. */
  preprocessing?: InputMaybe<Scalars['JSON']['input']>;
  uploadId: Scalars['ID']['input'];
};

export type RegisterModelPayload = {
  __typename?: 'RegisterModelPayload';
  model?: Maybe<Model>;
  userErrors: Array<UserError>;
  version?: Maybe<ModelVersion>;
};

export type RepairEvidence = {
  __typename?: 'RepairEvidence';
  kind: RepairEvidenceKind;
  /** The scan of the repaired version; its finding says whether a backdoor is still detected. */
  verificationJob?: Maybe<Job>;
};

export type RepairEvidenceKind =
  /** The known attack was measured before and after (asrBefore/asrAfter). */
  | 'KNOWN_ATTACK'
  /** No attack was known: a scan of the repaired version is the evidence (see verificationJob). */
  | 'VERIFICATION_SCAN';

export type RepairMethod =
  | 'FINE_PRUNING'
  | 'FINE_TUNING'
  | 'NAD'
  | 'NEURAL_CLEANSE'
  | 'PIVOTAL_TUNING';

/** One evaluated checkpoint of a repair. Figures are percent and points on the held-out trusted images. */
export type RepairTradeoff = {
  __typename?: 'RepairTradeoff';
  /** The known attack's success at this checkpoint, when an attack was given. */
  attackSuccess?: Maybe<Scalars['Float']['output']>;
  /** Clean-accuracy drop against the suspect on the same images (points; negative = better). */
  drop: Scalars['Float']['output'];
  dropHigh: Scalars['Float']['output'];
  /** 95% interval of the drop from the held-out size: a 2-point budget judged on ~120 images is noisy. */
  dropLow: Scalars['Float']['output'];
  heldOutAccuracy: Scalars['Float']['output'];
  heldOutImages: Scalars['Int']['output'];
  run: Scalars['String']['output'];
  step: Scalars['Int']['output'];
  withinBudget: Scalars['Boolean']['output'];
};

export type RevokeApiKeyInput = {
  id: Scalars['ID']['input'];
};

export type Role =
  | 'ADMIN'
  | 'ANALYST'
  | 'OWNER'
  | 'VIEWER';

export type SignInInput = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

export type SignInPayload = {
  __typename?: 'SignInPayload';
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** Bearer token for the dashboard session; null on failure. */
  token?: Maybe<Scalars['String']['output']>;
  user?: Maybe<User>;
  userErrors: Array<UserError>;
};

export type SignInWithOidcInput = {
  /** The id_token the dashboard received from the configured OIDC provider. */
  idToken: Scalars['String']['input'];
};

export type SocketTokenPayload = {
  __typename?: 'SocketTokenPayload';
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** For connectionParams.authorization of one graphql-ws connection; refused over HTTP. */
  token?: Maybe<Scalars['String']['output']>;
  userErrors: Array<UserError>;
};

export type StartEvaluationInput = {
  datasetId: Scalars['ID']['input'];
  /** Why the job may run on an imported model whose conversion agreed with ONNX Runtime on less than 99.9% of inputs (at least 10 characters); kept in the audit log. */
  fidelityOverrideReason?: InputMaybe<Scalars['String']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  knownAttack?: InputMaybe<KnownAttackInput>;
  modelVersionId: Scalars['ID']['input'];
};

export type StartRepairInput = {
  /** Why a budget above 2 points is acceptable (at least 10 characters); kept in the audit log. */
  budgetReason?: InputMaybe<Scalars['String']['input']>;
  /** Largest clean-accuracy drop allowed, in points (default 2). Above 2 needs budgetReason. */
  cdaBudget?: InputMaybe<Scalars['Float']['input']>;
  datasetId: Scalars['ID']['input'];
  /** Why the job may run on an imported model whose conversion agreed with ONNX Runtime on less than 99.9% of inputs (at least 10 characters); kept in the audit log. */
  fidelityOverrideReason?: InputMaybe<Scalars['String']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  knownAttack?: InputMaybe<KnownAttackInput>;
  method?: InputMaybe<RepairMethod>;
  modelVersionId: Scalars['ID']['input'];
  seed?: InputMaybe<Scalars['Int']['input']>;
  steps?: InputMaybe<Scalars['Int']['input']>;
};

export type StartScanInput = {
  /** Classes to check (default all); fewer classes scan faster. */
  candidateClasses?: InputMaybe<Array<Scalars['Int']['input']>>;
  datasetId: Scalars['ID']['input'];
  /** The false-positive rate the backdoored verdict is held to (default 0.05). */
  falsePositiveRate?: InputMaybe<Scalars['Float']['input']>;
  /** Why the job may run on an imported model whose conversion agreed with ONNX Runtime on less than 99.9% of inputs (at least 10 characters); kept in the audit log. */
  fidelityOverrideReason?: InputMaybe<Scalars['String']['input']>;
  /** Same key -> the same job (safe retries from CI). */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  knownAttack?: InputMaybe<KnownAttackInput>;
  modelVersionId: Scalars['ID']['input'];
  /** Clean models' scores of this model's family, measured with this scan's settings: the verdict becomes a p-value against them (at least 5 scores). Without one the fixed score bands decide and the finding says UNCALIBRATED. */
  reference?: InputMaybe<CalibrationReferenceInput>;
  /** Steps of the Pivotal-Tuning reference repair the triggers are compared against (default 600). */
  referenceSteps?: InputMaybe<Scalars['Int']['input']>;
  seed?: InputMaybe<Scalars['Int']['input']>;
  /** Trigger optimisation steps per class and trigger shape (default 50). */
  steps?: InputMaybe<Scalars['Int']['input']>;
  /** Decision threshold on the score (default: the calibrated one). */
  threshold?: InputMaybe<Scalars['Float']['input']>;
  /** Trigger shapes to invert (default [PATCH, WARP]); with more than ADDITIVE alone, each shape's class scores are centred on their median before the best is taken, and the verdict uses thresholds measured that way. ADDITIVE alone is the original method (plain maximum); adding it costs about as long again as the two defaults. */
  triggerFamilies?: InputMaybe<Array<TriggerFamily>>;
};

export type StartSweepInput = {
  /** badnets | blend | wanet | adaptive-blend | adaptive-patch | trigger-scattered-badnets | sig | label-consistent | clean-label-wanet | refool | low-frequency | bpp | parameter-controlled */
  attack: Scalars['String']['input'];
  /** fashion-mnist (default) or mnist. */
  dataset?: InputMaybe<Scalars['String']['input']>;
  epochs?: InputMaybe<Scalars['Float']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  poisonCounts: Array<Scalars['Int']['input']>;
  referenceSteps?: InputMaybe<Scalars['Int']['input']>;
  repairSteps?: InputMaybe<Scalars['Int']['input']>;
  scanSteps?: InputMaybe<Scalars['Int']['input']>;
  /** Models per poison count, and clean models (seeds 1..n). */
  seeds?: InputMaybe<Scalars['Int']['input']>;
  /** Victim training images (default 10,000) and epochs (default 2). */
  trainImages?: InputMaybe<Scalars['Int']['input']>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Stored events after afterSeq first, then live ones; completes after the terminal event. */
  jobProgress: JobEvent;
  /** Live events of every job of the tenant. */
  tenantEvents: JobEvent;
};


export type SubscriptionJobProgressArgs = {
  afterSeq?: InputMaybe<Scalars['Int']['input']>;
  jobId: Scalars['ID']['input'];
};

export type Tenant = Node & {
  __typename?: 'Tenant';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** The tenant's plan limits and what it uses of them now. */
  quota: Quota;
  slug: Scalars['String']['output'];
};

export type TestMonitorWebhookInput = {
  id: Scalars['ID']['input'];
};

export type TestMonitorWebhookPayload = {
  __typename?: 'TestMonitorWebhookPayload';
  deliveries: Array<WebhookDelivery>;
  userErrors: Array<UserError>;
};

export type TrendPoint = {
  __typename?: 'TrendPoint';
  backdoored: Scalars['Int']['output'];
  clean: Scalars['Int']['output'];
  /** UTC day */
  day: Scalars['String']['output'];
  notRepaired: Scalars['Int']['output'];
  repaired: Scalars['Int']['output'];
  suspicious: Scalars['Int']['output'];
};

/** Trigger shapes a scan inverts: each is scored against the reference repair the same way. */
export type TriggerFamily =
  /** A faint full-image delta under a size penalty: the original method's trigger shape. */
  | 'ADDITIVE'
  /** A small stamped patch (mask x pattern, at most 1.5% of the image without penalty); its soft mask also paints blends. */
  | 'PATCH'
  /** A smooth warp of the whole image (WaNet-style: a 4x4 control grid, no pixel moved more than 1.5 px). */
  | 'WARP';

export type UpdateMonitorInput = {
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  id: Scalars['ID']['input'];
  intervalMinutes?: InputMaybe<Scalars['Int']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  scanOnNewVersion?: InputMaybe<Scalars['Boolean']['input']>;
  scoreThreshold?: InputMaybe<Scalars['Float']['input']>;
  webhooks?: InputMaybe<Array<WebhookInput>>;
};

export type Upload = {
  __typename?: 'Upload';
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  maxBytes: Scalars['Int']['output'];
  /** PUT the raw bytes here (no other headers needed); valid until expiresAt. */
  url: Scalars['String']['output'];
};

export type UploadPurpose =
  | 'DATASET'
  | 'MODEL';

export type User = {
  __typename?: 'User';
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

export type UserError = {
  __typename?: 'UserError';
  code: ErrorCode;
  /** Path of the input field at fault, e.g. ["input", "uploadId"]. */
  field?: Maybe<Array<Scalars['String']['output']>>;
  message: Scalars['String']['output'];
};

export type Verdict =
  | 'BACKDOORED'
  | 'CLEAN'
  /** A repair that kept nothing within its budget, or left a known attack working: no new version. */
  | 'NOT_REPAIRED'
  | 'REPAIRED'
  | 'SUSPICIOUS';

export type Viewer = {
  __typename?: 'Viewer';
  /** How the caller authenticated: SESSION or API_KEY. */
  authKind: Scalars['String']['output'];
  /** The tenants a signed-in user can switch to. */
  memberships: Array<Membership>;
  role: Role;
  tenant: Tenant;
  /** Null when the caller is an API key. */
  user?: Maybe<User>;
};

export type Webhook = {
  __typename?: 'Webhook';
  url: Scalars['String']['output'];
};

export type WebhookDelivery = {
  __typename?: 'WebhookDelivery';
  /** @deprecated Always null: the target's error text is not shown. */
  error?: Maybe<Scalars['String']['output']>;
  /** @deprecated Always null: the target's status is not shown. */
  responseCode?: Maybe<Scalars['Int']['output']>;
  /** delivered, refused (not a public address) or failed: nothing more, so a test cannot probe what answers at a URL. */
  status: Scalars['String']['output'];
  url: Scalars['String']['output'];
};

export type WebhookInput = {
  /** HMAC-SHA256 key for the X-Antidote-Signature header. */
  secret: Scalars['String']['input'];
  url: Scalars['String']['input'];
};

export type WorkerInfo = {
  __typename?: 'WorkerInfo';
  backend: Scalars['String']['output'];
  concurrency: Scalars['Int']['output'];
  id: Scalars['String']['output'];
  lastSeenAt: Scalars['DateTime']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;




/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node:
    | ( ApiKeyRow )
    | ( AuditRow )
    | ( DatasetRow )
    | ( FindingRow )
    | ( JobRow )
    | ( ModelRow )
    | ( ModelVersionRow )
    | ( MonitorRow )
    | ( TenantRow )
  ;
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AddModelVersionInput: AddModelVersionInput;
  AddModelVersionPayload: ResolverTypeWrapper<Omit<AddModelVersionPayload, 'monitorJobs' | 'version'> & { monitorJobs: Array<ResolversTypes['Job']>, version?: Maybe<ResolversTypes['ModelVersion']> }>;
  ApiKey: ResolverTypeWrapper<ApiKeyRow>;
  ApiKeyConnection: ResolverTypeWrapper<Omit<ApiKeyConnection, 'edges'> & { edges: Array<ResolversTypes['ApiKeyEdge']> }>;
  ApiKeyEdge: ResolverTypeWrapper<Omit<ApiKeyEdge, 'node'> & { node: ResolversTypes['ApiKey'] }>;
  ApiKeyPayload: ResolverTypeWrapper<Omit<ApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversTypes['ApiKey']> }>;
  AuditAnchor: ResolverTypeWrapper<AuditAnchor>;
  AuditAnchorInput: AuditAnchorInput;
  AuditChainVerification: ResolverTypeWrapper<AuditChainVerification>;
  AuditEntry: ResolverTypeWrapper<AuditRow>;
  AuditEntryConnection: ResolverTypeWrapper<Omit<AuditEntryConnection, 'edges'> & { edges: Array<ResolversTypes['AuditEntryEdge']> }>;
  AuditEntryEdge: ResolverTypeWrapper<Omit<AuditEntryEdge, 'node'> & { node: ResolversTypes['AuditEntry'] }>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Calibration: ResolverTypeWrapper<Calibration>;
  CalibrationReferenceInput: CalibrationReferenceInput;
  CalibrationSource: CalibrationSource;
  CalibrationStatus: CalibrationStatus;
  CancelJobInput: CancelJobInput;
  CreateApiKeyInput: CreateApiKeyInput;
  CreateApiKeyPayload: ResolverTypeWrapper<Omit<CreateApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversTypes['ApiKey']> }>;
  CreateMonitorInput: CreateMonitorInput;
  CreateUploadInput: CreateUploadInput;
  CreateUploadPayload: ResolverTypeWrapper<CreateUploadPayload>;
  Dataset: ResolverTypeWrapper<DatasetRow>;
  DatasetConnection: ResolverTypeWrapper<Omit<DatasetConnection, 'edges'> & { edges: Array<ResolversTypes['DatasetEdge']> }>;
  DatasetEdge: ResolverTypeWrapper<Omit<DatasetEdge, 'node'> & { node: ResolversTypes['Dataset'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeleteMonitorInput: DeleteMonitorInput;
  DeleteMonitorPayload: ResolverTypeWrapper<DeleteMonitorPayload>;
  ErrorCode: ErrorCode;
  Fidelity: ResolverTypeWrapper<Fidelity>;
  Finding: ResolverTypeWrapper<FindingRow>;
  FindingConnection: ResolverTypeWrapper<Omit<FindingConnection, 'edges'> & { edges: Array<ResolversTypes['FindingEdge']> }>;
  FindingEdge: ResolverTypeWrapper<Omit<FindingEdge, 'node'> & { node: ResolversTypes['Finding'] }>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Health: Health;
  HealthCount: ResolverTypeWrapper<HealthCount>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Job: ResolverTypeWrapper<JobRow>;
  JobConnection: ResolverTypeWrapper<Omit<JobConnection, 'edges'> & { edges: Array<ResolversTypes['JobEdge']> }>;
  JobEdge: ResolverTypeWrapper<Omit<JobEdge, 'node'> & { node: ResolversTypes['Job'] }>;
  JobError: ResolverTypeWrapper<JobError>;
  JobEstimate: ResolverTypeWrapper<JobEstimate>;
  JobEvent: ResolverTypeWrapper<JobEventRow>;
  JobKind: JobKind;
  JobPayload: ResolverTypeWrapper<Omit<JobPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  JobState: JobState;
  KnownAttackInput: KnownAttackInput;
  Membership: ResolverTypeWrapper<Omit<Membership, 'tenant'> & { tenant: ResolversTypes['Tenant'] }>;
  Model: ResolverTypeWrapper<ModelRow>;
  ModelConnection: ResolverTypeWrapper<Omit<ModelConnection, 'edges'> & { edges: Array<ResolversTypes['ModelEdge']> }>;
  ModelEdge: ResolverTypeWrapper<Omit<ModelEdge, 'node'> & { node: ResolversTypes['Model'] }>;
  ModelVersion: ResolverTypeWrapper<ModelVersionRow>;
  ModelVersionConnection: ResolverTypeWrapper<Omit<ModelVersionConnection, 'edges'> & { edges: Array<ResolversTypes['ModelVersionEdge']> }>;
  ModelVersionEdge: ResolverTypeWrapper<Omit<ModelVersionEdge, 'node'> & { node: ResolversTypes['ModelVersion'] }>;
  Monitor: ResolverTypeWrapper<MonitorRow>;
  MonitorConnection: ResolverTypeWrapper<Omit<MonitorConnection, 'edges'> & { edges: Array<ResolversTypes['MonitorEdge']> }>;
  MonitorEdge: ResolverTypeWrapper<Omit<MonitorEdge, 'node'> & { node: ResolversTypes['Monitor'] }>;
  MonitorPayload: ResolverTypeWrapper<Omit<MonitorPayload, 'monitor'> & { monitor?: Maybe<ResolversTypes['Monitor']> }>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  Overview: ResolverTypeWrapper<Omit<Overview, 'recentJobs'> & { recentJobs: Array<ResolversTypes['Job']> }>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Preprocessing: ResolverTypeWrapper<Preprocessing>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Quota: ResolverTypeWrapper<Quota>;
  RegisterDatasetInput: RegisterDatasetInput;
  RegisterDatasetPayload: ResolverTypeWrapper<Omit<RegisterDatasetPayload, 'dataset'> & { dataset?: Maybe<ResolversTypes['Dataset']> }>;
  RegisterModelInput: RegisterModelInput;
  RegisterModelPayload: ResolverTypeWrapper<Omit<RegisterModelPayload, 'model' | 'version'> & { model?: Maybe<ResolversTypes['Model']>, version?: Maybe<ResolversTypes['ModelVersion']> }>;
  RepairEvidence: ResolverTypeWrapper<Omit<RepairEvidence, 'verificationJob'> & { verificationJob?: Maybe<ResolversTypes['Job']> }>;
  RepairEvidenceKind: RepairEvidenceKind;
  RepairMethod: RepairMethod;
  RepairTradeoff: ResolverTypeWrapper<RepairTradeoff>;
  RevokeApiKeyInput: RevokeApiKeyInput;
  Role: Role;
  SignInInput: SignInInput;
  SignInPayload: ResolverTypeWrapper<Omit<SignInPayload, 'user'> & { user?: Maybe<ResolversTypes['User']> }>;
  SignInWithOidcInput: SignInWithOidcInput;
  SocketTokenPayload: ResolverTypeWrapper<SocketTokenPayload>;
  StartEvaluationInput: StartEvaluationInput;
  StartRepairInput: StartRepairInput;
  StartScanInput: StartScanInput;
  StartSweepInput: StartSweepInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Tenant: ResolverTypeWrapper<TenantRow>;
  TestMonitorWebhookInput: TestMonitorWebhookInput;
  TestMonitorWebhookPayload: ResolverTypeWrapper<TestMonitorWebhookPayload>;
  TrendPoint: ResolverTypeWrapper<TrendPoint>;
  TriggerFamily: TriggerFamily;
  UpdateMonitorInput: UpdateMonitorInput;
  Upload: ResolverTypeWrapper<Upload>;
  UploadPurpose: UploadPurpose;
  User: ResolverTypeWrapper<UserRow>;
  UserError: ResolverTypeWrapper<UserError>;
  Verdict: Verdict;
  Viewer: ResolverTypeWrapper<Omit<Viewer, 'memberships' | 'tenant' | 'user'> & { memberships: Array<ResolversTypes['Membership']>, tenant: ResolversTypes['Tenant'], user?: Maybe<ResolversTypes['User']> }>;
  Webhook: ResolverTypeWrapper<Webhook>;
  WebhookDelivery: ResolverTypeWrapper<WebhookDelivery>;
  WebhookInput: WebhookInput;
  WorkerInfo: ResolverTypeWrapper<WorkerInfo>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AddModelVersionInput: AddModelVersionInput;
  AddModelVersionPayload: Omit<AddModelVersionPayload, 'monitorJobs' | 'version'> & { monitorJobs: Array<ResolversParentTypes['Job']>, version?: Maybe<ResolversParentTypes['ModelVersion']> };
  ApiKey: ApiKeyRow;
  ApiKeyConnection: Omit<ApiKeyConnection, 'edges'> & { edges: Array<ResolversParentTypes['ApiKeyEdge']> };
  ApiKeyEdge: Omit<ApiKeyEdge, 'node'> & { node: ResolversParentTypes['ApiKey'] };
  ApiKeyPayload: Omit<ApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversParentTypes['ApiKey']> };
  AuditAnchor: AuditAnchor;
  AuditAnchorInput: AuditAnchorInput;
  AuditChainVerification: AuditChainVerification;
  AuditEntry: AuditRow;
  AuditEntryConnection: Omit<AuditEntryConnection, 'edges'> & { edges: Array<ResolversParentTypes['AuditEntryEdge']> };
  AuditEntryEdge: Omit<AuditEntryEdge, 'node'> & { node: ResolversParentTypes['AuditEntry'] };
  Boolean: Scalars['Boolean']['output'];
  Calibration: Calibration;
  CalibrationReferenceInput: CalibrationReferenceInput;
  CancelJobInput: CancelJobInput;
  CreateApiKeyInput: CreateApiKeyInput;
  CreateApiKeyPayload: Omit<CreateApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversParentTypes['ApiKey']> };
  CreateMonitorInput: CreateMonitorInput;
  CreateUploadInput: CreateUploadInput;
  CreateUploadPayload: CreateUploadPayload;
  Dataset: DatasetRow;
  DatasetConnection: Omit<DatasetConnection, 'edges'> & { edges: Array<ResolversParentTypes['DatasetEdge']> };
  DatasetEdge: Omit<DatasetEdge, 'node'> & { node: ResolversParentTypes['Dataset'] };
  DateTime: Scalars['DateTime']['output'];
  DeleteMonitorInput: DeleteMonitorInput;
  DeleteMonitorPayload: DeleteMonitorPayload;
  Fidelity: Fidelity;
  Finding: FindingRow;
  FindingConnection: Omit<FindingConnection, 'edges'> & { edges: Array<ResolversParentTypes['FindingEdge']> };
  FindingEdge: Omit<FindingEdge, 'node'> & { node: ResolversParentTypes['Finding'] };
  Float: Scalars['Float']['output'];
  HealthCount: HealthCount;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Job: JobRow;
  JobConnection: Omit<JobConnection, 'edges'> & { edges: Array<ResolversParentTypes['JobEdge']> };
  JobEdge: Omit<JobEdge, 'node'> & { node: ResolversParentTypes['Job'] };
  JobError: JobError;
  JobEstimate: JobEstimate;
  JobEvent: JobEventRow;
  JobPayload: Omit<JobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  KnownAttackInput: KnownAttackInput;
  Membership: Omit<Membership, 'tenant'> & { tenant: ResolversParentTypes['Tenant'] };
  Model: ModelRow;
  ModelConnection: Omit<ModelConnection, 'edges'> & { edges: Array<ResolversParentTypes['ModelEdge']> };
  ModelEdge: Omit<ModelEdge, 'node'> & { node: ResolversParentTypes['Model'] };
  ModelVersion: ModelVersionRow;
  ModelVersionConnection: Omit<ModelVersionConnection, 'edges'> & { edges: Array<ResolversParentTypes['ModelVersionEdge']> };
  ModelVersionEdge: Omit<ModelVersionEdge, 'node'> & { node: ResolversParentTypes['ModelVersion'] };
  Monitor: MonitorRow;
  MonitorConnection: Omit<MonitorConnection, 'edges'> & { edges: Array<ResolversParentTypes['MonitorEdge']> };
  MonitorEdge: Omit<MonitorEdge, 'node'> & { node: ResolversParentTypes['Monitor'] };
  MonitorPayload: Omit<MonitorPayload, 'monitor'> & { monitor?: Maybe<ResolversParentTypes['Monitor']> };
  Mutation: Record<PropertyKey, never>;
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  Overview: Omit<Overview, 'recentJobs'> & { recentJobs: Array<ResolversParentTypes['Job']> };
  PageInfo: PageInfo;
  Preprocessing: Preprocessing;
  Query: Record<PropertyKey, never>;
  Quota: Quota;
  RegisterDatasetInput: RegisterDatasetInput;
  RegisterDatasetPayload: Omit<RegisterDatasetPayload, 'dataset'> & { dataset?: Maybe<ResolversParentTypes['Dataset']> };
  RegisterModelInput: RegisterModelInput;
  RegisterModelPayload: Omit<RegisterModelPayload, 'model' | 'version'> & { model?: Maybe<ResolversParentTypes['Model']>, version?: Maybe<ResolversParentTypes['ModelVersion']> };
  RepairEvidence: Omit<RepairEvidence, 'verificationJob'> & { verificationJob?: Maybe<ResolversParentTypes['Job']> };
  RepairTradeoff: RepairTradeoff;
  RevokeApiKeyInput: RevokeApiKeyInput;
  SignInInput: SignInInput;
  SignInPayload: Omit<SignInPayload, 'user'> & { user?: Maybe<ResolversParentTypes['User']> };
  SignInWithOidcInput: SignInWithOidcInput;
  SocketTokenPayload: SocketTokenPayload;
  StartEvaluationInput: StartEvaluationInput;
  StartRepairInput: StartRepairInput;
  StartScanInput: StartScanInput;
  StartSweepInput: StartSweepInput;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  Tenant: TenantRow;
  TestMonitorWebhookInput: TestMonitorWebhookInput;
  TestMonitorWebhookPayload: TestMonitorWebhookPayload;
  TrendPoint: TrendPoint;
  UpdateMonitorInput: UpdateMonitorInput;
  Upload: Upload;
  User: UserRow;
  UserError: UserError;
  Viewer: Omit<Viewer, 'memberships' | 'tenant' | 'user'> & { memberships: Array<ResolversParentTypes['Membership']>, tenant: ResolversParentTypes['Tenant'], user?: Maybe<ResolversParentTypes['User']> };
  Webhook: Webhook;
  WebhookDelivery: WebhookDelivery;
  WebhookInput: WebhookInput;
  WorkerInfo: WorkerInfo;
};

export type AddModelVersionPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AddModelVersionPayload'] = ResolversParentTypes['AddModelVersionPayload']> = {
  monitorJobs?: Resolver<Array<ResolversTypes['Job']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
  version?: Resolver<Maybe<ResolversTypes['ModelVersion']>, ParentType, ContextType>;
};

export type ApiKeyResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ApiKeyConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiKeyConnection'] = ResolversParentTypes['ApiKeyConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ApiKeyEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ApiKeyEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiKeyEdge'] = ResolversParentTypes['ApiKeyEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
};

export type ApiKeyPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiKeyPayload'] = ResolversParentTypes['ApiKeyPayload']> = {
  apiKey?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type AuditAnchorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditAnchor'] = ResolversParentTypes['AuditAnchor']> = {
  anchoredAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  headHash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  mac?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tenantId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type AuditChainVerificationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditChainVerification'] = ResolversParentTypes['AuditChainVerification']> = {
  brokenAtSeq?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  headHash?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  truncated?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
};

export type AuditEntryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEntry'] = ResolversParentTypes['AuditEntry']> = {
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  details?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  hash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  prevHash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  target?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AuditEntryConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEntryConnection'] = ResolversParentTypes['AuditEntryConnection']> = {
  edges?: Resolver<Array<ResolversTypes['AuditEntryEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type AuditEntryEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEntryEdge'] = ResolversParentTypes['AuditEntryEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEntry'], ParentType, ContextType>;
};

export type CalibrationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Calibration'] = ResolversParentTypes['Calibration']> = {
  falsePositiveRate?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  note?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  pValue?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  referenceCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  referenceSource?: Resolver<ResolversTypes['CalibrationSource'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['CalibrationStatus'], ParentType, ContextType>;
};

export type CreateApiKeyPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CreateApiKeyPayload'] = ResolversParentTypes['CreateApiKeyPayload']> = {
  apiKey?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  secret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type CreateUploadPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CreateUploadPayload'] = ResolversParentTypes['CreateUploadPayload']> = {
  upload?: Resolver<Maybe<ResolversTypes['Upload']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type DatasetResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Dataset'] = ResolversParentTypes['Dataset']> = {
  classHistogram?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  format?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  imageShape?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
  labelled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  numClasses?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  thumbnailsUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type DatasetConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DatasetConnection'] = ResolversParentTypes['DatasetConnection']> = {
  edges?: Resolver<Array<ResolversTypes['DatasetEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type DatasetEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DatasetEdge'] = ResolversParentTypes['DatasetEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Dataset'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeleteMonitorPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteMonitorPayload'] = ResolversParentTypes['DeleteMonitorPayload']> = {
  deletedId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type FidelityResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Fidelity'] = ResolversParentTypes['Fidelity']> = {
  inputs?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  maxAbsDiff?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  maxAbsOutput?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  n?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  top1Agreement?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type FindingResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Finding'] = ResolversParentTypes['Finding']> = {
  asrAfter?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  asrBefore?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  calibration?: Resolver<Maybe<ResolversTypes['Calibration']>, ParentType, ContextType>;
  cdaAfter?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  cdaBefore?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  dataset?: Resolver<Maybe<ResolversTypes['Dataset']>, ParentType, ContextType>;
  details?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  evidence?: Resolver<Maybe<ResolversTypes['RepairEvidence']>, ParentType, ContextType>;
  frontier?: Resolver<Array<ResolversTypes['RepairTradeoff']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  keptRun?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  method?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  modelVersion?: Resolver<ResolversTypes['ModelVersion'], ParentType, ContextType>;
  params?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  reasons?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  repairedVersion?: Resolver<Maybe<ResolversTypes['ModelVersion']>, ParentType, ContextType>;
  reportHtmlUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reportPdfUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  runs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  score?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  suspectedTarget?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  threshold?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  triggerImageUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  verdict?: Resolver<ResolversTypes['Verdict'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FindingConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['FindingConnection'] = ResolversParentTypes['FindingConnection']> = {
  edges?: Resolver<Array<ResolversTypes['FindingEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type FindingEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['FindingEdge'] = ResolversParentTypes['FindingEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Finding'], ParentType, ContextType>;
};

export type HealthCountResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['HealthCount'] = ResolversParentTypes['HealthCount']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type JobResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Job'] = ResolversParentTypes['Job']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  dataset?: Resolver<Maybe<ResolversTypes['Dataset']>, ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['JobError']>, ParentType, ContextType>;
  estimate?: Resolver<Maybe<ResolversTypes['JobEstimate']>, ParentType, ContextType>;
  events?: Resolver<Array<ResolversTypes['JobEvent']>, ParentType, ContextType, Partial<JobEventsArgs>>;
  findings?: Resolver<Array<ResolversTypes['Finding']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  idempotencyKey?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['JobKind'], ParentType, ContextType>;
  modelVersion?: Resolver<Maybe<ResolversTypes['ModelVersion']>, ParentType, ContextType>;
  params?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  phase?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  result?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  resultPlotUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['JobState'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type JobConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobConnection'] = ResolversParentTypes['JobConnection']> = {
  edges?: Resolver<Array<ResolversTypes['JobEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type JobEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobEdge'] = ResolversParentTypes['JobEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type JobErrorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobError'] = ResolversParentTypes['JobError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type JobEstimateResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobEstimate'] = ResolversParentTypes['JobEstimate']> = {
  estimatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expireInSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  gflop?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  gflopsPerSecond?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  peakMemoryMb?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  seconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type JobEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobEvent'] = ResolversParentTypes['JobEvent']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  jobId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  message?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  metrics?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  phase?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  progress?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  step?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  totalSteps?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type JobPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobPayload'] = ResolversParentTypes['JobPayload']> = {
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type MembershipResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Membership'] = ResolversParentTypes['Membership']> = {
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  tenant?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType>;
};

export type ModelResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Model'] = ResolversParentTypes['Model']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  latestVersion?: Resolver<Maybe<ResolversTypes['ModelVersion']>, ParentType, ContextType>;
  monitors?: Resolver<Array<ResolversTypes['Monitor']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  versionCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  versions?: Resolver<ResolversTypes['ModelVersionConnection'], ParentType, ContextType, Partial<ModelVersionsArgs>>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ModelConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ModelConnection'] = ResolversParentTypes['ModelConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ModelEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ModelEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ModelEdge'] = ResolversParentTypes['ModelEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Model'], ParentType, ContextType>;
};

export type ModelVersionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ModelVersion'] = ResolversParentTypes['ModelVersion']> = {
  children?: Resolver<Array<ResolversTypes['ModelVersion']>, ParentType, ContextType>;
  classNames?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  downloadUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  fidelity?: Resolver<Maybe<ResolversTypes['Fidelity']>, ParentType, ContextType>;
  findings?: Resolver<Array<ResolversTypes['Finding']>, ParentType, ContextType>;
  format?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inputShape?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
  model?: Resolver<ResolversTypes['Model'], ParentType, ContextType>;
  numClasses?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  paramCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  parent?: Resolver<Maybe<ResolversTypes['ModelVersion']>, ParentType, ContextType>;
  preprocessing?: Resolver<Maybe<ResolversTypes['Preprocessing']>, ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ModelVersionConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ModelVersionConnection'] = ResolversParentTypes['ModelVersionConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ModelVersionEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ModelVersionEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ModelVersionEdge'] = ResolversParentTypes['ModelVersionEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['ModelVersion'], ParentType, ContextType>;
};

export type MonitorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Monitor'] = ResolversParentTypes['Monitor']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  dataset?: Resolver<ResolversTypes['Dataset'], ParentType, ContextType>;
  enabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  intervalMinutes?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  lastRunAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  model?: Resolver<ResolversTypes['Model'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nextRunAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  scanOnNewVersion?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  scoreThreshold?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  webhooks?: Resolver<Array<ResolversTypes['Webhook']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MonitorConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MonitorConnection'] = ResolversParentTypes['MonitorConnection']> = {
  edges?: Resolver<Array<ResolversTypes['MonitorEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MonitorEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MonitorEdge'] = ResolversParentTypes['MonitorEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Monitor'], ParentType, ContextType>;
};

export type MonitorPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MonitorPayload'] = ResolversParentTypes['MonitorPayload']> = {
  monitor?: Resolver<Maybe<ResolversTypes['Monitor']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  addModelVersion?: Resolver<ResolversTypes['AddModelVersionPayload'], ParentType, ContextType, RequireFields<MutationAddModelVersionArgs, 'input'>>;
  cancelJob?: Resolver<ResolversTypes['JobPayload'], ParentType, ContextType, RequireFields<MutationCancelJobArgs, 'input'>>;
  createApiKey?: Resolver<ResolversTypes['CreateApiKeyPayload'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'input'>>;
  createMonitor?: Resolver<ResolversTypes['MonitorPayload'], ParentType, ContextType, RequireFields<MutationCreateMonitorArgs, 'input'>>;
  createSocketToken?: Resolver<ResolversTypes['SocketTokenPayload'], ParentType, ContextType>;
  createUpload?: Resolver<ResolversTypes['CreateUploadPayload'], ParentType, ContextType, RequireFields<MutationCreateUploadArgs, 'input'>>;
  deleteMonitor?: Resolver<ResolversTypes['DeleteMonitorPayload'], ParentType, ContextType, RequireFields<MutationDeleteMonitorArgs, 'input'>>;
  registerDataset?: Resolver<ResolversTypes['RegisterDatasetPayload'], ParentType, ContextType, RequireFields<MutationRegisterDatasetArgs, 'input'>>;
  registerModel?: Resolver<ResolversTypes['RegisterModelPayload'], ParentType, ContextType, RequireFields<MutationRegisterModelArgs, 'input'>>;
  revokeApiKey?: Resolver<ResolversTypes['ApiKeyPayload'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'input'>>;
  signIn?: Resolver<ResolversTypes['SignInPayload'], ParentType, ContextType, RequireFields<MutationSignInArgs, 'input'>>;
  signInWithOidc?: Resolver<ResolversTypes['SignInPayload'], ParentType, ContextType, RequireFields<MutationSignInWithOidcArgs, 'input'>>;
  signOut?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startEvaluation?: Resolver<ResolversTypes['JobPayload'], ParentType, ContextType, RequireFields<MutationStartEvaluationArgs, 'input'>>;
  startRepair?: Resolver<ResolversTypes['JobPayload'], ParentType, ContextType, RequireFields<MutationStartRepairArgs, 'input'>>;
  startScan?: Resolver<ResolversTypes['JobPayload'], ParentType, ContextType, RequireFields<MutationStartScanArgs, 'input'>>;
  startSweep?: Resolver<ResolversTypes['JobPayload'], ParentType, ContextType, RequireFields<MutationStartSweepArgs, 'input'>>;
  testMonitorWebhook?: Resolver<ResolversTypes['TestMonitorWebhookPayload'], ParentType, ContextType, RequireFields<MutationTestMonitorWebhookArgs, 'input'>>;
  updateMonitor?: Resolver<ResolversTypes['MonitorPayload'], ParentType, ContextType, RequireFields<MutationUpdateMonitorArgs, 'input'>>;
};

export type NodeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'ApiKey' | 'AuditEntry' | 'Dataset' | 'Finding' | 'Job' | 'Model' | 'ModelVersion' | 'Monitor' | 'Tenant', ParentType, ContextType>;
};

export type OverviewResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Overview'] = ResolversParentTypes['Overview']> = {
  findingsTrend?: Resolver<Array<ResolversTypes['TrendPoint']>, ParentType, ContextType, Partial<OverviewFindingsTrendArgs>>;
  healthCounts?: Resolver<Array<ResolversTypes['HealthCount']>, ParentType, ContextType>;
  modelCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  recentJobs?: Resolver<Array<ResolversTypes['Job']>, ParentType, ContextType>;
  runningJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PreprocessingResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Preprocessing'] = ResolversParentTypes['Preprocessing']> = {
  channelOrder?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  channels?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  defaulted?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  layout?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  mean?: Resolver<Array<ResolversTypes['Float']>, ParentType, ContextType>;
  resize?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scale?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  std?: Resolver<Array<ResolversTypes['Float']>, ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  apiKeys?: Resolver<ResolversTypes['ApiKeyConnection'], ParentType, ContextType, Partial<QueryApiKeysArgs>>;
  auditAnchor?: Resolver<ResolversTypes['AuditAnchor'], ParentType, ContextType>;
  auditLog?: Resolver<ResolversTypes['AuditEntryConnection'], ParentType, ContextType, Partial<QueryAuditLogArgs>>;
  datasets?: Resolver<ResolversTypes['DatasetConnection'], ParentType, ContextType, Partial<QueryDatasetsArgs>>;
  findings?: Resolver<ResolversTypes['FindingConnection'], ParentType, ContextType, Partial<QueryFindingsArgs>>;
  jobs?: Resolver<ResolversTypes['JobConnection'], ParentType, ContextType, Partial<QueryJobsArgs>>;
  me?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
  models?: Resolver<ResolversTypes['ModelConnection'], ParentType, ContextType, Partial<QueryModelsArgs>>;
  monitors?: Resolver<ResolversTypes['MonitorConnection'], ParentType, ContextType, Partial<QueryMonitorsArgs>>;
  node?: Resolver<Maybe<ResolversTypes['Node']>, ParentType, ContextType, RequireFields<QueryNodeArgs, 'id'>>;
  overview?: Resolver<ResolversTypes['Overview'], ParentType, ContextType>;
  verifyAuditChain?: Resolver<ResolversTypes['AuditChainVerification'], ParentType, ContextType, Partial<QueryVerifyAuditChainArgs>>;
  workers?: Resolver<Array<ResolversTypes['WorkerInfo']>, ParentType, ContextType>;
};

export type QuotaResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Quota'] = ResolversParentTypes['Quota']> = {
  maxMonitors?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxQueuedJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxRunningJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxSweepEpochs?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  maxSweepModels?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  minMonitorIntervalMinutes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  monitors?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  plan?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  queuedJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  runningJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  storageBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  usedStorageBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type RegisterDatasetPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RegisterDatasetPayload'] = ResolversParentTypes['RegisterDatasetPayload']> = {
  dataset?: Resolver<Maybe<ResolversTypes['Dataset']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type RegisterModelPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RegisterModelPayload'] = ResolversParentTypes['RegisterModelPayload']> = {
  model?: Resolver<Maybe<ResolversTypes['Model']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
  version?: Resolver<Maybe<ResolversTypes['ModelVersion']>, ParentType, ContextType>;
};

export type RepairEvidenceResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RepairEvidence'] = ResolversParentTypes['RepairEvidence']> = {
  kind?: Resolver<ResolversTypes['RepairEvidenceKind'], ParentType, ContextType>;
  verificationJob?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
};

export type RepairTradeoffResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RepairTradeoff'] = ResolversParentTypes['RepairTradeoff']> = {
  attackSuccess?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  drop?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  dropHigh?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  dropLow?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  heldOutAccuracy?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  heldOutImages?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  run?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  withinBudget?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type SignInPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SignInPayload'] = ResolversParentTypes['SignInPayload']> = {
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  token?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type SocketTokenPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SocketTokenPayload'] = ResolversParentTypes['SocketTokenPayload']> = {
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  token?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  jobProgress?: SubscriptionResolver<ResolversTypes['JobEvent'], "jobProgress", ParentType, ContextType, RequireFields<SubscriptionJobProgressArgs, 'jobId'>>;
  tenantEvents?: SubscriptionResolver<ResolversTypes['JobEvent'], "tenantEvents", ParentType, ContextType>;
};

export type TenantResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Tenant'] = ResolversParentTypes['Tenant']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quota?: Resolver<ResolversTypes['Quota'], ParentType, ContextType>;
  slug?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type TestMonitorWebhookPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TestMonitorWebhookPayload'] = ResolversParentTypes['TestMonitorWebhookPayload']> = {
  deliveries?: Resolver<Array<ResolversTypes['WebhookDelivery']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type TrendPointResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TrendPoint'] = ResolversParentTypes['TrendPoint']> = {
  backdoored?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  clean?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  day?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  notRepaired?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  repaired?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  suspicious?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type UploadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Upload'] = ResolversParentTypes['Upload']> = {
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  maxBytes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type UserResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type UserErrorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UserError'] = ResolversParentTypes['UserError']> = {
  code?: Resolver<ResolversTypes['ErrorCode'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  authKind?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  memberships?: Resolver<Array<ResolversTypes['Membership']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  tenant?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
};

export type WebhookResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Webhook'] = ResolversParentTypes['Webhook']> = {
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type WebhookDeliveryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WebhookDelivery'] = ResolversParentTypes['WebhookDelivery']> = {
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  responseCode?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type WorkerInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WorkerInfo'] = ResolversParentTypes['WorkerInfo']> = {
  backend?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  concurrency?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lastSeenAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type Resolvers<ContextType = GraphQLContext> = {
  AddModelVersionPayload?: AddModelVersionPayloadResolvers<ContextType>;
  ApiKey?: ApiKeyResolvers<ContextType>;
  ApiKeyConnection?: ApiKeyConnectionResolvers<ContextType>;
  ApiKeyEdge?: ApiKeyEdgeResolvers<ContextType>;
  ApiKeyPayload?: ApiKeyPayloadResolvers<ContextType>;
  AuditAnchor?: AuditAnchorResolvers<ContextType>;
  AuditChainVerification?: AuditChainVerificationResolvers<ContextType>;
  AuditEntry?: AuditEntryResolvers<ContextType>;
  AuditEntryConnection?: AuditEntryConnectionResolvers<ContextType>;
  AuditEntryEdge?: AuditEntryEdgeResolvers<ContextType>;
  Calibration?: CalibrationResolvers<ContextType>;
  CreateApiKeyPayload?: CreateApiKeyPayloadResolvers<ContextType>;
  CreateUploadPayload?: CreateUploadPayloadResolvers<ContextType>;
  Dataset?: DatasetResolvers<ContextType>;
  DatasetConnection?: DatasetConnectionResolvers<ContextType>;
  DatasetEdge?: DatasetEdgeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeleteMonitorPayload?: DeleteMonitorPayloadResolvers<ContextType>;
  Fidelity?: FidelityResolvers<ContextType>;
  Finding?: FindingResolvers<ContextType>;
  FindingConnection?: FindingConnectionResolvers<ContextType>;
  FindingEdge?: FindingEdgeResolvers<ContextType>;
  HealthCount?: HealthCountResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Job?: JobResolvers<ContextType>;
  JobConnection?: JobConnectionResolvers<ContextType>;
  JobEdge?: JobEdgeResolvers<ContextType>;
  JobError?: JobErrorResolvers<ContextType>;
  JobEstimate?: JobEstimateResolvers<ContextType>;
  JobEvent?: JobEventResolvers<ContextType>;
  JobPayload?: JobPayloadResolvers<ContextType>;
  Membership?: MembershipResolvers<ContextType>;
  Model?: ModelResolvers<ContextType>;
  ModelConnection?: ModelConnectionResolvers<ContextType>;
  ModelEdge?: ModelEdgeResolvers<ContextType>;
  ModelVersion?: ModelVersionResolvers<ContextType>;
  ModelVersionConnection?: ModelVersionConnectionResolvers<ContextType>;
  ModelVersionEdge?: ModelVersionEdgeResolvers<ContextType>;
  Monitor?: MonitorResolvers<ContextType>;
  MonitorConnection?: MonitorConnectionResolvers<ContextType>;
  MonitorEdge?: MonitorEdgeResolvers<ContextType>;
  MonitorPayload?: MonitorPayloadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  Overview?: OverviewResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Preprocessing?: PreprocessingResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Quota?: QuotaResolvers<ContextType>;
  RegisterDatasetPayload?: RegisterDatasetPayloadResolvers<ContextType>;
  RegisterModelPayload?: RegisterModelPayloadResolvers<ContextType>;
  RepairEvidence?: RepairEvidenceResolvers<ContextType>;
  RepairTradeoff?: RepairTradeoffResolvers<ContextType>;
  SignInPayload?: SignInPayloadResolvers<ContextType>;
  SocketTokenPayload?: SocketTokenPayloadResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Tenant?: TenantResolvers<ContextType>;
  TestMonitorWebhookPayload?: TestMonitorWebhookPayloadResolvers<ContextType>;
  TrendPoint?: TrendPointResolvers<ContextType>;
  Upload?: UploadResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserError?: UserErrorResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
  Webhook?: WebhookResolvers<ContextType>;
  WebhookDelivery?: WebhookDeliveryResolvers<ContextType>;
  WorkerInfo?: WorkerInfoResolvers<ContextType>;
};

