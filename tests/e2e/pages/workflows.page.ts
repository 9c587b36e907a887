import type { Locator, Page } from '@playwright/test';

/** The Workflows screen (issue 16): the workflows table, the execution history and one execution's page. */
export class WorkflowsPage {
  readonly navLink: Locator;
  readonly workflowRows: Locator;
  readonly executionRows: Locator;
  readonly executionLinks: Locator;
  readonly filterWorkflow: Locator;
  readonly filterStatus: Locator;
  readonly filterEmail: Locator;
  readonly executionsEmpty: Locator;
  readonly loadMore: Locator;
  readonly executionTitle: Locator;
  readonly executionSteps: Locator;
  readonly executionEmail: Locator;
  readonly executionError: Locator;

  constructor(readonly page: Page) {
    this.navLink = page.getByTestId('nav-workflows');
    this.workflowRows = page.getByTestId('workflow-row');
    this.executionRows = page.getByTestId('execution-row');
    this.executionLinks = page.getByTestId('execution-link');
    this.filterWorkflow = page.getByTestId('executions-filter-workflow');
    this.filterStatus = page.getByTestId('executions-filter-status');
    this.filterEmail = page.getByTestId('executions-filter-email');
    this.executionsEmpty = page.getByTestId('executions-empty');
    this.loadMore = page.getByTestId('executions-more');
    this.executionTitle = page.getByTestId('execution-title');
    this.executionSteps = page.getByTestId('execution-step');
    this.executionEmail = page.getByTestId('execution-email');
    this.executionError = page.getByTestId('execution-error-message');
  }

  async goto(baseUrl: string, hash = '#/workflows'): Promise<void> {
    await this.page.goto(`${baseUrl}/${hash}`);
    await this.page.locator('[data-testid="workflows-list"], [data-testid="execution-page"]').first().waitFor();
  }

  workflow(name: string): Locator {
    return this.workflowRows.filter({ has: this.page.getByTestId('workflow-name').getByText(name, { exact: true }) });
  }
}
