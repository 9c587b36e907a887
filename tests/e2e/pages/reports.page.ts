import type { Download, Locator, Page } from '@playwright/test';

/** The export dialog every screen opens from its Export button. */
export class ExportDialog {
  readonly open: Locator;
  readonly dialog: Locator;
  readonly title: Locator;
  readonly note: Locator;
  readonly start: Locator;
  readonly cancel: Locator;
  readonly stop: Locator;
  readonly progress: Locator;
  readonly saved: Locator;
  readonly error: Locator;
  readonly close: Locator;

  constructor(readonly page: Page) {
    this.open = page.getByTestId('export-open');
    this.dialog = page.getByTestId('export-dialog');
    this.title = page.getByTestId('export-title');
    this.note = page.getByTestId('export-note');
    this.start = page.getByTestId('export-start');
    this.cancel = page.getByTestId('export-cancel');
    this.stop = page.getByTestId('export-stop');
    this.progress = page.getByTestId('export-progress');
    this.saved = page.getByTestId('export-saved');
    this.error = page.getByTestId('export-error');
    this.close = page.getByTestId('export-close');
  }

  format(name: 'csv' | 'jsonl' | 'pdf' | 'html'): Locator {
    return this.page.getByTestId(`export-format-${name}`);
  }

  /** Exports in the format chosen and hands back the browser's download of it. */
  async download(format: 'csv' | 'jsonl' | 'pdf' | 'html'): Promise<Download> {
    await this.format(format).click();
    const download = this.page.waitForEvent('download');
    await this.start.click();
    return download;
  }
}

/** The Reports screen: the reports made on this machine, their verification, and "Verify a file…". */
export class ReportsScreen {
  readonly page: Page;
  readonly screen: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly verifyFile: Locator;
  readonly verifyFileInput: Locator;
  readonly fileResult: Locator;

  constructor(page: Page) {
    this.page = page;
    this.screen = page.getByTestId('reports-page');
    this.rows = page.getByTestId('report-row');
    this.empty = page.getByTestId('reports-empty');
    this.verifyFile = page.getByTestId('verify-file');
    this.verifyFileInput = page.getByTestId('verify-file-input');
    this.fileResult = page.getByTestId('verify-file-result');
  }

  async goto(): Promise<void> {
    await this.page.goto('/#/reports');
  }

  row(id: string): Locator {
    return this.page.locator(`[data-testid="report-row"][data-report-id="${id}"]`);
  }

  /** "Verify a file…" in browser mode: the file chooser the button opens, given this file. */
  async verifyUpload(path: string): Promise<Locator> {
    const chooser = this.page.waitForEvent('filechooser');
    await this.verifyFile.click();
    await (await chooser).setFiles(path);
    return this.fileResult.getByTestId('verification');
  }
}
