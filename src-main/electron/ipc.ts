import { MailtrailError, type Result } from '../contract/errors';
import { channelOf, OPERATION_NAMES, type MailtrailService, type OperationName } from '../contract/operations';
import { toMailtrailError } from '../db/connection';
import { invoke } from '../service/invoke';
import { describeSender, isTrustedIpcSender } from './security';

/** The part of IpcMainInvokeEvent the handlers look at. */
export interface IpcSenderEvent {
  senderFrame?: { url: string; parent: unknown } | null;
}

/** The part of Electron's ipcMain the handlers need. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, payload: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcOptions {
  /** Whether a call comes from Mailtrail's own window; defaults to a top-level app://mailtrail frame. */
  isTrustedSender?: (event: IpcSenderEvent) => boolean;
}

/**
 * One handler per contract operation, on `mailtrail:<operation>`: refuse foreign senders, then
 * hand the payload to invoke(), which validates it with the operation's zod schema and turns
 * every error into a value. Returns a function that removes the handlers.
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  service: MailtrailService,
  { isTrustedSender = isTrustedIpcSender }: IpcOptions = {},
): () => void {
  const handle = async (operation: OperationName, event: IpcSenderEvent, payload: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event)) {
      const error = new MailtrailError(
        'bad_request',
        `refused ${operation}: the call came from ${describeSender(event)}, not from Mailtrail's own window (app://mailtrail)`,
      );
      return { ok: false, error: error.toValue() };
    }
    return invoke(service, operation, payload);
  };
  for (const operation of OPERATION_NAMES) {
    ipcMain.handle(channelOf(operation), (event: IpcSenderEvent, payload: unknown) => handle(operation, event, payload));
  }
  return () => {
    for (const operation of OPERATION_NAMES) ipcMain.removeHandler(channelOf(operation));
  };
}

/**
 * Answers a desktop-only channel beside the operations (the admin connection's, the reports'):
 * Mailtrail's own window only, `action`'s value or its error as a Result, never a throw.
 */
export function handleFromOwnWindow(
  ipcMain: IpcMainLike,
  channel: string,
  action: (payload: unknown) => Promise<unknown>,
  { isTrustedSender = isTrustedIpcSender }: IpcOptions = {},
): void {
  ipcMain.handle(channel, async (event: IpcSenderEvent, payload: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event)) {
      const error = new MailtrailError('bad_request', `refused ${channel}: the call came from ${describeSender(event)}, not from Mailtrail's own window`);
      return { ok: false, error: error.toValue() };
    }
    try {
      return { ok: true, value: await action(payload) };
    } catch (error) {
      return { ok: false, error: toMailtrailError(error).toValue() };
    }
  });
}

/**
 * A service whose every operation waits for the data source to open: the window and its IPC
 * handlers are up at once while the embedded PostgreSQL starts, and a source that fails to open
 * answers each call with that failure instead of crashing the app. Given a function, each call
 * asks it for the service anew, so the source behind the handlers can change.
 */
export function deferredService(source: Promise<MailtrailService> | (() => Promise<MailtrailService>)): MailtrailService {
  const current = typeof source === 'function' ? source : () => source;
  const entries = OPERATION_NAMES.map((operation) => [
    operation,
    async (request: unknown) => {
      const service = await current();
      return (service[operation] as (request: unknown) => Promise<unknown>)(request);
    },
  ]);
  return Object.fromEntries(entries) as MailtrailService;
}

interface ClosableSource {
  service: MailtrailService;
  close(): Promise<void>;
}

/** The data source the IPC handlers answer from, which "Open offline cache" and "Open live database" replace. */
export interface CurrentSource<S extends ClosableSource> {
  /** Each call goes to the source that is current when it is made. */
  readonly service: MailtrailService;
  current(): Promise<S>;
  /** Answers from `next` from now on; resolves once the source it replaced is closed. */
  replace(next: S): Promise<void>;
}

export function currentSource<S extends ClosableSource>(first: Promise<S>): CurrentSource<S> {
  let current = first;
  return {
    service: deferredService(() => current.then((source) => source.service)),
    current: () => current,
    async replace(next) {
      const previous = current;
      current = Promise.resolve(next);
      await previous.then((source) => source.close()).catch(() => undefined);
    },
  };
}
