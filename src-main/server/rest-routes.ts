import type { OperationName, ResponseOf } from '../contract/operations';
import type { ParamSpecs } from './query-params';

/** What a REST route answers: the body, the next page's cursor (X-Next-Cursor) and how far a bounded search got (X-Searched-To). */
export interface RestAnswer {
  body: unknown;
  nextCursor: string | null;
  searchedTo?: string | null;
}

export interface RestRoute<K extends OperationName = OperationName> {
  /** The route as people write it, for messages: `/api/v1/emails/{id}/activity`. */
  template: string;
  /** Matched against the decoded path; capture groups are path parameters. */
  path: RegExp;
  operation: K;
  /** Path parameters, in capture order: the name used in messages and the request field. */
  pathParams: readonly { name: string; field: string }[];
  query: ParamSpecs;
  answer(value: ResponseOf<K>): RestAnswer;
}

const route = <K extends OperationName>(definition: RestRoute<K>) => definition as unknown as RestRoute;

export const DATE_RANGE: ParamSpecs = {
  from: { field: 'from', kind: 'text' },
  to: { field: 'to', kind: 'text' },
};

// The seed's lists are bare JSON arrays, so paging travels in a header.
const pageAnswer = (page: { items: unknown[]; nextCursor: string | null; searchedTo?: string | null }): RestAnswer => ({
  body: page.items,
  nextCursor: page.nextCursor,
  searchedTo: page.searchedTo ?? null,
});

/** Analytics that may add the archived events (issue 13, item 5): a range and `include_archived=true`. */
const INCLUDE_ARCHIVED: ParamSpecs = { include_archived: { field: 'includeArchived', kind: 'boolean' } };
const ANALYTICS_RANGE: ParamSpecs = { ...DATE_RANGE, ...INCLUDE_ARCHIVED };

const valueAnswer = (value: unknown): RestAnswer => ({ body: value, nextCursor: null });

/** Recent activity's filters, which its count and the report export take too. */
export const ACTIVITY_FILTER = {
  event_type: { field: 'eventTypes', kind: 'text-list' },
  event_category: { field: 'eventCategories', kind: 'text-list' },
  user_id: { field: 'userIds', kind: 'integer-list' },
  email_id: { field: 'emailIds', kind: 'integer-list' },
  text: { field: 'text', kind: 'text' },
  metadata: { field: 'metadata', kind: 'key-value-list' },
  ...DATE_RANGE,
} as const;

/** The seed's three endpoints ("Via API", "Analytics & Monitoring") and the analytics beside them; fixed paths first. */
export const REST_ROUTES: readonly RestRoute[] = [
  route({
    template: '/api/v1/emails/activity/recent',
    path: /^\/api\/v1\/emails\/activity\/recent$/,
    operation: 'activity/recent',
    pathParams: [],
    query: {
      limit: { field: 'limit', kind: 'integer' },
      ...ACTIVITY_FILTER,
      cursor: { field: 'cursor', kind: 'text' },
    },
    answer: pageAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/stats',
    path: /^\/api\/v1\/emails\/activity\/stats$/,
    operation: 'activity/stats',
    pathParams: [],
    query: ANALYTICS_RANGE,
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/metadata-keys',
    path: /^\/api\/v1\/emails\/activity\/metadata-keys$/,
    operation: 'activity/metadata-keys',
    pathParams: [],
    query: { event_type: { field: 'eventTypes', kind: 'text-list' } },
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/timeseries',
    path: /^\/api\/v1\/emails\/activity\/timeseries$/,
    operation: 'analytics/timeseries',
    pathParams: [],
    query: { ...ANALYTICS_RANGE, bucket: { field: 'bucket', kind: 'text' } },
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/errors',
    path: /^\/api\/v1\/emails\/activity\/errors$/,
    operation: 'analytics/errors',
    pathParams: [],
    query: ANALYTICS_RANGE,
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/workflows',
    path: /^\/api\/v1\/emails\/activity\/workflows$/,
    operation: 'analytics/workflows',
    pathParams: [],
    query: ANALYTICS_RANGE,
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/slowest',
    path: /^\/api\/v1\/emails\/activity\/slowest$/,
    operation: 'analytics/slowest',
    pathParams: [],
    query: { limit: { field: 'limit', kind: 'integer' }, ...DATE_RANGE, workflow: { field: 'workflow', kind: 'text' }, status: { field: 'status', kind: 'text' } },
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/errors/impact',
    path: /^\/api\/v1\/emails\/activity\/errors\/impact$/,
    operation: 'analytics/error-impact',
    pathParams: [],
    query: ANALYTICS_RANGE,
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/users/{userId}/summary',
    path: /^\/api\/v1\/emails\/activity\/users\/([^/]+)\/summary$/,
    operation: 'users/summary',
    pathParams: [{ name: 'user id in the path', field: 'userId' }],
    query: DATE_RANGE,
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/extent',
    path: /^\/api\/v1\/emails\/activity\/extent$/,
    operation: 'activity/extent',
    pathParams: [],
    query: INCLUDE_ARCHIVED,
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/users/{userId}',
    path: /^\/api\/v1\/emails\/activity\/users\/([^/]+)$/,
    operation: 'users/activity',
    pathParams: [{ name: 'user id in the path', field: 'userId' }],
    query: { limit: { field: 'limit', kind: 'integer' }, cursor: { field: 'cursor', kind: 'text' }, ...DATE_RANGE, event_type: { field: 'eventTypes', kind: 'text-list' } },
    answer: pageAnswer,
  }),
  route({
    template: '/api/v1/emails/activity/count',
    path: /^\/api\/v1\/emails\/activity\/count$/,
    operation: 'activity/count',
    pathParams: [],
    query: ACTIVITY_FILTER,
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/emails/{id}/activity',
    path: /^\/api\/v1\/emails\/([^/]+)\/activity$/,
    operation: 'emails/timeline',
    pathParams: [{ name: 'email id in the path', field: 'emailId' }],
    query: {
      order: { field: 'order', kind: 'text' },
      limit: { field: 'limit', kind: 'integer' },
      cursor: { field: 'cursor', kind: 'text' },
    },
    answer: pageAnswer,
  }),
  route({
    template: '/api/v1/emails/{id}/integrity',
    path: /^\/api\/v1\/emails\/([^/]+)\/integrity$/,
    operation: 'integrity/email',
    pathParams: [{ name: 'email id in the path', field: 'emailId' }],
    query: {},
    answer: valueAnswer,
  }),
  route({
    template: '/api/v1/admin/journal',
    path: /^\/api\/v1\/admin\/journal$/,
    operation: 'admin/journal',
    pathParams: [],
    query: {
      limit: { field: 'limit', kind: 'integer' },
      action: { field: 'actions', kind: 'text-list' },
      actor: { field: 'actors', kind: 'text-list' },
      ...DATE_RANGE,
      cursor: { field: 'cursor', kind: 'text' },
    },
    answer: pageAnswer,
  }),
];
