import { z } from 'zod';
import { EmailId } from './schemas';

// The action catalogue and "try on an email" (issue 16, item 5). The built-in actions' params are
// defined here, once: the engine validates with these schemas (workflows/actions/built-in-actions.ts),
// the catalogue derives its form fields from them (actionFieldsOf), and the editor checks a step as
// it is typed with the same schema. No Node import: the renderer reads this file too.

// Messages in the editor's words; the server's 400s say the same (`workflow_steps.2.params.status: is required`).
const required = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);
const text = (max: number) =>
  z.string({ error: required('a text') }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const oneOf = <const Values extends readonly [string, ...string[]]>(values: Values) => z.enum(values, { error: required(`one of ${values.join(', ')}`) });

/** flag_bankruptcy's words unless a workflow names its own: Danish and English. */
export const BANKRUPTCY_KEYWORDS: readonly string[] = ['konkurs', 'bankruptcy', 'bankrupt', 'insolvency', 'insolvent', 'kurator', 'tvangsopløsning'];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/** Each built-in action's params; `describe` is the help the editor shows beside the field. */
export const BUILT_IN_ACTION_PARAMS = {
  set_status: z
    .object({
      status: text(50).describe('The status email_messages gets, e.g. processed'),
      reason: text(500).optional().describe('Said in status_changed; default: the workflow’s name'),
    })
    .strict(),
  extract_invoice: z.object({}).strict(),
  link_entity: z
    .object({
      entity_type: oneOf(['vendor', 'customer']).describe('What the email is linked to'),
      entity_id: z.number({ error: 'must be a number' }).int('must be a whole number').positive('must be above 0').optional().describe('That entity’s id in email_entities; default: the one with the sender’s domain'),
      create_missing: z.boolean({ error: 'must be true or false' }).default(true).describe('Create the vendor or customer of an unknown sender domain, named after it; otherwise the step fails'),
    })
    .strict(),
  create_ticket: z
    .object({
      priority: oneOf(TICKET_PRIORITIES).default('normal').describe('The ticket’s priority'),
      subject: text(500).optional().describe('Default: the email’s subject'),
    })
    .strict(),
  notify: z.discriminatedUnion('channel', [
    z
      .object({
        channel: z.literal('webhook'),
        url: z.url({ protocol: /^https?$/, error: required('an http:// or https:// URL') }).describe('Receives a JSON POST with an Idempotency-Key header'),
        reason: text(500).optional().describe('Said in the notification; default: the workflow’s name'),
      })
      .strict(),
    z
      .object({
        channel: z.literal('email'),
        to: z.email({ error: required('an e-mail address, e.g. finance@example.com') }).describe('Sent through the worker’s SMTP server (MAILTRAIL_SMTP_URL)'),
        subject: text(200).optional().describe('Default: the workflow’s name and the email’s subject'),
        reason: text(500).optional().describe('Said in the notification; default: the workflow’s name'),
      })
      .strict(),
  ], { error: 'must be webhook or email' }),
  flag_bankruptcy: z
    .object({ keywords: z.array(text(100), { error: 'must be a list of words' }).min(1, 'must name a word at least').max(50, 'must be at most 50 words').optional().describe(`Words to look for; default: ${BANKRUPTCY_KEYWORDS.join(', ')}`) })
    .strict(),
} as const;

export type BuiltInActionCode = keyof typeof BUILT_IN_ACTION_PARAMS;

/** The zod of a built-in action's params, or null for a hub's own action (its schema is the server's). */
export const builtInParamsOf = (code: string): z.ZodType | null =>
  Object.prototype.hasOwnProperty.call(BUILT_IN_ACTION_PARAMS, code) ? BUILT_IN_ACTION_PARAMS[code as BuiltInActionCode] : null;

export const ACTION_FIELD_TYPES = ['string', 'number', 'enum', 'boolean', 'string[]'] as const;

/** One param of an action as a form field. */
export const ActionField = z.object({
  name: z.string(),
  type: z.enum(ACTION_FIELD_TYPES),
  required: z.boolean(),
  /** What the action uses when the field is left out; absent when it has none. */
  default: z.unknown().optional(),
  /** An enum's values. */
  choices: z.array(z.string()).nullable(),
  help: z.string().nullable(),
  /** `url`, `email` or `integer`: how the value is written. */
  format: z.string().nullable(),
  /** Shown and sent only when another field has this value (notify's `channel`). */
  when: z.object({ field: z.string(), equals: z.string() }).nullable(),
});
export type ActionField = z.infer<typeof ActionField>;

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  default?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
};

