import { describe, expect, it } from 'vitest';
import { isWriteOperation, OPERATION_NAMES } from '../../src-main/contract/operations';
import { isWriteRequest, refuseWrite } from '../../src-main/server/write-gate';

describe('which requests are writes (issue 13, item 1)', () => {
  it('over REST, any method but GET, HEAD and OPTIONS, whether or not the route exists', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get', undefined]) expect(isWriteRequest(method, '/api/v1/emails/activity/stats')).toBe(false);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'post']) {
      expect(isWriteRequest(method, '/api/v1/emails/activity/stats')).toBe(true);
      expect(isWriteRequest(method, '/api/v1/no-such-endpoint')).toBe(true);
    }
  });

  it('over RPC, the operations the contract flags `write: true`, whatever the method', () => {
    const writes = (operation: string) => operation === 'retention/run';
    expect(isWriteRequest('POST', '/api/v1/rpc/retention/run', writes)).toBe(true);
    expect(isWriteRequest('GET', '/api/v1/rpc/retention/run', writes)).toBe(true);
    expect(isWriteRequest('POST', '/api/v1/rpc/retention%2Frun', writes)).toBe(true);
    expect(isWriteRequest('POST', '/api/v1/rpc/retention/preview', writes)).toBe(false);
    expect(isWriteRequest('POST', '/api/v1/rpc/%E0%A4%A', writes)).toBe(false);
    // Retention's, workflows' and backups' changes write; every other operation reads, the journal and a retention preview included.
    const writing = [
      'retention/set-policy',
      'retention/run',
      'retention/cancel',
      'retention/hold',
      'retention/release',
      'workflows/create',
      'workflows/update',
      'workflows/delete',
      'workflows/rerun',
      'backups/run',
      'backups/create-job',
      'backups/update-job',
      'backups/delete-job',
      'backups/verify',
    ];
    expect(OPERATION_NAMES.filter(isWriteOperation)).toEqual(writing);
    for (const operation of OPERATION_NAMES) expect(isWriteRequest('POST', `/api/v1/rpc/${operation}`)).toBe(writing.includes(operation));
  });

  it('a verification of the sealed log, started and stopped by POST, reads: no admin token (issue 15)', () => {
    expect(isWriteRequest('POST', '/api/v1/integrity/verify')).toBe(false);
    expect(isWriteRequest('POST', '/api/v1/integrity/cancel')).toBe(false);
    expect(isWriteRequest('POST', '/api/v1/integrity')).toBe(true);
    expect(isWriteRequest('DELETE', '/api/v1/integrity/verify')).toBe(false);
  });

  it('is refused 403 without --admin and 401 without the admin token, and passes with it', () => {
    expect(refuseWrite(false, 'admin', true)).toMatchObject({ status: 403, code: 'read_only', message: expect.stringMatching(/mailtrail serve --admin/) });
    expect(refuseWrite(true, null, false)).toMatchObject({ status: 401, code: 'unauthorized', headers: { 'WWW-Authenticate': 'Bearer realm="mailtrail"' } });
    expect(refuseWrite(true, null, true)).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="mailtrail", error="invalid_token"' } });
    expect(refuseWrite(true, 'api', true)).toMatchObject({ status: 401 });
    expect(refuseWrite(true, 'admin', true)).toBeNull();
  });
});
