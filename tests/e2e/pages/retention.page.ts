import type { Locator, Page } from '@playwright/test';

/** The Retention screen: policy, preview, legal holds, Run with its typed confirmation, and the history. */
export class RetentionPage {
  readonly screen: Locator;
  readonly archiveFigure: Locator;
  readonly purgeFigure: Locator;
  readonly heldFigure: Locator;
  readonly chart: Locator;
  readonly categoryRows: Locator;
  readonly access: Locator;
  readonly adminTokenInput: Locator;
  readonly adminTokenRefused: Locator;
  readonly holdEmailId: Locator;
  readonly holdReason: Locator;
  readonly holdSubmit: Locator;
  readonly holdRows: Locator;
  readonly holdsSearch: Locator;
  readonly runButton: Locator;
  readonly runDialog: Locator;
  readonly runPhrase: Locator;
  readonly runConfirmation: Locator;
  readonly runStart: Locator;
  readonly runProgress: Locator;
  readonly runClose: Locator;
  readonly historyRows: Locator;

  constructor(readonly page: Page) {
    this.screen = page.getByTestId('retention-page');
    this.archiveFigure = page.getByTestId('preview-archive');
    this.purgeFigure = page.getByTestId('preview-purge');
    this.heldFigure = page.getByTestId('preview-held');
    this.chart = page.getByTestId('retention-chart');
    this.categoryRows = page.getByTestId('retention-category-row');
    this.access = page.getByTestId('retention-access');
    this.adminTokenInput = page.getByTestId('admin-token-input');
    this.adminTokenRefused = page.getByTestId('admin-token-refused');
    this.holdEmailId = page.getByTestId('hold-email-id');
    this.holdReason = page.getByTestId('hold-reason-input');
    this.holdSubmit = page.getByTestId('hold-submit');
    this.holdRows = page.getByTestId('hold-row');
    this.holdsSearch = page.getByTestId('holds-search');
    this.runButton = page.getByTestId('retention-run');
    this.runDialog = page.getByTestId('run-dialog');
    this.runPhrase = page.getByTestId('run-phrase');
    this.runConfirmation = page.getByTestId('run-confirmation');
    this.runStart = page.getByTestId('run-start');
    this.runProgress = page.getByTestId('run-progress');
    this.runClose = page.getByTestId('run-close');
    this.historyRows = page.getByTestId('history-row');
  }

  /** Opens the screen on `baseUrl` (the page's own server when empty) and waits for the preview's counts. */
  async goto(baseUrl = ''): Promise<void> {
    await this.page.goto(`${baseUrl}/#/retention`);
    await this.archiveFigure.waitFor();
  }

  async holdEmail(emailId: number, reason: string): Promise<void> {
    await this.holdEmailId.fill(String(emailId));
    await this.holdReason.fill(reason);
    await this.holdSubmit.click();
  }

  async enterAdminToken(token: string): Promise<void> {
    await this.adminTokenInput.fill(token);
    await this.adminTokenInput.press('Enter');
  }

  holdRow(emailId: number): Locator {
    return this.page.locator(`[data-testid="hold-row"][data-email-id="${emailId}"]`);
  }

  historyRow(runId: string): Locator {
    return this.page.locator(`[data-testid="history-row"][data-run-id="${runId}"]`);
  }

  /** Opens Run, types what the dialog asks for, starts the run; answers the run's id. */
  async runWithConfirmation(): Promise<string> {
    await this.runButton.click();
    const phrase = (await this.runPhrase.textContent()) ?? '';
    await this.runConfirmation.fill(phrase);
    await this.runStart.click();
    await this.runProgress.waitFor();
    return (await this.runProgress.getAttribute('data-run-id')) ?? '';
  }
}
