import { z } from 'zod';
import type { Result } from './errors';
import {
  ActivityPage,
  ActivityStat,
  EmailPage,
  EmailCount,
  EmailCountRequest,
  EmailOverview,
  EmailRequest,
  EmailSearchRequest,
  EmailSummary,
  MetadataKeys,
  MetadataKeysRequest,
  Empty,
  RecentActivityPage,
  RecentActivityRequest,
  SourceStatus,
  StatsRequest,
  TimelineRequest,
  ActivityCount,
  ActivityCountRequest,
  EmailSubjects,
  EmailSubjectsRequest,
} from './schemas';
import {
  AnalyticsRange,
  CategoryTimeseries,
  ErrorAnalysis,
  SlowExecution,
  SlowestRequest,
  TimeseriesRequest,
  UserActivityPage,
  UserActivityRequest,
  UserList,
  UsersRequest,
  WorkflowSuccess,
  AnalyticsSource,
  LogExtent,
  LogExtentRequest,
  ErrorImpact,
  UserEventSummary,
  UserEventSummaryRequest,
} from './analytics';
import { JournalPage, JournalRequest } from './admin';
import {
  CancelRequest,
  HoldRequest,
  HoldsRequest,
  LegalHold,
  ReleaseRequest,
  RetentionOverrides,
  RetentionPolicy,
  RetentionPreview,
  RetentionRun,
  RetentionRunResult,
  RunRequest,
  RunsRequest,
  SetPolicyRequest,
} from './retention';
import { ReportsList, ReportsListRequest, ReportVerification, ReportVerifyRequest } from './reports';
import { EmailIntegrity, EmailIntegrityRequest, IntegrityStatus } from './integrity';
import {
  CreateWorkflowRequest,
  DeleteWorkflowResult,
  ExecutionRequest,
  ExecutionsPage,
  ExecutionsRequest,
  ExecutionWithSteps,
  RerunResult,
  TryWorkflowRequest,
  UpdateWorkflowRequest,
  Workflow,
  WorkflowRequest,
  WorkflowsRequest,
} from './workflows';
import { ClassificationsResult, TryWorkflowResult, WorkflowActionsResult } from './workflow-actions';
import {
  BackupHistoryEntry,
  BackupHistoryPage,
  BackupHistoryRequest,
  BackupJob,
  BackupJobRequest,
  BackupJobsRequest,
  BackupsOverview,
  BackupsOverviewRequest,
  CreateBackupJobRequest,
  DeleteBackupJobResult,
  RunBackupRequest,
  UpdateBackupJobRequest,
  VerifyBackupRequest,
} from './backups';

/**
 * An operation's request and response. `write: true` marks one that changes data: `serve` answers
 * it only when started with --admin and called with the admin token, and the service runs it on
 * the admin connection, journaled (src-main/admin/journal.ts). Operations without it only read.
 */
interface OperationDefinition {
  request: z.ZodType;
  response: z.ZodType;
  write?: true;
}

/**
 * THE API. Every operation Mailtrail offers, defined once: IPC handlers, the preload bridge,
 * the HTTP routes and both renderer clients are derived from this table.
 */
