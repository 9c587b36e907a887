import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import { findReport, listReports, reportRegisterPath } from './register';
import { verifyReportFile } from './verify';

/** Where the reports service finds the register of reports made on this machine. */
export interface ReportsAccess {
  registerPath: string;
}

export const defaultReportsAccess = (env: NodeJS.ProcessEnv = process.env): ReportsAccess => ({ registerPath: reportRegisterPath(env) });

export type ReportsOperations = Pick<MailtrailService, 'reports/list' | 'reports/verify'>;

/** The read-only report operations; making a report is writeReport (write-report.ts), a stream rather than an answer. */
export function createReportsService(access: ReportsAccess): ReportsOperations {
  return {
    async 'reports/list'({ limit }) {
      return { items: await listReports(access.registerPath, limit) };
    },
    async 'reports/verify'({ id }) {
      const record = await findReport(access.registerPath, id);
      if (!record) throw new MailtrailError('not_found', `no report with id ${JSON.stringify(id)} was made on this machine; pick one from reports/list`);
      return verifyReportFile(record.path);
    },
  };
}
