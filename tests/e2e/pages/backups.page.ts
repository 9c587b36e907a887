import type { Locator, Page } from '@playwright/test';

/** The Backups screen (issue 17): the jobs, the job editor and the history. */
export class BackupsPage {
  readonly navLink: Locator;
  readonly newJob: Locator;
  readonly jobRows: Locator;
  readonly jobsEmpty: Locator;
  readonly noAdmin: Locator;
  readonly editor: Locator;
  readonly save: Locator;
  readonly historyRows: Locator;
  readonly historyEmpty: Locator;
  readonly schedulePreview: Locator;

  constructor(readonly page: Page) {
    this.navLink = page.getByTestId('nav-backups');
    this.newJob = page.getByTestId('backup-job-new');
    this.jobRows = page.getByTestId('backup-job-row');
    this.jobsEmpty = page.getByTestId('backup-jobs-empty');
    this.noAdmin = page.getByTestId('backups-no-admin');
    this.editor = page.getByTestId('backup-job-editor');
    this.save = page.getByTestId('backup-job-save');
    this.historyRows = page.getByTestId('backup-history-row');
    this.historyEmpty = page.getByTestId('backup-history-empty');
    this.schedulePreview = page.getByTestId('backup-job-schedule-preview');
  }

  async goto(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/#/backups`);
    await this.page.getByTestId('backup-jobs').waitFor();
  }

  field(name: string): Locator {
    return this.page.getByTestId(`backup-job-field-${name}`);
  }

  problem(name: string): Locator {
    return this.page.getByTestId(`backup-job-${name}-problem`);
  }

  async fill(name: string, value: string): Promise<void> {
    await this.field(name).fill(value);
  }

  job(name: string): Locator {
    return this.jobRows.filter({ has: this.page.getByTestId('backup-job-name').getByText(name, { exact: true }) });
  }
}