export const operations = {
  'emails/timeline': { request: TimelineRequest, response: ActivityPage },
  'emails/get': { request: EmailRequest, response: EmailSummary },
  'emails/search': { request: EmailSearchRequest, response: EmailPage },
  'activity/recent': { request: RecentActivityRequest, response: RecentActivityPage },
  'activity/stats': { request: StatsRequest, response: z.array(ActivityStat) },
  'activity/metadata-keys': { request: MetadataKeysRequest, response: MetadataKeys },
  'analytics/timeseries': { request: TimeseriesRequest, response: CategoryTimeseries },
  'analytics/errors': { request: AnalyticsRange, response: ErrorAnalysis },
  'analytics/workflows': { request: AnalyticsRange, response: WorkflowSuccess },
  'analytics/slowest': { request: SlowestRequest, response: z.object({ items: z.array(SlowExecution), source: AnalyticsSource }) },
  'users/list': { request: UsersRequest, response: UserList },
  'users/activity': { request: UserActivityRequest, response: UserActivityPage },
  'source/status': { request: Empty, response: SourceStatus },
  'activity/count': { request: ActivityCountRequest, response: ActivityCount },
  'emails/subjects': { request: EmailSubjectsRequest, response: EmailSubjects },
  'emails/count': { request: EmailCountRequest, response: EmailCount },
  'emails/overview': { request: EmailRequest, response: EmailOverview },
  'activity/extent': { request: LogExtentRequest, response: LogExtent },
  'analytics/error-impact': { request: AnalyticsRange, response: ErrorImpact },
  'users/summary': { request: UserEventSummaryRequest, response: UserEventSummary },
  'admin/journal': { request: JournalRequest, response: JournalPage },
  // Retention (issue 13) reads and writes the live database only; an offline cache answers 503.
  'retention/policy': { request: Empty, response: RetentionPolicy },
  'retention/set-policy': { request: SetPolicyRequest, response: RetentionPolicy, write: true },
  'retention/preview': { request: RetentionOverrides, response: RetentionPreview },
  'retention/runs': { request: RunsRequest, response: z.object({ items: z.array(RetentionRun) }) },
  /** Starts a run (answers once it is recorded and going) or, with dryRun, plans one and records nothing. */
  'retention/run': { request: RunRequest, response: RetentionRunResult, write: true },
  /** Asks the going run to stop after its batch in flight (from any process); it stays resumable. */
  'retention/cancel': { request: CancelRequest, response: RetentionRun, write: true },
  'retention/holds': { request: HoldsRequest, response: z.object({ items: z.array(LegalHold) }) },
  'retention/hold': { request: HoldRequest, response: LegalHold, write: true },
  'retention/release': { request: ReleaseRequest, response: LegalHold, write: true },
  // Audit reports (issue 14): the reports made on this machine (its register, not the database) and their verification.
  'reports/list': { request: ReportsListRequest, response: ReportsList },
  'reports/verify': { request: ReportVerifyRequest, response: ReportVerification },
  // Tamper evidence (issue 15): verifying reads only, so none of these needs the admin token.
  'integrity/status': { request: Empty, response: IntegrityStatus },
  /** Starts a full verification in the background, or joins the one going; its progress is in integrity/status. */
  'integrity/verify': { request: Empty, response: IntegrityStatus },
  /** Stops the verification going at its next batch; nothing is kept of it. */
  'integrity/cancel': { request: Empty, response: IntegrityStatus },
  'integrity/email': { request: EmailIntegrityRequest, response: EmailIntegrity },
  // Workflows (issue 16): the live database only; an offline cache answers 503. Writes are journaled as workflows.<verb>.
  'workflows/list': { request: WorkflowsRequest, response: z.object({ items: z.array(Workflow) }) },
  'workflows/get': { request: WorkflowRequest, response: Workflow },
  'workflows/create': { request: CreateWorkflowRequest, response: Workflow, write: true },
  /** The fields given replace the stored ones; those left out stay. */
  'workflows/update': { request: UpdateWorkflowRequest, response: Workflow, write: true },
  /** Soft: a workflow with executions is disabled, one without is deleted. */
  'workflows/delete': { request: WorkflowRequest, response: DeleteWorkflowResult, write: true },
  /** Newest first, keyset pages; across workflows or, with workflowId, one workflow's. */
  'workflows/executions': { request: ExecutionsRequest, response: ExecutionsPage },
  'workflows/execution': { request: ExecutionRequest, response: ExecutionWithSteps },
  /** Queues a failed execution again from its first unfinished step. */
  'workflows/rerun': { request: ExecutionRequest, response: RerunResult, write: true },
  /** The action catalogue (email_workflow_actions) with each action's params as form fields. */
  'workflows/actions': { request: Empty, response: WorkflowActionsResult },
  /** The classifications a trigger may name: those of the newest classified events, and the workflows'. */
  'workflows/classifications': { request: Empty, response: ClassificationsResult },
  /** "Try on an email": what a draft's steps would do on one email, and whether its trigger matches; writes nothing. */
  'workflows/try': { request: TryWorkflowRequest, response: TryWorkflowResult },
  // Backup jobs (issue 17): the live database only; writes are journaled as backups.<verb>.
  /** The jobs with their next and last run, and the latest runs of all. */
  'backups/overview': { request: BackupsOverviewRequest, response: BackupsOverview },
  /** Runs a job now in this process; answers with its history row (running) once the run has its lock. */
  'backups/run': { request: RunBackupRequest, response: BackupHistoryEntry, write: true },
  'backups/jobs': { request: BackupJobsRequest, response: z.object({ items: z.array(BackupJob) }) },
  'backups/job': { request: BackupJobRequest, response: BackupJob },
  'backups/create-job': { request: CreateBackupJobRequest, response: BackupJob, write: true },
  /** The fields given replace the stored ones; those left out stay. */
  'backups/update-job': { request: UpdateBackupJobRequest, response: BackupJob, write: true },
  /** Soft: the job stops and disappears from the lists; its history and files stay. */
  'backups/delete-job': { request: BackupJobRequest, response: DeleteBackupJobResult, write: true },
  /** Newest first, keyset pages; across jobs or, with jobId, one job's. */
  'backups/history': { request: BackupHistoryRequest, response: BackupHistoryPage },
  /** Verifies a backup file of the history again (in the background); its outcome lands on the history row. */
  'backups/verify': { request: VerifyBackupRequest, response: BackupHistoryEntry, write: true },
} as const satisfies Record<string, OperationDefinition>;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
/** What a caller may send (defaults not yet applied). */
export type RequestOf<K extends OperationName> = z.input<Operations[K]['request']>;
/** What the service receives after validation (defaults applied). */
export type ParsedRequestOf<K extends OperationName> = z.output<Operations[K]['request']>;
export type ResponseOf<K extends OperationName> = z.output<Operations[K]['response']>;

