import type { Locator, Page } from '@playwright/test';

/** The workflow editor (issue 16, item 5): `#/workflows/new` and `#/workflows/{id}/edit`. */
export class WorkflowEditorPage {
  readonly root: Locator;
  readonly title: Locator;
  readonly name: Locator;
  readonly trigger: Locator;
  readonly threshold: Locator;
  readonly priority: Locator;
  readonly steps: Locator;
  readonly addAction: Locator;
  readonly addStep: Locator;
  readonly save: Locator;
  readonly tryEmail: Locator;
  readonly tryRun: Locator;
  readonly tryResult: Locator;
  readonly trySteps: Locator;
  readonly tryTrigger: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('workflow-editor');
    this.title = page.getByTestId('workflow-editor-title');
    this.name = page.getByTestId('workflow-field-name');
    this.trigger = page.getByTestId('workflow-field-classification_trigger');
    this.threshold = page.getByTestId('workflow-field-confidence_threshold');
    this.priority = page.getByTestId('workflow-field-priority');
    this.steps = page.getByTestId('workflow-step');
    this.addAction = page.getByTestId('workflow-add-action');
    this.addStep = page.getByTestId('workflow-add-step');
    this.save = page.getByTestId('workflow-save');
    this.tryEmail = page.getByTestId('workflow-try-email');
    this.tryRun = page.getByTestId('workflow-try-run');
    this.tryResult = page.getByTestId('workflow-try-result');
    this.trySteps = page.getByTestId('workflow-try-step');
    this.tryTrigger = page.getByTestId('workflow-try-trigger');
  }

  fieldError(field: string): Locator {
    return this.page.getByTestId(`field-error-${field}`);
  }

  step(index: number): Locator {
    return this.steps.nth(index);
  }

  /** The actions of the steps, in order, as the form shows them. */
  async stepActions(): Promise<string[]> {
    return this.steps.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action') ?? ''));
  }
}
