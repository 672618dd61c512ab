/**
 * Every GraphQL operation the dashboard sends, checked against the gateway's SDL by
 * `npm run codegen -w @antidote/dashboard`, which writes their result types to generated.ts.
 */
import { operation } from './document';
import type * as G from './generated';

// ---------------------------------------------------------------------------------------------
// Fragments
// ---------------------------------------------------------------------------------------------

const JobSummary = /* GraphQL */ `
  fragment JobSummary on Job {
    id
    kind
    state
    progress
    phase
    attempts
    createdAt
    startedAt
    finishedAt
    error {
      code
      message
    }
    estimate {
      seconds
      peakMemoryMb
      gflop
      gflopsPerSecond
      expireInSeconds
    }
    modelVersion {
      id
      version
      model {
        id
        name
      }
    }
    dataset {
      id
      name
    }
  }
`;

const CalibrationFields = /* GraphQL */ `
  fragment CalibrationFields on Calibration {
    status
    pValue
    falsePositiveRate
    referenceCount
    referenceSource
    note
  }
`;

const FindingFields = /* GraphQL */ `
  fragment FindingFields on Finding {
    id
    kind
    method
    score
    threshold
    verdict
    suspectedTarget
    calibration {
      ...CalibrationFields
    }
    triggerImageUrl
    cdaBefore
    cdaAfter
    asrBefore
    asrAfter
    dataset {
      id
      labelled
    }
    details
    reasons
    keptRun
    runs
    frontier {
      run
      step
      heldOutAccuracy
      drop
      dropLow
      dropHigh
      heldOutImages
      withinBudget
      attackSuccess
    }
    evidence {
      kind
      verificationJob {
        id
        state
      }
    }
    reportHtmlUrl
    reportPdfUrl
    createdAt
    dataset {
      id
      name
    }
    repairedVersion {
      id
      version
    }
    job {
      id
      state
    }
  }
`;

const JobEventFields = /* GraphQL */ `
  fragment JobEventFields on JobEvent {
    jobId
    seq
    type
    phase
    step
    totalSteps
    progress
    message
    metrics
    createdAt
  }
`;

const MonitorFields = /* GraphQL */ `
  fragment MonitorFields on Monitor {
    id
    name
    enabled
    scanOnNewVersion
    intervalMinutes
    scoreThreshold
    webhooks {
      url
    }
    lastRunAt
    nextRunAt
    createdAt
    model {
      id
      name
    }
    dataset {
      id
      name
    }
  }
`;

const ApiKeyFields = /* GraphQL */ `
  fragment ApiKeyFields on ApiKey {
    id
    name
    prefix
    role
    scopes
    createdAt
    expiresAt
    lastUsedAt
    revokedAt
  }
`;

const UserErrorFields = /* GraphQL */ `
  fragment UserErrorFields on UserError {
    code
    message
    field
  }
`;

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

export const ViewerQuery = operation<G.ViewerQuery, G.ViewerQueryVariables>(/* GraphQL */ `
  query Viewer {
    me {
      user {
        id
        email
        name
      }
      tenant {
        id
        slug
        name
      }
      role
      authKind
      memberships {
        role
        tenant {
          id
          slug
          name
        }
      }
    }
  }
`);

export const QuotaQuery = operation<G.QuotaQuery, G.QuotaQueryVariables>(/* GraphQL */ `
  query Quota {
    me {
      tenant {
        id
        name
        quota {
          plan
          maxQueuedJobs
          queuedJobs
          maxRunningJobs
          runningJobs
          maxSweepModels
          maxSweepEpochs
          maxMonitors
          monitors
          minMonitorIntervalMinutes
          storageBytes
          usedStorageBytes
        }
      }
    }
  }
`);

export const OverviewQuery = operation<G.OverviewQuery, G.OverviewQueryVariables>(
  /* GraphQL */ `
    query Overview($days: Int) {
      overview {
        modelCount
        runningJobs
        healthCounts {
          health
          count
        }
        recentJobs {
          ...JobSummary
        }
        findingsTrend(days: $days) {
          day
          clean
          suspicious
          backdoored
          repaired
          notRepaired
        }
      }
    }
  `,
  JobSummary,
);

export const ModelsQuery = operation<G.ModelsQuery, G.ModelsQueryVariables>(/* GraphQL */ `
  query Models($first: Int, $after: String, $search: String) {
    models(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          description
          health
          versionCount
          createdAt
          latestVersion {
            id
            version
            createdAt
          }
        }
      }
    }
  }
`);

export const ModelDetailQuery = operation<G.ModelDetailQuery, G.ModelDetailQueryVariables>(/* GraphQL */ `
  query ModelDetail($id: ID!, $first: Int, $after: String, $datasets: Int) {
    node(id: $id) {
      __typename
      ... on Model {
        id
        name
        description
        health
        createdAt
        versionCount
        latestVersion {
          id
        }
        monitors {
          id
          name
          enabled
        }
        versions(first: $first, after: $after) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              id
              version
              sha256
              format
              inputShape
              numClasses
              paramCount
              health
              createdAt
              downloadUrl
              parent {
                id
                version
              }
              children {
                id
                version
                health
              }
            }
          }
        }
      }
    }
    datasets(first: $datasets) {
      edges {
        node {
          id
          name
          labelled
          numClasses
          count
        }
      }
    }
  }
`);