export const OPERATION_NAMES = Object.keys(operations) as OperationName[];

export function isOperationName(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(operations, name);
}

/** Whether an operation writes (its `write: true` flag); unknown names do not. */
export function isWriteOperation(name: string): boolean {
  return isOperationName(name) && (operations[name] as OperationDefinition).write === true;
}

/** IPC channels are namespaced, as VS Code's are: `mailtrail:<operation>`. */
export const CHANNEL_PREFIX = 'mailtrail:';
export const channelOf = (operation: OperationName): string => `${CHANNEL_PREFIX}${operation}`;

type CamelCase<S extends string> = S extends `${infer Head}/${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S extends `${infer Head}-${infer Tail}`
    ? `${Head}${Capitalize<CamelCase<Tail>>}`
    : S;
export type BridgeName<K extends OperationName> = CamelCase<K>;

/** The preload function name of an operation: 'emails/timeline' -> 'emailsTimeline'. */
export const bridgeNameOf = <K extends OperationName>(operation: K): BridgeName<K> =>
  operation.replace(/[/-](\w)/g, (_, letter: string) => letter.toUpperCase()) as BridgeName<K>;

/** The HTTP route that carries an operation as JSON for browser mode. */
export const rpcPathOf = (operation: OperationName): string => `/api/v1/rpc/${operation}`;

/** The typed client the renderer talks to; one implementation per transport. */
export type MailtrailClient = {
  [K in OperationName]: (request: RequestOf<K>) => Promise<ResponseOf<K>>;
};

/**
 * What the preload exposes on `window.mailtrail`: one function per operation, answering with a
 * Result so that errors cross the bridge as values with their name and code.
 */
export type MailtrailBridge = {
  [K in OperationName as BridgeName<K>]: (request: RequestOf<K>) => Promise<Result<ResponseOf<K>>>;
};

/** The service implements every operation with validated input. */
export type MailtrailService = {
  [K in OperationName]: (request: ParsedRequestOf<K>) => Promise<ResponseOf<K>>;
};
