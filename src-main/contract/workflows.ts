import { z } from 'zod';
import { checkRange, Cursor, EmailId, Timestamp } from './schemas';

// The workflows CRUD API's schemas (issue 16, item 4). A workflow and an execution in the tables' own
// column names (DESIGN.md, "REST API"); the operations are in operations.ts's one table.

const positiveId = (what: string) => z.number({ error: `must be ${what}` }).int('must be a whole number').positive(`must be ${what}`);
export const WorkflowId = positiveId('a workflow id');
export const ExecutionId = positiveId('an execution id');

/** A step as stored in workflow_steps; its params are checked against its action's own schema by the service. */
export const WorkflowStep = z
  .object({
    action: z.string({ error: 'must be an action code of the catalogue' }).trim().min(1, 'must be an action code of the catalogue').max(100, 'must be at most 100 characters'),
    params: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).default({}),
  })
  .strict();

/** email_workflows.confidence_threshold is NUMERIC(3, 2): 0 to 1 with two decimals at most, so nothing is rounded away silently. */
const ConfidenceThreshold = z
  .number({ error: 'must be a number from 0 to 1, or null (any confidence)' })
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1')
  .refine((value) => Math.abs(Math.round(value * 100) - value * 100) < 1e-9, 'must have at most two decimals (the column is NUMERIC(3, 2))')
  .nullable();

/** The fields a workflow is written with, each as its column; create fills what is left out, update keeps it. */
const workflowFields = {
  name: z.string({ error: 'must be a text' }).trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  description: z.string({ error: 'must be a text or null' }).max(10_000, 'must be at most 10000 characters').nullable(),
  classification_trigger: z.string({ error: 'must be a classification, e.g. invoice' }).trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters'),
  confidence_threshold: ConfidenceThreshold,
  workflow_steps: z.array(WorkflowStep, { error: 'must be a list of {action, params}' }).min(1, 'must have at least one step').max(50, 'must have at most 50 steps'),
  priority: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(-1_000_000, 'must be between -1000000 and 1000000').max(1_000_000, 'must be between -1000000 and 1000000'),
  enabled: z.boolean({ error: 'must be true or false' }),
};

export const CreateWorkflowRequest = z
  .object({
    ...workflowFields,
    description: workflowFields.description.default(null),
    confidence_threshold: workflowFields.confidence_threshold.default(0.7),
    priority: workflowFields.priority.default(100),
    enabled: workflowFields.enabled.default(true),
  })
  .strict();

/**
 * "Try on an email": a draft in create's shape (its name optional) and the email to try it on. It reads
 * only, so it needs no admin connection.
 */
export const TryWorkflowRequest = CreateWorkflowRequest.extend({ name: workflowFields.name.optional(), emailId: EmailId }).strict();

/** PUT /workflows/{id}: the fields given replace the stored ones; those left out stay. */
export const UpdateWorkflowRequest = z
  .object({
    workflowId: WorkflowId,
    name: workflowFields.name.optional(),
    description: workflowFields.description.optional(),
    classification_trigger: workflowFields.classification_trigger.optional(),
    confidence_threshold: workflowFields.confidence_threshold.optional(),
    workflow_steps: workflowFields.workflow_steps.optional(),
    priority: workflowFields.priority.optional(),
    enabled: workflowFields.enabled.optional(),
  })
  .strict();
export type WorkflowChanges = Omit<z.output<typeof UpdateWorkflowRequest>, 'workflowId'>;

export const Workflow = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  classification_trigger: z.string().nullable(),
  confidence_threshold: z.number().nullable(),
  workflow_steps: z.array(z.object({ action: z.string(), params: z.record(z.string(), z.unknown()) })),
  priority: z.number().nullable(),
  enabled: z.boolean(),
  created_at: z.string().nullable(),
});
export type Workflow = z.infer<typeof Workflow>;

export const WorkflowsRequest = z.object({ includeDisabled: z.boolean().default(true) }).strict();
export const WorkflowRequest = z.object({ workflowId: WorkflowId }).strict();

export const DeleteWorkflowResult = z.object({
  id: z.number(),
  /** deleted: it had no executions and is gone; disabled: its executions keep it, switched off. */
  outcome: z.enum(['deleted', 'disabled']),
  executions: z.number(),
});

export const EXECUTION_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;

export const ExecutionsRequest = z
  .object({
    workflowId: WorkflowId.optional(),
    status: z.enum(EXECUTION_STATUSES, { error: `must be one of ${EXECUTION_STATUSES.join(', ')}` }).optional(),
    emailId: EmailId.optional(),
    /** On started_at (zoneless, as the column); a date-only `to` includes that day, as everywhere. */
    from: Timestamp.optional(),
    to: Timestamp.optional(),
    limit: z.number().int('must be a whole number').min(1, 'must be between 1 and 500').max(500, 'must be between 1 and 500').default(50),
    cursor: Cursor.optional(),
  })
  .strict()
  .superRefine(checkRange);

export const WorkflowExecution = z.object({
  id: z.number(),
  workflow_id: z.number(),
  /** The workflow's name now; null once the workflow is gone. */
  workflow_name: z.string().nullable(),
  email_id: z.number(),
  status: z.string(),
  steps_completed: z.number().nullable(),
  steps_total: z.number().nullable(),
  result_json: z.unknown(),
  error_message: z.string().nullable(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  execution_time_ms: z.number().nullable(),
  trigger_event_id: z.number().nullable(),
});
export type WorkflowExecution = z.infer<typeof WorkflowExecution>;

export const ExecutionsPage = z.object({ items: z.array(WorkflowExecution), nextCursor: z.string().nullable() });

export const ExecutionStep = z.object({
  step_index: z.number(),
  action: z.string(),
  params: z.unknown(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  outcome: z.string(),
  attempts: z.number(),
  result_json: z.unknown(),
  error_message: z.string().nullable(),
});

export const ExecutionWithSteps = WorkflowExecution.extend({ steps: z.array(ExecutionStep) });
export const ExecutionRequest = z.object({ executionId: ExecutionId }).strict();
export const RerunResult = z.object({ execution_id: z.number(), steps_to_run: z.number() });