export const VersionDetailQuery = operation<G.VersionDetailQuery, G.VersionDetailQueryVariables>(
  /* GraphQL */ `
    query VersionDetail($id: ID!) {
      node(id: $id) {
        __typename
        ... on ModelVersion {
          id
          version
          sha256
          format
          inputShape
          numClasses
          classNames
          paramCount
          health
          createdAt
          downloadUrl
          preprocessing {
            layout
            height
            width
            channels
            channelOrder
            scale
            mean
            std
            resize
            defaulted
          }
          fidelity {
            maxAbsDiff
            top1Agreement
            n
            maxAbsOutput
            inputs
          }
          model {
            id
            name
          }
          parent {
            id
            version
            health
          }
          children {
            id
            version
            health
          }
          findings {
            ...FindingFields
          }
        }
      }
    }
  `,
  FindingFields,
  CalibrationFields,
);

export const DatasetsQuery = operation<G.DatasetsQuery, G.DatasetsQueryVariables>(/* GraphQL */ `
  query Datasets($first: Int, $after: String) {
    datasets(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          format
          count
          labelled
          numClasses
          imageShape
          createdAt
        }
      }
    }
  }
`);

export const DatasetDetailQuery = operation<G.DatasetDetailQuery, G.DatasetDetailQueryVariables>(/* GraphQL */ `
  query DatasetDetail($id: ID!) {
    node(id: $id) {
      __typename
      ... on Dataset {
        id
        name
        format
        count
        labelled
        numClasses
        imageShape
        classHistogram
        sha256
        thumbnailsUrl
        createdAt
      }
    }
  }
`);

export const JobsQuery = operation<G.JobsQuery, G.JobsQueryVariables>(
  /* GraphQL */ `
    query Jobs($first: Int, $after: String, $state: JobState, $kind: JobKind) {
      jobs(first: $first, after: $after, state: $state, kind: $kind) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...JobSummary
          }
        }
      }
    }
  `,
  JobSummary,
);

export const JobDetailQuery = operation<G.JobDetailQuery, G.JobDetailQueryVariables>(
  /* GraphQL */ `
    query JobDetail($id: ID!, $events: Int) {
      node(id: $id) {
        __typename
        ... on Job {
          ...JobSummary
          params
          idempotencyKey
          result
          resultPlotUrl
          events(first: $events) {
            ...JobEventFields
          }
          findings {
            id
            kind
            method
            verdict
            score
            calibration {
              ...CalibrationFields
            }
            cdaAfter
            asrAfter
            modelVersion {
              id
              version
            }
            repairedVersion {
              id
              version
            }
          }
        }
      }
    }
  `,
  JobSummary,
  JobEventFields,
  CalibrationFields,
);

export const MonitorsQuery = operation<G.MonitorsQuery, G.MonitorsQueryVariables>(
  /* GraphQL */ `
    query Monitors($first: Int, $after: String, $pickers: Int) {
      monitors(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...MonitorFields
          }
        }
      }
      models(first: $pickers) {
        edges {
          node {
            id
            name
          }
        }
      }
      datasets(first: $pickers) {
        edges {
          node {
            id
            name
          }
        }
      }
    }
  `,
  MonitorFields,
);

export const ApiKeysQuery = operation<G.ApiKeysQuery, G.ApiKeysQueryVariables>(
  /* GraphQL */ `
    query ApiKeys($first: Int, $after: String) {
      apiKeys(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...ApiKeyFields
          }
        }
      }
    }
  `,
  ApiKeyFields,
);

export const AuditLogQuery = operation<G.AuditLogQuery, G.AuditLogQueryVariables>(/* GraphQL */ `
  query AuditLog($first: Int, $after: String, $action: String, $actor: String) {
    auditLog(first: $first, after: $after, action: $action, actor: $actor) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          seq
          actor
          action
          target
          details
          prevHash
          hash
          createdAt
        }
      }
    }
  }
`);

export const VerifyAuditChainQuery = operation<G.VerifyAuditChainQuery, G.VerifyAuditChainQueryVariables>(/* GraphQL */ `
  query VerifyAuditChain {
    verifyAuditChain {
      ok
      count
      brokenAtSeq
      headHash
    }
  }
`);

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