function fieldOf(name: string, property: JsonSchema, required: boolean, when: ActionField['when']): ActionField | null {
  const base = { name, required, help: property.description ?? null, when, format: null as string | null, choices: null as string[] | null };
  const withDefault = property.default === undefined ? base : { ...base, default: property.default };
  if (Array.isArray(property.enum)) return { ...withDefault, type: 'enum', choices: property.enum.map(String) };
  switch (property.type) {
    case 'string':
      return { ...withDefault, type: 'string', format: property.format === 'uri' ? 'url' : (property.format ?? null) };
    case 'integer':
      return { ...withDefault, type: 'number', format: 'integer' };
    case 'number':
      return { ...withDefault, type: 'number' };
    case 'boolean':
      return { ...withDefault, type: 'boolean' };
    case 'array':
      return property.items?.type === 'string' ? { ...withDefault, type: 'string[]' } : null;
    default:
      return null;
  }
}

function objectFields(schema: JsonSchema, when: ActionField['when'], skip?: string): ActionField[] | null {
  const fields: ActionField[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (name === skip) continue;
    const field = fieldOf(name, property, (schema.required ?? []).includes(name), when);
    if (!field) return null;
    fields.push(field);
  }
  return fields;
}

/**
 * An action's params as form fields, from its zod (through zod's JSON Schema): an object's properties,
 * or a union of objects told apart by one constant field (notify's `channel`), whose other fields
 * carry `when`. Null where a param has no field type (nested objects): the editor then takes JSON.
 */
export function actionFieldsOf(schema: z.ZodType): ActionField[] | null {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return null;
  }
  const branches = json.oneOf ?? json.anyOf;
  if (!branches) return json.type === 'object' ? objectFields(json, null) : null;
  const first = branches[0]?.properties ?? {};
  const discriminator = Object.keys(first).find((key) => branches.every((branch) => branch.properties?.[key]?.const !== undefined));
  if (!discriminator) return null;
  const values = branches.map((branch) => String(branch.properties![discriminator]!.const));
  const fields: ActionField[] = [{ name: discriminator, type: 'enum', required: true, choices: values, help: null, format: null, when: null }];
  for (const [index, branch] of branches.entries()) {
    const own = objectFields(branch, { field: discriminator, equals: values[index]! }, discriminator);
    if (!own) return null;
    fields.push(...own);
  }
  return fields;
}

/** A row of the catalogue with what the engine knows of it. */
export const WorkflowActionInfo = z.object({
  code: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  category: z.string().nullable(),
  /** email_workflow_actions.enabled; a disabled action stays runnable for the workflows that name it. */
  enabled: z.boolean(),
  /** Whether this process's engine has a handler for it (a catalogue row without one fails its step). */
  runnable: z.boolean(),
  /** Its params as form fields; null where they are free JSON (a hub's action without a schema). */
  fields: z.array(ActionField).nullable(),
  /** Whether it can say what it would do ("try on an email"); otherwise try says "would run … with params …". */
  previews: z.boolean(),
});
export type WorkflowActionInfo = z.infer<typeof WorkflowActionInfo>;

export const WorkflowActionsResult = z.object({ items: z.array(WorkflowActionInfo) });

/** A classification seen in the newest classified events (their count) or named by a workflow (0). */
export const ClassificationsResult = z.object({ items: z.array(z.object({ classification: z.string(), events: z.number() })) });

export const STEP_PREVIEW_OUTCOMES = ['would_run', 'no_change', 'would_fail'] as const;

/** What one step would do on an email, without doing it. */
export const StepPreview = z.object({
  step_index: z.number(),
  action: z.string(),
  /** would_run: it would do what `summary` says; no_change: it would run and change nothing; would_fail: it would fail, `summary` says why. */
  outcome: z.enum(STEP_PREVIEW_OUTCOMES),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type StepPreview = z.infer<typeof StepPreview>;

export const TryWorkflowResult = z.object({
  email: z.object({ id: z.number(), subject: z.string().nullable(), sender_email: z.string().nullable(), status: z.string().nullable() }),
  /** Whether the engine would start this workflow for the email's latest classified event. */
  trigger: z.object({
    matches: z.boolean(),
    reason: z.string(),
    event_id: z.number().nullable(),
    classification: z.string().nullable(),
    confidence: z.number().nullable(),
  }),
  steps: z.array(StepPreview),
});
export type TryWorkflowResult = z.infer<typeof TryWorkflowResult>;

/** The email to try a draft on; the draft's own fields are CreateWorkflowRequest's (contract/workflows.ts). */
export const TryEmailId = EmailId;