export const SignInMutation = operation<G.SignInMutation, G.SignInMutationVariables>(
  /* GraphQL */ `
    mutation SignIn($input: SignInInput!) {
      signIn(input: $input) {
        token
        expiresAt
        user {
          id
          email
          name
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

/** A short-lived WebSocket credential for the browser (never the session token itself). */
export const CreateSocketTokenMutation = operation<
  G.CreateSocketTokenMutation,
  G.CreateSocketTokenMutationVariables
>(/* GraphQL */ `
  mutation CreateSocketToken {
    createSocketToken {
      token
      expiresAt
      userErrors {
        code
        message
      }
    }
  }
`);

export const SignOutMutation = operation<G.SignOutMutation, G.SignOutMutationVariables>(/* GraphQL */ `
  mutation SignOut {
    signOut
  }
`);

export const CreateUploadMutation = operation<G.CreateUploadMutation, G.CreateUploadMutationVariables>(
  /* GraphQL */ `
    mutation CreateUpload($input: CreateUploadInput!) {
      createUpload(input: $input) {
        upload {
          id
          url
          maxBytes
          expiresAt
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const RegisterModelMutation = operation<G.RegisterModelMutation, G.RegisterModelMutationVariables>(
  /* GraphQL */ `
    mutation RegisterModel($input: RegisterModelInput!) {
      registerModel(input: $input) {
        model {
          id
          name
        }
        version {
          id
          version
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const AddModelVersionMutation = operation<G.AddModelVersionMutation, G.AddModelVersionMutationVariables>(
  /* GraphQL */ `
    mutation AddModelVersion($input: AddModelVersionInput!) {
      addModelVersion(input: $input) {
        version {
          id
          version
        }
        monitorJobs {
          id
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const RegisterDatasetMutation = operation<G.RegisterDatasetMutation, G.RegisterDatasetMutationVariables>(
  /* GraphQL */ `
    mutation RegisterDataset($input: RegisterDatasetInput!) {
      registerDataset(input: $input) {
        dataset {
          id
          name
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const StartScanMutation = operation<G.StartScanMutation, G.StartScanMutationVariables>(
  /* GraphQL */ `
    mutation StartScan($input: StartScanInput!) {
      startScan(input: $input) {
        job {
          id
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const StartRepairMutation = operation<G.StartRepairMutation, G.StartRepairMutationVariables>(
  /* GraphQL */ `
    mutation StartRepair($input: StartRepairInput!) {
      startRepair(input: $input) {
        job {
          id
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const CancelJobMutation = operation<G.CancelJobMutation, G.CancelJobMutationVariables>(
  /* GraphQL */ `
    mutation CancelJob($input: CancelJobInput!) {
      cancelJob(input: $input) {
        job {
          id
          state
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const CreateApiKeyMutation = operation<G.CreateApiKeyMutation, G.CreateApiKeyMutationVariables>(
  /* GraphQL */ `
    mutation CreateApiKey($input: CreateApiKeyInput!) {
      createApiKey(input: $input) {
        apiKey {
          ...ApiKeyFields
        }
        secret
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  ApiKeyFields,
  UserErrorFields,
);

export const RevokeApiKeyMutation = operation<G.RevokeApiKeyMutation, G.RevokeApiKeyMutationVariables>(
  /* GraphQL */ `
    mutation RevokeApiKey($input: RevokeApiKeyInput!) {
      revokeApiKey(input: $input) {
        apiKey {
          id
          revokedAt
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const CreateMonitorMutation = operation<G.CreateMonitorMutation, G.CreateMonitorMutationVariables>(
  /* GraphQL */ `
    mutation CreateMonitor($input: CreateMonitorInput!) {
      createMonitor(input: $input) {
        monitor {
          id
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const UpdateMonitorMutation = operation<G.UpdateMonitorMutation, G.UpdateMonitorMutationVariables>(
  /* GraphQL */ `
    mutation UpdateMonitor($input: UpdateMonitorInput!) {
      updateMonitor(input: $input) {
        monitor {
          id
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const DeleteMonitorMutation = operation<G.DeleteMonitorMutation, G.DeleteMonitorMutationVariables>(
  /* GraphQL */ `
    mutation DeleteMonitor($input: DeleteMonitorInput!) {
      deleteMonitor(input: $input) {
        deletedId
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

export const TestMonitorWebhookMutation = operation<G.TestMonitorWebhookMutation, G.TestMonitorWebhookMutationVariables>(
  /* GraphQL */ `
    mutation TestMonitorWebhook($input: TestMonitorWebhookInput!) {
      testMonitorWebhook(input: $input) {
        deliveries {
          url
          status
          responseCode
          error
        }
        userErrors {
          ...UserErrorFields
        }
      }
    }
  `,
  UserErrorFields,
);

// ---------------------------------------------------------------------------------------------
// Subscriptions (graphql-ws)
// ---------------------------------------------------------------------------------------------

export const JobProgressSubscription = operation<G.JobProgressSubscription, G.JobProgressSubscriptionVariables>(
  /* GraphQL */ `
    subscription JobProgress($jobId: ID!, $afterSeq: Int) {
      jobProgress(jobId: $jobId, afterSeq: $afterSeq) {
        ...JobEventFields
      }
    }
  `,
  JobEventFields,
);

export const TenantEventsSubscription = operation<G.TenantEventsSubscription, G.TenantEventsSubscriptionVariables>(
  /* GraphQL */ `
    subscription TenantEvents {
      tenantEvents {
        ...JobEventFields
      }
    }
  `,
  JobEventFields,
);
